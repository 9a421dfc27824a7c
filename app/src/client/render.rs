//! Painting a board on a 2D canvas: dot grid, shapes in paint order, the shape being drawn,
//! the selection and other people's cursors.
//!
//! The renderer only paints what it is given (a [`Scene`]); deciding *when* to paint (one
//! `requestAnimationFrame` per batch of changes) is the engine's job. Shapes outside the visible
//! part of the board are skipped.

use std::f64::consts::TAU;

use board::shape::PenPoint;
use board::{Point, Rect, Shape, ShapeKind, Viewport};
use wasm_bindgen::JsValue;
use web_sys::CanvasRenderingContext2d;

use super::presence::PeerView;

const BACKGROUND: &str = "#fafafa";
const GRID_DOT: &str = "#c9cdd3";
/// Grid pitch in board units at zoom 1.
const GRID_STEP: f64 = 24.0;
/// Below this pitch on screen the grid thins out (every other dot), so a zoomed-out board
/// neither turns grey nor costs tens of thousands of rectangles per frame.
const MIN_GRID_PX: f64 = 14.0;
const SELECTION: &str = "#1c7ed6";
const LABEL_FONT: &str = "12px system-ui, -apple-system, 'Segoe UI', sans-serif";

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
    /// The shape being drawn, not yet in the document.
    pub preview: Option<&'a Shape>,
    pub selected: Option<&'a Shape>,
    pub peers: &'a [PeerView],
}

/// Paints a scene. Canvas calls only fail on invalid arguments, which finite geometry never
/// produces, so their results are ignored rather than unwrapped.
pub fn paint(ctx: &CanvasRenderingContext2d, scene: &Scene) {
    let CanvasSize { width, height, dpr } = scene.size;
    if width <= 0.0 || height <= 0.0 {
        return;
    }
    let _ = ctx.set_transform(dpr, 0.0, 0.0, dpr, 0.0, 0.0);
    ctx.set_fill_style_str(BACKGROUND);
    ctx.fill_rect(0.0, 0.0, width, height);
    paint_grid(ctx, &scene.viewport, width, height);

    let v = scene.viewport;
    let scale = dpr * v.zoom;
    let _ = ctx.set_transform(
        scale,
        0.0,
        0.0,
        scale,
        -v.origin.x * scale,
        -v.origin.y * scale,
    );
    let visible = v.visible(width, height);
    for shape in scene.shapes.iter().chain(scene.preview) {
        if on_screen(shape, &visible) {
            paint_shape(ctx, shape);
        }
    }

    let _ = ctx.set_transform(dpr, 0.0, 0.0, dpr, 0.0, 0.0);
    if let Some(shape) = scene.selected {
        paint_selection(ctx, &v, shape);
    }
    for peer in scene.peers {
        if let Some(c) = peer.cursor {
            let at = v.to_screen(Point::new(c.x, c.y));
            if at.x > -20.0 && at.y > -20.0 && at.x < width && at.y < height {
                paint_cursor(ctx, at, peer);
            }
        }
    }
}

fn on_screen(shape: &Shape, visible: &Rect) -> bool {
    shape
        .bounds()
        .inflate(shape.style.stroke_width * 1.5)
        .intersects(visible)
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

/// Paints one shape in board coordinates (the context already maps board to device pixels).
pub fn paint_shape(ctx: &CanvasRenderingContext2d, shape: &Shape) {
    let style = &shape.style;
    ctx.set_line_width(style.stroke_width);
    ctx.set_stroke_style_str(&style.stroke);
    ctx.set_line_cap("round");
    ctx.set_line_join("round");
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
            if let Some(fill) = &style.fill {
                ctx.set_fill_style_str(fill);
                ctx.fill();
            }
            ctx.stroke();
        }
        ShapeKind::Pen => paint_pen(ctx, shape),
    }
}

/// Line width at a sampled pressure: half the style width with no pressure, one and a half at
/// full pressure (a mouse reports 0.5, which gives the style width).
fn pen_width(base: f64, pressure: f32) -> f64 {
    base * (0.5 + f64::from(pressure.clamp(0.0, 1.0)))
}

/// A pen stroke as quadratic curves through the midpoints of its samples, so it looks smooth
/// between pointer events. Consecutive segments of (nearly) equal width share one path; a width
/// change starts a new path, and round caps hide the seams.
fn paint_pen(ctx: &CanvasRenderingContext2d, shape: &Shape) {
    let base = shape.style.stroke_width;
    let abs = |p: &PenPoint| Point::new(shape.x + f64::from(p.x), shape.y + f64::from(p.y));
    let pts = &shape.points;
    match pts.as_slice() {
        [] => {}
        [only] => {
            let p = abs(only);
            ctx.begin_path();
            let _ = ctx.arc(p.x, p.y, pen_width(base, only.pressure) / 2.0, 0.0, TAU);
            ctx.set_fill_style_str(&shape.style.stroke);
            ctx.fill();
        }
        [a, b] => {
            ctx.set_line_width(pen_width(base, (a.pressure + b.pressure) / 2.0));
            ctx.begin_path();
            let (pa, pb) = (abs(a), abs(b));
            ctx.move_to(pa.x, pa.y);
            ctx.line_to(pb.x, pb.y);
            ctx.stroke();
        }
        _ => {
            let quantise = |w: f64| (w * 8.0).round() / 8.0;
            let mut at = abs(&pts[0]);
            let mut width = quantise(pen_width(base, pts[0].pressure));
            ctx.set_line_width(width);
            ctx.begin_path();
            ctx.move_to(at.x, at.y);
            for i in 1..pts.len() {
                let control = abs(&pts[i]);
                let end = match pts.get(i + 1) {
                    Some(next) => {
                        let n = abs(next);
                        Point::new((control.x + n.x) / 2.0, (control.y + n.y) / 2.0)
                    }
                    None => control,
                };
                let w = quantise(pen_width(base, pts[i].pressure));
                if w != width {
                    ctx.stroke();
                    width = w;
                    ctx.set_line_width(width);
                    ctx.begin_path();
                    ctx.move_to(at.x, at.y);
                }
                ctx.quadratic_curve_to(control.x, control.y, end.x, end.y);
                at = end;
            }
            ctx.stroke();
        }
    }
}

fn paint_selection(ctx: &CanvasRenderingContext2d, v: &Viewport, shape: &Shape) {
    let pad = 4.0 + shape.style.stroke_width * v.zoom / 2.0;
    let top_left = v.to_screen(Point::new(shape.x, shape.y));
    ctx.save();
    ctx.set_stroke_style_str(SELECTION);
    ctx.set_line_width(1.0);
    let _ = ctx.set_line_dash(&dash(&[5.0, 4.0]));
    ctx.stroke_rect(
        top_left.x - pad,
        top_left.y - pad,
        shape.w * v.zoom + 2.0 * pad,
        shape.h * v.zoom + 2.0 * pad,
    );
    ctx.restore();
}

fn dash(segments: &[f64]) -> JsValue {
    segments
        .iter()
        .map(|&s| JsValue::from_f64(s))
        .collect::<js_sys::Array>()
        .into()
}

/// An arrow pointer in the peer's colour with their name on a label beside it (screen pixels).
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
