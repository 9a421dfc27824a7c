//! The pages: home (new board, recent boards) and the board itself.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_params_map;

use crate::ui::{BoardUi, HistoryAction, Tool};

/// A board the person opened before, as kept in the browser.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct RecentBoard {
    pub id: String,
    /// Milliseconds since the epoch of the last visit.
    pub visited_at: f64,
}

#[component]
pub fn HomePage() -> impl IntoView {
    // `None` until the browser has read its list (the server cannot know it).
    let recent = RwSignal::new(None::<Vec<RecentBoard>>);
    #[cfg(feature = "hydrate")]
    Effect::new(move |_| recent.set(Some(crate::recent::load())));

    view! {
        <Title text="Whiteboard"/>
        <main class="home">
            <h1>"Whiteboard"</h1>
            <p class="tagline">"Draw together in real time. Share the link, and everyone with it can draw."</p>
            // A plain form: works before hydration and without JavaScript.
            <form method="post" action="/boards">
                <button type="submit" class="primary">"New board"</button>
            </form>
            <section aria-labelledby="recent-heading">
                <h2 id="recent-heading">"Recent boards"</h2>
                {move || match recent.get() {
                    None => view! { <p class="muted">"Loading…"</p> }.into_any(),
                    Some(list) if list.is_empty() => {
                        view! { <p class="muted">"Boards you open appear here."</p> }.into_any()
                    }
                    Some(list) => view! {
                        <ul class="recent" aria-label="Recent boards">
                            {list.into_iter().map(|b| {
                                let href = format!("/b/{}", b.id);
                                view! { <li><a href=href rel="external">{b.id.clone()}</a></li> }
                            }).collect_view()}
                        </ul>
                    }.into_any(),
                }}
            </section>
        </main>
    }
}

#[component]
pub fn NotFound() -> impl IntoView {
    view! {
        <Title text="Not found · Whiteboard"/>
        <main class="home">
            <h1>"Not found"</h1>
            <p>"There is nothing here. " <a href="/" rel="external">"Go to the home page"</a></p>
        </main>
    }
}

#[component]
pub fn BoardPage() -> impl IntoView {
    let params = use_params_map();
    let id = params.read_untracked().get("id").unwrap_or_default();
    if board::BoardId::parse(&id).is_err() {
        return view! { <NotFound/> }.into_any();
    }
    let ui = BoardUi::new();
    let canvas = NodeRef::<leptos::html::Canvas>::new();

    #[cfg(feature = "hydrate")]
    {
        let id = id.clone();
        Effect::new(move |started: Option<bool>| {
            if started == Some(true) {
                return true;
            }
            match canvas.get() {
                Some(el) => {
                    crate::recent::remember(&id);
                    crate::client::start(id.clone(), el, ui);
                    true
                }
                None => false,
            }
        });
    }

    let title = format!("Board {} · Whiteboard", &id[..id.len().min(8)]);
    view! {
        <Title text=title/>
        <div class="board-page">
            <header class="topbar">
                <a class="brand" href="/" rel="external">"Whiteboard"</a>
                <div role="toolbar" aria-label="Tools" class="tools">
                    {Tool::ALL.into_iter().map(|tool| view! { <ToolButton tool ui/> }).collect_view()}
                </div>
                <div role="toolbar" aria-label="History" class="tools">
                    <HistoryButton action=HistoryAction::Undo ui/>
                    <HistoryButton action=HistoryAction::Redo ui/>
                </div>
                <div class="spacer"></div>
                <People ui/>
                <ShareButton/>
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
                <span
                    class="status"
                    role="status"
                    data-status=move || ui.status.get().key()
                >
                    <span class="dot" aria-hidden="true"></span>
                    {move || ui.status.get().label()}
                </span>
            </header>
            <canvas
                node_ref=canvas
                class="board-canvas"
                data-tool=move || ui.tool.get().name().to_lowercase()
                aria-label="Drawing canvas"
                tabindex="0"
            ></canvas>
            <ul role="list" aria-label="Shapes" class="visually-hidden">
                <For
                    each=move || ui.shapes.get()
                    key=|s| (s.id.clone(), s.label.clone(), s.selected)
                    let:shape
                >
                    <li data-shape-id=shape.id.clone() aria-selected=shape.selected.to_string()>
                        {shape.label.clone()}
                    </li>
                </For>
            </ul>
        </div>
    }
    .into_any()
}

