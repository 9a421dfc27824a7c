//! Libraries of reusable shapes as data: a [`LibraryItem`], the checks its shapes go through
//! wherever they were kept (a board's document, a browser's storage, a file), and
//! Excalidraw's `.excalidrawlib` files.
//!
//! ```text
//! version 1  {"type": "excalidrawlib", "version": 1, "library": [[element, …], …]}
//! version 2  {"type": "excalidrawlib", "version": 2, "source": string,
//!             "libraryItems": [{"id", "status": "published" | "unpublished",
//!                               "elements": [element, …], "name"?, "created": unix ms}, …]}
//! ```
//! Elements are read as in an Excalidraw drawing ([`super::excalidraw`]) and written back by
//! [`super::excalidraw::export`]; exports are version 2. As with every import, a file is
//! refused whole with an [`ImportError`] or comes in checked.

use std::collections::{BTreeMap, HashMap};

use serde::{Deserialize, Serialize};

use super::excalidraw::{self, Element};
use super::{check, ImportError, MAX_DEPTH};
use crate::order;
use crate::shape::Shape;

/// Most items one library (a board's, a browser's, or a file) holds.
pub const MAX_ITEMS: usize = 1_000;
/// Largest item, in bytes of its shapes' JSON: a board's library travels in its document.
pub const MAX_ITEM_BYTES: usize = 1_000_000;
/// Longest item name kept, in characters.
pub const MAX_NAME_CHARS: usize = 100;
/// The `type` of Excalidraw's library files.
pub const EXCALIDRAWLIB_TYPE: &str = "excalidrawlib";

/// A group of shapes kept to be inserted again, on any board.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct LibraryItem {
    /// Unique within its library.
    pub id: String,
    /// Empty when the item has none (see [`LibraryItem::label`]).
    pub name: String,
    /// When it was added, in unix milliseconds (libraries list the newest first).
    pub created: f64,
    /// In paint order, moved so that their bounds start at (0, 0).
    pub shapes: Vec<Shape>,
}

impl Default for LibraryItem {
    fn default() -> Self {
        Self {
            id: String::new(),
            name: String::new(),
            created: 0.0,
            shapes: Vec::new(),
        }
    }
}

impl LibraryItem {
    /// An item of `shapes` (in paint order): moved to the origin, with short z-order keys,
    /// and without arrow bindings to shapes it does not hold.
    pub fn new(id: String, name: &str, created: f64, mut shapes: Vec<Shape>) -> Self {
        let bounds = shapes.iter().map(Shape::aabb).reduce(|a, b| a.union(&b));
        let (dx, dy) = bounds.map_or((0.0, 0.0), |b| (b.x, b.y));
        let ids: Vec<String> = shapes.iter().map(|s| s.id.clone()).collect();
        let mut key = None;
        for s in &mut shapes {
            s.x -= dx;
            s.y -= dy;
            let next = order::key_after(key.as_deref());
            s.index.clone_from(&next);
            key = Some(next);
            s.start_bind = s.start_bind.take().filter(|id| ids.contains(id));
            s.end_bind = s.end_bind.take().filter(|id| ids.contains(id));
        }
        Self {
            id,
            name: check::cap_chars(name.trim().to_owned(), MAX_NAME_CHARS),
            created: if created.is_finite() { created } else { 0.0 },
            shapes,
        }
    }

    /// What a person reads for the item: its name, or how many shapes it holds.
    pub fn label(&self) -> String {
        if !self.name.is_empty() {
            return self.name.clone();
        }
        match self.shapes.len() {
            1 => "1 shape".to_owned(),
            n => format!("{n} shapes"),
        }
    }

    /// The item's shapes as JSON (the board file's `shapes` list), as a board's document keeps
    /// them.
    pub fn shapes_json(&self) -> String {
        serde_json::to_string(&self.shapes).unwrap_or_default()
    }
}

