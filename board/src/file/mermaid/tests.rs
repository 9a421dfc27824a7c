//! Mermaid import: the parser (shapes, links, labels, chains, groups, subgraphs, problems by
//! line), the layout (directions, cycles, no overlaps) and the scene it makes.

use std::collections::HashSet;

use super::parse::{self, Direction, End, Head, NodeShape, Stroke};
use super::*;

fn graph(text: &str) -> parse::Graph {
    parse::parse(text).unwrap_or_else(|e| panic!("{e:?}"))
}

fn problems(text: &str) -> Vec<String> {
    parse::parse(text)
        .expect_err("should fail")
        .iter()
        .map(ToString::to_string)
        .collect()
}

fn scene(text: &str) -> Scene {
    parse(text).unwrap_or_else(|e| panic!("{e}"))
}

fn node<'a>(scene: &'a Scene, id: &str) -> &'a Shape {
    let id = format!("node:{id}");
    scene
        .shapes
        .iter()
        .find(|s| s.id == id)
        .expect("node shape")
}

fn arrows(scene: &Scene) -> Vec<&Shape> {
    scene
        .shapes
        .iter()
        .filter(|s| s.kind == ShapeKind::Arrow)
        .collect()
}

#[test]
fn every_node_shape_becomes_the_closest_kind() {
    let text = "graph TD
        a[rect] --> b(round) --> c([stadium]) --> d((circle)) --> e{rhombus}
        f>flag] --> g[[sub]] --> h[(db)] --> i{{hex}} --> j[/lean/] --> k[\\back\\]
        l[/trap\\] --> m(((double))) --> n";
    let g = graph(text);
    let shapes: Vec<(&str, NodeShape, &str)> = g
        .nodes
        .iter()
        .map(|n| (n.id.as_str(), n.shape, n.label.as_str()))
        .collect();
    assert_eq!(
        shapes,
        [
            ("a", NodeShape::Rect, "rect"),
            ("b", NodeShape::Round, "round"),
            ("c", NodeShape::Stadium, "stadium"),
            ("d", NodeShape::Circle, "circle"),
            ("e", NodeShape::Rhombus, "rhombus"),
            ("f", NodeShape::Flag, "flag"),
            ("g", NodeShape::Subroutine, "sub"),
            ("h", NodeShape::Cylinder, "db"),
            ("i", NodeShape::Hexagon, "hex"),
            ("j", NodeShape::Slanted, "lean"),
            ("k", NodeShape::Slanted, "back"),
            ("l", NodeShape::Slanted, "trap"),
            ("m", NodeShape::DoubleCircle, "double"),
            ("n", NodeShape::Rect, "n"),
        ]
    );
    let s = scene(text);
    let kind = |id: &str| node(&s, id).kind;
    for id in ["a", "b", "c", "f", "g", "h", "j", "k", "l", "n"] {
        assert_eq!(kind(id), ShapeKind::Rectangle, "{id}");
    }
    for id in ["d", "m"] {
        assert_eq!(kind(id), ShapeKind::Ellipse, "{id}");
        assert_eq!(node(&s, id).w, node(&s, id).h, "a circle stays round");
    }
    for id in ["e", "i"] {
        assert_eq!(kind(id), ShapeKind::Diamond, "{id}");
    }
    assert_eq!(node(&s, "b").text, "round");
}

#[test]
fn quoted_labels_keep_brackets_and_breaks_become_lines() {
    let g = graph(
        "flowchart LR\n  A[\"text with (parens) and ] too\"] --> B(\"x\")\n  C[one<br>two<br/>three #quot;q#quot;]",
    );
    assert_eq!(g.nodes[0].label, "text with (parens) and ] too");
    assert_eq!(g.nodes[1].label, "x");
    assert_eq!(g.nodes[2].label, "one\ntwo\nthree \"q\"");
}

