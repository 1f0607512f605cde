//! `GET /logout`: back to the app only at a registered logout URI.

use std::sync::Arc;

use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;

use crate::request::{AuthorizeRequest, Refusal, Unavailable};
use crate::ui::Ui;
use crate::{HostedUi, html, text};

#[derive(Debug, Deserialize)]
pub(crate) struct LogoutRequest {
    client_id: Option<String>,
    logout_uri: Option<String>,
    lang: Option<String>,
}

pub(crate) async fn logout(
    State(ui): State<Arc<HostedUi>>,
    headers: HeaderMap,
    Query(query): Query<LogoutRequest>,
) -> Response {
    let request = AuthorizeRequest {
        client_id: query.client_id.clone(),
        lang: query.lang,
        ..Default::default()
    };
    let page = Ui::new(&request, &headers);
    let Some(client_id) = query.client_id else {
        return page.refusal(Refusal::InvalidClient, &request);
    };
    let client = match ui.describe_client(&client_id).await {
        Ok(Some(client)) => client,
        Ok(None) => return page.refusal(Refusal::InvalidClient, &request),
        Err(Unavailable) => return page.refusal(Refusal::Unavailable, &request),
    };
    match query.logout_uri {
        Some(uri) if client.logout_urls().contains(&uri) => {
            let cookie = ui.end_session(&headers);
            let mut response = Redirect::to(&uri).into_response();
            response.headers_mut().insert(header::SET_COOKIE, cookie);
            response
        }
        _ => {
            let t = text::texts(page.lang);
            page.page(
                StatusCode::BAD_REQUEST,
                t.error_title,
                &html::message("error", t.logout_mismatch),
                &request,
                "/logout",
            )
        }
    }
}
