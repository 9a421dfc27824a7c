//! A shape is a plain data record; geometry is computed from it, never stored beside it.
//!
//! Long mostly by its tests; the parts are points and rectangles, kinds and styles, the shape
//! with its hit test and label box, and the pen outline. Splitting off the pen outline is the
//! next step when it grows.

use serde::{Deserialize, Serialize};

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

    /// The smallest rectangle holding every point (an empty rectangle at the origin for none).
    pub fn around(points: &[Point]) -> Self {
        let Some(first) = points.first() else {
            return Rect::default();
        };
        let (mut x0, mut y0, mut x1, mut y1) = (first.x, first.y, first.x, first.y);
        for p in &points[1..] {
            x0 = x0.min(p.x);
            y0 = y0.min(p.y);
            x1 = x1.max(p.x);
            y1 = y1.max(p.y);
        }
        Rect {
            x: x0,
            y: y0,
            w: x1 - x0,
            h: y1 - y0,
        }
    }

    /// The smallest rectangle holding both.
    pub fn union(&self, other: &Rect) -> Rect {
        let x = self.x.min(other.x);
        let y = self.y.min(other.y);
        Rect {
            x,
            y,
            w: (self.x + self.w).max(other.x + other.w) - x,
            h: (self.y + self.h).max(other.y + other.h) - y,
        }
    }

    pub fn center(&self) -> Point {
        Point::new(self.x + self.w / 2.0, self.y + self.h / 2.0)
    }

    /// Whether `other` lies wholly inside this rectangle.
    pub fn contains_rect(&self, other: &Rect) -> bool {
        other.x >= self.x
            && other.y >= self.y
            && other.x + other.w <= self.x + self.w
            && other.y + other.h <= self.y + self.h
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
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ShapeKind {
    #[default]
    Rectangle,
    Ellipse,
    Diamond,
    Pen,
    Line,
    Arrow,
    Text,
    Sticky,
    Image,
    /// A named area whose contents move with it and are clipped to it (see [`crate::frame`]).
    Frame,
}

impl ShapeKind {
    pub const ALL: [ShapeKind; 10] = [
        ShapeKind::Rectangle,
        ShapeKind::Ellipse,
        ShapeKind::Diamond,
        ShapeKind::Pen,
        ShapeKind::Line,
        ShapeKind::Arrow,
        ShapeKind::Text,
        ShapeKind::Sticky,
        ShapeKind::Image,
        ShapeKind::Frame,
    ];

    /// The value stored in the document (`type` field).
    pub fn as_str(self) -> &'static str {
        match self {
            ShapeKind::Rectangle => "rect",
            ShapeKind::Ellipse => "ellipse",
            ShapeKind::Diamond => "diamond",
            ShapeKind::Pen => "pen",
            ShapeKind::Line => "line",
            ShapeKind::Arrow => "arrow",
            ShapeKind::Text => "text",
            ShapeKind::Sticky => "sticky",
            ShapeKind::Image => "image",
            ShapeKind::Frame => "frame",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        ShapeKind::ALL.into_iter().find(|k| k.as_str() == s)
    }

    /// The name a person reads (shape list, screen readers).
    pub fn label(self) -> &'static str {
        match self {
            ShapeKind::Rectangle => "Rectangle",
            ShapeKind::Ellipse => "Ellipse",
            ShapeKind::Diamond => "Diamond",
            ShapeKind::Pen => "Pen stroke",
            ShapeKind::Line => "Line",
            ShapeKind::Arrow => "Arrow",
            ShapeKind::Text => "Text",
            ShapeKind::Sticky => "Sticky note",
            ShapeKind::Image => "Image",
            ShapeKind::Frame => "Frame",
        }
    }

    /// Shapes drawn as a polyline through `points` (relative to the shape's origin).
    pub fn is_polyline(self) -> bool {
        matches!(self, ShapeKind::Pen | ShapeKind::Line | ShapeKind::Arrow)
    }

    /// Shapes that hold text edited in place: text, sticky notes, and the label centred inside
    /// a rectangle, ellipse or diamond.
    pub fn has_text(self) -> bool {
        matches!(self, ShapeKind::Text | ShapeKind::Sticky) || self.is_closed()
    }

    /// Shapes whose `text` is kept: the text shown inside ([`ShapeKind::has_text`]), a
    /// frame's name, and the label of a line or an arrow (halfway along it).
    pub fn keeps_text(self) -> bool {
        self.has_text() || matches!(self, ShapeKind::Frame | ShapeKind::Line | ShapeKind::Arrow)
    }

    /// Shapes whose outline can be dashed and filled.
    pub fn is_closed(self) -> bool {
        matches!(
            self,
            ShapeKind::Rectangle | ShapeKind::Ellipse | ShapeKind::Diamond
        )
    }
}

