//! What the tasks share about the programs they start: running a command, finding the
//! pinned tools, a child stopped when dropped, a local server on a loopback port
//! waited for, or run in the foreground, and choosing a port.

use std::net::{Ipv4Addr, TcpListener, TcpStream};
use std::path::Path;
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

/// A `cargo` command: the cargo running this task (`CARGO`), so one toolchain builds
/// everything, or the one on PATH.
pub fn cargo() -> Command {
    Command::new(std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into()))
}

/// Runs a command, failing with its name if it fails.
pub fn run_cmd(cmd: &mut Command) -> Result<()> {
    let status = cmd.status().with_context(|| format!("starting {cmd:?}"))?;
    if !status.success() {
        bail!("{cmd:?} failed ({status})");
    }
    Ok(())
}

/// PATH with the project's Node tools and cargo-installed tools first, so Trunk finds
/// the pinned wasm-opt and wasm-bindgen instead of downloading them.
pub fn tool_path(root: &Path) -> std::ffi::OsString {
    let mut dirs = vec![root.join("node_modules/.bin")];
    if let Some(home) = std::env::var_os("CARGO_HOME")
        .map(std::path::PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| std::path::PathBuf::from(h).join(".cargo")))
    {
        dirs.push(home.join("bin"));
    }
    dirs.extend(std::env::split_paths(
        &std::env::var_os("PATH").unwrap_or_default(),
    ));
    std::env::join_paths(dirs).unwrap_or_default()
}

/// A child process killed when dropped.
pub struct ChildGuard(pub Child);

impl Drop for ChildGuard {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Waits until something listens on loopback `port`: a guard against a server that
/// never opens it, not a budget.
pub fn wait_for_port(port: u16, timeout: Duration, what: &str) -> Result<()> {
    let started = Instant::now();
    while started.elapsed() < timeout {
        if TcpStream::connect((Ipv4Addr::LOCALHOST, port)).is_ok() {
            return Ok(());
        }
        sleep(Duration::from_millis(100));
    }
    bail!("{what} did not open port {port} within {timeout:?}")
}

/// `preferred` if it is free, else any free port, saying so.
pub fn preferred_or_free_port(what: &str, preferred: u16) -> Result<u16> {
    if preferred != 0 && TcpListener::bind((Ipv4Addr::LOCALHOST, preferred)).is_ok() {
        return Ok(preferred);
    }
    let other = free_port()?;
    if preferred != 0 {
        println!("port {preferred} for {what} is in use; using {other}");
    }
    Ok(other)
}

/// A loopback port that nothing listens on right now (see [`devstack::free_port`]).
pub fn free_port() -> Result<u16> {
    Ok(devstack::free_port()?)
}