#[test]
fn every_link_kind_and_label_form() {
    let g = graph(
        "graph LR
        A-->B
        A --- B
        A-.->B
        A ==> B
        A --o B
        A --x B
        A <--> B
        A ~~~ B
        A -- plain text --> B
        A -->|pipe text| B
        A -. dotted text .-> B
        A == thick text ==> B
        A ---->B
        A-- e-mail ---B",
    );
    let links: Vec<(Stroke, Head, bool, Option<&str>)> = g
        .edges
        .iter()
        .map(|e| (e.stroke, e.head, e.both_ends, e.label.as_deref()))
        .collect();
    use Head::{Arrow, Circle, Cross};
    use Stroke::{Dotted, Invisible, Normal, Thick};
    assert_eq!(
        links,
        [
            (Normal, Arrow, false, None),
            (Normal, Head::None, false, None),
            (Dotted, Arrow, false, None),
            (Thick, Arrow, false, None),
            (Normal, Circle, false, None),
            (Normal, Cross, false, None),
            (Normal, Arrow, true, None),
            (Invisible, Head::None, false, None),
            (Normal, Arrow, false, Some("plain text")),
            (Normal, Arrow, false, Some("pipe text")),
            (Dotted, Arrow, false, Some("dotted text")),
            (Thick, Arrow, false, Some("thick text")),
            (Normal, Arrow, false, None),
            (Normal, Head::None, false, Some("e-mail")),
        ]
    );
    assert_eq!(g.nodes.len(), 2, "A and B only");
    assert!(g
        .edges
        .iter()
        .all(|e| e.from == End::Node(0) && e.to == End::Node(1)));
}

#[test]
fn links_become_bound_arrows_with_their_labels() {
    let s = scene("graph TD\n  A -->|yes| B\n  A -.-> C\n  B ==> C\n  C ~~~ A");
    let a = arrows(&s);
    assert_eq!(a.len(), 3, "the invisible link draws nothing");
    assert_eq!(a[0].start_bind.as_deref(), Some("node:A"));
    assert_eq!(a[0].end_bind.as_deref(), Some("node:B"));
    assert_eq!(a[1].style.dash, Dash::Dotted);
    assert!(a[2].style.stroke_width > Style::default().stroke_width);
    // The points lie on the outlines, as the editor resolves bound arrows.
    let mut resolved = s.shapes.clone();
    crate::edit::resolve_bindings(&mut resolved);
    for (before, after) in s.shapes.iter().zip(&resolved) {
        for (p, q) in before.absolute_points().iter().zip(after.absolute_points()) {
            assert!(p.distance(q) < 1e-3, "{} moved", before.id);
        }
    }
    // The label is the arrow's own, so it moves with it; no text shape stands beside it.
    assert_eq!(a[0].text, "yes");
    assert_eq!(a[1].text, "");
    assert!(!s.shapes.iter().any(|t| t.kind == ShapeKind::Text));
}

#[test]
fn layers_make_room_for_the_longest_link_label() {
    let gap = |text: &str| {
        let s = scene(text);
        let node = |id: &str| {
            s.shapes
                .iter()
                .find(|n| n.id == format!("node:{id}"))
                .expect("node")
                .bounds()
        };
        let (a, b) = (node("A"), node("B"));
        b.x - (a.x + a.w)
    };
    let plain = gap("graph LR\n  A --> B");
    let long = "a label much wider than the usual gap between two layers";
    let labelled = gap(&format!("graph LR\n  A -->|{long}| B"));
    assert!(labelled > plain + 100.0, "{labelled} vs {plain}");
    let (w, _) = crate::svg::text::text_box(
        long,
        crate::shape::Font::Sans,
        16.0,
        &crate::svg::text::BuiltinMetrics,
    );
    assert!(
        labelled >= w,
        "the label ({w}) fits in the gap ({labelled})"
    );
}

#[test]
fn chains_and_ampersand_groups_make_every_link() {
    let g = graph("graph TD\nA --> B --> C\nD & E --> F & G");
    let pairs: Vec<(String, String)> = g
        .edges
        .iter()
        .map(|e| {
            let name = |end| match end {
                End::Node(i) => g.nodes[i].id.clone(),
                End::Subgraph(s) => g.subgraphs[s].id.clone(),
            };
            (name(e.from), name(e.to))
        })
        .collect();
    let expect = [
        ("A", "B"),
        ("B", "C"),
        ("D", "F"),
        ("D", "G"),
        ("E", "F"),
        ("E", "G"),
    ];
    assert_eq!(
        pairs,
        expect.map(|(a, b)| (a.to_owned(), b.to_owned())).to_vec()
    );
}

