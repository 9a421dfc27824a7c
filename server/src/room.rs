//! One task per open board. It owns the board's [`RoomState`] (yrs document and awareness, sans
//! IO); connections talk to it through a bounded channel and receive frames through their own
//! bounded queues.
//!
//! Each turn of the loop takes every command already waiting (up to [`BATCH`]), applies them,
//! commits all their document updates in one transaction (group commit), and only then sends
//! anything out — so no peer ever sees an update that is not on disk.
//!
//! One peer's input costs only that peer. If yrs panics on a message anyway (the guard in
//! `board::guard` keeps out what is known to break it), the turn stops there: what the batch
//! did before that message is committed and sent, the sender is closed with 1007, the document
//! is rebuilt from storage (which holds exactly what was sent), and the rest of the batch goes
//! on with every other connection and its presence in place.
//!
//! In a cluster (`crate::relay`) the room also applies what other nodes committed, in sequence
//! order, and tells them what it committed: `cluster.rs`.
//!
//! Presence changes are held for the window `crate::pace` sets (`WB_PRESENCE_FLUSH_MS`, longer
//! while the server falls behind) and sent as one frame, or with the next update (see
//! `board::room_state`); removals go out at once.
//!
//! Over 600 lines on purpose: the loop, the turn, the commit and the fan-out share the room's
//! state and read best in order. What is apart lives in `room/`: close reasons (`close.rs`)
//! and the cluster half (`cluster.rs`).

mod close;
mod cluster;

pub use close::CloseReason;

use std::collections::VecDeque;
use std::collections::{HashMap, HashSet};
use std::panic::AssertUnwindSafe;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use board::room_state::{server_doc, Effect, Refusal, RoomState};
use board::BoardId;
use bytes::Bytes;
use tokio::sync::{mpsc, oneshot};
use tokio::time::{Instant, MissedTickBehavior};
use tracing::{debug, error, info, warn, Instrument};
use yrs::sync::{Awareness, Message, SyncMessage};

use crate::clients::ClientAddr;
use crate::history::VersionClock;
use crate::outbox::{self, OutboxSender};
use crate::relay::{self, Inbound, NodeId, Relay};
use crate::rooms::Rooms;
use crate::store::BoardStore;

/// Most commands handled (and updates committed together) in one turn.
const BATCH: usize = 256;

/// Identifies a connection within the server.
pub type ConnId = u64;

/// What a connection gives the room when it joins.
pub struct Member {
    /// Frames for this connection's writer.
    pub outbox: OutboxSender,
    /// Fired when the room closes this connection.
    pub kick: oneshot::Sender<CloseReason>,
    /// Where the connection comes from: a document it breaks counts against that address.
    pub addr: ClientAddr,
}

pub enum Command {
    Join(ConnId, Member),
    Messages(ConnId, Vec<Message>),
    Leave(ConnId),
    Shutdown,
    /// The board is being deleted: close everyone and stop without writing anything more.
    Delete,
}

/// A cheap, cloneable way to reach a room.
#[derive(Clone)]
pub struct RoomHandle {
    pub(crate) tx: mpsc::Sender<Command>,
    /// Connections that joined (or are joining) and have not left. Changed under the rooms
    /// registry lock when joining, so a room that sees zero there can unload without a race.
    pub(crate) members: Arc<AtomicUsize>,
    /// Connections other nodes of a cluster hold on the board, as they last said.
    pub(crate) remote_members: Arc<AtomicUsize>,
}

impl RoomHandle {
    pub async fn send(&self, cmd: Command) -> bool {
        self.tx.send(cmd).await.is_ok()
    }

    /// Leaves the room: the room drops the connection's awareness and may unload.
    pub async fn leave(&self, conn: ConnId) {
        let _ = self.tx.send(Command::Leave(conn)).await;
        self.members.fetch_sub(1, Ordering::AcqRel);
    }
}

struct Peer {
    outbox: OutboxSender,
    /// Taken when the room closes this connection (it then leaves on its own).
    kick: Option<oneshot::Sender<CloseReason>>,
    addr: ClientAddr,
}

