//! A stand-in for the Lambda Runtime API, to time a cold start the way Lambda starts a
//! function: the process is executed with `AWS_LAMBDA_RUNTIME_API` pointing here, asks
//! `invocation/next` for its first event, and posts its answer to
//! `invocation/{id}/response` (or `invocation/{id}/error`, or `init/error` when it
//! cannot start). Only the documented endpoints of the `2018-06-01` API are answered.
//!
//! One stand-in serves one process and one event: the time from exec to the first
//! `next` is the runtime's start, from exec to the response the whole cold invocation.

use std::net::Ipv4Addr;
use std::process::Stdio;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use anyhow::{Context, Result, bail};
use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use base64::Engine;
use serde_json::{Value, json};
use tokio::sync::mpsc;

const REQUEST_ID: &str = "8476a536-e9f4-11e8-9739-2dfe598c3fcd";
const FUNCTION_ARN: &str = "arn:aws:lambda:us-east-1:123456789012:function:board-api";
/// How long the function may take for its first event, start included.
const TIMEOUT: Duration = Duration::from_secs(60);

/// One cold invocation, timed from the exec.
pub struct Invocation {
    /// Exec to the function's first `GET invocation/next`.
    pub next_ms: f64,
    /// Exec to the answer posted to `invocation/{id}/response`.
    pub response_ms: f64,
    /// The process's peak resident memory once it has answered.
    pub peak_rss_kib: u64,
    /// The answer as the function posted it (for an HTTP API event: `statusCode`,
    /// `headers`, `body`).
    pub response: Value,
}

/// What the function told the stand-in.
enum Report {
    Next(Instant),
    Response(Instant, Bytes),
    Error(String),
    InitError(String),
}

#[derive(Clone)]
struct Api {
    event: Arc<Vec<u8>>,
    handed_out: Arc<AtomicBool>,
    reports: mpsc::UnboundedSender<Report>,
}

/// Runs `command` as Lambda would for one event and times it. The process is killed
/// once it has answered (it would otherwise wait for its next event).
pub async fn cold_start(mut command: tokio::process::Command, event: &Value) -> Result<Invocation> {
    let listener = tokio::net::TcpListener::bind((Ipv4Addr::LOCALHOST, 0)).await?;
    let port = listener.local_addr()?.port();
    let (reports, mut received) = mpsc::unbounded_channel();
    let api = Api {
        event: Arc::new(serde_json::to_vec(event)?),
        handed_out: Arc::new(AtomicBool::new(false)),
        reports,
    };
    let app = Router::new()
        .route("/2018-06-01/runtime/invocation/next", get(next))
        .route(
            "/2018-06-01/runtime/invocation/{id}/response",
            post(response),
        )
        .route("/2018-06-01/runtime/invocation/{id}/error", post(error))
        .route("/2018-06-01/runtime/init/error", post(init_error))
        .with_state(api);
    let server = tokio::spawn(async move { axum::serve(listener, app).await });

    command
        .env("AWS_LAMBDA_RUNTIME_API", format!("127.0.0.1:{port}"))
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .kill_on_drop(true);
    let started = Instant::now();
    let mut child = command.spawn().context("starting the function")?;
    let pid = child.id().context("the function's process id")?;

    let mut next_at = None;
    let answer = tokio::time::timeout(TIMEOUT, async {
        loop {
            tokio::select! {
                report = received.recv() => match report {
                    Some(Report::Next(at)) => next_at = Some(at),
                    Some(Report::Response(at, body)) => return Ok((at, body)),
                    Some(Report::Error(body)) => bail!("the function answered with an error: {body}"),
                    Some(Report::InitError(body)) => bail!("the function could not start: {body}"),
                    None => bail!("the Runtime API stand-in stopped"),
                },
                status = child.wait() => bail!("the function exited ({status:?}) without answering"),
            }
        }
    })
    .await
    .with_context(|| format!("no answer from the function within {TIMEOUT:?}"));
    let peak_rss_kib = super::fixtures::peak_rss_kib(pid);
    let _ = child.kill().await;
    server.abort();

    let (answered_at, body) = answer??;
    let next_at = next_at.context("the function answered without asking for its event")?;
    Ok(Invocation {
        next_ms: ms_between(started, next_at),
        response_ms: ms_between(started, answered_at),
        peak_rss_kib: peak_rss_kib?,
        response: serde_json::from_slice(&body).context("the function's answer is not JSON")?,
    })
}

fn ms_between(from: Instant, to: Instant) -> f64 {
    to.duration_since(from).as_secs_f64() * 1000.0
}

