//! How a board lives in a Yjs document. Any Yjs client that follows this layout can draw too.
//!
//! ```text
//! Y.Map "shapes"   shape id -> Y.Map {
//!     type:        "rect" | "ellipse" | "diamond" | "pen" | "line" | "arrow" | "text"
//!                  | "sticky" | "image" | "frame"
//!     x, y, w, h:  number   bounding box before rotation, board units
//!     rotation:    number   radians about the box centre; absent = 0
//!     stroke:      string   CSS colour (outline, stroke, text)
//!     fill:        string   CSS colour; absent = no fill
//!     strokeWidth: number
//!     dash:        "solid" | "dashed" | "dotted"; absent = solid
//!     opacity:     number   0.1..=1; absent = 1
//!     fontSize:    number   text, sticky notes, labels; absent = 20
//!     fontFamily:  "hand" | "sans" | "mono"   the face of text, notes and labels;
//!                  absent (or another value) = sans
//!     sloppiness:  "architect" | "artist" | "cartoonist"   hand-drawn outlines of rect,
//!                  ellipse, diamond, line and arrow (rough.js roughness 0, 1, 2, seeded by
//!                  the shape id: see `board::sketch`); absent (or another value) = architect,
//!                  the clean geometry
//!     points:      Uint8Array (pen, line, arrow) little-endian f32 triples (x, y, pressure),
//!                  relative to (x, y): one value per stroke, not one Yjs item per point
//!     text:        string   text and sticky notes; frames: the name; rect, ellipse, diamond: the label centred
//!                           inside (absent = none), wrapped to the shape's width
//!     startBind,
//!     endBind:     string   arrows: id of the shape an end is attached to (it follows it)
//!     src:         string   images: URL of the stored image
//!     group:       string   shapes with the same group id select and move together
//!     frame:       string   id of the frame the shape belongs to (moves with it, clipped to it)
//!     route:       "elbow"  lines and arrows routed with right angles; absent = straight
//!     index:       string   fractional-index key; paint order is ascending
//!     locked:      boolean  true: not picked by clicks, the marquee or Select all, and not
//!                           moved, resized, restyled or deleted; absent (or not `true`) =
//!                           unlocked
//!     link:        string   an absolute http(s) or mailto address, or "#shape=<id>" for a
//!                           shape of this board (see `crate::link`); absent = none. Anything
//!                           else (`javascript:`, …) reads as no link
//! }
//! Y.Map "meta"     title: string
//!                  slides: string  JSON array of frame ids: the order frames are presented in
//! Y.Map "library"  item id -> Y.Map {          the board's library (crate::library)
//!     name:        string   absent or empty = none (shown as "3 shapes")
//!     created:     number   unix milliseconds; the panel lists the newest first
//!     shapes:      string   JSON list of shapes as in the board's file format (crate::file),
//!                           moved so their bounds start at (0, 0); at most 1 MB per item,
//!                           4 MB and 1,000 items per board
//! }
//! ```
//! Entries that do not follow the layout (unknown `type`, missing numbers) are skipped when
//! reading, never fatal: a board must stay usable whatever a foreign client wrote.

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex};

use yrs::types::{DeepObservable, Event, PathSegment, ToJson};
use yrs::{Any, Doc, Map, MapPrelim, MapRef, Out, ReadTxn, Transact, TransactionMut};

use crate::guard;
use crate::order;
use crate::shape::{
    Dash, Font, PenPoint, Shape, ShapeKind, Sloppiness, Style, MAX_FONT_SIZE, MAX_STROKE_WIDTH,
    MIN_FONT_SIZE, MIN_OPACITY,
};

/// Root map holding every shape by id.
pub const SHAPES: &str = "shapes";
/// Root map holding board settings such as the title.
pub const META: &str = "meta";
pub use crate::library::LIBRARY;

/// Most frames a slide order lists.
pub const MAX_SLIDES: usize = 500;

/// Longest board title kept.
pub const MAX_TITLE_CHARS: usize = 120;

/// Why a document operation failed.
#[derive(Debug, thiserror::Error)]
pub enum LayoutError {
    #[error("the document is busy in another transaction")]
    Busy,
    #[error("the update could not be decoded: {0}")]
    Decode(String),
    #[error("the update could not be applied: {0}")]
    Apply(String),
}

