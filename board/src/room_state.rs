//! The sans-IO half of a server room: one board's document and awareness, and what each
//! y-websocket message does to them. Bytes in, [`Effect`]s out; the server's room task does the
//! IO (storage, sockets) and the fuzz target drives this directly.
//!
//! The effects of one batch must be carried out in this order: every [`Effect::Persist`] made
//! durable first, then the frames sent in the order given. That is what makes "no peer sees an
//! update that is not on disk" hold.

use std::collections::{HashMap, HashSet};
use std::hash::Hash;

use yrs::sync::{Awareness, Message, SyncMessage};
use yrs::updates::decoder::Decode;
use yrs::updates::encoder::Encode;
use yrs::{ClientID, ReadTxn, StateVector, Transact, Update, WriteTxn};

use crate::protocol::{self, Frame};

/// Why the room closes a connection.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    /// The update does not decode or apply (close 1007).
    InvalidUpdate,
    /// The update would take the board past its size limit (close 1008).
    BoardFull,
}

/// The outcome of applying one update.
struct Applied {
    /// The part of the update that changed the document (what to store and relay), if any.
    integrated: Option<Vec<u8>>,
    /// Parts depended on updates the room lacks; they were dropped and must be asked for.
    missing: bool,
}

/// What the IO layer must do after a message.
#[derive(Debug, Clone, PartialEq)]
pub enum Effect<C> {
    /// Store this v1 update durably (before any frame of the same batch is sent).
    Persist(Vec<u8>),
    /// Send a frame to one connection.
    Reply(C, Frame),
    /// Send a frame to every connection, the sender included.
    Broadcast(Frame),
    /// Close one connection.
    Close(C, Refusal),
}

/// A new, empty document with the options a server room needs: garbage collection off.
///
/// yrs' GC of deleted content, run when a transaction commits, can free items that a later
/// encoding still reads when hostile updates are applied (a use-after-free found by fuzzing:
/// fuzz/README.md). Without GC the server keeps deleted content as tombstones, which Yjs
/// clients collect on their side; it is also what version history needs.
pub fn server_doc() -> yrs::Doc {
    yrs::Doc::with_options(yrs::Options {
        skip_gc: true,
        ..yrs::Options::default()
    })
}

/// A board's live state on the server. `C` identifies a connection.
pub struct RoomState<C> {
    awareness: Awareness,
    /// Awareness client ids each connection announced, removed when it leaves.
    announced: HashMap<C, HashSet<ClientID>>,
    /// Bytes of the board as stored (snapshot + log), checked against `max_bytes`.
    stored_bytes: usize,
    max_bytes: usize,
    /// The sync step 2 for a client with nothing (a page load), kept until the document
    /// changes: every fresh client gets the same answer, and encoding a large board is the
    /// expensive part of a join.
    fresh_step2: Option<Frame>,
}

impl<C: Copy + Eq + Hash> RoomState<C> {
    /// `awareness` owns the (empty) document; `max_bytes` caps the stored size of the board.
    pub fn new(awareness: Awareness, max_bytes: usize) -> Self {
        Self {
            awareness,
            announced: HashMap::new(),
            stored_bytes: 0,
            max_bytes,
            fresh_step2: None,
        }
    }

