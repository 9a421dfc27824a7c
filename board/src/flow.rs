//! Flowchart keys (`Ctrl+Arrow`): where the next node of a flowchart goes.
//!
//! The new node is a copy of the selected one's kind, size and style, one gap away in the
//! direction pressed. When that spot is taken (by a node made by an earlier press, or anything
//! else), it moves sideways, alternating sides and stepping out, so repeated presses branch
//! into a fan of siblings; past a few rows of siblings it goes one gap further out instead.
//! The arrow between the two is bound at both ends (see [`crate::edit::resolve_bindings`]).

use crate::shape::{Point, Rect, Shape, ShapeKind};

/// The space between a node and the next one, in board units.
pub const FLOW_GAP: f64 = 100.0;
/// Space kept clear around a new node, so it never touches another shape.
const CLEARANCE: f64 = 20.0;
/// Sibling spots tried on each side before going further out.
const SIDE_STEPS: usize = 4;

/// A direction of the arrow keys.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Direction {
    Left,
    Right,
    Up,
    Down,
}

impl Direction {
    /// The key's name (`KeyboardEvent.key`) to a direction.
    pub fn from_key(key: &str) -> Option<Self> {
        match key {
            "ArrowLeft" => Some(Direction::Left),
            "ArrowRight" => Some(Direction::Right),
            "ArrowUp" => Some(Direction::Up),
            "ArrowDown" => Some(Direction::Down),
            _ => None,
        }
    }

    /// The unit step on the board.
    fn unit(self) -> Point {
        match self {
            Direction::Left => Point::new(-1.0, 0.0),
            Direction::Right => Point::new(1.0, 0.0),
            Direction::Up => Point::new(0.0, -1.0),
            Direction::Down => Point::new(0.0, 1.0),
        }
    }
}

/// Whether a shape can start a flowchart node (boxes that hold a label).
pub fn is_node(kind: ShapeKind) -> bool {
    kind.is_closed() || kind == ShapeKind::Sticky
}

/// The box of the next node after `from` towards `dir`, clear of every shape in `shapes` but
/// lines, arrows and pen strokes (arrows re-route to their nodes; strokes are drawn over).
pub fn next_node(shapes: &[Shape], from: &Shape, dir: Direction) -> Rect {
    let b = from.aabb();
    let u = dir.unit();
    let across = Point::new(u.y.abs(), u.x.abs());
    // Along the direction: one node plus a gap per step; across it: one node plus half a gap.
    let (along, side) = if u.x != 0.0 {
        (b.w + FLOW_GAP, b.h + FLOW_GAP / 2.0)
    } else {
        (b.h + FLOW_GAP, b.w + FLOW_GAP / 2.0)
    };
    let obstacles: Vec<Rect> = shapes
        .iter()
        .filter(|s| !s.kind.is_polyline() && s.id != from.id)
        .map(|s| s.aabb().inflate(CLEARANCE))
        .collect();
    let at = |out: f64, k: f64| Rect {
        x: b.x + u.x * along * out + across.x * side * k,
        y: b.y + u.y * along * out + across.y * side * k,
        w: from.w,
        h: from.h,
    };
    let free = |r: &Rect| {
        let inner = r.inflate(-0.5);
        !obstacles.iter().any(|o| o.intersects(&inner))
    };
    for out in 1..=8 {
        let out = f64::from(out);
        let steps = (0..=SIDE_STEPS).flat_map(|k| {
            let k = k as f64;
            if k == 0.0 {
                vec![0.0]
            } else {
                vec![k, -k]
            }
        });
        for k in steps {
            let r = at(out, k);
            if free(&r) {
                return r;
            }
        }
    }
    at(9.0, 0.0)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Style;

    fn node(id: &str, x: f64, y: f64) -> Shape {
        Shape::boxed(
            id.into(),
            ShapeKind::Rectangle,
            Rect {
                x,
                y,
                w: 120.0,
                h: 60.0,
            },
            Style::default(),
            "a0".into(),
        )
    }

    fn placed(r: Rect, id: &str) -> Shape {
        node(id, r.x, r.y)
    }

    #[test]
    fn the_next_node_is_one_gap_away_in_each_direction() {
        let a = node("a", 0.0, 0.0);
        let shapes = [a.clone()];
        let at = |d| {
            let r = next_node(&shapes, &a, d);
            (r.x, r.y, r.w, r.h)
        };
        assert_eq!(at(Direction::Right), (220.0, 0.0, 120.0, 60.0));
        assert_eq!(at(Direction::Left), (-220.0, 0.0, 120.0, 60.0));
        assert_eq!(at(Direction::Down), (0.0, 160.0, 120.0, 60.0));
        assert_eq!(at(Direction::Up), (0.0, -160.0, 120.0, 60.0));
    }

    #[test]
    fn repeated_presses_branch_to_alternating_sides_without_overlap() {
        let a = node("a", 0.0, 0.0);
        let mut shapes = vec![a.clone()];
        let mut ys = Vec::new();
        for i in 0..5 {
            let r = next_node(&shapes, &a, Direction::Right);
            assert_eq!(r.x, 220.0, "siblings stay in one column");
            ys.push(r.y);
            shapes.push(placed(r, &format!("n{i}")));
        }
        assert_eq!(ys, [0.0, 110.0, -110.0, 220.0, -220.0]);
        for (i, s) in shapes.iter().enumerate() {
            for t in &shapes[i + 1..] {
                assert!(!s.bounds().intersects(&t.bounds().inflate(-1.0)));
            }
        }
    }

    #[test]
    fn a_taken_column_sends_the_node_further_out_and_arrows_are_no_obstacle() {
        let a = node("a", 0.0, 0.0);
        // A wall of shapes where the column of siblings would go.
        let wall = Shape {
            h: 2000.0,
            y: -1000.0,
            ..node("wall", 200.0, 0.0)
        };
        let arrow = Shape {
            kind: ShapeKind::Arrow,
            ..node("arrow", 150.0, 0.0)
        };
        let r = next_node(&[a.clone(), wall, arrow], &a, Direction::Right);
        assert_eq!((r.x, r.y), (440.0, 0.0));
    }
}