pub struct Room {
    id: BoardId,
    state: RoomState<ConnId>,
    peers: HashMap<ConnId, Peer>,
    store: Arc<dyn BoardStore>,
    rooms: Rooms,
    handle: RoomHandle,
    /// Which stored updates the document holds.
    seq: cluster::Sequence,
    /// Updates in the store's log since the last snapshot.
    log_len: usize,
    /// When the next version of the board is due, and who edited since the last one.
    versions: VersionClock,
    /// Connections that changed the board since the last version (their names are read once).
    editors: HashSet<ConnId>,
    /// The link to the other nodes of a cluster, and this room's registration with it.
    relay: Option<Relay>,
    relay_tx: Option<mpsc::Sender<Inbound>>,
    /// When to read missing updates from the store.
    repair_due: Option<Instant>,
    /// Connections other nodes hold on the board, and when they said so.
    remote_members: HashMap<NodeId, (u32, Instant)>,
    published_members: Option<u32>,
    members_published_at: Instant,
    /// Another node deleted the board: the room closes everyone and stops.
    deleted: bool,
    /// The board's links as last read (cluster only).
    links: Option<crate::store::LinkStamp>,
    /// When the store was last told this node has the board open (cluster only).
    opened_noted: Option<Instant>,
    /// When the presence changes held since the last flush go out (`crate::pace`).
    presence_due: Option<Instant>,
}

impl Room {
    /// Starts the room task. It loads the board before it handles any command, so the first
    /// sync answer a client gets is the whole board.
    pub fn spawn(
        id: BoardId,
        store: Arc<dyn BoardStore>,
        rooms: Rooms,
        queue: usize,
    ) -> (RoomHandle, tokio::task::JoinHandle<()>) {
        let (tx, rx) = mpsc::channel(queue);
        let handle = RoomHandle {
            tx,
            members: Arc::new(AtomicUsize::new(0)),
            remote_members: Arc::new(AtomicUsize::new(0)),
        };
        let max_bytes = rooms.config().max_board_bytes;
        let versions = VersionClock::new(
            Duration::from_secs(rooms.config().version_quiet_secs.max(1)),
            Duration::from_secs(rooms.config().version_every_secs.max(1)),
        );
        let relay = rooms.relay().cloned();
        let room = Room {
            id: id.clone(),
            state: RoomState::new(Awareness::new(server_doc()), max_bytes),
            peers: HashMap::new(),
            store,
            rooms,
            handle: handle.clone(),
            seq: cluster::Sequence::new(0),
            log_len: 0,
            versions,
            editors: HashSet::new(),
            relay,
            relay_tx: None,
            repair_due: None,
            remote_members: HashMap::new(),
            published_members: None,
            members_published_at: Instant::now(),
            deleted: false,
            links: None,
            opened_noted: None,
            presence_due: None,
        };
        let span = tracing::info_span!("room", board = %crate::rooms::board_tag(&id));
        let task = tokio::spawn(room.run(rx).instrument(span));
        (handle, task)
    }

