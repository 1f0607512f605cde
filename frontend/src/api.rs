//! The board's API, called with the signed-in person's id token.

use gloo_net::http::{Request, RequestBuilder, Response};
use serde::de::DeserializeOwned;
use shared::{
    Comment, CommentEdit, CommentPage, ErrorBody, ErrorCode, LogPage, NameChange, NewComment,
    NewReport, NewSuspension, NoticePage, Post, PostDraft, PostPage, Profile, QueuePage, Report,
    Suspension, SuspensionList, SuspensionNotice,
};

use crate::config::RuntimeConfig;
use crate::json;

/// What went wrong with a call, as the interface needs to tell it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ApiError {
    /// The token is missing, expired or refused: sign in again.
    Unauthorized,
    Forbidden,
    /// Writing needs a display name first.
    NameRequired,
    /// A moderator suspended the caller from writing: until when and why.
    Suspended(SuspensionNotice),
    /// The caller reported this before.
    AlreadyReported,
    NotFound,
    /// A value clashes with what is stored: `field` names it (`display_name`: the
    /// name is taken or reserved).
    Conflict {
        field: Option<String>,
    },
    /// Too many writes (or name changes) for now; the next is allowed after
    /// `retry_after` seconds, when the server said.
    TooManyRequests {
        retry_after: Option<u64>,
    },
    /// The request broke a rule; `field` names the input at fault.
    Invalid {
        field: Option<String>,
        message: String,
    },
    /// The server failed (5xx).
    Server,
    /// The board cannot check sign-ins, or is busy, for a moment (503): the session
    /// is kept; `retry_after` seconds, when the server said (a busy store does).
    Unavailable {
        retry_after: Option<u64>,
    },
    /// The request did not reach the server.
    Network,
}

/// One call's client: the configuration and the token to send. Calls are made through
/// [`AppState::call`](crate::state::AppState::call), which renews the token first.
pub struct Api {
    config: RuntimeConfig,
    token: Option<String>,
}

impl Api {
    pub fn new(config: &RuntimeConfig, token: Option<String>) -> Self {
        Self {
            config: config.clone(),
            token,
        }
    }

    fn authorized(&self, builder: RequestBuilder) -> RequestBuilder {
        match &self.token {
            Some(token) => builder.header("Authorization", &format!("Bearer {token}")),
            None => builder,
        }
    }

    /// The API's URL for `path` with the query `pairs` (those present).
    fn url_with(&self, path: &str, pairs: &[(&str, Option<&str>)]) -> String {
        let mut query = form_urlencoded::Serializer::new(String::new());
        for (name, value) in pairs {
            if let Some(value) = value {
                query.append_pair(name, value);
            }
        }
        match query.finish() {
            query if query.is_empty() => self.config.api_url(path),
            query => format!("{}?{query}", self.config.api_url(path)),
        }
    }

    pub async fn list(&self, cursor: Option<&str>) -> Result<PostPage, ApiError> {
        let url = self.url_with("/posts", &[("cursor", cursor)]);
        json(self.authorized(Request::get(&url)).send().await).await
    }

    pub async fn get(&self, id: u64) -> Result<Post, ApiError> {
        json(
            self.authorized(Request::get(&self.config.api_url(&format!("/posts/{id}"))))
                .send()
                .await,
        )
        .await
    }

    pub async fn create(&self, post: &PostDraft) -> Result<Post, ApiError> {
        publishing(|| {
            self.authorized(Request::post(&self.config.api_url("/posts")))
                .json_body(post)
        })
        .await
    }

    pub async fn update(&self, id: u64, update: &PostDraft) -> Result<Post, ApiError> {
        let request = self
            .authorized(Request::put(&self.config.api_url(&format!("/posts/{id}"))))
            .json_body(update);
        json(request?.send().await).await
    }

    pub async fn me(&self) -> Result<Profile, ApiError> {
        json(
            self.authorized(Request::get(&self.config.api_url("/me")))
                .send()
                .await,
        )
        .await
    }

    pub async fn set_name(&self, change: &NameChange) -> Result<Profile, ApiError> {
        let request = self
            .authorized(Request::put(&self.config.api_url("/me/name")))
            .json_body(change);
        json(request?.send().await).await
    }

    /// Deletes post `id`; a moderator may give the log a `reason`.
    pub async fn delete(&self, id: u64, reason: Option<&str>) -> Result<(), ApiError> {
        self.send_delete(&format!("/posts/{id}"), reason).await
    }

    /// `DELETE path?reason=...`, answered with no body.
    async fn send_delete(&self, path: &str, reason: Option<&str>) -> Result<(), ApiError> {
        let url = self.url_with(path, &[("reason", reason)]);
        let response = self.authorized(Request::delete(&url)).send().await;
        check(response).await.map(|_| ())
    }

    /// Reports what `path` names (`/posts/7`, `/posts/7/comments/<id>`).
    pub async fn report(&self, path: &str, report: &NewReport) -> Result<Report, ApiError> {
        let request = self
            .authorized(Request::post(
                &self.config.api_url(&format!("{path}/reports")),
            ))
            .json_body(report);
        json(request?.send().await).await
    }

