//! `/poll/{board}`: the y-websocket messages over plain HTTP, for networks that block
//! WebSockets (the README's wire section is the contract).
//!
//! A session is a connection to the board like a socket ([`crate::connection`] admits it and
//! checks every frame it sends, with the socket's close codes), driven by one task that joins
//! the room. What the room sends is numbered from 1 and kept until a poll's `after` cursor
//! acknowledges it, so a poll whose answer is lost is simply asked again: nothing is skipped or
//! delivered twice. Posted batches are numbered too; one at or below the last accepted is not
//! applied again. A session with no request for `WB_POLL_IDLE_SECS` expires; one whose unacknowledged frames
//! pass the outbox byte bound is closed with 1013, like a slow socket. A closed session answers
//! its close code (410) until [`GRACE`] has passed, then 404, as any unknown session; the client
//! then opens a new session, whose sync exchange repairs whatever was missed (after a server
//! restart too).

use std::collections::{HashMap, VecDeque};
use std::sync::atomic::Ordering;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use board::BoardId;
use tokio::sync::broadcast::error::RecvError;
use tokio::sync::{mpsc, oneshot, Notify};
use tokio::time::Instant;
use tracing::{debug, Instrument};

use crate::access::{self, check_origin, KeyParam, Role};
use crate::clients::ClientAddr;
use crate::connection::{self, Admitted, Inbound};
use crate::error::AppError;
use crate::outbox::outbox;
use crate::room::{CloseReason, Command, Member};
use crate::rooms::Rooms;
use crate::AppState;

/// How long a poll waits for frames before answering empty.
pub const HOLD: Duration = Duration::from_secs(20);
/// How long a closed session still answers its close code.
const GRACE: Duration = Duration::from_secs(30);
/// What a POST body may hold beyond one frame of the largest size: the record headers.
pub const BODY_SLACK: usize = 64 * 1024;
/// Most bytes of frames one poll answer carries (more wait for the next poll).
const MAX_ANSWER_BYTES: usize = 4 * 1024 * 1024;

/// The open HTTP sessions of this server.
#[derive(Clone, Default)]
pub struct Sessions(Arc<Mutex<HashMap<String, Arc<Session>>>>);

impl Sessions {
    fn get(&self, board: &BoardId, id: &str) -> Option<Arc<Session>> {
        let map = self.0.lock().unwrap_or_else(|p| p.into_inner());
        map.get(id).filter(|s| &s.board == board).cloned()
    }

    fn insert(&self, id: String, session: Arc<Session>) {
        let mut map = self.0.lock().unwrap_or_else(|p| p.into_inner());
        map.insert(id, session);
    }

    fn remove(&self, id: &str) {
        let mut map = self.0.lock().unwrap_or_else(|p| p.into_inner());
        map.remove(id);
    }
}

/// One session's shared state: what the handlers and its task both reach.
struct Session {
    board: BoardId,
    /// Posted batches, in order, for the task.
    inbox: mpsc::Sender<Batch>,
    out: Mutex<Outgoing>,
    /// Wakes waiting polls: a frame arrived, the session closed, or a newer poll came.
    changed: Notify,
    last_request: Mutex<Instant>,
}

impl Session {
    fn touch(&self) {
        *self.last_request.lock().unwrap_or_else(|p| p.into_inner()) = Instant::now();
    }

    fn idle_for(&self) -> Duration {
        self.last_request
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .elapsed()
    }

    fn out(&self) -> std::sync::MutexGuard<'_, Outgoing> {
        self.out.lock().unwrap_or_else(|p| p.into_inner())
    }
}

/// Frames sent by the room and not yet acknowledged, and how the session ended.
#[derive(Default)]
struct Outgoing {
    frames: VecDeque<(u32, Bytes)>,
    bytes: usize,
    /// The number the next frame gets (the first is 1).
    next: u32,
    closed: Option<CloseReason>,
    /// Bumped by every poll: an older poll that sees a newer number answers at once.
    polls: u64,
}

impl Outgoing {
    /// Forgets the frames the client acknowledged.
    fn acknowledge(&mut self, after: u32) {
        while self.frames.front().is_some_and(|(seq, _)| *seq <= after) {
            if let Some((_, frame)) = self.frames.pop_front() {
                self.bytes -= frame.len();
            }
        }
    }
}

