//! The API's OpenAPI 3.1 description. Each resource's router carries the description
//! of its own handlers (`#[utoipa::path]`, collected by `utoipa-axum`), so it cannot
//! drift from what the API does; this module adds what is the whole API's (its title,
//! the bearer scheme, the tags) and serves the result without a token at
//! `GET /openapi.json`, for Postman and other clients to import, and for the fuzzer
//! (`cargo xtask fuzz`) to test against. `docs/openapi.json` is a published copy.

use std::sync::{Arc, OnceLock};

use axum::Extension;
use axum::body::Bytes;
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::AppState;

#[derive(OpenApi)]
#[openapi(
    info(
        title = "The board",
        description = "Bulletin-board posts for people signed in through an Amazon Cognito \
            user pool. Every error has the shape `{\"error\": {\"code\", \"message\", \"field\"?}}`.",
    ),
    modifiers(&BearerToken),
    security(("bearer" = [])),
    tags(
        (name = "posts", description = "Reading and writing posts"),
        (name = "comments", description = "Conversations under a post: comments and replies"),
        (name = "profile", description = "The caller's display name, role and notices"),
        (name = "moderation", description = "Reports, the moderators' queue, suspensions and the public moderation log"),
        (name = "health", description = "Whether the API is up"),
    ),
)]
pub struct ApiDoc;

/// The security scheme: a Cognito id (or access) token as a bearer token.
struct BearerToken;

impl Modify for BearerToken {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .bearer_format("JWT")
                    .description(Some(
                        "An id token (or access token) of the board's Cognito app client",
                    ))
                    .build(),
            ),
        );
    }
}

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(openapi_json))
}

/// The collected description, put in JSON on the first request for it (a cold start
/// that is not asked for it does not pay for that).
#[derive(Clone)]
pub struct Published(Arc<(utoipa::openapi::OpenApi, OnceLock<Bytes>)>);

impl Published {
    pub fn new(doc: utoipa::openapi::OpenApi) -> Self {
        Self(Arc::new((doc, OnceLock::new())))
    }

    /// The JSON, shared by every answer (no copy per request).
    pub fn json(&self) -> Bytes {
        let (doc, json) = &*self.0;
        json.get_or_init(|| Bytes::from(doc.to_json().unwrap_or_else(|_| "{}".to_owned())))
            .clone()
    }
}

/// This description, in OpenAPI 3.1.
#[utoipa::path(get, path = "/openapi.json", tag = "health", security(),
    responses((status = 200, description = "The OpenAPI 3.1 description of this API",
        content_type = "application/json")))]
pub async fn openapi_json(Extension(doc): Extension<Published>) -> Response {
    (
        [(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/json"),
        )],
        doc.json(),
    )
        .into_response()
}