/// Which shapes changed since the log was last taken (see [`BoardDoc::watch`]).
#[derive(Debug, Default)]
pub struct ChangeLog {
    /// Something changed that is not one shape (re-read everything).
    pub all: bool,
    /// Ids of shapes added, removed or edited.
    pub ids: HashSet<String>,
}

/// A yrs document with the board layout's root maps resolved.
#[derive(Clone)]
pub struct BoardDoc {
    doc: Doc,
    shapes: MapRef,
    meta: MapRef,
    library: MapRef,
}

impl BoardDoc {
    pub fn new(doc: Doc) -> Self {
        let shapes = doc.get_or_insert_map(SHAPES);
        let meta = doc.get_or_insert_map(META);
        let library = doc.get_or_insert_map(LIBRARY);
        Self {
            doc,
            shapes,
            meta,
            library,
        }
    }

    pub fn doc(&self) -> &Doc {
        &self.doc
    }

    /// The root map of shapes (the undo history's scope).
    pub(crate) fn shapes_map(&self) -> &MapRef {
        &self.shapes
    }

    /// The root map of the board's library ([`crate::library`]; in the undo history's scope).
    pub(crate) fn library_map(&self) -> &MapRef {
        &self.library
    }

    /// Every well-formed shape, in paint order (back to front).
    pub fn shapes(&self) -> Result<Vec<Shape>, LayoutError> {
        let txn = self.doc.try_transact().map_err(|_| LayoutError::Busy)?;
        Ok(self.shapes_in(&txn))
    }

    /// Every well-formed shape, in paint order, read inside an open transaction.
    pub fn shapes_in<T: ReadTxn>(&self, txn: &T) -> Vec<Shape> {
        let mut out: Vec<Shape> = self
            .shapes
            .iter(txn)
            .filter_map(|(id, value)| match value {
                Out::YMap(map) => read_shape(txn, id, &map),
                _ => None,
            })
            .collect();
        out.sort_by(|a, b| a.index.cmp(&b.index).then_with(|| a.id.cmp(&b.id)));
        out
    }

    /// One shape, if it exists and follows the layout.
    pub fn shape<T: ReadTxn>(&self, txn: &T, id: &str) -> Option<Shape> {
        match self.shapes.get(txn, id)? {
            Out::YMap(map) => read_shape(txn, id, &map),
            _ => None,
        }
    }

    /// Starts recording which shapes change, in every transaction from now on (local, remote,
    /// undo), so a reader can re-read only those.
    pub fn watch(&self) -> Arc<Mutex<ChangeLog>> {
        let log = Arc::new(Mutex::new(ChangeLog::default()));
        let sink = Arc::clone(&log);
        self.shapes.observe_deep("change-log", move |txn, events| {
            let Ok(mut log) = sink.lock() else {
                return;
            };
            for event in events.iter() {
                match (event.path().front(), event) {
                    // Inside one shape's map.
                    (Some(PathSegment::Key(id)), _) => {
                        log.ids.insert(id.to_string());
                    }
                    // Shapes added or removed.
                    (None, Event::Map(map)) => {
                        let keys = map.keys(txn).keys().map(|k| k.to_string());
                        log.ids.extend(keys);
                    }
                    _ => log.all = true,
                }
            }
        });
        log
    }

    /// The board title, if one was set.
    pub fn title(&self) -> Option<String> {
        let txn = self.doc.try_transact().ok()?;
        match self.meta.get(&txn, "title")? {
            Out::Any(Any::String(s)) => Some(s.to_string()),
            _ => None,
        }
    }

    /// Sets the board title (trimmed, at most [`MAX_TITLE_CHARS`]); an empty one removes it.
    pub fn set_title(&self, txn: &mut TransactionMut, title: &str) {
        let title: String = title.trim().chars().take(MAX_TITLE_CHARS).collect();
        if title.is_empty() {
            self.meta.remove(txn, "title");
        } else {
            self.meta.insert(txn, "title", title);
        }
    }

