//! The document and the selection: local changes as undo steps, undo and redo, re-reading
//! shapes after changes, and what the page is told about the shapes and the selection.

use std::collections::HashSet;

use board::history::LOCAL_ORIGIN;
use board::layout::ChangeLog;
use board::spatial::SpatialIndex;
use board::{BoardDoc, Shape};
use wasm_bindgen::JsCast;
use yrs::{Transact, TransactionMut};

use super::{now, warn, Engine, ITEMS_THROTTLE_MS};
use crate::tools::{self, Gesture};
use crate::view::{HistoryAction, ShapeItem, StyleMix};

impl Engine {
    /// Runs one local change as a new undo step and sends its update when connected.
    pub(super) fn change<R>(
        &mut self,
        f: impl FnOnce(&mut TransactionMut, &BoardDoc) -> R,
    ) -> Option<R> {
        self.new_step();
        self.change_in_step(f)
    }

    /// The next local change starts a new undo step.
    pub(super) fn new_step(&mut self) {
        self.history.new_step();
        self.new_local_group();
        self.step_key = None;
    }

    /// Runs one local change that joins the last one when both carry the same `key` and
    /// nothing else changed in between (the arrow-key presses of one slider adjustment); a new
    /// undo step otherwise.
    pub(super) fn change_joining<R>(
        &mut self,
        key: String,
        f: impl FnOnce(&mut TransactionMut, &BoardDoc) -> R,
    ) -> Option<R> {
        if self.step_key.as_ref() == Some(&key) {
            return self.change_in_step(f);
        }
        let result = self.change(f);
        self.step_key = Some(key);
        result
    }

    /// Runs one local change that joins the current undo step (the rest of a drag).
    pub(super) fn change_in_step<R>(
        &mut self,
        f: impl FnOnce(&mut TransactionMut, &BoardDoc) -> R,
    ) -> Option<R> {
        if self.read_only {
            return None;
        }
        match self.board.change(LOCAL_ORIGIN, f) {
            Ok((result, update)) => {
                if !update.is_empty() {
                    self.sent_local(update);
                }
                self.refresh_history();
                Some(result)
            }
            Err(e) => {
                warn(&format!("local change failed: {e}"));
                None
            }
        }
    }

    /// Sends a local update when connected and redraws.
    pub(super) fn sent_local(&mut self, update: Vec<u8>) {
        self.keep_local(&update);
        if let Some(frame) = self.session.local_update(update) {
            self.send(&frame);
        }
        self.doc_dirty = true;
        self.request_frame();
    }

    pub(super) fn refresh_history(&mut self) {
        let state = (self.history.can_undo(), self.history.can_redo());
        if state != self.shown_history {
            self.shown_history = state;
            self.after.view.history = Some(state);
        }
    }

    /// Undoes or redoes one step of our own changes; others' changes stay.
    pub fn history(&mut self, action: HistoryAction) {
        if self.gesture != Gesture::Idle {
            return;
        }
        self.step_key = None;
        if self.read_only {
            return;
        }
        self.new_local_group();
        let result = match action {
            HistoryAction::Undo => self.history.undo(),
            HistoryAction::Redo => self.history.redo(),
        };
        match result {
            Ok(Some(update)) => self.sent_local(update),
            Ok(None) => {}
            Err(e) => warn(&format!("undo or redo failed: {e}")),
        }
        self.refresh_history();
    }

