//! Editing geometry, free of IO: arrow bindings, selection handles, resizing, rotating,
//! aligning, distributing, snapping and z-order. The client turns the results into document
//! writes; everything here is plain functions on [`Shape`]s, tested natively.

use std::collections::{HashMap, HashSet};

use crate::order;
use crate::route;
use crate::shape::{rotate_about, Point, Rect, Shape, ShapeKind};

/// Shapes whose tops round to the same multiple of this (board units) read as one row.
const ROW: f64 = 20.0;

/// Sorts shapes in reading order: top to bottom, then left to right among shapes whose tops
/// are within about half a line of each other (find's matches, slides).
pub fn reading_order(shapes: &mut [&Shape]) {
    shapes.sort_by(|a, b| {
        let (ra, rb) = (a.aabb(), b.aabb());
        let row = |r: Rect| (r.y / ROW).round();
        row(ra)
            .total_cmp(&row(rb))
            .then(ra.x.total_cmp(&rb.x))
            .then(ra.y.total_cmp(&rb.y))
    });
}

/// Gap between an attached arrow's end and the outline of its shape, in board units.
pub const BIND_GAP: f64 = 6.0;

/// Whether arrows can attach to shapes of this kind.
pub fn bindable(kind: ShapeKind) -> bool {
    !kind.is_polyline()
}

/// Puts the attached ends of arrows on the outline of the shapes they are bound to, so an
/// arrow follows its shapes when they move, for everyone and without writing anything. An end
/// bound to a shape that no longer exists keeps its stored position. Elbow lines and arrows
/// are routed with right angles between their ends, round the shapes they are bound to
/// ([`crate::route`]).
pub fn resolve_bindings(shapes: &mut [Shape]) {
    let bound: HashSet<&str> = shapes
        .iter()
        .filter(|s| s.kind == ShapeKind::Arrow)
        .flat_map(|s| [s.start_bind.as_deref(), s.end_bind.as_deref()])
        .flatten()
        .collect();
    let elbow = |s: &Shape| s.style.elbow && matches!(s.kind, ShapeKind::Line | ShapeKind::Arrow);
    if bound.is_empty() && !shapes.iter().any(elbow) {
        return;
    }
    let targets: HashMap<String, Shape> = shapes
        .iter()
        .filter(|s| bindable(s.kind) && bound.contains(s.id.as_str()))
        .map(|s| (s.id.clone(), s.clone()))
        .collect();
    for arrow in shapes.iter_mut() {
        let routed = elbow(arrow);
        if !(arrow.kind == ShapeKind::Arrow || routed) || arrow.points.len() < 2 {
            continue;
        }
        let target = |id: &Option<String>| id.as_deref().and_then(|id| targets.get(id));
        let (start, end) = (target(&arrow.start_bind), target(&arrow.end_bind));
        if start.is_none() && end.is_none() && !routed {
            continue;
        }
        let pts = arrow.absolute_points();
        let (first, last) = (pts[0], pts[pts.len() - 1]);
        let route: Vec<(Point, f32)> = if routed {
            let end_of = |t: Option<&Shape>, p: Point| {
                t.map_or(route::End::Point(p), |t| route::End::Box(t.aabb()))
            };
            route::elbow(end_of(start, first), end_of(end, last), BIND_GAP)
                .into_iter()
                .map(|p| (p, 0.5))
                .collect()
        } else {
            let a = start.map_or(first, |t| outline_point(t, end.map_or(last, Shape::center)));
            let b = end.map_or(last, |t| {
                outline_point(t, start.map_or(first, Shape::center))
            });
            vec![(a, 0.5), (b, 0.5)]
        };
        *arrow = Shape {
            rotation: 0.0,
            ..Shape::polyline(
                std::mem::take(&mut arrow.id),
                arrow.kind,
                std::mem::take(&mut arrow.index),
                arrow.style.clone(),
                &route,
            )
        }
        .with_links_of(arrow);
    }
}

