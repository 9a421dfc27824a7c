//! The project's format end to end, and hostile files: each is refused with the right error,
//! and none panics.

use super::*;
use crate::shape::{Dash, PenPoint, Point, ShapeKind, Style};

const TINY_PNG_URL: &str = "data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAAAAAA6fptVAAAADUlEQVR4AQECAP3/AAAAAgABfgUN0gAAAABJRU5ErkJggg==";

fn sample() -> (Vec<Shape>, HashMap<String, String>) {
    let rect = Shape {
        id: "r1".into(),
        kind: ShapeKind::Rectangle,
        x: 10.0,
        y: -20.5,
        w: 120.0,
        h: 60.0,
        rotation: 0.25,
        style: Style {
            fill: Some("#ffec99".into()),
            dash: Dash::Dashed,
            opacity: 0.5,
            ..Style::default()
        },
        text: "Hello\nwörld ✓".into(),
        group: Some("g1".into()),
        index: "a0".into(),
        ..Shape::default()
    };
    let mut arrow = Shape::polyline(
        "a1".into(),
        ShapeKind::Arrow,
        "a1".into(),
        Style::default(),
        &[
            (Point::new(130.0, 10.0), 0.5),
            (Point::new(300.0, 80.0), 0.5),
        ],
    );
    arrow.start_bind = Some("r1".into());
    arrow.end_bind = Some("img".into());
    let image = Shape {
        id: "img".into(),
        kind: ShapeKind::Image,
        x: 300.0,
        y: 50.0,
        w: 64.0,
        h: 64.0,
        src: Some("/boards/b/images/1".into()),
        index: "a2".into(),
        ..Shape::default()
    };
    let mut pen = Shape::pen(
        "p".into(),
        "a3".into(),
        Style::default(),
        &[(Point::new(0.0, 0.0), 0.2), (Point::new(5.5, 3.25), 0.9)],
    );
    pen.group = Some("g1".into());
    let images = HashMap::from([("/boards/b/images/1".to_owned(), TINY_PNG_URL.to_owned())]);
    (vec![rect, arrow, image, pen], images)
}

#[test]
fn json_round_trips_to_equal_shapes() {
    let (shapes, images) = sample();
    let json = to_json(Some("Plan"), &shapes, &images);
    assert_eq!(
        json,
        to_json(Some("Plan"), &shapes, &images),
        "deterministic"
    );
    assert!(json.starts_with(r#"{"type":"whiteboard","version":1,"title":"Plan""#));
    let scene = parse(json.as_bytes()).unwrap();
    assert_eq!(scene.title.as_deref(), Some("Plan"));
    assert_eq!(scene.shapes, shapes);
    assert_eq!(scene.images, images);
    assert!(scene.skipped.is_empty());
}

#[test]
fn a_board_inside_a_png_or_svg_imports() {
    let (shapes, images) = sample();
    let json = to_json(None, &shapes, &images);
    let png = png::png_with_scene(&png::tests::TINY_PNG, &json).unwrap();
    assert_eq!(parse(&png).unwrap().shapes, shapes);
    let svg = format!(
        "<?xml version=\"1.0\"?>\n<svg xmlns=\"http://www.w3.org/2000/svg\">{}<rect/></svg>",
        svg_metadata_element(&json)
    );
    assert_eq!(extract_svg_metadata(&svg).as_deref(), Some(json.as_str()));
    assert_eq!(parse(svg.as_bytes()).unwrap().shapes, shapes);
    let plain = "<svg xmlns=\"http://www.w3.org/2000/svg\"><rect/></svg>";
    assert!(matches!(
        parse(plain.as_bytes()),
        Err(ImportError::NotABoard { detected }) if detected.contains("SVG")
    ));
    let damaged = svg.replace("encoding=\"base64\">", "encoding=\"base64\">!!");
    assert!(matches!(
        parse(damaged.as_bytes()),
        Err(ImportError::Malformed(_))
    ));
}

#[test]
fn a_foreign_src_is_dropped_and_unused_images_too() {
    let json = format!(
        r#"{{"type":"whiteboard","version":1,"shapes":[
            {{"id":"a","kind":"image","w":10,"h":10,"src":"https://tracker.example/p.png"}},
            {{"id":"b","kind":"image","w":10,"h":10,"src":"k"}}],
          "images":{{"k":"{TINY_PNG_URL}","unused":"{TINY_PNG_URL}"}}}}"#
    );
    let scene = parse(json.as_bytes()).unwrap();
    assert_eq!(scene.shapes[0].src, None);
    assert_eq!(scene.shapes[1].src.as_deref(), Some("k"));
    assert_eq!(scene.images.keys().collect::<Vec<_>>(), ["k"]);
}

