//! Boards as SVG, drawn exactly as the canvas paints them (engine `render::paint_shape`), so a
//! file exported from the browser or from the server looks like the board. Pure: no IO, the
//! same on native and wasm32, and deterministic (the same shapes give the same bytes).
//!
//! - [`render`]: shapes (in paint order) to a standalone SVG; images embedded as data URLs the
//!   caller supplies, the board's JSON optionally inside (in [`crate::file`]'s format;
//!   [`metadata_of`] reads it back).
//! - [`bounds`]: the area a render covers, for sizing rasters.
//! - [`text`]: the text face, line height, baseline, advance widths ([`Measure`],
//!   [`BuiltinMetrics`]) and the line breaking ([`wrap`]) the canvas shares.
//! - [`color`]: which colour strings are accepted, and the dark theme's colour mapping.
//! - `paint` (private): each shape kind's elements, call for call as the canvas paints it;
//!   hand-drawn shapes as the paths of [`crate::sketch`], which the canvas strokes too.
//!
//! A shape with a web link ([`crate::link`]: http(s) or mailto only) is wrapped in an
//! `<a href>` that opens in a new tab without opener or referrer.
//!
//! Choices that keep the file faithful to the canvas: the shape's opacity is applied to each
//! paint (`fill-opacity`, `stroke-opacity`) as the canvas's `globalAlpha` is, rather than to a
//! group, so a stroke over its own fill blends as on screen; text sits on an explicit
//! alphabetic baseline ([`Measure::baseline`] below the line's middle), which every renderer
//! places alike, unlike `dominant-baseline`; a sticky note's shadow is filtered outside the
//! note's rotation, as a canvas shadow ignores the transform.

pub mod color;
mod paint;
pub mod text;

use std::fmt::{self, Write};

use crate::link::Link;
use crate::{Font, Point, Rect, Shape, ShapeKind};
use color::Rgba;
pub use text::{family, text_box, wrap, BuiltinMetrics, Measure, FONT_FAMILY, LINE_HEIGHT};

/// The board's background.
pub const BACKGROUND: &str = "#fafafa";
/// A sticky note without a fill.
pub const STICKY_PAPER: &str = "#ffec99";
/// An image that is not available.
pub const IMAGE_PLACEHOLDER: &str = "#e9ecef";
/// A sticky note's shadow: the canvas's `rgba(0, 0, 0, 0.18)`, blur 8 (a Gaussian of standard
/// deviation 4), 2 down.
const SHADOW: Rgba = Rgba {
    a: 0.18,
    ..Rgba::opaque(0, 0, 0)
};
const SHADOW_BLUR: f64 = 8.0;
const SHADOW_OFFSET_Y: f64 = 2.0;
const SHADOW_ID: &str = "wb-note-shadow";
/// The clip paths of frames: this plus the frame's number.
const FRAME_CLIP_ID: &str = "wb-frame-";

/// How a board is drawn.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SvgOptions {
    /// Paint the board's background ([`BACKGROUND`]); otherwise it is transparent.
    pub background: bool,
    /// Colours as the dark theme shows them ([`color::Rgba::dark`]); images keep theirs.
    pub dark: bool,
    /// Space around the shapes, in board units.
    pub padding: f64,
    /// Output size per board unit (the `width` and `height`; the `viewBox` is in board units).
    pub scale: f64,
}

impl Default for SvgOptions {
    fn default() -> Self {
        Self {
            background: true,
            dark: false,
            padding: 16.0,
            scale: 1.0,
        }
    }
}

impl SvgOptions {
    fn padding(&self) -> f64 {
        finite_or(self.padding, 0.0).max(0.0)
    }

    fn scale(&self) -> f64 {
        Some(self.scale)
            .filter(|s| s.is_finite() && *s > 0.0)
            .unwrap_or(1.0)
    }
}

/// The area a render covers: the union of the shapes' painted boxes (rotation, stroke, arrow
/// heads, note shadows and the wobble of hand-drawn lines included), plus the padding, rounded out to whole board units. An
/// empty board covers the padding around the origin (at least one unit).
pub fn bounds(shapes: &[Shape], opts: &SvgOptions) -> Rect {
    let area = shapes
        .iter()
        .filter_map(extent)
        .reduce(|a, b| a.union(&b))
        .unwrap_or_default()
        .inflate(opts.padding());
    let (x, y) = (area.x.floor(), area.y.floor());
    Rect {
        x,
        y,
        w: ((area.x + area.w).ceil() - x).max(1.0),
        h: ((area.y + area.h).ceil() - y).max(1.0),
    }
}

