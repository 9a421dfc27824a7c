//! The SVG renderer checked shape by shape against the canvas's geometry, plus escaping, the
//! dark theme, metadata, determinism and bounds.

use super::*;
use crate::shape::{Dash, PenPoint, Style};

fn shape(kind: ShapeKind, x: f64, y: f64, w: f64, h: f64) -> Shape {
    Shape {
        id: format!("{}-{x}-{y}", kind.as_str()),
        kind,
        x,
        y,
        w,
        h,
        ..Shape::default()
    }
}

fn polyline(kind: ShapeKind, x: f64, y: f64, pts: &[(f32, f32)]) -> Shape {
    let points = pts
        .iter()
        .map(|&(x, y)| PenPoint {
            x,
            y,
            pressure: 0.5,
        })
        .collect();
    let mut s = shape(kind, x, y, 0.0, 0.0);
    s.points = points;
    s
}

fn no_images(_: &str) -> Option<String> {
    None
}

fn draw(shapes: &[Shape]) -> String {
    render(
        shapes,
        &no_images,
        &BuiltinMetrics,
        &SvgOptions::default(),
        None,
    )
}

/// The value of `attr` in the first element of `svg` that starts with `element`.
fn attr<'a>(svg: &'a str, element: &str, attr: &str) -> &'a str {
    let at = svg.find(element).expect("element");
    let rest = &svg[at..];
    let rest = &rest[..rest.find('>').expect("end of tag")];
    let start = rest.find(&format!(" {attr}=\"")).expect("attribute") + attr.len() + 3;
    &rest[start..start + rest[start..].find('"').expect("closing quote")]
}

#[test]
fn a_rectangle_keeps_its_box_fill_and_stroke() {
    let mut r = shape(ShapeKind::Rectangle, 10.0, 20.0, 100.0, 50.5);
    r.style.fill = Some("#ff0000".into());
    r.style.opacity = 0.5;
    let svg = draw(&[r]);
    assert!(svg.contains(
        "<rect x=\"10\" y=\"20\" width=\"100\" height=\"50.5\" fill=\"#ff0000\" \
         fill-opacity=\"0.5\" stroke=\"#1e1e1e\" stroke-opacity=\"0.5\" stroke-width=\"2\" \
         stroke-linecap=\"round\" stroke-linejoin=\"round\"/>"
    ));
    // The board's background covers the view box: the shape, its stroke and 16 around.
    assert!(svg.contains("viewBox=\"-7 3 134 85\""), "{svg}");
    assert!(svg.contains("<rect x=\"-7\" y=\"3\" width=\"134\" height=\"85\" fill=\"#fafafa\"/>"));
}

#[test]
fn an_ellipse_and_a_diamond_fill_their_box() {
    let mut e = shape(ShapeKind::Ellipse, 0.0, 0.0, 40.0, 20.0);
    e.style.dash = Dash::Dotted;
    let d = shape(ShapeKind::Diamond, 100.0, 0.0, 40.0, 20.0);
    let svg = draw(&[e, d]);
    assert!(svg.contains("<ellipse cx=\"20\" cy=\"10\" rx=\"20\" ry=\"10\" fill=\"none\""));
    // Dotted: dots 0.01 long, 2 × width + 3 apart.
    assert_eq!(attr(&svg, "<ellipse", "stroke-dasharray"), "0.01 7");
    assert_eq!(attr(&svg, "<path", "d"), "M120 0 L140 10 L120 20 L100 10 Z");
}

#[test]
fn a_label_wraps_to_the_label_box_and_centres() {
    let mut r = shape(ShapeKind::Rectangle, 0.0, 0.0, 100.0, 100.0);
    r.text = "Hello Hello".into();
    let svg = draw(&[r.clone()]);
    // Label box: 100 − 2 × (6 + 1) = 86 wide; "Hello Hello" is 2 × 45.56 + 5.56 > 86.
    let area = r.label_box().unwrap();
    assert_eq!(area.w, 86.0);
    let lines = wrap(&r.text, area.w, crate::Font::Sans, 20.0, &BuiltinMetrics);
    assert_eq!(lines, ["Hello", "Hello"]);
    assert_eq!(svg.matches("<text ").count(), 2);
    assert_eq!(attr(&svg, "<text", "x"), "50");
    // Two lines of 25 centred on 50: the first's middle at 37.5, its baseline 0.2758 em lower.
    assert_eq!(attr(&svg, "<text", "y"), "43.02");
    assert_eq!(attr(&svg, "<g font-family", "text-anchor"), "middle");
    // The family of the widths it was wrapped with (Arial's, for the built-in metrics).
    assert_eq!(
        attr(&svg, "<g font-family", "font-family"),
        text::ARIAL_FAMILY
    );
}

