//! The cluster relay: what one node commits reaches the rooms of the same board on the other
//! nodes, through Redis pub/sub (`WB_RELAY_URL`, with a PostgreSQL store).
//!
//! PostgreSQL is the only log. Redis carries what is committed already (updates with their
//! sequence numbers) and presence, so a lost message, a Redis restart or a dead node costs
//! latency, never data:
//! - one channel per open board, `wb:board:<SHA-256 of its id>` (an id is a bearer link: it
//!   never reaches Redis), subscribed before the room loads the board, so nothing committed
//!   after the load is missed while Redis is up;
//! - every message carries the sending node's id; a node drops its own and never republishes
//!   what it received (no loops);
//! - rooms apply relayed updates in sequence order, hold back the ones that come early, and
//!   fetch gaps from the store (`room.rs`); besides, every [`CHECK_EVERY`] and whenever the
//!   subscription (re)connects, one query reads the last sequence number of every open board
//!   and tells the rooms that are behind (a message lost while Redis restarted, a publish that
//!   failed);
//! - presence rides the same channel; a room that opens says `Hello` and the others answer
//!   with their connections' presence; each node tells how many connections it holds on the
//!   board (`Members`), so the per-board connection limit holds across nodes.
//!
//! Pub/sub rather than streams: the store already is the ordered, durable log, and readers
//! repair from it, so a second copy in Redis (with its trimming and its own failure modes, as
//! in y-redis) would add work and nothing the store does not give. Publishing never blocks a
//! room: messages go through a bounded queue to one publishing task that pipelines them.
//!
//! This module does not know rooms: a room registers a channel of [`Inbound`] messages.

mod wire;

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use board::BoardId;
use futures_util::StreamExt;
use redis::aio::PubSubSink;
use tokio::sync::{mpsc, Notify};
use tracing::{debug, info, warn};

use crate::store::BoardStore;
pub use wire::{Envelope, Message, NodeId};

/// How often every open room is checked against the store's last sequence number.
pub const CHECK_EVERY: Duration = Duration::from_secs(2);
/// Messages waiting for the publishing task before new ones are dropped (and later repaired).
const OUTGOING_QUEUE: usize = 8192;
/// Messages delivered to one room and not yet handled before new ones are dropped.
pub const ROOM_QUEUE: usize = 1024;
/// Updates larger than this (together) are announced by sequence number only; the other nodes
/// read them from the store, keeping Redis' per-subscriber output buffers small.
pub const MAX_INLINE_BYTES: usize = 64 * 1024;
/// How often the subscription is pinged: a connection that stopped answering (a half-open
/// TCP connection after a partition) is dropped and made again.
const PING_EVERY: Duration = Duration::from_secs(5);
/// How long Redis may take to answer a ping or a (un)subscription.
const ANSWER_WITHIN: Duration = Duration::from_millis(1500);
/// Upper bounds (seconds) of the relay lag histogram buckets.
pub const LAG_BUCKETS: [f64; 9] = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 1.0];

/// What a room hears from the relay.
#[derive(Debug)]
pub enum Inbound {
    /// A message another node published on the board's channel.
    Relayed(Envelope),
    /// The store's last sequence number for the board (from the periodic check).
    Head(i64),
    /// When the board's links last changed and whether it was deleted (from the same check):
    /// a reset or deletion whose message was lost still closes the connections here.
    Links(crate::store::LinkStamp),
}

/// Counters shown at `/metrics` (per node).
#[derive(Debug, Default)]
pub struct RelayMetrics {
    /// 1 while the subscription is connected.
    pub connected: AtomicU64,
    pub messages_in: AtomicU64,
    pub messages_out: AtomicU64,
    /// Messages that could not be published (Redis down, queue full); rooms repair from the store.
    pub publish_failed: AtomicU64,
    /// Runs of missing updates a room read from the store instead of the relay.
    pub gaps_repaired: AtomicU64,
    /// Rooms rebuilt whole because what they missed had been compacted away.
    pub reloads: AtomicU64,
    /// Time from publish to receipt, as a cumulative histogram.
    pub lag_count: AtomicU64,
    pub lag_micros_total: AtomicU64,
    pub lag_buckets: [AtomicU64; LAG_BUCKETS.len()],
}

