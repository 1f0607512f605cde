//! The few browser APIs the app uses: storage, the address bar, randomness and time.
//! Each failure (storage disabled, say) degrades to "nothing stored", never a panic.

use serde::Serialize;
use serde::de::DeserializeOwned;
use web_sys::Storage;

use crate::auth::{self, PendingSignIn, Session, SignInError};

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
    serde_json::from_str(&text).ok()
}

pub fn save<T: Serialize>(key: &str, value: &T) {
    if let (Some(storage), Ok(text)) = (session_storage(), serde_json::to_string(value)) {
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

/// 16 random bytes from `crypto.getRandomValues`, in hex.
pub fn random_hex() -> Option<String> {
    let mut bytes = [0u8; 16];
    web_sys::window()?
        .crypto()
        .ok()?
        .get_random_values_with_u8_array(&mut bytes)
        .ok()?;
    Some(auth::to_hex(&bytes))
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

pub fn confirm(message: &str) -> bool {
    web_sys::window()
        .and_then(|w| w.confirm_with_message(message).ok())
        .unwrap_or(false)
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

/// If the page was opened as the hosted UI's callback, finishes the sign-in: the
/// fragment leaves the address bar first, before anything else runs, so the token is
/// never in the history or in a link someone copies. `None` when this is no callback.
pub fn take_callback() -> Option<Result<Session, SignInError>> {
    let location = web_sys::window()?.location();
    let hash = location.hash().ok()?;
    let callback = auth::parse_fragment(&hash)?;
    replace_url(&current_path());
    let pending: Option<PendingSignIn> = load(PENDING_KEY);
    remove(PENDING_KEY);
    match auth::complete_sign_in(callback, pending.as_ref(), now()) {
        Ok((session, back)) => {
            save(SESSION_KEY, &session);
            replace_url(&back);
            Some(Ok(session))
        }
        // Somebody else's `#error=` link: gone from the address bar, and not shown.
        Err(SignInError::Unsolicited) => None,
        Err(error) => Some(Err(error)),
    }
}
