//! Comments under a post: the thread, writing, editing and deleting.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::{StatusCode, Uri, header};
use axum::response::IntoResponse;
use serde::Deserialize;
use shared::{Comment, CommentEdit, CommentPage, ErrorBody, NewComment};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::admit::{admit_write, moderation_by};
use super::posts::post_id;
use super::responses::{JsonInput, SignedIn, Writing};
use crate::AppState;
use crate::domain::{Caller, CommentId};
use crate::error::ApiError;
use crate::extract::{JsonBody, MaybeCaller, Page, Reason, query};
use crate::store::cursor;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_comments, create_comment))
        .routes(routes!(update_comment, delete_comment))
}

/// Besides a page's `limit` and `cursor`: a comment whose thread the page starts at.
#[derive(Deserialize)]
struct From {
    from: Option<String>,
}

/// One page of a post's comments: threads oldest first, each comment followed by its
/// replies.
#[utoipa::path(get, path = "/posts/{id}/comments", tag = "comments",
    params(
        ("id" = u64, Path, minimum = 1, description = "The post's id"),
        ("limit" = Option<u32>, Query, minimum = 1, maximum = 100,
            description = "Comments per page, 1 to 100; 20 when absent"),
        ("cursor" = Option<String>, Query,
            description = "The `next_cursor` of the previous page; opaque"),
        ("from" = Option<String>, Query, pattern = r"^[0-9]{13}[0-9a-f]{8}(-[0-9]{13}[0-9a-f]{8})?$",
            description = "A comment's id: the page starts at its thread (a link to one comment)"),
    ),
    responses(
        SignedIn,
        (status = 200, description = "A page of comments in thread order", body = CommentPage),
        (status = 400, description = "A malformed id, `limit`, `cursor` or `from`", body = ErrorBody),
        (status = 404, description = "No such post", body = ErrorBody),
    ))]
pub async fn list_comments(
    State(state): State<AppState>,
    _: MaybeCaller,
    Path(id): Path<String>,
    page: Page,
    uri: Uri,
) -> Result<Json<CommentPage>, ApiError> {
    let post = post_id(&id)?;
    let after = match page.cursor.as_deref() {
        None => None,
        Some(raw) => Some(
            cursor::decode_key(raw)
                .and_then(|key| CommentId::from_sort_key(&key))
                .ok_or_else(|| ApiError::bad_request("cursor", "the page cursor is not valid"))?,
        ),
    };
    let from = query::<From>(&uri)?
        .from
        .as_deref()
        .map(|raw| comment_id(raw, "from"))
        .transpose()?;
    // A page that starts at `from`'s thread only goes on from a cursor at or past
    // that thread; DynamoDB refuses any other start as outside the query.
    if let (Some(after), Some(from)) = (&after, &from)
        && after.sort_key() < CommentId::head(from.thread().clone()).sort_key()
    {
        return Err(ApiError::bad_request(
            "cursor",
            "the page cursor does not follow `from`: use the next_cursor of a page that started there",
        ));
    }
    Ok(Json(
        state
            .store
            .comments(post, page.limit, after.as_ref(), from.as_ref())
            .await?,
    ))
}

/// Writes a comment under a post, or a reply to one of its comments, as the
/// signed-in person. The person answered gets a notice (unless it is the writer).
#[utoipa::path(post, path = "/posts/{id}/comments", tag = "comments", request_body = NewComment,
    params(("id" = u64, Path, minimum = 1, description = "The post's id")),
    responses(
        SignedIn, JsonInput, Writing,
        (status = 201, description = "The comment as stored", body = Comment,
            headers(("Location" = String, description = "`/posts/{id}/comments/{comment_id}`"))),
        (status = 400, description = "A malformed post id or `reply_to`, or a body that is not valid JSON", body = ErrorBody),
        (status = 404, description = "No such post, or no such comment to reply to", body = ErrorBody),
    ))]