impl RelayMetrics {
    fn observe_lag(&self, micros: u64) {
        self.lag_count.fetch_add(1, Ordering::Relaxed);
        self.lag_micros_total.fetch_add(micros, Ordering::Relaxed);
        let secs = micros as f64 / 1e6;
        for (bound, count) in LAG_BUCKETS.iter().zip(&self.lag_buckets) {
            if secs <= *bound {
                count.fetch_add(1, Ordering::Relaxed);
            }
        }
    }
}

/// A node's link to the others. Cheap to clone.
#[derive(Clone)]
pub struct Relay(Arc<Inner>);

struct Inner {
    node: NodeId,
    client: redis::Client,
    /// Open rooms by channel. Changed only while `sink` is locked, so a (re)connection
    /// subscribes exactly the rooms registered.
    rooms: Mutex<HashMap<String, (BoardId, mpsc::Sender<Inbound>)>>,
    /// How to subscribe, while connected.
    sink: tokio::sync::Mutex<Option<PubSubSink>>,
    outgoing: mpsc::Sender<(String, Vec<u8>)>,
    check_now: Notify,
    metrics: RelayMetrics,
}

impl Relay {
    /// Starts the relay's tasks (subscription, publishing, checks). Redis need not be up: the
    /// tasks keep reconnecting, and rooms work alone meanwhile. Fails only on a bad URL.
    pub fn start(url: &str, store: Arc<dyn BoardStore>) -> Result<Relay, redis::RedisError> {
        let client = redis::Client::open(url)?;
        let (outgoing, queue) = mpsc::channel(OUTGOING_QUEUE);
        let relay = Relay(Arc::new(Inner {
            node: rand::random(),
            client,
            rooms: Mutex::new(HashMap::new()),
            sink: tokio::sync::Mutex::new(None),
            outgoing,
            check_now: Notify::new(),
            metrics: RelayMetrics::default(),
        }));
        info!(node = %format!("{:016x}", relay.0.node), "cluster relay on");
        tokio::spawn(subscribe_loop(relay.0.clone()));
        tokio::spawn(publish_loop(relay.0.clone(), queue));
        tokio::spawn(check_loop(relay.0.clone(), store));
        Ok(relay)
    }

    pub fn node(&self) -> NodeId {
        self.0.node
    }

    pub fn metrics(&self) -> &RelayMetrics {
        &self.0.metrics
    }

    /// Registers a room and subscribes to its board's channel; returns once Redis confirmed
    /// (or at once when Redis is unreachable: the periodic check covers that time).
    pub async fn join(&self, board: &BoardId, room: mpsc::Sender<Inbound>) {
        let channel = channel_of(board);
        let mut sink = self.0.sink.lock().await;
        self.0
            .rooms
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .insert(channel.clone(), (board.clone(), room));
        if let Some(sink) = sink.as_mut() {
            let subscribed = tokio::time::timeout(ANSWER_WITHIN, sink.subscribe(&channel));
            if !matches!(subscribed.await, Ok(Ok(()))) {
                debug!("relay subscription failed; the periodic check covers this board");
            }
        }
    }

    /// Forgets a room and unsubscribes, if `room` is still the one registered for the board
    /// (a newer room of the same board may have taken its place); true when it was.
    pub async fn leave(&self, board: &BoardId, room: &mpsc::Sender<Inbound>) -> bool {
        let channel = channel_of(board);
        let mut sink = self.0.sink.lock().await;
        {
            let mut rooms = self.0.rooms.lock().unwrap_or_else(|p| p.into_inner());
            if !rooms
                .get(&channel)
                .is_some_and(|(_, tx)| tx.same_channel(room))
            {
                return false;
            }
            rooms.remove(&channel);
        }
        if let Some(sink) = sink.as_mut() {
            let _ = tokio::time::timeout(ANSWER_WITHIN, sink.unsubscribe(&channel)).await;
        }
        true
    }

