//! Find on the board (`Ctrl+F`): the matches of what is typed in the find bar, stepping through
//! them (each one selected, with the view centred on it), and the count the bar shows.
//!
//! Which shapes match, and their order, is `board::find`; this file keeps the state between
//! key presses and keeps the matches current while the board changes (with the shape list's
//! throttle, so a collaborator dragging on a big board does not re-run the search per frame).

use board::Point;

use super::Engine;

/// The find bar's search.
#[derive(Debug, Default)]
pub(super) struct Finding {
    query: String,
    /// Matching shape ids, in reading order.
    matches: Vec<String>,
    /// The match last jumped to.
    current: Option<usize>,
}

impl Engine {
    /// The query changed: search again and jump to the first match.
    pub(super) fn find(&mut self, query: String) {
        let matches = board::find::find(&self.shapes, &query);
        self.finding = Some(Finding {
            query,
            matches,
            current: None,
        });
        self.find_step(false);
    }

    /// Enter (or Shift+Enter) in the find bar: the next (previous) match, wrapping around.
    pub(super) fn find_step(&mut self, back: bool) {
        let Some(finding) = &mut self.finding else {
            return;
        };
        let n = finding.matches.len();
        if n > 0 {
            let next = match (finding.current, back) {
                (None, false) => 0,
                (None, true) => n - 1,
                (Some(i), false) => (i + 1) % n,
                (Some(i), true) => (i + n - 1) % n,
            };
            finding.current = Some(next);
            let id = finding.matches[next].clone();
            self.select(vec![id.clone()]);
            self.centre_on(&id);
        }
        self.publish_found();
        self.request_frame();
    }

    /// The find bar closed: the selection stays, the highlights go.
    pub(super) fn find_close(&mut self) {
        if self.finding.take().is_some() {
            self.request_frame();
        }
    }

    /// The shapes changed while the bar is open: search again, staying on the same match when
    /// it still matches.
    pub(super) fn refind(&mut self) {
        let Some(finding) = &mut self.finding else {
            return;
        };
        let matches = board::find::find(&self.shapes, &finding.query);
        if matches == finding.matches {
            return;
        }
        let current = finding
            .current
            .and_then(|i| finding.matches.get(i))
            .and_then(|id| matches.iter().position(|m| m == id));
        finding.matches = matches;
        finding.current = current;
        self.publish_found();
        self.request_frame();
    }

    /// The shapes to outline as matches (all but the one selected).
    pub(super) fn found_ids(&self) -> &[String] {
        self.finding.as_ref().map_or(&[], |f| f.matches.as_slice())
    }

    fn publish_found(&mut self) {
        if let Some(f) = &self.finding {
            self.after.view.found = Some((f.current.map(|i| i + 1), f.matches.len()));
        }
    }

    /// Moves the view so the shape is in its middle, zooming out when it does not fit.
    pub(super) fn centre_on(&mut self, id: &str) {
        let Some(b) = self.shape(id).map(board::Shape::aabb) else {
            return;
        };
        let fits =
            |zoom: f64| b.w * zoom <= self.size.width * 0.9 && b.h * zoom <= self.size.height * 0.9;
        if !fits(self.viewport.zoom) {
            let zoom = (self.size.width * 0.9 / b.w.max(1.0))
                .min(self.size.height * 0.9 / b.h.max(1.0))
                .max(board::viewport::MIN_ZOOM);
            self.viewport.zoom = zoom;
        }
        let c = b.center();
        let zoom = self.viewport.zoom;
        self.viewport.origin = Point::new(
            c.x - self.size.width / 2.0 / zoom,
            c.y - self.size.height / 2.0 / zoom,
        );
        self.editing_moved();
        self.view_changed();
    }
}
