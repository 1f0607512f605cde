//! moto on a loopback port: the local stand-in for the Cognito user-pool API and its
//! signing keys, which AWS makes no local version of. DynamoDB is AWS's own DynamoDB
//! Local (see `dynamodb`).

use std::net::{Ipv4Addr, TcpStream};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::thread::sleep;
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};

use crate::setup::VENV;

const READY_TIMEOUT: Duration = Duration::from_secs(60);

/// A running moto server, stopped when dropped.
pub struct MotoServer {
    child: Child,
    pub endpoint: String,
}

impl MotoServer {
    /// Starts moto on a free loopback port and waits until it answers.
    pub fn start(root: &Path, quiet: bool) -> Result<Self> {
        Self::start_on(root, free_port()?, quiet)
    }

    /// Starts moto on `port` and waits until it answers.
    pub fn start_on(root: &Path, port: u16, quiet: bool) -> Result<Self> {
        let mut cmd = command(root, port)?;
        if quiet {
            cmd.stdout(Stdio::null()).stderr(Stdio::null());
        }
        let child = cmd
            .spawn()
            .context("starting moto (run `cargo xtask setup`)")?;
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
                bail!("moto exited before it was ready ({status})");
            }
            if TcpStream::connect((Ipv4Addr::LOCALHOST, port)).is_ok() {
                return Ok(());
            }
            sleep(Duration::from_millis(100));
        }
        bail!("moto did not answer on port {port} within {READY_TIMEOUT:?}")
    }
}

impl Drop for MotoServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// `cargo xtask moto`: runs moto in the foreground.
pub fn run_foreground(root: &Path, port: u16) -> Result<()> {
    println!("moto: http://127.0.0.1:{port} (Ctrl-C stops it)");
    let status = command(root, port)?.status()?;
    if !status.success() {
        bail!("moto stopped ({status})");
    }
    Ok(())
}

fn command(root: &Path, port: u16) -> Result<Command> {
    let server = root.join(VENV).join("bin/moto_server");
    if !server.exists() {
        bail!(
            "moto is not installed in {}: run `cargo xtask setup` first",
            root.join(VENV).display()
        );
    }
    let mut cmd = Command::new(server);
    cmd.args(["-H", "127.0.0.1", "-p", &port.to_string()])
        // Ids derived from names keep the pool and client ids stable across restarts.
        .env("MOTO_COGNITO_IDP_USER_POOL_ID_STRATEGY", "HASH")
        .env("MOTO_COGNITO_IDP_USER_POOL_CLIENT_ID_STRATEGY", "HASH");
    Ok(cmd)
}

/// A loopback port that nothing listens on right now (see [`devstack::free_port`]).
pub fn free_port() -> Result<u16> {
    Ok(devstack::free_port()?)
}
