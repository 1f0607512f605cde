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
            Unauthorized(e) => (
                StatusCode::UNAUTHORIZED,
                ErrorCode::Unauthorized,
                e.to_string(),
                None,
            ),
            Forbidden => (
                StatusCode::FORBIDDEN,
                ErrorCode::Forbidden,
                self.to_string(),
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
            other @ (StoreError::IdsExhausted | StoreError::Corrupt(_)) => {
                ApiError::Internal(other.to_string())
            }
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let (status, code, message, field) = self.parts();
        match &self {
            ApiError::Internal(detail) | ApiError::Unavailable(detail) => {
                tracing::error!(%status, error = %detail, "request failed")
            }
            other => tracing::info!(%status, error = %other, "request refused"),
        }
        let mut response = (status, Json(ErrorBody::new(code, message, field))).into_response();
        if status == StatusCode::UNAUTHORIZED {
            response
                .headers_mut()
                .insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
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
        s if s.is_client_error() => (ErrorCode::BadRequest, "bad request"),
        _ => (ErrorCode::Internal, "something went wrong on the server"),
    };
    (status, Json(ErrorBody::new(code, message, None))).into_response()
}