    /// The slide order set in the slides panel: frame ids, first slide first (frames left out
    /// follow in reading order, see [`crate::frame::slides`]). Empty when none was set or the
    /// stored value is not a list of strings.
    pub fn slide_order(&self) -> Vec<String> {
        let Ok(txn) = self.doc.try_transact() else {
            return Vec::new();
        };
        match self.meta.get(&txn, "slides") {
            Some(Out::Any(Any::String(s))) => serde_json::from_str(&s).unwrap_or_default(),
            _ => Vec::new(),
        }
    }

    /// Sets the slide order (at most [`MAX_SLIDES`] ids are kept).
    pub fn set_slide_order(&self, txn: &mut TransactionMut, ids: &[String]) {
        let ids = &ids[..ids.len().min(MAX_SLIDES)];
        let json = serde_json::to_string(ids).unwrap_or_default();
        self.meta.insert(txn, "slides", json);
    }

    /// Runs `f` in one local transaction and returns its result with the v1 update it produced
    /// (empty when nothing changed). `origin` tags the transaction (undo scoping, echo filters).
    pub fn change<R>(
        &self,
        origin: &str,
        f: impl FnOnce(&mut TransactionMut, &Self) -> R,
    ) -> Result<(R, Vec<u8>), LayoutError> {
        let mut txn = self
            .doc
            .try_transact_mut_with(origin)
            .map_err(|_| LayoutError::Busy)?;
        let result = f(&mut txn, self);
        let update = if txn.before_state() == txn.after_state() && txn.delete_set().is_empty() {
            Vec::new()
        } else {
            txn.encode_update_v1()
        };
        Ok((result, update))
    }

    /// Adds or replaces a shape.
    pub fn put(&self, txn: &mut TransactionMut, shape: &Shape) {
        let fields: HashMap<String, Any> = shape_fields(shape).into_iter().collect();
        let prelim: MapPrelim = fields.into_iter().collect();
        self.shapes.insert(txn, shape.id.as_str(), prelim);
    }

    /// Writes one field of a shape (`None` removes it); returns false when the shape no longer
    /// exists. Editing single fields lets two people change different properties of one shape
    /// at once without either change being lost.
    pub fn set(&self, txn: &mut TransactionMut, id: &str, key: &str, value: Option<Any>) -> bool {
        match self.shapes.get(txn, id) {
            Some(Out::YMap(map)) => {
                match value {
                    Some(v) => {
                        let unchanged =
                            matches!(map.get(txn, key), Some(Out::Any(old)) if old == v);
                        if !unchanged {
                            map.insert(txn, key, v);
                        }
                    }
                    None => {
                        map.remove(txn, key);
                    }
                }
                true
            }
            _ => false,
        }
    }

    /// Moves a shape's top-left corner; returns false when the shape no longer exists.
    pub fn set_position(&self, txn: &mut TransactionMut, id: &str, x: f64, y: f64) -> bool {
        self.set(txn, id, "x", Some(x.into())) && self.set(txn, id, "y", Some(y.into()))
    }

    /// Writes a shape's geometry (box, rotation, points, font size) and leaves the rest.
    pub fn set_geometry(&self, txn: &mut TransactionMut, shape: &Shape) -> bool {
        const GEOMETRY: [&str; 7] = ["x", "y", "w", "h", "rotation", "points", "fontSize"];
        let mut fields = shape_fields(shape);
        if shape.rotation == 0.0 {
            fields.push(("rotation".into(), 0.0.into()));
        }
        let mut exists = true;
        for (key, value) in fields {
            if GEOMETRY.contains(&key.as_str()) {
                exists &= self.set(txn, &shape.id, &key, Some(value));
            }
        }
        exists
    }

    /// Removes a shape; returns false when it did not exist.
    pub fn remove(&self, txn: &mut TransactionMut, id: &str) -> bool {
        self.shapes.remove(txn, id).is_some()
    }

    /// A z-order key above every shape on the board.
    pub fn next_index<T: ReadTxn>(&self, txn: &T) -> String {
        let top = self
            .shapes
            .iter(txn)
            .filter_map(|(_, v)| match v {
                Out::YMap(map) => string(txn, &map, "index"),
                _ => None,
            })
            .max();
        order::key_after(top.as_deref())
    }

