use super::*;
use crate::file::{parse as parse_any, place};
use crate::shape::MIN_OPACITY;

const TINY_PNG_URL: &str = "data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAAAAAA6fptVAAAADUlEQVR4AQECAP3/AAAAAgABfgUN0gAAAABJRU5ErkJggg==";

/// Every kind of element, with only the fields that matter (as a clipboard or an older
/// version may leave others out).
fn sample() -> String {
    r##"{"type":"excalidraw","version":2,"source":"https://excalidraw.com","elements":[
 {"id":"rect","type":"rectangle","x":100,"y":100,"width":200,"height":100,"angle":0.5,
  "strokeColor":"#1971c2","backgroundColor":"#a5d8ff","strokeWidth":4,"strokeStyle":"dashed",
  "opacity":50,"roughness":0,"groupIds":["inner","outer"],
  "boundElements":[{"type":"text","id":"label"},{"type":"arrow","id":"arrow"}]},
 {"id":"label","type":"text","x":150,"y":137.5,"width":100,"height":25,"text":"Hello\nworld",
  "originalText":"Hello world","fontSize":28,"fontFamily":3,"containerId":"rect"},
 {"id":"ell","type":"ellipse","x":400,"y":100,"width":80,"height":60,
  "backgroundColor":"transparent","opacity":0,"boundElements":[{"type":"arrow","id":"arrow"}]},
 {"id":"dia","type":"diamond","x":600,"y":100,"width":80,"height":80,"strokeStyle":"dotted",
  "roughness":2},
 {"id":"line","type":"line","x":10,"y":300,"width":100,"height":50,
  "points":[[0,0],[50,50],[100,0]],"startArrowhead":null,"endArrowhead":null},
 {"id":"arrow","type":"arrow","x":300,"y":150,"width":100,"height":20,"points":[[0,0],[100,-20]],
  "startBinding":{"elementId":"rect","focus":0,"gap":1},
  "endBinding":{"elementId":"ell","focus":0,"gap":1},"startArrowhead":null,"endArrowhead":"arrow"},
 {"id":"pen","type":"freedraw","x":50,"y":400,"width":20,"height":5,
  "points":[[0,0],[10,5],[20,0]],"pressures":[0.1,0.6,0.9],"simulatePressure":false,"strokeWidth":2},
 {"id":"txt","type":"text","x":50,"y":500,"width":120,"height":35,"text":"Standalone","fontSize":20,
  "fontFamily":6},
 {"id":"img","type":"image","x":700,"y":300,"width":64,"height":64,"fileId":"file1","status":"saved"},
 {"id":"frame","type":"frame","x":0,"y":600,"width":400,"height":300,"name":"Frame 1"},
 {"id":"kid1","type":"rectangle","x":10,"y":610,"width":50,"height":50,"frameId":"frame","groupIds":["g"]},
 {"id":"kid2","type":"ellipse","x":100,"y":610,"width":50,"height":50,"frameId":"frame"},
 {"id":"gone","type":"rectangle","x":0,"y":0,"width":10,"height":10,"isDeleted":true},
 {"id":"embed","type":"embeddable","x":0,"y":0,"width":10,"height":10,"link":"https://example.com"},
 {"id":"nofile","type":"image","x":0,"y":0,"width":10,"height":10,"fileId":"missing"}
],"files":{"file1":{"mimeType":"image/png","id":"file1","dataURL":"TINY","created":1}}}"##
        .replace("TINY", TINY_PNG_URL)
}

fn by_id<'a>(scene: &'a Scene, id: &str) -> &'a Shape {
    scene
        .shapes
        .iter()
        .find(|s| s.id == id)
        .unwrap_or_else(|| panic!("no shape {id}"))
}

