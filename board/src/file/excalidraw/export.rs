//! Shapes as Excalidraw elements, the reverse of the import in [`super`]: what a
//! `.excalidrawlib` export holds (and what an `.excalidraw` file would).
//!
//! Rectangles, ellipses and diamonds keep their box, angle, colours, stroke and opacity; a
//! label becomes a text element bound to its shape (`containerId`), as Excalidraw makes them.
//! Lines, arrows (with their bindings) and pen strokes (freedraw, with pressures) keep their
//! points. A sticky note becomes a rectangle filled with its paper and its text as a label,
//! since Excalidraw has no notes. Images are left out and counted: a library carries no image files. Strokes
//! are drawn clean (`roughness` 0), as on this board.

use std::collections::{BTreeMap, HashMap};

use serde_json::{json, Map, Value};

use super::FREEDRAW_WIDTH;
use crate::shape::{Dash, Shape, ShapeKind};
use crate::svg::STICKY_PAPER;

/// Excalidraw's font family 2, its plain sans-serif (the board's face is a sans-serif).
const FONT_FAMILY: u32 = 2;
/// Excalidraw's line height for text, as a multiple of the font size.
const LINE_HEIGHT: f64 = 1.25;

/// Elements converted from shapes, and the shape kinds that have none (by label, counted).
#[derive(Debug, Default)]
pub struct Elements {
    pub elements: Vec<Value>,
    pub skipped: BTreeMap<String, usize>,
}

/// The Excalidraw elements of `shapes` (in paint order), with ids made from the shapes' ids.
pub fn elements(shapes: &[Shape]) -> Elements {
    let mut out = Elements::default();
    // Which arrows attach to each shape: Excalidraw lists them on the shape too.
    let mut arrows: HashMap<&str, Vec<&str>> = HashMap::new();
    for s in shapes.iter().filter(|s| s.kind == ShapeKind::Arrow) {
        for target in [&s.start_bind, &s.end_bind].into_iter().flatten() {
            arrows.entry(target.as_str()).or_default().push(&s.id);
        }
    }
    for (n, s) in shapes.iter().enumerate() {
        let seed = n as u64 + 1;
        match s.kind {
            ShapeKind::Rectangle | ShapeKind::Ellipse | ShapeKind::Diamond | ShapeKind::Sticky => {
                let label = (!s.text.is_empty()).then(|| format!("{}-label", s.id));
                let mut bound: Vec<Value> = arrows
                    .get(s.id.as_str())
                    .into_iter()
                    .flatten()
                    .map(|id| json!({"type": "arrow", "id": id}))
                    .collect();
                if let Some(label) = &label {
                    bound.push(json!({"type": "text", "id": label}));
                }
                let mut e = base(s, seed);
                if s.kind == ShapeKind::Sticky {
                    e.insert("type".into(), "rectangle".into());
                    // The outline keeps the text's colour: a label here is drawn in it.
                    let paper = s.style.fill.as_deref().unwrap_or(STICKY_PAPER);
                    e.insert("backgroundColor".into(), paper.into());
                }
                e.insert("boundElements".into(), bound.into());
                out.elements.push(e.into());
                if let Some(label) = label {
                    out.elements.push(text(s, &label, Some(&s.id), seed).into());
                }
            }
            ShapeKind::Text => out.elements.push(text(s, &s.id, None, seed).into()),
            ShapeKind::Line | ShapeKind::Arrow | ShapeKind::Pen => {
                out.elements.push(linear(s, seed).into());
            }
            ShapeKind::Image => *out.skipped.entry(s.kind.label().to_owned()).or_default() += 1,
        }
    }
    out
}