#[test]
fn a_pen_stroke_is_its_outline_at_its_origin() {
    let pen = polyline(
        ShapeKind::Pen,
        100.0,
        50.0,
        &[(0.0, 0.0), (10.0, 5.0), (20.0, 0.0)],
    );
    let outline = pen.pen_outline();
    let svg = draw(&[pen]);
    let d = attr(&svg, "<path", "d");
    let first = format!("M{} {} Q", N(outline[0].x + 100.0), N(outline[0].y + 50.0));
    assert!(d.starts_with(&first), "{d}");
    assert_eq!(d.matches('Q').count(), outline.len() - 1);
    assert!(d.ends_with(" Z"));
    // The stroke colour fills it; no stroke.
    assert_eq!(attr(&svg, "<path", "fill"), "#1e1e1e");
    assert!(!svg.contains("stroke="));
}

#[test]
fn a_line_is_a_round_capped_polyline() {
    let mut line = polyline(
        ShapeKind::Line,
        5.0,
        5.0,
        &[(0.0, 0.0), (10.0, 0.0), (10.0, 7.5)],
    );
    line.style.dash = Dash::Dashed;
    line.style.stroke_width = 4.0;
    let svg = draw(&[line]);
    assert_eq!(attr(&svg, "<path", "d"), "M5 5 L15 5 L15 12.5");
    assert_eq!(attr(&svg, "<path", "fill"), "none");
    assert_eq!(attr(&svg, "<path", "stroke-linecap"), "round");
    assert_eq!(attr(&svg, "<path", "stroke-dasharray"), "20 16");
    assert_eq!(svg.matches("<path").count(), 1);
}

#[test]
fn a_dashed_arrow_has_a_solid_head() {
    let mut arrow = polyline(ShapeKind::Arrow, 10.0, 10.0, &[(0.0, 0.0), (100.0, 0.0)]);
    arrow.style.dash = Dash::Dashed;
    let svg = draw(&[arrow]);
    let shaft_at = svg.find("<path").unwrap();
    assert_eq!(attr(&svg, "<path", "d"), "M10 10 L110 10");
    assert_eq!(attr(&svg, "<path", "stroke-dasharray"), "12 10");
    // Head: 2 × 4 + 8 = 16 long at ±0.5 rad back from the tip: 16 cos 0.5 = 14.04,
    // 16 sin 0.5 = 7.67.
    let head = &svg[shaft_at + 1..];
    assert_eq!(
        attr(head, "<path", "d"),
        "M110 10 L95.96 17.67 M110 10 L95.96 2.33"
    );
    let head_tag = &head[head.find("<path").unwrap()..];
    assert!(!head_tag[..head_tag.find('>').unwrap()].contains("dasharray"));
}

#[test]
fn free_text_lines_start_at_the_top_left() {
    let mut t = shape(ShapeKind::Text, 10.0, 20.0, 200.0, 50.0);
    t.text = "one  two\n\nthree & <four>".into();
    t.style.stroke = "#1971c2".into();
    let svg = draw(&[t]);
    assert!(svg.contains("<text x=\"11\" y=\"38.02\" xml:space=\"preserve\">one  two</text>"));
    // The empty second line keeps its place: the third's middle is at 20 + 2.5 × 25.
    assert!(svg.contains(
        "<text x=\"11\" y=\"88.02\" xml:space=\"preserve\">three &amp; &lt;four&gt;</text>"
    ));
    assert_eq!(attr(&svg, "<g font-family", "fill"), "#1971c2");
    assert!(!svg.contains("text-anchor"));
}

