//! The board page: tools, the canvas, the style panel, history and zoom controls, the minimap,
//! the in-place text editor, the shortcuts dialog and the accessible shape list.
//!
//! The markup is rendered on the server and hydrated; the canvas client (browser only) starts
//! once the canvas is mounted. Controls talk to the client through [`send`] and read what it
//! publishes through the [`BoardUi`] signals.
//!
//! Long, but one page: each component below is a few dozen lines of markup read top to bottom
//! in the order it appears on screen. The Share dialog lives in `crate::share`, the style panel
//! in `crate::style_panel`, Export/Import/History in `crate::files_ui`, the Library panel in
//! `crate::library_panel`; the shortcuts dialog and the top bar's overflow menu are the next
//! seams to split along.
//!
//! About 700 lines: the page's markup is one `view!` tree, hard to split without passing every
//! signal around; the style panel (`style_panel.rs`) and the files dialogs (`files_ui.rs`)
//! already live apart.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_params_map;

use crate::files_ui::{ExportDialog, FilesUi, HistoryPanel};
use crate::find_bar::FindBar;
use crate::library_panel::LibraryPanel;
use crate::mermaid_dialog::MermaidDialog;
use crate::name_prompt::NamePrompt;
use crate::pages::NotFound;
use crate::present::{FollowPresenter, PresentButtons, SlideControls, SlidesPanel};
use crate::share::ShareDialog;
use crate::style_panel::StylePanel;
use crate::ui::{
    send, BoardUi, Command, ConnectionStatus, HistoryAction, ShapeItem, Tool, Transport,
};

/// Shortcuts beyond the tools, for the shortcuts dialog.
const SHORTCUTS: [(&str, &str); 31] = [
    (
        "While presenting: next / previous slide, first / last, stop",
        "→ or Space / ←, Home / End, Esc",
    ),
    (
        "Find text on the board (Enter: next, Shift+Enter: previous)",
        "Ctrl+F",
    ),
    ("Undo", "Ctrl+Z"),
    ("Redo", "Ctrl+Shift+Z or Ctrl+Y"),
    ("Select all", "Ctrl+A"),
    ("Copy / cut / paste", "Ctrl+C / Ctrl+X / Ctrl+V"),
    ("Duplicate", "Ctrl+D"),
    ("Delete", "Delete or Backspace"),
    ("Group / ungroup", "Ctrl+G / Ctrl+Shift+G"),
    ("Lock / unlock the selection", "Ctrl+Shift+L"),
    ("Edit the link of the selected shape", "Ctrl+K"),
    ("Bring forward / to front", "Ctrl+] / Ctrl+Shift+]"),
    ("Send backward / to back", "Ctrl+[ / Ctrl+Shift+["),
    ("Add to or remove from the selection", "Shift+click"),
    (
        "Select shapes one by one (canvas focused)",
        "Tab / Shift+Tab",
    ),
    ("Move the selection", "Arrow keys (Shift: 10×)"),
    (
        "Add a connected shape in that direction (hold Ctrl to branch)",
        "Ctrl+Arrow",
    ),
    (
        "Edit the text of a text, note or shape (a label inside it)",
        "Enter or double-click",
    ),
    ("Finish editing text", "Escape or Ctrl+Enter"),
    ("Draw squares, keep proportions, snap angles", "Hold Shift"),
    ("Move without snapping", "Hold Alt"),
    ("Snapping on / off", "Alt+S"),
    ("Keep the tool after drawing (lock) on / off", "Q"),
    ("Pan", "Space+drag, middle button, Hand tool, two fingers"),
    ("Scroll the view", "Wheel (Shift+wheel: sideways)"),
    ("Zoom in / out", "Ctrl+= / Ctrl+-, Ctrl+wheel, pinch"),
    ("Zoom to 100 %", "Shift+0"),
    ("Zoom to fit everything", "Shift+1"),
    ("Zoom to fit the selection", "Shift+2"),
    ("Deselect, cancel", "Escape"),
    ("This list", "?"),
];

