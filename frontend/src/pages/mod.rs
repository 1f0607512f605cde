//! The board's pages.

mod form;
mod list;
mod log;
mod moderation;
mod name;
mod notices;
mod post;
mod report;
mod thread;

pub use form::{EditPage, WritePage};
pub use list::Home;
pub use log::LogPage;
pub use moderation::QueuePage;
pub use name::{NameForm, ProfilePage};
pub use notices::NoticesPage;
pub use post::PostPage;

use leptos::prelude::*;

use crate::api::ApiError;
use crate::i18n::Texts;
use crate::state::{AppState, use_app};

/// A string of the interface in the current language, for a view: it follows a
/// change of language. Every use is the same closure type, so Leptos's rendering code
/// exists once for all of them rather than once per string (a closure written in
/// place is a type, and code, of its own).
pub fn tr(
    pick: fn(&'static Texts) -> &'static str,
) -> impl Fn() -> &'static str + Copy + Send + Sync + 'static {
    let app = use_app();
    move || pick(app.t())
}

/// A failed call, said in the current language. Takes the app's state rather than
/// reading the context, so it also works in a task spawned after a call returned.
pub fn describe(app: AppState, error: &ApiError) -> String {
    let t = app.t();
    match error {
        ApiError::Unauthorized => t.session_expired.to_owned(),
        ApiError::Forbidden => t.forbidden.to_owned(),
        ApiError::NameRequired => t.name_required.to_owned(),
        ApiError::Suspended(notice) => t
            .suspended
            .replace("{until}", &until(app, notice.until.as_deref()))
            .replace("{reason}", &notice.reason),
        ApiError::AlreadyReported => t.already_reported.to_owned(),
        ApiError::NotFound => t.post_not_found.to_owned(),
        ApiError::Conflict { field } if field.as_deref() == Some("display_name") => {
            t.name_taken.to_owned()
        }
        ApiError::Conflict { .. } => t.conflict.to_owned(),
        ApiError::TooManyRequests { retry_after } => t
            .too_many_writes
            .replace("{when}", &when(app, *retry_after)),
        ApiError::Invalid { message, .. } => message.clone(),
        ApiError::Server => t.server_error.to_owned(),
        ApiError::Unavailable { .. } => t.unavailable.to_owned(),
        ApiError::Network => t.network_error.to_owned(),
    }
}

/// Asks before a removal: the author confirms; a moderator removing someone else's
/// words may give a reason for the public log. `None` when the person cancelled,
/// else the reason (none for an author, or when left blank).
pub fn ask_removal(
    is_author: bool,
    confirm: &str,
    moderator_question: &str,
) -> Option<Option<String>> {
    if is_author {
        return crate::browser::confirm(confirm).then_some(None);
    }
    let reason = crate::browser::prompt(moderator_question)?;
    Some(Some(reason.trim().to_owned()).filter(|r| !r.is_empty()))
}

/// Until when a suspension lasts, in the reader's words.
pub fn until(app: AppState, until: Option<&str>) -> String {
    match until {
        Some(at) => app
            .t()
            .until_time
            .replace("{time}", &format_time(at, app.lang.get_untracked().tag())),
        None => app.t().until_lifted.to_owned(),
    }
}

/// An error box for a failed load; a 401 also ends the session.
#[component]
pub fn LoadError(error: ApiError) -> impl IntoView {
    let app = use_app();
    if error == ApiError::Unauthorized {
        app.expire();
    }
    let message = describe(app, &error);
    view! { <p class="notice error" role="alert">{message}</p> }
}

/// When something is allowed again, `retry_after` seconds from now, in the reader's
/// words ("in 40 seconds", "at 28 Nov 2026, 09:00"); a minute when the server did
/// not say.
pub fn when(app: AppState, retry_after: Option<u64>) -> String {
    let secs = retry_after.unwrap_or(60);
    let at = js_sys::Date::new_0();
    at.set_time(at.get_time() + secs as f64 * 1000.0);
    let time = format_time(
        &String::from(at.to_iso_string()),
        app.lang.get_untracked().tag(),
    );
    app.t().wait(secs, &time)
}

/// The name shown for a post's author: theirs, or a reactive "former member" for an
/// author the board no longer knows.
pub fn author_name(name: Option<String>) -> impl IntoView {
    let app = use_app();
    move || {
        name.clone()
            .unwrap_or_else(|| app.t().former_member.to_owned())
    }
}

/// The badge beside a moderator's name on what they wrote. The board sets it from
/// their verified role, and no name may say "moderator", so nobody can imitate it.
pub fn moderator_badge(moderator: bool) -> impl IntoView {
    moderator.then(|| {
        view! { " " <span class="badge" data-testid="author-badge">{tr(|t| t.moderator)}</span> }
    })
}

/// A post's timestamp in the reader's language and time zone.
pub fn format_time(rfc3339: &str, lang_tag: &str) -> String {
    let date = js_sys::Date::new(&wasm_bindgen::JsValue::from_str(rfc3339));
    if date.get_time().is_nan() {
        return rfc3339.to_owned();
    }
    let options = js_sys::Object::new();
    for (key, value) in [("dateStyle", "medium"), ("timeStyle", "short")] {
        let _ = js_sys::Reflect::set(&options, &key.into(), &value.into());
    }
    date.to_locale_string(lang_tag, &options).into()
}