#[test]
fn sticky_notes_share_one_shadow_and_wrap_their_text() {
    let mut a = shape(ShapeKind::Sticky, 0.0, 0.0, 200.0, 200.0);
    a.text = "note".into();
    let mut b = shape(ShapeKind::Sticky, 300.0, 0.0, 200.0, 200.0);
    b.style.fill = Some("#b2f2bb".into());
    b.rotation = std::f64::consts::FRAC_PI_2;
    let svg = draw(&[a, b]);
    assert_eq!(svg.matches("<filter ").count(), 1);
    assert!(svg.contains(
        "<feDropShadow dx=\"0\" dy=\"2\" stdDeviation=\"4\" flood-color=\"#000000\" \
         flood-opacity=\"0.18\"/>"
    ));
    assert!(svg.contains("<rect x=\"0\" y=\"0\" width=\"200\" height=\"200\" fill=\"#ffec99\"/>"));
    // The rotation is inside the shadow's group: the shadow falls straight down.
    assert!(svg.contains(
        "<g filter=\"url(#wb-note-shadow)\"><rect x=\"300\" y=\"0\" width=\"200\" \
         height=\"200\" fill=\"#b2f2bb\" transform=\"rotate(90 400 100)\"/></g>"
    ));
    assert_eq!(attr(&svg, "<text", "x"), "100");
    // No notes, no filter.
    assert!(!draw(&[shape(ShapeKind::Rectangle, 0.0, 0.0, 1.0, 1.0)]).contains("<defs>"));
}

#[test]
fn images_are_embedded_or_drawn_as_placeholders() {
    let mut img = shape(ShapeKind::Image, 0.0, 0.0, 64.0, 32.0);
    img.src = Some("/images/a.png".into());
    img.style.opacity = 0.5;
    let mut other = img.clone();
    other.src = Some("/images/b.png".into());
    let mut missing = img.clone();
    missing.src = Some("/images/c.png".into());
    let images = |src: &str| match src {
        "/images/a.png" => Some("data:image/png;base64,iVBORw0KGgo=".to_owned()),
        "/images/b.png" => Some("javascript:alert(1)".to_owned()),
        _ => None,
    };
    let opts = SvgOptions::default();
    let svg = render(
        &[img, other, missing],
        &images,
        &BuiltinMetrics,
        &opts,
        None,
    );
    assert!(svg.contains(
        "<image x=\"0\" y=\"0\" width=\"64\" height=\"32\" preserveAspectRatio=\"none\" \
         opacity=\"0.5\" href=\"data:image/png;base64,iVBORw0KGgo=\"/>"
    ));
    assert!(!svg.contains("javascript"));
    let placeholder = "<rect x=\"0\" y=\"0\" width=\"64\" height=\"32\" fill=\"#e9ecef\" \
                       fill-opacity=\"0.5\"/>";
    assert_eq!(svg.matches(placeholder).count(), 2);
}

#[test]
fn hostile_text_and_colours_stay_inside_their_elements() {
    let mut r = shape(ShapeKind::Rectangle, 0.0, 0.0, 300.0, 100.0);
    r.text = "\"><script>alert('x')</script>\u{1}".into();
    r.style.stroke = "\"/><script>alert(1)</script>".into();
    r.style.fill = Some("red\" onload=\"alert(1)".into());
    let mut t = shape(ShapeKind::Text, 0.0, 0.0, 10.0, 10.0);
    t.text = "]]><!-- & --> <svg onload=x>".into();
    t.style.stroke = "url(javascript:alert(1))".into();
    let svg = draw(&[r, t]);
    for raw in [
        "<script",
        "\"/><script",
        "onload=\"",
        "<!--",
        "<svg onload",
        "javascript",
        "\u{1}",
    ] {
        assert!(!svg.contains(raw), "{raw} in {svg}");
    }
    assert!(svg.contains("&quot;&gt;&lt;script&gt;alert(&apos;x&apos;)&lt;/script&gt;"));
    // Colours that are not colours are the default.
    assert_eq!(attr(&svg, "<rect x=\"0\"", "fill"), "#1e1e1e");
    assert_eq!(attr(&svg, "<rect x=\"0\"", "stroke"), "#1e1e1e");
    assert_eq!(svg.matches("<svg").count(), 1);
}

#[test]
fn web_links_wrap_their_shape_and_unsafe_or_shape_links_do_not() {
    let mut linked = shape(ShapeKind::Rectangle, 0.0, 0.0, 10.0, 10.0);
    linked.link = Some("https://example.com/?a=1&b=\"2\"".into());
    let mut script = shape(ShapeKind::Ellipse, 20.0, 0.0, 10.0, 10.0);
    script.link = Some("JavaScript:alert(1)".into());
    let mut to_shape = shape(ShapeKind::Diamond, 40.0, 0.0, 10.0, 10.0);
    to_shape.link = Some("#shape=x".into());
    let svg = draw(&[linked, script, to_shape]);
    assert_eq!(svg.matches("<a ").count(), 1, "{svg}");
    assert!(svg.contains(
        "<a href=\"https://example.com/?a=1&amp;b=&quot;2&quot;\" target=\"_blank\" \
         rel=\"noopener noreferrer\"><rect"
    ));
    assert!(!svg.to_ascii_lowercase().contains("javascript"));
}