    /// Queues a message for the other nodes' rooms of `board`; never waits. A message that
    /// cannot be queued is counted and dropped: the receivers' checks repair what it carried.
    pub fn publish(&self, board: &BoardId, message: Message) {
        let envelope = Envelope {
            node: self.0.node,
            sent_micros: now_micros(),
            message,
        };
        if self
            .0
            .outgoing
            .try_send((channel_of(board), envelope.encode()))
            .is_err()
        {
            self.0
                .metrics
                .publish_failed
                .fetch_add(1, Ordering::Relaxed);
        }
    }
}

fn channel_of(board: &BoardId) -> String {
    use sha2::{Digest, Sha256};
    let digest = Sha256::digest(board.as_str().as_bytes());
    let mut channel = String::with_capacity(9 + 64);
    channel.push_str("wb:board:");
    for b in digest {
        channel.push_str(&format!("{b:02x}"));
    }
    channel
}

fn now_micros() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_micros() as u64)
        .unwrap_or(0)
}

/// Keeps one subscription connection open, resubscribing every registered room after each
/// reconnection, and hands what arrives to the rooms.
async fn subscribe_loop(inner: Arc<Inner>) {
    let mut backoff = Duration::from_millis(100);
    let mut was_connected = true;
    loop {
        let connected =
            tokio::time::timeout(Duration::from_secs(2), inner.client.get_async_pubsub());
        if let Ok(Ok(pubsub)) = connected.await {
            let (mut sink, mut stream) = pubsub.split();
            let subscribed = {
                let mut slot = inner.sink.lock().await;
                let channels: Vec<String> = inner
                    .rooms
                    .lock()
                    .unwrap_or_else(|p| p.into_inner())
                    .keys()
                    .cloned()
                    .collect();
                let ok = channels.is_empty()
                    || matches!(
                        tokio::time::timeout(Duration::from_secs(5), sink.subscribe(&channels))
                            .await,
                        Ok(Ok(()))
                    );
                if ok {
                    *slot = Some(sink);
                }
                ok
            };
            if subscribed {
                inner.metrics.connected.store(1, Ordering::Relaxed);
                info!("relay connected");
                was_connected = true;
                backoff = Duration::from_millis(100);
                // Whatever was published while this node was not listening is in the store.
                inner.check_now.notify_one();
                let mut ping = tokio::time::interval(PING_EVERY);
                ping.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
                loop {
                    tokio::select! {
                        msg = stream.next() => match msg {
                            Some(msg) => deliver(&inner, &msg),
                            None => break,
                        },
                        _ = ping.tick() => {
                            if !answers_ping(&inner).await {
                                break;
                            }
                        }
                    }
                }
                *inner.sink.lock().await = None;
                inner.metrics.connected.store(0, Ordering::Relaxed);
            }
        }
        if was_connected {
            warn!("relay unreachable; rooms go on alone and catch up from the store meanwhile");
            was_connected = false;
        }
        let jitter = Duration::from_millis(rand::random::<u64>() % 100);
        tokio::time::sleep(backoff + jitter).await;
        backoff = (backoff * 2).min(Duration::from_secs(2));
    }
}

/// Whether the subscription connection still answers.
async fn answers_ping(inner: &Inner) -> bool {
    let Some(mut sink) = inner.sink.lock().await.clone() else {
        return false;
    };
    matches!(
        tokio::time::timeout(ANSWER_WITHIN, sink.ping::<redis::Value>()).await,
        Ok(Ok(_))
    )
}

fn deliver(inner: &Inner, msg: &redis::Msg) {
    let room = inner
        .rooms
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .get(msg.get_channel_name())
        .map(|(_, tx)| tx.clone());
    let Some(room) = room else {
        return;
    };
    let envelope = match Envelope::decode(msg.get_payload_bytes()) {
        Ok(envelope) => envelope,
        Err(e) => {
            warn!(error = %e, "dropping a relay message that does not decode");
            return;
        }
    };
    if envelope.node == inner.node {
        return;
    }
    inner.metrics.messages_in.fetch_add(1, Ordering::Relaxed);
    inner
        .metrics
        .observe_lag(now_micros().saturating_sub(envelope.sent_micros));
    // A full room queue drops the message; the room's checks repair any update it carried.
    let _ = room.try_send(Inbound::Relayed(envelope));
}