    /// Re-reads every shape from the document (after any change, once per frame).
    pub(super) fn reload_shapes(&mut self) {
        if self.preview.is_some() {
            // A version is shown: the board's changes wait until the preview ends.
            return;
        }
        let log = match self.changes.lock() {
            Ok(mut log) => std::mem::take(&mut *log),
            Err(_) => ChangeLog {
                all: true,
                ..ChangeLog::default()
            },
        };
        // A few changed shapes on a big board are re-read alone; anything larger re-reads all.
        let few = !log.all && !self.shapes.is_empty() && log.ids.len() <= self.shapes.len() / 8;
        if !(few && self.reread(&log.ids)) {
            match self.board.shapes() {
                Ok(mut shapes) => {
                    board::edit::resolve_bindings(&mut shapes);
                    self.set_shapes(shapes);
                }
                Err(e) => {
                    warn(&format!("cannot read the shapes: {e}"));
                    return;
                }
            }
        }
        self.doc_dirty = false;
        let before = self.selection.len();
        let positions = &self.positions;
        self.selection.retain(|id| positions.contains_key(id));
        if self.selection.len() != before && self.gesture.edits() {
            // Someone deleted a shape being dragged.
            self.gesture = Gesture::Idle;
            self.update_cursor();
        }
        if let Some(minimap) = &mut self.minimap {
            minimap.invalidate();
        }
        self.publish_selection();
        // The title and the slides are published from here, not from the frame that follows:
        // a local change re-reads at once and clears `doc_dirty`, so the frame would not see it.
        self.refresh_title();
        self.publish_slides();
        self.arrive();
    }

    /// Re-reads only the shapes in `ids` (added, edited or removed); false when the document
    /// is busy (the caller re-reads everything).
    pub(super) fn reread(&mut self, ids: &HashSet<String>) -> bool {
        let Ok(txn) = self.board.doc().try_transact() else {
            return false;
        };
        let mut shapes = std::mem::take(&mut self.shapes);
        let mut removed = HashSet::new();
        let mut reorder = false;
        for id in ids {
            match (self.positions.get(id), self.board.shape(&txn, id)) {
                (Some(&i), Some(shape)) => {
                    reorder |= shapes[i].index != shape.index;
                    shapes[i] = shape;
                }
                (Some(_), None) => {
                    removed.insert(id.as_str());
                    reorder = true;
                }
                (None, Some(shape)) => {
                    shapes.push(shape);
                    reorder = true;
                }
                (None, None) => {}
            }
        }
        drop(txn);
        if reorder {
            shapes.retain(|s| !removed.contains(s.id.as_str()));
            shapes.sort_by(|a, b| a.index.cmp(&b.index).then_with(|| a.id.cmp(&b.id)));
        }
        board::edit::resolve_bindings(&mut shapes);
        self.set_shapes(shapes);
        true
    }

    /// Re-reads the shapes now if the document changed since the last frame, so commands act on
    /// what is in the document (two key presses can arrive between frames).
    pub(super) fn refresh(&mut self) {
        if self.doc_dirty {
            self.reload_shapes();
        }
    }

    pub(super) fn set_shapes(&mut self, shapes: Vec<Shape>) {
        self.items_stale = true;
        self.positions = shapes
            .iter()
            .enumerate()
            .map(|(i, s)| (s.id.clone(), i))
            .collect();
        self.index = SpatialIndex::build(&shapes);
        self.shapes = shapes;
    }

    /// Shows shapes changed by a running gesture at once, without re-reading the document
    /// (the writes that carry them are already sent).
    pub(super) fn patch_shapes(&mut self, changed: &[Shape]) {
        let mut shapes = std::mem::take(&mut self.shapes);
        for shape in changed {
            if let Some(&i) = self.positions.get(&shape.id) {
                shapes[i] = shape.clone();
            }
        }
        board::edit::resolve_bindings(&mut shapes);
        self.set_shapes(shapes);
        self.doc_dirty = false;
        if let Some(minimap) = &mut self.minimap {
            minimap.invalidate();
        }
    }

    pub(super) fn shape(&self, id: &str) -> Option<&Shape> {
        self.positions.get(id).map(|&i| &self.shapes[i])
    }

    /// The selected shapes that edits may change (the unlocked ones), in paint order.
    pub(super) fn editable_selection(&self) -> Vec<Shape> {
        board::lock::editable(self.selected_shapes())
    }

