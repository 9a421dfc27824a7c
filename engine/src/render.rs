//! Painting a board on a 2D canvas: dot grid, shapes in paint order, the shape being drawn,
//! the selection with its handles, snap guides, the marquee, eraser and laser trails, other
//! people's cursors and lasers; and the minimap.
//!
//! The renderer only paints what it is given (a [`Scene`]); deciding *when* to paint (one
//! `requestAnimationFrame` per batch of changes) is the engine's job. Only shapes the spatial
//! index finds in the visible area are painted, shapes a few pixels wide on screen are drawn as
//! a simple box, and hand-drawn shapes (`sketch`) are drawn clean where their wobble would be
//! under a pixel.
//!
//! One file, though long: it is one `Scene` painted top to bottom, each layer a function of a
//! few dozen lines, and the layers share the canvas helpers at the end; split, every part would
//! import every other.
//! The minimap (its cache and its simple drawing of shapes) shares only the canvas helpers and is
//! the part to move out first. The link badges and the padlock live in [`badge`].

use std::collections::HashMap;
use std::f64::consts::TAU;

use board::edit::Handle;
use board::shape::diamond_corners;
use board::{Font, Point, Rect, Shape, ShapeKind, Viewport};
use wasm_bindgen::{JsCast, JsValue};
use web_sys::{CanvasRenderingContext2d, HtmlCanvasElement, HtmlImageElement, Path2d};

use super::presence::PeerView;
use super::tools::STICKY_PAPER;
pub use sketch::SketchCache;

mod sketch;

mod badge;
pub use badge::link_badge;

const BACKGROUND: &str = "#fafafa";
const GRID_DOT: &str = "#c9cdd3";
/// Grid pitch in board units at zoom 1.
const GRID_STEP: f64 = 24.0;
/// Below this pitch on screen the grid thins out (every other dot), so a zoomed-out board
/// neither turns grey nor costs tens of thousands of rectangles per frame.
const MIN_GRID_PX: f64 = 14.0;
const SELECTION: &str = "#1c7ed6";
const LABEL_FONT: &str = "12px system-ui, -apple-system, 'Segoe UI', sans-serif";
/// The hand-writing face's name and file (`public/fonts`, declared in `style/main.css`).
pub const HAND_FONT_NAME: &str = "Architects Daughter";
pub const HAND_FONT_URL: &str = "/fonts/architects-daughter-latin-400-normal.woff2";
/// Line height as a multiple of the font size.
pub const LINE_HEIGHT: f64 = 1.25;
/// Screen size under which a shape is drawn as a plain box.
const DETAIL_PX: f64 = 3.0;
/// Hand-drawn shapes are drawn clean when their lines would stray less than about a pixel from
/// the clean geometry (`board::sketch` moves points up to 2 units × the roughness): below 0.5×
/// for artist, 0.25× for cartoonist. Zoomed out, a view holds thousands of shapes, and their
/// curves would cost several times the frame of clean ones for no visible difference (the
/// editor benchmark's 10k board: bench/README.md). Exports always draw the lines.
const SKETCH_MIN_PX: f64 = 1.0;
const HANDLE_PX: f64 = 8.0;
/// The rotate handle's distance above the selection (screen pixels).
pub const ROTATE_OFFSET_PX: f64 = 24.0;

/// The canvas size in CSS pixels and the device pixel ratio its backing store uses.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct CanvasSize {
    pub width: f64,
    pub height: f64,
    pub dpr: f64,
}

impl Default for CanvasSize {
    fn default() -> Self {
        Self {
            width: 0.0,
            height: 0.0,
            dpr: 1.0,
        }
    }
}

/// Everything one frame shows.
pub struct Scene<'a> {
    pub viewport: Viewport,
    pub size: CanvasSize,
    /// In paint order (back to front).
    pub shapes: &'a [Shape],
    /// Positions in `shapes` that may be visible, in paint order.
    pub visible: &'a [usize],
    /// Where each shape is in `shapes`, by id (a shape's frame is looked up there).
    pub positions: &'a HashMap<String, usize>,
    /// The shape being drawn, not yet in the document.
    pub preview: Option<&'a Shape>,
    pub selected: &'a [Shape],
    /// Whether to show the resize and rotate handles.
    pub handles: bool,
    /// Shapes about to be erased.
    pub faded: &'a [String],
    /// A shape whose text is being edited (the editor shows it instead).
    pub hidden: Option<&'a str>,
    pub guides: &'a [(Point, Point)],
    pub marquee: Option<Rect>,
    pub eraser: &'a [Point],
    /// Our laser trail: points with their remaining strength (1 new .. 0 gone).
    pub laser: &'a [(Point, f64)],
    pub peers: &'a [PeerView],
    /// Boxes of the shapes other people have selected, with their colours.
    pub others_selected: &'a [(&'a str, Rect)],
    /// Draw other people's cursors.
    pub show_cursors: bool,
    /// Our own colour (laser).
    pub color: &'a str,
}

/// What painting needs beyond the scene: loaded images, cached stroke outlines and hand-drawn
/// paths, the theme.
pub struct Assets<'a> {
    pub images: &'a HashMap<String, HtmlImageElement>,
    pub pens: &'a mut PenCache,
    pub sketches: &'a mut SketchCache,
    /// The page shows the dark theme (the canvas is inverted by CSS).
    pub dark: bool,
}

/// Space between a selected shape and its selection frame, in board units.
pub fn selection_pad(zoom: f64) -> f64 {
    8.0 / zoom
}

