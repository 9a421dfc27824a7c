//! The Leptos application, rendered on the server (`ssr`) and hydrated in the browser
//! (`hydrate`).
//!
//! - [`pages`]: the home page (new board, recent boards) and the not-found page.
//! - [`board_page`]: the board page: tools, canvas, style panel, zoom and history controls,
//!   minimap, text editor, shortcuts dialog, the accessible shape list.
//! - [`ui`]: the reactive state the board page shares with the canvas client.
//! - `client` (browser only): the board client — yrs document, y-websocket sync with
//!   reconnection, presence, canvas rendering and the drawing tools.
//! - `recent` (browser only): the list of recently opened boards, kept in `localStorage`, so
//!   the server never lists boards to strangers.

#![recursion_limit = "256"]

pub mod board_page;
pub mod pages;
pub mod ui;

#[cfg(feature = "hydrate")]
pub mod client;
#[cfg(feature = "hydrate")]
pub mod recent;

use leptos::prelude::*;
use leptos_meta::{provide_meta_context, MetaTags, Stylesheet, Title};
use leptos_router::{
    components::{FlatRoutes, Route, Router},
    path,
};

/// The HTML document around the app, rendered by the server.
pub fn shell(options: LeptosOptions) -> impl IntoView {
    view! {
        <!DOCTYPE html>
        <html lang="en">
            <head>
                <meta charset="utf-8"/>
                <meta name="viewport" content="width=device-width, initial-scale=1"/>
                <AutoReload options=options.clone()/>
                <HydrationScripts options/>
                <MetaTags/>
            </head>
            <body>
                <App/>
            </body>
        </html>
    }
}

#[component]
pub fn App() -> impl IntoView {
    provide_meta_context();
    view! {
        <Stylesheet id="leptos" href="/pkg/whiteboard.css"/>
        <Title text="Whiteboard"/>
        <Router>
            <FlatRoutes fallback=pages::NotFound>
                <Route path=path!("/") view=pages::HomePage/>
                <Route path=path!("/b/:id") view=board_page::BoardPage/>
            </FlatRoutes>
        </Router>
    }
}
