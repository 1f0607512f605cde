//! The caller's own profile: their display name and whether they moderate.

use axum::Json;
use axum::extract::State;
use shared::{ErrorBody, NameChange, Profile};

use crate::AppState;
use crate::auth::Identity;
use crate::error::ApiError;
use crate::extract::{JsonBody, Writer};
use crate::store::people::ProfileRecord;

fn profile(user: &Identity, record: Option<ProfileRecord>) -> Profile {
    let (display_name, name_changed_at) = match record {
        Some(record) => (record.display_name, record.name_changed_at),
        None => (None, None),
    };
    Profile {
        sub: user.sub.clone(),
        display_name,
        name_changed_at,
        moderator: user.moderator,
    }
}

/// The caller as the board knows them: their display name (if they chose one) and
/// whether they are a moderator.
#[utoipa::path(get, path = "/me", tag = "profile",
    responses(
        (status = 200, description = "The caller's profile", body = Profile),
        (status = 401, description = "No token, or a token that failed verification", body = ErrorBody),
        (status = 503, description = "The user pool's keys cannot be fetched; try again", body = ErrorBody),
    ))]
pub async fn get_me(
    State(state): State<AppState>,
    Writer(user): Writer,
) -> Result<Json<Profile>, ApiError> {
    let record = state.store.profile(&user.sub).await?;
    Ok(Json(profile(&user, record)))
}

/// Chooses (or changes) the caller's display name, shown beside all their posts.
#[utoipa::path(put, path = "/me/name", tag = "profile", request_body = NameChange,
    responses(
        (status = 200, description = "The caller's profile with the new name", body = Profile),
        (status = 400, description = "The body is not valid JSON", body = ErrorBody),
        (status = 401, description = "No token, or a token that failed verification", body = ErrorBody),
        (status = 409, description = "The name is taken (ignoring case and width) or reserved", body = ErrorBody),
        (status = 413, description = "The body is larger than 256 KiB", body = ErrorBody),
        (status = 415, description = "The body is not `application/json`", body = ErrorBody),
        (status = 422, description = "A rule broken; `field` is `display_name`", body = ErrorBody),
        (status = 429, description = "The name was changed less than a day ago", body = ErrorBody,
            headers(("Retry-After" = u64, description = "Seconds until it may change again"))),
        (status = 503, description = "The user pool's keys cannot be fetched; try again", body = ErrorBody),
    ))]
pub async fn set_name(
    State(state): State<AppState>,
    Writer(user): Writer,
    JsonBody(change): JsonBody<NameChange>,
) -> Result<Json<Profile>, ApiError> {
    let NameChange { display_name } = change.validate()?;
    let record = state.store.set_name(&user.sub, &display_name).await?;
    Ok(Json(profile(&user, Some(record))))
}
