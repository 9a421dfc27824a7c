//! Files in and out of the board, in the browser, and the History panel's requests.
//!
//! - **Export**: the scene (the board or the selection) is drawn by `board::svg`, the function
//!   the server's export endpoints use, with the canvas's own text measure so labels wrap as on
//!   screen, and the hand-writing face inside when the scene uses it. PNG is that SVG drawn on
//!   a canvas at 1×–3×. PNG and SVG carry the board's JSON
//!   (`board::file`), so importing them brings back editable shapes. Images are embedded as
//!   data URLs. Downloads go through an `<a download>`; copies through the async clipboard.
//! - **Import**: `board::file::parse` reads our JSON, PNG/SVG with the scene inside,
//!   Excalidraw files and Mermaid flowchart text (`.mmd`, or pasted), and refuses anything
//!   else with a message; images are uploaded to this board; the shapes land as one undoable
//!   change at the view's centre, selected. The server keeps a version of the board first.
//! - **History**: the versions list, one version's shapes (previewed read-only on the canvas),
//!   restoring one as a change of ours, duplicating a version as a new board.
//!
//! The reading and drawing themselves are called through `crate::lazy`, so that their code is
//! fetched when first used rather than with the page.

use std::collections::HashMap;

use base64::Engine as _;
use board::svg::{Measure, SvgOptions};
use board::{Font, Shape};
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use web_sys::{Blob, BlobPropertyBag, HtmlCanvasElement, RequestInit, Url};

use crate::client::with_engine;
use crate::engine::ExportScene;
use crate::http::{bytes_of, fetch, with_key};
use crate::view::{ExportFormat, ExportOptions, VersionItem};
use crate::{lazy, random, render};

const NOT_RUNNING: &str = "The board is not ready yet.";

/// Text widths from a 2D canvas, in the board's fonts: what the board canvas measures. The
/// hand-writing face travels inside the file when the scene uses it (an SVG drawn as an image,
/// as the PNG export does, sees no face the page loaded; another machine may not have it).
struct CanvasMeasure {
    ctx: web_sys::CanvasRenderingContext2d,
    /// `@font-face` with the hand-writing face as a data URL, when fetched.
    hand_face: Option<String>,
}

impl Measure for CanvasMeasure {
    fn width(&self, text: &str, font: Font, font_size: f64) -> f64 {
        self.ctx.set_font(&render::font(font, font_size));
        self.ctx
            .measure_text(text)
            .map(|m| m.width())
            .unwrap_or(0.0)
    }

    /// Where this browser's font puts the alphabetic baseline below the canvas's "middle".
    fn baseline(&self, font: Font, font_size: f64) -> f64 {
        self.ctx.set_font(&render::font(font, font_size));
        let ascent = |baseline: &str| {
            self.ctx.set_text_baseline(baseline);
            self.ctx
                .measure_text("H")
                .map(|m| m.actual_bounding_box_ascent())
                .unwrap_or(0.0)
        };
        let offset = ascent("alphabetic") - ascent("middle");
        self.ctx.set_text_baseline("alphabetic");
        if offset.is_finite() && offset > 0.0 {
            offset
        } else {
            font_size * board::svg::text::middle_to_baseline(font)
        }
    }

    fn font_face(&self, font: Font) -> Option<String> {
        (font == Font::Hand).then(|| self.hand_face.clone())?
    }
}

/// The hand-writing face as an `@font-face` rule with a data URL, if the scene shows text in
/// it (and the face can be fetched).
async fn hand_face(scene: &ExportScene) -> Option<String> {
    let used = scene
        .shapes
        .iter()
        .any(|s| s.style.font_family == Font::Hand && s.kind.has_text() && !s.text.is_empty());
    if !used {
        return None;
    }
    let response = fetch(render::HAND_FONT_URL, &RequestInit::new())
        .await
        .ok()?;
    let bytes = bytes_of(response).await.ok()?;
    let data = base64::engine::general_purpose::STANDARD.encode(bytes);
    Some(format!(
        "@font-face{{font-family:'{}';src:url(data:font/woff2;base64,{data}) format('woff2')}}",
        render::HAND_FONT_NAME
    ))
}

fn document() -> Result<web_sys::Document, String> {
    web_sys::window()
        .and_then(|w| w.document())
        .ok_or_else(|| "no document".to_owned())
}