/// Paints a scene. Returns the image URLs it could not paint yet (not loaded). Canvas calls only
/// fail on invalid arguments, which finite geometry never produces, so their results are
/// ignored rather than unwrapped.
pub fn paint(ctx: &CanvasRenderingContext2d, scene: &Scene, assets: &mut Assets) -> Vec<String> {
    let mut missing = Vec::new();
    let CanvasSize { width, height, dpr } = scene.size;
    if width <= 0.0 || height <= 0.0 {
        return missing;
    }
    let _ = ctx.set_transform(dpr, 0.0, 0.0, dpr, 0.0, 0.0);
    ctx.set_global_alpha(1.0);
    ctx.set_fill_style_str(BACKGROUND);
    ctx.fill_rect(0.0, 0.0, width, height);
    paint_grid(ctx, &scene.viewport, width, height);

    let v = scene.viewport;
    let board_transform = || {
        let scale = dpr * v.zoom;
        let _ = ctx.set_transform(
            scale,
            0.0,
            0.0,
            scale,
            -v.origin.x * scale,
            -v.origin.y * scale,
        );
    };
    board_transform();
    // Shapes in a frame are clipped to it; one well inside it (with room for its stroke,
    // arrow heads and a hand-drawn wobble) needs no clip, which saves a save/clip/restore for
    // most shapes of a board of frames.
    let frame_of = |shape: &Shape| {
        let at = *scene.positions.get(shape.frame.as_deref()?)?;
        let frame = scene.shapes.get(at)?;
        let margin =
            4.0 * shape.style.stroke_width + 8.0 + 4.0 * shape.style.sloppiness.roughness();
        let inside = frame.bounds().contains_rect(&shape.aabb().inflate(margin));
        (frame.kind == ShapeKind::Frame && !inside).then(|| frame.bounds())
    };
    let shapes = scene.visible.iter().map(|&i| &scene.shapes[i]);
    for shape in shapes.chain(scene.preview) {
        let clip = frame_of(shape);
        if Some(shape.id.as_str()) == scene.hidden && shape.kind == ShapeKind::Text {
            continue;
        }
        // A shape someone is writing in, still empty, is not finished: it shows faded.
        let being_written = shape.text.is_empty()
            && scene
                .peers
                .iter()
                .any(|p| p.editing.as_deref() == Some(shape.id.as_str()));
        let faded = being_written || scene.faded.contains(&shape.id);
        let hide_text = Some(shape.id.as_str()) == scene.hidden;
        if let Some(r) = clip {
            ctx.save();
            ctx.begin_path();
            ctx.rect(r.x, r.y, r.w, r.h);
            ctx.clip();
        }
        if let Some(src) = paint_shape(ctx, shape, v.zoom, faded, hide_text, assets) {
            missing.push(src);
        }
        if clip.is_some() {
            ctx.restore();
        }
    }
    ctx.set_global_alpha(1.0);
    for (a, b) in scene.guides {
        ctx.set_stroke_style_str("#f03e3e");
        ctx.set_line_width(1.0 / v.zoom);
        ctx.begin_path();
        ctx.move_to(a.x, a.y);
        ctx.line_to(b.x, b.y);
        ctx.stroke();
    }
    paint_trail(ctx, scene.eraser, "#adb5bd", 6.0 / v.zoom, &|_| 0.6);
    let strengths: Vec<Point> = scene.laser.iter().map(|(p, _)| *p).collect();
    let alpha = |i: usize| scene.laser.get(i).map_or(0.0, |(_, a)| *a);
    paint_trail(ctx, &strengths, scene.color, 4.0 / v.zoom, &alpha);
    for peer in scene.peers {
        let pts: Vec<Point> = peer.laser.iter().map(|c| Point::new(c.x, c.y)).collect();
        let n = pts.len().max(1) as f64;
        paint_trail(ctx, &pts, &peer.color, 4.0 / v.zoom, &|i| {
            (i + 1) as f64 / n
        });
    }

    let _ = ctx.set_transform(dpr, 0.0, 0.0, dpr, 0.0, 0.0);
    ctx.set_global_alpha(1.0);
    badge::paint_link_badges(ctx, &v, scene.visible.iter().map(|&i| &scene.shapes[i]));
    paint_selection(ctx, &v, scene.selected, scene.handles);
    if let Some(m) = scene.marquee {
        let a = v.to_screen(Point::new(m.x, m.y));
        ctx.set_fill_style_str("rgba(28, 126, 214, 0.08)");
        ctx.fill_rect(a.x, a.y, m.w * v.zoom, m.h * v.zoom);
        ctx.set_stroke_style_str(SELECTION);
        ctx.set_line_width(1.0);
        ctx.stroke_rect(a.x, a.y, m.w * v.zoom, m.h * v.zoom);
    }
    for (color, b) in scene.others_selected {
        let a = v.to_screen(Point::new(b.x, b.y));
        ctx.set_stroke_style_str(color);
        ctx.set_line_width(1.5);
        ctx.stroke_rect(a.x - 3.0, a.y - 3.0, b.w * v.zoom + 6.0, b.h * v.zoom + 6.0);
    }
    for peer in scene.peers {
        let Some(id) = peer.editing.as_deref() else {
            continue;
        };
        if let Some(shape) = scene.shapes.iter().find(|s| s.id == id) {
            paint_writer(ctx, &v, shape, peer);
        }
    }
    for peer in scene.peers.iter().filter(|_| scene.show_cursors) {
        if let Some(c) = peer.cursor {
            let at = v.to_screen(Point::new(c.x, c.y));
            if at.x > -20.0 && at.y > -20.0 && at.x < width && at.y < height {
                paint_cursor(ctx, at, peer);
            }
        }
    }
    missing
}

