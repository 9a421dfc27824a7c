//! Import of Mermaid flowcharts: text (pasted, or a `.mmd` / `.mermaid` file) becomes editable
//! shapes with bound arrows, laid out in layers. This module owns the text → [`Scene`] step;
//! reading the text is `parse.rs` (statements) and `syntax.rs` (their pieces), placing the
//! boxes `layout.rs`.
//!
//! Accepted (everything else is an error, reported by line):
//! - a header `graph` or `flowchart`, with a direction `TD`/`TB` (down), `BT`, `LR` or `RL`;
//!   `%%` comment lines, blank lines, `;` between statements, YAML front matter (its `title:`
//!   becomes the scene's title);
//! - nodes: bare ids and `A[text]`; `A(text)`, `A([text])`, `A[[text]]`, `A[(text)]`,
//!   `A>text]` and `A[/text/]` (and the other slants) become rectangles; `A((text))` and
//!   `A(((text)))` circles (ellipses); `A{text}` and `A{{text}}` (hexagon: pointed sides, as a
//!   decision) diamonds. Labels may be quoted (`A["with (brackets)"]`); `<br>` breaks a line;
//!   `#quot;`-style entities are decoded. A node named again keeps its first place and takes
//!   the last shape and label written; it belongs to the first subgraph it is named in;
//! - links `-->`, `---`, `-.->`, `==>`, `--o`, `--x`, `<-->`, longer forms like `--->` (extra
//!   dashes do not lengthen a link), `~~~` (laid out, not drawn), with labels `-- text -->`,
//!   `-->|text|`, `-. text .->`, `== text ==>`; chains `A --> B --> C`; `&` groups
//!   `A & B --> C & D`;
//! - `subgraph id [title]` (or `subgraph title`) … `end`, nested up to [`MAX_NESTING`] deep;
//!   a subgraph's id may be linked to like a node.
//!
//! Style-only statements (`classDef`, `class`, `style`, `linkStyle`, `click`, `:::class`,
//! `direction` inside a subgraph, `accTitle`, `accDescr`) are left out and listed with their
//! lines in [`Scene::skipped`], as are link ends the board draws differently (see below). Any
//! other line that cannot be read fails the whole import: every such line is listed in
//! [`ImportError::Mermaid`], and nothing is inserted. Limits: [`MAX_TEXT_BYTES`] of text,
//! [`MAX_ITEMS`] nodes, links and subgraphs together.
//!
//! What becomes what: each node a rectangle, ellipse or diamond with its label as `text`,
//! sized to the label with the built-in text metrics. Each link an arrow bound at both ends
//! (`start_bind`/`end_bind`), straight from outline to outline as [`crate::edit`] draws bound
//! arrows; the board has arrows with one head only, so `---`, `--o`, `--x` and `<-->` are
//! arrows too (a line without a head cannot stay attached to its shapes), dotted links are
//! dotted and thick ones twice as wide; a link from a node to itself is an unbound loop.
//! A link's label is the arrow's label (drawn halfway along it, moving with it), and layers
//! are set far enough apart for the longest label to fit between them. A top-level subgraph is a frame named by its title; what lies inside it
//! joins it when the shapes land on the board ([`crate::frame::reassign`]). Frames do not
//! nest, so a nested subgraph is a group (every shape inside it, deeper subgraphs included,
//! shares the group of the second-level subgraph) plus an unfilled dashed rectangle behind
//! its members with its title as a text shape in its top-left corner. Paint order: frames and
//! subgraph rectangles (outer first) and titles, then arrows, and nodes on top.
//!
//! Why no crates: the Rust Mermaid parsers on crates.io are either young single-release
//! crates, pest- or lalrpop-based parsers of every diagram kind, or whole renderers; none
//! reports problems line by line, and each would add far more to the browser bundle than
//! this subset needs. The layered layout (`layout.rs`) is hand-written for the same reason:
//! layers, ordering and subgraph frames are a few hundred lines of std-only code, which adds
//! little to the wasm bundle; a general graph-layout crate would add more than it saves.

mod layout;
mod parse;
mod syntax;

use std::collections::BTreeMap;
use std::fmt;

use super::{check, ImportError, Scene};
use crate::edit::outline_point;
use crate::order;
use crate::shape::{Dash, Font, Point, Rect, Shape, ShapeKind, Style, LABEL_PAD};
use crate::svg::text::{text_box, wrap, BuiltinMetrics, Measure, LINE_HEIGHT};
use parse::{Direction, End, Graph, Head, NodeShape, Stroke};

/// Longest Mermaid text read, in bytes.
pub const MAX_TEXT_BYTES: usize = 100_000;
/// Most nodes, links and subgraphs one chart may have together.
pub const MAX_ITEMS: usize = 2_000;
/// Deepest nesting of subgraphs.
pub const MAX_NESTING: usize = 20;

