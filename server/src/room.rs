//! One task per open board. It owns the board's yrs document and awareness; connections talk to
//! it through a bounded channel and receive frames through their own bounded queues.
//!
//! Each turn of the loop takes every command already waiting (up to [`BATCH`]), applies them,
//! commits all their document updates in one transaction (group commit), and only then sends
//! anything out — so no peer ever sees an update that is not on disk.

use std::collections::{HashMap, HashSet};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use board::protocol::{self, Frame};
use board::BoardId;
use tokio::sync::{mpsc, oneshot};
use tokio::time::{Instant, MissedTickBehavior};
use tracing::{debug, info, warn, Instrument};
use yrs::sync::{Awareness, Message, SyncMessage};
use yrs::updates::decoder::Decode;
use yrs::updates::encoder::Encode;
use yrs::{ClientID, Doc, ReadTxn, StateVector, Transact, Update};

use crate::rooms::Rooms;
use crate::store::BoardStore;

/// Most commands handled (and updates committed together) in one turn.
const BATCH: usize = 256;
/// Awareness states not renewed for this long are removed (clients renew every 15 s).
const AWARENESS_TIMEOUT: Duration = Duration::from_secs(30);
const AWARENESS_SWEEP: Duration = Duration::from_secs(5);

/// Identifies a connection within the server.
pub type ConnId = u64;

/// How a room tells a connection to close.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CloseReason {
    pub code: u16,
    pub reason: &'static str,
}

impl CloseReason {
    pub const SLOW_READER: CloseReason = CloseReason {
        code: 1013,
        reason: "outbound queue full; reconnect to resync",
    };
    pub const STORAGE: CloseReason = CloseReason {
        code: 1011,
        reason: "storage unavailable",
    };
    pub const BOARD_FULL: CloseReason = CloseReason {
        code: 1008,
        reason: "board size limit reached",
    };
    pub const SHUTDOWN: CloseReason = CloseReason {
        code: 1001,
        reason: "server shutting down",
    };
}

/// What a connection gives the room when it joins.
pub struct Member {
    /// Frames for this connection's writer.
    pub outbox: mpsc::Sender<Frame>,
    /// Fired when the room closes this connection.
    pub kick: oneshot::Sender<CloseReason>,
}

pub enum Command {
    Join(ConnId, Member),
    Messages(ConnId, Vec<Message>),
    Leave(ConnId),
    Shutdown,
}

/// A cheap, cloneable way to reach a room.
#[derive(Clone)]
pub struct RoomHandle {
    pub(crate) tx: mpsc::Sender<Command>,
    /// Connections that joined (or are joining) and have not left. Changed under the rooms
    /// registry lock when joining, so a room that sees zero there can unload without a race.
    pub(crate) members: Arc<AtomicUsize>,
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
    outbox: mpsc::Sender<Frame>,
    kick: Option<oneshot::Sender<CloseReason>>,
    /// Awareness client ids this connection announced, removed when it leaves.
    clients: HashSet<ClientID>,
}

/// Frames to send once the turn's updates are durable.
enum Out {
    To(ConnId, Frame),
    All(Frame),
}

