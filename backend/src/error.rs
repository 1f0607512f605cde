//! The API's one error type and its single mapping to HTTP responses.
//!
//! Each layer has its own error enum ([`AuthError`], [`StoreError`],
//! [`ValidationError`]); they become an [`ApiError`] here, and an `ApiError` becomes
//! a response in exactly one place. Internal detail goes to the log, never to the caller.

use axum::Json;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use shared::{ErrorBody, ErrorCode, ValidationError};

use crate::auth::AuthError;
use crate::store::StoreError;
use crate::store::quota::Window;

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
    #[error("only the author may change this post")]
    Forbidden,
    #[error("choose a display name before writing (PUT /me/name)")]
    NameRequired,
    #[error("{0}")]
    Conflict(String),
    #[error("{message}")]
    TooManyRequests {
        message: String,
        retry_after_secs: u64,
    },
    #[error("not found")]
    NotFound,
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
    /// A failure the caller cannot fix; the detail is logged, not returned.
    #[error("internal error: {0}")]
    Internal(String),
    #[error("a service the API depends on is unavailable: {0}")]
    Unavailable(String),
}

impl ApiError {
    pub fn bad_request(field: &'static str, message: impl Into<String>) -> Self {
        ApiError::BadRequest {
            message: message.into(),
            field: Some(field),
        }
    }

    fn parts(&self) -> (StatusCode, ErrorCode, String, Option<String>) {
        use ApiError::*;
        match self {
            BadRequest { message, field } => (
                StatusCode::BAD_REQUEST,
                ErrorCode::BadRequest,
                message.clone(),
                field.map(str::to_owned),
            ),
            InvalidJson(_) => (
                StatusCode::BAD_REQUEST,
                ErrorCode::InvalidJson,
                self.to_string(),
                None,
            ),
            // Only whether a token came: the precise reason is for the log alone.
            Unauthorized(AuthError::Missing) => (
                StatusCode::UNAUTHORIZED,
                ErrorCode::Unauthorized,
                "a bearer token is required".to_owned(),
                None,
            ),
            Unauthorized(_) => (
                StatusCode::UNAUTHORIZED,
                ErrorCode::Unauthorized,
                "the bearer token is not valid".to_owned(),
                None,
            ),
            Forbidden => (
                StatusCode::FORBIDDEN,
                ErrorCode::Forbidden,
                self.to_string(),
                None,
            ),
            NameRequired => (
                StatusCode::FORBIDDEN,
                ErrorCode::NameRequired,
                self.to_string(),
                None,
            ),
            Conflict(message) => (
                StatusCode::CONFLICT,
                ErrorCode::Conflict,
                message.clone(),
                Some("display_name".to_owned()),
            ),
            TooManyRequests { message, .. } => (
                StatusCode::TOO_MANY_REQUESTS,
                ErrorCode::TooManyRequests,
                message.clone(),
                None,
            ),
            NotFound => (
                StatusCode::NOT_FOUND,
                ErrorCode::NotFound,
                self.to_string(),
                None,
            ),
            PayloadTooLarge => (
                StatusCode::PAYLOAD_TOO_LARGE,
                ErrorCode::PayloadTooLarge,
                self.to_string(),
                None,
            ),
            UnsupportedMediaType => (
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                ErrorCode::UnsupportedMediaType,
                self.to_string(),
                None,
            ),
            Unprocessable { message, field } => (
                StatusCode::UNPROCESSABLE_ENTITY,
                ErrorCode::Validation,
                message.clone(),
                field.clone(),
            ),
            Invalid(e) => (
                StatusCode::UNPROCESSABLE_ENTITY,
                ErrorCode::Validation,
                e.to_string(),
                Some(e.field.as_str().to_owned()),
            ),
            Internal(_) => (
                StatusCode::INTERNAL_SERVER_ERROR,
                ErrorCode::Internal,
                "something went wrong on the server".to_owned(),
                None,
            ),
            Unavailable(_) => (
                StatusCode::SERVICE_UNAVAILABLE,
                ErrorCode::Unavailable,
                "the service is temporarily unavailable; try again shortly".to_owned(),
                None,
            ),
        }
    }
}

impl From<AuthError> for ApiError {
    fn from(err: AuthError) -> Self {
        match err {
            AuthError::KeysUnavailable(detail) => ApiError::Unavailable(detail),
            other => ApiError::Unauthorized(other),
        }
    }
}

impl From<StoreError> for ApiError {
    fn from(err: StoreError) -> Self {
        match err {
            StoreError::NotFound => ApiError::NotFound,
            StoreError::NotAuthor => ApiError::Forbidden,
            StoreError::BadCursor => {
                ApiError::bad_request("cursor", "the page cursor is not valid")
            }
            StoreError::Dynamo(e) => {
                ApiError::Internal(aws_sdk_dynamodb::error::DisplayErrorContext(&*e).to_string())
            }
            StoreError::NameTaken => {
                ApiError::Conflict("that display name is taken; choose another".to_owned())
            }
            StoreError::NameChangedConcurrently => ApiError::Conflict(
                "your display name was changed elsewhere at the same time; reload and try again"
                    .to_owned(),
            ),
            StoreError::NameChangedRecently { retry_after_secs } => ApiError::TooManyRequests {
                message: "a display name can change once a day".to_owned(),
                retry_after_secs,
            },
            StoreError::OverQuota {
                retry_after_secs,
                window,
            } => ApiError::TooManyRequests {
                message: match window {
                    Window::Minute => "too many posts and edits this minute; try again shortly",
                    Window::Day => "too many posts and edits today; try again tomorrow (UTC)",
                }
                .to_owned(),
                retry_after_secs,
            },
            other @ (StoreError::IdsExhausted
            | StoreError::Contended(_)
            | StoreError::Corrupt(_)) => ApiError::Internal(other.to_string()),
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let (status, code, message, field) = self.parts();
        let message = clip(&message, MAX_MESSAGE_CHARS);
        let field = field.map(|f| clip(&f, MAX_FIELD_CHARS));
        match &self {
            ApiError::Internal(detail) | ApiError::Unavailable(detail) => {
                tracing::error!(%status, error = %detail, "request failed")
            }
            ApiError::Unauthorized(reason) => {
                tracing::info!(%status, %reason, "request refused")
            }
            _ => tracing::info!(%status, error = %message, "request refused"),
        }
        let mut response = (status, Json(ErrorBody::new(code, message, field))).into_response();
        if let ApiError::TooManyRequests {
            retry_after_secs, ..
        } = &self
        {
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from(*retry_after_secs));
        }
        if let ApiError::Unauthorized(reason) = &self {
            // RFC 6750 §3: no error code when no token came, `invalid_token` otherwise.
            let challenge = match reason {
                AuthError::Missing => "Bearer",
                _ => r#"Bearer error="invalid_token""#,
            };
            response.headers_mut().insert(
                header::WWW_AUTHENTICATE,
                HeaderValue::from_static(challenge),
            );
        }
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
