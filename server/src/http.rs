//! HTTP routes: pages (Leptos SSR), board creation, the WebSocket endpoint, health and metrics.

use std::fmt::Write;
use std::sync::atomic::Ordering;

use app::{shell, App};
use axum::extract::State;
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use board::BoardId;
use leptos_axum::{generate_route_list, LeptosRoutes};
use tower_http::compression::CompressionLayer;
use tower_http::trace::TraceLayer;

use crate::error::AppError;
use crate::{ws, AppState};

pub fn router(state: AppState) -> Router {
    let routes = generate_route_list(App);
    let options = state.leptos_options.clone();
    let pages = Router::new()
        .route("/boards", post(create_board))
        .route("/healthz", get(healthz))
        .route("/metrics", get(metrics))
        .leptos_routes(&state, routes, move || shell(options.clone()))
        .fallback(leptos_axum::file_and_error_handler::<AppState, _>(shell))
        .layer(CompressionLayer::new());
    Router::new()
        .route("/ws/{board}", get(ws::upgrade))
        .merge(pages)
        .layer(TraceLayer::new_for_http())
        .with_state(state)
}

#[derive(serde::Serialize)]
struct Created {
    id: String,
    url: String,
}

/// Creates an empty board with an unguessable id (128 random bits). A browser form gets a
/// redirect to the board; a client asking for JSON gets `201 {"id", "url"}`.
async fn create_board(
    State(state): State<AppState>,
    headers: HeaderMap,
) -> Result<Response, AppError> {
    let id = BoardId::from_random(rand::random());
    state.rooms.store().create_board(&id).await?;
    let url = format!("/b/{id}");
    let wants_json = headers
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.contains("application/json"));
    if wants_json {
        let body = Created {
            id: id.to_string(),
            url,
        };
        Ok((StatusCode::CREATED, Json(body)).into_response())
    } else {
        Ok(Redirect::to(&url).into_response())
    }
}

async fn healthz(State(state): State<AppState>) -> Result<&'static str, AppError> {
    state.rooms.store().ping().await?;
    Ok("ok\n")
}

/// Prometheus text format.
async fn metrics(State(state): State<AppState>) -> impl IntoResponse {
    let m = state.rooms.metrics();
    let mut out = String::new();
    let mut line = |name: &str, kind: &str, help: &str, value: u64| {
        let _ = writeln!(
            out,
            "# HELP {name} {help}\n# TYPE {name} {kind}\n{name} {value}"
        );
    };
    line(
        "whiteboard_connections_open",
        "gauge",
        "Open WebSocket connections.",
        m.connections_open.load(Ordering::Relaxed),
    );
    line(
        "whiteboard_rooms_open",
        "gauge",
        "Boards loaded in memory.",
        m.rooms_open.load(Ordering::Relaxed),
    );
    line(
        "whiteboard_updates_in_total",
        "counter",
        "Document updates received.",
        m.updates_in.load(Ordering::Relaxed),
    );
    line(
        "whiteboard_frames_out_total",
        "counter",
        "Frames queued to connections.",
        m.frames_out.load(Ordering::Relaxed),
    );
    line(
        "whiteboard_persist_batches_total",
        "counter",
        "Group commits of updates.",
        m.persist_count.load(Ordering::Relaxed),
    );
    line(
        "whiteboard_persist_seconds_total",
        "counter",
        "Time spent committing updates.",
        m.persist_micros_total.load(Ordering::Relaxed) / 1_000_000,
    );
    ([(header::CONTENT_TYPE, "text/plain; version=0.0.4")], out)
}
