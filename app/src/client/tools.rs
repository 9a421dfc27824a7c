//! The drawing tools as a gesture state machine, plus the pure helpers around it: hit-testing,
//! the live preview of a shape being drawn, and the labels of the accessible shape list.
//!
//! A gesture starts on pointer down and ends on pointer up (or cancel); only its end writes a new
//! shape to the document, so a stroke is one Yjs change however many points it has. Moving a
//! shape is the exception: it writes at most once per animation frame so others see it move.

use board::{Point, Rect, Shape, ShapeKind, Style};

use crate::ui::ShapeItem;

/// A drag shorter than this on both axes (screen pixels) draws nothing: it was a click.
pub const MIN_DRAG_PX: f64 = 2.0;
/// Hit tolerance around shapes, in screen pixels.
pub const HIT_TOLERANCE_PX: f64 = 6.0;
/// Pen samples closer than this to the previous one (screen pixels) are dropped.
const MIN_PEN_STEP_PX: f64 = 0.75;

/// What the pointer is doing on the canvas.
#[derive(Debug, Clone, PartialEq, Default)]
pub enum Gesture {
    #[default]
    Idle,
    /// Dragging the view; `last` is the previous pointer position in screen pixels.
    Pan { pointer: i32, last: Point },
    /// Drawing a stroke: absolute board points with pressure.
    Pen {
        pointer: i32,
        points: Vec<(Point, f32)>,
    },
    /// Dragging out a rectangle or an ellipse, corner to corner (board and screen points).
    Box {
        pointer: i32,
        kind: ShapeKind,
        start: Point,
        end: Point,
        start_screen: Point,
        end_screen: Point,
    },
    /// Moving a shape: `grab` is the board point first pressed, `from` the shape's position
    /// then, `to` its position now, `written` the position last written to the document.
    Move {
        pointer: i32,
        id: String,
        grab: Point,
        from: Point,
        to: Point,
        written: Point,
    },
}

impl Gesture {
    /// The pointer that owns the gesture.
    pub fn pointer(&self) -> Option<i32> {
        match self {
            Gesture::Idle => None,
            Gesture::Pan { pointer, .. }
            | Gesture::Pen { pointer, .. }
            | Gesture::Box { pointer, .. }
            | Gesture::Move { pointer, .. } => Some(*pointer),
        }
    }

    /// Adds a pen sample unless it is too close to the previous one at this zoom.
    pub fn add_pen_point(&mut self, p: Point, pressure: f32, zoom: f64) -> bool {
        let Gesture::Pen { points, .. } = self else {
            return false;
        };
        if points
            .last()
            .is_some_and(|(last, _)| last.distance(p) * zoom < MIN_PEN_STEP_PX)
        {
            return false;
        }
        points.push((p, pressure));
        true
    }

    /// The shape this gesture would commit now, for the live preview and for the commit itself.
    /// `None` for gestures that draw nothing, and for boxes dragged less than [`MIN_DRAG_PX`].
    pub fn drawn_shape(&self, id: String, index: String) -> Option<Shape> {
        match self {
            Gesture::Pen { points, .. } if !points.is_empty() => {
                Some(Shape::pen(id, index, Style::default(), points))
            }
            Gesture::Box {
                kind,
                start,
                end,
                start_screen,
                end_screen,
                ..
            } => {
                let tiny = (start_screen.x - end_screen.x).abs() < MIN_DRAG_PX
                    && (start_screen.y - end_screen.y).abs() < MIN_DRAG_PX;
                if tiny {
                    return None;
                }
                let Rect { x, y, w, h } = Rect::from_corners(*start, *end);
                Some(Shape {
                    id,
                    kind: *kind,
                    x,
                    y,
                    w,
                    h,
                    style: Style::default(),
                    points: Vec::new(),
                    index,
                })
            }
            _ => None,
        }
    }
}

/// Pressure as pens report it; mice and some touch screens report 0 while pressed, which would
/// draw hairlines, so they get the neutral 0.5.
pub fn effective_pressure(reported: f32, pointer_type: &str) -> f32 {
    if pointer_type != "pen" || reported.is_nan() || reported <= 0.0 {
        0.5
    } else {
        reported.min(1.0)
    }
}

/// The top-most shape under `p` (board coordinates), `shapes` being in paint order.
pub fn pick(shapes: &[Shape], p: Point, zoom: f64) -> Option<&Shape> {
    shapes
        .iter()
        .rev()
        .find(|s| s.hit(p, HIT_TOLERANCE_PX / zoom))
}

/// "Rectangle at 120, 80, 200 × 100": kind, position and size in whole board units.
pub fn shape_label(shape: &Shape) -> String {
    let int = |v: f64| v.round() as i64;
    format!(
        "{} at {}, {}, {} × {}",
        shape.kind.label(),
        int(shape.x),
        int(shape.y),
        int(shape.w),
        int(shape.h)
    )
}

/// The accessible shape list, in paint order.
pub fn shape_items(shapes: &[Shape], selected: Option<&str>) -> Vec<ShapeItem> {
    shapes
        .iter()
        .map(|s| ShapeItem {
            id: s.id.clone(),
            label: shape_label(s),
            selected: selected == Some(s.id.as_str()),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn boxed(start_screen: Point, end_screen: Point) -> Gesture {
        Gesture::Box {
            pointer: 1,
            kind: ShapeKind::Ellipse,
            start: start_screen,
            end: end_screen,
            start_screen,
            end_screen,
        }
    }

    #[test]
    fn tiny_drags_draw_nothing() {
        let g = boxed(Point::new(10.0, 10.0), Point::new(11.0, 11.5));
        assert_eq!(g.drawn_shape("a".into(), "a0".into()), None);
        let g = boxed(Point::new(10.0, 10.0), Point::new(11.0, 40.0));
        let s = g.drawn_shape("a".into(), "a0".into()).unwrap();
        assert_eq!(
            (s.kind, s.x, s.y, s.w, s.h),
            (ShapeKind::Ellipse, 10.0, 10.0, 1.0, 30.0)
        );
    }

    #[test]
    fn labels_start_with_the_kind_and_use_whole_numbers() {
        let g = boxed(Point::new(120.4, 79.6), Point::new(320.0, 180.0));
        let mut s = g.drawn_shape("a".into(), "a0".into()).unwrap();
        s.kind = ShapeKind::Rectangle;
        assert_eq!(shape_label(&s), "Rectangle at 120, 80, 200 × 100");
    }

    #[test]
    fn pen_samples_thin_out_and_mice_get_neutral_pressure() {
        let mut g = Gesture::Pen {
            pointer: 1,
            points: vec![],
        };
        assert!(g.add_pen_point(Point::new(0.0, 0.0), 0.5, 1.0));
        assert!(!g.add_pen_point(Point::new(0.1, 0.0), 0.5, 1.0));
        assert!(g.add_pen_point(Point::new(0.1, 0.0), 0.5, 10.0));
        assert_eq!(effective_pressure(0.0, "mouse"), 0.5);
        assert_eq!(effective_pressure(0.0, "pen"), 0.5);
        assert_eq!(effective_pressure(0.9, "pen"), 0.9);
    }
}
