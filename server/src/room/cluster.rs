//! What a room does as one node of a cluster: it applies what the other nodes committed in
//! sequence order, repairs gaps from the store, and tells the others what it committed, who is
//! present and how many connections it holds (see `crate::relay` for the transport).
//!
//! [`Sequence`] is the bookkeeping, free of IO: which updates are in the document, which
//! arrived early, which this node committed past a gap (another node committed in between).
//! Every update a node's document holds has a smaller sequence number than anything that
//! node commits next (commits are serialised per board in the store and each node applies
//! before it commits), so applying relayed updates in order never meets a missing dependency.

use std::collections::{BTreeMap, BTreeSet};
use std::panic::AssertUnwindSafe;
use std::sync::atomic::Ordering;
use std::time::Duration;

use board::room_state::Effect;
use tokio::time::Instant;
use tracing::{debug, warn};
use yrs::sync::{Message as YMessage, MessageReader};
use yrs::updates::decoder::DecoderV1;
use yrs::{ReadTxn, Transact};

use super::Room;
use crate::relay::{Inbound, Message, MAX_INLINE_BYTES};
use crate::store::StoreError;

/// How long an early update waits for the ones before it before they are read from the store.
const GAP_WAIT: Duration = Duration::from_millis(100);
/// How long a failed read from the store waits before it is tried again.
pub(super) const RETRY_WAIT: Duration = Duration::from_secs(1);
/// Early updates held at most; past this they are dropped and read from the store instead.
const MAX_WAITING: usize = 10_000;
/// How often a room repeats how many connections it holds.
pub(super) const MEMBERS_EVERY: Duration = Duration::from_secs(10);
/// How long another node's count stays believed without being repeated.
const MEMBERS_EXPIRE: Duration = Duration::from_secs(30);
/// How often a room repeats to the store that it has the board open.
const OPENED_EVERY: Duration = Duration::from_secs(600);
/// y-websocket's message type of awareness frames.
const AWARENESS_FRAME: u8 = 1;

/// Which stored updates a room's document holds.
#[derive(Debug, Default)]
pub(super) struct Sequence {
    /// Every update numbered up to this is in the document.
    applied: i64,
    /// This node's own updates numbered past `applied` (in the document already).
    own_ahead: BTreeSet<i64>,
    /// Relayed updates that came before the ones they follow.
    waiting: BTreeMap<i64, Vec<u8>>,
    /// The highest number known to be committed (from a relay message or the store).
    head: i64,
}

impl Sequence {
    pub(super) fn new(applied: i64) -> Self {
        Sequence {
            applied,
            head: applied,
            ..Sequence::default()
        }
    }

    pub(super) fn applied(&self) -> i64 {
        self.applied
    }

    /// Some update known to be committed is not in the document yet.
    pub(super) fn behind(&self) -> bool {
        self.head > self.applied
    }

    /// This node committed `count` updates numbered from `first` (already in the document).
    pub(super) fn committed(&mut self, first: i64, count: usize) {
        let last = first + count as i64 - 1;
        if first == self.applied + 1 && self.own_ahead.is_empty() {
            self.applied = last;
        } else {
            self.own_ahead.extend(first..=last);
        }
        self.head = self.head.max(last);
        self.advance_own();
    }

    /// Updates another node committed from `first` (or read from the store): kept until their turn.
    pub(super) fn relayed(&mut self, first: i64, updates: Vec<Vec<u8>>) {
        for (i, update) in updates.into_iter().enumerate() {
            let Some(seq) = first.checked_add(i as i64) else {
                return;
            };
            if seq > self.applied && !self.own_ahead.contains(&seq) {
                if self.waiting.len() >= MAX_WAITING {
                    // Far behind: the store has them all, in order.
                    self.waiting.clear();
                }
                self.waiting.insert(seq, update);
            }
            self.head = self.head.max(seq);
        }
    }

    /// Something up to `head` is committed.
    pub(super) fn saw(&mut self, head: i64) {
        self.head = self.head.max(head);
    }

    /// The next update to apply, in order; `None` when the next one has not arrived.
    pub(super) fn next(&mut self) -> Option<Vec<u8>> {
        self.advance_own();
        let update = self.waiting.remove(&(self.applied + 1))?;
        self.applied += 1;
        self.advance_own();
        Some(update)
    }

