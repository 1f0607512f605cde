//! The few browser APIs the app uses: storage, the address bar, randomness and time.
//! Each failure (storage disabled, say) degrades to "nothing stored", never a panic.

use serde::Serialize;
use serde::de::DeserializeOwned;
use web_sys::Storage;

use crate::auth::{self, PendingSignIn, Returned, SignInError};

pub const SESSION_KEY: &str = "board.session";
pub const PENDING_KEY: &str = "board.pending";
pub const DRAFT_KEY: &str = "board.draft";
pub const LANG_KEY: &str = "board.lang";

fn session_storage() -> Option<Storage> {
    web_sys::window()?.session_storage().ok()?
}

fn local_storage() -> Option<Storage> {
    web_sys::window()?.local_storage().ok()?
}

/// Reads a JSON value from sessionStorage.
pub fn load<T: DeserializeOwned>(key: &str) -> Option<T> {
    let text = session_storage()?.get_item(key).ok()??;
    crate::json::from_str(&text).ok()
}

pub fn save<T: Serialize>(key: &str, value: &T) {
    if let (Some(storage), Ok(text)) = (session_storage(), crate::json::to_string(value)) {
        let _ = storage.set_item(key, &text);
    }
}

pub fn remove(key: &str) {
    if let Some(storage) = session_storage() {
        let _ = storage.remove_item(key);
    }
}

pub fn load_local(key: &str) -> Option<String> {
    local_storage()?.get_item(key).ok()?
}

pub fn save_local(key: &str, value: &str) {
    if let Some(storage) = local_storage() {
        let _ = storage.set_item(key, value);
    }
}

/// Unix seconds by the browser's clock.
pub fn now() -> u64 {
    (js_sys::Date::now() / 1000.0) as u64
}

/// `N` random bytes from `crypto.getRandomValues`.
fn random_bytes<const N: usize>() -> Option<[u8; N]> {
    let mut bytes = [0u8; N];
    web_sys::window()?
        .crypto()
        .ok()?
        .get_random_values_with_u8_array(&mut bytes)
        .ok()?;
    Some(bytes)
}

/// 16 random bytes in hex, for `state` and `nonce`.
pub fn random_hex() -> Option<String> {
    random_bytes::<16>().map(|bytes| auth::to_hex(&bytes))
}

/// A fresh PKCE code verifier (32 random bytes).
pub fn random_verifier() -> Option<String> {
    random_bytes::<32>().map(|bytes| auth::pkce_verifier(&bytes))
}

/// The path, query and fragment of the current page.
pub fn current_path() -> String {
    web_sys::window()
        .and_then(|w| {
            let l = w.location();
            Some(format!("{}{}", l.pathname().ok()?, l.search().ok()?))
        })
        .unwrap_or_else(|| "/".to_owned())
}

/// Changes the address bar without loading anything or adding a history entry.
pub fn replace_url(url: &str) {
    if let Some(history) = web_sys::window().and_then(|w| w.history().ok()) {
        let _ = history.replace_state_with_url(&wasm_bindgen::JsValue::NULL, "", Some(url));
    }
}

/// Leaves the app for `url` (the hosted UI).
pub fn go_to(url: &str) {
    if let Some(window) = web_sys::window() {
        let _ = window.location().assign(url);
    }
}

/// Scrolls the element with id `id` into view and moves the keyboard focus to it.
pub fn reveal(id: &str) {
    use wasm_bindgen::JsCast;
    let Some(element) = web_sys::window()
        .and_then(|w| w.document())
        .and_then(|d| d.get_element_by_id(id))
    else {
        return;
    };
    element.scroll_into_view();
    if let Ok(element) = element.dyn_into::<web_sys::HtmlElement>() {
        let _ = element.focus();
    }
}

pub fn confirm(message: &str) -> bool {
    web_sys::window()
        .and_then(|w| w.confirm_with_message(message).ok())
        .unwrap_or(false)
}

/// Asks `message` with a line to answer: the answer (perhaps empty), or `None` when
/// the person cancelled.
pub fn prompt(message: &str) -> Option<String> {
    web_sys::window().and_then(|w| w.prompt_with_message(message).ok().flatten())
}

/// The browser's preferred languages, most preferred first.
pub fn languages() -> Vec<String> {
    web_sys::window()
        .map(|w| {
            w.navigator()
                .languages()
                .iter()
                .filter_map(|v| v.as_string())
                .collect()
        })
        .unwrap_or_default()
}

pub fn set_document_lang(tag: &str) {
    if let Some(html) = web_sys::window()
        .and_then(|w| w.document())
        .and_then(|d| d.document_element())
    {
        let _ = html.set_attribute("lang", tag);
    }
}

/// If the page was opened as the hosted UI's callback, matches it to this tab's
/// sign-in: the query and fragment leave the address bar first, before anything
/// renders, so a token or code is never in the history or in a link someone copies.
/// The session itself is made once `config.json` is read ([`crate::state::AppState`]).
/// `None` when this is no callback.
pub fn take_callback() -> Option<Result<Returned, SignInError>> {
    let location = web_sys::window()?.location();
    let callback = auth::parse_callback(&location.search().ok()?, &location.hash().ok()?)?;
    replace_url(&location.pathname().ok()?);
    let pending: Option<PendingSignIn> = load(PENDING_KEY);
    remove(PENDING_KEY);
    match auth::check_return(callback, pending.as_ref()) {
        Ok(returned) => {
            replace_url(returned.back());
            Some(Ok(returned))
        }
        // Somebody else's `error=` link: gone from the address bar, and not shown.
        Err(SignInError::Unsolicited) => None,
        Err(error) => Some(Err(error)),
    }
}
