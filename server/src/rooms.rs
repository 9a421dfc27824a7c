//! The registry of open rooms, and the server-wide counters.

use std::collections::{BTreeMap, HashMap};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use board::BoardId;
use tokio::task::JoinHandle;

use crate::clients::Clients;
use crate::config::Config;
use crate::pace::PresencePace;
use crate::relay::Relay;
use crate::room::{Command, ConnId, Member, Room, RoomHandle};
use crate::store::BoardStore;

/// Commands waiting for a room before connections feel backpressure.
const ROOM_QUEUE: usize = 1024;

/// Upper bounds (seconds) of the persist-latency histogram buckets.
pub const PERSIST_BUCKETS: [f64; 11] = [
    0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0,
];

/// How logs name a board: the first 12 hex digits of the SHA-256 of its id. A board id is the
/// board's bearer link, so it never appears in logs; the tag still tells one board's lines from
/// another's (and `board_tag` of a known id finds them).
pub fn board_tag(id: &BoardId) -> String {
    use sha2::{Digest, Sha256};
    let digest = Sha256::digest(id.as_str().as_bytes());
    digest[..6].iter().map(|b| format!("{b:02x}")).collect()
}

/// Counters shown at `/metrics`.
#[derive(Debug, Default)]
pub struct Metrics {
    pub connections_open: AtomicU64,
    pub rooms_open: AtomicU64,
    pub updates_in: AtomicU64,
    /// Requests refused with 503 at a limit (logged at debug level only: an attacker must not
    /// control the log volume).
    pub refused_at_limit: AtomicU64,
    /// Requests refused with 429 by a per-address rate limit.
    pub rate_limited: AtomicU64,
    /// Writes refused because storage is past its budget or the disk nearly full.
    pub refused_storage_full: AtomicU64,
    /// The database's size, as last sampled.
    pub storage_used_bytes: AtomicU64,
    /// Boards created and never edited, deleted after `WB_UNUSED_BOARD_HOURS`.
    pub boards_expired: AtomicU64,
    /// Documents rebuilt from storage after yrs panicked on an update.
    pub room_reloads: AtomicU64,
    pub frames_out: AtomicU64,
    pub bytes_in: AtomicU64,
    pub bytes_out: AtomicU64,
    /// Group commits, and their latency as a cumulative histogram.
    pub persist_count: AtomicU64,
    pub persist_micros_total: AtomicU64,
    pub persist_buckets: [AtomicU64; PERSIST_BUCKETS.len()],
    /// Connections closed by the server, by close code.
    pub closes: Mutex<BTreeMap<u16, u64>>,
    /// Images uploaded and new to their board (repeated uploads of the same bytes not counted),
    /// and their bytes.
    pub images_stored: AtomicU64,
    pub image_bytes_stored: AtomicU64,
}

impl Metrics {
    pub fn observe_persist(&self, took: Duration) {
        self.persist_count.fetch_add(1, Ordering::Relaxed);
        self.persist_micros_total
            .fetch_add(took.as_micros() as u64, Ordering::Relaxed);
        let secs = took.as_secs_f64();
        for (bound, count) in PERSIST_BUCKETS.iter().zip(&self.persist_buckets) {
            if secs <= *bound {
                count.fetch_add(1, Ordering::Relaxed);
            }
        }
    }

    pub fn observe_close(&self, code: u16) {
        let mut closes = self.closes.lock().unwrap_or_else(|p| p.into_inner());
        *closes.entry(code).or_default() += 1;
    }
}

/// Connection slots in use.
#[derive(Default)]
struct Slots {
    total: usize,
    by_board: HashMap<BoardId, usize>,
}

/// Which limit refused a connection.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SlotRefused {
    Server,
    Board,
}

/// A reserved connection slot; dropping it gives the slot back.
pub struct Slot {
    rooms: Rooms,
    board: BoardId,
}

impl Drop for Slot {
    fn drop(&mut self) {
        let mut slots = self.rooms.0.slots.lock().unwrap_or_else(|p| p.into_inner());
        slots.total = slots.total.saturating_sub(1);
        if let Some(n) = slots.by_board.get_mut(&self.board) {
            *n -= 1;
            if *n == 0 {
                slots.by_board.remove(&self.board);
            }
        }
    }
}