fn paint_grid(ctx: &CanvasRenderingContext2d, v: &Viewport, width: f64, height: f64) {
    let mut step = GRID_STEP;
    while step * v.zoom < MIN_GRID_PX {
        step *= 2.0;
    }
    let area = v.visible(width, height);
    let first_x = (area.x / step).floor() * step;
    let first_y = (area.y / step).floor() * step;
    let dot = if v.zoom < 0.5 { 1.0 } else { 1.5 };
    ctx.begin_path();
    let mut y = first_y;
    while y <= area.y + area.h {
        let mut x = first_x;
        while x <= area.x + area.w {
            let s = v.to_screen(Point::new(x, y));
            ctx.rect(s.x - dot / 2.0, s.y - dot / 2.0, dot, dot);
            x += step;
        }
        y += step;
    }
    ctx.set_fill_style_str(GRID_DOT);
    ctx.fill();
}

/// A fading polyline (eraser or laser); `alpha(i)` is the strength of segment `i`.
fn paint_trail(
    ctx: &CanvasRenderingContext2d,
    points: &[Point],
    color: &str,
    width: f64,
    alpha: &dyn Fn(usize) -> f64,
) {
    if points.len() < 2 {
        return;
    }
    ctx.save();
    ctx.set_stroke_style_str(color);
    ctx.set_line_cap("round");
    for i in 1..points.len() {
        let a = alpha(i).clamp(0.0, 1.0);
        ctx.set_global_alpha(a);
        ctx.set_line_width(width * (0.4 + 0.6 * a));
        ctx.begin_path();
        ctx.move_to(points[i - 1].x, points[i - 1].y);
        ctx.line_to(points[i].x, points[i].y);
        ctx.stroke();
    }
    ctx.restore();
}

/// The CSS font for text in `face` of `size` board units (the faces of `board::svg::text`).
pub fn font(face: Font, size: f64) -> String {
    format!("{size}px {}", board::svg::family(face))
}

/// The box (width, height) free text in `face` of `size` needs, in board units.
pub fn measure_text(
    ctx: &CanvasRenderingContext2d,
    text: &str,
    face: Font,
    size: f64,
) -> (f64, f64) {
    ctx.save();
    ctx.set_font(&font(face, size));
    let lines: Vec<&str> = text.split('\n').collect();
    let width = lines
        .iter()
        .map(|l| ctx.measure_text(l).map(|m| m.width()).unwrap_or(0.0))
        .fold(0.0, f64::max);
    ctx.restore();
    (
        (width + 2.0).max(size / 2.0),
        lines.len() as f64 * size * LINE_HEIGHT,
    )
}

/// Text widths with the font already set on the context (the label's, by `paint_label`), for
/// `board::svg::wrap`: the canvas and exports break lines the same way.
struct FontSet<'a>(&'a CanvasRenderingContext2d);

impl board::svg::Measure for FontSet<'_> {
    fn width(&self, text: &str, _font: Font, _font_size: f64) -> f64 {
        self.0.measure_text(text).map(|m| m.width()).unwrap_or(0.0)
    }
}

