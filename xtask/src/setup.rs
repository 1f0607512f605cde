//! `cargo xtask setup`: installs what is missing, and nothing twice.

use std::fs;
use std::path::Path;
use std::process::Command;

use anyhow::{Context, Result, bail};

use crate::process::{cargo, run_cmd};

/// The project's Python virtualenv, holding moto.
pub const VENV: &str = ".venv";
/// The Python tools' top level, pinned.
const REQUIREMENTS: &str = "xtask/requirements.txt";
/// Every package of their tree, pinned with its hashes: what is installed.
const LOCK: &str = "xtask/requirements.lock";
/// The deploy's tools (the SAM CLI, cargo-lambda, Zig): an environment of their own, so
/// that deploying needs none of the test tools.
pub const DEPLOY_VENV: &str = ".venv-deploy";
const DEPLOY_REQUIREMENTS: &str = "xtask/deploy-requirements.txt";
const DEPLOY_LOCK: &str = "xtask/deploy-requirements.lock";

pub fn run(root: &Path) -> Result<()> {
    python_tools(root)?;
    // The tests run the deploy's command lines through the real SAM CLI.
    deploy_tools(root)?;
    app_tools(root)?;
    java()?;
    chromium()?;
    println!("setup: done");
    Ok(())
}

/// The app's release build: the WebAssembly target, trunk, wasm-bindgen-cli, wasm-opt
/// and terser. With [`deploy_tools`], all a deploy installs: no browser, no Java, no
/// test tools.
pub fn app_tools(root: &Path) -> Result<()> {
    wasm_target()?;
    cargo_tool(
        "trunk",
        TRUNK_VERSION,
        &["install", "--locked", "trunk", "--version", TRUNK_VERSION],
    )?;
    wasm_bindgen(root)?;
    node_tools(root)
}

/// The wasm-bindgen-cli tree, locked with checksums: `tools/wasm-bindgen` and its
/// Cargo.lock (see its Cargo.toml for why the crate's own lock is not used).
pub const WASM_BINDGEN_TOOL: &str = "tools/wasm-bindgen";

/// `wasm-bindgen` from [`WASM_BINDGEN_TOOL`], `--locked`, unless that build at the
/// workspace's version is what cargo installed (one from crates.io is replaced).
fn wasm_bindgen(root: &Path) -> Result<()> {
    let version = wasm_bindgen_version(root)?;
    let installed = cargo().args(["install", "--list"]).output()?;
    let ours = format!("{} v{version} ", tool_package(root)?);
    if String::from_utf8_lossy(&installed.stdout)
        .lines()
        .any(|line| line.starts_with(&ours))
        && tool_version("wasm-bindgen").is_some_and(|v| v.ends_with(&version))
    {
        println!("setup: wasm-bindgen {version} (locked) is installed");
        return Ok(());
    }
    println!("setup: installing wasm-bindgen {version} from {WASM_BINDGEN_TOOL} (--locked)");
    let tool = root.join(WASM_BINDGEN_TOOL);
    run_cmd(cargo().args([
        "install",
        "--locked",
        "--force",
        "--path",
        &tool.to_string_lossy(),
        "--target-dir",
        &root.join("target/tools").to_string_lossy(),
    ]))
}

/// The name of the package in [`WASM_BINDGEN_TOOL`].
fn tool_package(root: &Path) -> Result<String> {
    let manifest = fs::read_to_string(root.join(WASM_BINDGEN_TOOL).join("Cargo.toml"))?;
    manifest
        .lines()
        .find_map(|l| l.strip_prefix("name = \""))
        .map(|n| n.trim_end_matches('"').to_owned())
        .context("no package name in the wasm-bindgen tool's Cargo.toml")
}

/// trunk 0.22 needs a newer Rust than this project's toolchain.
pub const TRUNK_VERSION: &str = "0.21.14";
/// The wasm-opt that Trunk.toml pins, from the npm package binaryen.
pub const WASM_OPT_VERSION: &str = "version_132";

fn wasm_target() -> Result<()> {
    rust_target("wasm32-unknown-unknown")
}

/// `rustup target add TARGET`, unless it is there.
fn rust_target(target: &str) -> Result<()> {
    let installed = Command::new("rustup")
        .args(["target", "list", "--installed"])
        .output()
        .with_context(|| format!("rustup is needed to add the {target} target"))?;
    if String::from_utf8_lossy(&installed.stdout)
        .lines()
        .any(|l| l.trim() == target)
    {
        return Ok(());
    }
    println!("setup: adding the {target} target");
    run_cmd(Command::new("rustup").args(["target", "add", target]))
}

