//! The hosted-UI imitation against moto: what the app's sign-in relies on.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::time::Duration;

use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use backend::auth::Verifier;
use backend::config::AuthConfig;
use common::{APP, PASSWORD, Page, confirmed_user, fixture, fragment, value};

#[tokio::test]
async fn an_unknown_client_or_unregistered_redirect_gets_an_error_page_and_no_redirect() {
    let f = fixture().await;
    let mut fields = f.authorize_fields("s");
    fields[1] = ("client_id", "nosuchclient");
    let page = f.get(&f.authorize_path(&fields)).await;
    assert_eq!(
        (page.status, page.location),
        (StatusCode::BAD_REQUEST, None)
    );
    assert!(page.body.contains("not registered with this user pool"));

    for evil in [
        "https://evil.example/",
        "http://127.0.0.1:8080/other",
        "http://127.0.0.1:8080",
    ] {
        let mut fields = f.authorize_fields("s");
        fields[2] = ("redirect_uri", evil);
        let page = f.get(&f.authorize_path(&fields)).await;
        assert_eq!(
            (page.status, page.location.as_deref()),
            (StatusCode::BAD_REQUEST, None),
            "{evil}"
        );
    }
}

#[tokio::test]
async fn a_bad_response_type_or_scope_goes_back_to_the_app_as_an_error() {
    let f = fixture().await;
    let mut fields = f.authorize_fields("st-1");
    fields[0] = ("response_type", "id_token");
    let page = f.get(&f.authorize_path(&fields)).await;
    assert!(page.status.is_redirection());
    let back = page.location.unwrap();
    assert!(back.starts_with(APP));
    let pairs = fragment(&back);
    assert_eq!(value(&pairs, "error"), Some("unsupported_response_type"));
    assert_eq!(value(&pairs, "state"), Some("st-1"));

    let mut fields = f.authorize_fields("st-2");
    fields[3] = ("scope", "openid admin");
    let page = f.get(&f.authorize_path(&fields)).await;
    assert_eq!(
        value(&fragment(&page.location.unwrap()), "error"),
        Some("invalid_scope")
    );
}

