//! Tokens never reach a log, at any `RUST_LOG` level: the binary run as a local server
//! and as a Lambda function (against a stand-in for the Lambda Runtime API), both with
//! `RUST_LOG=trace`, and everything it printed searched for the token.

use std::process::Stdio;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::Router;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue};
use axum::routing::{get, post};
use serde_json::{Value, json};
use tokio::process::{Child, Command};
use tokio::sync::mpsc;

use crate::helpers::{TestApp, free_port};

/// Stops `child` and returns everything it wrote to stdout and stderr.
async fn output_of(mut child: Child) -> String {
    child.start_kill().unwrap();
    let output = child.wait_with_output().await.unwrap();
    format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    )
}

fn assert_no_token(log: &str, token: &str) {
    assert!(!log.is_empty(), "the binary logged nothing at all");
    // The signature alone is enough to find a token, however it was quoted.
    let signature = token.rsplit('.').next().unwrap();
    assert!(
        !log.contains(signature),
        "the token is in the log:\n{log:.3000}"
    );
}

/// Starts `command` with its output captured, for [`output_of`].
fn start_captured(command: &mut Command) -> Child {
    command
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap()
}

/// Sends the request `build` makes until the freshly started binary answers it (a
/// refused connection means it is not listening yet), for at most two minutes.
async fn once_up(build: impl Fn() -> reqwest::RequestBuilder) -> reqwest::Response {
    let started = Instant::now();
    loop {
        match build().send().await {
            Ok(reply) => return reply,
            Err(_) if started.elapsed() < Duration::from_secs(120) => {
                tokio::time::sleep(Duration::from_millis(20)).await
            }
            Err(e) => panic!("the binary never answered: {e}"),
        }
    }
}

/// AWS credentials as Lambda hands them to a function: the secret key and the session
/// token sign every DynamoDB request and must appear in no log line.
const SECRET_ACCESS_KEY: &str = "wJalrXUtnFEMI-test-secret-key-9f3c";
const SESSION_TOKEN: &str = "IQoJb3JpZ2luX2VjE-test-session-token-7d1a";

fn assert_no_credentials(log: &str) {
    for (what, secret) in [
        ("secret access key", SECRET_ACCESS_KEY),
        ("session token", SESSION_TOKEN),
    ] {
        assert!(
            !log.contains(secret),
            "the {what} is in the log:\n{log:.3000}"
        );
    }
}

#[tokio::test]
async fn the_local_server_logs_no_token_at_trace() {
    let app = TestApp::spawn().await;
    let port = free_port();
    let child = start_captured(
        app.local_server(port)
            .env("RUST_LOG", "trace")
            .env("AWS_SECRET_ACCESS_KEY", SECRET_ACCESS_KEY)
            .env("AWS_SESSION_TOKEN", SESSION_TOKEN),
    );
    let http = reqwest::Client::new();
    let reply = once_up(|| {
        http.post(format!("http://127.0.0.1:{port}/posts"))
            .bearer_auth(&app.alice.id_token)
            .json(&json!({ "title": "logged?", "contents": "c" }))
    })
    .await;
    assert_eq!(reply.status(), 201);
    let log = output_of(child).await;
    // Lines below INFO prove the level took effect.
    assert!(
        log.contains(" DEBUG ") || log.contains(" TRACE "),
        "{log:.2000}"
    );
    assert_no_token(&log, &app.alice.id_token);
    assert_no_credentials(&log);
}

