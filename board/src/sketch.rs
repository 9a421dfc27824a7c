//! The hand-drawn look: the rough outlines of rectangles, ellipses, diamonds, lines and arrows
//! whose style is not [`Sloppiness::Architect`], as Excalidraw draws them with rough.js.
//!
//! A sketch is paths (moves, lines and cubic curves) in the shape's own frame: relative to its
//! `(x, y)`, before rotation, so moving a shape keeps its lines and a renderer can cache them.
//! The randomness comes from rough.js's own generator (Park–Miller, `48271 · seed` modulo 2³¹)
//! seeded by a hash of the shape's id ([`seed`], FNV-1a): every collaborator, the canvas and
//! every export (`board::svg`, in the browser and on the server) draw the same lines, and
//! they change only when the shape's size, points or style do.
//!
//! The algorithm is rough.js's (4.6, MIT): each segment a bowed cubic curve drawn twice with
//! different wobbles (`_doubleLine`), ellipses as a Catmull-Rom curve through jittered points
//! taken twice, solid fills as the jittered polygon (ellipses: the first curve), with rough.js's
//! defaults (`maxRandomnessOffset` 2, `bowing` 1, `curveFitting` 0.95, `curveStepCount` 9) and
//! Excalidraw's choices on top: roughness 1 (artist) keeps corners in place, 2 (cartoonist)
//! moves them too; small shapes are drawn less rough; dashed outlines are drawn once.
//!
//! Written here rather than taken from the `roughr` crate (a Rust port of rough.js): roughr
//! 0.14 brings `palette`, `euclid`, `svgtypes`, `derive_builder` and `rand` (whose `StdRng` is
//! not promised to give the same numbers across versions, and whose unseeded path needs
//! `getrandom` wired for wasm32) into the WebAssembly bundle; what a board needs is the ~330
//! lines below.

use crate::shape::{diamond_corners, Dash, Point, Rect, Shape, ShapeKind, Sloppiness};

/// One step of a path, in the shape's frame (relative to its `(x, y)`).
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Seg {
    Move(Point),
    Line(Point),
    /// A cubic Bézier curve: two control points, then the end.
    Curve(Point, Point, Point),
}

/// The paths a shape is drawn with, in the shape's frame.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Sketch {
    /// The area a fill covers (closed shapes with a fill; closed implicitly).
    pub fill: Vec<Seg>,
    /// The outline, line or arrow shaft, stroked in the shape's colour, width and dash.
    pub stroke: Vec<Seg>,
    /// An arrow's head, stroked solid.
    pub head: Vec<Seg>,
}

impl Sketch {
    /// Every point the paths pass through or are pulled towards (tests, bounds).
    pub fn points(&self) -> impl Iterator<Item = Point> + '_ {
        self.fill
            .iter()
            .chain(&self.stroke)
            .chain(&self.head)
            .flat_map(|s| match *s {
                Seg::Move(p) | Seg::Line(p) => vec![p],
                Seg::Curve(a, b, c) => vec![a, b, c],
            })
    }
}

/// Whether a shape is drawn hand-drawn: a rectangle, ellipse, diamond, line or arrow whose
/// sloppiness is not architect.
pub fn is_sketched(shape: &Shape) -> bool {
    shape.style.sloppiness != Sloppiness::Architect
        && (shape.kind.is_closed() || matches!(shape.kind, ShapeKind::Line | ShapeKind::Arrow))
}

/// How far a sketch's lines may stray outside the shape's box (or a line's points), in board
/// units: a bound [`sketch`]'s paths keep, control points included. Points move up to 2 units
/// (times the roughness), long lines bow by up to 0.4 % of their length, ellipses' radii vary
/// by up to 5 %.
pub fn margin(shape: &Shape) -> f64 {
    if is_sketched(shape) {
        let size = shape.w.max(shape.h).max(0.0);
        shape.style.sloppiness.roughness() * (4.0 + 0.03 * size) + 4.0
    } else {
        0.0
    }
}

/// The seed of a shape's lines: FNV-1a (32 bits) of its id, odd so that the generator never
/// sticks at zero.
pub fn seed(id: &str) -> u32 {
    let mut h: u32 = 0x811c_9dc5;
    for b in id.bytes() {
        h ^= u32::from(b);
        h = h.wrapping_mul(0x0100_0193);
    }
    h | 1
}