    /// Applies a remote v1 update. Returns true when it, or parts of it, wait for missing
    /// updates (the caller should ask the peer for a fresh sync step 1). An update that would
    /// leave a gap in a client's clocks is not applied at all ([`crate::guard`]).
    pub fn apply_remote(&self, update: &[u8], origin: &str) -> Result<bool, LayoutError> {
        let mut txn = self
            .doc
            .try_transact_mut_with(origin)
            .map_err(|_| LayoutError::Busy)?;
        let update = match guard::decode(update, &txn.state_vector()) {
            Ok(update) => update,
            Err(refused) if refused.is_missing_dependency() => return Ok(true),
            Err(refused) => return Err(LayoutError::Decode(refused.to_string())),
        };
        txn.apply_update(update)
            .map_err(|e| LayoutError::Apply(e.to_string()))?;
        Ok(txn.store().pending_update().is_some() || txn.store().pending_ds().is_some())
    }

    /// The whole document as JSON (tests and debugging).
    pub fn to_json(&self) -> Option<Any> {
        let txn = self.doc.try_transact().ok()?;
        Some(self.shapes.to_json(&txn))
    }
}

fn number<T: ReadTxn>(txn: &T, map: &MapRef, key: &str) -> Option<f64> {
    match map.get(txn, key)? {
        Out::Any(Any::Number(n)) => n.as_f64().filter(|v| v.is_finite()),
        _ => None,
    }
}

fn string<T: ReadTxn>(txn: &T, map: &MapRef, key: &str) -> Option<String> {
    match map.get(txn, key)? {
        Out::Any(Any::String(s)) => Some(s.to_string()),
        _ => None,
    }
}

fn read_shape<T: ReadTxn>(txn: &T, id: &str, map: &MapRef) -> Option<Shape> {
    let kind = ShapeKind::parse(&string(txn, map, "type")?)?;
    let points = match (kind.is_polyline(), map.get(txn, "points")) {
        (true, Some(Out::Any(Any::Buffer(buf)))) => decode_points(&buf),
        _ => Vec::new(),
    };
    let defaults = Style::default();
    let text = |key: &str| string(txn, map, key).filter(|s| !s.is_empty());
    Some(Shape {
        id: id.to_owned(),
        kind,
        x: number(txn, map, "x")?,
        y: number(txn, map, "y")?,
        w: number(txn, map, "w").unwrap_or(0.0).max(0.0),
        h: number(txn, map, "h").unwrap_or(0.0).max(0.0),
        rotation: number(txn, map, "rotation").unwrap_or(0.0) % std::f64::consts::TAU,
        style: Style {
            stroke: string(txn, map, "stroke").unwrap_or(defaults.stroke),
            fill: string(txn, map, "fill"),
            stroke_width: number(txn, map, "strokeWidth")
                .filter(|w| *w > 0.0)
                .map_or(defaults.stroke_width, |w| w.min(MAX_STROKE_WIDTH)),
            dash: string(txn, map, "dash")
                .and_then(|d| Dash::parse(&d))
                .unwrap_or_default(),
            opacity: number(txn, map, "opacity").map_or(1.0, |o| o.clamp(MIN_OPACITY, 1.0)),
            font_size: number(txn, map, "fontSize").map_or(defaults.font_size, |f| {
                f.clamp(MIN_FONT_SIZE, MAX_FONT_SIZE)
            }),
            elbow: kind.is_polyline() && string(txn, map, "route").as_deref() == Some("elbow"),
            sloppiness: string(txn, map, "sloppiness")
                .and_then(|s| Sloppiness::parse(&s))
                .unwrap_or_default(),
            font_family: string(txn, map, "fontFamily")
                .and_then(|f| Font::parse(&f))
                .unwrap_or_default(),
        },
        points,
        text: string(txn, map, "text").unwrap_or_default(),
        start_bind: text("startBind"),
        end_bind: text("endBind"),
        src: text("src"),
        group: text("group"),
        frame: text("frame"),
        index: string(txn, map, "index").unwrap_or_default(),
        locked: matches!(map.get(txn, "locked"), Some(Out::Any(Any::Bool(true)))),
        link: crate::link::sanitise(text("link").as_deref()),
    })
}

