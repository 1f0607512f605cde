//! `cargo xtask bench`: first-load bytes, the first view on a throttled network,
//! start-up, the cold start through a Lambda Runtime API stand-in, write cost against
//! table size,
//! concurrency and package size, each measured side by side with its comparison in the
//! same run, on loopback against the DynamoDB Local and moto the bench starts. Prints a table and writes
//! `bench/results.json` and `bench/results.svg`. `--quick` runs each measurement once
//! at a small size (part of `cargo xtask test`, so the bench cannot rot).

mod baseline;
mod first_view;
mod plot;
mod runtime_api;
mod stats;

use std::collections::{BTreeSet, HashMap};
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{Ipv4Addr, TcpStream};
use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};
use aws_sdk_dynamodb::types::{AttributeValue, PutRequest, WriteRequest};
use backend::domain::Caller;
use backend::store::Store;
use backend::store::schema;
use devstack::LocalAws;
use serde::Serialize;

use self::stats::Spread;
use crate::moto::free_port;
use crate::services::Services;
use crate::setup::{self, run_cmd};
use crate::stack::ChildGuard;

/// How much to measure.
struct Plan {
    first_view_runs: usize,
    startup_runs: usize,
    cold_start_runs: usize,
    burst_requests: usize,
    table_sizes: Vec<usize>,
    write_samples: usize,
    writers: usize,
    posts_per_writer: usize,
}

impl Plan {
    fn new(quick: bool) -> Self {
        if quick {
            Plan {
                first_view_runs: 1,
                startup_runs: 1,
                cold_start_runs: 1,
                burst_requests: 20,
                table_sizes: vec![10, 20],
                write_samples: 1,
                writers: 4,
                posts_per_writer: 2,
            }
        } else {
            Plan {
                first_view_runs: 15,
                startup_runs: 20,
                cold_start_runs: 20,
                burst_requests: 1000,
                table_sizes: vec![100, 1000, 10_000],
                write_samples: 40,
                writers: 64,
                posts_per_writer: 16,
            }
        }
    }
}

#[derive(Serialize)]
struct Results {
    quick: bool,
    first_load: FirstLoad,
    first_view: first_view::FirstView,
    startup: Startup,
    cold_start: ColdStart,
    write_cost: WriteCost,
    concurrency: Concurrency,
    package: Package,
}

#[derive(Serialize)]
struct FileSize {
    file: String,
    raw: u64,
    gzip: u64,
    brotli: u64,
}

#[derive(Serialize)]
struct FirstLoad {
    files: Vec<FileSize>,
    /// What a browser fetches for the first page: html, js, wasm, css, config.
    total: FileSize,
}

#[derive(Serialize)]
struct Startup {
    /// Exec of the release backend to its first `/health` 200, ms.
    backend_ms: Spread,
    /// The backend's peak resident memory over a burst of authenticated requests, KiB.
    backend_peak_rss_kib: u64,
    burst_requests: usize,
    burst_seconds: f64,
    /// Exec of Python to `import boto3` and a DynamoDB resource created, ms.
    python_boto3_ms: Spread,
    python_boto3_peak_rss_kib: u64,
}

/// Cold invocations through the Runtime API stand-in, each a fresh process: exec to
/// its first `invocation/next`, and to its answer.
#[derive(Serialize)]
struct ColdStart {
    /// The release backend, an HTTP API event of `GET /health`.
    health: ColdInvocations,
    /// The release backend, `GET /posts` with a valid token: the pool's key set is
    /// fetched (from the local stack) and the first page read from DynamoDB inside it.
    posts: ColdInvocations,
    /// `bench/tutorial_handler.py` under awslambdaric: a boto3 resource, a
    /// `Scan(Select=COUNT)` and a put, for an HTTP API event of `POST /post`.
    python: ColdInvocations,
}

#[derive(Serialize)]
struct ColdInvocations {
    next_ms: Spread,
    response_ms: Spread,
    peak_rss_kib: Spread,
}