impl Shape {
    /// This shape with the text, bindings, image, group, frame, lock and link of `other`.
    fn with_links_of(mut self, other: &Shape) -> Shape {
        self.text = other.text.clone();
        self.start_bind = other.start_bind.clone();
        self.end_bind = other.end_bind.clone();
        self.src = other.src.clone();
        self.group = other.group.clone();
        self.frame = other.frame.clone();
        self.locked = other.locked;
        self.link = other.link.clone();
        self
    }
}

/// Where the ray from `shape`'s centre towards `toward` leaves its outline, plus [`BIND_GAP`].
pub fn outline_point(shape: &Shape, toward: Point) -> Point {
    let c = shape.center();
    let (dx, dy) = (toward.x - c.x, toward.y - c.y);
    let len = dx.hypot(dy);
    if len < 1e-9 {
        return c;
    }
    // The direction in the shape's own (unrotated) frame.
    let local = rotate_about(
        Point::new(dx / len, dy / len),
        Point::default(),
        -shape.rotation,
    );
    let (rx, ry) = ((shape.w / 2.0).max(0.5), (shape.h / 2.0).max(0.5));
    let t = match shape.kind {
        ShapeKind::Ellipse => 1.0 / ((local.x / rx).powi(2) + (local.y / ry).powi(2)).sqrt(),
        ShapeKind::Diamond => 1.0 / (local.x.abs() / rx + local.y.abs() / ry),
        _ => (rx / local.x.abs()).min(ry / local.y.abs()),
    } + BIND_GAP;
    Point::new(c.x + dx / len * t, c.y + dy / len * t)
}

/// The grips around a selection: eight to resize and one to rotate.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Handle {
    NorthWest,
    North,
    NorthEast,
    East,
    SouthEast,
    South,
    SouthWest,
    West,
    Rotate,
}

impl Handle {
    pub const ALL: [Handle; 9] = [
        Handle::NorthWest,
        Handle::North,
        Handle::NorthEast,
        Handle::East,
        Handle::SouthEast,
        Handle::South,
        Handle::SouthWest,
        Handle::West,
        Handle::Rotate,
    ];

    /// The handle's place on a unit box (0 = left/top, 1 = right/bottom).
    fn anchor(self) -> (f64, f64) {
        match self {
            Handle::NorthWest => (0.0, 0.0),
            Handle::North | Handle::Rotate => (0.5, 0.0),
            Handle::NorthEast => (1.0, 0.0),
            Handle::East => (1.0, 0.5),
            Handle::SouthEast => (1.0, 1.0),
            Handle::South => (0.5, 1.0),
            Handle::SouthWest => (0.0, 1.0),
            Handle::West => (0.0, 0.5),
        }
    }

    /// The CSS cursor over the handle (for an unrotated box).
    pub fn cursor(self) -> &'static str {
        match self {
            Handle::NorthWest | Handle::SouthEast => "nwse-resize",
            Handle::NorthEast | Handle::SouthWest => "nesw-resize",
            Handle::North | Handle::South => "ns-resize",
            Handle::East | Handle::West => "ew-resize",
            Handle::Rotate => "grab",
        }
    }

    /// Where the handle sits on `r` (in the box's own frame); the rotate handle is
    /// `rotate_offset` above the top edge.
    pub fn position(self, r: &Rect, rotate_offset: f64) -> Point {
        let (fx, fy) = self.anchor();
        let p = Point::new(r.x + fx * r.w, r.y + fy * r.h);
        if self == Handle::Rotate {
            Point::new(p.x, p.y - rotate_offset)
        } else {
            p
        }
    }
}

