//! Cold start through a stand-in of the Lambda Runtime API: exec to the first event
//! asked for and answered, for the backend and the Python tutorial handler.

use std::path::Path;

use anyhow::{Context, Result, bail};
use devstack::LocalAws;
use serde::Serialize;

use super::fixtures::{READER_POSTS, fresh_table, reader_stack};
use super::stats::Spread;
use super::{Plan, baseline, runtime_api};
use crate::setup;

/// Cold invocations through the Runtime API stand-in, each a fresh process: exec to
/// its first `invocation/next`, and to its answer.
#[derive(Serialize)]
pub struct ColdStart {
    /// The release backend, an HTTP API event of `GET /health`.
    pub health: ColdInvocations,
    /// The release backend, `GET /posts` with a valid token: the pool's key set is
    /// fetched (from the local stack) and the first page read from DynamoDB inside it.
    pub posts: ColdInvocations,
    /// `bench/tutorial_handler.py` under awslambdaric: a boto3 resource, a
    /// `Scan(Select=COUNT)` and a put, for an HTTP API event of `POST /post`.
    pub python: ColdInvocations,
}

#[derive(Serialize)]
pub struct ColdInvocations {
    pub next_ms: Spread,
    pub response_ms: Spread,
    pub peak_rss_kib: Spread,
}

impl ColdInvocations {
    pub fn of(runs: &[runtime_api::Invocation]) -> Self {
        let pick =
            |f: fn(&runtime_api::Invocation) -> f64| Spread::of(runs.iter().map(f).collect());
        Self {
            next_ms: pick(|i| i.next_ms),
            response_ms: pick(|i| i.response_ms),
            peak_rss_kib: pick(|i| i.peak_rss_kib as f64),
        }
    }
}

/// What Lambda sets for every function (reserved variables), as far as a runtime reads
/// them.
pub(super) fn lambda_env(handler: &str) -> Vec<(&'static str, String)> {
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
pub(super) async fn cold_start(
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
