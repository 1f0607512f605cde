//! Whether the API is up, for load balancers and the local stack's start-up wait.

use axum::Json;
use serde::Serialize;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::AppState;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(health))
}

/// The body of `GET /health`.
#[derive(Serialize, utoipa::ToSchema)]
pub struct Health {
    /// Always `ok`.
    #[schema(example = "ok")]
    status: &'static str,
}

/// Whether the API is up; needs no token.
#[utoipa::path(get, path = "/health", tag = "health", security(),
    responses((status = 200, description = "The API is up", body = Health)))]
pub async fn health() -> Json<Health> {
    Json(Health { status: "ok" })
}
