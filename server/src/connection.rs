//! What every live connection to a board goes through, whatever carries it (a WebSocket in
//! [`crate::ws`], an HTTP session in [`crate::poll`]): admission when it opens (the key's role,
//! the places it takes under the address's, the board's and the server's limits) and the checks
//! on every frame it sends (size in messages and presences, the rate limit, a view key's
//! changes, a full disk), so both transports refuse the same things with the same close codes.

use std::sync::atomic::Ordering;

use axum::http::HeaderMap;
use board::protocol::{decode_frame_within, FrameError, FrameLimits};
use board::room_state::MAX_PRESENCES_PER_CONNECTION;
use board::BoardId;
use tracing::debug;
use yrs::sync::{Message, SyncMessage};

use crate::access::{self, check_origin, Role};
use crate::clients::{AddrRefused, AddrSlot, ClientAddr};
use crate::error::AppError;
use crate::room::CloseReason;
use crate::rooms::{Rooms, Slot, SlotRefused};
use crate::serve::ConnPermit;

/// What a connection holds while it lives: its places under the board's, the server's and its
/// address's limits, what its key allows, and how it hears of link resets.
pub struct Admitted {
    pub slot: Slot,
    pub addr: AddrSlot,
    /// Its TCP connection's place under the server's cap (WebSockets only: an HTTP session
    /// spans many requests).
    pub permit: Option<ConnPermit>,
    /// What the connection's key allows.
    pub role: Role,
    /// Link resets since before the key was checked.
    pub resets: tokio::sync::broadcast::Receiver<BoardId>,
    /// The key it came with, to check again when resets were missed.
    pub key: Option<String>,
}

/// Checks a new connection to `id`: its origin, its key, then takes its places, the address's
/// first, then the board's and the server's.
pub async fn admit(
    rooms: &Rooms,
    id: &BoardId,
    key: Option<String>,
    headers: &HeaderMap,
    client: ClientAddr,
) -> Result<Admitted, AppError> {
    let config = rooms.config();
    check_origin(headers, config)?;
    let resets = rooms.link_resets();
    let role = access::role(rooms.store().as_ref(), id, key.as_deref())
        .await?
        .ok_or_else(access::no_such_link)?;
    let refused = || {
        rooms
            .metrics()
            .refused_at_limit
            .fetch_add(1, Ordering::Relaxed)
    };
    let addr = rooms.clients().connect(client).map_err(|why| {
        refused();
        debug!(?why, "connection refused for its address");
        match why {
            AddrRefused::Connections => AppError::Unavailable(
                "Too many connections from your address; close some tabs and try again.".into(),
            ),
            AddrRefused::Reloads => AppError::TooManyRequests(
                "Connections from your address sent changes that could not be applied; try again later."
                    .into(),
            ),
        }
    })?;
    let slot = rooms.reserve(id).map_err(|why| {
        refused();
        debug!(?why, "connection refused at a limit");
        AppError::Unavailable(
            match why {
                SlotRefused::Server => "The server is at its connection limit; try again shortly.",
                SlotRefused::Board => "This board is at its connection limit; try again shortly.",
            }
            .into(),
        )
    })?;
    Ok(Admitted {
        slot,
        addr,
        permit: None,
        role,
        resets,
        key,
    })
}

/// The checks on what one connection sends, frame by frame.
pub struct Inbound {
    rate: RateLimit,
    limits: FrameLimits,
    role: Role,
}

impl Inbound {
    pub fn new(rooms: &Rooms, role: Role) -> Self {
        let config = rooms.config();
        Self {
            rate: RateLimit::new(config.rate_per_sec, config.rate_burst),
            // No frame may hold more messages than the rate limit's burst, nor an awareness
            // message more presences than a connection may announce: refused before the rest
            // is decoded.
            limits: FrameLimits {
                messages: config.rate_burst as usize,
                presences: MAX_PRESENCES_PER_CONNECTION,
            },
            role,
        }
    }

    /// Decodes one frame, or says with which reason the connection must close.
    pub fn check(&mut self, bytes: &[u8], rooms: &Rooms) -> Result<Vec<Message>, CloseReason> {
        let metrics = rooms.metrics();
        metrics
            .bytes_in
            .fetch_add(bytes.len() as u64, Ordering::Relaxed);
        // yrs' decoders may panic on hostile input (its overflow checks are on): that is a
        // malformed frame, and costs only this connection.
        let decoded = std::panic::catch_unwind(|| decode_frame_within(bytes, self.limits))
            .unwrap_or_else(|_| Err(FrameError::Malformed("decoder panicked".into())));
        match decoded {
            Ok(msgs) if !self.rate.take(msgs.len()) => Err(CloseReason::RATE_LIMIT),
            Err(FrameError::TooManyMessages(_)) => Err(CloseReason::RATE_LIMIT),
            Err(FrameError::TooManyPresences(_)) => Err(CloseReason::PRESENCE_LIMIT),
            Ok(msgs) if self.role == Role::View && msgs.iter().any(changes_document) => {
                Err(CloseReason::VIEW_ONLY)
            }
            Ok(msgs) if rooms.storage_full() && msgs.iter().any(changes_document) => {
                metrics.refused_storage_full.fetch_add(1, Ordering::Relaxed);
                Err(CloseReason::STORAGE_FULL)
            }
            Ok(msgs) => Ok(msgs),
            Err(e) => {
                debug!(error = %e, "malformed frame");
                Err(CloseReason::MALFORMED)
            }
        }
    }
}

/// Average message rate with bursts (token bucket).
struct RateLimit {
    tokens: f64,
    per_sec: f64,
    burst: f64,
    last: tokio::time::Instant,
}

impl RateLimit {
    fn new(per_sec: u32, burst: u32) -> Self {
        Self {
            tokens: f64::from(burst),
            per_sec: f64::from(per_sec),
            burst: f64::from(burst),
            last: tokio::time::Instant::now(),
        }
    }

    /// Takes `n` tokens; false when the bucket is empty.
    fn take(&mut self, n: usize) -> bool {
        let now = tokio::time::Instant::now();
        let refill = now.duration_since(self.last).as_secs_f64() * self.per_sec;
        self.tokens = (self.tokens + refill).min(self.burst);
        self.last = now;
        self.tokens -= n as f64;
        self.tokens >= 0.0
    }
}

/// Whether a message would change the document (and so write to storage): an update, or a
/// sync step 2 that carries anything (an empty one is two bytes: no structs, no deletions).
fn changes_document(msg: &Message) -> bool {
    match msg {
        Message::Sync(SyncMessage::Update(_)) => true,
        Message::Sync(SyncMessage::SyncStep2(update)) => update.as_slice() != [0, 0],
        _ => false,
    }
}