    /// After the store said its last number is `last` (read after everything held here
    /// arrived): numbers beyond it are not real (a stray message, a board deleted and made
    /// again) and are forgotten. A genuine one committed since comes again from the next check.
    pub(super) fn store_said(&mut self, last: i64) {
        self.waiting.retain(|seq, _| *seq <= last);
        let own = self.own_ahead.iter().next_back().copied().unwrap_or(0);
        self.head = last.max(own).max(self.applied);
    }

    /// The document was rebuilt from the store through `applied`.
    pub(super) fn reset(&mut self, applied: i64) {
        self.applied = applied;
        self.own_ahead = self.own_ahead.split_off(&(applied + 1));
        self.waiting = self.waiting.split_off(&(applied + 1));
        self.head = self.head.max(applied);
        self.advance_own();
    }

    fn advance_own(&mut self) {
        while self.own_ahead.remove(&(self.applied + 1)) {
            self.applied += 1;
        }
        self.waiting = self.waiting.split_off(&(self.applied + 1));
    }
}

impl Room {
    /// Handles what the relay brought. An error means the store is unreachable.
    pub(super) async fn on_relay(&mut self, inbound: Inbound) -> Result<(), StoreError> {
        let envelope = match inbound {
            Inbound::Head(head) => {
                self.seq.saw(head);
                self.schedule_repair(GAP_WAIT);
                return Ok(());
            }
            Inbound::Links(stamp) => {
                if stamp.deleted {
                    self.deleted = true;
                } else if self.links.is_some_and(|seen| seen != stamp) {
                    self.rooms.links_reset_here(&self.id);
                }
                self.links = Some(stamp);
                return Ok(());
            }
            Inbound::Relayed(envelope) => envelope,
        };
        match envelope.message {
            Message::Updates { first_seq, updates } => {
                self.seq.relayed(first_seq, updates);
                self.apply_in_order().await?;
            }
            Message::Committed { last_seq } => {
                self.seq.saw(last_seq);
                self.schedule_repair(Duration::ZERO);
            }
            Message::Presence(frame) => {
                let mut decoder = DecoderV1::from(frame.as_slice());
                let mut out = Vec::new();
                for message in MessageReader::new(&mut decoder).flatten() {
                    if let YMessage::Awareness(update) = message {
                        self.state.apply_relayed_presence(update, &mut out);
                    }
                }
                self.carry_out(out);
            }
            Message::Hello => {
                if let (Some(relay), Some(frame)) = (&self.relay, self.state.local_presence_frame())
                {
                    relay.publish(&self.id, Message::Presence(frame));
                }
                self.publish_members(true);
            }
            Message::Deleted => self.deleted = true,
            Message::LinksReset => self.rooms.links_reset_here(&self.id),
            Message::Members(count) => {
                self.remote_members
                    .insert(envelope.node, (count, Instant::now()));
                self.count_remote_members();
            }
        }
        Ok(())
    }

    /// Applies the relayed updates whose turn has come and sends them to this node's peers.
    pub(super) async fn apply_in_order(&mut self) -> Result<(), StoreError> {
        let mut out = Vec::new();
        let mut broken = false;
        while let Some(update) = self.seq.next() {
            self.log_len += 1;
            let state = &mut self.state;
            let applied = std::panic::catch_unwind(AssertUnwindSafe(|| {
                state.apply_relayed(update, &mut out)
            }));
            if !matches!(applied, Ok(true)) {
                broken = true;
                break;
            }
        }
        self.carry_out(out);
        if broken {
            warn!("a relayed update did not apply; rebuilding the board from the store");
            self.relay_metrics(|m| &m.reloads);
            self.rebuild().await?;
        }
        if self.seq.behind() {
            self.schedule_repair(GAP_WAIT);
        } else {
            self.repair_due = None;
        }
        Ok(())
    }

    fn schedule_repair(&mut self, after: Duration) {
        if self.seq.behind() {
            let at = Instant::now() + after;
            self.repair_due = Some(self.repair_due.map_or(at, |due| due.min(at)));
        }
    }

