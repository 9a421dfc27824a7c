//! What an imported file must satisfy, and how its shapes are made safe: the limits, the
//! checks every format's shapes go through, image data URLs, and turning serde's errors into
//! [`ImportError`]s that name the shape and field.

use std::collections::HashMap;
use std::fmt;
use std::marker::PhantomData;

use base64::Engine as _;
use serde::de::{DeserializeOwned, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde::{Deserialize, Deserializer};

use super::{ImportError, Scene};
use crate::shape::{
    Shape, ShapeKind, Style, MAX_FONT_SIZE, MAX_STROKE_WIDTH, MIN_FONT_SIZE, MIN_OPACITY,
};

/// Largest file an import reads, in bytes.
pub const MAX_FILE_BYTES: usize = 50_000_000;
/// Most shapes (or foreign elements) one file may hold.
pub const MAX_SHAPES: usize = 100_000;
/// Most polyline points all shapes of one file may hold together.
pub const MAX_POINTS: usize = 1_000_000;
/// Largest magnitude of a coordinate or size, in board units.
pub const MAX_COORDINATE: f64 = 1e7;
/// Longest text a shape keeps, in characters; the rest is cut.
pub const MAX_TEXT_CHARS: usize = 100_000;
/// Largest decoded image, in bytes.
pub const MAX_IMAGE_BYTES: usize = 10_000_000;
/// Deepest nesting of JSON arrays and objects (serde_json refuses deeper than 128 anyway).
pub const MAX_DEPTH: usize = 128;
/// Longest title kept, in characters.
pub(super) const MAX_TITLE_CHARS: usize = 1_000;
/// Longest colour string kept; anything longer is no colour.
const MAX_COLOR_CHARS: usize = 64;

/// Longest message from serde kept in an error (it may quote the file's data).
const MAX_MESSAGE_CHARS: usize = 200;
/// The message the bounded list reader fails with, recognised by [`json_error`].
const TOO_MANY: &str = "too many entries in one list";

/// Deepest nesting of `[` and `{` outside strings, without parsing (stops early past the
/// limit). Unbalanced input is left for the parser to refuse.
pub(super) fn nesting_depth(bytes: &[u8]) -> usize {
    let (mut depth, mut deepest) = (0usize, 0usize);
    let (mut in_string, mut escaped) = (false, false);
    for &b in bytes {
        if in_string {
            match (escaped, b) {
                (true, _) => escaped = false,
                (false, b'\\') => escaped = true,
                (false, b'"') => in_string = false,
                _ => {}
            }
            continue;
        }
        match b {
            b'"' => in_string = true,
            b'[' | b'{' => {
                depth += 1;
                deepest = deepest.max(depth);
                if deepest > MAX_DEPTH {
                    break;
                }
            }
            b']' | b'}' => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
    deepest
}

/// Turns a serde_json error into the import error a person reads. `noun` names what a list
/// that was too long holds ("shapes", "elements").
pub(super) fn json_error(e: serde_json::Error, noun: &str) -> ImportError {
    let (line, column) = (e.line(), e.column());
    let full = e.to_string();
    let message = full
        .rsplit_once(" at line ")
        .map_or(full.as_str(), |(m, _)| m);
    if e.classify() == serde_json::error::Category::Eof {
        ImportError::Truncated { line, column }
    } else if message.starts_with("recursion limit exceeded") {
        ImportError::TooDeep
    } else if message.starts_with("number out of range") {
        ImportError::NumberTooLarge { line, column }
    } else if message.starts_with(TOO_MANY) {
        ImportError::TooLarge(format!("more than {MAX_SHAPES} {noun}"))
    } else {
        ImportError::InvalidJson {
            message: cap_chars(message.to_owned(), MAX_MESSAGE_CHARS),
            line,
            column,
        }
    }
}

/// Finds what made a typed parse of a file fail: re-reads the list `list` (of `T`s) loosely
/// and names the first entry, and its field, that is not a `T`. Falls back to serde's own
/// error (with its position) when every entry is fine, e.g. for a syntax error elsewhere.
pub(super) fn locate<T: DeserializeOwned>(
    bytes: &[u8],
    list: &str,
    item: &'static str,
    typed: serde_json::Error,
) -> ImportError {
    let entries = match list_of(bytes, list) {
        Ok(entries) => entries,
        Err(e) => return json_error(e, list),
    };
    for (index, entry) in entries.iter().enumerate() {
        if let Err(e) = T::deserialize(entry) {
            return ImportError::InvalidShape {
                item,
                index,
                field: culprit::<T>(entry),
                problem: cap_chars(e.to_string(), MAX_MESSAGE_CHARS),
            };
        }
    }
    json_error(typed, list)
}

/// The entries of the top-level list `key`, each as a loose JSON value; the rest of the file
/// is skipped unread.
fn list_of(bytes: &[u8], key: &str) -> Result<Vec<serde_json::Value>, serde_json::Error> {
    struct Entries(Vec<serde_json::Value>);
    impl<'de> Deserialize<'de> for Entries {
        fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
            at_most_shapes(d).map(Entries)
        }
    }
    struct ListOf<'a>(&'a str);
    impl<'de> Visitor<'de> for ListOf<'_> {
        type Value = Vec<serde_json::Value>;
        fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
            f.write_str("an object")
        }
        fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
            let mut out = Vec::new();
            while let Some(key) = map.next_key::<String>()? {
                if key == self.0 {
                    out = map
                        .next_value::<Option<Entries>>()?
                        .map_or(Vec::new(), |e| e.0);
                } else {
                    map.next_value::<IgnoredAny>()?;
                }
            }
            Ok(out)
        }
    }
    let mut de = serde_json::Deserializer::from_slice(bytes);
    let entries = de.deserialize_map(ListOf(key))?;
    de.end()?;
    Ok(entries)
}

