//! `/sw.js`: the service worker that keeps the app shell in the browser, so a board opened
//! before opens with the network off (the script and what it caches: `offline/sw.js`).
//!
//! Served from the site's root (a worker controls only the paths under its own), never cached
//! by HTTP caches (a new version must reach browsers at their next visit), with a policy that
//! lets it fetch from this site only.

use axum::http::header;
use axum::response::IntoResponse;

const SCRIPT: &str = include_str!("offline/sw.js");

pub async fn service_worker() -> impl IntoResponse {
    (
        [
            (header::CONTENT_TYPE, "text/javascript; charset=utf-8"),
            (header::CACHE_CONTROL, "no-cache"),
            (header::CONTENT_SECURITY_POLICY, "default-src 'self'"),
        ],
        SCRIPT,
    )
}
