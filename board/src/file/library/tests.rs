//! Library items as kept and as `.excalidrawlib` files: both versions read, exports read back
//! as the same shapes, and damaged input refused or left out, never a panic.

use super::*;
use crate::shape::{Dash, Point, ShapeKind, Style};

fn boxed(id: &str, kind: ShapeKind, x: f64, y: f64) -> Shape {
    Shape {
        id: id.into(),
        kind,
        x,
        y,
        w: 80.0,
        h: 40.0,
        ..Shape::default()
    }
}

/// One shape of every kind an `.excalidrawlib` can carry, with labels, bindings and styles.
fn every_kind() -> Vec<Shape> {
    let mut rect = boxed("r", ShapeKind::Rectangle, 100.0, 50.0);
    rect.text = "Start".into();
    rect.rotation = 0.5;
    rect.style = Style {
        stroke: "#1971c2".into(),
        fill: Some("#a5d8ff".into()),
        stroke_width: 4.0,
        dash: Dash::Dashed,
        opacity: 0.5,
        font_size: 28.0,
        ..Style::default()
    };
    rect.group = Some("g".into());
    let mut ellipse = boxed("e", ShapeKind::Ellipse, 300.0, 50.0);
    ellipse.group = Some("g".into());
    let mut diamond = boxed("d", ShapeKind::Diamond, 500.0, 50.0);
    diamond.style.dash = Dash::Dotted;
    let mut arrow = Shape::polyline(
        "a".into(),
        ShapeKind::Arrow,
        String::new(),
        Style::default(),
        &[
            (Point::new(180.0, 70.0), 0.5),
            (Point::new(240.0, 90.0), 0.5),
            (Point::new(300.0, 70.0), 0.5),
        ],
    );
    arrow.start_bind = Some("r".into());
    arrow.end_bind = Some("e".into());
    let line = Shape::polyline(
        "l".into(),
        ShapeKind::Line,
        String::new(),
        Style::default(),
        &[
            (Point::new(0.0, 200.0), 0.5),
            (Point::new(50.0, 260.0), 0.5),
        ],
    );
    let pen = Shape::pen(
        "p".into(),
        String::new(),
        Style {
            stroke_width: 7.0,
            ..Style::default()
        },
        &[
            (Point::new(10.0, 300.0), 0.25),
            (Point::new(20.0, 310.0), 0.5),
            (Point::new(40.0, 305.0), 0.75),
        ],
    );
    let mut text = boxed("t", ShapeKind::Text, 200.0, 300.0);
    text.text = "Note to self".into();
    text.style.font_size = 24.0;
    vec![rect, ellipse, diamond, arrow, line, pen, text]
}

/// Shapes compared without what a trip through another format may renumber.
fn comparable(shapes: &[Shape]) -> Vec<Shape> {
    shapes
        .iter()
        .map(|s| Shape {
            index: String::new(),
            group: s.group.as_ref().map(|_| "group".into()),
            ..s.clone()
        })
        .collect()
}

#[test]
fn an_item_is_kept_at_the_origin_without_bindings_to_shapes_it_lacks() {
    let mut arrow = boxed("a", ShapeKind::Arrow, 150.0, 90.0);
    arrow.start_bind = Some("r".into());
    arrow.end_bind = Some("elsewhere".into());
    let item = LibraryItem::new(
        "i".into(),
        "  Flow  ",
        5.0,
        vec![boxed("r", ShapeKind::Rectangle, 100.0, 50.0), arrow],
    );
    assert_eq!(item.name, "Flow");
    let s = &item.shapes;
    assert_eq!((s[0].x, s[0].y, s[1].x, s[1].y), (0.0, 0.0, 50.0, 40.0));
    assert_eq!(
        (s[1].start_bind.as_deref(), s[1].end_bind.as_deref()),
        (Some("r"), None)
    );
    assert!(s[0].index < s[1].index);
    assert_eq!(item.label(), "Flow");
    assert_eq!(
        LibraryItem::new("j".into(), "", 0.0, s.clone()).label(),
        "2 shapes"
    );
    assert_eq!(
        LibraryItem {
            shapes: vec![s[0].clone()],
            ..item
        }
        .label(),
        "Flow"
    );
}

