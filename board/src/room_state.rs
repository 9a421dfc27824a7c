//! The sans-IO half of a server room: one board's document and awareness, and what each
//! y-websocket message does to them. Bytes in, [`Effect`]s out; the server's room task does the
//! IO (storage, sockets) and the fuzz target drives this directly.
//!
//! The effects of one batch must be carried out in this order: every [`Effect::Persist`] made
//! durable first, then the frames sent in the order given. That is what makes "no peer sees an
//! update that is not on disk" hold.
//!
//! Every update passes [`crate::guard`] before it reaches yrs. One peer's bad input costs only
//! that peer: garbage closes it with [`Refusal::InvalidUpdate`]; an update that depends on what
//! the room lacks (a gap, a dangling delete, a missing origin) is dropped and the peer asked for
//! a sync step 1 once; a peer whose answer to that is refused too, or that keeps sending refused
//! updates, is closed with [`Refusal::KeepsRefused`]. If yrs panics applying an update anyway,
//! the IO layer closes that peer and rebuilds the document from storage with [`RoomState::reload`],
//! keeping every other connection and its presence.

use std::collections::{HashMap, HashSet};
use std::hash::Hash;
use std::sync::Arc;

use yrs::sync::{Awareness, AwarenessUpdate, Message, SyncMessage};
use yrs::updates::encoder::Encode;
use yrs::{ClientID, ReadTxn, StateVector, Transact, WriteTxn};

use crate::guard::{self, Refused};
use crate::protocol;

/// Refused updates a connection may send while the step 1 it was asked to answer is on its way
/// (updates already in flight when it was asked); one more closes it.
pub const MAX_REFUSED_IN_FLIGHT: u32 = 64;

/// Awareness client ids one connection may announce. A y-websocket client announces one (its
/// document's client id); a few more leave room for a page that renews its document.
pub const MAX_PRESENCES_PER_CONNECTION: usize = 4;

/// Largest presence state (its JSON) a peer may publish. A name, a colour, a cursor and a laser
/// trail of [`protocol::MAX_LASER_POINTS`] points take about 3 KiB.
pub const MAX_PRESENCE_BYTES: usize = 16 * 1024;

/// Why the room closes a connection.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    /// The update does not decode or apply (close 1007).
    InvalidUpdate,
    /// The update would take the board past its size limit (close 1008).
    BoardFull,
    /// The connection was asked for a sync step 1 and keeps sending updates that depend on what
    /// the room lacks (close 1007).
    KeepsRefused,
    /// The connection announced more presences than [`MAX_PRESENCES_PER_CONNECTION`], or one
    /// larger than [`MAX_PRESENCE_BYTES`] (close 1008).
    PresenceLimit,
}

/// What the room knows of one connection.
#[derive(Default)]
struct Peer {
    /// Awareness client ids it announced, removed when it leaves.
    announced: HashSet<ClientID>,
    /// It was asked for a sync step 1 and its step 2 has not arrived yet.
    awaiting_step2: bool,
    /// Updates refused since it was asked.
    refused: u32,
}

/// The outcome of applying one update.
struct Applied {
    /// The part of the update that changed the document (what to store and relay), if any.
    integrated: Option<Vec<u8>>,
    /// Parts depended on updates the room lacks; they were dropped and must be asked for.
    missing: bool,
}

/// A frame that may be sent to many connections, or many times, without a copy.
pub type SharedFrame = Arc<[u8]>;

/// What the IO layer must do after a message.
#[derive(Debug, Clone, PartialEq)]
pub enum Effect<C> {
    /// Store this v1 update durably (before any frame of the same batch is sent).
    Persist(Vec<u8>),
    /// Send a frame to one connection.
    Reply(C, SharedFrame),
    /// Send a frame to every connection, the sender included.
    Broadcast(SharedFrame),
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
        // `--cfg wb_relax_gc` turns GC back on, for fuzzing without this work-around only.
        skip_gc: !cfg!(wb_relax_gc),
        ..yrs::Options::default()
    })
}

