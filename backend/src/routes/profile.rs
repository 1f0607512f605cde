//! The caller's own profile: their display name and whether they moderate.

use axum::Json;
use axum::extract::State;
use shared::{ErrorBody, NameChange, Profile};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::responses::{JsonInput, SignedIn};
use crate::AppState;
use crate::domain::Caller;
use crate::error::ApiError;
use crate::extract::JsonBody;
use crate::store::people::ProfileRecord;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(get_me))
        .routes(routes!(set_name))
}

async fn profile(
    state: &AppState,
    caller: &Caller,
    record: Option<ProfileRecord>,
    unread_notices: u32,
) -> Result<Profile, ApiError> {
    let suspension = record
        .as_ref()
        .and_then(|r| r.suspension(state.store.epoch_now()));
    // A name the rules no longer allow is shown to its holder as none, so the app
    // asks for another (and writing answers `name_required` until then).
    let (display_name, name_changed_at) = match &record {
        Some(record) => (
            record.allowed_name().map(str::to_owned),
            record.name_changed_at.clone(),
        ),
        None => (None, None),
    };
    Ok(Profile {
        id: state.store.author_ids().await?.id(&caller.sub),
        display_name,
        name_changed_at,
        moderator: caller.moderator,
        unread_notices,
        suspension,
    })
}

/// The caller as the board knows them: their display name (if they chose one),
/// whether they are a moderator, and how many notices they have not seen.
#[utoipa::path(get, path = "/me", tag = "profile",
    responses(
        SignedIn,
        (status = 200, description = "The caller's profile", body = Profile),
    ))]
pub async fn get_me(
    State(state): State<AppState>,
    caller: Caller,
) -> Result<Json<Profile>, ApiError> {
    let (record, unread) = tokio::try_join!(
        state.store.profile(&caller.sub),
        state.store.unread_notices(&caller.sub)
    )?;
    // A name taken before names were keyed by their look moves to its key now, the
    // first time its holder comes back; the profile reads the same either way.
    if let Some(record) = &record
        && let Err(error) = state.store.reclaim_name(&caller.sub, record).await
    {
        tracing::warn!(%error, "a display name's claim could not be moved to its key now");
    }
    // The badge beside their name follows the role their verified token says.
    if let Err(error) = state.store.note_role(&caller, record.as_ref()).await {
        tracing::warn!(%error, "a moderator badge could not follow the token's role");
    }
    Ok(Json(profile(&state, &caller, record, unread).await?))
}

/// Chooses (or changes) the caller's display name, shown beside all their posts.
#[utoipa::path(put, path = "/me/name", tag = "profile", request_body = NameChange,
    responses(
        SignedIn, JsonInput,
        (status = 200, description = "The caller's profile with the new name", body = Profile),
        (status = 403, description = "`suspended`: a moderator suspended the caller", body = ErrorBody),
        (status = 409, description = "The name, or one that looks like it, is taken; or nobody may hold it (a word reserved for the board, or scripts that look alike mixed)", body = ErrorBody),
        (status = 422, description = "A rule broken; `field` is `display_name`", body = ErrorBody),
        (status = 429, description = "The name was changed less than a day ago", body = ErrorBody,
            headers(("Retry-After" = u64, description = "Seconds until it may change again"))),
    ))]
pub async fn set_name(
    State(state): State<AppState>,
    caller: Caller,
    JsonBody(change): JsonBody<NameChange>,
) -> Result<Json<Profile>, ApiError> {
    let name = change.parse()?;
    let record = state.store.set_name(&caller, &name).await?;
    let unread = state.store.unread_notices(&caller.sub).await?;
    Ok(Json(profile(&state, &caller, Some(record), unread).await?))
}
