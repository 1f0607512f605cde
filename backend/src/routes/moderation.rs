//! The moderators' routes: the queue of reported posts and comments, dismissing
//! reports, suspending people and lifting suspensions. Every action is recorded in
//! the public moderation log ([`super::log`]) in the same transaction.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use shared::{ErrorBody, NewSuspension, QueuePage, Suspension, SuspensionList};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::admit::moderator;
use super::responses::{JsonInput, Moderating, SignedIn};
use crate::AppState;
use crate::domain::{Caller, Target};
use crate::error::ApiError;
use crate::extract::{JsonBody, Page, Reason};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(queue))
        .routes(routes!(dismiss))
        .routes(routes!(list_suspensions, suspend))
        .routes(routes!(lift))
}

/// The target in a path, or a 400 naming the rule.
fn target(raw: &str) -> Result<Target, ApiError> {
    Target::parse(raw).ok_or_else(|| {
        ApiError::bad_request(
            "target",
            "a target is `post-<id>` or `comment-<post id>-<comment id>`",
        )
    })
}

/// The posts and comments with open reports, newest first, each with its count,
/// reasons and latest notes. Moderators only.
#[utoipa::path(get, path = "/moderation/queue", tag = "moderation",
    params(
        ("limit" = Option<u32>, Query, minimum = 1, maximum = 100,
            description = "Entries per page, 1 to 100; 20 when absent"),
        ("cursor" = Option<String>, Query,
            description = "The `next_cursor` of the previous page; opaque"),
    ),
    responses(
        SignedIn, Moderating,
        (status = 200, description = "A page of the queue, newest first", body = QueuePage),
        (status = 400, description = "A malformed `limit` or `cursor`", body = ErrorBody),
    ))]
pub async fn queue(
    State(state): State<AppState>,
    caller: Caller,
    page: Page,
) -> Result<Json<QueuePage>, ApiError> {
    moderator(&state, &caller, None).await?;
    Ok(Json(
        state
            .store
            .queue(page.limit, page.cursor.as_deref())
            .await?,
    ))
}

/// Dismisses the open reports on a post or comment: they close, and the log says so.
#[utoipa::path(delete, path = "/moderation/queue/{target}", tag = "moderation",
    params(
        ("target" = String, Path, pattern = r"^(post-[1-9][0-9]*|comment-[1-9][0-9]*-[0-9]{13}[0-9a-f]{8}(-[0-9]{13}[0-9a-f]{8})?)$",
            description = "`post-<id>` or `comment-<post id>-<comment id>`"),
        Reason,
    ),
    responses(
        SignedIn, Moderating,
        (status = 204, description = "Dismissed"),
        (status = 400, description = "A malformed target", body = ErrorBody),
        (status = 404, description = "It has no open reports", body = ErrorBody),
        (status = 422, description = "The `reason` breaks a rule", body = ErrorBody),
    ))]
pub async fn dismiss(
    State(state): State<AppState>,
    caller: Caller,
    Path(raw): Path<String>,
    Reason(reason): Reason,
) -> Result<StatusCode, ApiError> {
    let target = target(&raw)?;
    let moderation = moderator(&state, &caller, reason).await?;
    state.store.dismiss(&target, &moderation).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Every suspension in force, newest first. Moderators only.
#[utoipa::path(get, path = "/moderation/suspensions", tag = "moderation",
    responses(
        SignedIn, Moderating,
        (status = 200, description = "The suspensions in force", body = SuspensionList),
    ))]
pub async fn list_suspensions(
    State(state): State<AppState>,
    caller: Caller,
) -> Result<Json<SuspensionList>, ApiError> {
    moderator(&state, &caller, None).await?;
    Ok(Json(state.store.suspensions().await?))
}

/// Suspends a person from writing for 1, 7 or 30 days or until lifted; with
/// `target`, closes that post's or comment's open reports. Nobody suspends a
/// moderator or themselves.
#[utoipa::path(post, path = "/moderation/suspensions", tag = "moderation",
    request_body = NewSuspension,
    responses(
        SignedIn, JsonInput, Moderating,
        (status = 201, description = "The suspension in force", body = Suspension),
        (status = 400, description = "A malformed `target`, or a body that is not valid JSON", body = ErrorBody),
        (status = 404, description = "No such person (nobody with a display name), or no such target", body = ErrorBody),
    ))]
pub async fn suspend(
    State(state): State<AppState>,
    caller: Caller,
    JsonBody(new): JsonBody<NewSuspension>,
) -> Result<(StatusCode, Json<Suspension>), ApiError> {
    let reason = new.parse()?;
    let target = new.target.as_deref().map(target).transpose()?;
    let moderation = moderator(&state, &caller, None).await?;
    let suspension = state
        .store
        .suspend(
            &caller,
            &moderation,
            &new.person,
            new.length,
            &reason,
            target.as_ref(),
        )
        .await?;
    Ok((StatusCode::CREATED, Json(suspension)))
}

/// Lifts a person's suspension before it ends.
#[utoipa::path(delete, path = "/moderation/suspensions/{person}", tag = "moderation",
    params(
        ("person" = String, Path, description = "The person's author id (`author.id`)"),
        Reason,
    ),
    responses(
        SignedIn, Moderating,
        (status = 204, description = "Lifted"),
        (status = 404, description = "The person has no suspension in force", body = ErrorBody),
        (status = 422, description = "The `reason` breaks a rule", body = ErrorBody),
    ))]
pub async fn lift(
    State(state): State<AppState>,
    caller: Caller,
    Path(person): Path<String>,
    Reason(reason): Reason,
) -> Result<StatusCode, ApiError> {
    let moderation = moderator(&state, &caller, reason).await?;
    state.store.lift(&moderation, &person).await?;
    Ok(StatusCode::NO_CONTENT)
}
