//! The pages: home (new board, recent boards) and the board itself.

use std::collections::HashMap;

use leptos::prelude::*;
use leptos_meta::Title;

/// What the server said of a remembered board (asked in the browser only).
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(not(feature = "hydrate"), allow(dead_code))]
enum Summary {
    Known {
        title: String,
        updated_at: f64,
    },
    /// The link no longer opens it (deleted, reset) or the server cannot be reached.
    Gone,
}

/// The title to show: the server's, else the one remembered, else `fallback`.
fn title_of(summaries: RwSignal<HashMap<String, Summary>>, id: &str, fallback: &str) -> String {
    match summaries.with(|m| m.get(id).cloned()) {
        Some(Summary::Known { title, .. }) if !title.is_empty() => title,
        Some(Summary::Known { .. }) => "Untitled board".into(),
        _ => fallback.to_owned(),
    }
}

/// One remembered board in the list: thumbnail, title, last change, local copy, removal.
struct RecentEntry {
    board: RecentBoard,
    copies: RwSignal<Vec<(String, usize)>>,
    summaries: RwSignal<HashMap<String, Summary>>,
    recent: RwSignal<Option<Vec<RecentBoard>>>,
    problem: RwSignal<Option<String>>,
}

impl RecentEntry {
    fn view(self) -> impl IntoView {
        let RecentEntry {
            board: b,
            copies,
            summaries,
            recent,
            problem,
        } = self;
        let query = b
            .key
            .as_ref()
            .map(|k| format!("?key={k}"))
            .unwrap_or_default();
        let href = format!("/b/{}{query}", b.id);
        let thumb = format!("/boards/{}/thumbnail.svg{query}", b.id);
        let id = b.id.clone();
        let remembered = if b.title.is_empty() {
            format!("Board {}", &b.id[..b.id.len().min(8)])
        } else {
            b.title.clone()
        };
        let title = Signal::derive(move || title_of(summaries, &id, &remembered));
        let id = b.id.clone();
        let changed = move || match summaries.with(|m| m.get(&id).cloned()) {
            Some(Summary::Known { updated_at, .. }) => format!("Changed {}", when(updated_at)),
            Some(Summary::Gone) => "This link no longer opens the board".into(),
            None => String::new(),
        };
        let id = b.id.clone();
        let copy = move || copies.get().iter().find(|(c, _)| *c == id).map(|(_, n)| *n);
        let id = b.id.clone();
        let forget = move |_| {
            #[cfg(feature = "hydrate")]
            crate::recent::forget(&id);
            recent.update(|list| {
                if let Some(list) = list {
                    list.retain(|b| b.id != id);
                }
            });
        };
        #[cfg(feature = "hydrate")]
        let manager = engine::access::manage_key(&b.id).is_some();
        #[cfg(not(feature = "hydrate"))]
        let manager = false;
        let id = b.id.clone();
        let delete = move |_| {
            #[cfg(feature = "hydrate")]
            {
                let asked = "Delete this board for everyone? Its drawing, history and images are removed, and its links stop working. This cannot be undone.";
                let confirmed = web_sys::window()
                    .and_then(|w| w.confirm_with_message(asked).ok())
                    .unwrap_or(false);
                if !confirmed {
                    return;
                }
                let id = id.clone();
                leptos::task::spawn_local(async move {
                    match engine::files::delete_board(&id).await {
                        Ok(()) => {
                            crate::recent::forget(&id);
                            recent.update(|list| {
                                if let Some(list) = list {
                                    list.retain(|b| b.id != id);
                                }
                            });
                        }
                        Err(e) => problem.set(Some(format!("The board could not be deleted: {e}"))),
                    }
                });
            }
            #[cfg(not(feature = "hydrate"))]
            let _ = (&id, problem);
        };
        let id = b.id.clone();
        view! {
            <a href=href rel="external" class="recent-board">
                <img src=thumb alt="" loading="lazy"/>
                <span class="recent-title">{title}</span>
            </a>
            <span class="muted recent-changed">{changed}</span>
            {move || copy().map(|unsent| {
                let id = id.clone();
                let label = format!("Remove the local copy of {}", title.get());
                view! {
                    <span class="local-copy">
                        {if unsent > 0 {
                            format!("Saved on this device · {unsent} unsent")
                        } else {
                            "Saved on this device".to_string()
                        }}
                    </span>
                    <button
                        type="button"
                        class="link-button"
                        aria-label=label
                        on:click=move |_| {
                            #[cfg(feature = "hydrate")]
                            local_copies::remove(id.clone(), unsent, copies, problem);
                            #[cfg(not(feature = "hydrate"))]
                            let _ = &id;
                        }
                    >
                        "Remove local copy"
                    </button>
                }
            })}
            <span class="recent-actions">
                <button type="button" class="link-button" aria-label=move || format!("Remove {} from this list", title.get()) on:click=forget>
                    "Remove from list"
                </button>
                {manager.then(|| view! {
                    <button type="button" class="link-button danger" aria-label=move || format!("Delete {} for everyone", title.get()) on:click=delete>
                        "Delete for everyone"
                    </button>
                })}
            </span>
        }
    }
}