struct Entry {
    handle: RoomHandle,
    task: JoinHandle<()>,
}

struct Inner {
    rooms: Mutex<HashMap<BoardId, Entry>>,
    /// Connection slots taken at upgrade, by board, and in all: a slot is reserved before the
    /// upgrade is answered and given back when the connection ends or the upgrade fails, so
    /// concurrent upgrades cannot pass a limit between the check and the count.
    slots: Mutex<Slots>,
    clients: Arc<Clients>,
    /// Set while the database is past its budget or its disk below the free-space floor
    /// (sampled by `maintenance`): writes are refused meanwhile.
    storage_full: AtomicBool,
    store: Arc<dyn BoardStore>,
    config: Config,
    metrics: Metrics,
    /// Boards whose links were just reset: their connections close (see `ws`).
    resets: tokio::sync::broadcast::Sender<BoardId>,
    /// The link to the other nodes of a cluster, if any.
    relay: Option<Relay>,
    /// How long rooms hold presence changes (kept by `maintenance`).
    pace: PresencePace,
}

/// Every open room, by board. Cheap to clone.
#[derive(Clone)]
pub struct Rooms(Arc<Inner>);

impl Rooms {
    pub fn new(store: Arc<dyn BoardStore>, config: Config) -> Self {
        Self::with_relay(store, config, None)
    }

    /// Rooms of one node of a cluster: what they commit is relayed to the other nodes.
    pub fn with_relay(store: Arc<dyn BoardStore>, config: Config, relay: Option<Relay>) -> Self {
        Rooms(Arc::new(Inner {
            rooms: Mutex::new(HashMap::new()),
            slots: Mutex::new(Slots::default()),
            clients: Clients::new(
                config.max_connections_per_address,
                config.boards_per_minute,
                config.uploads_per_minute,
            ),
            storage_full: AtomicBool::new(false),
            store,
            metrics: Metrics::default(),
            resets: tokio::sync::broadcast::channel(64).0,
            relay,
            pace: PresencePace::new(config.presence_flush()),
            config,
        }))
    }

    pub fn relay(&self) -> Option<&Relay> {
        self.0.relay.as_ref()
    }

    pub fn config(&self) -> &Config {
        &self.0.config
    }

    pub fn presence_pace(&self) -> &PresencePace {
        &self.0.pace
    }

    pub fn metrics(&self) -> &Metrics {
        &self.0.metrics
    }

    pub fn store(&self) -> &Arc<dyn BoardStore> {
        &self.0.store
    }

    pub fn clients(&self) -> &Arc<Clients> {
        &self.0.clients
    }

    /// The links of board `id` were reset: every connection to it closes, on every node.
    pub fn links_reset(&self, id: &BoardId) {
        self.links_reset_here(id);
        if let Some(relay) = self.relay() {
            relay.publish(id, crate::relay::Message::LinksReset);
        }
    }

    /// Another node reset the links of board `id`: this node's connections to it close.
    pub(crate) fn links_reset_here(&self, id: &BoardId) {
        let _ = self.0.resets.send(id.clone());
    }

    /// Board `id` was deleted from the store: its rooms on the other nodes close too.
    pub fn board_deleted(&self, id: &BoardId) {
        if let Some(relay) = self.relay() {
            relay.publish(id, crate::relay::Message::Deleted);
        }
    }

    /// Link resets from now on (a connection subscribes before its key is checked, so that a
    /// reset in between is not missed).
    pub fn link_resets(&self) -> tokio::sync::broadcast::Receiver<BoardId> {
        self.0.resets.subscribe()
    }

    /// True while writes are refused for lack of storage.
    pub fn storage_full(&self) -> bool {
        self.0.storage_full.load(Ordering::Relaxed)
    }

    pub(crate) fn set_storage_full(&self, full: bool) {
        self.0.storage_full.store(full, Ordering::Relaxed);
    }

    /// Boards currently loaded (the expiry of unused boards leaves them alone).
    pub fn loaded_boards(&self) -> Vec<BoardId> {
        self.lock().keys().cloned().collect()
    }