/// How an outline is drawn.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Dash {
    #[default]
    Solid,
    Dashed,
    Dotted,
}

impl Dash {
    pub const ALL: [Dash; 3] = [Dash::Solid, Dash::Dashed, Dash::Dotted];

    pub fn as_str(self) -> &'static str {
        match self {
            Dash::Solid => "solid",
            Dash::Dashed => "dashed",
            Dash::Dotted => "dotted",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Dash::ALL.into_iter().find(|d| d.as_str() == s)
    }

    /// Dash pattern in multiples of the stroke width (empty = solid).
    pub fn pattern(self, width: f64) -> Vec<f64> {
        match self {
            Dash::Solid => Vec::new(),
            Dash::Dashed => vec![width * 4.0 + 4.0, width * 3.0 + 4.0],
            Dash::Dotted => vec![0.01, width * 2.0 + 3.0],
        }
    }
}

/// How hand-drawn a shape's outline looks: Excalidraw's "sloppiness" (rough.js roughness 0, 1,
/// 2). Architect is the clean geometry; the others draw rectangles, ellipses, diamonds, lines
/// and arrows as [`crate::sketch`] strokes them, the same lines for everyone.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Sloppiness {
    #[default]
    Architect,
    Artist,
    Cartoonist,
}

impl Sloppiness {
    pub const ALL: [Sloppiness; 3] = [
        Sloppiness::Architect,
        Sloppiness::Artist,
        Sloppiness::Cartoonist,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Sloppiness::Architect => "architect",
            Sloppiness::Artist => "artist",
            Sloppiness::Cartoonist => "cartoonist",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Sloppiness::ALL.into_iter().find(|v| v.as_str() == s)
    }

    /// rough.js's `roughness`: how far lines stray, in multiples of its 2-unit offset.
    pub fn roughness(self) -> f64 {
        match self {
            Sloppiness::Architect => 0.0,
            Sloppiness::Artist => 1.0,
            Sloppiness::Cartoonist => 2.0,
        }
    }

    /// From Excalidraw's `roughness` (0, 1, 2; anything else to the nearest).
    pub fn from_roughness(r: f64) -> Self {
        if !r.is_finite() || r < 0.5 {
            Sloppiness::Architect
        } else if r < 1.5 {
            Sloppiness::Artist
        } else {
            Sloppiness::Cartoonist
        }
    }
}

/// The face text is set in: Excalidraw's "hand-drawn / normal / code". The CSS stacks are in
/// [`crate::svg::text`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Font {
    #[default]
    Sans,
    Hand,
    Mono,
}

impl Font {
    pub const ALL: [Font; 3] = [Font::Hand, Font::Sans, Font::Mono];

    pub fn as_str(self) -> &'static str {
        match self {
            Font::Sans => "sans",
            Font::Hand => "hand",
            Font::Mono => "mono",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Font::ALL.into_iter().find(|f| f.as_str() == s)
    }
}

/// Limits every reader applies, whatever a foreign client wrote.
pub const MIN_OPACITY: f64 = 0.1;
pub const MIN_FONT_SIZE: f64 = 6.0;
pub const MAX_FONT_SIZE: f64 = 400.0;
pub const MAX_STROKE_WIDTH: f64 = 64.0;

/// How a shape is painted.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct Style {
    /// CSS colour of the outline, stroke or text.
    pub stroke: String,
    /// CSS colour of the fill, or `None` for no fill (sticky notes: the paper colour).
    pub fill: Option<String>,
    /// Outline width in board units.
    pub stroke_width: f64,
    pub dash: Dash,
    /// 0.1 ..= 1.
    pub opacity: f64,
    /// Text size in board units (text and sticky notes).
    pub font_size: f64,
    /// Lines and arrows: routed with right angles ([`crate::route`]) rather than straight.
    pub elbow: bool,
    /// Hand-drawn outlines (closed shapes, lines, arrows).
    pub sloppiness: Sloppiness,
    /// The face of text, notes and labels.
    pub font_family: Font,
}

