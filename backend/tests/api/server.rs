//! The binary as a local HTTP server, over real TCP.

use std::process::Stdio;
use std::time::{Duration, Instant};

use serde_json::json;
use tokio::process::Command;

use crate::helpers::{TestApp, free_port};

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