pub async fn create_comment(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    JsonBody(new): JsonBody<NewComment>,
) -> Result<impl IntoResponse, ApiError> {
    let post = post_id(&id)?;
    let reply_to = new
        .reply_to
        .as_deref()
        .map(|raw| comment_id(raw, "reply_to"))
        .transpose()?;
    let text = new.parse()?;
    let name = admit_write(&state, &caller).await?;
    let comment = state
        .store
        .add_comment(post, &caller, &name, text, reply_to.as_ref())
        .await?;
    let location = format!("/posts/{post}/comments/{}", comment.id);
    Ok((
        StatusCode::CREATED,
        [(header::LOCATION, location)],
        Json(comment),
    ))
}

/// Replaces a comment's words; only its author may.
#[utoipa::path(put, path = "/posts/{id}/comments/{comment_id}", tag = "comments",
    request_body = CommentEdit,
    params(
        ("id" = u64, Path, minimum = 1, description = "The post's id"),
        ("comment_id" = String, Path, pattern = r"^[0-9]{13}[0-9a-f]{8}(-[0-9]{13}[0-9a-f]{8})?$",
            description = "The comment's id"),
    ),
    responses(
        SignedIn, JsonInput, Writing,
        (status = 200, description = "The comment as stored now", body = Comment),
        (status = 400, description = "A malformed id, or a body that is not valid JSON", body = ErrorBody),
        (status = 403, description = "The comment is someone else's (`forbidden`), or the caller has no display name yet (`name_required`)", body = ErrorBody),
        (status = 404, description = "No such post or comment", body = ErrorBody),
    ))]
pub async fn update_comment(
    State(state): State<AppState>,
    caller: Caller,
    Path((id, comment)): Path<(String, String)>,
    JsonBody(edit): JsonBody<CommentEdit>,
) -> Result<Json<Comment>, ApiError> {
    let post = post_id(&id)?;
    let comment = comment_id(&comment, "comment_id")?;
    let text = edit.parse()?;
    // An edit that will be refused (403, 404) takes no unit of the quota.
    state
        .store
        .may_edit_comment(post, &comment, &caller)
        .await?;
    let name = admit_write(&state, &caller).await?;
    Ok(Json(
        state
            .store
            .edit_comment(post, &comment, &caller, &name, text)
            .await?,
    ))
}

/// Deletes a comment; its author may, and so may any moderator. One with replies
/// stays as a placeholder so the replies still make sense. A moderator's removal of
/// someone else's comment closes its reports and is recorded in the public
/// moderation log, with the `reason` given.
#[utoipa::path(delete, path = "/posts/{id}/comments/{comment_id}", tag = "comments",
    params(
        ("id" = u64, Path, minimum = 1, description = "The post's id"),
        ("comment_id" = String, Path, pattern = r"^[0-9]{13}[0-9a-f]{8}(-[0-9]{13}[0-9a-f]{8})?$",
            description = "The comment's id"),
        Reason,
    ),
    responses(
        SignedIn,
        (status = 204, description = "Deleted"),
        (status = 400, description = "A malformed id", body = ErrorBody),
        (status = 403, description = "The comment is someone else's and the caller is no moderator (`forbidden`), or a moderator without a display name (`name_required`)", body = ErrorBody),
        (status = 422, description = "The `reason` breaks a rule", body = ErrorBody),
        (status = 404, description = "No such post or comment", body = ErrorBody),
    ))]
pub async fn delete_comment(
    State(state): State<AppState>,
    caller: Caller,
    Path((id, comment)): Path<(String, String)>,
    Reason(reason): Reason,
) -> Result<StatusCode, ApiError> {
    let post = post_id(&id)?;
    let comment = comment_id(&comment, "comment_id")?;
    let moderation = moderation_by(&state, &caller, reason).await?;
    let deleted = state
        .store
        .delete_comment(post, &comment, &caller, moderation.as_ref())
        .await?;
    if !caller.owns(&deleted.author_sub) {
        tracing::warn!(
            moderator_sub = %caller.sub,
            post_id = post.get(),
            comment_id = %comment,
            comment_excerpt = %crate::error::clip(&deleted.excerpt, 80),
            author_sub = %deleted.author_sub,
            "a moderator deleted a comment"
        );
    }
    Ok(StatusCode::NO_CONTENT)
}

/// A comment id from the request, or a 400 naming where it was.
pub(super) fn comment_id(raw: &str, field: &'static str) -> Result<CommentId, ApiError> {
    CommentId::parse(raw).ok_or_else(|| ApiError::bad_request(field, "not a comment id"))
}
