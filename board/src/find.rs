//! Find on the board: which shapes' text matches what a person typed, in reading order.
//!
//! Every text a person reads on the board is a shape's `text`: text shapes, sticky notes, the
//! labels inside rectangles, ellipses and diamonds, and whatever other kinds carry text later
//! (arrow labels, frame names). Matching ignores case and runs of white space, so "ship it"
//! finds a label wrapped as "Ship\nit".

use crate::shape::Shape;

/// The ids of the shapes whose text contains `query`, in reading order: top to bottom, then
/// left to right among shapes whose tops are within half a line of each other. An empty (or
/// all white space) query matches nothing.
pub fn find(shapes: &[Shape], query: &str) -> Vec<String> {
    let needle = normalise(query);
    if needle.is_empty() {
        return Vec::new();
    }
    let mut found: Vec<&Shape> = shapes
        .iter()
        .filter(|s| !s.text.is_empty() && normalise(&s.text).contains(&needle))
        .collect();
    crate::edit::reading_order(&mut found);
    found.into_iter().map(|s| s.id.clone()).collect()
}

/// Lower case, with every run of white space made one space and the ends trimmed.
fn normalise(text: &str) -> String {
    text.split_whitespace()
        .map(str::to_lowercase)
        .collect::<Vec<_>>()
        .join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Rect, ShapeKind, Style};

    fn shape(id: &str, kind: ShapeKind, x: f64, y: f64, text: &str) -> Shape {
        Shape {
            text: text.into(),
            ..Shape::boxed(
                id.into(),
                kind,
                Rect {
                    x,
                    y,
                    w: 100.0,
                    h: 40.0,
                },
                Style::default(),
                "a0".into(),
            )
        }
    }

    #[test]
    fn matches_ignore_case_and_line_breaks_and_come_in_reading_order() {
        let shapes = [
            shape("low", ShapeKind::Sticky, 0.0, 300.0, "Ship IT today"),
            shape("right", ShapeKind::Rectangle, 400.0, 2.0, "ship\n  it"),
            shape("left", ShapeKind::Text, 0.0, 0.0, "We ship it"),
            shape("none", ShapeKind::Ellipse, 0.0, 100.0, "shipped"),
            shape("empty", ShapeKind::Rectangle, 0.0, 200.0, ""),
        ];
        assert_eq!(find(&shapes, "Ship it"), ["left", "right", "low"]);
        assert_eq!(find(&shapes, "SHIP"), ["left", "right", "none", "low"]);
        assert_eq!(find(&shapes, "ship   it"), ["left", "right", "low"]);
    }

    #[test]
    fn an_empty_query_or_no_text_matches_nothing() {
        let shapes = [shape("a", ShapeKind::Text, 0.0, 0.0, "alpha")];
        assert!(find(&shapes, "").is_empty());
        assert!(find(&shapes, "  \n").is_empty());
        assert!(find(&shapes, "beta").is_empty());
        assert!(find(&[], "alpha").is_empty());
    }
}
