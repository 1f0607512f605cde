//! moto on a loopback port: the local stand-in for the Cognito user-pool API and its
//! signing keys, which AWS makes no local version of. DynamoDB is AWS's own DynamoDB
//! Local (see `dynamodb`).

use std::path::Path;
use std::process::Command;

use anyhow::{Result, bail};

use crate::process::{LocalServer, foreground, free_port};
use crate::setup::VENV;

/// A running moto server, stopped when dropped.
pub type MotoServer = LocalServer;

/// Starts moto on `port` and waits until it answers.
pub fn start_on(root: &Path, port: u16) -> Result<MotoServer> {
    LocalServer::start(command(root, port)?, port, "moto")
}

/// Starts moto on a free loopback port.
pub fn start(root: &Path) -> Result<MotoServer> {
    start_on(root, free_port()?)
}

/// `cargo xtask moto`: runs moto in the foreground.
pub fn run_foreground(root: &Path, port: u16) -> Result<()> {
    foreground(command(root, port)?, port, "moto")
}

/// moto's own server behind a check that requests are addressed to loopback
/// (`xtask/moto_server.py`: no DNS rebinding), on 127.0.0.1.
fn command(root: &Path, port: u16) -> Result<Command> {
    let python = root.join(VENV).join("bin/python");
    if !root.join(VENV).join("bin/moto_server").exists() {
        bail!(
            "moto is not installed in {}: run `cargo xtask setup` first",
            root.join(VENV).display()
        );
    }
    let mut cmd = Command::new(python);
    cmd.arg(root.join("xtask/moto_server.py"))
        .arg(port.to_string())
        // Ids derived from names keep the pool and client ids stable across restarts.
        .env("MOTO_COGNITO_IDP_USER_POOL_ID_STRATEGY", "HASH")
        .env("MOTO_COGNITO_IDP_USER_POOL_CLIENT_ID_STRATEGY", "HASH");
    Ok(cmd)
}
