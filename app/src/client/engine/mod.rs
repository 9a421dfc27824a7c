//! The board client's state and behaviour: the document, the connection, presence, the view,
//! the selection and the tool in use, behind one `RefCell` owned by [`super::Client`].
//!
//! Every browser callback reaches the engine through `Client::run`, which borrows it, runs one
//! method and then applies the [`After`] list (signal writes, focus) once the borrow is gone.
//! Engine methods therefore never call anything that can dispatch an event synchronously, and
//! nothing here can be re-entered. Scheduling (animation frames, timers, sockets, uploads) only
//! queues callbacks that arrive later, through `Client::run` again.
//!
//! - this file: connection, presence, the document, painting;
//! - [`input`]: pointer and keyboard gestures;
//! - [`commands`]: what the panels ask for (styles, z-order, groups, alignment, zoom), the
//!   clipboard, text editing and images.

mod commands;
mod input;

use std::collections::{HashMap, HashSet};
use std::rc::Weak;
use std::sync::{Arc, Mutex};

use board::history::{History, LOCAL_ORIGIN};
use board::layout::ChangeLog;
use board::protocol::{Frame, PresenceCursor};
use board::spatial::SpatialIndex;
use board::{BoardDoc, Point, Shape, Style, Viewport};
use wasm_bindgen::closure::Closure;
use wasm_bindgen::JsCast;
use web_sys::{CanvasRenderingContext2d, HtmlCanvasElement, HtmlImageElement, Window};
use yrs::{Transact, TransactionMut};

use super::presence::{Identity, PeerView};
use super::render::{self, CanvasSize, Minimap, Scene};
use super::tools::{self, Gesture};
use super::transport::{Backoff, Socket, SocketEvent};
use super::{random, Client};
use crate::ui::{ConnectionStatus, HistoryAction, Peer, ShapeItem, TextEdit, Tool};
use board::session::SyncSession;

pub use input::{Keys, PointerInput};

/// Peers drop a socket that stays silent this long; so do we.
const SILENCE_LIMIT_MS: f64 = 30_000.0;
/// Presence is re-published this often so peers do not expire it.
const PRESENCE_RENEWAL_MS: f64 = 15_000.0;
/// At most one presence update per this many milliseconds while the pointer moves.
const PRESENCE_THROTTLE_MS: f64 = 50.0;
/// The shape list is rebuilt at most this often while shapes change.
const ITEMS_THROTTLE_MS: f64 = 250.0;
/// How long a laser trail point stays visible.
const LASER_FADE_MS: f64 = 1_000.0;

/// Work left for `Client::run` to do after the engine is released: writing signals can run
/// effects, and focusing can dispatch focus events, both of which may call back in.
#[derive(Debug, Default)]
pub struct After {
    pub status: Option<ConnectionStatus>,
    pub shapes: Option<Vec<ShapeItem>>,
    pub peers: Option<Vec<Peer>>,
    pub tool: Option<Tool>,
    /// Whether undo and redo are possible.
    pub history: Option<(bool, bool)>,
    pub style: Option<Style>,
    pub selected: Option<usize>,
    pub zoom: Option<f64>,
    pub snap: Option<bool>,
    pub editing: Option<Option<TextEdit>>,
    pub pick_image: bool,
    pub help: bool,
    pub focus_canvas: bool,
}

/// Where the connection stands.
enum Link {
    /// No socket and no retry scheduled (a retry could not be scheduled; the heartbeat
    /// reconnects).
    Idle,
    /// Waiting for the backoff timer.
    Waiting { timer: i32 },
    /// A socket exists (connecting or open); `generation` tells its events from a dropped one's.
    Live { socket: Socket, generation: u64 },
    /// The server refused access: no more attempts.
    Denied,
}

/// The callbacks the engine schedules. Created once, so scheduling allocates nothing.
pub struct Callbacks {
    pub frame: Closure<dyn FnMut(f64)>,
    pub retry: Closure<dyn FnMut()>,
    pub presence: Closure<dyn FnMut()>,
    pub items: Closure<dyn FnMut()>,
}

