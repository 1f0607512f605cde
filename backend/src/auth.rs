//! Verification of Cognito tokens.
//!
//! The backend checks every token itself, also behind API Gateway's JWT authorizer,
//! because the same router runs locally where no authorizer stands in front of it.
//! The checks: RS256 only, a signing key chosen by `kid` from the pool's JWKS, `iss`
//! equal to the pool's issuer, `aud` (id tokens) or `client_id` (access tokens) equal
//! to the app client, `token_use` one of those two, and `exp` / `nbf` / `iat` within
//! [`LEEWAY_SECS`]. Tokens are never logged.

use std::collections::HashMap;
use std::sync::{Arc, OnceLock};
use std::time::{Duration, Instant};

use axum::body::Bytes;
use http_body_util::{BodyExt, Empty};
use hyper_rustls::HttpsConnector;
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::TokioExecutor;
use jsonwebtoken::jwk::{AlgorithmParameters, JwkSet, KeyAlgorithm, PublicKeyUse};
use jsonwebtoken::{Algorithm, DecodingKey, Validation, errors::ErrorKind};
use serde::Deserialize;
use tokio::sync::{Mutex, RwLock};

use crate::config::AuthConfig;
use crate::domain::Caller;
use clock::Clock;

/// Clock skew tolerated on `exp`, `nbf` and `iat`.
pub const LEEWAY_SECS: u64 = 60;
/// After the keys were fetched, an unknown `kid` triggers a new fetch at most this often.
pub const REFETCH_INTERVAL: Duration = Duration::from_secs(60);
/// After a failed fetch, the keys are asked for again at most this often.
const RETRY_INTERVAL: Duration = Duration::from_secs(1);
const FETCH_TIMEOUT: Duration = Duration::from_secs(5);
/// A pool's JWKS is a few kilobytes; anything much larger is not one.
const MAX_JWKS_BYTES: usize = 256 * 1024;

/// The Cognito group whose members may delete any post.
pub const MODERATORS: &str = "moderators";

/// Why a request was not authenticated.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum AuthError {
    #[error("a bearer token is required")]
    Missing,
    #[error("the token is malformed")]
    Malformed,
    #[error("the token's algorithm is not allowed")]
    Algorithm,
    #[error("the token's signing key is unknown")]
    UnknownKey,
    #[error("the token's signature is invalid")]
    Signature,
    #[error("the token has expired")]
    Expired,
    #[error("the token is not valid yet")]
    NotYetValid,
    #[error("the token was issued by someone else")]
    Issuer,
    #[error("the token was issued for another client")]
    Audience,
    #[error("the token is neither an id token nor an access token")]
    TokenUse,
    /// The pool's keys could not be fetched: the server's problem, not the caller's.
    #[error("the signing keys could not be fetched: {0}")]
    KeysUnavailable(String),
}

/// Claims this verifier reads; the rest of the token is ignored.
#[derive(Debug, Deserialize)]
struct Claims {
    sub: String,
    token_use: Option<String>,
    aud: Option<Audience>,
    client_id: Option<String>,
    iat: Option<u64>,
    #[serde(rename = "cognito:groups", default)]
    groups: Vec<String>,
}

#[derive(Debug, Deserialize)]
#[serde(untagged)]
enum Audience {
    One(String),
    Many(Vec<String>),
}

impl Audience {
    fn contains(&self, client_id: &str) -> bool {
        match self {
            Audience::One(aud) => aud == client_id,
            Audience::Many(auds) => auds.iter().any(|aud| aud == client_id),
        }
    }
}

/// Checks tokens against one user pool and app client.
pub struct Verifier {
    config: AuthConfig,
    keys: KeyCache,
    validation: Validation,
}

impl Verifier {
    pub fn new(config: AuthConfig) -> Self {
        let mut validation = Validation::new(Algorithm::RS256);
        validation.leeway = LEEWAY_SECS;
        validation.validate_exp = true;
        validation.validate_nbf = true;
        // `aud` is checked below, where the kind of token is known.
        validation.validate_aud = false;
        validation.set_issuer(&[&config.issuer]);
        validation.set_required_spec_claims(&["exp", "iss", "sub"]);
        let keys = KeyCache::new(config.jwks_url.clone());
        Self {
            config,
            keys,
            validation,
        }
    }

    /// Changes how soon an unknown `kid` may trigger another fetch of the keys
    /// (default [`REFETCH_INTERVAL`]).
    pub fn with_refetch_interval(mut self, interval: Duration) -> Self {
        self.keys.refetch_interval = interval;
        self
    }