#[test]
fn an_export_reads_back_as_the_same_shapes() {
    let item = LibraryItem::new(
        "one".into(),
        "Every kind",
        1_700_000_000_000.0,
        every_kind(),
    );
    let (json, skipped) = to_excalidrawlib(std::slice::from_ref(&item));
    assert!(skipped.is_empty());
    let file: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(file["type"], "excalidrawlib");
    assert_eq!(file["version"], 2);
    assert_eq!(file["libraryItems"][0]["name"], "Every kind");
    assert_eq!(file["libraryItems"][0]["status"], "unpublished");

    let back = parse_excalidrawlib(json.as_bytes()).unwrap();
    assert_eq!((back.skipped.len(), back.dropped), (0, 0));
    let got = &back.items[0];
    assert_eq!((got.id.as_str(), got.name.as_str()), ("one", "Every kind"));
    assert_eq!(got.created, item.created);
    let (mut want, mut have) = (comparable(&item.shapes), comparable(&got.shapes));
    // Pen widths go through Excalidraw's scale; compare them apart.
    let width = |shapes: &mut Vec<Shape>| {
        let pen = shapes
            .iter_mut()
            .find(|s| s.kind == ShapeKind::Pen)
            .unwrap();
        std::mem::take(&mut pen.style.stroke_width)
    };
    assert!((width(&mut want) - width(&mut have)).abs() < 1e-9);
    assert_eq!(have, want);
}

#[test]
fn a_sticky_note_becomes_a_labelled_rectangle_and_images_are_left_out() {
    let mut note = boxed("n", ShapeKind::Sticky, 0.0, 0.0);
    note.text = "Todo".into();
    let mut image = boxed("i", ShapeKind::Image, 100.0, 0.0);
    image.src = Some("/boards/x/images/1".into());
    let item = LibraryItem::new("x".into(), "", 0.0, vec![note, image]);
    let (json, skipped) = to_excalidrawlib(&[item]);
    assert_eq!(skipped, [("Image".to_owned(), 1)]);
    let back = parse_excalidrawlib(json.as_bytes()).unwrap();
    let shapes = &back.items[0].shapes;
    assert_eq!(shapes.len(), 1);
    assert_eq!(shapes[0].kind, ShapeKind::Rectangle);
    assert_eq!(shapes[0].text, "Todo");
    assert_eq!(
        shapes[0].style.fill.as_deref(),
        Some(crate::svg::STICKY_PAPER)
    );
    assert_eq!(
        shapes[0].style.stroke,
        Style::default().stroke,
        "the text stays visible"
    );
}

#[test]
fn version_1_and_2_files_read() {
    let v1 = r##"{"type":"excalidrawlib","version":1,"library":[
      [{"id":"a","type":"rectangle","x":10,"y":10,"width":20,"height":20}],
      [{"id":"b","type":"ellipse","x":0,"y":0,"width":5,"height":5},
       {"id":"c","type":"diamond","x":50,"y":50,"width":5,"height":5}]
    ]}"##;
    let lib = parse_excalidrawlib(v1.as_bytes()).unwrap();
    assert_eq!(lib.items.len(), 2);
    assert_eq!(lib.items[0].shapes[0].kind, ShapeKind::Rectangle);
    assert_eq!(
        (lib.items[0].shapes[0].x, lib.items[0].shapes[0].y),
        (0.0, 0.0)
    );
    assert_eq!(lib.items[1].shapes.len(), 2);
    assert_ne!(lib.items[0].id, lib.items[1].id);

    let v2 = r##"{"type":"excalidrawlib","version":2,"source":"https://excalidraw.com",
      "libraryItems":[
        {"id":"x1","status":"published","created":1690000000000,"name":"Server",
         "elements":[{"id":"s","type":"rectangle","x":0,"y":0,"width":40,"height":60},
                     {"id":"gone","type":"ellipse","isDeleted":true},
                     {"id":"web","type":"embeddable","x":0,"y":0,"width":9,"height":9}]},
        {"id":"x2","status":"unpublished","created":1,"elements":[
          {"id":"only","type":"iframe","x":0,"y":0,"width":9,"height":9}]},
        {"id":"x3","status":"unpublished","created":2,"elements":[
          {"id":"t","type":"text","x":3,"y":4,"width":50,"height":25,"text":"hi","fontSize":16}]}
      ]}"##;
    let lib = parse_excalidrawlib(v2.as_bytes()).unwrap();
    let names: Vec<(&str, &str, usize)> = lib
        .items
        .iter()
        .map(|i| (i.id.as_str(), i.name.as_str(), i.shapes.len()))
        .collect();
    assert_eq!(names, [("x1", "Server", 1), ("x3", "", 1)]);
    assert_eq!(lib.items[0].created, 1_690_000_000_000.0);
    assert_eq!(lib.dropped, 1, "the item with nothing to show");
    assert_eq!(
        lib.skipped,
        [("embeddable".to_owned(), 1), ("iframe".to_owned(), 1)]
    );
}

