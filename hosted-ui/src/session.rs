//! The hosted UI's own sign-in session, a cookie as Cognito's: for an hour after a
//! password sign-in, another sign-in by the same app (a second tab, or after the app
//! forgot its tokens) returns without the password form. `/logout` ends it.
//!
//! The session holds moto's refresh token from the password sign-in, never the
//! password: tokens for a later sign-in are that refresh token's.

use std::time::{Duration, Instant};

use axum::http::{HeaderMap, HeaderValue, header};

use crate::HostedUi;

/// The cookie's name, as Cognito's.
pub(crate) const COOKIE: &str = "cognito";
/// How long a session lasts after the password sign-in (Cognito: one hour).
pub const LIFETIME: Duration = Duration::from_secs(60 * 60);

pub(crate) struct Session {
    /// The app client it was started for: its refresh token makes that client's tokens.
    client_id: String,
    upstream_refresh: String,
    expires: Instant,
}

impl HostedUi {
    /// Starts a session for `client_id` and returns its `Set-Cookie` value.
    pub(crate) fn start_session(&self, client_id: &str, upstream_refresh: &str) -> HeaderValue {
        let id = crate::issue::random_token();
        if let Ok(mut sessions) = self.sessions.lock() {
            let now = self.clock.now();
            sessions.retain(|_, s| s.expires > now);
            crate::bounded::make_room(&mut sessions, now, |s| s.expires);
            sessions.insert(
                id.clone(),
                Session {
                    client_id: client_id.to_owned(),
                    upstream_refresh: upstream_refresh.to_owned(),
                    expires: now + LIFETIME,
                },
            );
        }
        cookie(&id, LIFETIME.as_secs())
    }

    /// The refresh token behind this browser's live session for `client_id`, if any.
    pub(crate) fn session(&self, headers: &HeaderMap, client_id: &str) -> Option<String> {
        let id = session_id(headers)?;
        let sessions = self.sessions.lock().ok()?;
        let session = sessions.get(&id)?;
        (session.expires > self.clock.now() && session.client_id == client_id)
            .then(|| session.upstream_refresh.clone())
    }

    /// Ends this browser's session, returning the `Set-Cookie` value that clears it.
    pub(crate) fn end_session(&self, headers: &HeaderMap) -> HeaderValue {
        if let (Some(id), Ok(mut sessions)) = (session_id(headers), self.sessions.lock()) {
            sessions.remove(&id);
        }
        cookie("", 0)
    }
}

fn cookie(value: &str, max_age: u64) -> HeaderValue {
    // The value is a random hex token (or empty): always a valid header value.
    HeaderValue::from_str(&format!(
        "{COOKIE}={value}; Path=/; Max-Age={max_age}; HttpOnly; SameSite=Lax"
    ))
    .unwrap_or(HeaderValue::from_static("cognito=; Max-Age=0"))
}

/// The session id in the request's `Cookie` headers.
fn session_id(headers: &HeaderMap) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(name, value)| *name == COOKIE && !value.is_empty())
        .map(|(_, value)| value.to_owned())
}