/// The text being edited in place: an existing shape, or a new text shape at `at`.
#[derive(Debug, Clone)]
struct Editing {
    id: Option<String>,
    at: Point,
}

/// The board client's state.
pub struct Engine {
    /// The client that owns this engine, for callbacks created later (sockets, uploads).
    me: Weak<Client>,
    window: Window,
    canvas: HtmlCanvasElement,
    ctx: CanvasRenderingContext2d,
    minimap: Option<Minimap>,
    callbacks: Callbacks,
    board: BoardDoc,
    /// The board's id (image uploads).
    board_id: String,
    session: SyncSession,
    /// Undo and redo of our own changes; one gesture is one step.
    history: History,

    url: String,
    link: Link,
    generation: u64,
    backoff: Backoff,
    /// A connection dropped or failed before: the status says "Reconnecting", not "Connecting".
    dropped_before: bool,
    /// When the current socket last received anything (or was created).
    last_heard: f64,
    /// When our presence was last sent (pointer throttle and renewal).
    last_presence_sent: f64,

    identity: Identity,
    /// Our pointer on the board, as published.
    cursor: Option<PresenceCursor>,
    /// Our laser trail: board points with the time they were drawn.
    laser: Vec<(Point, f64)>,
    /// A presence update is waiting for the throttle timer.
    presence_due: bool,
    presence_timer: Option<i32>,
    peers: Vec<PeerView>,

    viewport: Viewport,
    size: CanvasSize,
    /// The document's shapes in paint order (arrow bindings resolved), re-read on the frame
    /// after any change.
    shapes: Vec<Shape>,
    /// Shape id -> position in `shapes`.
    positions: HashMap<String, usize>,
    /// The shapes changed in the document since they were last read.
    changes: Arc<Mutex<ChangeLog>>,
    /// The shape list lags the shapes (see [`ITEMS_THROTTLE_MS`]); when it was last rebuilt.
    items_stale: bool,
    items_at: f64,
    items_timer: Option<i32>,
    /// Grid index over `shapes`, rebuilt when they change.
    index: SpatialIndex,
    doc_dirty: bool,
    frame_requested: bool,
    /// Loaded (or loading) images by URL.
    images: HashMap<String, HtmlImageElement>,
    /// Pen stroke outlines, ready to fill.
    pens: render::PenCache,
    /// The dark theme is on (images are drawn counter-inverted).
    dark: bool,

    tool: Tool,
    /// The style of new shapes (the style panel edits it along with the selection).
    style: Style,
    snap: bool,
    gesture: Gesture,
    /// Selected shape ids, in the order they were selected.
    selection: Vec<String>,
    editing: Option<Editing>,
    space_held: bool,
    /// Fingers on a touch screen (screen points), and the pinch they make: midpoint, distance.
    touches: Vec<(i32, Point)>,
    pinch: Option<(Point, f64)>,
    /// The pointer hovers a shape (or a handle) with the select tool: the cursor shows it.
    hover_cursor: Option<&'static str>,
    cursor_css: &'static str,

    /// Pending signal writes and focus; taken by `Client::run`.
    pub after: After,
    shown_status: ConnectionStatus,
    shown_items: Vec<ShapeItem>,
    shown_peers: Vec<Peer>,
    shown_history: (bool, bool),
    shown_style: Style,
    shown_selected: usize,
    shown_zoom: f64,
}

fn now() -> f64 {
    js_sys::Date::now()
}

fn warn(message: &str) {
    web_sys::console::warn_1(&format!("whiteboard: {message}").into());
}

/// What the engine is created with.
pub struct Parts {
    pub me: Weak<Client>,
    pub window: Window,
    pub canvas: HtmlCanvasElement,
    pub ctx: CanvasRenderingContext2d,
    pub minimap: Option<Minimap>,
    pub callbacks: Callbacks,
    pub board: BoardDoc,
    pub board_id: String,
    pub url: String,
    pub identity: Identity,
    pub tool: Tool,
}

