//! The board page's side of the engine (browser only): starts `engine` on the page's canvas,
//! writes the [`ViewUpdate`]s it sends into the page's signals, and sends it the changes made
//! in the controls that it must follow (name, tool, snapping, dark theme). Everything else the
//! panels ask for goes through `ui::send` as an `engine::view::Command`.

use leptos::prelude::*;
use web_sys::HtmlCanvasElement;

use crate::ui::{BoardUi, ViewUpdate};

thread_local! {
    /// Owns the effects that follow the signals: a root of its own, so that the effect that
    /// started the client re-running cannot dispose of them. One board per page.
    static EFFECTS: std::cell::RefCell<Option<Owner>> = const { std::cell::RefCell::new(None) };
}

/// Starts the engine for `board_id` on the mounted canvas (and minimap). Called once per board
/// page.
pub fn start(
    board_id: String,
    canvas: HtmlCanvasElement,
    minimap: Option<HtmlCanvasElement>,
    ui: BoardUi,
) {
    let sink = Box::new(move |update: ViewUpdate| show(ui, update));
    let Some(engine) = engine::start(&board_id, canvas, minimap, ui.tool.get_untracked(), sink)
    else {
        return;
    };
    let effects = Owner::new_root(None);
    effects.with(|| {
        let e = engine.clone();
        Effect::new(move |_| e.set_name(ui.user_name.get()));
        let e = engine.clone();
        Effect::new(move |_| e.set_tool(ui.tool.get()));
        let e = engine.clone();
        Effect::new(move |_| e.set_snap(ui.snap.get()));
        let e = engine.clone();
        Effect::new(move |_| e.set_tool_lock(ui.tool_locked.get()));
        Effect::new(move |_| engine.set_dark(ui.dark.get()));
    });
    EFFECTS.with(|slot| *slot.borrow_mut() = Some(effects));
}

/// Writes what changed into the signals.
fn show(ui: BoardUi, update: ViewUpdate) {
    let ViewUpdate {
        status,
        transport,
        unsent,
        shapes,
        peers,
        tool,
        history,
        style,
        style_mix,
        selected,
        zoom,
        snap,
        tool_locked,
        editing,
        pick_image,
        help,
        notice,
        user_name,
        access,
        following,
        title,
        find_open,
        found,
        presenting,
        slides,
        selection_info,
        focus_link,
        board_library,
        browser_library,
        library_status,
    } = update;
    if let Some(presenting) = presenting {
        ui.presenting.set(presenting);
    }
    if let Some(slides) = slides {
        ui.slides.set(slides);
    }
    if let Some(info) = selection_info {
        ui.selection_info.set(info);
    }
    if focus_link {
        ui.focus_link.update(|n| *n = n.wrapping_add(1));
    }
    if let Some(items) = board_library {
        ui.board_library.set(items);
    }
    if let Some(items) = browser_library {
        ui.browser_library.set(items);
    }
    if let Some(status) = library_status {
        ui.library_status.set(Some(status));
    }
    if find_open {
        ui.find_open.update(|n| *n += 1);
    }
    if let Some(found) = found {
        ui.found.set(found);
    }
    if let Some(title) = title {
        ui.title.set(title);
    }
    if let Some(name) = user_name {
        ui.user_name.set(name);
    }
    if let Some(style) = style {
        ui.style.set(style);
    }
    if let Some(mix) = style_mix {
        ui.style_mix.set(mix);
    }
    if let Some(selected) = selected {
        ui.selected.set(selected);
    }
    if let Some(zoom) = zoom {
        ui.zoom.set(zoom);
    }
    if let Some(snap) = snap {
        ui.snap.set(snap);
    }
    if let Some(locked) = tool_locked {
        ui.tool_locked.set(locked);
    }
    if let Some(editing) = editing {
        ui.editing.set(editing);
    }
    if pick_image {
        ui.pick_image.update(|n| *n = n.wrapping_add(1));
    }
    if help {
        ui.help.set(true);
    }
    if let Some(notice) = notice {
        ui.notice.set(Some(notice));
    }
    if let Some(following) = following {
        ui.following.set(following);
    }
    if let Some(access) = access {
        ui.access.set(Some(access));
    }
    if let Some(status) = status {
        ui.status.set(status);
    }
    if let Some(transport) = transport {
        ui.transport.set(transport);
    }
    if let Some(unsent) = unsent {
        ui.unsent.set(unsent);
    }
    if let Some(shapes) = shapes {
        ui.shapes.set(shapes);
    }
    if let Some(peers) = peers {
        ui.peers.set(peers);
    }
    if let Some(tool) = tool {
        ui.tool.set(tool);
    }
    if let Some((can_undo, can_redo)) = history {
        ui.can_undo.set(can_undo);
        ui.can_redo.set(can_redo);
    }
}
