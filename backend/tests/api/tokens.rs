//! Token checks with RSA keys made here and a JWKS served from a local port.

use std::net::SocketAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, LazyLock, Mutex};
use std::time::Duration;

use axum::Json;
use axum::extract::State;
use axum::response::IntoResponse;
use backend::Clock;
use backend::auth::{AuthError, Verifier};
use backend::config::AuthConfig;
use backend::domain::Caller;
use backend::error::ApiError;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use rsa::RsaPrivateKey;
use rsa::pkcs1::EncodeRsaPrivateKey;
use rsa::pkcs8::{EncodePublicKey, LineEnding};
use rsa::traits::PublicKeyParts;
use serde_json::{Value, json};

const ISSUER: &str = "https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_Test";
const CLIENT_ID: &str = "testclient";

struct Key {
    kid: &'static str,
    private: RsaPrivateKey,
}

impl Key {
    fn new(kid: &'static str) -> Self {
        let private =
            RsaPrivateKey::new(&mut rand::thread_rng(), 2048).expect("generate an RSA key");
        Self { kid, private }
    }

    fn jwk(&self) -> Value {
        let public = self.private.to_public_key();
        json!({
            "kty": "RSA", "alg": "RS256", "use": "sig", "kid": self.kid,
            "n": URL_SAFE_NO_PAD.encode(public.n().to_bytes_be()),
            "e": URL_SAFE_NO_PAD.encode(public.e().to_bytes_be()),
        })
    }

    fn sign(&self, claims: &Value) -> String {
        let mut header = Header::new(Algorithm::RS256);
        header.kid = Some(self.kid.to_owned());
        let der = self.private.to_pkcs1_der().expect("DER");
        jsonwebtoken::encode(&header, claims, &EncodingKey::from_rsa_der(der.as_bytes()))
            .expect("sign")
    }
}

static KEY: LazyLock<Key> = LazyLock::new(|| Key::new("key-1"));
static OTHER_KEY: LazyLock<Key> = LazyLock::new(|| Key::new("key-2"));

/// A JWKS endpoint whose key set can change, counting how often it is fetched.
#[derive(Clone, Default)]
struct Jwks {
    keys: Arc<Mutex<Vec<Value>>>,
    fetches: Arc<AtomicUsize>,
}

impl Jwks {
    async fn serve(keys: Vec<Value>) -> (Self, SocketAddr) {
        let jwks = Jwks {
            keys: Arc::new(Mutex::new(keys)),
            fetches: Arc::default(),
        };
        let router = axum::Router::new()
            .route(
                "/jwks.json",
                axum::routing::get(|State(jwks): State<Jwks>| async move {
                    jwks.fetches.fetch_add(1, Ordering::SeqCst);
                    let keys = jwks.keys.lock().unwrap().clone();
                    Json(json!({ "keys": keys }))
                }),
            )
            .with_state(jwks.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        tokio::spawn(async move { axum::serve(listener, router).await });
        (jwks, addr)
    }

    fn fetches(&self) -> usize {
        self.fetches.load(Ordering::SeqCst)
    }
}

fn verifier_for(addr: SocketAddr) -> Verifier {
    Verifier::new(AuthConfig {
        issuer: ISSUER.to_owned(),
        client_id: CLIENT_ID.to_owned(),
        jwks_url: format!("http://{addr}/jwks.json"),
    })
}

async fn verifier() -> (Verifier, Jwks) {
    let (jwks, addr) = Jwks::serve(vec![KEY.jwk()]).await;
    (verifier_for(addr), jwks)
}

fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64
}

fn id_claims() -> Value {
    let now = now();
    json!({
        "sub": "8d2e0c4b-user", "iss": ISSUER, "aud": CLIENT_ID, "token_use": "id",
        "iat": now, "auth_time": now, "exp": now + 3600,
        "email": "ada@example.com", "cognito:username": "8d2e0c4b-user",
    })
}

fn access_claims() -> Value {
    let now = now();
    json!({
        "sub": "8d2e0c4b-user", "iss": ISSUER, "client_id": CLIENT_ID, "token_use": "access",
        "scope": "openid email profile", "iat": now, "exp": now + 3600, "username": "8d2e0c4b-user",
    })
}

fn with(mut claims: Value, changes: Value) -> Value {
    for (k, v) in changes.as_object().unwrap() {
        if v.is_null() {
            claims.as_object_mut().unwrap().remove(k);
        } else {
            claims[k] = v.clone();
        }
    }
    claims
}

