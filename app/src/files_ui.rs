//! The board's files and versions: the **Export** dialog (PNG at 1×–3×, SVG, JSON; background,
//! dark, only the selection; download or copy), the **Import** button's file picker, and the
//! **History** panel (versions with thumbnails, preview on the canvas, restore, duplicate).
//! The work is done by `engine::files`; this only asks and shows the outcome.

use leptos::prelude::*;

use crate::ui::{BoardUi, ExportFormat, ExportOptions, VersionItem};

/// The dialogs' open state, shared with the board page's buttons.
#[derive(Debug, Clone, Copy)]
pub struct FilesUi {
    pub export_open: RwSignal<bool>,
    pub history_open: RwSignal<bool>,
    pub mermaid_open: RwSignal<bool>,
    /// The version shown on the canvas, if any.
    pub previewing: RwSignal<Option<VersionItem>>,
}

impl FilesUi {
    pub fn new() -> Self {
        Self {
            export_open: RwSignal::new(false),
            history_open: RwSignal::new(false),
            mermaid_open: RwSignal::new(false),
            previewing: RwSignal::new(None),
        }
    }
}

impl Default for FilesUi {
    fn default() -> Self {
        Self::new()
    }
}

/// Runs a file task in the browser; its outcome (or error) becomes `message`.
fn run_task<F>(message: RwSignal<Option<String>>, task: F)
where
    F: std::future::Future<Output = Result<String, String>> + 'static,
{
    #[cfg(feature = "hydrate")]
    leptos::task::spawn_local(async move {
        message.set(Some(match task.await {
            Ok(done) => done,
            Err(e) => e,
        }));
    });
    #[cfg(not(feature = "hydrate"))]
    let _ = (message, task);
}

/// The Export dialog.
#[component]
pub fn ExportDialog(ui: BoardUi, files: FilesUi) -> impl IntoView {
    let options = RwSignal::new(ExportOptions::default());
    let message = RwSignal::new(None::<String>);
    let close = move || {
        files.export_open.set(false);
        message.set(None);
    };
    let act = move |copy: bool| {
        let chosen = options.get_untracked();
        message.set(Some("Preparing…".into()));
        run_task(message, async move {
            #[cfg(feature = "hydrate")]
            {
                let file = engine::files::export(chosen).await?;
                if copy {
                    engine::files::copy(&file).await?;
                    Ok(format!(
                        "Copied as {}.{}",
                        chosen.format.name(),
                        file.note.unwrap_or_default()
                    ))
                } else {
                    engine::files::download(&file)?;
                    Ok(format!(
                        "Saved {}.{}",
                        file.name,
                        file.note.unwrap_or_default()
                    ))
                }
            }
            #[cfg(not(feature = "hydrate"))]
            {
                let _ = (chosen, copy);
                Ok(String::new())
            }
        });
    };
    let format_button = move |format: ExportFormat| {
        view! {
            <button type="button" class="option" aria-pressed=move || (options.get().format == format).to_string()
                on:click=move |_| options.update(|o| o.format = format)>
                {format.name()}
            </button>
        }
    };
    let scale_button = move |scale: f64| {
        view! {
            <button type="button" class="option" aria-label=format!("Scale {scale}×")
                aria-pressed=move || (options.get().scale == scale).to_string()
                on:click=move |_| options.update(|o| o.scale = scale)>
                {format!("{scale}×")}
            </button>
        }
    };
    let check = move |label: &'static str,
                      get: fn(&ExportOptions) -> bool,
                      set: fn(&mut ExportOptions, bool)| {
        view! {
            <label class="check">
                <input type="checkbox" prop:checked=move || get(&options.get())
                    on:change=move |ev| options.update(|o| set(o, event_target_checked(&ev)))/>
                {label}
            </label>
        }
    };
    view! {
        <div class="dialog-backdrop" hidden=move || !files.export_open.get() on:click=move |_| close()>
            <div role="dialog" aria-modal="true" aria-label="Export" class="dialog export-dialog"
                on:click=|ev| ev.stop_propagation()
                on:keydown=move |ev| if ev.key() == "Escape" { close() }>
                <div class="dialog-head">
                    <h2>"Export"</h2>
                    <button type="button" class="share" on:click=move |_| close()>"Close"</button>
                </div>
                <div role="group" aria-label="Format" class="choice">
                    {ExportFormat::ALL.into_iter().map(format_button).collect_view()}
                </div>
                <div role="group" aria-label="Scale" class="choice"
                    hidden=move || options.get().format != ExportFormat::Png>
                    {[1.0, 2.0, 3.0].into_iter().map(scale_button).collect_view()}
                </div>
                <div class="checks" hidden=move || options.get().format == ExportFormat::Json>
                    {check("Background", |o| o.background, |o, v| o.background = v)}
                    {check("Dark", |o| o.dark, |o, v| o.dark = v)}
                </div>
                <label class="check">
                    <input type="checkbox" prop:disabled=move || ui.selected.get() == 0
                        prop:checked=move || { options.get().selection_only && ui.selected.get() != 0 }
                        on:change=move |ev| options.update(|o| o.selection_only = event_target_checked(&ev))/>
                    {move || format!("Only the selection ({} shapes)", ui.selected.get())}
                </label>
                <p class="muted">"PNG and SVG files keep the board inside: import them to edit the shapes again."</p>
                <div class="dialog-actions">
                    <button type="button" class="share" on:click=move |_| act(false)>"Download"</button>
                    <button type="button" class="share" hidden=move || options.get().format == ExportFormat::Json
                        on:click=move |_| act(true)>
                        {move || format!("Copy {}", options.get().format.name())}
                    </button>
                </div>
                <p role="status" class="export-status">{move || message.get()}</p>
            </div>
        </div>
    }
}

