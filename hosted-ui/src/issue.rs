//! Handing a signed-in person's tokens to the app: in the fragment for the implicit
//! grant, or as a one-time code for the code grant, redeemed at `/oauth2/token`.
//!
//! Tokens come from moto: `InitiateAuth` with the password, or with the refresh token
//! of the hosted UI's session. The refresh tokens the app gets are the imitation's own,
//! one line of them per code, each standing for the session's moto refresh token, so
//! that revoking one (`/oauth2/revoke`) ends that sign-in alone, as Cognito's do. Each
//! refresh hands out the line's next token (rotation, as the template's client does).

use std::collections::HashMap;
use std::time::{Duration, Instant};

use aws_sdk_cognitoidentityprovider::types::{AuthFlowType, AuthenticationResultType};
use axum::response::{IntoResponse, Redirect, Response};

use crate::HostedUi;
use crate::request::{Checked, ResponseType, back_to};

/// How long a code may wait to be redeemed (Cognito: five minutes).
pub const CODE_LIFETIME: Duration = Duration::from_secs(5 * 60);

/// Tokens for one sign-in, from moto.
#[derive(Clone)]
pub(crate) struct Tokens {
    pub(crate) id_token: String,
    pub(crate) access_token: String,
    pub(crate) expires_in: i32,
    /// moto's refresh token behind them.
    pub(crate) upstream_refresh: String,
}

impl Tokens {
    /// From an `InitiateAuth` result; a refresh gives no new refresh token, so the one
    /// it was made with is passed in.
    pub(crate) fn from_result(
        result: Option<AuthenticationResultType>,
        upstream_refresh: Option<&str>,
    ) -> Option<Self> {
        let result = result?;
        Some(Self {
            id_token: result.id_token?,
            access_token: result.access_token?,
            expires_in: result.expires_in,
            upstream_refresh: result
                .refresh_token
                .or_else(|| upstream_refresh.map(str::to_owned))?,
        })
    }
}

/// A code waiting to be redeemed.
pub(crate) struct AuthCode {
    pub(crate) client_id: String,
    pub(crate) redirect_uri: String,
    pub(crate) code_challenge: Option<String>,
    pub(crate) tokens: Tokens,
    pub(crate) issued: Instant,
}

/// How long a refresh token the imitation gives an app lasts: the template's app
/// client's `RefreshTokenValidity`.
pub const REFRESH_LIFETIME: Duration = Duration::from_secs(12 * 60 * 60);

/// How long a refresh token still works after a refresh replaced it, so a renewal
/// whose answer was lost can be tried again: the template's client's
/// `RetryGracePeriodSeconds`.
pub const REFRESH_GRACE: Duration = Duration::from_secs(10);

/// A refresh token the imitation gave an app.
pub(crate) struct RefreshGrant {
    pub(crate) client_id: String,
    pub(crate) upstream_refresh: String,
    /// The first token of its line (the one the code was redeemed for): revoking any
    /// token of a line ends all of it.
    pub(crate) line: String,
    /// When the line ends: every token of it ends when the first would have.
    pub(crate) expires: Instant,
    /// When this token stops working after a refresh replaced it (the grace period).
    pub(crate) replaced_until: Option<Instant>,
}

impl RefreshGrant {
    /// The last moment this token works.
    pub(crate) fn ends(&self) -> Instant {
        self.replaced_until
            .map_or(self.expires, |until| until.min(self.expires))
    }
}

/// Codes and refresh tokens given out.
#[derive(Default)]
pub(crate) struct Grants {
    pub(crate) codes: HashMap<String, AuthCode>,
    pub(crate) refresh: HashMap<String, RefreshGrant>,
}

/// 256 random bits in hex, for codes, refresh tokens and session ids.
pub(crate) fn random_token() -> String {
    let (a, b) = (uuid::Uuid::new_v4(), uuid::Uuid::new_v4());
    format!("{}{}", a.simple(), b.simple())
}

impl HostedUi {
    /// Sends the browser back to the app with `tokens` as the request asked.
    pub(crate) fn issue(
        &self,
        checked: &Checked,
        state: Option<&str>,
        mut tokens: Tokens,
    ) -> Response {
        if let (Some(signer), Some(nonce)) = (&self.signer, &checked.nonce)
            && let Some(signed) = signer.with_nonce(&tokens.id_token, nonce)
        {
            tokens.id_token = signed;
        }
        let mut pairs: Vec<(&str, String)> = Vec::new();
        match checked.response_type {
            ResponseType::Token => {
                pairs.push(("id_token", tokens.id_token));
                pairs.push(("access_token", tokens.access_token));
                pairs.push(("expires_in", tokens.expires_in.to_string()));
                pairs.push(("token_type", "Bearer".to_owned()));
            }
            ResponseType::Code => {
                let code = random_token();
                if let Ok(mut grants) = self.grants.lock() {
                    let now = self.clock.now();
                    grants
                        .codes
                        .retain(|_, c| now.duration_since(c.issued) < CODE_LIFETIME);
                    crate::bounded::make_room(&mut grants.codes, now, |c| c.issued + CODE_LIFETIME);
                    grants.codes.insert(
                        code.clone(),
                        AuthCode {
                            client_id: checked.client_id.clone(),
                            redirect_uri: checked.redirect_uri.clone(),
                            code_challenge: checked.code_challenge.clone(),
                            tokens,
                            issued: now,
                        },
                    );
                }
                pairs.push(("code", code));
            }
        }
        if let Some(state) = state {
            pairs.push(("state", state.to_owned()));
        }
        let pairs: Vec<(&str, &str)> = pairs.iter().map(|(k, v)| (*k, v.as_str())).collect();
        Redirect::to(&back_to(
            &checked.redirect_uri,
            checked.response_type,
            &pairs,
        ))
        .into_response()
    }

    /// Fresh id and access tokens from moto for `upstream_refresh`. `Ok(None)` when moto
    /// no longer accepts it.
    pub(crate) async fn refreshed(
        &self,
        client_id: &str,
        upstream_refresh: &str,
    ) -> Result<Option<Tokens>, ()> {
        let result = self
            .moto
            .cognito
            .initiate_auth()
            .auth_flow(AuthFlowType::RefreshTokenAuth)
            .client_id(client_id)
            .auth_parameters("REFRESH_TOKEN", upstream_refresh)
            .send()
            .await;
        match result {
            Ok(out) => Ok(Tokens::from_result(
                out.authentication_result,
                Some(upstream_refresh),
            )),
            Err(err)
                if err
                    .as_service_error()
                    .is_some_and(|e| e.is_not_authorized_exception()) =>
            {
                Ok(None)
            }
            Err(err) => {
                tracing::error!(error = %aws_sdk_cognitoidentityprovider::error::DisplayErrorContext(&err), "InitiateAuth (refresh) failed");
                Err(())
            }
        }
    }
}