/// Widest a node's label is set before it wraps, in board units.
const MAX_LABEL_WIDTH: f64 = 220.0;
/// Room for the browser's face being a little wider than the built-in metrics.
const WIDTH_SLACK: f64 = 1.1;
/// Space between a node's label and its outline, beyond the label box's own padding.
const NODE_PAD: (f64, f64) = (16.0, 10.0);
/// Smallest node box.
const MIN_NODE: (f64, f64) = (120.0, 60.0);
/// Text size of link labels and subgraph titles.
const SMALL_FONT: f64 = 16.0;
/// Space between a subgraph's rectangle and what it holds.
const SUBGRAPH_PAD: f64 = 20.0;
/// Height of a subgraph's title row.
const TITLE_HEIGHT: f64 = SMALL_FONT * LINE_HEIGHT + 8.0;

/// One line of Mermaid text that could not be read, and why, for the person.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LineProblem {
    /// 1-based.
    pub line: usize,
    pub problem: String,
}

impl fmt::Display for LineProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "line {}: {}", self.line, self.problem)
    }
}

/// Whether `text` reads as a Mermaid flowchart: its first line that is not blank, a `%%`
/// comment or front matter is `graph` or `flowchart`, alone or with a direction.
pub fn looks_like_mermaid(text: &str) -> bool {
    let text = text.trim_start_matches('\u{FEFF}');
    parse::first_statement(text)
        .and_then(|(_, line)| parse::header(line))
        .is_some_and(|(direction, _)| direction.is_ok())
}

/// Reads a Mermaid flowchart and lays it out (see the module header). All or nothing: any line
/// that cannot be read fails it with every such line listed.
pub fn parse(text: &str) -> Result<Scene, ImportError> {
    if text.len() > MAX_TEXT_BYTES {
        return Err(ImportError::TooLarge(format!(
            "{} KB of Mermaid text, more than the {} KB a flowchart may have",
            text.len().div_ceil(1000),
            MAX_TEXT_BYTES / 1000
        )));
    }
    let text = text.trim_start_matches('\u{FEFF}');
    let graph = parse::parse(text).map_err(ImportError::Mermaid)?;
    build(&graph)
}

/// What a Mermaid shape becomes.
fn kind_of(shape: NodeShape) -> ShapeKind {
    match shape {
        NodeShape::Circle | NodeShape::DoubleCircle => ShapeKind::Ellipse,
        NodeShape::Rhombus | NodeShape::Hexagon => ShapeKind::Diamond,
        NodeShape::Rect
        | NodeShape::Round
        | NodeShape::Stadium
        | NodeShape::Subroutine
        | NodeShape::Cylinder
        | NodeShape::Flag
        | NodeShape::Slanted => ShapeKind::Rectangle,
    }
}

/// The box a node needs for its label at the default text size, the label wrapped at
/// [`MAX_LABEL_WIDTH`] and fitting the shape's [`Shape::label_box`].
fn node_size(label: &str, shape: NodeShape) -> (f64, f64) {
    let m = BuiltinMetrics;
    let size = Style::default().font_size;
    let lines = wrap(label, MAX_LABEL_WIDTH, Font::Sans, size, &m);
    let text_w = lines
        .iter()
        .map(|l| m.width(l, Font::Sans, size))
        .fold(0.0, f64::max)
        * WIDTH_SLACK;
    let text_h = lines.len() as f64 * size * LINE_HEIGHT;
    let (w, h) = (text_w + 2.0 * NODE_PAD.0, text_h + 2.0 * NODE_PAD.1);
    let stroke = Style::default().stroke_width;
    match kind_of(shape) {
        ShapeKind::Ellipse => {
            let side = (w.max(h) + LABEL_PAD) * std::f64::consts::SQRT_2;
            (side.max(MIN_NODE.1 * 1.4), side.max(MIN_NODE.1 * 1.4))
        }
        ShapeKind::Diamond => (
            ((w + LABEL_PAD) * 2.0).max(MIN_NODE.0 * 1.2),
            ((h + LABEL_PAD) * 2.0).max(MIN_NODE.1 * 1.4),
        ),
        _ => {
            let pad = 2.0 * LABEL_PAD + stroke;
            ((w + pad).max(MIN_NODE.0), (h + pad).max(MIN_NODE.1))
        }
    }
}