#[component]
pub fn BoardPage() -> impl IntoView {
    let params = use_params_map();
    let id = params.read_untracked().get("id").unwrap_or_default();
    if board::BoardId::parse(&id).is_err() {
        return view! { <NotFound/> }.into_any();
    }
    let ui = BoardUi::new();
    let canvas = NodeRef::<leptos::html::Canvas>::new();
    let minimap = NodeRef::<leptos::html::Canvas>::new();
    let file_input = NodeRef::<leptos::html::Input>::new();
    let import_input = NodeRef::<leptos::html::Input>::new();
    let files = FilesUi::new();
    // Small screens only (the toggles are hidden on wide ones): the style panel stays closed
    // until asked for, and the name, theme and help controls sit in an overflow menu.
    let style_open = RwSignal::new(false);
    let more_open = RwSignal::new(false);
    let name_prompt = RwSignal::new(false);
    let library_toggle = NodeRef::<leptos::html::Button>::new();

    #[cfg(feature = "hydrate")]
    {
        let board = id.clone();
        let id = id.clone();
        Effect::new(move |started: Option<bool>| {
            if started == Some(true) {
                return true;
            }
            match canvas.get() {
                Some(el) => {
                    crate::recent::remember(&id);
                    crate::board_client::start(id.clone(), el, minimap.get(), ui);
                    true
                }
                None => false,
            }
        });
        Effect::new(move |_| ui.dark.set(crate::recent::prefers_dark()));
        // The tab shows the board's title, and the recent list keeps it.
        Effect::new(move |_| {
            let title = ui.title.get();
            if let Some(doc) = web_sys::window().and_then(|w| w.document()) {
                let shown = if title.is_empty() {
                    "Untitled board"
                } else {
                    title.as_str()
                };
                doc.set_title(&format!("{shown} · Whiteboard"));
            }
            crate::recent::set_title(&board, &title);
        });
        Effect::new(move |seen: Option<u32>| {
            let count = ui.pick_image.get();
            if seen.is_some_and(|seen| seen != count) {
                if let Some(input) = file_input.get() {
                    input.click();
                }
            }
            count
        });
    }

    let on_file = move |_ev: leptos::ev::Event| {
        #[cfg(feature = "hydrate")]
        engine::upload_images(take_picked(file_input), None);
    };

    let on_import = move |_ev: leptos::ev::Event| {
        #[cfg(feature = "hydrate")]
        crate::files_ui::import_files(ui, take_picked(import_input));
    };

    let title = format!("Board {} · Whiteboard", &id[..id.len().min(8)]);
    view! {
        <Title text=title/>
        <div class="board-page" data-theme=move || if ui.dark.get() { "dark" } else { "light" }
            data-role=move || if ui.view_only() { "view" } else { "edit" }
            data-presenting=move || ui.presenting.with(Option::is_some).to_string()>
            <header class="topbar">
                <a class="brand" href="/" rel="external">"Whiteboard"</a>
                <div role="toolbar" aria-label="Tools" class="tools">
                    {Tool::ALL.into_iter().map(|tool| view! { <ToolButton tool ui/> }).collect_view()}
                    <button
                        type="button"
                        class="tool"
                        hidden=move || ui.view_only()
                        aria-label="Lock tool"
                        title="Lock tool: keep drawing with it (Q)"
                        aria-pressed=move || ui.tool_locked.get().to_string()
                        on:click=move |_| ui.tool_locked.update(|on| *on = !*on)
                    >
                        <Icon path="M7 11V8a5 5 0 0110 0v3M6 11h12v9H6z"/>
                    </button>
                </div>
                <button
                    type="button"
                    class="tool style-toggle"
                    hidden=move || ui.view_only()
                    aria-label="Style panel"
                    title="Style panel"
                    aria-expanded=move || style_open.get().to_string()
                    on:click=move |_| style_open.update(|open| *open = !*open)
                >
                    <Icon path="M12 3a9 9 0 100 18c1.1 0 1.5-.8 1.5-1.6 0-1.2-1-1.4-1-2.4 0-.8.7-1.5 1.5-1.5H17a4 4 0 004-4c0-4.7-4-8.5-9-8.5zM7.5 11.5h.01M10 7.5h.01M15 7.5h.01"/>
                </button>
                <div class="spacer"></div>
                <People ui/>
                <ShareButton ui/>
                <button
                    type="button"
                    class="tool more-toggle"
                    aria-label="More"
                    title="More"
                    aria-controls="board-more"
                    aria-expanded=move || more_open.get().to_string()
                    on:click=move |_| more_open.update(|open| *open = !*open)
                >
                    <Icon path="M4 12a1 1 0 102 0 1 1 0 10-2 0M11 12a1 1 0 102 0 1 1 0 10-2 0M18 12a1 1 0 102 0 1 1 0 10-2 0"/>
                </button>
                <div
                    id="board-more"
                    class="more"
                    data-open=move || more_open.get().to_string()
                    on:keydown=move |ev| if ev.key() == "Escape" { more_open.set(false) }
                >
                    <input
                        type="text"
                        class="board-title"
                        aria-label="Board title"
                        placeholder="Untitled board"
                        maxlength="120"
                        prop:value=move || ui.title.get()
                        prop:readOnly=move || ui.view_only()
                        on:change=move |ev| send(Command::SetTitle(event_target_value(&ev)))
                        on:keydown=move |ev| {
                            if ev.key() == "Enter" {
                                #[cfg(feature = "hydrate")]
                                {
                                    use leptos::wasm_bindgen::JsCast;
                                    if let Some(input) = ev
                                        .target()
                                        .and_then(|t| t.dyn_into::<web_sys::HtmlElement>().ok())
                                    {
                                        let _ = input.blur();
                                    }
                                }
                            }
                        }
                    />
                    <CursorsToggle ui/>
                    <label class="name">
                        <span class="visually-hidden">"Your name"</span>
                        <input
                            type="text"
                            maxlength="40"
                            placeholder="Your name"
                            prop:value=move || ui.user_name.get()
                            on:input=move |ev| ui.user_name.set(event_target_value(&ev))
                        />
                    </label>
                    <button
                        type="button"
                        class="tool"
                        aria-label="Dark mode"
                        title="Dark mode"
                        aria-pressed=move || ui.dark.get().to_string()
                        on:click=move |_| {
                            let dark = !ui.dark.get_untracked();
                            ui.dark.set(dark);
                            #[cfg(feature = "hydrate")]
                            crate::recent::remember_theme(dark);
                        }
                    >
                        <Icon path="M20 14.5A8 8 0 019.5 4a8 8 0 1010.5 10.5z"/>
                    </button>
                    <button
                        type="button"
                        class="tool"
                        aria-label="Export"
                        title="Export: PNG, SVG or JSON"
                        aria-haspopup="dialog"
                        on:click=move |_| {
                            more_open.set(false);
                            files.export_open.set(true);
                        }
                    >
                        <Icon path="M12 4v11M7 10l5 5 5-5M5 20h14"/>
                    </button>
                    <button
                        type="button"
                        class="tool"
                        aria-label="Import"
                        title="Import: a board's JSON, PNG or SVG, an Excalidraw file or a Mermaid flowchart"
                        hidden=move || ui.view_only()
                        on:click=move |_| {
                            more_open.set(false);
                            if let Some(input) = import_input.get() {
                                input.click();
                            }
                        }
                    >
                        <Icon path="M12 15V4M7 9l5-5 5 5M5 20h14"/>
                    </button>
                    <button
                        type="button"
                        class="tool"
                        aria-label="Mermaid"
                        title="Mermaid: type a flowchart, get shapes joined by arrows"
                        aria-haspopup="dialog"
                        hidden=move || ui.view_only()
                        on:click=move |_| {
                            more_open.set(false);
                            files.mermaid_open.set(true);
                        }
                    >
                        <Icon path="M3 4h7v5H3zM14 15h7v5h-7zM6.5 9v4.5h11V15"/>
                    </button>
                    <button
                        type="button"
                        class="tool"
                        node_ref=library_toggle
                        aria-label="Library"
                        title="Library: shapes kept to use again, on this board or in this browser"
                        aria-expanded=move || ui.library_open.get().to_string()
                        on:click=move |_| {
                            more_open.set(false);
                            files.history_open.set(false);
                            ui.library_open.update(|open| *open = !*open);
                        }
                    >
                        <Icon path="M4 5a2 2 0 012-2h3v18H6a2 2 0 01-2-2zM9 3h4v18H9zM14.5 4.2l3.4-.9 3.6 16.6-3.4.9z"/>
                    </button>
                    <button
                        type="button"
                        class="tool"
                        aria-label="History"
                        title="History: earlier versions of this board"
                        aria-expanded=move || files.history_open.get().to_string()
                        on:click=move |_| {
                            more_open.set(false);
                            ui.library_open.set(false);
                            files.history_open.update(|open| *open = !*open);
                        }
                    >
                        <Icon path="M3 12a9 9 0 109-9 9 9 0 00-7 3.5M3 4v4h4M12 7v5l3 2"/>
                    </button>
                    <PresentButtons ui on_pick=move || more_open.set(false)/>
                    <button
                        type="button"
                        class="tool"
                        aria-label="Keyboard shortcuts"
                        title="Keyboard shortcuts (?)"
                        on:click=move |_| {
                            more_open.set(false);
                            ui.help.set(true);
                        }
                    >
                        <Icon path="M9.5 9a2.5 2.5 0 115 0c0 2-2.5 2-2.5 4M12 17h.01"/>
                    </button>
                </div>
                <span
                    class="status"
                    role="status"
                    data-status=move || ui.status.get().key()
                    data-transport=move || ui.transport.get().key()
                    // Where the bar shows only the dot, pointing at it tells the status.
                    title=move || ui.status.get().label()
                >
                    <span class="dot" aria-hidden="true"></span>
                    {move || match ui.status.get() {
                        ConnectionStatus::Connected if ui.view_only() => "View only",
                        // "Connected via HTTP" would not fit the bar.
                        ConnectionStatus::Connected if ui.transport.get() == Transport::Http => {
                            "Live"
                        }
                        status => status.label(),
                    }}
                    {move || {
                        (ui.status.get() == ConnectionStatus::Connected
                            && ui.transport.get() == Transport::Http)
                            .then_some(" via HTTP")
                    }}
                    // Changes in flight while connected are confirmed within moments: the count
                    // shows only while the connection is down.
                    {move || {
                        let n = ui.unsent.get();
                        (n > 0 && ui.status.get() != ConnectionStatus::Connected)
                            .then(|| {
                                view! {
                                    <span class="unsent" data-unsent=n>
                                        {format!(
                                            "{n} {} saved only on this device",
                                            if n == 1 { "change" } else { "changes" },
                                        )}
                                    </span>
                                }
                            })
                    }}
                </span>
            </header>
            <div
                class="stage"
                data-style-open=move || style_open.get().to_string()
                on:pointerdown=move |ev| {
                    more_open.set(false);
                    crate::name_prompt::dismiss_from(&ev, name_prompt);
                }
            >
                <canvas
                    node_ref=canvas
                    class="board-canvas"
                    data-tool=move || ui.tool.get().name().to_lowercase().replace(' ', "-")
                    aria-label="Drawing canvas"
                    tabindex="0"
                ></canvas>
                <StylePanel ui/>
                <div class="corner bottom-left">
                    <div role="toolbar" aria-label="History" class="tools" hidden=move || ui.view_only()>
                        <HistoryButton action=HistoryAction::Undo ui/>
                        <HistoryButton action=HistoryAction::Redo ui/>
                    </div>
                    <ZoomBar ui/>
                </div>
                <canvas node_ref=minimap class="minimap" aria-label="Minimap" role="img"></canvas>
                <TextEditor ui/>
                <FindBar ui/>
                <SlidesPanel ui/>
                <SlideControls ui/>
                <FollowPresenter ui/>
                <HistoryPanel ui files/>
                <LibraryPanel ui toggle=library_toggle/>
                <NamePrompt ui open=name_prompt/>
                {move || ui.following.get().map(|name| view! {
                    <div class="following" aria-live="polite">
                        <span>{format!("Following {name}")}</span>
                        <button type="button" on:click=move |_| send(Command::Follow(None))>"Stop (Esc)"</button>
                    </div>
                })}
                {move || ui.notice.get().map(|message| view! {
                    <div class="notice" role="alert">
                        <span>{message}</span>
                        <button type="button" on:click=move |_| ui.notice.set(None)>"Dismiss"</button>
                    </div>
                })}
            </div>
            <input
                node_ref=file_input
                type="file"
                accept="image/png,image/jpeg,image/gif,image/webp"
                class="visually-hidden"
                tabindex="-1"
                aria-hidden="true"
                on:change=on_file
            />
            <input
                node_ref=import_input
                type="file"
                accept=".json,.excalidraw,.mmd,.mermaid,.png,.svg,application/json,image/png,image/svg+xml"
                class="visually-hidden"
                tabindex="-1"
                aria-hidden="true"
                data-import="true"
                on:change=on_import
            />
            <ShortcutsDialog ui/>
            <ExportDialog ui files/>
            <MermaidDialog ui files/>
            <ShareDialog ui board=id.clone()/>
            <ShapeList ui/>
        </div>
    }
    .into_any()
}