/// The hand-drawn paths of a shape, or `None` when it is drawn clean ([`is_sketched`]).
pub fn sketch(shape: &Shape) -> Option<Sketch> {
    if !is_sketched(shape) || ![shape.w, shape.h].iter().all(|v| v.is_finite()) {
        return None;
    }
    let roughness = roughness(shape);
    let mut r = Rough {
        seed: seed(&shape.id),
        roughness,
        preserve_vertices: roughness < 2.0,
        multi_stroke: shape.style.dash == Dash::Solid,
    };
    let mut out = Sketch::default();
    let (w, h) = (shape.w.max(0.0), shape.h.max(0.0));
    let filled = shape.style.fill.is_some();
    match shape.kind {
        ShapeKind::Rectangle | ShapeKind::Diamond => {
            let corners = if shape.kind == ShapeKind::Rectangle {
                [
                    Point::new(0.0, 0.0),
                    Point::new(w, 0.0),
                    Point::new(w, h),
                    Point::new(0.0, h),
                ]
            } else {
                diamond_corners(&Rect {
                    x: 0.0,
                    y: 0.0,
                    w,
                    h,
                })
            };
            if filled {
                r.polygon_fill(&corners, &mut out.fill);
            }
            r.linear_path(&corners, true, &mut out.stroke);
        }
        ShapeKind::Ellipse => {
            let first = r.ellipse(w / 2.0, h / 2.0, w, h, &mut out.stroke);
            if filled {
                out.fill = first;
            }
        }
        ShapeKind::Line | ShapeKind::Arrow => {
            let pts: Vec<Point> = shape
                .points
                .iter()
                .map(|q| Point::new(f64::from(q.x), f64::from(q.y)))
                .filter(|p| p.x.is_finite() && p.y.is_finite())
                .collect();
            if pts.len() < 2 {
                return None;
            }
            r.linear_path(&pts, false, &mut out.stroke);
            if shape.kind == ShapeKind::Arrow {
                let (a, b) = (pts[pts.len() - 2], pts[pts.len() - 1]);
                let angle = (b.y - a.y).atan2(b.x - a.x);
                let len = (shape.style.stroke_width * 4.0 + 8.0).min(a.distance(b) * 0.5);
                for side in [-1.0, 1.0] {
                    let t = angle + side * 0.5;
                    let end = Point::new(b.x - len * t.cos(), b.y - len * t.sin());
                    r.double_line(b, end, &mut out.head);
                }
            }
        }
        _ => return None,
    }
    Some(out)
}

/// Excalidraw's `adjustRoughness`: small shapes are drawn less rough, or they turn to scribble.
fn roughness(shape: &Shape) -> f64 {
    let r = shape.style.sloppiness.roughness();
    let (max, min) = (shape.w.max(shape.h), shape.w.min(shape.h));
    if max >= 50.0 && (min >= 20.0 || shape.kind.is_polyline()) {
        r
    } else {
        (r / if max < 10.0 { 3.0 } else { 2.0 }).min(2.5)
    }
}

/// rough.js's `maxRandomnessOffset`, `bowing`, `curveFitting` and `curveStepCount` defaults.
const MAX_OFFSET: f64 = 2.0;
const BOWING: f64 = 1.0;
const CURVE_FITTING: f64 = 0.95;
const CURVE_STEPS: f64 = 9.0;

/// rough.js's generator state and the options that matter here.
struct Rough {
    seed: u32,
    roughness: f64,
    /// Ends of segments stay where they are (artist); cartoonist moves them too.
    preserve_vertices: bool,
    /// Each line drawn twice (solid outlines); dashed ones once, as Excalidraw does.
    multi_stroke: bool,
}

impl Rough {
    /// rough.js's `Random.next()`: `((2³¹ − 1) & (seed = imul(48271, seed))) / 2³¹`.
    fn random(&mut self) -> f64 {
        self.seed = self.seed.wrapping_mul(48271);
        f64::from(self.seed & 0x7fff_ffff) / 2_147_483_648.0
    }

    /// `_offset`: a random value in `min..max`, scaled by the roughness and `gain`.
    fn offset(&mut self, min: f64, max: f64, gain: f64) -> f64 {
        self.roughness * gain * (self.random() * (max - min) + min)
    }

    /// `_offsetOpt`: a random value in `-x..x`, scaled.
    fn jitter(&mut self, x: f64, gain: f64) -> f64 {
        self.offset(-x, x, gain)
    }

    fn jittered(&mut self, p: Point, by: f64, gain: f64) -> Point {
        let x = p.x + self.jitter(by, gain);
        let y = p.y + self.jitter(by, gain);
        Point::new(x, y)
    }

