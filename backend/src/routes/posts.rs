//! Posts: the feed, one post, writing, editing and deleting.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::{StatusCode, header};
use axum::response::IntoResponse;
use shared::{ErrorBody, Post, PostDraft, PostPage};
use time::OffsetDateTime;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::admit::{admit_write, moderation_by};
use super::responses::{JsonInput, SignedIn, Writing};
use crate::AppState;
use crate::domain::{Caller, PostId};
use crate::error::ApiError;
use crate::extract::{JsonBody, MaybeCaller, Page, Reason};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_posts, create_post))
        // The original tutorial's path, kept for its clients.
        .routes(routes!(create_post_tutorial))
        .routes(routes!(get_post, update_post, delete_post))
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
        SignedIn,
        (status = 200, description = "A page of post summaries, newest first", body = PostPage),
        (status = 400, description = "A malformed `limit` or `cursor`", body = ErrorBody),
    ))]
pub async fn list_posts(
    State(state): State<AppState>,
    _: MaybeCaller,
    page: Page,
) -> Result<Json<PostPage>, ApiError> {
    Ok(Json(
        state.store.list(page.limit, page.cursor.as_deref()).await?,
    ))
}

/// Writes a new post as the signed-in person.
#[utoipa::path(post, path = "/posts", tag = "posts", request_body = PostDraft,
    responses(
        SignedIn, JsonInput, Writing,
        (status = 201, description = "The post as stored", body = Post,
            headers(("Location" = String, description = "`/posts/{id}` of the new post"))),
    ))]
pub async fn create_post(
    State(state): State<AppState>,
    caller: Caller,
    JsonBody(draft): JsonBody<PostDraft>,
) -> Result<impl IntoResponse, ApiError> {
    let (title, contents) = draft.parse()?;
    let name = admit_write(&state, &caller).await?;
    let post = state.store.create(&caller, &name, title, contents).await?;
    let location = format!("/posts/{}", post.id);
    Ok((
        StatusCode::CREATED,
        [(header::LOCATION, location)],
        Json(post),
    ))
}

/// The original tutorial's path for writing a post: the same as `POST /posts`.
#[utoipa::path(post, path = "/post", tag = "posts", request_body = PostDraft,
    responses(
        SignedIn, JsonInput, Writing,
        (status = 201, description = "The post as stored", body = Post,
            headers(("Location" = String, description = "`/posts/{id}` of the new post"))),
    ))]
pub async fn create_post_tutorial(
    state: State<AppState>,
    caller: Caller,
    body: JsonBody<PostDraft>,
) -> Result<impl IntoResponse, ApiError> {
    create_post(state, caller, body).await
}

/// One post, with its contents.
#[utoipa::path(get, path = "/posts/{id}", tag = "posts",
    params(("id" = u64, Path, minimum = 1, description = "The post's id")),
    responses(
        SignedIn,
        (status = 200, description = "The post", body = Post),
        (status = 400, description = "The id is not a whole number from 1 up", body = ErrorBody),
        (status = 404, description = "No such post", body = ErrorBody),
    ))]
pub async fn get_post(
    State(state): State<AppState>,
    _: MaybeCaller,
    Path(id): Path<String>,
) -> Result<Json<Post>, ApiError> {
    Ok(Json(state.store.get(post_id(&id)?).await?))
}

/// Replaces a post's title and contents; only its author may.
#[utoipa::path(put, path = "/posts/{id}", tag = "posts", request_body = PostDraft,
    params(("id" = u64, Path, minimum = 1, description = "The post's id")),
    responses(
        SignedIn, JsonInput, Writing,
        (status = 200, description = "The post as stored now", body = Post),
        (status = 400, description = "A malformed id, or a body that is not valid JSON", body = ErrorBody),
        (status = 403, description = "The post is someone else's (`forbidden`), or the caller has no display name yet (`name_required`)", body = ErrorBody),
        (status = 404, description = "No such post", body = ErrorBody),
    ))]