    /// Reads what the room lacks from the store (or the whole board, when it was compacted
    /// past what the room holds).
    /// A store that cannot be read now is tried again after [`RETRY_WAIT`]: the room keeps
    /// serving (writes fail on their own); an error means the document could not be rebuilt.
    pub(super) async fn repair(&mut self) -> Result<(), StoreError> {
        self.repair_due = None;
        let tail = match self.store.updates_since(&self.id, self.seq.applied()).await {
            Ok(tail) => tail,
            Err(e) => {
                debug!(error = %e, "cannot read what other nodes committed; trying again");
                self.repair_due = Some(Instant::now() + RETRY_WAIT);
                return Ok(());
            }
        };
        match tail {
            Some(tail) => {
                let last = tail.last().map_or(self.seq.applied(), |(seq, _)| *seq);
                if !tail.is_empty() {
                    self.relay_metrics(|m| &m.gaps_repaired);
                    debug!(
                        from = self.seq.applied() + 1,
                        to = last,
                        "gap repaired from the store"
                    );
                }
                for (seq, update) in tail {
                    self.seq.relayed(seq, vec![update]);
                }
                self.seq.store_said(last);
                self.apply_in_order().await
            }
            None => {
                self.relay_metrics(|m| &m.reloads);
                self.rebuild().await?;
                if self.seq.behind() {
                    self.schedule_repair(GAP_WAIT);
                }
                Ok(())
            }
        }
    }

    /// Reloads the document from the store and sends this node's peers what it gained.
    pub(super) async fn rebuild(&mut self) -> Result<(), StoreError> {
        let before = self.state.awareness().doc().transact().state_vector();
        self.reload().await?;
        // Always sent: an update that only deletes leaves the state vector as it was, and the
        // diff carries the whole delete set.
        let diff = self
            .state
            .awareness()
            .doc()
            .transact()
            .encode_state_as_update_v1(&before);
        let frame = board::protocol::update(diff);
        self.carry_out(vec![Effect::Broadcast(frame.into())]);
        Ok(())
    }

    /// Tells the other nodes what this node just committed and which presence changed.
    pub(super) fn publish_commit(
        &self,
        first_seq: Option<(i64, Vec<Vec<u8>>)>,
        effects: &[Effect<super::ConnId>],
    ) {
        let Some(relay) = &self.relay else {
            return;
        };
        if let Some((first_seq, updates)) = first_seq {
            let bytes: usize = updates.iter().map(Vec::len).sum();
            let message = if bytes <= MAX_INLINE_BYTES {
                Message::Updates { first_seq, updates }
            } else {
                Message::Committed {
                    last_seq: first_seq + updates.len() as i64 - 1,
                }
            };
            relay.publish(&self.id, message);
        }
        for effect in effects {
            if let Effect::Broadcast(frame) = effect {
                if frame.first() == Some(&AWARENESS_FRAME) {
                    relay.publish(&self.id, Message::Presence(frame.to_vec()));
                }
            }
        }
    }

    /// Tells the other nodes how many connections this node holds on the board, when it
    /// changed (or always, with `force`).
    pub(super) fn publish_members(&mut self, force: bool) {
        let Some(relay) = &self.relay else {
            return;
        };
        let count = self.peers.len() as u32;
        if force || self.published_members != Some(count) {
            relay.publish(&self.id, Message::Members(count));
            self.published_members = Some(count);
            self.members_published_at = Instant::now();
        }
    }

    /// Forgets counts of nodes that stopped repeating them (a node that died) and tells the
    /// registry the sum, which the board's connection limit adds to this node's own.
    pub(super) fn count_remote_members(&mut self) {
        self.remote_members
            .retain(|_, (_, at)| at.elapsed() < MEMBERS_EXPIRE);
        let sum: u32 = self.remote_members.values().map(|(n, _)| *n).sum();
        self.handle
            .remote_members
            .store(sum as usize, Ordering::Release);
    }

    /// In a cluster: what the board's links are as the room loads, to notice a reset or a
    /// deletion on another node even when its message is lost.
    pub(super) async fn note_links(&mut self) -> Result<(), StoreError> {
        if self.relay.is_some() {
            let stamps = self
                .store
                .link_stamps(std::slice::from_ref(&self.id))
                .await?;
            self.links = stamps.first().map(|(_, stamp)| *stamp);
        }
        Ok(())
    }

    /// Tells the store this node has the board open (see `BoardStore::board_opened`), at
    /// load and then every [`OPENED_EVERY`].
    pub(super) async fn note_opened(&mut self, now: bool) {
        if self.relay.is_none()
            || (!now
                && self
                    .opened_noted
                    .is_some_and(|t| t.elapsed() < OPENED_EVERY))
        {
            return;
        }
        self.opened_noted = Some(Instant::now());
        if let Err(e) = self.store.board_opened(&self.id).await {
            debug!(error = %e, "cannot note the board as open");
        }
    }