impl Engine {
    pub fn new(parts: Parts) -> Self {
        let Parts {
            me,
            window,
            canvas,
            ctx,
            minimap,
            callbacks,
            board,
            board_id,
            url,
            identity,
            tool,
        } = parts;
        let session = SyncSession::new(board.clone(), || js_sys::Date::now() as u64);
        let history = History::new(&board, || js_sys::Date::now() as u64);
        let changes = board.watch();
        Self {
            me,
            window,
            canvas,
            ctx,
            minimap,
            callbacks,
            board,
            board_id,
            session,
            history,
            url,
            link: Link::Idle,
            generation: 0,
            backoff: Backoff::default(),
            dropped_before: false,
            last_heard: now(),
            last_presence_sent: 0.0,
            identity,
            cursor: None,
            laser: Vec::new(),
            presence_due: false,
            presence_timer: None,
            peers: Vec::new(),
            viewport: Viewport::default(),
            size: CanvasSize::default(),
            shapes: Vec::new(),
            positions: HashMap::new(),
            changes,
            items_stale: false,
            items_at: 0.0,
            items_timer: None,
            index: SpatialIndex::default(),
            doc_dirty: true,
            frame_requested: false,
            images: HashMap::new(),
            pens: render::PenCache::default(),
            dark: false,
            tool,
            style: Style::default(),
            snap: true,
            gesture: Gesture::Idle,
            selection: Vec::new(),
            editing: None,
            space_held: false,
            touches: Vec::new(),
            pinch: None,
            hover_cursor: None,
            cursor_css: "",
            after: After::default(),
            shown_status: ConnectionStatus::Connecting,
            shown_items: Vec::new(),
            shown_peers: Vec::new(),
            shown_history: (false, false),
            shown_style: Style::default(),
            shown_selected: 0,
            shown_zoom: 1.0,
        }
    }

    // ----- connection -----------------------------------------------------------------------

    /// Opens a new socket (from idle or when the backoff timer fires).
    pub fn connect(&mut self) {
        match std::mem::replace(&mut self.link, Link::Idle) {
            Link::Denied => {
                self.link = Link::Denied;
                return;
            }
            Link::Live { socket, generation } => {
                // Already connecting or connected.
                self.link = Link::Live { socket, generation };
                return;
            }
            Link::Waiting { timer } => self.window.clear_timeout_with_handle(timer),
            Link::Idle => {}
        }
        self.generation += 1;
        let generation = self.generation;
        let me = self.me.clone();
        let socket = Socket::connect(&self.url, move |event| {
            if let Some(client) = me.upgrade() {
                client.run(|engine| engine.on_socket(generation, event));
            }
        });
        match socket {
            Ok(socket) => {
                self.link = Link::Live { socket, generation };
                self.last_heard = now();
                self.show_status(self.waiting_status());
            }
            Err(e) => {
                warn(&format!("cannot open a WebSocket to {}: {e:?}", self.url));
                self.dropped_before = true;
                self.schedule_retry();
            }
        }
    }

    fn online(&self) -> bool {
        self.window.navigator().on_line()
    }

    /// The status while not synced.
    fn waiting_status(&self) -> ConnectionStatus {
        if !self.online() {
            ConnectionStatus::Offline
        } else if self.dropped_before {
            ConnectionStatus::Reconnecting
        } else {
            ConnectionStatus::Connecting
        }
    }

    fn on_socket(&mut self, generation: u64, event: SocketEvent) {
        let current = matches!(&self.link, Link::Live { generation: g, .. } if *g == generation);
        if !current {
            return;
        }
        match event {
            SocketEvent::Opened => {
                self.last_heard = now();
                for frame in self.session.open() {
                    self.send(&frame);
                }
                self.last_presence_sent = now();
            }
            SocketEvent::Frame(bytes) => {
                self.last_heard = now();
                let outcome = self.session.receive(&bytes);
                for problem in &outcome.problems {
                    warn(problem);
                }
                for frame in &outcome.reply {
                    self.send(frame);
                }
                if outcome.doc_changed {
                    self.doc_dirty = true;
                    self.request_frame();
                }
                if outcome.presence_changed {
                    self.refresh_peers();
                }
                if outcome.synced {
                    self.backoff.reset();
                    self.show_status(ConnectionStatus::Connected);
                }
                if let Some(reason) = outcome.denied {
                    self.deny(&reason);
                }
            }
            SocketEvent::Text => {
                self.last_heard = now();
                warn("ignored a text frame");
            }
            SocketEvent::Closed { code, reason } => {
                self.disconnected(&format!("connection closed ({code} {reason})"));
            }
        }
    }