#[test]
fn bad_library_files_are_refused_with_a_reason() {
    let refused = |bytes: &[u8]| parse_excalidrawlib(bytes).unwrap_err().to_string();
    assert!(refused(b"hello").contains("not an Excalidraw library"));
    assert!(refused(b"").contains("not an Excalidraw library"));
    assert!(refused(br#"{"type":"excalidraw","elements":[]}"#).contains("Excalidraw drawing"));
    assert!(refused(br#"{"type":"whiteboard","version":1}"#).contains("a board"));
    assert!(
        refused(br#"{"type":"excalidrawlib","version":1,"library":[[{"type":"rectangle""#)
            .contains("ends too early")
    );
    assert!(
        refused(br#"{"type":"excalidrawlib","version":3,"libraryItems":[]}"#)
            .contains("newer version")
    );
    assert!(refused(br#"{"type":"excalidrawlib","libraryItems":[]}"#).contains("version"));
    assert!(
        refused(br#"{"type":"excalidrawlib","version":2,"libraryItems":[{"elements":5}]}"#)
            .contains("damaged")
    );
    let far = br#"{"type":"excalidrawlib","version":2,"libraryItems":[
        {"elements":[{"type":"rectangle","x":1}]},
        {"elements":[{"type":"ellipse","x":1e300}]}]}"#;
    let message = refused(far);
    assert!(
        message.contains("library item 2") && message.contains("element 0"),
        "{message}"
    );
    let deep = format!(
        r#"{{"type":"excalidrawlib","version":1,"library":[{}{}]}}"#,
        "[".repeat(300),
        "]".repeat(300)
    );
    assert_eq!(
        parse_excalidrawlib(deep.as_bytes()),
        Err(ImportError::TooDeep)
    );
}

#[test]
fn no_prefix_of_a_library_panics() {
    let item = LibraryItem::new("one".into(), "All", 0.0, every_kind());
    let (json, _) = to_excalidrawlib(&[item]);
    for end in (0..json.len()).step_by(7) {
        let _ = parse_excalidrawlib(&json.as_bytes()[..end]);
    }
}

#[test]
fn kept_items_read_back_and_damaged_ones_are_left_out() {
    let item = LibraryItem::new("one".into(), "All", 3.0, every_kind());
    let json = items_to_json(std::slice::from_ref(&item));
    assert_eq!(items_from_json(&json), vec![item.clone()]);
    assert_eq!(
        shapes_from_json(&item.shapes_json()),
        Some(item.shapes.clone())
    );

    let mixed = format!(
        r#"{{"version":1,"items":[{},{{"id":"bad","shapes":[{{"x":"no"}}]}},
            {{"id":"far","shapes":[{{"kind":"rectangle","x":1e300}}]}},
            {{"id":"","shapes":[{{"kind":"rectangle"}}]}},
            {{"id":"empty","shapes":[]}}, 7, "x", {}]}}"#,
        serde_json::to_string(&item).unwrap(),
        serde_json::to_string(&item).unwrap(),
    );
    assert_eq!(
        items_from_json(&mixed),
        vec![item.clone()],
        "duplicates too"
    );
    for garbage in [
        "",
        "null",
        "[1,2]",
        "{\"items\":5}",
        "{\"items\":[",
        "\u{0}",
    ] {
        assert!(items_from_json(garbage).is_empty(), "{garbage:?}");
    }
    for garbage in [
        "",
        "[]",
        "{}",
        "[{\"x\":1e999}]",
        "[[[[",
        "[{\"kind\":\"blob\"}]",
    ] {
        assert_eq!(shapes_from_json(garbage), None, "{garbage:?}");
    }
    assert_eq!(shapes_from_json(&" ".repeat(MAX_ITEM_BYTES + 1)), None);
}
