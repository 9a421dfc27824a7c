//! What the home page shows of the boards a browser remembers (the server lists no boards: a
//! browser asks about the ids it holds, with their keys), and deleting a board for everyone.
//!
//! - `GET /boards/{board}/summary`: `{title, updatedAt, shapes}` (view or edit link).
//! - `GET /boards/{board}/thumbnail.svg`: the board drawn small by `board::svg`, cached per
//!   board until its next change.
//! - `DELETE /boards/{board}` with the manage key (`x-board-manage`): deletes the board and all
//!   it holds; its connections close with 4004 and no link opens it again.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use axum::extract::{Path, Query, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use board::svg::{BuiltinMetrics, SvgOptions};
use board::BoardId;

use crate::access::{self, check_origin, KeyParam, LinkKeys};
use crate::error::AppError;
use crate::export;
use crate::AppState;

/// Thumbnails kept in memory at most; past it the cache starts over.
const THUMBNAILS_KEPT: usize = 512;

/// A drawn thumbnail and the board's last change it shows.
type Drawn = (i64, Arc<str>);

/// Drawn thumbnails by board.
#[derive(Clone, Default)]
pub struct Thumbnails(Arc<Mutex<HashMap<BoardId, Drawn>>>);

impl Thumbnails {
    fn get(&self, id: &BoardId, updated_at: i64) -> Option<Arc<str>> {
        let cache = self.0.lock().unwrap_or_else(|p| p.into_inner());
        cache
            .get(id)
            .filter(|(at, _)| *at == updated_at)
            .map(|(_, svg)| svg.clone())
    }

    fn put(&self, id: BoardId, updated_at: i64, svg: Arc<str>) {
        let mut cache = self.0.lock().unwrap_or_else(|p| p.into_inner());
        if cache.len() >= THUMBNAILS_KEPT {
            cache.clear();
        }
        cache.insert(id, (updated_at, svg));
    }
}

/// A board a link opens, with its last change.
async fn readable(
    state: &AppState,
    board: &str,
    key: Option<&str>,
) -> Result<(BoardId, i64), AppError> {
    let board = BoardId::parse(board)?;
    let store = state.rooms.store().as_ref();
    access::role(store, &board, key)
        .await?
        .ok_or_else(access::no_such_link)?;
    let updated_at = store
        .updated_at(&board)
        .await?
        .ok_or_else(|| AppError::NotFound("No such board.".into()))?;
    Ok((board, updated_at))
}

/// `GET /boards/{board}/summary`
pub async fn summary(
    Path(board): Path<String>,
    Query(key): Query<KeyParam>,
    State(state): State<AppState>,
) -> Result<Response, AppError> {
    let (board, updated_at) = readable(&state, &board, key.key.as_deref()).await?;
    let max = state.rooms.config().max_export_bytes;
    let scene = export::load(state.rooms.store().as_ref(), &board, max).await?;
    let body = serde_json::json!({
        "title": scene.title.unwrap_or_default(),
        "updatedAt": updated_at,
        "shapes": scene.shapes.len(),
    });
    Ok(([(header::CACHE_CONTROL, "no-store")], Json(body)).into_response())
}

/// `GET /boards/{board}/thumbnail.svg`
pub async fn thumbnail(
    Path(board): Path<String>,
    Query(key): Query<KeyParam>,
    State(state): State<AppState>,
) -> Result<Response, AppError> {
    let (board, updated_at) = readable(&state, &board, key.key.as_deref()).await?;
    let svg = match state.thumbnails.get(&board, updated_at) {
        Some(svg) => svg,
        None => {
            let max = state.rooms.config().max_export_bytes;
            let scene = export::load(state.rooms.store().as_ref(), &board, max).await?;
            let drawn = export::blocking(move || {
                let opts = SvgOptions {
                    padding: 24.0,
                    ..SvgOptions::default()
                };
                // Images are left as placeholders: a thumbnail stays small.
                board::svg::render(&scene.shapes, &|_| None, &BuiltinMetrics, &opts, None)
            })
            .await?;
            let svg: Arc<str> = drawn.into();
            state.thumbnails.put(board, updated_at, svg.clone());
            svg
        }
    };
    Ok((
        [
            (header::CONTENT_TYPE, "image/svg+xml"),
            (header::CACHE_CONTROL, "private, no-cache"),
        ],
        svg.to_string(),
    )
        .into_response())
}

/// `DELETE /boards/{board}`
pub async fn delete(
    Path(board): Path<String>,
    headers: HeaderMap,
    State(state): State<AppState>,
) -> Result<Response, AppError> {
    check_origin(&headers, state.rooms.config())?;
    let id = BoardId::parse(&board)?;
    let store = state.rooms.store();
    let manage = headers
        .get("x-board-manage")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    match store.links(&id).await? {
        Some(links) if access::may_manage(&links, manage) => {}
        Some(_) => {
            return Err(AppError::Forbidden(
                "Only the board's manager (with its manage key) can delete it.".into(),
            ))
        }
        None => {
            return Err(AppError::Forbidden(
                "This board has no manager: reset its links first to become its manager.".into(),
            ))
        }
    }
    state.rooms.close_deleted(&id).await;
    // The new links are thrown away: nobody can open the board again.
    let tombstone = LinkKeys::generate().hashes();
    if !store.delete_board(&id, &tombstone).await? {
        return Err(AppError::NotFound("No such board.".into()));
    }
    state.rooms.board_deleted(&id);
    state.rooms.links_reset(&id);
    Ok(StatusCode::NO_CONTENT.into_response())
}
