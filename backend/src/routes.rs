//! The HTTP API: see the table in the README.

use axum::Json;
use axum::Router;
use axum::extract::{Path, Query, State};
use axum::http::{StatusCode, Uri, header};
use axum::response::IntoResponse;
use axum::routing::{get, post};
use serde::Deserialize;
use shared::{Author, NewPost, Post, PostPage, PostUpdate};

use crate::AppState;
use crate::error::ApiError;
use crate::extract::{JsonBody, Reader, Writer};

/// Page size when the client names none.
pub const DEFAULT_PAGE_SIZE: u32 = 20;
/// Largest page a client may ask for.
pub const MAX_PAGE_SIZE: u32 = 100;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/health", get(health))
        .route("/posts", get(list_posts).post(create_post))
        // The original tutorial's path, kept for its clients.
        .route("/post", post(create_post))
        .route(
            "/posts/{id}",
            get(get_post).put(update_post).delete(delete_post),
        )
        .fallback(|| async { ApiError::NotFound })
}

async fn health() -> Json<serde_json::Value> {
    Json(serde_json::json!({ "status": "ok" }))
}

#[derive(Deserialize)]
struct ListParams {
    limit: Option<String>,
    cursor: Option<String>,
}

async fn list_posts(
    State(state): State<AppState>,
    _: Reader,
    uri: Uri,
) -> Result<Json<PostPage>, ApiError> {
    let Query(params) =
        Query::<ListParams>::try_from_uri(&uri).map_err(|e| ApiError::BadRequest {
            message: e.body_text(),
            field: None,
        })?;
    let limit = match params.limit.as_deref() {
        None => DEFAULT_PAGE_SIZE,
        Some(raw) => raw
            .parse()
            .ok()
            .filter(|n| (1..=MAX_PAGE_SIZE).contains(n))
            .ok_or_else(|| {
                ApiError::bad_request(
                    "limit",
                    format!("limit must be a whole number from 1 to {MAX_PAGE_SIZE}"),
                )
            })?,
    };
    let cursor = params.cursor.as_deref().filter(|c| !c.is_empty());
    Ok(Json(state.store.list(limit, cursor).await?))
}

async fn create_post(
    State(state): State<AppState>,
    Writer(user): Writer,
    JsonBody(new): JsonBody<NewPost>,
) -> Result<impl IntoResponse, ApiError> {
    let NewPost { title, contents } = new.validate()?;
    let author = Author {
        sub: user.sub,
        name: user.name,
    };
    let post = state.store.create(&author, title, contents).await?;
    let location = format!("/posts/{}", post.id);
    Ok((
        StatusCode::CREATED,
        [(header::LOCATION, location)],
        Json(post),
    ))
}

async fn get_post(
    State(state): State<AppState>,
    _: Reader,
    Path(id): Path<String>,
) -> Result<Json<Post>, ApiError> {
    let id = parse_id(&id)?;
    Ok(Json(state.store.get(id).await?))
}

async fn update_post(
    State(state): State<AppState>,
    Writer(user): Writer,
    Path(id): Path<String>,
    JsonBody(update): JsonBody<PostUpdate>,
) -> Result<Json<Post>, ApiError> {
    let id = parse_id(&id)?;
    let PostUpdate { title, contents } = update.validate()?;
    Ok(Json(
        state.store.update(id, &user.sub, title, contents).await?,
    ))
}

async fn delete_post(
    State(state): State<AppState>,
    Writer(user): Writer,
    Path(id): Path<String>,
) -> Result<StatusCode, ApiError> {
    let id = parse_id(&id)?;
    state.store.delete(id, &user.sub).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Post ids are 1, 2, 3, ...
fn parse_id(raw: &str) -> Result<u64, ApiError> {
    raw.parse::<u64>()
        .ok()
        .filter(|id| *id >= 1 && raw.bytes().all(|b| b.is_ascii_digit()))
        .ok_or_else(|| ApiError::bad_request("id", "a post id is a whole number from 1 up"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_positive_whole_numbers() {
        assert_eq!(parse_id("1").unwrap(), 1);
        assert_eq!(parse_id("18446744073709551615").unwrap(), u64::MAX);
        for bad in ["0", "-1", "+1", "1.5", "abc", "", "18446744073709551616"] {
            assert!(parse_id(bad).is_err(), "{bad}");
        }
    }
}