/// A box after `handle` was dragged to `to` (in the box's frame): the opposite corner or edge
/// stays put; `keep_ratio` keeps the width-to-height ratio. Dragging past the opposite side
/// flips the box, reported as `(box, flip_x, flip_y)`.
pub fn resize_box(start: &Rect, handle: Handle, to: Point, keep_ratio: bool) -> (Rect, bool, bool) {
    let (fx, fy) = handle.anchor();
    let fixed = Point::new(
        start.x + (1.0 - fx) * start.w,
        start.y + (1.0 - fy) * start.h,
    );
    let c = start.center();
    let ratio = if start.w > 0.0 && start.h > 0.0 {
        Some(start.w / start.h)
    } else {
        None
    };
    let (mut sx, mut sy) = (to.x - fixed.x, to.y - fixed.y);
    if fx == 0.0 {
        sx = -sx;
    }
    if fy == 0.0 {
        sy = -sy;
    }
    // `sx`, `sy`: signed extents away from the fixed side (negative = flipped).
    let (w, h) = match (fx == 0.5, fy == 0.5) {
        // North or south: width follows only with the ratio kept.
        (true, _) => (
            ratio
                .filter(|_| keep_ratio)
                .map_or(start.w, |r| sy.abs() * r),
            sy,
        ),
        (_, true) => (
            sx,
            ratio
                .filter(|_| keep_ratio)
                .map_or(start.h, |r| sx.abs() / r),
        ),
        _ => match ratio.filter(|_| keep_ratio) {
            Some(_) => {
                let scale = (sx.abs() / start.w).max(sy.abs() / start.h);
                (start.w * scale * sx.signum(), start.h * scale * sy.signum())
            }
            None => (sx, sy),
        },
    };
    let (flip_x, flip_y) = (w < 0.0 && fx != 0.5, h < 0.0 && fy != 0.5);
    let (w, h) = (w.abs(), h.abs());
    let x = if fx == 0.5 {
        c.x - w / 2.0
    } else if (fx == 1.0) != flip_x {
        fixed.x
    } else {
        fixed.x - w
    };
    let y = if fy == 0.5 {
        c.y - h / 2.0
    } else if (fy == 1.0) != flip_y {
        fixed.y
    } else {
        fixed.y - h
    };
    (Rect { x, y, w, h }, flip_x, flip_y)
}

/// `orig` carried from the box `from` to the box `to` (same frame), mirrored on the flipped
/// axes. Text grows with the box's height; polylines scale point by point.
pub fn fit_shape(orig: &Shape, from: &Rect, to: &Rect, flip_x: bool, flip_y: bool) -> Shape {
    let sx = if from.w > 0.0 { to.w / from.w } else { 1.0 };
    let sy = if from.h > 0.0 { to.h / from.h } else { 1.0 };
    let map = |p: Point| {
        let u = (p.x - from.x) * sx;
        let v = (p.y - from.y) * sy;
        Point::new(
            if flip_x { to.x + to.w - u } else { to.x + u },
            if flip_y { to.y + to.h - v } else { to.y + v },
        )
    };
    let mut s = orig.clone();
    if orig.kind.is_polyline() && !orig.points.is_empty() {
        let pts: Vec<(Point, f32)> = orig
            .points
            .iter()
            .map(|q| {
                let p = Point::new(orig.x + f64::from(q.x), orig.y + f64::from(q.y));
                (map(p), q.pressure)
            })
            .collect();
        let rebuilt = Shape::polyline(
            orig.id.clone(),
            orig.kind,
            orig.index.clone(),
            orig.style.clone(),
            &pts,
        );
        s.x = rebuilt.x;
        s.y = rebuilt.y;
        s.w = rebuilt.w;
        s.h = rebuilt.h;
        s.points = rebuilt.points;
        return s;
    }
    let corners = Rect::around(&[
        map(Point::new(orig.x, orig.y)),
        map(Point::new(orig.x + orig.w, orig.y + orig.h)),
    ]);
    s.x = corners.x;
    s.y = corners.y;
    s.w = corners.w;
    s.h = corners.h;
    if orig.kind == ShapeKind::Text {
        s.style.font_size = (orig.style.font_size * sy)
            .clamp(crate::shape::MIN_FONT_SIZE, crate::shape::MAX_FONT_SIZE);
    }
    s
}