    async fn run(mut self, mut rx: mpsc::Receiver<Command>) {
        self.rooms
            .metrics()
            .rooms_open
            .fetch_add(1, Ordering::Relaxed);
        // Subscribed before loading: nothing committed after the load is missed.
        let mut relay_rx = None;
        if let Some(relay) = self.relay.clone() {
            let (tx, rx) = mpsc::channel(relay::ROOM_QUEUE);
            relay.join(&self.id, tx.clone()).await;
            self.relay_tx = Some(tx);
            relay_rx = Some(rx);
        }
        if let Err(e) = self.load().await {
            warn!(error = %e, "cannot load board");
            self.fail(rx, CloseReason::STORAGE).await;
            return;
        }
        if let Some(relay) = &self.relay {
            relay.publish(&self.id, relay::Message::Hello);
        }
        self.note_opened(true).await;
        let grace = self.rooms.config().room_grace();
        let mut sweep = tokio::time::interval(self.rooms.config().awareness_sweep());
        let awareness_timeout = self.rooms.config().awareness_timeout_ms;
        sweep.set_missed_tick_behavior(MissedTickBehavior::Delay);
        let mut idle_since: Option<Instant> = Some(Instant::now());
        let mut batch = Vec::with_capacity(BATCH);
        loop {
            let idle_deadline = idle_since.map(|t| t + grace);
            tokio::select! {
                n = rx.recv_many(&mut batch, BATCH) => {
                    if n == 0 {
                        break;
                    }
                    if batch.iter().any(|c| matches!(c, Command::Delete)) {
                        self.close_all(CloseReason::DELETED);
                        self.leave_relay().await;
                        self.rooms.metrics().rooms_open.fetch_sub(1, Ordering::Relaxed);
                        info!("room closed: board deleted");
                        return;
                    }
                    let shutdown = batch.iter().any(|c| matches!(c, Command::Shutdown));
                    if let Some(reason) = self.turn(std::mem::take(&mut batch)).await {
                        self.fail(rx, reason).await;
                        return;
                    }
                    if shutdown {
                        self.close_all(CloseReason::SHUTDOWN);
                        self.leave_presence();
                        break;
                    }
                    self.publish_members(false);
                    self.schedule_presence();
                }
                _ = sleep_until(self.presence_due) => self.flush_presence(),
                Some(inbound) = recv(&mut relay_rx) => {
                    if let Err(e) = self.on_relay(inbound).await {
                        warn!(error = %e, "cannot rebuild the board from the store");
                        self.fail(rx, CloseReason::STORAGE).await;
                        return;
                    }
                    if self.deleted {
                        self.close_all(CloseReason::DELETED);
                        self.rooms.remove(&self.id, &self.handle);
                        self.leave_relay().await;
                        self.rooms.metrics().rooms_open.fetch_sub(1, Ordering::Relaxed);
                        info!("room closed: board deleted on another node");
                        return;
                    }
                }
                _ = sleep_until(self.repair_due) => {
                    if let Err(e) = self.repair().await {
                        warn!(error = %e, "cannot rebuild the board from the store");
                        self.fail(rx, CloseReason::STORAGE).await;
                        return;
                    }
                }
                _ = sweep.tick() => {
                    let mut out = Vec::new();
                    self.state.expire_awareness(now_ms(), awareness_timeout, &mut out);
                    self.carry_out(out);
                    if self.relay.is_some() {
                        self.count_remote_members();
                        self.note_opened(false).await;
                        if self.members_published_at.elapsed() >= cluster::MEMBERS_EVERY {
                            self.publish_members(true);
                        }
                    }
                }
                _ = sleep_until(self.versions.due()) => {
                    self.keep_version().await;
                }
                _ = sleep_until(idle_deadline) => {
                    if self.rooms.try_unload(&self.id, &self.handle) {
                        break;
                    }
                    idle_since = None;
                }
            }
            if self.peers.is_empty() {
                idle_since.get_or_insert_with(Instant::now);
            } else {
                idle_since = None;
            }
        }
        if self.versions.pending() {
            self.keep_version().await;
        }
        self.compact().await;
        self.leave_relay().await;
        self.rooms
            .metrics()
            .rooms_open
            .fetch_sub(1, Ordering::Relaxed);
        info!("room unloaded");
    }

    async fn load(&mut self) -> Result<(), crate::store::StoreError> {
        self.note_links().await?;
        let stored = self.store.load(&self.id).await?;
        let parts = stored.snapshot.iter().chain(stored.updates.iter());
        let skipped = self.state.load(parts.map(Vec::as_slice));
        if skipped > 0 {
            warn!(skipped, "stored updates that do not apply were skipped");
        }
        self.seq = cluster::Sequence::new(stored.last_seq);
        self.log_len = stored.updates.len();
        debug!(
            last_seq = stored.last_seq,
            log = self.log_len,
            "board loaded"
        );
        Ok(())
    }