#[test]
fn dark_exports_map_colours_but_not_images() {
    let mut r = shape(ShapeKind::Rectangle, 0.0, 0.0, 10.0, 10.0);
    r.style.fill = Some("#ffffff".into());
    let note = shape(ShapeKind::Sticky, 20.0, 0.0, 10.0, 10.0);
    let mut img = shape(ShapeKind::Image, 40.0, 0.0, 10.0, 10.0);
    img.src = Some("x".into());
    let url = "data:image/png;base64,AAAA";
    let opts = SvgOptions {
        dark: true,
        ..SvgOptions::default()
    };
    let svg = render(
        &[r, note, img],
        &|_| Some(url.into()),
        &BuiltinMetrics,
        &opts,
        None,
    );
    // invert(93%): the background #fafafa → 0.93 − 0.98 × 0.86 = 0.0869 → 22; white → 18;
    // #1e1e1e → 211; black (the shadow) → 0.93 → 237. Greys keep their hue.
    assert!(svg.contains("fill=\"#161616\"/>"));
    assert_eq!(attr(&svg, "<rect x=\"0\"", "fill"), "#121212");
    assert_eq!(attr(&svg, "<rect x=\"0\"", "stroke"), "#d3d3d3");
    assert_eq!(attr(&svg, "<feDropShadow", "flood-color"), "#ededed");
    let paper = Rgba::opaque(0xff, 0xec, 0x99).dark().hex();
    assert_eq!(attr(&svg, "<rect x=\"20\"", "fill"), paper);
    assert_eq!(attr(&svg, "<image", "href"), url);
}

#[test]
fn metadata_survives_a_round_trip() {
    let json = r#"{"title":"Grüße 👋 <&> \"quoted\"","shapes":[]}"#;
    let opts = SvgOptions::default();
    let shapes = [shape(ShapeKind::Rectangle, 0.0, 0.0, 10.0, 10.0)];
    let svg = render(&shapes, &no_images, &BuiltinMetrics, &opts, Some(json));
    assert_eq!(metadata_of(&svg).as_deref(), Some(json));
    assert!(!svg.contains("Grüße"));
    assert_eq!(metadata_of(&draw(&shapes)), None);
}

#[test]
fn the_same_board_gives_the_same_bytes() {
    let mut shapes = vec![
        shape(ShapeKind::Rectangle, 0.1, 0.2, 33.333, 44.444),
        polyline(
            ShapeKind::Pen,
            3.0,
            4.0,
            &[(0.0, 0.0), (1.5, 2.5), (3.0, 1.0)],
        ),
        polyline(ShapeKind::Arrow, 0.0, 0.0, &[(0.0, 0.0), (7.0, 3.0)]),
    ];
    shapes[0].rotation = 0.3;
    shapes[0].text = "label text".into();
    let a = draw(&shapes);
    assert_eq!(a, draw(&shapes.clone()));
    // Numbers carry two decimals at most.
    assert!(a.contains("width=\"33.33\""));
    assert!(a.contains("rotate(17.19 16.77 22.42)"), "{a}");
}

#[test]
fn bounds_cover_rotated_shapes_with_their_stroke() {
    let mut r = shape(ShapeKind::Rectangle, 0.0, 0.0, 100.0, 100.0);
    r.rotation = std::f64::consts::FRAC_PI_4;
    let opts = SvgOptions {
        padding: 0.0,
        ..SvgOptions::default()
    };
    // 102 × 102 with the stroke, turned 45° about (50, 50): 51√2 = 72.12 each way.
    let b = bounds(&[r], &opts);
    assert_eq!((b.x, b.y, b.w, b.h), (-23.0, -23.0, 146.0, 146.0));
    // An arrow's head reaches past its points' box; 2 × scale sizes the document.
    let arrow = polyline(ShapeKind::Arrow, 0.0, 0.0, &[(0.0, 0.0), (100.0, 0.0)]);
    let b = bounds(std::slice::from_ref(&arrow), &opts);
    assert_eq!((b.y, b.h), (-9.0, 18.0));
    let scaled = SvgOptions { scale: 2.0, ..opts };
    let svg = render(&[arrow], &no_images, &BuiltinMetrics, &scaled, None);
    assert!(
        svg.contains("width=\"204\" height=\"36\" viewBox=\"-1 -9 102 18\""),
        "{svg}"
    );
}

