//! The board's links in the browser: the key in the page's address (`?key=`), what it lets this
//! person do (asked of `GET /boards/{id}/links`), the manage key kept in this browser for the
//! boards it made, and resetting the links (`POST /boards/{id}/links/reset`). The server
//! enforces every role (see the server's `access` module); this only shapes the page.

use wasm_bindgen_futures::JsFuture;
use web_sys::RequestInit;

use crate::view::{Access, Role};

const MANAGE_KEY_PREFIX: &str = "whiteboard.manage.";

/// The `key` parameter of the page's address, if any.
pub fn page_key() -> Option<String> {
    let search = web_sys::window()?.location().search().ok()?;
    web_sys::UrlSearchParams::new_with_str(&search)
        .ok()?
        .get("key")
        .filter(|k| !k.is_empty())
}

fn storage() -> Option<web_sys::Storage> {
    web_sys::window()?.local_storage().ok().flatten()
}

/// Keeps the manage key the page's address brought (`#manage=`, after "New board") and takes
/// it out of the address, so that copying the address never copies it.
pub fn keep_manage_key_from_address(board: &str) {
    let Some(window) = web_sys::window() else {
        return;
    };
    let location = window.location();
    let Some(key) = location
        .hash()
        .ok()
        .and_then(|h| h.strip_prefix("#manage=").map(str::to_owned))
        .filter(|k| !k.is_empty())
    else {
        return;
    };
    remember_manage_key(board, &key);
    if let (Ok(path), Ok(search), Ok(history)) =
        (location.pathname(), location.search(), window.history())
    {
        let _ = history.replace_state_with_url(
            &wasm_bindgen::JsValue::NULL,
            "",
            Some(&format!("{path}{search}")),
        );
    }
}

pub fn remember_manage_key(board: &str, key: &str) {
    if let Some(storage) = storage() {
        let _ = storage.set_item(&format!("{MANAGE_KEY_PREFIX}{board}"), key);
    }
}

/// The manage key this browser keeps for `board`.
pub fn manage_key(board: &str) -> Option<String> {
    storage()?
        .get_item(&format!("{MANAGE_KEY_PREFIX}{board}"))
        .ok()
        .flatten()
}

async fn fetch_json(url: &str, init: &RequestInit) -> Result<wasm_bindgen::JsValue, String> {
    let response = crate::http::fetch(url, init).await?;
    JsFuture::from(response.json().map_err(|_| "not JSON")?)
        .await
        .map_err(|_| "the server's answer was not understood".into())
}

fn field(json: &wasm_bindgen::JsValue, name: &str) -> Option<String> {
    js_sys::Reflect::get(json, &name.into()).ok()?.as_string()
}

/// What the page's key allows on `board`.
pub async fn fetch_access(board: &str, key: Option<&str>) -> Result<Access, String> {
    let mut url = format!("/boards/{board}/links");
    if let Some(key) = key {
        url.push_str(&format!("?key={key}"));
    }
    let json = fetch_json(&url, &RequestInit::new()).await?;
    let role = match field(&json, "role").as_deref() {
        Some("edit") => Role::Edit,
        Some("view") => Role::View,
        _ => return Err("unknown role".into()),
    };
    let open = js_sys::Reflect::get(&json, &"open".into())
        .ok()
        .and_then(|v| v.as_bool())
        .unwrap_or(false);
    Ok(Access {
        role,
        open,
        edit_key: field(&json, "edit"),
        view_key: field(&json, "view"),
        manage_key: manage_key(board),
    })
}

/// Replaces the board's links; returns the new edit key (the new manage key is kept).
pub async fn reset_links(board: &str, manage: Option<&str>) -> Result<String, String> {
    let init = RequestInit::new();
    init.set_method("POST");
    let headers = web_sys::Headers::new().map_err(|_| "no headers")?;
    if let Some(manage) = manage {
        headers
            .set("x-board-manage", manage)
            .map_err(|_| "bad manage key")?;
    }
    init.set_headers(&headers);
    let json = fetch_json(&format!("/boards/{board}/links/reset"), &init).await?;
    let (Some(edit), Some(manage)) = (field(&json, "edit"), field(&json, "manage")) else {
        return Err("the server's answer was not understood".into());
    };
    remember_manage_key(board, &manage);
    Ok(edit)
}
