//! `POST /oauth2/token`: a code redeemed with its PKCE verifier, or a refresh token
//! exchanged for new id and access tokens and the next refresh token, answering and failing as Cognito documents
//! (a JSON body `{"error": ...}` with status 400).
//!
//! The app calls it from its own origin, so the answer allows that origin (one of the
//! client's callback URLs' origins) to read it, and no other.

use std::sync::Arc;

use axum::Json;
use axum::extract::{Form, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use aws_sdk_cognitoidentityprovider::types::OAuthFlowType;

use crate::HostedUi;
use crate::issue::{REFRESH_GRACE, REFRESH_LIFETIME, RefreshGrant, random_token};
use crate::request::Unavailable;

#[derive(Debug, Default, Deserialize)]
pub(crate) struct TokenRequest {
    grant_type: Option<String>,
    client_id: Option<String>,
    code: Option<String>,
    redirect_uri: Option<String>,
    code_verifier: Option<String>,
    refresh_token: Option<String>,
}

/// The token endpoint's errors (RFC 6749 §5.2, as Cognito uses them).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum TokenError {
    /// A required parameter is missing.
    InvalidRequest,
    /// No such app client.
    InvalidClient,
    /// The code or refresh token is unknown, used, expired, revoked, another client's,
    /// or the verifier or redirect URI does not match.
    InvalidGrant,
    /// The client may not use this grant.
    UnauthorizedClient,
    UnsupportedGrantType,
    /// moto failed.
    ServerError,
}

impl TokenError {
    pub(crate) fn code(self) -> &'static str {
        match self {
            Self::InvalidRequest => "invalid_request",
            Self::InvalidClient => "invalid_client",
            Self::InvalidGrant => "invalid_grant",
            Self::UnauthorizedClient => "unauthorized_client",
            Self::UnsupportedGrantType => "unsupported_grant_type",
            Self::ServerError => "server_error",
        }
    }

    fn status(self) -> StatusCode {
        match self {
            Self::ServerError => StatusCode::INTERNAL_SERVER_ERROR,
            _ => StatusCode::BAD_REQUEST,
        }
    }
}

#[derive(Serialize)]
struct ErrorBody {
    error: &'static str,
}

/// An OAuth error answer, `{"error": code}`, as the token and revocation endpoints give.
pub(crate) fn error_response(status: StatusCode, error: &'static str) -> Response {
    (status, no_store(), Json(ErrorBody { error })).into_response()
}

impl IntoResponse for TokenError {
    fn into_response(self) -> Response {
        error_response(self.status(), self.code())
    }
}

/// A successful answer, with a new refresh token for a code and for each refresh.
#[derive(Serialize)]
struct TokenResponse {
    id_token: String,
    access_token: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    refresh_token: Option<String>,
    expires_in: i32,
    token_type: &'static str,
}

/// Tokens are never cached (RFC 6749 §5.1).
fn no_store() -> [(header::HeaderName, HeaderValue); 2] {
    [
        (header::CACHE_CONTROL, HeaderValue::from_static("no-store")),
        (header::PRAGMA, HeaderValue::from_static("no-cache")),
    ]
}

pub(crate) async fn token(
    State(ui): State<Arc<HostedUi>>,
    headers: HeaderMap,
    Form(request): Form<TokenRequest>,
) -> Response {
    let grant_type = request.grant_type.as_deref();
    let client = match ui
        .token_client(grant_type, request.client_id.as_deref())
        .await
    {
        Ok(client) => client,
        Err(error) => return error.into_response(),
    };
    let answer = match grant_type {
        Some("authorization_code") => ui.redeem_code(&client.client_id, &request),
        Some(_) => ui.refresh(&client.client_id, &request).await,
        None => Err(TokenError::InvalidRequest),
    };
    let mut response = match answer {
        Ok(tokens) => (StatusCode::OK, no_store(), Json(tokens)).into_response(),
        Err(error) => error.into_response(),
    };
    client.allow_origin(&headers, &mut response);
    response
}