/// One shape resized by dragging `handle` to `pointer` (board coordinates), in its own rotated
/// frame, so the opposite corner stays where it is on screen.
pub fn resize_shape(orig: &Shape, handle: Handle, pointer: Point, keep_ratio: bool) -> Shape {
    let c0 = orig.center();
    let local = rotate_about(pointer, c0, -orig.rotation);
    let start = orig.bounds();
    let (to, flip_x, flip_y) = resize_box(&start, handle, local, keep_ratio);
    let mut s = fit_shape(orig, &start, &to, flip_x, flip_y);
    if orig.rotation != 0.0 {
        // The new box turns about its own centre: shift it so the fixed corner stays put.
        let c1 = s.center();
        let world = rotate_about(c1, c0, orig.rotation);
        s.x += world.x - c1.x;
        s.y += world.y - c1.y;
    }
    s
}

/// `orig` turned by `angle` radians about `pivot`.
pub fn rotate_shape(orig: &Shape, pivot: Point, angle: f64) -> Shape {
    let c = rotate_about(orig.center(), pivot, angle);
    let mut s = orig.clone();
    s.x = c.x - orig.w / 2.0;
    s.y = c.y - orig.h / 2.0;
    s.rotation = (orig.rotation + angle).rem_euclid(std::f64::consts::TAU);
    if s.rotation.abs() < 1e-9 || (s.rotation - std::f64::consts::TAU).abs() < 1e-9 {
        s.rotation = 0.0;
    }
    s
}

/// The box around several shapes as painted.
pub fn bounds_of<'a>(shapes: impl IntoIterator<Item = &'a Shape>) -> Option<Rect> {
    shapes
        .into_iter()
        .map(Shape::aabb)
        .reduce(|a, b| a.union(&b))
}

/// The frame a selection's handles sit on: one shape's own box with its rotation, or the box
/// around several shapes (unturned). Returns (box, rotation, centre of rotation).
pub fn selection_frame(shapes: &[Shape]) -> Option<(Rect, f64, Point)> {
    match shapes {
        [] => None,
        [one] => Some((one.bounds(), one.rotation, one.center())),
        many => bounds_of(many).map(|b| (b, 0.0, b.center())),
    }
}

/// How shapes line up.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Align {
    Left,
    CenterX,
    Right,
    Top,
    CenterY,
    Bottom,
}

/// New top-left corners that line the shapes up along their common box.
pub fn align(shapes: &[&Shape], how: Align) -> Vec<(String, Point)> {
    let Some(all) = bounds_of(shapes.iter().copied()) else {
        return Vec::new();
    };
    shapes
        .iter()
        .map(|s| {
            let b = s.aabb();
            let (dx, dy) = match how {
                Align::Left => (all.x - b.x, 0.0),
                Align::CenterX => (all.center().x - b.center().x, 0.0),
                Align::Right => (all.x + all.w - (b.x + b.w), 0.0),
                Align::Top => (0.0, all.y - b.y),
                Align::CenterY => (0.0, all.center().y - b.center().y),
                Align::Bottom => (0.0, all.y + all.h - (b.y + b.h)),
            };
            (s.id.clone(), Point::new(s.x + dx, s.y + dy))
        })
        .collect()
}

/// New top-left corners that space the shapes evenly (equal gaps) between the outermost two,
/// horizontally or vertically.
pub fn distribute(shapes: &[&Shape], horizontal: bool) -> Vec<(String, Point)> {
    if shapes.len() < 3 {
        return Vec::new();
    }
    let axis = |r: &Rect| if horizontal { (r.x, r.w) } else { (r.y, r.h) };
    let mut sorted: Vec<(&Shape, Rect)> = shapes.iter().map(|s| (*s, s.aabb())).collect();
    sorted.sort_by(|a, b| {
        let (pa, la) = axis(&a.1);
        let (pb, lb) = axis(&b.1);
        (pa + la / 2.0).total_cmp(&(pb + lb / 2.0))
    });
    let (start, _) = axis(&sorted[0].1);
    let (last_pos, last_len) = axis(&sorted[sorted.len() - 1].1);
    let total: f64 = sorted.iter().map(|(_, r)| axis(r).1).sum();
    let gap = (last_pos + last_len - start - total) / (sorted.len() - 1) as f64;
    let mut at = start;
    sorted
        .into_iter()
        .map(|(s, r)| {
            let (pos, len) = axis(&r);
            let shift = at - pos;
            at += len + gap;
            let p = if horizontal {
                Point::new(s.x + shift, s.y)
            } else {
                Point::new(s.x, s.y + shift)
            };
            (s.id.clone(), p)
        })
        .collect()
}

