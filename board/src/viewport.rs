//! The pan/zoom transform between screen pixels (CSS pixels in the canvas) and board units.

use crate::shape::{Point, Rect};

/// Zoom limits: beyond these the board is either unreadable or a single pixel fills the screen.
pub const MIN_ZOOM: f64 = 0.1;
pub const MAX_ZOOM: f64 = 8.0;

/// `screen = (board - origin) * zoom`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Viewport {
    /// Board coordinates shown at the top-left corner of the canvas.
    pub origin: Point,
    pub zoom: f64,
}

impl Default for Viewport {
    fn default() -> Self {
        Self {
            origin: Point::new(0.0, 0.0),
            zoom: 1.0,
        }
    }
}

impl Viewport {
    pub fn to_board(&self, screen: Point) -> Point {
        Point::new(
            screen.x / self.zoom + self.origin.x,
            screen.y / self.zoom + self.origin.y,
        )
    }

    pub fn to_screen(&self, board: Point) -> Point {
        Point::new(
            (board.x - self.origin.x) * self.zoom,
            (board.y - self.origin.y) * self.zoom,
        )
    }

    /// Moves the view by a distance given in screen pixels (a drag).
    pub fn pan_by_screen(&mut self, dx: f64, dy: f64) {
        self.origin.x -= dx / self.zoom;
        self.origin.y -= dy / self.zoom;
    }

    /// Multiplies the zoom by `factor`, keeping the board point under `screen` where it is.
    pub fn zoom_at(&mut self, screen: Point, factor: f64) {
        let anchor = self.to_board(screen);
        self.zoom = (self.zoom * factor).clamp(MIN_ZOOM, MAX_ZOOM);
        self.origin = Point::new(
            anchor.x - screen.x / self.zoom,
            anchor.y - screen.y / self.zoom,
        );
    }

    /// The part of the board visible in a canvas of `width` × `height` screen pixels.
    pub fn visible(&self, width: f64, height: f64) -> Rect {
        Rect {
            x: self.origin.x,
            y: self.origin.y,
            w: width / self.zoom,
            h: height / self.zoom,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn zoom_keeps_the_point_under_the_cursor() {
        let mut v = Viewport::default();
        v.pan_by_screen(-40.0, 25.0);
        let cursor = Point::new(300.0, 200.0);
        let before = v.to_board(cursor);
        v.zoom_at(cursor, 1.7);
        let after = v.to_board(cursor);
        assert!(before.distance(after) < 1e-9);
        assert!((v.zoom - 1.7).abs() < 1e-12);
    }

    #[test]
    fn zoom_is_clamped() {
        let mut v = Viewport::default();
        v.zoom_at(Point::default(), 1000.0);
        assert_eq!(v.zoom, MAX_ZOOM);
    }

    #[test]
    fn screen_and_board_round_trip() {
        let v = Viewport {
            origin: Point::new(10.0, -5.0),
            zoom: 2.0,
        };
        let p = Point::new(33.0, 44.0);
        assert!(v.to_board(v.to_screen(p)).distance(p) < 1e-9);
    }
}
