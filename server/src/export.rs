//! A board as a file: `GET /boards/{board}/export.svg`, `.png` and `.json`, and the same for
//! `server export` on the command line.
//!
//! The board is read from the store (what is stored is exactly what anyone has seen echoed),
//! drawn by `board::svg` (the function the browser's Export dialog uses too) and, for PNG,
//! rasterised by `resvg` with the system's fonts: no browser on the server. Images are embedded
//! as data URLs so a file stands alone; PNG and SVG carry the board's JSON inside, so importing
//! them brings back editable shapes.
//!
//! Both view and edit links may export. A board whose stored history is past
//! `WB_MAX_EXPORT_BYTES`, or a PNG past `WB_MAX_EXPORT_PIXELS`, is answered with 413 and a
//! message rather than tying up the server.

use std::collections::HashMap;
use std::sync::OnceLock;

use axum::extract::{Path, Query, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use base64::Engine as _;
use board::room_state::{server_doc, RoomState};
use board::svg::{BuiltinMetrics, SvgOptions};
use board::{BoardDoc, BoardId, Shape, ShapeKind};
use serde::Deserialize;
use yrs::sync::Awareness;

use crate::access::{self, Role};
use crate::error::AppError;
use crate::images::ImageId;
use crate::store::BoardStore;
use crate::AppState;

/// Query options shared by the three formats.
#[derive(Debug, Default, Deserialize)]
pub struct ExportQuery {
    pub key: Option<String>,
    /// Paint the board's background (default on).
    pub background: Option<bool>,
    /// The dark theme's colours.
    pub dark: Option<bool>,
    /// PNG pixels per board unit: 1, 2 or 3 (default 1; SVG: its width and height).
    pub scale: Option<f64>,
    /// Board units around the shapes (default 16, at most 1,000).
    pub padding: Option<f64>,
    /// Comma-separated shape ids: export only these (a selection).
    pub ids: Option<String>,
}

impl ExportQuery {
    fn options(&self) -> Result<SvgOptions, AppError> {
        let mut opts = SvgOptions::default();
        opts.background = self.background.unwrap_or(opts.background);
        opts.dark = self.dark.unwrap_or(false);
        if let Some(scale) = self.scale {
            if ![1.0, 2.0, 3.0].contains(&scale) {
                return Err(AppError::BadRequest("scale must be 1, 2 or 3.".into()));
            }
            opts.scale = scale;
        }
        if let Some(padding) = self.padding {
            if !(0.0..=1000.0).contains(&padding) {
                return Err(AppError::BadRequest(
                    "padding must be between 0 and 1000.".into(),
                ));
            }
            opts.padding = padding;
        }
        Ok(opts)
    }
}

/// A board read for export: its title and its shapes in paint order.
pub struct Scene {
    pub title: Option<String>,
    pub shapes: Vec<Shape>,
}

/// Why a board could not be exported.
#[derive(Debug, thiserror::Error)]
pub enum ExportError {
    #[error(
        "This board is too large to export here ({bytes} bytes stored; the limit is {limit})."
    )]
    TooLarge { bytes: usize, limit: usize },
    #[error("The PNG would be {width}×{height} pixels; the limit is {limit} pixels. Try a smaller scale or export SVG.")]
    TooManyPixels { width: u32, height: u32, limit: u64 },
    #[error("The drawing could not be rendered: {0}")]
    Render(String),
    #[error(transparent)]
    Store(#[from] crate::store::StoreError),
}

impl From<ExportError> for AppError {
    fn from(e: ExportError) -> Self {
        match e {
            ExportError::Store(e) => AppError::Store(e),
            ExportError::Render(msg) => {
                tracing::warn!(%msg, "export failed");
                AppError::BadRequest("This board could not be rendered as an image.".into())
            }
            other => AppError::TooLarge(other.to_string()),
        }
    }
}

/// Reads a board from the store: snapshot and log, as a room would load it.
pub async fn load(
    store: &dyn BoardStore,
    id: &BoardId,
    max_bytes: usize,
) -> Result<Scene, ExportError> {
    let stored = store.load(id).await?;
    let bytes: usize = stored.snapshot.iter().map(Vec::len).sum::<usize>()
        + stored.updates.iter().map(Vec::len).sum::<usize>();
    if bytes > max_bytes {
        return Err(ExportError::TooLarge {
            bytes,
            limit: max_bytes,
        });
    }
    let parts = stored.snapshot.iter().chain(stored.updates.iter());
    Ok(scene_of(&document(parts.map(Vec::as_slice))))
}

/// A server document holding stored history (a snapshot and updates, or one version's state),
/// applied as a room applies it.
pub fn document<'a>(parts: impl IntoIterator<Item = &'a [u8]>) -> RoomState<u8> {
    let mut state = RoomState::<u8>::new(Awareness::new(server_doc()), usize::MAX);
    state.load(parts);
    state
}