/// Imports the files picked with the Import button.
#[cfg(feature = "hydrate")]
pub fn import_files(ui: BoardUi, list: Vec<web_sys::File>) {
    for file in list {
        run_task(ui.notice, async move { engine::files::import(&file).await });
    }
}

/// "3 Dec, 14:05" in the person's locale and time zone.
fn when(at: f64) -> String {
    #[cfg(feature = "hydrate")]
    {
        let date = js_sys::Date::new(&js_sys::wasm_bindgen::JsValue::from_f64(at));
        date.to_locale_string("default", &js_sys::wasm_bindgen::JsValue::UNDEFINED)
            .as_string()
            .unwrap_or_default()
    }
    #[cfg(not(feature = "hydrate"))]
    {
        format!("{at}")
    }
}

fn reason_label(v: &VersionItem) -> String {
    let who = if v.editors.is_empty() {
        String::new()
    } else {
        format!(" · {}", v.editors.join(", "))
    };
    let what = match v.reason.as_str() {
        "restore" => "Before a restore",
        "import" => "Before an import",
        _ => "Edited",
    };
    format!("{what}{who}")
}

/// The History panel.
#[component]
pub fn HistoryPanel(ui: BoardUi, files: FilesUi) -> impl IntoView {
    let versions = RwSignal::new(Vec::<VersionItem>::new());
    let message = RwSignal::new(None::<String>);
    let load = move || {
        message.set(Some("Loading…".into()));
        #[cfg(feature = "hydrate")]
        leptos::task::spawn_local(async move {
            match engine::files::versions().await {
                Ok(list) => {
                    message.set(list.is_empty().then(|| {
                        "No versions yet: one is kept a minute after the board goes quiet.".into()
                    }));
                    versions.set(list);
                }
                Err(e) => message.set(Some(format!("The versions could not be loaded: {e}"))),
            }
        });
    };
    Effect::new(move |_| {
        if files.history_open.get() {
            load();
        }
    });
    let preview = move |v: Option<VersionItem>| {
        let id = v.as_ref().map(|v| v.id);
        files.previewing.set(v);
        run_task(message, async move {
            #[cfg(feature = "hydrate")]
            engine::files::preview(id).await?;
            #[cfg(not(feature = "hydrate"))]
            let _ = id;
            Ok(String::new())
        });
    };
    let restore = move |id: i64| {
        files.previewing.set(None);
        run_task(message, async move {
            #[cfg(feature = "hydrate")]
            engine::files::restore(id).await?;
            #[cfg(not(feature = "hydrate"))]
            let _ = id;
            Ok("Restored. Undo brings the board back as it was.".into())
        });
    };
    let duplicate = move |id: Option<i64>| {
        run_task(message, async move {
            #[cfg(feature = "hydrate")]
            {
                let url = engine::files::duplicate(id).await?;
                if let Some(w) = web_sys::window() {
                    let _ = w.open_with_url_and_target(&url, "_blank");
                }
                Ok("The copy opened in a new tab.".into())
            }
            #[cfg(not(feature = "hydrate"))]
            {
                let _ = id;
                Ok(String::new())
            }
        });
    };
    let close = move || {
        if files.previewing.get_untracked().is_some() {
            preview(None);
        }
        files.history_open.set(false);
    };
    view! {
        <aside class="panel history-panel" aria-label="Version history" hidden=move || !files.history_open.get()
            on:keydown=move |ev| if ev.key() == "Escape" { close() }>
            <div class="dialog-head">
                <h2>"History"</h2>
                <button type="button" class="share" on:click=move |_| close()>"Close"</button>
            </div>
            <button type="button" class="share" on:click=move |_| duplicate(None)>"Duplicate board"</button>
            <p role="status" class="muted">{move || message.get()}</p>
            <ol class="versions" aria-label="Versions">
                <For each=move || versions.get() key=|v| v.id let:v>
                    {
                        let thumb = {
                            #[cfg(feature = "hydrate")]
                            { engine::files::version_image(v.id).unwrap_or_default() }
                            #[cfg(not(feature = "hydrate"))]
                            { String::new() }
                        };
                        let (shown, id) = (v.clone(), v.id);
                        let label = format!("{} · {}", when(v.at), reason_label(&v));
                        view! {
                            <li class="version" data-version=id
                                data-previewing=move || (files.previewing.get().map(|p| p.id) == Some(id)).to_string()>
                                <img src=thumb alt="" loading="lazy"/>
                                <span class="version-label">{label.clone()}</span>
                                <span class="version-actions">
                                    <button type="button" class="option" aria-label=format!("Preview {label}")
                                        on:click=move |_| preview(Some(shown.clone()))>"Preview"</button>
                                    <button type="button" class="option" aria-label=format!("Restore {label}")
                                        hidden=move || ui.view_only()
                                        on:click=move |_| restore(id)>"Restore"</button>
                                    <button type="button" class="option" aria-label=format!("Duplicate {label}")
                                        on:click=move |_| duplicate(Some(id))>"Duplicate"</button>
                                </span>
                            </li>
                        }
                    }
                </For>
            </ol>
        </aside>
        {move || files.previewing.get().map(|v| {
            let id = v.id;
            view! {
                <div class="following previewing" aria-live="polite">
                    <span>{format!("Previewing the version of {}", when(v.at))}</span>
                    <button type="button" hidden=move || ui.view_only() on:click=move |_| restore(id)>"Restore this version"</button>
                    <button type="button" on:click=move |_| preview(None)>"Back to the board"</button>
                </div>
            }
        })}
    }
}