    pub async fn queue(&self, cursor: Option<&str>) -> Result<QueuePage, ApiError> {
        let url = self.url_with("/moderation/queue", &[("cursor", cursor)]);
        json(self.authorized(Request::get(&url)).send().await).await
    }

    pub async fn dismiss(&self, target: &str, reason: Option<&str>) -> Result<(), ApiError> {
        self.send_delete(&format!("/moderation/queue/{target}"), reason)
            .await
    }

    pub async fn suspend(&self, suspension: &NewSuspension) -> Result<Suspension, ApiError> {
        let request = self
            .authorized(Request::post(
                &self.config.api_url("/moderation/suspensions"),
            ))
            .json_body(suspension);
        json(request?.send().await).await
    }

    pub async fn suspensions(&self) -> Result<SuspensionList, ApiError> {
        let url = self.config.api_url("/moderation/suspensions");
        json(self.authorized(Request::get(&url)).send().await).await
    }

    pub async fn lift(&self, person: &str, reason: Option<&str>) -> Result<(), ApiError> {
        let person: String = form_urlencoded::byte_serialize(person.as_bytes()).collect();
        self.send_delete(&format!("/moderation/suspensions/{person}"), reason)
            .await
    }

    pub async fn moderation_log(&self, cursor: Option<&str>) -> Result<LogPage, ApiError> {
        let url = self.url_with("/moderation/log", &[("cursor", cursor)]);
        json(self.authorized(Request::get(&url)).send().await).await
    }

    /// A page of post `post`'s comments: after `cursor`, or from the thread of
    /// comment `from`.
    pub async fn comments(
        &self,
        post: u64,
        cursor: Option<&str>,
        from: Option<&str>,
    ) -> Result<CommentPage, ApiError> {
        let url = self.url_with(
            &format!("/posts/{post}/comments"),
            &[("cursor", cursor), ("from", from)],
        );
        json(self.authorized(Request::get(&url)).send().await).await
    }

    pub async fn add_comment(&self, post: u64, comment: &NewComment) -> Result<Comment, ApiError> {
        publishing(|| {
            self.authorized(Request::post(
                &self.config.api_url(&format!("/posts/{post}/comments")),
            ))
            .json_body(comment)
        })
        .await
    }

    pub async fn edit_comment(
        &self,
        post: u64,
        id: &str,
        edit: &CommentEdit,
    ) -> Result<Comment, ApiError> {
        let request = self
            .authorized(Request::put(
                &self.config.api_url(&format!("/posts/{post}/comments/{id}")),
            ))
            .json_body(edit);
        json(request?.send().await).await
    }

    /// Deletes comment `id`; a moderator may give the log a `reason`.
    pub async fn delete_comment(
        &self,
        post: u64,
        id: &str,
        reason: Option<&str>,
    ) -> Result<(), ApiError> {
        self.send_delete(&format!("/posts/{post}/comments/{id}"), reason)
            .await
    }

    pub async fn notices(&self, cursor: Option<&str>) -> Result<NoticePage, ApiError> {
        let url = self.url_with("/me/notices", &[("cursor", cursor)]);
        json(self.authorized(Request::get(&url)).send().await).await
    }

    pub async fn mark_notices_read(&self) -> Result<(), ApiError> {
        let response = self
            .authorized(Request::post(&self.config.api_url("/me/notices/read")))
            .send()
            .await;
        check(response).await.map(|_| ())
    }
}

/// The longest the app waits, by itself, before publishing again after a busy board.
const REPUBLISH_WAIT_MAX_SECS: u64 = 5;

/// Sends the request `request` builds, and once more after the wait the board asked
/// for if it answered that it was busy (503 with `Retry-After`): words being
/// published are not lost to a moment of contention, and the person is told only if
/// it lasts.
async fn publishing<T: DeserializeOwned>(
    request: impl Fn() -> Result<Request, ApiError>,
) -> Result<T, ApiError> {
    let mut waited = false;
    loop {
        match check(request()?.send().await).await {
            Err(ApiError::Unavailable {
                retry_after: Some(secs),
            }) if !waited => {
                waited = true;
                sleep_ms(secs.min(REPUBLISH_WAIT_MAX_SECS) * 1000).await;
            }
            answer => return json::read(answer?).await.map_err(|_| ApiError::Server),
        }
    }
}

/// Waits `ms` milliseconds on the browser's timer.
async fn sleep_ms(ms: u64) {
    let promise = js_sys::Promise::new(&mut |resolve, _| {
        let timer = web_sys::window().map(|window| {
            window.set_timeout_with_callback_and_timeout_and_arguments_0(
                &resolve,
                i32::try_from(ms).unwrap_or(i32::MAX),
            )
        });
        if !matches!(timer, Some(Ok(_))) {
            let _ = resolve.call0(&wasm_bindgen::JsValue::NULL);
        }
    });
    let _ = wasm_bindgen_futures::JsFuture::from(promise).await;
}