/// The accessible list of shapes, in paint order; the shapes in a frame are listed inside
/// the frame's item.
#[component]
fn ShapeList(ui: BoardUi) -> impl IntoView {
    // The top-level items, each with the items of its frame, grouped in one pass per change
    // (a list of 10,000 shapes must not make 10,000 scans of itself).
    let grouped = Memo::new(move |_| {
        ui.shapes.with(|all| {
            let mut children: std::collections::HashMap<&str, Vec<ShapeItem>> =
                std::collections::HashMap::new();
            for s in all {
                if let Some(frame) = s.frame.as_deref() {
                    children.entry(frame).or_default().push(s.clone());
                }
            }
            all.iter()
                .filter(|s| s.frame.is_none())
                .map(|s| {
                    (
                        s.clone(),
                        children.remove(s.id.as_str()).unwrap_or_default(),
                    )
                })
                .collect::<Vec<_>>()
        })
    });
    // An item is rebuilt when it or one of its frame's items changes.
    let key = |(s, kids): &(ShapeItem, Vec<ShapeItem>)| (s.clone(), kids.clone());
    let item = |s: &ShapeItem| {
        view! {
            <li data-shape-id=s.id.clone() aria-selected=s.selected.to_string()
                aria-description=(!s.others.is_empty()).then(|| s.others.clone())>
                {s.label.clone()}
            </li>
        }
    };
    view! {
        <ul role="list" aria-label="Shapes" class="visually-hidden">
            <For each=move || grouped.get() key=key let:entry>
                {
                    let (shape, kids) = entry;
                    view! {
                        <li data-shape-id=shape.id.clone() aria-selected=shape.selected.to_string()
                            aria-description=(!shape.others.is_empty()).then(|| shape.others.clone())>
                            <span>{shape.label.clone()}</span>
                            {(!kids.is_empty()).then(|| view! {
                                <ul role="list" aria-label="In this frame">
                                    {kids.iter().map(item).collect_view()}
                                </ul>
                            })}
                        </li>
                    }
                }
            </For>
        </ul>
    }
}

