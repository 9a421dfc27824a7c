//! Frames in the editor: what moves, copies and deletes along with a selected frame, which
//! frame shapes belong to after an edit, and a frame's name as a place to click.
//!
//! The rules themselves (membership by centre, the name's box) are `board::frame`; this file
//! applies them to the engine's shapes and writes membership changes into the undo step of the
//! edit that caused them, so one undo takes back both.

use board::{Point, Shape, ShapeKind};

use super::Engine;

impl Engine {
    /// The selected shapes plus the shapes in any selected frame, in paint order.
    pub(super) fn selected_with_children(&self) -> Vec<Shape> {
        let mut ids = self.selection.clone();
        let frames: Vec<&str> = self
            .selection
            .iter()
            .filter_map(|id| self.shape(id))
            .filter(|s| s.kind == ShapeKind::Frame)
            .map(|s| s.id.as_str())
            .collect();
        for child in board::frame::children(&self.shapes, &frames) {
            if !ids.contains(&child) {
                ids.push(child);
            }
        }
        let mut found: Vec<usize> = ids
            .iter()
            .filter_map(|id| self.positions.get(id).copied())
            .collect();
        found.sort_unstable();
        found.into_iter().map(|i| self.shapes[i].clone()).collect()
    }

    /// What a move, nudge or delete of the selection changes: the selected shapes and those in
    /// selected frames, less the locked ones.
    pub(super) fn editable_with_children(&self) -> Vec<Shape> {
        board::lock::editable(self.selected_with_children())
    }

    /// After `ids` were drawn, moved, pasted or resized: shapes join the frame they now sit in
    /// and leave the one they left (a changed frame takes in and lets go), in the current undo
    /// step.
    pub(super) fn reframe(&mut self, ids: &[String]) {
        if ids.is_empty() || self.read_only {
            return;
        }
        self.doc_dirty = true;
        self.reload_shapes();
        let changes = board::frame::reassign(&self.shapes, ids);
        if changes.is_empty() {
            return;
        }
        self.change_in_step(|txn, b| {
            for (id, frame) in &changes {
                b.set(txn, id, "frame", frame.as_deref().map(Into::into));
            }
        });
        self.doc_dirty = true;
        self.reload_shapes();
    }

    /// The top-most frame whose name is drawn at a board point.
    pub(super) fn frame_name_at(&self, at: Point) -> Option<&Shape> {
        let zoom = self.viewport.zoom;
        self.shapes
            .iter()
            .rev()
            .filter(|s| s.kind == ShapeKind::Frame)
            .find(|f| board::frame::name_box(f, zoom).contains(at))
    }
}