/// The field of an entry that keeps it from being a `T`: each field is tried alone (every
/// field of the types read here has a default), then each part of that field, so the answer
/// can be `style.strokeWidth` or `points[3]`.
fn culprit<T: DeserializeOwned>(entry: &serde_json::Value) -> String {
    use serde_json::{json, Value};
    let Value::Object(map) = entry else {
        return "the entry itself".into();
    };
    let fails = |v: Value| T::deserialize(v).is_err();
    let Some((key, value)) = map.iter().find(|(k, v)| fails(json!({ k.as_str(): v }))) else {
        return "a field".into();
    };
    let part = match value {
        Value::Object(inner) => inner
            .iter()
            .find(|(k, v)| fails(json!({ key.as_str(): { k.as_str(): v } })))
            .map(|(k, _)| format!("{key}.{k}")),
        Value::Array(items) => items
            .iter()
            .position(|v| fails(json!({ key.as_str(): [v] })))
            .map(|i| format!("{key}[{i}]")),
        _ => None,
    };
    part.unwrap_or_else(|| key.clone())
}

/// Reads a list of at most [`MAX_SHAPES`] entries, refusing the rest before it is read.
pub(super) fn at_most_shapes<'de, D, T>(d: D) -> Result<Vec<T>, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de>,
{
    struct Bounded<T>(PhantomData<T>);
    impl<'de, T: Deserialize<'de>> Visitor<'de> for Bounded<T> {
        type Value = Vec<T>;
        fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
            f.write_str("a list")
        }
        fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Vec<T>, A::Error> {
            let mut out = Vec::with_capacity(seq.size_hint().unwrap_or(0).min(1024));
            while let Some(item) = seq.next_element()? {
                if out.len() == MAX_SHAPES {
                    return Err(serde::de::Error::custom(TOO_MANY));
                }
                out.push(item);
            }
            Ok(out)
        }
    }
    d.deserialize_seq(Bounded(PhantomData))
}

/// Checks one shape and makes it safe, in place. `item` and `index` name it in errors
/// ("shape 3", "element 7"); `images` are the file's image keys (see [`image_src`]).
pub(super) fn shape(
    item: &'static str,
    index: usize,
    s: &mut Shape,
    images: &HashMap<String, String>,
) -> Result<(), ImportError> {
    let out_of_range = |field: &str, value: f64| ImportError::OutOfRange {
        item,
        index,
        field: field.to_owned(),
        value,
    };
    for (field, value) in [("x", s.x), ("y", s.y), ("w", s.w), ("h", s.h)] {
        if !value.is_finite() || value.abs() > MAX_COORDINATE {
            return Err(out_of_range(field, value));
        }
    }
    if !s.rotation.is_finite() {
        return Err(out_of_range("rotation", s.rotation));
    }
    s.w = s.w.max(0.0);
    s.h = s.h.max(0.0);
    s.rotation %= std::f64::consts::TAU;
    if s.kind.is_polyline() {
        s.points
            .retain(|p| p.x.is_finite() && p.y.is_finite() && p.pressure.is_finite());
        for (i, p) in s.points.iter_mut().enumerate() {
            let far = if p.x.abs() > p.y.abs() { p.x } else { p.y };
            if f64::from(far.abs()) > MAX_COORDINATE {
                return Err(out_of_range(&format!("points[{i}]"), f64::from(far)));
            }
            p.pressure = p.pressure.clamp(0.0, 1.0);
        }
    } else {
        s.points.clear();
    }
    sanitise_style(&mut s.style);
    s.text = cap_chars(std::mem::take(&mut s.text), MAX_TEXT_CHARS);
    let arrow = s.kind == ShapeKind::Arrow;
    let named = |v: Option<String>| v.filter(|v| !v.is_empty());
    s.start_bind = named(s.start_bind.take()).filter(|_| arrow);
    s.end_bind = named(s.end_bind.take()).filter(|_| arrow);
    s.group = named(s.group.take());
    s.frame = named(s.frame.take()).filter(|_| s.kind != ShapeKind::Frame);
    s.src = image_src(s.src.take().filter(|_| s.kind == ShapeKind::Image), images);
    s.link = crate::link::sanitise(s.link.as_deref());
    Ok(())
}

