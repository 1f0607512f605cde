//! Reports: a signed-in person with a display name flags a post or a comment for
//! the moderators, once.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use shared::{ErrorBody, NewReport, Report};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::admit::admit_report;
use super::comments::comment_id;
use super::posts::post_id;
use super::responses::{JsonInput, SignedIn};
use crate::AppState;
use crate::domain::{Caller, Target};
use crate::error::ApiError;
use crate::extract::JsonBody;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(report_post))
        .routes(routes!(report_comment))
}

/// Reports a post to the moderators. Each person reports a post once; only
/// moderators see reports.
#[utoipa::path(post, path = "/posts/{id}/reports", tag = "moderation", request_body = NewReport,
    params(("id" = u64, Path, minimum = 1, description = "The post's id")),
    responses(
        SignedIn, JsonInput,
        (status = 201, description = "The report as filed", body = Report),
        (status = 400, description = "A malformed id, or a body that is not valid JSON", body = ErrorBody),
        (status = 403, description = "`name_required`: no display name yet; `suspended`: the caller is suspended; `forbidden`: the post is the caller's own", body = ErrorBody),
        (status = 404, description = "No such post", body = ErrorBody),
        (status = 409, description = "`already_reported`: the caller reported it before", body = ErrorBody),
    ))]
pub async fn report_post(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    JsonBody(report): JsonBody<NewReport>,
) -> Result<(StatusCode, Json<Report>), ApiError> {
    let target = Target::Post(post_id(&id)?);
    file(state, caller, target, report).await
}

/// Reports a comment to the moderators. Each person reports a comment once; only
/// moderators see reports.
#[utoipa::path(post, path = "/posts/{id}/comments/{comment_id}/reports", tag = "moderation",
    request_body = NewReport,
    params(
        ("id" = u64, Path, minimum = 1, description = "The post's id"),
        ("comment_id" = String, Path, pattern = r"^[0-9]{13}[0-9a-f]{8}(-[0-9]{13}[0-9a-f]{8})?$",
            description = "The comment's id"),
    ),
    responses(
        SignedIn, JsonInput,
        (status = 201, description = "The report as filed", body = Report),
        (status = 400, description = "A malformed id, or a body that is not valid JSON", body = ErrorBody),
        (status = 403, description = "`name_required`: no display name yet; `suspended`: the caller is suspended; `forbidden`: the comment is the caller's own", body = ErrorBody),
        (status = 404, description = "No such post or comment", body = ErrorBody),
        (status = 409, description = "`already_reported`: the caller reported it before", body = ErrorBody),
    ))]
pub async fn report_comment(
    State(state): State<AppState>,
    caller: Caller,
    Path((id, comment)): Path<(String, String)>,
    JsonBody(report): JsonBody<NewReport>,
) -> Result<(StatusCode, Json<Report>), ApiError> {
    let target = Target::Comment(post_id(&id)?, comment_id(&comment, "comment_id")?);
    file(state, caller, target, report).await
}

async fn file(
    state: AppState,
    caller: Caller,
    target: Target,
    report: NewReport,
) -> Result<(StatusCode, Json<Report>), ApiError> {
    let note = report.parse()?;
    admit_report(&state, &caller).await?;
    let filed = state
        .store
        .report(&target, &caller, report.reason, note)
        .await?;
    Ok((StatusCode::CREATED, Json(filed)))
}
