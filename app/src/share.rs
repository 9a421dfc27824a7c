//! The Share dialog: the board's edit and view links, each in a read-only field with a copy
//! button, and Reset links for the board's manager (the browser that made the board keeps its
//! manage key) or on a board whose bare link is still open. What a key may see and do is
//! decided by the server; this only shows it (`engine::access` asks the server).

use leptos::prelude::*;

use crate::ui::{Access, BoardUi, Role};

/// The board page's address with `key`, or bare.
fn link(board: &str, key: Option<&str>) -> String {
    #[cfg(feature = "hydrate")]
    let origin = web_sys::window()
        .and_then(|w| w.location().origin().ok())
        .unwrap_or_default();
    #[cfg(not(feature = "hydrate"))]
    let origin = String::new();
    match key {
        Some(key) => format!("{origin}/b/{board}?key={key}"),
        None => format!("{origin}/b/{board}"),
    }
}

/// A labelled read-only field with its copy button.
#[component]
fn LinkField(label: &'static str, value: String) -> impl IntoView {
    let copied = RwSignal::new(false);
    let id = format!("share-{}", label.to_lowercase().replace(' ', "-"));
    let text = value.clone();
    let copy = move |_| {
        #[cfg(feature = "hydrate")]
        if let Some(window) = web_sys::window() {
            let _ = window.navigator().clipboard().write_text(&text);
            copied.set(true);
            set_timeout(move || copied.set(false), std::time::Duration::from_secs(2));
        }
        #[cfg(not(feature = "hydrate"))]
        let _ = &text;
    };
    view! {
        <div class="link-field">
            <label for=id.clone()>{label}</label>
            <div class="link-row">
                <input id=id type="text" readonly prop:value=value on:focus=|ev| {
                    #[cfg(feature = "hydrate")]
                    event_target::<web_sys::HtmlInputElement>(&ev).select();
                    #[cfg(not(feature = "hydrate"))]
                    let _ = ev;
                }/>
                <button type="button" class="share" aria-label=format!("Copy {}", label.to_lowercase())
                    on:click=copy>
                    {move || if copied.get() { "Copied" } else { "Copy" }}
                </button>
            </div>
        </div>
    }
}

/// Replaces both links after asking; the page then moves to the new edit link.
fn reset(ui: BoardUi, board: String, manage: Option<String>) {
    #[cfg(feature = "hydrate")]
    {
        let Some(window) = web_sys::window() else {
            return;
        };
        let asked = "Reset both links? Everyone using the current links is disconnected, and the old links stop working.";
        if !window.confirm_with_message(asked).unwrap_or(false) {
            return;
        }
        leptos::task::spawn_local(async move {
            match engine::access::reset_links(&board, manage.as_deref()).await {
                Ok(edit) => {
                    let _ = window.location().replace(&format!("/b/{board}?key={edit}"));
                }
                Err(message) => ui
                    .notice
                    .set(Some(format!("The links could not be reset: {message}"))),
            }
        });
    }
    #[cfg(not(feature = "hydrate"))]
    let _ = (ui, board, manage);
}

fn body(ui: BoardUi, board: String, access: Access) -> impl IntoView {
    let reset_button = {
        let manage = access.manage_key.clone();
        let board = board.clone();
        move || {
            let (board, manage) = (board.clone(), manage.clone());
            view! {
                <button type="button" class="danger" on:click=move |_| reset(ui, board.clone(), manage.clone())>
                    "Reset links"
                </button>
            }
        }
    };
    match (access.role, access.open) {
        (Role::View, _) => view! {
            <p>"You have the view link: you see the board live, and others see you, but you cannot change it."</p>
            <LinkField label="View link" value=link(&board, access.view_key.as_deref())/>
        }
        .into_any(),
        (Role::Edit, true) => view! {
            <p>"Anyone with this board's link can edit it. Reset the links to get an edit link and a view-only link; this link then stops working."</p>
            <LinkField label="Edit link" value=link(&board, None)/>
            {reset_button()}
        }
        .into_any(),
        (Role::Edit, false) => {
            let manager = access.manage_key.clone().map(|key| {
                view! {
                    <LinkField label="Manage key" value=key/>
                    <p class="muted">"This browser can reset the links. Keep the manage key to reset them from another browser."</p>
                    {reset_button()}
                }
            });
            view! {
                <LinkField label="Edit link" value=link(&board, access.edit_key.as_deref())/>
                <LinkField label="View link" value=link(&board, access.view_key.as_deref())/>
                {manager}
            }
            .into_any()
        }
    }
}

/// The dialog, opened by the Share button (`ui.share`).
#[component]
pub fn ShareDialog(ui: BoardUi, board: String) -> impl IntoView {
    view! {
        <div class="dialog-backdrop" hidden=move || !ui.share.get() on:click=move |_| ui.share.set(false)>
            <div role="dialog" aria-modal="true" aria-labelledby="share-title" class="dialog share-dialog"
                on:click=|ev| ev.stop_propagation()
                on:keydown=move |ev| if ev.key() == "Escape" { ui.share.set(false) }>
                <div class="dialog-head">
                    <h2 id="share-title">"Share this board"</h2>
                    <button type="button" class="share" on:click=move |_| ui.share.set(false)>"Close"</button>
                </div>
                {move || match ui.access.get() {
                    Some(access) => body(ui, board.clone(), access).into_any(),
                    None => view! { <p class="muted">"Checking this link…"</p> }.into_any(),
                }}
            </div>
        </div>
    }
}
