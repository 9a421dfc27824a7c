//! The board client's state and behaviour: the document, the connection, presence, the view,
//! the selection and the tool in use, behind one `RefCell` owned by [`crate::client::Client`].
//!
//! Every browser callback reaches the engine through `Client::run`, which borrows it, runs one
//! method and then applies the [`After`] list (view updates for the page, focus) once the
//! borrow is gone.
//! Engine methods therefore never call anything that can dispatch an event synchronously, and
//! nothing here can be re-entered. Scheduling (animation frames, timers, sockets, uploads) only
//! queues callbacks that arrive later, through `Client::run` again.
//!
//! - this file: the engine's state, its construction, and what it hands back after each call;
//! - [`connection`]: the socket or its HTTP fallback, reconnection with backoff, offline and
//!   online, the heartbeat;
//! - [`local`]: this device's copy of the board, and what it holds unsent;
//! - [`peers`]: our presence and other people's;
//! - [`document`]: local changes as undo steps, undo and redo, re-reading shapes, the selection;
//! - [`paint`]: animation frames, the canvas and minimap, images, size, theme and zoom;
//! - [`input`]: pointer gestures per tool ([`input::select`], [`input::touch`]) and keys
//!   ([`input::keyboard`]);
//! - [`flowchart`]: flowchart keys (`Ctrl+Arrow` adds a connected node);
//! - [`frames`]: what moves and deletes with a frame, which frame shapes belong to, names;
//! - [`present`]: the frames as slides, full window, and the slide order;
//! - [`find`]: find on the board (`Ctrl+F`), stepping through the matches;
//! - [`links`]: locking shapes, and setting and following their links;
//! - [`scene`]: the board as a whole: exports, imports, a version previewed or restored;
//! - [`library`]: the Library panel's items (the board's and this browser's), kept and
//!   inserted;
//! - [`commands`]: what the panels ask for (styles, z-order, groups, alignment, zoom), the
//!   clipboard, text editing and images.

mod commands;
mod connection;
mod document;
mod find;
mod flowchart;
mod frames;
mod input;
mod library;
mod links;
mod local;
mod paint;
mod peers;
mod present;
mod scene;

use std::collections::HashMap;
use std::rc::Weak;
use std::sync::{Arc, Mutex};

use board::history::History;
use board::layout::ChangeLog;
use board::protocol::PresenceCursor;
use board::spatial::SpatialIndex;
use board::{BoardDoc, Point, Shape, Style, Viewport};
use wasm_bindgen::closure::Closure;
use web_sys::{CanvasRenderingContext2d, HtmlCanvasElement, HtmlImageElement, Window};

use super::presence::{Identity, PeerView};
use super::render::{self, CanvasSize, Minimap};
use super::tools::Gesture;
use super::transport::{Backoff, Conn};
use crate::client::Client;

use crate::view::{ConnectionStatus, Peer, ShapeItem, Tool, ViewUpdate};
use board::session::SyncSession;

pub use commands::{is_board_clipboard, safe_image_src};
pub use input::{Keys, PointerInput};
pub use scene::ExportScene;

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

/// Work left for `Client::run` to do after the engine is released: the view changes for the
/// page's controls (which may call back in when they change), and focusing the canvas (which
/// can dispatch focus events).
#[derive(Debug, Default)]
pub struct After {
    pub view: ViewUpdate,
    pub focus_canvas: bool,
    /// A web link to open in a new tab (without opener or referrer): opening a window can
    /// dispatch events, so it waits for the engine's borrow to end.
    pub open_url: Option<String>,
}

/// Where the connection stands.
enum Link {
    /// No socket and no retry scheduled (a retry could not be scheduled; the heartbeat
    /// reconnects).
    Idle,
    /// Waiting for the backoff timer.
    Waiting { timer: i32 },
    /// A socket exists (connecting or open); `generation` tells its events from a dropped one's.
    Live { socket: Conn, generation: u64 },
    /// The server refused access: no more attempts.
    Denied,
}

/// The callbacks the engine schedules. Created once, so scheduling allocates nothing.
pub struct Callbacks {
    pub frame: Closure<dyn FnMut(f64)>,
    pub retry: Closure<dyn FnMut()>,
    pub presence: Closure<dyn FnMut()>,
    pub items: Closure<dyn FnMut()>,
    pub typing: Closure<dyn FnMut()>,
    pub minimap: Closure<dyn FnMut()>,
}

/// The text being edited in place: an existing shape, or a new text shape at `at` (it joins
/// the board, and `id` names it, with the first letter typed).
#[derive(Debug, Clone)]
struct Editing {
    id: Option<String>,
    at: Point,
    /// Typed but not yet in the document (see [`TYPING_THROTTLE_MS`]).
    typed: Option<String>,
}