#[test]
fn comments_blank_lines_semicolons_and_front_matter() {
    let text =
        "---\ntitle: My chart\n---\n%% a comment\n\ngraph TD;\n  A-->B; B-->C;\n  %%{init: {}}%%\n";
    assert!(looks_like_mermaid(text));
    let g = graph(text);
    assert_eq!(g.title.as_deref(), Some("My chart"));
    assert_eq!(g.nodes.len(), 3);
    assert_eq!(g.edges.len(), 2);
    assert_eq!(
        graph("graph TD; A-->B").edges.len(),
        1,
        "statements after the header"
    );
}

#[test]
fn subgraphs_nest_group_and_enclose_their_members() {
    let text = "flowchart TB
        c1-->a2
        subgraph one [The first]
          a1-->a2
          subgraph inner
            x1
          end
        end
        subgraph two
          b1-->b2
        end
        one --> two
        c1";
    let g = graph(text);
    assert_eq!(g.subgraphs.len(), 3);
    assert_eq!(g.subgraphs[0].title, "The first");
    assert_eq!(g.subgraphs[1].parent, Some(0));
    let parent = |id: &str| g.nodes.iter().find(|n| n.id == id).unwrap().parent;
    assert_eq!(parent("a2"), Some(0), "named first outside, then inside");
    assert_eq!(parent("x1"), Some(1));
    assert_eq!(parent("c1"), None);
    assert!(g
        .edges
        .iter()
        .any(|e| e.from == End::Subgraph(0) && e.to == End::Subgraph(2)));

    let s = scene(text);
    let frame = |i: usize| {
        s.shapes
            .iter()
            .find(|x| x.id == format!("subgraph:{i}"))
            .unwrap()
    };
    // Top-level subgraphs are frames named by their titles; a nested one is a dashed box.
    assert_eq!(frame(0).kind, ShapeKind::Frame);
    assert_eq!(frame(0).text, "The first");
    assert_eq!(frame(2).kind, ShapeKind::Frame);
    let f = frame(1);
    assert_eq!(f.kind, ShapeKind::Rectangle);
    assert_eq!((f.style.dash, f.style.fill.as_ref()), (Dash::Dashed, None));
    // Frames enclose their members (nested frames too), with room to spare.
    for (id, sub) in [("a1", 0), ("a2", 0), ("x1", 1), ("x1", 0), ("b1", 2)] {
        let inner = node(&s, id).bounds().inflate(10.0);
        assert!(frame(sub).bounds().contains_rect(&inner), "{id} in {sub}");
    }
    assert!(frame(0).bounds().contains_rect(&frame(1).bounds()));
    // What lies in a top-level subgraph joins its frame on the board; a nested subgraph is
    // one group with its members; nodes outside have neither.
    let home = |id: &str| crate::frame::home(&s.shapes, node(&s, id)).map(|f| f.id.clone());
    assert_eq!(home("a1").as_deref(), Some("subgraph:0"));
    assert_eq!(home("x1").as_deref(), Some("subgraph:0"));
    assert_eq!(home("b1").as_deref(), Some("subgraph:2"));
    assert_eq!(home("c1"), None);
    let group = |id: &str| node(&s, id).group.clone();
    assert!(group("x1").is_some());
    assert_eq!(group("x1"), frame(1).group);
    assert_eq!(group("a1"), None);
    assert_eq!(group("c1"), None);
    let title = s.shapes.iter().find(|x| x.text == "inner").unwrap();
    assert_eq!(title.kind, ShapeKind::Text);
    assert!(frame(1).bounds().contains_rect(&title.bounds()));
    // The link between subgraphs binds their frames.
    assert!(arrows(&s)
        .iter()
        .any(|a| a.start_bind.as_deref() == Some("subgraph:0")
            && a.end_bind.as_deref() == Some("subgraph:2")));
    // Paint order: frames first, then arrows, then nodes.
    let kinds: Vec<ShapeKind> = s.shapes.iter().map(|x| x.kind).collect();
    let first_arrow = kinds.iter().position(|k| *k == ShapeKind::Arrow).unwrap();
    let last_frame = s
        .shapes
        .iter()
        .rposition(|x| x.id.starts_with("subgraph"))
        .unwrap();
    let first_node = s
        .shapes
        .iter()
        .position(|x| x.id.starts_with("node:"))
        .unwrap();
    assert!(last_frame < first_arrow && first_arrow < first_node);
    assert!(s.shapes.windows(2).all(|w| w[0].index < w[1].index));
}

