//! The API's one error type and its single mapping to HTTP responses.
//!
//! Each layer has its own error enum ([`AuthError`], [`StoreError`],
//! [`ValidationError`]); they become an [`ApiError`] here, and an `ApiError` becomes
//! a response in exactly one place. Its variants name no resource: what was not found,
//! which action was refused and which field clashed are their data. Internal detail
//! goes to the log, never to the caller.

use std::sync::Arc;

use axum::Json;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use shared::{ErrorBody, ErrorCode, SuspensionNotice, ValidationError};

use crate::auth::AuthError;
use crate::store::quota::Window;
use crate::store::{StoreError, names};

/// Longest message a client error carries, in characters. Messages can quote the
/// request (an unknown field's name, say); a caller must not be able to make the
/// answer, or the log line, as long as what they sent.
pub const MAX_MESSAGE_CHARS: usize = 200;
/// Longest field name an error names, in characters.
pub const MAX_FIELD_CHARS: usize = 64;

/// `text` cut to at most `max` characters (on a character boundary), ending in `…`
/// when it was cut.
pub fn clip(text: &str, max: usize) -> String {
    match text.char_indices().nth(max) {
        None => text.to_owned(),
        Some(_) => {
            let end = text
                .char_indices()
                .nth(max.saturating_sub(1))
                .map_or(0, |(i, _)| i);
            format!("{}…", &text[..end])
        }
    }
}

