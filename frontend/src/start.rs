//! What `frontend/start.js` asked for while the WebAssembly downloaded
//! (`window.boardStart`): `config.json`, and for a returning reader on the front page
//! their profile and the first page of posts. Each is taken once; without it, the app
//! asks itself.

use gloo_net::http::Response;
use serde::de::DeserializeOwned;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;

fn start() -> Option<JsValue> {
    let start = js_sys::Reflect::get(&web_sys::window()?.into(), &"boardStart".into()).ok()?;
    start.is_object().then_some(start)
}

/// Takes `boardStart[name]`, once.
fn take(start: &JsValue, name: &str) -> Option<JsValue> {
    let value = js_sys::Reflect::get(start, &name.into()).ok()?;
    let _ = js_sys::Reflect::delete_property(start.unchecked_ref::<js_sys::Object>(), &name.into());
    (!value.is_undefined()).then_some(value)
}

async fn response(promise: JsValue) -> Option<Response> {
    let promise = promise.dyn_into::<js_sys::Promise>().ok()?;
    let value = JsFuture::from(promise).await.ok()?;
    value
        .dyn_into::<web_sys::Response>()
        .ok()
        .map(Response::from)
}

/// The answer for `config.json`, if start.js asked (`None`: it did not, or the
/// request failed).
pub async fn config() -> Option<Response> {
    response(take(&start()?, "config")?).await
}

/// start.js's answer for `name` (`"me"`, `"firstPage"`), if it asked with `id_token`
/// (the session the app now holds). Taken once.
pub fn answer(
    name: &str,
    id_token: &str,
) -> Option<impl Future<Output = Option<Response>> + use<>> {
    let start = start()?;
    let promise = take(&start, name)?;
    let token = js_sys::Reflect::get(&start, &"token".into()).ok()?;
    (token.as_string().as_deref() == Some(id_token)).then(|| response(promise))
}

/// The body of an early answer that succeeded; `None` sends the app to ask itself
/// (and renew the token, if that was what failed).
pub async fn parsed<T: DeserializeOwned>(
    early: Option<impl Future<Output = Option<Response>>>,
) -> Option<T> {
    let response = early?.await?;
    if !response.ok() {
        return None;
    }
    crate::json::read(response).await.ok()
}
