//! Request extractors whose rejections are [`ApiError`]s, so a bad request gets the
//! shared JSON error shape and never axum's plain-text defaults.

use axum::body::Bytes;
use axum::extract::{FromRequest, FromRequestParts, Query, Request};
use axum::http::{HeaderMap, StatusCode, Uri, header, request::Parts};
use serde::de::DeserializeOwned;
use serde_json::error::Category;

use crate::AppState;
use crate::auth::AuthError;
use crate::domain::Caller;
use crate::error::{ApiError, MAX_FIELD_CHARS, clip};

/// The caller, from a verified token: required for every write and for `GET /me`.
impl FromRequestParts<AppState> for Caller {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let value = parts
            .headers
            .get(header::AUTHORIZATION)
            .ok_or(AuthError::Missing)?;
        let value = value.to_str().map_err(|_| AuthError::Malformed)?;
        Ok(state.verifier.verify(value).await?)
    }
}

/// A caller allowed to read: anyone with a verified token, and also visitors without
/// one (`None`) when the board is configured with `PUBLIC_READ=true`. A token that is
/// present is always verified, public or not.
pub struct MaybeCaller(pub Option<Caller>);

impl FromRequestParts<AppState> for MaybeCaller {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        if state.public_read && !parts.headers.contains_key(header::AUTHORIZATION) {
            return Ok(MaybeCaller(None));
        }
        Ok(MaybeCaller(Some(
            Caller::from_request_parts(parts, state).await?,
        )))
    }
}

/// The query string as `T`, or a 400 saying what is wrong with it.
pub fn query<T: DeserializeOwned>(uri: &Uri) -> Result<T, ApiError> {
    Query::<T>::try_from_uri(uri)
        .map(|Query(value)| value)
        .map_err(|e| ApiError::BadRequest {
            message: e.body_text(),
            field: None,
        })
}

/// Where a page of a list starts and how long it is: `limit` (1 to
/// [`MAX_PAGE_SIZE`], [`DEFAULT_PAGE_SIZE`] when absent) and `cursor` (a previous
/// page's `next_cursor`; empty is none). Every list route reads these the same way.
pub struct Page {
    pub limit: u32,
    pub cursor: Option<String>,
}

impl<S: Send + Sync> FromRequestParts<S> for Page {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, ApiError> {
        #[derive(serde::Deserialize)]
        struct Raw {
            limit: Option<String>,
            cursor: Option<String>,
        }
        let raw: Raw = query(&parts.uri)?;
        let limit = match raw.limit.as_deref() {
            None => DEFAULT_PAGE_SIZE,
            Some(raw) => raw
                .parse()
                .ok()
                .filter(|n| (1..=MAX_PAGE_SIZE).contains(n))
                .ok_or_else(|| {
                    ApiError::bad_request(
                        "limit",
                        format!("limit must be a whole number from 1 to {MAX_PAGE_SIZE}"),
                    )
                })?,
        };
        Ok(Page {
            limit,
            cursor: raw.cursor.filter(|c| !c.is_empty()),
        })
    }
}

/// A moderator's reason for an action, from the query (`?reason=`): up to 500
/// characters under the contents' rules; absent or blank is none (422 when broken).
#[derive(utoipa::IntoParams)]
#[into_params(names("reason"), parameter_in = Query)]
pub struct Reason(
    /// Why: shown in the public moderation log. Up to 500 characters.
    #[param(value_type = Option<shared::moderation::NoteText>)]
    pub Option<String>,
);

impl<S: Send + Sync> FromRequestParts<S> for Reason {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, ApiError> {
        #[derive(serde::Deserialize)]
        struct Raw {
            reason: Option<String>,
        }
        let raw: Raw = query(&parts.uri)?;
        let note = shared::moderation::optional_note(raw.reason.as_deref(), shared::Field::Reason)?;
        Ok(Reason(note.map(shared::Note::into_string)))
    }
}

/// Page size when the client names none.
pub const DEFAULT_PAGE_SIZE: u32 = 20;
/// Largest page a client may ask for.
pub const MAX_PAGE_SIZE: u32 = 100;

/// A JSON body of type `T`: 415 without a JSON content type, 413 past the body limit,
/// 400 for malformed JSON, 422 for JSON of the wrong shape (naming the field).
pub struct JsonBody<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequest<S> for JsonBody<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, ApiError> {
        if !is_json(req.headers()) {
            return Err(ApiError::UnsupportedMediaType);
        }
        let bytes = Bytes::from_request(req, state).await.map_err(|rejection| {
            if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE {
                ApiError::PayloadTooLarge
            } else {
                ApiError::InvalidJson(rejection.body_text())
            }
        })?;
        parse(&bytes).map(JsonBody)
    }
}

