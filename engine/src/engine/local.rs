//! This device's copy of the board ([`crate::offline`]): painting it before the connection,
//! keeping every local update until the server confirms it, rewriting the whole document a few
//! seconds after changes, and the count of changes saved only on this device.
//!
//! An update the server confirmed stays in the device's copy until a whole document holding it
//! is written, so a reload between the two finds it in one or the other.

use board::protocol;
use yrs::{ReadTxn, StateVector, Transact};

use super::{now, warn, Engine};
use crate::offline::{self, LocalUpdate, Stored};

/// The whole document is written this long after the last change.
const SAVE_AFTER_MS: f64 = 2_000.0;

#[derive(Default)]
pub(super) struct LocalCopy {
    last_tag: u64,
    /// The change (undo step) the next update belongs to; 0: it starts a new one.
    group: u64,
    /// The document changed since it was last written, at this time.
    dirty_since: Option<f64>,
    saving: bool,
    /// Confirmed updates to delete once a written document holds them.
    confirmed: Vec<u64>,
    /// A storage failure was shown; not again.
    failure_shown: bool,
    shown_unsent: Option<usize>,
}

impl Engine {
    /// The whole board, read over HTTP before the connection opens (a board this device had
    /// no copy of): applied like a copy, and kept on this device.
    pub fn apply_fetched_state(&mut self, state: &[u8]) {
        if let Err(e) = self.board.apply_remote(state, "restore") {
            warn(&format!("the board as fetched was not usable: {e}"));
            return;
        }
        self.doc_dirty = true;
        self.local_changed();
        self.request_frame();
    }

    /// Applies what this device held of the board (before the connection, or, if storage was
    /// slow, after it: then the restored changes are sent as updates).
    pub fn restore(&mut self, stored: Stored) {
        if let Some(state) = &stored.state {
            if let Err(e) = self.board.apply_remote(state, "restore") {
                warn(&format!(
                    "this device's copy of the board was not usable: {e}"
                ));
            }
        }
        for local in &stored.local {
            self.local.last_tag = self.local.last_tag.max(local.tag);
            if let Err(e) = self.board.apply_remote(&local.update, "restore") {
                warn(&format!("a change kept on this device was not usable: {e}"));
                continue;
            }
            if local.confirmed {
                self.local.confirmed.push(local.tag);
                continue;
            }
            self.session
                .track_local(local.tag, local.group, &local.update);
            if self.session.is_open() {
                self.send(&protocol::update(local.update.clone()));
            }
        }
        if stored.state.is_some() || !stored.local.is_empty() {
            self.doc_dirty = true;
            self.request_frame();
        }
        self.show_unsent();
    }

    /// The next local update starts a new change.
    pub(super) fn new_local_group(&mut self) {
        self.local.group = 0;
    }

    /// Keeps a local update on this device until the server confirms it.
    pub(super) fn keep_local(&mut self, update: &[u8]) {
        let tag = (now() as u64 * 1_000).max(self.local.last_tag + 1);
        self.local.last_tag = tag;
        if self.local.group == 0 {
            self.local.group = tag;
        }
        let local = LocalUpdate {
            tag,
            group: self.local.group,
            update: update.to_vec(),
            confirmed: false,
        };
        self.session.track_local(tag, local.group, update);
        self.local_changed();
        self.show_unsent();
        self.write_local(move |board| async move { offline::keep_local(&board, &local).await });
    }

    /// Runs one write to this device's copy of the board in the background; a failure is
    /// shown once.
    fn write_local<F>(&self, write: impl FnOnce(String) -> F + 'static)
    where
        F: std::future::Future<Output = Result<(), String>> + 'static,
    {
        let board = self.board_id.clone();
        let me = self.me.clone();
        wasm_bindgen_futures::spawn_local(async move {
            if let Err(message) = write(board).await {
                if let Some(client) = me.upgrade() {
                    client.run(|e| e.local_failed(message));
                }
            }
        });
    }

    /// The document changed (here or elsewhere): write it again soon.
    pub(super) fn local_changed(&mut self) {
        self.local.dirty_since.get_or_insert_with(now);
    }

    /// The server confirmed these updates.
    pub(super) fn local_confirmed(&mut self, tags: Vec<u64>) {
        if tags.is_empty() {
            return;
        }
        self.local.confirmed.extend_from_slice(&tags);
        self.local_changed();
        self.show_unsent();
        self.write_local(move |board| async move { offline::mark_confirmed(&board, &tags).await });
    }

    /// Writes the whole document when it is due (from the heartbeat), or now with `force`.
    pub(super) fn save_local(&mut self, force: bool) {
        let Some(since) = self.local.dirty_since else {
            return;
        };
        if self.local.saving || (!force && now() - since < SAVE_AFTER_MS) {
            return;
        }
        let Ok(txn) = self.board.doc().try_transact() else {
            return;
        };
        let state = txn.encode_state_as_update_v1(&StateVector::default());
        drop(txn);
        self.local.dirty_since = None;
        self.local.saving = true;
        let confirmed = std::mem::take(&mut self.local.confirmed);
        let board = self.board_id.clone();
        let me = self.me.clone();
        wasm_bindgen_futures::spawn_local(async move {
            let mut result = offline::save_state(&board, &state).await;
            if result.is_ok() && !confirmed.is_empty() {
                result = offline::forget_confirmed(&board, &confirmed).await;
            }
            if let Some(client) = me.upgrade() {
                client.run(|e| {
                    e.local.saving = false;
                    if let Err(message) = result {
                        e.local.confirmed.extend(confirmed);
                        e.local_failed(message);
                    }
                });
            }
        });
    }

    fn local_failed(&mut self, message: String) {
        warn(&message);
        if !self.local.failure_shown {
            self.local.failure_shown = true;
            self.after.view.notice = Some(message);
        }
    }

    /// Tells the page how many changes are saved only on this device.
    fn show_unsent(&mut self) {
        let unsent = self.session.unsent();
        if self.local.shown_unsent != Some(unsent) {
            self.local.shown_unsent = Some(unsent);
            self.after.view.unsent = Some(unsent);
        }
    }
}
