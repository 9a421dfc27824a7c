//! Shapes as Excalidraw elements, the reverse of the import in [`super`]: what a
//! `.excalidrawlib` export holds (and what an `.excalidraw` file would).
//!
//! Rectangles, ellipses and diamonds keep their box, angle, colours, stroke and opacity; a
//! label becomes a text element bound to its shape (`containerId`), as Excalidraw makes them.
//! Lines, arrows (with their bindings) and pen strokes (freedraw, with pressures) keep their
//! points. A sticky note becomes a rectangle filled with its paper and its text as a label,
//! since Excalidraw has no notes. Images are left out and counted: a library carries no image files. Strokes
//! are drawn clean (`roughness` 0), as on this board.

use std::collections::BTreeMap;

use serde::Serialize;

use super::FREEDRAW_WIDTH;
use crate::shape::{Dash, Shape, ShapeKind};
use crate::svg::STICKY_PAPER;

/// Excalidraw's font family for ours: 5 Excalifont (hand), 3 Cascadia (code), 2 Helvetica.
fn font_family(font: crate::Font) -> u32 {
    match font {
        crate::Font::Hand => 5,
        crate::Font::Mono => 3,
        crate::Font::Sans => 2,
    }
}
/// Excalidraw's line height for text, as a multiple of the font size.
const LINE_HEIGHT: f64 = 1.25;

/// Elements converted from shapes, and the shape kinds that have none (by label, counted).
#[derive(Debug, Default)]
pub struct Elements<'a> {
    pub elements: Vec<Element<'a>>,
    pub skipped: BTreeMap<String, usize>,
}

/// One Excalidraw element, written with the fields Excalidraw itself writes (typed rather
/// than built as JSON values: the browser bundle stays smaller).
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Element<'a> {
    id: String,
    #[serde(rename = "type")]
    kind: &'static str,
    x: f64,
    y: f64,
    width: f64,
    height: f64,
    angle: f64,
    stroke_color: &'a str,
    background_color: &'a str,
    fill_style: &'static str,
    stroke_width: f64,
    stroke_style: &'static str,
    roughness: u8,
    opacity: f64,
    group_ids: Vec<&'a str>,
    frame_id: Option<&'a str>,
    roundness: Option<()>,
    seed: u64,
    version: u32,
    version_nonce: u64,
    is_deleted: bool,
    bound_elements: Option<Vec<Bound>>,
    updated: u64,
    link: Option<&'a str>,
    locked: bool,
    #[serde(flatten)]
    kind_fields: KindFields<'a>,
}

/// Another element attached to this one: a label, or an arrow's end.
#[derive(Debug, Serialize)]
struct Bound {
    #[serde(rename = "type")]
    kind: &'static str,
    id: String,
}

/// The fields of one kind of element.
#[derive(Debug, Serialize)]
#[serde(untagged)]
enum KindFields<'a> {
    None {},
    #[serde(rename_all = "camelCase")]
    Text {
        text: &'a str,
        original_text: &'a str,
        font_size: f64,
        font_family: u32,
        text_align: &'static str,
        vertical_align: &'static str,
        container_id: Option<&'a str>,
        line_height: f64,
        auto_resize: bool,
    },
    #[serde(rename_all = "camelCase")]
    Linear {
        points: Vec<[f32; 2]>,
        last_committed_point: Option<()>,
        start_binding: Option<Binding<'a>>,
        end_binding: Option<Binding<'a>>,
        start_arrowhead: Option<&'static str>,
        end_arrowhead: Option<&'static str>,
    },
    #[serde(rename_all = "camelCase")]
    Freedraw {
        points: Vec<[f32; 2]>,
        last_committed_point: Option<()>,
        pressures: Vec<f32>,
        simulate_pressure: bool,
    },
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct Binding<'a> {
    element_id: &'a str,
    focus: f64,
    gap: f64,
}