/// The files picked in a file input, which is then emptied (picking the same file again
/// fires again).
#[cfg(feature = "hydrate")]
pub(crate) fn take_picked(input: NodeRef<leptos::html::Input>) -> Vec<web_sys::File> {
    let Some(input) = input.get() else {
        return Vec::new();
    };
    let files = input
        .files()
        .map(|list| (0..list.length()).filter_map(|i| list.get(i)).collect())
        .unwrap_or_default();
    input.set_value("");
    files
}

#[component]
pub(crate) fn Icon(path: &'static str) -> impl IntoView {
    view! {
        <svg viewBox="0 0 24 24" width="20" height="20" aria-hidden="true">
            <path d=path fill="none" stroke="currentColor" stroke-width="1.8" stroke-linecap="round" stroke-linejoin="round"/>
        </svg>
    }
}

/// Opens the Share dialog (`crate::share`): the edit and view links.
#[component]
fn ShareButton(ui: BoardUi) -> impl IntoView {
    view! {
        <button type="button" class="share" aria-haspopup="dialog" on:click=move |_| ui.share.set(true)>
            "Share"
        </button>
    }
}

#[component]
fn ToolButton(tool: Tool, ui: BoardUi) -> impl IntoView {
    let title = format!("{} ({})", tool.name(), tool.shortcut().to_ascii_uppercase());
    view! {
        <button
            type="button"
            class="tool"
            // A view link keeps only the tools that change nothing.
            hidden=move || ui.view_only() && !matches!(tool, Tool::Select | Tool::Hand | Tool::Laser)
            aria-label=tool.name()
            title=title
            aria-pressed=move || (tool != Tool::Image && ui.tool.get() == tool).to_string()
            on:click=move |_| {
                if tool == Tool::Image {
                    ui.pick_image.update(|n| *n = n.wrapping_add(1));
                } else {
                    ui.tool.set(tool);
                }
            }
        >
            <Icon path=tool_icon(tool)/>
        </button>
    }
}

