//! `/ws/{board}`: one WebSocket per board speaking the y-websocket protocol.
//!
//! A connection decodes frames itself (so bad input is refused before it reaches the room) and
//! forwards the messages to the room; the room answers through a bounded queue that this task
//! writes to the socket. Close codes: 1003 text frame, 1007 malformed message, 1009 frame too
//! large, 1008 rate limit or board size limit, 1011 storage unavailable, 1013 slow reader,
//! 1001 server shutting down. Refused at upgrade: 400 bad board id, 403 foreign origin, 503
//! connection limits.

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use axum::extract::ws::{CloseFrame, Message as WsMessage, WebSocket, WebSocketUpgrade};
use axum::extract::{Path, State};
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Response};
use board::protocol::decode_frame;
use board::BoardId;
use bytes::Bytes;
use tokio::sync::{mpsc, oneshot};
use tracing::{debug, Instrument};

use crate::access::check_origin;
use crate::error::AppError;
use crate::room::{CloseReason, Command, Member};
use crate::AppState;

static NEXT_CONN: AtomicU64 = AtomicU64::new(1);

/// Bytes read from a socket at a time.
const READ_BUFFER: usize = 4 * 1024;

pub async fn upgrade(
    Path(board): Path<String>,
    State(state): State<AppState>,
    headers: HeaderMap,
    ws: WebSocketUpgrade,
) -> Result<Response, AppError> {
    let id = BoardId::parse(&board)?;
    let config = state.rooms.config();
    check_origin(&headers, &config.allowed_origins)?;
    let open = state
        .rooms
        .metrics()
        .connections_open
        .load(Ordering::Relaxed) as usize;
    if open >= config.max_connections {
        return Err(AppError::Unavailable(
            "The server is at its connection limit; try again shortly.".into(),
        ));
    }
    if state.rooms.members(&id) >= config.max_connections_per_board {
        return Err(AppError::Unavailable(
            "This board is at its connection limit; try again shortly.".into(),
        ));
    }
    let max = config.max_frame_bytes;
    let rooms = state.rooms.clone();
    let shutdown = state.shutdown.clone();
    Ok(ws
        .max_message_size(max)
        .max_frame_size(max)
        // tungstenite zero-fills its whole read buffer before every read; y-websocket messages
        // are small, so a small buffer saves most of the server's CPU (larger messages are
        // read in several chunks).
        .read_buffer_size(READ_BUFFER)
        .on_upgrade(move |socket| {
            let conn = NEXT_CONN.fetch_add(1, Ordering::Relaxed);
            let span = tracing::info_span!("conn", conn, board_id = %id);
            serve(socket, id, conn, rooms, shutdown).instrument(span)
        })
        .into_response())
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

async fn serve(
    mut socket: WebSocket,
    id: BoardId,
    conn: u64,
    rooms: crate::rooms::Rooms,
    mut shutdown: tokio::sync::watch::Receiver<bool>,
) {
    let metrics_open = &rooms.metrics().connections_open;
    metrics_open.fetch_add(1, Ordering::Relaxed);
    let (outbox_tx, mut outbox) = mpsc::channel::<Bytes>(rooms.config().outbound_queue);
    let (kick_tx, mut kick) = oneshot::channel::<CloseReason>();
    let member = Member {
        outbox: outbox_tx,
        kick: kick_tx,
    };
    let Some(room) = rooms.join(&id, conn, member).await else {
        close(&mut socket, CloseReason::STORAGE).await;
        metrics_open.fetch_sub(1, Ordering::Relaxed);
        return;
    };
    debug!("connected");

    let mut ping = tokio::time::interval_at(
        tokio::time::Instant::now() + rooms.config().ping_interval(),
        rooms.config().ping_interval(),
    );
    let mut answered_ping = true;
    let mut rate = RateLimit::new(rooms.config().rate_per_sec, rooms.config().rate_burst);
    let metrics = rooms.metrics();
    let reason: Option<CloseReason> = loop {
        tokio::select! {
            biased;
            reason = &mut kick => break reason.ok(),
            _ = shutdown.changed() => break Some(CloseReason::SHUTDOWN),
            frame = outbox.recv() => match frame {
                Some(frame) => {
                    metrics.bytes_out.fetch_add(frame.len() as u64, Ordering::Relaxed);
                    if socket.send(WsMessage::Binary(frame)).await.is_err() {
                        break None;
                    }
                }
                None => break Some(CloseReason::SHUTDOWN),
            },
            incoming = socket.recv() => match incoming {
                Some(Ok(WsMessage::Binary(bytes))) => {
                    answered_ping = true;
                    metrics.bytes_in.fetch_add(bytes.len() as u64, Ordering::Relaxed);
                    match decode_frame(&bytes) {
                        Ok(msgs) if !rate.take(msgs.len()) => {
                            break Some(CloseReason { code: 1008, reason: "rate limit exceeded" });
                        }
                        Ok(msgs) => {
                            if !room.send(Command::Messages(conn, msgs)).await {
                                break Some(CloseReason::SHUTDOWN);
                            }
                        }
                        Err(e) => {
                            debug!(error = %e, "malformed frame");
                            break Some(CloseReason { code: 1007, reason: "malformed message" });
                        }
                    }
                }
                Some(Ok(WsMessage::Text(_))) => {
                    break Some(CloseReason { code: 1003, reason: "binary frames only" });
                }
                Some(Ok(WsMessage::Pong(_) | WsMessage::Ping(_))) => answered_ping = true,
                Some(Ok(WsMessage::Close(_))) | None => break None,
                Some(Err(e)) => {
                    debug!(error = %e, "socket error");
                    break if is_too_large(&e) {
                        Some(CloseReason { code: 1009, reason: "message too large" })
                    } else {
                        None
                    };
                }
            },
            _ = ping.tick() => {
                if !answered_ping {
                    debug!("no pong: dropping");
                    break None;
                }
                answered_ping = false;
                if socket.send(WsMessage::Ping(Default::default())).await.is_err() {
                    break None;
                }
            }
        }
    };
    room.leave(conn).await;
    if let Some(reason) = reason {
        metrics.observe_close(reason.code);
        close(&mut socket, reason).await;
    }
    metrics_open.fetch_sub(1, Ordering::Relaxed);
    debug!(?reason, "disconnected");
}

fn is_too_large(e: &axum::Error) -> bool {
    let text = e.to_string().to_ascii_lowercase();
    text.contains("too long") || text.contains("too big") || text.contains("too large")
}

async fn close(socket: &mut WebSocket, reason: CloseReason) {
    let frame = CloseFrame {
        code: reason.code,
        reason: reason.reason.into(),
    };
    let _ = tokio::time::timeout(
        Duration::from_secs(2),
        socket.send(WsMessage::Close(Some(frame))),
    )
    .await;
}