    /// Before a new connection's sync: whatever other nodes committed is in the document, so
    /// the client's answer (which holds only committed or its own changes) depends on nothing
    /// the room lacks.
    pub(super) async fn catch_up(&mut self) -> Result<(), StoreError> {
        if self.relay.is_some() {
            self.repair().await?;
        }
        Ok(())
    }

    fn relay_metrics(
        &self,
        counter: impl Fn(&crate::relay::RelayMetrics) -> &std::sync::atomic::AtomicU64,
    ) {
        if let Some(relay) = &self.relay {
            counter(relay.metrics()).fetch_add(1, Ordering::Relaxed);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::Sequence;

    #[test]
    fn own_commits_in_order_advance_at_once() {
        let mut seq = Sequence::new(0);
        seq.committed(1, 3);
        assert_eq!(seq.applied(), 3);
        assert!(!seq.behind());
        assert_eq!(seq.next(), None);
    }

    #[test]
    fn relayed_updates_apply_in_order_whatever_order_they_come_in() {
        let mut seq = Sequence::new(4);
        seq.relayed(7, vec![b"7".to_vec()]);
        assert!(seq.behind());
        assert_eq!(seq.next(), None, "5 and 6 are missing");
        seq.relayed(5, vec![b"5".to_vec(), b"6".to_vec()]);
        let order: Vec<Vec<u8>> = std::iter::from_fn(|| seq.next()).collect();
        assert_eq!(order, [b"5".to_vec(), b"6".to_vec(), b"7".to_vec()]);
        assert_eq!(seq.applied(), 7);
        assert!(!seq.behind());
    }

    #[test]
    fn own_updates_past_a_gap_are_skipped_when_the_gap_fills() {
        let mut seq = Sequence::new(0);
        // Another node committed 1 and 2; this node's commit got 3.
        seq.committed(3, 1);
        assert_eq!(seq.applied(), 0);
        assert!(seq.behind());
        // The store's tail repeats 3: it is not applied twice.
        seq.relayed(1, vec![b"1".to_vec(), b"2".to_vec(), b"3".to_vec()]);
        assert_eq!(seq.next(), Some(b"1".to_vec()));
        assert_eq!(seq.next(), Some(b"2".to_vec()));
        assert_eq!(seq.next(), None);
        assert_eq!(seq.applied(), 3);
        assert!(!seq.behind());
    }

    #[test]
    fn duplicates_and_old_updates_are_ignored() {
        let mut seq = Sequence::new(5);
        seq.relayed(4, vec![b"4".to_vec(), b"5".to_vec(), b"6".to_vec()]);
        seq.relayed(6, vec![b"6 again".to_vec()]);
        assert_eq!(seq.next(), Some(b"6 again".to_vec()));
        assert_eq!(seq.next(), None);
    }

    #[test]
    fn a_head_from_the_store_makes_the_room_behind_until_it_has_caught_up() {
        let mut seq = Sequence::new(2);
        seq.saw(2);
        assert!(!seq.behind());
        seq.saw(4);
        assert!(seq.behind());
        seq.relayed(3, vec![b"3".to_vec(), b"4".to_vec()]);
        while seq.next().is_some() {}
        assert!(!seq.behind());
    }

    #[test]
    fn a_reload_keeps_only_what_lies_past_it() {
        let mut seq = Sequence::new(1);
        seq.committed(9, 1);
        seq.relayed(12, vec![b"12".to_vec()]);
        seq.reset(10);
        assert_eq!(seq.applied(), 10);
        assert!(seq.behind(), "12 is known");
        seq.relayed(11, vec![b"11".to_vec()]);
        assert_eq!(seq.next(), Some(b"11".to_vec()));
        assert_eq!(seq.next(), Some(b"12".to_vec()));
        assert!(!seq.behind());
    }

    #[test]
    fn the_store_corrects_a_head_guessed_too_high() {
        let mut seq = Sequence::new(3);
        seq.saw(10);
        seq.store_said(3);
        assert!(!seq.behind());
        // A stray early update past what the store holds is forgotten, not waited for forever.
        seq.relayed(1_000, vec![b"stray".to_vec()]);
        seq.store_said(3);
        assert!(!seq.behind());
        assert_eq!(seq.next(), None);
        // Numbers near the end of the range do not overflow.
        seq.relayed(i64::MAX, vec![b"a".to_vec(), b"b".to_vec()]);
    }
}
