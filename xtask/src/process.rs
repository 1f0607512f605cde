//! What the tasks share about the programs they start: a local server on a loopback
//! port, waited for and stopped when dropped, or run in the foreground.

use std::net::{Ipv4Addr, TcpStream};
use std::process::{Child, Command, Stdio};
use std::thread::sleep;
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};

/// How long a server may take to open its port: a guard against one that never does,
/// generous enough for a JVM or a Python import on a busy machine.
const READY_TIMEOUT: Duration = Duration::from_secs(120);

/// A server started on a loopback port, stopped when dropped.
pub struct LocalServer {
    child: Child,
    pub endpoint: String,
}

impl LocalServer {
    /// Starts `command` (which serves on `port`), its output hidden, and waits until
    /// the port answers; `what` names it in errors.
    pub fn start(mut command: Command, port: u16, what: &str) -> Result<Self> {
        let child = command
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .with_context(|| format!("starting {what} (run `cargo xtask setup`)"))?;
        let mut server = Self {
            child,
            endpoint: format!("http://127.0.0.1:{port}"),
        };
        let started = Instant::now();
        while started.elapsed() < READY_TIMEOUT {
            if let Some(status) = server.child.try_wait()? {
                bail!("{what} exited before it was ready ({status})");
            }
            if TcpStream::connect((Ipv4Addr::LOCALHOST, port)).is_ok() {
                return Ok(server);
            }
            sleep(Duration::from_millis(100));
        }
        bail!("{what} did not answer on port {port} within {READY_TIMEOUT:?}")
    }
}

impl Drop for LocalServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Runs `command` (serving on `port`) in the foreground until it stops or Ctrl-C.
pub fn foreground(mut command: Command, port: u16, what: &str) -> Result<()> {
    println!("{what}: http://127.0.0.1:{port} (Ctrl-C stops it)");
    let status = command.status()?;
    if !status.success() {
        bail!("{what} stopped ({status})");
    }
    Ok(())
}
