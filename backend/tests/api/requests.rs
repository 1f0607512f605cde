//! Bad requests get a clear 4xx in the shared error shape and change nothing stored;
//! reads and writes need a token; CORS answers only the configured origins.

use axum::body::Body;
use axum::http::{HeaderValue, Method, Request, StatusCode, header};
use serde_json::json;

use crate::helpers::{Reply, TestApp};

impl TestApp {
    /// A POST /posts with a raw body and content type, as alice.
    async fn post_raw(&self, content_type: Option<&str>, body: impl Into<Body>) -> Reply {
        let mut request = Request::post("/posts").header(
            header::AUTHORIZATION,
            format!("Bearer {}", self.alice.id_token),
        );
        if let Some(content_type) = content_type {
            request = request.header(header::CONTENT_TYPE, content_type);
        }
        self.send(request.body(body.into()).unwrap()).await
    }

    async fn assert_nothing_stored(&self) {
        let (posts, _) = self.list_all(&self.alice, 100).await;
        assert!(posts.is_empty(), "stored: {posts:?}");
    }
}

#[tokio::test]
async fn malformed_json_is_a_400() {
    let app = TestApp::spawn().await;
    for body in [
        r#"{"title": "t", "contents": "#,
        "not json",
        "",
        r#"{"title":"t","contents":"c"} trailing"#,
    ] {
        let reply = app.post_raw(Some("application/json"), body).await;
        assert_eq!(
            (reply.status, reply.error_code()),
            (StatusCode::BAD_REQUEST, "invalid_json"),
            "{body:?}"
        );
    }
    app.assert_nothing_stored().await;
}