fn tool_icon(tool: Tool) -> &'static str {
    match tool {
        Tool::Select => "M5 3l14 8-6 1.5L9.5 19z",
        Tool::Hand => "M8 13V5.5a1.5 1.5 0 013 0V12m0-7.5a1.5 1.5 0 013 0V12m0-6a1.5 1.5 0 013 0v8a7 7 0 01-7 7 6 6 0 01-5-3l-2.5-4.5a1.5 1.5 0 012.5-1.5L8 14",
        Tool::Pen => "M4 20c3-1 4-4 6-7s5-7 7-8c1 1 1 2 0 3-2 2-6 5-8 8s-2 4-5 4z",
        Tool::Rectangle => "M4 6h16v12H4z",
        Tool::Ellipse => "M12 5c4.4 0 8 3.1 8 7s-3.6 7-8 7-8-3.1-8-7 3.6-7 8-7z",
        Tool::Diamond => "M12 3l9 9-9 9-9-9z",
        Tool::Line => "M5 19L19 5",
        Tool::Arrow => "M5 19L19 5m0 0h-8m8 0v8",
        Tool::Text => "M5 6V4h14v2M12 4v16m-3 0h6",
        Tool::Sticky => "M4 4h16v11l-5 5H4zM15 20v-5h5",
        Tool::Eraser => "M16 3l5 5-11 11H5l-2-2 13-14zM9 19h12",
        Tool::Laser => "M12 12m-2 0a2 2 0 104 0 2 2 0 10-4 0M4 20l6-6M12 3v3m9 6h-3M5.6 5.6l2 2m10.8-2l-2 2",
        Tool::Image => "M4 5h16v14H4zM4 16l5-5 4 4 3-3 4 4M15 9h.01",
        Tool::Frame => "M7 3v18M17 3v18M3 7h18M3 17h18",
    }
}