/// Paints one shape in board coordinates (the context already maps board to device pixels).
/// Returns the image URL when an image is not loaded yet.
pub fn paint_shape(
    ctx: &CanvasRenderingContext2d,
    shape: &Shape,
    zoom: f64,
    faded: bool,
    hide_text: bool,
    assets: &mut Assets,
) -> Option<String> {
    let style = &shape.style;
    ctx.set_global_alpha(if faded {
        style.opacity * 0.3
    } else {
        style.opacity
    });
    let turned = shape.rotation != 0.0;
    if turned {
        let c = shape.center();
        ctx.save();
        let _ = ctx.translate(c.x, c.y);
        let _ = ctx.rotate(shape.rotation);
        let _ = ctx.translate(-c.x, -c.y);
    }
    let mut missing = None;
    if shape.w.max(shape.h) * zoom < DETAIL_PX && shape.kind != ShapeKind::Pen {
        // Too small to show detail: a box in the shape's colour.
        ctx.set_fill_style_str(style.fill.as_deref().unwrap_or(&style.stroke));
        ctx.fill_rect(
            shape.x,
            shape.y,
            shape.w.max(1.0 / zoom),
            shape.h.max(1.0 / zoom),
        );
    } else if board::sketch::is_sketched(shape)
        && 2.0 * shape.style.sloppiness.roughness() * zoom >= SKETCH_MIN_PX
    {
        ctx.set_line_width(style.stroke_width);
        ctx.set_stroke_style_str(&style.stroke);
        ctx.set_line_cap("round");
        ctx.set_line_join("round");
        assets.sketches.paint(ctx, shape);
        if shape.kind.is_closed() && !hide_text && !shape.text.is_empty() {
            paint_label(ctx, shape, zoom);
        }
    } else {
        ctx.set_line_width(style.stroke_width);
        ctx.set_stroke_style_str(&style.stroke);
        ctx.set_line_cap("round");
        ctx.set_line_join("round");
        let dashed =
            shape.kind.is_closed() || matches!(shape.kind, ShapeKind::Line | ShapeKind::Arrow);
        if dashed {
            let _ = ctx.set_line_dash(&dash(&style.dash.pattern(style.stroke_width)));
        }
        match shape.kind {
            ShapeKind::Rectangle => {
                if let Some(fill) = &style.fill {
                    ctx.set_fill_style_str(fill);
                    ctx.fill_rect(shape.x, shape.y, shape.w, shape.h);
                }
                ctx.stroke_rect(shape.x, shape.y, shape.w, shape.h);
            }
            ShapeKind::Ellipse => {
                let (rx, ry) = (shape.w / 2.0, shape.h / 2.0);
                ctx.begin_path();
                let _ = ctx.ellipse(shape.x + rx, shape.y + ry, rx, ry, 0.0, 0.0, TAU);
                fill_and_stroke(ctx, style.fill.as_deref());
            }
            ShapeKind::Diamond => {
                let c = diamond_corners(&shape.bounds());
                ctx.begin_path();
                ctx.move_to(c[0].x, c[0].y);
                for p in &c[1..] {
                    ctx.line_to(p.x, p.y);
                }
                ctx.close_path();
                fill_and_stroke(ctx, style.fill.as_deref());
            }
            ShapeKind::Pen => paint_pen(ctx, shape, assets.pens),
            ShapeKind::Frame => paint_frame(ctx, shape, zoom, hide_text),
            ShapeKind::Line | ShapeKind::Arrow => {
                paint_line(ctx, shape);
                if !hide_text && !shape.text.is_empty() {
                    paint_line_label(ctx, shape, zoom);
                }
            }
            ShapeKind::Text => {
                if !hide_text {
                    let lines: Vec<String> = shape.text.split('\n').map(str::to_owned).collect();
                    paint_text(ctx, shape, &shape.bounds(), &lines, false);
                }
            }
            ShapeKind::Sticky => {
                ctx.set_shadow_color("rgba(0, 0, 0, 0.18)");
                ctx.set_shadow_blur(8.0 * zoom.min(1.0));
                ctx.set_shadow_offset_y(2.0);
                ctx.set_fill_style_str(style.fill.as_deref().unwrap_or(STICKY_PAPER));
                ctx.fill_rect(shape.x, shape.y, shape.w, shape.h);
                ctx.set_shadow_color("transparent");
                if !hide_text {
                    paint_label(ctx, shape, zoom);
                }
            }
            ShapeKind::Image => match shape.src.as_ref().map(|s| (s, assets.images.get(s))) {
                Some((_, Some(img))) if img.complete() && img.natural_width() > 0 => {
                    if assets.dark {
                        // The dark theme inverts the canvas; an image must look as it is.
                        ctx.set_filter("invert(1) hue-rotate(180deg)");
                    }
                    let _ = ctx.draw_image_with_html_image_element_and_dw_and_dh(
                        img, shape.x, shape.y, shape.w, shape.h,
                    );
                    ctx.set_filter("none");
                }
                other => {
                    if let Some((src, None)) = other {
                        missing = Some(src.clone());
                    }
                    ctx.set_fill_style_str("#e9ecef");
                    ctx.fill_rect(shape.x, shape.y, shape.w, shape.h);
                }
            },
        }
        if dashed {
            let _ = ctx.set_line_dash(&dash(&[]));
        }
        if shape.kind.is_closed() && !hide_text && !shape.text.is_empty() {
            paint_label(ctx, shape, zoom);
        }
    }
    if turned {
        ctx.restore();
    }
    missing
}

fn fill_and_stroke(ctx: &CanvasRenderingContext2d, fill: Option<&str>) {
    if let Some(fill) = fill {
        ctx.set_fill_style_str(fill);
        ctx.fill();
    }
    ctx.stroke();
}

/// The text of a sticky note or the label of a closed shape: wrapped to its label box
/// ([`Shape::label_box`]) and centred in it (too small to read: left out).
fn paint_label(ctx: &CanvasRenderingContext2d, shape: &Shape, zoom: f64) {
    let Some(area) = shape.label_box() else {
        return;
    };
    if shape.style.font_size * zoom < 4.0 {
        return;
    }
    let (face, size) = (shape.style.font_family, shape.style.font_size);
    ctx.set_font(&font(face, size));
    let lines = board::svg::wrap(&shape.text, area.w, face, size, &FontSet(ctx));
    paint_text(ctx, shape, &area, &lines, true);
}

/// A frame: a thin grey outline, and its name above it at the same size on screen at any zoom.
fn paint_frame(ctx: &CanvasRenderingContext2d, frame: &Shape, zoom: f64, hide_name: bool) {
    ctx.set_stroke_style_str(board::frame::FRAME_COLOR);
    ctx.set_line_width(1.0 / zoom);
    ctx.stroke_rect(frame.x, frame.y, frame.w, frame.h);
    if hide_name {
        return;
    }
    let label = Shape {
        style: board::Style {
            stroke: board::frame::FRAME_COLOR.to_owned(),
            font_size: board::frame::NAME_PX / zoom,
            ..board::Style::default()
        },
        ..Shape::default()
    };
    let area = board::frame::name_box(frame, zoom);
    let name = board::frame::name(frame);
    // Cut to the frame's width, as the box is.
    let mut line = name.to_owned();
    ctx.set_font(&font(board::Font::Sans, label.style.font_size));
    while line.chars().count() > 1
        && ctx.measure_text(&line).map_or(0.0, |m| m.width()) > frame.w.max(area.w)
    {
        line.pop();
    }
    paint_text(ctx, &label, &area, &[line], false);
}

/// Lines of text in `area`: from its top-left for free text, centred otherwise.
fn paint_text(
    ctx: &CanvasRenderingContext2d,
    shape: &Shape,
    area: &Rect,
    lines: &[String],
    centred: bool,
) {
    let size = shape.style.font_size;
    ctx.set_font(&font(shape.style.font_family, size));
    ctx.set_fill_style_str(&shape.style.stroke);
    ctx.set_text_baseline("middle");
    let line_h = size * LINE_HEIGHT;
    let block = line_h * lines.len() as f64;
    let top = if centred {
        area.y + (area.h - block) / 2.0
    } else {
        area.y
    };
    ctx.set_text_align(if centred { "center" } else { "left" });
    let x = if centred {
        area.x + area.w / 2.0
    } else {
        area.x + 1.0
    };
    for (i, line) in lines.iter().enumerate() {
        let _ = ctx.fill_text(line, x, top + line_h * (i as f64 + 0.5));
    }
    ctx.set_text_align("left");
}