fn parse<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, ApiError> {
    let mut de = serde_json::Deserializer::from_slice(bytes);
    let value = serde_path_to_error::deserialize(&mut de).map_err(|err| {
        let path = err.path().to_string();
        let inner = err.into_inner();
        match inner.classify() {
            Category::Data => {
                let message = inner.to_string();
                if let Some(name) = quoted_after(&message, "unknown field `") {
                    // The name is the caller's text, of any length: named, cut short.
                    let name = clip(name, MAX_FIELD_CHARS);
                    return ApiError::Unprocessable {
                        message: format!("unknown field `{name}`"),
                        field: Some(name),
                    };
                }
                let field = if path != "." {
                    Some(path)
                } else {
                    quoted_after(&message, "missing field `").map(str::to_owned)
                };
                ApiError::Unprocessable { message, field }
            }
            Category::Syntax | Category::Eof | Category::Io => {
                ApiError::InvalidJson(inner.to_string())
            }
        }
    })?;
    de.end().map_err(|e| ApiError::InvalidJson(e.to_string()))?;
    Ok(value)
}

/// serde names a missing or unknown field only in its message: "missing field
/// `title` at ...", "unknown field `x`, expected ...".
fn quoted_after<'m>(message: &'m str, prefix: &str) -> Option<&'m str> {
    let rest = message.strip_prefix(prefix)?;
    rest.split_once('`').map(|(name, _)| name)
}

/// `application/json`, or any `application/*+json`, with or without parameters.
pub fn is_json(headers: &HeaderMap) -> bool {
    let Some(value) = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
    else {
        return false;
    };
    let essence = value
        .split(';')
        .next()
        .unwrap_or_default()
        .trim()
        .to_ascii_lowercase();
    essence == "application/json"
        || (essence.starts_with("application/") && essence.ends_with("+json"))
}

#[cfg(test)]
mod tests {
    use axum::http::HeaderValue;
    use shared::PostDraft;

    use super::*;

    fn headers(content_type: &str) -> HeaderMap {
        let mut map = HeaderMap::new();
        map.insert(
            header::CONTENT_TYPE,
            HeaderValue::from_str(content_type).unwrap(),
        );
        map
    }

    #[test]
    fn json_content_types_are_recognised() {
        assert!(is_json(&headers("application/json")));
        assert!(is_json(&headers("Application/JSON; charset=utf-8")));
        assert!(is_json(&headers("application/vnd.board+json")));
        assert!(!is_json(&headers("text/plain")));
        assert!(!is_json(&headers("application/x-www-form-urlencoded")));
        assert!(!is_json(&HeaderMap::new()));
    }

    #[test]
    fn wrong_types_name_the_field() {
        let err = parse::<PostDraft>(br#"{"title": 5, "contents": "c"}"#).unwrap_err();
        assert!(
            matches!(err, ApiError::Unprocessable { field: Some(ref f), .. } if f == "title"),
            "{err:?}"
        );
    }

    #[test]
    fn missing_fields_are_named() {
        let err = parse::<PostDraft>(br#"{"title": "t"}"#).unwrap_err();
        assert!(
            matches!(err, ApiError::Unprocessable { field: Some(ref f), .. } if f == "contents"),
            "{err:?}"
        );
    }

    #[test]
    fn unknown_fields_are_named_cut_short() {
        let long = "x".repeat(10_000);
        let body = format!(r#"{{"title": "t", "contents": "c", "{long}": 1}}"#);
        let err = parse::<PostDraft>(body.as_bytes()).unwrap_err();
        let ApiError::Unprocessable {
            message,
            field: Some(field),
        } = err
        else {
            panic!("{err:?}")
        };
        assert_eq!(field.chars().count(), MAX_FIELD_CHARS);
        assert!(field.starts_with("xxx") && field.ends_with('…'));
        assert!(message.len() < 100, "{message}");
    }

    #[test]
    fn syntax_errors_and_trailing_data_are_invalid_json() {
        for body in [
            &br#"{"title": "t", "#[..],
            b"",
            br#"{"title":"t","contents":"c"} x"#,
        ] {
            assert!(matches!(
                parse::<PostDraft>(body),
                Err(ApiError::InvalidJson(_))
            ));
        }
    }
}