/// Publishes what rooms queue, pipelining everything waiting into one round trip.
async fn publish_loop(inner: Arc<Inner>, mut queue: mpsc::Receiver<(String, Vec<u8>)>) {
    let mut conn: Option<redis::aio::ConnectionManager> = None;
    let mut failed_at: Option<Instant> = None;
    let mut batch = Vec::with_capacity(256);
    while queue.recv_many(&mut batch, 256).await > 0 {
        let n = batch.len() as u64;
        if conn.is_none() && failed_at.is_none_or(|t| t.elapsed() > Duration::from_millis(500)) {
            let opened = tokio::time::timeout(
                Duration::from_secs(2),
                inner.client.get_connection_manager(),
            );
            conn = opened.await.ok().and_then(Result::ok);
            failed_at = conn.is_none().then(Instant::now);
        }
        let Some(c) = conn.as_mut() else {
            inner.metrics.publish_failed.fetch_add(n, Ordering::Relaxed);
            batch.clear();
            continue;
        };
        let mut pipe = redis::pipe();
        for (channel, payload) in batch.drain(..) {
            pipe.publish(channel, payload).ignore();
        }
        match tokio::time::timeout(Duration::from_secs(2), pipe.query_async::<()>(c)).await {
            Ok(Ok(())) => {
                inner.metrics.messages_out.fetch_add(n, Ordering::Relaxed);
            }
            _ => {
                inner.metrics.publish_failed.fetch_add(n, Ordering::Relaxed);
                // The manager reconnects by itself; a hung connection is dropped.
                conn = None;
                failed_at = Some(Instant::now());
            }
        }
    }
}

/// Tells every open room the store's last sequence number of its board and the stamp of its
/// links, every [`CHECK_EVERY`] and after each (re)connection.
async fn check_loop(inner: Arc<Inner>, store: Arc<dyn BoardStore>) {
    let mut every = tokio::time::interval(CHECK_EVERY);
    every.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let mut failing = false;
    loop {
        tokio::select! {
            _ = every.tick() => {}
            _ = inner.check_now.notified() => {}
        }
        // A room task that ended without leaving (it panicked) is forgotten here; under the
        // sink's lock, as `join` and `leave` do, so a newer room's subscription stays.
        {
            let mut sink = inner.sink.lock().await;
            let gone: Vec<String> = {
                let mut registered = inner.rooms.lock().unwrap_or_else(|p| p.into_inner());
                let gone: Vec<String> = registered
                    .iter()
                    .filter(|(_, (_, tx))| tx.is_closed())
                    .map(|(channel, _)| channel.clone())
                    .collect();
                for channel in &gone {
                    registered.remove(channel);
                }
                gone
            };
            if let (false, Some(sink)) = (gone.is_empty(), sink.as_mut()) {
                let _ = tokio::time::timeout(ANSWER_WITHIN, sink.unsubscribe(&gone)).await;
            }
        }
        let rooms: Vec<(BoardId, mpsc::Sender<Inbound>)> = inner
            .rooms
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .values()
            .cloned()
            .collect();
        if rooms.is_empty() {
            continue;
        }
        let ids: Vec<BoardId> = rooms.iter().map(|(id, _)| id.clone()).collect();
        let checked = async {
            let seqs = store.last_seqs(&ids).await?;
            let stamps = store.link_stamps(&ids).await?;
            Ok::<_, crate::store::StoreError>((seqs, stamps))
        };
        match checked.await {
            Ok((seqs, stamps)) => {
                failing = false;
                let heads: HashMap<BoardId, i64> = seqs.into_iter().collect();
                let stamps: HashMap<BoardId, crate::store::LinkStamp> =
                    stamps.into_iter().collect();
                for (id, room) in rooms {
                    if let Some(&stamp) = stamps.get(&id) {
                        let _ = room.try_send(Inbound::Links(stamp));
                    }
                    if let Some(&seq) = heads.get(&id) {
                        let _ = room.try_send(Inbound::Head(seq));
                    }
                }
            }
            Err(e) if !failing => {
                failing = true;
                warn!(error = %e, "cannot read the boards' last sequence numbers");
            }
            Err(_) => {}
        }
    }
}
