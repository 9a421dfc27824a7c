//! Locked shapes: what a lock keeps from changing. A locked shape (its `locked` field, see
//! [`crate::layout`]) is not picked by a click, a marquee or Select all, is not erased, and is
//! not moved, resized, turned, nudged, restyled, edited or deleted until it is unlocked. The
//! keyboard still reaches it (Tab, the shape list), so that it can be unlocked.
//!
//! The engine asks these questions of every gesture and command; the answers are here so that
//! every path gives the same ones.

use crate::shape::{Rect, Shape};

/// Whether a click, a marquee or Select all may pick this shape.
pub fn pickable(shape: &Shape) -> bool {
    !shape.locked
}

/// The ids of the shapes Select all selects, in the order given.
pub fn select_all(shapes: &[Shape]) -> Vec<String> {
    shapes
        .iter()
        .filter(|s| pickable(s))
        .map(|s| s.id.clone())
        .collect()
}

/// The ids of the shapes a marquee over `area` selects: those wholly inside it, unlocked.
pub fn in_marquee<'a>(shapes: impl IntoIterator<Item = &'a Shape>, area: &Rect) -> Vec<String> {
    shapes
        .into_iter()
        .filter(|s| pickable(s) && area.contains_rect(&s.aabb()))
        .map(|s| s.id.clone())
        .collect()
}

/// The shapes of a selection that edits may change (the unlocked ones).
pub fn editable(selected: Vec<Shape>) -> Vec<Shape> {
    selected.into_iter().filter(|s| !s.locked).collect()
}

/// The state the lock toggle (`Ctrl+Shift+L`, the Lock button) gives a selection: unlocked
/// when every shape in it is locked, locked otherwise; `None` for an empty selection.
pub fn toggled(selected: &[Shape]) -> Option<bool> {
    (!selected.is_empty()).then(|| !selected.iter().all(|s| s.locked))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::shape::{ShapeKind, Style};

    fn shape(id: &str, x: f64, locked: bool) -> Shape {
        Shape {
            locked,
            ..Shape::boxed(
                id.into(),
                ShapeKind::Rectangle,
                Rect {
                    x,
                    y: 0.0,
                    w: 10.0,
                    h: 10.0,
                },
                Style::default(),
                "a0".into(),
            )
        }
    }

    #[test]
    fn select_all_and_the_marquee_skip_locked_shapes() {
        let shapes = [
            shape("a", 0.0, false),
            shape("b", 20.0, true),
            shape("c", 40.0, false),
        ];
        assert_eq!(select_all(&shapes), ["a", "c"]);
        let area = Rect {
            x: -5.0,
            y: -5.0,
            w: 100.0,
            h: 20.0,
        };
        assert_eq!(in_marquee(&shapes, &area), ["a", "c"]);
        let part = Rect { w: 30.0, ..area };
        assert_eq!(in_marquee(&shapes, &part), ["a"]);
        assert!(!pickable(&shapes[1]) && pickable(&shapes[0]));
    }

    #[test]
    fn edits_leave_locked_shapes_out() {
        let selected = vec![shape("a", 0.0, true), shape("b", 20.0, false)];
        let ids: Vec<String> = editable(selected).into_iter().map(|s| s.id).collect();
        assert_eq!(ids, ["b"]);
        assert!(editable(vec![shape("a", 0.0, true)]).is_empty());
    }

    #[test]
    fn the_toggle_locks_a_mixed_selection_and_unlocks_a_locked_one() {
        assert_eq!(toggled(&[]), None);
        assert_eq!(toggled(&[shape("a", 0.0, false)]), Some(true));
        assert_eq!(
            toggled(&[shape("a", 0.0, true), shape("b", 0.0, false)]),
            Some(true)
        );
        assert_eq!(
            toggled(&[shape("a", 0.0, true), shape("b", 0.0, true)]),
            Some(false)
        );
    }
}
