//! Reactive state shared by the board page's markup and the canvas client.

use leptos::prelude::*;

/// The drawing tools, in toolbar order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tool {
    Select,
    Pen,
    Rectangle,
    Ellipse,
}

impl Tool {
    pub const ALL: [Tool; 4] = [Tool::Select, Tool::Pen, Tool::Rectangle, Tool::Ellipse];

    /// The accessible name of the tool's button.
    pub fn name(self) -> &'static str {
        match self {
            Tool::Select => "Select",
            Tool::Pen => "Pen",
            Tool::Rectangle => "Rectangle",
            Tool::Ellipse => "Ellipse",
        }
    }

    /// The keyboard shortcut that picks the tool.
    pub fn shortcut(self) -> char {
        match self {
            Tool::Select => 'v',
            Tool::Pen => 'p',
            Tool::Rectangle => 'r',
            Tool::Ellipse => 'o',
        }
    }

    pub fn from_shortcut(key: &str) -> Option<Tool> {
        Tool::ALL
            .into_iter()
            .find(|t| key.eq_ignore_ascii_case(&t.shortcut().to_string()))
    }
}

/// The state of the board's WebSocket, as shown to the person.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ConnectionStatus {
    /// First connection attempt.
    Connecting,
    /// Synced with the server; edits reach others at once.
    Connected,
    /// The connection dropped; retrying with backoff. Edits are kept and sent on reconnection.
    Reconnecting,
    /// The browser reports no network. Edits are kept and sent when it returns.
    Offline,
    /// The server refused access to the board; no further attempts are made.
    Denied,
}

impl ConnectionStatus {
    pub fn label(self) -> &'static str {
        match self {
            ConnectionStatus::Connecting => "Connecting…",
            ConnectionStatus::Connected => "Connected",
            ConnectionStatus::Reconnecting => "Reconnecting…",
            ConnectionStatus::Offline => "Offline",
            ConnectionStatus::Denied => "No access",
        }
    }

    /// Stable value for the `data-status` attribute (styles and tests).
    pub fn key(self) -> &'static str {
        match self {
            ConnectionStatus::Connecting => "connecting",
            ConnectionStatus::Connected => "connected",
            ConnectionStatus::Reconnecting => "reconnecting",
            ConnectionStatus::Offline => "offline",
            ConnectionStatus::Denied => "denied",
        }
    }
}

/// One entry of the accessible shape list.
#[derive(Debug, Clone, PartialEq)]
pub struct ShapeItem {
    pub id: String,
    /// Starts with the kind ("Rectangle", "Ellipse", "Pen stroke"), then position and size.
    pub label: String,
    pub selected: bool,
}

/// Another person on the board, for the people indicator.
#[derive(Debug, Clone, PartialEq)]
pub struct Peer {
    pub name: String,
    pub color: String,
}

/// Signals the board page renders and the canvas client writes.
#[derive(Debug, Clone, Copy)]
pub struct BoardUi {
    pub tool: RwSignal<Tool>,
    pub status: RwSignal<ConnectionStatus>,
    pub shapes: RwSignal<Vec<ShapeItem>>,
    pub peers: RwSignal<Vec<Peer>>,
    /// This person's display name, shown to others next to their cursor.
    pub user_name: RwSignal<String>,
}

impl BoardUi {
    pub fn new() -> Self {
        Self {
            tool: RwSignal::new(Tool::Pen),
            status: RwSignal::new(ConnectionStatus::Connecting),
            shapes: RwSignal::new(Vec::new()),
            peers: RwSignal::new(Vec::new()),
            user_name: RwSignal::new(String::new()),
        }
    }
}

impl Default for BoardUi {
    fn default() -> Self {
        Self::new()
    }
}