/// A snapped move: the correction to apply and the guide lines to show.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Snap {
    pub dx: f64,
    pub dy: f64,
    /// Line segments (board coordinates) along which edges or centres now line up.
    pub guides: Vec<(Point, Point)>,
}

/// Lines a moving box up with other boxes: on each axis, the closest pair among (left, centre,
/// right) / (top, middle, bottom) within `threshold` board units snaps together.
pub fn snap(moving: &Rect, others: &[Rect], threshold: f64) -> Snap {
    let xs = |r: &Rect| [r.x, r.x + r.w / 2.0, r.x + r.w];
    let ys = |r: &Rect| [r.y, r.y + r.h / 2.0, r.y + r.h];
    let best = |mine: [f64; 3], theirs: &dyn Fn(&Rect) -> [f64; 3]| {
        let mut best: Option<(f64, f64)> = None; // (correction, line)
        for other in others {
            for t in theirs(other) {
                for m in mine {
                    let d = t - m;
                    if d.abs() <= threshold && best.is_none_or(|(b, _)| d.abs() < b.abs()) {
                        best = Some((d, t));
                    }
                }
            }
        }
        best
    };
    let mut out = Snap::default();
    if let Some((dx, _)) = best(xs(moving), &xs) {
        out.dx = dx;
    }
    if let Some((dy, _)) = best(ys(moving), &ys) {
        out.dy = dy;
    }
    // Guides for every alignment that now holds exactly.
    let moved = Rect {
        x: moving.x + out.dx,
        y: moving.y + out.dy,
        ..*moving
    };
    let close = |a: f64, b: f64| (a - b).abs() < 1e-6;
    for other in others {
        for t in xs(other) {
            if out.dx != 0.0 && xs(&moved).iter().any(|&m| close(m, t)) {
                let (y0, y1) = (
                    moved.y.min(other.y),
                    (moved.y + moved.h).max(other.y + other.h),
                );
                out.guides.push((Point::new(t, y0), Point::new(t, y1)));
            }
        }
        for t in ys(other) {
            if out.dy != 0.0 && ys(&moved).iter().any(|&m| close(m, t)) {
                let (x0, x1) = (
                    moved.x.min(other.x),
                    (moved.x + moved.w).max(other.x + other.w),
                );
                out.guides.push((Point::new(x0, t), Point::new(x1, t)));
            }
        }
    }
    out
}

/// Moves in the paint order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ZOrder {
    /// One step up, past the next shape above.
    Forward,
    /// One step down.
    Backward,
    /// Above every shape.
    Front,
    /// Below every shape.
    Back,
}