    /// Applies stored history (snapshot first, then updates in order). Returns how many parts
    /// were skipped because they do not decode or apply.
    pub fn load<'a>(&mut self, parts: impl IntoIterator<Item = &'a [u8]>) -> usize {
        let mut skipped = 0;
        self.fresh_step2 = None;
        let doc = self.awareness.doc().clone();
        let mut txn = doc.transact_mut();
        for bytes in parts {
            self.stored_bytes += bytes.len();
            match Update::decode_v1(bytes) {
                Ok(update) => {
                    if txn.apply_update(update).is_err() {
                        skipped += 1;
                    }
                }
                Err(_) => skipped += 1,
            }
        }
        // Stored history is whole; anything left waiting is dropped as in `apply`.
        let _ = txn.prune_pending();
        skipped
    }

    pub fn awareness(&self) -> &Awareness {
        &self.awareness
    }

    /// The whole document as one v1 update (a snapshot).
    pub fn snapshot(&self) -> Vec<u8> {
        self.awareness
            .doc()
            .transact()
            .encode_state_as_update_v1(&StateVector::default())
    }

    /// After a compaction the stored size is the snapshot's.
    pub fn set_stored_bytes(&mut self, bytes: usize) {
        self.stored_bytes = bytes;
    }

    /// A connection joined: it gets sync step 1 (so it uploads what it has), then the awareness
    /// states the room holds.
    pub fn join(&mut self, conn: C, out: &mut Vec<Effect<C>>) {
        self.announced.insert(conn, HashSet::new());
        let sv = self.awareness.doc().transact().state_vector();
        out.push(Effect::Reply(conn, protocol::sync_step1(&sv)));
        if let Some(frame) = protocol::awareness_frame(&self.awareness) {
            out.push(Effect::Reply(conn, frame));
        }
    }

    /// A connection left: the awareness states it announced are removed, and everyone told.
    pub fn leave(&mut self, conn: C, out: &mut Vec<Effect<C>>) {
        if let Some(clients) = self.announced.remove(&conn) {
            self.remove_awareness(clients, out);
        }
    }

    /// Connections currently in the room.
    pub fn connections(&self) -> usize {
        self.announced.len()
    }

    pub fn handle(&mut self, conn: C, msg: Message, out: &mut Vec<Effect<C>>) {
        if !self.announced.contains_key(&conn) {
            return;
        }
        match msg {
            Message::Sync(SyncMessage::SyncStep1(sv)) => {
                let update = self
                    .awareness
                    .doc()
                    .transact()
                    .encode_state_as_update_v1(&sv);
                out.push(Effect::Reply(conn, protocol::sync_step2(update)));
            }
            Message::Sync(SyncMessage::SyncStep2(bytes) | SyncMessage::Update(bytes)) => {
                if self.stored_bytes.saturating_add(bytes.len()) > self.max_bytes {
                    out.push(Effect::Close(conn, Refusal::BoardFull));
                    return;
                }
                let Ok(Applied {
                    integrated,
                    missing,
                }) = self.apply(bytes)
                else {
                    out.push(Effect::Close(conn, Refusal::InvalidUpdate));
                    return;
                };
                if let Some(update) = integrated {
                    self.stored_bytes += update.len();
                    out.push(Effect::Broadcast(protocol::update(update.clone())));
                    out.push(Effect::Persist(update));
                }
                if missing {
                    // Missing dependencies: ask this peer for everything the room lacks.
                    let sv = self.awareness.doc().transact().state_vector();
                    out.push(Effect::Reply(conn, protocol::sync_step1(&sv)));
                }
            }
            Message::Awareness(update) => {
                let frame = Message::Awareness(update.clone()).encode_v1();
                let clients: Vec<ClientID> = update.clients.keys().copied().collect();
                if self.awareness.apply_update(update).is_ok() {
                    if let Some(announced) = self.announced.get_mut(&conn) {
                        announced.extend(clients);
                    }
                    out.push(Effect::Broadcast(frame));
                }
            }
            Message::AwarenessQuery => {
                if let Some(frame) = protocol::awareness_frame(&self.awareness) {
                    out.push(Effect::Reply(conn, frame));
                }
            }
            // Auth is server-to-client only; custom messages are not part of this protocol.
            Message::Auth(_) | Message::Custom(..) => {}
        }
    }

    /// Applies an update; returns (changed anything, left pending structs).
    /// Applies an update. The room holds nothing back inside yrs: what cannot be integrated
    /// yet (missing dependencies) is dropped and the sender asked for a sync step 1, whose
    /// answer brings it again with what it depends on. yrs' handling of held-back structs is
    /// where fuzzing reached a use-after-free and unencodable state (fuzz/README.md).
    fn apply(&mut self, bytes: Vec<u8>) -> Result<Applied, ()> {
        let update = Update::decode_v1(&bytes).map_err(|_| ())?;
        let doc = self.awareness.doc().clone();
        let mut txn = doc.transact_mut();
        txn.apply_update(update).map_err(|_| ())?;
        let missing = txn.store().pending_update().is_some() || txn.store().pending_ds().is_some();
        if missing {
            let _ = txn.prune_pending();
        }
        let changed = txn.before_state() != txn.after_state() || !txn.delete_set().is_empty();
        if changed {
            self.fresh_step2 = None;
        }
        let integrated = match (changed, missing) {
            (false, _) => None,
            // Only what was integrated is stored and relayed.
            (true, true) => Some(txn.encode_update_v1()),
            (true, false) => Some(bytes),
        };
        Ok(Applied {
            integrated,
            missing,
        })
    }

    /// Removes awareness states not renewed for `timeout_ms` (yrs has no sweep of its own).
    pub fn expire_awareness(&mut self, now_ms: u64, timeout_ms: u64, out: &mut Vec<Effect<C>>) {
        let stale: HashSet<ClientID> = self
            .awareness
            .iter()
            .filter(|(_, s)| {
                s.data.is_some() && now_ms.saturating_sub(s.last_updated) >= timeout_ms
            })
            .map(|(client, _)| client)
            .collect();
        self.remove_awareness(stale, out);
    }

    fn remove_awareness(&mut self, clients: HashSet<ClientID>, out: &mut Vec<Effect<C>>) {
        let removed: Vec<ClientID> = clients
            .into_iter()
            .filter(|c| self.awareness.state::<serde_json::Value>(*c).is_some())
            .collect();
        if removed.is_empty() {
            return;
        }
        for client in &removed {
            self.awareness.remove_state(*client);
        }
        if let Ok(update) = self.awareness.update_with_clients(removed) {
            out.push(Effect::Broadcast(Message::Awareness(update).encode_v1()));
        }
    }
}

