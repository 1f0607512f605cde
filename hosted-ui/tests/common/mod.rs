//! What the hosted-UI tests share: a fresh pool in moto per test, the imitation in
//! front of it, and requests sent as a browser on this machine sends them.

#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use std::sync::Arc;

use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use backend::Clock;
use devstack::{LocalAws, Options, Stack};
use hosted_ui::HostedUi;
use http_body_util::BodyExt;
use tower::ServiceExt;

pub const APP: &str = "http://127.0.0.1:8080/";
pub const PASSWORD: &str = "Correct-horse-9";

pub struct Fixture {
    pub router: axum::Router,
    /// The imitation's clock: it stands still until a test moves it.
    pub clock: Clock,
    pub stack: Stack,
    pub moto: LocalAws,
    pub mailbox: std::path::PathBuf,
}

pub struct Page {
    pub status: StatusCode,
    pub headers: axum::http::HeaderMap,
    pub location: Option<String>,
    pub body: String,
}

pub async fn fixture() -> Fixture {
    let endpoint = |name: &str| {
        std::env::var(name).unwrap_or_else(|_| panic!("{name}: run through `cargo xtask test`"))
    };
    let moto = LocalAws::connect(&endpoint("MOTO_ENDPOINT"), &endpoint("DYNAMODB_ENDPOINT")).await;
    let id = uuid::Uuid::new_v4().simple().to_string();
    let options = Options {
        table: format!("posts-{id}"),
        people_table: format!("people-{id}"),
        comments_table: format!("comments-{id}"),
        pool_name: format!("ui-{id}"),
        callback_urls: vec![APP.to_owned()],
        logout_urls: vec![APP.to_owned()],
    };
    let stack = moto.bootstrap(&options).await.unwrap();
    let mailbox = std::env::temp_dir().join(format!("mailbox-{id}"));
    let clock = Clock::manual(time::OffsetDateTime::now_utc());
    let ui = HostedUi::new(
        moto.clone(),
        stack.user_pool_id.clone(),
        Some(mailbox.clone()),
    )
    .with_clock(clock.clone())
    .with_nonce_signer(
        hosted_ui::Signer::moto(&std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../.venv"))
            .expect("moto's signing key: run through `cargo xtask test`"),
    );
    Fixture {
        router: hosted_ui::router(Arc::new(ui)),
        clock,
        stack,
        moto,
        mailbox,
    }
}

impl Fixture {
    /// Sends `request` as a browser on this machine would (`Host: 127.0.0.1:...`,
    /// unless the test names another).
    pub async fn send(&self, mut request: Request<Body>) -> Page {
        if !request.headers().contains_key(header::HOST) {
            request
                .headers_mut()
                .insert(header::HOST, "127.0.0.1:9000".parse().unwrap());
        }
        let response = self.router.clone().oneshot(request).await.unwrap();
        let status = response.status();
        let headers = response.headers().clone();
        let location = response
            .headers()
            .get(header::LOCATION)
            .map(|v| v.to_str().unwrap().to_owned());
        let bytes = response.into_body().collect().await.unwrap().to_bytes();
        Page {
            status,
            headers,
            location,
            body: String::from_utf8(bytes.to_vec()).unwrap(),
        }
    }

    pub async fn get(&self, path: &str) -> Page {
        self.send(Request::get(path).body(Body::empty()).unwrap())
            .await
    }

    pub async fn post(&self, path: &str, fields: &[(&str, &str)]) -> Page {
        let body = form_urlencoded::Serializer::new(String::new())
            .extend_pairs(fields)
            .finish();
        let request = Request::post(path)
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .body(Body::from(body))
            .unwrap();
        self.send(request).await
    }

    pub fn authorize_fields<'a>(&'a self, state: &'a str) -> Vec<(&'a str, &'a str)> {
        vec![
            ("response_type", "token"),
            ("client_id", &self.stack.client_id),
            ("redirect_uri", APP),
            ("scope", "openid email profile"),
            ("state", state),
            ("nonce", "n-1"),
        ]
    }

    /// A sign-in or sign-up form as a browser posts it: the authorize request for
    /// `state` (as its hidden fields carry it) and the credentials typed.
    pub fn credentials<'a>(
        &'a self,
        state: &'a str,
        email: &'a str,
        password: &'a str,
    ) -> Vec<(&'a str, &'a str)> {
        let mut fields = self.authorize_fields(state);
        fields.extend([("email", email), ("password", password)]);
        fields
    }

    pub fn authorize_path(&self, fields: &[(&str, &str)]) -> String {
        format!(
            "/oauth2/authorize?{}",
            form_urlencoded::Serializer::new(String::new())
                .extend_pairs(fields)
                .finish()
        )
    }

    /// Enters `code` on the confirmation form for `email`.
    pub async fn confirm(&self, email: &str, code: &str) -> Page {
        let fields = [
            self.authorize_fields("s"),
            vec![("email", email), ("code", code)],
        ]
        .concat();
        self.post("/confirm", &fields).await
    }

    pub fn code_for(&self, email: &str) -> String {
        let mail = std::fs::read_to_string(&self.mailbox).unwrap();
        mail.lines()
            .rev()
            .find_map(|l| l.strip_prefix(&format!("{email} ")))
            .unwrap()
            .to_owned()
    }
}

pub fn fragment(location: &str) -> Vec<(String, String)> {
    let (_, fragment) = location.split_once('#').expect("a fragment");
    form_urlencoded::parse(fragment.as_bytes())
        .into_owned()
        .collect()
}

pub fn value<'a>(pairs: &'a [(String, String)], key: &str) -> Option<&'a str> {
    pairs
        .iter()
        .find(|(k, _)| k == key)
        .map(|(_, v)| v.as_str())
}

/// A new, confirmed user of the fixture's pool.
pub async fn confirmed_user(f: &Fixture) -> String {
    let email = format!("u-{}@example.com", uuid::Uuid::new_v4().simple());
    let signup = [
        f.authorize_fields("s"),
        vec![("email", email.as_str()), ("password", PASSWORD)],
    ]
    .concat();
    assert_eq!(f.post("/signup", &signup).await.status, StatusCode::OK);
    let code = f.code_for(&email);
    assert_eq!(f.confirm(&email, &code).await.status, StatusCode::OK);
    email
}
