//! `/ws/{board}`: one WebSocket per board speaking the y-websocket protocol.
//!
//! A connection decodes and checks frames itself ([`crate::connection`], shared with the HTTP
//! fallback, so bad input is refused before it reaches the room) and forwards the messages to
//! the room; the room answers through a bounded queue that this task
//! writes to the socket. Close codes: 1003 text frame, 1007 malformed message or refused
//! update, 1009 frame too large (sent cleanly: see [`crate::socket`]), 1008 rate limit or board
//! size limit, 1011 storage unavailable, 1013 slow reader or server storage full, 1001 server
//! shutting down, 4001 the board's links were reset, 4003 a change sent with a view-only key.
//! Refused at upgrade: 400 bad board id, 403 foreign origin, 404 a key that opens nothing (see
//! `access`), 426 not a WebSocket request, 429 an address whose connections keep breaking
//! documents, 503 connection limits (server, board, address). A view-only key's connection
//! receives everything and its presence is relayed; an empty sync step 2 (a new client's answer
//! to the server's step 1) passes, any change closes it with 4003.

use std::sync::atomic::{AtomicU64, Ordering};

use axum::extract::{Path, Query, State};
use axum::http::HeaderMap;
use axum::response::Response;
use axum::Extension;
use board::BoardId;
use bytes::Bytes;
use futures_util::{SinkExt, StreamExt};
use tokio::sync::broadcast::error::RecvError;
use tokio::sync::oneshot;
use tokio_tungstenite::tungstenite::error::CapacityError;
use tokio_tungstenite::tungstenite::protocol::frame::coding::{Data as OpData, OpCode};
use tokio_tungstenite::tungstenite::protocol::frame::Frame;
use tokio_tungstenite::tungstenite::protocol::WebSocketConfig;
use tokio_tungstenite::tungstenite::{Error as WsError, Message as WsMessage};
use tracing::{debug, Instrument};

use crate::access::{self, KeyParam};
use crate::clients::ClientAddr;
use crate::connection::{self, Admitted, Inbound};
use crate::error::AppError;
use crate::outbox::{outbox, OutboxReceiver};
use crate::room::{CloseReason, Command, Member};
use crate::serve::ConnPermit;
use crate::socket::{self, Socket, Upgrade};
use crate::AppState;

static NEXT_CONN: AtomicU64 = AtomicU64::new(1);

/// Bytes read from a socket at a time, and what each connection's read buffer holds at rest
/// (10,000 idle connections: 20 MB). Awareness frames and a stroke's update fit in one read; a
/// board-sized frame takes one read per 2 KiB.
const READ_BUFFER: usize = 2 * 1024;

pub async fn upgrade(
    Path(board): Path<String>,
    Query(key): Query<KeyParam>,
    State(state): State<AppState>,
    headers: HeaderMap,
    client: ClientAddr,
    permit: Option<Extension<ConnPermit>>,
    ws: Upgrade,
) -> Result<Response, AppError> {
    let id = BoardId::parse(&board)?;
    // The places are taken now, before the upgrade is answered, and held by the connection.
    let mut held = connection::admit(&state.rooms, &id, key.key, &headers, client).await?;
    held.permit = permit.map(|Extension(p)| p);
    let max = state.rooms.config().max_frame_bytes;
    let rooms = state.rooms.clone();
    let shutdown = state.shutdown.clone();
    let config = WebSocketConfig::default()
        .max_message_size(Some(max))
        .max_frame_size(Some(max))
        // tungstenite zero-fills its whole read buffer before every read; y-websocket messages
        // are small, so a small buffer saves most of the server's CPU (larger messages are
        // read in several chunks).
        .read_buffer_size(READ_BUFFER)
        .write_buffer_size(WRITE_BATCH_BYTES);
    Ok(ws.on_upgrade(config, move |socket| {
        let conn = next_conn();
        let span = tracing::info_span!("conn", conn, board = %crate::rooms::board_tag(&id));
        serve(socket, id, conn, rooms, shutdown, held).instrument(span)
    }))
}