/// Every way a request can fail, for any resource. A handler returns one; it becomes
/// a response in [`IntoResponse`] and is logged once, by the middleware, with
/// its cause still typed.
#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    #[error("{message}")]
    BadRequest {
        message: String,
        field: Option<&'static str>,
    },
    #[error("the request body is not valid JSON: {0}")]
    InvalidJson(String),
    #[error(transparent)]
    Unauthorized(AuthError),
    /// The caller may not do this to what someone else wrote.
    #[error("you may not {action}")]
    Forbidden { action: &'static str },
    #[error("choose a display name before writing (PUT /me/name)")]
    NameRequired,
    /// A moderator suspended the caller from writing.
    #[error("{}", suspended_message(.0))]
    Suspended(SuspensionNotice),
    #[error("you already reported this; the moderators have it")]
    AlreadyReported,
    /// `field`'s value clashes with what is stored (a name someone holds, say).
    #[error("{message}")]
    Conflict {
        field: &'static str,
        message: &'static str,
    },
    #[error("{message}")]
    TooManyRequests {
        message: &'static str,
        retry_after_secs: u64,
    },
    /// No such `what` (a post, a route, ...).
    #[error("no such {what}")]
    NotFound { what: &'static str },
    #[error("the request body is too large")]
    PayloadTooLarge,
    #[error("the request body must be JSON (Content-Type: application/json)")]
    UnsupportedMediaType,
    #[error("{message}")]
    Unprocessable {
        message: String,
        field: Option<String>,
    },
    #[error(transparent)]
    Invalid(#[from] ValidationError),
    /// A failure the caller cannot fix: the cause is logged, never returned.
    #[error("internal error: {0}")]
    Internal(StoreError),
    /// The user pool's keys cannot be fetched: the cause is logged, never returned.
    #[error("a service the API depends on is unavailable: {0}")]
    Unavailable(AuthError),
    /// DynamoDB stayed busy over the whole retry budget: nothing was written (or what
    /// was written is whole), and the same request shortly after will most likely
    /// pass. The cause is logged, never returned.
    #[error("the store is busy: {0}")]
    Busy(StoreError),
}

/// What a 503 for a busy store asks the caller to wait, in seconds: contention on one
/// item lasts milliseconds, throttling a little longer.
pub const BUSY_RETRY_AFTER_SECS: u64 = 1;

impl ApiError {
    pub fn bad_request(field: &'static str, message: impl Into<String>) -> Self {
        ApiError::BadRequest {
            message: message.into(),
            field: Some(field),
        }
    }

    pub fn status(&self) -> StatusCode {
        use ApiError::*;
        match self {
            BadRequest { .. } | InvalidJson(_) => StatusCode::BAD_REQUEST,
            Unauthorized(_) => StatusCode::UNAUTHORIZED,
            Forbidden { .. } | NameRequired | Suspended(_) => StatusCode::FORBIDDEN,
            Conflict { .. } | AlreadyReported => StatusCode::CONFLICT,
            TooManyRequests { .. } => StatusCode::TOO_MANY_REQUESTS,
            NotFound { .. } => StatusCode::NOT_FOUND,
            PayloadTooLarge => StatusCode::PAYLOAD_TOO_LARGE,
            UnsupportedMediaType => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            Unprocessable { .. } | Invalid(_) => StatusCode::UNPROCESSABLE_ENTITY,
            Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
            Unavailable(_) | Busy(_) => StatusCode::SERVICE_UNAVAILABLE,
        }
    }

    fn code(&self) -> ErrorCode {
        use ApiError::*;
        match self {
            BadRequest { .. } => ErrorCode::BadRequest,
            InvalidJson(_) => ErrorCode::InvalidJson,
            Unauthorized(_) => ErrorCode::Unauthorized,
            Forbidden { .. } => ErrorCode::Forbidden,
            NameRequired => ErrorCode::NameRequired,
            Suspended(_) => ErrorCode::Suspended,
            AlreadyReported => ErrorCode::AlreadyReported,
            Conflict { .. } => ErrorCode::Conflict,
            TooManyRequests { .. } => ErrorCode::TooManyRequests,
            NotFound { .. } => ErrorCode::NotFound,
            PayloadTooLarge => ErrorCode::PayloadTooLarge,
            UnsupportedMediaType => ErrorCode::UnsupportedMediaType,
            Unprocessable { .. } | Invalid(_) => ErrorCode::Validation,
            Internal(_) => ErrorCode::Internal,
            Unavailable(_) | Busy(_) => ErrorCode::Unavailable,
        }
    }

    /// What the caller is told: the precise reason for a refused token, and the cause
    /// of a failure of ours, are for the log alone.
    pub fn public_message(&self) -> String {
        let message = match self {
            ApiError::Unauthorized(AuthError::Missing) => "a bearer token is required".to_owned(),
            ApiError::Unauthorized(_) => "the bearer token is not valid".to_owned(),
            ApiError::Internal(_) => "something went wrong on the server".to_owned(),
            ApiError::Unavailable(_) => {
                "the service is temporarily unavailable; try again shortly".to_owned()
            }
            ApiError::Busy(_) => "the board is busy right now; try again in a moment".to_owned(),
            other => other.to_string(),
        };
        clip(&message, MAX_MESSAGE_CHARS)
    }

    fn field(&self) -> Option<String> {
        let field = match self {
            ApiError::BadRequest { field, .. } => field.map(str::to_owned),
            ApiError::Conflict { field, .. } => Some((*field).to_owned()),
            ApiError::Unprocessable { field, .. } => field.clone(),
            ApiError::Invalid(e) => Some(e.field.as_str().to_owned()),
            _ => None,
        };
        field.map(|f| clip(&f, MAX_FIELD_CHARS))
    }

    /// The log line for this error: an error for a failure of ours (with its cause),
    /// an info line for a refused request. Called once per request, by the middleware.
    pub fn log(&self) {
        let status = self.status();
        match self {
            ApiError::Internal(cause) => {
                tracing::error!(%status, error = %cause.detail(), "request failed")
            }
            ApiError::Unavailable(cause) => {
                tracing::error!(%status, error = %cause, "request failed")
            }
            // Expected now and then on AWS; an alarm counts the 503s, not this line.
            ApiError::Busy(cause) => {
                tracing::warn!(%status, error = %cause.detail(), "store busy over every retry")
            }
            ApiError::Unauthorized(reason) => {
                tracing::info!(%status, %reason, "request refused")
            }
            _ => tracing::info!(%status, error = %self.public_message(), "request refused"),
        }
    }
}

impl From<AuthError> for ApiError {
    fn from(err: AuthError) -> Self {
        match err {
            AuthError::KeysUnavailable(_) => ApiError::Unavailable(err),
            other => ApiError::Unauthorized(other),
        }
    }
}

impl From<StoreError> for ApiError {
    fn from(err: StoreError) -> Self {
        match err {
            StoreError::NotFound { what } => ApiError::NotFound { what },
            StoreError::NotAuthor => ApiError::Forbidden {
                action: "change what someone else wrote",
            },
            StoreError::Refused { action } => ApiError::Forbidden { action },
            StoreError::Suspended(notice) => ApiError::Suspended(notice),
            StoreError::AlreadyReported => ApiError::AlreadyReported,
            StoreError::BadCursor => {
                ApiError::bad_request("cursor", "the page cursor is not valid")
            }
            StoreError::NameTaken => ApiError::Conflict {
                field: "display_name",
                message: "that display name, or one that looks like it, is taken; choose another",
            },
            StoreError::NameNotAllowed(names::NotAllowed::Reserved) => ApiError::Conflict {
                field: "display_name",
                message: "that display name contains a word reserved for the board itself; choose another",
            },
            StoreError::NameNotAllowed(names::NotAllowed::MixedScripts) => ApiError::Conflict {
                field: "display_name",
                message: "that display name mixes alphabets that look alike (such as Latin with Cyrillic or Greek); choose another",
            },
            StoreError::NameChangedConcurrently => ApiError::Conflict {
                field: "display_name",
                message: "your display name was changed elsewhere at the same time; reload and try again",
            },
            StoreError::NameChangedRecently { retry_after_secs } => ApiError::TooManyRequests {
                message: "a display name can change once a day",
                retry_after_secs,
            },
            StoreError::OverQuota {
                retry_after_secs,
                window,
            } => ApiError::TooManyRequests {
                message: match window {
                    Window::Minute => "too many posts and edits this minute; try again shortly",
                    Window::Day => "too many posts and edits today; try again tomorrow (UTC)",
                },
                retry_after_secs,
            },
            busy @ (StoreError::Contended(_) | StoreError::Busy(_)) => ApiError::Busy(busy),
            internal @ (StoreError::IdsExhausted
            | StoreError::Corrupt(_)
            | StoreError::Dynamo(_)) => ApiError::Internal(internal),
        }
    }
}

fn suspended_message(notice: &SuspensionNotice) -> String {
    match &notice.until {
        Some(until) => format!("a moderator suspended you from writing until {until}"),
        None => "a moderator suspended you from writing until they lift it".to_owned(),
    }
}

/// The error travels on the response to the logging middleware, which logs it inside
/// the request's span (so the line carries the request id) exactly once.
#[derive(Clone)]
pub struct Logged(pub Arc<ApiError>);

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let mut body = ErrorBody::new(self.code(), self.public_message(), self.field());
        if let ApiError::Suspended(notice) = &self {
            body.error.suspension = Some(notice.clone());
        }
        let mut response = (self.status(), Json(body)).into_response();
        let headers = response.headers_mut();
        match &self {
            ApiError::TooManyRequests {
                retry_after_secs, ..
            } => {
                headers.insert(header::RETRY_AFTER, HeaderValue::from(*retry_after_secs));
            }
            ApiError::Busy(_) => {
                headers.insert(
                    header::RETRY_AFTER,
                    HeaderValue::from(BUSY_RETRY_AFTER_SECS),
                );
            }
            // RFC 6750 §3: no error code when no token came, `invalid_token` otherwise.
            ApiError::Unauthorized(reason) => {
                let challenge = match reason {
                    AuthError::Missing => "Bearer",
                    _ => r#"Bearer error="invalid_token""#,
                };
                headers.insert(
                    header::WWW_AUTHENTICATE,
                    HeaderValue::from_static(challenge),
                );
            }
            _ => {}
        }
        response.extensions_mut().insert(Logged(Arc::new(self)));
        response
    }
}

