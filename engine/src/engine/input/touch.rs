//! Touch and wheel: two fingers pan and zoom (the drawing stops); the wheel and a two-finger
//! touchpad scroll pan, Ctrl/Cmd + wheel and a touchpad pinch zoom around the pointer.

use board::protocol::PresenceCursor;
use board::Point;

use super::{PointerInput, MAX_WHEEL_ZOOM_DELTA, WHEEL_ZOOM_RATE};
use crate::engine::Engine;
use crate::tools::Gesture;

/// The midpoint and distance of the first two touches.
fn pinch_of(touches: &[(i32, Point)]) -> (Point, f64) {
    let (a, b) = (touches[0].1, touches[1].1);
    (
        Point::new((a.x + b.x) / 2.0, (a.y + b.y) / 2.0),
        a.distance(b),
    )
}

impl Engine {
    /// A second finger on a touch screen: the drawing stops and the two fingers pan and zoom.
    /// Returns true when the press belongs to the pinch.
    pub(in crate::engine) fn touch_down(&mut self, input: PointerInput) -> bool {
        self.touches.retain(|(id, _)| *id != input.pointer);
        self.touches.push((input.pointer, input.screen));
        if self.touches.len() != 2 {
            return false;
        }
        if self.gesture.edits() {
            self.cancel_gesture();
        }
        self.gesture = Gesture::Idle;
        self.pinch = Some(pinch_of(&self.touches));
        self.request_frame();
        true
    }

    pub(in crate::engine) fn touch_move(&mut self, input: PointerInput) -> bool {
        let Some(entry) = self.touches.iter_mut().find(|(id, _)| *id == input.pointer) else {
            return false;
        };
        entry.1 = input.screen;
        let Some((last_mid, last_dist)) = self.pinch else {
            return false;
        };
        let (mid, dist) = pinch_of(&self.touches);
        self.viewport
            .pan_by_screen(mid.x - last_mid.x, mid.y - last_mid.y);
        if last_dist > 1.0 && dist > 1.0 {
            self.viewport.zoom_at(mid, dist / last_dist);
        }
        self.pinch = Some((mid, dist));
        self.editing_moved();
        self.view_changed();
        true
    }

    /// A finger lifted; true when it was part of a pinch.
    pub(in crate::engine) fn touch_up(&mut self, input: PointerInput) -> bool {
        self.touches.retain(|(id, _)| *id != input.pointer);
        if self.pinch.is_some() {
            if self.touches.is_empty() {
                self.pinch = None;
            }
            return true;
        }
        false
    }

    /// The wheel, as in Excalidraw and Figma: with Ctrl or Cmd held (a touchpad pinch arrives
    /// this way too) it zooms around the pointer, smoothly by the wheel's delta; otherwise it
    /// scrolls the view (Shift turns a vertical scroll sideways). A mouse cannot be told from a
    /// touchpad reliably, and scrolling is what both do everywhere else on the page.
    pub fn wheel(&mut self, screen: Point, delta_x: f64, delta_y: f64, zoom: bool) {
        if zoom {
            let step = delta_y.clamp(-MAX_WHEEL_ZOOM_DELTA, MAX_WHEEL_ZOOM_DELTA);
            self.viewport
                .zoom_at(screen, (-step * WHEEL_ZOOM_RATE).exp());
        } else {
            self.viewport.pan_by_screen(-delta_x, -delta_y);
        }
        let at = self.board_point(screen);
        self.move_cursor(Some(PresenceCursor { x: at.x, y: at.y }));
        self.editing_moved();
        self.view_changed();
    }
}