/// A board's live state on the server. `C` identifies a connection.
pub struct RoomState<C> {
    awareness: Awareness,
    peers: HashMap<C, Peer>,
    /// Which connection announced each awareness client id first: only it may change or
    /// remove that presence.
    owners: HashMap<ClientID, C>,
    /// Bytes of the board as stored (snapshot + log), checked against `max_bytes`.
    stored_bytes: usize,
    max_bytes: usize,
    /// The last sync step 2 sent and the state vector it answered, kept until the document
    /// changes: every fresh client (an empty state vector) gets the same answer, and a peer
    /// repeating a step 1 gets the same frame again, neither encoded twice nor copied.
    step2_cache: Option<(StateVector, SharedFrame)>,
    /// The frame of every awareness state, kept until presence changes (answers to queries and
    /// to joins).
    awareness_cache: Option<Option<SharedFrame>>,
}

impl<C: Copy + Eq + Hash> RoomState<C> {
    /// `awareness` owns the (empty) document; `max_bytes` caps the stored size of the board.
    pub fn new(awareness: Awareness, max_bytes: usize) -> Self {
        Self {
            awareness,
            peers: HashMap::new(),
            owners: HashMap::new(),
            stored_bytes: 0,
            max_bytes,
            step2_cache: None,
            awareness_cache: None,
        }
    }