/// A line or an arrow; arrows get a head at their end.
fn paint_line(ctx: &CanvasRenderingContext2d, shape: &Shape) {
    let pts: Vec<Point> = shape
        .points
        .iter()
        .map(|q| Point::new(shape.x + f64::from(q.x), shape.y + f64::from(q.y)))
        .collect();
    if pts.len() < 2 {
        return;
    }
    ctx.begin_path();
    ctx.move_to(pts[0].x, pts[0].y);
    for p in &pts[1..] {
        ctx.line_to(p.x, p.y);
    }
    ctx.stroke();
    if shape.kind == ShapeKind::Arrow {
        let (a, b) = (pts[pts.len() - 2], pts[pts.len() - 1]);
        let angle = (b.y - a.y).atan2(b.x - a.x);
        let len = (shape.style.stroke_width * 4.0 + 8.0).min(a.distance(b) * 0.5);
        let _ = ctx.set_line_dash(&dash(&[]));
        ctx.begin_path();
        for side in [-1.0, 1.0] {
            let t = angle + side * 0.5;
            ctx.move_to(b.x, b.y);
            ctx.line_to(b.x - len * t.cos(), b.y - len * t.sin());
        }
        ctx.stroke();
    }
}

/// The label of a line or an arrow: on a patch of background halfway along it, so the line
/// does not run through the words.
fn paint_line_label(ctx: &CanvasRenderingContext2d, shape: &Shape, zoom: f64) {
    let size = shape.style.font_size;
    if size * zoom < 4.0 {
        return;
    }
    let pts: Vec<Point> = shape
        .points
        .iter()
        .map(|q| Point::new(shape.x + f64::from(q.x), shape.y + f64::from(q.y)))
        .collect();
    let Some(mid) = board::route::midpoint(&pts) else {
        return;
    };
    ctx.set_font(&font(shape.style.font_family, size));
    let lines: Vec<String> = shape.text.split('\n').map(str::to_owned).collect();
    let width = lines
        .iter()
        .map(|l| ctx.measure_text(l).map_or(0.0, |m| m.width()))
        .fold(0.0, f64::max);
    let area = board::svg::line_label_box(mid, width, lines.len(), size);
    let _ = ctx.set_line_dash(&dash(&[]));
    ctx.set_fill_style_str(BACKGROUND);
    ctx.fill_rect(area.x - 4.0, area.y, area.w + 8.0, area.h);
    paint_text(ctx, shape, &area, &lines, true);
}

/// Pen strokes as filled outlines ([`Shape::pen_outline`]), built once per stroke version and
/// kept as `Path2D`s: painting a stroke is then one `fill` call, however many samples it has.
#[derive(Default)]
pub struct PenCache {
    paths: HashMap<String, (PenKey, Path2d)>,
}

/// What a cached outline depends on (its position does not: it is drawn translated).
#[derive(PartialEq)]
struct PenKey {
    len: usize,
    w: u64,
    h: u64,
    width: u64,
    last: (u32, u32, u32),
}

impl PenKey {
    fn of(shape: &Shape) -> Self {
        let last = shape.points.last().copied().unwrap_or_default();
        PenKey {
            len: shape.points.len(),
            w: shape.w.to_bits(),
            h: shape.h.to_bits(),
            width: shape.style.stroke_width.to_bits(),
            last: (last.x.to_bits(), last.y.to_bits(), last.pressure.to_bits()),
        }
    }
}

impl PenCache {
    /// Forgets strokes that are gone once the cache holds many more than the board.
    pub fn trim(&mut self, live: &HashMap<String, usize>) {
        if self.paths.len() > 2 * live.len() + 256 {
            self.paths.retain(|id, _| live.contains_key(id));
        }
    }
}

fn outline_path(shape: &Shape) -> Option<Path2d> {
    let pts = shape.pen_outline();
    let path = Path2d::new().ok()?;
    let (first, rest) = pts.split_first()?;
    path.move_to(first.x, first.y);
    // Quadratic curves through the midpoints keep the outline smooth between samples.
    for (i, p) in rest.iter().enumerate() {
        let next = rest.get(i + 1).unwrap_or(first);
        path.quadratic_curve_to(p.x, p.y, (p.x + next.x) / 2.0, (p.y + next.y) / 2.0);
    }
    path.close_path();
    Some(path)
}

fn paint_pen(ctx: &CanvasRenderingContext2d, shape: &Shape, cache: &mut PenCache) {
    let key = PenKey::of(shape);
    let cached = match cache.paths.get(&shape.id) {
        Some((k, path)) if *k == key && !shape.id.is_empty() => Some(path.clone()),
        _ => None,
    };
    let Some(path) = cached.or_else(|| {
        let path = outline_path(shape)?;
        if !shape.id.is_empty() {
            cache.paths.insert(shape.id.clone(), (key, path.clone()));
        }
        Some(path)
    }) else {
        return;
    };
    ctx.save();
    let _ = ctx.translate(shape.x, shape.y);
    ctx.set_fill_style_str(&shape.style.stroke);
    ctx.fill_with_path_2d(&path);
    ctx.restore();
}

/// The corners of `r` turned by `rotation` about `c`, on screen.
fn screen_corners(v: &Viewport, r: &Rect, rotation: f64, c: Point) -> [Point; 4] {
    [
        Point::new(r.x, r.y),
        Point::new(r.x + r.w, r.y),
        Point::new(r.x + r.w, r.y + r.h),
        Point::new(r.x, r.y + r.h),
    ]
    .map(|p| v.to_screen(board::shape::rotate_about(p, c, rotation)))
}