/// Clamps a style to the layout's limits and drops colours that are not plain CSS colours.
pub(super) fn sanitise_style(style: &mut Style) {
    let defaults = Style::default();
    if !safe_color(&style.stroke) {
        style.stroke = defaults.stroke;
    }
    style.fill = style.fill.take().filter(|c| safe_color(c));
    style.stroke_width = if style.stroke_width.is_finite() && style.stroke_width > 0.0 {
        style.stroke_width.min(MAX_STROKE_WIDTH)
    } else {
        defaults.stroke_width
    };
    style.opacity = if style.opacity.is_finite() {
        style.opacity.clamp(MIN_OPACITY, 1.0)
    } else {
        1.0
    };
    style.font_size = if style.font_size.is_finite() {
        style.font_size.clamp(MIN_FONT_SIZE, MAX_FONT_SIZE)
    } else {
        defaults.font_size
    };
}

/// A colour the canvas and an SVG attribute take as is: `#hex`, a name, or `rgb(…)`-like.
fn safe_color(c: &str) -> bool {
    !c.is_empty()
        && c.len() <= MAX_COLOR_CHARS
        && c.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"#(),.% -".contains(&b))
}

/// An image's `src` as kept: one of the file's image keys, or a path on this server (starts
/// with one `/`); anything else (another site, `javascript:`) is dropped, so an import never
/// makes viewers fetch from elsewhere.
fn image_src(src: Option<String>, images: &HashMap<String, String>) -> Option<String> {
    let src = src?;
    let local = src.starts_with('/') && !src.starts_with("//") && !src.contains('\\');
    (images.contains_key(&src) || local).then_some(src)
}

/// Checks an image data URL: `data:image/(png|jpeg|gif|webp)[;…];base64,…` whose bytes
/// decode, are at most [`MAX_IMAGE_BYTES`], and start as that format does. The problem is
/// returned for the caller's error.
pub fn image_data(url: &str) -> Result<(), String> {
    let not_data = || "not a data:image/…;base64 URL".to_owned();
    let rest = url.strip_prefix("data:").ok_or_else(not_data)?;
    let (header, data) = rest.split_once(',').ok_or_else(not_data)?;
    let mut params = header.split(';');
    let mime = params.next().unwrap_or_default().to_ascii_lowercase();
    if !params.any(|p| p == "base64") {
        return Err(not_data());
    }
    let magic: &[u8] = match mime.as_str() {
        "image/png" => b"\x89PNG",
        "image/jpeg" | "image/jpg" => b"\xFF\xD8\xFF",
        "image/gif" => b"GIF8",
        "image/webp" => b"RIFF",
        other => {
            let shown: String = other.chars().take(40).collect();
            return Err(format!("{shown:?} images are not supported"));
        }
    };
    if data.len() / 4 * 3 > MAX_IMAGE_BYTES + 3 {
        return Err(format!("larger than {} MB", MAX_IMAGE_BYTES / 1_000_000));
    }
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(data.trim_end())
        .map_err(|e| format!("the base64 data is damaged ({e})"))?;
    if bytes.len() > MAX_IMAGE_BYTES {
        return Err(format!("larger than {} MB", MAX_IMAGE_BYTES / 1_000_000));
    }
    let webp_ok = mime != "image/webp" || bytes.get(8..12) == Some(b"WEBP");
    if !bytes.starts_with(magic) || !webp_ok {
        return Err(format!("the data is not a {mime} image"));
    }
    Ok(())
}

