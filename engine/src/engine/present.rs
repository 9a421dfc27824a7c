//! Presenting: the board's frames shown one by one as slides, each fitted to the window, with
//! the keys a slide deck uses; the slide order set in the slides panel; and our presence saying
//! we present, so others are offered to follow (their view then follows ours, slide by slide).
//!
//! Which frames are slides, in which order, is `board::frame::slides` over the order stored in
//! the board (`BoardDoc::slide_order`); the page hides its controls while we present.

use board::{Point, Viewport};

use super::Engine;
use crate::view::Slide;

/// Space left around a slide, in screen pixels.
const SLIDE_MARGIN_PX: f64 = 24.0;

/// The slide show in progress.
#[derive(Debug)]
pub(super) struct Presenting {
    /// The frame shown.
    id: String,
    /// The view before the show, given back when it ends.
    before: Viewport,
}

impl Engine {
    /// The frames as slides, in order: (id, name).
    fn slides(&self) -> Vec<(String, String)> {
        board::frame::slides(&self.shapes, &self.board.slide_order())
            .into_iter()
            .map(|f| (f.id.clone(), board::frame::name(f).to_owned()))
            .collect()
    }

    /// Starts the show at `from` (a frame id), else at the first slide.
    pub(super) fn present(&mut self, from: Option<String>) {
        let slides = self.slides();
        if slides.is_empty() {
            self.after.view.notice =
                Some("Add a frame to present: each frame is one slide (Frame tool, F).".into());
            return;
        }
        let id = from
            .filter(|id| slides.iter().any(|(s, _)| s == id))
            .unwrap_or_else(|| slides[0].0.clone());
        let before = self.presenting.take().map_or(self.viewport, |p| p.before);
        self.cancel_gesture();
        self.select(Vec::new());
        self.presenting = Some(Presenting { id, before });
        // The slide keys go to the board, not to the button that started the show.
        self.after.focus_canvas = true;
        self.show_slide();
        self.publish_presence();
    }

    /// The next (`by` = 1) or previous (-1) slide; the show stays on the first or last.
    pub(super) fn slide_step(&mut self, by: i64) {
        let slides = self.slides();
        let Some(p) = &mut self.presenting else {
            return;
        };
        let at = slides.iter().position(|(id, _)| *id == p.id).unwrap_or(0) as i64;
        let to = (at + by).clamp(0, slides.len() as i64 - 1);
        if let Some((id, _)) = slides.get(to as usize) {
            p.id = id.clone();
        }
        self.show_slide();
    }

    /// The first or last slide (Home, End).
    fn slide_edge(&mut self, last: bool) {
        let slides = self.slides();
        let edge = if last { slides.last() } else { slides.first() };
        if let (Some(p), Some((id, _))) = (&mut self.presenting, edge) {
            p.id = id.clone();
        }
        self.show_slide();
    }

    /// Ends the show: the view goes back to where it was.
    pub(super) fn stop_presenting(&mut self) {
        let Some(p) = self.presenting.take() else {
            return;
        };
        self.viewport = p.before;
        self.editing_moved();
        self.view_changed();
        self.after.view.presenting = Some(None);
        self.publish_presence();
    }

    /// Fits the current slide to the canvas and tells the page which slide it is. A slide whose
    /// frame was deleted gives way to the first one; no frames left ends the show.
    pub(super) fn show_slide(&mut self) {
        let slides = self.slides();
        let Some(p) = &mut self.presenting else {
            return;
        };
        let at = match slides.iter().position(|(id, _)| *id == p.id) {
            Some(at) => at,
            None if !slides.is_empty() => {
                p.id = slides[0].0.clone();
                0
            }
            None => {
                self.stop_presenting();
                return;
            }
        };
        let Some(frame) = self.shape(&slides[at].0).map(board::Shape::bounds) else {
            return;
        };
        let (w, h) = (
            (self.size.width - 2.0 * SLIDE_MARGIN_PX).max(1.0),
            (self.size.height - 2.0 * SLIDE_MARGIN_PX).max(1.0),
        );
        let zoom = (w / frame.w.max(1.0))
            .min(h / frame.h.max(1.0))
            .clamp(board::viewport::MIN_ZOOM, board::viewport::MAX_ZOOM);
        let c = frame.center();
        self.viewport.zoom = zoom;
        self.viewport.origin = Point::new(
            c.x - self.size.width / 2.0 / zoom,
            c.y - self.size.height / 2.0 / zoom,
        );
        self.editing_moved();
        self.view_changed();
        self.after.view.presenting = Some(Some(Slide {
            number: at + 1,
            count: slides.len(),
            name: slides[at].1.clone(),
        }));
    }

    /// A key while presenting: true when it was a slide key.
    pub(super) fn present_key(&mut self, key: &str) -> bool {
        match key {
            "ArrowRight" | "ArrowDown" | "PageDown" | " " | "Enter" => self.slide_step(1),
            "ArrowLeft" | "ArrowUp" | "PageUp" | "Backspace" => self.slide_step(-1),
            "Home" => self.slide_edge(false),
            "End" => self.slide_edge(true),
            "Escape" => self.stop_presenting(),
            _ => return false,
        }
        true
    }

    /// Moves a frame earlier (`by` < 0) or later in the slide order, as one undo step.
    pub(super) fn move_slide(&mut self, id: &str, by: i64) {
        if self.read_only {
            return;
        }
        let mut order: Vec<String> = self.slides().into_iter().map(|(id, _)| id).collect();
        let Some(at) = order.iter().position(|s| s == id) else {
            return;
        };
        let to = (at as i64 + by).clamp(0, order.len() as i64 - 1) as usize;
        if to == at {
            return;
        }
        let moved = order.remove(at);
        order.insert(to, moved);
        self.change(|txn, b| b.set_slide_order(txn, &order));
        self.publish_slides();
        if self.presenting.is_some() {
            self.show_slide();
        }
    }

    /// Tells the page the slides, when they changed (frames added, renamed, reordered).
    pub(super) fn publish_slides(&mut self) {
        let slides = self.slides();
        if slides != self.shown_slides {
            self.shown_slides = slides.clone();
            self.after.view.slides = Some(slides);
        }
    }
}
