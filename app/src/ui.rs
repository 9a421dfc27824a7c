//! Reactive state shared by the board page's markup and the board engine: the signals the
//! components render, written from the engine's [`ViewUpdate`]s (see `crate::board_client`).
//! The plain types of the interface live in `engine::view` and are re-exported here.

use leptos::prelude::*;

pub use engine::view::{
    Access, Command, ConnectionStatus, ExportFormat, ExportOptions, HistoryAction, LibraryEntry,
    LibrarySection, Peer, Role, SelectionInfo, ShapeItem, Slide, StyleChange, StyleMix, TextEdit,
    Tool, Transport, VersionItem, ViewUpdate,
};

/// Sends a command to the board client (in the browser; nothing happens on the server).
pub fn send(command: Command) {
    #[cfg(feature = "hydrate")]
    engine::command(command);
    #[cfg(not(feature = "hydrate"))]
    let _ = command;
}

/// Signals the board page renders and the canvas client writes.
#[derive(Debug, Clone, Copy)]
pub struct BoardUi {
    /// The style the panel shows: the first selected shape's, or the defaults for new shapes.
    pub style: RwSignal<board::Style>,
    /// Where the selected shapes' styles differ, and whether any shows text.
    pub style_mix: RwSignal<StyleMix>,
    /// How many shapes are selected.
    pub selected: RwSignal<usize>,
    /// The view's zoom factor (1 = 100 %).
    pub zoom: RwSignal<f64>,
    /// Moving shapes snaps them to other shapes' edges and centres.
    pub snap: RwSignal<bool>,
    /// Drawing a shape keeps the tool; otherwise the tool returns to Select (the lock, `Q`).
    pub tool_locked: RwSignal<bool>,
    /// The text editor over the canvas, while text is edited.
    pub editing: RwSignal<Option<TextEdit>>,
    /// The keyboard shortcuts dialog is open.
    pub help: RwSignal<bool>,
    /// Dark theme on (follows the system until toggled).
    pub dark: RwSignal<bool>,
    /// Incremented to open the image file picker.
    pub pick_image: RwSignal<u32>,
    /// A message for the person (a refused upload), shown until dismissed.
    pub notice: RwSignal<Option<String>>,
    pub tool: RwSignal<Tool>,
    pub status: RwSignal<ConnectionStatus>,
    /// What carries the board's messages (the HTTP fallback on networks blocking WebSockets).
    pub transport: RwSignal<Transport>,
    /// Our changes saved only on this device (the server has not confirmed them).
    pub unsent: RwSignal<usize>,
    pub shapes: RwSignal<Vec<ShapeItem>>,
    pub peers: RwSignal<Vec<Peer>>,
    /// This person's display name, shown to others next to their cursor.
    pub user_name: RwSignal<String>,
    /// What this person's link allows (`None` until known: the page is drawn for an editor).
    pub access: RwSignal<Option<Access>>,
    /// The Share dialog is open.
    pub share: RwSignal<bool>,
    /// The name of the person whose view this one follows.
    pub following: RwSignal<Option<String>>,
    /// Other people's cursors are shown.
    pub show_cursors: RwSignal<bool>,
    /// There is a change of ours to undo / an undone one to redo.
    pub can_undo: RwSignal<bool>,
    pub can_redo: RwSignal<bool>,
    /// The board's title (empty: none set, shown as "Untitled board").
    pub title: RwSignal<String>,
    /// The find bar is open (0: closed); each `Ctrl+F` adds one, refocusing its field.
    pub find_open: RwSignal<u32>,
    /// The find bar's count: the match shown (from 1) and how many there are.
    pub found: RwSignal<(Option<usize>, usize)>,
    /// The slide shown while this person presents.
    pub presenting: RwSignal<Option<Slide>>,
    /// The frames as slides, in order: (id, name).
    pub slides: RwSignal<Vec<(String, String)>>,
    /// The slides panel is open.
    pub slides_open: RwSignal<bool>,
    /// The selection's lock and link (the lock button and the link editor).
    pub selection_info: RwSignal<SelectionInfo>,
    /// Incremented to focus the link field (`Ctrl+K`).
    pub focus_link: RwSignal<u32>,
    /// The Library panel is open.
    pub library_open: RwSignal<bool>,
    /// The board's library items and this browser's, newest first.
    pub board_library: RwSignal<Vec<LibraryEntry>>,
    pub browser_library: RwSignal<Vec<LibraryEntry>>,
    /// What the last library action did (the panel's status line).
    pub library_status: RwSignal<Option<String>>,
}

impl BoardUi {
    pub fn new() -> Self {
        Self {
            // A new board starts on Select, so a first drag does not leave ink behind.
            tool: RwSignal::new(Tool::Select),
            status: RwSignal::new(ConnectionStatus::Connecting),
            transport: RwSignal::new(Transport::WebSocket),
            unsent: RwSignal::new(0),
            shapes: RwSignal::new(Vec::new()),
            peers: RwSignal::new(Vec::new()),
            user_name: RwSignal::new(String::new()),
            can_undo: RwSignal::new(false),
            can_redo: RwSignal::new(false),
            style: RwSignal::new(board::Style::default()),
            style_mix: RwSignal::new(StyleMix::default()),
            selected: RwSignal::new(0),
            zoom: RwSignal::new(1.0),
            snap: RwSignal::new(true),
            tool_locked: RwSignal::new(false),
            editing: RwSignal::new(None),
            help: RwSignal::new(false),
            dark: RwSignal::new(false),
            pick_image: RwSignal::new(0),
            notice: RwSignal::new(None),
            access: RwSignal::new(None),
            share: RwSignal::new(false),
            following: RwSignal::new(None),
            show_cursors: RwSignal::new(true),
            title: RwSignal::new(String::new()),
            find_open: RwSignal::new(0),
            found: RwSignal::new((None, 0)),
            presenting: RwSignal::new(None),
            slides: RwSignal::new(Vec::new()),
            slides_open: RwSignal::new(false),
            selection_info: RwSignal::new(SelectionInfo::default()),
            focus_link: RwSignal::new(0),
            library_open: RwSignal::new(false),
            board_library: RwSignal::new(Vec::new()),
            browser_library: RwSignal::new(Vec::new()),
            library_status: RwSignal::new(None),
        }
    }
}

impl BoardUi {
    /// A library section's items.
    pub fn library(&self, section: LibrarySection) -> RwSignal<Vec<LibraryEntry>> {
        match section {
            LibrarySection::Board => self.board_library,
            LibrarySection::Browser => self.browser_library,
        }
    }

    /// The link is view-only.
    pub fn view_only(&self) -> bool {
        self.access
            .with(|a| a.as_ref().is_some_and(|a| a.role == Role::View))
    }
}

impl Default for BoardUi {
    fn default() -> Self {
        Self::new()
    }
}