pub async fn update_post(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    JsonBody(draft): JsonBody<PostDraft>,
) -> Result<Json<Post>, ApiError> {
    let id = post_id(&id)?;
    let (title, contents) = draft.parse()?;
    // An edit that will be refused (403, 404) takes no unit of the quota.
    state.store.may_edit(id, &caller).await?;
    let name = admit_write(&state, &caller).await?;
    Ok(Json(
        state
            .store
            .update(id, &caller, &name, title, contents)
            .await?,
    ))
}

/// Deletes a post; its author may, and so may any member of the `moderators` group.
/// A moderator's removal of someone else's post closes its reports and is recorded
/// in the public moderation log, with the `reason` given.
#[utoipa::path(delete, path = "/posts/{id}", tag = "posts",
    params(("id" = u64, Path, minimum = 1, description = "The post's id"), Reason),
    responses(
        SignedIn,
        (status = 204, description = "Deleted"),
        (status = 400, description = "The id is not a whole number from 1 up", body = ErrorBody),
        (status = 403, description = "The post is someone else's and the caller is no moderator (`forbidden`), or a moderator without a display name (`name_required`)", body = ErrorBody),
        (status = 422, description = "The `reason` breaks a rule", body = ErrorBody),
        (status = 404, description = "No such post", body = ErrorBody),
    ))]
pub async fn delete_post(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    Reason(reason): Reason,
) -> Result<StatusCode, ApiError> {
    let id = post_id(&id)?;
    let moderation = moderation_by(&state, &caller, reason).await?;
    let deleted = state.store.delete(id, &caller, moderation.as_ref()).await?;
    purge_comments(&state, id).await;
    if !caller.owns(&deleted.author_sub) {
        // Who removed whose words, and when: the record a moderation decision can be
        // reviewed by (in Lambda, CloudWatch keeps it with the function's log).
        let at = OffsetDateTime::now_utc()
            .format(&time::format_description::well_known::Rfc3339)
            .unwrap_or_default();
        tracing::warn!(
            moderator_sub = %caller.sub,
            deleted_at = %at,
            post_id = id.get(),
            post_title = %crate::error::clip(&deleted.title, 80),
            author_sub = %deleted.author_sub,
            "a moderator deleted a post"
        );
    }
    Ok(StatusCode::NO_CONTENT)
}

/// How many of a deleted post's comments the delete removes before it answers. The
/// rest is removed by the cleanup function the posts table's stream invokes (inside
/// Lambda, see [`crate::cleanup`]) or by a task of the local server. Nothing of them is
/// readable meanwhile: every comment and notice route checks the post first.
const PURGE_IN_REQUEST: usize = 120;

/// Removes a deleted post's comments and their notices: a bounded part before the
/// answer, the rest after it.
async fn purge_comments(state: &AppState, id: PostId) {
    match state.store.purge_comments(id, PURGE_IN_REQUEST).await {
        Ok(true) => {}
        Ok(false) if !state.cleanup_in_process => {}
        Ok(false) => {
            let store = state.store.clone();
            tokio::spawn(async move {
                if let Err(e) = store.purge_comments(id, usize::MAX).await {
                    tracing::error!(post_id = id.get(), error = %e.detail(), "removing a deleted post's comments failed");
                }
            });
        }
        // The post is gone and its comments unreadable; the space waits for a retry.
        Err(e) => {
            tracing::error!(post_id = id.get(), error = %e.detail(), "removing a deleted post's comments failed")
        }
    }
}

/// The post id in a path, or a 400 naming the rule.
pub(super) fn post_id(raw: &str) -> Result<PostId, ApiError> {
    PostId::parse(raw).ok_or_else(|| {
        ApiError::bad_request(
            "id",
            "a post id is a whole number from 1 up, without leading zeros",
        )
    })
}
