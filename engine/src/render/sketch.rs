//! Hand-drawn shapes on the canvas: the paths of `board::sketch` (the same lines SVG exports
//! draw), built once per shape version as `Path2D`s and painted translated to the shape's
//! position, so a frame costs a fill and a stroke or two per shape, as a clean shape does.

use std::collections::HashMap;

use board::sketch::{self, Seg};
use board::{Dash, Shape, Sloppiness};
use web_sys::{CanvasRenderingContext2d, Path2d};

use super::dash;

/// The `Path2D`s of hand-drawn shapes by id, with what they were built from.
#[derive(Default)]
pub struct SketchCache {
    paths: HashMap<String, (SketchKey, Paths)>,
}

/// What a shape's sketch depends on (not its position: it is drawn translated; nor its
/// colours, set at paint time).
#[derive(PartialEq)]
struct SketchKey {
    w: u64,
    h: u64,
    stroke_width: u64,
    sloppiness: Sloppiness,
    dashed: bool,
    filled: bool,
    /// FNV-1a of the points (lines and arrows).
    points: u64,
}

impl SketchKey {
    fn of(shape: &Shape) -> Self {
        let mut points: u64 = 0xcbf2_9ce4_8422_2325;
        for p in &shape.points {
            for v in [p.x, p.y] {
                points ^= u64::from(v.to_bits());
                points = points.wrapping_mul(0x0100_0000_01b3);
            }
        }
        SketchKey {
            w: shape.w.to_bits(),
            h: shape.h.to_bits(),
            stroke_width: shape.style.stroke_width.to_bits(),
            sloppiness: shape.style.sloppiness,
            dashed: shape.style.dash != Dash::Solid,
            filled: shape.style.fill.is_some(),
            points,
        }
    }
}

/// One shape's paths, in its own frame.
#[derive(Clone)]
struct Paths {
    fill: Option<Path2d>,
    stroke: Option<Path2d>,
    head: Option<Path2d>,
}

fn path(segs: &[Seg]) -> Option<Path2d> {
    if segs.is_empty() {
        return None;
    }
    let path = Path2d::new().ok()?;
    for seg in segs {
        match *seg {
            Seg::Move(p) => path.move_to(p.x, p.y),
            Seg::Line(p) => path.line_to(p.x, p.y),
            Seg::Curve(a, b, c) => path.bezier_curve_to(a.x, a.y, b.x, b.y, c.x, c.y),
        }
    }
    Some(path)
}

impl SketchCache {
    /// Paints a hand-drawn shape in board coordinates (the caller set the stroke colour, width,
    /// caps and joins): its fill, its outline dashed as styled, an arrow's head solid.
    pub fn paint(&mut self, ctx: &CanvasRenderingContext2d, shape: &Shape) {
        let key = SketchKey::of(shape);
        let cached = match self.paths.get(&shape.id) {
            Some((k, paths)) if *k == key && !shape.id.is_empty() => Some(paths.clone()),
            _ => None,
        };
        let Some(paths) = cached.or_else(|| {
            let sketch = sketch::sketch(shape)?;
            let paths = Paths {
                fill: path(&sketch.fill),
                stroke: path(&sketch.stroke),
                head: path(&sketch.head),
            };
            if !shape.id.is_empty() {
                self.paths.insert(shape.id.clone(), (key, paths.clone()));
            }
            Some(paths)
        }) else {
            return;
        };
        let style = &shape.style;
        let _ = ctx.translate(shape.x, shape.y);
        if let (Some(fill), Some(color)) = (&paths.fill, &style.fill) {
            ctx.set_fill_style_str(color);
            ctx.fill_with_path_2d(fill);
        }
        if let Some(stroke) = &paths.stroke {
            let pattern = style.dash.pattern(style.stroke_width);
            if !pattern.is_empty() {
                let _ = ctx.set_line_dash(&dash(&pattern));
            }
            ctx.stroke_with_path(stroke);
            if !pattern.is_empty() {
                let _ = ctx.set_line_dash(&dash(&[]));
            }
        }
        if let Some(head) = &paths.head {
            ctx.stroke_with_path(head);
        }
        let _ = ctx.translate(-shape.x, -shape.y);
    }

    /// Forgets shapes that are gone once the cache holds many more than the board.
    pub fn trim(&mut self, live: &HashMap<String, usize>) {
        if self.paths.len() > 2 * live.len() + 256 {
            self.paths.retain(|id, _| live.contains_key(id));
        }
    }
}
