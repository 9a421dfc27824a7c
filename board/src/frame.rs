//! Frames: named areas of the board whose contents move with them and are clipped to them.
//!
//! A frame is a shape of kind [`ShapeKind::Frame`]; its name is its `text`. A shape belongs to
//! a frame through its `frame` field (the frame's id), as in Excalidraw's `frameId`. Which
//! frame a shape belongs to follows where it is: after it is drawn, moved, pasted or resized,
//! it belongs to the top-most frame holding its centre, or to none ([`reassign`]). Frames do
//! not nest. Moving or deleting a frame takes its shapes along (the engine adds
//! [`children`] to what it moves or deletes); resizing a frame changes which shapes it holds.

use std::collections::HashSet;

use crate::shape::{Rect, Shape, ShapeKind};

/// The colour of a frame's outline and name (readable on the light and the dark theme).
pub const FRAME_COLOR: &str = "#868e96";
/// Size of a frame's name in screen pixels on the canvas (board units in exports).
pub const NAME_PX: f64 = 14.0;
/// Gap between a frame's name and its top edge, in screen pixels.
const NAME_GAP_PX: f64 = 4.0;

/// The name shown for a frame: its own, or "Frame".
pub fn name(frame: &Shape) -> &str {
    let n = frame.text.trim();
    if n.is_empty() {
        "Frame"
    } else {
        n
    }
}

/// The name of the next frame drawn on a board: "Frame N", one more than the frames there.
pub fn next_name(shapes: &[Shape]) -> String {
    let n = shapes.iter().filter(|s| s.kind == ShapeKind::Frame).count();
    format!("Frame {}", n + 1)
}

/// Where a frame's name is drawn (and clicked, and edited): above its top-left corner, at a
/// size that stays the same on screen whatever the zoom. `zoom` is screen pixels per board
/// unit (1 in exports).
pub fn name_box(frame: &Shape, zoom: f64) -> Rect {
    let zoom = if zoom.is_finite() && zoom > 0.0 {
        zoom
    } else {
        1.0
    };
    let h = NAME_PX * 1.4 / zoom;
    // An estimate of the name's width (0.6 em per character), at least enough to click.
    let chars = name(frame).chars().count().max(6) as f64;
    let w = (chars * 0.6 * NAME_PX + 8.0) / zoom;
    Rect {
        x: frame.x,
        y: frame.y - h - NAME_GAP_PX / zoom,
        w: w.min(frame.w.max(40.0 / zoom)),
        h,
    }
}

/// The frame a shape belongs to where it is now: the top-most frame (latest in `shapes`, which
/// are in paint order) whose box holds the centre of the shape's box. Frames belong to none.
pub fn home<'a>(shapes: &'a [Shape], shape: &Shape) -> Option<&'a Shape> {
    if shape.kind == ShapeKind::Frame {
        return None;
    }
    let c = shape.aabb().center();
    shapes
        .iter()
        .rev()
        .find(|f| f.kind == ShapeKind::Frame && f.id != shape.id && f.bounds().contains(c))
}

/// The membership changes after the shapes in `changed` were drawn, moved or resized: each
/// changed shape goes to its [`home`]; a changed frame also takes in the shapes now inside it
/// and lets go of those now outside. Returns (shape id, new frame) for the shapes whose frame
/// changes.
pub fn reassign(shapes: &[Shape], changed: &[String]) -> Vec<(String, Option<String>)> {
    let changed: HashSet<&str> = changed.iter().map(String::as_str).collect();
    let frames: Vec<&Shape> = shapes
        .iter()
        .filter(|s| s.kind == ShapeKind::Frame && changed.contains(s.id.as_str()))
        .collect();
    shapes
        .iter()
        .filter(|s| s.kind != ShapeKind::Frame)
        .filter(|s| {
            changed.contains(s.id.as_str())
                || frames.iter().any(|f| {
                    s.frame.as_deref() == Some(f.id.as_str())
                        || f.bounds().contains(s.aabb().center())
                })
        })
        .filter_map(|s| {
            let to = home(shapes, s).map(|f| f.id.clone());
            (to != s.frame).then(|| (s.id.clone(), to))
        })
        .collect()
}

/// The frames as slides, in order: those in `order` (the order set in the slides panel) first,
/// then the rest in reading order.
pub fn slides<'a>(shapes: &'a [Shape], order: &[String]) -> Vec<&'a Shape> {
    let mut frames: Vec<&Shape> = shapes
        .iter()
        .filter(|s| s.kind == ShapeKind::Frame)
        .collect();
    crate::edit::reading_order(&mut frames);
    let rank = |f: &Shape| {
        order
            .iter()
            .position(|id| *id == f.id)
            .unwrap_or(usize::MAX)
    };
    // Stable: frames not in `order` keep their reading order after those that are.
    frames.sort_by_key(|f| rank(f));
    frames
}

