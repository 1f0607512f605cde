//! The code grant with PKCE, refresh and revocation, and the hosted UI's session:
//! answered and refused as Cognito documents.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::time::Duration;

use aws_sdk_cognitoidentityprovider::types::OAuthFlowType;
use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use backend::auth::Verifier;
use backend::config::AuthConfig;
use common::{APP, Fixture, PASSWORD, Page, confirmed_user, fixture, fragment, value};

/// RFC 7636 appendix B: a verifier and its S256 challenge.
const VERIFIER: &str = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";
const CHALLENGE: &str = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM";

fn code_fields<'a>(f: &'a Fixture, state: &'a str) -> Vec<(&'a str, &'a str)> {
    let mut fields = f.authorize_fields(state);
    fields[0] = ("response_type", "code");
    fields.push(("code_challenge", CHALLENGE));
    fields.push(("code_challenge_method", "S256"));
    fields
}

fn query(location: &str) -> Vec<(String, String)> {
    let (_, query) = location.split_once('?').expect("a query");
    form_urlencoded::parse(query.as_bytes())
        .into_owned()
        .collect()
}

/// Signs `email` in with a code-grant request; returns the code and the session cookie.
async fn sign_in_for_code(f: &Fixture, email: &str) -> (String, String) {
    let fields = [
        code_fields(f, "st-code"),
        vec![("email", email), ("password", PASSWORD)],
    ]
    .concat();
    let page = f.post("/login", &fields).await;
    let back = page.location.clone().expect("a redirect to the app");
    assert!(back.starts_with(&format!("{APP}?")), "{back}");
    let pairs = query(&back);
    assert_eq!(value(&pairs, "state"), Some("st-code"));
    (
        value(&pairs, "code").unwrap().to_owned(),
        session_cookie(&page),
    )
}

/// `name=value` of the session cookie a response sets.
fn session_cookie(page: &Page) -> String {
    let set = page.headers[header::SET_COOKIE].to_str().unwrap();
    set.split(';').next().unwrap().to_owned()
}

async fn redeem(f: &Fixture, code: &str, verifier: &str) -> Page {
    f.post(
        "/oauth2/token",
        &[
            ("grant_type", "authorization_code"),
            ("client_id", &f.stack.client_id),
            ("code", code),
            ("redirect_uri", APP),
            ("code_verifier", verifier),
        ],
    )
    .await
}

async fn refresh(f: &Fixture, refresh_token: &str) -> Page {
    f.post(
        "/oauth2/token",
        &[
            ("grant_type", "refresh_token"),
            ("client_id", &f.stack.client_id),
            ("refresh_token", refresh_token),
        ],
    )
    .await
}

async fn revoke(f: &Fixture, token: &str, client: &str) -> Page {
    f.post("/oauth2/revoke", &[("token", token), ("client_id", client)])
        .await
}

async fn get_with_cookie(f: &Fixture, path: &str, cookie: &str) -> Page {
    f.send(
        Request::get(path)
            .header(header::COOKIE, cookie)
            .body(Body::empty())
            .unwrap(),
    )
    .await
}

fn json(page: &Page) -> serde_json::Value {
    serde_json::from_str(&page.body).unwrap_or_else(|_| panic!("not JSON: {}", page.body))
}

fn error_of(page: &Page) -> (StatusCode, String) {
    (
        page.status,
        json(page)["error"].as_str().unwrap().to_owned(),
    )
}

fn verifier(f: &Fixture) -> Verifier {
    Verifier::new(AuthConfig {
        issuer: f.stack.issuer.clone(),
        client_id: f.stack.client_id.clone(),
        jwks_url: f.stack.jwks_url.clone(),
    })
}