#[tokio::test]
async fn a_moderators_deletion_is_logged_with_who_what_and_when() {
    let app = TestApp::spawn().await;
    let moderator = app.moderator("mod").await;
    // The log names a moderator by their display name.
    app.name(&moderator, "Kim Minji").await;
    let own = app.create(&app.alice, "my own words", "c").await;
    let theirs = app.create(&app.bob, "against the rules", "c").await;
    let port = free_port();
    let child = start_captured(&mut app.local_server(port));
    let http = reqwest::Client::new();
    let delete = |token: String, id: u64| {
        let http = http.clone();
        async move {
            once_up(|| {
                http.delete(format!("http://127.0.0.1:{port}/posts/{id}"))
                    .bearer_auth(&token)
            })
            .await
            .status()
        }
    };
    assert_eq!(delete(app.alice.id_token.clone(), own.id).await, 204);
    assert_eq!(delete(moderator.id_token.clone(), theirs.id).await, 204);
    let log = output_of(child).await;
    let lines: Vec<&str> = log
        .lines()
        .filter(|l| l.contains("a moderator deleted a post"))
        .collect();
    assert_eq!(
        lines.len(),
        1,
        "only the moderator's deletion:\n{log:.3000}"
    );
    let line = lines[0];
    assert!(line.contains(" WARN "), "logged at WARN: {line}");
    for expected in [
        format!("moderator_sub={}", moderator.sub),
        format!("post_id={}", theirs.id),
        format!("author_sub={}", app.bob.sub),
        "post_title=against the rules".to_owned(),
        "deleted_at=20".to_owned(),
    ] {
        assert!(line.contains(&expected), "{expected} in {line}");
    }
}

/// A stand-in for the Lambda Runtime API: hands out one event, then waits; records
/// what the function answered.
#[derive(Clone)]
struct RuntimeApi {
    event: Arc<Mutex<Option<String>>>,
    answers: mpsc::UnboundedSender<String>,
}

const RUNTIME_REQUEST_ID: &str = "8476a536-e9f4-11e8-9739-2dfe598c3fcd";

async fn next_invocation(State(api): State<RuntimeApi>) -> (HeaderMap, String) {
    let event = api.event.lock().unwrap().take();
    let Some(event) = event else {
        // One event only: the function waits here until the test stops it.
        std::future::pending::<()>().await;
        unreachable!()
    };
    let mut headers = HeaderMap::new();
    headers.insert(
        "lambda-runtime-aws-request-id",
        HeaderValue::from_static(RUNTIME_REQUEST_ID),
    );
    headers.insert(
        "lambda-runtime-deadline-ms",
        HeaderValue::from_str(&(now_ms() + 30_000).to_string()).unwrap(),
    );
    headers.insert(
        "lambda-runtime-invoked-function-arn",
        HeaderValue::from_static("arn:aws:lambda:eu-west-1:123456789012:function:board"),
    );
    headers.insert("content-type", HeaderValue::from_static("application/json"));
    (headers, event)
}

fn now_ms() -> u128 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_millis()
}