#[test]
fn an_empty_board_is_a_small_valid_svg() {
    let svg = draw(&[]);
    assert!(svg.starts_with("<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"32\" height=\"32\""));
    assert!(svg.ends_with("</svg>"));
    let none = SvgOptions {
        padding: 0.0,
        background: false,
        ..SvgOptions::default()
    };
    let svg = render(&[], &no_images, &BuiltinMetrics, &none, None);
    assert_eq!(
        svg,
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"1\" height=\"1\" viewBox=\"0 0 1 1\"></svg>"
    );
    // Shapes whose numbers are not finite are left out.
    let bad = shape(ShapeKind::Rectangle, f64::NAN, 0.0, 1.0, 1.0);
    assert!(!draw(&[bad]).contains("NaN"));
}

/// Every kind of shape, written to the temporary directory for a look in a browser:
/// `cargo test -p board svg::tests::write_sample -- --ignored`.
#[test]
#[ignore]
fn write_sample() {
    let mut shapes = Vec::new();
    let mut r = shape(ShapeKind::Rectangle, 20.0, 20.0, 180.0, 100.0);
    r.style.fill = Some("#a5d8ff".into());
    r.text = "A rectangle with a label that wraps".into();
    shapes.push(r);
    let mut e = shape(ShapeKind::Ellipse, 240.0, 20.0, 180.0, 100.0);
    e.style.dash = Dash::Dashed;
    e.style.stroke = "#e03131".into();
    e.text = "Ellipse".into();
    shapes.push(e);
    let mut d = shape(ShapeKind::Diamond, 460.0, 20.0, 160.0, 110.0);
    d.style.fill = Some("rgba(255, 212, 59, 0.6)".into());
    d.rotation = 0.2;
    d.text = "Diamond".into();
    shapes.push(d);
    let wave: Vec<(Point, f32)> = (0..40)
        .map(|i| {
            let t = f64::from(i) / 39.0;
            let p = Point::new(20.0 + t * 180.0, 200.0 + (t * 9.0).sin() * 30.0);
            (p, 0.2 + 0.8 * t as f32)
        })
        .collect();
    let mut pen = Shape::pen("pen".into(), "a3".into(), Style::default(), &wave);
    pen.style.stroke_width = 6.0;
    pen.style.stroke = "#2f9e44".into();
    shapes.push(pen);
    let mut line = polyline(
        ShapeKind::Line,
        240.0,
        170.0,
        &[(0.0, 0.0), (80.0, 60.0), (160.0, 10.0)],
    );
    line.style.dash = Dash::Dotted;
    line.style.stroke_width = 3.0;
    shapes.push(line);
    let mut arrow = polyline(ShapeKind::Arrow, 460.0, 170.0, &[(0.0, 60.0), (150.0, 0.0)]);
    arrow.style.dash = Dash::Dashed;
    shapes.push(arrow);
    let mut text = shape(ShapeKind::Text, 20.0, 280.0, 200.0, 50.0);
    text.text = "Free text, line one\nline two: Grüße 日本 👋".into();
    shapes.push(text);
    let mut note = shape(ShapeKind::Sticky, 250.0, 280.0, 160.0, 160.0);
    note.text = "A sticky note with some words to wrap".into();
    note.rotation = -0.08;
    shapes.push(note);
    let mut img = shape(ShapeKind::Image, 460.0, 280.0, 150.0, 100.0);
    img.src = Some("missing.png".into());
    img.style.opacity = 0.8;
    shapes.push(img);
    let opts = SvgOptions::default();
    let svg = render(&shapes, &no_images, &BuiltinMetrics, &opts, Some("{}"));
    let dir = std::env::temp_dir();
    std::fs::write(dir.join("svg-sample.svg"), svg).unwrap();
    let dark = SvgOptions { dark: true, ..opts };
    let svg = render(&shapes, &no_images, &BuiltinMetrics, &dark, None);
    std::fs::write(dir.join("svg-sample-dark.svg"), svg).unwrap();
}

