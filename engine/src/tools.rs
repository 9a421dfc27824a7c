//! The pointer gestures as a state machine, plus the pure helpers around them: hit-testing,
//! the live preview of a shape being drawn, and the labels of the accessible shape list
//! (which say which shapes are locked and where their links lead).
//!
//! A drawing gesture starts on pointer down and ends on pointer up (or cancel); only its end
//! writes the new shape, so a stroke is one Yjs change however many points it has. Moving,
//! resizing and rotating write at most once per animation frame so others see them live.

use board::edit::Handle;
use board::link::Link;
use board::{Point, Rect, Shape, ShapeKind, Style};

use crate::view::ShapeItem;

/// A drag shorter than this on both axes (screen pixels) draws nothing: it was a click.
pub const MIN_DRAG_PX: f64 = 2.0;
/// Hit tolerance around shapes, in screen pixels.
pub const HIT_TOLERANCE_PX: f64 = 6.0;
/// Pen samples closer than this to the previous one (screen pixels) are dropped.
const MIN_PEN_STEP_PX: f64 = 0.75;
/// Size of a sticky note placed with a click, in board units.
pub const STICKY_SIZE: f64 = 200.0;
/// Paper colour of a sticky note without a fill.
pub const STICKY_PAPER: &str = "#ffec99";

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
    /// Dragging out a rectangle, ellipse or diamond, corner to corner (board and screen
    /// points); `square` (shift) keeps the sides equal.
    Box {
        pointer: i32,
        kind: ShapeKind,
        start: Point,
        end: Point,
        start_screen: Point,
        end_screen: Point,
        square: bool,
    },
    /// Dragging out a line or an arrow; arrow ends attach to the shapes they start or end on.
    Line {
        pointer: i32,
        kind: ShapeKind,
        start: Point,
        end: Point,
        start_bind: Option<String>,
        end_bind: Option<String>,
    },
    /// Selecting every shape inside a rectangle; `base` is what was selected before (shift adds).
    Marquee {
        pointer: i32,
        start: Point,
        end: Point,
        base: Vec<String>,
    },
    /// Moving the selection: `grab` is the board point first pressed, `delta` the offset now,
    /// `written` the offset last written to the document.
    Move {
        pointer: i32,
        grab: Point,
        originals: Vec<Shape>,
        delta: Point,
        written: Point,
        guides: Vec<(Point, Point)>,
    },
    /// Resizing the selection with a handle; `bounds` is the selection's box at the start,
    /// `at` where the handle is dragged to (board coordinates).
    Resize {
        pointer: i32,
        handle: Handle,
        originals: Vec<Shape>,
        bounds: Rect,
        /// The handle's own position minus the press (the handle moves with the pointer).
        offset: Point,
        at: Point,
        keep_ratio: bool,
        written: bool,
    },
    /// Turning the selection about `pivot`; `angle` is the turn so far.
    Rotate {
        pointer: i32,
        originals: Vec<Shape>,
        pivot: Point,
        start_angle: f64,
        angle: f64,
        written: f64,
    },
    /// Erasing: the shapes touched so far (deleted on release, shown faded until then).
    Erase {
        pointer: i32,
        hits: Vec<String>,
        trail: Vec<Point>,
    },
    /// Pointing with the laser (the trail itself lives in the engine: it outlasts the press).
    Laser { pointer: i32 },
}

impl Gesture {
    /// The pointer that owns the gesture.
    pub fn pointer(&self) -> Option<i32> {
        match self {
            Gesture::Idle => None,
            Gesture::Pan { pointer, .. }
            | Gesture::Pen { pointer, .. }
            | Gesture::Box { pointer, .. }
            | Gesture::Line { pointer, .. }
            | Gesture::Marquee { pointer, .. }
            | Gesture::Move { pointer, .. }
            | Gesture::Resize { pointer, .. }
            | Gesture::Rotate { pointer, .. }
            | Gesture::Erase { pointer, .. }
            | Gesture::Laser { pointer } => Some(*pointer),
        }
    }