#[test]
fn an_empty_subgraph_still_gets_a_frame() {
    let s = scene("graph LR\nA-->B\nsubgraph lonely\nend");
    assert!(s.shapes.iter().any(|x| x.id == "subgraph:0"));
    assert!(s.shapes.iter().any(|x| x.text == "lonely"));
}

/// The centre of each named node.
fn centres(s: &Scene, ids: &[&str]) -> Vec<Point> {
    ids.iter().map(|id| node(s, id).center()).collect()
}

#[test]
fn directions_lay_layers_out_their_way() {
    let chain = |dir: &str| scene(&format!("graph {dir}\nA-->B-->C"));
    let td = centres(&chain("TD"), &["A", "B", "C"]);
    assert!(td[0].y < td[1].y && td[1].y < td[2].y);
    assert!((td[0].x - td[2].x).abs() < 1e-6);
    let bt = centres(&chain("BT"), &["A", "B", "C"]);
    assert!(bt[0].y > bt[1].y && bt[1].y > bt[2].y);
    let lr = centres(&chain("LR"), &["A", "B", "C"]);
    assert!(lr[0].x < lr[1].x && lr[1].x < lr[2].x);
    assert!((lr[0].y - lr[2].y).abs() < 1e-6);
    let rl = centres(&chain("RL"), &["A", "B", "C"]);
    assert!(rl[0].x > rl[1].x && rl[1].x > rl[2].x);
    assert_eq!(graph("flowchart").direction, Direction::Down);
    assert_eq!(graph("graph TB").direction, Direction::Down);
}

#[test]
fn longest_path_decides_the_layer() {
    let s = scene("graph TD\nA-->B-->C-->D\nA-->D");
    let c = centres(&s, &["A", "B", "C", "D"]);
    assert!(c[2].y < c[3].y, "D below C, not beside B");
}

#[test]
fn cycles_terminate_and_keep_a_flow() {
    let s = scene("graph TD\nA-->B-->C-->A\nC-->C\nD-->D");
    let c = centres(&s, &["A", "B", "C"]);
    assert!(c[0].y < c[1].y && c[1].y < c[2].y);
    assert_eq!(arrows(&s).len(), 5);
    // A self-link is a loop, not bound (a bound arrow is straight).
    let lp = arrows(&s).into_iter().find(|a| a.id == "link:3").unwrap();
    assert!(lp.points.len() > 2 && lp.start_bind.is_none());
    let big: String = (0..300)
        .map(|i| format!("n{i}-->n{}\n", (i * 7 + 3) % 300))
        .collect();
    let s = scene(&format!("graph LR\n{big}"));
    assert_eq!(arrows(&s).len(), 300);
}

#[test]
fn style_lines_are_skipped_with_their_lines() {
    let s = scene(
        "graph TD
        A:::hot --> B
        classDef hot fill:#f96
        style B fill:#bbf
        style A stroke:#333
        click A callback
        linkStyle 0 stroke:#f00
        class B hot
        A --o B",
    );
    assert_eq!(
        s.skipped,
        [
            ("`:::` class on a node (line 2)".to_owned(), 1),
            // Sorted by bytes: "`classDef`" before "`class` ".
            ("`classDef` line (line 3)".to_owned(), 1),
            ("`class` line (line 8)".to_owned(), 1),
            ("`click` line (line 6)".to_owned(), 1),
            ("`linkStyle` line (line 7)".to_owned(), 1),
            ("`style` lines (lines 4, 5)".to_owned(), 2),
            (
                "circle or cross link end (drawn as an arrow head) (line 9)".to_owned(),
                1
            ),
        ]
    );
    assert_eq!(
        s.shapes
            .iter()
            .filter(|x| x.id.starts_with("node:"))
            .count(),
        2
    );
}