/// The board a document holds: its title and shapes in paint order.
pub fn scene_of(state: &RoomState<u8>) -> Scene {
    let doc = BoardDoc::new(state.awareness().doc().clone());
    Scene {
        title: doc.title(),
        shapes: doc.shapes().unwrap_or_default(),
    }
}

/// Runs CPU-bound drawing off the async threads.
pub async fn blocking<T: Send + 'static>(
    work: impl FnOnce() -> T + Send + 'static,
) -> Result<T, AppError> {
    tokio::task::spawn_blocking(work)
        .await
        .map_err(|e| AppError::BadRequest(format!("the drawing failed: {e}")))
}

/// Keeps only the shapes named in `ids` (comma-separated), when given.
fn select(shapes: Vec<Shape>, ids: Option<&str>) -> Vec<Shape> {
    match ids {
        None => shapes,
        Some(ids) => {
            let wanted: std::collections::HashSet<&str> = ids.split(',').collect();
            shapes
                .into_iter()
                .filter(|s| wanted.contains(s.id.as_str()))
                .collect()
        }
    }
}

/// The board's images as data URLs, keyed by the `src` shapes use. Images of other boards, or
/// gone, are left out (drawn as the placeholder).
pub async fn images(
    store: &dyn BoardStore,
    board: &BoardId,
    shapes: &[Shape],
) -> Result<HashMap<String, String>, ExportError> {
    let prefix = format!("/boards/{board}/images/");
    let mut out = HashMap::new();
    for shape in shapes.iter().filter(|s| s.kind == ShapeKind::Image) {
        let Some(src) = &shape.src else { continue };
        if out.contains_key(src) {
            continue;
        }
        let Some(id) = src
            .strip_prefix(&prefix)
            .and_then(|rest| ImageId::parse(rest.split('?').next().unwrap_or(rest)).ok())
        else {
            continue;
        };
        if let Some(image) = store.get_image(board, &id).await? {
            let data = base64::engine::general_purpose::STANDARD.encode(&image.bytes);
            out.insert(src.clone(), format!("data:{};base64,{data}", image.mime));
        }
    }
    Ok(out)
}

/// The board's JSON file (the format of `board::file`).
pub fn json(scene: &Scene, images: &HashMap<String, String>) -> String {
    board::file::to_json(scene.title.as_deref(), &scene.shapes, images)
}

/// The board as a standalone SVG with its JSON inside.
pub fn svg(scene: &Scene, images: &HashMap<String, String>, opts: &SvgOptions) -> String {
    let scene_json = json(scene, images);
    board::svg::render(
        &scene.shapes,
        &|src| images.get(src).cloned(),
        &BuiltinMetrics,
        opts,
        Some(&scene_json),
    )
}

/// The hand-writing face of board text (Architects Daughter, Latin, SIL OFL: `fonts/OFL.txt`),
/// the browser's `public/fonts` face as TrueType, which is what the rasteriser reads.
const HAND_FONT: &[u8] = include_bytes!("../fonts/ArchitectsDaughter-latin.ttf");

/// Fonts for rasterising, loaded once: the system's, with Liberation Sans (metric-compatible
/// with the widths `BuiltinMetrics` assumes) as the sans-serif face when it is installed, and
/// the hand-writing face, whose widths `BuiltinMetrics` has too.
fn fonts() -> std::sync::Arc<resvg::usvg::fontdb::Database> {
    static FONTS: OnceLock<std::sync::Arc<resvg::usvg::fontdb::Database>> = OnceLock::new();
    FONTS
        .get_or_init(|| {
            let mut db = resvg::usvg::fontdb::Database::new();
            db.load_system_fonts();
            db.load_font_data(HAND_FONT.to_vec());
            let has = |family: &str| {
                db.faces()
                    .any(|f| f.families.iter().any(|(name, _)| name == family))
            };
            if has("Liberation Sans") {
                db.set_sans_serif_family("Liberation Sans");
            }
            std::sync::Arc::new(db)
        })
        .clone()
}

/// The board as a PNG of `opts.scale` pixels per board unit, with its JSON inside. CPU-bound:
/// call it off the async threads.
pub fn png(
    scene: &Scene,
    images: &HashMap<String, String>,
    opts: &SvgOptions,
    max_pixels: u64,
) -> Result<Vec<u8>, ExportError> {
    let area = board::svg::bounds(&scene.shapes, opts);
    let width = (area.w * opts.scale).ceil().max(1.0) as u32;
    let height = (area.h * opts.scale).ceil().max(1.0) as u32;
    if u64::from(width) * u64::from(height) > max_pixels {
        return Err(ExportError::TooManyPixels {
            width,
            height,
            limit: max_pixels,
        });
    }
    let text = board::svg::render(
        &scene.shapes,
        &|src| images.get(src).cloned(),
        &BuiltinMetrics,
        opts,
        None,
    );
    let options = resvg::usvg::Options {
        fontdb: fonts(),
        ..resvg::usvg::Options::default()
    };
    let tree = resvg::usvg::Tree::from_str(&text, &options)
        .map_err(|e| ExportError::Render(e.to_string()))?;
    let mut pixmap = resvg::tiny_skia::Pixmap::new(width, height)
        .ok_or_else(|| ExportError::Render("empty image".into()))?;
    let fit = resvg::tiny_skia::Transform::from_scale(
        width as f32 / tree.size().width(),
        height as f32 / tree.size().height(),
    );
    resvg::render(&tree, fit, &mut pixmap.as_mut());
    let encoded = pixmap
        .encode_png()
        .map_err(|e| ExportError::Render(e.to_string()))?;
    board::file::png_with_scene(&encoded, &json(scene, images))
        .map_err(|e| ExportError::Render(e.to_string()))
}