#[test]
fn every_kind_imports_with_positions_labels_and_bindings() {
    let scene = parse_any(sample().as_bytes()).unwrap();
    let ids: Vec<&str> = scene.shapes.iter().map(|s| s.id.as_str()).collect();
    assert_eq!(
        ids,
        ["rect", "ell", "dia", "line", "arrow", "pen", "txt", "img", "frame", "kid1", "kid2"]
    );
    assert!(scene.shapes.windows(2).all(|w| w[0].index < w[1].index));
    assert_eq!(
        scene.skipped,
        [("embeddable".to_owned(), 1), ("image".to_owned(), 1)]
    );

    let rect = by_id(&scene, "rect");
    assert_eq!(rect.kind, ShapeKind::Rectangle);
    assert_eq!(
        (rect.x, rect.y, rect.w, rect.h, rect.rotation),
        (100.0, 100.0, 200.0, 100.0, 0.5)
    );
    assert_eq!(rect.text, "Hello world");
    assert_eq!(rect.style.font_size, 28.0);
    assert_eq!(rect.style.stroke, "#1971c2");
    assert_eq!(rect.style.fill.as_deref(), Some("#a5d8ff"));
    assert_eq!(
        (rect.style.stroke_width, rect.style.dash, rect.style.opacity),
        (4.0, Dash::Dashed, 0.5)
    );
    assert_eq!(rect.group.as_deref(), Some("outer"));
    // roughness 0, and the label's Cascadia.
    assert_eq!(
        (rect.style.sloppiness, rect.style.font_family),
        (Sloppiness::Architect, Font::Mono)
    );

    let ell = by_id(&scene, "ell");
    assert_eq!(
        (ell.kind, ell.style.fill.clone()),
        (ShapeKind::Ellipse, None)
    );
    assert_eq!(ell.style.opacity, MIN_OPACITY);
    let dia = by_id(&scene, "dia");
    assert_eq!(
        (dia.kind, dia.style.dash),
        (ShapeKind::Diamond, Dash::Dotted)
    );
    assert_eq!(dia.style.sloppiness, Sloppiness::Cartoonist);
    assert_eq!(
        ell.style.sloppiness,
        Sloppiness::Artist,
        "Excalidraw's default"
    );

    let line = by_id(&scene, "line");
    assert_eq!(line.kind, ShapeKind::Line);
    assert_eq!((line.x, line.y, line.w, line.h), (10.0, 300.0, 100.0, 50.0));
    assert_eq!(line.points.len(), 3);

    let arrow = by_id(&scene, "arrow");
    assert_eq!(arrow.kind, ShapeKind::Arrow);
    assert_eq!(
        (arrow.x, arrow.y, arrow.w, arrow.h),
        (300.0, 130.0, 100.0, 20.0)
    );
    assert_eq!((arrow.points[0].x, arrow.points[0].y), (0.0, 20.0));
    assert_eq!(arrow.start_bind.as_deref(), Some("rect"));
    assert_eq!(arrow.end_bind.as_deref(), Some("ell"));

    let pen = by_id(&scene, "pen");
    assert_eq!(pen.kind, ShapeKind::Pen);
    let pressures: Vec<f32> = pen.points.iter().map(|p| p.pressure).collect();
    assert_eq!(pressures, [0.1, 0.6, 0.9]);
    assert_eq!(pen.style.stroke_width, 2.0 * FREEDRAW_WIDTH);

    let txt = by_id(&scene, "txt");
    assert_eq!(
        (txt.kind, txt.text.as_str()),
        (ShapeKind::Text, "Standalone")
    );
    assert_eq!((txt.w, txt.h, txt.style.font_size), (120.0, 35.0, 20.0));
    assert_eq!(txt.style.font_family, Font::Sans, "Nunito");

    let img = by_id(&scene, "img");
    assert_eq!(img.kind, ShapeKind::Image);
    assert_eq!(img.src.as_deref(), Some("excalidraw:file1"));
    assert_eq!(
        scene.images.get("excalidraw:file1").map(String::as_str),
        Some(TINY_PNG_URL)
    );
    assert_eq!(scene.images.len(), 1);

    let (kid1, kid2) = (by_id(&scene, "kid1"), by_id(&scene, "kid2"));
    // Both in the frame, which keeps its name; kid1 keeps its own group.
    assert_eq!(kid1.frame.as_deref(), Some("frame"));
    assert_eq!(kid2.frame.as_deref(), Some("frame"));
    assert_eq!(
        (kid1.group.as_deref(), kid2.group.as_deref()),
        (Some("g"), None)
    );
    let frame = by_id(&scene, "frame");
    assert_eq!(
        (frame.kind, frame.text.as_str()),
        (ShapeKind::Frame, "Frame 1")
    );
}

#[test]
fn placing_an_import_keeps_its_bindings() {
    let mut scene = parse_any(sample().as_bytes()).unwrap();
    let mut n = 0;
    place(&mut scene, Point::new(0.0, 0.0), Some("a9"), &mut || {
        n += 1;
        format!("id{n}")
    });
    let find = |old: usize| scene.shapes[old].id.clone();
    let arrow = &scene.shapes[4];
    assert_eq!(arrow.start_bind, Some(find(0)));
    assert_eq!(arrow.end_bind, Some(find(1)));
}

#[test]
fn locks_and_safe_links_come_in_and_element_links_point_at_their_shapes() {
    let file = r##"{"type":"excalidraw","elements":[
 {"id":"a","type":"rectangle","x":0,"y":0,"width":10,"height":10,"locked":true,
  "link":"https://excalidraw.com/?element=b"},
 {"id":"b","type":"ellipse","x":50,"y":0,"width":10,"height":10,"link":"example.com/docs"},
 {"id":"c","type":"diamond","x":90,"y":0,"width":10,"height":10,"locked":false,
  "link":"javascript:alert(1)"},
 {"id":"d","type":"diamond","x":90,"y":0,"width":10,"height":10,
  "link":"https://excalidraw.com/?elementLink=missing"}
]}"##;
    let mut scene = parse_any(file.as_bytes()).unwrap();
    let (a, b, c) = (by_id(&scene, "a"), by_id(&scene, "b"), by_id(&scene, "c"));
    assert!(a.locked && !b.locked && !c.locked);
    assert_eq!(a.link.as_deref(), Some("#shape=b"));
    assert_eq!(b.link.as_deref(), Some("https://example.com/docs"));
    assert_eq!(c.link, None, "a script link is dropped");
    assert_eq!(
        by_id(&scene, "d").link.as_deref(),
        Some("https://excalidraw.com/?elementLink=missing"),
        "a link to an element not in the drawing stays an address"
    );
    let mut n = 0;
    place(&mut scene, Point::new(0.0, 0.0), None, &mut || {
        n += 1;
        format!("id{n}")
    });
    assert_eq!(
        scene.shapes[0].link,
        Some(format!("#shape={}", scene.shapes[1].id))
    );
}

