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
    #[cfg(feature = "hydrate")]
    Effect::new(move |_| recent.set(Some(crate::recent::load())));

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
                                view! { <li><a href=href rel="external">{b.id.clone()}</a></li> }
                            }).collect_view()}
                        </ul>
                    }.into_any(),
                }}
            </section>
        </main>
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
