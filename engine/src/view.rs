//! The engine's interface with whatever shows the board's controls (the Leptos components of
//! `app`): the [`Command`]s they send in, and the [`ViewUpdate`]s the engine sends out (connection
//! status, tool, selection summary, peers, history availability, the text being edited).
//! Plain data, compiled with or without the browser feature, so the server renders the same
//! toolbar the browser hydrates.

/// The tools, in toolbar order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tool {
    Select,
    Hand,
    Pen,
    Rectangle,
    Ellipse,
    Diamond,
    Line,
    Arrow,
    Text,
    Sticky,
    Eraser,
    Laser,
    /// Not a mode: the button opens the file picker; pasting or dropping works with any tool.
    Image,
    Frame,
}

impl Tool {
    pub const ALL: [Tool; 14] = [
        Tool::Select,
        Tool::Hand,
        Tool::Pen,
        Tool::Rectangle,
        Tool::Ellipse,
        Tool::Diamond,
        Tool::Line,
        Tool::Arrow,
        Tool::Text,
        Tool::Sticky,
        Tool::Eraser,
        Tool::Laser,
        Tool::Image,
        Tool::Frame,
    ];

    /// The accessible name of the tool's button.
    pub fn name(self) -> &'static str {
        match self {
            Tool::Select => "Select",
            Tool::Hand => "Hand",
            Tool::Pen => "Pen",
            Tool::Rectangle => "Rectangle",
            Tool::Ellipse => "Ellipse",
            Tool::Diamond => "Diamond",
            Tool::Line => "Line",
            Tool::Arrow => "Arrow",
            Tool::Text => "Text",
            Tool::Sticky => "Sticky note",
            Tool::Eraser => "Eraser",
            Tool::Laser => "Laser pointer",
            Tool::Image => "Image",
            Tool::Frame => "Frame",
        }
    }

    /// The keyboard shortcut that picks the tool.
    pub fn shortcut(self) -> char {
        match self {
            Tool::Select => 'v',
            Tool::Hand => 'h',
            Tool::Pen => 'p',
            Tool::Rectangle => 'r',
            Tool::Ellipse => 'o',
            Tool::Diamond => 'd',
            Tool::Line => 'l',
            Tool::Arrow => 'a',
            Tool::Text => 't',
            Tool::Sticky => 's',
            Tool::Eraser => 'e',
            Tool::Laser => 'k',
            Tool::Image => 'i',
            Tool::Frame => 'f',
        }
    }

    pub fn from_shortcut(key: &str) -> Option<Tool> {
        Tool::ALL
            .into_iter()
            .find(|t| key.eq_ignore_ascii_case(&t.shortcut().to_string()))
    }

    /// Tools that draw a new shape (the style panel shows for them).
    pub fn draws(self) -> bool {
        !matches!(
            self,
            Tool::Select | Tool::Hand | Tool::Eraser | Tool::Laser | Tool::Image
        )
    }
}

/// One change of style from the style panel: applied to the selection and kept as the default
/// for new shapes.
#[derive(Debug, Clone, PartialEq)]
pub enum StyleChange {
    Stroke(String),
    Fill(Option<String>),
    StrokeWidth(f64),
    Dash(board::Dash),
    Opacity(f64),
    FontSize(f64),
    /// Lines and arrows: routed with right angles (true) or straight.
    Elbow(bool),
    /// Hand-drawn outlines (Excalidraw's sloppiness).
    Sloppiness(board::Sloppiness),
    /// The face of text, notes and labels.
    Font(board::Font),
}

/// A file format of the Export dialog.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExportFormat {
    Png,
    Svg,
    Json,
}

impl ExportFormat {
    pub const ALL: [ExportFormat; 3] = [ExportFormat::Png, ExportFormat::Svg, ExportFormat::Json];