/// A tool built from crates.io at an exact version, unless that version is on PATH.
fn cargo_tool(binary: &str, version: &str, install: &[&str]) -> Result<()> {
    if tool_version(binary).is_some_and(|v| v.split_whitespace().any(|w| w == version)) {
        println!("setup: {binary} {version} is installed");
        return Ok(());
    }
    println!(
        "setup: installing {binary} {version} (cargo {})",
        install.join(" ")
    );
    run_cmd(cargo().args(install))
}

fn tool_version(binary: &str) -> Option<String> {
    let out = Command::new(binary).arg("--version").output().ok()?;
    out.status
        .success()
        .then(|| String::from_utf8_lossy(&out.stdout).trim().to_owned())
}

/// The `wasm-bindgen` version in Cargo.lock, which wasm-bindgen-cli must equal; and
/// Trunk.toml must pin the same.
pub fn wasm_bindgen_version(root: &Path) -> Result<String> {
    let lock = fs::read_to_string(root.join("Cargo.lock"))?;
    let version = lock
        .split("[[package]]")
        .find(|entry| entry.lines().any(|l| l.trim() == "name = \"wasm-bindgen\""))
        .and_then(|entry| {
            entry
                .lines()
                .find_map(|l| l.trim().strip_prefix("version = \""))
        })
        .map(|v| v.trim_end_matches('"').to_owned())
        .context("wasm-bindgen is not in Cargo.lock")?;
    let tool = fs::read_to_string(root.join(WASM_BINDGEN_TOOL).join("Cargo.toml"))?;
    if !tool.contains(&format!("wasm-bindgen-cli = \"={version}\"")) {
        bail!(
            "{WASM_BINDGEN_TOOL}/Cargo.toml must pin wasm-bindgen-cli = \"={version}\", the \
             version in Cargo.lock (then `cargo xtask lock`)"
        );
    }
    let trunk = fs::read_to_string(root.join("Trunk.toml"))?;
    if !trunk.contains(&format!("wasm_bindgen = \"{version}\"")) {
        bail!("Trunk.toml must pin wasm_bindgen = \"{version}\", the version in Cargo.lock");
    }
    if !trunk.contains(&format!("wasm_opt = \"{WASM_OPT_VERSION}\"")) {
        bail!("Trunk.toml must pin wasm_opt = \"{WASM_OPT_VERSION}\"");
    }
    Ok(version)
}

/// wasm-opt (binaryen) and playwright-core at the versions in package-lock.json;
/// reinstalled only when the lock file changes.
fn node_tools(root: &Path) -> Result<()> {
    let lock =
        fs::read_to_string(root.join("package-lock.json")).context("reading package-lock.json")?;
    let stamp = root.join("node_modules/.installed-lock");
    let wasm_opt = root.join("node_modules/.bin/wasm-opt");
    if fs::read_to_string(&stamp).is_ok_and(|s| s == lock)
        && tool_version(&wasm_opt.to_string_lossy()).is_some_and(|v| v.contains(WASM_OPT_VERSION))
    {
        println!("setup: Node tools are installed");
        return Ok(());
    }
    println!("setup: installing Node tools (npm ci)");
    run_cmd(
        Command::new("npm")
            .current_dir(root)
            .args(["ci", "--no-audit", "--no-fund"]),
    )
    .context("npm (Node.js 18 or newer) is needed; Debian: apt-get install nodejs npm")?;
    fs::write(stamp, lock)?;
    Ok(())
}

/// The browser the browser tests drive: Debian's Chromium (`CHROMIUM` names another).
pub fn chromium_path() -> String {
    std::env::var("CHROMIUM").unwrap_or_else(|_| "/usr/bin/chromium".to_owned())
}

fn chromium() -> Result<()> {
    if Path::new(&chromium_path()).exists() {
        println!("setup: Chromium is installed");
        return Ok(());
    }
    apt_install(
        "chromium",
        "Chromium is needed for the browser tests: `sudo apt-get install chromium` (or set CHROMIUM to its path)",
    )
}