    /// `_line`: one bowed curve from `a` to `b`; the `overlay` pass wobbles half as much.
    fn line(&mut self, a: Point, b: Point, overlay: bool, out: &mut Vec<Seg>) {
        let length_sq = (a.x - b.x).powi(2) + (a.y - b.y).powi(2);
        let length = length_sq.sqrt();
        let gain = if length < 200.0 {
            1.0
        } else if length > 500.0 {
            0.4
        } else {
            -0.0016668 * length + 1.233334
        };
        let mut offset = MAX_OFFSET;
        if offset * offset * 100.0 > length_sq {
            offset = length / 10.0;
        }
        let spread = if overlay { offset / 2.0 } else { offset };
        let diverge = 0.2 + self.random() * 0.2;
        let mid_x = BOWING * MAX_OFFSET * (b.y - a.y) / 200.0;
        let mid_y = BOWING * MAX_OFFSET * (a.x - b.x) / 200.0;
        let mid_x = self.jitter(mid_x, gain);
        let mid_y = self.jitter(mid_y, gain);
        let start = if self.preserve_vertices {
            a
        } else {
            self.jittered(a, spread, gain)
        };
        out.push(Seg::Move(start));
        let c1 = Point::new(
            mid_x + a.x + (b.x - a.x) * diverge,
            mid_y + a.y + (b.y - a.y) * diverge,
        );
        let c1 = self.jittered(c1, spread, gain);
        let c2 = Point::new(
            mid_x + a.x + 2.0 * (b.x - a.x) * diverge,
            mid_y + a.y + 2.0 * (b.y - a.y) * diverge,
        );
        let c2 = self.jittered(c2, spread, gain);
        let end = if self.preserve_vertices {
            b
        } else {
            self.jittered(b, spread, gain)
        };
        out.push(Seg::Curve(c1, c2, end));
    }

    /// `_doubleLine`: the line, and again with a second wobble (solid outlines only).
    fn double_line(&mut self, a: Point, b: Point, out: &mut Vec<Seg>) {
        self.line(a, b, false, out);
        if self.multi_stroke {
            self.line(a, b, true, out);
        }
    }

    /// `linearPath` (and `polygon` with `close`): each segment a double line.
    fn linear_path(&mut self, pts: &[Point], close: bool, out: &mut Vec<Seg>) {
        for w in pts.windows(2) {
            self.double_line(w[0], w[1], out);
        }
        if close && pts.len() > 2 {
            self.double_line(pts[pts.len() - 1], pts[0], out);
        }
    }

    /// `solidFillPolygon`: the corners, each moved a little.
    fn polygon_fill(&mut self, pts: &[Point], out: &mut Vec<Seg>) {
        for (i, p) in pts.iter().enumerate() {
            let q = self.jittered(*p, MAX_OFFSET, 1.0);
            out.push(if i == 0 { Seg::Move(q) } else { Seg::Line(q) });
        }
    }

    /// `ellipse` (`generateEllipseParams` + `ellipseWithParams`): a curve through jittered
    /// points round the ellipse, overlapping its start, then a second looser one. Returns the
    /// first (the fill's outline).
    fn ellipse(&mut self, cx: f64, cy: f64, w: f64, h: f64, out: &mut Vec<Seg>) -> Vec<Seg> {
        let tau = std::f64::consts::TAU;
        let psq = (tau * (((w / 2.0).powi(2) + (h / 2.0).powi(2)) / 2.0).sqrt()).sqrt();
        let steps = CURVE_STEPS.max(CURVE_STEPS / 200f64.sqrt() * psq).ceil();
        let increment = tau / steps;
        let fit = 1.0 - CURVE_FITTING;
        let (rx, ry) = (w / 2.0, h / 2.0);
        let rx = rx + self.jitter(rx * fit, 1.0);
        let ry = ry + self.jitter(ry * fit, 1.0);
        let inner = self.offset(0.4, 1.0, 1.0);
        let overlap = increment * self.offset(0.1, inner, 1.0);
        let shape = (cx, cy, rx, ry, increment);
        let first = self.ellipse_points(shape, 1.0, overlap);
        let mut first_curve = Vec::new();
        curve(&first, &mut first_curve);
        out.extend_from_slice(&first_curve);
        if self.multi_stroke {
            let second = self.ellipse_points(shape, 1.5, 0.0);
            curve(&second, out);
        }
        first_curve
    }