/// Asserts the token is refused for `reason` and that the API answers 401 for it.
async fn assert_refused(verifier: &Verifier, token: &str, reason: AuthError) {
    let err = verifier
        .verify(token)
        .await
        .expect_err("the token must be refused");
    assert_eq!(err, reason);
    let response = ApiError::from(err).into_response();
    assert_eq!(response.status(), 401);
}

#[tokio::test]
async fn a_valid_id_token_passes_with_or_without_the_bearer_prefix() {
    let (verifier, _) = verifier().await;
    let token = KEY.sign(&id_claims());
    let expected = Caller {
        sub: "8d2e0c4b-user".into(),
        moderator: false,
    };
    assert_eq!(
        verifier.verify(&format!("Bearer {token}")).await,
        Ok(expected.clone())
    );
    assert_eq!(verifier.verify(&token).await, Ok(expected));
}

#[tokio::test]
async fn only_the_moderators_group_in_a_signed_token_makes_a_moderator() {
    let (verifier, _) = verifier().await;
    let member = with(
        id_claims(),
        json!({"cognito:groups": ["readers", "moderators"]}),
    );
    let identity = verifier.verify(&KEY.sign(&member)).await.unwrap();
    assert!(identity.moderator);
    // Claims a user can set themselves say nothing about the role.
    for claims in [
        with(
            id_claims(),
            json!({"name": "moderators", "custom:role": "moderators"}),
        ),
        with(
            id_claims(),
            json!({"cognito:groups": ["Moderators", "readers"]}),
        ),
    ] {
        let identity = verifier.verify(&KEY.sign(&claims)).await.unwrap();
        assert!(!identity.moderator, "{claims}");
    }
}

#[tokio::test]
async fn a_valid_access_token_passes() {
    let (verifier, _) = verifier().await;
    let identity = verifier.verify(&KEY.sign(&access_claims())).await.unwrap();
    assert_eq!(identity.sub, "8d2e0c4b-user");
}

#[tokio::test]
async fn an_expired_token_fails() {
    let (verifier, _) = verifier().await;
    let token = KEY.sign(&with(id_claims(), json!({ "exp": now() - 61 - 5 })));
    assert_refused(&verifier, &token, AuthError::Expired).await;
}

#[tokio::test]
async fn clock_skew_within_the_leeway_is_tolerated() {
    let (verifier, _) = verifier().await;
    let token = KEY.sign(&with(
        id_claims(),
        json!({ "exp": now() - 30, "iat": now() + 30, "nbf": now() + 30 }),
    ));
    assert!(verifier.verify(&token).await.is_ok());
}

#[tokio::test]
async fn a_token_not_valid_yet_fails() {
    let (verifier, _) = verifier().await;
    let nbf = KEY.sign(&with(id_claims(), json!({ "nbf": now() + 120 })));
    assert_refused(&verifier, &nbf, AuthError::NotYetValid).await;
    let iat = KEY.sign(&with(id_claims(), json!({ "iat": now() + 120 })));
    assert_refused(&verifier, &iat, AuthError::NotYetValid).await;
    let no_iat = KEY.sign(&with(id_claims(), json!({ "iat": null })));
    assert_refused(&verifier, &no_iat, AuthError::NotYetValid).await;
}

#[tokio::test]
async fn a_wrong_issuer_fails() {
    let (verifier, _) = verifier().await;
    for iss in [
        json!("https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_Other"),
        json!(format!("{ISSUER}/")),
        json!(null),
    ] {
        let token = KEY.sign(&with(id_claims(), json!({ "iss": iss })));
        let err = verifier.verify(&token).await.unwrap_err();
        assert!(
            matches!(err, AuthError::Issuer | AuthError::Malformed),
            "{iss}: {err:?}"
        );
    }
}

#[tokio::test]
async fn a_wrong_audience_fails() {
    let (verifier, _) = verifier().await;
    let id = KEY.sign(&with(id_claims(), json!({ "aud": "otherclient" })));
    assert_refused(&verifier, &id, AuthError::Audience).await;
    let id_without_aud = KEY.sign(&with(id_claims(), json!({ "aud": null })));
    assert_refused(&verifier, &id_without_aud, AuthError::Audience).await;
    let access = KEY.sign(&with(
        access_claims(),
        json!({ "client_id": "otherclient" }),
    ));
    assert_refused(&verifier, &access, AuthError::Audience).await;
    // An access token's `aud` does not stand in for its `client_id`.
    let access_with_aud = KEY.sign(&with(
        access_claims(),
        json!({ "client_id": null, "aud": CLIENT_ID }),
    ));
    assert_refused(&verifier, &access_with_aud, AuthError::Audience).await;
}