impl Default for Style {
    fn default() -> Self {
        Self {
            stroke: "#1e1e1e".to_owned(),
            fill: None,
            stroke_width: 2.0,
            dash: Dash::Solid,
            opacity: 1.0,
            font_size: 20.0,
            elbow: false,
            sloppiness: Sloppiness::Architect,
            font_family: Font::Sans,
        }
    }
}

/// One shape on a board.
///
/// `x, y, w, h` is the bounding box in board coordinates before rotation; `rotation` turns the
/// shape about the box's centre. Polylines (pen, line, arrow) keep their points relative to
/// `(x, y)`, so moving one rewrites two numbers rather than every point.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct Shape {
    /// Unique within the board; the key in the `shapes` map.
    pub id: String,
    pub kind: ShapeKind,
    pub x: f64,
    pub y: f64,
    pub w: f64,
    pub h: f64,
    /// Radians, clockwise on screen, about the centre of the box.
    pub rotation: f64,
    pub style: Style,
    /// Polylines only: points relative to `(x, y)`, with pressure in 0..=1.
    pub points: Vec<PenPoint>,
    /// Text, sticky notes, and the labels of rectangles, ellipses and diamonds.
    pub text: String,
    /// Arrows: the shapes their start and end are attached to.
    pub start_bind: Option<String>,
    pub end_bind: Option<String>,
    /// Images: the URL of the stored image (a path on the board's server).
    pub src: Option<String>,
    /// Shapes sharing a group id are selected and moved together.
    pub group: Option<String>,
    /// The frame this shape belongs to: it moves with the frame and is clipped to it.
    pub frame: Option<String>,
    /// Fractional-index key; shapes paint in ascending key order (see [`crate::order`]).
    pub index: String,
    /// Kept from clicks and edits until unlocked (see [`crate::lock`]).
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub locked: bool,
    /// Where clicking the shape's link badge leads, in the stored form of [`crate::link`]
    /// (only safe links: the readers and writers of every format sanitise it).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub link: Option<String>,
}

/// One sampled point of a pen stroke, relative to the stroke's origin.
#[derive(Debug, Clone, Copy, PartialEq, Default, Serialize, Deserialize)]
pub struct PenPoint {
    pub x: f32,
    pub y: f32,
    pub pressure: f32,
}

impl Shape {
    /// A shape of `kind` filling `rect`, with no points, text or links.
    pub fn boxed(id: String, kind: ShapeKind, rect: Rect, style: Style, index: String) -> Self {
        Shape {
            id,
            kind,
            x: rect.x,
            y: rect.y,
            w: rect.w,
            h: rect.h,
            style,
            index,
            ..Shape::default()
        }
    }

    pub fn bounds(&self) -> Rect {
        Rect {
            x: self.x,
            y: self.y,
            w: self.w,
            h: self.h,
        }
    }

    pub fn center(&self) -> Point {
        Point::new(self.x + self.w / 2.0, self.y + self.h / 2.0)
    }

    /// The axis-aligned box around the shape as painted (rotation included, stroke excluded).
    pub fn aabb(&self) -> Rect {
        if self.rotation == 0.0 {
            return self.bounds();
        }
        let c = self.center();
        let corners = [
            Point::new(self.x, self.y),
            Point::new(self.x + self.w, self.y),
            Point::new(self.x + self.w, self.y + self.h),
            Point::new(self.x, self.y + self.h),
        ]
        .map(|p| rotate_about(p, c, self.rotation));
        Rect::around(&corners)
    }

    /// Builds a polyline (pen stroke, line, arrow) from absolute points: the origin becomes the
    /// top-left of their bounds.
    pub fn polyline(
        id: String,
        kind: ShapeKind,
        index: String,
        style: Style,
        absolute: &[(Point, f32)],
    ) -> Self {
        let pts: Vec<Point> = absolute.iter().map(|(p, _)| *p).collect();
        let b = Rect::around(&pts);
        let points = absolute
            .iter()
            .map(|(p, pressure)| PenPoint {
                x: (p.x - b.x) as f32,
                y: (p.y - b.y) as f32,
                pressure: *pressure,
            })
            .collect();
        Shape {
            points,
            ..Shape::boxed(id, kind, b, style, index)
        }
    }

