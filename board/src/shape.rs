//! A shape is a plain data record; geometry is computed from it, never stored beside it.

/// A point on the board, in board coordinates (not screen pixels).
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct Point {
    pub x: f64,
    pub y: f64,
}

impl Point {
    pub const fn new(x: f64, y: f64) -> Self {
        Self { x, y }
    }

    pub fn distance(self, other: Point) -> f64 {
        (self.x - other.x).hypot(self.y - other.y)
    }
}

/// An axis-aligned rectangle with a non-negative size.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct Rect {
    pub x: f64,
    pub y: f64,
    pub w: f64,
    pub h: f64,
}

impl Rect {
    /// The rectangle spanned by two corners given in any order.
    pub fn from_corners(a: Point, b: Point) -> Self {
        Self {
            x: a.x.min(b.x),
            y: a.y.min(b.y),
            w: (a.x - b.x).abs(),
            h: (a.y - b.y).abs(),
        }
    }

    pub fn contains(&self, p: Point) -> bool {
        p.x >= self.x && p.x <= self.x + self.w && p.y >= self.y && p.y <= self.y + self.h
    }

    pub fn inflate(&self, by: f64) -> Rect {
        Rect {
            x: self.x - by,
            y: self.y - by,
            w: self.w + 2.0 * by,
            h: self.h + 2.0 * by,
        }
    }

    pub fn intersects(&self, other: &Rect) -> bool {
        self.x <= other.x + other.w
            && other.x <= self.x + self.w
            && self.y <= other.y + other.h
            && other.y <= self.y + self.h
    }
}

/// What a shape is. The string form is what the document stores under `type`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ShapeKind {
    Rectangle,
    Ellipse,
    Pen,
}

impl ShapeKind {
    /// The value stored in the document (`type` field).
    pub fn as_str(self) -> &'static str {
        match self {
            ShapeKind::Rectangle => "rect",
            ShapeKind::Ellipse => "ellipse",
            ShapeKind::Pen => "pen",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "rect" => Some(ShapeKind::Rectangle),
            "ellipse" => Some(ShapeKind::Ellipse),
            "pen" => Some(ShapeKind::Pen),
            _ => None,
        }
    }

    /// The name a person reads (shape list, screen readers).
    pub fn label(self) -> &'static str {
        match self {
            ShapeKind::Rectangle => "Rectangle",
            ShapeKind::Ellipse => "Ellipse",
            ShapeKind::Pen => "Pen stroke",
        }
    }
}

/// How a shape is painted.
#[derive(Debug, Clone, PartialEq)]
pub struct Style {
    /// CSS colour of the outline or stroke.
    pub stroke: String,
    /// CSS colour of the fill, or `None` for no fill.
    pub fill: Option<String>,
    /// Outline width in board units.
    pub stroke_width: f64,
}

impl Default for Style {
    fn default() -> Self {
        Self {
            stroke: "#1e1e1e".to_owned(),
            fill: None,
            stroke_width: 2.0,
        }
    }
}

/// One shape on a board.
///
/// `x, y, w, h` is the bounding box in board coordinates. A pen stroke keeps its points relative
/// to `(x, y)`, so moving a stroke rewrites two numbers rather than every point.
#[derive(Debug, Clone, PartialEq)]
pub struct Shape {
    /// Unique within the board; the key in the `shapes` map.
    pub id: String,
    pub kind: ShapeKind,
    pub x: f64,
    pub y: f64,
    pub w: f64,
    pub h: f64,
    pub style: Style,
    /// Pen strokes only: points relative to `(x, y)`, with pressure in 0..=1.
    pub points: Vec<PenPoint>,
    /// Fractional-index key; shapes paint in ascending key order (see [`crate::order`]).
    pub index: String,
}

/// One sampled point of a pen stroke, relative to the stroke's origin.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PenPoint {
    pub x: f32,
    pub y: f32,
    pub pressure: f32,
}

impl Shape {
    pub fn bounds(&self) -> Rect {
        Rect {
            x: self.x,
            y: self.y,
            w: self.w,
            h: self.h,
        }
    }

    /// Builds a pen stroke from absolute points: the origin becomes the top-left of their bounds.
    pub fn pen(id: String, index: String, style: Style, absolute: &[(Point, f32)]) -> Self {
        let min_x = absolute
            .iter()
            .map(|(p, _)| p.x)
            .fold(f64::INFINITY, f64::min);
        let min_y = absolute
            .iter()
            .map(|(p, _)| p.y)
            .fold(f64::INFINITY, f64::min);
        let max_x = absolute
            .iter()
            .map(|(p, _)| p.x)
            .fold(f64::NEG_INFINITY, f64::max);
        let max_y = absolute
            .iter()
            .map(|(p, _)| p.y)
            .fold(f64::NEG_INFINITY, f64::max);
        let (min_x, min_y) = if absolute.is_empty() {
            (0.0, 0.0)
        } else {
            (min_x, min_y)
        };
        let points = absolute
            .iter()
            .map(|(p, pressure)| PenPoint {
                x: (p.x - min_x) as f32,
                y: (p.y - min_y) as f32,
                pressure: *pressure,
            })
            .collect();
        Shape {
            id,
            kind: ShapeKind::Pen,
            x: min_x,
            y: min_y,
            w: if absolute.is_empty() {
                0.0
            } else {
                max_x - min_x
            },
            h: if absolute.is_empty() {
                0.0
            } else {
                max_y - min_y
            },
            style,
            points,
            index,
        }
    }

