//! Elbow arrows: a route of horizontal and vertical segments between two points, leaving and
//! entering the shapes an arrow is bound to through the middle of the sides that face each
//! other, and going round both shapes when no pair of sides faces (Excalidraw's elbow arrow).
//!
//! The route is computed when the arrow is read ([`crate::edit::resolve_bindings`]), so it
//! follows its shapes as they move for everyone, and nothing but the two bindings is stored.

use crate::shape::{Point, Rect};

/// How far a route stays from the shapes it goes round, in board units.
pub const CLEARANCE: f64 = 20.0;

/// Which way a route leaves or enters a box.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Side {
    Left,
    Right,
    Top,
    Bottom,
}

impl Side {
    /// The middle of this side of `r`, `gap` outside it.
    fn port(self, r: &Rect, gap: f64) -> Point {
        let c = r.center();
        match self {
            Side::Left => Point::new(r.x - gap, c.y),
            Side::Right => Point::new(r.x + r.w + gap, c.y),
            Side::Top => Point::new(c.x, r.y - gap),
            Side::Bottom => Point::new(c.x, r.y + r.h + gap),
        }
    }

    fn horizontal(self) -> bool {
        matches!(self, Side::Left | Side::Right)
    }
}

/// The route from `from` to `to`: each end is a bound box or a free point. The first and last
/// points sit `gap` outside a bound box. Consecutive points differ in one coordinate only.
pub fn elbow(from: End, to: End, gap: f64) -> Vec<Point> {
    let (a, b) = (from.rect(), to.rect());
    let (ca, cb) = (a.center(), b.center());
    let (dx, dy) = (cb.x - ca.x, cb.y - ca.y);
    // The gaps between the boxes along each axis (negative when they overlap on it).
    let gap_x = (b.x - (a.x + a.w)).max(a.x - (b.x + b.w));
    let gap_y = (b.y - (a.y + a.h)).max(a.y - (b.y + b.h));
    let horizontal = if gap_x > 0.0 || gap_y > 0.0 {
        gap_x >= gap_y
    } else {
        dx.abs() >= dy.abs()
    };
    let (out, inn) = if horizontal {
        if dx >= 0.0 {
            (Side::Right, Side::Left)
        } else {
            (Side::Left, Side::Right)
        }
    } else if dy >= 0.0 {
        (Side::Bottom, Side::Top)
    } else {
        (Side::Top, Side::Bottom)
    };
    let facing = if horizontal { gap_x > 0.0 } else { gap_y > 0.0 };
    let p = from.port(out, gap);
    let q = to.port(inn, gap);
    let mut route = vec![p];
    if facing || from.is_point() || to.is_point() {
        // One turn through the middle of the gap: out, across, in.
        if horizontal {
            let mx = (p.x + q.x) / 2.0;
            route.extend([Point::new(mx, p.y), Point::new(mx, q.y)]);
        } else {
            let my = (p.y + q.y) / 2.0;
            route.extend([Point::new(p.x, my), Point::new(q.x, my)]);
        }
    } else {
        // The boxes overlap on both axes: leave and enter on the same side, round both.
        let both = a.union(&b);
        let (p, q) = (from.port(out, gap), to.port(out, gap));
        route = vec![p];
        if out.horizontal() {
            let x = if out == Side::Right {
                both.x + both.w + CLEARANCE
            } else {
                both.x - CLEARANCE
            };
            route.extend([Point::new(x, p.y), Point::new(x, q.y)]);
        } else {
            let y = if out == Side::Bottom {
                both.y + both.h + CLEARANCE
            } else {
                both.y - CLEARANCE
            };
            route.extend([Point::new(p.x, y), Point::new(q.x, y)]);
        }
        route.push(q);
        return tidy(route);
    }
    route.push(q);
    tidy(route)
}

/// One end of a route: a bound shape's box, or a free point.
#[derive(Debug, Clone, Copy)]
pub enum End {
    Box(Rect),
    Point(Point),
}

impl End {
    fn rect(&self) -> Rect {
        match self {
            End::Box(r) => *r,
            End::Point(p) => Rect {
                x: p.x,
                y: p.y,
                w: 0.0,
                h: 0.0,
            },
        }
    }

    fn is_point(&self) -> bool {
        matches!(self, End::Point(_))
    }

    fn port(&self, side: Side, gap: f64) -> Point {
        match self {
            End::Box(r) => side.port(r, gap),
            End::Point(p) => *p,
        }
    }
}

/// Drops repeated points and the middle of three on one line.
fn tidy(points: Vec<Point>) -> Vec<Point> {
    let mut out: Vec<Point> = Vec::with_capacity(points.len());
    for p in points {
        if out.last().is_some_and(|l: &Point| l.distance(p) < 1e-9) {
            continue;
        }
        if let [.., a, b] = out.as_slice() {
            let straight = (a.x == b.x && b.x == p.x) || (a.y == b.y && b.y == p.y);
            if straight {
                out.pop();
            }
        }
        out.push(p);
    }
    out
}