    /// Reads the key fetch's rate limit from `clock` instead of the system's.
    #[must_use]
    pub fn with_clock(mut self, clock: Clock) -> Self {
        self.keys.clock = clock;
        self
    }

    /// Verifies the value of an `Authorization` header (with or without `Bearer `).
    pub async fn verify(&self, header_value: &str) -> Result<Caller, AuthError> {
        let token = strip_bearer(header_value);
        if token.is_empty() {
            return Err(AuthError::Missing);
        }
        let header = jsonwebtoken::decode_header(token).map_err(|_| AuthError::Malformed)?;
        if header.alg != Algorithm::RS256 {
            return Err(AuthError::Algorithm);
        }
        let kid = header.kid.ok_or(AuthError::UnknownKey)?;
        let key = self.keys.get(&kid).await?;
        let claims = jsonwebtoken::decode::<Claims>(token, &key, &self.validation)
            .map_err(|e| classify(e.kind()))?
            .claims;

        if claims
            .iat
            .is_none_or(|iat| iat > jsonwebtoken::get_current_timestamp() + LEEWAY_SECS)
        {
            return Err(AuthError::NotYetValid);
        }
        let for_this_client = match claims.token_use.as_deref() {
            Some("id") => claims
                .aud
                .as_ref()
                .is_some_and(|aud| aud.contains(&self.config.client_id)),
            Some("access") => claims.client_id.as_deref() == Some(self.config.client_id.as_str()),
            _ => return Err(AuthError::TokenUse),
        };
        if !for_this_client {
            return Err(AuthError::Audience);
        }
        if claims.sub.is_empty() {
            return Err(AuthError::Malformed);
        }
        Ok(Caller {
            moderator: claims.groups.iter().any(|g| g == MODERATORS),
            sub: claims.sub,
        })
    }
}

fn strip_bearer(value: &str) -> &str {
    let value = value.trim();
    match value.get(..7) {
        Some(prefix) if prefix.eq_ignore_ascii_case("bearer ") => value[7..].trim_start(),
        _ => value,
    }
}

fn classify(kind: &ErrorKind) -> AuthError {
    match kind {
        ErrorKind::ExpiredSignature => AuthError::Expired,
        ErrorKind::ImmatureSignature => AuthError::NotYetValid,
        ErrorKind::InvalidIssuer => AuthError::Issuer,
        ErrorKind::InvalidAudience => AuthError::Audience,
        ErrorKind::InvalidSignature => AuthError::Signature,
        ErrorKind::InvalidAlgorithm | ErrorKind::InvalidAlgorithmName => AuthError::Algorithm,
        _ => AuthError::Malformed,
    }
}

/// The pool's public keys by `kid`, fetched on first use and again when a token names
/// a key not seen yet (Cognito rotates keys), no more often than [`REFETCH_INTERVAL`].
struct KeyCache {
    url: String,
    /// Built on first use: loading the system's root certificates costs start-up time
    /// that a Lambda cold start should not pay before it needs them.
    http: OnceLock<HttpClient>,
    keys: RwLock<HashMap<String, Arc<DecodingKey>>>,
    refetch_interval: Duration,
    clock: Clock,
    /// Held while fetching, so concurrent requests with a new `kid` cause one fetch.
    fetch: Mutex<FetchState>,
}

/// The fetches of the keys so far, for the rate limit. Failed fetches count too: a
/// pool whose keys cannot be fetched is asked again no more than once a
/// [`RETRY_INTERVAL`], however many requests arrive, and those requests get a 503, never
/// a 401. A fetch whose request was dropped half-way (the client went away) counts as
/// failed, so it only delays the next attempt by the retry interval.
#[derive(Default)]
struct FetchState {
    last_success: Option<Instant>,
    /// When the last attempt that did not succeed started, and why it failed.
    last_failure: Option<(Instant, String)>,
}

impl KeyCache {
    fn new(url: String) -> Self {
        Self {
            url,
            http: OnceLock::new(),
            refetch_interval: REFETCH_INTERVAL,
            clock: Clock::system(),
            keys: RwLock::default(),
            fetch: Mutex::default(),
        }
    }