    fn send(&self, frame: &Frame) {
        if let Link::Live { socket, .. } = &self.link {
            socket.send(frame);
        }
    }

    /// The socket is gone (closed, silent or the browser went offline): retry with backoff.
    fn disconnected(&mut self, why: &str) {
        if !matches!(self.link, Link::Live { .. }) {
            return;
        }
        if self.session.is_synced() {
            warn(why);
        }
        self.link = Link::Idle;
        self.session.close();
        self.dropped_before = true;
        self.refresh_peers();
        self.schedule_retry();
    }

    fn schedule_retry(&mut self) {
        if matches!(self.link, Link::Denied) {
            return;
        }
        let delay = self.backoff.next_delay_ms(random::unit());
        let scheduled = self
            .window
            .set_timeout_with_callback_and_timeout_and_arguments_0(
                self.callbacks.retry.as_ref().unchecked_ref(),
                delay.round() as i32,
            );
        self.link = match scheduled {
            Ok(timer) => Link::Waiting { timer },
            Err(_) => Link::Idle,
        };
        self.show_status(self.waiting_status());
    }

    /// The backoff timer fired.
    pub fn retry_due(&mut self) {
        if matches!(self.link, Link::Waiting { .. }) {
            self.connect();
        }
    }

    fn deny(&mut self, reason: &str) {
        warn(&format!(
            "the server refused access to this board: {reason}"
        ));
        if let Link::Waiting { timer } = self.link {
            self.window.clear_timeout_with_handle(timer);
        }
        self.link = Link::Denied;
        self.session.close();
        self.refresh_peers();
        self.show_status(ConnectionStatus::Denied);
    }

    /// The browser reports the network back: reconnect now rather than at the next backoff.
    pub fn went_online(&mut self) {
        match self.link {
            Link::Waiting { .. } | Link::Idle => self.connect(),
            Link::Live { .. } | Link::Denied => {}
        }
    }

    /// The browser reports no network: the socket is dead even if it has not noticed yet.
    pub fn went_offline(&mut self) {
        match self.link {
            Link::Live { .. } => self.disconnected("the browser went offline"),
            Link::Waiting { .. } | Link::Idle => self.show_status(self.waiting_status()),
            Link::Denied => {}
        }
    }

    /// Runs every second: drops a silent socket, renews presence, hides expired peers.
    pub fn heartbeat(&mut self) {
        let t = now();
        match self.link {
            Link::Live { .. } if t - self.last_heard > SILENCE_LIMIT_MS => {
                self.disconnected("nothing received for 30 s; reconnecting");
            }
            Link::Live { .. }
                if self.session.is_open() && t - self.last_presence_sent >= PRESENCE_RENEWAL_MS =>
            {
                if let Some(frame) = self.session.renew_presence() {
                    self.send(&frame);
                }
                self.last_presence_sent = t;
            }
            Link::Idle => self.connect(),
            _ => {}
        }
        self.refresh_peers();
    }

    fn show_status(&mut self, status: ConnectionStatus) {
        if status != self.shown_status {
            self.shown_status = status;
            self.after.status = Some(status);
        }
    }

    // ----- presence -------------------------------------------------------------------------

    /// Publishes our presence now and sends it when connected.
    pub fn publish_presence(&mut self) {
        self.presence_due = false;
        let t = now();
        let recent: Vec<PresenceCursor> = self
            .laser
            .iter()
            .filter(|(_, at)| t - at < LASER_FADE_MS)
            .map(|(p, _)| PresenceCursor { x: p.x, y: p.y })
            .collect();
        let skip = recent
            .len()
            .saturating_sub(board::protocol::MAX_LASER_POINTS);
        let laser = recent[skip..].to_vec();
        let presence = self.identity.presence(self.cursor, laser);
        if let Some(frame) = self.session.set_presence(&presence) {
            self.send(&frame);
            self.last_presence_sent = now();
        }
    }

