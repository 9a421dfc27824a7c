//! The board as a whole scene: what an export draws (all shapes or the selection, with the
//! title), imported shapes placed as one undoable change, a version of the board previewed
//! read-only on the canvas, and a version restored as one change of ours (so we can undo it).

use std::collections::HashMap;

use board::{Shape, ShapeKind};

use super::Engine;
use crate::engine::commands::safe_image_src;

/// What an export needs from the engine.
pub struct ExportScene {
    pub shapes: Vec<Shape>,
    pub title: Option<String>,
    pub board_id: String,
    pub key: Option<String>,
}

impl Engine {
    /// The shapes to export (the selection, or everything when asked or nothing is selected),
    /// in paint order.
    pub fn export_scene(&mut self, selection_only: bool) -> ExportScene {
        self.refresh();
        let shapes = if selection_only && !self.selection.is_empty() {
            self.selected_shapes()
        } else {
            self.preview.clone().unwrap_or_else(|| self.shapes.clone())
        };
        ExportScene {
            shapes,
            title: self.board.title(),
            board_id: self.board_id.clone(),
            key: self.key.clone(),
        }
    }

    /// Tells the page the board's title when it changed.
    pub(super) fn refresh_title(&mut self) {
        let title = self.board.title().unwrap_or_default();
        if title != self.shown_title {
            self.shown_title = title.clone();
            self.after.view.title = Some(title);
        }
    }

    /// The board point imports land on: the view's centre.
    pub fn import_center(&self) -> board::Point {
        self.view_center()
    }

    /// Adds shapes placed by `board::file::place` (fresh ids, keys above `top_index`) as one
    /// undoable change, and selects them.
    pub fn insert_scene(&mut self, shapes: Vec<Shape>) {
        if shapes.is_empty() || !self.may_edit() {
            return;
        }
        let shapes: Vec<Shape> = shapes
            .into_iter()
            .filter(|s| s.kind != ShapeKind::Image || s.src.as_deref().is_some_and(safe_image_src))
            .collect();
        let ids: Vec<String> = shapes.iter().map(|s| s.id.clone()).collect();
        self.change(|txn, b| {
            for s in &shapes {
                b.put(txn, s);
            }
        });
        self.doc_dirty = true;
        self.reload_shapes();
        self.reframe(&ids);
        self.selection.clear();
        self.select(ids);
        self.request_frame();
    }

    /// The key above every shape on the board (imports go on top).
    pub fn top_index(&self) -> Option<String> {
        self.shapes.iter().map(|s| s.index.clone()).max()
    }

    /// Shows `shapes` (a version) instead of the board, read-only, until called with `None`.
    pub fn set_preview(&mut self, shapes: Option<Vec<Shape>>) {
        match shapes {
            Some(mut shapes) => {
                if self.preview.is_none() {
                    self.read_only_before_preview = self.read_only;
                }
                board::edit::resolve_bindings(&mut shapes);
                self.read_only = true;
                self.selection.clear();
                self.set_shapes(shapes.clone());
                self.preview = Some(shapes);
                self.publish_selection();
            }
            None => {
                if self.preview.take().is_some() {
                    self.read_only = self.read_only_before_preview;
                    if let Ok(mut log) = self.changes.lock() {
                        log.all = true;
                    }
                    self.doc_dirty = true;
                    self.reload_shapes();
                }
            }
        }
        self.request_frame();
    }

    /// Makes the board hold exactly `shapes` (a version), as one change of ours: shapes it
    /// lacks are removed, changed ones rewritten, the rest left alone. Returns whether
    /// anything changed.
    pub fn restore_version(&mut self, shapes: Vec<Shape>) -> bool {
        self.set_preview(None);
        if !self.may_edit() {
            return false;
        }
        self.refresh();
        let wanted: HashMap<&str, &Shape> = shapes.iter().map(|s| (s.id.as_str(), s)).collect();
        let current: HashMap<&str, &Shape> =
            self.shapes.iter().map(|s| (s.id.as_str(), s)).collect();
        let gone: Vec<String> = current
            .keys()
            .filter(|id| !wanted.contains_key(*id))
            .map(|id| (*id).to_owned())
            .collect();
        let changed: Vec<Shape> = shapes
            .iter()
            .filter(|s| current.get(s.id.as_str()).is_none_or(|c| !same(c, s)))
            .cloned()
            .collect();
        if gone.is_empty() && changed.is_empty() {
            return false;
        }
        self.selection.clear();
        self.change(|txn, b| {
            for id in &gone {
                b.remove(txn, id);
            }
            for s in &changed {
                b.put(txn, s);
            }
        });
        self.doc_dirty = true;
        self.reload_shapes();
        self.request_frame();
        true
    }
}

/// Equal as stored (the engine's copy has arrow ends resolved to their shapes; compare the
/// stored fields, not derived geometry, except for unbound polylines).
fn same(a: &Shape, b: &Shape) -> bool {
    if a.start_bind.is_some() || a.end_bind.is_some() {
        Shape {
            points: Vec::new(),
            x: 0.0,
            y: 0.0,
            w: 0.0,
            h: 0.0,
            ..a.clone()
        } == Shape {
            points: Vec::new(),
            x: 0.0,
            y: 0.0,
            w: 0.0,
            h: 0.0,
            ..b.clone()
        }
    } else {
        a == b
    }
}