impl ColdInvocations {
    fn of(runs: &[runtime_api::Invocation]) -> Self {
        let pick =
            |f: fn(&runtime_api::Invocation) -> f64| Spread::of(runs.iter().map(f).collect());
        Self {
            next_ms: pick(|i| i.next_ms),
            response_ms: pick(|i| i.response_ms),
            peak_rss_kib: pick(|i| i.peak_rss_kib as f64),
        }
    }
}

#[derive(Serialize)]
struct WritePoint {
    table_size: usize,
    app_ms: Spread,
    baseline_ms: Spread,
}

#[derive(Serialize)]
struct WriteCost {
    points: Vec<WritePoint>,
    /// Median latency at the largest size over the smallest.
    app_ratio: f64,
    baseline_ratio: f64,
}

#[derive(Serialize)]
struct Outcome {
    attempted: usize,
    stored: u64,
    distinct_ids: usize,
    lost: u64,
    duplicate_ids: usize,
}

#[derive(Serialize)]
struct Concurrency {
    writers: usize,
    posts_per_writer: usize,
    app: Outcome,
    baseline: Outcome,
}

#[derive(Serialize)]
struct Package {
    target: String,
    binary_bytes: u64,
    zip_bytes: u64,
}

pub fn run(root: &Path, quick: bool) -> Result<()> {
    setup::run(root)?;
    measure(root, quick)
}

/// The measurements themselves, with the tools already set up.
pub fn measure(root: &Path, quick: bool) -> Result<()> {
    let plan = Plan::new(quick);
    let out_dir = root.join("bench");
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_owned());

    println!("bench: building the app and the release backend");
    crate::app::build(root)?;
    // First the build the cold start runs: the shipped one, but for a configuration
    // that takes the keys from the local stack inside "Lambda" (see backend/Cargo.toml).
    let release = |features: &[&str]| {
        run_cmd(
            Command::new(&cargo)
                .current_dir(root)
                .args(["build", "--release", "--quiet", "--package", "backend"])
                .args(features),
        )
    };
    release(&["--features", "local-keys-in-lambda"])?;
    let lambda_binary = root.join("target/bench/bootstrap");
    std::fs::create_dir_all(root.join("target/bench"))?;
    std::fs::copy(root.join("target/release/backend"), &lambda_binary)?;
    release(&[])?;
    let binary = root.join("target/release/backend");

    let services = Services::start(root)?;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    let client = runtime.block_on(services.connect());

    println!("bench: first load");
    let dist = root.join("dist");
    if !dist.join("config.json").exists() {
        // What a deployment writes there, so the total counts it as a browser would.
        let sample = std::fs::read_to_string(root.join("infra/sample-outputs.json"))?;
        let config = crate::outputs::config_json(&crate::outputs::parse(&sample)?)?;
        std::fs::write(dist.join("config.json"), config)?;
    }
    let first_load = first_load(&dist)?;
    println!("bench: first view in Chromium on a throttled network");
    let first_view = first_view::measure(root, plan.first_view_runs)?;
    println!("bench: start-up and memory");
    let startup = startup(root, &runtime, &client, &binary, &plan)?;
    println!("bench: cold start through a Lambda Runtime API stand-in");
    let cold_start = runtime.block_on(cold_start(root, &client, &lambda_binary, &plan))?;
    println!("bench: write cost against table size");
    let write_cost = runtime.block_on(write_cost(&client, &plan))?;
    println!("bench: concurrency");
    let concurrency = runtime.block_on(concurrency(&client, &plan))?;
    println!("bench: package");
    let package = package(&binary)?;

    let results = Results {
        quick,
        first_load,
        first_view,
        startup,
        cold_start,
        write_cost,
        concurrency,
        package,
    };
    print_table(&results);
    if quick {
        // The smoke run checks that everything still measures; it keeps no figures.
        return Ok(());
    }
    std::fs::create_dir_all(&out_dir)?;
    std::fs::write(
        out_dir.join("results.json"),
        serde_json::to_string_pretty(&results)? + "\n",
    )?;
    plot::draw(&out_dir.join("results.svg"), &results)?;
    println!(
        "bench: wrote {} and {}",
        out_dir.join("results.json").display(),
        out_dir.join("results.svg").display()
    );
    Ok(())
}