/// New `index` keys for the selected shapes (`shapes` in paint order); only shapes whose key
/// must change are listed, and unselected shapes never change.
pub fn reorder(shapes: &[Shape], selected: &HashSet<&str>, op: ZOrder) -> Vec<(String, String)> {
    let is_sel = |s: &Shape| selected.contains(s.id.as_str());
    let mut order: Vec<&Shape> = shapes.iter().collect();
    match op {
        ZOrder::Front => order.sort_by_key(|s| is_sel(s)),
        ZOrder::Back => order.sort_by_key(|s| !is_sel(s)),
        ZOrder::Forward => {
            for i in (0..order.len().saturating_sub(1)).rev() {
                if is_sel(order[i]) && !is_sel(order[i + 1]) {
                    order.swap(i, i + 1);
                }
            }
        }
        ZOrder::Backward => {
            for i in 1..order.len() {
                if is_sel(order[i]) && !is_sel(order[i - 1]) {
                    order.swap(i - 1, i);
                }
            }
        }
    }
    let mut out = Vec::new();
    let mut last: Option<String> = None;
    for (i, s) in order.iter().enumerate() {
        if !is_sel(s) {
            last = Some(s.index.clone());
            continue;
        }
        let hi = order[i + 1..]
            .iter()
            .find(|n| !is_sel(n))
            .map(|n| n.index.as_str());
        let fits = last.as_deref().is_none_or(|l| s.index.as_str() > l)
            && hi.is_none_or(|h| s.index.as_str() < h);
        let key = if fits {
            s.index.clone()
        } else {
            let key = order::key_between(last.as_deref(), hi);
            out.push((s.id.clone(), key.clone()));
            key
        };
        last = Some(key);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::shape::Style;
    use std::f64::consts::FRAC_PI_2;

    fn shape(id: &str, kind: ShapeKind, x: f64, y: f64, w: f64, h: f64) -> Shape {
        Shape::boxed(
            id.into(),
            kind,
            Rect { x, y, w, h },
            Style::default(),
            "a0".into(),
        )
    }

    fn near(a: Point, b: Point) -> bool {
        a.distance(b) < 1e-6
    }

    #[test]
    fn arrows_follow_the_shapes_they_are_bound_to() {
        let a = shape("a", ShapeKind::Rectangle, 0.0, 0.0, 100.0, 100.0);
        let mut b = shape("b", ShapeKind::Ellipse, 300.0, 0.0, 100.0, 100.0);
        let arrow = Shape {
            start_bind: Some("a".into()),
            end_bind: Some("b".into()),
            ..Shape::polyline(
                "x".into(),
                ShapeKind::Arrow,
                "a1".into(),
                Style::default(),
                &[(Point::new(0.0, 0.0), 0.5), (Point::new(1.0, 1.0), 0.5)],
            )
        };
        let mut shapes = vec![a.clone(), b.clone(), arrow.clone()];
        resolve_bindings(&mut shapes);
        let pts = shapes[2].absolute_points();
        assert!(near(pts[0], Point::new(100.0 + BIND_GAP, 50.0)), "{pts:?}");
        assert!(near(pts[1], Point::new(300.0 - BIND_GAP, 50.0)), "{pts:?}");
        assert_eq!(shapes[2].start_bind.as_deref(), Some("a"));

        // Move b below a: the arrow's end follows.
        b.x = 0.0;
        b.y = 300.0;
        let mut shapes = vec![a, b, arrow];
        resolve_bindings(&mut shapes);
        let pts = shapes[2].absolute_points();
        assert!(near(pts[0], Point::new(50.0, 100.0 + BIND_GAP)), "{pts:?}");
        assert!(near(pts[1], Point::new(50.0, 300.0 - BIND_GAP)), "{pts:?}");
    }

    #[test]
    fn an_end_bound_to_a_deleted_shape_stays_put() {
        let arrow = Shape {
            end_bind: Some("gone".into()),
            ..Shape::polyline(
                "x".into(),
                ShapeKind::Arrow,
                "a1".into(),
                Style::default(),
                &[(Point::new(5.0, 5.0), 0.5), (Point::new(50.0, 9.0), 0.5)],
            )
        };
        let mut shapes = vec![arrow.clone()];
        resolve_bindings(&mut shapes);
        assert_eq!(shapes[0], arrow);
    }

    #[test]
    fn corner_resize_keeps_the_opposite_corner_and_can_keep_the_ratio() {
        let r = Rect {
            x: 0.0,
            y: 0.0,
            w: 100.0,
            h: 50.0,
        };
        let (b, fx, fy) = resize_box(&r, Handle::SouthEast, Point::new(150.0, 60.0), false);
        assert_eq!(
            (b, fx, fy),
            (
                Rect {
                    x: 0.0,
                    y: 0.0,
                    w: 150.0,
                    h: 60.0
                },
                false,
                false
            )
        );
        let (b, _, _) = resize_box(&r, Handle::SouthEast, Point::new(150.0, 60.0), true);
        assert_eq!(
            b,
            Rect {
                x: 0.0,
                y: 0.0,
                w: 150.0,
                h: 75.0
            }
        );
        let (b, _, _) = resize_box(&r, Handle::NorthWest, Point::new(-100.0, 0.0), true);
        assert_eq!(
            b,
            Rect {
                x: -100.0,
                y: -50.0,
                w: 200.0,
                h: 100.0
            }
        );
        // Dragging the east edge past the west edge flips the box.
        let (b, fx, fy) = resize_box(&r, Handle::East, Point::new(-20.0, 10.0), false);
        assert_eq!(
            (b, fx, fy),
            (
                Rect {
                    x: -20.0,
                    y: 0.0,
                    w: 20.0,
                    h: 50.0
                },
                true,
                false
            )
        );
        // An edge handle with the ratio kept grows the other axis about the centre.
        let (b, _, _) = resize_box(&r, Handle::South, Point::new(0.0, 100.0), true);
        assert_eq!(
            b,
            Rect {
                x: -50.0,
                y: 0.0,
                w: 200.0,
                h: 100.0
            }
        );
    }

    #[test]
    fn resizing_a_stroke_scales_its_points_and_flips_mirror_them() {
        let pen = Shape::pen(
            "p".into(),
            "a0".into(),
            Style::default(),
            &[(Point::new(0.0, 0.0), 0.5), (Point::new(100.0, 50.0), 0.5)],
        );
        let s = resize_shape(&pen, Handle::SouthEast, Point::new(200.0, 100.0), false);
        assert_eq!((s.x, s.y, s.w, s.h), (0.0, 0.0, 200.0, 100.0));
        assert_eq!(s.absolute_points()[1], Point::new(200.0, 100.0));
        let s = resize_shape(&pen, Handle::East, Point::new(-100.0, 0.0), false);
        let pts = s.absolute_points();
        assert!(near(pts[0], Point::new(0.0, 0.0)) && near(pts[1], Point::new(-100.0, 50.0)));
    }

    #[test]
    fn resizing_a_rotated_shape_keeps_its_opposite_corner_on_screen() {
        let mut r = shape("r", ShapeKind::Rectangle, 0.0, 0.0, 100.0, 50.0);
        r.rotation = FRAC_PI_2;
        let c = r.center();
        let fixed_before = rotate_about(Point::new(0.0, 0.0), c, r.rotation);
        let pointer = rotate_about(Point::new(160.0, 80.0), c, r.rotation);
        let s = resize_shape(&r, Handle::SouthEast, pointer, false);
        assert!((s.w - 160.0).abs() < 1e-6 && (s.h - 80.0).abs() < 1e-6);
        let fixed_after = rotate_about(Point::new(s.x, s.y), s.center(), s.rotation);
        assert!(
            near(fixed_before, fixed_after),
            "{fixed_before:?} {fixed_after:?}"
        );
    }

    #[test]
    fn text_grows_with_its_box() {
        let mut t = shape("t", ShapeKind::Text, 0.0, 0.0, 100.0, 25.0);
        t.style.font_size = 20.0;
        let s = resize_shape(&t, Handle::SouthEast, Point::new(200.0, 50.0), true);
        assert_eq!(s.style.font_size, 40.0);
    }

    #[test]
    fn rotating_about_a_pivot_moves_the_centre_and_adds_the_angle() {
        let r = shape("r", ShapeKind::Rectangle, 100.0, -10.0, 20.0, 20.0);
        let s = rotate_shape(&r, Point::new(0.0, 0.0), FRAC_PI_2);
        assert!(near(s.center(), Point::new(0.0, 110.0)));
        assert!((s.rotation - FRAC_PI_2).abs() < 1e-12);
        let back = rotate_shape(&s, Point::new(0.0, 0.0), -FRAC_PI_2);
        assert_eq!(back.rotation, 0.0);
    }

    #[test]
    fn rotated_shapes_are_hit_in_their_own_frame() {
        let mut r = shape("r", ShapeKind::Rectangle, 0.0, 40.0, 100.0, 20.0);
        r.style.fill = Some("#fff".into());
        assert!(!r.hit(Point::new(50.0, 5.0), 1.0));
        r.rotation = FRAC_PI_2;
        assert!(r.hit(Point::new(50.0, 5.0), 1.0));
        assert!(!r.hit(Point::new(5.0, 50.0), 1.0));
        let aabb = r.aabb();
        assert!((aabb.w - 20.0).abs() < 1e-9 && (aabb.h - 100.0).abs() < 1e-9);
    }

    #[test]
    fn align_and_distribute() {
        let a = shape("a", ShapeKind::Rectangle, 0.0, 0.0, 10.0, 10.0);
        let b = shape("b", ShapeKind::Rectangle, 50.0, 30.0, 20.0, 10.0);
        let c = shape("c", ShapeKind::Rectangle, 200.0, 5.0, 10.0, 10.0);
        let moved = align(&[&a, &b, &c], Align::Right);
        assert_eq!(moved[0].1, Point::new(200.0, 0.0));
        assert_eq!(moved[1].1, Point::new(190.0, 30.0));
        let moved = align(&[&a, &b], Align::Bottom);
        assert_eq!(moved[0].1, Point::new(0.0, 30.0));
        let spread = distribute(&[&c, &a, &b], true);
        // Widths 10 + 20 + 10 across 0..210: gaps of 85.
        let b_at = spread.iter().find(|(id, _)| id == "b").unwrap().1;
        assert_eq!(b_at, Point::new(95.0, 30.0));
        assert!(distribute(&[&a, &b], true).is_empty());
    }

    #[test]
    fn snapping_lines_up_the_nearest_edge_or_centre() {
        let other = Rect {
            x: 100.0,
            y: 100.0,
            w: 50.0,
            h: 50.0,
        };
        let moving = Rect {
            x: 153.0,
            y: 10.0,
            w: 20.0,
            h: 20.0,
        };
        let s = snap(&moving, &[other], 5.0);
        assert_eq!((s.dx, s.dy), (-3.0, 0.0));
        assert_eq!(s.guides.len(), 1);
        let far = Rect {
            x: 400.0,
            y: 400.0,
            ..moving
        };
        assert_eq!(snap(&far, &[other], 5.0), Snap::default());
        // Centres line up too.
        let moving = Rect {
            x: 114.0,
            y: 300.0,
            w: 20.0,
            h: 20.0,
        };
        assert_eq!(snap(&moving, &[other], 2.0).dx, 1.0);
    }

    #[test]
    fn reordering_changes_only_the_selected_keys() {
        let mut shapes: Vec<Shape> = ["a", "b", "c", "d"]
            .iter()
            .enumerate()
            .map(|(i, id)| Shape {
                index: format!("a{i}"),
                ..shape(id, ShapeKind::Rectangle, 0.0, 0.0, 1.0, 1.0)
            })
            .collect();
        let paint_order = |shapes: &mut Vec<Shape>, keys: Vec<(String, String)>| {
            for (id, key) in keys {
                shapes.iter_mut().find(|s| s.id == id).unwrap().index = key;
            }
            shapes.sort_by(|a, b| a.index.cmp(&b.index));
            shapes.iter().map(|s| s.id.clone()).collect::<String>()
        };
        let sel: HashSet<&str> = ["b"].into();
        let keys = reorder(&shapes, &sel, ZOrder::Forward);
        assert_eq!(keys.len(), 1);
        assert_eq!(paint_order(&mut shapes, keys), "acbd");
        let keys = reorder(&shapes, &sel, ZOrder::Front);
        assert_eq!(paint_order(&mut shapes, keys), "acdb");
        let keys = reorder(&shapes, &sel, ZOrder::Back);
        assert_eq!(paint_order(&mut shapes, keys), "bacd");
        let keys = reorder(&shapes, &sel, ZOrder::Backward);
        assert!(keys.is_empty(), "already at the back");
        let two: HashSet<&str> = ["b", "a"].into();
        let keys = reorder(&shapes, &two, ZOrder::Forward);
        assert_eq!(paint_order(&mut shapes, keys), "cbad");
    }
}