#[test]
fn hand_drawn_shapes_are_the_sketch_s_paths() {
    use crate::sketch::{sketch, Seg};
    use crate::Sloppiness;
    let mut r = shape(ShapeKind::Rectangle, 10.0, 20.0, 100.0, 60.0);
    r.style.sloppiness = Sloppiness::Artist;
    r.style.fill = Some("#a5d8ff".into());
    r.style.dash = Dash::Dashed;
    let mut a = polyline(ShapeKind::Arrow, 200.0, 0.0, &[(0.0, 0.0), (120.0, 40.0)]);
    (a.w, a.h) = (120.0, 40.0);
    a.style.sloppiness = Sloppiness::Cartoonist;
    let svg = draw(&[r.clone(), a.clone()]);
    assert!(!svg.contains("<rect x=\"10\""), "no clean rectangle");
    // The fill, the dashed outline, the arrow's shaft and its solid head.
    let paths: Vec<&str> = svg.split("<path ").skip(1).collect();
    assert_eq!(paths.len(), 4, "{svg}");
    assert!(paths[0].contains("fill=\"#a5d8ff\"") && paths[0].contains(" Z\""));
    assert!(paths[1].contains("fill=\"none\"") && paths[1].contains("stroke-dasharray"));
    assert!(!paths[3].contains("stroke-dasharray"));
    // The outline starts where the sketch does, in board coordinates, and curves.
    let Some(Seg::Move(p)) = sketch(&r).unwrap().stroke.first().copied() else {
        panic!("a sketch starts with a move")
    };
    let outline = format!("<path {}", paths[1]);
    let d = attr(&outline, "<path", "d");
    assert!(
        d.starts_with(&format!("M{} {} C", N(p.x + 10.0), N(p.y + 20.0))),
        "{d}"
    );
    // Every collaborator and every export draws the same lines: the same bytes each time.
    assert_eq!(svg, draw(&[r.clone(), a]));
    let mut other = r.clone();
    other.id = "another".into();
    assert_ne!(
        attr(&draw(&[other]), "<path", "d"),
        attr(&svg, "<path", "d")
    );
    // The view box holds the wobble: wider than the clean rectangle's.
    r.style.sloppiness = Sloppiness::Architect;
    assert!(
        bounds(&[r.clone()], &SvgOptions::default()).w < {
            r.style.sloppiness = Sloppiness::Artist;
            bounds(&[r], &SvgOptions::default()).w
        }
    );
}

#[test]
fn text_is_set_and_wrapped_in_its_font() {
    use crate::Font;
    let mut note = shape(ShapeKind::Sticky, 0.0, 0.0, 200.0, 200.0);
    note.text = "Hand written".into();
    note.style.font_family = Font::Hand;
    let mut code = shape(ShapeKind::Text, 0.0, 300.0, 200.0, 25.0);
    code.text = "let x = 1;".into();
    code.style.font_family = Font::Mono;
    let svg = draw(&[note, code]);
    let families: Vec<&str> = svg
        .split("<g font-family=\"")
        .skip(1)
        .map(|s| &s[..s.find('"').unwrap()])
        .collect();
    assert_eq!(
        families,
        [text::HAND_FAMILY, text::BUILTIN_MONO_FAMILY],
        "{svg}"
    );
    assert!(
        !svg.contains("<style>"),
        "the built-in metrics carry no face"
    );

    /// A measure that carries its faces, as the browser's does.
    struct WithFaces;
    impl Measure for WithFaces {
        fn width(&self, text: &str, font: Font, size: f64) -> f64 {
            BuiltinMetrics.width(text, font, size)
        }
        fn font_face(&self, font: Font) -> Option<String> {
            (font == Font::Hand).then(|| "@font-face{font-family:'Architects Daughter'}".into())
        }
    }
    let mut hand = shape(ShapeKind::Text, 0.0, 0.0, 100.0, 25.0);
    hand.text = "hi".into();
    let plain = render(
        &[hand.clone()],
        &no_images,
        &WithFaces,
        &SvgOptions::default(),
        None,
    );
    assert!(!plain.contains("@font-face"), "sans text needs no face");
    hand.style.font_family = Font::Hand;
    let svg = render(
        &[hand],
        &no_images,
        &WithFaces,
        &SvgOptions::default(),
        None,
    );
    assert!(svg.contains(
        "<defs><style><![CDATA[@font-face{font-family:'Architects Daughter'}]]></style></defs>"
    ));
}
