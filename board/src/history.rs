//! Undo and redo of one person's own changes to the shapes and the board's library.
//!
//! A [`History`] records only the transactions made with the local origin
//! ([`LOCAL_ORIGIN`]): changes that arrive from other people are never undone. Steps are
//! delimited explicitly with [`History::new_step`] (one gesture, such as a whole drag, is one
//! step), not by time.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use yrs::undo::{Options, UndoManager};
use yrs::{ReadTxn, StateVector, Transact};

use crate::layout::{BoardDoc, LayoutError};

/// The transaction origin of this person's own edits (see [`BoardDoc::change`]).
pub const LOCAL_ORIGIN: &str = "local";

/// The undo and redo stacks of this person's changes to the board's shapes.
pub struct History {
    board: BoardDoc,
    manager: UndoManager<()>,
}

impl History {
    /// Starts an empty history of `board`. `clock` returns milliseconds (the browser has no
    /// system clock); it is made monotonic here.
    pub fn new(board: &BoardDoc, clock: impl Fn() -> u64 + Send + Sync + 'static) -> Self {
        let last = AtomicU64::new(1);
        let monotonic = move || {
            let t = clock().max(1);
            last.fetch_max(t, Ordering::Relaxed).max(t)
        };
        let mut options = Options {
            // Steps end only at `new_step`: a drag of any length stays one step.
            capture_timeout_millis: u64::MAX,
            tracked_origins: Default::default(),
            capture_transaction: None,
            timestamp: Arc::new(monotonic),
            init_undo_stack: Vec::new(),
            init_redo_stack: Vec::new(),
        };
        options.tracked_origins.insert(LOCAL_ORIGIN.into());
        let mut manager = UndoManager::with_options(options);
        manager.expand_scope(board.doc(), board.shapes_map());
        manager.expand_scope(board.doc(), board.library_map());
        Self {
            board: board.clone(),
            manager,
        }
    }

    /// The next local change starts a new undo step instead of joining the last one.
    pub fn new_step(&mut self) {
        self.manager.reset();
    }

    pub fn can_undo(&self) -> bool {
        self.manager.can_undo()
    }

    pub fn can_redo(&self) -> bool {
        self.manager.can_redo()
    }

    /// Undoes the last step. Returns the v1 update to send to others, or `None` when nothing
    /// changed.
    pub fn undo(&mut self) -> Result<Option<Vec<u8>>, LayoutError> {
        self.apply(true)
    }

    /// Redoes the last undone step. Returns the v1 update to send, or `None`.
    pub fn redo(&mut self) -> Result<Option<Vec<u8>>, LayoutError> {
        self.apply(false)
    }

    fn apply(&mut self, undo: bool) -> Result<Option<Vec<u8>>, LayoutError> {
        // The manager's own transaction blocks (or panics in the browser) when another is open.
        let before: StateVector = {
            let txn = self
                .board
                .doc()
                .try_transact()
                .map_err(|_| LayoutError::Busy)?;
            txn.state_vector()
        };
        let changed = if undo {
            self.manager.undo_blocking()
        } else {
            self.manager.redo_blocking()
        };
        // Later local changes must not join the step that was just undone or redone.
        self.manager.reset();
        if !changed {
            return Ok(None);
        }
        let txn = self
            .board
            .doc()
            .try_transact()
            .map_err(|_| LayoutError::Busy)?;
        Ok(Some(txn.encode_state_as_update_v1(&before)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::shape::{Shape, ShapeKind, Style};
    use yrs::Doc;

    fn rect(id: &str, x: f64) -> Shape {
        Shape {
            id: id.into(),
            kind: ShapeKind::Rectangle,
            x,
            y: 20.0,
            w: 30.0,
            h: 40.0,
            style: Style::default(),
            index: format!("a{id}"),
            ..Shape::default()
        }
    }

    fn ids(board: &BoardDoc) -> Vec<String> {
        board.shapes().unwrap().into_iter().map(|s| s.id).collect()
    }

    fn local(board: &BoardDoc, f: impl FnOnce(&mut yrs::TransactionMut, &BoardDoc)) -> Vec<u8> {
        board.change(LOCAL_ORIGIN, f).unwrap().1
    }

    fn pair() -> (BoardDoc, BoardDoc) {
        (
            BoardDoc::new(Doc::with_client_id(1)),
            BoardDoc::new(Doc::with_client_id(2)),
        )
    }

    #[test]
    fn undo_and_redo_reach_the_other_person() {
        let (alice, bob) = pair();
        let mut history = History::new(&alice, || 5);
        assert!(!history.can_undo());
        let update = local(&alice, |t, b| b.put(t, &rect("r", 10.0)));
        bob.apply_remote(&update, "remote").unwrap();
        assert!(history.can_undo());

        let update = history.undo().unwrap().expect("a change");
        assert!(ids(&alice).is_empty());
        assert!(!history.can_undo() && history.can_redo());
        bob.apply_remote(&update, "remote").unwrap();
        assert!(ids(&bob).is_empty());

        let update = history.redo().unwrap().expect("a change");
        assert_eq!(ids(&alice), ["r"]);
        bob.apply_remote(&update, "remote").unwrap();
        assert_eq!(ids(&bob), ["r"]);
        assert!(history.can_undo() && !history.can_redo());
    }

    #[test]
    fn other_peoples_changes_are_never_undone() {
        let (alice, bob) = pair();
        let mut history = History::new(&alice, || 5);
        let update = local(&bob, |t, b| b.put(t, &rect("bob", 10.0)));
        alice.apply_remote(&update, "remote").unwrap();
        assert!(!history.can_undo());
        assert_eq!(history.undo().unwrap(), None);

        history.new_step();
        local(&alice, |t, b| b.put(t, &rect("alice", 10.0)));
        history.undo().unwrap().expect("a change");
        assert_eq!(ids(&alice), ["bob"]);
    }

    #[test]
    fn a_step_groups_every_change_until_the_next_step() {
        let (alice, _) = pair();
        let mut history = History::new(&alice, || 5);
        history.new_step();
        local(&alice, |t, b| b.put(t, &rect("r", 10.0)));
        history.new_step();
        for x in [20.0, 30.0, 40.0] {
            local(&alice, |t, b| {
                b.set_position(t, "r", x, 0.0);
            });
        }
        history.undo().unwrap().expect("a change");
        assert_eq!(alice.shapes().unwrap()[0].x, 10.0);
        history.undo().unwrap().expect("a change");
        assert!(ids(&alice).is_empty());
        assert!(!history.can_undo());
    }

    #[test]
    fn a_new_change_clears_the_redo_stack() {
        let (alice, _) = pair();
        let mut history = History::new(&alice, || 5);
        local(&alice, |t, b| b.put(t, &rect("a", 10.0)));
        history.undo().unwrap();
        assert!(history.can_redo());
        history.new_step();
        local(&alice, |t, b| b.put(t, &rect("b", 10.0)));
        assert!(!history.can_redo());
    }

    #[test]
    fn a_clock_going_backwards_does_not_break_the_history() {
        let (alice, _) = pair();
        let ticks = AtomicU64::new(1_000);
        let mut history = History::new(&alice, move || ticks.fetch_sub(100, Ordering::Relaxed));
        local(&alice, |t, b| b.put(t, &rect("a", 10.0)));
        local(&alice, |t, b| b.put(t, &rect("b", 10.0)));
        history.undo().unwrap().expect("a change");
        assert!(ids(&alice).is_empty());
    }
}