/// A Java runtime for DynamoDB Local (Debian's headless JRE 17).
fn java() -> Result<()> {
    if Command::new("java")
        .arg("-version")
        .output()
        .is_ok_and(|o| o.status.success())
    {
        println!("setup: a Java runtime is installed");
        return Ok(());
    }
    apt_install(
        "openjdk-17-jre-headless",
        "a Java runtime is needed for DynamoDB Local: `sudo apt-get install openjdk-17-jre-headless`",
    )
}

/// Installs a Debian package when run as root; otherwise says how to.
fn apt_install(package: &str, otherwise: &str) -> Result<()> {
    let is_root = Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|o| String::from_utf8_lossy(&o.stdout).trim() == "0");
    if !is_root {
        bail!("{otherwise}");
    }
    println!("setup: installing {package} (apt-get)");
    run_cmd(Command::new("apt-get").args(["update", "-qq"]))?;
    run_cmd(
        Command::new("apt-get")
            .args(["install", "-y", "-qq", "--no-install-recommends", package])
            .env("DEBIAN_FRONTEND", "noninteractive"),
    )
}

/// A virtualenv with the Python tools, every package installed from the lock and
/// checked against its hashes (`--require-hashes`); rebuilt only when the lock changes.
fn python_tools(root: &Path) -> Result<()> {
    locked_venv(root, VENV, LOCK)
}

/// The deploy's tools in their own virtualenv, from their lock, as [`python_tools`],
/// and the Rust target of the function (Lambda on arm64).
pub fn deploy_tools(root: &Path) -> Result<()> {
    locked_venv(root, DEPLOY_VENV, DEPLOY_LOCK)?;
    // A toolchain not managed by rustup brings its targets its own way; the build
    // then names the missing one.
    if Command::new("rustup").arg("--version").output().is_err() {
        println!("setup: no rustup here to add {LAMBDA_TARGET}; the function's build needs it");
        return Ok(());
    }
    rust_target(LAMBDA_TARGET)
}

/// The function's Rust target: Lambda's Graviton (arm64), Amazon Linux 2023.
pub const LAMBDA_TARGET: &str = "aarch64-unknown-linux-gnu";

/// The PATH the deploy's tools run with: `.venv-deploy/bin` (the pinned SAM CLI,
/// cargo-lambda, and the python3 whose `ziglang` cargo-zigbuild runs as Zig), then the
/// app's build tools, then the caller's PATH (the AWS CLI). `BOARD_DEPLOY_TOOLS`
/// names another directory for the first place (the tests' stand-ins).
pub fn deploy_tools_path(root: &Path) -> std::ffi::OsString {
    let first = std::env::var_os("BOARD_DEPLOY_TOOLS")
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|| root.join(DEPLOY_VENV).join("bin"));
    let rest = crate::process::tool_path(root);
    let mut dirs = vec![first];
    dirs.extend(std::env::split_paths(&rest));
    std::env::join_paths(dirs).unwrap_or(rest)
}

/// The virtualenv `venv` with exactly what `lock` pins, checked against its hashes.
fn locked_venv(root: &Path, venv_dir: &str, lock_file: &str) -> Result<()> {
    let lock =
        fs::read_to_string(root.join(lock_file)).with_context(|| format!("reading {lock_file}"))?;
    let stamp = root.join(venv_dir).join(".requirements");
    if fs::read_to_string(&stamp).is_ok_and(|s| s == lock) {
        println!("setup: {lock_file} is installed in {venv_dir}/");
        return Ok(());
    }
    let python = find_python().context(
        "Python 3.11 or newer is needed for moto and Schemathesis; install it, e.g. `apt-get install python3 python3-venv`",
    )?;
    let venv = root.join(venv_dir);
    if !venv.join("bin/python").exists() {
        println!("setup: creating {venv_dir}/ with {python}");
        run_cmd(Command::new(&python).args(["-m", "venv"]).arg(&venv))?;
    }
    println!("setup: installing {lock_file} (every package checked against its hashes)");
    run_cmd(
        Command::new(venv.join("bin/python"))
            .args([
                "-m",
                "pip",
                "install",
                "--quiet",
                "--disable-pip-version-check",
                "--require-hashes",
                "--no-deps",
                "-r",
            ])
            .arg(root.join(lock_file)),
    )?;
    fs::write(&stamp, lock)?;
    Ok(())
}