/// Most bytes of frames one write carries (past them, what is still queued waits for the next).
const WRITE_BATCH_BYTES: usize = 64 * 1024;

/// Longest piece of a message sent as one WebSocket frame. A longer message (a whole board for
/// a new client, an import) goes out as fragments (RFC 6455 §5.4, reassembled by every client),
/// because tungstenite's write buffer keeps its largest size for the life of the connection:
/// sent whole, one 3 MB board would leave 3 MB behind in every connection that received it.
const FRAGMENT_BYTES: usize = 64 * 1024;

/// Writes `first` and every frame queued behind it (up to [`WRITE_BATCH_BYTES`]) with one flush:
/// one system call for all of them when the socket has room. `taken` counts the bytes taken
/// off the outbox, written or not.
async fn write_queued(
    socket: &mut Socket,
    outbox: &mut OutboxReceiver,
    first: Bytes,
    taken: &mut usize,
) -> Result<(), WsError> {
    *taken += first.len();
    feed(socket, first).await?;
    while *taken < WRITE_BATCH_BYTES {
        let Some(frame) = outbox.try_recv() else {
            break;
        };
        *taken += frame.len();
        feed(socket, frame).await?;
    }
    socket.flush().await
}

/// Buffers one binary message, in fragments of [`FRAGMENT_BYTES`] when it is longer; the
/// write buffer is written out whenever it passes [`WRITE_BATCH_BYTES`].
async fn feed(socket: &mut Socket, message: Bytes) -> Result<(), WsError> {
    if message.len() <= FRAGMENT_BYTES {
        return socket.feed(WsMessage::Binary(message)).await;
    }
    let mut start = 0;
    while start < message.len() {
        let end = (start + FRAGMENT_BYTES).min(message.len());
        let kind = if start == 0 {
            OpData::Binary
        } else {
            OpData::Continue
        };
        let fragment = Frame::message(
            message.slice(start..end),
            OpCode::Data(kind),
            end == message.len(),
        );
        socket.feed(WsMessage::Frame(fragment)).await?;
        start = end;
    }
    Ok(())
}

/// A connection id, unique in this process across both transports.
pub fn next_conn() -> u64 {
    NEXT_CONN.fetch_add(1, Ordering::Relaxed)
}

/// Why the read loop ended.
enum End {
    /// The peer went away, or the socket failed: nothing to send.
    Gone,
    /// Close with this reason.
    Close(CloseReason),
    /// A frame declared `declared` bytes, past the limit: close with 1009, then drain it.
    TooLarge { declared: usize },
}