/// The fields every element has, from the shape's box and style.
fn base(s: &Shape, seed: u64) -> Map<String, Value> {
    let kind = match s.kind {
        ShapeKind::Ellipse => "ellipse",
        ShapeKind::Diamond => "diamond",
        ShapeKind::Text => "text",
        ShapeKind::Line => "line",
        ShapeKind::Arrow => "arrow",
        ShapeKind::Pen => "freedraw",
        _ => "rectangle",
    };
    let stroke_style = match s.style.dash {
        Dash::Solid => "solid",
        Dash::Dashed => "dashed",
        Dash::Dotted => "dotted",
    };
    let fill = match (&s.style.fill, s.kind.is_closed()) {
        (Some(fill), true) => fill.as_str(),
        _ => "transparent",
    };
    let groups: Vec<&str> = s.group.as_deref().into_iter().collect();
    let value = json!({
        "id": s.id,
        "type": kind,
        "x": s.x,
        "y": s.y,
        "width": s.w,
        "height": s.h,
        "angle": s.rotation,
        "strokeColor": s.style.stroke,
        "backgroundColor": fill,
        "fillStyle": "solid",
        "strokeWidth": s.style.stroke_width,
        "strokeStyle": stroke_style,
        "roughness": 0,
        "opacity": (s.style.opacity * 100.0).round(),
        "groupIds": groups,
        "frameId": null,
        "roundness": null,
        "seed": seed,
        "version": 1,
        "versionNonce": seed,
        "isDeleted": false,
        "boundElements": null,
        "updated": 1,
        "link": null,
        "locked": false,
    });
    match value {
        Value::Object(map) => map,
        _ => Map::new(),
    }
}

/// A text element: a text shape (`container` none) or the label of the shape `container`.
fn text(s: &Shape, id: &str, container: Option<&str>, seed: u64) -> Map<String, Value> {
    let mut e = base(s, seed);
    let centred = container.is_some();
    let fields = [
        ("id", Value::from(id)),
        ("type", "text".into()),
        ("backgroundColor", "transparent".into()),
        ("text", s.text.as_str().into()),
        ("originalText", s.text.as_str().into()),
        ("fontSize", s.style.font_size.into()),
        ("fontFamily", FONT_FAMILY.into()),
        ("textAlign", if centred { "center" } else { "left" }.into()),
        (
            "verticalAlign",
            if centred { "middle" } else { "top" }.into(),
        ),
        ("containerId", container.map_or(Value::Null, Value::from)),
        ("lineHeight", LINE_HEIGHT.into()),
        ("autoResize", (!centred).into()),
    ];
    for (key, value) in fields {
        e.insert(key.into(), value);
    }
    if centred {
        // A label shares its shape's colour and group, not its dashes.
        e.insert("strokeStyle".into(), "solid".into());
    }
    e
}

/// A line, an arrow (head at the end) or a pen stroke (freedraw).
fn linear(s: &Shape, seed: u64) -> Map<String, Value> {
    let mut e = base(s, seed);
    let points: Vec<[f32; 2]> = s.points.iter().map(|p| [p.x, p.y]).collect();
    e.insert("points".into(), json!(points));
    e.insert("lastCommittedPoint".into(), Value::Null);
    if s.kind == ShapeKind::Pen {
        let pressures: Vec<f32> = s.points.iter().map(|p| p.pressure).collect();
        e.insert("pressures".into(), json!(pressures));
        e.insert("simulatePressure".into(), false.into());
        e.insert(
            "strokeWidth".into(),
            (s.style.stroke_width / FREEDRAW_WIDTH).into(),
        );
        return e;
    }
    let binding = |target: &Option<String>| match target {
        Some(id) => json!({"elementId": id, "focus": 0, "gap": 1}),
        None => Value::Null,
    };
    let arrow = s.kind == ShapeKind::Arrow;
    e.insert("startBinding".into(), binding(&s.start_bind));
    e.insert("endBinding".into(), binding(&s.end_bind));
    e.insert("startArrowhead".into(), Value::Null);
    e.insert(
        "endArrowhead".into(),
        if arrow { "arrow".into() } else { Value::Null },
    );
    e
}