    /// Builds a pen stroke from absolute points.
    pub fn pen(id: String, index: String, style: Style, absolute: &[(Point, f32)]) -> Self {
        Shape::polyline(id, ShapeKind::Pen, index, style, absolute)
    }

    /// A polyline's points in board coordinates (rotation included).
    pub fn absolute_points(&self) -> Vec<Point> {
        let c = self.center();
        self.points
            .iter()
            .map(|q| {
                let p = Point::new(self.x + f64::from(q.x), self.y + f64::from(q.y));
                if self.rotation == 0.0 {
                    p
                } else {
                    rotate_about(p, c, self.rotation)
                }
            })
            .collect()
    }

    /// Whether a point (board coordinates) touches this shape, within `tolerance` board units.
    ///
    /// Filled shapes are hit anywhere inside; unfilled rectangles, ellipses and diamonds only
    /// near their outline, as in other whiteboards, so a shape drawn around others does not
    /// swallow clicks (the select tool grabs a hollow shape by its inside only where nothing
    /// is hit: [`Shape::hit_inside`]). Text, sticky notes and images are hit anywhere in their
    /// box.
    pub fn hit(&self, p: Point, tolerance: f64) -> bool {
        self.hit_as(p, tolerance, self.style.fill.is_some())
    }

    /// Like [`Shape::hit`], with rectangles, ellipses and diamonds taken as filled.
    pub fn hit_inside(&self, p: Point, tolerance: f64) -> bool {
        self.hit_as(p, tolerance, true)
    }

    fn hit_as(&self, p: Point, tolerance: f64, filled: bool) -> bool {
        let slack = tolerance + self.style.stroke_width / 2.0;
        // Work in the shape's own frame.
        let p = if self.rotation == 0.0 {
            p
        } else {
            rotate_about(p, self.center(), -self.rotation)
        };
        if !self.bounds().inflate(slack).contains(p) {
            return false;
        }
        let (rx, ry) = (self.w / 2.0, self.h / 2.0);
        let c = self.center();
        match self.kind {
            ShapeKind::Rectangle => {
                if filled {
                    return true;
                }
                let inner = self.bounds().inflate(-slack);
                inner.w <= 0.0 || inner.h <= 0.0 || !inner.contains(p)
            }
            ShapeKind::Ellipse => {
                let norm = |rx: f64, ry: f64| {
                    if rx <= 0.0 || ry <= 0.0 {
                        return f64::INFINITY;
                    }
                    ((p.x - c.x) / rx).powi(2) + ((p.y - c.y) / ry).powi(2)
                };
                let outer = norm(rx + slack, ry + slack);
                if filled {
                    return outer <= 1.0;
                }
                let inner = norm(rx - slack, ry - slack);
                outer <= 1.0 && (inner >= 1.0 || rx <= slack || ry <= slack)
            }
            ShapeKind::Diamond => {
                let corners = diamond_corners(&self.bounds());
                let inside =
                    rx > 0.0 && ry > 0.0 && (p.x - c.x).abs() / rx + (p.y - c.y).abs() / ry <= 1.0;
                if filled && inside {
                    return true;
                }
                (0..4).any(|i| distance_to_segment(p, corners[i], corners[(i + 1) % 4]) <= slack)
            }
            ShapeKind::Pen | ShapeKind::Line | ShapeKind::Arrow => {
                let abs = |q: &PenPoint| Point::new(self.x + q.x as f64, self.y + q.y as f64);
                match self.points.as_slice() {
                    [] => false,
                    [only] => abs(only).distance(p) <= slack,
                    pts => pts
                        .windows(2)
                        .any(|w| distance_to_segment(p, abs(&w[0]), abs(&w[1])) <= slack),
                }
            }
            ShapeKind::Text | ShapeKind::Sticky | ShapeKind::Image => true,
            // Only its outline: a press inside a frame selects what is in it, or starts a
            // marquee there (its name above it is hit by `frame::name_box`).
            ShapeKind::Frame => {
                let inner = self.bounds().inflate(-slack);
                inner.w <= 0.0 || inner.h <= 0.0 || !inner.contains(p)
            }
        }
    }
}

