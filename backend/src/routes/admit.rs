//! Who may write, report or moderate, decided on the one profile read each of them
//! makes anyway: a display name, no suspension in force, the moderator badge kept as
//! the verified token says.

use crate::AppState;
use crate::domain::Caller;
use crate::error::ApiError;
use crate::store::people::ProfileRecord;
use crate::store::reports::Moderation;

/// The caller's profile, as a write needs it: they need a display name (returned
/// with it) and no suspension in force. Their moderator badge follows their verified
/// token here.
async fn admit(state: &AppState, caller: &Caller) -> Result<(ProfileRecord, String), ApiError> {
    let profile = state.store.profile(&caller.sub).await?;
    state.store.note_role(caller, profile.as_ref()).await?;
    let profile = profile.ok_or(ApiError::NameRequired)?;
    // Nobody suspends a moderator; should a suspension predate the role, the role wins.
    if !caller.moderator
        && let Some(suspension) = profile.suspension(state.store.epoch_now())
    {
        return Err(ApiError::Suspended(suspension));
    }
    let name = profile
        .allowed_name()
        .map(str::to_owned)
        .ok_or(ApiError::NameRequired)?;
    Ok((profile, name))
}

/// Whether `caller` may write words now: [`admit`], and a unit of their write quota.
/// Returns the name shown beside what they write.
pub async fn admit_write(state: &AppState, caller: &Caller) -> Result<String, ApiError> {
    let (_, name) = admit(state, caller).await?;
    state.store.take_write(&caller.sub, state.quota).await?;
    Ok(name)
}

/// Whether `caller` may report something now: [`admit`]. A report takes no unit of
/// the write quota: each person reports each thing once.
pub async fn admit_report(state: &AppState, caller: &Caller) -> Result<(), ApiError> {
    admit(state, caller).await.map(|_| ())
}

/// The moderator acting, with their reason: only members of the `moderators` group,
/// under their display name (the log names them by it).
pub async fn moderator(
    state: &AppState,
    caller: &Caller,
    reason: Option<String>,
) -> Result<Moderation, ApiError> {
    if !caller.moderator {
        return Err(ApiError::Forbidden {
            action: "do this: it is for moderators",
        });
    }
    let profile = state.store.profile(&caller.sub).await?;
    state.store.note_role(caller, profile.as_ref()).await?;
    let moderator = profile
        .as_ref()
        .and_then(ProfileRecord::allowed_name)
        .map(str::to_owned)
        .ok_or(ApiError::NameRequired)?;
    Ok(Moderation { moderator, reason })
}

/// For a removal: the moderator acting when the caller is one (someone else's words
/// go only under a moderator's name), nobody otherwise.
pub async fn moderation_by(
    state: &AppState,
    caller: &Caller,
    reason: Option<String>,
) -> Result<Option<Moderation>, ApiError> {
    if !caller.moderator {
        return Ok(None);
    }
    moderator(state, caller, reason).await.map(Some)
}