    /// Moves our published pointer, at most once per [`PRESENCE_THROTTLE_MS`]; the last position
    /// always goes out.
    fn move_cursor(&mut self, cursor: Option<PresenceCursor>) {
        if cursor == self.cursor {
            return;
        }
        self.cursor = cursor;
        self.schedule_presence();
    }

    /// Publishes presence now, or when the throttle allows.
    fn schedule_presence(&mut self) {
        let wait = PRESENCE_THROTTLE_MS - (now() - self.last_presence_sent);
        if wait <= 0.0 || !self.session.is_open() {
            self.publish_presence();
            return;
        }
        self.presence_due = true;
        if self.presence_timer.is_none() {
            self.presence_timer = self
                .window
                .set_timeout_with_callback_and_timeout_and_arguments_0(
                    self.callbacks.presence.as_ref().unchecked_ref(),
                    wait.ceil() as i32,
                )
                .ok();
        }
    }

    /// The presence throttle timer fired.
    pub fn presence_timer_due(&mut self) {
        self.presence_timer = None;
        if self.presence_due {
            self.publish_presence();
        }
    }

    /// The person edited their name.
    pub fn set_name(&mut self, name: String) {
        if name == self.identity.name {
            return;
        }
        self.identity.name = name;
        self.identity.save();
        self.publish_presence();
    }

    /// The page is being left: withdraw our presence so our cursor disappears at once.
    pub fn leave(&mut self) {
        if let Some(frame) = self.session.leave() {
            self.send(&frame);
        }
    }

    fn refresh_peers(&mut self) {
        let peers: Vec<PeerView> = self
            .session
            .peers(now() as u64)
            .iter()
            .map(PeerView::from_remote)
            .collect();
        if peers == self.peers {
            return;
        }
        self.peers = peers;
        self.request_frame();
        let list: Vec<Peer> = self.peers.iter().map(PeerView::peer).collect();
        if list != self.shown_peers {
            self.shown_peers = list.clone();
            self.after.peers = Some(list);
        }
    }

    // ----- document -------------------------------------------------------------------------

    /// Runs one local change as a new undo step and sends its update when connected.
    fn change<R>(&mut self, f: impl FnOnce(&mut TransactionMut, &BoardDoc) -> R) -> Option<R> {
        self.history.new_step();
        self.change_in_step(f)
    }

    /// Runs one local change that joins the current undo step (the rest of a drag).
    fn change_in_step<R>(
        &mut self,
        f: impl FnOnce(&mut TransactionMut, &BoardDoc) -> R,
    ) -> Option<R> {
        match self.board.change(LOCAL_ORIGIN, f) {
            Ok((result, update)) => {
                if !update.is_empty() {
                    self.sent_local(update);
                }
                self.refresh_history();
                Some(result)
            }
            Err(e) => {
                warn(&format!("local change failed: {e}"));
                None
            }
        }
    }

    /// Sends a local update when connected and redraws.
    fn sent_local(&mut self, update: Vec<u8>) {
        if let Some(frame) = self.session.local_update(update) {
            self.send(&frame);
        }
        self.doc_dirty = true;
        self.request_frame();
    }

    fn refresh_history(&mut self) {
        let state = (self.history.can_undo(), self.history.can_redo());
        if state != self.shown_history {
            self.shown_history = state;
            self.after.history = Some(state);
        }
    }

    /// Undoes or redoes one step of our own changes; others' changes stay.
    pub fn history(&mut self, action: HistoryAction) {
        if self.gesture != Gesture::Idle {
            return;
        }
        let result = match action {
            HistoryAction::Undo => self.history.undo(),
            HistoryAction::Redo => self.history.redo(),
        };
        match result {
            Ok(Some(update)) => self.sent_local(update),
            Ok(None) => {}
            Err(e) => warn(&format!("undo or redo failed: {e}")),
        }
        self.refresh_history();
    }

