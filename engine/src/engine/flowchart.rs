//! Flowchart keys: `Ctrl+Arrow` on a selected box adds a connected copy in that direction.
//!
//! Where the copy goes is `board::flow`. Each press is one undo step (the node and its bound
//! arrow together). While `Ctrl` stays down the source stays selected, so further presses
//! branch from it; releasing `Ctrl` selects the node made last, so the next presses continue
//! the chain from there (as in Excalidraw).

use board::flow::{self, Direction};
use board::{Shape, ShapeKind, Style};

use super::Engine;
use crate::random;

impl Engine {
    /// `Ctrl+Arrow`: true when a node was added (the key is then used).
    pub(super) fn flow_key(&mut self, dir: Direction) -> bool {
        let selected = self.selected_shapes();
        let [from] = selected.as_slice() else {
            return false;
        };
        let from = from.clone();
        if self.read_only || !flow::is_node(from.kind) {
            return false;
        }
        let rect = flow::next_node(&self.shapes, &from, dir);
        let node = Shape {
            text: String::new(),
            rotation: 0.0,
            group: None,
            ..Shape::boxed(
                random::shape_id(),
                from.kind,
                rect,
                from.style.clone(),
                String::new(),
            )
        };
        let arrow_style = Style {
            fill: None,
            ..from.style.clone()
        };
        let arrow = Shape {
            start_bind: Some(from.id.clone()),
            end_bind: Some(node.id.clone()),
            ..Shape::polyline(
                random::shape_id(),
                ShapeKind::Arrow,
                String::new(),
                arrow_style,
                &[(from.center(), 0.5), (node.center(), 0.5)],
            )
        };
        let id = node.id.clone();
        self.change(|txn, b| {
            let key = b.next_index(txn);
            let after = board::order::key_after(Some(&key));
            // The arrow under the node, so its head never covers the node's label.
            b.put(
                txn,
                &Shape {
                    index: key,
                    ..arrow
                },
            );
            b.put(
                txn,
                &Shape {
                    index: after,
                    ..node
                },
            );
        });
        self.doc_dirty = true;
        self.reload_shapes();
        self.reframe(std::slice::from_ref(&id));
        self.flow_made = Some(id);
        self.reveal(&rect);
        true
    }

    /// `Ctrl` went up: the node made last becomes the selection, in view.
    pub(super) fn flow_done(&mut self) {
        if let Some(id) = self.flow_made.take() {
            if self.shape(&id).is_some() {
                self.selection.clear();
                self.select(vec![id]);
                self.reveal_selection();
            }
        }
    }
}