#[test]
fn errors_are_reported_by_line_and_nothing_is_returned() {
    let text = "graph TD
        A --> B
        C[unclosed --> D
        E --> F)
        G -- never closed
        H -->|open
        I@{ shape: rect }
        end
        subgraph S
        J --> ";
    assert_eq!(
        problems(text),
        [
            "line 3: unclosed [ in the label of node C",
            "line 4: unexpected `)` after node F (a label with brackets needs quotes: A[\"text (like this)\"])",
            "line 5: the link text after `--` is never closed with `-->` or `---`",
            "line 6: unclosed | in the link label",
            "line 7: the `I@{ … }` node syntax is not supported; write I[text], I(text), I{text} or the like",
            "line 8: `end` without a subgraph to close",
            "line 9: subgraph S is never closed with `end`",
            "line 10: a link with no node after it",
        ]
    );
    let err = parse(text).unwrap_err();
    assert!(matches!(&err, ImportError::Mermaid(p) if p.len() == 8));
    assert!(err.to_string().starts_with(
        "this Mermaid flowchart cannot be imported: line 3: unclosed [ in the label of node C; line 4"
    ));
    assert_eq!(
        problems("sequenceDiagram\nA->>B: hi"),
        ["line 1: a Mermaid flowchart starts with `graph TD`, `flowchart LR` or the like; other diagrams cannot be imported"]
    );
    assert_eq!(
        problems("graph XY\nA-->B"),
        ["line 1: unknown direction `XY`: use TD, TB, BT, LR or RL"]
    );
    assert_eq!(
        problems("%% only\n"),
        ["line 1: there is no `graph` or `flowchart` header"]
    );
}

#[test]
fn limits_are_refused_clearly() {
    let big = format!("graph TD\n{}", "A-->B\n".repeat(20_000));
    assert!(matches!(parse(&big), Err(ImportError::TooLarge(m)) if m.contains("100 KB")));
    let many: String = (0..1100).map(|i| format!("n{i}-->m{i}\n")).collect();
    let p = problems(&format!("graph TD\n{many}"));
    assert_eq!(p.len(), 1, "{p:?}");
    assert!(
        p[0].contains("more than 2000 nodes, links and subgraphs"),
        "{p:?}"
    );
    let deep = "subgraph s\n".repeat(MAX_NESTING + 1) + &"end\n".repeat(MAX_NESTING + 1);
    let p = problems(&format!("graph TD\n{deep}"));
    assert!(p[0].contains("nest more than 20 deep"), "{p:?}");
    // Many bad lines: the first ones are listed, the rest counted.
    let bad = "A[\n".repeat(100);
    let p = problems(&format!("graph TD\n{bad}"));
    assert_eq!(p.len(), 31);
    assert_eq!(p[30], "line 32: and 70 more problems");
}

#[test]
fn detection_wants_a_flowchart_header() {
    assert!(looks_like_mermaid("graph TD\nA-->B"));
    assert!(looks_like_mermaid("\u{FEFF}\n\n  flowchart LR;"));
    assert!(looks_like_mermaid("%% comment\ngraph"));
    assert!(!looks_like_mermaid("graphics are fun"));
    assert!(!looks_like_mermaid("graph theory is fun"));
    assert!(!looks_like_mermaid("sequenceDiagram\nA->>B: hi"));
    assert!(!looks_like_mermaid("hello\ngraph TD"));
    assert!(!looks_like_mermaid(""));
}

#[test]
fn file_import_reads_mermaid_text_with_the_right_line_numbers() {
    let scene = crate::file::parse(b"\n\ngraph LR\n  A[Start] --> B{Ok?}\n").unwrap();
    assert_eq!(scene.shapes.len(), 3);
    let err = crate::file::parse(b"\n\ngraph LR\n  A[Start --> B\n").unwrap_err();
    assert!(err.to_string().contains("line 4: unclosed ["), "{err}");
    assert!(matches!(
        crate::file::parse(b"just some text"),
        Err(ImportError::NotABoard { .. })
    ));
}

