//! The **Library** panel: reusable groups of shapes in two sections, **This board** (kept in
//! the board, shared live with everyone on it) and **This browser** (kept here, on every
//! board). An item is a thumbnail button named after it: pressing it (or `Enter`) inserts it
//! at the view's centre, dragging it onto the canvas inserts it where it is dropped. Each
//! section adds the selection, imports an `.excalidrawlib` file and exports one. The work is
//! done by the engine (`engine::library`); this only asks and shows the outcome.

use leptos::prelude::*;

use crate::ui::{send, BoardUi, Command, LibrarySection};

/// The panel; `toggle` is the button that opens it (focus goes back there on `Escape`).
#[component]
pub fn LibraryPanel(ui: BoardUi, toggle: NodeRef<leptos::html::Button>) -> impl IntoView {
    let head = NodeRef::<leptos::html::H2>::new();
    #[cfg(feature = "hydrate")]
    Effect::new(move |_| {
        if ui.library_open.get() {
            if let Some(el) = head.get() {
                let _ = el.focus();
            }
        }
    });
    let close = move || {
        ui.library_open.set(false);
        if let Some(el) = toggle.get_untracked() {
            let _ = el.focus();
        }
    };
    view! {
        <aside class="panel library-panel" aria-labelledby="library-title"
            hidden=move || !ui.library_open.get()
            on:keydown=move |ev| if ev.key() == "Escape" { close() }>
            <div class="dialog-head">
                <h2 id="library-title" node_ref=head tabindex="-1">"Library"</h2>
                <button type="button" class="share" on:click=move |_| close()>"Close"</button>
            </div>
            <p role="status" class="muted library-status">{move || ui.library_status.get()}</p>
            {LibrarySection::ALL
                .into_iter()
                .map(|section| view! { <Section ui section/> })
                .collect_view()}
        </aside>
    }
}

/// One section: its actions, then its items.
#[component]
fn Section(ui: BoardUi, section: LibrarySection) -> impl IntoView {
    let key = section.key();
    let owner = section.owner();
    let picker = NodeRef::<leptos::html::Input>::new();
    // A view link changes nothing on the board: its section only inserts nothing and exports.
    let board_locked = move || section == LibrarySection::Board && ui.view_only();
    let items = ui.library(section);
    let on_pick = move |_ev: leptos::ev::Event| {
        #[cfg(feature = "hydrate")]
        for file in crate::board_page::take_picked(picker) {
            ui.library_status.set(Some("Importing…".into()));
            leptos::task::spawn_local(async move {
                let message = match engine::library::import(&file, section).await {
                    Ok(done) | Err(done) => done,
                };
                ui.library_status.set(Some(message));
            });
        }
    };
    let export = move |_| {
        #[cfg(feature = "hydrate")]
        leptos::task::spawn_local(async move {
            let message = match engine::library::export(section).await {
                Ok(done) | Err(done) => done,
            };
            ui.library_status.set(Some(message));
        });
    };
    let empty_hint = match section {
        LibrarySection::Board => "Nothing yet. Select shapes and press Add selection: everyone on this board will see them here.",
        LibrarySection::Browser => "Nothing yet. Items kept here are at hand on every board you open in this browser.",
    };
    view! {
        <section class="library-section" data-section=key aria-labelledby=format!("library-{key}")>
            <h3 id=format!("library-{key}")>{section.title()}</h3>
            <div class="library-actions">
                <button type="button" class="option" hidden=board_locked
                    aria-label=format!("Add selection to {owner} library")
                    title="Keep the selected shapes as a library item"
                    disabled=move || ui.selected.get() == 0
                    on:click=move |_| send(Command::AddToLibrary(section))>
                    "Add selection"
                </button>
                <button type="button" class="option" hidden=board_locked
                    aria-label=format!("Import a library file into {owner} library")
                    title="Import an Excalidraw library (.excalidrawlib)"
                    on:click=move |_| if let Some(input) = picker.get() { input.click() }>
                    "Import…"
                </button>
                <button type="button" class="option"
                    aria-label=format!("Export {owner} library")
                    title="Download as an Excalidraw library (.excalidrawlib)"
                    on:click=export>
                    "Export"
                </button>
            </div>
            <input node_ref=picker type="file" class="visually-hidden" tabindex="-1" aria-hidden="true"
                accept=".excalidrawlib,application/vnd.excalidrawlib+json,application/json"
                data-library-import=key on:change=on_pick/>
            <p class="muted library-empty" hidden=move || !items.with(Vec::is_empty)>{empty_hint}</p>
            <ul class="library-items" aria-label=format!("{} items", section.title())>
                <For each=move || items.get() key=|e| (e.id.clone(), e.label.clone(), e.thumbnail.is_empty()) let:entry>
                    <Item ui section id=entry.id label=entry.label thumbnail=entry.thumbnail/>
                </For>
            </ul>
        </section>
    }
}

/// One item: the thumbnail button (insert, or drag onto the canvas) and its Remove button.
#[component]
fn Item(
    ui: BoardUi,
    section: LibrarySection,
    id: String,
    label: String,
    thumbnail: String,
) -> impl IntoView {
    let drag_data = format!("{}:{id}", section.key());
    let on_drag = move |ev: leptos::ev::DragEvent| {
        #[cfg(feature = "hydrate")]
        if let Some(data) = ev.data_transfer() {
            let _ = data.set_data(engine::view::LIBRARY_DRAG_TYPE, &drag_data);
            data.set_effect_allowed("copy");
        }
        #[cfg(not(feature = "hydrate"))]
        let _ = (ev, &drag_data);
    };
    let (insert_id, remove_id) = (id.clone(), id.clone());
    let remove_label = format!("Remove {label}");
    view! {
        <li class="library-item" data-item=id>
            <button type="button" class="library-insert" aria-label=label.clone()
                title=format!("{label}: press to insert at the centre, or drag onto the board")
                draggable="true" on:dragstart=on_drag
                on:click=move |_| send(Command::InsertFromLibrary(section, insert_id.clone()))>
                {(!thumbnail.is_empty()).then(|| view! { <img src=thumbnail alt="" draggable="false"/> })}
            </button>
            <button type="button" class="library-remove" aria-label=remove_label
                title="Remove from the library"
                hidden=move || section == LibrarySection::Board && ui.view_only()
                on:click=move |_| send(Command::RemoveFromLibrary(section, remove_id.clone()))>
                "×"
            </button>
        </li>
    }
}
