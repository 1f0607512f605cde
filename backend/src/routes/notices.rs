//! The caller's notices: who answered them, newest first, and marking them read.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use shared::{ErrorBody, NoticePage};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::responses::SignedIn;
use crate::AppState;
use crate::domain::Caller;
use crate::error::ApiError;
use crate::extract::Page;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_notices))
        .routes(routes!(mark_notices_read))
}

/// One page of the caller's notices, newest first; each says whether it is new.
#[utoipa::path(get, path = "/me/notices", tag = "profile",
    params(
        ("limit" = Option<u32>, Query, minimum = 1, maximum = 100,
            description = "Notices per page, 1 to 100; 20 when absent"),
        ("cursor" = Option<String>, Query,
            description = "The `next_cursor` of the previous page; opaque"),
    ),
    responses(
        SignedIn,
        (status = 200, description = "A page of notices, newest first", body = NoticePage),
        (status = 400, description = "A malformed `limit` or `cursor`", body = ErrorBody),
    ))]
pub async fn list_notices(
    State(state): State<AppState>,
    caller: Caller,
    page: Page,
) -> Result<Json<NoticePage>, ApiError> {
    Ok(Json(
        state
            .store
            .notices(&caller.sub, page.limit, page.cursor.as_deref())
            .await?,
    ))
}

/// Marks every notice the caller has as seen.
#[utoipa::path(post, path = "/me/notices/read", tag = "profile",
    responses(
        SignedIn,
        (status = 204, description = "Every notice is seen"),
    ))]
pub async fn mark_notices_read(
    State(state): State<AppState>,
    caller: Caller,
) -> Result<StatusCode, ApiError> {
    state.store.mark_notices_read(&caller.sub).await?;
    Ok(StatusCode::NO_CONTENT)
}