/// Undoes or redoes this person's own last change; disabled when there is none.
#[component]
fn HistoryButton(action: HistoryAction, ui: BoardUi) -> impl IntoView {
    let (name, title, path, available) = match action {
        HistoryAction::Undo => (
            "Undo",
            "Undo (Ctrl+Z)",
            "M9 14L4 9l5-5M4 9h10a6 6 0 010 12h-3",
            ui.can_undo,
        ),
        HistoryAction::Redo => (
            "Redo",
            "Redo (Ctrl+Shift+Z)",
            "M15 14l5-5-5-5M20 9H10a6 6 0 000 12h3",
            ui.can_redo,
        ),
    };
    view! {
        <button
            type="button"
            class="tool"
            aria-label=name
            title=title
            disabled=move || !available.get()
            on:click=move |_| send(Command::History(action))
        >
            <Icon path/>
        </button>
    }
}

/// Zoom out, the zoom level (press: 100 %), zoom in, zoom to fit, and the snapping toggle.
#[component]
fn ZoomBar(ui: BoardUi) -> impl IntoView {
    view! {
        <div role="toolbar" aria-label="Zoom" class="tools">
            <button type="button" class="tool" aria-label="Zoom out" title="Zoom out (Ctrl+-)"
                on:click=move |_| send(Command::ZoomOut)>
                <Icon path="M5 12h14"/>
            </button>
            <button type="button" class="tool zoom-level" aria-label="Reset zoom" title="Reset zoom to 100 % (Shift+0)"
                on:click=move |_| send(Command::ZoomReset)>
                {move || format!("{}%", (ui.zoom.get() * 100.0).round())}
            </button>
            <button type="button" class="tool" aria-label="Zoom in" title="Zoom in (Ctrl+=)"
                on:click=move |_| send(Command::ZoomIn)>
                <Icon path="M5 12h14M12 5v14"/>
            </button>
            <button type="button" class="tool" aria-label="Zoom to fit" title="Zoom to fit: the selection, or everything when nothing is selected (Shift+1: everything, Shift+2: the selection)"
                on:click=move |_| send(Command::ZoomToFit)>
                <Icon path="M4 9V4h5M20 9V4h-5M4 15v5h5M20 15v5h-5"/>
            </button>
            <button type="button" class="tool" aria-label="Snap to shapes" title="Snap to shapes (Alt+S)"
                aria-pressed=move || ui.snap.get().to_string()
                on:click=move |_| ui.snap.update(|s| *s = !*s)>
                <Icon path="M4 4v16M4 12h16M12 4v4m0 8v4"/>
            </button>
        </div>
    }
}