    /// Re-reads every shape from the document (after any change, once per frame).
    fn reload_shapes(&mut self) {
        let log = match self.changes.lock() {
            Ok(mut log) => std::mem::take(&mut *log),
            Err(_) => ChangeLog {
                all: true,
                ..ChangeLog::default()
            },
        };
        // A few changed shapes on a big board are re-read alone; anything larger re-reads all.
        let few = !log.all && !self.shapes.is_empty() && log.ids.len() <= self.shapes.len() / 8;
        if !(few && self.reread(&log.ids)) {
            match self.board.shapes() {
                Ok(mut shapes) => {
                    board::edit::resolve_bindings(&mut shapes);
                    self.set_shapes(shapes);
                }
                Err(e) => {
                    warn(&format!("cannot read the shapes: {e}"));
                    return;
                }
            }
        }
        self.doc_dirty = false;
        let before = self.selection.len();
        let positions = &self.positions;
        self.selection.retain(|id| positions.contains_key(id));
        if self.selection.len() != before && self.gesture.edits() {
            // Someone deleted a shape being dragged.
            self.gesture = Gesture::Idle;
            self.update_cursor();
        }
        if let Some(minimap) = &mut self.minimap {
            minimap.invalidate();
        }
        self.publish_selection();
    }

    /// Re-reads only the shapes in `ids` (added, edited or removed); false when the document
    /// is busy (the caller re-reads everything).
    fn reread(&mut self, ids: &HashSet<String>) -> bool {
        let Ok(txn) = self.board.doc().try_transact() else {
            return false;
        };
        let mut shapes = std::mem::take(&mut self.shapes);
        let mut removed = HashSet::new();
        let mut reorder = false;
        for id in ids {
            match (self.positions.get(id), self.board.shape(&txn, id)) {
                (Some(&i), Some(shape)) => {
                    reorder |= shapes[i].index != shape.index;
                    shapes[i] = shape;
                }
                (Some(_), None) => {
                    removed.insert(id.as_str());
                    reorder = true;
                }
                (None, Some(shape)) => {
                    shapes.push(shape);
                    reorder = true;
                }
                (None, None) => {}
            }
        }
        drop(txn);
        if reorder {
            shapes.retain(|s| !removed.contains(s.id.as_str()));
            shapes.sort_by(|a, b| a.index.cmp(&b.index).then_with(|| a.id.cmp(&b.id)));
        }
        board::edit::resolve_bindings(&mut shapes);
        self.set_shapes(shapes);
        true
    }

    /// Re-reads the shapes now if the document changed since the last frame, so commands act on
    /// what is in the document (two key presses can arrive between frames).
    fn refresh(&mut self) {
        if self.doc_dirty {
            self.reload_shapes();
        }
    }

    fn set_shapes(&mut self, shapes: Vec<Shape>) {
        self.items_stale = true;
        self.positions = shapes
            .iter()
            .enumerate()
            .map(|(i, s)| (s.id.clone(), i))
            .collect();
        self.index = SpatialIndex::build(&shapes);
        self.shapes = shapes;
    }

    /// Shows shapes changed by a running gesture at once, without re-reading the document
    /// (the writes that carry them are already sent).
    fn patch_shapes(&mut self, changed: &[Shape]) {
        let mut shapes = std::mem::take(&mut self.shapes);
        for shape in changed {
            if let Some(&i) = self.positions.get(&shape.id) {
                shapes[i] = shape.clone();
            }
        }
        board::edit::resolve_bindings(&mut shapes);
        self.set_shapes(shapes);
        self.doc_dirty = false;
        if let Some(minimap) = &mut self.minimap {
            minimap.invalidate();
        }
    }

    fn shape(&self, id: &str) -> Option<&Shape> {
        self.positions.get(id).map(|&i| &self.shapes[i])
    }

    /// The selected shapes, in paint order.
    fn selected_shapes(&self) -> Vec<Shape> {
        let mut found: Vec<usize> = self
            .selection
            .iter()
            .filter_map(|id| self.positions.get(id).copied())
            .collect();
        found.sort_unstable();
        found.into_iter().map(|i| self.shapes[i].clone()).collect()
    }