/// Shapes kept as JSON by [`LibraryItem::shapes_json`], checked as an import's are; `None`
/// for anything else (too large, damaged, or no shapes).
pub fn shapes_from_json(json: &str) -> Option<Vec<Shape>> {
    if json.len() > MAX_ITEM_BYTES || check::nesting_depth(json.as_bytes()) > MAX_DEPTH {
        return None;
    }
    #[derive(Deserialize)]
    struct Shapes(#[serde(deserialize_with = "check::at_most_shapes")] Vec<Shape>);
    let Shapes(mut shapes) = serde_json::from_slice(json.as_bytes()).ok()?;
    checked(&mut shapes).ok()?;
    (!shapes.is_empty()).then_some(shapes)
}

/// Checks and sanitises an item's shapes in place.
fn checked(shapes: &mut [Shape]) -> Result<(), ImportError> {
    let no_images = HashMap::new();
    for (i, s) in shapes.iter_mut().enumerate() {
        check::shape("shape", i, s, &no_images)?;
    }
    check::total_points(shapes)
}

/// A browser's library as kept in its storage: `{"version": 1, "items": [LibraryItem, …]}`.
pub fn items_to_json(items: &[LibraryItem]) -> String {
    #[derive(Serialize)]
    struct Kept<'a> {
        version: u32,
        items: &'a [LibraryItem],
    }
    serde_json::to_string(&Kept { version: 1, items }).unwrap_or_default()
}

/// Reads [`items_to_json`]'s JSON; damaged items are left out, and anything unreadable is an
/// empty library.
pub fn items_from_json(json: &str) -> Vec<LibraryItem> {
    #[derive(Deserialize)]
    struct Kept {
        #[serde(default, deserialize_with = "check::at_most_shapes")]
        items: Vec<serde_json::Value>,
    }
    if check::nesting_depth(json.as_bytes()) > MAX_DEPTH {
        return Vec::new();
    }
    let Ok(kept) = serde_json::from_slice::<Kept>(json.as_bytes()) else {
        return Vec::new();
    };
    let mut items: Vec<LibraryItem> = Vec::new();
    for value in kept.items.iter().take(MAX_ITEMS) {
        let Ok(mut item) = LibraryItem::deserialize(value) else {
            continue;
        };
        let fresh = !item.id.is_empty() && items.iter().all(|i| i.id != item.id);
        if fresh && !item.shapes.is_empty() && checked(&mut item.shapes).is_ok() {
            item.name = check::cap_chars(item.name, MAX_NAME_CHARS);
            items.push(item);
        }
    }
    items
}

/// What an `.excalidrawlib` file held.
#[derive(Debug, Default, PartialEq)]
pub struct LibraryImport {
    /// In the file's order, each with at least one shape; ids as in the file (when it has
    /// them), names capped, shapes at the origin.
    pub items: Vec<LibraryItem>,
    /// Elements with no shape here, by kind, with how many (sorted by kind).
    pub skipped: Vec<(String, usize)>,
    /// Items left out because nothing in them can be shown here, or too large to keep.
    pub dropped: usize,
}

#[derive(Deserialize)]
struct LibraryFile {
    #[serde(default, rename = "type")]
    kind: Option<serde_json::Value>,
    #[serde(default)]
    version: Option<serde_json::Value>,
    /// Version 1: a list of element lists.
    #[serde(default, deserialize_with = "check::at_most_shapes")]
    library: Vec<FileElements>,
    /// Version 2.
    #[serde(
        default,
        rename = "libraryItems",
        deserialize_with = "check::at_most_shapes"
    )]
    library_items: Vec<FileItem>,
}