/// A date in the person's locale.
fn when(at: f64) -> String {
    #[cfg(feature = "hydrate")]
    {
        js_sys::Date::new(&js_sys::wasm_bindgen::JsValue::from_f64(at))
            .to_locale_string("default", &js_sys::wasm_bindgen::JsValue::UNDEFINED)
            .as_string()
            .unwrap_or_default()
    }
    #[cfg(not(feature = "hydrate"))]
    {
        format!("{at}")
    }
}

/// A board the person opened before, as kept in the browser.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct RecentBoard {
    pub id: String,
    /// The key of the link it was opened with (absent for a board whose bare link edits).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub key: Option<String>,
    /// Milliseconds since the epoch of the last visit.
    pub visited_at: f64,
    /// The board's title when last seen (empty: none).
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub title: String,
}

#[component]
pub fn HomePage() -> impl IntoView {
    // `None` until the browser has read its list (the server cannot know it).
    let recent = RwSignal::new(None::<Vec<RecentBoard>>);
    // The boards this device holds a copy of, with their changes saved only here.
    let copies = RwSignal::new(Vec::<(String, usize)>::new());
    let problem = RwSignal::new(None::<String>);
    // Titles and last changes, as the server answers for each board (by id).
    let summaries = RwSignal::new(HashMap::<String, Summary>::new());
    let search = RwSignal::new(String::new());
    #[cfg(feature = "hydrate")]
    Effect::new(move |_| {
        let list = crate::recent::load();
        for board in &list {
            let (id, key) = (board.id.clone(), board.key.clone());
            leptos::task::spawn_local(async move {
                let found = match engine::files::summary(&id, key.as_deref()).await {
                    Ok(s) => Summary::Known {
                        title: s.title,
                        updated_at: s.updated_at,
                    },
                    Err(_) => Summary::Gone,
                };
                summaries.update(|m| {
                    m.insert(id, found);
                });
            });
        }
        recent.set(Some(list));
        local_copies::refresh(copies, problem);
    });

    view! {
        <Title text="Whiteboard"/>
        <main class="home">
            <h1>"Whiteboard"</h1>
            <p class="tagline">"Draw together in real time. Share the edit link to draw together, or the view link to show."</p>
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
                        <label class="search">
                            <span class="visually-hidden">"Search boards by title"</span>
                            <input type="search" placeholder="Search by title"
                                prop:value=move || search.get()
                                on:input=move |ev| search.set(event_target_value(&ev))/>
                        </label>
                        <ul class="recent" aria-label="Recent boards">
                            {list.into_iter().map(|b| {
                                let entry = RecentEntry { board: b, copies, summaries, recent, problem };
                                let id = entry.board.id.clone();
                                let shown = move || {
                                    let wanted = search.get().trim().to_lowercase();
                                    wanted.is_empty() || title_of(summaries, &id, "").to_lowercase().contains(&wanted)
                                };
                                view! { <li hidden=move || !shown()>{entry.view()}</li> }
                            }).collect_view()}
                        </ul>
                    }.into_any(),
                }}
                {move || problem.get().map(|p| view! { <p class="notice" role="alert">{p}</p> })}
            </section>
        </main>
    }
}

/// This device's copies of boards (IndexedDB, kept by the board engine), for the home page.
#[cfg(feature = "hydrate")]
mod local_copies {
    use leptos::prelude::*;

    /// Reads which boards this device holds.
    pub fn refresh(copies: RwSignal<Vec<(String, usize)>>, problem: RwSignal<Option<String>>) {
        leptos::task::spawn_local(async move {
            match engine::offline::summaries().await {
                Ok(list) => copies.set(list.into_iter().map(|s| (s.board, s.unsent)).collect()),
                Err(e) => problem.set(Some(e)),
            }
        });
    }

    /// Removes a board's copy, after asking when changes would be lost.
    pub fn remove(
        board: String,
        unsent: usize,
        copies: RwSignal<Vec<(String, usize)>>,
        problem: RwSignal<Option<String>>,
    ) {
        if unsent > 0 {
            let question = format!(
                "{unsent} change(s) to this board are saved only on this device and will be lost. Remove the local copy?"
            );
            let confirmed = web_sys::window()
                .and_then(|w| w.confirm_with_message(&question).ok())
                .unwrap_or(false);
            if !confirmed {
                return;
            }
        }
        leptos::task::spawn_local(async move {
            match engine::offline::forget(&board).await {
                Ok(()) => refresh(copies, problem),
                Err(e) => problem.set(Some(e)),
            }
        });
    }
}

/// The page for an address that names nothing (an unknown path, a malformed board id). On the
/// server it answers with status 404, not 200, so that links to it read as broken.
#[component]
pub fn NotFound() -> impl IntoView {
    #[cfg(feature = "ssr")]
    if let Some(response) = use_context::<leptos_axum::ResponseOptions>() {
        response.set_status(http::StatusCode::NOT_FOUND);
    }
    view! {
        <Title text="Not found · Whiteboard"/>
        <main class="home">
            <h1>"Not found"</h1>
            <p>"There is nothing here. " <a href="/" rel="external">"Go to the home page"</a></p>
        </main>
    }
}