#[tokio::test]
async fn the_sign_in_page_carries_the_request_safely() {
    let f = fixture().await;
    let state = r#""><script>alert(1)</script>"#;
    let page = f.get(&f.authorize_path(&f.authorize_fields(state))).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(
        page.body.contains(r#"<label for="email">"#)
            && page.body.contains(r#"<label for="password">"#)
    );
    assert!(
        !page.body.contains("<script>alert"),
        "the state must be escaped"
    );
    assert!(page.body.contains("&lt;script&gt;"));
}

#[tokio::test]
async fn sign_up_confirm_and_sign_in_return_verifiable_tokens_to_the_app() {
    let f = fixture().await;
    let email = format!("new-{}@example.com", uuid::Uuid::new_v4().simple());
    let mut fields = f.authorize_fields("state-42");

    let weak = [
        fields.clone(),
        vec![("email", email.as_str()), ("password", "short")],
    ]
    .concat();
    let page = f.post("/signup", &weak).await;
    assert_eq!(page.status, StatusCode::BAD_REQUEST);
    assert!(page.body.contains("does not meet the rules"));

    let signup = [
        fields.clone(),
        vec![("email", email.as_str()), ("password", PASSWORD)],
    ]
    .concat();
    let page = f.post("/signup", &signup).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    assert!(page.body.contains(r#"name="code""#));

    let again = f.post("/signup", &signup).await;
    assert!(again.body.contains("already exists"));

    let login = [
        fields.clone(),
        vec![("email", email.as_str()), ("password", PASSWORD)],
    ]
    .concat();
    let unconfirmed = f.post("/login", &login).await;
    assert!(unconfirmed.location.is_none() && unconfirmed.body.contains("not confirmed"));

    let code = f.code_for(&email);
    let wrong = if code == "000000" { "111111" } else { "000000" };
    let page = f
        .post(
            "/confirm",
            &[
                fields.clone(),
                vec![("email", email.as_str()), ("code", wrong)],
            ]
            .concat(),
        )
        .await;
    assert_eq!(page.status, StatusCode::BAD_REQUEST);
    let page = f
        .post(
            "/confirm",
            &[
                fields.clone(),
                vec![("email", email.as_str()), ("code", code.as_str())],
            ]
            .concat(),
        )
        .await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("confirmed"));

    let bad = [
        fields.clone(),
        vec![("email", email.as_str()), ("password", "Wrong-pass-1")],
    ]
    .concat();
    let page = f.post("/login", &bad).await;
    assert_eq!(
        (page.status, page.location.as_deref()),
        (StatusCode::UNAUTHORIZED, None)
    );
    assert!(page.body.contains("Incorrect username or password."));

    fields.push(("email", &email));
    fields.push(("password", PASSWORD));
    let page = f.post("/login", &fields).await;
    let back = page.location.expect("a redirect to the app");
    assert!(back.starts_with(&format!("{APP}#")), "{back}");
    let pairs = fragment(&back);
    assert_eq!(value(&pairs, "token_type"), Some("Bearer"));
    assert_eq!(value(&pairs, "state"), Some("state-42"));
    assert!(value(&pairs, "expires_in").unwrap().parse::<u32>().unwrap() > 0);

    // The tokens are the pool's own: the backend's verifier accepts both.
    let verifier = Verifier::new(AuthConfig {
        issuer: f.stack.issuer.clone(),
        client_id: f.stack.client_id.clone(),
        jwks_url: f.stack.jwks_url.clone(),
    });
    let identity = verifier
        .verify(value(&pairs, "id_token").unwrap())
        .await
        .unwrap();
    let claims = devstack::unverified_claims(value(&pairs, "id_token").unwrap()).unwrap();
    assert_eq!(claims["email"], email.as_str());
    assert_eq!(claims["sub"], identity.sub.as_str());
    assert_eq!(
        claims["nonce"], "n-1",
        "the request's nonce, as Cognito puts it"
    );
    assert!(!identity.moderator);
    let access = verifier
        .verify(value(&pairs, "access_token").unwrap())
        .await
        .unwrap();
    assert_eq!(
        access.sub, identity.sub,
        "both tokens are the same person's"
    );
}

#[tokio::test]
async fn an_unknown_user_is_told_the_same_as_a_wrong_password() {
    let f = fixture().await;
    let fields = [
        f.authorize_fields("s"),
        vec![("email", "nobody@example.com"), ("password", PASSWORD)],
    ]
    .concat();
    let page = f.post("/login", &fields).await;
    assert_eq!(page.status, StatusCode::UNAUTHORIZED);
    assert!(page.body.contains("Incorrect username or password."));
}

#[tokio::test]
async fn logout_redirects_only_to_a_registered_uri() {
    let f = fixture().await;
    let query = |uri: &str| {
        form_urlencoded::Serializer::new(String::new())
            .append_pair("client_id", &f.stack.client_id)
            .append_pair("logout_uri", uri)
            .finish()
    };
    let page = f.get(&format!("/logout?{}", query(APP))).await;
    assert!(page.status.is_redirection());
    assert_eq!(page.location.as_deref(), Some(APP));
    let page = f
        .get(&format!("/logout?{}", query("https://evil.example/")))
        .await;
    assert_eq!(
        (page.status, page.location),
        (StatusCode::BAD_REQUEST, None)
    );
}

#[tokio::test]
async fn pages_speak_korean_when_asked() {
    let f = fixture().await;
    let request = Request::get(f.authorize_path(&f.authorize_fields("s")))
        .header(header::ACCEPT_LANGUAGE, "ko-KR,ko;q=0.9")
        .body(Body::empty())
        .unwrap();
    let page = f.send(request).await;
    assert!(page.body.contains(r#"<html lang="ko">"#));
    assert!(page.body.contains("비밀번호"));
}

#[tokio::test]
async fn no_page_may_be_framed() {
    let f = fixture().await;
    let fields = f.authorize_fields("s");
    for page in [
        f.get(&f.authorize_path(&fields)).await,
        f.get("/oauth2/authorize?client_id=unknown").await,
        f.post("/login", &fields).await,
    ] {
        assert_eq!(page.headers["x-frame-options"], "DENY");
        assert_eq!(
            page.headers["content-security-policy"],
            "frame-ancestors 'none'"
        );
    }
}

#[tokio::test]
async fn requests_addressed_to_another_name_are_refused() {
    let f = fixture().await;
    let path = f.authorize_path(&f.authorize_fields("s"));
    for host in [
        "evil.example",
        "evil.example:9000",
        "localhost.evil.example",
    ] {
        let request = Request::get(&path)
            .header(header::HOST, host)
            .body(Body::empty())
            .unwrap();
        let page = f.send(request).await;
        assert_eq!(page.status, StatusCode::BAD_REQUEST, "{host}");
        assert!(!page.body.contains("<form"), "{host}");
    }
    let request = Request::get(&path)
        .header(header::HOST, "localhost:9000")
        .body(Body::empty())
        .unwrap();
    assert_eq!(f.send(request).await.status, StatusCode::OK);
}

#[tokio::test]
async fn five_wrong_codes_void_the_code_and_a_new_one_is_sent() {
    let f = fixture().await;
    let email = format!("codes-{}@example.com", uuid::Uuid::new_v4().simple());
    let signup = f.credentials("s", &email, PASSWORD);
    assert_eq!(f.post("/signup", &signup).await.status, StatusCode::OK);
    let first = f.code_for(&email);
    let wrong = if first == "000000" {
        "111111"
    } else {
        "000000"
    };
    for attempt in 1..hosted_ui::CODE_ATTEMPTS {
        let page = f.confirm(&email, wrong).await;
        assert!(page.body.contains("Invalid verification code"), "{attempt}");
    }
    let page = f.confirm(&email, wrong).await;
    assert!(
        page.body.contains("Attempt limit exceeded"),
        "{}",
        page.body
    );
    let second = f.code_for(&email);
    assert_ne!(second, first, "a new code was sent");
    let page = f.confirm(&email, &first).await;
    assert!(
        page.body.contains("Invalid verification code"),
        "the voided code no longer works"
    );
    let page = f.confirm(&email, &second).await;
    assert!(page.body.contains("confirmed"), "{}", page.body);
}

#[tokio::test]
async fn five_wrong_passwords_in_a_row_lock_the_account_for_a_while() {
    let f = fixture().await;
    let email = confirmed_user(&f).await;
    let login = |password: &'static str| f.credentials("s", &email, password);
    for _ in 0..hosted_ui::PASSWORD_ATTEMPTS {
        let page = f.post("/login", &login("Wrong-horse-1")).await;
        assert!(page.body.contains("Incorrect username or password."));
    }
    let locked = f.post("/login", &login(PASSWORD)).await;
    assert!(locked.location.is_none(), "even the right password waits");
    assert!(locked.body.contains("Password attempts exceeded"));
    // The first lock lasts a second, to the millisecond.
    f.clock.advance(Duration::from_millis(999));
    let page = f.post("/login", &login(PASSWORD)).await;
    assert!(page.body.contains("Password attempts exceeded"));
    f.clock.advance(Duration::from_millis(1));
    let page = f.post("/login", &login(PASSWORD)).await;
    assert!(
        page.location
            .as_deref()
            .is_some_and(|l| l.starts_with(APP) && l.contains("id_token=")),
        "{}",
        page.body
    );
}

#[tokio::test]
async fn each_further_wrong_password_doubles_the_lock_up_to_fifteen_minutes() {
    let f = fixture().await;
    let email = confirmed_user(&f).await;
    let login = |password: &'static str| f.credentials("s", &email, password);
    let locked = |page: &Page| page.body.contains("Password attempts exceeded");
    for _ in 1..hosted_ui::PASSWORD_ATTEMPTS {
        assert!(!locked(&f.post("/login", &login("Wrong-horse-1")).await));
    }
    // The 5th wrong password locks for 1 s, the 6th for 2 s, ... up to 15 minutes:
    // locked a millisecond before the end, and open at the end (the next wrong
    // password is checked and counted, not refused unread).
    for doublings in 0..12u32 {
        let page = f.post("/login", &login("Wrong-horse-1")).await;
        assert!(
            page.body.contains("Incorrect username or password."),
            "lock {doublings} was over: {}",
            page.body
        );
        let lock = Duration::from_secs(1 << doublings).min(hosted_ui::MAX_LOCK);
        f.clock.advance(lock - Duration::from_millis(1));
        assert!(
            locked(&f.post("/login", &login(PASSWORD)).await),
            "{lock:?}"
        );
        f.clock.advance(Duration::from_millis(1));
    }
    assert_eq!(hosted_ui::MAX_LOCK, Duration::from_secs(15 * 60));
    // Once open, the right password signs in and the count starts over.
    let page = f.post("/login", &login(PASSWORD)).await;
    assert!(
        page.location.is_some_and(|l| l.contains("id_token=")),
        "{}",
        page.body
    );
    assert!(!locked(&f.post("/login", &login("Wrong-horse-1")).await));
}