/// The shapes, in the order given (the caller's paint order), as a standalone SVG document.
///
/// `images(src)` returns a `data:image/…` URL for an image shape's `src`, embedded so the file
/// stands alone; `None` (or any other URL) draws the grey placeholder the canvas shows for an
/// image not loaded. `m` measures text for wrapping labels. `metadata` (the board JSON) is
/// embedded in base64 in a `<metadata>` element ([`crate::file::svg_metadata_element`]), read
/// back by [`metadata_of`].
pub fn render(
    shapes: &[Shape],
    images: &dyn Fn(&str) -> Option<String>,
    m: &dyn Measure,
    opts: &SvgOptions,
    metadata: Option<&str>,
) -> String {
    let area = bounds(shapes, opts);
    let scale = opts.scale();
    let mut svg = paint::Svg {
        out: String::new(),
        dark: opts.dark,
        images,
        m,
    };
    let _ = write!(
        svg.out,
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{}\" height=\"{}\" \
         viewBox=\"{} {} {} {}\">",
        N(area.w * scale),
        N(area.h * scale),
        N(area.x),
        N(area.y),
        N(area.w),
        N(area.h),
    );
    if let Some(text) = metadata {
        svg.out.push_str(&crate::file::svg_metadata_element(text));
    }
    let drawable = || shapes.iter().filter(|s| is_finite(s));
    // The faces the text is set in, carried inside when the measure supplies them.
    let mut faces: Vec<String> = Vec::new();
    for font in Font::ALL {
        let used = drawable().any(|s| s.style.font_family == font && shows_text(s));
        if let Some(face) = m.font_face(font).filter(|_| used) {
            faces.push(face);
        }
    }
    if !faces.is_empty() {
        let _ = write!(
            svg.out,
            "<defs><style><![CDATA[{}]]></style></defs>",
            faces.join("").replace("]]>", "")
        );
    }
    if drawable().any(|s| s.kind == ShapeKind::Sticky) {
        let shadow = svg.color(&SHADOW);
        let _ = write!(
            svg.out,
            "<defs><filter id=\"{SHADOW_ID}\" x=\"-50%\" y=\"-50%\" width=\"200%\" \
             height=\"200%\" color-interpolation-filters=\"sRGB\"><feDropShadow dx=\"0\" \
             dy=\"{}\" stdDeviation=\"{}\" flood-color=\"{}\" flood-opacity=\"{}\"/></filter></defs>",
            N(SHADOW_OFFSET_Y),
            N(SHADOW_BLUR / 2.0),
            shadow.hex(),
            N(shadow.a),
        );
    }
    if opts.background {
        let paint = svg.paint("fill", BACKGROUND, 1.0);
        let _ = write!(
            svg.out,
            "<rect x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\"{paint}/>",
            N(area.x),
            N(area.y),
            N(area.w),
            N(area.h),
        );
    }
    // Shapes in a frame are clipped to it, as on the canvas.
    let frames: Vec<&Shape> = drawable().filter(|s| s.kind == ShapeKind::Frame).collect();
    let clip_of = |s: &Shape| {
        let id = s.frame.as_deref()?;
        frames.iter().position(|f| f.id == id)
    };
    if !frames.is_empty() {
        svg.out.push_str("<defs>");
        for (k, f) in frames.iter().enumerate() {
            let r = boxed(f);
            let _ = write!(
                svg.out,
                "<clipPath id=\"{FRAME_CLIP_ID}{k}\"><rect x=\"{}\" y=\"{}\" width=\"{}\" \
                 height=\"{}\"/></clipPath>",
                N(r.x),
                N(r.y),
                N(r.w),
                N(r.h)
            );
        }
        svg.out.push_str("</defs>");
    }
    for shape in drawable() {
        // A web link stays a link in the file (opened without opener or referrer); links to
        // shapes lead nowhere outside the board. Shapes in a frame are clipped to it.
        let url = match shape.link.as_deref().and_then(Link::stored) {
            Some(Link::Url(url)) => Some(url),
            _ => None,
        };
        let clip = clip_of(shape);
        if let Some(k) = clip {
            let _ = write!(svg.out, "<g clip-path=\"url(#{FRAME_CLIP_ID}{k})\">");
        }
        if let Some(url) = &url {
            svg.out.push_str("<a href=\"");
            escape(url, &mut svg.out);
            svg.out
                .push_str("\" target=\"_blank\" rel=\"noopener noreferrer\">");
        }
        svg.shape(shape);
        if url.is_some() {
            svg.out.push_str("</a>");
        }
        if clip.is_some() {
            svg.out.push_str("</g>");
        }
    }
    svg.out.push_str("</svg>");
    svg.out
}

/// Where the label of a line or an arrow goes: `lines` lines at most `width` wide, centred on
/// the point halfway along it (the canvas and SVG share this).
pub fn line_label_box(mid: Point, width: f64, lines: usize, size: f64) -> Rect {
    let h = size * LINE_HEIGHT * lines.max(1) as f64;
    Rect {
        x: mid.x - width / 2.0,
        y: mid.y - h / 2.0,
        w: width,
        h,
    }
}

/// The text (board JSON) an SVG carries in its metadata, if it has any that decodes. The
/// element's format belongs to [`crate::file`] (which also imports such SVGs as boards).
pub fn metadata_of(svg: &str) -> Option<String> {
    crate::file::extract_svg_metadata(svg)
}

/// A number as SVG writes it: two decimals at most, trailing zeros trimmed, never `-0`, and 0
/// for anything not finite.
struct N(f64);

