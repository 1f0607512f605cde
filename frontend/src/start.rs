//! What `frontend/start.js` asked for while the WebAssembly downloaded
//! (`window.boardStart`): `config.json`, and for a returning reader on the front page
//! the first page of posts. Each is taken once; without it, the app asks itself.

use gloo_net::http::Response;
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

/// The answer for the first page of posts, if start.js asked for it with `id_token`
/// (the session the app now holds).
pub fn first_page(id_token: &str) -> Option<impl Future<Output = Option<Response>> + use<>> {
    let start = start()?;
    let token = take(&start, "firstPageToken")?;
    let promise = take(&start, "firstPage")?;
    (token.as_string().as_deref() == Some(id_token)).then(|| response(promise))
}
