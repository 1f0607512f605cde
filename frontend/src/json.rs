//! JSON in and out. In the browser through its own `JSON.parse` and `JSON.stringify`,
//! with serde-wasm-bindgen walking the parsed value, which spares the module
//! serde_json's parser and printer; natively (the unit tests) through serde_json.

use gloo_net::http::Response;
use serde::Serialize;
use serde::de::DeserializeOwned;

/// A response's body as JSON.
pub async fn read<T: DeserializeOwned>(response: Response) -> Result<T, String> {
    let text = response.text().await.map_err(|e| e.to_string())?;
    from_str(&text)
}

/// Parses `text` into a `T`; the error says what did not fit.
#[cfg(target_arch = "wasm32")]
pub fn from_str<T: DeserializeOwned>(text: &str) -> Result<T, String> {
    let value = js_sys::JSON::parse(text).map_err(|_| "not JSON".to_owned())?;
    serde_wasm_bindgen::from_value(value).map_err(|e| e.to_string())
}

/// `value` as JSON text.
#[cfg(target_arch = "wasm32")]
pub fn to_string<T: Serialize>(value: &T) -> Result<String, String> {
    let value = value
        .serialize(&serde_wasm_bindgen::Serializer::json_compatible())
        .map_err(|e| e.to_string())?;
    js_sys::JSON::stringify(&value)
        .ok()
        .and_then(|text| text.as_string())
        .ok_or_else(|| "not representable as JSON".to_owned())
}

#[cfg(not(target_arch = "wasm32"))]
pub fn from_str<T: DeserializeOwned>(text: &str) -> Result<T, String> {
    serde_json::from_str(text).map_err(|e| e.to_string())
}

#[cfg(not(target_arch = "wasm32"))]
pub fn to_string<T: Serialize>(value: &T) -> Result<String, String> {
    serde_json::to_string(value).map_err(|e| e.to_string())
}