    /// Publishes the shape list, the selection count and the style panel's values.
    fn publish_selection(&mut self) {
        if self.items_stale {
            // Labels are rebuilt at most every ITEMS_THROTTLE_MS while shapes keep changing
            // (a collaborator dragging on a big board); the heartbeat catches up.
            let wait = ITEMS_THROTTLE_MS - (now() - self.items_at);
            if wait <= 0.0 {
                self.publish_items();
            } else if self.items_timer.is_none() {
                self.items_timer = self
                    .window
                    .set_timeout_with_callback_and_timeout_and_arguments_0(
                        self.callbacks.items.as_ref().unchecked_ref(),
                        wait.ceil() as i32,
                    )
                    .ok();
            }
        } else {
            let selection = &self.selection;
            let items: Vec<ShapeItem> = self
                .shown_items
                .iter()
                .map(|item| ShapeItem {
                    selected: selection.contains(&item.id),
                    ..item.clone()
                })
                .collect();
            if items != self.shown_items {
                self.shown_items = items.clone();
                self.after.shapes = Some(items);
            }
        }
        if self.selection.len() != self.shown_selected {
            self.shown_selected = self.selection.len();
            self.after.selected = Some(self.shown_selected);
        }
        let style = self
            .selection
            .first()
            .and_then(|id| self.shape(id))
            .map_or_else(|| self.style.clone(), |s| s.style.clone());
        if style != self.shown_style {
            self.shown_style = style.clone();
            self.after.style = Some(style);
        }
    }

    /// The shape list's throttle timer fired.
    pub fn items_due(&mut self) {
        self.items_timer = None;
        self.refresh();
        if self.items_stale {
            self.publish_items();
        }
    }

    /// Rebuilds the shape list from the shapes.
    fn publish_items(&mut self) {
        self.items_stale = false;
        self.items_at = now();
        let items = tools::shape_items(&self.shapes, &self.selection);
        if items != self.shown_items {
            self.shown_items = items.clone();
            self.after.shapes = Some(items);
        }
    }

    /// Replaces the selection; shapes in a group bring the whole group.
    fn select(&mut self, ids: Vec<String>) {
        let ids = self.with_groups(ids);
        if ids != self.selection {
            self.selection = ids;
            self.publish_selection();
            self.request_frame();
        }
    }

    /// `ids` plus every shape sharing a group with one of them, without repeats.
    fn with_groups(&self, ids: Vec<String>) -> Vec<String> {
        let groups: Vec<&str> = ids
            .iter()
            .filter_map(|id| self.shape(id)?.group.as_deref())
            .collect();
        let mut out = ids.clone();
        if !groups.is_empty() {
            for s in &self.shapes {
                if s.group.as_deref().is_some_and(|g| groups.contains(&g)) && !out.contains(&s.id) {
                    out.push(s.id.clone());
                }
            }
        }
        out.dedup();
        out
    }

    // ----- rendering ------------------------------------------------------------------------

    /// Asks for one animation frame; any number of changes before it share that frame.
    pub fn request_frame(&mut self) {
        if self.frame_requested {
            return;
        }
        match self
            .window
            .request_animation_frame(self.callbacks.frame.as_ref().unchecked_ref())
        {
            Ok(_) => self.frame_requested = true,
            Err(_) => warn("requestAnimationFrame failed"),
        }
    }

    /// The animation frame: write a running edit, re-read the shapes if needed, paint.
    pub fn frame(&mut self) {
        // Still marked as requested while painting: changes made now (the edit written below)
        // are part of this frame and need no other.
        self.paint_now();
        self.frame_requested = false;
        // A fading laser trail needs the next frames too.
        let t = now();
        let had_laser = !self.laser.is_empty();
        self.laser.retain(|(_, at)| t - at < LASER_FADE_MS);
        if had_laser && self.laser.is_empty() {
            // The trail is gone: others stop showing it too.
            self.publish_presence();
        }
        if !self.laser.is_empty() || self.peers.iter().any(|p| !p.laser.is_empty()) {
            self.request_frame();
        }
    }