    /// Applies stored history (snapshot first, then updates in order). Returns how many parts
    /// were skipped because they do not decode or apply.
    pub fn load<'a>(&mut self, parts: impl IntoIterator<Item = &'a [u8]>) -> usize {
        let mut skipped = 0;
        self.step2_cache = None;
        let doc = self.awareness.doc().clone();
        let mut txn = doc.transact_mut();
        for bytes in parts {
            self.stored_bytes += bytes.len();
            // History stored before the guard existed may hold what it now refuses.
            match guard::decode(bytes, &txn.state_vector()) {
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

    /// Rebuilds the document from stored history after yrs panicked applying an update (the
    /// document may be half changed). `fresh` is a new awareness on an empty server document;
    /// every presence state and connection the room had is kept, so the other peers stay. What
    /// the room had relayed was stored first, so they miss nothing. Returns what `load` does.
    pub fn reload<'a>(
        &mut self,
        fresh: Awareness,
        parts: impl IntoIterator<Item = &'a [u8]>,
    ) -> usize {
        let states = self.awareness.update().ok();
        self.awareness = fresh;
        self.awareness_cache = None;
        if let Some(states) = states {
            // Re-applies states this awareness encoded itself; cannot fail.
            let _ = self.awareness.apply_update(states);
        }
        self.stored_bytes = 0;
        self.load(parts)
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
        // The peer's answer to this step 1 is checked like any other answer ([`Self::update`]).
        self.peers.insert(
            conn,
            Peer {
                awaiting_step2: true,
                ..Peer::default()
            },
        );
        let sv = self.awareness.doc().transact().state_vector();
        out.push(Effect::Reply(conn, protocol::sync_step1(&sv).into()));
        if let Some(frame) = self.awareness_frame() {
            out.push(Effect::Reply(conn, frame));
        }
    }

    /// A connection left: the awareness states it announced are removed, and everyone told.
    pub fn leave(&mut self, conn: C, out: &mut Vec<Effect<C>>) {
        if let Some(peer) = self.peers.remove(&conn) {
            for client in &peer.announced {
                self.owners.remove(client);
            }
            self.remove_awareness(peer.announced, out);
        }
    }

    /// Connections currently in the room.
    pub fn connections(&self) -> usize {
        self.peers.len()
    }

    pub fn handle(&mut self, conn: C, msg: Message, out: &mut Vec<Effect<C>>) {
        if !self.peers.contains_key(&conn) {
            return;
        }
        match msg {
            Message::Sync(SyncMessage::SyncStep1(sv)) => {
                let frame = match &self.step2_cache {
                    Some((cached, frame)) if *cached == sv => frame.clone(),
                    _ => {
                        let update = self
                            .awareness
                            .doc()
                            .transact()
                            .encode_state_as_update_v1(&sv);
                        let frame: SharedFrame = protocol::sync_step2(update).into();
                        self.step2_cache = Some((sv, frame.clone()));
                        frame
                    }
                };
                out.push(Effect::Reply(conn, frame));
            }
            Message::Sync(SyncMessage::SyncStep2(bytes)) => self.update(conn, bytes, true, out),
            Message::Sync(SyncMessage::Update(bytes)) => self.update(conn, bytes, false, out),
            Message::Awareness(update) => self.presence(conn, update, out),
            Message::AwarenessQuery => {
                if let Some(frame) = self.awareness_frame() {
                    out.push(Effect::Reply(conn, frame));
                }
            }
            // Auth is server-to-client only; custom messages are not part of this protocol.
            Message::Auth(_) | Message::Custom(..) => {}
        }
    }

    /// An awareness update from `conn`. Entries for presences another connection announced are
    /// dropped (nobody can rename or move someone else); a connection that announces too many
    /// presences, or too large a one, is closed.
    fn presence(&mut self, conn: C, mut update: AwarenessUpdate, out: &mut Vec<Effect<C>>) {
        update
            .clients
            .retain(|client, _| self.owners.get(client).is_none_or(|owner| *owner == conn));
        let Some(peer) = self.peers.get_mut(&conn) else {
            return;
        };
        let new = update
            .clients
            .keys()
            .filter(|c| !peer.announced.contains(c))
            .count();
        let too_large = update
            .clients
            .values()
            .any(|e| e.json.len() > MAX_PRESENCE_BYTES);
        if too_large || peer.announced.len() + new > MAX_PRESENCES_PER_CONNECTION {
            out.push(Effect::Close(conn, Refusal::PresenceLimit));
            return;
        }
        if update.clients.is_empty() {
            return;
        }
        let frame = Message::Awareness(update.clone()).encode_v1();
        let clients: Vec<ClientID> = update.clients.keys().copied().collect();
        if self.awareness.apply_update(update).is_ok() {
            self.awareness_cache = None;
            for client in clients {
                peer.announced.insert(client);
                self.owners.insert(client, conn);
            }
            out.push(Effect::Broadcast(frame.into()));
        }
    }

    /// A sync step 2 or update from `conn`.
    fn update(&mut self, conn: C, bytes: Vec<u8>, step2: bool, out: &mut Vec<Effect<C>>) {
        if self.stored_bytes.saturating_add(bytes.len()) > self.max_bytes {
            out.push(Effect::Close(conn, Refusal::BoardFull));
            return;
        }
        let answered = step2 && self.peers.get(&conn).is_some_and(|p| p.awaiting_step2);
        let missing = match self.apply(bytes) {
            Err(Refused::Malformed(_)) => {
                out.push(Effect::Close(conn, Refusal::InvalidUpdate));
                return;
            }
            Err(_) => true,
            Ok(Applied {
                integrated,
                missing,
            }) => {
                if let Some(update) = integrated {
                    self.stored_bytes += update.len();
                    out.push(Effect::Broadcast(protocol::update(update.clone()).into()));
                    out.push(Effect::Persist(update));
                }
                missing
            }
        };
        let Some(peer) = self.peers.get_mut(&conn) else {
            return;
        };
        if !missing {
            if answered || !peer.awaiting_step2 {
                peer.awaiting_step2 = false;
                peer.refused = 0;
            }
            return;
        }
        // It depends on what the room lacks. An honest peer's answer to our step 1 never does
        // (it brings everything past the room's state vector), so a refused answer, or more
        // refused updates than can be in flight, is a peer to close.
        peer.refused += 1;
        if answered || peer.refused > MAX_REFUSED_IN_FLIGHT {
            out.push(Effect::Close(conn, Refusal::KeepsRefused));
        } else if !peer.awaiting_step2 {
            peer.awaiting_step2 = true;
            let sv = self.awareness.doc().transact().state_vector();
            out.push(Effect::Reply(conn, protocol::sync_step1(&sv).into()));
        }
    }

    /// Every awareness state as one frame (`None` when there are none), encoded once per
    /// change of presence.
    fn awareness_frame(&mut self) -> Option<SharedFrame> {
        self.awareness_cache
            .get_or_insert_with(|| protocol::awareness_frame(&self.awareness).map(Into::into))
            .clone()
    }

    /// Applies an update that passed [`guard`]. The room holds nothing back inside yrs: what
    /// cannot be integrated yet (missing dependencies) is dropped and the sender asked for a
    /// sync step 1, whose answer brings it again with what it depends on. yrs' handling of
    /// held-back structs is where fuzzing reached a use-after-free and unencodable state
    /// (fuzz/README.md).
    fn apply(&mut self, bytes: Vec<u8>) -> Result<Applied, Refused> {
        let doc = self.awareness.doc().clone();
        let mut txn = doc.transact_mut();
        let update = guard::decode(&bytes, &txn.state_vector())?;
        txn.apply_update(update)
            .map_err(|e| Refused::Malformed(e.to_string()))?;
        let missing = txn.store().pending_update().is_some() || txn.store().pending_ds().is_some();
        // `--cfg wb_relax_pending` keeps what waits inside yrs, for fuzzing without this
        // work-around only.
        if missing && !cfg!(wb_relax_pending) {
            let _ = txn.prune_pending();
        }
        let changed = txn.before_state() != txn.after_state() || !txn.delete_set().is_empty();
        if changed {
            self.step2_cache = None;
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
        self.awareness_cache = None;
        if let Ok(update) = self.awareness.update_with_clients(removed) {
            out.push(Effect::Broadcast(
                Message::Awareness(update).encode_v1().into(),
            ));
        }
    }
}

/// Drives a room the way the server does, from the `room_messages` fuzz target's input format:
/// repeated `[conn: u8][len: u16 le][frame: len bytes]`. Connections 0–2 are peers of the room:
/// each frame is decoded then handled, and what the room stores is kept as the server's store
/// would. If yrs panics on a message, the room recovers as the server does: what was stored
/// before it stays, the document is rebuilt from that ([`RoomState::reload`]) and the other
/// peers go on. Connection 3 is a browser's session ([`crate::session::SyncSession`]): it takes
/// the frame as if the server had sent it, and every update the room relays is applied to it
/// too, so the browser's apply path is fuzzed with hostile and with relayed input.
/// Shared by the fuzz target and its regression tests.
#[doc(hidden)]
#[cfg(not(target_family = "wasm"))]
pub fn replay_fuzz_input(data: &[u8]) -> RoomState<u8> {
    use crate::layout::BoardDoc;
    use crate::session::SyncSession;
    use std::panic::{catch_unwind, AssertUnwindSafe};

    let mut room = RoomState::new(Awareness::new(server_doc()), 1 << 20);
    let mut out = Vec::new();
    for conn in 0..3u8 {
        room.join(conn, &mut out);
    }
    let new_browser = || {
        let mut session = SyncSession::new(BoardDoc::new(yrs::Doc::with_client_id(4242)), || 0);
        session.open();
        session
    };
    let mut browser = new_browser();
    let mut stored: Vec<Vec<u8>> = Vec::new();
    let mut rest = data;
    while rest.len() >= 3 {
        let conn = rest[0] % 4;
        let len = u16::from_le_bytes([rest[1], rest[2]]) as usize;
        let end = (3 + len).min(rest.len());
        let frame = &rest[3..end];
        rest = &rest[end..];
        let mut relayed = Vec::new();
        if conn == 3 {
            relayed.push(frame.to_vec());
        } else if let Ok(Ok(messages)) = catch_unwind(|| protocol::decode_frame(frame)) {
            // (A panic decoding a frame, possible only with yrs' debug assertions on, is a
            // refused frame: the server's connection task catches it the same way.)
            for msg in messages {
                let before = out.len();
                let handled = catch_unwind(AssertUnwindSafe(|| room.handle(conn, msg, &mut out)));
                if handled.is_err() {
                    out.truncate(before);
                    stored.extend(out.iter().filter_map(|e| match e {
                        Effect::Persist(u) => Some(u.clone()),
                        _ => None,
                    }));
                    out.clear();
                    room.reload(
                        Awareness::new(server_doc()),
                        stored.iter().map(Vec::as_slice),
                    );
                    break;
                }
            }
        }
        let mut closed = Vec::new();
        for effect in out.drain(..) {
            match effect {
                Effect::Persist(update) => stored.push(update),
                Effect::Broadcast(frame) => relayed.push(frame.to_vec()),
                Effect::Close(conn, _) => closed.push(conn),
                Effect::Reply(..) => {}
            }
        }
        // A closed peer comes back, as a hostile client would.
        for conn in closed {
            room.leave(conn, &mut out);
            room.join(conn, &mut out);
            out.clear();
        }
        for frame in relayed {
            // The browser build aborts on a panic; here a panic only means a new session, so
            // that the fuzzer goes on looking for memory errors.
            if catch_unwind(AssertUnwindSafe(|| browser.receive(&frame))).is_err() {
                browser = new_browser();
            }
        }
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

    /// A room where `conn` joined and answered the room's step 1 (it had nothing).
    fn synced_room(conn: u32) -> RoomState<u32> {
        let mut r = room();
        let mut out = vec![];
        r.join(conn, &mut out);
        let empty = yrs::Update::EMPTY_V1.to_vec();
        r.handle(conn, Message::Sync(SyncMessage::SyncStep2(empty)), &mut out);
        r
    }

    /// The two updates of fuzz/README.md's "yrs gap" finding: a map item of one client at
    /// clock 4, then that client's blocks from clock 0.
    fn gap_pair() -> [Vec<u8>; 2] {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/yrs-gap");
        ["first.bin", "second.bin"].map(|f| std::fs::read(dir.join(f)).unwrap())
    }

    #[test]
    fn the_gap_pair_is_refused_then_accepted_in_order() {
        let [first, second] = gap_pair();
        let mut r = synced_room(1);
        let mut out = vec![];
        // Alone, the first leaves a hole at clocks 0..4: nothing applied, step 1 asked.
        r.handle(
            1,
            Message::Sync(SyncMessage::Update(first.clone())),
            &mut out,
        );
        assert!(
            matches!(out.as_slice(), [Effect::Reply(1, f)] if f[..2] == [0, 0]),
            "{out:?}"
        );
        assert_eq!(r.snapshot(), room().snapshot());
        out.clear();
        // The answer brings clocks 0..: it applies, and the first is then no gap either.
        r.handle(1, Message::Sync(SyncMessage::SyncStep2(second)), &mut out);
        assert!(
            out.iter().any(|e| matches!(e, Effect::Persist(_))),
            "{out:?}"
        );
        out.clear();
        r.handle(1, Message::Sync(SyncMessage::Update(first)), &mut out);
        assert!(
            !out.iter().any(|e| matches!(e, Effect::Close(..))),
            "{out:?}"
        );
        let _ = r.snapshot();
    }

    #[test]
    fn a_refused_answer_to_step1_closes_only_its_sender() {
        let [first, _] = gap_pair();
        let mut r = synced_room(1);
        let mut out = vec![];
        r.join(2, &mut out);
        out.clear();
        r.handle(
            1,
            Message::Sync(SyncMessage::Update(first.clone())),
            &mut out,
        );
        out.clear();
        r.handle(1, Message::Sync(SyncMessage::SyncStep2(first)), &mut out);
        assert_eq!(out, vec![Effect::Close(1, Refusal::KeepsRefused)]);
        out.clear();
        // The other peer is untouched and its updates go through.
        r.handle(
            2,
            Message::Sync(SyncMessage::Update(rect_update("b"))),
            &mut out,
        );
        assert!(out.iter().any(|e| matches!(e, Effect::Persist(_))));
    }

    #[test]
    fn a_stream_of_refused_updates_is_asked_once_then_closed() {
        let [first, _] = gap_pair();
        let mut r = synced_room(1);
        let mut out = vec![];
        for _ in 0..=MAX_REFUSED_IN_FLIGHT {
            r.handle(
                1,
                Message::Sync(SyncMessage::Update(first.clone())),
                &mut out,
            );
        }
        let asked = out
            .iter()
            .filter(|e| matches!(e, Effect::Reply(..)))
            .count();
        assert_eq!(asked, 1);
        assert_eq!(out.last(), Some(&Effect::Close(1, Refusal::KeepsRefused)));
    }

    #[test]
    fn a_reload_rebuilds_the_document_and_keeps_the_peers() {
        let mut r = synced_room(1);
        let mut out = vec![];
        r.join(2, &mut out);
        let mut peer = Awareness::new(Doc::with_client_id(77));
        peer.set_local_state_raw(r##"{"user":{"name":"A","color":"#000"}}"##);
        r.handle(2, Message::Awareness(peer.update().unwrap()), &mut out);
        let stored = rect_update("a");
        r.handle(
            1,
            Message::Sync(SyncMessage::Update(stored.clone())),
            &mut out,
        );
        // Something the store never got (as after a panic mid-turn) is gone after the reload.
        r.handle(
            1,
            Message::Sync(SyncMessage::Update(rect_update("b"))),
            &mut out,
        );
        assert_eq!(
            r.reload(Awareness::new(server_doc()), [stored.as_slice()]),
            0
        );
        let doc = BoardDoc::new(Doc::new());
        doc.apply_remote(&r.snapshot(), "r").unwrap();
        assert_eq!(doc.shapes().unwrap().len(), 1);
        assert_eq!(r.connections(), 2);
        assert!(r
            .awareness()
            .state::<serde_json::Value>(ClientID::new(77))
            .is_some());
        out.clear();
        r.leave(2, &mut out);
        assert_eq!(out.len(), 1, "the presence is still tied to its connection");
    }

    fn presence_update(client: u64, clock_bumps: usize, name: &str) -> AwarenessUpdate {
        let mut peer = Awareness::new(Doc::with_client_id(client));
        for _ in 0..=clock_bumps {
            peer.set_local_state_raw(format!(
                r##"{{"user":{{"name":"{name}","color":"#000"}}}}"##
            ));
        }
        peer.update().unwrap()
    }

    fn name_of(r: &RoomState<u32>, client: u64) -> Option<String> {
        let state: serde_json::Value = r.awareness().state(ClientID::new(client))?;
        Some(state["user"]["name"].as_str()?.to_owned())
    }

    #[test]
    fn a_presence_belongs_to_the_connection_that_announced_it() {
        let mut r = synced_room(1);
        let mut out = vec![];
        r.join(2, &mut out);
        r.handle(
            1,
            Message::Awareness(presence_update(77, 0, "Ada")),
            &mut out,
        );
        out.clear();
        // Connection 2 sends a newer state for Ada's client id: dropped, nothing relayed.
        r.handle(
            2,
            Message::Awareness(presence_update(77, 5, "Mallory")),
            &mut out,
        );
        assert!(out.is_empty(), "{out:?}");
        assert_eq!(name_of(&r, 77).as_deref(), Some("Ada"));
        // Ada herself may change it.
        r.handle(
            1,
            Message::Awareness(presence_update(77, 6, "Ada L.")),
            &mut out,
        );
        assert_eq!(name_of(&r, 77).as_deref(), Some("Ada L."));
    }

    #[test]
    fn too_many_or_too_large_presences_close_the_connection() {
        let mut r = synced_room(1);
        let mut out = vec![];
        for client in 0..MAX_PRESENCES_PER_CONNECTION as u64 {
            r.handle(
                1,
                Message::Awareness(presence_update(100 + client, 0, "x")),
                &mut out,
            );
        }
        assert!(!out.iter().any(|e| matches!(e, Effect::Close(..))));
        out.clear();
        r.handle(
            1,
            Message::Awareness(presence_update(999, 0, "x")),
            &mut out,
        );
        assert_eq!(out, vec![Effect::Close(1, Refusal::PresenceLimit)]);
        let mut r = synced_room(1);
        out.clear();
        let huge = "x".repeat(MAX_PRESENCE_BYTES);
        r.handle(
            1,
            Message::Awareness(presence_update(5, 0, &huge)),
            &mut out,
        );
        assert_eq!(out, vec![Effect::Close(1, Refusal::PresenceLimit)]);
        assert_eq!(name_of(&r, 5), None);
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
        let mut r = synced_room(1);
        let mut out = vec![];
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
        assert!(!out.iter().any(|e| matches!(e, Effect::Close(..))));
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
