//! `cargo xtask setup`: installs what is missing, and nothing twice.

use std::fs;
use std::path::Path;
use std::process::Command;

use anyhow::{Context, Result, bail};

/// The project's Python virtualenv, holding moto.
pub const VENV: &str = ".venv";
const REQUIREMENTS: &str = "xtask/requirements.txt";
/// Records which requirements the virtualenv was built from.
const STAMP: &str = ".venv/.requirements";

pub fn run(root: &Path) -> Result<()> {
    python_tools(root)?;
    println!("setup: done");
    Ok(())
}

/// A virtualenv with the pinned Python tools; rebuilt only when the pins change.
fn python_tools(root: &Path) -> Result<()> {
    let requirements =
        fs::read_to_string(root.join(REQUIREMENTS)).context("reading the requirements")?;
    let stamp = root.join(STAMP);
    if fs::read_to_string(&stamp).is_ok_and(|s| s == requirements) {
        println!("setup: Python tools are up to date in {VENV}/");
        return Ok(());
    }
    let python = find_python().context(
        "Python 3 (3.9 or newer) is needed for moto; install it, e.g. `apt-get install python3 python3-venv`",
    )?;
    let venv = root.join(VENV);
    if !venv.join("bin/python").exists() {
        println!("setup: creating {VENV}/ with {python}");
        run_cmd(Command::new(&python).args(["-m", "venv"]).arg(&venv))?;
    }
    println!("setup: installing {}", REQUIREMENTS);
    run_cmd(
        Command::new(venv.join("bin/python"))
            .args([
                "-m",
                "pip",
                "install",
                "--quiet",
                "--disable-pip-version-check",
                "-r",
            ])
            .arg(root.join(REQUIREMENTS)),
    )?;
    fs::write(&stamp, requirements)?;
    Ok(())
}

fn find_python() -> Option<String> {
    ["python3", "python"].into_iter().find_map(|name| {
        let out = Command::new(name)
            .args(["-c", "import sys, venv; print(sys.version_info >= (3, 9))"])
            .output()
            .ok()?;
        (out.status.success() && String::from_utf8_lossy(&out.stdout).trim() == "True")
            .then(|| name.to_owned())
    })
}

/// Runs a command, failing with its name if it fails.
pub fn run_cmd(cmd: &mut Command) -> Result<()> {
    let status = cmd.status().with_context(|| format!("starting {cmd:?}"))?;
    if !status.success() {
        bail!("{cmd:?} failed ({status})");
    }
    Ok(())
}
