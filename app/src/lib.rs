//! The Leptos application, rendered on the server (`ssr`) and hydrated in the browser
//! (`hydrate`).
//!
//! - [`pages`]: the home page (new board, recent boards) and the not-found page.
//! - [`board_page`]: the board page: tools, canvas, style panel, zoom and history controls,
//!   minimap, text editor, shortcuts dialog, the accessible shape list.
//! - [`find_bar`]: the find bar (`Ctrl+F`).
//! - [`present`]: presenting frames as slides: the buttons, the slides panel, the controls.
//! - [`files_ui`]: the Export dialog, the Import button and the History panel.
//! - [`library_panel`]: the Library panel (the board's items and this browser's).
//! - [`style_panel`]: the style panel (styles of the selection or new shapes, its actions).
//! - [`lock_link`]: the style panel's lock button and link editor.
//! - [`share`]: the Share dialog: edit and view links, Reset links.
//! - [`name_prompt`]: asking a person's name once, on their first board.
//! - [`ui`]: the reactive state the board page shares with the board engine (the `engine`
//!   crate: document, sync, tools, canvas), and the plain types of their interface.
//! - `board_client` (browser only): starts the engine on the page's canvas and connects it to
//!   the signals: view updates in, the controls' changes out.
//! - `recent` (browser only): the list of recently opened boards, kept in `localStorage`, so
//!   the server never lists boards to strangers.

#![recursion_limit = "256"]

pub mod board_page;
pub mod files_ui;
pub mod find_bar;
pub mod library_panel;
pub mod lock_link;
pub mod mermaid_dialog;
pub mod name_prompt;
pub mod pages;
pub mod present;
pub mod share;
pub mod style_panel;
pub mod ui;

#[cfg(feature = "hydrate")]
pub mod board_client;
#[cfg(feature = "hydrate")]
pub mod recent;

use leptos::prelude::*;
use leptos_meta::{provide_meta_context, MetaTags, Stylesheet, Title};
use leptos_router::{
    components::{FlatRoutes, Route, Router},
    path,
};

/// Asks the browser to keep the app shell for offline use (the service worker `/sw.js`).
#[cfg(feature = "hydrate")]
pub fn keep_offline_shell() {
    engine::offline::register_service_worker();
}

/// The HTML document around the app, rendered by the server.
pub fn shell(options: LeptosOptions) -> impl IntoView {
    #[cfg(feature = "ssr")]
    set_page_policy();
    view! {
        <!DOCTYPE html>
        <html lang="en">
            <head>
                <meta charset="utf-8"/>
                <meta name="viewport" content="width=device-width, initial-scale=1"/>
                <link rel="icon" type="image/svg+xml" href="/favicon.svg"/>
                <AutoReload options=options.clone()/>
                <HydrationScripts options/>
                <EarlyBoardRead/>
                <MetaTags/>
            </head>
            <body>
                <App/>
            </body>
        </html>
    }
}

/// On a board page, starts reading the whole board (`/boards/{id}/state`, compressed) while
/// the WASM downloads, unless this device holds a copy of it (the mark `engine::offline` keeps
/// in `localStorage`); the engine takes the read (`engine::http::board_state`) instead of
/// starting its own once it runs. On a big board, the board is most of what a first visit
/// downloads: read beside the bundle, it no longer waits for it. The script is inline (the
/// page's nonce allows it) because a script file would be one more round trip before the read.
#[component]
fn EarlyBoardRead() -> impl IntoView {
    // Written into the page as it is (a `<script>`'s text is not escaped): a constant.
    const SCRIPT: &str = concat!(
        r#"(function(){var m=/^\/b\/([A-Za-z0-9_-]+)$/.exec(location.pathname);if(!m)return;"#,
        r#"try{if(localStorage.getItem("whiteboard.copy."+m[1]))return}catch(e){}"#,
        r#"var k=new URLSearchParams(location.search).get("key");"#,
        r#"var p=fetch("/boards/"+m[1]+"/state"+(k?"?key="+encodeURIComponent(k):""))"#,
        r#".then(function(r){return r.ok?r.arrayBuffer()"#,
        r#":r.text().then(function(t){throw t||r.statusText})});"#,
        r#"p.catch(function(){});window.whiteboardState=p})()"#,
    );
    view! { <script nonce=leptos::nonce::use_nonce()>{SCRIPT}</script> }
}

/// The Content Security Policy of every page, sent as a header: scripts from this site only,
/// the inline scripts (Leptos' hydration, `EarlyBoardRead`) allowed by the response's nonce,
/// WebAssembly compiled from this site's file, connections (the board's WebSocket, uploads) to
/// this site, images from this site or made in the page (pasted and dropped images), no
/// plugins, no `<base>`, no framing by other sites. Inline `style` attributes stay allowed: the canvas
/// layout sets some. Under `cargo leptos watch` the live-reload socket (another port) is allowed.
#[cfg(feature = "ssr")]
fn set_page_policy() {
    let (Some(nonce), Some(response)) = (
        leptos::nonce::use_nonce(),
        use_context::<leptos_axum::ResponseOptions>(),
    ) else {
        return;
    };
    let reload = if std::env::var_os("LEPTOS_WATCH").is_some() {
        " ws:"
    } else {
        ""
    };
    let policy = format!(
        "default-src 'self'; script-src 'self' 'nonce-{nonce}' 'wasm-unsafe-eval'; \
         style-src 'self' 'unsafe-inline'; img-src 'self' data: blob:; connect-src 'self'{reload}; \
         object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
    );
    if let Ok(value) = http::HeaderValue::from_str(&policy) {
        response.insert_header(http::header::CONTENT_SECURITY_POLICY, value);
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
