//! Boards as files: the project's own JSON format, import of foreign files, and placing an
//! imported scene on a board. No IO: the callers read and write the bytes.
//!
//! ```text
//! {
//!   "type":    "whiteboard"                 always; how an import recognises the format
//!   "version": 1                            format version; a newer one is refused
//!   "title":   string                       optional: the board's title
//!   "shapes":  [ Shape, … ]                 in paint order, each as below
//!   "images":  { src: data URL, … }         the pixels of every image shape's `src`:
//!                                           "data:image/(png|jpeg|gif|webp);base64,…"
//! }
//! Shape {
//!   id:          string                     unique in the file; arrows' binds refer to it
//!   kind:        "rectangle" | "ellipse" | "diamond" | "pen" | "line" | "arrow" | "text"
//!                | "sticky" | "image" | "frame"
//!   x, y, w, h:  number   bounding box before rotation, board units (|value| <= 1e7)
//!   rotation:    number   radians, clockwise, about the box centre
//!   style: { stroke: CSS colour, fill: CSS colour | null, strokeWidth, dash: "solid" |
//!            "dashed" | "dotted", opacity: 0.1..=1, fontSize, fontFamily: "sans" | "hand"
//!            | "mono", sloppiness: "architect" | "artist" | "cartoonist" }
//!   points:      [ { x, y, pressure }, … ]  pen, line, arrow: relative to (x, y)
//!   text:        string   text, sticky notes, labels of rectangles, ellipses, diamonds;
//!                         a frame's name
//!   startBind,
//!   endBind:     string | null              arrows: id of the shape an end is attached to
//!   src:         string | null              images: a key of "images" (or a path on the server)
//!   group:       string | null              shapes sharing it select and move together
//!   frame:       string | null              id of the frame the shape belongs to
//!   index:       string                     fractional-index key ([`crate::order`])
//!   locked:      bool                       optional, default false: kept from clicks and
//!                                           edits ([`crate::lock`])
//!   link:        string                     optional: an http(s) or mailto address, or
//!                                           "#shape=<id>" (an id in the file); anything else
//!                                           is dropped ([`crate::link`])
//! }
//! ```
//! Missing shape fields take their defaults, as in [`Shape`]'s serde form (camelCase). The
//! same JSON travels inside PNG exports (an `iTXt` chunk, keyword [`png::PNG_KEYWORD`]) and SVG
//! exports (base64 in `<metadata>`, see [`svg_metadata_element`]), so a picture of a board
//! imports as the board.
//!
//! Import ([`parse`]) is all or nothing: a file is refused whole with an [`ImportError`] a
//! person can read, or every shape comes in checked and sanitised ([`check`] holds the limits).
//! Foreign formats: Excalidraw ([`excalidraw`]) and Mermaid flowchart text ([`mermaid`]).
//! Libraries of reusable shapes, and Excalidraw's `.excalidrawlib` files: [`library`].

pub mod check;
pub mod excalidraw;
pub mod library;
pub mod mermaid;
pub mod place;
pub mod png;

use std::collections::{BTreeMap, HashMap};

use base64::Engine as _;
use serde::{Deserialize, Serialize};

use crate::shape::Shape;
pub use check::{
    MAX_COORDINATE, MAX_DEPTH, MAX_FILE_BYTES, MAX_IMAGE_BYTES, MAX_POINTS, MAX_SHAPES,
    MAX_TEXT_CHARS,
};
pub use place::{place, rewrite_sources};
pub use png::png_with_scene;

/// The `type` of the project's JSON files.
pub const FORMAT_TYPE: &str = "whiteboard";
/// The newest format version this code writes and reads.
pub const FORMAT_VERSION: u64 = 1;
/// The XML namespace of the element that carries a board inside an exported SVG.
pub const SVG_NAMESPACE: &str = "urn:x-whiteboard:scene";

