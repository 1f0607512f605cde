//! Posts: the feed, one post, writing, editing and deleting.

use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::{StatusCode, Uri, header};
use axum::response::IntoResponse;
use serde::Deserialize;
use shared::{ErrorBody, NewPost, Post, PostPage, PostUpdate};
use time::OffsetDateTime;

use super::{DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE, parse_id};
use crate::AppState;
use crate::auth::Identity;
use crate::error::ApiError;
use crate::extract::{JsonBody, Reader, Writer};

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
        (status = 403, description = "`name_required`: the caller has no display name yet", body = ErrorBody),
        (status = 413, description = "The body is larger than 256 KiB", body = ErrorBody),
        (status = 415, description = "The body is not `application/json`", body = ErrorBody),
        (status = 422, description = "A rule broken; `field` names the field", body = ErrorBody),
        (status = 429, description = "The caller's write quota is used up", body = ErrorBody,
            headers(("Retry-After" = u64, description = "Seconds until the next write is allowed"))),
        (status = 503, description = "The user pool's keys cannot be fetched; try again", body = ErrorBody),
    ))]
pub async fn create_post(
    State(state): State<AppState>,
    Writer(user): Writer,
    JsonBody(new): JsonBody<NewPost>,
) -> Result<impl IntoResponse, ApiError> {
    let NewPost { title, contents } = new.validate()?;
    let name = admit_write(&state, &user).await?;
    let post = state
        .store
        .create(&user.sub, &name, title, contents)
        .await?;
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
        (status = 403, description = "`name_required`: the caller has no display name yet", body = ErrorBody),
        (status = 413, description = "The body is larger than 256 KiB", body = ErrorBody),
        (status = 415, description = "The body is not `application/json`", body = ErrorBody),
        (status = 422, description = "A rule broken; `field` names the field", body = ErrorBody),
        (status = 429, description = "The caller's write quota is used up", body = ErrorBody,
            headers(("Retry-After" = u64, description = "Seconds until the next write is allowed"))),
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
        (status = 403, description = "The post is someone else's (`forbidden`), or the caller has no display name yet (`name_required`)", body = ErrorBody),
        (status = 404, description = "No such post", body = ErrorBody),
        (status = 413, description = "The body is larger than 256 KiB", body = ErrorBody),
        (status = 415, description = "The body is not `application/json`", body = ErrorBody),
        (status = 422, description = "A rule broken; `field` names the field", body = ErrorBody),
        (status = 429, description = "The caller's write quota is used up", body = ErrorBody,
            headers(("Retry-After" = u64, description = "Seconds until the next write is allowed"))),
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
    let name = admit_write(&state, &user).await?;
    Ok(Json(
        state
            .store
            .update(id, &user.sub, &name, title, contents)
            .await?,
    ))
}

/// Deletes a post; its author may, and so may any member of the `moderators` group.
#[utoipa::path(delete, path = "/posts/{id}", tag = "posts",
    params(("id" = u64, Path, minimum = 1, description = "The post's id")),
    responses(
        (status = 204, description = "Deleted"),
        (status = 400, description = "The id is not a whole number from 1 up", body = ErrorBody),
        (status = 401, description = "No token, or a token that failed verification", body = ErrorBody),
        (status = 403, description = "The post is someone else's and the caller is no moderator", body = ErrorBody),
        (status = 404, description = "No such post", body = ErrorBody),
        (status = 503, description = "The user pool's keys cannot be fetched; try again", body = ErrorBody),
    ))]
pub async fn delete_post(
    State(state): State<AppState>,
    Writer(user): Writer,
    Path(id): Path<String>,
) -> Result<StatusCode, ApiError> {
    let id = parse_id(&id)?;
    let deleted = state.store.delete(id, &user.sub, user.moderator).await?;
    if deleted.author_sub != user.sub {
        // Who removed whose words, and when: the record a moderation decision can be
        // reviewed by (in Lambda, CloudWatch keeps it with the function's log).
        let at = OffsetDateTime::now_utc()
            .format(&time::format_description::well_known::Rfc3339)
            .unwrap_or_default();
        tracing::warn!(
            moderator_sub = %user.sub,
            deleted_at = %at,
            post_id = id,
            post_title = %crate::error::clip(&deleted.title, 80),
            author_sub = %deleted.author_sub,
            "a moderator deleted a post"
        );
    }
    Ok(StatusCode::NO_CONTENT)
}

/// Whether `user` may write now: they need a display name (shown beside the post,
/// returned here) and a unit of their write quota.
async fn admit_write(state: &AppState, user: &Identity) -> Result<String, ApiError> {
    let name = state
        .store
        .profile(&user.sub)
        .await?
        .and_then(|p| p.display_name)
        .ok_or(ApiError::NameRequired)?;
    state.store.take_write(&user.sub, state.quota).await?;
    Ok(name)
}