fn new_canvas() -> Result<HtmlCanvasElement, String> {
    document()?
        .create_element("canvas")
        .ok()
        .and_then(|c| c.dyn_into::<HtmlCanvasElement>().ok())
        .ok_or_else(|| "no canvas".to_owned())
}

fn context(canvas: &HtmlCanvasElement) -> Result<web_sys::CanvasRenderingContext2d, String> {
    canvas
        .get_context("2d")
        .ok()
        .flatten()
        .and_then(|c| c.dyn_into().ok())
        .ok_or_else(|| "no 2D canvas".to_owned())
}

async fn blob_bytes(blob: &Blob) -> Result<Vec<u8>, String> {
    let buffer = JsFuture::from(blob.array_buffer())
        .await
        .map_err(|_| "the file could not be read")?;
    Ok(js_sys::Uint8Array::new(&buffer).to_vec())
}

fn blob(bytes: &[u8], mime: &str) -> Result<Blob, String> {
    let parts = js_sys::Array::of1(&js_sys::Uint8Array::from(bytes));
    let options = BlobPropertyBag::new();
    options.set_type(mime);
    Blob::new_with_u8_array_sequence_and_options(&parts, &options).map_err(|_| "no blob".into())
}

/// The board's images as data URLs, keyed by their `src`.
async fn image_data(scene: &ExportScene) -> HashMap<String, String> {
    let mut out = HashMap::new();
    for src in scene.shapes.iter().filter_map(|s| s.src.as_ref()) {
        if out.contains_key(src) || !crate::engine::safe_image_src(src) {
            continue;
        }
        let Ok(response) = fetch(&with_key(src, scene.key.as_deref()), &RequestInit::new()).await
        else {
            continue;
        };
        let mime = response
            .headers()
            .get("content-type")
            .ok()
            .flatten()
            .unwrap_or_else(|| "image/png".into());
        if let Ok(bytes) = bytes_of(response).await {
            let data = base64::engine::general_purpose::STANDARD.encode(bytes);
            out.insert(src.clone(), format!("data:{mime};base64,{data}"));
        }
    }
    out
}

/// Draws an SVG on a canvas of `width`×`height` pixels and encodes it as PNG.
async fn rasterise(svg: &str, width: u32, height: u32) -> Result<Vec<u8>, String> {
    let source = blob(svg.as_bytes(), "image/svg+xml")?;
    let url = Url::create_object_url_with_blob(&source).map_err(|_| "no object URL")?;
    let img = web_sys::HtmlImageElement::new().map_err(|_| "no image element")?;
    img.set_src(&url);
    let decoded = JsFuture::from(img.decode()).await;
    let _ = Url::revoke_object_url(&url);
    decoded.map_err(|_| "the drawing could not be rendered".to_owned())?;
    let canvas = new_canvas()?;
    canvas.set_width(width);
    canvas.set_height(height);
    context(&canvas)?
        .draw_image_with_html_image_element_and_dw_and_dh(
            &img,
            0.0,
            0.0,
            f64::from(width),
            f64::from(height),
        )
        .map_err(|_| "the drawing could not be rendered")?;
    let encoded = js_sys::Promise::new(&mut |resolve, _reject| {
        let _ = canvas.to_blob(&resolve);
    });
    let png: Blob = JsFuture::from(encoded)
        .await
        .ok()
        .and_then(|b| b.dyn_into().ok())
        .ok_or("the image is too large for this browser; try a smaller scale")?;
    blob_bytes(&png).await
}

/// The exported file: its bytes, MIME type and name.
pub struct ExportedFile {
    pub bytes: Vec<u8>,
    pub mime: &'static str,
    pub name: String,
    /// Said with the outcome (a PNG scaled down to fit the browser's largest canvas).
    pub note: Option<String>,
}

/// The largest canvas Chromium and Firefox draw: 16,384 px a side, about 268 million pixels.
const MAX_CANVAS_SIDE: f64 = 16_384.0;
const MAX_CANVAS_PIXELS: f64 = 268_000_000.0;