    /// `_computeEllipsePoints`: points round the ellipse from a random angle, each moved up to
    /// `offset`, with extra points before and after so that the curve overlaps itself.
    fn ellipse_points(
        &mut self,
        (cx, cy, rx, ry, increment): (f64, f64, f64, f64, f64),
        offset: f64,
        overlap: f64,
    ) -> Vec<Point> {
        let tau = std::f64::consts::TAU;
        let at = |r: &mut Self, scale: f64, angle: f64| {
            let x = r.jitter(offset, 1.0) + cx + scale * rx * angle.cos();
            let y = r.jitter(offset, 1.0) + cy + scale * ry * angle.sin();
            Point::new(x, y)
        };
        let start = self.jitter(0.5, 1.0) - std::f64::consts::FRAC_PI_2;
        let mut pts = vec![at(self, 0.9, start - increment)];
        let end = tau + start - 0.01;
        let mut angle = start;
        // At most a few hundred points, whatever the size (the step count grows with √size).
        while angle < end && pts.len() < 4096 {
            pts.push(at(self, 1.0, angle));
            angle += increment;
        }
        pts.push(at(self, 1.0, start + tau + overlap * 0.5));
        pts.push(at(self, 0.98, start + overlap));
        pts.push(at(self, 0.9, start + overlap * 0.5));
        pts
    }
}