/// Lays the graph out and makes its shapes.
fn build(graph: &Graph) -> Result<Scene, ImportError> {
    let subs = &graph.subgraphs;
    let m = BuiltinMetrics;
    // Subgraphs, outermost first, for each node and subgraph.
    let chain_of = |mut at: Option<usize>| {
        let mut chain = Vec::new();
        while let Some(s) = at {
            chain.push(s);
            at = subs[s].parent;
        }
        chain.reverse();
        chain
    };
    // Layout boxes: the nodes, then a placeholder inside each subgraph that holds nothing.
    let holds_something = |s: usize| {
        graph.nodes.iter().any(|n| n.parent == Some(s)) || subs.iter().any(|c| c.parent == Some(s))
    };
    let title_width =
        |s: usize| text_box(&subs[s].title, Font::Sans, SMALL_FONT, &m).0 * WIDTH_SLACK;
    let empty: Vec<usize> = (0..subs.len()).filter(|&s| !holds_something(s)).collect();
    let mut sizes: Vec<(f64, f64)> = graph
        .nodes
        .iter()
        .map(|n| node_size(&n.label, n.shape))
        .collect();
    sizes.extend(empty.iter().map(|&s| (title_width(s).max(MIN_NODE.0), 1.0)));
    let mut chains: Vec<Vec<usize>> = graph.nodes.iter().map(|n| chain_of(n.parent)).collect();
    chains.extend(empty.iter().map(|&s| chain_of(Some(s))));
    let edges: Vec<(usize, usize)> = graph
        .edges
        .iter()
        .filter_map(|e| match (e.from, e.to) {
            (End::Node(a), End::Node(b)) => Some((a, b)),
            _ => None,
        })
        .collect();
    // Layers sit far enough apart for the longest link label to show between them.
    let vertical = matches!(graph.direction, Direction::Down | Direction::Up);
    let label_room = graph
        .edges
        .iter()
        .filter_map(|e| e.label.as_deref())
        .map(|text| {
            let (w, h) = text_box(text, Font::Sans, SMALL_FONT, &m);
            if vertical {
                h
            } else {
                w * WIDTH_SLACK
            }
        })
        .fold(0.0, f64::max);
    let centres = layout::layout(&layout::Input {
        sizes: &sizes,
        edges: &edges,
        chains: &chains,
        direction: graph.direction,
        border_space: SUBGRAPH_PAD + TITLE_HEIGHT + 10.0,
        nesting_space: 2.0 * SUBGRAPH_PAD + TITLE_HEIGHT + 10.0,
        label_room,
    });
    let mut boxes: Vec<Rect> = centres
        .iter()
        .zip(&sizes)
        .map(|(c, &(w, h))| Rect {
            x: c.x - w / 2.0,
            y: c.y - h / 2.0,
            w,
            h,
        })
        .collect();
    let parents: Vec<Option<usize>> = subs.iter().map(|s| s.parent).collect();
    let min_widths: Vec<f64> = (0..subs.len()).map(title_width).collect();
    let spec = layout::FrameSpec {
        parents: &parents,
        min_widths: &min_widths,
        pad: SUBGRAPH_PAD,
        title: TITLE_HEIGHT,
    };
    layout::separate(&mut boxes, &chains, &spec, graph.direction);
    let frames = layout::frames(&boxes, &chains, &spec);
    // A top-level subgraph is a frame (what is inside joins it where it lands); frames do not
    // nest, so a nested subgraph is a group inside it.
    let group_of = |chain: &[usize]| chain.get(1).map(|&second| format!("group:{second}"));

    let mut framing: Vec<Shape> = Vec::new();
    let frame_id = |s: usize| format!("subgraph:{s}");
    for (s, frame) in frames.iter().enumerate() {
        let Some(frame) = *frame else { continue };
        if subs[s].parent.is_none() {
            let mut f = Shape::boxed(
                frame_id(s),
                ShapeKind::Frame,
                frame,
                Style::default(),
                String::new(),
            );
            f.text.clone_from(&subs[s].title);
            framing.push(f);
            continue;
        }
        let group = group_of(&chain_of(Some(s)));
        let style = Style {
            dash: Dash::Dashed,
            fill: None,
            ..Style::default()
        };
        let mut rect = Shape::boxed(
            frame_id(s),
            ShapeKind::Rectangle,
            frame,
            style,
            String::new(),
        );
        rect.group.clone_from(&group);
        framing.push(rect);
        let (w, h) = text_box(&subs[s].title, Font::Sans, SMALL_FONT, &m);
        let at = Rect {
            x: frame.x + SUBGRAPH_PAD / 2.0,
            y: frame.y + 4.0,
            w: w * WIDTH_SLACK,
            h,
        };
        let mut title = Shape::boxed(
            format!("subgraph-title:{s}"),
            ShapeKind::Text,
            at,
            small_text(),
            String::new(),
        );
        title.text.clone_from(&subs[s].title);
        title.group = group;
        framing.push(title);
    }

    let nodes: Vec<Shape> = graph
        .nodes
        .iter()
        .zip(&boxes)
        .zip(&chains)
        .map(|((n, b), chain)| Shape {
            text: n.label.clone(),
            group: group_of(chain),
            ..Shape::boxed(
                format!("node:{}", n.id),
                kind_of(n.shape),
                *b,
                Style::default(),
                String::new(),
            )
        })
        .collect();
    let end_shape = |end: End| -> Option<Shape> {
        match end {
            End::Node(i) => Some(nodes[i].clone()),
            End::Subgraph(s) => frames[s].map(|r| {
                Shape::boxed(
                    frame_id(s),
                    ShapeKind::Rectangle,
                    r,
                    Style::default(),
                    String::new(),
                )
            }),
        }
    };
    let mut arrows = Vec::new();
    for (i, e) in graph.edges.iter().enumerate() {
        if e.stroke == Stroke::Invisible {
            continue;
        }
        let (Some(a), Some(b)) = (end_shape(e.from), end_shape(e.to)) else {
            continue;
        };
        let mut arrow = link_arrow(format!("link:{i}"), e.stroke, &a, &b);
        if let Some(text) = &e.label {
            arrow.text = text.clone();
            arrow.style.font_size = SMALL_FONT;
        }
        arrows.push(arrow);
    }

    // Paint order: frames and titles, arrows, nodes.
    let mut shapes: Vec<Shape> = [framing, arrows, nodes].concat();
    let mut key: Option<String> = None;
    for (i, shape) in shapes.iter_mut().enumerate() {
        shape.index = order::key_after(key.as_deref());
        key = Some(shape.index.clone());
        check::shape("shape", i, shape, &Default::default())?;
    }
    Ok(Scene {
        title: graph.title.clone(),
        shapes,
        images: Default::default(),
        skipped: skipped(graph),
    })
}

