//! Sign-in through the Cognito hosted UI with the OAuth2 implicit grant, as plain Rust
//! (no browser APIs here, so all of it is tested natively).
//!
//! The flow: [`authorize_url`] sends the browser to the hosted UI with a fresh `state`
//! and `nonce` that are kept in sessionStorage as a [`PendingSignIn`]; the hosted UI
//! redirects back with the tokens in the URL fragment; [`parse_fragment`] reads it and
//! [`complete_sign_in`] checks it against the pending sign-in and makes a [`Session`].

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde::{Deserialize, Serialize};

use crate::config::RuntimeConfig;

/// A token closer than this to its expiry counts as expired, so a request does not
/// leave with a token that dies on the way.
pub const EXPIRY_MARGIN_SECS: u64 = 30;

/// What the app remembers between sending the browser to the hosted UI and its return.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PendingSignIn {
    pub state: String,
    pub nonce: String,
    /// The app's path to go back to once signed in.
    pub return_to: String,
}

/// A signed-in person.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Session {
    pub id_token: String,
    pub sub: String,
    /// Unix seconds.
    pub expires_at: u64,
}

impl Session {
    pub fn is_expired(&self, now: u64) -> bool {
        now + EXPIRY_MARGIN_SECS >= self.expires_at
    }
}

/// What the hosted UI put in the fragment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Callback {
    Tokens {
        id_token: String,
        state: Option<String>,
    },
    /// `#error=...`: the free-text `error_description` is not even read, since
    /// anyone can put text in a link to the app.
    Error {
        error: OAuthError,
        state: Option<String>,
    },
}

/// The error codes of RFC 6749 §4.2.2.1 that an authorization response can carry;
/// the app says each in its own words.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OAuthError {
    AccessDenied,
    InvalidRequest,
    UnauthorizedClient,
    UnsupportedResponseType,
    InvalidScope,
    ServerError,
    TemporarilyUnavailable,
    /// A code not in the list.
    Other,
}

impl OAuthError {
    pub fn parse(code: &str) -> Self {
        match code {
            "access_denied" => Self::AccessDenied,
            "invalid_request" => Self::InvalidRequest,
            "unauthorized_client" => Self::UnauthorizedClient,
            "unsupported_response_type" => Self::UnsupportedResponseType,
            "invalid_scope" => Self::InvalidScope,
            "server_error" => Self::ServerError,
            "temporarily_unavailable" => Self::TemporarilyUnavailable,
            _ => Self::Other,
        }
    }
}

/// Why a sign-in did not complete.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SignInError {
    /// The hosted UI reported an error for the sign-in this tab started.
    Provider(OAuthError),
    /// An `#error=...` that answers no sign-in of this tab (a crafted link, say):
    /// nothing is shown for it.
    Unsolicited,
    /// The app had not started a sign-in in this tab (or it was already used).
    NotStarted,
    /// The callback carries no `state`.
    MissingState,
    /// The callback's `state` is not the one this tab sent: possibly forged.
    StateMismatch,
    /// The id token's `nonce` is not the one this tab sent: possibly replayed.
    NonceMismatch,
    /// The id token cannot be read.
    MalformedToken,
    /// The id token has already expired.
    Expired,
}

/// The claims of an id token that the app uses. The backend verifies the signature;
/// the app only reads who is signed in and until when.
#[derive(Debug, Clone, Deserialize)]
pub struct Claims {
    pub sub: String,
    pub exp: u64,
    #[serde(default)]
    pub nonce: Option<String>,
}

/// The hosted UI's sign-in page for a new sign-in.
pub fn authorize_url(config: &RuntimeConfig, state: &str, nonce: &str) -> String {
    let query = form_urlencoded::Serializer::new(String::new())
        .append_pair("response_type", "token")
        .append_pair("client_id", &config.client_id)
        .append_pair("redirect_uri", &config.redirect_uri)
        .append_pair("scope", &config.scopes.join(" "))
        .append_pair("state", state)
        .append_pair("nonce", nonce)
        .finish();
    format!(
        "{}/oauth2/authorize?{query}",
        config.auth_domain.trim_end_matches('/')
    )
}