#[test]
fn placing_gives_fresh_ids_and_keeps_binds() {
    let mut s = scene("graph TD\nsubgraph g\nA-->B\nend");
    let mut n = 0;
    crate::file::place(&mut s, Point::new(0.0, 0.0), None, &mut || {
        n += 1;
        format!("id{n}")
    });
    let ids: HashSet<&str> = s.shapes.iter().map(|x| x.id.as_str()).collect();
    let arrow = arrows(&s)[0];
    assert!(ids.contains(arrow.start_bind.as_deref().unwrap()));
    assert!(ids.contains(arrow.end_bind.as_deref().unwrap()));
}

/// A realistic chart: 15 nodes, labels, subgraphs, a loop back.
const ORDER_FLOW: &str = r#"flowchart TD
    start([Customer places order]) --> check{In stock?}
    check -->|yes| pay[Take payment]
    check -->|no| back[Back-order item]
    back --> notify[Email the customer<br>about the delay]
    notify --> wait((Wait))
    wait -.-> check
    subgraph payment [Payment]
        pay --> ok{Paid?}
        ok -- no --> retry[Ask for another card]
        retry --> pay
    end
    ok -- yes --> pick[Pick items]
    subgraph warehouse [Warehouse]
        pick --> pack[Pack the parcel] --> label[Print label]
        label --> ship[Hand to courier]
    end
    ship --> track[Send tracking link] --> done([Delivered])
    done --> archive[(Archive order)]
    classDef slow fill:#f96
"#;

#[test]
fn a_realistic_flowchart_lays_out_without_overlaps() {
    let s = scene(ORDER_FLOW);
    let nodes: Vec<&Shape> = s
        .shapes
        .iter()
        .filter(|x| x.id.starts_with("node:"))
        .collect();
    assert_eq!(nodes.len(), 15);
    for (i, a) in nodes.iter().enumerate() {
        for b in &nodes[i + 1..] {
            assert!(
                !a.bounds().intersects(&b.bounds()),
                "{} overlaps {}",
                a.id,
                b.id
            );
        }
        // Labels fit their boxes at the built-in metrics.
        let label = a.label_box().unwrap();
        let m = BuiltinMetrics;
        let size = a.style.font_size;
        let lines = wrap(&a.text, label.w, Font::Sans, size, &m);
        assert!(
            lines
                .iter()
                .all(|l| m.width(l, Font::Sans, size) <= label.w),
            "{}",
            a.id
        );
        assert!(
            lines.len() as f64 * size * LINE_HEIGHT <= label.h + 1e-9,
            "{}",
            a.id
        );
    }
    let ids: HashSet<&str> = s.shapes.iter().map(|x| x.id.as_str()).collect();
    assert_eq!(ids.len(), s.shapes.len(), "ids unique");
    let arrows = arrows(&s);
    assert_eq!(arrows.len(), 16);
    for a in &arrows {
        let (start, end) = (a.start_bind.as_deref(), a.end_bind.as_deref());
        assert!(start.is_some_and(|b| ids.contains(b)), "{}", a.id);
        assert!(end.is_some_and(|b| ids.contains(b)), "{}", a.id);
    }
    // Subgraph frames hold their members and keep clear of everything else.
    let frames: Vec<&Shape> = s
        .shapes
        .iter()
        .filter(|x| x.kind == ShapeKind::Frame && x.id.starts_with("subgraph:"))
        .collect();
    assert_eq!(frames.len(), 2);
    assert!(!frames[0].bounds().intersects(&frames[1].bounds()));
    for f in &frames {
        for n in &nodes {
            let inside = crate::frame::home(&s.shapes, n).is_some_and(|h| h.id == f.id);
            if inside {
                assert!(
                    f.bounds().contains_rect(&n.bounds()),
                    "{} in {}",
                    n.id,
                    f.id
                );
            } else {
                assert!(
                    !f.bounds().intersects(&n.bounds()),
                    "{} clear of {}",
                    n.id,
                    f.id
                );
            }
        }
    }
    // Top-down: the first node above the last.
    assert!(node(&s, "start").center().y < node(&s, "archive").center().y);
    assert_eq!(s.skipped, [("`classDef` line (line 20)".to_owned(), 1)]);
}