/// The app client a token or revocation request names.
pub(crate) struct Client {
    pub(crate) client_id: String,
    callback_urls: Vec<String>,
    code_grant: bool,
}

impl Client {
    /// Lets the app's page read the answer: `Access-Control-Allow-Origin` for a
    /// request from the origin of one of the client's callback URLs, nothing otherwise.
    pub(crate) fn allow_origin(&self, headers: &HeaderMap, response: &mut Response) {
        let Some(origin) = headers.get(header::ORIGIN) else {
            return;
        };
        let allowed = origin.to_str().is_ok_and(|origin| {
            self.callback_urls
                .iter()
                .any(|url| origin_of(url) == Some(origin))
        });
        let headers = response.headers_mut();
        headers.insert(header::VARY, HeaderValue::from_static("Origin"));
        if allowed {
            headers.insert(header::ACCESS_CONTROL_ALLOW_ORIGIN, origin.clone());
        }
    }
}

/// `scheme://host[:port]` of a URL.
fn origin_of(url: &str) -> Option<&str> {
    let after_scheme = url.find("://")? + 3;
    let end = url[after_scheme..]
        .find('/')
        .map_or(url.len(), |i| after_scheme + i);
    Some(&url[..end])
}

impl HostedUi {
    /// Checks the grant type and the client, in the order Cognito reports them.
    async fn token_client(
        &self,
        grant_type: Option<&str>,
        client_id: Option<&str>,
    ) -> Result<Client, TokenError> {
        match grant_type {
            None => return Err(TokenError::InvalidRequest),
            Some("authorization_code" | "refresh_token") => {}
            Some(_) => return Err(TokenError::UnsupportedGrantType),
        }
        let client = self.client(client_id).await?;
        if grant_type == Some("authorization_code") && !client.code_grant {
            return Err(TokenError::UnauthorizedClient);
        }
        Ok(client)
    }

    /// The pool's app client `client_id`.
    pub(crate) async fn client(&self, client_id: Option<&str>) -> Result<Client, TokenError> {
        let client_id = client_id.ok_or(TokenError::InvalidRequest)?;
        let client = self
            .describe_client(client_id)
            .await
            .map_err(|Unavailable| TokenError::ServerError)?
            .ok_or(TokenError::InvalidClient)?;
        Ok(Client {
            client_id: client_id.to_owned(),
            callback_urls: client.callback_urls().to_vec(),
            code_grant: client.allowed_o_auth_flows_user_pool_client() == Some(true)
                && client.allowed_o_auth_flows().contains(&OAuthFlowType::Code),
        })
    }

    /// A code is good once: it is gone as soon as it is presented, right or wrong.
    fn redeem_code(
        &self,
        client_id: &str,
        request: &TokenRequest,
    ) -> Result<TokenResponse, TokenError> {
        let code = request.code.as_deref().ok_or(TokenError::InvalidRequest)?;
        let redirect_uri = request
            .redirect_uri
            .as_deref()
            .ok_or(TokenError::InvalidRequest)?;
        let mut grants = self.grants.lock().map_err(|_| TokenError::ServerError)?;
        let issued = grants.codes.remove(code).ok_or(TokenError::InvalidGrant)?;
        if self.clock.now().duration_since(issued.issued) >= crate::CODE_LIFETIME
            || issued.client_id != client_id
            || issued.redirect_uri != redirect_uri
        {
            return Err(TokenError::InvalidGrant);
        }
        if let Some(challenge) = &issued.code_challenge {
            let verifier = request
                .code_verifier
                .as_deref()
                .ok_or(TokenError::InvalidRequest)?;
            if !verifies(verifier, challenge) {
                return Err(TokenError::InvalidGrant);
            }
        }
        let refresh_token = random_token();
        let now = self.clock.now();
        crate::bounded::make_room(&mut grants.refresh, now, RefreshGrant::ends);
        grants.refresh.insert(
            refresh_token.clone(),
            RefreshGrant {
                client_id: client_id.to_owned(),
                upstream_refresh: issued.tokens.upstream_refresh.clone(),
                line: refresh_token.clone(),
                expires: now + REFRESH_LIFETIME,
                replaced_until: None,
            },
        );
        Ok(TokenResponse {
            id_token: issued.tokens.id_token,
            access_token: issued.tokens.access_token,
            refresh_token: Some(refresh_token),
            expires_in: issued.tokens.expires_in,
            token_type: "Bearer",
        })
    }