/// The ids of the shapes belonging to any of `frames`.
pub fn children(shapes: &[Shape], frames: &[&str]) -> Vec<String> {
    if frames.is_empty() {
        return Vec::new();
    }
    shapes
        .iter()
        .filter(|s| s.frame.as_deref().is_some_and(|f| frames.contains(&f)))
        .map(|s| s.id.clone())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Style;

    fn shape(id: &str, kind: ShapeKind, x: f64, y: f64, w: f64, h: f64) -> Shape {
        Shape::boxed(
            id.into(),
            kind,
            Rect { x, y, w, h },
            Style::default(),
            "a0".into(),
        )
    }

    fn in_frame(mut s: Shape, frame: &str) -> Shape {
        s.frame = Some(frame.into());
        s
    }

    #[test]
    fn a_shape_belongs_to_the_top_most_frame_holding_its_centre() {
        let shapes = vec![
            shape("f1", ShapeKind::Frame, 0.0, 0.0, 400.0, 300.0),
            shape("f2", ShapeKind::Frame, 200.0, 0.0, 400.0, 300.0),
            shape("a", ShapeKind::Rectangle, 50.0, 50.0, 50.0, 50.0),
            shape("b", ShapeKind::Rectangle, 250.0, 50.0, 50.0, 50.0),
            // Sticks out of f1, but its centre is inside.
            shape("c", ShapeKind::Ellipse, -20.0, 200.0, 100.0, 200.0),
            shape("out", ShapeKind::Rectangle, 900.0, 50.0, 50.0, 50.0),
        ];
        let home_of = |id: &str| {
            let s = shapes.iter().find(|s| s.id == id).unwrap();
            home(&shapes, s).map(|f| f.id.as_str())
        };
        assert_eq!(home_of("a"), Some("f1"));
        assert_eq!(home_of("b"), Some("f2"), "the later frame is on top");
        assert_eq!(home_of("c"), Some("f1"));
        assert_eq!(home_of("out"), None);
        assert_eq!(home_of("f2"), None, "frames do not nest");
    }

    #[test]
    fn moved_shapes_join_and_leave_and_a_resized_frame_takes_in_and_lets_go() {
        let mut shapes = vec![
            shape("f", ShapeKind::Frame, 0.0, 0.0, 400.0, 300.0),
            in_frame(
                shape("kept", ShapeKind::Rectangle, 10.0, 10.0, 50.0, 50.0),
                "f",
            ),
            in_frame(
                shape("left", ShapeKind::Rectangle, 600.0, 10.0, 50.0, 50.0),
                "f",
            ),
            shape("joined", ShapeKind::Rectangle, 100.0, 100.0, 50.0, 50.0),
            shape("far", ShapeKind::Rectangle, 1000.0, 1000.0, 50.0, 50.0),
        ];
        let ids = |v: &[&str]| v.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        let mut changes = reassign(&shapes, &ids(&["kept", "left", "joined", "far"]));
        changes.sort();
        assert_eq!(
            changes,
            [("joined".into(), Some("f".into())), ("left".into(), None)]
        );
        // The frame grows over "far" and shrinks away from "kept".
        shapes[0] = shape("f", ShapeKind::Frame, 100.0, 100.0, 1000.0, 1000.0);
        shapes[2].frame = None;
        shapes[3].frame = Some("f".into());
        let mut changes = reassign(&shapes, &ids(&["f"]));
        changes.sort();
        assert_eq!(
            changes,
            [("far".into(), Some("f".into())), ("kept".into(), None)]
        );
    }

    #[test]
    fn slides_follow_the_set_order_then_reading_order() {
        let shapes = vec![
            shape("low", ShapeKind::Frame, 0.0, 500.0, 100.0, 100.0),
            shape("right", ShapeKind::Frame, 300.0, 5.0, 100.0, 100.0),
            shape("rect", ShapeKind::Rectangle, 0.0, 0.0, 10.0, 10.0),
            shape("left", ShapeKind::Frame, 0.0, 0.0, 100.0, 100.0),
        ];
        let ids = |v: Vec<&Shape>| v.into_iter().map(|s| s.id.clone()).collect::<Vec<_>>();
        assert_eq!(ids(slides(&shapes, &[])), ["left", "right", "low"]);
        let order = ["low".to_owned(), "gone".to_owned()];
        assert_eq!(ids(slides(&shapes, &order)), ["low", "left", "right"]);
    }

    #[test]
    fn children_names_and_the_name_box() {
        let f = shape("f", ShapeKind::Frame, 0.0, 100.0, 400.0, 300.0);
        let shapes = vec![
            f.clone(),
            in_frame(shape("a", ShapeKind::Rectangle, 10.0, 110.0, 5.0, 5.0), "f"),
            in_frame(shape("b", ShapeKind::Rectangle, 10.0, 110.0, 5.0, 5.0), "g"),
        ];
        assert_eq!(children(&shapes, &["f"]), ["a"]);
        assert!(children(&shapes, &[]).is_empty());
        assert_eq!(name(&f), "Frame");
        assert_eq!(next_name(&shapes), "Frame 2");
        let named = Shape {
            text: "  Intro ".into(),
            ..f.clone()
        };
        assert_eq!(name(&named), "Intro");
        // Above the frame, the same size on screen at any zoom.
        let at1 = name_box(&f, 1.0);
        let at2 = name_box(&f, 2.0);
        assert!(at1.y + at1.h < 100.0 && at1.x == 0.0);
        assert!((at1.h - 2.0 * at2.h).abs() < 1e-9);
    }
}