/// One POST's frames, numbered, and where the task answers.
struct Batch {
    number: u64,
    /// `None`: the body was not well-formed records, which closes the session like a
    /// malformed frame.
    frames: Option<Vec<Bytes>>,
    answer: oneshot::Sender<Result<(), CloseReason>>,
}

#[derive(serde::Serialize)]
struct Opened {
    session: String,
    role: Role,
}

#[derive(serde::Serialize)]
struct Closed {
    code: u16,
    reason: &'static str,
}

fn closed(reason: CloseReason) -> Response {
    (
        StatusCode::GONE,
        Json(Closed {
            code: reason.code,
            reason: reason.reason,
        }),
    )
        .into_response()
}

/// The session a request names (and marks as in use).
fn find(
    state: &AppState,
    board: &str,
    session_id: &str,
    headers: &HeaderMap,
) -> Result<Arc<Session>, AppError> {
    let id = BoardId::parse(board)?;
    check_origin(headers, state.rooms.config())?;
    let session = state
        .sessions
        .get(&id, session_id)
        .ok_or_else(unknown_session)?;
    session.touch();
    Ok(session)
}

fn unknown_session() -> AppError {
    AppError::NotFound(
        "No such session (it expired or the server restarted): open a new one.".into(),
    )
}

/// `POST /poll/{board}?key=`: opens a session.
pub async fn open(
    Path(board): Path<String>,
    Query(key): Query<KeyParam>,
    State(state): State<AppState>,
    headers: HeaderMap,
    client: ClientAddr,
) -> Result<Response, AppError> {
    let id = BoardId::parse(&board)?;
    let held = connection::admit(&state.rooms, &id, key.key, &headers, client).await?;
    let role = held.role;
    let session_id: String = rand::random::<[u8; 16]>()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    let (inbox, batches) = mpsc::channel(4);
    let session = Arc::new(Session {
        board: id.clone(),
        inbox,
        out: Mutex::new(Outgoing {
            next: 1,
            ..Outgoing::default()
        }),
        changed: Notify::new(),
        last_request: Mutex::new(Instant::now()),
    });
    state.sessions.insert(session_id.clone(), session.clone());
    let conn = crate::ws::next_conn();
    let span = tracing::info_span!("poll", conn, board = %crate::rooms::board_tag(&id));
    let task = run(
        session,
        batches,
        conn,
        state.rooms.clone(),
        state.shutdown.clone(),
        held,
    );
    let sessions = state.sessions.clone();
    let forget = session_id.clone();
    tokio::spawn(
        async move {
            task.await;
            tokio::time::sleep(GRACE).await;
            sessions.remove(&forget);
        }
        .instrument(span),
    );
    Ok((
        StatusCode::CREATED,
        Json(Opened {
            session: session_id,
            role,
        }),
    )
        .into_response())
}

#[derive(serde::Deserialize)]
pub struct PollQuery {
    #[serde(default)]
    after: u32,
}

/// `GET /poll/{board}/{session}?after=N`: the frames numbered above `N`, waiting up to
/// [`HOLD`] for some.
pub async fn poll(
    Path((board, session_id)): Path<(String, String)>,
    Query(query): Query<PollQuery>,
    State(state): State<AppState>,
    headers: HeaderMap,
) -> Result<Response, AppError> {
    let session = find(&state, &board, &session_id, &headers)?;
    {
        let out = session.out();
        // A cursor past the last frame sent would acknowledge frames not sent yet.
        if query.after >= out.next && out.closed.is_none() {
            return Err(AppError::BadRequest(format!(
                "after={} is past the last frame sent ({})",
                query.after,
                out.next.wrapping_sub(1)
            )));
        }
    }
    let deadline = Instant::now() + HOLD;
    let mine = {
        let mut out = session.out();
        out.polls += 1;
        out.polls
    };
    // An older poll of this session answers now.
    session.changed.notify_waiters();
    loop {
        // Created before the state is read, so a change in between still wakes it.
        let changed = session.changed.notified();
        {
            let mut out = session.out();
            out.acknowledge(query.after);
            if !out.frames.is_empty() {
                let body = records(&out.frames);
                drop(out);
                session.touch();
                state
                    .rooms
                    .metrics()
                    .bytes_out
                    .fetch_add(body.len() as u64, Ordering::Relaxed);
                return Ok(frames_answer(body));
            }
            if let Some(reason) = out.closed {
                return Ok(closed(reason));
            }
            if out.polls != mine {
                return Ok(frames_answer(Vec::new()));
            }
        }
        if tokio::time::timeout_at(deadline, changed).await.is_err() {
            session.touch();
            return Ok(frames_answer(Vec::new()));
        }
    }
}