fn outline(ctx: &CanvasRenderingContext2d, corners: &[Point; 4]) {
    ctx.begin_path();
    ctx.move_to(corners[0].x, corners[0].y);
    for p in &corners[1..] {
        ctx.line_to(p.x, p.y);
    }
    ctx.close_path();
    ctx.stroke();
}

/// Dashed outlines around selected shapes, and the handles of the selection's frame.
fn paint_selection(
    ctx: &CanvasRenderingContext2d,
    v: &Viewport,
    selected: &[Shape],
    handles: bool,
) {
    if selected.is_empty() {
        return;
    }
    let pad = selection_pad(v.zoom);
    ctx.save();
    ctx.set_stroke_style_str(SELECTION);
    ctx.set_line_width(1.0);
    let _ = ctx.set_line_dash(&dash(&[5.0, 4.0]));
    for s in selected {
        let r = s.bounds().inflate(pad + s.style.stroke_width / 2.0);
        outline(ctx, &screen_corners(v, &r, s.rotation, s.center()));
    }
    let _ = ctx.set_line_dash(&dash(&[]));
    if let Some((frame, rotation, center)) = board::edit::selection_frame(selected) {
        if selected.len() > 1 {
            outline(ctx, &screen_corners(v, &frame.inflate(pad), 0.0, center));
        }
        if selected.iter().any(|s| s.locked) {
            // No handles: a padlock where the top-right one would be.
            let corners = screen_corners(v, &frame.inflate(pad), rotation, center);
            badge::paint_padlock(ctx, corners[1]);
        }
    }
    if handles {
        for (h, s) in handle_positions(selected, v) {
            ctx.set_fill_style_str("#ffffff");
            ctx.begin_path();
            if h == Handle::Rotate {
                let _ = ctx.arc(s.x, s.y, HANDLE_PX / 2.0, 0.0, TAU);
            } else {
                ctx.rect(
                    s.x - HANDLE_PX / 2.0,
                    s.y - HANDLE_PX / 2.0,
                    HANDLE_PX,
                    HANDLE_PX,
                );
            }
            ctx.fill();
            ctx.stroke();
        }
    }
    ctx.restore();
}

/// The selection's handles and where they are on screen (the same list is painted and
/// hit-tested). A selection of lines too thin to resize gets only the rotate handle; one
/// holding a locked shape gets none.
pub fn handle_positions(selected: &[Shape], v: &Viewport) -> Vec<(Handle, Point)> {
    let Some((frame, rotation, center)) = board::edit::selection_frame(selected) else {
        return Vec::new();
    };
    if selected.iter().any(|s| s.locked) {
        return Vec::new();
    }
    let framed = frame.inflate(selection_pad(v.zoom));
    let lines_only =
        selected.iter().all(|s| s.kind.is_polyline()) && frame.w.min(frame.h) * v.zoom < 4.0;
    // Frames do not turn.
    let turns = !selected.iter().any(|s| s.kind == ShapeKind::Frame);
    Handle::ALL
        .into_iter()
        .filter(|h| !lines_only || *h == Handle::Rotate)
        .filter(|h| turns || *h != Handle::Rotate)
        .map(|h| {
            let p = h.position(&framed, ROTATE_OFFSET_PX / v.zoom);
            (
                h,
                v.to_screen(board::shape::rotate_about(p, center, rotation)),
            )
        })
        .collect()
}

fn dash(segments: &[f64]) -> JsValue {
    segments
        .iter()
        .map(|&s| JsValue::from_f64(s))
        .collect::<js_sys::Array>()
        .into()
}

/// An arrow pointer in the peer's colour with their name on a label beside it (screen pixels).
/// Someone else is typing in `shape`: a dashed frame in their colour and "Name is typing…".
fn paint_writer(ctx: &CanvasRenderingContext2d, v: &Viewport, shape: &Shape, peer: &PeerView) {
    let b = shape.aabb();
    let a = v.to_screen(Point::new(b.x, b.y));
    let (w, h) = (b.w * v.zoom, b.h * v.zoom);
    ctx.save();
    ctx.set_stroke_style_str(&peer.color);
    ctx.set_line_width(1.5);
    let _ = ctx.set_line_dash(&dash(&[5.0, 4.0]));
    ctx.stroke_rect(a.x - 4.0, a.y - 4.0, w + 8.0, h + 8.0);
    let _ = ctx.set_line_dash(&dash(&[]));
    ctx.set_font(LABEL_FONT);
    ctx.set_fill_style_str(&peer.color);
    ctx.set_text_baseline("bottom");
    let _ = ctx.fill_text(&format!("{} is typing…", peer.name), a.x - 4.0, a.y - 7.0);
    ctx.restore();
}