    /// Reserves a connection slot on board `id`, within the server's and the board's limits.
    /// The slot is given back when the returned guard is dropped.
    /// In a cluster the board's limit counts the connections other nodes last said they hold.
    pub fn reserve(&self, id: &BoardId) -> Result<Slot, SlotRefused> {
        let config = self.config();
        let elsewhere = match self.relay() {
            Some(_) => self
                .lock()
                .get(id)
                .map_or(0, |e| e.handle.remote_members.load(Ordering::Acquire)),
            None => 0,
        };
        let mut slots = self.0.slots.lock().unwrap_or_else(|p| p.into_inner());
        if slots.total >= config.max_connections {
            return Err(SlotRefused::Server);
        }
        let board = slots.by_board.entry(id.clone()).or_default();
        if *board + elsewhere >= config.max_connections_per_board {
            return Err(SlotRefused::Board);
        }
        *board += 1;
        slots.total += 1;
        Ok(Slot {
            rooms: self.clone(),
            board: id.clone(),
        })
    }

    /// Rooms currently loaded.
    pub fn open_count(&self) -> usize {
        self.lock().len()
    }

    // A std mutex: it is held for a map lookup only, never across an `.await`.
    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<BoardId, Entry>> {
        self.0
            .rooms
            .lock()
            .unwrap_or_else(|poison| poison.into_inner())
    }

    /// Joins the board's room, opening it when needed. Returns `None` only if the room failed
    /// (its storage is unavailable); the member has then been told why.
    pub async fn join(&self, id: &BoardId, conn: ConnId, mut member: Member) -> Option<RoomHandle> {
        // A room that is unloading refuses the join; the next attempt opens a fresh room.
        for _ in 0..3 {
            let handle = {
                let mut rooms = self.lock();
                let entry = rooms.entry(id.clone()).or_insert_with(|| {
                    let (handle, task) =
                        Room::spawn(id.clone(), self.0.store.clone(), self.clone(), ROOM_QUEUE);
                    Entry { handle, task }
                });
                entry.handle.members.fetch_add(1, Ordering::AcqRel);
                entry.handle.clone()
            };
            match handle.tx.send(Command::Join(conn, member)).await {
                Ok(()) => return Some(handle),
                Err(tokio::sync::mpsc::error::SendError(cmd)) => {
                    handle.members.fetch_sub(1, Ordering::AcqRel);
                    self.remove(id, &handle);
                    let Command::Join(_, m) = cmd else {
                        return None;
                    };
                    member = m;
                }
            }
        }
        None
    }

    /// Called by an idle room: removes it if nobody joined meanwhile. True when removed.
    pub(crate) fn try_unload(&self, id: &BoardId, handle: &RoomHandle) -> bool {
        let mut rooms = self.lock();
        if handle.members.load(Ordering::Acquire) != 0 {
            return false;
        }
        if rooms
            .get(id)
            .is_some_and(|e| e.handle.tx.same_channel(&handle.tx))
        {
            rooms.remove(id);
        }
        true
    }

    /// Forgets a room (if it is still the registered one).
    pub(crate) fn remove(&self, id: &BoardId, handle: &RoomHandle) {
        let mut rooms = self.lock();
        if rooms
            .get(id)
            .is_some_and(|e| e.handle.tx.same_channel(&handle.tx))
        {
            rooms.remove(id);
        }
    }

    /// Closes a board's room for good, writing nothing more (its board is being deleted).
    pub async fn close_deleted(&self, id: &BoardId) {
        let entry = self.lock().remove(id);
        if let Some(entry) = entry {
            let _ = entry.handle.tx.send(Command::Delete).await;
            let _ = entry.task.await;
        }
    }

    /// Closes every connection, flushes every room and waits until all of them have stopped.
    pub async fn shutdown(&self) {
        let entries: Vec<Entry> = self.lock().drain().map(|(_, e)| e).collect();
        for e in &entries {
            let _ = e.handle.tx.send(Command::Shutdown).await;
        }
        for e in entries {
            let _ = e.task.await;
        }
    }
}
