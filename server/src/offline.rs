//! `/sw.js`: the service worker that keeps the app shell in the browser, so a board opened
//! before opens with the network off (the script and what it caches: `offline/sw.js`).
//!
//! Served from the site's root (a worker controls only the paths under its own), never cached
//! by HTTP caches (a new version must reach browsers at their next visit), with a policy that
//! lets it fetch from this site only. The bundle it keeps is what the site's `pkg` directory
//! holds when it is asked for: the script, the styles, the WASM and the chunks split off it
//! (fetched by the page only when first used, and needed offline all the same).

use std::path::Path;

use axum::extract::State;
use axum::http::header;
use axum::response::IntoResponse;

use crate::AppState;

const SCRIPT: &str = include_str!("offline/sw.js");

/// The line of `sw.js` that lists the bundle, replaced by what the site holds.
const BUNDLE_LINE: &str =
    "const BUNDLE = ['/pkg/whiteboard.js', '/pkg/whiteboard.wasm', '/pkg/whiteboard.css']";

pub async fn service_worker(State(state): State<AppState>) -> impl IntoResponse {
    let options = &state.leptos_options;
    let pkg = options.site_pkg_dir.to_string();
    let dir = Path::new(&*options.site_root).join(&pkg);
    let script = match bundle(&dir, &pkg).await {
        Some(files) => SCRIPT.replace(BUNDLE_LINE, &format!("const BUNDLE = {files:?}")),
        None => SCRIPT.to_owned(),
    };
    (
        [
            (header::CONTENT_TYPE, "text/javascript; charset=utf-8"),
            (header::CACHE_CONTROL, "no-cache"),
            (header::CONTENT_SECURITY_POLICY, "default-src 'self'"),
        ],
        script,
    )
}

/// The site paths of the bundle's files (not their compressed copies), sorted; `None` when
/// the directory cannot be read.
async fn bundle(dir: &Path, pkg: &str) -> Option<Vec<String>> {
    let mut entries = tokio::fs::read_dir(dir).await.ok()?;
    let mut files = Vec::new();
    while let Ok(Some(entry)) = entries.next_entry().await {
        let name = entry.file_name().to_string_lossy().into_owned();
        if [".js", ".wasm", ".css"]
            .iter()
            .any(|ext| name.ends_with(ext))
        {
            files.push(format!("/{pkg}/{name}"));
        }
    }
    files.sort();
    (!files.is_empty()).then_some(files)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_script_has_the_line_the_server_replaces() {
        assert!(SCRIPT.contains(BUNDLE_LINE));
    }

    #[tokio::test]
    async fn the_bundle_is_every_script_wasm_and_style_of_the_pkg_directory() {
        let dir = tempfile::tempdir().unwrap();
        for name in [
            "whiteboard.js",
            "whiteboard.wasm",
            "whiteboard.wasm.br",
            "split_read.wasm",
            "whiteboard.css",
            "whiteboard.d.ts",
            "__wasm_split_manifest.json",
        ] {
            std::fs::write(dir.path().join(name), b"x").unwrap();
        }
        assert_eq!(
            bundle(dir.path(), "pkg").await.unwrap(),
            [
                "/pkg/split_read.wasm",
                "/pkg/whiteboard.css",
                "/pkg/whiteboard.js",
                "/pkg/whiteboard.wasm"
            ]
        );
        assert_eq!(bundle(&dir.path().join("missing"), "pkg").await, None);
    }
}