    async fn get(&self, kid: &str) -> Result<Arc<DecodingKey>, AuthError> {
        if let Some(key) = self.keys.read().await.get(kid) {
            return Ok(key.clone());
        }
        let mut state = self.fetch.lock().await;
        // Another request may have fetched the keys while this one waited.
        if let Some(key) = self.keys.read().await.get(kid) {
            return Ok(key.clone());
        }
        let now = self.clock.now();
        match (&state.last_failure, state.last_success) {
            (Some((at, why)), _) if now.duration_since(*at) < RETRY_INTERVAL => {
                return Err(AuthError::KeysUnavailable(why.clone()));
            }
            (None, Some(at)) if now.duration_since(at) < self.refetch_interval => {
                return Err(AuthError::UnknownKey);
            }
            _ => {}
        }
        tracing::debug!(url = %self.url, "fetching the user pool's signing keys");
        // Marked failed until it succeeds: if this request is dropped mid-fetch, the
        // next one may try again after the retry interval.
        state.last_failure = Some((
            now,
            "the previous fetch of the keys did not finish".to_owned(),
        ));
        let fetched = match self.fetch_keys().await {
            Ok(fetched) => fetched,
            Err(err) => {
                state.last_failure = Some((self.clock.now(), err.to_string()));
                return Err(err);
            }
        };
        state.last_failure = None;
        state.last_success = Some(self.clock.now());
        tracing::info!(keys = fetched.len(), "fetched the user pool's signing keys");
        let found = fetched.get(kid).cloned();
        *self.keys.write().await = fetched;
        found.ok_or(AuthError::UnknownKey)
    }

    async fn fetch_keys(&self) -> Result<HashMap<String, Arc<DecodingKey>>, AuthError> {
        let unavailable = |what: &str| AuthError::KeysUnavailable(what.to_owned());
        let http = match self.http.get() {
            Some(client) => client,
            None => {
                let client =
                    http_client().map_err(|e| AuthError::KeysUnavailable(e.to_string()))?;
                self.http.get_or_init(|| client)
            }
        };
        let uri: axum::http::Uri = self
            .url
            .parse()
            .map_err(|_| unavailable("the JWKS URL is not a URI"))?;
        let fetch = async {
            let response = http
                .get(uri)
                .await
                .map_err(|e| AuthError::KeysUnavailable(e.to_string()))?;
            if !response.status().is_success() {
                return Err(AuthError::KeysUnavailable(format!(
                    "the JWKS URL answered {}",
                    response.status()
                )));
            }
            let body = http_body_util::Limited::new(response.into_body(), MAX_JWKS_BYTES);
            body.collect()
                .await
                .map(|b| b.to_bytes())
                .map_err(|e| AuthError::KeysUnavailable(e.to_string()))
        };
        let body = tokio::time::timeout(FETCH_TIMEOUT, fetch)
            .await
            .map_err(|_| unavailable("timed out"))??;
        let set: JwkSet =
            serde_json::from_slice(&body).map_err(|_| unavailable("the JWKS is not valid JSON"))?;
        Ok(set
            .keys
            .iter()
            .filter(|jwk| matches!(jwk.algorithm, AlgorithmParameters::RSA(_)))
            .filter(|jwk| matches!(jwk.common.key_algorithm, None | Some(KeyAlgorithm::RS256)))
            .filter(|jwk| {
                matches!(
                    jwk.common.public_key_use,
                    None | Some(PublicKeyUse::Signature)
                )
            })
            .filter_map(|jwk| {
                let kid = jwk.common.key_id.clone()?;
                let key = DecodingKey::from_jwk(jwk).ok()?;
                Some((kid, Arc::new(key)))
            })
            .collect())
    }
}

type HttpClient = Client<HttpsConnector<HttpConnector>, Empty<Bytes>>;

/// HTTPS with the system's root certificates (plain HTTP only for the local stand-in;
/// inside Lambda the configuration accepts no JWKS URL but Cognito's HTTPS one).
fn http_client() -> std::io::Result<HttpClient> {
    let https = hyper_rustls::HttpsConnectorBuilder::new()
        .with_native_roots()?
        .https_or_http()
        .enable_http1()
        .build();
    Ok(Client::builder(TokioExecutor::new()).build(https))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bearer_prefix_is_optional_and_case_insensitive() {
        assert_eq!(strip_bearer("Bearer abc.def.ghi"), "abc.def.ghi");
        assert_eq!(strip_bearer("bearer   abc"), "abc");
        assert_eq!(strip_bearer("abc.def.ghi"), "abc.def.ghi");
        assert_eq!(strip_bearer("  Bearer "), "Bearer");
    }

    fn claims(json: serde_json::Value) -> Claims {
        serde_json::from_value(json).unwrap()
    }

    #[test]
    fn only_the_moderators_group_is_read_from_the_token() {
        let c =
            claims(serde_json::json!({"sub": "s", "cognito:groups": ["readers", "moderators"]}));
        assert!(c.groups.iter().any(|g| g == MODERATORS));
        let c = claims(serde_json::json!({"sub": "s", "name": "moderators"}));
        assert!(c.groups.is_empty(), "no group claim, no groups");
    }
}