/// Padding between a sticky note's edge and its text, in board units.
pub const STICKY_PAD: f64 = 14.0;
/// Padding between a shape's outline and its label, in board units.
pub const LABEL_PAD: f64 = 6.0;

impl Shape {
    /// The box text wraps and centres in (before rotation, about the same centre): a sticky
    /// note's inside less its padding; the largest rectangle inside a rectangle, ellipse or
    /// diamond, less a little; a text shape's own box. `None` for shapes without text.
    pub fn label_box(&self) -> Option<Rect> {
        let inset = |fx: f64, fy: f64, pad: f64| {
            let (w, h) = (
                (self.w * fx - 2.0 * pad).max(1.0),
                (self.h * fy - 2.0 * pad).max(1.0),
            );
            let c = self.center();
            Rect {
                x: c.x - w / 2.0,
                y: c.y - h / 2.0,
                w,
                h,
            }
        };
        match self.kind {
            ShapeKind::Text => Some(self.bounds()),
            ShapeKind::Sticky => Some(inset(1.0, 1.0, STICKY_PAD)),
            ShapeKind::Rectangle => {
                Some(inset(1.0, 1.0, LABEL_PAD + self.style.stroke_width / 2.0))
            }
            ShapeKind::Ellipse => Some(inset(
                std::f64::consts::FRAC_1_SQRT_2,
                std::f64::consts::FRAC_1_SQRT_2,
                LABEL_PAD / 2.0,
            )),
            ShapeKind::Diamond => Some(inset(0.5, 0.5, LABEL_PAD / 2.0)),
            ShapeKind::Pen
            | ShapeKind::Line
            | ShapeKind::Arrow
            | ShapeKind::Image
            | ShapeKind::Frame => None,
        }
    }
}

/// Line width of a pen stroke at a sampled pressure: half the style width with no pressure, one
/// and a half at full pressure (a mouse reports 0.5, which gives the style width).
pub fn pen_width(base: f64, pressure: f32) -> f64 {
    base * (0.5 + f64::from(pressure.clamp(0.0, 1.0)))
}

/// Points on a round cap around `c`: from the offset `from`, half a turn through the stroke's
/// direction of travel, in `steps`.
fn cap(c: Point, from: Point, steps: usize, out: &mut Vec<Point>) {
    for k in 1..steps {
        let a = -std::f64::consts::PI * k as f64 / steps as f64;
        let (sin, cos) = a.sin_cos();
        out.push(Point::new(
            c.x + from.x * cos - from.y * sin,
            c.y + from.x * sin + from.y * cos,
        ));
    }
}

impl Shape {
    /// The outline of a pen stroke as one closed polygon (relative to the stroke's origin):
    /// the width follows the pressure, smoothed over neighbouring samples, with round ends. A
    /// stroke is then one fill, however much its pressure varies.
    pub fn pen_outline(&self) -> Vec<Point> {
        let base = self.style.stroke_width;
        let pts: Vec<Point> = self
            .points
            .iter()
            .map(|q| Point::new(f64::from(q.x), f64::from(q.y)))
            .collect();
        let n = pts.len();
        let raw: Vec<f64> = self
            .points
            .iter()
            .map(|q| pen_width(base, q.pressure))
            .collect();
        let width = |i: usize| {
            let lo = i.saturating_sub(2);
            let hi = (i + 2).min(n - 1);
            raw[lo..=hi].iter().sum::<f64>() / (hi - lo + 1) as f64
        };
        let mut out = Vec::with_capacity(2 * n + 16);
        match n {
            0 => {}
            1 => {
                let r = width(0) / 2.0;
                out.push(Point::new(pts[0].x + r, pts[0].y));
                cap(pts[0], Point::new(r, 0.0), 8, &mut out);
                out.push(Point::new(pts[0].x - r, pts[0].y));
                cap(pts[0], Point::new(-r, 0.0), 8, &mut out);
            }
            _ => {
                let mut normals = Vec::with_capacity(n);
                let mut last = Point::new(0.0, -1.0);
                for i in 0..n {
                    let (a, b) = (pts[i.saturating_sub(1)], pts[(i + 1).min(n - 1)]);
                    let (dx, dy) = (b.x - a.x, b.y - a.y);
                    let len = dx.hypot(dy);
                    if len > 1e-9 {
                        last = Point::new(-dy / len, dx / len);
                    }
                    normals.push(last);
                }
                let side = |i: usize, sign: f64| {
                    let h = width(i) / 2.0 * sign;
                    Point::new(pts[i].x + normals[i].x * h, pts[i].y + normals[i].y * h)
                };
                out.extend((0..n).map(|i| side(i, 1.0)));
                let end = normals[n - 1];
                let h = width(n - 1) / 2.0;
                cap(pts[n - 1], Point::new(end.x * h, end.y * h), 6, &mut out);
                out.extend((0..n).rev().map(|i| side(i, -1.0)));
                let start = normals[0];
                let h = width(0) / 2.0;
                cap(pts[0], Point::new(-start.x * h, -start.y * h), 6, &mut out);
            }
        }
        out
    }
}