/// `_curve` with no tightness: a Catmull-Rom spline through `pts[1..len-1]` as cubic curves.
fn curve(pts: &[Point], out: &mut Vec<Seg>) {
    if pts.len() < 4 {
        return;
    }
    out.push(Seg::Move(pts[1]));
    for i in 1..pts.len() - 2 {
        let (p0, p1, p2, p3) = (pts[i - 1], pts[i], pts[i + 1], pts[i + 2]);
        out.push(Seg::Curve(
            Point::new(p1.x + (p2.x - p0.x) / 6.0, p1.y + (p2.y - p0.y) / 6.0),
            Point::new(p2.x + (p1.x - p3.x) / 6.0, p2.y + (p1.y - p3.y) / 6.0),
            p2,
        ));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::shape::{PenPoint, Style};

    fn shape(id: &str, kind: ShapeKind, sloppiness: Sloppiness) -> Shape {
        let points = if kind.is_polyline() {
            vec![
                PenPoint {
                    x: 0.0,
                    y: 0.0,
                    pressure: 0.5,
                },
                PenPoint {
                    x: 160.0,
                    y: 90.0,
                    pressure: 0.5,
                },
            ]
        } else {
            Vec::new()
        };
        Shape {
            id: id.into(),
            kind,
            x: 40.0,
            y: 30.0,
            w: 160.0,
            h: 90.0,
            points,
            style: Style {
                sloppiness,
                fill: Some("#a5d8ff".into()),
                ..Style::default()
            },
            ..Shape::default()
        }
    }

    const SKETCHED: [ShapeKind; 5] = [
        ShapeKind::Rectangle,
        ShapeKind::Ellipse,
        ShapeKind::Diamond,
        ShapeKind::Line,
        ShapeKind::Arrow,
    ];

    #[test]
    fn the_generator_is_rough_js_s() {
        // rough.js: new Random(1).next() = 48271 / 2^31, then (48271² mod 2^31) / 2^31.
        let mut r = Rough {
            seed: 1,
            roughness: 1.0,
            preserve_vertices: true,
            multi_stroke: true,
        };
        assert_eq!(r.random(), 48271.0 / 2_147_483_648.0);
        assert_eq!(
            r.random(),
            f64::from(48271u32.wrapping_mul(48271) & 0x7fff_ffff) / 2_147_483_648.0
        );
        // FNV-1a of "a" is 0xe40c292c; made odd.
        assert_eq!(seed("a"), 0xe40c_292d);
        assert_eq!(seed("") % 2, 1);
    }

    #[test]
    fn the_same_shape_always_gives_the_same_lines_wherever_it_is() {
        for kind in SKETCHED {
            let a = shape("s1", kind, Sloppiness::Artist);
            let first = sketch(&a).expect("sketched");
            assert_eq!(sketch(&a.clone()), Some(first.clone()), "{kind:?}");
            let mut moved = a.clone();
            (moved.x, moved.y, moved.rotation) = (-500.0, 1234.5, 1.0);
            assert_eq!(
                sketch(&moved),
                Some(first),
                "{kind:?}: moving keeps the lines"
            );
        }
    }

    #[test]
    fn other_ids_sizes_and_sloppiness_give_other_lines() {
        for kind in SKETCHED {
            let a = sketch(&shape("s1", kind, Sloppiness::Artist)).unwrap();
            let b = sketch(&shape("s2", kind, Sloppiness::Artist)).unwrap();
            assert_ne!(a, b, "{kind:?}: another id");
            let c = sketch(&shape("s1", kind, Sloppiness::Cartoonist)).unwrap();
            assert_ne!(a, c, "{kind:?}: rougher");
            let mut wider = shape("s1", kind, Sloppiness::Artist);
            wider.w += 10.0;
            if let Some(p) = wider.points.last_mut() {
                p.x += 10.0;
            }
            assert_ne!(a, sketch(&wider).unwrap(), "{kind:?}: resized");
        }
    }

    #[test]
    fn clean_shapes_and_other_kinds_are_not_sketched() {
        for kind in ShapeKind::ALL {
            assert_eq!(sketch(&shape("s", kind, Sloppiness::Architect)), None);
        }
        for kind in [
            ShapeKind::Pen,
            ShapeKind::Text,
            ShapeKind::Sticky,
            ShapeKind::Image,
        ] {
            assert_eq!(sketch(&shape("s", kind, Sloppiness::Cartoonist)), None);
        }
    }

    #[test]
    fn the_lines_stay_close_to_the_shape() {
        for kind in SKETCHED {
            for sloppiness in [Sloppiness::Artist, Sloppiness::Cartoonist] {
                for id in ["a", "b", "c", "d", "e", "f", "g", "h"] {
                    let s = shape(id, kind, sloppiness);
                    let sk = sketch(&s).unwrap();
                    let area = Rect {
                        x: 0.0,
                        y: 0.0,
                        w: s.w,
                        h: s.h,
                    }
                    .inflate(margin(&s));
                    assert!(
                        sk.points().all(|p| area.contains(p)),
                        "{kind:?} {sloppiness:?} {id}"
                    );
                    assert!(matches!(sk.stroke.first(), Some(Seg::Move(_))));
                    // Not a straight outline: some control point is off the box's edges.
                    assert!(sk.stroke.iter().any(|s| matches!(s, Seg::Curve(..))));
                }
            }
        }
    }

    #[test]
    fn artist_keeps_corners_cartoonist_moves_them() {
        let corners_kept = |s: &Sketch| {
            s.stroke.iter().all(|seg| match seg {
                Seg::Move(p) => [0.0, 160.0].contains(&p.x) && [0.0, 90.0].contains(&p.y),
                _ => true,
            })
        };
        let rect = |sl| sketch(&shape("r", ShapeKind::Rectangle, sl)).unwrap();
        assert!(corners_kept(&rect(Sloppiness::Artist)));
        assert!(!corners_kept(&rect(Sloppiness::Cartoonist)));
    }

    #[test]
    fn outlines_are_drawn_twice_unless_dashed_and_fills_follow_the_fill() {
        let mut r = shape("r", ShapeKind::Rectangle, Sloppiness::Artist);
        let moves = |s: &Sketch| {
            s.stroke
                .iter()
                .filter(|s| matches!(s, Seg::Move(_)))
                .count()
        };
        assert_eq!(moves(&sketch(&r).unwrap()), 8, "four sides, twice");
        assert_eq!(sketch(&r).unwrap().fill.len(), 4);
        r.style.dash = Dash::Dashed;
        assert_eq!(moves(&sketch(&r).unwrap()), 4);
        r.style.fill = None;
        assert!(sketch(&r).unwrap().fill.is_empty());
        let arrow = sketch(&shape("a", ShapeKind::Arrow, Sloppiness::Artist)).unwrap();
        assert_eq!(
            arrow.head.len(),
            8,
            "two sides, twice, a move and a curve each"
        );
        let e = sketch(&shape("e", ShapeKind::Ellipse, Sloppiness::Artist)).unwrap();
        assert!(!e.fill.is_empty() && e.stroke.starts_with(&e.fill));
    }

    #[test]
    fn odd_sizes_draw_without_panicking() {
        for kind in SKETCHED {
            for (w, h) in [(0.0, 0.0), (1e7, 1e7), (3.0, 500.0)] {
                let mut s = shape("x", kind, Sloppiness::Cartoonist);
                (s.w, s.h) = (w, h);
                let sk = sketch(&s).unwrap();
                assert!(sk.points().all(|p| p.x.is_finite() && p.y.is_finite()));
                assert!(sk.stroke.len() < 10_000);
            }
        }
    }
}