#[tokio::test]
async fn a_code_redeems_once_with_its_verifier_for_the_pools_tokens_and_a_refresh_token() {
    let f = fixture().await;
    let email = confirmed_user(&f).await;
    let (code, _) = sign_in_for_code(&f, &email).await;

    let page = redeem(&f, &code, VERIFIER).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    assert_eq!(page.headers[header::CACHE_CONTROL], "no-store");
    let tokens = json(&page);
    assert_eq!(tokens["token_type"], "Bearer");
    assert!(tokens["expires_in"].as_u64().unwrap() > 0);
    assert!(
        tokens["refresh_token"]
            .as_str()
            .is_some_and(|t| t.len() >= 64)
    );
    let identity = verifier(&f)
        .verify(tokens["id_token"].as_str().unwrap())
        .await
        .unwrap();
    let claims = devstack::unverified_claims(tokens["id_token"].as_str().unwrap()).unwrap();
    assert_eq!(claims["email"], email.as_str());
    assert_eq!(claims["sub"], identity.sub.as_str());
    assert_eq!(claims["nonce"], "n-1", "the authorize request's nonce");
    let access = verifier(&f)
        .verify(tokens["access_token"].as_str().unwrap())
        .await
        .unwrap();
    assert_eq!(
        access.sub, identity.sub,
        "both tokens are the same person's"
    );

    let again = redeem(&f, &code, VERIFIER).await;
    assert_eq!(
        error_of(&again),
        (StatusCode::BAD_REQUEST, "invalid_grant".to_owned()),
        "a code is good once"
    );
}

#[tokio::test]
async fn a_wrong_or_missing_verifier_or_another_redirect_uri_refuses_the_code() {
    let f = fixture().await;
    let email = confirmed_user(&f).await;
    let (code, cookie) = sign_in_for_code(&f, &email).await;
    // Further codes come through the session, without the password.
    let another_code = async || {
        let page = get_with_cookie(&f, &f.authorize_path(&code_fields(&f, "s")), &cookie).await;
        value(&query(&page.location.unwrap()), "code")
            .unwrap()
            .to_owned()
    };

    let wrong = "x".repeat(43);
    assert_eq!(
        error_of(&redeem(&f, &code, &wrong).await),
        (StatusCode::BAD_REQUEST, "invalid_grant".to_owned())
    );
    assert_eq!(
        error_of(&redeem(&f, &code, VERIFIER).await),
        (StatusCode::BAD_REQUEST, "invalid_grant".to_owned()),
        "a code presented with a wrong verifier is spent"
    );

    let code = another_code().await;
    let missing = f
        .post(
            "/oauth2/token",
            &[
                ("grant_type", "authorization_code"),
                ("client_id", &f.stack.client_id),
                ("code", &code),
                ("redirect_uri", APP),
            ],
        )
        .await;
    assert_eq!(
        error_of(&missing),
        (StatusCode::BAD_REQUEST, "invalid_request".to_owned())
    );

    let code = another_code().await;
    let elsewhere = f
        .post(
            "/oauth2/token",
            &[
                ("grant_type", "authorization_code"),
                ("client_id", &f.stack.client_id),
                ("code", &code),
                ("redirect_uri", "http://127.0.0.1:8080/other"),
                ("code_verifier", VERIFIER),
            ],
        )
        .await;
    assert_eq!(
        error_of(&elsewhere),
        (StatusCode::BAD_REQUEST, "invalid_grant".to_owned())
    );
}

#[tokio::test]
async fn a_code_is_good_for_five_minutes_and_refused_after() {
    let f = fixture().await;
    let email = confirmed_user(&f).await;
    let (code, _) = sign_in_for_code(&f, &email).await;
    f.clock
        .advance(hosted_ui::CODE_LIFETIME - Duration::from_secs(1));
    assert_eq!(redeem(&f, &code, VERIFIER).await.status, StatusCode::OK);

    let (code, _) = sign_in_for_code(&f, &email).await;
    f.clock.advance(hosted_ui::CODE_LIFETIME);
    assert_eq!(
        error_of(&redeem(&f, &code, VERIFIER).await),
        (StatusCode::BAD_REQUEST, "invalid_grant".to_owned())
    );
}

