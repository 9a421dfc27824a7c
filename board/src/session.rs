//! The sync state machine: decoded y-websocket messages in, frames to send out.
//!
//! It owns the document's awareness and knows whether a connection is open and synced, but does
//! no IO and touches no browser API, so any transport can drive it: the WebSocket today, an HTTP
//! fallback later. The transport calls [`SyncSession::open`] when a connection opens,
//! [`SyncSession::receive`] for every frame, and [`SyncSession::close`] when it drops, and sends
//! whatever frames come back, each as its own message (stable y-websocket peers read only the
//! first message of a frame).

use crate::layout::BoardDoc;
use crate::protocol::{self, Frame, Presence};
use crate::unsent::Unsent;
use yrs::sync::{Awareness, AwarenessUpdate, Message, SyncMessage, Timestamp};
use yrs::updates::encoder::Encode;
use yrs::{ReadTxn, Transact};

/// Milliseconds since the epoch. A plain function so the session stays free of browser APIs
/// (the client passes `Date.now`; tests pass a fixed clock).
pub type Clock = fn() -> Timestamp;

/// How long a remote presence stays visible without a renewal. Peers renew every 15 s, so two
/// missed renewals mean the peer is gone even if nobody announced it.
pub const PRESENCE_TIMEOUT_MS: u64 = 30_000;

/// The protocol state of one board document and its awareness, across connections.
pub struct SyncSession {
    board: BoardDoc,
    awareness: Awareness,
    clock: Clock,
    /// A connection is open: local updates and presence changes are sent at once.
    open: bool,
    /// The server's sync step 2 arrived on the current connection.
    synced: bool,
    /// We sent a sync step 1 and no step 2 has answered it yet; a pending update then does not
    /// ask again, so a stream of updates behind one missing update cannot flood the server.
    awaiting_step2: bool,
    /// Our changes the server has not confirmed.
    unsent: Unsent,
}

/// What handling one frame produced.
#[derive(Debug, Default)]
pub struct Outcome {
    /// Frames to send back, one message each, in order.
    pub reply: Vec<Frame>,
    /// The document changed: shapes must be read again.
    pub doc_changed: bool,
    /// Some remote presence changed.
    pub presence_changed: bool,
    /// This frame completed the initial sync of the connection.
    pub synced: bool,
    /// The server refused access, with its reason.
    pub denied: Option<String>,
    /// Tags of our changes ([`SyncSession::track_local`]) the server now holds.
    pub confirmed: Vec<u64>,
    /// Messages that could not be applied (logged by the caller, otherwise ignored).
    pub problems: Vec<String>,
}

/// Another client's published presence.
#[derive(Debug, Clone, PartialEq)]
pub struct RemotePresence {
    pub client_id: u64,
    pub presence: Presence,
}

impl SyncSession {
    /// A session for `board`; awareness shares the board's document and client id.
    pub fn new(board: BoardDoc, clock: Clock) -> Self {
        let awareness = Awareness::with_clock(board.doc().clone(), clock);
        Self {
            board,
            awareness,
            clock,
            open: false,
            synced: false,
            awaiting_step2: false,
            unsent: Unsent::default(),
        }
    }

    /// Counts a local update (made here, or restored from this device's copy), part of the
    /// change `group`, as unsent until the server confirms it; `tag` comes back in
    /// [`Outcome::confirmed`].
    pub fn track_local(&mut self, tag: u64, group: u64, update: &[u8]) {
        self.unsent.add(tag, group, update);
    }

    /// How many of our changes the server has not confirmed.
    pub fn unsent(&self) -> usize {
        self.unsent.len()
    }

    /// Whether a connection is open.
    pub fn is_open(&self) -> bool {
        self.open
    }

    /// Whether the current connection has completed its initial sync.
    pub fn is_synced(&self) -> bool {
        self.synced
    }

    /// A connection opened: returns our sync step 1 and our presence, as separate frames.
    pub fn open(&mut self) -> Vec<Frame> {
        self.open = true;
        self.synced = false;
        let mut frames = Vec::with_capacity(2);
        if let Some(step1) = protocol::step1_for(self.board.doc()) {
            frames.push(step1);
            self.awaiting_step2 = true;
        }
        frames.extend(self.own_awareness());
        frames
    }

    /// The connection dropped: forget the other clients' presence (the server sends every state
    /// it holds again on the next connection) but keep ours, with its clock, so peers accept our
    /// next update.
    pub fn close(&mut self) {
        self.open = false;
        self.synced = false;
        self.awaiting_step2 = false;
        let me = self.awareness.client_id();
        let mine = self.awareness.update_with_clients([me]).ok();
        self.awareness = Awareness::with_clock(self.board.doc().clone(), self.clock);
        if let Some(mine) = mine {
            // Restores our entry with its clock; cannot fail for a well-formed update.
            let _ = self.awareness.apply_update(mine);
        }
    }