    /// The selected shapes, in paint order.
    pub(super) fn selected_shapes(&self) -> Vec<Shape> {
        let mut found: Vec<usize> = self
            .selection
            .iter()
            .filter_map(|id| self.positions.get(id).copied())
            .collect();
        found.sort_unstable();
        found.into_iter().map(|i| self.shapes[i].clone()).collect()
    }

    /// Publishes the shape list, the selection count and the style panel's values.
    pub(super) fn publish_selection(&mut self) {
        if self.items_stale {
            // Labels are rebuilt at most every ITEMS_THROTTLE_MS while shapes keep changing
            // (a collaborator dragging on a big board); the heartbeat catches up.
            let wait = ITEMS_THROTTLE_MS - (now() - self.items_at);
            if wait <= 0.0 {
                self.publish_items();
            } else if self.items_timer.is_none() {
                self.items_timer = self
                    .window
                    .set_timeout_with_callback_and_timeout_and_arguments_0(
                        self.callbacks.items.as_ref().unchecked_ref(),
                        wait.ceil() as i32,
                    )
                    .ok();
            }
        } else {
            let selection = &self.selection;
            let items: Vec<ShapeItem> = self
                .shown_items
                .iter()
                .map(|item| ShapeItem {
                    selected: selection.contains(&item.id),
                    ..item.clone()
                })
                .collect();
            if items != self.shown_items {
                self.shown_items = items.clone();
                self.after.view.shapes = Some(items);
            }
        }
        if self.selection.len() != self.shown_selected {
            self.shown_selected = self.selection.len();
            self.after.view.selected = Some(self.shown_selected);
        }
        let style = self
            .selection
            .first()
            .and_then(|id| self.shape(id))
            .map_or_else(|| self.style.clone(), |s| s.style.clone());
        if style != self.shown_style {
            self.shown_style = style.clone();
            self.after.view.style = Some(style);
        }
        let mix = StyleMix::of(self.selection.iter().filter_map(|id| self.shape(id)));
        if mix != self.shown_mix {
            self.shown_mix = mix;
            self.after.view.style_mix = Some(mix);
        }
        self.publish_selection_info();
    }

    /// The shape list's throttle timer fired.
    pub fn items_due(&mut self) {
        self.items_timer = None;
        self.refresh();
        if self.items_stale {
            self.publish_items();
        }
    }

    /// Rebuilds the shape list from the shapes.
    pub(super) fn publish_items(&mut self) {
        self.items_stale = false;
        self.items_at = now();
        // What others do with the shapes, for screen readers too.
        let (mut writers, mut selectors) = (Vec::new(), Vec::new());
        for p in &self.peers {
            if let Some(id) = &p.editing {
                writers.push((id.clone(), p.name.clone()));
            }
            for id in &p.selection {
                selectors.push((id.clone(), p.name.clone()));
            }
        }
        self.refind();
        let items = tools::shape_items(&self.shapes, &self.selection, &writers, &selectors);
        if items != self.shown_items {
            self.shown_items = items.clone();
            self.after.view.shapes = Some(items);
        }
    }

    /// Replaces the selection; shapes in a group bring the whole group.
    pub(super) fn select(&mut self, ids: Vec<String>) {
        let ids = self.with_groups(ids);
        if ids != self.selection {
            self.selection = ids;
            self.publish_selection();
            // Others outline what we select.
            self.schedule_presence();
            self.request_frame();
        }
    }

    /// `ids` plus every shape sharing a group with one of them, without repeats.
    pub(super) fn with_groups(&self, ids: Vec<String>) -> Vec<String> {
        let groups: Vec<&str> = ids
            .iter()
            .filter_map(|id| self.shape(id)?.group.as_deref())
            .collect();
        let mut out = ids.clone();
        if !groups.is_empty() {
            for s in &self.shapes {
                if s.group.as_deref().is_some_and(|g| groups.contains(&g)) && !out.contains(&s.id) {
                    out.push(s.id.clone());
                }
            }
        }
        out.dedup();
        out
    }
}
