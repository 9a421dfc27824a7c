//! The Mermaid dialog: type (or paste) a Mermaid flowchart and get editable shapes joined by
//! bound arrows. What the text would insert is previewed as it is typed, or every line that
//! cannot be read is listed; nothing reaches the board until Insert (or `Ctrl+Enter`), and
//! then as one undoable import at the view's centre. Reading and laying out the text is
//! `board::file::mermaid`; previewing and inserting, `engine::files`.

use leptos::prelude::*;

use crate::files_ui::FilesUi;
use crate::ui::BoardUi;

/// What the field holds when the dialog first opens: a small chart showing the syntax.
const EXAMPLE: &str = "flowchart LR
  start([Start]) --> idea{Good idea?}
  idea -->|yes| build[Build it]
  idea -->|no| rethink[Think again]
  rethink --> idea
";

#[component]
pub fn MermaidDialog(ui: BoardUi, files: FilesUi) -> impl IntoView {
    let text = RwSignal::new(EXAMPLE.to_owned());
    let message = RwSignal::new(None::<String>);
    let field = NodeRef::<leptos::html::Textarea>::new();
    // The preview as a picture, or the problems by line (none while the field is empty).
    // Worked out in the browser while the dialog is open, after hydration, so the page the
    // server sent and the one the browser hydrates agree.
    let preview = RwSignal::new(Err::<String, Vec<String>>(Vec::new()));
    // The drawing code is fetched on first use: a preview that comes back after newer text
    // was asked for is dropped.
    #[cfg(feature = "hydrate")]
    let asked = StoredValue::new(0_u64);
    #[cfg(feature = "hydrate")]
    Effect::new(move |_| {
        if files.mermaid_open.get() {
            let typed = text.get();
            let turn = asked.get_value() + 1;
            asked.set_value(turn);
            leptos::task::spawn_local(async move {
                let shown = engine::files::mermaid_preview(&typed).await;
                if asked.get_value() == turn {
                    preview.set(shown);
                }
            });
        }
    });
    #[cfg(feature = "hydrate")]
    Effect::new(move |_| {
        if files.mermaid_open.get() {
            if let Some(el) = field.get() {
                let _ = el.focus();
            }
        }
    });
    let close = move || {
        files.mermaid_open.set(false);
        message.set(None);
        #[cfg(feature = "hydrate")]
        crate::find_bar::focus_canvas();
    };
    #[cfg(not(feature = "hydrate"))]
    let _ = ui;
    let insert = move || {
        if preview.with_untracked(Result::is_err) {
            return;
        }
        message.set(Some("Inserting…".into()));
        #[cfg(feature = "hydrate")]
        leptos::task::spawn_local(async move {
            match engine::files::insert_mermaid(text.get_untracked()).await {
                Ok(done) => {
                    close();
                    ui.notice.set(Some(done));
                }
                Err(e) => message.set(Some(e)),
            }
        });
    };
    view! {
        <div class="dialog-backdrop" hidden=move || !files.mermaid_open.get() on:click=move |_| close()>
            <div role="dialog" aria-modal="true" aria-labelledby="mermaid-title" class="dialog mermaid-dialog"
                on:click=|ev| ev.stop_propagation()
                on:keydown=move |ev| {
                    if ev.key() == "Escape" {
                        close();
                    } else if ev.key() == "Enter" && (ev.ctrl_key() || ev.meta_key()) {
                        ev.prevent_default();
                        insert();
                    }
                }>
                <div class="dialog-head">
                    <h2 id="mermaid-title">"Mermaid flowchart"</h2>
                    <button type="button" class="share" on:click=move |_| close()>"Close"</button>
                </div>
                <div class="mermaid-body">
                    <textarea
                        node_ref=field
                        aria-label="Mermaid flowchart text"
                        aria-describedby="mermaid-problems"
                        spellcheck="false"
                        prop:value=move || text.get()
                        on:input=move |ev| {
                            text.set(event_target_value(&ev));
                            message.set(None);
                        }
                    ></textarea>
                    <figure class="mermaid-preview" aria-label="Preview">
                        {move || match preview.get() {
                            Ok(url) => view! { <img src=url alt="What will be inserted"/> }.into_any(),
                            Err(_) => view! { <p class="muted">"The preview shows here."</p> }.into_any(),
                        }}
                    </figure>
                </div>
                <ul id="mermaid-problems" class="mermaid-problems" aria-live="polite" aria-label="Problems">
                    {move || preview.get().err().unwrap_or_default().into_iter()
                        .map(|p| view! { <li>{p}</li> }).collect_view()}
                </ul>
                <p class="muted">
                    "Nodes like " <code>"A[box]"</code> ", " <code>"B(round)"</code> ", "
                    <code>"C{decision}"</code> "; links like " <code>"A -->|label| B"</code>
                    "; " <code>"subgraph"</code> " … " <code>"end"</code> " becomes a frame."
                </p>
                <div class="dialog-actions">
                    <button type="button" class="primary" prop:disabled=move || preview.with(Result::is_err)
                        on:click=move |_| insert()>
                        "Insert"
                    </button>
                </div>
                <p role="status" class="export-status">{move || message.get()}</p>
            </div>
        </div>
    }
}