/// Drives a room the way the server does, from the `room_messages` fuzz target's input format:
/// repeated `[conn: u8][len: u16 le][frame: len bytes]` from three connections, each frame
/// decoded then handled. A panic inside yrs is treated as the server treats it: the room is
/// dropped and a fresh one takes its place. Shared by the fuzz target and its regression tests.
#[doc(hidden)]
#[cfg(not(target_family = "wasm"))]
pub fn replay_fuzz_input(data: &[u8]) -> RoomState<u8> {
    let fresh = || {
        let mut room = RoomState::new(Awareness::new(server_doc()), 1 << 20);
        let mut out = Vec::new();
        for conn in 0..3u8 {
            room.join(conn, &mut out);
        }
        room
    };
    let mut room = fresh();
    let mut out = Vec::new();
    let mut rest = data;
    while rest.len() >= 3 {
        let conn = rest[0] % 3;
        let len = u16::from_le_bytes([rest[1], rest[2]]) as usize;
        let end = (3 + len).min(rest.len());
        if let Ok(messages) = protocol::decode_frame(&rest[3..end]) {
            let handled = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                for msg in messages {
                    room.handle(conn, msg, &mut out);
                }
            }));
            if handled.is_err() {
                room = fresh();
            }
        }
        out.clear();
        rest = &rest[end..];
    }
    room
}

#[cfg(all(test, not(target_family = "wasm")))]
mod tests {
    use super::*;
    use crate::layout::BoardDoc;
    use crate::shape::{Shape, ShapeKind, Style};
    use yrs::Doc;

    fn room() -> RoomState<u32> {
        RoomState::new(Awareness::new(server_doc()), 1 << 20)
    }

    fn unit_shape(id: &str, kind: ShapeKind) -> Shape {
        Shape {
            id: id.into(),
            kind,
            x: 0.0,
            y: 0.0,
            w: 1.0,
            h: 1.0,
            style: Style::default(),
            index: "a0".into(),
            ..Shape::default()
        }
    }

    fn rect_update(id: &str) -> Vec<u8> {
        let doc = BoardDoc::new(Doc::new());
        let shape = unit_shape(id, ShapeKind::Rectangle);
        doc.change("l", |txn, b| b.put(txn, &shape)).unwrap().1
    }

    #[test]
    fn join_sends_step1_first() {
        let mut r = room();
        let mut out = vec![];
        r.join(1, &mut out);
        assert!(matches!(&out[0], Effect::Reply(1, f) if f[0] == 0 && f[1] == 0));
    }

