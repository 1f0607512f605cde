//! The imitation's pages for a request, in the language it asks for.

use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{Html, IntoResponse, Redirect, Response};

use crate::html;
use crate::request::{AuthorizeRequest, Refusal, Rejected};
use crate::text::{self, Lang};

pub(crate) struct Ui {
    pub(crate) lang: Lang,
}

impl Ui {
    pub(crate) fn new(request: &AuthorizeRequest, headers: &HeaderMap) -> Self {
        let accept = headers
            .get(header::ACCEPT_LANGUAGE)
            .and_then(|v| v.to_str().ok());
        Self {
            lang: text::choose(request.lang.as_deref(), accept),
        }
    }

    pub(crate) fn page(
        &self,
        status: StatusCode,
        title: &str,
        body: &str,
        request: &AuthorizeRequest,
        path: &str,
    ) -> Response {
        let switch = format!("{path}?{}", request.query(Some(self.lang.other())));
        (status, Html(html::page(self.lang, title, body, &switch))).into_response()
    }

    pub(crate) fn refusal(&self, refusal: Refusal, request: &AuthorizeRequest) -> Response {
        let t = text::texts(self.lang);
        let (status, text) = match refusal {
            Refusal::InvalidClient => (StatusCode::BAD_REQUEST, t.invalid_client),
            Refusal::RedirectMismatch => (StatusCode::BAD_REQUEST, t.redirect_mismatch),
            Refusal::Unavailable => (StatusCode::SERVICE_UNAVAILABLE, t.unavailable),
        };
        self.page(
            status,
            t.error_title,
            &html::message("error", text),
            request,
            "/oauth2/authorize",
        )
    }

    pub(crate) fn rejected(&self, rejected: Rejected, request: &AuthorizeRequest) -> Response {
        match rejected {
            Rejected::Back(url) => Redirect::to(&url).into_response(),
            Rejected::Refused(refusal) => self.refusal(refusal, request),
        }
    }

    pub(crate) fn sign_in(
        &self,
        request: &AuthorizeRequest,
        email: &str,
        notice: Option<(&str, &str)>,
    ) -> Response {
        let t = text::texts(self.lang);
        let mut body = notice
            .map(|(kind, text)| html::message(kind, text))
            .unwrap_or_default();
        body.push_str(&html::sign_in_form(
            t,
            &request.hidden(),
            email,
            &format!("/signup?{}", request.query(None)),
        ));
        let status = if matches!(notice, Some(("error", _))) {
            StatusCode::UNAUTHORIZED
        } else {
            StatusCode::OK
        };
        self.page(status, t.sign_in_title, &body, request, "/oauth2/authorize")
    }

    pub(crate) fn sign_up(
        &self,
        request: &AuthorizeRequest,
        email: &str,
        error: Option<&str>,
    ) -> Response {
        let t = text::texts(self.lang);
        let mut body = error
            .map(|text| html::message("error", text))
            .unwrap_or_default();
        body.push_str(&html::sign_up_form(
            t,
            &request.hidden(),
            email,
            &format!("/oauth2/authorize?{}", request.query(None)),
        ));
        let status = if error.is_some() {
            StatusCode::BAD_REQUEST
        } else {
            StatusCode::OK
        };
        self.page(status, t.sign_up_title, &body, request, "/signup")
    }

    pub(crate) fn confirm(
        &self,
        request: &AuthorizeRequest,
        email: &str,
        error: Option<&str>,
    ) -> Response {
        let t = text::texts(self.lang);
        let mut body = match error {
            Some(text) => html::message("error", text),
            None => html::message("info", &t.code_sent.replace("{email}", email)),
        };
        body.push_str(&html::confirm_form(t, &request.hidden(), email));
        let status = if error.is_some() {
            StatusCode::BAD_REQUEST
        } else {
            StatusCode::OK
        };
        self.page(status, t.confirm_title, &body, request, "/oauth2/authorize")
    }
}
