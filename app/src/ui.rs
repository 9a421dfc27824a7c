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

/// Undo or redo of this person's own changes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HistoryAction {
    Undo,
    Redo,
}

impl HistoryAction {
    /// The shortcut's action: Ctrl/Cmd+Z undoes, Ctrl/Cmd+Shift+Z and Ctrl+Y redo.
    pub fn from_shortcut(
        key: &str,
        ctrl: bool,
        meta: bool,
        shift: bool,
        alt: bool,
    ) -> Option<Self> {
        if alt || !(ctrl || meta) {
            return None;
        }
        if key.eq_ignore_ascii_case("z") {
            Some(if shift {
                HistoryAction::Redo
            } else {
                HistoryAction::Undo
            })
        } else if key.eq_ignore_ascii_case("y") && ctrl && !shift {
            Some(HistoryAction::Redo)
        } else {
            None
        }
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
    /// There is a change of ours to undo / an undone one to redo.
    pub can_undo: RwSignal<bool>,
    pub can_redo: RwSignal<bool>,
    /// Counts presses of the Undo / Redo buttons; the client acts on each increment.
    pub undo_requests: RwSignal<u32>,
    pub redo_requests: RwSignal<u32>,
}

impl BoardUi {
    pub fn new() -> Self {
        Self {
            tool: RwSignal::new(Tool::Pen),
            status: RwSignal::new(ConnectionStatus::Connecting),
            shapes: RwSignal::new(Vec::new()),
            peers: RwSignal::new(Vec::new()),
            user_name: RwSignal::new(String::new()),
            can_undo: RwSignal::new(false),
            can_redo: RwSignal::new(false),
            undo_requests: RwSignal::new(0),
            redo_requests: RwSignal::new(0),
        }
    }
}

impl Default for BoardUi {
    fn default() -> Self {
        Self::new()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn history_shortcuts() {
        let undo = Some(HistoryAction::Undo);
        let redo = Some(HistoryAction::Redo);
        assert_eq!(
            HistoryAction::from_shortcut("z", true, false, false, false),
            undo
        );
        assert_eq!(
            HistoryAction::from_shortcut("z", false, true, false, false),
            undo
        );
        assert_eq!(
            HistoryAction::from_shortcut("Z", true, false, true, false),
            redo
        );
        assert_eq!(
            HistoryAction::from_shortcut("z", false, true, true, false),
            redo
        );
        assert_eq!(
            HistoryAction::from_shortcut("y", true, false, false, false),
            redo
        );
        assert_eq!(
            HistoryAction::from_shortcut("z", false, false, false, false),
            None
        );
        assert_eq!(
            HistoryAction::from_shortcut("z", true, false, false, true),
            None
        );
        assert_eq!(
            HistoryAction::from_shortcut("x", true, false, false, false),
            None
        );
    }
}
