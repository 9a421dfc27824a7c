//! The find bar (`Ctrl+F`): a search field over the canvas that finds the text of shapes,
//! labels and notes. Typing jumps to the first match; Enter and Shift+Enter (or the arrow
//! buttons) step through the rest, each selected with the view centred on it; the count is
//! announced; Escape closes the bar and gives the keyboard back to the canvas.

use leptos::prelude::*;

use crate::board_page::Icon;
use crate::ui::{send, BoardUi, Command};

#[component]
pub fn FindBar(ui: BoardUi) -> impl IntoView {
    let field = NodeRef::<leptos::html::Input>::new();
    #[cfg(feature = "hydrate")]
    Effect::new(move |_| {
        // Opened (or Ctrl+F pressed again): focus the field with its text selected, and search
        // again for what it holds.
        if ui.find_open.get() > 0 {
            if let Some(el) = field.get() {
                let _ = el.focus();
                el.select();
                send(Command::Find(el.value()));
            }
        }
    });
    let close = move || {
        ui.find_open.set(0);
        send(Command::FindClose);
        #[cfg(feature = "hydrate")]
        focus_canvas();
    };
    let count = move || match ui.found.get() {
        (_, 0) => "No results".to_owned(),
        (Some(i), n) => format!("{i} of {n}"),
        (None, n) => format!("{n} found"),
    };
    view! {
        <div class="find-bar" role="search" aria-label="Find on board" hidden=move || ui.find_open.get() == 0>
            <input
                node_ref=field
                type="search"
                aria-label="Find text on the board"
                placeholder="Find on board"
                spellcheck="false"
                on:input=move |ev| send(Command::Find(event_target_value(&ev)))
                on:keydown=move |ev| {
                    let key = ev.key();
                    if key == "Enter" {
                        ev.prevent_default();
                        send(Command::FindStep { back: ev.shift_key() });
                    } else if key == "Escape" {
                        ev.prevent_default();
                        close();
                    } else if key.eq_ignore_ascii_case("f") && (ev.ctrl_key() || ev.meta_key()) {
                        // Ctrl+F again selects what was typed, rather than the browser's find.
                        ev.prevent_default();
                        ui.find_open.update(|n| *n += 1);
                    }
                }
            />
            <span class="find-count" aria-live="polite">{count}</span>
            <button type="button" class="tool" aria-label="Previous match" title="Previous match (Shift+Enter)"
                on:click=move |_| send(Command::FindStep { back: true })>
                <Icon path="M6 15l6-6 6 6"/>
            </button>
            <button type="button" class="tool" aria-label="Next match" title="Next match (Enter)"
                on:click=move |_| send(Command::FindStep { back: false })>
                <Icon path="M6 9l6 6 6-6"/>
            </button>
            <button type="button" class="tool" aria-label="Close find" title="Close (Escape)"
                on:click=move |_| close()>
                <Icon path="M6 6l12 12M18 6L6 18"/>
            </button>
        </div>
    }
}

/// Gives the keyboard back to the board.
#[cfg(feature = "hydrate")]
pub(crate) fn focus_canvas() {
    use leptos::wasm_bindgen::JsCast;
    if let Some(canvas) = web_sys::window()
        .and_then(|w| w.document())
        .and_then(|d| d.query_selector(".board-canvas").ok().flatten())
        .and_then(|el| el.dyn_into::<web_sys::HtmlElement>().ok())
    {
        let _ = canvas.focus();
    }
}
