//! `POST /oauth2/revoke`: ends one refresh token the app was given (RFC 7009, as
//! Cognito answers it). A token nobody knows is answered 200 too, so the endpoint
//! tells nothing about which tokens exist.

use std::sync::Arc;

use axum::extract::{Form, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;

use crate::HostedUi;
use crate::token::error_response;

#[derive(Debug, Default, Deserialize)]
pub(crate) struct RevokeRequest {
    token: Option<String>,
    client_id: Option<String>,
}

pub(crate) async fn revoke(
    State(ui): State<Arc<HostedUi>>,
    headers: HeaderMap,
    Form(request): Form<RevokeRequest>,
) -> Response {
    let client = match ui.client(request.client_id.as_deref()).await {
        Ok(client) => client,
        Err(crate::token::TokenError::InvalidRequest) => {
            return error_response(StatusCode::BAD_REQUEST, "invalid_request");
        }
        Err(crate::token::TokenError::ServerError) => {
            return error_response(StatusCode::INTERNAL_SERVER_ERROR, "server_error");
        }
        Err(_) => return error_response(StatusCode::UNAUTHORIZED, "invalid_client"),
    };
    let mut response = match request.token.as_deref() {
        None | Some("") => error_response(StatusCode::BAD_REQUEST, "invalid_request"),
        // Id and access tokens are JWTs; only refresh tokens can be revoked.
        Some(token) if token.split('.').count() == 3 => {
            error_response(StatusCode::BAD_REQUEST, "unsupported_token_type")
        }
        Some(token) => match ui.revoke_refresh(&client.client_id, token) {
            Ok(()) => StatusCode::OK.into_response(),
            Err(()) => error_response(StatusCode::BAD_REQUEST, "unauthorized_client"),
        },
    };
    client.allow_origin(&headers, &mut response);
    response
}

impl HostedUi {
    /// Forgets `token` and every other token of its line (those it replaced, still in
    /// their grace period, and those that replaced it): the sign-in is over. Refused
    /// when it was given to another client.
    fn revoke_refresh(&self, client_id: &str, token: &str) -> Result<(), ()> {
        let Ok(mut grants) = self.grants.lock() else {
            return Err(());
        };
        match grants.refresh.get(token) {
            Some(grant) if grant.client_id != client_id => Err(()),
            Some(grant) => {
                let line = grant.line.clone();
                grants.refresh.retain(|_, grant| grant.line != line);
                Ok(())
            }
            None => Ok(()),
        }
    }
}