#[test]
fn arrowheads_decide_direction_and_kind() {
    let file = r#"{"type":"excalidraw/clipboard","elements":[
      {"id":"a","type":"rectangle","width":10,"height":10},
      {"id":"back","type":"arrow","x":0,"y":0,"points":[[0,0],[50,0]],
       "startBinding":{"elementId":"a"},"endBinding":{"elementId":"deleted"},
       "startArrowhead":"arrow","endArrowhead":null},
      {"id":"plain","type":"arrow","x":0,"y":0,"points":[[0,0],[50,0]],
       "startBinding":{"elementId":"a"}},
      {"id":"t","type":"text","x":5,"y":5,"width":20,"height":10,"text":"on arrow","containerId":"plain"},
      {"id":"deleted","type":"rectangle","isDeleted":true}
    ]}"#;
    let scene = parse_any(file.as_bytes()).unwrap();
    let back = by_id(&scene, "back");
    assert_eq!(back.kind, ShapeKind::Arrow);
    assert_eq!((back.points[0].x, back.points[1].x), (50.0, 0.0));
    assert_eq!(
        (back.start_bind.as_deref(), back.end_bind.as_deref()),
        (None, Some("a"))
    );
    let plain = by_id(&scene, "plain");
    assert_eq!(
        (plain.kind, plain.start_bind.as_deref()),
        (ShapeKind::Line, None)
    );
    // A label on an arrow has nowhere to go but a text of its own.
    assert_eq!(by_id(&scene, "t").text, "on arrow");
}

#[test]
fn bad_elements_are_named_and_refused_whole() {
    let bad = r#"{"type":"excalidraw","elements":[{"type":"rectangle"},
        {"type":"line","points":[[0,0],[1,"x"]]}]}"#;
    assert!(matches!(
        parse_any(bad.as_bytes()),
        Err(ImportError::InvalidShape { item: "element", index: 1, field, .. }) if field == "points[1]"
    ));
    let far = r#"{"type":"excalidraw","elements":[{"type":"ellipse","x":1e300}]}"#;
    assert!(matches!(
        parse_any(far.as_bytes()),
        Err(ImportError::OutOfRange {
            item: "element",
            index: 0,
            ..
        })
    ));
    let deep = format!(
        r#"{{"type":"excalidraw","elements":[{{"customData":{}{}}}]}}"#,
        "[".repeat(300),
        "]".repeat(300)
    );
    assert_eq!(parse_any(deep.as_bytes()), Err(ImportError::TooDeep));
}

#[test]
fn the_fixture_file_imports() {
    let bytes = include_bytes!("../../../tests/fixtures/every-kind.excalidraw");
    let scene = parse_any(bytes).unwrap();
    let kinds: Vec<ShapeKind> = scene.shapes.iter().map(|s| s.kind).collect();
    use ShapeKind as K;
    assert_eq!(
        kinds,
        [
            K::Frame,
            K::Rectangle,
            K::Ellipse,
            K::Diamond,
            K::Line,
            K::Arrow,
            K::Pen,
            K::Text,
            K::Image,
            K::Rectangle,
            K::Ellipse
        ]
    );
    assert_eq!(scene.skipped, [("embeddable".to_owned(), 1)]);
    let rect = by_id(&scene, "rect-Lk29a");
    assert_eq!(rect.text, "Ship the import");
    assert!(rect.frame.is_some());
    assert_eq!(rect.frame, by_id(&scene, "kid-two").frame, "one frame");
    assert_eq!(
        (rect.style.sloppiness, rect.style.font_family),
        (Sloppiness::Artist, Font::Hand),
        "roughness 1; the label's Excalifont"
    );
    assert_eq!(by_id(&scene, "text-Ck4v").style.font_family, Font::Hand);
    let arrow = by_id(&scene, "arrow-Zp4c");
    assert_eq!(arrow.start_bind.as_deref(), Some("rect-Lk29a"));
    assert_eq!(arrow.end_bind.as_deref(), Some("ellipse-Uu81"));
    assert_eq!(
        (arrow.x, arrow.y, arrow.w, arrow.h),
        (247.0, 37.5, 226.0, 22.5)
    );
    assert_eq!(by_id(&scene, "pen-Ba7t").points.len(), 5);
    assert_eq!(by_id(&scene, "diamond-Fo3e").style.opacity, 0.4);
    assert_eq!(scene.images.len(), 1);
}
