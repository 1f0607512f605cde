//! Sign-in through the Cognito hosted UI, as plain Rust (no browser APIs here, so all of
//! it is tested natively), with either grant `config.json` names:
//!
//! - **implicit**: [`authorize_url`] sends the browser to the hosted UI with a fresh
//!   `state` and `nonce`, kept in sessionStorage as a [`PendingSignIn`]; it comes back
//!   with `#id_token=...`.
//! - **code**: the same, plus a PKCE verifier whose S256 [`pkce_challenge`] goes along;
//!   it comes back with `?code=...`, which the app exchanges at the token endpoint
//!   ([`code_exchange_body`]) for tokens and a refresh token ([`refresh_body`]).
//!
//! [`parse_callback`] reads what came back, [`check_return`] matches it to the pending
//! sign-in of this tab, and [`session_from_tokens`] makes the [`Session`], checking the
//! `nonce` in the id token.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::config::{Grant, RuntimeConfig};

/// A token closer than this to its expiry counts as expired, so a request does not
/// leave with a token that dies on the way (and the code grant refreshes first).
pub const EXPIRY_MARGIN_SECS: u64 = 30;

/// What the app remembers between sending the browser to the hosted UI and its return.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PendingSignIn {
    pub state: String,
    pub nonce: String,
    /// The app's path to go back to once signed in.
    pub return_to: String,
    /// The PKCE code verifier (code grant only).
    #[serde(default)]
    pub verifier: Option<String>,
}

/// A signed-in person.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Session {
    pub id_token: String,
    pub sub: String,
    /// Unix seconds by this browser's clock: when the tokens were received plus their
    /// lifetime, so a browser whose clock is off still renews on time.
    pub expires_at: u64,
    /// The code grant's refresh token; `None` with the implicit grant.
    #[serde(default)]
    pub refresh_token: Option<String>,
}

impl Session {
    pub fn is_expired(&self, now: u64) -> bool {
        now + EXPIRY_MARGIN_SECS >= self.expires_at
    }

    /// The refresh token of this session (kept in the tab before `next` replaced it)
    /// that nothing will use again: a new sign-in here, by the same person or another,
    /// brings its own.
    pub fn replaced_refresh_token(self, next: &Session) -> Option<String> {
        self.refresh_token
            .filter(|token| next.refresh_token.as_ref() != Some(token))
    }
}

/// What the hosted UI sent back: in the fragment (implicit) or the query (code).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Callback {
    Tokens {
        id_token: String,
        /// Seconds the tokens live.
        expires_in: Option<u64>,
        state: Option<String>,
    },
    Code {
        code: String,
        state: Option<String>,
    },
    /// `error=...`: the free-text `error_description` is not even read, since
    /// anyone can put text in a link to the app.
    Error {
        error: OAuthError,
        state: Option<String>,
    },
}

/// The error codes of RFC 6749 §4.1.2.1 and §4.2.2.1 that an authorization response
/// can carry; the app says each in its own words.
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
    /// An `error=...` that answers no sign-in of this tab (a crafted link, say):
    /// nothing is shown for it.
    Unsolicited,
    /// The app had not started a sign-in in this tab (or it was already used).
    NotStarted,
    /// The callback carries no `state`.
    MissingState,
    /// The callback's `state` is not the one this tab sent: possibly forged.
    StateMismatch,
    /// The id token's `nonce` is missing or not the one this tab sent: possibly
    /// replayed.
    NonceMismatch,
    /// The id token cannot be read.
    MalformedToken,
    /// The id token has already expired.
    Expired,
    /// The token endpoint refused the code or could not be reached.
    Exchange,
}

/// The claims of an id token that the app uses. The backend verifies the signature;
/// the app only reads who is signed in and for how long.
#[derive(Debug, Clone, Deserialize)]
pub struct Claims {
    pub sub: String,
    pub exp: u64,
    #[serde(default)]
    pub iat: Option<u64>,
    #[serde(default)]
    pub nonce: Option<String>,
}