/// Every field a shape stores, defaults left out.
fn shape_fields(shape: &Shape) -> Vec<(String, Any)> {
    let mut fields: Vec<(String, Any)> = vec![
        ("type".into(), shape.kind.as_str().into()),
        ("x".into(), shape.x.into()),
        ("y".into(), shape.y.into()),
        ("w".into(), shape.w.into()),
        ("h".into(), shape.h.into()),
        ("stroke".into(), shape.style.stroke.as_str().into()),
        ("strokeWidth".into(), shape.style.stroke_width.into()),
        ("index".into(), shape.index.as_str().into()),
    ];
    let mut optional = |key: &str, value: Option<Any>| {
        if let Some(v) = value {
            fields.push((key.into(), v));
        }
    };
    optional(
        "rotation",
        (shape.rotation != 0.0).then(|| shape.rotation.into()),
    );
    optional("fill", shape.style.fill.as_deref().map(Any::from));
    optional(
        "dash",
        (shape.style.dash != Dash::Solid).then(|| shape.style.dash.as_str().into()),
    );
    optional(
        "opacity",
        (shape.style.opacity < 1.0).then(|| shape.style.opacity.into()),
    );
    optional(
        "fontSize",
        shape
            .kind
            .keeps_text()
            .then(|| shape.style.font_size.into()),
    );
    optional(
        "route",
        (shape.style.elbow && shape.kind.is_polyline()).then(|| "elbow".into()),
    );
    optional(
        "fontFamily",
        (shape.style.font_family != Font::Sans).then(|| shape.style.font_family.as_str().into()),
    );
    optional(
        "sloppiness",
        (shape.style.sloppiness != Sloppiness::Architect)
            .then(|| shape.style.sloppiness.as_str().into()),
    );
    optional(
        "points",
        shape
            .kind
            .is_polyline()
            .then(|| encode_points(&shape.points).into()),
    );
    optional(
        "text",
        (shape.kind.keeps_text() && !(shape.kind.is_closed() && shape.text.is_empty()))
            .then(|| shape.text.as_str().into()),
    );
    optional("startBind", shape.start_bind.as_deref().map(Any::from));
    optional("endBind", shape.end_bind.as_deref().map(Any::from));
    optional("src", shape.src.as_deref().map(Any::from));
    optional("group", shape.group.as_deref().map(Any::from));
    optional("frame", shape.frame.as_deref().map(Any::from));
    optional("locked", shape.locked.then_some(Any::Bool(true)));
    optional(
        "link",
        crate::link::sanitise(shape.link.as_deref()).map(Any::from),
    );
    fields
}

/// Packs pen points as little-endian f32 triples.
pub fn encode_points(points: &[PenPoint]) -> Vec<u8> {
    let mut out = Vec::with_capacity(points.len() * 12);
    for p in points {
        out.extend_from_slice(&p.x.to_le_bytes());
        out.extend_from_slice(&p.y.to_le_bytes());
        out.extend_from_slice(&p.pressure.to_le_bytes());
    }
    out
}