    /// Whether a point (board coordinates) touches this shape, within `tolerance` board units.
    ///
    /// Filled shapes are hit anywhere inside; unfilled rectangles and ellipses only near their
    /// outline, as in other whiteboards, so a shape drawn around others does not swallow clicks.
    pub fn hit(&self, p: Point, tolerance: f64) -> bool {
        let slack = tolerance + self.style.stroke_width / 2.0;
        if !self.bounds().inflate(slack).contains(p) {
            return false;
        }
        match self.kind {
            ShapeKind::Rectangle => {
                if self.style.fill.is_some() {
                    return true;
                }
                let inner = self.bounds().inflate(-slack);
                inner.w <= 0.0 || inner.h <= 0.0 || !inner.contains(p)
            }
            ShapeKind::Ellipse => {
                let (rx, ry) = (self.w / 2.0, self.h / 2.0);
                let (cx, cy) = (self.x + rx, self.y + ry);
                let norm = |rx: f64, ry: f64| {
                    if rx <= 0.0 || ry <= 0.0 {
                        return f64::INFINITY;
                    }
                    ((p.x - cx) / rx).powi(2) + ((p.y - cy) / ry).powi(2)
                };
                let outer = norm(rx + slack, ry + slack);
                if self.style.fill.is_some() {
                    return outer <= 1.0;
                }
                let inner = norm(rx - slack, ry - slack);
                outer <= 1.0 && (inner >= 1.0 || rx <= slack || ry <= slack)
            }
            ShapeKind::Pen => {
                let abs = |q: &PenPoint| Point::new(self.x + q.x as f64, self.y + q.y as f64);
                match self.points.as_slice() {
                    [] => false,
                    [only] => abs(only).distance(p) <= slack,
                    pts => pts
                        .windows(2)
                        .any(|w| distance_to_segment(p, abs(&w[0]), abs(&w[1])) <= slack),
                }
            }
        }
    }
}

/// Distance from `p` to the segment `a`–`b`.
pub fn distance_to_segment(p: Point, a: Point, b: Point) -> f64 {
    let (dx, dy) = (b.x - a.x, b.y - a.y);
    let len2 = dx * dx + dy * dy;
    if len2 == 0.0 {
        return p.distance(a);
    }
    let t = (((p.x - a.x) * dx + (p.y - a.y) * dy) / len2).clamp(0.0, 1.0);
    p.distance(Point::new(a.x + t * dx, a.y + t * dy))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rect(fill: Option<&str>) -> Shape {
        Shape {
            id: "r".into(),
            kind: ShapeKind::Rectangle,
            x: 0.0,
            y: 0.0,
            w: 100.0,
            h: 50.0,
            style: Style {
                fill: fill.map(str::to_owned),
                ..Style::default()
            },
            points: vec![],
            index: "a0".into(),
        }
    }

    #[test]
    fn unfilled_rectangle_is_hit_on_its_outline_only() {
        let r = rect(None);
        assert!(r.hit(Point::new(0.0, 25.0), 3.0));
        assert!(r.hit(Point::new(50.0, 51.0), 3.0));
        assert!(!r.hit(Point::new(50.0, 25.0), 3.0));
        assert!(!r.hit(Point::new(200.0, 25.0), 3.0));
    }

    #[test]
    fn filled_rectangle_is_hit_inside() {
        assert!(rect(Some("#fff")).hit(Point::new(50.0, 25.0), 3.0));
    }

    #[test]
    fn ellipse_outline_hit() {
        let mut e = rect(None);
        e.kind = ShapeKind::Ellipse;
        assert!(e.hit(Point::new(50.0, 0.0), 3.0));
        assert!(!e.hit(Point::new(50.0, 25.0), 3.0));
        assert!(
            !e.hit(Point::new(1.0, 1.0), 3.0),
            "corner of the box is outside the ellipse"
        );
    }

    #[test]
    fn pen_stroke_is_relative_to_its_bounds_and_hit_along_segments() {
        let pts = [
            (Point::new(10.0, 10.0), 0.5),
            (Point::new(110.0, 10.0), 0.5),
            (Point::new(110.0, 60.0), 0.5),
        ];
        let s = Shape::pen("p".into(), "a0".into(), Style::default(), &pts);
        assert_eq!((s.x, s.y, s.w, s.h), (10.0, 10.0, 100.0, 50.0));
        assert_eq!(s.points[0].x, 0.0);
        assert!(s.hit(Point::new(60.0, 11.0), 2.0));
        assert!(s.hit(Point::new(111.0, 40.0), 2.0));
        assert!(!s.hit(Point::new(60.0, 40.0), 2.0));
    }

    #[test]
    fn rect_from_corners_normalises() {
        let r = Rect::from_corners(Point::new(10.0, 5.0), Point::new(0.0, 20.0));
        assert_eq!(
            r,
            Rect {
                x: 0.0,
                y: 5.0,
                w: 10.0,
                h: 15.0
            }
        );
    }
}