// --- 1. First load -------------------------------------------------------------------

fn sizes(name: String, bytes: &[u8]) -> Result<FileSize> {
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    gz.write_all(bytes)?;
    let gzip = gz.finish()?.len() as u64;
    let mut br = Vec::new();
    let params = brotli::enc::BrotliEncoderParams {
        quality: 11,
        lgwin: 22,
        ..Default::default()
    };
    brotli::BrotliCompress(&mut &bytes[..], &mut br, &params)?;
    Ok(FileSize {
        file: name,
        raw: bytes.len() as u64,
        gzip,
        brotli: br.len() as u64,
    })
}

fn first_load(dist: &Path) -> Result<FirstLoad> {
    let mut files = Vec::new();
    for entry in std::fs::read_dir(dist).context("dist/ (run the app's build)")? {
        let path = entry?.path();
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        // A precompressed copy is another encoding of a file counted already.
        if name.ends_with(crate::app::BROTLI_SUFFIX) {
            continue;
        }
        files.push(sizes(name, &std::fs::read(&path)?)?);
    }
    files.sort_by_key(|f| std::cmp::Reverse(f.raw));
    let first_page = |f: &&FileSize| {
        f.file == "index.html"
            || f.file == "config.json"
            || [".js", ".wasm", ".css"]
                .iter()
                .any(|ext| f.file.ends_with(ext))
    };
    let total = files.iter().filter(first_page).fold(
        FileSize {
            file: "first page".to_owned(),
            raw: 0,
            gzip: 0,
            brotli: 0,
        },
        |acc, f| FileSize {
            raw: acc.raw + f.raw,
            gzip: acc.gzip + f.gzip,
            brotli: acc.brotli + f.brotli,
            ..acc
        },
    );
    Ok(FirstLoad { files, total })
}

// --- 2. Start-up ---------------------------------------------------------------------