/// What an import produced: shapes ready for [`place`], and the images they show.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Scene {
    pub title: Option<String>,
    /// In paint order, checked and sanitised; ids, groups and keys as in the file (a foreign
    /// file's ids need not be unique): [`place`] gives them fresh ones.
    pub shapes: Vec<Shape>,
    /// Image `src` -> data URL, for every image shape whose pixels came with the file. The
    /// caller uploads them and then calls [`rewrite_sources`].
    pub images: HashMap<String, String>,
    /// Elements the file had that have no shape here, by kind, with how many (sorted by kind):
    /// tell the person what was left out.
    pub skipped: Vec<(String, usize)>,
}

/// Why a file could not be imported. The messages are written for the person who chose it.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ImportError {
    /// Something else than a board, named (e.g. "a JPEG image without a board inside").
    #[error("this is {detected}")]
    NotABoard { detected: String },
    #[error("the file ends too early (line {line}, column {column}): it may have been cut short")]
    Truncated { line: usize, column: usize },
    #[error("the file is damaged: {message} (line {line}, column {column})")]
    InvalidJson {
        message: String,
        line: usize,
        column: usize,
    },
    #[error("the file nests its data more than {MAX_DEPTH} levels deep")]
    TooDeep,
    /// What exceeded which limit, e.g. "more than 100000 shapes".
    #[error("the file is too large: {0}")]
    TooLarge(String),
    #[error(
        "this board was saved by a newer version of the app (format version {found}); \
         this one reads up to version {FORMAT_VERSION}"
    )]
    UnsupportedVersion { found: String },
    /// A number JSON can write but no computer can hold (like 1e999).
    #[error("a number at line {line}, column {column} is too large")]
    NumberTooLarge { line: usize, column: usize },
    /// A coordinate or size beyond [`MAX_COORDINATE`], or not a number.
    #[error("{item} {index}: {field} is {}, beyond the limit of ±1e7", show(*.value))]
    OutOfRange {
        item: &'static str,
        index: usize,
        field: String,
        value: f64,
    },
    /// A shape (or foreign element) whose field does not have the expected form.
    #[error("{item} {index}: {field}: {problem}")]
    InvalidShape {
        item: &'static str,
        index: usize,
        field: String,
        problem: String,
    },
    #[error("image {key:?}: {problem}")]
    BadImage { key: String, problem: String },
    #[error("the PNG image is damaged: {0}")]
    BadPng(String),
    /// The file has the right form but a required part is wrong or missing.
    #[error("the file is damaged: {0}")]
    Malformed(String),
    /// Mermaid text with lines that could not be read, each with its number and why.
    #[error("this Mermaid flowchart cannot be imported: {}", mermaid_problems(.0))]
    Mermaid(Vec<mermaid::LineProblem>),
}

fn mermaid_problems(problems: &[mermaid::LineProblem]) -> String {
    let lines: Vec<String> = problems.iter().map(ToString::to_string).collect();
    lines.join("; ")
}

/// The project's JSON file for `shapes` (compact; the same input gives the same bytes).
/// `images` maps image shapes' `src` to data URLs; they are written sorted by `src`.
pub fn to_json(title: Option<&str>, shapes: &[Shape], images: &HashMap<String, String>) -> String {
    #[derive(Serialize)]
    struct File<'a> {
        #[serde(rename = "type")]
        kind: &'a str,
        version: u64,
        #[serde(skip_serializing_if = "Option::is_none")]
        title: Option<&'a str>,
        shapes: &'a [Shape],
        images: BTreeMap<&'a str, &'a str>,
    }
    let file = File {
        kind: FORMAT_TYPE,
        version: FORMAT_VERSION,
        title,
        shapes,
        images: images
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect(),
    };
    // Shapes hold only strings, numbers and lists: serialising cannot fail (a non-finite
    // number would be written as null, which an import then refuses).
    serde_json::to_string(&file).unwrap_or_default()
}