/// The Excalidraw elements of `shapes` (in paint order), with ids made from the shapes' ids.
pub fn elements(shapes: &[Shape]) -> Elements<'_> {
    let mut out = Elements::default();
    for (n, s) in shapes.iter().enumerate() {
        let seed = n as u64 + 1;
        match s.kind {
            ShapeKind::Rectangle | ShapeKind::Ellipse | ShapeKind::Diamond | ShapeKind::Sticky => {
                let label = (!s.text.is_empty()).then(|| format!("{}-label", s.id));
                // Excalidraw lists the arrows attached to a shape on the shape too.
                let attached = |a: &&Shape| {
                    let to_this = |end: &Option<String>| end.as_deref() == Some(s.id.as_str());
                    a.kind == ShapeKind::Arrow && (to_this(&a.start_bind) || to_this(&a.end_bind))
                };
                let mut bound: Vec<Bound> = shapes
                    .iter()
                    .filter(attached)
                    .map(|a| Bound {
                        kind: "arrow",
                        id: a.id.clone(),
                    })
                    .collect();
                if let Some(label) = &label {
                    bound.push(Bound {
                        kind: "text",
                        id: label.clone(),
                    });
                }
                let mut e = base(s, seed);
                if s.kind == ShapeKind::Sticky {
                    // The outline keeps the text's colour: a label here is drawn in it.
                    e.background_color = s.style.fill.as_deref().unwrap_or(STICKY_PAPER);
                }
                e.bound_elements = Some(bound);
                out.elements.push(e);
                if let Some(label) = label {
                    out.elements.push(text(s, label, Some(&s.id), seed));
                }
            }
            ShapeKind::Text => out.elements.push(text(s, s.id.clone(), None, seed)),
            ShapeKind::Line | ShapeKind::Arrow | ShapeKind::Pen => {
                out.elements.push(linear(s, seed))
            }
            // Images carry no file here; frames are left out (their shapes are kept).
            ShapeKind::Image | ShapeKind::Frame => {
                *out.skipped.entry(s.kind.label().to_owned()).or_default() += 1
            }
        }
    }
    out
}

/// The fields every element has, from the shape's box and style.
fn base(s: &Shape, seed: u64) -> Element<'_> {
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
    Element {
        id: s.id.clone(),
        kind,
        x: s.x,
        y: s.y,
        width: s.w,
        height: s.h,
        angle: s.rotation,
        stroke_color: &s.style.stroke,
        background_color: fill,
        fill_style: "solid",
        stroke_width: s.style.stroke_width,
        stroke_style,
        roughness: 0,
        opacity: (s.style.opacity * 100.0).round(),
        group_ids: s.group.as_deref().into_iter().collect(),
        frame_id: None,
        roundness: None,
        seed,
        version: 1,
        version_nonce: seed,
        is_deleted: false,
        bound_elements: None,
        updated: 1,
        link: None,
        locked: false,
        kind_fields: KindFields::None {},
    }
}

/// A text element: a text shape (`container` none) or the label of the shape `container`.
fn text<'a>(s: &'a Shape, id: String, container: Option<&'a str>, seed: u64) -> Element<'a> {
    let centred = container.is_some();
    let mut e = base(s, seed);
    e.id = id;
    e.kind = "text";
    e.background_color = "transparent";
    if centred {
        // A label shares its shape's colour and group, not its dashes.
        e.stroke_style = "solid";
    }
    e.kind_fields = KindFields::Text {
        text: &s.text,
        original_text: &s.text,
        font_size: s.style.font_size,
        font_family: font_family(s.style.font_family),
        text_align: if centred { "center" } else { "left" },
        vertical_align: if centred { "middle" } else { "top" },
        container_id: container,
        line_height: LINE_HEIGHT,
        auto_resize: !centred,
    };
    e
}

/// A line, an arrow (head at the end) or a pen stroke (freedraw).
fn linear<'a>(s: &'a Shape, seed: u64) -> Element<'a> {
    let mut e = base(s, seed);
    let points: Vec<[f32; 2]> = s.points.iter().map(|p| [p.x, p.y]).collect();
    if s.kind == ShapeKind::Pen {
        e.stroke_width = s.style.stroke_width / FREEDRAW_WIDTH;
        e.kind_fields = KindFields::Freedraw {
            points,
            last_committed_point: None,
            pressures: s.points.iter().map(|p| p.pressure).collect(),
            simulate_pressure: false,
        };
        return e;
    }
    let binding = |target: Option<&'a str>| {
        target.map(|id| Binding {
            element_id: id,
            focus: 0.0,
            gap: 1.0,
        })
    };
    e.kind_fields = KindFields::Linear {
        points,
        last_committed_point: None,
        start_binding: binding(s.start_bind.as_deref()),
        end_binding: binding(s.end_bind.as_deref()),
        start_arrowhead: None,
        end_arrowhead: (s.kind == ShapeKind::Arrow).then_some("arrow"),
    };
    e
}
