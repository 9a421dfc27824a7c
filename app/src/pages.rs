//! The pages: home (new board, recent boards) and the board itself.

use leptos::prelude::*;
use leptos_meta::Title;

/// A board the person opened before, as kept in the browser.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct RecentBoard {
    pub id: String,
    /// The key of the link it was opened with (absent for a board whose bare link edits).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub key: Option<String>,
    /// Milliseconds since the epoch of the last visit.
    pub visited_at: f64,
}

#[component]
pub fn HomePage() -> impl IntoView {
    // `None` until the browser has read its list (the server cannot know it).
    let recent = RwSignal::new(None::<Vec<RecentBoard>>);
    // The boards this device holds a copy of, with their changes saved only here.
    let copies = RwSignal::new(Vec::<(String, usize)>::new());
    let problem = RwSignal::new(None::<String>);
    #[cfg(feature = "hydrate")]
    Effect::new(move |_| {
        recent.set(Some(crate::recent::load()));
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
                        <ul class="recent" aria-label="Recent boards">
                            {list.into_iter().map(|b| {
                                let href = match &b.key {
                                    Some(key) => format!("/b/{}?key={key}", b.id),
                                    None => format!("/b/{}", b.id),
                                };
                                let id = b.id.clone();
                                let copy = move || {
                                    copies.get().iter().find(|(c, _)| *c == id).map(|(_, n)| *n)
                                };
                                let id = b.id.clone();
                                view! {
                                    <li>
                                        <a href=href rel="external">{b.id.clone()}</a>
                                        {move || copy().map(|unsent| {
                                            let id = id.clone();
                                            let label = format!("Remove the local copy of {id}");
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
                                                    }
                                                >
                                                    "Remove local copy"
                                                </button>
                                            }
                                        })}
                                    </li>
                                }
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