#[tokio::test]
async fn the_token_endpoint_names_each_documented_error() {
    let f = fixture().await;
    let client = f.stack.client_id.as_str();
    let cases: [(&[(&str, &str)], &str); 6] = [
        (&[("client_id", client), ("code", "c")], "invalid_request"),
        (
            &[("grant_type", "password"), ("client_id", client)],
            "unsupported_grant_type",
        ),
        (
            &[("grant_type", "authorization_code"), ("code", "c")],
            "invalid_request",
        ),
        (
            &[
                ("grant_type", "authorization_code"),
                ("client_id", "nosuchclient"),
                ("code", "c"),
                ("redirect_uri", APP),
            ],
            "invalid_client",
        ),
        (
            &[
                ("grant_type", "authorization_code"),
                ("client_id", client),
                ("code", "never-issued"),
                ("redirect_uri", APP),
                ("code_verifier", VERIFIER),
            ],
            "invalid_grant",
        ),
        (
            &[
                ("grant_type", "refresh_token"),
                ("client_id", client),
                ("refresh_token", "never-issued"),
            ],
            "invalid_grant",
        ),
    ];
    for (fields, expected) in cases {
        let page = f.post("/oauth2/token", fields).await;
        assert_eq!(
            error_of(&page),
            (StatusCode::BAD_REQUEST, expected.to_owned()),
            "{fields:?}"
        );
    }

    // A client allowed only the implicit grant may not redeem codes.
    let implicit_only = f
        .moto
        .cognito
        .create_user_pool_client()
        .user_pool_id(&f.stack.user_pool_id)
        .client_name("implicit-only")
        .allowed_o_auth_flows_user_pool_client(true)
        .allowed_o_auth_flows(OAuthFlowType::Implicit)
        .allowed_o_auth_scopes("openid")
        .callback_urls(APP)
        .send()
        .await
        .unwrap()
        .user_pool_client
        .unwrap()
        .client_id
        .unwrap();
    let page = f
        .post(
            "/oauth2/token",
            &[
                ("grant_type", "authorization_code"),
                ("client_id", &implicit_only),
                ("code", "c"),
                ("redirect_uri", APP),
            ],
        )
        .await;
    assert_eq!(
        error_of(&page),
        (StatusCode::BAD_REQUEST, "unauthorized_client".to_owned())
    );
    let mut fields = code_fields(&f, "s-i");
    fields[1] = ("client_id", &implicit_only);
    let page = f.get(&f.authorize_path(&fields)).await;
    let pairs = query(&page.location.unwrap());
    assert_eq!(value(&pairs, "error"), Some("unauthorized_client"));
}

#[tokio::test]
async fn a_challenge_must_be_s256_and_code_errors_come_back_in_the_query() {
    let f = fixture().await;
    for (method, challenge) in [("plain", CHALLENGE), ("S256", "too-short")] {
        let mut fields = code_fields(&f, "st-p");
        let last = fields.len() - 1;
        fields[last] = ("code_challenge_method", method);
        fields[last - 1] = ("code_challenge", challenge);
        let page = f.get(&f.authorize_path(&fields)).await;
        let back = page.location.expect("back to the app");
        assert!(back.starts_with(&format!("{APP}?")), "{back}");
        let pairs = query(&back);
        assert_eq!(value(&pairs, "error"), Some("invalid_request"), "{method}");
        assert_eq!(value(&pairs, "state"), Some("st-p"));
    }
}