/// `GET invocation/next`: the event, once. The process is stopped after its first
/// answer, so a second ask simply waits.
async fn next(State(api): State<Api>) -> Response {
    let at = Instant::now();
    if api.handed_out.swap(true, Ordering::SeqCst) {
        std::future::pending::<()>().await;
    }
    let _ = api.reports.send(Report::Next(at));
    let deadline = SystemTime::now()
        .checked_add(TIMEOUT)
        .and_then(|t| t.duration_since(UNIX_EPOCH).ok())
        .map_or(0, |d| d.as_millis());
    (
        [
            ("lambda-runtime-aws-request-id", REQUEST_ID.to_owned()),
            ("lambda-runtime-deadline-ms", deadline.to_string()),
            (
                "lambda-runtime-invoked-function-arn",
                FUNCTION_ARN.to_owned(),
            ),
            (
                "lambda-runtime-trace-id",
                "Root=1-5bef4de7-ad49b0e87f6ef6c87fc2e700;Parent=9a9197af755a6419;Sampled=0"
                    .to_owned(),
            ),
            (header::CONTENT_TYPE.as_str(), "application/json".to_owned()),
        ],
        api.event.as_ref().clone(),
    )
        .into_response()
}

async fn response(State(api): State<Api>, body: Bytes) -> impl IntoResponse {
    let _ = api.reports.send(Report::Response(Instant::now(), body));
    accepted()
}

async fn error(State(api): State<Api>, body: Bytes) -> impl IntoResponse {
    let _ = api
        .reports
        .send(Report::Error(String::from_utf8_lossy(&body).into_owned()));
    accepted()
}

async fn init_error(State(api): State<Api>, body: Bytes) -> impl IntoResponse {
    let _ = api.reports.send(Report::InitError(
        String::from_utf8_lossy(&body).into_owned(),
    ));
    accepted()
}

fn accepted() -> impl IntoResponse {
    (
        StatusCode::ACCEPTED,
        [(header::CONTENT_TYPE, "application/json")],
        r#"{"status":"OK"}"#,
    )
}

/// An API Gateway HTTP API (payload 2.0) event, as the `$default` stage passes a
/// request to the function. With a token, the JWT authorizer's claims come along as
/// API Gateway passes them (every value a string).
pub fn http_event(method: &str, path: &str, token: Option<&str>, body: Option<&str>) -> Value {
    let mut headers = json!({
        "accept": "application/json",
        "host": "bench.execute-api.us-east-1.amazonaws.com",
        "user-agent": "board-bench",
    });
    let mut request_context = json!({
        "accountId": "123456789012",
        "apiId": "bench",
        "domainName": "bench.execute-api.us-east-1.amazonaws.com",
        "domainPrefix": "bench",
        "http": {
            "method": method,
            "path": path,
            "protocol": "HTTP/1.1",
            "sourceIp": "127.0.0.1",
            "userAgent": "board-bench",
        },
        "requestId": "bench-request",
        "routeKey": format!("{method} {path}"),
        "stage": "$default",
        "time": "27/Nov/2026:12:00:00 +0000",
        "timeEpoch": 1_795_780_800_000u64,
    });
    if let Some(token) = token {
        headers["authorization"] = json!(format!("Bearer {token}"));
        request_context["authorizer"] =
            json!({ "jwt": { "claims": claims(token), "scopes": null } });
    }
    if body.is_some() {
        headers["content-type"] = json!("application/json");
    }
    json!({
        "version": "2.0",
        "routeKey": format!("{method} {path}"),
        "rawPath": path,
        "rawQueryString": "",
        "headers": headers,
        "requestContext": request_context,
        "body": body,
        "isBase64Encoded": false,
    })
}

/// The token's claims as the JWT authorizer hands them on: strings.
fn claims(token: &str) -> Value {
    let payload = token
        .split('.')
        .nth(1)
        .and_then(|p| {
            base64::engine::general_purpose::URL_SAFE_NO_PAD
                .decode(p)
                .ok()
        })
        .and_then(|bytes| serde_json::from_slice::<serde_json::Map<String, Value>>(&bytes).ok())
        .unwrap_or_default();
    payload
        .into_iter()
        .map(|(name, value)| {
            let text = match value {
                Value::String(s) => s,
                other => other.to_string(),
            };
            (name, Value::String(text))
        })
        .collect()
}

/// Checks the function's answer to an HTTP API event: status and the JSON body.
pub fn http_answer(invocation: &Invocation, expected_status: u16) -> Result<Value> {
    let status = invocation.response["statusCode"].as_u64();
    let body = invocation.response["body"].as_str().unwrap_or_default();
    if status != Some(u64::from(expected_status)) {
        bail!("the function answered {status:?}, not {expected_status}: {body}");
    }
    serde_json::from_str(body).with_context(|| format!("the answer's body is not JSON: {body}"))
}