/// Copies the board's link, the way a person invites others.
#[component]
fn ShareButton() -> impl IntoView {
    let copied = RwSignal::new(false);
    let on_click = move |_| {
        #[cfg(feature = "hydrate")]
        if let Some(window) = web_sys::window() {
            if let Ok(href) = window.location().href() {
                let _ = window.navigator().clipboard().write_text(&href);
                copied.set(true);
                set_timeout(move || copied.set(false), std::time::Duration::from_secs(2));
            }
        }
    };
    view! {
        <button type="button" class="share" on:click=on_click>
            {move || if copied.get() { "Link copied" } else { "Copy link" }}
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
            aria-label=tool.name()
            title=title
            aria-pressed=move || (ui.tool.get() == tool).to_string()
            on:click=move |_| ui.tool.set(tool)
        >
            <ToolIcon tool/>
        </button>
    }
}

/// Undoes or redoes this person's own last change; disabled when there is none.
#[component]
fn HistoryButton(action: HistoryAction, ui: BoardUi) -> impl IntoView {
    let (name, title, path, available, requests) = match action {
        HistoryAction::Undo => (
            "Undo",
            "Undo (Ctrl+Z)",
            "M9 14L4 9l5-5M4 9h10a6 6 0 010 12h-3",
            ui.can_undo,
            ui.undo_requests,
        ),
        HistoryAction::Redo => (
            "Redo",
            "Redo (Ctrl+Shift+Z)",
            "M15 14l5-5-5-5M20 9H10a6 6 0 000 12h3",
            ui.can_redo,
            ui.redo_requests,
        ),
    };
    view! {
        <button
            type="button"
            class="tool"
            aria-label=name
            title=title
            disabled=move || !available.get()
            on:click=move |_| requests.update(|n| *n = n.wrapping_add(1))
        >
            <svg viewBox="0 0 24 24" width="20" height="20" aria-hidden="true">
                <path d=path fill="none" stroke="currentColor" stroke-width="1.8" stroke-linecap="round" stroke-linejoin="round"/>
            </svg>
        </button>
    }
}

#[component]
fn ToolIcon(tool: Tool) -> impl IntoView {
    let path = match tool {
        Tool::Select => "M5 3l14 8-6 1.5L9.5 19z",
        Tool::Pen => "M4 20c3-1 4-4 6-7s5-7 7-8c1 1 1 2 0 3-2 2-6 5-8 8s-2 4-5 4z",
        Tool::Rectangle => "M4 6h16v12H4z",
        Tool::Ellipse => "M12 5c4.4 0 8 3.1 8 7s-3.6 7-8 7-8-3.1-8-7 3.6-7 8-7z",
    };
    view! {
        <svg viewBox="0 0 24 24" width="20" height="20" aria-hidden="true">
            <path d=path fill="none" stroke="currentColor" stroke-width="1.8" stroke-linejoin="round"/>
        </svg>
    }
}

/// The other people on the board, as coloured initials.
#[component]
fn People(ui: BoardUi) -> impl IntoView {
    view! {
        <ul class="people" aria-label="People on this board">
            {move || {
                ui.peers
                    .get()
                    .into_iter()
                    .map(|p| {
                        let initial = p.name.chars().next().unwrap_or('?').to_uppercase().to_string();
                        let style = format!("background:{}", p.color);
                        view! { <li title=p.name.clone() style=style>{initial}</li> }
                    })
                    .collect_view()
            }}
        </ul>
    }
}