pub struct Room {
    id: BoardId,
    awareness: Awareness,
    peers: HashMap<ConnId, Peer>,
    store: Arc<dyn BoardStore>,
    rooms: Rooms,
    handle: RoomHandle,
    /// Sequence number of the last update in the store.
    last_seq: i64,
    /// Updates in the store's log since the last snapshot.
    log_len: usize,
    /// Bytes of the board in the store (snapshot + log), checked against the size limit.
    stored_bytes: usize,
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
        };
        let room = Room {
            id: id.clone(),
            awareness: Awareness::new(Doc::new()),
            peers: HashMap::new(),
            store,
            rooms,
            handle: handle.clone(),
            last_seq: 0,
            log_len: 0,
            stored_bytes: 0,
        };
        let span = tracing::info_span!("room", board_id = %id);
        let task = tokio::spawn(room.run(rx).instrument(span));
        (handle, task)
    }

    async fn run(mut self, mut rx: mpsc::Receiver<Command>) {
        if let Err(e) = self.load().await {
            warn!(error = %e, "cannot load board");
            self.fail(rx, CloseReason::STORAGE).await;
            return;
        }
        self.rooms
            .metrics()
            .rooms_open
            .fetch_add(1, Ordering::Relaxed);
        let grace = self.rooms.config().room_grace();
        let mut sweep = tokio::time::interval(AWARENESS_SWEEP);
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
                    let shutdown = batch.iter().any(|c| matches!(c, Command::Shutdown));
                    if !self.turn(std::mem::take(&mut batch)).await {
                        self.fail(rx, CloseReason::STORAGE).await;
                        return;
                    }
                    if shutdown {
                        self.close_all(CloseReason::SHUTDOWN);
                        break;
                    }
                }
                _ = sweep.tick() => self.expire_awareness(),
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
        self.compact().await;
        self.rooms
            .metrics()
            .rooms_open
            .fetch_sub(1, Ordering::Relaxed);
        info!("room unloaded");
    }

    async fn load(&mut self) -> Result<(), crate::store::StoreError> {
        let stored = self.store.load(&self.id).await?;
        let doc = self.awareness.doc();
        let mut txn = doc.transact_mut();
        for bytes in stored.snapshot.iter().chain(stored.updates.iter()) {
            match Update::decode_v1(bytes) {
                Ok(update) => {
                    if let Err(e) = txn.apply_update(update) {
                        warn!(error = %e, "stored update does not apply; skipped");
                    }
                }
                Err(e) => warn!(error = %e, "stored update does not decode; skipped"),
            }
        }
        drop(txn);
        self.last_seq = stored.last_seq;
        self.log_len = stored.updates.len();
        self.stored_bytes = stored.snapshot.as_ref().map_or(0, Vec::len)
            + stored.updates.iter().map(Vec::len).sum::<usize>();
        debug!(last_seq = self.last_seq, log = self.log_len, "board loaded");
        Ok(())
    }

    /// Handles one batch. Returns false when its updates could not be stored.
    async fn turn(&mut self, batch: Vec<Command>) -> bool {
        let mut out = Vec::new();
        let mut durable = Vec::new();
        for cmd in batch {
            match cmd {
                Command::Join(conn, member) => self.join(conn, member, &mut out),
                Command::Messages(conn, msgs) => {
                    for msg in msgs {
                        self.handle(conn, msg, &mut out, &mut durable);
                    }
                }
                Command::Leave(conn) => self.leave(conn, &mut out),
                Command::Shutdown => {}
            }
        }
        if !durable.is_empty() {
            let started = Instant::now();
            let first = self.last_seq + 1;
            if let Err(e) = self.store.append(&self.id, first, &durable).await {
                warn!(error = %e, updates = durable.len(), "cannot store updates");
                return false;
            }
            self.rooms.metrics().observe_persist(started.elapsed());
            self.last_seq += durable.len() as i64;
            self.log_len += durable.len();
        }
        for o in out {
            match o {
                Out::To(conn, frame) => self.send(conn, frame),
                Out::All(frame) => {
                    let conns: Vec<ConnId> = self.peers.keys().copied().collect();
                    for conn in conns {
                        self.send(conn, frame.clone());
                    }
                }
            }
        }
        if self.log_len >= self.rooms.config().compact_every {
            self.compact().await;
        }
        true
    }

    fn join(&mut self, conn: ConnId, member: Member, out: &mut Vec<Out>) {
        self.peers.insert(
            conn,
            Peer {
                outbox: member.outbox,
                kick: Some(member.kick),
                clients: HashSet::new(),
            },
        );
        // Step 1 first (so the client uploads what it has), then the awareness we hold.
        let sv = self.awareness.doc().transact().state_vector();
        out.push(Out::To(conn, protocol::sync_step1(&sv)));
        if let Some(frame) = protocol::awareness_frame(&self.awareness) {
            out.push(Out::To(conn, frame));
        }
        debug!(conn, peers = self.peers.len(), "joined");
    }

    fn leave(&mut self, conn: ConnId, out: &mut Vec<Out>) {
        let Some(peer) = self.peers.remove(&conn) else {
            return;
        };
        self.remove_awareness(peer.clients, out);
        debug!(conn, peers = self.peers.len(), "left");
    }

    fn handle(
        &mut self,
        conn: ConnId,
        msg: Message,
        out: &mut Vec<Out>,
        durable: &mut Vec<Vec<u8>>,
    ) {
        if !self.peers.contains_key(&conn) {
            return;
        }
        let metrics = self.rooms.metrics();
        match msg {
            Message::Sync(SyncMessage::SyncStep1(sv)) => {
                let update = self
                    .awareness
                    .doc()
                    .transact()
                    .encode_state_as_update_v1(&sv);
                out.push(Out::To(conn, protocol::sync_step2(update)));
            }
            Message::Sync(SyncMessage::SyncStep2(bytes) | SyncMessage::Update(bytes)) => {
                metrics.updates_in.fetch_add(1, Ordering::Relaxed);
                if self.stored_bytes + bytes.len() > self.rooms.config().max_board_bytes {
                    warn!(conn, "board size limit reached; update refused");
                    self.kick(conn, CloseReason::BOARD_FULL);
                    return;
                }
                match self.apply(&bytes) {
                    Ok(Applied { changed, pending }) => {
                        if changed {
                            self.stored_bytes += bytes.len();
                            out.push(Out::All(protocol::update(bytes.clone())));
                            durable.push(bytes);
                        }
                        if pending {
                            // Missing dependencies: ask this peer for everything we lack.
                            let sv = self.awareness.doc().transact().state_vector();
                            out.push(Out::To(conn, protocol::sync_step1(&sv)));
                        }
                    }
                    Err(e) => {
                        debug!(conn, error = %e, "update refused");
                        self.kick(
                            conn,
                            CloseReason {
                                code: 1007,
                                reason: "invalid update",
                            },
                        );
                    }
                }
            }
            Message::Awareness(update) => {
                if let Some(peer) = self.peers.get_mut(&conn) {
                    peer.clients.extend(update.clients.keys().copied());
                }
                let frame = Message::Awareness(update.clone()).encode_v1();
                if let Err(e) = self.awareness.apply_update(update) {
                    debug!(conn, error = %e, "awareness refused");
                    return;
                }
                out.push(Out::All(frame));
            }
            Message::AwarenessQuery => {
                if let Some(frame) = protocol::awareness_frame(&self.awareness) {
                    out.push(Out::To(conn, frame));
                }
            }
            // Auth is server-to-client only; custom messages are not part of this protocol.
            Message::Auth(_) | Message::Custom(..) => {}
        }
    }

    fn apply(&mut self, bytes: &[u8]) -> Result<Applied, String> {
        let update = Update::decode_v1(bytes).map_err(|e| e.to_string())?;
        let doc = self.awareness.doc();
        let mut txn = doc.transact_mut();
        txn.apply_update(update).map_err(|e| e.to_string())?;
        let pending = txn.store().pending_update().is_some() || txn.store().pending_ds().is_some();
        let changed =
            txn.before_state() != txn.after_state() || !txn.delete_set().is_empty() || pending;
        Ok(Applied { changed, pending })
    }

    fn remove_awareness(&mut self, clients: HashSet<ClientID>, out: &mut Vec<Out>) {
        let mut removed = Vec::new();
        for client in clients {
            if self.awareness.meta(client).is_some() {
                self.awareness.remove_state(client);
                removed.push(client);
            }
        }
        if removed.is_empty() {
            return;
        }
        if let Ok(update) = self.awareness.update_with_clients(removed) {
            out.push(Out::All(Message::Awareness(update).encode_v1()));
        }
    }

    /// Removes awareness states nobody renewed for [`AWARENESS_TIMEOUT`] and tells everyone.
    fn expire_awareness(&mut self) {
        let now = now_ms();
        let stale: HashSet<ClientID> = self
            .awareness
            .iter()
            .filter(|(_, state)| {
                state.data.is_some()
                    && now.saturating_sub(state.last_updated)
                        >= AWARENESS_TIMEOUT.as_millis() as u64
            })
            .map(|(client, _)| client)
            .collect();
        if stale.is_empty() {
            return;
        }
        let mut out = Vec::new();
        self.remove_awareness(stale, &mut out);
        for o in out {
            if let Out::All(frame) = o {
                let conns: Vec<ConnId> = self.peers.keys().copied().collect();
                for conn in conns {
                    self.send(conn, frame.clone());
                }
            }
        }
    }

    /// Queues a frame for one connection; a full queue closes that connection (it resyncs on
    /// reconnection) instead of silently dropping the frame.
    fn send(&mut self, conn: ConnId, frame: Frame) {
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
            Err(mpsc::error::TrySendError::Full(_)) => {
                warn!(conn, "slow reader: closing its connection");
                self.kick(conn, CloseReason::SLOW_READER);
            }
            Err(mpsc::error::TrySendError::Closed(_)) => {
                self.peers.remove(&conn);
            }
        }
    }

    /// Closes one connection with a reason and forgets it (its awareness goes when it leaves).
    fn kick(&mut self, conn: ConnId, reason: CloseReason) {
        if let Some(peer) = self.peers.get_mut(&conn) {
            if let Some(kick) = peer.kick.take() {
                let _ = kick.send(reason);
            }
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
        self.close_all(reason);
        self.rooms.remove(&self.id, &self.handle);
        rx.close();
        while let Some(cmd) = rx.recv().await {
            if let Command::Join(_, member) = cmd {
                let _ = member.kick.send(reason);
            }
        }
    }

    /// Folds the update log into a snapshot (one transaction in the store).
    async fn compact(&mut self) {
        if self.log_len == 0 {
            return;
        }
        let snapshot = self
            .awareness
            .doc()
            .transact()
            .encode_state_as_update_v1(&StateVector::default());
        match self.store.compact(&self.id, &snapshot, self.last_seq).await {
            Ok(()) => {
                debug!(through = self.last_seq, folded = self.log_len, "compacted");
                self.log_len = 0;
                self.stored_bytes = snapshot.len();
            }
            Err(e) => warn!(error = %e, "compaction failed; the log is kept"),
        }
    }
}

struct Applied {
    changed: bool,
    pending: bool,
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
