//! `cargo xtask build-function [--clean]`: the Lambda functions built exactly as the
//! deploy builds them, `sam build` of `infra/template.yaml` with the deploy's pinned
//! SAM CLI, cargo-lambda and Zig, into `target/sam/build`, and each function checked to
//! be an arm64 Linux `bootstrap`, as Lambda runs it.
//!
//! The test command runs it as it is, after the benchmarks have built the same
//! `cargo lambda build --release --arm64` in the workspace's target directory, so
//! cargo finds nothing to do and the run checks SAM CLI's side: the template's build
//! metadata, the builder, the artifacts. `--clean` builds in a target directory of its
//! own, emptied first: the whole build a first deploy makes, minutes on 2 cores.

use std::path::Path;
use std::process::Command;
use std::time::Instant;

use anyhow::{Context, Result, bail};

use crate::process::run_cmd;

/// The deploy's `sam build` (it runs it in the repository's root).
pub const SAM_BUILD: [&str; 5] = [
    "sam",
    "build",
    "--template-file",
    "infra/template.yaml",
    "--beta-features",
];

/// The template's functions, each built from the backend's binary.
const FUNCTIONS: [&str; 2] = ["ApiFunction", "CleanupFunction"];

pub fn run(root: &Path, clean: bool) -> Result<()> {
    crate::setup::deploy_tools(root)?;
    let build_dir = root.join("target/sam/build");
    remove(&build_dir)?;
    let mut sam = Command::new(SAM_BUILD[0]);
    sam.current_dir(root)
        .args(&SAM_BUILD[1..])
        .arg("--build-dir")
        .arg(&build_dir)
        .env("PATH", crate::setup::deploy_tools_path(root))
        .env("SAM_CLI_TELEMETRY", "0");
    if clean {
        let target = root.join("target/sam/clean-target");
        remove(&target)?;
        println!(
            "build-function: from an empty target directory, {}",
            target.display()
        );
        sam.env("CARGO_TARGET_DIR", &target);
    }
    println!(
        "build-function: {} --build-dir {}",
        SAM_BUILD.join(" "),
        build_dir.display()
    );
    let started = Instant::now();
    run_cmd(&mut sam)?;
    let took = started.elapsed();
    // Functions built alike share one build (`ApiFunction-Shared`): each is found
    // through the CodeUri the built template gives it.
    let built: serde_yaml::Value = serde_yaml::from_str(
        &std::fs::read_to_string(build_dir.join("template.yaml"))
            .context("sam build wrote no template")?,
    )?;
    for function in FUNCTIONS {
        let code = built["Resources"][function]["Properties"]["CodeUri"]
            .as_str()
            .with_context(|| format!("the built template gives {function} no CodeUri"))?;
        let bootstrap = build_dir.join(code).join("bootstrap");
        let bytes = std::fs::read(&bootstrap)
            .with_context(|| format!("sam build made no {}", bootstrap.display()))?;
        check_arm64_executable(&bootstrap, &bytes)?;
        println!(
            "build-function: {function}: {} ({:.2} MB), arm64",
            bootstrap.display(),
            bytes.len() as f64 / 1e6
        );
    }
    println!(
        "build-function: sam build took {:.0} s{}",
        took.as_secs_f64(),
        if clean { " from nothing" } else { "" }
    );
    Ok(())
}

fn remove(dir: &Path) -> Result<()> {
    match std::fs::remove_dir_all(dir) {
        Err(e) if e.kind() != std::io::ErrorKind::NotFound => {
            Err(e).with_context(|| format!("removing {}", dir.display()))
        }
        _ => Ok(()),
    }
}

/// ELF, 64-bit, little-endian, AArch64 (`e_machine` 183), executable by its owner.
fn check_arm64_executable(path: &Path, bytes: &[u8]) -> Result<()> {
    const EM_AARCH64: u16 = 183;
    let elf64_le =
        bytes.len() > 20 && bytes.starts_with(b"\x7fELF") && bytes[4] == 2 && bytes[5] == 1;
    let machine = bytes.get(18..20).map(|m| u16::from_le_bytes([m[0], m[1]]));
    if !elf64_le || machine != Some(EM_AARCH64) {
        bail!(
            "{} is not a 64-bit arm64 Linux binary (machine {machine:?})",
            path.display()
        );
    }
    use std::os::unix::fs::PermissionsExt;
    if std::fs::metadata(path)?.permissions().mode() & 0o100 == 0 {
        bail!("{} is not executable", path.display());
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_a_64_bit_arm64_elf_passes() {
        let mut arm = vec![0u8; 64];
        arm[..4].copy_from_slice(b"\x7fELF");
        arm[4] = 2;
        arm[5] = 1;
        arm[18] = 183;
        let mut x86 = arm.clone();
        x86[18] = 62;
        let path = std::env::current_exe().unwrap();
        assert!(check_arm64_executable(&path, &arm).is_ok());
        assert!(check_arm64_executable(&path, &x86).is_err());
        assert!(check_arm64_executable(&path, b"#!/bin/sh\n").is_err());
    }
}