/// The hosted UI's sign-out: ends its own session too, then returns to the app.
pub fn logout_url(config: &RuntimeConfig) -> String {
    let query = form_urlencoded::Serializer::new(String::new())
        .append_pair("client_id", &config.client_id)
        .append_pair("logout_uri", &config.logout_uri)
        .finish();
    format!(
        "{}/logout?{query}",
        config.auth_domain.trim_end_matches('/')
    )
}

/// Reads a callback fragment (with or without the leading `#`). `None` when the
/// fragment is not a sign-in callback at all.
pub fn parse_fragment(fragment: &str) -> Option<Callback> {
    let fragment = fragment.strip_prefix('#').unwrap_or(fragment);
    let mut id_token = None;
    let mut state = None;
    let mut error = None;
    for (key, value) in form_urlencoded::parse(fragment.as_bytes()) {
        match key.as_ref() {
            "id_token" => id_token = Some(value.into_owned()),
            "state" => state = Some(value.into_owned()),
            "error" => error = Some(OAuthError::parse(&value)),
            _ => {}
        }
    }
    match (error, id_token) {
        (Some(error), _) => Some(Callback::Error { error, state }),
        (None, Some(id_token)) => Some(Callback::Tokens { id_token, state }),
        (None, None) => None,
    }
}

/// Reads an id token's claims without verifying its signature.
pub fn decode_claims(token: &str) -> Result<Claims, SignInError> {
    let mut parts = token.split('.');
    let (Some(_header), Some(payload), Some(_signature), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err(SignInError::MalformedToken);
    };
    let bytes = URL_SAFE_NO_PAD
        .decode(payload.trim_end_matches('='))
        .map_err(|_| SignInError::MalformedToken)?;
    serde_json::from_slice(&bytes).map_err(|_| SignInError::MalformedToken)
}

/// Checks a callback against the sign-in this tab started and makes the session.
/// Returns the session and the path to go back to.
pub fn complete_sign_in(
    callback: Callback,
    pending: Option<&PendingSignIn>,
    now: u64,
) -> Result<(Session, String), SignInError> {
    let (id_token, state) = match callback {
        Callback::Error { error, state } => {
            let ours = matches!((pending, state), (Some(p), Some(s)) if constant_time_eq(s.as_bytes(), p.state.as_bytes()));
            return Err(if ours {
                SignInError::Provider(error)
            } else {
                SignInError::Unsolicited
            });
        }
        Callback::Tokens { id_token, state } => (id_token, state),
    };
    let pending = pending.ok_or(SignInError::NotStarted)?;
    let state = state.ok_or(SignInError::MissingState)?;
    if !constant_time_eq(state.as_bytes(), pending.state.as_bytes()) {
        return Err(SignInError::StateMismatch);
    }
    let claims = decode_claims(&id_token)?;
    if let Some(nonce) = &claims.nonce
        && !constant_time_eq(nonce.as_bytes(), pending.nonce.as_bytes())
    {
        return Err(SignInError::NonceMismatch);
    }
    let session = Session {
        sub: claims.sub.clone(),
        expires_at: claims.exp,
        id_token,
    };
    if session.is_expired(now) {
        return Err(SignInError::Expired);
    }
    Ok((session, safe_return_path(&pending.return_to)))
}

/// Only a path inside the app: never another origin (`//evil.example`, `https://...`).
pub fn safe_return_path(path: &str) -> String {
    if path.starts_with('/') && !path.starts_with("//") && !path.contains('\\') {
        path.to_owned()
    } else {
        "/".to_owned()
    }
}

fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// Hex of random bytes, for `state` and `nonce`.
pub fn to_hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config() -> RuntimeConfig {
        RuntimeConfig {
            api_base: "/api".into(),
            auth_domain: "https://board.auth.eu-west-1.amazoncognito.com".into(),
            client_id: "abc123".into(),
            redirect_uri: "https://board.example/".into(),
            logout_uri: "https://board.example/".into(),
            scopes: vec!["openid".into(), "email".into(), "profile".into()],
        }
    }

    fn token(claims: serde_json::Value) -> String {
        format!(
            "eyJhbGciOiJSUzI1NiJ9.{}.c2ln",
            URL_SAFE_NO_PAD.encode(claims.to_string())
        )
    }

    const NOW: u64 = 1_800_000_000;

    fn pending() -> PendingSignIn {
        PendingSignIn {
            state: "s1".into(),
            nonce: "n1".into(),
            return_to: "/posts/7".into(),
        }
    }

    fn good_token() -> String {
        token(
            serde_json::json!({ "sub": "u1", "exp": NOW + 3600, "nonce": "n1", "email": "ada@example.com" }),
        )
    }

    #[test]
    fn authorize_url_carries_every_parameter_encoded() {
        let url = authorize_url(&config(), "st&ate", "no nce");
        assert_eq!(
            url,
            "https://board.auth.eu-west-1.amazoncognito.com/oauth2/authorize?response_type=token\
             &client_id=abc123&redirect_uri=https%3A%2F%2Fboard.example%2F&scope=openid+email+profile\
             &state=st%26ate&nonce=no+nce"
        );
    }

    #[test]
    fn logout_url_names_client_and_return() {
        assert_eq!(
            logout_url(&config()),
            "https://board.auth.eu-west-1.amazoncognito.com/logout?client_id=abc123&logout_uri=https%3A%2F%2Fboard.example%2F"
        );
    }

    #[test]
    fn fragment_with_tokens_is_parsed() {
        let fragment =
            "#id_token=a.b.c&access_token=x.y.z&expires_in=3600&token_type=Bearer&state=s%201";
        assert_eq!(
            parse_fragment(fragment),
            Some(Callback::Tokens {
                id_token: "a.b.c".into(),
                state: Some("s 1".into())
            })
        );
    }

    #[test]
    fn an_error_for_this_tabs_sign_in_is_reported_by_its_code_alone() {
        let fragment = "error=access_denied&error_description=Call+0800+now%21&state=s1";
        let callback = parse_fragment(fragment).unwrap();
        assert_eq!(
            callback,
            Callback::Error {
                error: OAuthError::AccessDenied,
                state: Some("s1".into())
            }
        );
        assert_eq!(
            complete_sign_in(callback, Some(&pending()), NOW),
            Err(SignInError::Provider(OAuthError::AccessDenied))
        );
        let unknown = parse_fragment("error=%3Cb%3Ehi&state=s1").unwrap();
        assert_eq!(
            complete_sign_in(unknown, Some(&pending()), NOW),
            Err(SignInError::Provider(OAuthError::Other))
        );
    }

    #[test]
    fn an_error_that_answers_no_sign_in_of_this_tab_is_not_shown() {
        for (fragment, pending) in [
            ("error=access_denied&state=forged", Some(pending())),
            ("error=access_denied", Some(pending())),
            ("error=server_error&state=s1", None),
        ] {
            let callback = parse_fragment(fragment).unwrap();
            assert_eq!(
                complete_sign_in(callback, pending.as_ref(), NOW),
                Err(SignInError::Unsolicited),
                "{fragment}"
            );
        }
    }

    #[test]
    fn other_fragments_are_not_callbacks() {
        assert_eq!(parse_fragment(""), None);
        assert_eq!(parse_fragment("#section-2"), None);
    }

    #[test]
    fn a_good_callback_makes_a_session_and_returns_to_the_page() {
        let callback = Callback::Tokens {
            id_token: good_token(),
            state: Some("s1".into()),
        };
        let (session, back) = complete_sign_in(callback, Some(&pending()), NOW).unwrap();
        assert_eq!(session.sub, "u1");
        assert_eq!(session.expires_at, NOW + 3600);
        assert_eq!(session.id_token, good_token());
        assert_eq!(back, "/posts/7");
    }

    #[test]
    fn a_state_mismatch_is_refused() {
        let callback = Callback::Tokens {
            id_token: good_token(),
            state: Some("forged".into()),
        };
        assert_eq!(
            complete_sign_in(callback, Some(&pending()), NOW),
            Err(SignInError::StateMismatch)
        );
    }

    #[test]
    fn a_missing_state_is_refused() {
        let callback = Callback::Tokens {
            id_token: good_token(),
            state: None,
        };
        assert_eq!(
            complete_sign_in(callback, Some(&pending()), NOW),
            Err(SignInError::MissingState)
        );
    }

    #[test]
    fn a_callback_without_a_pending_sign_in_is_refused() {
        let callback = Callback::Tokens {
            id_token: good_token(),
            state: Some("s1".into()),
        };
        assert_eq!(
            complete_sign_in(callback, None, NOW),
            Err(SignInError::NotStarted)
        );
    }

    #[test]
    fn a_nonce_mismatch_is_refused_and_a_missing_nonce_is_allowed() {
        let replayed =
            token(serde_json::json!({ "sub": "u1", "exp": NOW + 3600, "nonce": "other" }));
        let callback = Callback::Tokens {
            id_token: replayed,
            state: Some("s1".into()),
        };
        assert_eq!(
            complete_sign_in(callback, Some(&pending()), NOW),
            Err(SignInError::NonceMismatch)
        );

        let without = token(serde_json::json!({ "sub": "u1", "exp": NOW + 3600 }));
        let callback = Callback::Tokens {
            id_token: without,
            state: Some("s1".into()),
        };
        assert!(complete_sign_in(callback, Some(&pending()), NOW).is_ok());
    }

    #[test]
    fn an_expired_token_is_refused() {
        let old = token(serde_json::json!({ "sub": "u1", "exp": NOW - 1, "nonce": "n1" }));
        let callback = Callback::Tokens {
            id_token: old,
            state: Some("s1".into()),
        };
        assert_eq!(
            complete_sign_in(callback, Some(&pending()), NOW),
            Err(SignInError::Expired)
        );
    }

    #[test]
    fn malformed_tokens_are_refused() {
        for bad in [
            "",
            "abc",
            "a.b",
            "a.!!!.c",
            "a.b.c.d",
            &format!("h.{}.s", URL_SAFE_NO_PAD.encode("{\"sub\":1}")),
        ] {
            let callback = Callback::Tokens {
                id_token: bad.into(),
                state: Some("s1".into()),
            };
            assert_eq!(
                complete_sign_in(callback, Some(&pending()), NOW),
                Err(SignInError::MalformedToken),
                "{bad:?}"
            );
        }
    }

    #[test]
    fn sessions_expire_a_little_early() {
        let session = Session {
            id_token: "t".into(),
            sub: "u".into(),
            expires_at: NOW + 100,
        };
        assert!(!session.is_expired(NOW));
        assert!(session.is_expired(NOW + 100 - EXPIRY_MARGIN_SECS));
        assert!(session.is_expired(NOW + 200));
    }

    #[test]
    fn return_paths_stay_inside_the_app() {
        assert_eq!(safe_return_path("/posts/7?x=1"), "/posts/7?x=1");
        for evil in [
            "//evil.example",
            "https://evil.example/",
            "javascript:alert(1)",
            "/\\evil.example",
            "",
        ] {
            assert_eq!(safe_return_path(evil), "/", "{evil}");
        }
    }

    #[test]
    fn hex_is_lowercase_and_padded() {
        assert_eq!(to_hex(&[0, 15, 255]), "000fff");
    }
}
