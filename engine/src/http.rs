//! Requests to the board's server from the browser: `fetch`, with a refusal turned into the
//! server's own message (its plain-text body), for the link, file, history and board-state
//! requests; a link's key added to an address; a body read as bytes; the board's state as the
//! page's head started reading it (`app::shell`).

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

/// `url` with the page's link key, when it has one.
pub fn with_key(url: &str, key: Option<&str>) -> String {
    match key {
        Some(key) => {
            let sep = if url.contains('?') { '&' } else { '?' };
            format!("{url}{sep}key={key}")
        }
        None => url.to_owned(),
    }
}

/// The body of an answer, as bytes.
pub async fn bytes_of(response: Response) -> Result<Vec<u8>, String> {
    let buffer = JsFuture::from(response.array_buffer().map_err(|_| "no body")?)
        .await
        .map_err(|_| "the answer was cut short")?;
    Ok(buffer_bytes(&buffer))
}

fn buffer_bytes(buffer: &wasm_bindgen::JsValue) -> Vec<u8> {
    js_sys::Uint8Array::new(buffer).to_vec()
}

/// A GET answered with bytes (see [`fetch`] for the errors).
pub async fn get_bytes(url: &str) -> Result<Vec<u8>, String> {
    bytes_of(fetch(url, &RequestInit::new()).await?).await
}

/// The name under which the page's head starts reading the board before the WASM has loaded
/// (`app::shell`): a promise of its bytes (an `ArrayBuffer`), or of the server's refusal.
const EARLY_STATE: &str = "whiteboardState";

/// The read of the board the page's head started (if it did), taken: a later start reads
/// afresh, and a device that holds a copy drops it.
pub fn take_early_state() -> Option<js_sys::Promise> {
    let window = web_sys::window()?;
    let name = wasm_bindgen::JsValue::from_str(EARLY_STATE);
    let promise = js_sys::Reflect::get(&window, &name).ok()?.dyn_into().ok()?;
    let _ = js_sys::Reflect::delete_property(&window, &name);
    Some(promise)
}

/// The whole board (`/boards/{board}/state` at `url`): as the page's head started reading it,
/// or read now.
pub async fn board_state(url: &str) -> Result<Vec<u8>, String> {
    let Some(promise) = take_early_state() else {
        return get_bytes(url).await;
    };
    match JsFuture::from(promise).await {
        Ok(buffer) => Ok(buffer_bytes(&buffer)),
        Err(refusal) => Err(refusal
            .as_string()
            .unwrap_or_else(|| "the board could not be read".to_owned())),
    }
}