async fn serve(
    mut socket: Socket,
    id: BoardId,
    conn: u64,
    rooms: crate::rooms::Rooms,
    mut shutdown: tokio::sync::watch::Receiver<bool>,
    held: Admitted,
) {
    let metrics_open = &rooms.metrics().connections_open;
    metrics_open.fetch_add(1, Ordering::Relaxed);
    let config = rooms.config();
    let (outbox_tx, mut outbox) = outbox(config.outbound_queue, config.max_outbox_bytes);
    let send_timeout = config.send_timeout();
    let (kick_tx, mut kick) = oneshot::channel::<CloseReason>();
    let member = Member {
        outbox: outbox_tx,
        kick: kick_tx,
        addr: held.addr.addr(),
    };
    let Some(room) = rooms.join(&id, conn, member).await else {
        let reason = CloseReason::STORAGE;
        socket::close(&mut socket, reason.code, reason.reason).await;
        metrics_open.fetch_sub(1, Ordering::Relaxed);
        return;
    };
    debug!("connected");

    let mut ping = tokio::time::interval_at(
        tokio::time::Instant::now() + rooms.config().ping_interval(),
        rooms.config().ping_interval(),
    );
    let mut answered_ping = true;
    let mut inbound = Inbound::new(&rooms, held.role);
    let metrics = rooms.metrics();
    let close = |reason: CloseReason| End::Close(reason);
    let role = held.role;
    let mut resets = held.resets;
    let mut watch_resets = true;
    let end: End = loop {
        tokio::select! {
            biased;
            reason = &mut kick => break reason.map_or(End::Gone, close),
            _ = shutdown.changed() => break close(CloseReason::SHUTDOWN),
            reset = resets.recv(), if watch_resets => match reset {
                Ok(board) if board != id => {}
                // The key is checked again (also when resets were missed): a key from before
                // the reset no longer opens the board; one given by it still does (a reset
                // seen again by another node's periodic check closes nobody twice).
                Ok(_) | Err(RecvError::Lagged(_)) => {
                    let now = access::role(rooms.store().as_ref(), &id, held.key.as_deref()).await;
                    if !matches!(now, Ok(Some(r)) if r == role) {
                        break close(CloseReason::LINK_RESET);
                    }
                }
                Err(RecvError::Closed) => watch_resets = false,
            },
            frame = outbox.recv() => match frame {
                Some(frame) => {
                    // A peer that stops reading stalls the send once the socket buffers are
                    // full: past the timeout it is dropped (it resyncs on reconnection), so
                    // a stalled send never keeps the kick and the pings from being seen.
                    let mut taken = 0;
                    let sent = tokio::time::timeout(
                        send_timeout,
                        write_queued(&mut socket, &mut outbox, frame, &mut taken),
                    )
                    .await;
                    metrics.bytes_out.fetch_add(taken as u64, Ordering::Relaxed);
                    outbox.written(taken);
                    if !matches!(sent, Ok(Ok(()))) {
                        debug!(stalled = sent.is_err(), "send failed: dropping");
                        break End::Gone;
                    }
                }
                None => break close(CloseReason::SHUTDOWN),
            },
            incoming = socket.next() => match incoming {
                Some(Ok(WsMessage::Binary(bytes))) => {
                    answered_ping = true;
                    match inbound.check(&bytes, &rooms) {
                        Ok(msgs) => {
                            if !room.send(Command::Messages(conn, msgs)).await {
                                break close(CloseReason::SHUTDOWN);
                            }
                        }
                        Err(reason) => break close(reason),
                    }
                }
                Some(Ok(WsMessage::Text(_))) => {
                    break close(CloseReason { code: 1003, reason: "binary frames only" });
                }
                Some(Ok(WsMessage::Pong(_) | WsMessage::Ping(_) | WsMessage::Frame(_))) => {
                    answered_ping = true;
                }
                Some(Ok(WsMessage::Close(_))) | None => break End::Gone,
                Some(Err(WsError::Capacity(CapacityError::MessageTooLong { size, .. }))) => {
                    break End::TooLarge { declared: size };
                }
                Some(Err(e)) => {
                    debug!(error = %e, "socket error");
                    break End::Gone;
                }
            },
            _ = ping.tick() => {
                if !answered_ping {
                    debug!("no pong: dropping");
                    break End::Gone;
                }
                answered_ping = false;
                let sent = tokio::time::timeout(send_timeout, socket.send(WsMessage::Ping(Default::default()))).await;
                if !matches!(sent, Ok(Ok(()))) {
                    break End::Gone;
                }
            }
        }
    };
    room.leave(conn).await;
    match end {
        End::Gone => debug!("disconnected"),
        End::Close(reason) => {
            metrics.observe_close(reason.code);
            socket::close(&mut socket, reason.code, reason.reason).await;
            debug!(code = reason.code, "closed");
        }
        End::TooLarge { declared } => {
            metrics.observe_close(1009);
            socket::close_and_drain(&mut socket, 1009, "message too large", declared).await;
            debug!(declared, "closed: frame too large");
        }
    }
    metrics_open.fetch_sub(1, Ordering::Relaxed);
}