/// Subgraph titles.
fn small_text() -> Style {
    Style {
        font_size: SMALL_FONT,
        ..Style::default()
    }
}

/// The arrow of a link from `a` to `b`: bound at both ends, straight from outline to outline as
/// the editor draws bound arrows. A link from a shape to itself is a loop over its top-right
/// corner, not bound (a bound arrow is straight).
fn link_arrow(id: String, stroke: Stroke, a: &Shape, b: &Shape) -> Shape {
    let width = Style::default().stroke_width;
    let style = Style {
        dash: if stroke == Stroke::Dotted {
            Dash::Dotted
        } else {
            Dash::Solid
        },
        stroke_width: if stroke == Stroke::Thick {
            2.0 * width
        } else {
            width
        },
        ..Style::default()
    };
    if a.id == b.id {
        let (x, y) = (a.x + a.w, a.y);
        let points = [
            (x - 20.0, y - 6.0),
            (x - 20.0, y - 30.0),
            (x + 30.0, y - 30.0),
            (x + 30.0, y + 20.0),
            (x + 6.0, y + 20.0),
        ]
        .map(|(x, y)| (Point::new(x, y), 0.5));
        return Shape::polyline(id, ShapeKind::Arrow, String::new(), style, &points);
    }
    let points = [
        (outline_point(a, b.center()), 0.5),
        (outline_point(b, a.center()), 0.5),
    ];
    Shape {
        start_bind: Some(a.id.clone()),
        end_bind: Some(b.id.clone()),
        ..Shape::polyline(id, ShapeKind::Arrow, String::new(), style, &points)
    }
}

/// What was left out or drawn differently, by kind with the lines it was on.
fn skipped(graph: &Graph) -> Vec<(String, usize)> {
    let mut found: BTreeMap<(&str, &str), Vec<usize>> = BTreeMap::new();
    // Lines in order, one per item (a line may hold several).
    for note in &graph.notes {
        found.entry(note.what).or_default().push(note.line);
    }
    for e in &graph.edges {
        let what = match (e.stroke, e.head, e.both_ends) {
            (Stroke::Invisible, _, _) => continue,
            (_, _, true) => (
                "link with heads at both ends (drawn with one)",
                "links with heads at both ends (drawn with one)",
            ),
            (_, Head::Circle | Head::Cross, _) => (
                "circle or cross link end (drawn as an arrow head)",
                "circle or cross link ends (drawn as arrow heads)",
            ),
            (_, Head::None, _) => (
                "link without a head (drawn as an arrow, to stay attached)",
                "links without a head (drawn as arrows, to stay attached)",
            ),
            (_, Head::Arrow, false) => continue,
        };
        found.entry(what).or_default().push(e.line);
    }
    found
        .into_iter()
        .map(|((one, many), mut lines)| {
            let count = lines.len();
            lines.dedup();
            let mut shown: Vec<String> = lines.iter().take(5).map(usize::to_string).collect();
            if lines.len() > 5 {
                shown.push("…".into());
            }
            let what = if count == 1 { one } else { many };
            let noun = if lines.len() == 1 { "line" } else { "lines" };
            (format!("{what} ({noun} {})", shown.join(", ")), count)
        })
        .collect()
}

#[cfg(test)]
mod tests;