#[tokio::test]
async fn the_lambda_function_logs_no_token_at_trace() {
    let app = TestApp::spawn().await;
    let token = app.alice.id_token.clone();
    let event = json!({
        "version": "2.0", "routeKey": "$default", "rawPath": "/posts", "rawQueryString": "",
        "headers": { "authorization": format!("Bearer {token}"), "host": "api.example" },
        "requestContext": {
            "accountId": "123456789012", "apiId": "abc123", "domainName": "api.example",
            "domainPrefix": "api", "requestId": "gateway-id", "routeKey": "$default",
            "stage": "$default", "time": "27/Nov/2026:10:00:00 +0000", "timeEpoch": 1795000000000u64,
            "http": { "method": "GET", "path": "/posts", "protocol": "HTTP/1.1",
                      "sourceIp": "203.0.113.7", "userAgent": "test" },
        },
        "isBase64Encoded": false,
    });
    let (answers, mut answered) = mpsc::unbounded_channel();
    let api = RuntimeApi {
        event: Arc::new(Mutex::new(Some(event.to_string()))),
        answers,
    };
    let record = |State(api): State<RuntimeApi>, body: String| async move {
        let _ = api.answers.send(body);
        axum::http::StatusCode::ACCEPTED
    };
    let router = Router::new()
        .route("/2018-06-01/runtime/invocation/next", get(next_invocation))
        .route("/2018-06-01/runtime/invocation/{id}/response", post(record))
        .route("/2018-06-01/runtime/invocation/{id}/error", post(record))
        .route("/2018-06-01/runtime/init/error", post(record))
        .with_state(api);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let runtime_api = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, router).await });

    // Inside Lambda only Cognito's own issuer and keys are accepted; with no network
    // here the keys cannot be fetched, which does not matter: the event (and the token
    // in it) has been through the runtime's logging by then.
    let mut function = Command::new(env!("CARGO_BIN_EXE_backend"));
    function
        .env_clear()
        .env("RUST_LOG", "trace")
        .env("AWS_LAMBDA_RUNTIME_API", runtime_api.to_string())
        .env("AWS_LAMBDA_FUNCTION_NAME", "board")
        .env("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "128")
        .env("AWS_LAMBDA_FUNCTION_VERSION", "$LATEST")
        .env("AWS_REGION", "eu-west-1")
        .env("AWS_ACCESS_KEY_ID", "local")
        .env("AWS_SECRET_ACCESS_KEY", SECRET_ACCESS_KEY)
        .env("AWS_SESSION_TOKEN", SESSION_TOKEN)
        .env("AWS_ENDPOINT_URL_DYNAMODB", &app.aws.dynamodb_endpoint)
        .env("POSTS_TABLE", &app.stack.table)
        .env("PEOPLE_TABLE", &app.stack.people_table)
        .env("COMMENTS_TABLE", &app.stack.comments_table)
        .env(
            "COGNITO_ISSUER",
            "https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_Test",
        )
        .env("COGNITO_CLIENT_ID", &app.stack.client_id)
        .kill_on_drop(true);
    let child = start_captured(&mut function);
    let answer = tokio::time::timeout(Duration::from_secs(120), answered.recv())
        .await
        .expect("the function answered the event")
        .unwrap();
    let answer: Value = serde_json::from_str(&answer).unwrap();
    assert!(answer["statusCode"].is_number(), "{answer}");
    let log = output_of(child).await;
    // Lambda's log lines are JSON: lines below INFO prove the level took effect.
    assert!(
        log.contains("\"level\":\"DEBUG\"") || log.contains("\"level\":\"TRACE\""),
        "{log:.2000}"
    );
    assert_no_token(&log, &token);
    assert_no_credentials(&log);
}

#[tokio::test]
async fn a_refused_requests_log_line_quotes_at_most_200_characters_of_it() {
    let app = TestApp::spawn().await;
    let port = free_port();
    let child = start_captured(&mut app.local_server(port));
    let huge = "x".repeat(100_000);
    let body = format!(r#"{{"title": "t", "contents": "c", "{huge}": 1}}"#);
    let http = reqwest::Client::new();
    let status = once_up(|| {
        http.post(format!("http://127.0.0.1:{port}/posts"))
            .bearer_auth(&app.alice.id_token)
            .header("content-type", "application/json")
            .body(body.clone())
    })
    .await
    .status();
    assert_eq!(status, 422);
    let log = output_of(child).await;
    let line = log
        .lines()
        .find(|l| l.contains("request refused") && l.contains("status=422"))
        .unwrap_or_else(|| panic!("no line for the refusal:\n{log:.3000}"));
    let message = line
        .split_once("error=")
        .map(|(_, m)| m)
        .unwrap_or_else(|| panic!("{line:.500}"));
    assert!(message.starts_with("unknown field `xxx"), "{message:.300}");
    assert!(message.contains('…'), "cut: {message:.300}");
    let quoted = message.split('…').next().unwrap_or_default();
    assert!(
        quoted.chars().count() < 200,
        "{} characters",
        quoted.chars().count()
    );
    assert!(
        !log.contains(&"x".repeat(200)),
        "no 200 characters of the input anywhere"
    );
}