#[derive(Deserialize)]
struct FileElements(#[serde(deserialize_with = "check::at_most_shapes")] Vec<Element>);

#[derive(Deserialize, Default)]
#[serde(default)]
struct FileItem {
    id: Option<String>,
    name: Option<String>,
    created: Option<f64>,
    #[serde(deserialize_with = "check::at_most_shapes")]
    elements: Vec<Element>,
}

/// Reads an `.excalidrawlib` file (version 1 or 2).
pub fn parse_excalidrawlib(bytes: &[u8]) -> Result<LibraryImport, ImportError> {
    if bytes.len() > check::MAX_FILE_BYTES {
        return Err(ImportError::TooLarge(format!(
            "more than the {} MB an import may have",
            check::MAX_FILE_BYTES / 1_000_000
        )));
    }
    let text = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    if check::nesting_depth(text) > MAX_DEPTH {
        return Err(ImportError::TooDeep);
    }
    let not_a_library = |detected: &str| ImportError::NotABoard {
        detected: format!("{detected}not an Excalidraw library (.excalidrawlib)"),
    };
    let trimmed = text.trim_ascii_start();
    if !trimmed.starts_with(b"{") {
        return Err(not_a_library(""));
    }
    let file: LibraryFile = serde_json::from_slice(trimmed).map_err(|e| {
        match serde_json::from_slice::<serde::de::IgnoredAny>(trimmed) {
            // Well-formed JSON whose parts have the wrong form.
            Ok(_) => ImportError::Malformed(format!(
                "a library item is not a list of Excalidraw elements ({})",
                check::cap_chars(e.to_string(), 200)
            )),
            Err(_) => check::json_error(e, "library items"),
        }
    })?;
    match &file.kind {
        Some(serde_json::Value::String(s)) if s == EXCALIDRAWLIB_TYPE => {}
        Some(serde_json::Value::String(s)) if s.starts_with("excalidraw") => {
            return Err(not_a_library("an Excalidraw drawing, "))
        }
        Some(serde_json::Value::String(s)) if s == super::FORMAT_TYPE => {
            return Err(not_a_library("a board, "))
        }
        _ => return Err(not_a_library("JSON, ")),
    }
    let version = file.version.as_ref().and_then(serde_json::Value::as_f64);
    let raw: Vec<FileItem> = match version {
        Some(1.0) => file
            .library
            .into_iter()
            .map(|FileElements(elements)| FileItem {
                elements,
                ..FileItem::default()
            })
            .collect(),
        Some(2.0) => file.library_items,
        Some(v) if v > 2.0 => {
            return Err(ImportError::UnsupportedVersion {
                found: v.to_string(),
            })
        }
        _ => {
            return Err(ImportError::Malformed(
                "the library's version is missing or unknown".into(),
            ))
        }
    };
    let mut out = LibraryImport::default();
    let mut skipped: BTreeMap<String, usize> = BTreeMap::new();
    for (n, raw) in raw.into_iter().enumerate() {
        let scene = excalidraw::scene(&raw.elements, HashMap::new())
            .map_err(|e| ImportError::Malformed(format!("library item {}: {e}", n + 1)))?;
        for (kind, count) in scene.skipped {
            *skipped.entry(kind).or_default() += count;
        }
        let item = LibraryItem::new(
            raw.id.unwrap_or_else(|| format!("item-{}", n + 1)),
            raw.name.as_deref().unwrap_or(""),
            raw.created.unwrap_or(0.0),
            scene.shapes,
        );
        let fits = item.shapes_json().len() <= MAX_ITEM_BYTES;
        if item.shapes.is_empty() || !fits || out.items.len() == MAX_ITEMS {
            out.dropped += 1;
        } else {
            out.items.push(item);
        }
    }
    out.skipped = skipped.into_iter().collect();
    Ok(out)
}

/// `items` as an `.excalidrawlib` file (version 2, compact), and the shape kinds left out
/// (see [`excalidraw::export`]).
pub fn to_excalidrawlib(items: &[LibraryItem]) -> (String, Vec<(String, usize)>) {
    #[derive(Serialize)]
    struct File<'a> {
        #[serde(rename = "type")]
        kind: &'static str,
        version: u32,
        source: &'static str,
        #[serde(rename = "libraryItems")]
        library_items: Vec<Item<'a>>,
    }
    #[derive(Serialize)]
    struct Item<'a> {
        id: &'a str,
        status: &'static str,
        created: f64,
        #[serde(skip_serializing_if = "str::is_empty")]
        name: &'a str,
        elements: Vec<excalidraw::export::Element<'a>>,
    }
    let mut skipped: BTreeMap<String, usize> = BTreeMap::new();
    let mut library_items = Vec::with_capacity(items.len());
    for item in items {
        let converted = excalidraw::export::elements(&item.shapes);
        for (kind, n) in converted.skipped {
            *skipped.entry(kind).or_default() += n;
        }
        if !converted.elements.is_empty() {
            library_items.push(Item {
                id: &item.id,
                status: "unpublished",
                created: item.created,
                name: &item.name,
                elements: converted.elements,
            });
        }
    }
    let file = File {
        kind: EXCALIDRAWLIB_TYPE,
        version: 2,
        source: "whiteboard",
        library_items,
    };
    let json = serde_json::to_string(&file).unwrap_or_default();
    (json, skipped.into_iter().collect())
}

#[cfg(test)]
mod tests;