    pub fn name(self) -> &'static str {
        match self {
            ExportFormat::Png => "PNG",
            ExportFormat::Svg => "SVG",
            ExportFormat::Json => "JSON",
        }
    }

    pub fn extension(self) -> &'static str {
        match self {
            ExportFormat::Png => "png",
            ExportFormat::Svg => "svg",
            ExportFormat::Json => "json",
        }
    }
}

/// What the Export dialog asks for.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ExportOptions {
    pub format: ExportFormat,
    /// PNG pixels per board unit: 1, 2 or 3.
    pub scale: f64,
    pub background: bool,
    pub dark: bool,
    /// Only the selected shapes (everything when nothing is selected).
    pub selection_only: bool,
}

impl Default for ExportOptions {
    fn default() -> Self {
        Self {
            format: ExportFormat::Png,
            scale: 2.0,
            background: true,
            dark: false,
            selection_only: false,
        }
    }
}

/// One version in the History panel.
#[derive(Debug, Clone, PartialEq, serde::Deserialize)]
pub struct VersionItem {
    pub id: i64,
    /// Unix milliseconds.
    pub at: f64,
    /// `edit`, `restore` (kept before a restore) or `import` (kept before an import).
    pub reason: String,
    pub editors: Vec<String>,
    pub bytes: u64,
}

/// Which library: the board's own (everyone on the board shares it, it stays with the board)
/// or this browser's (on every board opened here).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum LibrarySection {
    Board,
    Browser,
}

impl LibrarySection {
    pub const ALL: [LibrarySection; 2] = [LibrarySection::Board, LibrarySection::Browser];

    /// The section's heading.
    pub fn title(self) -> &'static str {
        match self {
            LibrarySection::Board => "This board",
            LibrarySection::Browser => "This browser",
        }
    }

    /// Whose library, in a sentence ("Added to this board's library").
    pub fn owner(self) -> &'static str {
        match self {
            LibrarySection::Board => "this board's",
            LibrarySection::Browser => "this browser's",
        }
    }

    /// Stable value for attributes and drag data.
    pub fn key(self) -> &'static str {
        match self {
            LibrarySection::Board => "board",
            LibrarySection::Browser => "browser",
        }
    }

    pub fn parse(key: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|s| s.key() == key)
    }
}

/// One library item as the Library panel shows it.
#[derive(Debug, Clone, PartialEq)]
pub struct LibraryEntry {
    pub id: String,
    /// Its name, or how many shapes it holds ("3 shapes").
    pub label: String,
    /// The item drawn as SVG, as a `data:` URL.
    pub thumbnail: String,
}

/// The type of the drag data a library item carries onto the canvas: `section:id`.
pub const LIBRARY_DRAG_TYPE: &str = "application/x-whiteboard-library";

/// What the controls outside the canvas ask the board to do.
#[derive(Debug, Clone, PartialEq)]
pub enum Command {
    History(HistoryAction),
    /// Renames the board (synced to everyone; empty: "Untitled board").
    SetTitle(String),
    Style(StyleChange),
    Duplicate,
    Delete,
    SelectAll,
    Order(board::edit::ZOrder),
    Group,
    Ungroup,
    Align(board::edit::Align),
    Distribute {
        horizontal: bool,
    },
    ZoomIn,
    ZoomOut,
    ZoomReset,
    /// The zoom bar's button: the selection when there is one, else every shape.
    ZoomToFit,
    /// Every shape (`Shift+1`).
    ZoomToAll,
    /// The selection (`Shift+2`; every shape when nothing is selected).
    ZoomToSelection,
    /// The minimap was pressed at this fraction of its width and height.
    MinimapJump {
        fx: f64,
        fy: f64,
    },
    /// The text in the editor, as it is typed (it reaches the others as it is typed).
    EditText(String),
    /// The text editor closed: keep `Some(text)`, or drop the edit.
    FinishText(Option<String>),
    /// Follow this person's view (their client id), or stop following.
    Follow(Option<u64>),
    /// Show or hide other people's cursors.
    ShowCursors(bool),
    /// The find bar's text changed: search and jump to the first match.
    Find(String),
    /// Enter (or Shift+Enter, `back`) in the find bar: the next (previous) match.
    FindStep {
        back: bool,
    },
    /// The find bar closed.
    FindClose,
    /// Present the frames as slides, from this frame (else from the first).
    Present(Option<String>),
    /// The next (1) or previous (-1) slide.
    SlideStep(i64),
    StopPresenting,
    /// Moves a frame earlier (`by` < 0) or later in the slide order.
    MoveSlide {
        id: String,
        by: i64,
    },
    /// Lock the selection, or unlock it when every selected shape is locked (`Ctrl+Shift+L`).
    ToggleLock,
    /// Set the link of the one selected shape from what was typed (empty: remove it). A link
    /// that is refused leaves the shape as it was and tells the person why.
    SetLink(String),
    /// Follow the link of the one selected shape.
    FollowLink,
    /// Keep the selection as a new item of a library.
    AddToLibrary(LibrarySection),
    /// Take an item (by id) out of a library.
    RemoveFromLibrary(LibrarySection, String),
    /// Insert a library item's shapes at the view's centre, selected, as one undo step.
    InsertFromLibrary(LibrarySection, String),
}