/// The point halfway along a polyline (where an arrow's label sits), and the direction there.
pub fn midpoint(points: &[Point]) -> Option<Point> {
    let total: f64 = points.windows(2).map(|w| w[0].distance(w[1])).sum();
    let mut left = total / 2.0;
    for w in points.windows(2) {
        let len = w[0].distance(w[1]);
        if len >= left && len > 0.0 {
            let t = left / len;
            return Some(Point::new(
                w[0].x + (w[1].x - w[0].x) * t,
                w[0].y + (w[1].y - w[0].y) * t,
            ));
        }
        left -= len;
    }
    points.first().copied()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rect(x: f64, y: f64) -> End {
        End::Box(Rect {
            x,
            y,
            w: 100.0,
            h: 50.0,
        })
    }

    fn orthogonal(route: &[Point]) -> bool {
        route
            .windows(2)
            .all(|w| w[0].x == w[1].x || w[0].y == w[1].y)
    }

    #[test]
    fn side_by_side_boxes_join_through_facing_sides_with_one_turn() {
        let route = elbow(rect(0.0, 0.0), rect(300.0, 200.0), 6.0);
        assert_eq!(
            route,
            [
                Point::new(106.0, 25.0),
                Point::new(200.0, 25.0),
                Point::new(200.0, 225.0),
                Point::new(294.0, 225.0)
            ]
        );
        // Level boxes: a straight line.
        let level = elbow(rect(0.0, 0.0), rect(300.0, 0.0), 6.0);
        assert_eq!(level, [Point::new(106.0, 25.0), Point::new(294.0, 25.0)]);
    }

    #[test]
    fn stacked_boxes_join_top_to_bottom_and_overlapping_ones_go_round() {
        let down = elbow(rect(0.0, 0.0), rect(40.0, 300.0), 6.0);
        assert!(orthogonal(&down));
        assert_eq!(down[0], Point::new(50.0, 56.0));
        assert_eq!(*down.last().unwrap(), Point::new(90.0, 294.0));
        // Overlapping on both axes: out of the right side, round both, into the right side.
        let (a, b) = (rect(0.0, 0.0), rect(60.0, 30.0));
        let round = elbow(a, b, 6.0);
        assert!(orthogonal(&round));
        assert_eq!(round[0], Point::new(106.0, 25.0));
        assert_eq!(*round.last().unwrap(), Point::new(166.0, 55.0));
        let both = a.rect().union(&b.rect());
        for p in &round[1..round.len() - 1] {
            assert!(!both.contains(*p), "{p:?} goes round the boxes");
        }
    }

    #[test]
    fn a_free_end_gets_one_turn_and_the_label_sits_halfway() {
        let route = elbow(rect(0.0, 0.0), End::Point(Point::new(400.0, 300.0)), 6.0);
        assert!(orthogonal(&route));
        assert_eq!(*route.last().unwrap(), Point::new(400.0, 300.0));
        let mid = midpoint(&[
            Point::new(0.0, 0.0),
            Point::new(100.0, 0.0),
            Point::new(100.0, 100.0),
        ]);
        assert_eq!(mid, Some(Point::new(100.0, 0.0)));
        assert_eq!(midpoint(&[]), None);
    }

    #[test]
    fn a_bound_elbow_arrow_is_routed_on_read_and_follows_its_shapes() {
        use crate::{Shape, ShapeKind, Style};
        let boxed = |id: &str, x: f64, y: f64| {
            Shape::boxed(
                id.into(),
                ShapeKind::Rectangle,
                Rect {
                    x,
                    y,
                    w: 100.0,
                    h: 50.0,
                },
                Style::default(),
                "a0".into(),
            )
        };
        let arrow = Shape {
            start_bind: Some("a".into()),
            end_bind: Some("b".into()),
            text: "yes".into(),
            style: Style {
                elbow: true,
                ..Style::default()
            },
            ..Shape::polyline(
                "x".into(),
                ShapeKind::Arrow,
                "a1".into(),
                Style::default(),
                &[(Point::new(0.0, 0.0), 0.5), (Point::new(1.0, 1.0), 0.5)],
            )
        };
        let mut shapes = vec![boxed("a", 0.0, 0.0), boxed("b", 300.0, 200.0), arrow];
        crate::edit::resolve_bindings(&mut shapes);
        let route = shapes[2].absolute_points();
        assert_eq!(route.len(), 4);
        assert!(orthogonal(&route));
        assert_eq!(shapes[2].text, "yes");
        // B moves below A: the route turns to leave A's bottom.
        shapes[1] = boxed("b", 20.0, 400.0);
        crate::edit::resolve_bindings(&mut shapes);
        let route = shapes[2].absolute_points();
        assert!(orthogonal(&route));
        assert_eq!(route[0], Point::new(50.0, 50.0 + crate::edit::BIND_GAP));
    }
}
