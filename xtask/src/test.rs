//! `cargo xtask test`: every check and test the project has, against a fresh moto.

use std::path::Path;
use std::process::Command;

use anyhow::Result;

use crate::moto::MotoServer;
use crate::setup::{self, run_cmd};

pub fn run(root: &Path) -> Result<()> {
    setup::run(root)?;
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_owned());

    println!("test: formatting");
    run_cmd(
        Command::new(&cargo)
            .current_dir(root)
            .args(["fmt", "--all", "--check"]),
    )?;
    println!("test: lints");
    run_cmd(Command::new(&cargo).current_dir(root).args([
        "clippy",
        "--workspace",
        "--all-targets",
        "--quiet",
        "--",
        "-D",
        "warnings",
    ]))?;

    // Dropping the server stops it, whether the tests pass or fail.
    let moto = MotoServer::start(root, true)?;
    println!("test: moto at {}", moto.endpoint);
    run_cmd(
        Command::new(&cargo)
            .current_dir(root)
            .args(["test", "--workspace", "--all-targets"])
            .env("MOTO_ENDPOINT", &moto.endpoint),
    )?;
    println!("test: all passed");
    Ok(())
}
