//! The HTTP API: see the table in the README.

use axum::Json;
use axum::Router;
use axum::extract::{Path, Query, State};
use axum::http::{StatusCode, Uri, header};
use axum::response::IntoResponse;
use axum::routing::{get, post};
use serde::{Deserialize, Serialize};
use shared::{Author, ErrorBody, NewPost, Post, PostPage, PostUpdate};

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
        .route("/openapi.json", get(crate::openapi::openapi_json))
        .route("/posts", get(list_posts).post(create_post))
        // The original tutorial's path, kept for its clients.
        .route("/post", post(create_post_tutorial))
        .route(
            "/posts/{id}",
            get(get_post).put(update_post).delete(delete_post),
        )
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

#[derive(Deserialize)]
struct ListParams {
    limit: Option<String>,
    cursor: Option<String>,
}

/// One page of posts, newest first, without their contents.
#[utoipa::path(get, path = "/posts", tag = "posts",
    params(
        ("limit" = Option<u32>, Query, minimum = 1, maximum = 100,
            description = "Posts per page, 1 to 100; 20 when absent"),
        ("cursor" = Option<String>, Query,
            description = "The `next_cursor` of the previous page; opaque"),
    ),
    responses(
        (status = 200, description = "A page of post summaries, newest first", body = PostPage),
        (status = 400, description = "A malformed `limit` or `cursor`", body = ErrorBody),
        (status = 401, description = "No token, or a token that failed verification", body = ErrorBody,
            headers(("WWW-Authenticate" = String, description = "`Bearer`, with `error=\"invalid_token\"` for a refused token"))),
        (status = 503, description = "The user pool's keys cannot be fetched; try again", body = ErrorBody),
    ))]
pub async fn list_posts(
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

/// Writes a new post as the signed-in person.
#[utoipa::path(post, path = "/posts", tag = "posts", request_body = NewPost,
    responses(
        (status = 201, description = "The post as stored", body = Post,
            headers(("Location" = String, description = "`/posts/{id}` of the new post"))),
        (status = 400, description = "The body is not valid JSON", body = ErrorBody),
        (status = 401, description = "No token, or a token that failed verification", body = ErrorBody),
        (status = 413, description = "The body is larger than 256 KiB", body = ErrorBody),
        (status = 415, description = "The body is not `application/json`", body = ErrorBody),
        (status = 422, description = "A rule broken; `field` names the field", body = ErrorBody),
        (status = 503, description = "The user pool's keys cannot be fetched; try again", body = ErrorBody),
    ))]
pub async fn create_post(
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

/// The original tutorial's path for writing a post: the same as `POST /posts`.
#[utoipa::path(post, path = "/post", tag = "posts", request_body = NewPost,
    responses(
        (status = 201, description = "The post as stored", body = Post,
            headers(("Location" = String, description = "`/posts/{id}` of the new post"))),
        (status = 400, description = "The body is not valid JSON", body = ErrorBody),
        (status = 401, description = "No token, or a token that failed verification", body = ErrorBody),
        (status = 413, description = "The body is larger than 256 KiB", body = ErrorBody),
        (status = 415, description = "The body is not `application/json`", body = ErrorBody),
        (status = 422, description = "A rule broken; `field` names the field", body = ErrorBody),
        (status = 503, description = "The user pool's keys cannot be fetched; try again", body = ErrorBody),
    ))]
pub async fn create_post_tutorial(
    state: State<AppState>,
    writer: Writer,
    body: JsonBody<NewPost>,
) -> Result<impl IntoResponse, ApiError> {
    create_post(state, writer, body).await
}

/// One post, with its contents.
#[utoipa::path(get, path = "/posts/{id}", tag = "posts",
    params(("id" = u64, Path, minimum = 1, description = "The post's id")),
    responses(
        (status = 200, description = "The post", body = Post),
        (status = 400, description = "The id is not a whole number from 1 up", body = ErrorBody),
        (status = 401, description = "No token, or a token that failed verification", body = ErrorBody),
        (status = 404, description = "No such post", body = ErrorBody),
        (status = 503, description = "The user pool's keys cannot be fetched; try again", body = ErrorBody),
    ))]
pub async fn get_post(
    State(state): State<AppState>,
    _: Reader,
    Path(id): Path<String>,
) -> Result<Json<Post>, ApiError> {
    let id = parse_id(&id)?;
    Ok(Json(state.store.get(id).await?))
}

/// Replaces a post's title and contents; only its author may.
#[utoipa::path(put, path = "/posts/{id}", tag = "posts", request_body = PostUpdate,
    params(("id" = u64, Path, minimum = 1, description = "The post's id")),
    responses(
        (status = 200, description = "The post as stored now", body = Post),
        (status = 400, description = "A malformed id, or a body that is not valid JSON", body = ErrorBody),
        (status = 401, description = "No token, or a token that failed verification", body = ErrorBody),
        (status = 403, description = "The post is someone else's", body = ErrorBody),
        (status = 404, description = "No such post", body = ErrorBody),
        (status = 413, description = "The body is larger than 256 KiB", body = ErrorBody),
        (status = 415, description = "The body is not `application/json`", body = ErrorBody),
        (status = 422, description = "A rule broken; `field` names the field", body = ErrorBody),
        (status = 503, description = "The user pool's keys cannot be fetched; try again", body = ErrorBody),
    ))]
pub async fn update_post(
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

/// Deletes a post; only its author may.
#[utoipa::path(delete, path = "/posts/{id}", tag = "posts",
    params(("id" = u64, Path, minimum = 1, description = "The post's id")),
    responses(
        (status = 204, description = "Deleted"),
        (status = 400, description = "The id is not a whole number from 1 up", body = ErrorBody),
        (status = 401, description = "No token, or a token that failed verification", body = ErrorBody),
        (status = 403, description = "The post is someone else's", body = ErrorBody),
        (status = 404, description = "No such post", body = ErrorBody),
        (status = 503, description = "The user pool's keys cannot be fetched; try again", body = ErrorBody),
    ))]
pub async fn delete_post(
    State(state): State<AppState>,
    Writer(user): Writer,
    Path(id): Path<String>,
) -> Result<StatusCode, ApiError> {
    let id = parse_id(&id)?;
    state.store.delete(id, &user.sub).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Post ids are 1, 2, 3, ..., written without leading zeros (one id, one path), the
/// rule page cursors follow too.
fn parse_id(raw: &str) -> Result<u64, ApiError> {
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
