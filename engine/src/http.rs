//! Requests to the board's server from the browser: `fetch`, with a refusal turned into the
//! server's own message (its plain-text body), for the link, file and history requests.

use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;
use web_sys::{RequestInit, Response};

/// Sends a request; a non-2xx answer is an error carrying the server's message.
pub async fn fetch(url: &str, init: &RequestInit) -> Result<Response, String> {
    let window = web_sys::window().ok_or("no window")?;
    let response: Response = JsFuture::from(window.fetch_with_str_and_init(url, init))
        .await
        .ok()
        .and_then(|r| r.dyn_into().ok())
        .ok_or("no connection to the server")?;
    if response.ok() {
        return Ok(response);
    }
    let detail = match response.text() {
        Ok(text) => JsFuture::from(text).await.ok().and_then(|t| t.as_string()),
        Err(_) => None,
    };
    Err(detail.unwrap_or_else(|| response.status_text()))
}