/// The slide shown while presenting.
#[derive(Debug, Clone, PartialEq)]
pub struct Slide {
    /// From 1.
    pub number: usize,
    pub count: usize,
    /// The frame's name.
    pub name: String,
}

/// What the panel shows of the selection's lock and link.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct SelectionInfo {
    /// The id of the one selected shape (links belong to one shape), if one is selected.
    pub single: Option<String>,
    /// Its link as the link field shows it (empty: none).
    pub link: String,
    /// The link leads to another shape of the board, not to a web page.
    pub link_to_shape: bool,
    /// Something is selected and every selected shape is locked.
    pub locked: bool,
}

/// The text being edited in place, positioned over the canvas (CSS pixels).
#[derive(Debug, Clone, PartialEq)]
pub struct TextEdit {
    pub x: f64,
    pub y: f64,
    pub w: f64,
    pub h: f64,
    /// Font size on screen.
    pub font_px: f64,
    /// The face the text is set in (the editor shows it too).
    pub font: board::Font,
    pub color: String,
    /// Sticky notes and labels wrap and centre their text in the box; free text grows.
    pub centred: bool,
    pub text: String,
    /// Rotation in radians.
    pub rotation: f64,
}

/// What this person's link lets them do on the board.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Role {
    #[default]
    Edit,
    /// Sees everything live and is seen; changes nothing.
    View,
}

/// The page's key and the links it may hand out (`engine::access`).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Access {
    pub role: Role,
    /// The board has no links yet: its bare address edits.
    pub open: bool,
    pub edit_key: Option<String>,
    pub view_key: Option<String>,
    /// Kept in this browser for a board it made (or whose links it reset).
    pub manage_key: Option<String>,
}

/// What the style panel shows beyond one style: the fields on which the selected shapes
/// differ ("mixed"), and whether the font size applies.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct StyleMix {
    pub stroke: bool,
    pub fill: bool,
    pub stroke_width: bool,
    pub dash: bool,
    pub opacity: bool,
    pub font_size: bool,
    pub sloppiness: bool,
    /// Font faces differ among the shapes that show text.
    pub font: bool,
    /// A selected shape shows text (a text, a note, a shape with a label).
    pub text: bool,
    /// A line or an arrow is selected (the arrow type applies).
    pub lines: bool,
}