/// `cargo xtask lock`: writes both locks anew from their top-level pins, with uv
/// (itself one of the locked tools), for every Python from 3.11 on and every platform.
pub fn lock(root: &Path) -> Result<()> {
    python_tools(root)?;
    for (requirements, lock) in [(REQUIREMENTS, LOCK), (DEPLOY_REQUIREMENTS, DEPLOY_LOCK)] {
        run_cmd(
            Command::new(root.join(VENV).join("bin/uv"))
                .current_dir(root)
                .args([
                    "pip",
                    "compile",
                    requirements,
                    "--universal",
                    "--python-version",
                    "3.11",
                    "--generate-hashes",
                    "--no-header",
                    "--quiet",
                    "--output-file",
                    lock,
                ]),
        )?;
        println!("lock: wrote {lock}; `cargo xtask setup` installs it");
    }
    // The smallest change that meets the tool's manifest (a new wasm-bindgen-cli
    // version): the rest of its tree stays as locked.
    let manifest = root.join(WASM_BINDGEN_TOOL).join("Cargo.toml");
    run_cmd(cargo().args([
        "update",
        "--workspace",
        "--manifest-path",
        &manifest.to_string_lossy(),
    ]))?;
    println!("lock: wrote {WASM_BINDGEN_TOOL}/Cargo.lock; `cargo xtask setup` installs it");
    Ok(())
}

fn find_python() -> Option<String> {
    ["python3", "python"].into_iter().find_map(|name| {
        let out = Command::new(name)
            .args(["-c", "import sys, venv; print(sys.version_info >= (3, 11))"])
            .output()
            .ok()?;
        (out.status.success() && String::from_utf8_lossy(&out.stdout).trim() == "True")
            .then(|| name.to_owned())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `name==version` of each pin in a requirements file (extras dropped, names in
    /// lower case), without comments and hash lines.
    fn pins(text: &str) -> Vec<(String, String)> {
        text.lines()
            .map(|line| line.split('#').next().unwrap_or_default().trim())
            .filter_map(|line| line.split_once("=="))
            .map(|(name, version)| {
                let name = name.split('[').next().unwrap_or_default();
                let version = version.split([' ', ';', '\\']).next().unwrap_or_default();
                (name.trim().to_lowercase(), version.trim().to_owned())
            })
            .collect()
    }

    /// The lock cannot drift from the pins it was made from: `cargo xtask lock` after
    /// changing xtask/requirements.txt.
    #[test]
    fn each_lock_holds_every_top_level_pin_at_its_version_with_hashes() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
        for (requirements, lock) in [(REQUIREMENTS, LOCK), (DEPLOY_REQUIREMENTS, DEPLOY_LOCK)] {
            let top = pins(&fs::read_to_string(root.join(requirements)).unwrap());
            let lock_text = fs::read_to_string(root.join(lock)).unwrap();
            let locked = pins(&lock_text);
            assert!(top.len() >= 3, "{top:?}");
            for pin in &top {
                assert!(
                    locked.contains(pin),
                    "{pin:?} is not in {lock} at that version: run `cargo xtask lock`"
                );
            }
            assert!(
                locked.len() > top.len(),
                "the whole tree of {lock} is locked"
            );
            let hashed = lock_text.matches("--hash=sha256:").count();
            assert!(
                hashed >= locked.len(),
                "every package in {lock} has its hashes"
            );
        }
    }

    /// The wasm-bindgen Trunk runs is built from a tree locked crate by crate, with
    /// checksums, at the version the app's Cargo.lock names.
    #[test]
    fn the_wasm_bindgen_tool_is_locked_to_the_workspaces_version_with_checksums() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
        let version = wasm_bindgen_version(&root).unwrap();
        let lock = fs::read_to_string(root.join(WASM_BINDGEN_TOOL).join("Cargo.lock")).unwrap();
        let packages: Vec<&str> = lock.split("[[package]]").skip(1).collect();
        assert!(packages.len() > 100, "the whole tree is locked");
        let tool = tool_package(&root).unwrap();
        for package in &packages {
            if package.contains(&format!("name = \"{tool}\"")) {
                continue;
            }
            assert!(
                package
                    .contains("source = \"registry+https://github.com/rust-lang/crates.io-index\"")
                    && package.contains("checksum = \""),
                "from crates.io with its checksum: {package}"
            );
        }
        assert!(
            packages
                .iter()
                .any(|p| p.contains("name = \"wasm-bindgen-cli\"")
                    && p.contains(&format!("version = \"{version}\""))),
            "wasm-bindgen-cli {version} is in the tool's lock"
        );
    }
}