    /// Handles one batch: applies every command, commits the batch's updates in one
    /// transaction, then sends. Returns why the room must close, if it must.
    async fn turn(&mut self, batch: Vec<Command>) -> Option<CloseReason> {
        if batch.iter().any(|c| matches!(c, Command::Join(..))) {
            if let Err(e) = self.catch_up().await {
                warn!(error = %e, "cannot rebuild the board from the store");
                return Some(CloseReason::STORAGE);
            }
        }
        let mut batch = VecDeque::from(batch);
        while !batch.is_empty() {
            let mut out = Vec::new();
            let broken_by = self.apply_batch(&mut batch, &mut out);
            if let Some(reason) = self.commit(out).await {
                return Some(reason);
            }
            if let Some(conn) = broken_by {
                // The document may be half changed by the message that panicked: rebuild it
                // from what is stored (everything sent so far, nothing of that message).
                warn!(
                    conn,
                    "an update broke the board's document; closing its sender, reloading"
                );
                self.rooms
                    .metrics()
                    .room_reloads
                    .fetch_add(1, Ordering::Relaxed);
                if let Some(peer) = self.peers.get(&conn) {
                    self.rooms.clients().note_reload(peer.addr);
                }
                self.kick(conn, CloseReason::BROKE_DOCUMENT);
                // In a cluster the store may hold what other nodes committed meanwhile: the
                // peers here get what the reload brought.
                let reloaded = if self.relay.is_some() {
                    self.rebuild().await
                } else {
                    self.reload().await
                };
                if let Err(e) = reloaded {
                    warn!(error = %e, "cannot reload board");
                    return Some(CloseReason::STORAGE);
                }
            }
        }
        if self.log_len >= self.rooms.config().compact_every {
            self.compact().await;
        }
        None
    }

    /// Rebuilds the document from storage; connections and presence stay.
    async fn reload(&mut self) -> Result<(), crate::store::StoreError> {
        let stored = self.store.load(&self.id).await?;
        let parts = stored.snapshot.iter().chain(stored.updates.iter());
        let fresh = Awareness::new(server_doc());
        let skipped = self.state.reload(fresh, parts.map(Vec::as_slice));
        if skipped > 0 {
            warn!(skipped, "stored updates that do not apply were skipped");
        }
        self.seq.reset(stored.last_seq);
        self.log_len = stored.updates.len();
        Ok(())
    }

    /// Stores the effects' updates in one transaction, then sends their frames.
    async fn commit(&mut self, mut out: Vec<Effect<ConnId>>) -> Option<CloseReason> {
        let durable: Vec<Vec<u8>> = out
            .iter_mut()
            .filter_map(|e| match e {
                Effect::Persist(update) => Some(std::mem::take(update)),
                _ => None,
            })
            .collect();
        let mut committed = None;
        if !durable.is_empty() {
            let started = Instant::now();
            let count = durable.len();
            let relayed = self.relay.is_some().then(|| durable.clone());
            let expected = self.seq.applied() + 1;
            let first = match self.store.append(&self.id, expected, durable).await {
                Ok(first) => first,
                Err(e) => {
                    warn!(error = %e, updates = count, "cannot store updates");
                    return Some(CloseReason::STORAGE);
                }
            };
            self.rooms.metrics().observe_persist(started.elapsed());
            self.seq.committed(first, count);
            self.log_len += count;
            self.versions.changed(Instant::now(), []);
            committed = relayed.map(|updates| (first, updates));
        }
        self.publish_commit(committed, &out);
        self.carry_out(out);
        if self.seq.behind() && self.repair_due.is_none() {
            // Another node committed in between; its updates are on their way or in the store.
            self.repair_due = Some(Instant::now() + std::time::Duration::from_millis(100));
        }
        None
    }

