//! The board client's state and behaviour: the document, the connection, presence, the view and
//! the tool in use, behind one `RefCell` owned by [`super::Client`].
//!
//! Every browser callback reaches the engine through `Client::run`, which borrows it, runs one
//! method and then applies the [`After`] list (signal writes, focus) once the borrow is gone.
//! Engine methods therefore never call anything that can dispatch an event synchronously, and
//! nothing here can be re-entered. Scheduling (animation frames, timers, sockets) only queues
//! callbacks that arrive later, through `Client::run` again.

use std::rc::Weak;

use board::history::{History, LOCAL_ORIGIN};
use board::protocol::{Frame, PresenceCursor};
use board::{BoardDoc, Point, Shape, Viewport};
use wasm_bindgen::closure::Closure;
use wasm_bindgen::JsCast;
use web_sys::{CanvasRenderingContext2d, HtmlCanvasElement, Window};
use yrs::TransactionMut;

use super::presence::{Identity, PeerView};
use super::render::{self, CanvasSize, Scene};
use super::tools::{self, Gesture};
use super::transport::{Backoff, Socket, SocketEvent};
use super::{random, Client};
use crate::ui::{ConnectionStatus, HistoryAction, Peer, ShapeItem, Tool};
use board::session::SyncSession;

/// Peers drop a socket that stays silent this long; so do we.
const SILENCE_LIMIT_MS: f64 = 30_000.0;
/// Presence is re-published this often so peers do not expire it.
const PRESENCE_RENEWAL_MS: f64 = 15_000.0;
/// At most one presence update per this many milliseconds while the pointer moves.
const PRESENCE_THROTTLE_MS: f64 = 50.0;
/// Wheel zoom speed per pixel of scroll; pinch gestures (ctrl + wheel) report small deltas and
/// get a faster rate.
const WHEEL_ZOOM_RATE: f64 = 0.0015;
const PINCH_ZOOM_RATE: f64 = 0.01;

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
    pub focus_canvas: bool,
}

/// A pointer event reduced to what the tools need.
#[derive(Debug, Clone, Copy)]
pub struct PointerInput {
    pub pointer: i32,
    /// Position in CSS pixels relative to the canvas.
    pub screen: Point,
    /// 0 primary, 1 middle, 2 secondary.
    pub button: i16,
    /// Already adjusted for mice (see [`tools::effective_pressure`]).
    pub pressure: f32,
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
}

/// The board client's state.
pub struct Engine {
    /// The client that owns this engine, for callbacks created later (sockets).
    me: Weak<Client>,
    window: Window,
    canvas: HtmlCanvasElement,
    ctx: CanvasRenderingContext2d,
    callbacks: Callbacks,
    board: BoardDoc,
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
    /// A presence update is waiting for the throttle timer.
    presence_due: bool,
    presence_timer: Option<i32>,
    peers: Vec<PeerView>,

    viewport: Viewport,
    size: CanvasSize,
    /// The document's shapes in paint order, re-read on the frame after any change.
    shapes: Vec<Shape>,
    doc_dirty: bool,
    frame_requested: bool,

    tool: Tool,
    gesture: Gesture,
    selection: Option<String>,
    space_held: bool,
    /// The pointer hovers a shape with the select tool (the cursor shows "move").
    hovering_shape: bool,
    cursor_css: &'static str,

    /// Pending signal writes and focus; taken by `Client::run`.
    pub after: After,
    shown_status: ConnectionStatus,
    shown_items: Vec<ShapeItem>,
    shown_peers: Vec<Peer>,
    shown_history: (bool, bool),
}

fn now() -> f64 {
    js_sys::Date::now()
}

fn warn(message: &str) {
    web_sys::console::warn_1(&format!("whiteboard: {message}").into());
}