#[tokio::test]
async fn a_refresh_token_renews_the_tokens_until_it_is_revoked() {
    let f = fixture().await;
    let email = confirmed_user(&f).await;
    let (code, _) = sign_in_for_code(&f, &email).await;
    let tokens = json(&redeem(&f, &code, VERIFIER).await);
    let refresh_token = tokens["refresh_token"].as_str().unwrap();

    let page = refresh(&f, refresh_token).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    let renewed = json(&page);
    let next = renewed["refresh_token"].as_str().unwrap();
    assert_ne!(
        next, refresh_token,
        "each refresh hands out a new refresh token"
    );
    let identity = verifier(&f)
        .verify(renewed["id_token"].as_str().unwrap())
        .await
        .unwrap();
    let first = devstack::unverified_claims(tokens["id_token"].as_str().unwrap()).unwrap();
    assert_eq!(first["sub"], identity.sub.as_str());

    let client = f.stack.client_id.clone();
    assert_eq!(
        error_of(&revoke(&f, tokens["id_token"].as_str().unwrap(), &client).await),
        (StatusCode::BAD_REQUEST, "unsupported_token_type".to_owned())
    );
    assert_eq!(
        error_of(&revoke(&f, "", &client).await),
        (StatusCode::BAD_REQUEST, "invalid_request".to_owned())
    );
    assert_eq!(
        error_of(&revoke(&f, refresh_token, "nosuchclient").await),
        (StatusCode::UNAUTHORIZED, "invalid_client".to_owned())
    );
    assert_eq!(
        refresh(&f, refresh_token).await.status,
        StatusCode::OK,
        "refused revocations leave the token alone"
    );

    let page = revoke(&f, refresh_token, &client).await;
    assert_eq!((page.status, page.body.as_str()), (StatusCode::OK, ""));
    assert_eq!(
        error_of(&refresh(&f, refresh_token).await),
        (StatusCode::BAD_REQUEST, "invalid_grant".to_owned())
    );
    assert_eq!(
        error_of(&refresh(&f, next).await),
        (StatusCode::BAD_REQUEST, "invalid_grant".to_owned()),
        "revoking a token ends the tokens that replaced it too"
    );
    assert_eq!(
        revoke(&f, refresh_token, &client).await.status,
        StatusCode::OK,
        "revoking a token nobody knows says nothing about it"
    );
}

#[tokio::test]
async fn only_the_apps_own_origin_may_read_the_token_endpoints_answers() {
    let f = fixture().await;
    let ask = |origin: &'static str| {
        let body = form_urlencoded::Serializer::new(String::new())
            .append_pair("grant_type", "refresh_token")
            .append_pair("client_id", &f.stack.client_id)
            .append_pair("refresh_token", "r")
            .finish();
        Request::post("/oauth2/token")
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .header(header::ORIGIN, origin)
            .body(Body::from(body))
            .unwrap()
    };
    let page = f.send(ask("http://127.0.0.1:8080")).await;
    assert_eq!(
        page.headers[header::ACCESS_CONTROL_ALLOW_ORIGIN],
        "http://127.0.0.1:8080"
    );
    assert_eq!(page.headers[header::VARY], "Origin");
    let page = f.send(ask("http://evil.example")).await;
    assert!(
        page.headers
            .get(header::ACCESS_CONTROL_ALLOW_ORIGIN)
            .is_none()
    );
}

#[tokio::test]
async fn within_the_session_a_second_sign_in_skips_the_password_until_logout() {
    let f = fixture().await;
    let email = confirmed_user(&f).await;
    let fields = f.credentials("st-1", &email, PASSWORD);
    let page = f.post("/login", &fields).await;
    let set_cookie = page.headers[header::SET_COOKIE].to_str().unwrap();
    for attribute in ["HttpOnly", "SameSite=Lax", "Max-Age=3600", "Path=/"] {
        assert!(set_cookie.contains(attribute), "{set_cookie}");
    }
    let cookie = session_cookie(&page);
    let first =
        devstack::unverified_claims(value(&fragment(&page.location.unwrap()), "id_token").unwrap())
            .unwrap();

    // A second tab: straight back to the app, signed in as the same person.
    let page = get_with_cookie(&f, &f.authorize_path(&f.authorize_fields("st-2")), &cookie).await;
    assert!(page.status.is_redirection(), "{}", page.body);
    let pairs = fragment(&page.location.unwrap());
    assert_eq!(value(&pairs, "state"), Some("st-2"));
    let id_token = value(&pairs, "id_token").unwrap();
    let identity = verifier(&f).verify(id_token).await.unwrap();
    assert_eq!(first["sub"], identity.sub.as_str());

    // Without the cookie, or with a made-up one, the password is asked for.
    let page = f.get(&f.authorize_path(&f.authorize_fields("st-3"))).await;
    assert_eq!(page.status, StatusCode::OK);
    let page = get_with_cookie(
        &f,
        &f.authorize_path(&f.authorize_fields("st-3")),
        "cognito=made-up",
    )
    .await;
    assert_eq!(page.status, StatusCode::OK);

    let logout = format!(
        "/logout?{}",
        form_urlencoded::Serializer::new(String::new())
            .append_pair("client_id", &f.stack.client_id)
            .append_pair("logout_uri", APP)
            .finish()
    );
    let page = get_with_cookie(&f, &logout, &cookie).await;
    assert!(page.status.is_redirection());
    assert!(
        page.headers[header::SET_COOKIE]
            .to_str()
            .unwrap()
            .contains("Max-Age=0")
    );
    // Even a browser that kept the cookie is asked for the password now.
    let page = get_with_cookie(&f, &f.authorize_path(&f.authorize_fields("st-4")), &cookie).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains(r#"name="password""#));
}

#[tokio::test]
async fn the_session_ends_an_hour_after_the_password_sign_in() {
    let f = fixture().await;
    let email = confirmed_user(&f).await;
    let fields = f.credentials("st-1", &email, PASSWORD);
    let cookie = session_cookie(&f.post("/login", &fields).await);
    let again = |state: &'static str| {
        let path = f.authorize_path(&f.authorize_fields(state));
        let cookie = cookie.clone();
        let f = &f;
        async move { get_with_cookie(f, &path, &cookie).await }
    };

    f.clock
        .advance(hosted_ui::SESSION_LIFETIME - Duration::from_secs(1));
    let page = again("st-2").await;
    assert!(
        page.status.is_redirection(),
        "a second before the hour: {}",
        page.body
    );

    f.clock.advance(Duration::from_secs(1));
    let page = again("st-3").await;
    assert_eq!(
        page.status,
        StatusCode::OK,
        "the hour is over: the password form"
    );
    assert!(page.location.is_none());
    assert!(page.body.contains("password"), "{}", page.body);
}