#[tokio::test]
async fn a_wrong_token_use_fails() {
    let (verifier, _) = verifier().await;
    for token_use in [json!("refresh"), json!("ID"), json!(null)] {
        let token = KEY.sign(&with(id_claims(), json!({ "token_use": token_use })));
        assert_refused(&verifier, &token, AuthError::TokenUse).await;
    }
}

fn unsigned(header: Value, claims: &Value) -> String {
    format!(
        "{}.{}.",
        URL_SAFE_NO_PAD.encode(header.to_string()),
        URL_SAFE_NO_PAD.encode(claims.to_string())
    )
}

#[tokio::test]
async fn alg_none_fails() {
    let (verifier, _) = verifier().await;
    for alg in ["none", "None", "NONE"] {
        let token = unsigned(
            json!({ "alg": alg, "kid": "key-1", "typ": "JWT" }),
            &id_claims(),
        );
        assert_refused(&verifier, &token, AuthError::Malformed).await;
    }
}

#[tokio::test]
async fn hs256_signed_with_the_public_key_fails() {
    let (verifier, _) = verifier().await;
    let public_pem = KEY
        .private
        .to_public_key()
        .to_public_key_pem(LineEnding::LF)
        .unwrap();
    let mut header = Header::new(Algorithm::HS256);
    header.kid = Some("key-1".into());
    let token = jsonwebtoken::encode(
        &header,
        &id_claims(),
        &EncodingKey::from_secret(public_pem.as_bytes()),
    )
    .unwrap();
    assert_refused(&verifier, &token, AuthError::Algorithm).await;
}

#[tokio::test]
async fn an_unknown_kid_fails_and_is_fetched_at_most_once_a_minute() {
    let (verifier, jwks) = verifier().await;
    assert!(verifier.verify(&KEY.sign(&id_claims())).await.is_ok());
    assert_eq!(jwks.fetches(), 1);

    let rotated = OTHER_KEY.sign(&id_claims());
    assert_refused(&verifier, &rotated, AuthError::UnknownKey).await;
    // The pool rotates its keys, but the last fetch was under a minute ago.
    jwks.keys.lock().unwrap().push(OTHER_KEY.jwk());
    for _ in 0..5 {
        assert_refused(&verifier, &rotated, AuthError::UnknownKey).await;
    }
    assert_eq!(
        jwks.fetches(),
        1,
        "unknown kids must not hammer the JWKS endpoint"
    );
    let no_kid = {
        let mut header = Header::new(Algorithm::RS256);
        header.kid = None;
        let der = KEY.private.to_pkcs1_der().unwrap();
        jsonwebtoken::encode(
            &header,
            &id_claims(),
            &EncodingKey::from_rsa_der(der.as_bytes()),
        )
        .unwrap()
    };
    assert_refused(&verifier, &no_kid, AuthError::UnknownKey).await;
}

#[tokio::test]
async fn a_rotated_key_is_picked_up_once_the_interval_has_passed() {
    let (jwks, addr) = Jwks::serve(vec![KEY.jwk()]).await;
    let clock = Clock::manual(time::OffsetDateTime::now_utc());
    let verifier = verifier_for(addr)
        .with_refetch_interval(Duration::from_secs(60))
        .with_clock(clock.clone());
    assert!(verifier.verify(&KEY.sign(&id_claims())).await.is_ok());
    jwks.keys.lock().unwrap().push(OTHER_KEY.jwk());
    clock.advance(Duration::from_secs(59));
    assert_eq!(
        verifier.verify(&OTHER_KEY.sign(&id_claims())).await,
        Err(AuthError::UnknownKey),
        "not before the interval"
    );
    assert_eq!(jwks.fetches(), 1);
    clock.advance(Duration::from_secs(1));
    assert!(verifier.verify(&OTHER_KEY.sign(&id_claims())).await.is_ok());
    assert_eq!(jwks.fetches(), 2);
    // Keys already known need no fetch.
    assert!(verifier.verify(&KEY.sign(&id_claims())).await.is_ok());
    assert_eq!(jwks.fetches(), 2);
}

#[tokio::test]
async fn a_payload_changed_after_signing_fails() {
    let (verifier, _) = verifier().await;
    let token = KEY.sign(&id_claims());
    let parts: Vec<&str> = token.split('.').collect();
    let forged = with(id_claims(), json!({ "sub": "someone-else" }));
    let tampered = format!(
        "{}.{}.{}",
        parts[0],
        URL_SAFE_NO_PAD.encode(forged.to_string()),
        parts[2]
    );
    assert_refused(&verifier, &tampered, AuthError::Signature).await;
}