/// A hostile file: its name, its bytes, and the error it must give.
type Case = (&'static str, Vec<u8>, fn(&ImportError) -> bool);

fn board(shapes: &str) -> String {
    format!(r#"{{"type":"whiteboard","version":1,"shapes":[{shapes}]}}"#)
}

#[test]
fn hostile_files_are_refused_with_the_right_error() {
    use ImportError as E;
    let deep = board(&format!("{}{}", "[".repeat(200), "]".repeat(200)));
    let bare_deep = format!("{}{}", "[".repeat(200), "]".repeat(200));
    let mut random = Vec::with_capacity(4096);
    let mut seed = 0x2545_F491_4F6C_DD1Du64;
    for _ in 0..4096 {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        random.push((seed >> 24) as u8 | 0x80);
    }
    let whole = board(r#"{"id":"a","kind":"rectangle","x":1,"w":2,"h":3}"#);
    let cases: Vec<Case> = vec![
        ("empty", vec![], |e| matches!(e, E::NotABoard { .. })),
        ("blank", b" \n\t ".to_vec(), |e| matches!(e, E::NotABoard { .. })),
        ("random bytes", random, |e| matches!(e, E::NotABoard { .. })),
        ("truncated", whole.as_bytes()[..whole.len() - 9].to_vec(), |e| {
            matches!(e, E::Truncated { .. })
        }),
        ("syntax", board("{,}").into_bytes(), |e| {
            matches!(e, E::InvalidJson { line: 1, .. })
        }),
        ("jpeg", b"\xFF\xD8\xFF\xE0\x00\x10JFIF\x00".to_vec(), |e| {
            matches!(e, E::NotABoard { detected } if detected.contains("JPEG"))
        }),
        ("deep", deep.into_bytes(), |e| matches!(e, E::TooDeep)),
        ("bare deep", bare_deep.into_bytes(), |e| matches!(e, E::TooDeep)),
        ("version 99", br#"{"type":"whiteboard","version":99,"shapes":[]}"#.to_vec(), |e| {
            matches!(e, E::UnsupportedVersion { found } if found == "99")
        }),
        ("no version", br#"{"type":"whiteboard","shapes":[]}"#.to_vec(), |e| {
            matches!(e, E::Malformed(_))
        }),
        ("x = 1e308", board(r#"{"id":"a","x":1e308}"#).into_bytes(), |e| {
            matches!(e, E::OutOfRange { index: 0, field, .. } if field == "x")
        }),
        ("w = -2e7", board(r#"{},{"id":"a","w":-2e7}"#).into_bytes(), |e| {
            matches!(e, E::OutOfRange { index: 1, field, .. } if field == "w")
        }),
        ("NaN as 1e999", board(r#"{"id":"a","y":1e999}"#).into_bytes(), |e| {
            matches!(e, E::NumberTooLarge { line: 1, .. })
        }),
        ("wrong type", board(r#"{},{},{"style":{"strokeWidth":"wide"}}"#).into_bytes(), |e| {
            matches!(e, E::InvalidShape { index: 2, field, .. } if field == "style.strokeWidth")
        }),
        ("unknown kind", board(r#"{"kind":"triangle"}"#).into_bytes(), |e| {
            matches!(e, E::InvalidShape { index: 0, field, .. } if field == "kind")
        }),
        ("bad point", board(r#"{"kind":"pen","points":[{"x":1,"y":2,"pressure":0.5},{"x":1}]}"#).into_bytes(), |e| {
            matches!(e, E::InvalidShape { index: 0, field, .. } if field == "points[1]")
        }),
        ("bad data URL", br#"{"type":"whiteboard","version":1,"shapes":[],"images":{"k":"data:text/html;base64,PGI+"}}"#.to_vec(), |e| {
            matches!(e, E::BadImage { key, .. } if key == "k")
        }),
        ("png cut mid-chunk", png::tests::TINY_PNG[..40].to_vec(), |e| matches!(e, E::BadPng(_))),
        ("png without a board", png::tests::TINY_PNG.to_vec(), |e| {
            matches!(e, E::NotABoard { detected } if detected.contains("PNG"))
        }),
        ("other JSON", br#"{"type":"FeatureCollection"}"#.to_vec(), |e| {
            matches!(e, E::NotABoard { detected } if detected.contains("FeatureCollection"))
        }),
        ("tldraw", br#"{"tldrawFileFormatVersion":1,"records":[]}"#.to_vec(), |e| {
            matches!(e, E::NotABoard { detected } if detected.contains("tldraw"))
        }),
    ];
    for (name, bytes, expected) in cases {
        match parse(&bytes) {
            Err(e) => assert!(expected(&e), "{name}: unexpected {e:?}"),
            Ok(scene) => panic!("{name}: imported {} shapes", scene.shapes.len()),
        }
    }
}