    /// Handles one received frame (which may pack several messages).
    pub fn receive(&mut self, frame: &[u8]) -> Outcome {
        let mut out = Outcome::default();
        match protocol::decode_frame(frame) {
            Ok(messages) => {
                for message in messages {
                    self.handle(message, &mut out);
                }
                if !self.unsent.is_empty() {
                    out.confirmed = self.unsent.take_confirmed();
                }
            }
            Err(e) => out.problems.push(format!("ignored a malformed frame: {e}")),
        }
        out
    }

    fn handle(&mut self, message: Message, out: &mut Outcome) {
        match message {
            Message::Sync(SyncMessage::SyncStep1(sv)) => {
                // Tracked only while something is unsent: a later change is confirmed by its
                // own echo, or by the step 1 of the next connection.
                if !self.unsent.is_empty() {
                    self.unsent.server_state(&sv);
                }
                match self.board.doc().try_transact() {
                    Ok(txn) => out
                        .reply
                        .push(protocol::sync_step2(txn.encode_state_as_update_v1(&sv))),
                    Err(_) => out
                        .problems
                        .push("document busy: sync step 1 not answered".into()),
                }
            }
            Message::Sync(SyncMessage::SyncStep2(update)) => {
                self.awaiting_step2 = false;
                self.apply(&update, out);
                if !self.synced {
                    self.synced = true;
                    out.synced = true;
                }
            }
            Message::Sync(SyncMessage::Update(update)) => self.apply(&update, out),
            Message::Awareness(update) => self.apply_awareness(update, out),
            Message::AwarenessQuery => out.reply.extend(self.own_awareness()),
            Message::Auth(Some(reason)) => out.denied = Some(reason),
            Message::Auth(None) | Message::Custom(..) => {}
        }
    }

    fn apply(&mut self, update: &[u8], out: &mut Outcome) {
        match self.board.apply_remote(update, "remote") {
            Ok(pending) => {
                if !self.unsent.is_empty() {
                    self.unsent.server_update(update);
                }
                out.doc_changed = true;
                if pending && !self.awaiting_step2 {
                    if let Some(step1) = protocol::step1_for(self.board.doc()) {
                        out.reply.push(step1);
                        self.awaiting_step2 = true;
                    }
                }
            }
            Err(e) => out.problems.push(format!("ignored an update: {e}")),
        }
    }

    fn apply_awareness(&mut self, update: AwarenessUpdate, out: &mut Outcome) {
        let me = self.awareness.client_id();
        // A peer announcing our own removal (it thought we were gone): yrs keeps our state and
        // bumps its clock; tell everyone we are still here.
        let removes_us = update
            .clients
            .get(&me)
            .is_some_and(|entry| entry.json.as_ref() == "null");
        match self.awareness.apply_update_summary(update) {
            Ok(summary) => out.presence_changed |= summary.is_some(),
            Err(e) => out
                .problems
                .push(format!("ignored an awareness update: {e}")),
        }
        if removes_us && self.awareness.local_state_raw().is_some() {
            out.reply.extend(self.own_awareness());
        }
    }

    /// Publishes our presence. Returns the frame to send when a connection is open.
    pub fn set_presence(&mut self, presence: &Presence) -> Option<Frame> {
        match serde_json::to_string(presence) {
            Ok(json) => self.awareness.set_local_state_raw(json),
            Err(_) => return None,
        }
        self.sendable(self.own_awareness())
    }

    /// Re-publishes our presence with a new clock, so peers that expire silent states keep us.
    pub fn renew_presence(&mut self) -> Option<Frame> {
        let raw = self.awareness.local_state_raw()?;
        self.awareness.set_local_state_raw(raw);
        self.sendable(self.own_awareness())
    }

    /// Withdraws our presence (the page is closing). Returns the frame to send, if any.
    pub fn leave(&mut self) -> Option<Frame> {
        self.awareness.local_state_raw()?;
        self.awareness.clean_local_state();
        self.sendable(self.own_awareness())
    }

    /// The frame for a local document update, when a connection is open. Updates made while
    /// closed are not queued: they reach the server in our answer to its next sync step 1.
    pub fn local_update(&self, update: Vec<u8>) -> Option<Frame> {
        (self.open && !update.is_empty()).then(|| protocol::update(update))
    }

