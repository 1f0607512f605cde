//! The code grant's calls to the hosted UI's endpoints: the code exchange, the refresh
//! and the revocation, as the public client it is (no secret; the PKCE verifier proves
//! the code is this tab's).

use gloo_net::http::Request;

use crate::auth::{self, TokenResponse};
use crate::config::RuntimeConfig;

/// Why the token endpoint gave no tokens.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenError {
    /// It answered no (`invalid_grant` and the like): the code or refresh token is
    /// spent, expired or revoked. Signing in again is the way on.
    Refused,
    /// It could not be reached, or failed: the session is kept for another try.
    Unreachable,
}

pub async fn exchange_code(
    config: &RuntimeConfig,
    code: &str,
    verifier: &str,
) -> Result<TokenResponse, TokenError> {
    token(config, auth::code_exchange_body(config, code, verifier)).await
}

pub async fn refresh(
    config: &RuntimeConfig,
    refresh_token: &str,
) -> Result<TokenResponse, TokenError> {
    token(config, auth::refresh_body(config, refresh_token)).await
}

/// Revokes `refresh_token`; a failure is not the person's concern (the token dies
/// with its validity anyway), so nothing is returned.
pub async fn revoke(config: &RuntimeConfig, refresh_token: &str) {
    let _ = post_form(
        &config.auth_url("/oauth2/revoke"),
        auth::revoke_body(config, refresh_token),
    )
    .await;
}

async fn token(config: &RuntimeConfig, body: String) -> Result<TokenResponse, TokenError> {
    let response = post_form(&config.auth_url("/oauth2/token"), body)
        .await
        .map_err(|_| TokenError::Unreachable)?;
    match response.status() {
        200 => crate::json::read(response)
            .await
            .map_err(|_| TokenError::Unreachable),
        400 | 401 => Err(TokenError::Refused),
        _ => Err(TokenError::Unreachable),
    }
}

async fn post_form(url: &str, body: String) -> Result<gloo_net::http::Response, gloo_net::Error> {
    Request::post(url)
        .header("Content-Type", "application/x-www-form-urlencoded")
        .body(body)?
        .send()
        .await
}