/// The scale to draw a `w`×`h` area at: `wanted`, or less so that the image fits a canvas.
fn fitting_scale(w: f64, h: f64, wanted: f64) -> f64 {
    let side = MAX_CANVAS_SIDE / (w.max(h) * wanted);
    let area = (MAX_CANVAS_PIXELS / (w * h * wanted * wanted)).sqrt();
    wanted * side.min(area).min(1.0)
}

/// Draws the board (or the selection) as asked.
pub async fn export(options: ExportOptions) -> Result<ExportedFile, String> {
    let scene = with_engine(|e| e.export_scene(options.selection_only)).ok_or(NOT_RUNNING)?;
    let images = image_data(&scene).await;
    let json = lazy::scene_json(scene.title.as_deref(), &scene.shapes, &images).await?;
    let name = format!(
        "{}.{}",
        file_stem(scene.title.as_deref()),
        options.format.extension()
    );
    let svg_options = SvgOptions {
        background: options.background,
        dark: options.dark,
        scale: options.scale,
        ..SvgOptions::default()
    };
    let measure = CanvasMeasure {
        ctx: context(&new_canvas()?)?,
        hand_face: hand_face(&scene).await,
    };
    let mut note = None;
    let (bytes, mime) = match options.format {
        ExportFormat::Json => (json.into_bytes(), "application/json"),
        ExportFormat::Svg => {
            let svg =
                lazy::svg(&scene.shapes, &images, &measure, &svg_options, Some(&json)).await?;
            (svg.into_bytes(), "image/svg+xml")
        }
        ExportFormat::Png => {
            let area = lazy::svg_area(&scene.shapes, &svg_options).await?;
            let scale = fitting_scale(area.w, area.h, options.scale);
            if scale < options.scale {
                note = Some(format!(
                    " Drawn at {:.0} % to fit the browser's largest image.",
                    scale * 100.0
                ));
            }
            let width = (area.w * scale).floor().max(1.0) as u32;
            let height = (area.h * scale).floor().max(1.0) as u32;
            let svg = lazy::svg(&scene.shapes, &images, &measure, &svg_options, None).await?;
            let png = rasterise(&svg, width, height).await?;
            (lazy::png_with_scene(&png, &json).await?, "image/png")
        }
    };
    Ok(ExportedFile {
        bytes,
        mime,
        name,
        note,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn big_pngs_are_scaled_to_fit_a_canvas() {
        assert_eq!(fitting_scale(800.0, 600.0, 2.0), 2.0);
        let s = fitting_scale(20_000.0, 20_000.0, 1.0);
        assert!(s < 0.82 && 20_000.0 * s <= MAX_CANVAS_SIDE);
        let s = fitting_scale(100_000.0, 100.0, 3.0);
        assert!((100_000.0 * s - MAX_CANVAS_SIDE).abs() < 1e-6);
    }
}

pub(crate) fn file_stem(title: Option<&str>) -> String {
    let stem: String = title
        .unwrap_or("")
        .chars()
        .map(|c| if c.is_alphanumeric() { c } else { '-' })
        .take(60)
        .collect();
    let stem = stem.trim_matches('-');
    if stem.is_empty() {
        "board".into()
    } else {
        stem.into()
    }
}

/// Saves an exported file through the browser's download.
pub fn download(file: &ExportedFile) -> Result<(), String> {
    let url = Url::create_object_url_with_blob(&blob(&file.bytes, file.mime)?)
        .map_err(|_| "no object URL")?;
    let link: web_sys::HtmlAnchorElement = document()?
        .create_element("a")
        .ok()
        .and_then(|a| a.dyn_into().ok())
        .ok_or("no link element")?;
    link.set_href(&url);
    link.set_download(&file.name);
    link.click();
    // The download has started from the click; the URL may go once it has been read.
    let revoke = wasm_bindgen::closure::Closure::once_into_js(move || {
        let _ = Url::revoke_object_url(&url);
    });
    if let Some(window) = web_sys::window() {
        let _ = window
            .set_timeout_with_callback_and_timeout_and_arguments_0(revoke.unchecked_ref(), 10_000);
    }
    Ok(())
}

/// Puts an exported PNG or SVG on the system clipboard.
pub async fn copy(file: &ExportedFile) -> Result<(), String> {
    let window = web_sys::window().ok_or("no window")?;
    let items = js_sys::Object::new();
    // SVG goes as text (what other apps accept), PNG as an image.
    let (mime, data) = if file.mime == "image/png" {
        ("image/png", blob(&file.bytes, file.mime)?)
    } else {
        ("text/plain", blob(&file.bytes, "text/plain")?)
    };
    js_sys::Reflect::set(&items, &mime.into(), &data).map_err(|_| "no clipboard item")?;
    let item = web_sys::ClipboardItem::new_with_record_from_str_to_blob_promise(&items)
        .map_err(|_| "this browser cannot copy images")?;
    let written = window
        .navigator()
        .clipboard()
        .write(&js_sys::Array::of1(&item));
    JsFuture::from(written)
        .await
        .map(|_| ())
        .map_err(|_| "the clipboard refused the copy (the page must have focus)".into())
}

/// Whether a file picked, dropped or pasted may hold a board (rather than a plain image).
pub async fn holds_scene(file: &web_sys::File) -> bool {
    match blob_bytes(file).await {
        Ok(bytes) => lazy::parse_scene(&bytes).await.is_ok(),
        Err(_) => false,
    }
}

/// Imports a file's shapes onto the board; returns the message to show.
pub async fn import(file: &web_sys::File) -> Result<String, String> {
    let bytes = blob_bytes(file).await?;
    import_bytes(&bytes).await
}

/// Imports a file's bytes (see [`import`]).
pub async fn import_bytes(bytes: &[u8]) -> Result<String, String> {
    import_scene(lazy::parse_scene(bytes).await?).await
}

/// Imports a scene read from a file (see [`import`]).
async fn import_scene(mut scene: board::file::Scene) -> Result<String, String> {
    let (board_id, key, may_edit) = with_engine(|e| {
        let s = e.export_scene(false);
        (s.board_id, s.key, e.may_edit())
    })
    .ok_or(NOT_RUNNING)?;
    if !may_edit {
        return Err("This is a view-only link: nothing can be imported.".into());
    }
    if scene.shapes.is_empty() {
        return Err("The file holds no shapes this board can show.".into());
    }
    // The board as it was is kept as a version first (offline: the import goes on anyway).
    let keep = RequestInit::new();
    keep.set_method("POST");
    let _ = fetch(
        &with_key(
            &format!("/boards/{board_id}/versions?reason=import"),
            key.as_deref(),
        ),
        &keep,
    )
    .await;
    let mut uploaded = HashMap::new();
    for (src, data_url) in &scene.images {
        if let Some(src_on_board) = upload_data_url(&board_id, key.as_deref(), data_url).await {
            uploaded.insert(src.clone(), src_on_board);
        }
    }
    board::file::rewrite_sources(&mut scene, &uploaded);
    let (center, top) = with_engine(|e| (e.import_center(), e.top_index())).ok_or(NOT_RUNNING)?;
    board::file::place(&mut scene, center, top.as_deref(), &mut random::shape_id);
    let count = scene.shapes.len();
    let skipped: Vec<String> = scene
        .skipped
        .iter()
        .map(|(kind, n)| format!("{n} {kind}"))
        .collect();
    with_engine(|e| e.insert_scene(scene.shapes)).ok_or(NOT_RUNNING)?;
    let mut message = format!(
        "Imported {count} {}.",
        if count == 1 { "shape" } else { "shapes" }
    );
    if !skipped.is_empty() {
        message.push_str(&format!(
            " Skipped what this board cannot show: {}.",
            skipped.join(", ")
        ));
    }
    Ok(message)
}

/// Uploads an image given as a data URL; returns its URL on this board.
async fn upload_data_url(board: &str, key: Option<&str>, data_url: &str) -> Option<String> {
    let (_, data) = data_url.split_once(";base64,")?;
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(data.trim())
        .ok()?;
    let init = RequestInit::new();
    init.set_method("POST");
    init.set_body(&js_sys::Uint8Array::from(bytes.as_slice()));
    let response = fetch(&with_key(&format!("/boards/{board}/images"), key), &init)
        .await
        .ok()?;
    let json = JsFuture::from(response.json().ok()?).await.ok()?;
    js_sys::Reflect::get(&json, &"url".into()).ok()?.as_string()
}

// ----- History -----

fn board_and_key() -> Result<(String, Option<String>), String> {
    with_engine(|e| {
        let s = e.export_scene(false);
        (s.board_id, s.key)
    })
    .ok_or_else(|| NOT_RUNNING.to_owned())
}

/// A `GET` whose JSON answer is read as `T`.
async fn get_json<T: serde::de::DeserializeOwned>(url: &str) -> Result<T, String> {
    let response = fetch(url, &RequestInit::new()).await?;
    let text = JsFuture::from(response.text().map_err(|_| "no body")?)
        .await
        .ok()
        .and_then(|t| t.as_string())
        .ok_or("the answer was cut short")?;
    serde_json::from_str(&text).map_err(|_| "the server's answer was not understood".into())
}

/// The board's versions, newest first.
pub async fn versions() -> Result<Vec<VersionItem>, String> {
    let (board, key) = board_and_key()?;
    get_json(&with_key(
        &format!("/boards/{board}/versions"),
        key.as_deref(),
    ))
    .await
}

/// The URL of a version's drawing (thumbnails).
pub fn version_image(version: i64) -> Option<String> {
    let (board, key) = board_and_key().ok()?;
    Some(with_key(
        &format!("/boards/{board}/versions/{version}.svg"),
        key.as_deref(),
    ))
}

async fn version_shapes(version: i64) -> Result<Vec<Shape>, String> {
    let (board, key) = board_and_key()?;
    let response = fetch(
        &with_key(
            &format!("/boards/{board}/versions/{version}.json"),
            key.as_deref(),
        ),
        &RequestInit::new(),
    )
    .await?;
    let bytes = bytes_of(response).await?;
    Ok(lazy::parse_scene(&bytes).await?.shapes)
}

/// Shows a version read-only on the canvas (`None`: the board again).
pub async fn preview(version: Option<i64>) -> Result<(), String> {
    let shapes = match version {
        Some(v) => Some(version_shapes(v).await?),
        None => None,
    };
    with_engine(|e| e.set_preview(shapes)).ok_or_else(|| NOT_RUNNING.to_owned())
}

/// Restores a version as one change of ours (undoable); the board as it was is kept as a
/// version first.
pub async fn restore(version: i64) -> Result<(), String> {
    let (board, key) = board_and_key()?;
    let shapes = version_shapes(version).await?;
    let keep = RequestInit::new();
    keep.set_method("POST");
    fetch(
        &with_key(
            &format!("/boards/{board}/versions?reason=restore"),
            key.as_deref(),
        ),
        &keep,
    )
    .await
    .map_err(|e| format!("The board could not be saved as a version first: {e}"))?;
    with_engine(|e| e.restore_version(shapes)).ok_or(NOT_RUNNING)?;
    Ok(())
}

/// Copies a version (or the board now) into a new board; returns the new board's address.
pub async fn duplicate(version: Option<i64>) -> Result<String, String> {
    let (board, key) = board_and_key()?;
    let mut url = format!("/boards/{board}/duplicate");
    if let Some(v) = version {
        url.push_str(&format!("?version={v}"));
    }
    let init = RequestInit::new();
    init.set_method("POST");
    let response = fetch(&with_key(&url, key.as_deref()), &init).await?;
    let json = JsFuture::from(response.json().map_err(|_| "not JSON")?)
        .await
        .map_err(|_| "the server's answer was not understood")?;
    js_sys::Reflect::get(&json, &JsValue::from_str("url"))
        .ok()
        .and_then(|u| u.as_string())
        .ok_or_else(|| "the server's answer was not understood".into())
}

/// Shapes drawn as SVG, as a `data:` URL for an `<img>` (a picture cannot run scripts or
/// fetch anything; images show as their placeholder), `padding` board units around them. In
/// stored colours: the dark theme inverts it, as it does the canvas. Library thumbnails and
/// the Mermaid preview.
pub(crate) fn picture(shapes: &[Shape], padding: f64) -> String {
    let options = SvgOptions {
        background: false,
        dark: false,
        padding,
        scale: 1.0,
    };
    let svg = board::svg::render(
        shapes,
        &|_| None,
        &board::svg::BuiltinMetrics,
        &options,
        None,
    );
    let data = base64::engine::general_purpose::STANDARD.encode(svg);
    format!("data:image/svg+xml;base64,{data}")
}

// ----- Mermaid typed in its dialog -----

/// What a Mermaid flowchart typed in the dialog would insert, drawn as a picture (see
/// [`picture`]), or every problem with it, by line. Nothing touches the board.
pub async fn mermaid_preview(text: &str) -> Result<String, Vec<String>> {
    lazy::mermaid_picture(text)
        .await
        .unwrap_or_else(|failure| Err(vec![failure.0]))
}

/// Inserts a Mermaid flowchart typed in the dialog as an import (one undo step, selected, at
/// the view's centre); its problems, by line, when it cannot be read.
pub async fn insert_mermaid(text: String) -> Result<String, String> {
    if !board::file::mermaid::looks_like_mermaid(&text) {
        return Err(lazy::MERMAID_HEADER.into());
    }
    import_bytes(text.as_bytes()).await
}

// ----- Dropped and pasted files -----

fn notify(message: String) {
    with_engine(|e| e.after.view.notice = Some(message));
}

/// Files dropped (at `screen`) or pasted: boards, drawings with a board inside and Mermaid
/// files are imported, other images placed as images.
pub fn receive(files: Vec<web_sys::File>, screen: Option<board::Point>) {
    wasm_bindgen_futures::spawn_local(async move {
        let mut images = Vec::new();
        for file in files {
            let name = file.name().to_lowercase();
            let kind = file.type_();
            let board_file = name.ends_with(".json")
                || name.ends_with(".excalidraw")
                || name.ends_with(".mmd")
                || name.ends_with(".mermaid")
                || name.ends_with(".svg")
                || kind == "application/json"
                || kind == "image/svg+xml";
            let scene_inside = board_file || (kind == "image/png" && holds_scene(&file).await);
            if scene_inside {
                match import(&file).await {
                    Ok(message) | Err(message) => notify(message),
                }
            } else {
                images.push(file);
            }
        }
        if !images.is_empty() {
            crate::client::upload_images(images, screen);
        }
    });
}

/// Pasted text that is a board or an Excalidraw clipboard is imported, and so is text that
/// reads as a Mermaid flowchart (`graph TD`, `flowchart LR` …), even one with mistakes: the
/// notice then lists the lines that could not be read, and nothing is inserted. Text in braces
/// that turns out to be no board is pasted as text after all. Returns false for any other
/// text (for the caller to paste).
pub fn paste_scene(text: &str) -> bool {
    let trimmed = text.trim_start();
    let mermaid = board::file::mermaid::looks_like_mermaid(text);
    if !mermaid && (!trimmed.starts_with('{') || crate::engine::is_board_clipboard(trimmed)) {
        return false;
    }
    // Mermaid's problems are reported by line, counted from the text's first line.
    let text = if mermaid { text } else { trimmed }.to_owned();
    wasm_bindgen_futures::spawn_local(async move {
        let message = match lazy::parse_scene(text.as_bytes()).await {
            Ok(scene) => import_scene(scene).await,
            Err(_) if !mermaid => {
                with_engine(|e| e.paste_text(&text));
                return;
            }
            Err(failure) => Err(failure.0),
        };
        match message {
            Ok(message) | Err(message) => notify(message),
        }
    });
    true
}

// ----- The home page's list -----

/// What the home page shows of a board: its title and last change (unix milliseconds).
#[derive(Debug, Clone, PartialEq, serde::Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct BoardSummary {
    pub title: String,
    pub updated_at: f64,
    pub shapes: usize,
}

/// Asks the server about a board this browser remembers.
pub async fn summary(board: &str, key: Option<&str>) -> Result<BoardSummary, String> {
    get_json(&with_key(&format!("/boards/{board}/summary"), key)).await
}

/// Deletes a board for everyone, with the manage key this browser keeps for it.
pub async fn delete_board(board: &str) -> Result<(), String> {
    let manage = crate::access::manage_key(board)
        .ok_or("only the browser that made the board (its manager) can delete it")?;
    let init = RequestInit::new();
    init.set_method("DELETE");
    let headers = web_sys::Headers::new().map_err(|_| "no headers")?;
    headers
        .set("x-board-manage", &manage)
        .map_err(|_| "bad manage key")?;
    init.set_headers(&headers);
    fetch(&format!("/boards/{board}"), &init).await.map(|_| ())
}