/// Refuses a scene with more than [`MAX_POINTS`] points in all.
pub(super) fn total_points(shapes: &[Shape]) -> Result<(), ImportError> {
    let total: usize = shapes.iter().map(|s| s.points.len()).sum();
    if total > MAX_POINTS {
        return Err(ImportError::TooLarge(format!(
            "{total} points, more than {MAX_POINTS}"
        )));
    }
    Ok(())
}

/// Drops images no shape shows.
pub(super) fn keep_used_images(scene: &mut Scene) {
    let used: std::collections::HashSet<&str> = scene
        .shapes
        .iter()
        .filter_map(|s| s.src.as_deref())
        .collect();
    scene.images.retain(|k, _| used.contains(k.as_str()));
}

/// `text` cut to at most `max` characters.
pub(super) fn cap_chars(mut text: String, max: usize) -> String {
    if let Some((cut, _)) = text.char_indices().nth(max) {
        text.truncate(cut);
    }
    text
}

/// A key shortened for an error message.
pub(super) fn shorten(key: &str) -> String {
    let mut short = cap_chars(key.to_owned(), 60);
    if short.len() < key.len() {
        short.push('…');
    }
    short
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nesting_is_measured_outside_strings() {
        assert_eq!(nesting_depth(br#"{"a":[1,{"b":"[[[["}]}"#), 3);
        assert_eq!(nesting_depth(br#"["\"[[", []]"#), 2);
        assert_eq!(nesting_depth(&[b'['; 500]), MAX_DEPTH + 1);
    }

    #[test]
    fn shapes_are_clamped_to_the_layout_limits() {
        let mut s = Shape {
            kind: ShapeKind::Rectangle,
            w: -5.0,
            rotation: 7.0,
            style: Style {
                stroke: "url(javascript:alert(1))\"".into(),
                fill: Some("#fff".into()),
                stroke_width: 1e6,
                opacity: 0.0,
                font_size: 10_000.0,
                ..Style::default()
            },
            text: "x".repeat(MAX_TEXT_CHARS + 10),
            start_bind: Some("a".into()),
            src: Some("https://elsewhere.example/x.png".into()),
            ..Shape::default()
        };
        shape("shape", 0, &mut s, &HashMap::new()).unwrap();
        assert_eq!(s.w, 0.0);
        assert!(s.rotation < std::f64::consts::TAU);
        assert_eq!(s.style.stroke, Style::default().stroke);
        assert_eq!(s.style.fill.as_deref(), Some("#fff"));
        assert_eq!(s.style.stroke_width, MAX_STROKE_WIDTH);
        assert_eq!(s.style.opacity, MIN_OPACITY);
        assert_eq!(s.style.font_size, MAX_FONT_SIZE);
        assert_eq!(s.text.chars().count(), MAX_TEXT_CHARS);
        assert_eq!((s.start_bind, s.src), (None, None));
    }

    #[test]
    fn non_finite_points_are_dropped_and_far_ones_refused() {
        use crate::shape::PenPoint;
        let p = |x: f32| PenPoint {
            x,
            y: 0.0,
            pressure: 2.0,
        };
        let mut s = Shape {
            kind: ShapeKind::Pen,
            points: vec![p(1.0), p(f32::NAN), p(f32::INFINITY)],
            ..Shape::default()
        };
        shape("shape", 0, &mut s, &HashMap::new()).unwrap();
        assert_eq!(s.points.len(), 1);
        assert_eq!(s.points[0].pressure, 1.0);
        s.points.push(p(1e9));
        let e = shape("shape", 4, &mut s, &HashMap::new()).unwrap_err();
        assert!(
            matches!(e, ImportError::OutOfRange { index: 4, ref field, .. } if field == "points[1]")
        );
    }

    #[test]
    fn image_urls_must_be_small_known_images() {
        let png = "data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAAAAAA6fptVAAAADUlEQVR4AQECAP3/AAAAAgABfgUN0gAAAABJRU5ErkJggg==";
        assert_eq!(image_data(png), Ok(()));
        for bad in [
            "https://example.com/a.png",
            "data:image/svg+xml;base64,PHN2Zz4=",
            "data:image/png,rawbytes",
            "data:image/png;base64,!!!",
            "data:image/jpeg;base64,iVBORw0KGgo=",
        ] {
            assert!(image_data(bad).is_err(), "{bad}");
        }
        let huge = format!(
            "data:image/png;base64,{}",
            "A".repeat(MAX_IMAGE_BYTES / 3 * 4 + 8)
        );
        assert!(image_data(&huge).unwrap_err().contains("larger"));
    }
}
