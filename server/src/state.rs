//! `GET /boards/{board}/state?key=…`: the whole board as one Yjs update (v1), for a page
//! opening a board it has no copy of. Sent over HTTP, it is compressed like any other answer
//! (gzip, about 2.4× smaller for a board of 10,000 shapes), which the WebSocket's first sync is
//! not; the page applies it, then connects, and the socket's sync brings only what is newer.
//!
//! It is what the store holds (updates are stored before they are sent to anyone, so nothing
//! is missing), merged into one update, for a view or edit link (404 otherwise, as every other
//! board request), refused past the export size limit (413).

use axum::extract::{Path, Query, State};
use axum::http::header;
use axum::response::IntoResponse;

use crate::access::{self, KeyParam, Role};
use crate::error::AppError;
use crate::export::blocking;
use crate::AppState;

pub async fn board_state(
    Path(board): Path<String>,
    Query(query): Query<KeyParam>,
    State(state): State<AppState>,
) -> Result<impl IntoResponse, AppError> {
    let store = state.rooms.store().as_ref();
    let board = access::open_board(store, &board, query.key.as_deref(), Role::View).await?;
    let stored = store.load(&board).await?;
    let bytes: usize = stored.snapshot.iter().map(Vec::len).sum::<usize>()
        + stored.updates.iter().map(Vec::len).sum::<usize>();
    let limit = state.rooms.config().max_export_bytes;
    if bytes > limit {
        return Err(AppError::TooLarge(format!(
            "the board is {bytes} bytes, more than the {limit} this server sends at once"
        )));
    }
    let merged = blocking(move || {
        let parts = stored.snapshot.iter().chain(stored.updates.iter());
        yrs::merge_updates_v1(parts.map(Vec::as_slice))
    })
    .await?
    .map_err(|e| AppError::BadRequest(format!("the stored board could not be read: {e}")))?;
    Ok((
        [
            (header::CONTENT_TYPE, "application/octet-stream"),
            (header::CACHE_CONTROL, "no-store"),
        ],
        merged,
    ))
}
