//! The board's pages.

mod form;
mod list;
mod post;

pub use form::{EditPage, WritePage};
pub use list::Home;
pub use post::PostPage;

use leptos::prelude::*;

use crate::api::ApiError;
use crate::state::use_app;

/// A failed call, said in the current language.
pub fn describe(error: &ApiError) -> String {
    let t = use_app().t();
    match error {
        ApiError::Unauthorized => t.session_expired.to_owned(),
        ApiError::Forbidden => t.forbidden.to_owned(),
        ApiError::NotFound => t.post_not_found.to_owned(),
        ApiError::Invalid { message, .. } => message.clone(),
        ApiError::Server => t.server_error.to_owned(),
        ApiError::Unavailable => t.unavailable.to_owned(),
        ApiError::Network => t.network_error.to_owned(),
    }
}

/// An error box for a failed load; a 401 also ends the session.
#[component]
pub fn LoadError(error: ApiError) -> impl IntoView {
    let app = use_app();
    if error == ApiError::Unauthorized {
        app.expire();
    }
    let message = describe(&error);
    view! { <p class="notice error" role="alert">{message}</p> }
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