#[test]
fn errors_read_as_sentences() {
    let e = parse(b"\xFF\xD8\xFF\xE0").unwrap_err();
    assert_eq!(e.to_string(), "this is a JPEG image without a board inside");
    let e = parse(board(r#"{"x":1e308}"#).as_bytes()).unwrap_err();
    assert_eq!(
        e.to_string(),
        "shape 0: x is 1e308, beyond the limit of ±1e7"
    );
    let e = parse(board(r#"{},{"kind":"ellipse","style":{"dash":"wavy"}}"#).as_bytes());
    assert_eq!(
        e.unwrap_err().to_string(),
        "shape 1: style.dash: unknown variant `wavy`, expected one of `solid`, `dashed`, `dotted`"
    );
    let e = parse(br#"{"type":"whiteboard","version":1,"shapes":[{"x":1"#).unwrap_err();
    assert!(
        e.to_string().starts_with("the file ends too early (line 1"),
        "{e}"
    );
}

#[test]
fn too_many_shapes_or_points_or_bytes_are_refused() {
    let many = board(&vec!["{}"; MAX_SHAPES + 1].join(","));
    assert_eq!(
        parse(many.as_bytes()),
        Err(ImportError::TooLarge(format!(
            "more than {MAX_SHAPES} shapes"
        )))
    );
    assert_eq!(
        parse(board(&vec!["{}"; 1000].join(",")).as_bytes()).map(|s| s.shapes.len()),
        Ok(1000)
    );
    let point = r#"{"x":0,"y":0,"pressure":0}"#;
    let half = format!(
        r#"{{"kind":"pen","points":[{}]}}"#,
        vec![point; MAX_POINTS / 2 + 1].join(",")
    );
    let points = board(&format!("{half},{half}"));
    assert!(
        matches!(parse(points.as_bytes()), Err(ImportError::TooLarge(m)) if m.contains("points"))
    );
    let big = vec![b' '; MAX_FILE_BYTES + 1];
    assert!(matches!(parse(&big), Err(ImportError::TooLarge(_))));
}

#[test]
fn no_prefix_of_a_file_panics() {
    let (shapes, images) = sample();
    let json = to_json(Some("t"), &shapes, &images);
    for cut in 0..json.len() {
        let _ = parse(&json.as_bytes()[..cut]);
    }
    let png = png::png_with_scene(&png::tests::TINY_PNG, &json).unwrap();
    for cut in 0..png.len() {
        let _ = parse(&png[..cut]);
    }
}

#[test]
fn shapes_of_every_kind_survive_with_their_points() {
    let json = board(
        r#"{"id":"s","kind":"sticky","text":"note"},{"id":"l","kind":"line","points":[{"x":0,"y":0,"pressure":0.5},{"x":3,"y":4,"pressure":0.5}]}"#,
    );
    let scene = parse(json.as_bytes()).unwrap();
    assert_eq!(scene.shapes[0].kind, ShapeKind::Sticky);
    assert_eq!(
        scene.shapes[1].points[1],
        PenPoint {
            x: 3.0,
            y: 4.0,
            pressure: 0.5
        }
    );
}