#[tokio::test]
async fn a_token_signed_by_another_key_under_a_known_kid_fails() {
    let (verifier, _) = verifier().await;
    let mut header = Header::new(Algorithm::RS256);
    header.kid = Some("key-1".into());
    let der = OTHER_KEY.private.to_pkcs1_der().unwrap();
    let token = jsonwebtoken::encode(
        &header,
        &id_claims(),
        &EncodingKey::from_rsa_der(der.as_bytes()),
    )
    .unwrap();
    assert_refused(&verifier, &token, AuthError::Signature).await;
}

#[tokio::test]
async fn garbage_fails() {
    let (verifier, _) = verifier().await;
    for token in [
        "garbage",
        "a.b.c",
        "Bearer ",
        "....",
        "eyJhbGciOiJSUzI1NiJ9.e30",
    ] {
        let err = verifier.verify(token).await.unwrap_err();
        assert!(
            matches!(err, AuthError::Malformed | AuthError::Missing),
            "{token:?}: {err:?}"
        );
        assert_eq!(ApiError::from(err).into_response().status(), 401);
    }
}

#[tokio::test]
async fn unreachable_keys_are_a_503_not_a_401() {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap();
    let verifier = verifier_for(port);
    let err = verifier.verify(&KEY.sign(&id_claims())).await.unwrap_err();
    assert!(matches!(err, AuthError::KeysUnavailable(_)), "{err:?}");
    assert_eq!(ApiError::from(err).into_response().status(), 503);
}

/// A JWKS URL whose `n`th fetch (from 0) gets `answer(n)`; also returns the count.
async fn serve_counted<F, Fut, R>(answer: F) -> (SocketAddr, Arc<AtomicUsize>)
where
    F: Fn(usize) -> Fut + Clone + Send + Sync + 'static,
    Fut: std::future::Future<Output = R> + Send + 'static,
    R: IntoResponse + 'static,
{
    let calls = Arc::new(AtomicUsize::new(0));
    let counter = calls.clone();
    let router = axum::Router::new().route(
        "/jwks.json",
        axum::routing::get(move || {
            let call = counter.fetch_add(1, Ordering::SeqCst);
            answer(call)
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, router).await });
    (addr, calls)
}

#[tokio::test]
async fn failing_key_fetches_are_rate_limited_and_answered_503_every_time() {
    // A JWKS URL that answers 500, counting how often it is asked.
    let (addr, fetches) =
        serve_counted(|_| async { axum::http::StatusCode::INTERNAL_SERVER_ERROR }).await;
    let verifier = verifier_for(addr);
    let token = KEY.sign(&id_claims());
    for attempt in 0..5 {
        let err = verifier.verify(&token).await.unwrap_err();
        assert!(
            matches!(err, AuthError::KeysUnavailable(_)),
            "attempt {attempt}: {err:?}"
        );
        assert_eq!(ApiError::from(err).into_response().status(), 503);
    }
    assert_eq!(
        fetches.load(Ordering::SeqCst),
        1,
        "a failed fetch is not repeated for every request"
    );
}

#[tokio::test]
async fn a_key_fetch_cut_short_by_a_dropped_request_is_retried_and_never_a_401() {
    // The first fetch of the keys is slow, and the request waiting for it goes away
    // (its client left): the next requests must not be refused as "unknown key".
    let (addr, _) = serve_counted(|call| async move {
        if call == 0 {
            tokio::time::sleep(Duration::from_secs(3)).await;
        }
        Json(json!({ "keys": [KEY.jwk()] }))
    })
    .await;
    // The clock stands still unless the test moves it: "right after" is exactly that,
    // however long the machine takes.
    let clock = Clock::manual(time::OffsetDateTime::now_utc());
    let verifier = verifier_for(addr).with_clock(clock.clone());
    let token = KEY.sign(&id_claims());

    let dropped = tokio::time::timeout(Duration::from_millis(200), verifier.verify(&token)).await;
    assert!(dropped.is_err(), "the first request was dropped mid-fetch");
    let soon = verifier.verify(&token).await;
    assert!(
        matches!(soon, Err(AuthError::KeysUnavailable(_))),
        "right after, a 503 (try again), not a 401: {soon:?}"
    );
    clock.advance(Duration::from_secs(1));
    assert!(
        verifier.verify(&token).await.is_ok(),
        "a second later the keys are fetched again"
    );
}