fn paint_cursor(ctx: &CanvasRenderingContext2d, at: Point, peer: &PeerView) {
    const ARROW: [(f64, f64); 7] = [
        (0.0, 0.0),
        (0.0, 15.0),
        (4.0, 11.5),
        (7.0, 18.0),
        (9.5, 17.0),
        (6.5, 10.5),
        (11.5, 10.5),
    ];
    ctx.save();
    ctx.begin_path();
    for (i, (dx, dy)) in ARROW.iter().enumerate() {
        if i == 0 {
            ctx.move_to(at.x + dx, at.y + dy);
        } else {
            ctx.line_to(at.x + dx, at.y + dy);
        }
    }
    ctx.close_path();
    ctx.set_fill_style_str(&peer.color);
    ctx.fill();
    ctx.set_stroke_style_str("#ffffff");
    ctx.set_line_width(1.25);
    ctx.set_line_join("round");
    ctx.stroke();

    ctx.set_font(LABEL_FONT);
    let text_width = ctx
        .measure_text(&peer.name)
        .map(|m| m.width())
        .unwrap_or(60.0);
    let (x, y) = (at.x + 12.0, at.y + 18.0);
    let (w, h) = (text_width + 10.0, 18.0);
    ctx.begin_path();
    if ctx.round_rect_with_f64(x, y, w, h, 4.0).is_err() {
        ctx.rect(x, y, w, h);
    }
    ctx.set_fill_style_str(&peer.color);
    ctx.fill();
    ctx.set_fill_style_str("#ffffff");
    ctx.set_text_baseline("middle");
    let _ = ctx.fill_text(&peer.name, x + 5.0, y + h / 2.0 + 0.5);
    ctx.restore();
}

/// The minimap: every shape drawn simply in its colours over the board's extent (see
/// [`minimap_shape`]), and the view as a frame.
/// The shapes are drawn into a cache only when they change; each frame copies the cache and
/// draws the view frame.
pub struct Minimap {
    canvas: HtmlCanvasElement,
    ctx: CanvasRenderingContext2d,
    cache: HtmlCanvasElement,
    cache_ctx: CanvasRenderingContext2d,
    dpr: f64,
    dirty: bool,
    /// The cache must be redrawn now (first paint, new size), not at the throttle's pace.
    urgent: bool,
    /// When the cache was last drawn (ms).
    drawn_at: f64,
    /// The board area the minimap shows (the shapes' extent with a margin).
    world: Option<Rect>,
}

/// On a board of more than [`MINIMAP_DETAIL_SHAPES`], the minimap's cache is redrawn at most
/// this often while shapes keep changing (a collaborator's drag on a 10,000-shape board), or the
/// view keeps leaving the area shown.
pub const MINIMAP_REDRAW_MS: f64 = 250.0;
/// Past this many shapes the minimap draws each as a box in its colour (one `fillRect`).
const MINIMAP_DETAIL_SHAPES: usize = 2_000;

fn context(canvas: &HtmlCanvasElement) -> Option<CanvasRenderingContext2d> {
    canvas.get_context("2d").ok()??.dyn_into().ok()
}

impl Minimap {
    pub fn new(canvas: HtmlCanvasElement) -> Option<Self> {
        let ctx = context(&canvas)?;
        let cache: HtmlCanvasElement = web_sys::window()?
            .document()?
            .create_element("canvas")
            .ok()?
            .dyn_into()
            .ok()?;
        let cache_ctx = context(&cache)?;
        Some(Self {
            canvas,
            ctx,
            cache,
            cache_ctx,
            dpr: 1.0,
            dirty: true,
            urgent: true,
            drawn_at: 0.0,
            world: None,
        })
    }

    pub fn invalidate(&mut self) {
        self.dirty = true;
    }

    pub fn resize(&mut self, dpr: f64) {
        self.dpr = dpr;
        self.dirty = true;
        self.urgent = true;
    }

    fn css_size(&self) -> (f64, f64) {
        (
            f64::from(self.canvas.client_width().max(1)),
            f64::from(self.canvas.client_height().max(1)),
        )
    }

    /// Board → minimap transform: (scale, offset x, offset y) in CSS pixels.
    fn transform(&self) -> Option<(f64, f64, f64)> {
        let world = self.world?;
        let (w, h) = self.css_size();
        let scale = (w / world.w.max(1.0)).min(h / world.h.max(1.0));
        let ox = (w - world.w * scale) / 2.0 - world.x * scale;
        let oy = (h - world.h * scale) / 2.0 - world.y * scale;
        Some((scale, ox, oy))
    }

    /// The board point under a press at a fraction of the minimap's size.
    pub fn board_point(&self, fx: f64, fy: f64) -> Option<Point> {
        let (scale, ox, oy) = self.transform()?;
        let (w, h) = self.css_size();
        Some(Point::new((fx * w - ox) / scale, (fy * h - oy) / scale))
    }

