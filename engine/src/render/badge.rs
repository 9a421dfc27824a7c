//! The small signs painted beside shapes: the link badge at a linked shape's top-right corner
//! (pressing it follows the link, so its box is shared with hit-testing), and the padlock on a
//! selection holding locked shapes (which shows no handles).

use board::link::Link;
use board::{Point, Rect, Shape, Viewport};
use web_sys::{CanvasRenderingContext2d, Path2d};

/// The badge's side, in screen pixels.
const BADGE_PX: f64 = 20.0;
/// Gap between the shape's box and the badge: clear of the resize handles and their reach.
const BADGE_GAP_PX: f64 = 20.0;
/// Feather's "link" icon (24 × 24).
const LINK_ICON: &str = "M10 13a5 5 0 007.54.54l3-3a5 5 0 00-7.07-7.07l-1.72 1.71\
                         M14 11a5 5 0 00-7.54-.54l-3 3a5 5 0 007.07 7.07l1.71-1.71";
/// Feather's "lock" icon (24 × 24).
const LOCK_ICON: &str = "M5 11h14a2 2 0 012 2v7a2 2 0 01-2 2H5a2 2 0 01-2-2v-7a2 2 0 012-2z\
                         M7 11V7a5 5 0 0110 0v4";
const BADGE_BORDER: &str = "#1c7ed6";
const BADGE_FILL: &str = "#ffffff";

/// Where a linked shape's badge is on screen: right of the top-right corner of the box the
/// shape covers. `None` for a shape without a link this board follows.
pub fn link_badge(shape: &Shape, v: &Viewport) -> Option<Rect> {
    shape.link.as_deref().and_then(Link::stored)?;
    let b = shape.aabb();
    let corner = v.to_screen(Point::new(b.x + b.w, b.y));
    Some(Rect {
        x: corner.x + BADGE_GAP_PX,
        y: corner.y - BADGE_PX / 2.0,
        w: BADGE_PX,
        h: BADGE_PX,
    })
}

/// Paints the badges of the linked shapes among `shapes` (the context in CSS pixels).
pub fn paint_link_badges<'a>(
    ctx: &CanvasRenderingContext2d,
    v: &Viewport,
    shapes: impl Iterator<Item = &'a Shape>,
) {
    for shape in shapes {
        if let Some(r) = link_badge(shape, v) {
            sign(ctx, r, LINK_ICON);
        }
    }
}

/// The padlock on a selection holding locked shapes, at its frame's top-right corner (CSS
/// pixels), where the resize handle would be.
pub fn paint_padlock(ctx: &CanvasRenderingContext2d, corner: Point) {
    let r = Rect {
        x: corner.x - BADGE_PX / 2.0,
        y: corner.y - BADGE_PX / 2.0,
        w: BADGE_PX,
        h: BADGE_PX,
    };
    sign(ctx, r, LOCK_ICON);
}

/// A rounded white square with a 24 × 24 icon drawn inside it.
fn sign(ctx: &CanvasRenderingContext2d, r: Rect, icon: &str) {
    ctx.save();
    ctx.set_line_dash(&js_sys::Array::new()).ok();
    ctx.set_fill_style_str(BADGE_FILL);
    ctx.set_stroke_style_str(BADGE_BORDER);
    ctx.set_line_width(1.0);
    ctx.begin_path();
    let _ = ctx.round_rect_with_f64(r.x, r.y, r.w, r.h, 5.0);
    ctx.fill();
    ctx.stroke();
    if let Ok(path) = Path2d::new_with_path_string(icon) {
        let scale = (r.w - 6.0) / 24.0;
        let _ = ctx.translate(r.x + 3.0, r.y + 3.0);
        let _ = ctx.scale(scale, scale);
        ctx.set_line_width(2.0);
        ctx.set_line_cap("round");
        ctx.set_line_join("round");
        ctx.stroke_with_path(&path);
    }
    ctx.restore();
}