impl fmt::Display for N {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let s = format!("{:.2}", finite_or(self.0, 0.0));
        let s = s.trim_end_matches('0').trim_end_matches('.');
        f.write_str(if s == "-0" { "0" } else { s })
    }
}

fn finite_or(v: f64, fallback: f64) -> f64 {
    if v.is_finite() {
        v
    } else {
        fallback
    }
}

/// Whether a shape paints text (a label, a note's or a text shape's).
fn shows_text(s: &Shape) -> bool {
    s.kind.has_text() && !s.text.trim().is_empty()
}

/// Whether a shape's geometry can be drawn (every number finite).
fn is_finite(s: &Shape) -> bool {
    [s.x, s.y, s.w, s.h, s.rotation]
        .iter()
        .all(|v| v.is_finite())
}

fn stroke_width(s: &Shape) -> f64 {
    finite_or(s.style.stroke_width, 0.0).max(0.0)
}

fn font_size(s: &Shape) -> f64 {
    Some(s.style.font_size)
        .filter(|v| v.is_finite() && *v > 0.0)
        .unwrap_or(crate::shape::Style::default().font_size)
}

fn opacity(s: &Shape) -> f64 {
    finite_or(s.style.opacity, 1.0).clamp(0.0, 1.0)
}

/// The shape's box with a non-negative size.
fn boxed(s: &Shape) -> Rect {
    Rect::from_corners(Point::new(s.x, s.y), Point::new(s.x + s.w, s.y + s.h))
}

/// A polyline's points in board coordinates, before rotation.
fn line_points(s: &Shape) -> Vec<Point> {
    let at = |x: f32, y: f32| Point::new(s.x + f64::from(x), s.y + f64::from(y));
    s.points.iter().map(|q| at(q.x, q.y)).collect()
}

/// An arrow's head, as the canvas draws it: two strokes back from the tip at ±0.5 rad, four
/// widths plus 8 long (at most half the last segment). Returns (tip, one side, the other).
fn arrow_head(s: &Shape, pts: &[Point]) -> Option<[Point; 3]> {
    let [.., a, b] = pts else {
        return None;
    };
    let (a, b) = (*a, *b);
    let angle = (b.y - a.y).atan2(b.x - a.x);
    let len = (stroke_width(s) * 4.0 + 8.0).min(a.distance(b) * 0.5);
    let side = |sign: f64| {
        let t = angle + sign * 0.5;
        Point::new(b.x - len * t.cos(), b.y - len * t.sin())
    };
    Some([b, side(-1.0), side(1.0)])
}

/// The box a shape paints into, rotation included; `None` for a shape that paints nothing.
fn extent(s: &Shape) -> Option<Rect> {
    if !is_finite(s) {
        return None;
    }
    let c = s.center();
    let turned = |pts: Vec<Point>| -> Vec<Point> {
        if s.rotation == 0.0 {
            pts
        } else {
            let turn = |p| crate::shape::rotate_about(p, c, s.rotation);
            pts.into_iter().map(turn).collect()
        }
    };
    let corners = |r: Rect| {
        let pts = vec![
            Point::new(r.x, r.y),
            Point::new(r.x + r.w, r.y),
            Point::new(r.x + r.w, r.y + r.h),
            Point::new(r.x, r.y + r.h),
        ];
        Rect::around(&turned(pts))
    };
    let half = stroke_width(s) / 2.0 + crate::sketch::margin(s);
    match s.kind {
        ShapeKind::Pen => {
            let origin = |p: Point| Point::new(p.x + s.x, p.y + s.y);
            let outline: Vec<Point> = s.pen_outline().into_iter().map(origin).collect();
            (!outline.is_empty()).then(|| Rect::around(&turned(outline)))
        }
        ShapeKind::Line | ShapeKind::Arrow => {
            let mut pts = line_points(s);
            if pts.len() < 2 {
                return None;
            }
            if s.kind == ShapeKind::Arrow {
                pts.extend(arrow_head(s, &pts).into_iter().flatten());
            }
            Some(Rect::around(&turned(pts)).inflate(half))
        }
        ShapeKind::Rectangle | ShapeKind::Ellipse | ShapeKind::Diamond => {
            Some(corners(boxed(s).inflate(half)))
        }
        ShapeKind::Sticky => {
            let r = corners(boxed(s)).inflate(SHADOW_BLUR);
            Some(Rect {
                h: r.h + SHADOW_OFFSET_Y,
                ..r
            })
        }
        ShapeKind::Text | ShapeKind::Image => Some(corners(boxed(s))),
        ShapeKind::Frame => Some(boxed(s).inflate(0.5).union(&crate::frame::name_box(s, 1.0))),
    }
}

/// XML-escapes `s` for text or an attribute value. Characters XML cannot hold are dropped;
/// tabs and line breaks become spaces, as the canvas draws them.
fn escape(s: &str, out: &mut String) {
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            '\t' | '\n' | '\r' => out.push(' '),
            '\u{0}'..='\u{1f}' | '\u{fffe}' | '\u{ffff}' => {}
            c => out.push(c),
        }
    }
}

#[cfg(test)]
mod tests;