/// Text being typed reaches the document (and so the others) at most this often.
const TYPING_THROTTLE_MS: f64 = 150.0;

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
    /// The link is view-only: no local change is made (the server would refuse it anyway).
    read_only: bool,
    /// A version shown instead of the board (read-only) by the History panel.
    preview: Option<Vec<Shape>>,
    /// `read_only` as it was before the preview.
    read_only_before_preview: bool,
    /// The client id of the person whose view ours follows.
    following: Option<u64>,
    /// Our view is being moved to theirs (not a move of our own that ends following).
    applying_follow: bool,
    /// Other people's cursors are drawn.
    show_cursors: bool,
    /// The spot the last pasted or dropped thing was meant for and where it went.
    last_placed: Option<(Point, Point)>,
    /// Undo and redo of our own changes; one gesture is one step.
    history: History,
    /// What the current undo step is made of, when more of the same may join it (see
    /// `change_joining`).
    step_key: Option<String>,

    url: String,
    /// The HTTP fallback's `/poll/{board}`, and the page's key for it.
    poll_url: String,
    key: Option<String>,
    link: Link,
    /// Until then the heartbeat leaves an idle link alone: the page is still reading the board
    /// it opens (`hold_connect`).
    connect_after: f64,
    generation: u64,
    /// When WebSockets fail and the HTTP fallback takes over (see `connection`).
    fallback: connection::Fallback,
    /// This device's copy of the board (see `local`).
    local: local::LocalCopy,
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
    /// Hand-drawn shapes' paths, built once per shape version.
    sketches: render::SketchCache,
    /// The hand-writing face was asked for (it is loaded only once a shape or the style uses
    /// it; the frame after it arrives repaints).
    hand_font_requested: bool,
    /// The id the shape being drawn will have: its preview is drawn with it, so that a
    /// hand-drawn shape (whose lines are seeded by its id) keeps its lines when it lands.
    next_id: String,
    /// The dark theme is on (images are drawn counter-inverted).
    dark: bool,

    tool: Tool,
    /// The style of new shapes (the style panel edits it along with the selection).
    style: Style,
    snap: bool,
    /// Drawing a shape keeps the tool (otherwise the tool returns to Select).
    tool_locked: bool,
    gesture: Gesture,
    /// Selected shape ids, in the order they were selected.
    selection: Vec<String>,
    editing: Option<Editing>,
    /// The find bar's search, while the bar is open.
    finding: Option<find::Finding>,
    /// The shape the page's address names (`#shape=<id>`, a copied link to a shape): selected
    /// and brought into view once it has arrived.
    arrival: Option<String>,
    /// The board's library and this browser's, as the Library panel shows them.
    library: library::Libraries,
    /// The node the flowchart keys made last, selected when `Ctrl` goes up.
    flow_made: Option<String>,
    /// The slide show in progress.
    presenting: Option<present::Presenting>,
    /// The timer for the minimap's throttled redraw.
    minimap_timer: Option<i32>,
    /// When typed text last went into the document, and the timer that sends the rest.
    typed_at: f64,
    typing_timer: Option<i32>,
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
    shown_mix: crate::view::StyleMix,
    shown_selected: usize,
    shown_selection_info: crate::view::SelectionInfo,
    shown_zoom: f64,
    shown_title: String,
    shown_slides: Vec<(String, String)>,
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
    pub poll_url: String,
    pub key: Option<String>,
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
            poll_url,
            key,
            identity,
            tool,
        } = parts;
        let session = SyncSession::new(board.clone(), || js_sys::Date::now() as u64);
        let history = History::new(&board, || js_sys::Date::now() as u64);
        let changes = board.watch();
        let arrival = links::shape_in_address(&window);
        let library = library::Libraries::new(board.watch_library());
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
            poll_url,
            key,
            link: Link::Idle,
            connect_after: 0.0,
            generation: 0,
            fallback: connection::Fallback::default(),
            local: local::LocalCopy::default(),
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
            sketches: render::SketchCache::default(),
            hand_font_requested: false,
            next_id: crate::random::shape_id(),
            dark: false,
            tool,
            style: Style::default(),
            snap: true,
            tool_locked: false,
            gesture: Gesture::Idle,
            selection: Vec::new(),
            editing: None,
            finding: None,
            arrival,
            library,
            flow_made: None,
            presenting: None,
            shown_slides: Vec::new(),
            step_key: None,
            typed_at: 0.0,
            typing_timer: None,
            minimap_timer: None,
            last_placed: None,
            read_only: false,
            preview: None,
            read_only_before_preview: false,
            following: None,
            applying_follow: false,
            show_cursors: true,
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
            shown_mix: crate::view::StyleMix::default(),
            shown_selected: 0,
            shown_selection_info: crate::view::SelectionInfo::default(),
            shown_zoom: 1.0,
            shown_title: String::new(),
        }
    }
}