    /// Applies commands from the front of `batch` until it is empty or a message makes yrs
    /// panic; returns the connection that sent that message (the rest of its command is
    /// dropped with it, the commands after it stay in `batch`).
    fn apply_batch(
        &mut self,
        batch: &mut VecDeque<Command>,
        out: &mut Vec<Effect<ConnId>>,
    ) -> Option<ConnId> {
        while let Some(cmd) = batch.pop_front() {
            match cmd {
                Command::Join(conn, member) => {
                    self.peers.insert(
                        conn,
                        Peer {
                            outbox: member.outbox,
                            kick: Some(member.kick),
                            addr: member.addr,
                        },
                    );
                    self.state.join(conn, out);
                }
                Command::Messages(conn, msgs) => {
                    let metrics = self.rooms.metrics();
                    for msg in msgs {
                        if matches!(
                            msg,
                            Message::Sync(SyncMessage::Update(_) | SyncMessage::SyncStep2(_))
                        ) {
                            metrics.updates_in.fetch_add(1, Ordering::Relaxed);
                            if self.editors.insert(conn) {
                                self.versions.edited_by(self.state.names_of(conn));
                            }
                        }
                        let before = out.len();
                        let state = &mut self.state;
                        let handled = std::panic::catch_unwind(AssertUnwindSafe(|| {
                            state.handle(conn, msg, out);
                        }));
                        if handled.is_err() {
                            out.truncate(before);
                            return Some(conn);
                        }
                    }
                }
                Command::Leave(conn) => {
                    self.peers.remove(&conn);
                    self.state.leave(conn, out);
                }
                Command::Shutdown | Command::Delete => {}
            }
        }
        None
    }

    /// Sends frames and closes connections, in order. Persist effects were handled already.
    fn carry_out(&mut self, effects: Vec<Effect<ConnId>>) {
        for effect in effects {
            match effect {
                Effect::Persist(_) => {}
                Effect::Reply(conn, frame) => self.send(conn, Bytes::from_owner(frame)),
                Effect::Broadcast(frame) => {
                    // One buffer shared by every connection's queue.
                    let frame = Bytes::from_owner(frame);
                    let conns: Vec<ConnId> = self.peers.keys().copied().collect();
                    for conn in conns {
                        self.send(conn, frame.clone());
                    }
                }
                Effect::Close(conn, refusal) => {
                    let reason = match refusal {
                        Refusal::InvalidUpdate => CloseReason::INVALID_UPDATE,
                        Refusal::BoardFull => CloseReason::BOARD_FULL,
                        Refusal::KeepsRefused => CloseReason::KEEPS_REFUSED,
                        Refusal::PresenceLimit => CloseReason::PRESENCE_LIMIT,
                    };
                    debug!(conn, ?refusal, "closing connection");
                    self.kick(conn, reason);
                }
            }
        }
    }

    /// Presence changes a turn applied go out after the flush window (at once when it is 0),
    /// merged with any that follow them within it.
    fn schedule_presence(&mut self) {
        if !self.state.presence_pending() {
            // Nothing held, or an update of this turn took it along: no flush is due.
            self.presence_due = None;
            return;
        }
        if self.presence_due.is_some() {
            return;
        }
        let window = self.rooms.presence_pace().window();
        if window.is_zero() {
            self.flush_presence();
        } else {
            self.presence_due = Some(Instant::now() + window);
        }
    }

    /// Sends the held presence changes to every connection here and to the other nodes.
    fn flush_presence(&mut self) {
        self.presence_due = None;
        let mut out = Vec::new();
        self.state.flush_presence(&mut out);
        self.publish_commit(None, &out);
        self.carry_out(out);
    }

    /// Queues a frame for one connection; a full queue closes that connection (it resyncs on
    /// reconnection) instead of silently dropping the frame.
    fn send(&mut self, conn: ConnId, frame: Bytes) {
        let Some(peer) = self.peers.get(&conn) else {
            return;
        };
        match peer.outbox.try_send(frame) {
            Ok(()) => {
                self.rooms
                    .metrics()
                    .frames_out
                    .fetch_add(1, Ordering::Relaxed);
            }
            Err(outbox::Refused::Full) => {
                debug!(conn, "slow reader: closing its connection");
                self.kick(conn, CloseReason::SLOW_READER);
            }
            Err(outbox::Refused::Closed) => {}
        }
    }