    #[test]
    fn an_update_is_persisted_and_broadcast_once() {
        let mut r = room();
        let mut out = vec![];
        r.join(1, &mut out);
        out.clear();
        let u = rect_update("a");
        r.handle(1, Message::Sync(SyncMessage::Update(u.clone())), &mut out);
        assert_eq!(out.len(), 2);
        assert!(matches!(&out[1], Effect::Persist(p) if *p == u));
        out.clear();
        // The same update again changes nothing: nothing to store or send.
        r.handle(1, Message::Sync(SyncMessage::Update(u)), &mut out);
        assert!(out.is_empty());
    }

    #[test]
    fn a_fresh_client_gets_the_current_board_after_every_change() {
        let mut r = room();
        let mut out = vec![];
        r.join(1, &mut out);
        let step1 = Message::Sync(SyncMessage::SyncStep1(StateVector::default()));
        let fresh_answer = |r: &mut RoomState<u32>| {
            let mut out = vec![];
            r.handle(1, step1.clone(), &mut out);
            let [Effect::Reply(1, frame)] = out.as_slice() else {
                panic!("{out:?}")
            };
            let Ok(msgs) = crate::protocol::decode_frame(frame) else {
                panic!()
            };
            let [Message::Sync(SyncMessage::SyncStep2(update))] = msgs.as_slice() else {
                panic!()
            };
            let doc = BoardDoc::new(Doc::new());
            doc.apply_remote(update, "r").unwrap();
            doc.shapes().unwrap().len()
        };
        assert_eq!(fresh_answer(&mut r), 0);
        r.handle(
            1,
            Message::Sync(SyncMessage::Update(rect_update("a"))),
            &mut out,
        );
        assert_eq!(fresh_answer(&mut r), 1);
        assert_eq!(fresh_answer(&mut r), 1);
        r.handle(
            1,
            Message::Sync(SyncMessage::Update(rect_update("b"))),
            &mut out,
        );
        assert_eq!(fresh_answer(&mut r), 2);
    }

    #[test]
    fn an_update_with_missing_dependencies_asks_for_step1_and_stores_only_what_integrated() {
        let source = BoardDoc::new(Doc::new());
        let one = unit_shape("one", ShapeKind::Ellipse);
        let (_, first) = source.change("l", |t, b| b.put(t, &one)).unwrap();
        let (_, second) = source
            .change("l", |t, b| b.set_position(t, "one", 5.0, 5.0))
            .unwrap();
        let mut r = room();
        let mut out = vec![];
        r.join(1, &mut out);
        out.clear();
        r.handle(
            1,
            Message::Sync(SyncMessage::Update(second.clone())),
            &mut out,
        );
        assert!(
            matches!(out.as_slice(), [Effect::Reply(1, f)] if f[..2] == [0, 0]),
            "{out:?}"
        );
        out.clear();
        // The peer answers with everything: the shape lands where it was moved.
        r.handle(1, Message::Sync(SyncMessage::SyncStep2(first)), &mut out);
        r.handle(1, Message::Sync(SyncMessage::Update(second)), &mut out);
        assert!(out.iter().any(|e| matches!(e, Effect::Persist(_))));
        let doc = BoardDoc::new(Doc::new());
        doc.apply_remote(&r.snapshot(), "r").unwrap();
        let shapes = doc.shapes().unwrap();
        assert_eq!((shapes.len(), shapes[0].x), (1, 5.0));
    }

    #[test]
    fn garbage_updates_close_the_sender_and_leave_the_document_alone() {
        let mut r = room();
        let mut out = vec![];
        r.join(1, &mut out);
        out.clear();
        r.handle(
            1,
            Message::Sync(SyncMessage::Update(vec![1, 2, 3])),
            &mut out,
        );
        assert_eq!(out, vec![Effect::Close(1, Refusal::InvalidUpdate)]);
        assert_eq!(r.snapshot(), room().snapshot());
    }

    #[test]
    fn leaving_removes_the_awareness_it_announced() {
        let mut r = room();
        let mut out = vec![];
        r.join(1, &mut out);
        let mut peer = Awareness::new(Doc::with_client_id(77));
        peer.set_local_state_raw(r##"{"user":{"name":"A","color":"#000"}}"##);
        r.handle(1, Message::Awareness(peer.update().unwrap()), &mut out);
        out.clear();
        r.leave(1, &mut out);
        assert_eq!(out.len(), 1);
        assert!(r
            .awareness()
            .state::<serde_json::Value>(ClientID::new(77))
            .is_none());
    }
}