async fn check(response: Result<Response, gloo_net::Error>) -> Result<Response, ApiError> {
    let response = response.map_err(|_| ApiError::Network)?;
    if response.ok() {
        return Ok(response);
    }
    let status = response.status();
    let retry_after = response
        .headers()
        .get("retry-after")
        .and_then(|v| v.trim().parse().ok());
    let body: Option<ErrorBody> = json::read(response).await.ok();
    Err(classify(status, body, retry_after))
}

async fn json<T: DeserializeOwned>(
    response: Result<Response, gloo_net::Error>,
) -> Result<T, ApiError> {
    json::read(check(response).await?)
        .await
        .map_err(|_| ApiError::Server)
}

/// A JSON request body, written by the browser ([`json`]).
trait JsonBody {
    fn json_body<T: serde::Serialize>(self, value: &T) -> Result<Request, ApiError>;
}

impl JsonBody for RequestBuilder {
    fn json_body<T: serde::Serialize>(self, value: &T) -> Result<Request, ApiError> {
        let text = json::to_string(value).map_err(|_| ApiError::Network)?;
        self.header("Content-Type", "application/json")
            .body(text)
            .map_err(|_| ApiError::Network)
    }
}

/// Maps a failed response (its status, error body and `Retry-After` seconds) to
/// what the interface says about it.
pub fn classify(status: u16, body: Option<ErrorBody>, retry_after: Option<u64>) -> ApiError {
    let code = body.as_ref().map(|b| b.error.code);
    match status {
        401 => ApiError::Unauthorized,
        403 if code == Some(ErrorCode::NameRequired) => ApiError::NameRequired,
        403 if code == Some(ErrorCode::Suspended) => ApiError::Suspended(
            body.and_then(|b| b.error.suspension)
                .unwrap_or(SuspensionNotice {
                    until: None,
                    reason: String::new(),
                }),
        ),
        409 if code == Some(ErrorCode::AlreadyReported) => ApiError::AlreadyReported,
        403 => ApiError::Forbidden,
        404 => ApiError::NotFound,
        409 if code == Some(ErrorCode::Conflict) => ApiError::Conflict {
            field: body.and_then(|b| b.error.field),
        },
        429 => ApiError::TooManyRequests { retry_after },
        400..=499 => match body {
            Some(ErrorBody { error })
                if error.code != ErrorCode::Unknown || !error.message.is_empty() =>
            {
                ApiError::Invalid {
                    field: error.field,
                    message: error.message,
                }
            }
            _ => ApiError::Invalid {
                field: None,
                message: format!("the request was refused ({status})"),
            },
        },
        503 => ApiError::Unavailable { retry_after },
        _ => ApiError::Server,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statuses_map_to_what_the_user_must_do() {
        assert_eq!(classify(401, None, None), ApiError::Unauthorized);
        assert_eq!(classify(403, None, None), ApiError::Forbidden);
        assert_eq!(classify(404, None, None), ApiError::NotFound);
        assert_eq!(classify(502, None, None), ApiError::Server);
        let name_required = ErrorBody::new(ErrorCode::NameRequired, "choose a name", None);
        assert_eq!(
            classify(403, Some(name_required), None),
            ApiError::NameRequired
        );
        let taken = ErrorBody::new(ErrorCode::Conflict, "taken", Some("display_name".into()));
        assert_eq!(
            classify(409, Some(taken), None),
            ApiError::Conflict {
                field: Some("display_name".into())
            }
        );
        let mut suspended = ErrorBody::new(ErrorCode::Suspended, "suspended", None);
        let notice = SuspensionNotice {
            until: Some("2026-12-04T10:00:00.000Z".into()),
            reason: "spam".into(),
        };
        suspended.error.suspension = Some(notice.clone());
        assert_eq!(
            classify(403, Some(suspended), None),
            ApiError::Suspended(notice)
        );
        let reported = ErrorBody::new(ErrorCode::AlreadyReported, "again", None);
        assert_eq!(
            classify(409, Some(reported), None),
            ApiError::AlreadyReported
        );
        let busy = ErrorBody::new(ErrorCode::TooManyRequests, "slow down", None);
        assert_eq!(
            classify(429, Some(busy), Some(42)),
            ApiError::TooManyRequests {
                retry_after: Some(42)
            }
        );
        assert_eq!(
            classify(503, None, None),
            ApiError::Unavailable { retry_after: None },
            "a 503 keeps the session"
        );
        let busy = ErrorBody::new(ErrorCode::Unavailable, "busy", None);
        assert_eq!(
            classify(503, Some(busy), Some(1)),
            ApiError::Unavailable {
                retry_after: Some(1)
            },
            "a busy board says when to publish again"
        );
        let body = ErrorBody::new(
            ErrorCode::Validation,
            "title must not be blank",
            Some("title".into()),
        );
        assert_eq!(
            classify(422, Some(body), None),
            ApiError::Invalid {
                field: Some("title".into()),
                message: "title must not be blank".into()
            }
        );
        assert!(matches!(
            classify(413, None, None),
            ApiError::Invalid { field: None, .. }
        ));
    }
}