    /// Every other client that publishes a readable presence, renewed within
    /// [`PRESENCE_TIMEOUT_MS`] of `now`, ordered by client id.
    pub fn peers(&self, now: Timestamp) -> Vec<RemotePresence> {
        let me = self.awareness.client_id();
        let mut peers: Vec<RemotePresence> = self
            .awareness
            .iter()
            .filter(|(id, state)| {
                *id != me && now.saturating_sub(state.last_updated) <= PRESENCE_TIMEOUT_MS
            })
            .filter_map(|(id, state)| {
                let presence = serde_json::from_str(state.data.as_deref()?).ok()?;
                Some(RemotePresence {
                    client_id: id.get(),
                    presence,
                })
            })
            .collect();
        peers.sort_by_key(|p| p.client_id);
        peers
    }

    /// Our awareness entry alone (never other clients' states: relaying those could revive
    /// someone who already left).
    fn own_awareness(&self) -> Option<Frame> {
        let me = self.awareness.client_id();
        let update = self.awareness.update_with_clients([me]).ok()?;
        Some(Message::Awareness(update).encode_v1())
    }

    fn sendable(&self, frame: Option<Frame>) -> Option<Frame> {
        frame.filter(|_| self.open)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::protocol::{PresenceCursor, PresenceUser};
    use crate::{Shape, ShapeKind, Style};
    use std::collections::HashMap;
    use yrs::sync::awareness::AwarenessUpdateEntry;
    use yrs::{Doc, StateVector};

    fn clock() -> Timestamp {
        1_000_000
    }

    fn session(client_id: u64) -> SyncSession {
        SyncSession::new(BoardDoc::new(Doc::with_client_id(client_id)), clock)
    }

    fn presence(name: &str) -> Presence {
        Presence {
            user: PresenceUser {
                name: name.into(),
                color: "#1971c2".into(),
            },
            cursor: Some(PresenceCursor { x: 1.0, y: 2.0 }),
            laser: Vec::new(),
            ..Presence::default()
        }
    }

    fn rect(id: &str) -> Shape {
        Shape {
            id: id.into(),
            kind: ShapeKind::Rectangle,
            x: 0.0,
            y: 0.0,
            w: 10.0,
            h: 10.0,
            style: Style::default(),
            index: "a0".into(),
            ..Shape::default()
        }
    }

    fn awareness_frame(client_id: u64, clock: u32, json: &str) -> Frame {
        let mut clients = HashMap::new();
        clients.insert(
            yrs::ClientID::new(client_id),
            AwarenessUpdateEntry {
                clock,
                json: json.into(),
            },
        );
        Message::Awareness(AwarenessUpdate { clients }).encode_v1()
    }

    #[test]
    fn opening_sends_step1_then_our_presence_as_separate_frames() {
        let mut s = session(1);
        assert_eq!(
            s.set_presence(&presence("Ada")),
            None,
            "closed: nothing to send"
        );
        let frames = s.open();
        assert_eq!(frames.len(), 2);
        let first = protocol::decode_frame(&frames[0]).unwrap();
        assert!(matches!(
            first.as_slice(),
            [Message::Sync(SyncMessage::SyncStep1(_))]
        ));
        let second = protocol::decode_frame(&frames[1]).unwrap();
        assert!(matches!(second.as_slice(), [Message::Awareness(_)]));
    }

    #[test]
    fn offline_edits_reach_the_server_through_step2() {
        let mut s = session(1);
        let (_, update) = s
            .board
            .change("local", |txn, b| b.put(txn, &rect("r1")))
            .unwrap();
        assert_eq!(s.local_update(update), None, "not sent while closed");
        s.open();
        let out = s.receive(&protocol::sync_step1(&StateVector::default()));
        assert_eq!(out.reply.len(), 1);
        let Ok(msgs) = protocol::decode_frame(&out.reply[0]) else {
            panic!()
        };
        let [Message::Sync(SyncMessage::SyncStep2(update))] = msgs.as_slice() else {
            panic!()
        };
        let server = BoardDoc::new(Doc::with_client_id(2));
        server.apply_remote(update, "remote").unwrap();
        assert_eq!(server.shapes().unwrap().len(), 1);
    }

    #[test]
    fn the_first_step2_completes_the_sync() {
        let mut s = session(1);
        s.open();
        let server = BoardDoc::new(Doc::with_client_id(2));
        server
            .change("l", |txn, b| b.put(txn, &rect("r1")))
            .unwrap();
        let full = server
            .doc()
            .transact()
            .encode_state_as_update_v1(&StateVector::default());
        let out = s.receive(&protocol::sync_step2(full.clone()));
        assert!(out.synced && out.doc_changed && s.is_synced());
        assert!(out.reply.is_empty());
        assert!(
            !s.receive(&protocol::sync_step2(full)).synced,
            "only the first one"
        );
        assert_eq!(s.board.shapes().unwrap().len(), 1);
    }

    #[test]
    fn a_pending_update_asks_for_step1_once() {
        let mut s = session(1);
        s.open();
        s.receive(&protocol::sync_step2(Vec::from([0u8, 0])));
        let server = BoardDoc::new(Doc::with_client_id(2));
        server
            .change("l", |txn, b| b.put(txn, &rect("r1")))
            .unwrap();
        let (_, second) = server
            .change("l", |txn, b| b.set_position(txn, "r1", 5.0, 5.0))
            .unwrap();
        let (_, third) = server
            .change("l", |txn, b| b.set_position(txn, "r1", 6.0, 6.0))
            .unwrap();
        let out = s.receive(&protocol::update(second));
        assert_eq!(out.reply.len(), 1);
        assert!(matches!(
            protocol::decode_frame(&out.reply[0]).unwrap().as_slice(),
            [Message::Sync(SyncMessage::SyncStep1(_))]
        ));
        assert!(s.receive(&protocol::update(third)).reply.is_empty());
    }

    #[test]
    fn an_update_with_a_clock_gap_is_not_applied_and_asks_for_step1() {
        let mut s = session(1);
        s.open();
        s.receive(&protocol::sync_step2(Vec::from([0u8, 0])));
        let server = BoardDoc::new(Doc::with_client_id(2));
        let (_, first) = server
            .change("l", |txn, b| b.put(txn, &rect("r1")))
            .unwrap();
        let (_, second) = server
            .change("l", |txn, b| b.put(txn, &rect("r2")))
            .unwrap();
        let out = s.receive(&protocol::update(second.clone()));
        assert!(matches!(
            protocol::decode_frame(&out.reply[0]).unwrap().as_slice(),
            [Message::Sync(SyncMessage::SyncStep1(_))]
        ));
        assert!(
            s.board.shapes().unwrap().is_empty(),
            "nothing of it applied"
        );
        // The answer brings both, in order.
        let both = yrs::merge_updates_v1([first.as_slice(), second.as_slice()]).unwrap();
        s.receive(&protocol::sync_step2(both));
        assert_eq!(s.board.shapes().unwrap().len(), 2);
    }

    #[test]
    fn peers_appear_and_are_forgotten_on_close_while_our_clock_survives() {
        let mut s = session(1);
        s.open();
        s.set_presence(&presence("Ada"));
        s.set_presence(&presence("Ada"));
        let json = serde_json::to_string(&presence("Bob")).unwrap();
        let out = s.receive(&awareness_frame(7, 3, &json));
        assert!(out.presence_changed);
        let peers = s.peers(clock());
        assert_eq!(peers.len(), 1);
        assert_eq!(
            (peers[0].client_id, peers[0].presence.user.name.as_str()),
            (7, "Bob")
        );
        assert!(
            s.peers(clock() + PRESENCE_TIMEOUT_MS + 1).is_empty(),
            "stale states hide"
        );

        s.close();
        assert!(s.peers(clock()).is_empty());
        let me = s.awareness.client_id();
        assert_eq!(s.awareness.meta(me).map(|(c, _)| c), Some(2));
        assert!(s.awareness.local_state_raw().is_some());
    }

    #[test]
    fn a_removal_of_our_state_is_answered_with_our_state() {
        let mut s = session(1);
        s.open();
        s.set_presence(&presence("Ada"));
        let out = s.receive(&awareness_frame(1, 1, "null"));
        assert_eq!(out.reply.len(), 1);
        assert!(s.awareness.local_state_raw().is_some());
    }

    #[test]
    fn leaving_publishes_null_once() {
        let mut s = session(1);
        s.open();
        s.set_presence(&presence("Ada"));
        let frame = s.leave().unwrap();
        let Ok(msgs) = protocol::decode_frame(&frame) else {
            panic!()
        };
        let [Message::Awareness(update)] = msgs.as_slice() else {
            panic!()
        };
        let entry = &update.clients[&yrs::ClientID::new(1)];
        assert_eq!(entry.json.as_ref(), "null");
        assert_eq!(s.leave(), None);
    }

    #[test]
    fn garbage_and_denial_are_reported_not_fatal() {
        let mut s = session(1);
        s.open();
        let out = s.receive(&[0, 2, 200]);
        assert_eq!(out.problems.len(), 1);
        let out = s.receive(&protocol::update(vec![1, 2, 3]));
        assert_eq!(out.problems.len(), 1);
        let denied = Message::Auth(Some("no".into())).encode_v1();
        assert_eq!(s.receive(&denied).denied.as_deref(), Some("no"));
    }
}
