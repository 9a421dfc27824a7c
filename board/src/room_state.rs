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
//!
//! Presence changes are held, the latest per client, until the IO layer calls
//! [`RoomState::flush_presence`] (the server does every `WB_PRESENCE_FLUSH_MS`) or an update is
//! sent, which takes them along: cursors are the bulk of a busy board's traffic, and one merged
//! frame queued behind an update costs each connection no write of its own (its writer sends
//! what is queued in one). Removals (a peer leaving, a presence expiring) go out at once.
//!
//! Beside it: `replay` (the fuzz target's replay of a room, `replay_fuzz_input`) and `tests`.

use std::collections::{HashMap, HashSet};
use std::hash::Hash;
use std::sync::Arc;

use yrs::sync::awareness::AwarenessUpdateEntry;
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
    /// Presence changes applied but not yet sent, the latest per client id: sent as one frame
    /// by [`Self::flush_presence`], or right behind the next update sent.
    pending_presence: HashMap<ClientID, AwarenessUpdateEntry>,
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
            pending_presence: HashMap::new(),
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

    /// The names a connection's presences give (for the "who edited" of version history).
    pub fn names_of(&self, conn: C) -> Vec<String> {
        let Some(peer) = self.peers.get(&conn) else {
            return Vec::new();
        };
        peer.announced
            .iter()
            .filter_map(|client| self.awareness.state::<protocol::Presence>(*client))
            .map(|p| p.user.name.trim().chars().take(64).collect::<String>())
            .filter(|name| !name.is_empty())
            .collect()
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
        let entries = update.clients.clone();
        if self.awareness.apply_update(update).is_ok() {
            self.awareness_cache = None;
            for client in entries.keys() {
                peer.announced.insert(*client);
                self.owners.insert(*client, conn);
            }
            self.pending_presence.extend(entries);
        }
    }

    /// Whether presence changes wait for [`Self::flush_presence`].
    pub fn presence_pending(&self) -> bool {
        !self.pending_presence.is_empty()
    }

    /// Sends every presence change since the last flush to every connection, as one awareness
    /// frame (the latest state of each client that changed).
    pub fn flush_presence(&mut self, out: &mut Vec<Effect<C>>) {
        if !self.presence_pending() {
            return;
        }
        let update = AwarenessUpdate {
            clients: std::mem::take(&mut self.pending_presence),
        };
        out.push(Effect::Broadcast(
            Message::Awareness(update).encode_v1().into(),
        ));
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
                    self.flush_presence(out);
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

    /// An update another server node committed, relayed to this one in sequence order: applied
    /// and sent to every connection here, not persisted again (it is stored already). False
    /// when it does not integrate whole — it depends on something this document lacks — and
    /// the caller must rebuild the document from storage.
    pub fn apply_relayed(&mut self, bytes: Vec<u8>, out: &mut Vec<Effect<C>>) -> bool {
        self.stored_bytes += bytes.len();
        match self.apply(bytes) {
            Ok(Applied {
                integrated,
                missing,
            }) => {
                if let Some(update) = integrated {
                    out.push(Effect::Broadcast(protocol::update(update).into()));
                    self.flush_presence(out);
                }
                !missing
            }
            Err(_) => false,
        }
    }

    /// Presence relayed from another server node: entries for presences a connection of this
    /// node announced are dropped (nobody elsewhere can move or remove them); the rest is
    /// applied and sent to every connection here. Those entries belong to no connection here,
    /// so they leave through [`Self::expire_awareness`] when their node stops renewing them.
    pub fn apply_relayed_presence(
        &mut self,
        mut update: AwarenessUpdate,
        out: &mut Vec<Effect<C>>,
    ) {
        update
            .clients
            .retain(|client, _| !self.owners.contains_key(client));
        if update.clients.is_empty() {
            return;
        }
        let frame = Message::Awareness(update.clone()).encode_v1();
        if self.awareness.apply_update(update).is_ok() {
            self.awareness_cache = None;
            out.push(Effect::Broadcast(frame.into()));
        }
    }

    /// The presence states this node's connections announced, as one awareness frame (`None`
    /// when there are none): the answer to another node that opened the board.
    pub fn local_presence_frame(&self) -> Option<Vec<u8>> {
        let clients: Vec<ClientID> = self.owners.keys().copied().collect();
        if clients.is_empty() {
            return None;
        }
        self.awareness
            .update_with_clients(clients)
            .ok()
            .map(|update| Message::Awareness(update).encode_v1())
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
            // The removal supersedes a change not yet sent.
            self.pending_presence.remove(client);
        }
        self.awareness_cache = None;
        if let Ok(update) = self.awareness.update_with_clients(removed) {
            out.push(Effect::Broadcast(
                Message::Awareness(update).encode_v1().into(),
            ));
        }
    }
}

#[cfg(not(target_family = "wasm"))]
mod replay;
#[doc(hidden)]
#[cfg(not(target_family = "wasm"))]
pub use replay::replay_fuzz_input;

#[cfg(all(test, not(target_family = "wasm")))]
mod tests;
