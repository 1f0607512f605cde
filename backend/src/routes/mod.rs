//! The HTTP API: see the table in the README. One module per resource: [`posts`] and
//! the caller's own [`profile`].

pub mod posts;
pub mod profile;

use axum::Json;
use axum::Router;
use axum::routing::{get, post, put};
use serde::Serialize;

use self::posts::{
    create_post, create_post_tutorial, delete_post, get_post, list_posts, update_post,
};
use self::profile::{get_me, set_name};
use crate::AppState;
use crate::error::ApiError;

/// Page size when the client names none.
pub const DEFAULT_PAGE_SIZE: u32 = 20;
/// Largest page a client may ask for.
pub const MAX_PAGE_SIZE: u32 = 100;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/health", get(health))
        .route("/openapi.json", get(crate::openapi::openapi_json))
        .route("/posts", get(list_posts).post(create_post))
        // The original tutorial's path, kept for its clients.
        .route("/post", post(create_post_tutorial))
        .route(
            "/posts/{id}",
            get(get_post).put(update_post).delete(delete_post),
        )
        .route("/me", get(get_me))
        .route("/me/name", put(set_name))
        .fallback(|| async { ApiError::NotFound })
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

/// Post ids are 1, 2, 3, ..., written without leading zeros (one id, one path), the
/// rule page cursors follow too.
pub(crate) fn parse_id(raw: &str) -> Result<u64, ApiError> {
    raw.parse::<u64>()
        .ok()
        .filter(|id| *id >= 1 && !raw.starts_with('0') && raw.bytes().all(|b| b.is_ascii_digit()))
        .ok_or_else(|| {
            ApiError::bad_request(
                "id",
                "a post id is a whole number from 1 up, without leading zeros",
            )
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_positive_whole_numbers() {
        assert_eq!(parse_id("1").unwrap(), 1);
        assert_eq!(parse_id("18446744073709551615").unwrap(), u64::MAX);
        for bad in [
            "0",
            "-1",
            "+1",
            "1.5",
            "abc",
            "",
            "18446744073709551616",
            "007",
            "01",
        ] {
            assert!(parse_id(bad).is_err(), "{bad}");
        }
    }
}
