//! The binary as a local HTTP server, over real TCP.

use std::process::Stdio;
use std::time::{Duration, Instant};

use serde_json::json;
use tokio::process::Command;

use aws_sdk_dynamodb::types::AttributeValue;
use backend::store::schema::PEOPLE_KEY;

use crate::helpers::{TestApp, free_port, fresh_stack, local_aws};

#[tokio::test]
async fn the_router_serves_over_tcp() {
    let app = TestApp::spawn().await;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(backend::serve(listener, app.router.clone()));

    let http = reqwest::Client::new();
    let health = http
        .get(format!("http://{addr}/health"))
        .send()
        .await
        .unwrap();
    assert_eq!(health.status(), 200);
    assert!(health.headers().contains_key("x-request-id"));

    let created = http
        .post(format!("http://{addr}/posts"))
        .bearer_auth(&app.alice.id_token)
        .json(&json!({ "title": "over TCP", "contents": "c" }))
        .send()
        .await
        .unwrap();
    assert_eq!(created.status(), 201);
    let post: shared::Post = created.json().await.unwrap();
    assert_eq!(post.title, "over TCP");
}

#[tokio::test]
async fn the_binary_serves_health_on_loopback_names_only_and_names_a_missing_variable_otherwise() {
    let app = TestApp::spawn().await;
    let port = free_port();
    let binary = env!("CARGO_BIN_EXE_backend");
    let mut child = app
        .local_server(port)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let http = reqwest::Client::new();
    let started = Instant::now();
    let health = loop {
        match http
            .get(format!("http://127.0.0.1:{port}/health"))
            .send()
            .await
        {
            Ok(response) => break response,
            Err(_) if started.elapsed() < Duration::from_secs(120) => {
                tokio::time::sleep(Duration::from_millis(20)).await
            }
            Err(e) => panic!("the binary never answered: {e}"),
        }
    };
    assert_eq!(health.status(), 200);
    // Configured from the environment alone, it reaches the table and checks tokens.
    let list = http
        .get(format!("http://127.0.0.1:{port}/posts"))
        .bearer_auth(&app.alice.id_token)
        .send()
        .await
        .unwrap();
    assert_eq!(list.status(), 200);
    // A page that rebinds its own name to 127.0.0.1 is refused (DNS rebinding).
    for host in [
        "evil.example",
        "evil.example:3000",
        "localhost.evil.example",
    ] {
        let rebound = http
            .get(format!("http://127.0.0.1:{port}/health"))
            .header("host", host)
            .send()
            .await
            .unwrap();
        assert_eq!(rebound.status(), 400, "{host}");
    }
    // ...and so is a rebound name a local proxy passed on (`trunk serve` rewrites
    // `Host` and moves the name to `X-Forwarded-Host`).
    for (header, value) in [
        ("x-forwarded-host", "evil.example:8080"),
        ("forwarded", "for=1.2.3.4;host=evil.example"),
    ] {
        let forwarded = http
            .get(format!("http://127.0.0.1:{port}/health"))
            .header(header, value)
            .send()
            .await
            .unwrap();
        assert_eq!(forwarded.status(), 400, "{header}: {value}");
    }
    let proxied = http
        .get(format!("http://127.0.0.1:{port}/health"))
        .header("x-forwarded-host", "localhost:8080")
        .send()
        .await
        .unwrap();
    assert_eq!(proxied.status(), 200);
    let by_name = http
        .get(format!("http://127.0.0.1:{port}/health"))
        .header("host", format!("localhost:{port}"))
        .send()
        .await
        .unwrap();
    assert_eq!(by_name.status(), 200);
    child.kill().await.unwrap();

    let output = Command::new(binary)
        .env_clear()
        .env("AWS_REGION", "us-east-1")
        .env("AWS_ACCESS_KEY_ID", "local")
        .env("AWS_SECRET_ACCESS_KEY", "local")
        .output()
        .await
        .unwrap();
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("POSTS_TABLE is not set"), "{stderr}");
}

/// Nearly every answer shows an author, so the binary reads (here: makes) the board's
/// author-id key before it takes any request: inside Lambda, during the function's init.
#[tokio::test]
async fn the_binary_has_the_author_id_key_before_it_takes_a_request() {
    let aws = local_aws().await;
    let stack = fresh_stack(&aws).await;
    let port = free_port();
    let _child = Command::new(env!("CARGO_BIN_EXE_backend"))
        .env_clear()
        .envs(stack.backend_env(&aws.dynamodb_endpoint))
        .env("BIND_ADDR", format!("127.0.0.1:{port}"))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .unwrap();
    // It listens only once the key is read; connecting sends no request.
    let started = Instant::now();
    while tokio::net::TcpStream::connect(("127.0.0.1", port))
        .await
        .is_err()
    {
        assert!(
            started.elapsed() < Duration::from_secs(120),
            "the binary never listened"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let key = aws
        .dynamo
        .get_item()
        .table_name(&stack.people_table)
        .key(PEOPLE_KEY, AttributeValue::S("board#author-id-key".into()))
        .consistent_read(true)
        .send()
        .await
        .unwrap()
        .item
        .and_then(|item| item.get("key").cloned());
    match key {
        Some(AttributeValue::B(key)) => assert_eq!(key.as_ref().len(), 32),
        other => panic!("no 32-byte author id key before the first request: {other:?}"),
    }
}

/// The local moto issues the tokens the local backend trusts: a page that rebinds its
/// own name to 127.0.0.1 must not reach it (`xtask/moto_server.py`).
#[tokio::test]
async fn the_local_moto_answers_only_requests_addressed_to_loopback() {
    let endpoint = std::env::var("MOTO_ENDPOINT").expect("MOTO_ENDPOINT (run by cargo xtask test)");
    let http = reqwest::Client::new();
    let status = |headers: Vec<(&'static str, &'static str)>| {
        let mut request = http.get(format!("{endpoint}/"));
        for (name, value) in headers {
            request = request.header(name, value);
        }
        async move { request.send().await.unwrap().status() }
    };
    assert_eq!(status(vec![]).await, 200);
    assert_eq!(status(vec![("host", "localhost")]).await, 200);
    for refused in [
        vec![("host", "evil.example")],
        vec![("host", "evil.example:5000")],
        vec![("x-forwarded-host", "evil.example")],
        vec![("forwarded", "host=evil.example")],
    ] {
        assert_eq!(status(refused.clone()).await, 400, "{refused:?}");
    }
}