impl Engine {
    #[allow(clippy::too_many_arguments)]
    pub fn new(
        me: Weak<Client>,
        window: Window,
        canvas: HtmlCanvasElement,
        ctx: CanvasRenderingContext2d,
        callbacks: Callbacks,
        board: BoardDoc,
        url: String,
        identity: Identity,
        tool: Tool,
    ) -> Self {
        let session = SyncSession::new(board.clone(), || js_sys::Date::now() as u64);
        let history = History::new(&board, || js_sys::Date::now() as u64);
        Self {
            me,
            window,
            canvas,
            ctx,
            callbacks,
            board,
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
            presence_due: false,
            presence_timer: None,
            peers: Vec::new(),
            viewport: Viewport::default(),
            size: CanvasSize::default(),
            shapes: Vec::new(),
            doc_dirty: true,
            frame_requested: false,
            tool,
            gesture: Gesture::Idle,
            selection: None,
            space_held: false,
            hovering_shape: false,
            cursor_css: "",
            after: After::default(),
            shown_status: ConnectionStatus::Connecting,
            shown_items: Vec::new(),
            shown_peers: Vec::new(),
            shown_history: (false, false),
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
        let presence = self.identity.presence(self.cursor);
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

    fn reload_shapes(&mut self) {
        match self.board.shapes() {
            Ok(shapes) => self.shapes = shapes,
            Err(e) => {
                warn(&format!("cannot read the shapes: {e}"));
                return;
            }
        }
        self.doc_dirty = false;
        if let Some(id) = &self.selection {
            if !self.shapes.iter().any(|s| &s.id == id) {
                self.selection = None;
                if matches!(self.gesture, Gesture::Move { .. }) {
                    self.gesture = Gesture::Idle;
                    self.update_cursor();
                }
            }
        }
        self.publish_items();
    }

    fn publish_items(&mut self) {
        let items = tools::shape_items(&self.shapes, self.selection.as_deref());
        if items != self.shown_items {
            self.shown_items = items.clone();
            self.after.shapes = Some(items);
        }
    }

    fn select(&mut self, id: Option<String>) {
        if id != self.selection {
            self.selection = id;
            self.publish_items();
            self.request_frame();
        }
    }

    /// Writes a dragged shape's position if it moved since the last write.
    fn write_move(&mut self) {
        let Gesture::Move {
            id, to, written, ..
        } = &self.gesture
        else {
            return;
        };
        if to == written {
            return;
        }
        let (id, to) = (id.clone(), *to);
        let moved = self.change_in_step(|txn, b| b.set_position(txn, &id, to.x, to.y));
        match moved {
            Some(true) => {
                if let Gesture::Move { written, .. } = &mut self.gesture {
                    *written = to;
                }
            }
            // The shape was deleted by someone else meanwhile.
            Some(false) => self.gesture = Gesture::Idle,
            None => {}
        }
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

    /// The animation frame: write a pending move, re-read the shapes if needed, paint.
    pub fn frame(&mut self) {
        // Still marked as requested while painting: changes made now (the move written below)
        // are part of this frame and need no other.
        self.paint_now();
        self.frame_requested = false;
    }

    fn paint_now(&mut self) {
        self.write_move();
        if self.doc_dirty {
            self.reload_shapes();
        }
        let preview = self.gesture.drawn_shape(String::new(), String::new());
        let selected = self
            .selection
            .as_ref()
            .and_then(|id| self.shapes.iter().find(|s| &s.id == id));
        render::paint(
            &self.ctx,
            &Scene {
                viewport: self.viewport,
                size: self.size,
                shapes: &self.shapes,
                preview: preview.as_ref(),
                selected,
                peers: &self.peers,
            },
        );
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
        self.paint_now();
    }

    // ----- tools ----------------------------------------------------------------------------

    /// The toolbar or a shortcut changed the tool.
    pub fn set_tool(&mut self, tool: Tool) {
        if tool == self.tool {
            return;
        }
        self.tool = tool;
        if tool != Tool::Select {
            self.select(None);
        }
        self.hovering_shape = false;
        self.update_cursor();
    }

    /// Shows what a press would do: draw, move, pan.
    pub fn update_cursor(&mut self) {
        let css = match self.gesture {
            Gesture::Pan { .. } => "grabbing",
            Gesture::Move { .. } => "move",
            Gesture::Pen { .. } | Gesture::Box { .. } => "crosshair",
            Gesture::Idle if self.space_held => "grab",
            Gesture::Idle => match self.tool {
                Tool::Select if self.hovering_shape => "move",
                Tool::Select => "default",
                Tool::Pen | Tool::Rectangle | Tool::Ellipse => "crosshair",
            },
        };
        if css != self.cursor_css {
            self.cursor_css = css;
            let _ = self.canvas.style().set_property("cursor", css);
        }
    }

    fn board_point(&self, screen: Point) -> Point {
        self.viewport.to_board(screen)
    }

    /// A press on the canvas. Returns true when a gesture started (the caller captures the
    /// pointer).
    pub fn pointer_down(&mut self, input: PointerInput, tool: Tool) -> bool {
        if self.gesture != Gesture::Idle {
            return false;
        }
        self.set_tool(tool);
        let at = self.board_point(input.screen);
        let pointer = input.pointer;
        let pan = Gesture::Pan {
            pointer,
            last: input.screen,
        };
        self.gesture = match (input.button, tool) {
            (1, _) => pan,
            (0, _) if self.space_held => pan,
            (0, Tool::Select) => {
                let hit = tools::pick(&self.shapes, at, self.viewport.zoom)
                    .map(|s| (s.id.clone(), Point::new(s.x, s.y)));
                match hit {
                    Some((id, from)) => {
                        self.select(Some(id.clone()));
                        // The whole drag is one undo step.
                        self.history.new_step();
                        Gesture::Move {
                            pointer,
                            id,
                            grab: at,
                            from,
                            to: from,
                            written: from,
                        }
                    }
                    None => {
                        self.select(None);
                        pan
                    }
                }
            }
            (0, Tool::Pen) => Gesture::Pen {
                pointer,
                points: vec![(at, input.pressure)],
            },
            (0, Tool::Rectangle | Tool::Ellipse) => Gesture::Box {
                pointer,
                kind: if tool == Tool::Rectangle {
                    board::ShapeKind::Rectangle
                } else {
                    board::ShapeKind::Ellipse
                },
                start: at,
                end: at,
                start_screen: input.screen,
                end_screen: input.screen,
            },
            _ => return false,
        };
        self.after.focus_canvas = true;
        self.update_cursor();
        self.request_frame();
        true
    }

    /// The pointer moved; `samples` are the coalesced positions since the last event (at least
    /// the event's own).
    pub fn pointer_move(&mut self, input: PointerInput, samples: &[PointerInput]) {
        let at = self.board_point(input.screen);
        self.move_cursor(Some(PresenceCursor { x: at.x, y: at.y }));
        if self.gesture.pointer().is_some_and(|p| p != input.pointer) {
            return;
        }
        let zoom = self.viewport.zoom;
        let viewport = self.viewport;
        match &mut self.gesture {
            Gesture::Idle => {
                if self.tool == Tool::Select && !self.space_held {
                    let over = tools::pick(&self.shapes, at, zoom).is_some();
                    if over != self.hovering_shape {
                        self.hovering_shape = over;
                        self.update_cursor();
                    }
                }
                return;
            }
            Gesture::Pan { last, .. } => {
                let (dx, dy) = (input.screen.x - last.x, input.screen.y - last.y);
                *last = input.screen;
                self.viewport.pan_by_screen(dx, dy);
            }
            gesture @ Gesture::Pen { .. } => {
                for sample in samples {
                    gesture.add_pen_point(viewport.to_board(sample.screen), sample.pressure, zoom);
                }
            }
            Gesture::Box {
                end, end_screen, ..
            } => {
                *end = at;
                *end_screen = input.screen;
            }
            Gesture::Move { grab, from, to, .. } => {
                *to = Point::new(from.x + at.x - grab.x, from.y + at.y - grab.y);
            }
        }
        self.request_frame();
    }

    /// The press ended: commit what the gesture drew.
    pub fn pointer_up(&mut self, input: PointerInput) {
        if self.gesture.pointer() != Some(input.pointer) {
            return;
        }
        match std::mem::take(&mut self.gesture) {
            gesture @ (Gesture::Pen { .. } | Gesture::Box { .. }) => {
                let id = random::shape_id();
                self.change(|txn, b| {
                    let index = b.next_index(txn);
                    if let Some(shape) = gesture.drawn_shape(id, index) {
                        b.put(txn, &shape);
                    }
                });
            }
            gesture @ Gesture::Move { .. } => {
                self.gesture = gesture;
                self.write_move();
                self.gesture = Gesture::Idle;
            }
            Gesture::Pan { .. } | Gesture::Idle => {}
        }
        self.update_cursor();
        self.request_frame();
    }

    /// The browser took the pointer away (a touch turned into a system gesture): drop what was
    /// being drawn; a moved shape stays where it was dragged.
    pub fn pointer_cancel(&mut self, input: PointerInput) {
        if self.gesture.pointer() != Some(input.pointer) {
            return;
        }
        if matches!(self.gesture, Gesture::Move { .. }) {
            self.write_move();
        }
        self.gesture = Gesture::Idle;
        self.update_cursor();
        self.request_frame();
    }

    /// The pointer left the canvas: others stop seeing our cursor.
    pub fn pointer_leave(&mut self) {
        if self.gesture == Gesture::Idle {
            self.move_cursor(None);
        }
    }

    /// Wheel or pinch: zoom around the pointer.
    pub fn wheel(&mut self, screen: Point, delta_y: f64, pinch: bool) {
        let rate = if pinch {
            PINCH_ZOOM_RATE
        } else {
            WHEEL_ZOOM_RATE
        };
        self.viewport.zoom_at(screen, (-delta_y * rate).exp());
        let at = self.board_point(screen);
        self.move_cursor(Some(PresenceCursor { x: at.x, y: at.y }));
        self.request_frame();
    }

    /// A key went down outside any text field. Returns true when the key was used (the caller
    /// prevents its default action).
    pub fn key_down(&mut self, key: &str, with_modifier: bool) -> bool {
        match key {
            " " => {
                self.space_held = true;
                self.update_cursor();
                true
            }
            "Delete" | "Backspace" => {
                let Some(id) = self.selection.clone() else {
                    return false;
                };
                if matches!(&self.gesture, Gesture::Move { id: moving, .. } if *moving == id) {
                    self.gesture = Gesture::Idle;
                    self.update_cursor();
                }
                self.select(None);
                self.change(|txn, b| b.remove(txn, &id));
                true
            }
            "Escape" => {
                // Escape abandons the gesture; a dragged shape goes back where it was.
                if let Gesture::Move { id, from, .. } = std::mem::take(&mut self.gesture) {
                    // Joins the drag's step: undo has nothing left to do for it.
                    self.change_in_step(|txn, b| b.set_position(txn, &id, from.x, from.y));
                }
                self.select(None);
                self.update_cursor();
                self.request_frame();
                true
            }
            _ if with_modifier => false,
            _ => match Tool::from_shortcut(key) {
                Some(tool) => {
                    self.after.tool = Some(tool);
                    true
                }
                None => false,
            },
        }
    }

    /// A key went up (anywhere).
    pub fn key_up(&mut self, key: &str) {
        if key == " " {
            self.release_space();
        }
    }

    /// Space stops counting as held (key up, or the window lost focus).
    pub fn release_space(&mut self) {
        if self.space_held {
            self.space_held = false;
            self.update_cursor();
        }
    }
}