/// Reads a file of any supported kind, found from its content: the project's JSON, an
/// Excalidraw file or clipboard, a PNG or SVG export that carries a board, or Mermaid
/// flowchart text.
pub fn parse(bytes: &[u8]) -> Result<Scene, ImportError> {
    if bytes.len() > MAX_FILE_BYTES {
        return Err(ImportError::TooLarge(format!(
            "{:.1} MB, more than the {} MB an import may have",
            bytes.len() as f64 / 1e6,
            MAX_FILE_BYTES / 1_000_000
        )));
    }
    if bytes.starts_with(&png::PNG_SIGNATURE) {
        return match png::scene_json(bytes)? {
            Some(json) => parse_embedded(json.as_bytes(), "PNG"),
            None => Err(not_a_board("a PNG image without a board inside")),
        };
    }
    if let Some(kind) = binary_kind(bytes) {
        return Err(not_a_board(kind));
    }
    let whole = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let start = whole.iter().position(|b| !b.is_ascii_whitespace());
    let Some(start) = start else {
        return Err(not_a_board("an empty file"));
    };
    let text = &whole[start..];
    match text[0] {
        b'{' | b'[' => parse_json(text),
        b'<' => {
            let Ok(svg) = std::str::from_utf8(text) else {
                return Err(not_a_board("a damaged text file"));
            };
            if !svg.contains("<svg") {
                return Err(not_a_board("an HTML or XML document, not a board"));
            }
            match svg_payload(svg) {
                Some(json) => parse_embedded(json?.as_bytes(), "SVG"),
                None => Err(not_a_board("an SVG image without a board inside")),
            }
        }
        // Mermaid's line numbers count from the first line, blank or not.
        _ => match std::str::from_utf8(whole) {
            Ok(text) if mermaid::looks_like_mermaid(text) => mermaid::parse(text),
            Ok(_) => Err(not_a_board("a text file, not a board")),
            Err(_) => Err(not_a_board("a file of a kind this app cannot read")),
        },
    }
}

/// A number as a person reads it: no 300-digit expansions.
fn show(value: f64) -> String {
    if value.is_finite() && value.abs() < 1e6 {
        value.to_string()
    } else {
        format!("{value:e}")
    }
}

fn not_a_board(detected: &str) -> ImportError {
    ImportError::NotABoard {
        detected: detected.to_owned(),
    }
}

/// Names well-known binary formats by their first bytes.
fn binary_kind(bytes: &[u8]) -> Option<&'static str> {
    let kinds: [(&[u8], &str); 5] = [
        (b"\xFF\xD8\xFF", "a JPEG image without a board inside"),
        (b"GIF8", "a GIF image without a board inside"),
        (b"%PDF", "a PDF document, not a board"),
        (b"PK\x03\x04", "a ZIP archive, not a board"),
        (b"\x00\x00\x01\x00", "an icon, not a board"),
    ];
    if bytes.len() >= 12 && &bytes[..4] == b"RIFF" && &bytes[8..12] == b"WEBP" {
        return Some("a WebP image without a board inside");
    }
    kinds
        .iter()
        .find(|(magic, _)| bytes.starts_with(magic))
        .map(|(_, kind)| *kind)
}

/// The board carried inside a PNG or SVG: only the project's own JSON counts.
fn parse_embedded(json: &[u8], container: &str) -> Result<Scene, ImportError> {
    parse_json(json).map_err(|e| match e {
        ImportError::NotABoard { .. } => ImportError::Malformed(format!(
            "the board data inside this {container} image is not a board"
        )),
        e => e,
    })
}

/// The fields that tell JSON files apart; everything else is skipped unread.
#[derive(Deserialize)]
struct Probe {
    #[serde(default, rename = "type")]
    kind: Option<serde_json::Value>,
    #[serde(default)]
    version: Option<serde_json::Value>,
    #[serde(default, rename = "tldrawFileFormatVersion")]
    tldraw: Option<serde::de::IgnoredAny>,
}

fn parse_json(bytes: &[u8]) -> Result<Scene, ImportError> {
    if check::nesting_depth(bytes) > MAX_DEPTH {
        return Err(ImportError::TooDeep);
    }
    if bytes.first() == Some(&b'[') {
        return Err(not_a_board("a JSON list, not a board"));
    }
    let probe: Probe = serde_json::from_slice(bytes).map_err(|e| check::json_error(e, ""))?;
    let kind = match &probe.kind {
        Some(serde_json::Value::String(s)) => s.as_str(),
        _ if probe.tldraw.is_some() => {
            return Err(not_a_board(
                "a tldraw file, which this app cannot import yet",
            ))
        }
        _ => return Err(not_a_board("JSON that is not a board")),
    };
    match kind {
        FORMAT_TYPE => {
            check_version(probe.version.as_ref())?;
            parse_whiteboard(bytes)
        }
        "excalidraw" | "excalidraw/clipboard" => excalidraw::parse(bytes),
        "excalidrawlib" => Err(not_a_board(
            "an Excalidraw library, not a drawing: import it in the Library panel",
        )),
        other => {
            let shown: String = other.chars().take(40).collect();
            Err(ImportError::NotABoard {
                detected: format!("JSON of type {shown:?}, not a board"),
            })
        }
    }
}