/// Checks the key (view or edit may export) and reads the board and its images.
async fn prepare(
    state: &AppState,
    board: &str,
    query: &ExportQuery,
) -> Result<(BoardId, Scene, HashMap<String, String>), AppError> {
    let store = state.rooms.store().as_ref();
    let board = access::open_board(store, board, query.key.as_deref(), Role::View).await?;
    let max = state.rooms.config().max_export_bytes;
    let mut scene = load(store, &board, max).await?;
    scene.shapes = select(scene.shapes, query.ids.as_deref());
    let images = images(store, &board, &scene.shapes).await?;
    Ok((board, scene, images))
}

/// The file's name: the board's title made safe, or "board".
fn file_name(scene: &Scene, ext: &str) -> String {
    let title: String = scene
        .title
        .as_deref()
        .unwrap_or("")
        .chars()
        .map(|c| if c.is_alphanumeric() { c } else { '-' })
        .take(60)
        .collect();
    let title = title.trim_matches('-');
    let base = if title.is_empty() { "board" } else { title };
    format!("{base}.{ext}")
}

fn file(mime: &'static str, name: String, body: impl IntoResponse) -> Response {
    (
        [
            (header::CONTENT_TYPE, mime.to_owned()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{name}\""),
            ),
            (header::CACHE_CONTROL, "no-store".to_owned()),
        ],
        body,
    )
        .into_response()
}

/// `GET /boards/{board}/export.svg`
pub async fn export_svg(
    Path(board): Path<String>,
    Query(query): Query<ExportQuery>,
    State(state): State<AppState>,
) -> Result<Response, AppError> {
    let opts = query.options()?;
    let (_, scene, images) = prepare(&state, &board, &query).await?;
    let name = file_name(&scene, "svg");
    let text = blocking(move || svg(&scene, &images, &opts)).await?;
    Ok(file("image/svg+xml", name, text))
}

/// `GET /boards/{board}/export.png`
pub async fn export_png(
    Path(board): Path<String>,
    Query(query): Query<ExportQuery>,
    State(state): State<AppState>,
) -> Result<Response, AppError> {
    let opts = query.options()?;
    let (_, scene, images) = prepare(&state, &board, &query).await?;
    let name = file_name(&scene, "png");
    let max_pixels = state.rooms.config().max_export_pixels;
    let bytes = blocking(move || png(&scene, &images, &opts, max_pixels)).await??;
    Ok(file("image/png", name, bytes))
}

/// `GET /boards/{board}/export.json`
pub async fn export_json(
    Path(board): Path<String>,
    Query(query): Query<ExportQuery>,
    State(state): State<AppState>,
) -> Result<Response, AppError> {
    let (_, scene, images) = prepare(&state, &board, &query).await?;
    let name = file_name(&scene, "json");
    Ok(file("application/json", name, json(&scene, &images)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_names_come_from_the_title_made_safe() {
        let scene = |t: Option<&str>| Scene {
            title: t.map(str::to_owned),
            shapes: Vec::new(),
        };
        assert_eq!(file_name(&scene(None), "svg"), "board.svg");
        assert_eq!(
            file_name(&scene(Some("Sprint \"plan\"/2")), "png"),
            "Sprint--plan--2.png"
        );
        assert_eq!(file_name(&scene(Some("../..")), "json"), "board.json");
    }

    #[test]
    fn options_refuse_odd_scales_and_padding() {
        let q = |scale, padding| ExportQuery {
            scale,
            padding,
            ..ExportQuery::default()
        };
        assert!(q(Some(2.0), None).options().is_ok());
        assert!(q(Some(4.0), None).options().is_err());
        assert!(q(None, Some(-1.0)).options().is_err());
        assert!(q(None, Some(5000.0)).options().is_err());
    }

    #[test]
    fn the_rasteriser_has_the_hand_writing_face_the_svg_names() {
        let db = fonts();
        let name = board::svg::text::HAND_FAMILY
            .split(',')
            .next()
            .map(|f| f.trim().trim_matches('\''));
        assert_eq!(name, Some("Architects Daughter"));
        assert!(db
            .faces()
            .any(|f| f.families.iter().any(|(n, _)| Some(n.as_str()) == name)));
    }
}