fn startup(
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

/// A fresh stack with a signed-in reader named "Bench" and [`READER_POSTS`] posts:
/// the stack and the reader's id token.
async fn reader_stack(client: &LocalAws, name: &str) -> Result<(devstack::Stack, String)> {
    let stack = client.bootstrap(&fresh_options(name)).await?;
    client
        .create_user(&stack.user_pool_id, "bench@example.com", "Bench-pass-1")
        .await?;
    let tokens = client
        .sign_in(&stack.client_id, "bench@example.com", "Bench-pass-1")
        .await?;
    let store = Store::new(
        client.dynamo.clone(),
        stack.table.clone(),
        stack.people_table.clone(),
    );
    let sub = client
        .user_sub(&stack.user_pool_id, "bench@example.com")
        .await?;
    store
        .set_name(&sub, &shared::validate::display_name("Bench")?)
        .await?;
    let author = Caller {
        sub,
        moderator: false,
    };
    for i in 0..READER_POSTS {
        let (title, contents) = shared::validate::post(&format!("post {i}"), "contents")?;
        store.create(&author, "Bench", title, contents).await?;
    }
    Ok((stack, tokens.id_token))
}

const READER_POSTS: usize = 20;

/// Polls `GET /health` as fast as the socket allows, until a 200.
fn wait_for_health(port: u16, timeout: Duration) -> Result<()> {
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
async fn burst(port: u16, token: &str, count: usize) -> Result<()> {
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

fn peak_rss_kib(pid: u32) -> Result<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status"))?;
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.split_whitespace().next()?.parse().ok())
        .context("VmHWM in /proc/PID/status")
}

// --- 3. Cold start through the Lambda Runtime API ---------------------------------

/// What Lambda sets for every function (reserved variables), as far as a runtime reads
/// them.
fn lambda_env(handler: &str) -> Vec<(&'static str, String)> {
    vec![
        ("AWS_LAMBDA_FUNCTION_NAME", "board-api".to_owned()),
        ("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "128".to_owned()),
        ("AWS_LAMBDA_FUNCTION_VERSION", "$LATEST".to_owned()),
        (
            "AWS_LAMBDA_LOG_GROUP_NAME",
            "/aws/lambda/board-api".to_owned(),
        ),
        (
            "AWS_LAMBDA_LOG_STREAM_NAME",
            "2026/11/27/[$LATEST]bench".to_owned(),
        ),
        ("AWS_REGION", devstack::REGION.to_owned()),
        ("AWS_DEFAULT_REGION", devstack::REGION.to_owned()),
        ("_HANDLER", handler.to_owned()),
        ("TZ", ":UTC".to_owned()),
        ("LANG", "en_US.UTF-8".to_owned()),
    ]
}

/// The backend (`GET /health`, then `GET /posts` with a token) and the tutorial's
/// Python handler, one cold process per invocation, taken in turn so that drift in the
/// machine spreads over all three.
async fn cold_start(
    root: &Path,
    client: &LocalAws,
    binary: &Path,
    plan: &Plan,
) -> Result<ColdStart> {
    let (stack, token) = reader_stack(client, "cold").await?;
    let tutorial_table = fresh_table(client, "tutorial").await?;
    let backend = || {
        let mut command = tokio::process::Command::new(binary);
        command
            .env_clear()
            .envs(stack.backend_env(&client.dynamodb_endpoint))
            .envs(lambda_env("bootstrap"))
            .env("RUST_LOG", "warn");
        command
    };
    let python = || {
        let mut command = tokio::process::Command::new(root.join(setup::VENV).join("bin/python"));
        command
            .args(["-m", "awslambdaric", "tutorial_handler.lambda_handler"])
            .current_dir(root.join("bench"))
            .env_clear()
            .envs(lambda_env("tutorial_handler.lambda_handler"))
            .env("LAMBDA_TASK_ROOT", root.join("bench"))
            .env("PYTHONDONTWRITEBYTECODE", "1")
            .env("AWS_ACCESS_KEY_ID", "local")
            .env("AWS_SECRET_ACCESS_KEY", "local")
            .env("AWS_ENDPOINT_URL_DYNAMODB", &client.dynamodb_endpoint)
            .env("TABLE_NAME", &tutorial_table);
        command
    };
    let health_event = runtime_api::http_event("GET", "/health", None, None);
    let posts_event = runtime_api::http_event("GET", "/posts", Some(&token), None);
    let post_event = runtime_api::http_event(
        "POST",
        "/post",
        None,
        Some(r#"{"title":"Cold","contents":"A post from a cold start"}"#),
    );

    let (mut health, mut posts, mut python_runs) = (Vec::new(), Vec::new(), Vec::new());
    for _ in 0..plan.cold_start_runs {
        let run = runtime_api::cold_start(backend(), &health_event).await?;
        runtime_api::http_answer(&run, 200).context("GET /health")?;
        health.push(run);

        let run = runtime_api::cold_start(backend(), &posts_event).await?;
        let page: shared::api::PostPage =
            serde_json::from_value(runtime_api::http_answer(&run, 200).context("GET /posts")?)?;
        if page.posts.len() != READER_POSTS {
            bail!(
                "GET /posts listed {} posts, not {READER_POSTS}",
                page.posts.len()
            );
        }
        posts.push(run);

        let run = runtime_api::cold_start(python(), &post_event).await?;
        runtime_api::http_answer(&run, 200).context("the tutorial's POST /post")?;
        python_runs.push(run);
    }
    let stored = baseline::count(&client.dynamo, &tutorial_table).await?;
    if stored != plan.cold_start_runs as u64 {
        bail!(
            "the tutorial's handler stored {stored} posts for {} calls",
            plan.cold_start_runs
        );
    }
    Ok(ColdStart {
        health: ColdInvocations::of(&health),
        posts: ColdInvocations::of(&posts),
        python: ColdInvocations::of(&python_runs),
    })
}

// --- 4. Write cost -------------------------------------------------------------------

fn fresh_options(name: &str) -> devstack::Options {
    let unique = format!("{name}-{}", uuid::Uuid::new_v4().simple());
    devstack::Options {
        table: format!("bench-{unique}"),
        people_table: format!("bench-people-{unique}"),
        pool_name: format!("bench-{unique}"),
        ..Default::default()
    }
}

async fn fresh_table(client: &LocalAws, name: &str) -> Result<String> {
    let table = fresh_options(name).table;
    schema::create_table(&client.dynamo, &table).await?;
    Ok(table)
}

/// The store over a fresh posts table and a fresh people table, with `writers`
/// named writer-0, writer-1, ... (display names `Writer 0`, ...).
async fn fresh_store(client: &LocalAws, name: &str, writers: usize) -> Result<(Store, String)> {
    let options = fresh_options(name);
    schema::create_table(&client.dynamo, &options.table).await?;
    schema::create_people_table(&client.dynamo, &options.people_table).await?;
    let store = Store::new(
        client.dynamo.clone(),
        options.table.clone(),
        options.people_table,
    );
    for writer in 0..writers {
        store
            .set_name(
                &format!("writer-{writer}"),
                &shared::validate::display_name(&format!("Writer {writer}"))?,
            )
            .await?;
    }
    Ok((store, options.table))
}

/// One post written as the API writes it: the writer's name read, a unit of their
/// quota taken, the post stored.
async fn write_as_api(store: &Store, sub: &str, title: String) -> Result<u64> {
    let name = store
        .profile(sub)
        .await?
        .and_then(|p| p.display_name)
        .context("the writer has a name")?;
    let unlimited = backend::config::Quota {
        per_minute: u32::MAX,
        per_day: u32::MAX,
    };
    store.take_write(sub, unlimited).await?;
    let (title, contents) = shared::validate::post(&title, "contents")?;
    let author = Caller {
        sub: sub.to_owned(),
        moderator: false,
    };
    Ok(store.create(&author, &name, title, contents).await?.id)
}

/// Adds posts `from..to` (ids) to a table, 25 to a request.
async fn seed(
    client: &LocalAws,
    table: &str,
    from: usize,
    to: usize,
    app_items: bool,
) -> Result<()> {
    let ids: Vec<usize> = (from..to).collect();
    for chunk in ids.chunks(25) {
        let requests: Vec<WriteRequest> = chunk
            .iter()
            .map(|id| {
                let mut item = HashMap::from([
                    ("id".to_owned(), AttributeValue::N(id.to_string())),
                    (
                        "title".to_owned(),
                        AttributeValue::S(format!("seeded post {id}")),
                    ),
                    ("contents".to_owned(), AttributeValue::S("x".repeat(200))),
                ]);
                if app_items {
                    for (k, v) in [
                        ("feed", "post"),
                        ("author_sub", "seed"),
                        ("author_name", "seed"),
                    ] {
                        item.insert(k.to_owned(), AttributeValue::S(v.to_owned()));
                    }
                    for k in ["created_at", "updated_at"] {
                        item.insert(
                            k.to_owned(),
                            AttributeValue::S("2026-01-01T00:00:00.000Z".to_owned()),
                        );
                    }
                }
                let put = PutRequest::builder().set_item(Some(item)).build()?;
                Ok(WriteRequest::builder().put_request(put).build())
            })
            .collect::<Result<_>>()?;
        let mut pending = HashMap::from([(table.to_owned(), requests)]);
        while !pending.is_empty() {
            let out = client
                .dynamo
                .batch_write_item()
                .set_request_items(Some(pending))
                .send()
                .await?;
            pending = out.unprocessed_items.unwrap_or_default();
            pending.retain(|_, v| !v.is_empty());
        }
    }
    if app_items {
        // The counter stands where the seeded ids end, as it would after real writes.
        let counter = HashMap::from([
            (
                schema::KEY.to_owned(),
                AttributeValue::N(schema::COUNTER_ID.to_string()),
            ),
            (
                schema::COUNTER_ATTR.to_owned(),
                AttributeValue::N((to - 1).to_string()),
            ),
        ]);
        client
            .dynamo
            .put_item()
            .table_name(table)
            .set_item(Some(counter))
            .send()
            .await?;
    }
    Ok(())
}

async fn write_cost(client: &LocalAws, plan: &Plan) -> Result<WriteCost> {
    let (store, app_table) = fresh_store(client, "app", 1).await?;
    let base_table = fresh_table(client, "baseline").await?;
    let (mut app_next, mut base_next) = (1, 1);
    let mut points = Vec::new();
    for &size in &plan.table_sizes {
        seed(client, &app_table, app_next, size + 1, true).await?;
        seed(client, &base_table, base_next, size + 1, false).await?;
        let (mut app_ms, mut base_ms) = (Vec::new(), Vec::new());
        // Side by side: one write each, in turn, so drift hits both alike.
        for i in 0..plan.write_samples {
            let started = Instant::now();
            write_as_api(&store, "writer-0", format!("measured {i}")).await?;
            app_ms.push(started.elapsed().as_secs_f64() * 1000.0);
            let started = Instant::now();
            baseline::create(&client.dynamo, &base_table, "measured").await?;
            base_ms.push(started.elapsed().as_secs_f64() * 1000.0);
        }
        app_next = size + 1 + plan.write_samples;
        base_next = size + 1 + plan.write_samples;
        points.push(WritePoint {
            table_size: size,
            app_ms: Spread::of(app_ms),
            baseline_ms: Spread::of(base_ms),
        });
    }
    let ratio = |f: fn(&WritePoint) -> f64| match (points.first(), points.last()) {
        (Some(first), Some(last)) => f(last) / f(first),
        _ => f64::NAN,
    };
    let app_ratio = ratio(|p| p.app_ms.median);
    let baseline_ratio = ratio(|p| p.baseline_ms.median);
    Ok(WriteCost {
        points,
        app_ratio,
        baseline_ratio,
    })
}

// --- 5. Concurrency ------------------------------------------------------------------

async fn concurrency(client: &LocalAws, plan: &Plan) -> Result<Concurrency> {
    let attempted = plan.writers * plan.posts_per_writer;

    let (store, app_table) = fresh_store(client, "app-concurrent", plan.writers).await?;
    let mut tasks = tokio::task::JoinSet::new();
    for writer in 0..plan.writers {
        let (store, per) = (store.clone(), plan.posts_per_writer);
        tasks.spawn(async move {
            let sub = format!("writer-{writer}");
            let mut ids = Vec::new();
            for i in 0..per {
                ids.push(write_as_api(&store, &sub, format!("w{writer} p{i}")).await?);
            }
            anyhow::Ok(ids)
        });
    }
    let mut app_ids = Vec::new();
    while let Some(result) = tasks.join_next().await {
        app_ids.extend(result??);
    }
    let app_stored = baseline::count(&client.dynamo, &app_table)
        .await?
        .saturating_sub(1); // less the counter
    let app = outcome(attempted, app_stored, &app_ids);

    let base_table = fresh_table(client, "baseline-concurrent").await?;
    let mut tasks = tokio::task::JoinSet::new();
    for writer in 0..plan.writers {
        let (dynamo, table, per) = (
            client.dynamo.clone(),
            base_table.clone(),
            plan.posts_per_writer,
        );
        tasks.spawn(async move {
            let mut ids = Vec::new();
            for i in 0..per {
                ids.push(baseline::create(&dynamo, &table, &format!("w{writer} p{i}")).await?);
            }
            anyhow::Ok(ids)
        });
    }
    let mut base_ids = Vec::new();
    while let Some(result) = tasks.join_next().await {
        base_ids.extend(result??);
    }
    let base_stored = baseline::count(&client.dynamo, &base_table).await?;
    let baseline = outcome(attempted, base_stored, &base_ids);
    Ok(Concurrency {
        writers: plan.writers,
        posts_per_writer: plan.posts_per_writer,
        app,
        baseline,
    })
}

fn outcome(attempted: usize, stored: u64, ids: &[u64]) -> Outcome {
    let distinct = ids.iter().collect::<BTreeSet<_>>().len();
    Outcome {
        attempted,
        stored,
        distinct_ids: distinct,
        lost: (attempted as u64).saturating_sub(stored),
        duplicate_ids: ids.len() - distinct,
    }
}

// --- 6. Package ----------------------------------------------------------------------

fn package(binary: &Path) -> Result<Package> {
    let bytes = std::fs::read(binary)?;
    let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let options = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated)
        .compression_level(Some(9))
        .unix_permissions(0o755);
    zip.start_file("bootstrap", options)?;
    zip.write_all(&bytes)?;
    let zipped = zip.finish()?.into_inner();
    Ok(Package {
        target: format!(
            "{}-{} (release, stripped)",
            std::env::consts::ARCH,
            std::env::consts::OS
        ),
        binary_bytes: bytes.len() as u64,
        zip_bytes: zipped.len() as u64,
    })
}

// --- Output --------------------------------------------------------------------------

fn kb(bytes: u64) -> String {
    format!("{:.1} kB", bytes as f64 / 1000.0)
}

fn ms(spread: &Spread) -> String {
    format!(
        "{:.1} ms (p10 {:.1}, p90 {:.1}, n={})",
        spread.median, spread.p10, spread.p90, spread.samples
    )
}

fn print_table(r: &Results) {
    println!();
    println!("| measurement | result |");
    println!("|---|---|");
    for f in &r.first_load.files {
        println!(
            "| `{}` raw / gzip / brotli | {} / {} / {} |",
            f.file,
            kb(f.raw),
            kb(f.gzip),
            kb(f.brotli)
        );
    }
    let t = &r.first_load.total;
    println!(
        "| **first load** (html, js, wasm, css, config) raw / gzip / brotli | {} / {} / **{}** |",
        kb(t.raw),
        kb(t.gzip),
        kb(t.brotli)
    );
    let f = &r.first_view;
    println!(
        "| first view, throttled, cold ({} runs): visitor's sign-in button · reader's first post | {} · **{}** |",
        f.runs,
        ms(&f.visitor_ms),
        ms(&f.reader_ms)
    );
    let s = &r.startup;
    println!(
        "| backend: exec to first `/health` 200 | {} |",
        ms(&s.backend_ms)
    );
    println!(
        "| backend: peak memory over {} authenticated requests | {:.1} MiB ({:.0} req/s) |",
        s.burst_requests,
        s.backend_peak_rss_kib as f64 / 1024.0,
        s.burst_requests as f64 / s.burst_seconds
    );
    println!(
        "| Python: exec to boto3 DynamoDB resource | {} |",
        ms(&s.python_boto3_ms)
    );
    println!(
        "| Python: peak memory | {:.1} MiB |",
        s.python_boto3_peak_rss_kib as f64 / 1024.0
    );
    let c = &r.cold_start;
    for (name, runs) in [
        ("backend, `GET /health`", &c.health),
        ("backend, `GET /posts` with a token", &c.posts),
        (
            "Python tutorial handler (awslambdaric), `POST /post`",
            &c.python,
        ),
    ] {
        println!(
            "| cold start via the Runtime API, {name}: exec → event asked · → answered · peak memory | {} · **{}** · {:.1} MiB |",
            ms(&runs.next_ms),
            ms(&runs.response_ms),
            runs.peak_rss_kib.median / 1024.0
        );
    }
    for p in &r.write_cost.points {
        println!(
            "| create at {} posts: app p50 / p95 · baseline p50 / p95 | {:.1} / {:.1} ms · {:.1} / {:.1} ms |",
            p.table_size, p.app_ms.median, p.app_ms.p95, p.baseline_ms.median, p.baseline_ms.p95
        );
    }
    let sizes = &r.write_cost.points;
    if let (Some(first), Some(last)) = (sizes.first(), sizes.last()) {
        println!(
            "| create p50 ratio {} : {} posts, app · baseline | **{:.2}** · {:.2} |",
            last.table_size, first.table_size, r.write_cost.app_ratio, r.write_cost.baseline_ratio
        );
    }
    let c = &r.concurrency;
    for (name, o) in [("app", &c.app), ("baseline", &c.baseline)] {
        println!(
            "| {} writers × {} posts, {name}: stored / lost / duplicate ids | {} / {} / {} |",
            c.writers, c.posts_per_writer, o.stored, o.lost, o.duplicate_ids
        );
    }
    println!(
        "| package ({}): binary / zipped | {} / **{}** |",
        r.package.target,
        kb(r.package.binary_bytes),
        kb(r.package.zip_bytes)
    );
    println!();
}
