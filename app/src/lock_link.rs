//! The style panel's lock button and link editor: Lock (`Ctrl+Shift+L`, pressed while the
//! selection is locked), and for one selected shape a Link field (`Ctrl+K` focuses it) with
//! Open link, Remove link and Copy link to shape.
//!
//! The engine decides what a link may be (`board::link`): a refused link leaves the shape as
//! it was and the page shows why (the notice). The copied address is the board's own with
//! `#shape=<id>`; pasted as a link on this board it becomes a link to that shape.

use leptos::prelude::*;

use crate::board_page::Icon;
use crate::ui::{send, BoardUi, Command};

/// A closed padlock and an open one.
const LOCKED_ICON: &str = "M6 11h12v9H6zM8 11V8a4 4 0 018 0v3";
const UNLOCKED_ICON: &str = "M6 11h12v9H6zM8 11V8a4 4 0 017.7-1.5";

/// Lock / unlock the selection.
#[component]
pub fn LockButton(ui: BoardUi) -> impl IntoView {
    let locked = move || ui.selection_info.with(|i| i.locked);
    view! {
        <button type="button" class="tool" aria-label="Lock"
            title=move || if locked() { "Unlock (Ctrl+Shift+L)" } else { "Lock (Ctrl+Shift+L)" }
            aria-pressed=move || locked().to_string()
            on:click=move |_| send(Command::ToggleLock)>
            {move || if locked() {
                view! { <Icon path=LOCKED_ICON/> }
            } else {
                view! { <Icon path=UNLOCKED_ICON/> }
            }}
        </button>
    }
}

/// The link of the one selected shape.
#[component]
pub fn LinkEditor(ui: BoardUi) -> impl IntoView {
    let info = ui.selection_info;
    let input = NodeRef::<leptos::html::Input>::new();
    let copied = RwSignal::new(false);
    let locked = move || info.with(|i| i.locked);
    let has_link = move || info.with(|i| !i.link.is_empty());

    #[cfg(feature = "hydrate")]
    Effect::new(move |seen: Option<u32>| {
        let count = ui.focus_link.get();
        if seen.is_some_and(|seen| seen != count) {
            if let Some(input) = input.get() {
                let _ = input.focus();
                input.select();
            }
        }
        count
    });

    let copy = move |_| {
        #[cfg(feature = "hydrate")]
        if let (Some(window), Some(id)) = (web_sys::window(), info.get_untracked().single) {
            let page = window.location().href().unwrap_or_default();
            let url = board::link::shape_url(&page, &id);
            let _ = window.navigator().clipboard().write_text(&url);
            copied.set(true);
            set_timeout(move || copied.set(false), std::time::Duration::from_secs(2));
        }
    };
    view! {
        <div role="group" aria-label="Link" class="choice link-editor">
            <label class="choice-label" for="shape-link">"Link"</label>
            <input id="shape-link" node_ref=input type="text" inputmode="url" autocomplete="off"
                spellcheck="false" placeholder="https://… or a copied shape link"
                prop:value=move || info.with(|i| i.link.clone())
                prop:readOnly=locked
                title=move || locked().then_some("Unlock the shape to change its link")
                on:change=move |ev| send(Command::SetLink(event_target_value(&ev)))/>
            <div class="choice-row">
                <button type="button" class="option"
                    title=move || if info.with(|i| i.link_to_shape) {
                        "Select the linked shape and bring it into view"
                    } else {
                        "Open the link in a new tab"
                    }
                    prop:disabled=move || !has_link()
                    on:click=move |_| send(Command::FollowLink)>
                    "Open link"
                </button>
                <button type="button" class="option"
                    prop:disabled=move || !has_link() || locked()
                    on:click=move |_| send(Command::SetLink(String::new()))>
                    "Remove link"
                </button>
                <button type="button" class="option"
                    title="Copy an address that leads to this shape"
                    on:click=copy>
                    "Copy link to shape"
                </button>
                <span class="visually-hidden" aria-live="polite">
                    {move || copied.get().then_some("Link to shape copied")}
                </span>
            </div>
        </div>
    }
}