impl StyleMix {
    pub fn of<'a>(shapes: impl IntoIterator<Item = &'a board::Shape>) -> Self {
        let mut shapes = shapes.into_iter();
        let Some(first) = shapes.next() else {
            return Self::default();
        };
        let shows_text = |s: &board::Shape| {
            matches!(s.kind, board::ShapeKind::Text | board::ShapeKind::Sticky)
                || !s.text.is_empty()
        };
        let a = &first.style;
        let mut mix = Self::default();
        // Font sizes and faces are compared among the shapes that show text only.
        let mut font = shows_text(first).then_some((a.font_size, a.font_family));
        for s in shapes {
            mix.lines |= matches!(s.kind, board::ShapeKind::Line | board::ShapeKind::Arrow);
            let b = &s.style;
            mix.stroke |= a.stroke != b.stroke;
            mix.fill |= a.fill != b.fill;
            mix.stroke_width |= a.stroke_width != b.stroke_width;
            mix.dash |= a.dash != b.dash;
            mix.opacity |= a.opacity != b.opacity;
            mix.sloppiness |= a.sloppiness != b.sloppiness;
            if shows_text(s) {
                mix.font_size |= font.is_some_and(|(f, _)| f != b.font_size);
                mix.font |= font.is_some_and(|(_, f)| f != b.font_family);
                font.get_or_insert((b.font_size, b.font_family));
            }
        }
        mix.text = font.is_some();
        mix.lines |= matches!(first.kind, board::ShapeKind::Line | board::ShapeKind::Arrow);
        mix
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

/// What carries the board's messages.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Transport {
    #[default]
    WebSocket,
    /// The HTTP fallback, when WebSockets cannot be opened on this network.
    Http,
}

impl Transport {
    /// Stable value for the `data-transport` attribute (styles and tests).
    pub fn key(self) -> &'static str {
        match self {
            Transport::WebSocket => "websocket",
            Transport::Http => "http",
        }
    }
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
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ShapeItem {
    pub id: String,
    /// Starts with the kind ("Rectangle", "Ellipse", "Pen stroke", …), then position and size
    /// (and the text of text and sticky notes), then whether it is locked and where its link
    /// leads.
    pub label: String,
    pub selected: bool,
    /// Who else has it selected ("selected by Brave Otter"), or empty.
    pub others: String,
    /// The frame it belongs to (listed inside that frame's item), if that frame exists.
    pub frame: Option<String>,
}

/// Another person on the board, for the people indicator.
#[derive(Debug, Clone, PartialEq)]
pub struct Peer {
    /// Their awareness client id (to follow them).
    pub id: u64,
    pub name: String,
    pub color: String,
    /// On a view link.
    pub viewer: bool,
    /// They follow this person's view.
    pub follows_me: bool,
    /// They are presenting the board's frames as slides.
    pub presenting: bool,
    /// This person follows their view.
    pub followed: bool,
}

/// The initials shown for a person in the people indicator: the first letter of each of the
/// first two words of their name, upper-cased ("Brave Otter" → "BO", "alice" → "A"; "?" for a
/// blank name).
pub fn initials(name: &str) -> String {
    let letters: String = name
        .split_whitespace()
        .take(2)
        .filter_map(|word| word.chars().next())
        .flat_map(char::to_uppercase)
        .collect();
    if letters.is_empty() {
        "?".into()
    } else {
        letters
    }
}