fn frames_answer(body: Vec<u8>) -> Response {
    (
        [
            (header::CONTENT_TYPE, "application/octet-stream"),
            (header::CACHE_CONTROL, "no-store"),
        ],
        body,
    )
        .into_response()
}

/// The unacknowledged frames as `[seq u32 BE][length u32 BE][frame]` records, up to
/// [`MAX_ANSWER_BYTES`] (always at least one).
fn records(frames: &VecDeque<(u32, Bytes)>) -> Vec<u8> {
    let mut body = Vec::new();
    for (seq, frame) in frames {
        if !body.is_empty() && body.len() + frame.len() > MAX_ANSWER_BYTES {
            break;
        }
        body.extend_from_slice(&seq.to_be_bytes());
        body.extend_from_slice(&(frame.len() as u32).to_be_bytes());
        body.extend_from_slice(frame);
    }
    body
}

#[derive(serde::Deserialize)]
pub struct SendQuery {
    batch: u64,
}

/// `POST /poll/{board}/{session}?batch=M`: frames for the board, as `[length u32 BE][frame]`
/// records.
pub async fn send(
    Path((board, session_id)): Path<(String, String)>,
    Query(query): Query<SendQuery>,
    State(state): State<AppState>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, AppError> {
    if query.batch == 0 {
        return Err(AppError::BadRequest("batches are numbered from 1".into()));
    }
    let session = find(&state, &board, &session_id, &headers)?;
    let (answer, answered) = oneshot::channel();
    let batch = Batch {
        number: query.batch,
        frames: split_records(&body, state.rooms.config().max_frame_bytes),
        answer,
    };
    // A session that ended before answering says how it ended.
    let ended = || {
        let reason = session.out().closed;
        reason.map(closed).ok_or_else(unknown_session)
    };
    if session.inbox.send(batch).await.is_err() {
        return ended();
    }
    match answered.await {
        Ok(Ok(())) => Ok(StatusCode::NO_CONTENT.into_response()),
        Ok(Err(reason)) => Ok(closed(reason)),
        Err(_) => ended(),
    }
}

/// Splits a POST body into its frames; `None` when it is not well-formed records or a frame is
/// larger than `max_frame`.
fn split_records(mut body: &[u8], max_frame: usize) -> Option<Vec<Bytes>> {
    let mut frames = Vec::new();
    while !body.is_empty() {
        let (len, rest) = body.split_first_chunk::<4>()?;
        let len = u32::from_be_bytes(*len) as usize;
        if len > max_frame || len > rest.len() {
            return None;
        }
        frames.push(Bytes::copy_from_slice(&rest[..len]));
        body = &rest[len..];
    }
    Some(frames)
}

/// The session's task: joined to the room until it closes, expires or the server stops.
async fn run(
    session: Arc<Session>,
    mut batches: mpsc::Receiver<Batch>,
    conn: u64,
    rooms: Rooms,
    mut shutdown: tokio::sync::watch::Receiver<bool>,
    mut held: Admitted,
) {
    let metrics_open = &rooms.metrics().connections_open;
    metrics_open.fetch_add(1, Ordering::Relaxed);
    let config = rooms.config();
    let max_bytes = config.max_outbox_bytes;
    let (outbox_tx, mut outbox) = outbox(config.outbound_queue, max_bytes);
    let (kick_tx, mut kick) = oneshot::channel::<CloseReason>();
    let member = Member {
        outbox: outbox_tx,
        kick: kick_tx,
        addr: held.addr.addr(),
    };
    let reason = match rooms.join(&session.board, conn, member).await {
        None => CloseReason::STORAGE,
        Some(room) => {
            debug!("session opened");
            let reason = serve(
                &session,
                &mut batches,
                conn,
                &rooms,
                &room,
                &mut outbox,
                &mut kick,
                &mut shutdown,
                &mut held,
            )
            .await;
            room.leave(conn).await;
            reason
        }
    };
    rooms.metrics().observe_close(reason.code);
    debug!(code = reason.code, "session closed");
    session.out().closed = Some(reason);
    session.changed.notify_waiters();
    // Batches still waiting learn the close from the dropped answer.
    batches.close();
    drop(held);
    metrics_open.fetch_sub(1, Ordering::Relaxed);
}

#[allow(clippy::too_many_arguments)]
async fn serve(
    session: &Session,
    batches: &mut mpsc::Receiver<Batch>,
    conn: u64,
    rooms: &Rooms,
    room: &crate::room::RoomHandle,
    outbox: &mut crate::outbox::OutboxReceiver,
    kick: &mut oneshot::Receiver<CloseReason>,
    shutdown: &mut tokio::sync::watch::Receiver<bool>,
    held: &mut Admitted,
) -> CloseReason {
    let max_bytes = rooms.config().max_outbox_bytes;
    let mut inbound = Inbound::new(rooms, held.role);
    let mut watch_resets = true;
    let mut last_batch = 0u64;
    let idle = rooms.config().poll_idle();
    let mut idle_check = tokio::time::interval(Duration::from_secs(1));
    loop {
        tokio::select! {
            biased;
            reason = &mut *kick => return reason.unwrap_or(CloseReason::SHUTDOWN),
            _ = shutdown.changed() => return CloseReason::SHUTDOWN,
            reset = held.resets.recv(), if watch_resets => match reset {
                Ok(board) if board != session.board => {}
                // The key is checked again, as in `ws` (also when resets were missed).
                Ok(_) | Err(RecvError::Lagged(_)) => {
                    let now = access::role(rooms.store().as_ref(), &session.board, held.key.as_deref()).await;
                    if !matches!(now, Ok(Some(r)) if r == held.role) {
                        return CloseReason::LINK_RESET;
                    }
                }
                Err(RecvError::Closed) => watch_resets = false,
            },
            frame = outbox.recv() => {
                let Some(frame) = frame else { return CloseReason::SHUTDOWN };
                outbox.written(frame.len());
                let mut out = session.out();
                // Unacknowledged frames are this session's queue: past the bound it is a slow
                // reader (one large frame still passes an empty queue).
                if out.bytes > 0 && out.bytes + frame.len() > max_bytes {
                    return CloseReason::SLOW_READER;
                }
                let seq = out.next;
                out.next = out.next.wrapping_add(1);
                out.bytes += frame.len();
                out.frames.push_back((seq, frame));
                drop(out);
                session.changed.notify_waiters();
            }
            batch = batches.recv() => {
                let Some(batch) = batch else { return CloseReason::SHUTDOWN };
                let Some(frames) = batch.frames else {
                    let _ = batch.answer.send(Err(CloseReason::MALFORMED));
                    return CloseReason::MALFORMED;
                };
                if batch.number <= last_batch {
                    let _ = batch.answer.send(Ok(()));
                    continue;
                }
                // As for a socket frame packing too many messages: refused before any is
                // applied.
                if frames.len() > rooms.config().rate_burst as usize {
                    let _ = batch.answer.send(Err(CloseReason::RATE_LIMIT));
                    return CloseReason::RATE_LIMIT;
                }
                last_batch = batch.number;
                for frame in &frames {
                    match inbound.check(frame, rooms) {
                        Ok(msgs) => {
                            if !room.send(Command::Messages(conn, msgs)).await {
                                let _ = batch.answer.send(Err(CloseReason::SHUTDOWN));
                                return CloseReason::SHUTDOWN;
                            }
                        }
                        Err(reason) => {
                            let _ = batch.answer.send(Err(reason));
                            return reason;
                        }
                    }
                }
                let _ = batch.answer.send(Ok(()));
            }
            _ = idle_check.tick() => {
                if session.idle_for() > idle {
                    return CloseReason::EXPIRED;
                }
            }
        }
    }
}