/// The error body for a bare status that a layer below the handlers produced (an
/// unknown route, a wrong method, a body over the limit), so every error has one shape.
pub fn for_status(status: StatusCode) -> Response {
    let (code, message) = match status {
        StatusCode::NOT_FOUND => (ErrorCode::NotFound, "not found"),
        StatusCode::METHOD_NOT_ALLOWED => (ErrorCode::MethodNotAllowed, "method not allowed"),
        StatusCode::PAYLOAD_TOO_LARGE => {
            (ErrorCode::PayloadTooLarge, "the request body is too large")
        }
        StatusCode::UNSUPPORTED_MEDIA_TYPE => (
            ErrorCode::UnsupportedMediaType,
            "the request body must be JSON",
        ),
        StatusCode::TOO_MANY_REQUESTS => (ErrorCode::TooManyRequests, "too many requests"),
        s if s.is_client_error() => (ErrorCode::BadRequest, "bad request"),
        _ => (ErrorCode::Internal, "something went wrong on the server"),
    };
    (status, Json(ErrorBody::new(code, message, None))).into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clip_cuts_on_a_character_boundary() {
        assert_eq!(clip("short", 10), "short");
        assert_eq!(clip("exactly", 7), "exactly");
        assert_eq!(clip("가나다라마", 3), "가나…");
        assert_eq!(clip(&"🎉".repeat(500), 200).chars().count(), 200);
    }
}
