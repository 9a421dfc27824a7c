//! Images: uploading a file to the board's server and reading the stored image's size.

use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;
use web_sys::{HtmlImageElement, RequestInit, Response};

/// Uploads `file` to `url` (`POST /boards/{id}/images`). Returns the stored image's URL and its
/// natural size, or a message to show.
pub async fn upload(url: &str, file: &web_sys::File) -> Result<(String, f64, f64), String> {
    let window = web_sys::window().ok_or("no window")?;
    let init = RequestInit::new();
    init.set_method("POST");
    init.set_body(file);
    let response: Response = JsFuture::from(window.fetch_with_str_and_init(url, &init))
        .await
        .ok()
        .and_then(|r| r.dyn_into().ok())
        .ok_or("The image could not be uploaded: no connection to the server.")?;
    if !response.ok() {
        let detail = match response.text() {
            Ok(text) => JsFuture::from(text).await.ok().and_then(|t| t.as_string()),
            Err(_) => None,
        };
        return Err(format!(
            "The image was not accepted: {}",
            detail.unwrap_or_else(|| response.status_text())
        ));
    }
    let json = match response.json() {
        Ok(json) => JsFuture::from(json).await.ok(),
        Err(_) => None,
    };
    let src = json
        .and_then(|j| js_sys::Reflect::get(&j, &"url".into()).ok())
        .and_then(|u| u.as_string())
        .ok_or("The server's answer to the upload was not understood.")?;
    // The image is read back with the upload's key (the server shows images to key holders).
    let readable = match url.split_once('?') {
        Some((_, query)) => format!("{src}?{query}"),
        None => src.clone(),
    };
    let (w, h) = natural_size(&readable).await?;
    Ok((src, w, h))
}

async fn natural_size(src: &str) -> Result<(f64, f64), String> {
    let img = HtmlImageElement::new().map_err(|_| "no image element")?;
    let loaded = js_sys::Promise::new(&mut |resolve, reject| {
        img.set_onload(Some(&resolve));
        img.set_onerror(Some(&reject));
    });
    img.set_src(src);
    JsFuture::from(loaded)
        .await
        .map_err(|_| "The uploaded image could not be read.".to_owned())?;
    img.set_onload(None);
    img.set_onerror(None);
    Ok((
        f64::from(img.natural_width()),
        f64::from(img.natural_height()),
    ))
}