/// What changed in the view since the last update; `None` (or `false`) for what did not.
#[derive(Debug, Default)]
pub struct ViewUpdate {
    pub status: Option<ConnectionStatus>,
    /// The transport in use, when it changes.
    pub transport: Option<Transport>,
    /// How many of our changes are saved only on this device (not yet confirmed by the
    /// server), when it changes.
    pub unsent: Option<usize>,
    /// The accessible shape list.
    pub shapes: Option<Vec<ShapeItem>>,
    pub peers: Option<Vec<Peer>>,
    pub tool: Option<Tool>,
    /// (can undo, can redo) this person's own changes.
    pub history: Option<(bool, bool)>,
    /// The style the panel shows: the first selected shape's, or the defaults for new shapes.
    pub style: Option<board::Style>,
    /// Where the selected shapes' styles differ, and whether any holds text.
    pub style_mix: Option<StyleMix>,
    /// How many shapes are selected.
    pub selected: Option<usize>,
    pub zoom: Option<f64>,
    pub snap: Option<bool>,
    /// Drawing keeps the tool (the lock, `Q`), or returns to Select.
    pub tool_locked: Option<bool>,
    /// The text editor over the canvas: opened (`Some(Some(_))`) or closed (`Some(None)`).
    pub editing: Option<Option<TextEdit>>,
    /// Open the image file picker.
    pub pick_image: bool,
    /// Open the keyboard shortcuts dialog.
    pub help: bool,
    /// A message for the person (a refused upload).
    pub notice: Option<String>,
    /// What this person's link allows, once known.
    pub access: Option<Access>,
    /// Now following this person (their name), or no one.
    pub following: Option<Option<String>>,
    /// This person's display name, as loaded from the browser's storage.
    pub user_name: Option<String>,
    /// The board's title, when it changes (empty: none set).
    pub title: Option<String>,
    /// Open the find bar (`Ctrl+F`).
    pub find_open: bool,
    /// The find bar's count: the match shown (from 1) and how many there are.
    pub found: Option<(Option<usize>, usize)>,
    /// The slide shown, or the show ended (`Some(None)`).
    pub presenting: Option<Option<Slide>>,
    /// The frames as slides, in order: (id, name).
    pub slides: Option<Vec<(String, String)>>,
    /// The selection's lock and link, when they change.
    pub selection_info: Option<SelectionInfo>,
    /// Move the keyboard focus to the link field (`Ctrl+K`).
    pub focus_link: bool,
    /// The board's library items, newest first, when they change.
    pub board_library: Option<Vec<LibraryEntry>>,
    /// This browser's library items, newest first, when they change.
    pub browser_library: Option<Vec<LibraryEntry>>,
    /// What the last library action did, for the Library panel's status line.
    pub library_status: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn initials_take_the_first_letter_of_two_words() {
        assert_eq!(initials("Brave Otter"), "BO");
        assert_eq!(initials("alice"), "A");
        assert_eq!(initials("  émile   zola  the third"), "ÉZ");
        assert_eq!(initials("   "), "?");
    }

    #[test]
    fn a_mixed_selection_reports_which_styles_differ_and_whether_text_shows() {
        use board::{Shape, ShapeKind, Style};
        let shape = |kind, stroke: &str, font_size, text: &str| Shape {
            kind,
            text: text.into(),
            style: Style {
                stroke: stroke.into(),
                font_size,
                ..Style::default()
            },
            ..Shape::default()
        };
        let a = shape(ShapeKind::Rectangle, "#000", 20.0, "");
        let b = shape(ShapeKind::Rectangle, "#f00", 40.0, "");
        let mix = StyleMix::of([&a, &b]);
        assert!(mix.stroke && !mix.fill && !mix.dash);
        assert!(
            !mix.text && !mix.font_size,
            "no text: font sizes do not count"
        );
        let t = shape(ShapeKind::Text, "#000", 28.0, "hi");
        let mix = StyleMix::of([&a, &t]);
        assert!(mix.text && !mix.font_size && !mix.stroke);
        let labelled = shape(ShapeKind::Ellipse, "#000", 16.0, "Start");
        assert!(StyleMix::of([&a, &t, &labelled]).font_size);
        assert_eq!(StyleMix::of([&a]), StyleMix::default());
        // Sloppiness differs among any shapes; faces only among those showing text.
        let mut rough = a.clone();
        rough.style.sloppiness = board::Sloppiness::Artist;
        rough.style.font_family = board::Font::Mono;
        let mix = StyleMix::of([&a, &rough]);
        assert!(mix.sloppiness && !mix.font);
        let mut code = t.clone();
        code.style.font_family = board::Font::Mono;
        let mix = StyleMix::of([&t, &code, &rough]);
        assert!(mix.font && mix.sloppiness && !mix.font_size);
    }

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