fn check_version(version: Option<&serde_json::Value>) -> Result<(), ImportError> {
    let Some(serde_json::Value::Number(n)) = version else {
        return Err(ImportError::Malformed(
            "the format version is missing".into(),
        ));
    };
    match n.as_f64() {
        Some(v) if v == FORMAT_VERSION as f64 => Ok(()),
        Some(v) if v > FORMAT_VERSION as f64 => Err(ImportError::UnsupportedVersion {
            found: n.to_string(),
        }),
        _ => Err(ImportError::Malformed(format!(
            "the format version {n} is not one this app wrote"
        ))),
    }
}

fn parse_whiteboard(bytes: &[u8]) -> Result<Scene, ImportError> {
    #[derive(Deserialize)]
    struct File {
        #[serde(default)]
        title: Option<String>,
        #[serde(default, deserialize_with = "check::at_most_shapes")]
        shapes: Vec<Shape>,
        #[serde(default)]
        images: HashMap<String, String>,
    }
    let file: File = match serde_json::from_slice(bytes) {
        Ok(file) => file,
        Err(e) => return Err(check::locate::<Shape>(bytes, "shapes", "shape", e)),
    };
    for (key, url) in &file.images {
        check::image_data(url).map_err(|problem| ImportError::BadImage {
            key: check::shorten(key),
            problem,
        })?;
    }
    let mut shapes = file.shapes;
    for (i, shape) in shapes.iter_mut().enumerate() {
        check::shape("shape", i, shape, &file.images)?;
    }
    check::total_points(&shapes)?;
    let mut scene = Scene {
        title: file
            .title
            .map(|t| check::cap_chars(t, check::MAX_TITLE_CHARS)),
        shapes,
        images: file.images,
        skipped: Vec::new(),
    };
    check::keep_used_images(&mut scene);
    Ok(scene)
}

/// The `<metadata>` element an SVG export carries its board in: `json` (the project's JSON,
/// from [`to_json`]) in base64 inside `<wb:scene>`, so no XML escaping can change it. The SVG
/// writer puts it as a child of the root `<svg>`; [`parse`] reads it back.
pub fn svg_metadata_element(json: &str) -> String {
    let data = base64::engine::general_purpose::STANDARD.encode(json.as_bytes());
    format!(
        "<metadata><wb:scene xmlns:wb=\"{SVG_NAMESPACE}\" encoding=\"base64\">{data}</wb:scene></metadata>"
    )
}

/// The JSON an SVG carries in its [`svg_metadata_element`], if it has one that decodes.
pub fn extract_svg_metadata(svg: &str) -> Option<String> {
    svg_payload(svg)?.ok()
}

/// `None` without the element; an error when it is there but damaged.
fn svg_payload(svg: &str) -> Option<Result<String, ImportError>> {
    let open = svg.find("<wb:scene")?;
    let rest = &svg[open..];
    let body = rest.find('>').map(|i| &rest[i + 1..]);
    let payload = body.and_then(|b| b.find("</wb:scene>").map(|end| &b[..end]));
    let damaged = || ImportError::Malformed("the board data inside this SVG is damaged".into());
    let Some(payload) = payload else {
        return Some(Err(damaged()));
    };
    let compact: Vec<u8> = payload
        .bytes()
        .filter(|b| !b.is_ascii_whitespace())
        .collect();
    let decoded = base64::engine::general_purpose::STANDARD
        .decode(compact)
        .ok()
        .and_then(|bytes| String::from_utf8(bytes).ok());
    Some(decoded.ok_or_else(damaged))
}

#[cfg(test)]
mod tests;
