//! Start-up and memory: the local backend from exec to its first `/health` answer, its
//! peak memory under a burst of signed-in reads, and the Python tutorial's for comparison.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{Ipv4Addr, TcpStream};
use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};
use devstack::LocalAws;
use serde::Serialize;

use super::Plan;
use super::fixtures::{peak_rss_kib, reader_stack};
use super::stats::Spread;
use crate::process::{ChildGuard, free_port};
use crate::setup;

#[derive(Serialize)]
pub struct Startup {
    /// Exec of the release backend to its first `/health` 200, ms.
    pub backend_ms: Spread,
    /// The backend's peak resident memory over a burst of authenticated requests, KiB.
    pub backend_peak_rss_kib: u64,
    pub burst_requests: usize,
    pub burst_seconds: f64,
    /// Exec of Python to `import boto3` and a DynamoDB resource created, ms.
    pub python_boto3_ms: Spread,
    pub python_boto3_peak_rss_kib: u64,
}

pub(super) fn startup(
    root: &Path,
    runtime: &tokio::runtime::Runtime,
    client: &LocalAws,
    binary: &Path,
    plan: &Plan,
) -> Result<Startup> {
    let (stack, token) = runtime.block_on(reader_stack(client, "startup"))?;
    let spawn = |port: u16| -> Result<ChildGuard> {
        let child = Command::new(binary)
            .env_clear()
            .envs(stack.backend_env(&client.dynamodb_endpoint))
            .env("BIND_ADDR", format!("127.0.0.1:{port}"))
            .env("RUST_LOG", "warn")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()?;
        Ok(ChildGuard(child))
    };

    let mut backend_ms = Vec::new();
    for _ in 0..plan.startup_runs {
        let port = free_port()?;
        let started = Instant::now();
        let _child = spawn(port)?;
        wait_for_health(port, Duration::from_secs(60))?;
        backend_ms.push(started.elapsed().as_secs_f64() * 1000.0);
    }

    let port = free_port()?;
    let child = spawn(port)?;
    wait_for_health(port, Duration::from_secs(60))?;
    let burst_started = Instant::now();
    runtime.block_on(burst(port, &token, plan.burst_requests))?;
    let burst_seconds = burst_started.elapsed().as_secs_f64();
    let backend_peak_rss_kib = peak_rss_kib(child.0.id())?;
    drop(child);

    let python = root.join(setup::VENV).join("bin/python");
    let script = format!(
        "import resource, boto3\n\
         boto3.resource('dynamodb', region_name='{}', endpoint_url='{}', aws_access_key_id='local', aws_secret_access_key='local')\n\
         print('ready', resource.getrusage(resource.RUSAGE_SELF).ru_maxrss, flush=True)",
        devstack::REGION,
        client.dynamodb_endpoint
    );
    let mut python_ms = Vec::new();
    let mut python_rss = 0;
    for _ in 0..plan.startup_runs {
        let started = Instant::now();
        let mut child = Command::new(&python)
            .args(["-c", &script])
            .stdout(Stdio::piped())
            .spawn()?;
        let mut line = String::new();
        BufReader::new(child.stdout.take().context("python's stdout")?).read_line(&mut line)?;
        python_ms.push(started.elapsed().as_secs_f64() * 1000.0);
        let _ = child.wait();
        python_rss = line
            .split_whitespace()
            .nth(1)
            .and_then(|v| v.parse().ok())
            .context("python's answer")?;
    }
    Ok(Startup {
        backend_ms: Spread::of(backend_ms),
        backend_peak_rss_kib,
        burst_requests: plan.burst_requests,
        burst_seconds,
        python_boto3_ms: Spread::of(python_ms),
        python_boto3_peak_rss_kib: python_rss,
    })
}

/// Polls `GET /health` as fast as the socket allows, until a 200.
pub(super) fn wait_for_health(port: u16, timeout: Duration) -> Result<()> {
    let started = Instant::now();
    while started.elapsed() < timeout {
        if let Ok(mut stream) = TcpStream::connect((Ipv4Addr::LOCALHOST, port)) {
            let _ = stream
                .write_all(b"GET /health HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n");
            let mut head = [0u8; 12];
            if stream.read_exact(&mut head).is_ok() && &head == b"HTTP/1.1 200" {
                return Ok(());
            }
        }
        std::thread::sleep(Duration::from_micros(200));
    }
    bail!("no /health 200 within {timeout:?}")
}

/// `count` authenticated `GET /posts` requests, 32 at a time.
pub(super) async fn burst(port: u16, token: &str, count: usize) -> Result<()> {
    let http = reqwest::Client::new();
    let url = format!("http://127.0.0.1:{port}/posts?limit=20");
    let next = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let mut tasks = tokio::task::JoinSet::new();
    for _ in 0..32 {
        let (http, url, token, next) = (http.clone(), url.clone(), token.to_owned(), next.clone());
        tasks.spawn(async move {
            while next.fetch_add(1, std::sync::atomic::Ordering::Relaxed) < count {
                let response = http.get(&url).bearer_auth(&token).send().await?;
                if !response.status().is_success() {
                    anyhow::bail!("GET /posts answered {}", response.status());
                }
                response.bytes().await?;
            }
            Ok(())
        });
    }
    while let Some(result) = tasks.join_next().await {
        result??;
    }
    Ok(())
}