/// A callback matched to the sign-in this tab started: what remains to make a session.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Returned {
    /// Implicit grant: the id token is here.
    Tokens {
        id_token: String,
        expires_in: Option<u64>,
        nonce: String,
        back: String,
    },
    /// Code grant: the code is to be exchanged with the verifier.
    Code {
        code: String,
        verifier: String,
        nonce: String,
        back: String,
    },
}

impl Returned {
    /// The app's path to show once signed in.
    pub fn back(&self) -> &str {
        match self {
            Self::Tokens { back, .. } | Self::Code { back, .. } => back,
        }
    }
}

/// How the id token's `nonce` is checked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NonceCheck<'a> {
    /// It must be there and equal (Cognito always puts it there).
    Required(&'a str),
    /// Equal if there (the local stack, whose tokens cannot carry one).
    IfPresent(&'a str),
    /// Not checked: a refreshed id token answers no sign-in request.
    Refresh,
}

impl<'a> NonceCheck<'a> {
    pub fn new(config: &RuntimeConfig, nonce: &'a str) -> Self {
        if config.require_nonce {
            Self::Required(nonce)
        } else {
            Self::IfPresent(nonce)
        }
    }
}

/// What the token endpoint answers (RFC 6749 §5.1).
#[derive(Debug, Clone, Deserialize)]
pub struct TokenResponse {
    pub id_token: String,
    #[serde(default)]
    pub refresh_token: Option<String>,
    #[serde(default)]
    pub expires_in: Option<u64>,
}

/// The hosted UI's sign-in page for `pending`, with the grant `config` names.
pub fn authorize_url(config: &RuntimeConfig, pending: &PendingSignIn) -> String {
    let mut query = form_urlencoded::Serializer::new(String::new());
    let response_type = match config.grant {
        Grant::Implicit => "token",
        Grant::Code => "code",
    };
    query
        .append_pair("response_type", response_type)
        .append_pair("client_id", &config.client_id)
        .append_pair("redirect_uri", &config.redirect_uri)
        .append_pair("scope", &config.scopes.join(" "))
        .append_pair("state", &pending.state)
        .append_pair("nonce", &pending.nonce);
    if let (Grant::Code, Some(verifier)) = (config.grant, &pending.verifier) {
        query
            .append_pair("code_challenge", &pkce_challenge(verifier))
            .append_pair("code_challenge_method", "S256");
    }
    config.auth_url(&format!("/oauth2/authorize?{}", query.finish()))
}

/// The hosted UI's sign-out: ends its own session too, then returns to the app.
pub fn logout_url(config: &RuntimeConfig) -> String {
    let query = form_urlencoded::Serializer::new(String::new())
        .append_pair("client_id", &config.client_id)
        .append_pair("logout_uri", &config.logout_uri)
        .finish();
    config.auth_url(&format!("/logout?{query}"))
}

/// A PKCE code verifier (RFC 7636 §4.1) from 32 random bytes: 43 characters of
/// base64url, all of them unreserved.
pub fn pkce_verifier(random: &[u8; 32]) -> String {
    URL_SAFE_NO_PAD.encode(random)
}

/// The S256 code challenge of `verifier`: `BASE64URL(SHA256(verifier))`.
pub fn pkce_challenge(verifier: &str) -> String {
    URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes()))
}

/// The token request that redeems `code` (public client: no secret, the verifier
/// instead).
pub fn code_exchange_body(config: &RuntimeConfig, code: &str, verifier: &str) -> String {
    form_urlencoded::Serializer::new(String::new())
        .append_pair("grant_type", "authorization_code")
        .append_pair("client_id", &config.client_id)
        .append_pair("code", code)
        .append_pair("redirect_uri", &config.redirect_uri)
        .append_pair("code_verifier", verifier)
        .finish()
}