    fn paint_now(&mut self) {
        self.write_gesture();
        if self.doc_dirty {
            self.reload_shapes();
        }
        let preview = self.gesture.drawn_shape(
            String::new(),
            String::new(),
            &self.style,
            self.viewport.zoom,
        );
        let selected = self.selected_shapes();
        let visible = self
            .index
            .query(&self.viewport.visible(self.size.width, self.size.height));
        let (faded, guides, marquee, trail) = match &self.gesture {
            Gesture::Erase { hits, trail, .. } => (hits.clone(), Vec::new(), None, trail.clone()),
            Gesture::Move { guides, .. } => (Vec::new(), guides.clone(), None, Vec::new()),
            Gesture::Marquee { start, end, .. } => (
                Vec::new(),
                Vec::new(),
                Some(board::Rect::from_corners(*start, *end)),
                Vec::new(),
            ),
            _ => Default::default(),
        };
        let t = now();
        let laser: Vec<(Point, f64)> = self
            .laser
            .iter()
            .map(|(p, at)| (*p, 1.0 - (t - at) / LASER_FADE_MS))
            .collect();
        let editing = self.editing.as_ref().and_then(|e| e.id.clone());
        let scene = Scene {
            viewport: self.viewport,
            size: self.size,
            shapes: &self.shapes,
            visible: &visible,
            preview: preview.as_ref(),
            selected: &selected,
            handles: self.gesture == Gesture::Idle || self.gesture.edits(),
            faded: &faded,
            hidden: editing.as_deref(),
            guides: &guides,
            marquee,
            eraser: &trail,
            laser: &laser,
            peers: &self.peers,
            color: &self.identity.color,
        };
        let mut assets = render::Assets {
            images: &self.images,
            pens: &mut self.pens,
            dark: self.dark,
        };
        let missing = render::paint(&self.ctx, &scene, &mut assets);
        self.pens.trim(&self.positions);
        for src in missing {
            self.load_image(src);
        }
        if let Some(minimap) = &mut self.minimap {
            minimap.paint(&self.shapes, &self.viewport, self.size);
        }
    }

    /// Starts loading an image seen in the document; the frame after it loads paints it.
    fn load_image(&mut self, src: String) {
        if self.images.contains_key(&src) || !commands::safe_image_src(&src) {
            return;
        }
        let Ok(img) = HtmlImageElement::new() else {
            return;
        };
        let me = self.me.clone();
        let loaded = Closure::<dyn FnMut()>::new(move || {
            if let Some(client) = me.upgrade() {
                client.run(Engine::request_frame);
            }
        });
        img.set_onload(Some(loaded.as_ref().unchecked_ref()));
        // One closure per image for the page's lifetime; images are few.
        loaded.forget();
        img.set_src(&src);
        self.images.insert(src, img);
    }

    /// Matches the canvas backing store to its CSS size and the device pixel ratio, and paints
    /// at once (resizing clears the canvas).
    pub fn resize(&mut self) {
        let dpr = Some(self.window.device_pixel_ratio())
            .filter(|d| d.is_finite() && *d > 0.0)
            .unwrap_or(1.0);
        let size = CanvasSize {
            width: f64::from(self.canvas.client_width().max(0)),
            height: f64::from(self.canvas.client_height().max(0)),
            dpr,
        };
        if size == self.size {
            return;
        }
        self.size = size;
        self.canvas.set_width((size.width * dpr).round() as u32);
        self.canvas.set_height((size.height * dpr).round() as u32);
        if let Some(minimap) = &mut self.minimap {
            minimap.resize(dpr);
        }
        self.paint_now();
    }

    /// The page switched theme.
    pub fn set_dark(&mut self, dark: bool) {
        if dark != self.dark {
            self.dark = dark;
            self.request_frame();
        }
    }

    /// The zoom changed: tell the zoom indicator and repaint.
    fn view_changed(&mut self) {
        if self.viewport.zoom != self.shown_zoom {
            self.shown_zoom = self.viewport.zoom;
            self.after.zoom = Some(self.viewport.zoom);
        }
        self.request_frame();
    }
}