    /// Renews the tokens and rotates the refresh token: the answer carries the line's
    /// next token, which ends when the presented one would have; the presented one
    /// keeps working for [`REFRESH_GRACE`] (a retry of a lost answer gets yet another).
    async fn refresh(
        &self,
        client_id: &str,
        request: &TokenRequest,
    ) -> Result<TokenResponse, TokenError> {
        let token = request
            .refresh_token
            .as_deref()
            .ok_or(TokenError::InvalidRequest)?;
        let (upstream, line, expires) = {
            let mut grants = self.grants.lock().map_err(|_| TokenError::ServerError)?;
            let grant = grants.refresh.get(token).ok_or(TokenError::InvalidGrant)?;
            if grant.ends() <= self.clock.now() {
                // Over, as Cognito's are after the client's refresh token validity or
                // the grace period after their replacement.
                grants.refresh.remove(token);
                return Err(TokenError::InvalidGrant);
            }
            if grant.client_id != client_id {
                return Err(TokenError::InvalidGrant);
            }
            (
                grant.upstream_refresh.clone(),
                grant.line.clone(),
                grant.expires,
            )
        };
        let tokens = self
            .refreshed(client_id, &upstream)
            .await
            .map_err(|()| TokenError::ServerError)?
            .ok_or(TokenError::InvalidGrant)?;
        let next = random_token();
        {
            let mut grants = self.grants.lock().map_err(|_| TokenError::ServerError)?;
            let now = self.clock.now();
            // Revoked while moto answered: no successor.
            let Some(presented) = grants.refresh.get_mut(token) else {
                return Err(TokenError::InvalidGrant);
            };
            let until = now + REFRESH_GRACE;
            presented.replaced_until =
                Some(presented.replaced_until.map_or(until, |u| u.min(until)));
            crate::bounded::make_room(&mut grants.refresh, now, RefreshGrant::ends);
            grants.refresh.insert(
                next.clone(),
                RefreshGrant {
                    client_id: client_id.to_owned(),
                    upstream_refresh: upstream,
                    line,
                    expires,
                    replaced_until: None,
                },
            );
        }
        Ok(TokenResponse {
            id_token: tokens.id_token,
            access_token: tokens.access_token,
            refresh_token: Some(next),
            expires_in: tokens.expires_in,
            token_type: "Bearer",
        })
    }
}

/// PKCE S256 (RFC 7636 §4.6): `BASE64URL(SHA256(verifier)) == challenge`, for a
/// verifier of 43 to 128 unreserved characters.
pub(crate) fn verifies(verifier: &str, challenge: &str) -> bool {
    let well_formed = (43..=128).contains(&verifier.len())
        && verifier
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~'));
    well_formed && URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes())) == challenge
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_rfc_7636_example_verifies() {
        // RFC 7636, appendix B.
        let verifier = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";
        assert!(verifies(
            verifier,
            "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"
        ));
        assert!(!verifies(
            verifier,
            "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cN"
        ));
        assert!(!verifies(
            "short",
            "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"
        ));
    }

    #[test]
    fn origins_are_scheme_host_and_port() {
        assert_eq!(
            origin_of("http://127.0.0.1:8080/"),
            Some("http://127.0.0.1:8080")
        );
        assert_eq!(origin_of("https://x.example"), Some("https://x.example"));
        assert_eq!(origin_of("nonsense"), None);
    }
}