    /// Paints the view frame over the cached shapes, redrawing the cache when it is stale and
    /// the throttle allows ([`MINIMAP_REDRAW_MS`]). Returns true while a redraw is still due
    /// (the caller paints again later).
    pub fn paint(&mut self, shapes: &[Shape], view: &Viewport, size: CanvasSize, now: f64) -> bool {
        let (w, h) = self.css_size();
        let (pw, ph) = ((w * self.dpr).round() as u32, (h * self.dpr).round() as u32);
        if self.canvas.width() != pw || self.canvas.height() != ph {
            self.canvas.set_width(pw);
            self.canvas.set_height(ph);
            self.cache.set_width(pw);
            self.cache.set_height(ph);
            self.dirty = true;
            self.urgent = true;
        }
        let visible = view.visible(size.width, size.height);
        if self.world.is_none_or(|w| !w.contains_rect(&visible)) {
            // The view left the area shown: show more.
            self.dirty = true;
        }
        // Small boards redraw at once (cheap); big ones at most every MINIMAP_REDRAW_MS.
        let throttled = shapes.len() > MINIMAP_DETAIL_SHAPES && !self.urgent;
        if self.dirty && (!throttled || now - self.drawn_at >= MINIMAP_REDRAW_MS) {
            self.dirty = false;
            self.urgent = false;
            self.drawn_at = now;
            let extent = board::edit::bounds_of(shapes).unwrap_or(visible);
            self.world = Some(
                extent
                    .union(&visible)
                    .inflate(extent.w.max(extent.h) * 0.1 + 50.0),
            );
            let Some((scale, ox, oy)) = self.transform() else {
                return self.dirty;
            };
            let c = &self.cache_ctx;
            let _ = c.set_transform(self.dpr, 0.0, 0.0, self.dpr, 0.0, 0.0);
            c.clear_rect(0.0, 0.0, w, h);
            c.set_line_width(1.0);
            c.set_line_join("round");
            if shapes.len() > MINIMAP_DETAIL_SHAPES {
                minimap_boxes(c, shapes, scale, ox, oy);
            } else {
                for s in shapes {
                    minimap_shape(c, s, scale, ox, oy);
                }
            }
            c.set_global_alpha(1.0);
        }
        let Some((scale, ox, oy)) = self.transform() else {
            return self.dirty;
        };
        let c = &self.ctx;
        let _ = c.set_transform(1.0, 0.0, 0.0, 1.0, 0.0, 0.0);
        c.clear_rect(0.0, 0.0, f64::from(pw), f64::from(ph));
        let _ = c.draw_image_with_html_canvas_element(&self.cache, 0.0, 0.0);
        let _ = c.set_transform(self.dpr, 0.0, 0.0, self.dpr, 0.0, 0.0);
        c.set_stroke_style_str(SELECTION);
        c.set_line_width(1.5);
        let x = (visible.x * scale + ox).clamp(-1.0, w);
        let y = (visible.y * scale + oy).clamp(-1.0, h);
        let x1 = ((visible.x + visible.w) * scale + ox).clamp(0.0, w + 1.0);
        let y1 = ((visible.y + visible.h) * scale + oy).clamp(0.0, h + 1.0);
        c.stroke_rect(x, y, (x1 - x).max(2.0), (y1 - y).max(2.0));
        self.dirty
    }
}

/// Many shapes on the minimap: each a box in its fill (or stroke) colour, the colour set only
/// when it changes.
fn minimap_boxes(c: &CanvasRenderingContext2d, shapes: &[Shape], scale: f64, ox: f64, oy: f64) {
    let mut current: Option<&str> = None;
    for s in shapes {
        let color = match s.kind {
            ShapeKind::Sticky => s.style.fill.as_deref().unwrap_or(STICKY_PAPER),
            ShapeKind::Image => "#ced4da",
            _ => s.style.fill.as_deref().unwrap_or(&s.style.stroke),
        };
        if current != Some(color) {
            c.set_fill_style_str(color);
            current = Some(color);
        }
        let b = s.aabb();
        c.fill_rect(
            b.x * scale + ox,
            b.y * scale + oy,
            (b.w * scale).max(1.0),
            (b.h * scale).max(1.0),
        );
    }
}

/// A shape on the minimap, in its own colours and opacity: closed shapes and notes as their
/// outline and fill, strokes, lines and arrows as a thin polyline (at most 32 segments), text
/// as a bar of its colour, images as a grey box. Rotation is left out (boxes are the rotated
/// shape's bounds).
fn minimap_shape(c: &CanvasRenderingContext2d, s: &Shape, scale: f64, ox: f64, oy: f64) {
    let map = |p: Point| Point::new(p.x * scale + ox, p.y * scale + oy);
    let b = s.aabb();
    let (x, y) = (b.x * scale + ox, b.y * scale + oy);
    let (w, h) = ((b.w * scale).max(1.0), (b.h * scale).max(1.0));
    let style = &s.style;
    c.set_global_alpha(style.opacity);
    c.set_stroke_style_str(&style.stroke);
    match s.kind {
        ShapeKind::Rectangle | ShapeKind::Ellipse | ShapeKind::Diamond => {
            c.begin_path();
            match s.kind {
                ShapeKind::Rectangle => c.rect(x, y, w, h),
                ShapeKind::Ellipse => {
                    let _ = c.ellipse(x + w / 2.0, y + h / 2.0, w / 2.0, h / 2.0, 0.0, 0.0, TAU);
                }
                _ => {
                    let corners = diamond_corners(&Rect { x, y, w, h });
                    c.move_to(corners[0].x, corners[0].y);
                    for p in &corners[1..] {
                        c.line_to(p.x, p.y);
                    }
                    c.close_path();
                }
            }
            fill_and_stroke(c, style.fill.as_deref());
        }
        ShapeKind::Pen | ShapeKind::Line | ShapeKind::Arrow => {
            // At most 32 segments, straight from the stored points (rotation left out).
            let step = s.points.len().div_ceil(32).max(1);
            let at = |q: &board::shape::PenPoint| {
                map(Point::new(s.x + f64::from(q.x), s.y + f64::from(q.y)))
            };
            let mut path = s.points.iter().step_by(step).chain(s.points.last());
            if let Some(first) = path.next() {
                let first = at(first);
                c.begin_path();
                c.move_to(first.x, first.y);
                for q in path {
                    let p = at(q);
                    c.line_to(p.x, p.y);
                }
                c.stroke();
            }
        }
        ShapeKind::Text => {
            c.set_global_alpha(style.opacity * 0.6);
            c.set_fill_style_str(&style.stroke);
            c.fill_rect(x, y + h * 0.25, w, (h * 0.5).max(1.0));
        }
        ShapeKind::Sticky => {
            c.set_fill_style_str(style.fill.as_deref().unwrap_or(STICKY_PAPER));
            c.fill_rect(x, y, w, h);
        }
        ShapeKind::Image => {
            c.set_fill_style_str("#ced4da");
            c.fill_rect(x, y, w, h);
        }
        ShapeKind::Frame => {
            c.set_stroke_style_str(board::frame::FRAME_COLOR);
            c.stroke_rect(x, y, w, h);
        }
    }
}