    /// Tells one connection to close; it leaves the room on its own.
    fn kick(&mut self, conn: ConnId, reason: CloseReason) {
        if let Some(kick) = self.peers.get_mut(&conn).and_then(|p| p.kick.take()) {
            let _ = kick.send(reason);
        }
    }

    fn close_all(&mut self, reason: CloseReason) {
        let conns: Vec<ConnId> = self.peers.keys().copied().collect();
        for conn in conns {
            self.kick(conn, reason);
        }
    }

    /// Closes every connection (present and queued) and removes the room, so the next client
    /// reloads the board from the store. Clients keep their documents and resync, so nothing
    /// they had is lost.
    async fn fail(mut self, mut rx: mpsc::Receiver<Command>, reason: CloseReason) {
        self.leave_relay().await;
        self.rooms
            .metrics()
            .rooms_open
            .fetch_sub(1, Ordering::Relaxed);
        self.close_all(reason);
        self.rooms.remove(&self.id, &self.handle);
        rx.close();
        while let Some(cmd) = rx.recv().await {
            if let Command::Join(_, member) = cmd {
                let _ = member.kick.send(reason);
            }
        }
    }

    /// Keeps the board as it is now as a version (see `crate::history`).
    async fn keep_version(&mut self) {
        let editors = self.versions.take();
        self.editors.clear();
        let Ok(state) = std::panic::catch_unwind(AssertUnwindSafe(|| self.state.snapshot())) else {
            error!("the board cannot be encoded; no version kept");
            return;
        };
        let version = crate::store::NewVersion {
            seq: self.seq.applied(),
            reason: crate::store::VersionReason::Edit,
            editors: &editors,
        };
        let cap = self.rooms.config().max_board_bytes as u64;
        match self.store.add_version(&self.id, &state, version, cap).await {
            Ok(id) => debug!(id, bytes = state.len(), "version kept"),
            Err(e) => warn!(error = %e, "cannot keep a version"),
        }
    }

    /// Folds the update log into a snapshot (one transaction in the store).
    async fn compact(&mut self) {
        if self.log_len == 0 {
            return;
        }
        let Ok(snapshot) = std::panic::catch_unwind(AssertUnwindSafe(|| self.state.snapshot()))
        else {
            error!("the board cannot be encoded; compaction skipped, the log is kept");
            return;
        };
        let through = self.seq.applied();
        match self.store.compact(&self.id, &snapshot, through).await {
            Ok(()) => {
                debug!(through, folded = self.log_len, "compacted");
                self.log_len = 0;
                self.state.set_stored_bytes(snapshot.len());
            }
            Err(e) => warn!(error = %e, "compaction failed; the log is kept"),
        }
    }
}

impl Room {
    /// Unsubscribes from the relay and tells the other nodes this node holds no connection.
    async fn leave_relay(&mut self) {
        let (Some(relay), Some(tx)) = (self.relay.clone(), self.relay_tx.take()) else {
            return;
        };
        if relay.leave(&self.id, &tx).await {
            relay.publish(&self.id, relay::Message::Members(0));
        }
    }

    /// On shutdown: the other nodes drop this node's presences now rather than at their timeout.
    fn leave_presence(&mut self) {
        let mut out = Vec::new();
        let conns: Vec<ConnId> = self.peers.keys().copied().collect();
        for conn in conns {
            self.state.leave(conn, &mut out);
        }
        self.publish_commit(None, &out);
    }
}

async fn recv(rx: &mut Option<mpsc::Receiver<Inbound>>) -> Option<Inbound> {
    match rx {
        Some(rx) => rx.recv().await,
        None => std::future::pending().await,
    }
}

fn now_ms() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis() as u64)
        .unwrap_or(0)
}

async fn sleep_until(deadline: Option<Instant>) {
    match deadline {
        Some(d) => tokio::time::sleep_until(d).await,
        None => std::future::pending().await,
    }
}
