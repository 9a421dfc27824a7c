//! Version history: when a room keeps a version ([`VersionClock`]), and the endpoints of the
//! History panel.
//!
//! - `GET /boards/{board}/versions`: the versions, newest first (view or edit link).
//! - `POST /boards/{board}/versions?reason=restore|import`: keeps the current state as a
//!   version now (edit link), before a restore or an import changes the board.
//! - `GET /boards/{board}/versions/{id}.json`: a version in the board JSON format (the browser
//!   previews it and restores it as a change of its own, so the restorer can undo it).
//! - `GET /boards/{board}/versions/{id}.svg`: a version drawn, for thumbnails.
//! - `POST /boards/{board}/duplicate?version=N`: a new board holding a version (or the current
//!   state), with fresh links; answers its edit link.
//!
//! The state read for "now" is the store's: everything anyone has seen echoed is in it.

use std::collections::BTreeSet;
use std::time::Duration;

use axum::extract::{Path, Query, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use board::room_state::server_doc;
use board::svg::{BuiltinMetrics, SvgOptions};
use board::{BoardDoc, BoardId};
use serde::Deserialize;
use tokio::time::Instant;

use crate::access::{self, check_origin, KeyParam, LinkKeys, Role};
use crate::clients::ClientAddr;
use crate::error::AppError;
use crate::export::{self, blocking, document, scene_of};
use crate::images::{Image, ImageId};
use crate::store::{BoardStore, ImagePut, NewVersion, VersionReason};
use crate::AppState;

/// When a room keeps a version: once the board has been quiet for `quiet` after changes, or
/// `every` after the first change not yet in a version if it keeps changing.
#[derive(Debug)]
pub struct VersionClock {
    quiet: Duration,
    every: Duration,
    first_change: Option<Instant>,
    last_change: Option<Instant>,
    editors: BTreeSet<String>,
}

impl VersionClock {
    pub fn new(quiet: Duration, every: Duration) -> Self {
        Self {
            quiet,
            every,
            first_change: None,
            last_change: None,
            editors: BTreeSet::new(),
        }
    }

    /// The board changed at `now`, by people of these names.
    pub fn changed(&mut self, now: Instant, names: impl IntoIterator<Item = String>) {
        self.first_change.get_or_insert(now);
        self.last_change = Some(now);
        self.editors.extend(names);
    }

    /// Someone of these names edited (their change is counted by [`Self::changed`]).
    pub fn edited_by(&mut self, names: impl IntoIterator<Item = String>) {
        self.editors.extend(names);
    }

    /// Whether there are changes not yet in a version.
    pub fn pending(&self) -> bool {
        self.first_change.is_some()
    }

    /// When the next version is due, if one is.
    pub fn due(&self) -> Option<Instant> {
        let first = self.first_change?;
        let last = self.last_change.unwrap_or(first);
        Some((last + self.quiet).min(first + self.every))
    }

    /// Starts a new period; returns the names seen editing in the one that ends.
    pub fn take(&mut self) -> Vec<String> {
        self.first_change = None;
        self.last_change = None;
        std::mem::take(&mut self.editors).into_iter().collect()
    }
}

/// The board's current state as one v1 update, with the sequence number it holds.
async fn current_state(store: &dyn BoardStore, id: &BoardId) -> Result<(Vec<u8>, i64), AppError> {
    let stored = store.load(id).await?;
    let parts = stored.snapshot.iter().chain(stored.updates.iter());
    Ok((
        document(parts.map(Vec::as_slice)).snapshot(),
        stored.last_seq,
    ))
}

/// The key check every endpoint here starts with.
async fn board_for(
    state: &AppState,
    board: &str,
    key: Option<&str>,
    needs: Role,
) -> Result<BoardId, AppError> {
    access::open_board(state.rooms.store().as_ref(), board, key, needs).await
}

/// `GET /boards/{board}/versions`
pub async fn list(
    Path(board): Path<String>,
    Query(key): Query<KeyParam>,
    State(state): State<AppState>,
) -> Result<Response, AppError> {
    let board = board_for(&state, &board, key.key.as_deref(), Role::View).await?;
    let versions = state.rooms.store().versions(&board).await?;
    Ok(([(header::CACHE_CONTROL, "no-store")], Json(versions)).into_response())
}

#[derive(Debug, Deserialize)]
pub struct KeepQuery {
    key: Option<String>,
    reason: Option<String>,
}

/// `POST /boards/{board}/versions?reason=restore|import`
pub async fn keep(
    Path(board): Path<String>,
    Query(query): Query<KeepQuery>,
    headers: HeaderMap,
    State(state): State<AppState>,
) -> Result<Response, AppError> {
    check_origin(&headers, state.rooms.config())?;
    let board = board_for(&state, &board, query.key.as_deref(), Role::Edit).await?;
    let reason = match query.reason.as_deref() {
        Some("restore") => VersionReason::Restore,
        Some("import") => VersionReason::Import,
        _ => {
            return Err(AppError::BadRequest(
                "reason must be restore or import.".into(),
            ))
        }
    };
    if state.rooms.storage_full() {
        return Err(AppError::storage_full());
    }
    let store = state.rooms.store().as_ref();
    let (doc, seq) = current_state(store, &board).await?;
    let version = NewVersion {
        seq,
        reason,
        editors: &[],
    };
    let cap = state.rooms.config().max_board_bytes as u64;
    let id = store.add_version(&board, &doc, version, cap).await?;
    Ok((StatusCode::CREATED, Json(serde_json::json!({ "id": id }))).into_response())
}

/// A version's path segment: `7.json` or `7.svg`.
fn parse_file(file: &str) -> Result<(i64, &str), AppError> {
    let (id, ext) = file
        .split_once('.')
        .ok_or_else(|| AppError::NotFound("No such version.".into()))?;
    let id = id
        .parse()
        .map_err(|_| AppError::NotFound("No such version.".into()))?;
    Ok((id, ext))
}

/// `GET /boards/{board}/versions/{id}.json` and `.svg`
pub async fn get(
    Path((board, file)): Path<(String, String)>,
    Query(key): Query<KeyParam>,
    State(state): State<AppState>,
) -> Result<Response, AppError> {
    let board = board_for(&state, &board, key.key.as_deref(), Role::View).await?;
    let (id, ext) = parse_file(&file)?;
    if ext != "json" && ext != "svg" {
        return Err(AppError::NotFound("No such version.".into()));
    }
    let store = state.rooms.store().as_ref();
    let data = store
        .version(&board, id)
        .await?
        .ok_or_else(|| AppError::NotFound("No such version.".into()))?;
    let scene = scene_of(&document([data.as_slice()]));
    let images = export::images(store, &board, &scene.shapes).await?;
    // Versions never change: cacheable by whoever may read them.
    let cache = (header::CACHE_CONTROL, "private, max-age=86400");
    if ext == "json" {
        let body = export::json(&scene, &images);
        return Ok(([(header::CONTENT_TYPE, "application/json")], [cache], body).into_response());
    }
    let opts = SvgOptions::default();
    let body = blocking(move || {
        board::svg::render(
            &scene.shapes,
            &|src| images.get(src).cloned(),
            &BuiltinMetrics,
            &opts,
            None,
        )
    })
    .await?;
    Ok(([(header::CONTENT_TYPE, "image/svg+xml")], [cache], body).into_response())
}

#[derive(Debug, Deserialize)]
pub struct DuplicateQuery {
    key: Option<String>,
    version: Option<i64>,
}

/// `POST /boards/{board}/duplicate?version=N`
pub async fn duplicate(
    Path(board): Path<String>,
    Query(query): Query<DuplicateQuery>,
    client: ClientAddr,
    headers: HeaderMap,
    State(state): State<AppState>,
) -> Result<Response, AppError> {
    check_origin(&headers, state.rooms.config())?;
    if !state.rooms.clients().may_create_board(client) {
        return Err(AppError::TooManyRequests(
            "Too many new boards from your address; wait a minute.".into(),
        ));
    }
    // Whoever may see a board may copy it: the copy is theirs, the original unchanged.
    let board = board_for(&state, &board, query.key.as_deref(), Role::View).await?;
    if state.rooms.storage_full() {
        return Err(AppError::storage_full());
    }
    let store = state.rooms.store().as_ref();
    let doc = match query.version {
        Some(v) => store
            .version(&board, v)
            .await?
            .ok_or_else(|| AppError::NotFound("No such version.".into()))?,
        None => current_state(store, &board).await?.0,
    };
    // The copy is a fresh document holding the shapes and title only (no history), and its
    // images are copied to it, so that its own keys show them.
    let scene = scene_of(&document([doc.as_slice()]));
    let copy = BoardId::from_random(rand::random());
    let keys = LinkKeys::generate();
    store.set_links(&copy, &keys.hashes()).await?;
    let mut shapes = scene.shapes;
    copy_images(&state, &board, &copy, &mut shapes).await?;
    let fresh = BoardDoc::new(server_doc());
    let (_, update) = fresh
        .change("copy", |txn, b| {
            for shape in &shapes {
                b.put(txn, shape);
            }
            if let Some(title) = &scene.title {
                b.set_title(txn, title);
            }
        })
        .map_err(|e| AppError::BadRequest(format!("cannot copy: {e}")))?;
    if !update.is_empty() {
        store.append(&copy, 1, vec![update]).await?;
    }
    let url = format!("/b/{copy}?key={}#manage={}", keys.edit, keys.manage);
    Ok((StatusCode::CREATED, Json(serde_json::json!({ "url": url }))).into_response())
}

/// Copies the images `shapes` show from board `from` to board `to`, and points them there.
async fn copy_images(
    state: &AppState,
    from: &BoardId,
    to: &BoardId,
    shapes: &mut [board::Shape],
) -> Result<(), AppError> {
    let store = state.rooms.store().as_ref();
    let quota = state.rooms.config().max_board_image_bytes;
    let prefix = format!("/boards/{from}/images/");
    for shape in shapes.iter_mut() {
        let Some(id) = shape
            .src
            .as_deref()
            .and_then(|src| src.strip_prefix(&prefix))
            .and_then(|id| ImageId::parse(id).ok())
        else {
            continue;
        };
        let Some(stored) = store.get_image(from, &id).await? else {
            continue;
        };
        let Some(image) = Image::from_bytes(stored.bytes.into()) else {
            continue;
        };
        if store.put_image(to, &image, quota).await? == ImagePut::BoardFull {
            return Err(AppError::TooLarge(
                "The copy's images would pass the board image limit.".into(),
            ));
        }
        shape.src = Some(format!("/boards/{to}/images/{id}"));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_version_is_due_after_quiet_or_after_every_while_busy() {
        let t0 = Instant::now();
        let mut clock = VersionClock::new(Duration::from_secs(60), Duration::from_secs(300));
        assert_eq!(clock.due(), None);
        clock.changed(t0, ["Ada".to_string()]);
        assert_eq!(clock.due(), Some(t0 + Duration::from_secs(60)));
        // Still busy at 250 s: due at 300 s, not at 310.
        clock.changed(t0 + Duration::from_secs(250), ["Bo".to_string()]);
        assert_eq!(clock.due(), Some(t0 + Duration::from_secs(300)));
        assert_eq!(clock.take(), ["Ada", "Bo"]);
        assert!(!clock.pending());
    }

    #[test]
    fn version_files_are_numbered() {
        assert_eq!(parse_file("7.json").unwrap(), (7, "json"));
        assert!(parse_file("x.json").is_err());
        assert!(parse_file("7").is_err());
    }
}
