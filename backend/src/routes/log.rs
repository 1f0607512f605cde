//! The public moderation log: what moderators did, newest first.

use axum::Json;
use axum::extract::State;
use shared::{ErrorBody, LogPage};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::responses::SignedIn;
use crate::AppState;
use crate::error::ApiError;
use crate::extract::{MaybeCaller, Page};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(moderation_log))
}

/// One page of the moderation log, newest first: every removal, suspension, lift
/// and dismissal, with who did it, to what and why; never the removed words. Readable
/// by whoever may read the board.
#[utoipa::path(get, path = "/moderation/log", tag = "moderation",
    params(
        ("limit" = Option<u32>, Query, minimum = 1, maximum = 100,
            description = "Entries per page, 1 to 100; 20 when absent"),
        ("cursor" = Option<String>, Query,
            description = "The `next_cursor` of the previous page; opaque"),
    ),
    responses(
        SignedIn,
        (status = 200, description = "A page of the log, newest first", body = LogPage),
        (status = 400, description = "A malformed `limit` or `cursor`", body = ErrorBody),
    ))]
pub async fn moderation_log(
    State(state): State<AppState>,
    _: MaybeCaller,
    page: Page,
) -> Result<Json<LogPage>, ApiError> {
    Ok(Json(
        state.store.log(page.limit, page.cursor.as_deref()).await?,
    ))
}