#[tokio::test]
async fn a_refresh_token_ends_after_the_clients_refresh_token_validity() {
    let f = fixture().await;
    let email = confirmed_user(&f).await;
    let (code, _) = sign_in_for_code(&f, &email).await;
    let tokens = json(&redeem(&f, &code, VERIFIER).await);
    let refresh_token = tokens["refresh_token"].as_str().unwrap();
    f.clock
        .advance(hosted_ui::REFRESH_LIFETIME - Duration::from_secs(1));
    let page = refresh(&f, refresh_token).await;
    assert_eq!(page.status, StatusCode::OK);
    let next = json(&page)["refresh_token"].as_str().unwrap().to_owned();
    f.clock.advance(Duration::from_secs(1));
    for token in [refresh_token, next.as_str()] {
        assert_eq!(
            error_of(&refresh(&f, token).await),
            (StatusCode::BAD_REQUEST, "invalid_grant".to_owned()),
            "a rotated token ends when the sign-in's first one would have"
        );
    }
}

#[tokio::test]
async fn a_refresh_rotates_the_token_and_the_replaced_one_ends_after_the_grace_period() {
    let f = fixture().await;
    let email = confirmed_user(&f).await;
    let (code, _) = sign_in_for_code(&f, &email).await;
    let first = json(&redeem(&f, &code, VERIFIER).await)["refresh_token"]
        .as_str()
        .unwrap()
        .to_owned();
    let next = |page: &Page| {
        assert_eq!(page.status, StatusCode::OK, "{}", page.body);
        json(page)["refresh_token"].as_str().unwrap().to_owned()
    };
    let second = next(&refresh(&f, &first).await);
    assert_ne!(second, first);

    f.clock
        .advance(hosted_ui::REFRESH_GRACE - Duration::from_secs(1));
    let retried = next(&refresh(&f, &first).await);
    assert!(
        retried != first && retried != second,
        "a retry within the grace period gets a token of its own"
    );
    f.clock.advance(Duration::from_secs(1));
    assert_eq!(
        error_of(&refresh(&f, &first).await),
        (StatusCode::BAD_REQUEST, "invalid_grant".to_owned()),
        "the replaced token is over once the grace period is"
    );
    let third = next(&refresh(&f, &second).await);
    f.clock.advance(hosted_ui::REFRESH_GRACE);
    assert_eq!(
        error_of(&refresh(&f, &second).await),
        (StatusCode::BAD_REQUEST, "invalid_grant".to_owned())
    );
    next(&refresh(&f, &third).await);
}