/// The text of a text shape, a sticky note or a shape's label, edited in place over the
/// canvas; what is typed reaches the others as it is typed.
#[component]
fn TextEditor(ui: BoardUi) -> impl IntoView {
    let area = NodeRef::<leptos::html::Textarea>::new();
    #[cfg(feature = "hydrate")]
    Effect::new(move |was_open: Option<bool>| {
        let open = ui.editing.with(Option::is_some);
        if open && was_open != Some(true) {
            if let Some(el) = area.get() {
                let text = ui
                    .editing
                    .with_untracked(|e| e.as_ref().map(|e| e.text.clone()));
                el.set_value(&text.unwrap_or_default());
                let _ = el.focus();
                el.select();
            }
        }
        open
    });
    let finish = move || {
        if let Some(el) = area.get_untracked() {
            if ui.editing.with_untracked(Option::is_some) {
                send(Command::FinishText(Some(el.value())));
            }
        }
    };
    let style = move || {
        ui.editing
            .get()
            .map(|e| {
                let width = if e.centred {
                    format!("width:{}px;height:{}px;", e.w, e.h)
                } else {
                    format!(
                        "min-width:{}px;min-height:{}px;",
                        (e.w + 8.0).max(40.0),
                        e.h
                    )
                };
                format!(
                    "left:{}px;top:{}px;{width}font-size:{}px;font-family:{};color:{};\
                     transform:rotate({}rad);",
                    e.x,
                    e.y,
                    e.font_px,
                    board::svg::family(e.font),
                    e.color,
                    e.rotation
                )
            })
            .unwrap_or_default()
    };
    view! {
        <textarea
            node_ref=area
            class="text-editor"
            class:centred=move || ui.editing.with(|e| e.as_ref().is_some_and(|e| e.centred))
            aria-label="Text"
            hidden=move || ui.editing.with(Option::is_none)
            style=style
            spellcheck="false"
            on:input=move |ev| send(Command::EditText(event_target_value(&ev)))
            on:blur=move |_| finish()
            on:keydown=move |ev| {
                let key = ev.key();
                if key == "Escape" || (key == "Enter" && (ev.ctrl_key() || ev.meta_key())) {
                    ev.prevent_default();
                    finish();
                }
            }
        ></textarea>
    }
}