#[tokio::test]
async fn wrong_types_and_missing_fields_are_a_422_naming_the_field() {
    let app = TestApp::spawn().await;
    let cases = [
        (json!({ "title": 5, "contents": "c" }), "title"),
        (json!({ "title": "t", "contents": ["c"] }), "contents"),
        (json!({ "title": null, "contents": "c" }), "title"),
        (json!({ "contents": "c" }), "title"),
        (json!({ "title": "t" }), "contents"),
    ];
    for (body, field) in cases {
        let reply = app
            .post_raw(Some("application/json"), body.to_string())
            .await;
        assert_eq!(reply.status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
        assert_eq!(
            (reply.error_code(), reply.error_field()),
            ("validation", Some(field)),
            "{body}"
        );
    }
    let array = app.post_raw(Some("application/json"), "[1, 2]").await;
    assert_eq!(array.status, StatusCode::UNPROCESSABLE_ENTITY);
    app.assert_nothing_stored().await;
}

#[tokio::test]
async fn rule_breaking_posts_are_a_422_naming_the_field() {
    let app = TestApp::spawn().await;
    let cases = [
        (
            json!({ "title": "   ", "contents": "c" }),
            "title",
            "title must not be blank",
        ),
        (
            json!({ "title": "a".repeat(201), "contents": "c" }),
            "title",
            "title must be at most 200 characters",
        ),
        (
            json!({ "title": "t", "contents": "b".repeat(20_001) }),
            "contents",
            "contents must be at most 20000 characters",
        ),
        (
            json!({ "title": "t", "contents": "bell\u{7}" }),
            "contents",
            "contents must not contain control characters other than newline and tab",
        ),
        (
            json!({ "title": "line\nbreak", "contents": "c" }),
            "title",
            "title must not contain control characters",
        ),
    ];
    for (body, field, message) in cases {
        let reply = app
            .post_raw(Some("application/json"), body.to_string())
            .await;
        assert_eq!(reply.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(reply.error_field(), Some(field));
        assert_eq!(reply.body["error"]["message"], message);
    }
    app.assert_nothing_stored().await;
}

#[tokio::test]
async fn a_rule_breaking_edit_changes_nothing() {
    let app = TestApp::spawn().await;
    let post = app.create(&app.alice, "keep", "me").await;
    let reply = app
        .call(
            Method::PUT,
            &format!("/posts/{}", post.id),
            Some(&app.alice.id_token),
            Some(json!({ "title": "", "contents": "x" })),
        )
        .await;
    assert_eq!(
        (reply.status, reply.error_field()),
        (StatusCode::UNPROCESSABLE_ENTITY, Some("title"))
    );
    assert_eq!(app.get(&app.alice, post.id).await.post(), post);
}

#[tokio::test]
async fn a_body_over_the_limit_is_a_413() {
    let app = TestApp::spawn().await;
    let huge = json!({ "title": "t", "contents": "x".repeat(1024 * 1024) }).to_string();
    let reply = app.post_raw(Some("application/json"), huge.clone()).await;
    assert_eq!(
        (reply.status, reply.error_code()),
        (StatusCode::PAYLOAD_TOO_LARGE, "payload_too_large")
    );

    // Without a Content-Length the limit still holds while the body streams in.
    let chunks = futures_stream(huge.into_bytes());
    let reply = app
        .post_raw(Some("application/json"), Body::from_stream(chunks))
        .await;
    assert_eq!(
        (reply.status, reply.error_code()),
        (StatusCode::PAYLOAD_TOO_LARGE, "payload_too_large")
    );
    app.assert_nothing_stored().await;
}

#[tokio::test]
async fn a_body_of_exactly_256_kib_is_read_and_one_byte_more_is_a_413() {
    let app = TestApp::spawn().await;
    assert_eq!(backend::MAX_BODY_BYTES, 256 * 1024);
    // A body of exactly the limit: read whole and judged on its contents (a 422 for
    // contents over 20,000 characters), not refused for its size.
    let body_of = |len: usize| {
        let frame = json!({ "title": "t", "contents": "" }).to_string();
        let filler = "x".repeat(len - frame.len());
        json!({ "title": "t", "contents": filler }).to_string()
    };
    let at_limit = body_of(backend::MAX_BODY_BYTES);
    assert_eq!(at_limit.len(), 256 * 1024);
    let reply = app.post_raw(Some("application/json"), at_limit).await;
    assert_eq!(
        (reply.status, reply.error_code(), reply.error_field()),
        (
            StatusCode::UNPROCESSABLE_ENTITY,
            "validation",
            Some("contents")
        ),
        "{}",
        reply.body
    );
    let over = body_of(backend::MAX_BODY_BYTES + 1);
    let reply = app.post_raw(Some("application/json"), over.clone()).await;
    assert_eq!(
        (reply.status, reply.error_code()),
        (StatusCode::PAYLOAD_TOO_LARGE, "payload_too_large")
    );
    let reply = app
        .post_raw(
            Some("application/json"),
            Body::from_stream(futures_stream(over.into_bytes())),
        )
        .await;
    assert_eq!(reply.status, StatusCode::PAYLOAD_TOO_LARGE);
    app.assert_nothing_stored().await;
}

fn futures_stream(
    bytes: Vec<u8>,
) -> impl futures_util::Stream<Item = Result<Vec<u8>, std::io::Error>> + Send {
    let chunks: Vec<Result<Vec<u8>, std::io::Error>> =
        bytes.chunks(64 * 1024).map(|c| Ok(c.to_vec())).collect();
    futures_util::stream::iter(chunks)
}

#[tokio::test]
async fn a_body_that_is_not_json_is_a_415() {
    let app = TestApp::spawn().await;
    let body = json!({ "title": "t", "contents": "c" }).to_string();
    for content_type in [
        Some("text/plain"),
        Some("application/x-www-form-urlencoded"),
        None,
    ] {
        let reply = app.post_raw(content_type, body.clone()).await;
        assert_eq!(
            (reply.status, reply.error_code()),
            (StatusCode::UNSUPPORTED_MEDIA_TYPE, "unsupported_media_type"),
            "{content_type:?}"
        );
    }
    app.assert_nothing_stored().await;
}

#[tokio::test]
async fn bad_query_and_path_values_are_a_400_naming_them() {
    let app = TestApp::spawn().await;
    let token = Some(app.alice.id_token.as_str());
    for (path, field) in [
        ("/posts?limit=0", "limit"),
        ("/posts?limit=101", "limit"),
        ("/posts?limit=ten", "limit"),
        ("/posts?cursor=forged", "cursor"),
        ("/posts?cursor=YWZ0ZXI6LTE", "cursor"),
        ("/posts/abc", "id"),
        ("/posts/-1", "id"),
        ("/posts/007", "id"),
    ] {
        let reply = app.call(Method::GET, path, token, None).await;
        assert_eq!(reply.status, StatusCode::BAD_REQUEST, "{path}");
        assert_eq!(
            (reply.error_code(), reply.error_field()),
            ("bad_request", Some(field)),
            "{path}"
        );
    }
}

#[tokio::test]
async fn unknown_routes_and_methods_answer_in_the_error_shape() {
    let app = TestApp::spawn().await;
    let token = Some(app.alice.id_token.as_str());
    let unknown = app.call(Method::GET, "/nothing/here", token, None).await;
    assert_eq!(
        (unknown.status, unknown.error_code()),
        (StatusCode::NOT_FOUND, "not_found")
    );
    let method = app.call(Method::PATCH, "/posts", token, None).await;
    assert_eq!(
        (method.status, method.error_code()),
        (StatusCode::METHOD_NOT_ALLOWED, "method_not_allowed")
    );
    assert!(method.headers.contains_key(header::ALLOW));
}

#[tokio::test]
async fn every_route_but_health_needs_a_token() {
    let app = TestApp::spawn().await;
    let post = app.create(&app.alice, "t", "c").await;
    let path = format!("/posts/{}", post.id);
    let body = Some(json!({ "title": "t", "contents": "c" }));
    for (method, path, body) in [
        (Method::GET, "/posts", None),
        (Method::GET, path.as_str(), None),
        (Method::POST, "/posts", body.clone()),
        (Method::POST, "/post", body.clone()),
        (Method::PUT, path.as_str(), body.clone()),
        (Method::DELETE, path.as_str(), None),
        (Method::GET, "/me", None),
        (
            Method::PUT,
            "/me/name",
            Some(json!({ "display_name": "Eve" })),
        ),
    ] {
        for token in [None, Some("garbage"), Some("a.b.c")] {
            let reply = app.call(method.clone(), path, token, body.clone()).await;
            assert_eq!(
                reply.status,
                StatusCode::UNAUTHORIZED,
                "{method} {path} {token:?}"
            );
            assert_eq!(reply.error_code(), "unauthorized");
            // RFC 6750 §3: a refused token is `invalid_token`; a missing one has no code.
            let challenge = match token {
                None => "Bearer",
                Some(_) => r#"Bearer error="invalid_token""#,
            };
            assert_eq!(reply.headers[header::WWW_AUTHENTICATE], challenge);
        }
    }
    assert_eq!(app.get(&app.alice, post.id).await.post(), post);
}

#[tokio::test]
async fn a_token_from_another_pool_is_refused() {
    let app = TestApp::spawn().await;
    let other = crate::helpers::fresh_stack(&app.aws).await;
    let stranger = crate::helpers::sign_up(&app.aws, &other, "stranger").await;
    for token in [&stranger.id_token, &stranger.access_token] {
        let reply = app.call(Method::GET, "/posts", Some(token), None).await;
        assert_eq!(reply.status, StatusCode::UNAUTHORIZED);
        assert_eq!(
            reply.body["error"]["message"], "the bearer token is not valid",
            "the reason is for the log, not the caller"
        );
    }
}

#[tokio::test]
async fn public_read_lets_visitors_read_but_not_write() {
    let app = TestApp::spawn_with(|config| config.public_read = true).await;
    let post = app.create(&app.alice, "open", "to all").await;
    let list = app.call(Method::GET, "/posts", None, None).await;
    assert_eq!(list.status, StatusCode::OK);
    assert_eq!(list.body["posts"][0]["id"], post.id);
    assert_eq!(
        app.call(Method::GET, &format!("/posts/{}", post.id), None, None)
            .await
            .status,
        StatusCode::OK
    );
    let write = app
        .call(
            Method::POST,
            "/posts",
            None,
            Some(json!({ "title": "t", "contents": "c" })),
        )
        .await;
    assert_eq!(write.status, StatusCode::UNAUTHORIZED);
    // A token that is sent is still checked.
    let bad = app.call(Method::GET, "/posts", Some("garbage"), None).await;
    assert_eq!(bad.status, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn cors_answers_only_the_configured_origin() {
    let site = "https://board.example";
    let app =
        TestApp::spawn_with(|config| config.allowed_origins = vec![HeaderValue::from_static(site)])
            .await;
    let preflight = |origin: &str| {
        Request::builder()
            .method(Method::OPTIONS)
            .uri("/posts")
            .header(header::ORIGIN, origin)
            .header(header::ACCESS_CONTROL_REQUEST_METHOD, "POST")
            .header(
                header::ACCESS_CONTROL_REQUEST_HEADERS,
                "authorization,content-type",
            )
            .body(Body::empty())
            .unwrap()
    };
    let allowed = app.send(preflight(site)).await;
    assert!(allowed.status.is_success());
    assert_eq!(allowed.headers[header::ACCESS_CONTROL_ALLOW_ORIGIN], site);
    let methods = allowed.headers[header::ACCESS_CONTROL_ALLOW_METHODS]
        .to_str()
        .unwrap();
    assert!(
        methods.contains("POST") && methods.contains("DELETE"),
        "{methods}"
    );

    let refused = app.send(preflight("https://evil.example")).await;
    assert!(
        !refused
            .headers
            .contains_key(header::ACCESS_CONTROL_ALLOW_ORIGIN)
    );

    // Error responses carry the header too, so the site can read them.
    let request = Request::get("/posts")
        .header(header::ORIGIN, site)
        .body(Body::empty())
        .unwrap();
    let unauthorized = app.send(request).await;
    assert_eq!(unauthorized.status, StatusCode::UNAUTHORIZED);
    assert_eq!(
        unauthorized.headers[header::ACCESS_CONTROL_ALLOW_ORIGIN],
        site
    );
}

#[tokio::test]
async fn every_refused_token_gets_the_same_answer() {
    let app = TestApp::spawn().await;
    let other = crate::helpers::fresh_stack(&app.aws).await;
    let stranger = crate::helpers::sign_up(&app.aws, &other, "stranger").await;
    let mut tampered = app.alice.id_token.clone();
    tampered.pop();
    let mut answers = Vec::new();
    for token in ["garbage", "a.b.c", &stranger.id_token, &tampered] {
        let reply = app.call(Method::GET, "/posts", Some(token), None).await;
        assert_eq!(reply.status, StatusCode::UNAUTHORIZED);
        answers.push((
            reply.body.clone(),
            reply.headers[header::WWW_AUTHENTICATE].clone(),
        ));
    }
    assert!(
        answers.windows(2).all(|w| w[0] == w[1]),
        "a malformed, foreign and tampered token are not told apart: {answers:?}"
    );
}

#[tokio::test]
async fn errors_never_echo_unbounded_input() {
    let app = TestApp::spawn().await;
    let huge = "x".repeat(100_000);
    let body = format!(r#"{{"title": "t", "contents": "c", "{huge}": 1}}"#);
    let reply = app.post_raw(Some("application/json"), body).await;
    assert_eq!(reply.status, StatusCode::UNPROCESSABLE_ENTITY);
    let message = reply.body["error"]["message"].as_str().unwrap();
    let field = reply.error_field().unwrap();
    assert!(message.chars().count() <= 200, "{} chars", message.len());
    assert!(
        field.chars().count() <= 64 && field.starts_with("xxxx"),
        "{field}"
    );

    let token = Some(app.alice.id_token.as_str());
    let long = "9".repeat(5_000);
    for path in [
        format!("/posts?limit={long}"),
        format!("/posts?cursor={long}"),
        format!("/posts/{long}"),
        format!("/posts?limit=1&limit={long}"),
    ] {
        let reply = app.call(Method::GET, &path, token, None).await;
        assert_eq!(reply.status, StatusCode::BAD_REQUEST, "{path:.40}");
        let message = reply.body["error"]["message"].as_str().unwrap();
        assert!(message.chars().count() <= 200, "{path:.40}: {message:.300}");
    }
    app.assert_nothing_stored().await;
}

#[tokio::test]
async fn text_that_hides_or_reorders_itself_is_a_422_and_nothing_is_stored() {
    let app = TestApp::spawn().await;
    for (title, contents, field) in [
        ("\u{202E}txt.exe", "c", "title"),
        ("\u{3164}", "c", "title"),
        ("ok", "hidden\u{200B}text", "contents"),
        ("ok", "\u{2800}\u{2800}", "contents"),
        ("\u{200D}", "c", "title"),
    ] {
        let reply = app
            .call(
                Method::POST,
                "/posts",
                Some(&app.alice.id_token),
                Some(json!({ "title": title, "contents": contents })),
            )
            .await;
        assert_eq!(reply.status, StatusCode::UNPROCESSABLE_ENTITY, "{title:?}");
        assert_eq!(reply.error_field(), Some(field), "{title:?}");
    }
    app.assert_nothing_stored().await;
}

#[tokio::test]
async fn text_is_stored_in_nfc() {
    let app = TestApp::spawn().await;
    // "한" as conjoining jamo and "é" as e + combining accent.
    let post = app
        .create(
            &app.alice,
            "\u{1112}\u{1161}\u{11AB} cafe\u{0301}",
            "cafe\u{0301}",
        )
        .await;
    assert_eq!(post.title, "한 café");
    assert_eq!(post.contents, "café");
    assert_eq!(app.get(&app.bob, post.id).await.post().title, "한 café");
}

#[tokio::test]
async fn the_openapi_description_needs_no_token() {
    let app = TestApp::spawn().await;
    let reply = app.call(Method::GET, "/openapi.json", None, None).await;
    assert_eq!(reply.status, StatusCode::OK);
    assert_eq!(reply.headers[header::CONTENT_TYPE], "application/json");
    assert!(reply.body["openapi"].as_str().unwrap().starts_with("3.1"));
    assert!(reply.body["paths"]["/posts/{id}"]["delete"].is_object());
}

#[tokio::test]
async fn with_an_origin_secret_only_requests_carrying_it_are_answered() {
    const SECRET: &str = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";
    let app = TestApp::spawn().await;
    let post = app.create(&app.alice, "t", "c").await.id;
    // The same stack behind the deployed configuration: CloudFront's secret required.
    let mut config = crate::helpers::config_for(&app.aws, &app.stack);
    config.origin_secret = backend::config::OriginSecret::new(SECRET);
    let deployed = TestApp {
        router: backend::app(&config, app.aws.dynamo.clone()),
        ..app
    };
    let request = |secret: Option<&str>| {
        let mut request = Request::get(format!("/posts/{post}")).header(
            header::AUTHORIZATION,
            format!("Bearer {}", deployed.alice.id_token),
        );
        if let Some(secret) = secret {
            request = request.header("x-origin-verify", secret);
        }
        request.body(Body::empty()).unwrap()
    };

    let through_the_site = deployed.send(request(Some(SECRET))).await;
    assert_eq!(
        through_the_site.status,
        StatusCode::OK,
        "{}",
        through_the_site.body
    );
    assert_eq!(through_the_site.body["id"], post);

    let wrong_last_digit = format!("{}0", &SECRET[..SECRET.len() - 1]);
    for (case, secret) in [
        ("no header", None),
        ("a wrong secret", Some(wrong_last_digit.as_str())),
        ("a prefix of it", Some(&SECRET[..32])),
        ("empty", Some("")),
    ] {
        let direct = deployed.send(request(secret)).await;
        assert_eq!(direct.status, StatusCode::FORBIDDEN, "{case}");
        assert_eq!(direct.body["error"]["code"], "forbidden", "{case}");
        assert_eq!(
            direct.body["error"]["message"], "you may not call the API other than through the site",
            "{case}"
        );
    }
    let health = deployed
        .send(Request::get("/health").body(Body::empty()).unwrap())
        .await;
    assert_eq!(
        health.status,
        StatusCode::FORBIDDEN,
        "no route is reachable around the site"
    );
}

#[test]
fn an_origin_secret_is_never_shown_and_a_short_one_is_refused() {
    use backend::config::OriginSecret;
    let secret = OriginSecret::new("0123456789abcdef0123456789abcdef").unwrap();
    assert_eq!(format!("{secret:?}"), "OriginSecret(..)");
    assert!(secret.matches(b"0123456789abcdef0123456789abcdef"));
    assert!(!secret.matches(b"0123456789abcdef0123456789abcdee"));
    assert!(OriginSecret::new("too short").is_none());
}

/// Every operation the OpenAPI description lists, as `(METHOD, path with its
/// parameters filled in, public)`: public when the description says no token is needed.
fn described_operations() -> Vec<(Method, String, bool)> {
    let description = serde_json::to_value(backend::routes::description()).unwrap();
    let mut operations = Vec::new();
    for (path, item) in description["paths"].as_object().unwrap() {
        for (method, operation) in item.as_object().unwrap() {
            let public = operation["security"]
                .as_array()
                .is_some_and(|s| s.is_empty());
            let filled = path
                .replace("{id}", "1")
                .replace("{comment_id}", "1764000000000abcdef01")
                .replace("{target}", "post-1")
                .replace("{person}", "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA");
            operations.push((method.to_uppercase().parse().unwrap(), filled, public));
        }
    }
    operations
}

/// A token in the right form, signed by a key that is not the pool's.
fn forged_token(app: &TestApp) -> String {
    let claims = devstack::unverified_claims(&app.alice.id_token).unwrap();
    let key = rsa::RsaPrivateKey::new(&mut rand::thread_rng(), 2048).unwrap();
    let der = rsa::pkcs1::EncodeRsaPrivateKey::to_pkcs1_der(&key).unwrap();
    let header = jsonwebtoken::decode_header(&app.alice.id_token).unwrap();
    jsonwebtoken::encode(
        &header,
        &claims,
        &jsonwebtoken::EncodingKey::from_rsa_der(der.as_bytes()),
    )
    .unwrap()
}

#[tokio::test]
async fn every_route_that_needs_a_token_refuses_none_and_a_forged_one() {
    let app = TestApp::spawn().await;
    let forged = forged_token(&app);
    let operations = described_operations();
    let signed_in: Vec<_> = operations.iter().filter(|(_, _, public)| !public).collect();
    assert!(signed_in.len() >= 20, "{operations:?}");
    for (method, path, _) in signed_in {
        let none = app.call(method.clone(), path, None, None).await;
        assert_eq!(
            none.status,
            StatusCode::UNAUTHORIZED,
            "{method} {path} without a token"
        );
        assert_eq!(
            none.headers[header::WWW_AUTHENTICATE],
            "Bearer",
            "{method} {path}"
        );
        let refused = app.call(method.clone(), path, Some(&forged), None).await;
        assert_eq!(
            refused.status,
            StatusCode::UNAUTHORIZED,
            "{method} {path} with a forged token"
        );
        assert_eq!(refused.error_code(), "unauthorized", "{method} {path}");
    }
}

#[tokio::test]
async fn public_read_opens_the_board_s_reads_and_nothing_else() {
    let app = TestApp::spawn_with(|config| config.public_read = true).await;
    let post = app.create(&app.alice, "open", "to all").await.id;
    let forged = forged_token(&app);
    let reads = [
        "GET /posts",
        "GET /posts/{id}",
        "GET /posts/{id}/comments",
        "GET /moderation/log",
    ];
    let description = serde_json::to_value(backend::routes::description()).unwrap();
    for (path, item) in description["paths"].as_object().unwrap() {
        for (method, operation) in item.as_object().unwrap() {
            let name = format!("{} {path}", method.to_uppercase());
            let public = operation["security"]
                .as_array()
                .is_some_and(|s| s.is_empty());
            let filled = path.replace("{id}", &post.to_string());
            let method: Method = method.to_uppercase().parse().unwrap();
            let reply = app.call(method.clone(), &filled, None, None).await;
            if public || reads.contains(&name.as_str()) {
                assert_eq!(
                    reply.status,
                    StatusCode::OK,
                    "{name} is public: {}",
                    reply.body
                );
            } else {
                assert_eq!(
                    reply.status,
                    StatusCode::UNAUTHORIZED,
                    "{name} still needs a token"
                );
            }
            if reads.contains(&name.as_str()) {
                // A token that is sent is still checked.
                let refused = app.call(method, &filled, Some(&forged), None).await;
                assert_eq!(refused.status, StatusCode::UNAUTHORIZED, "{name}");
            }
        }
    }
}