/// The four corners of the diamond inscribed in `r`: top, right, bottom, left.
pub fn diamond_corners(r: &Rect) -> [Point; 4] {
    let (cx, cy) = (r.x + r.w / 2.0, r.y + r.h / 2.0);
    [
        Point::new(cx, r.y),
        Point::new(r.x + r.w, cy),
        Point::new(cx, r.y + r.h),
        Point::new(r.x, cy),
    ]
}

/// `p` turned by `angle` radians about `c`.
pub fn rotate_about(p: Point, c: Point, angle: f64) -> Point {
    let (sin, cos) = angle.sin_cos();
    let (dx, dy) = (p.x - c.x, p.y - c.y);
    Point::new(c.x + dx * cos - dy * sin, c.y + dx * sin + dy * cos)
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
            index: "a0".into(),
            ..Shape::default()
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
    fn a_hollow_shape_is_inside_for_hit_inside_only() {
        let r = rect(None);
        assert!(!r.hit(Point::new(50.0, 25.0), 3.0));
        assert!(r.hit_inside(Point::new(50.0, 25.0), 0.0));
        assert!(!r.hit_inside(Point::new(200.0, 25.0), 0.0));
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
    fn a_pen_outline_surrounds_the_stroke_at_its_width() {
        let pts = [
            (Point::new(0.0, 0.0), 0.5),
            (Point::new(50.0, 0.0), 0.5),
            (Point::new(100.0, 0.0), 0.5),
        ];
        let s = Shape::pen("p".into(), "a0".into(), Style::default(), &pts);
        let outline = s.pen_outline();
        // Both sides, one stroke width apart, plus round caps beyond the ends.
        let ys: Vec<f64> = outline.iter().map(|p| p.y).collect();
        assert!(ys.iter().any(|y| (y - 1.0).abs() < 1e-9));
        assert!(ys.iter().any(|y| (y + 1.0).abs() < 1e-9));
        let xs: Vec<f64> = outline.iter().map(|p| p.x).collect();
        assert!(xs.iter().cloned().fold(f64::INFINITY, f64::min) < -0.9);
        assert!(xs.iter().cloned().fold(f64::NEG_INFINITY, f64::max) > 100.9);
        let dot = Shape::pen("d".into(), "a0".into(), Style::default(), &pts[..1]);
        assert!(dot
            .pen_outline()
            .iter()
            .all(|p| (p.distance(Point::default()) - 1.0).abs() < 1e-9));
    }

    #[test]
    fn labels_sit_centred_inside_closed_shapes_and_notes() {
        let mut r = rect(None);
        assert!(r.kind.has_text());
        let inside = r.label_box().unwrap();
        assert!(r.bounds().contains_rect(&inside));
        assert_eq!(inside.center(), r.center());
        r.kind = ShapeKind::Ellipse;
        let e = r.label_box().unwrap();
        // Every corner of the label box lies inside the ellipse.
        let (rx, ry) = (r.w / 2.0, r.h / 2.0);
        let corner = Point::new(e.x - r.center().x, e.y - r.center().y);
        assert!((corner.x / rx).powi(2) + (corner.y / ry).powi(2) <= 1.0);
        r.kind = ShapeKind::Diamond;
        let d = r.label_box().unwrap();
        assert!((d.x - r.center().x).abs() / rx + (d.y - r.center().y).abs() / ry <= 1.0);
        r.kind = ShapeKind::Line;
        assert!(!r.kind.has_text() && r.label_box().is_none());
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
