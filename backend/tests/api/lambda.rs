//! The Lambda path: API Gateway HTTP API (v2) events, as the JWT authorizer passes
//! them on, through the same router.

use axum::http::StatusCode;
use http_body_util::BodyExt;
use serde_json::{Value, json};
use tower::ServiceExt;

use crate::helpers::{TestApp, User};

const GATEWAY_REQUEST_ID: &str = "Kd3bXhgSIAMEVjw=";

/// An HTTP API event for `$default` with the authorizer's claims for `user`.
fn event(
    app: &TestApp,
    user: &User,
    authorization: Option<String>,
    method: &str,
    path: &str,
    query: &str,
    body: Option<Value>,
) -> String {
    let mut headers = json!({
        "host": "abc123.execute-api.us-east-1.amazonaws.com",
        "user-agent": "integration-test",
        "content-type": "application/json",
    });
    if let Some(value) = authorization {
        headers["authorization"] = json!(value);
    }
    json!({
        "version": "2.0",
        "routeKey": "$default",
        "rawPath": path,
        "rawQueryString": query,
        "headers": headers,
        "requestContext": {
            "accountId": "123456789012",
            "apiId": "abc123",
            "authorizer": { "jwt": {
                "claims": {
                    "sub": user.sub, "aud": app.stack.client_id, "iss": app.stack.issuer,
                    "token_use": "id", "email": user.email,
                },
                "scopes": null
            }},
            "domainName": "abc123.execute-api.us-east-1.amazonaws.com",
            "domainPrefix": "abc123",
            "http": { "method": method, "path": path, "protocol": "HTTP/1.1", "sourceIp": "203.0.113.7", "userAgent": "integration-test" },
            "requestId": GATEWAY_REQUEST_ID,
            "routeKey": "$default",
            "stage": "$default",
            "time": "27/Nov/2026:10:00:00 +0000",
            "timeEpoch": 1795000000000u64
        },
        "body": body.map(|b| b.to_string()),
        "isBase64Encoded": false
    })
    .to_string()
}

async fn handle(app: &TestApp, event: &str) -> (StatusCode, axum::http::HeaderMap, Value) {
    let request = lambda_http::request::from_str(event).expect("a valid API Gateway v2 event");
    let response = app
        .router
        .clone()
        .oneshot(request)
        .await
        .expect("infallible");
    let (parts, body) = response.into_parts();
    let bytes = body.collect().await.expect("body").to_bytes();
    let json = if bytes.is_empty() {
        Value::Null
    } else {
        serde_json::from_slice(&bytes).expect("JSON")
    };
    (parts.status, parts.headers, json)
}

#[tokio::test]
async fn an_http_api_event_creates_and_lists_posts() {
    let app = TestApp::spawn().await;
    let bearer = Some(format!("Bearer {}", app.alice.id_token));
    let create = event(
        &app,
        &app.alice,
        bearer.clone(),
        "POST",
        "/posts",
        "",
        Some(json!({ "title": "from Lambda", "contents": "hi" })),
    );
    let (status, headers, body) = handle(&app, &create).await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    assert_eq!(body["title"], "from Lambda");
    assert_eq!(body["author"]["id"], app.id_of(&app.alice).await);
    assert_eq!(headers["location"], format!("/posts/{}", body["id"]));
    assert_eq!(
        headers["x-request-id"], GATEWAY_REQUEST_ID,
        "the gateway's request id is kept"
    );

    let list = event(&app, &app.alice, bearer, "GET", "/posts", "limit=5", None);
    let (status, _, body) = handle(&app, &list).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body["posts"][0]["title"], "from Lambda");
    assert!(body.get("next_cursor").is_none());
}

#[tokio::test]
async fn authorizer_claims_alone_are_not_trusted() {
    // Behind API Gateway the backend still verifies the token itself.
    let app = TestApp::spawn().await;
    let without_token = event(&app, &app.alice, None, "GET", "/posts", "", None);
    let (status, _, body) = handle(&app, &without_token).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(body["error"]["code"], "unauthorized");

    let forged = event(
        &app,
        &app.alice,
        Some("Bearer forged.token.value".into()),
        "GET",
        "/posts",
        "",
        None,
    );
    assert_eq!(handle(&app, &forged).await.0, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn errors_reach_lambda_in_the_shared_shape() {
    let app = TestApp::spawn().await;
    let bearer = Some(format!("Bearer {}", app.bob.id_token));
    let missing = event(&app, &app.bob, bearer.clone(), "GET", "/posts/42", "", None);
    let (status, _, body) = handle(&app, &missing).await;
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (StatusCode::NOT_FOUND, Some("not_found"))
    );

    let invalid = event(
        &app,
        &app.bob,
        bearer,
        "POST",
        "/posts",
        "",
        Some(json!({ "title": "", "contents": "c" })),
    );
    let (status, _, body) = handle(&app, &invalid).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(body["error"]["field"], "title");
}

#[tokio::test]
async fn inside_lambda_the_request_id_is_always_the_gateways() {
    let app = TestApp::spawn().await;
    let bearer = Some(format!("Bearer {}", app.alice.id_token));
    let mut request: Value =
        serde_json::from_str(&event(&app, &app.alice, bearer, "GET", "/posts", "", None)).unwrap();
    request["headers"]["x-request-id"] = json!("chosen-by-the-client");
    let (status, headers, _) = handle(&app, &request.to_string()).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        headers["x-request-id"], GATEWAY_REQUEST_ID,
        "a client's x-request-id never replaces the gateway's"
    );
}