/// The token request that renews the tokens with `refresh_token`.
pub fn refresh_body(config: &RuntimeConfig, refresh_token: &str) -> String {
    form_urlencoded::Serializer::new(String::new())
        .append_pair("grant_type", "refresh_token")
        .append_pair("client_id", &config.client_id)
        .append_pair("refresh_token", refresh_token)
        .finish()
}

/// The revocation request for `refresh_token`.
pub fn revoke_body(config: &RuntimeConfig, refresh_token: &str) -> String {
    form_urlencoded::Serializer::new(String::new())
        .append_pair("token", refresh_token)
        .append_pair("client_id", &config.client_id)
        .finish()
}

/// Reads what the hosted UI sent back: `?code=` or `?error=` in the query (code
/// grant), else `#id_token=` or `#error=` in the fragment (implicit). Either may come
/// with or without its leading `?` / `#`. `None` when the address is no sign-in
/// callback at all (`?cursor=...`, `#section`).
pub fn parse_callback(query: &str, fragment: &str) -> Option<Callback> {
    let query = query.strip_prefix('?').unwrap_or(query);
    let fragment = fragment.strip_prefix('#').unwrap_or(fragment);
    parse_pairs(query, false).or_else(|| parse_pairs(fragment, true))
}

fn parse_pairs(text: &str, tokens_allowed: bool) -> Option<Callback> {
    let (mut id_token, mut code, mut state, mut error, mut expires_in) =
        (None, None, None, None, None);
    for (key, value) in form_urlencoded::parse(text.as_bytes()) {
        match key.as_ref() {
            "id_token" if tokens_allowed => id_token = Some(value.into_owned()),
            "code" if !tokens_allowed => code = Some(value.into_owned()),
            "expires_in" => expires_in = value.parse().ok(),
            "state" => state = Some(value.into_owned()),
            "error" => error = Some(OAuthError::parse(&value)),
            _ => {}
        }
    }
    match (error, id_token, code) {
        (Some(error), _, _) => Some(Callback::Error { error, state }),
        (None, Some(id_token), _) => Some(Callback::Tokens {
            id_token,
            expires_in,
            state,
        }),
        (None, None, Some(code)) => Some(Callback::Code { code, state }),
        (None, None, None) => None,
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
    let text = std::str::from_utf8(&bytes).map_err(|_| SignInError::MalformedToken)?;
    crate::json::from_str(text).map_err(|_| SignInError::MalformedToken)
}

/// Matches a callback to the sign-in this tab started (the `state`).
pub fn check_return(
    callback: Callback,
    pending: Option<&PendingSignIn>,
) -> Result<Returned, SignInError> {
    let state = match &callback {
        Callback::Error { error, state } => {
            let ours = matches!((pending, state), (Some(p), Some(s)) if constant_time_eq(s.as_bytes(), p.state.as_bytes()));
            return Err(if ours {
                SignInError::Provider(*error)
            } else {
                SignInError::Unsolicited
            });
        }
        Callback::Tokens { state, .. } | Callback::Code { state, .. } => state.clone(),
    };
    let pending = pending.ok_or(SignInError::NotStarted)?;
    let state = state.ok_or(SignInError::MissingState)?;
    if !constant_time_eq(state.as_bytes(), pending.state.as_bytes()) {
        return Err(SignInError::StateMismatch);
    }
    let back = safe_return_path(&pending.return_to);
    let nonce = pending.nonce.clone();
    match callback {
        Callback::Tokens {
            id_token,
            expires_in,
            ..
        } => Ok(Returned::Tokens {
            id_token,
            expires_in,
            nonce,
            back,
        }),
        Callback::Code { code, .. } => Ok(Returned::Code {
            code,
            // A code for a sign-in started without a verifier cannot be redeemed.
            verifier: pending.verifier.clone().ok_or(SignInError::NotStarted)?,
            nonce,
            back,
        }),
        Callback::Error { .. } => Err(SignInError::Unsolicited),
    }
}

/// Makes the session from tokens received at `now`: the id token's nonce checked as
/// `nonce` says, its lifetime from `expires_in` (else its own `exp - iat`) counted
/// from `now`, so that a browser clock that is off does not matter.
pub fn session_from_tokens(
    id_token: String,
    expires_in: Option<u64>,
    refresh_token: Option<String>,
    nonce: NonceCheck<'_>,
    now: u64,
) -> Result<Session, SignInError> {
    let claims = decode_claims(&id_token)?;
    let nonce_ok = match (nonce, &claims.nonce) {
        (NonceCheck::Refresh, _) => true,
        (NonceCheck::Required(_), None) => false,
        (NonceCheck::IfPresent(_), None) => true,
        (NonceCheck::Required(sent) | NonceCheck::IfPresent(sent), Some(got)) => {
            constant_time_eq(got.as_bytes(), sent.as_bytes())
        }
    };
    if !nonce_ok {
        return Err(SignInError::NonceMismatch);
    }
    let lifetime = expires_in
        .or_else(|| claims.iat.map(|iat| claims.exp.saturating_sub(iat)))
        .unwrap_or_else(|| claims.exp.saturating_sub(now));
    let session = Session {
        sub: claims.sub,
        expires_at: now + lifetime,
        id_token,
        refresh_token,
    };
    if session.is_expired(now) {
        return Err(SignInError::Expired);
    }
    Ok(session)
}

/// The session after a refresh: new tokens for the same person, and the refresh token
/// the answer brings (the deployed client rotates it: the one before ends seconds
/// later), else the one before.
pub fn refreshed_session(
    previous: &Session,
    tokens: TokenResponse,
    now: u64,
) -> Result<Session, SignInError> {
    let session = session_from_tokens(
        tokens.id_token,
        tokens.expires_in,
        tokens
            .refresh_token
            .or_else(|| previous.refresh_token.clone()),
        NonceCheck::Refresh,
        now,
    )?;
    if session.sub != previous.sub {
        return Err(SignInError::MalformedToken);
    }
    Ok(session)
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
    #[test]
    fn a_new_sign_in_in_the_tab_leaves_the_refresh_token_before_to_revoke() {
        let session = |sub: &str, refresh: Option<&str>| super::Session {
            id_token: "t".into(),
            sub: sub.into(),
            expires_at: 0,
            refresh_token: refresh.map(str::to_owned),
        };
        let alice = session("alice", Some("r-alice"));
        assert_eq!(
            alice
                .clone()
                .replaced_refresh_token(&session("bob", Some("r-bob"))),
            Some("r-alice".into())
        );
        assert_eq!(
            alice
                .clone()
                .replaced_refresh_token(&session("alice", Some("r-again"))),
            Some("r-alice".into()),
            "the same person signing in again gets a new one too"
        );
        assert_eq!(alice.clone().replaced_refresh_token(&alice), None);
        assert_eq!(
            session("alice", None).replaced_refresh_token(&session("bob", None)),
            None,
            "the implicit grant has none"
        );
    }

    use super::*;

    fn config() -> RuntimeConfig {
        RuntimeConfig {
            api_base: "/api".into(),
            auth_domain: "https://board.auth.eu-west-1.amazoncognito.com".into(),
            client_id: "abc123".into(),
            redirect_uri: "https://board.example/".into(),
            logout_uri: "https://board.example/".into(),
            scopes: vec!["openid".into(), "email".into(), "profile".into()],
            grant: Grant::Implicit,
            require_nonce: true,
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
            verifier: None,
        }
    }

    fn good_token() -> String {
        token(
            serde_json::json!({ "sub": "u1", "exp": NOW + 3600, "iat": NOW, "nonce": "n1", "email": "ada@example.com" }),
        )
    }

    /// The implicit grant's whole return: callback, state, session.
    fn implicit(
        callback: Callback,
        pending: Option<&PendingSignIn>,
        nonce_required: bool,
    ) -> Result<(Session, String), SignInError> {
        match check_return(callback, pending)? {
            Returned::Tokens {
                id_token,
                expires_in,
                nonce: sent,
                back,
            } => {
                let check = if nonce_required {
                    NonceCheck::Required(&sent)
                } else {
                    NonceCheck::IfPresent(&sent)
                };
                Ok((
                    session_from_tokens(id_token, expires_in, None, check, NOW)?,
                    back,
                ))
            }
            other => panic!("not an implicit return: {other:?}"),
        }
    }

    fn tokens(id_token: String) -> Callback {
        Callback::Tokens {
            id_token,
            expires_in: Some(3600),
            state: Some("s1".into()),
        }
    }

    #[test]
    fn authorize_url_carries_every_parameter_encoded() {
        let pending = PendingSignIn {
            state: "st&ate".into(),
            nonce: "no nce".into(),
            ..pending()
        };
        assert_eq!(
            authorize_url(&config(), &pending),
            "https://board.auth.eu-west-1.amazoncognito.com/oauth2/authorize?response_type=token\
             &client_id=abc123&redirect_uri=https%3A%2F%2Fboard.example%2F&scope=openid+email+profile\
             &state=st%26ate&nonce=no+nce"
        );
    }

    #[test]
    fn the_code_grant_asks_for_a_code_with_the_verifiers_s256_challenge() {
        let config = RuntimeConfig {
            grant: Grant::Code,
            ..config()
        };
        let pending = PendingSignIn {
            verifier: Some("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk".into()),
            ..pending()
        };
        let url = authorize_url(&config, &pending);
        assert!(url.contains("?response_type=code&"), "{url}");
        assert!(
            url.ends_with(
                "&state=s1&nonce=n1&code_challenge=E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM\
                 &code_challenge_method=S256"
            ),
            "{url}"
        );
    }

    #[test]
    fn the_s256_challenge_matches_rfc_7636_appendix_b() {
        // The appendix's 32 octets, their verifier, and its challenge.
        let octets = [
            116, 24, 223, 180, 151, 153, 224, 37, 79, 250, 96, 125, 216, 173, 187, 186, 22, 212,
            37, 77, 105, 214, 191, 240, 91, 88, 5, 88, 83, 132, 141, 121,
        ];
        let verifier = pkce_verifier(&octets);
        assert_eq!(verifier, "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk");
        assert_eq!(
            pkce_challenge(&verifier),
            "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"
        );
    }

    #[test]
    fn verifiers_are_43_unreserved_characters_whatever_the_bytes() {
        for fill in [0u8, 0x3e, 0x3f, 0xfb, 0xff] {
            let verifier = pkce_verifier(&[fill; 32]);
            assert_eq!(verifier.len(), 43, "{verifier}");
            assert!(
                verifier
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_'),
                "{verifier}"
            );
        }
        assert_ne!(pkce_verifier(&[1; 32]), pkce_verifier(&[2; 32]));
    }

    #[test]
    fn token_requests_are_form_encoded_without_a_secret() {
        let config = config();
        assert_eq!(
            code_exchange_body(&config, "c/1", "v"),
            "grant_type=authorization_code&client_id=abc123&code=c%2F1\
             &redirect_uri=https%3A%2F%2Fboard.example%2F&code_verifier=v"
        );
        assert_eq!(
            refresh_body(&config, "r+1"),
            "grant_type=refresh_token&client_id=abc123&refresh_token=r%2B1"
        );
        assert_eq!(revoke_body(&config, "r"), "token=r&client_id=abc123");
    }

    #[test]
    fn logout_url_names_client_and_return() {
        assert_eq!(
            logout_url(&config()),
            "https://board.auth.eu-west-1.amazoncognito.com/logout?client_id=abc123&logout_uri=https%3A%2F%2Fboard.example%2F"
        );
    }

    #[test]
    fn a_fragment_with_tokens_is_parsed() {
        let fragment =
            "#id_token=a.b.c&access_token=x.y.z&expires_in=3600&token_type=Bearer&state=s%201";
        assert_eq!(
            parse_callback("", fragment),
            Some(Callback::Tokens {
                id_token: "a.b.c".into(),
                expires_in: Some(3600),
                state: Some("s 1".into())
            })
        );
    }

    #[test]
    fn a_query_with_a_code_is_parsed_and_tokens_in_a_query_are_not() {
        assert_eq!(
            parse_callback("?code=abc%2F1&state=s1", ""),
            Some(Callback::Code {
                code: "abc/1".into(),
                state: Some("s1".into())
            })
        );
        assert_eq!(
            parse_callback("?error=access_denied&state=s1", ""),
            Some(Callback::Error {
                error: OAuthError::AccessDenied,
                state: Some("s1".into())
            })
        );
        assert_eq!(parse_callback("?id_token=a.b.c&state=s1", ""), None);
        assert_eq!(parse_callback("", "#code=abc&state=s1"), None);
        assert_eq!(parse_callback("?cursor=abc", "#section-2"), None);
        assert_eq!(parse_callback("", ""), None);
    }

    #[test]
    fn a_code_for_this_tabs_sign_in_is_returned_with_its_verifier() {
        let with_verifier = PendingSignIn {
            verifier: Some("v".repeat(43)),
            ..pending()
        };
        let callback = parse_callback("code=c1&state=s1", "").unwrap();
        assert_eq!(
            check_return(callback, Some(&with_verifier)),
            Ok(Returned::Code {
                code: "c1".into(),
                verifier: "v".repeat(43),
                nonce: "n1".into(),
                back: "/posts/7".into()
            })
        );
        for (query, expected) in [
            ("code=c1&state=forged", SignInError::StateMismatch),
            ("code=c1", SignInError::MissingState),
        ] {
            let callback = parse_callback(query, "").unwrap();
            assert_eq!(check_return(callback, Some(&with_verifier)), Err(expected));
        }
        let callback = parse_callback("code=c1&state=s1", "").unwrap();
        assert_eq!(
            check_return(callback.clone(), None),
            Err(SignInError::NotStarted)
        );
        assert_eq!(
            check_return(callback, Some(&pending())),
            Err(SignInError::NotStarted),
            "a sign-in started without a verifier cannot redeem a code"
        );
    }

    #[test]
    fn an_error_for_this_tabs_sign_in_is_reported_by_its_code_alone() {
        let fragment = "error=access_denied&error_description=Call+0800+now%21&state=s1";
        let callback = parse_callback("", fragment).unwrap();
        assert_eq!(
            callback,
            Callback::Error {
                error: OAuthError::AccessDenied,
                state: Some("s1".into())
            }
        );
        assert_eq!(
            check_return(callback, Some(&pending())),
            Err(SignInError::Provider(OAuthError::AccessDenied))
        );
        let unknown = parse_callback("", "error=%3Cb%3Ehi&state=s1").unwrap();
        assert_eq!(
            check_return(unknown, Some(&pending())),
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
            let callback = parse_callback("", fragment).unwrap();
            assert_eq!(
                check_return(callback, pending.as_ref()),
                Err(SignInError::Unsolicited),
                "{fragment}"
            );
        }
    }

    #[test]
    fn a_good_callback_makes_a_session_and_returns_to_the_page() {
        let (session, back) = implicit(tokens(good_token()), Some(&pending()), true).unwrap();
        assert_eq!(session.sub, "u1");
        assert_eq!(session.expires_at, NOW + 3600);
        assert_eq!(session.id_token, good_token());
        assert_eq!(session.refresh_token, None);
        assert_eq!(back, "/posts/7");
    }

    #[test]
    fn a_state_mismatch_or_missing_state_or_pending_sign_in_is_refused() {
        let forged = Callback::Tokens {
            id_token: good_token(),
            expires_in: None,
            state: Some("forged".into()),
        };
        assert_eq!(
            check_return(forged, Some(&pending())),
            Err(SignInError::StateMismatch)
        );
        let without = Callback::Tokens {
            id_token: good_token(),
            expires_in: None,
            state: None,
        };
        assert_eq!(
            check_return(without, Some(&pending())),
            Err(SignInError::MissingState)
        );
        assert_eq!(
            check_return(tokens(good_token()), None),
            Err(SignInError::NotStarted)
        );
    }

    #[test]
    fn the_nonce_must_match_and_is_required_unless_the_config_relaxes_it() {
        let replayed =
            token(serde_json::json!({ "sub": "u1", "exp": NOW + 3600, "nonce": "other" }));
        for check in [true, false] {
            assert_eq!(
                implicit(tokens(replayed.clone()), Some(&pending()), check),
                Err(SignInError::NonceMismatch)
            );
        }
        let without = token(serde_json::json!({ "sub": "u1", "exp": NOW + 3600 }));
        assert_eq!(
            implicit(tokens(without.clone()), Some(&pending()), true),
            Err(SignInError::NonceMismatch)
        );
        assert!(implicit(tokens(without), Some(&pending()), false).is_ok());

        let relaxed = RuntimeConfig {
            require_nonce: false,
            ..config()
        };
        assert_eq!(NonceCheck::new(&relaxed, "n"), NonceCheck::IfPresent("n"));
        assert_eq!(NonceCheck::new(&config(), "n"), NonceCheck::Required("n"));
    }

    #[test]
    fn an_expired_token_is_refused() {
        let old = token(serde_json::json!({ "sub": "u1", "exp": NOW - 1, "nonce": "n1" }));
        let callback = Callback::Tokens {
            id_token: old,
            expires_in: None,
            state: Some("s1".into()),
        };
        assert_eq!(
            implicit(callback, Some(&pending()), true),
            Err(SignInError::Expired)
        );
    }

    #[test]
    fn the_lifetime_counts_from_receipt_by_this_browsers_clock() {
        // A browser two hours ahead still gets the token's full hour.
        let ahead = NOW + 7200;
        let session =
            session_from_tokens(good_token(), None, None, NonceCheck::Required("n1"), ahead)
                .unwrap();
        assert_eq!(session.expires_at, ahead + 3600);
        let session = session_from_tokens(
            good_token(),
            Some(600),
            Some("r".into()),
            NonceCheck::Required("n1"),
            NOW,
        )
        .unwrap();
        assert_eq!(session.expires_at, NOW + 600);
        assert_eq!(session.refresh_token.as_deref(), Some("r"));
    }

    #[test]
    fn a_refresh_keeps_the_refresh_token_and_the_person() {
        let previous = Session {
            id_token: "old".into(),
            sub: "u1".into(),
            expires_at: NOW,
            refresh_token: Some("r1".into()),
        };
        let renewed = token(serde_json::json!({ "sub": "u1", "exp": NOW + 3600, "iat": NOW }));
        let response = TokenResponse {
            id_token: renewed.clone(),
            refresh_token: None,
            expires_in: Some(3600),
        };
        let session = refreshed_session(&previous, response, NOW).unwrap();
        assert_eq!(session.id_token, renewed);
        assert_eq!(session.refresh_token.as_deref(), Some("r1"));
        assert_eq!(session.expires_at, NOW + 3600);

        let someone_else = TokenResponse {
            id_token: token(serde_json::json!({ "sub": "u2", "exp": NOW + 3600 })),
            refresh_token: None,
            expires_in: Some(3600),
        };
        assert_eq!(
            refreshed_session(&previous, someone_else, NOW),
            Err(SignInError::MalformedToken)
        );

        let rotated = TokenResponse {
            id_token: renewed,
            refresh_token: Some("r2".into()),
            expires_in: Some(3600),
        };
        assert_eq!(
            refreshed_session(&previous, rotated, NOW)
                .unwrap()
                .refresh_token
                .as_deref(),
            Some("r2"),
            "a rotated refresh token replaces the one before"
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
            assert_eq!(
                implicit(tokens(bad.into()), Some(&pending()), true),
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
            refresh_token: None,
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