/// Every shortcut, opened with "?" or the toolbar button.
#[component]
fn ShortcutsDialog(ui: BoardUi) -> impl IntoView {
    let close = NodeRef::<leptos::html::Button>::new();
    #[cfg(feature = "hydrate")]
    Effect::new(move |_| {
        if ui.help.get() {
            if let Some(el) = close.get() {
                let _ = el.focus();
            }
        }
    });
    view! {
        <div class="dialog-backdrop" hidden=move || !ui.help.get()
            on:click=move |_| ui.help.set(false)>
            <div role="dialog" aria-modal="true" aria-labelledby="shortcuts-title" class="dialog"
                on:click=|ev| ev.stop_propagation()
                on:keydown=move |ev| if ev.key() == "Escape" { ui.help.set(false) }>
                <div class="dialog-head">
                    <h2 id="shortcuts-title">"Keyboard shortcuts"</h2>
                    <button node_ref=close type="button" class="share" on:click=move |_| ui.help.set(false)>"Close"</button>
                </div>
                <div class="dialog-body">
                    <table>
                        <caption>"Tools"</caption>
                        <tbody>
                            {Tool::ALL.into_iter().map(|t| view! {
                                <tr><th scope="row">{t.name()}</th><td><kbd>{t.shortcut().to_ascii_uppercase().to_string()}</kbd></td></tr>
                            }).collect_view()}
                        </tbody>
                    </table>
                    <table>
                        <caption>"Editing and view"</caption>
                        <tbody>
                            {SHORTCUTS.into_iter().map(|(what, keys)| view! {
                                <tr><th scope="row">{what}</th><td><kbd>{keys}</kbd></td></tr>
                            }).collect_view()}
                        </tbody>
                    </table>
                </div>
            </div>
        </div>
    }
}

/// The other people on the board, as coloured initials (view or edit, who follows whom in
/// each one's tooltip); pressing one follows their view, pressing again stops.
#[component]
fn People(ui: BoardUi) -> impl IntoView {
    view! {
        <ul class="people" aria-label="People on this board">
            {move || {
                ui.peers
                    .get()
                    .into_iter()
                    .map(|p| {
                        let initials = engine::view::initials(&p.name);
                        let style = format!("background:{}", p.color);
                        let title = format!(
                            "{} ({}){}",
                            p.name,
                            if p.viewer { "viewing" } else { "editing" },
                            if p.follows_me { ", following you" } else { "" },
                        );
                        let label = if p.followed {
                            format!("Stop following {}", p.name)
                        } else {
                            format!("Follow {}", p.name)
                        };
                        let next = (!p.followed).then_some(p.id);
                        view! {
                            <li title=title style=style data-follows-me=p.follows_me.to_string()>
                                <button type="button" aria-label=label aria-pressed=p.followed.to_string()
                                    on:click=move |_| send(Command::Follow(next))>
                                    {initials}
                                </button>
                            </li>
                        }
                    })
                    .collect_view()
            }}
        </ul>
    }
}

/// Shows or hides other people's cursors.
#[component]
fn CursorsToggle(ui: BoardUi) -> impl IntoView {
    view! {
        <button type="button" class="tool" aria-label="Hide cursors" title="Hide other people's cursors"
            aria-pressed=move || (!ui.show_cursors.get()).to_string()
            on:click=move |_| {
                let show = !ui.show_cursors.get_untracked();
                ui.show_cursors.set(show);
                send(Command::ShowCursors(show));
            }>
            <Icon path="M5 3l14 8-6 1.5L9.5 19zM3 21L21 3"/>
        </button>
    }
}