    /// Whether the gesture edits existing shapes (written while it runs).
    pub fn edits(&self) -> bool {
        matches!(
            self,
            Gesture::Move { .. } | Gesture::Resize { .. } | Gesture::Rotate { .. }
        )
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
    /// `None` for gestures that draw nothing, and for drags shorter than [`MIN_DRAG_PX`].
    pub fn drawn_shape(
        &self,
        id: String,
        index: String,
        style: &Style,
        zoom: f64,
    ) -> Option<Shape> {
        match self {
            Gesture::Pen { points, .. } if !points.is_empty() => {
                let points = smooth(points);
                Some(Shape::pen(id, index, style.clone(), &points))
            }
            Gesture::Box {
                kind,
                start,
                end,
                start_screen,
                end_screen,
                square,
                ..
            } => {
                let tiny = (start_screen.x - end_screen.x).abs() < MIN_DRAG_PX
                    && (start_screen.y - end_screen.y).abs() < MIN_DRAG_PX;
                if tiny {
                    return None;
                }
                let end = if *square {
                    let side = (end.x - start.x).abs().max((end.y - start.y).abs());
                    Point::new(
                        start.x + side * (end.x - start.x).signum(),
                        start.y + side * (end.y - start.y).signum(),
                    )
                } else {
                    *end
                };
                let mut style = style.clone();
                if *kind == ShapeKind::Sticky && style.fill.is_none() {
                    style.fill = Some(STICKY_PAPER.to_owned());
                }
                Some(Shape::boxed(
                    id,
                    *kind,
                    Rect::from_corners(*start, end),
                    style,
                    index,
                ))
            }
            Gesture::Line {
                kind,
                start,
                end,
                start_bind,
                end_bind,
                ..
            } => {
                if start.distance(*end) * zoom < MIN_DRAG_PX {
                    return None;
                }
                let mut style = style.clone();
                style.fill = None;
                // An elbow line turns once; bound arrows are routed round their shapes on read.
                let points: Vec<(Point, f32)> = if style.elbow {
                    board::route::elbow(
                        board::route::End::Point(*start),
                        board::route::End::Point(*end),
                        0.0,
                    )
                    .into_iter()
                    .map(|p| (p, 0.5))
                    .collect()
                } else {
                    vec![(*start, 0.5), (*end, 0.5)]
                };
                Some(Shape {
                    start_bind: start_bind.clone(),
                    end_bind: end_bind.clone(),
                    ..Shape::polyline(id, *kind, index, style, &points)
                })
            }
            _ => None,
        }
    }
}

/// Pen samples with pointer jitter smoothed out: each inner point moves a third of the way
/// towards the average of its neighbours (ends stay where the pen touched down and lifted).
pub fn smooth(points: &[(Point, f32)]) -> Vec<(Point, f32)> {
    if points.len() < 3 {
        return points.to_vec();
    }
    let mut out = Vec::with_capacity(points.len());
    out.push(points[0]);
    for w in points.windows(3) {
        let (a, b, c) = (w[0].0, w[1].0, w[2].0);
        let mid = Point::new((a.x + c.x) / 2.0, (a.y + c.y) / 2.0);
        out.push((
            Point::new(b.x + (mid.x - b.x) / 3.0, b.y + (mid.y - b.y) / 3.0),
            w[1].1,
        ));
    }
    out.push(points[points.len() - 1]);
    out
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

/// "Rectangle at 120, 80, 200 × 100": kind, position and size in whole board units, then the
/// text of text shapes and sticky notes, or a shape's label.
pub fn shape_label(shape: &Shape) -> String {
    let int = |v: f64| v.round() as i64;
    let mut label = format!(
        "{} at {}, {}, {} × {}",
        shape.kind.label(),
        int(shape.x),
        int(shape.y),
        int(shape.w),
        int(shape.h)
    );
    if shape.kind == ShapeKind::Frame {
        label.push_str(": ");
        label.push_str(board::frame::name(shape));
    } else if shape.kind.keeps_text() && !shape.text.is_empty() {
        let text: String = shape.text.chars().take(80).collect();
        label.push_str(": ");
        label.push_str(&text.replace('\n', " "));
    }
    label
}

/// A linked shape as the label of the shape linking to it names it: its kind, and its text
/// when it has some ("Ellipse “Start”").
fn link_target(shape: &Shape) -> String {
    let kind = shape.kind.label();
    let text: String = shape.text.split_whitespace().collect::<Vec<_>>().join(" ");
    if text.is_empty() {
        kind.to_owned()
    } else {
        format!("{kind} “{}”", text.chars().take(40).collect::<String>())
    }
}

/// The accessible shape list, in paint order. `writers` pairs shape ids with the names of the
/// people typing in them (added to the label: "… (Brave Otter is typing)"); `selectors` pairs
/// shape ids with the names of the people who selected them (the item's `others`).
pub fn shape_items(
    shapes: &[Shape],
    selected: &[String],
    writers: &[(String, String)],
    selectors: &[(String, String)],
) -> Vec<ShapeItem> {
    let index = |pairs: &[(String, String)]| {
        let mut by_shape: std::collections::HashMap<String, Vec<String>> = Default::default();
        for (id, name) in pairs {
            by_shape.entry(id.clone()).or_default().push(name.clone());
        }
        by_shape
    };
    let (writers, selectors) = (index(writers), index(selectors));
    let frames: std::collections::HashSet<&str> = shapes
        .iter()
        .filter(|s| s.kind == ShapeKind::Frame)
        .map(|s| s.id.as_str())
        .collect();
    let by_id: std::collections::HashMap<&str, &Shape> =
        shapes.iter().map(|s| (s.id.as_str(), s)).collect();
    shapes
        .iter()
        .map(|s| {
            let mut label = shape_label(s);
            if s.locked {
                label.push_str(" (locked)");
            }
            match s.link.as_deref().and_then(Link::stored) {
                Some(Link::Url(url)) => label.push_str(&format!(" (links to {url})")),
                Some(Link::Shape(id)) => {
                    let target = by_id.get(id.as_str()).map_or_else(
                        || "a shape no longer on the board".to_owned(),
                        |t| link_target(t),
                    );
                    label.push_str(&format!(" (links to {target})"));
                }
                None => {}
            }
            for name in writers.get(&s.id).into_iter().flatten() {
                label.push_str(&format!(" ({name} is typing)"));
            }
            ShapeItem {
                id: s.id.clone(),
                label,
                selected: selected.contains(&s.id),
                others: selectors
                    .get(&s.id)
                    .map(|names| format!("selected by {}", names.join(", ")))
                    .unwrap_or_default(),
                frame: s.frame.clone().filter(|f| frames.contains(f.as_str())),
            }
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
            square: false,
        }
    }

    fn drawn(g: &Gesture) -> Option<Shape> {
        g.drawn_shape("a".into(), "a0".into(), &Style::default(), 1.0)
    }

    #[test]
    fn tiny_drags_draw_nothing() {
        let g = boxed(Point::new(10.0, 10.0), Point::new(11.0, 11.5));
        assert_eq!(drawn(&g), None);
        let g = boxed(Point::new(10.0, 10.0), Point::new(11.0, 40.0));
        let s = drawn(&g).unwrap();
        assert_eq!(
            (s.kind, s.x, s.y, s.w, s.h),
            (ShapeKind::Ellipse, 10.0, 10.0, 1.0, 30.0)
        );
    }

    #[test]
    fn shift_draws_squares_and_sticky_notes_get_paper() {
        let mut g = boxed(Point::new(0.0, 0.0), Point::new(-30.0, 10.0));
        if let Gesture::Box { square, kind, .. } = &mut g {
            *square = true;
            *kind = ShapeKind::Sticky;
        }
        let s = drawn(&g).unwrap();
        assert_eq!((s.x, s.y, s.w, s.h), (-30.0, 0.0, 30.0, 30.0));
        assert_eq!(s.style.fill.as_deref(), Some(STICKY_PAPER));
    }

    #[test]
    fn arrows_keep_their_bindings() {
        let g = Gesture::Line {
            pointer: 1,
            kind: ShapeKind::Arrow,
            start: Point::new(0.0, 0.0),
            end: Point::new(100.0, 50.0),
            start_bind: Some("r".into()),
            end_bind: None,
        };
        let s = drawn(&g).unwrap();
        assert_eq!(s.kind, ShapeKind::Arrow);
        assert_eq!(s.start_bind.as_deref(), Some("r"));
        assert_eq!(
            s.absolute_points(),
            vec![Point::new(0.0, 0.0), Point::new(100.0, 50.0)]
        );
    }

    #[test]
    fn labels_start_with_the_kind_and_use_whole_numbers() {
        let g = boxed(Point::new(120.4, 79.6), Point::new(320.0, 180.0));
        let mut s = drawn(&g).unwrap();
        s.kind = ShapeKind::Rectangle;
        assert_eq!(shape_label(&s), "Rectangle at 120, 80, 200 × 100");
        s.kind = ShapeKind::Sticky;
        s.text = "Buy\nmilk".into();
        assert_eq!(
            shape_label(&s),
            "Sticky note at 120, 80, 200 × 100: Buy milk"
        );
    }

    #[test]
    fn the_list_says_which_shapes_are_locked_and_where_links_lead() {
        let g = boxed(Point::new(0.0, 0.0), Point::new(10.0, 10.0));
        let mut a = drawn(&g).unwrap();
        a.kind = ShapeKind::Rectangle;
        a.locked = true;
        a.link = Some("https://example.com".into());
        let mut b = a.clone();
        b.id = "b".into();
        b.locked = false;
        b.text = "Start\nhere".into();
        b.link = Some("javascript:alert(1)".into());
        let mut c = a.clone();
        c.id = "c".into();
        c.locked = false;
        c.link = Some("#shape=b".into());
        let mut d = c.clone();
        d.id = "d".into();
        d.link = Some("#shape=gone".into());
        let items = shape_items(&[a, b, c, d], &[], &[], &[]);
        let labels: Vec<&str> = items.iter().map(|i| i.label.as_str()).collect();
        assert_eq!(
            labels,
            [
                "Rectangle at 0, 0, 10 × 10 (locked) (links to https://example.com)",
                "Rectangle at 0, 0, 10 × 10: Start here",
                "Rectangle at 0, 0, 10 × 10 (links to Rectangle “Start here”)",
                "Rectangle at 0, 0, 10 × 10 (links to a shape no longer on the board)",
            ]
        );
    }

    #[test]
    fn pen_samples_thin_out_smooth_and_mice_get_neutral_pressure() {
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
        let zigzag = [
            (Point::new(0.0, 0.0), 0.5),
            (Point::new(10.0, 6.0), 0.5),
            (Point::new(20.0, 0.0), 0.5),
        ];
        let s = smooth(&zigzag);
        assert_eq!(s[0], zigzag[0]);
        assert_eq!(s[2], zigzag[2]);
        assert!((s[1].0.y - 4.0).abs() < 1e-9);
    }
}