/// Unpacks pen points; a trailing partial triple or a non-finite value is dropped.
pub fn decode_points(bytes: &[u8]) -> Vec<PenPoint> {
    bytes
        .chunks_exact(12)
        .filter_map(|c| {
            let f = |i: usize| f32::from_le_bytes([c[i], c[i + 1], c[i + 2], c[i + 3]]);
            let p = PenPoint {
                x: f(0),
                y: f(4),
                pressure: f(8),
            };
            (p.x.is_finite() && p.y.is_finite() && p.pressure.is_finite()).then_some(p)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::shape::Point;
    use yrs::{Doc, StateVector};

    fn rect(id: &str, index: &str) -> Shape {
        Shape {
            id: id.into(),
            kind: ShapeKind::Rectangle,
            x: 10.0,
            y: 20.0,
            w: 30.0,
            h: 40.0,
            style: Style::default(),
            index: index.into(),
            ..Shape::default()
        }
    }

    #[test]
    fn shapes_round_trip_through_the_document() {
        let board = BoardDoc::new(Doc::new());
        let pen = Shape::pen(
            "p1".into(),
            "a1".into(),
            Style::default(),
            &[(Point::new(1.0, 2.0), 0.3), (Point::new(5.0, 9.0), 0.7)],
        );
        let (_, update) = board
            .change("local", |txn, b| {
                b.put(txn, &rect("r1", "a0"));
                b.put(txn, &pen);
            })
            .unwrap();
        assert!(!update.is_empty());
        let shapes = board.shapes().unwrap();
        assert_eq!(shapes, vec![rect("r1", "a0"), pen]);
    }

    #[test]
    fn local_update_converges_on_a_second_document() {
        let a = BoardDoc::new(Doc::new());
        let b = BoardDoc::new(Doc::new());
        let (_, u1) = a
            .change("local", |txn, d| d.put(txn, &rect("r1", "a0")))
            .unwrap();
        let (_, u2) = a
            .change("local", |txn, d| d.set_position(txn, "r1", 100.0, 200.0))
            .unwrap();
        assert!(!b.apply_remote(&u1, "remote").unwrap());
        assert!(!b.apply_remote(&u2, "remote").unwrap());
        let moved = &b.shapes().unwrap()[0];
        assert_eq!((moved.x, moved.y), (100.0, 200.0));
    }

    #[test]
    fn an_update_with_missing_dependencies_is_reported_pending() {
        let a = BoardDoc::new(Doc::new());
        let b = BoardDoc::new(Doc::new());
        let (_, _first) = a
            .change("l", |txn, d| d.put(txn, &rect("r1", "a0")))
            .unwrap();
        let (_, second) = a
            .change("l", |txn, d| d.set_position(txn, "r1", 1.0, 1.0))
            .unwrap();
        assert!(b.apply_remote(&second, "remote").unwrap());
        let full = a
            .doc()
            .transact()
            .encode_state_as_update_v1(&StateVector::default());
        assert!(!b.apply_remote(&full, "remote").unwrap());
        assert_eq!(b.shapes().unwrap().len(), 1);
    }

    #[test]
    fn no_change_means_an_empty_update() {
        let board = BoardDoc::new(Doc::new());
        let (moved, update) = board
            .change("l", |txn, d| d.set_position(txn, "missing", 1.0, 1.0))
            .unwrap();
        assert!(!moved);
        assert!(update.is_empty());
    }

    #[test]
    fn foreign_entries_are_skipped() {
        let board = BoardDoc::new(Doc::new());
        board
            .change("l", |txn, d| {
                d.shapes
                    .insert(txn, "junk", MapPrelim::from([("type", "triangle")]));
                d.shapes.insert(txn, "text", "not a map");
                d.put(txn, &rect("ok", "a0"));
            })
            .unwrap();
        let shapes = board.shapes().unwrap();
        assert_eq!(shapes.len(), 1);
        assert_eq!(shapes[0].id, "ok");
    }

    #[test]
    fn locks_and_links_round_trip_and_foreign_values_are_tolerated() {
        let board = BoardDoc::new(Doc::new());
        let linked = Shape {
            locked: true,
            link: Some("https://example.com".into()),
            ..rect("a", "a0")
        };
        let unsafe_link = Shape {
            link: Some("JavaScript:alert(1)".into()),
            ..rect("b", "a1")
        };
        board
            .change("l", |txn, d| {
                d.put(txn, &linked);
                d.put(txn, &unsafe_link);
                // A foreign client's values: a lock that is not a boolean, a script link.
                d.put(txn, &rect("c", "a2"));
                d.set(txn, "c", "locked", Some("yes".into()));
                d.set(txn, "c", "link", Some("javascript:alert(1)".into()));
            })
            .unwrap();
        let shapes = board.shapes().unwrap();
        assert_eq!(shapes[0], linked);
        assert_eq!((shapes[1].locked, shapes[1].link.as_deref()), (false, None));
        assert_eq!((shapes[2].locked, shapes[2].link.as_deref()), (false, None));
        let txn = board.doc().transact();
        let b = match board.shapes.get(&txn, "b") {
            Some(Out::YMap(m)) => m,
            _ => panic!("b is a map"),
        };
        assert!(
            b.get(&txn, "link").is_none(),
            "an unsafe link is never written"
        );
    }

    #[test]
    fn next_index_is_above_every_shape() {
        let board = BoardDoc::new(Doc::new());
        board
            .change("l", |txn, d| {
                d.put(txn, &rect("a", "a5"));
                d.put(txn, &rect("b", "a2"));
            })
            .unwrap();
        let txn = board.doc().transact();
        assert_eq!(board.next_index(&txn), "a6");
    }

    #[test]
    fn the_change_log_names_the_shapes_that_changed() {
        let board = BoardDoc::new(Doc::new());
        board
            .change("l", |txn, d| {
                d.put(txn, &rect("a", "a0"));
                d.put(txn, &rect("b", "a1"));
            })
            .unwrap();
        let log = board.watch();
        board
            .change("l", |txn, d| d.set_position(txn, "a", 5.0, 5.0))
            .unwrap();
        let (_, update) = {
            let other = BoardDoc::new(Doc::new());
            other
                .change("r", |txn, d| d.put(txn, &rect("c", "a2")))
                .unwrap()
        };
        board.apply_remote(&update, "remote").unwrap();
        board.change("l", |txn, d| d.remove(txn, "b")).unwrap();
        let taken = std::mem::take(&mut *log.lock().unwrap());
        assert!(!taken.all);
        let mut ids: Vec<_> = taken.ids.into_iter().collect();
        ids.sort();
        assert_eq!(ids, ["a", "b", "c"]);
        let txn = board.doc().transact();
        assert_eq!(board.shape(&txn, "a").map(|s| (s.x, s.y)), Some((5.0, 5.0)));
        assert_eq!(board.shape(&txn, "b"), None);
    }

    #[test]
    fn titles_are_trimmed_capped_and_removed_when_empty() {
        let board = BoardDoc::new(Doc::new());
        board
            .change("l", |txn, d| d.set_title(txn, "  Sprint plan "))
            .unwrap();
        assert_eq!(board.title().as_deref(), Some("Sprint plan"));
        board
            .change("l", |txn, d| d.set_title(txn, &"x".repeat(500)))
            .unwrap();
        assert_eq!(board.title().map(|t| t.len()), Some(MAX_TITLE_CHARS));
        board.change("l", |txn, d| d.set_title(txn, "   ")).unwrap();
        assert_eq!(board.title(), None);
    }

    #[test]
    fn the_hand_drawn_look_round_trips_and_absent_or_foreign_values_are_the_clean_look() {
        let board = BoardDoc::new(Doc::new());
        let mut sketchy = rect("s", "a0");
        sketchy.style.sloppiness = Sloppiness::Cartoonist;
        sketchy.style.font_family = Font::Hand;
        board
            .change("l", |txn, d| {
                d.put(txn, &sketchy);
                d.put(txn, &rect("plain", "a1"));
                d.put(txn, &rect("odd", "a2"));
                d.set(txn, "odd", "sloppiness", Some("wobbly".into()));
                d.set(txn, "odd", "fontFamily", Some(3.0.into()));
            })
            .unwrap();
        let shapes = board.shapes().unwrap();
        assert_eq!(shapes[0], sketchy);
        for s in &shapes[1..] {
            assert_eq!(s.style.sloppiness, Sloppiness::Architect);
            assert_eq!(s.style.font_family, Font::Sans);
        }
        // Today's look stores nothing new: old boards and clients see no change.
        let json = board.to_json().unwrap();
        let Any::Map(all) = json else { panic!() };
        let Some(Any::Map(plain)) = all.get("plain") else {
            panic!()
        };
        assert!(!plain.contains_key("sloppiness") && !plain.contains_key("fontFamily"));
        let Some(Any::Map(s)) = all.get("s") else {
            panic!()
        };
        assert_eq!(s.get("sloppiness"), Some(&Any::from("cartoonist")));
        assert_eq!(s.get("fontFamily"), Some(&Any::from("hand")));
    }

    #[test]
    fn points_survive_packing() {
        let pts = vec![PenPoint {
            x: 1.5,
            y: -2.0,
            pressure: 0.5,
        }];
        assert_eq!(decode_points(&encode_points(&pts)), pts);
        assert!(decode_points(&[0u8; 11]).is_empty());
    }
}
