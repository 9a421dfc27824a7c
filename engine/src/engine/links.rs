//! Locks and links: the lock toggle (`Ctrl+Shift+L`, the Lock button), setting a shape's link
//! from what was typed (a refused link changes nothing and says why), following a link (a web
//! page in a new tab, or another shape selected and brought into view), the link badge under
//! the pointer, a page opened at a shape's address (`#shape=<id>`), and what the style panel is
//! told about the selection's lock and link.
//!
//! What a lock keeps from changing is `board::lock`; which links are accepted, and their
//! stored form, is `board::link`.

use board::link::Link;
use board::{Point, Shape};

use super::Engine;

/// The shape a page's address names in its fragment (`#shape=<id>`), if any.
pub(super) fn shape_in_address(window: &web_sys::Window) -> Option<String> {
    let hash = window.location().hash().ok()?;
    match Link::stored(&hash)? {
        Link::Shape(id) => Some(id),
        Link::Url(_) => None,
    }
}
use crate::render;
use crate::view::SelectionInfo;

impl Engine {
    /// Locks the selection, or unlocks it when every selected shape is locked: one undo step.
    pub(super) fn toggle_lock(&mut self) {
        let selected = self.selected_shapes();
        let Some(lock) = board::lock::toggled(&selected).filter(|_| !self.read_only) else {
            return;
        };
        self.change(|txn, b| {
            for s in &selected {
                b.set(txn, &s.id, "locked", lock.then_some(true.into()));
            }
        });
        self.doc_dirty = true;
        self.reload_shapes();
    }

    /// Sets (or, for empty text, removes) the link of the one selected shape. A refused link
    /// leaves the shape as it was: the person is told why, and the field shows the link again.
    pub(super) fn set_link(&mut self, text: String) {
        let Ok([shape]) = <[Shape; 1]>::try_from(self.selected_shapes()) else {
            return;
        };
        let stored = match self.link_for(&shape, &text) {
            Ok(stored) => stored,
            Err(message) => {
                self.after.view.notice = Some(message);
                self.after.view.selection_info = Some(self.shown_selection_info.clone());
                return;
            }
        };
        if stored == shape.link {
            self.after.view.selection_info = Some(self.shown_selection_info.clone());
            return;
        }
        self.change(|txn, b| b.set(txn, &shape.id, "link", stored.as_deref().map(Into::into)));
        self.doc_dirty = true;
        self.reload_shapes();
    }

    /// The stored link `text` gives `shape`, or why it cannot have it.
    fn link_for(&self, shape: &Shape, text: &str) -> Result<Option<String>, String> {
        if self.read_only {
            return Err("This link only lets you view the board.".into());
        }
        if shape.locked {
            return Err("The shape is locked: unlock it to change its link.".into());
        }
        if text.trim().is_empty() {
            return Ok(None);
        }
        match Link::parse(text, &self.board_id).map_err(|e| e.to_string())? {
            Link::Shape(id) if id == shape.id => Err("A shape cannot link to itself.".into()),
            Link::Shape(id) if self.shape(&id).is_none() => {
                Err("The linked shape is not on this board.".into())
            }
            link => Ok(Some(link.to_stored())),
        }
    }

    /// Follows the link of the one selected shape (the panel's Open link).
    pub(super) fn follow_selected_link(&mut self) {
        if let [one] = self.selection.as_slice() {
            let id = one.clone();
            self.follow_link_of(&id);
        }
    }

    /// Follows a shape's link: a web page opens in a new tab (after the engine's call, see
    /// `After::open_url`); a shape is selected and brought into view.
    pub(super) fn follow_link_of(&mut self, id: &str) {
        let Some(link) = self
            .shape(id)
            .and_then(|s| s.link.as_deref())
            .and_then(Link::stored)
        else {
            return;
        };
        match link {
            Link::Url(url) => self.after.open_url = Some(url),
            Link::Shape(target) if self.shape(&target).is_some() => {
                self.selection.clear();
                self.select(vec![target.clone()]);
                self.centre_on(&target);
                self.after.focus_canvas = true;
            }
            Link::Shape(_) => {
                self.after.view.notice = Some("The linked shape is no longer on this board.".into())
            }
        }
    }

    /// Once the shape the page's address names is on the board (and the canvas has a size):
    /// selects it and brings it into view, once.
    pub(super) fn arrive(&mut self) {
        let Some(id) = self.arrival.as_deref() else {
            return;
        };
        if self.shape(id).is_none() || self.size.width <= 0.0 {
            return;
        }
        let id = id.to_owned();
        self.arrival = None;
        self.selection.clear();
        self.select(vec![id.clone()]);
        self.centre_on(&id);
    }

    /// The shape whose link badge is under a screen point (the top-most).
    pub(super) fn badge_at(&self, screen: Point) -> Option<String> {
        self.shapes
            .iter()
            .rev()
            .filter(|s| s.link.is_some())
            .find(|s| render::link_badge(s, &self.viewport).is_some_and(|r| r.contains(screen)))
            .map(|s| s.id.clone())
    }

    /// `Ctrl+K`: the link field, when one shape is selected (and the panel shows).
    pub(super) fn focus_link(&mut self) -> bool {
        let one = self.selection.len() == 1 && !self.read_only;
        self.after.view.focus_link = one;
        one
    }

    /// Tells the panel the selection's lock and link when they change.
    pub(super) fn publish_selection_info(&mut self) {
        let selected: Vec<&Shape> = self
            .selection
            .iter()
            .filter_map(|id| self.shape(id))
            .collect();
        let single = match selected.as_slice() {
            [one] => Some(*one),
            _ => None,
        };
        let link = single
            .and_then(|s| s.link.as_deref())
            .and_then(Link::stored);
        let info = SelectionInfo {
            single: single.map(|s| s.id.clone()),
            link: link.as_ref().map(Link::text).unwrap_or_default(),
            link_to_shape: matches!(link, Some(Link::Shape(_))),
            locked: !selected.is_empty() && selected.iter().all(|s| s.locked),
        };
        if info != self.shown_selection_info {
            self.shown_selection_info = info.clone();
            self.after.view.selection_info = Some(info);
        }
    }
}
