//! HTTP routes: pages (Leptos SSR), board creation and its links, the WebSocket and its HTTP
//! fallback, the image endpoints, health and metrics.

use std::fmt::Write;
use std::sync::atomic::Ordering;

use app::{shell, App};
use axum::extract::{DefaultBodyLimit, Path, Query, Request, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use board::BoardId;
use leptos_axum::{generate_route_list, LeptosRoutes};
use tower_http::compression::CompressionLayer;
use tower_http::set_header::SetResponseHeaderLayer;
use tower_http::trace::TraceLayer;

use crate::access::{self, check_origin, constant_time_eq, KeyParam, LinkKeys, Role};
use crate::clients::ClientAddr;
use crate::error::AppError;
use crate::rooms::PERSIST_BUCKETS;
use crate::{export, history, images, listing, poll, ws, AppState};

pub fn router(state: AppState) -> Router {
    let routes = generate_route_list(App);
    let options = state.leptos_options.clone();
    let pages = Router::new()
        .route("/boards", post(create_board))
        .route("/boards/{board}/links", get(links))
        .route("/boards/{board}/links/reset", post(reset_links))
        .route("/boards/{board}/export.svg", get(export::export_svg))
        .route("/boards/{board}/export.png", get(export::export_png))
        .route("/boards/{board}/export.json", get(export::export_json))
        .route("/boards/{board}/state", get(crate::state::board_state))
        .route(
            "/boards/{board}/versions",
            get(history::list).post(history::keep),
        )
        .route("/boards/{board}/versions/{file}", get(history::get))
        .route("/boards/{board}/duplicate", post(history::duplicate))
        .route("/boards/{board}", axum::routing::delete(listing::delete))
        .route("/boards/{board}/summary", get(listing::summary))
        .route("/boards/{board}/thumbnail.svg", get(listing::thumbnail))
        .route("/healthz", get(healthz))
        .route("/sw.js", get(crate::offline::service_worker))
        .route("/metrics", get(metrics))
        .leptos_routes(&state, routes, move || shell(options.clone()))
        .fallback(leptos_axum::file_and_error_handler::<AppState, _>(shell))
        .layer(middleware::from_fn_with_state(
            state.clone(),
            board_page_link,
        ))
        .layer(CompressionLayer::new())
        // The static files are also stored precompressed (.br, .gz: scripts/build-release), and
        // the file handler picks one by Accept-Encoding without saying so (tower-http 0.6.11):
        // shared caches must know the response varies with it.
        .layer(SetResponseHeaderLayer::if_not_present(
            header::VARY,
            HeaderValue::from_static("accept-encoding"),
        ));
    Router::new()
        .route("/ws/{board}", get(ws::upgrade))
        .route("/poll/{board}", post(poll::open))
        .route(
            "/poll/{board}/{session}",
            get(poll::poll).post(poll::send).layer(DefaultBodyLimit::max(
                state.rooms.config().max_frame_bytes + poll::BODY_SLACK,
            )),
        )
        // Outside `pages`: images are compressed already.
        .route("/boards/{board}/images", post(images::upload))
        .route("/boards/{board}/images/{id}", get(images::download))
        .merge(pages)
        // Every answer: no sniffing of types, no referrer to other sites (a board's link is its
        // key: it must not leak to the sites its pages link to; `same-origin` rather than
        // `no-referrer`, under which browsers send `Origin: null` with the board's own form
        // posts and the origin check could not tell them from a foreign page's), no framing by
        // other sites. Pages set their
        // own Content-Security-Policy (with the nonce of their inline script: `app::shell`);
        // any other answer that could be opened as a document gets one that runs nothing.
        .layer(SetResponseHeaderLayer::if_not_present(
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static("default-src 'none'; frame-ancestors 'none'; sandbox"),
        ))
        .layer(SetResponseHeaderLayer::overriding(
            header::X_CONTENT_TYPE_OPTIONS,
            HeaderValue::from_static("nosniff"),
        ))
        .layer(SetResponseHeaderLayer::overriding(
            header::REFERRER_POLICY,
            HeaderValue::from_static("same-origin"),
        ))
        .layer(SetResponseHeaderLayer::if_not_present(
            header::X_FRAME_OPTIONS,
            HeaderValue::from_static("DENY"),
        ))
        // Answers of 5xx are not failures to log at ERROR: 503s are refusals at a limit an
        // attacker can trigger at will (counted in /metrics); a storage error logs itself.
        .layer(
            TraceLayer::new_for_http()
                // The path only: a query may hold a board's key, which is never logged.
                .make_span_with(|req: &Request| {
                    tracing::debug_span!("request", method = %req.method(), path = %req.uri().path())
                })
                .on_failure(
                    tower_http::trace::DefaultOnFailure::new().level(tracing::Level::DEBUG),
                ),
        )
        .with_state(state)
}

#[derive(serde::Serialize)]
struct Created {
    id: String,
    /// The edit link.
    url: String,
    #[serde(rename = "viewUrl")]
    view_url: String,
    keys: LinkKeys,
}

/// Creates an empty board with an unguessable id (128 random bits) and its links (see
/// `access`). A browser form gets a redirect to the edit link, the manage key in its fragment
/// (never sent to a server; the page keeps it in the browser); a client asking for JSON gets
/// `201 {"id", "url", "viewUrl", "keys": {"edit", "view", "manage"}}`. Refused: 403 foreign
/// origin, 429 too many boards from one address, 507 server storage full.
async fn create_board(
    State(state): State<AppState>,
    client: ClientAddr,
    headers: HeaderMap,
) -> Result<Response, AppError> {
    let rooms = &state.rooms;
    check_origin(&headers, rooms.config())?;
    if !rooms.clients().may_create_board(client) {
        rooms.metrics().rate_limited.fetch_add(1, Ordering::Relaxed);
        return Err(AppError::TooManyRequests(
            "Too many new boards from your address; wait a minute.".into(),
        ));
    }
    if rooms.storage_full() {
        rooms
            .metrics()
            .refused_storage_full
            .fetch_add(1, Ordering::Relaxed);
        return Err(AppError::storage_full());
    }
    let id = BoardId::from_random(rand::random());
    let keys = LinkKeys::generate();
    state.rooms.store().set_links(&id, &keys.hashes()).await?;
    let url = format!("/b/{id}?key={}", keys.edit);
    let wants_json = headers
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.contains("application/json"));
    if wants_json {
        let body = Created {
            id: id.to_string(),
            view_url: format!("/b/{id}?key={}", keys.view),
            url,
            keys,
        };
        Ok((StatusCode::CREATED, Json(body)).into_response())
    } else {
        Ok(Redirect::to(&format!("{url}#manage={}", keys.manage)).into_response())
    }
}

/// What a key gives on a board, for its page: the role, and the keys of the links it may hand
/// out (an edit key also gives the view key; an open board has none).
#[derive(serde::Serialize)]
struct Links {
    role: Role,
    /// The board has no links yet: its bare link edits.
    open: bool,
    edit: Option<String>,
    view: Option<String>,
}

/// `GET /boards/{id}/links?key=`: 404 for a key that opens nothing.
async fn links(
    Path(board): Path<String>,
    Query(key): Query<KeyParam>,
    State(state): State<AppState>,
) -> Result<Json<Links>, AppError> {
    let id = BoardId::parse(&board)?;
    let store = state.rooms.store();
    let open = store.links(&id).await?.is_none();
    let key = key.key.filter(|_| !open);
    let role = access::role(store.as_ref(), &id, key.as_deref())
        .await?
        .ok_or_else(access::no_such_link)?;
    let (edit, view) = match (role, key) {
        (Role::Edit, Some(edit)) => {
            let view = access::view_key(&edit);
            (Some(edit), Some(view))
        }
        (Role::View, Some(view)) => (None, Some(view)),
        _ => (None, None),
    };
    Ok(Json(Links {
        role,
        open,
        edit,
        view,
    }))
}

/// `POST /boards/{id}/links/reset` with the manage key in `X-Board-Manage` (an open board
/// needs none: its bare link edits): new edit, view and manage keys. The old keys then open
/// nothing, and every connection to the board is closed (code 4001: they all came in with the
/// old keys; the manager's page moves to the new edit link).
async fn reset_links(
    Path(board): Path<String>,
    State(state): State<AppState>,
    headers: HeaderMap,
) -> Result<Json<LinkKeys>, AppError> {
    check_origin(&headers, state.rooms.config())?;
    let id = BoardId::parse(&board)?;
    let store = state.rooms.store();
    match store.links(&id).await? {
        Some(links) => {
            let manage = headers
                .get("x-board-manage")
                .and_then(|v| v.to_str().ok())
                .unwrap_or_default();
            if !access::may_manage(&links, manage) {
                return Err(AppError::Forbidden(
                    "Only the board's manager (with its manage key) can reset its links.".into(),
                ));
            }
        }
        None if !store.board_exists(&id).await? => {
            return Err(AppError::NotFound("No such board.".into()));
        }
        None => {}
    }
    let keys = LinkKeys::generate();
    store.set_links(&id, &keys.hashes()).await?;
    state.rooms.links_reset(&id);
    Ok(Json(keys))
}

/// A board page is served only for a key that opens the board (any key, or none, on an open
/// board); otherwise 404 with a message.
async fn board_page_link(State(state): State<AppState>, req: Request, next: Next) -> Response {
    if let Some(id) = req
        .uri()
        .path()
        .strip_prefix("/b/")
        .and_then(|id| BoardId::parse(id).ok())
    {
        let key = Query::<KeyParam>::try_from_uri(req.uri())
            .map(|Query(k)| k.key)
            .unwrap_or_default();
        match access::role(state.rooms.store().as_ref(), &id, key.as_deref()).await {
            Ok(Some(_)) => {}
            Ok(None) => return access::no_such_link().into_response(),
            Err(e) => return AppError::from(e).into_response(),
        }
    }
    next.run(req).await
}

/// 200 while the store answers. A cluster node whose relay is down still serves (its rooms
/// catch up from the store), so it stays in the balancer and says `degraded`.
async fn healthz(State(state): State<AppState>) -> Result<&'static str, AppError> {
    state.rooms.store().ping().await?;
    let relay_down = state
        .rooms
        .relay()
        .is_some_and(|r| r.metrics().connected.load(Ordering::Relaxed) == 0);
    Ok(if relay_down {
        "degraded: relay unreachable; updates from other nodes arrive within seconds\n"
    } else {
        "ok\n"
    })
}

/// Prometheus text format. With `WB_METRICS_TOKEN` set, only for `Authorization: Bearer
/// <token>`; without it, only for clients on the loopback interface.
async fn metrics(
    State(state): State<AppState>,
    client: ClientAddr,
    headers: HeaderMap,
) -> Result<Response, AppError> {
    check_metrics_access(
        &headers,
        client,
        state.rooms.config().metrics_token.as_deref(),
    )?;
    let m = state.rooms.metrics();
    let get = |c: &std::sync::atomic::AtomicU64| c.load(Ordering::Relaxed);
    let mut out = String::new();
    let mut metric = |name: &str, kind: &str, help: &str, value: &dyn std::fmt::Display| {
        let _ = writeln!(
            out,
            "# HELP {name} {help}\n# TYPE {name} {kind}\n{name} {value}"
        );
    };
    metric(
        "whiteboard_connections_open",
        "gauge",
        "Open WebSocket connections.",
        &get(&m.connections_open),
    );
    metric(
        "whiteboard_rooms_open",
        "gauge",
        "Boards loaded in memory.",
        &get(&m.rooms_open),
    );
    metric(
        "whiteboard_presence_window_seconds",
        "gauge",
        "How long boards hold presence changes before sending them (longer while the server falls behind).",
        &state.rooms.presence_pace().window().as_secs_f64(),
    );
    metric(
        "whiteboard_updates_in_total",
        "counter",
        "Document updates received.",
        &get(&m.updates_in),
    );
    metric(
        "whiteboard_refused_at_limit_total",
        "counter",
        "WebSocket upgrades refused with 503 at a connection limit.",
        &get(&m.refused_at_limit),
    );
    metric(
        "whiteboard_room_reloads_total",
        "counter",
        "Board documents rebuilt from storage after an update broke them.",
        &get(&m.room_reloads),
    );
    metric(
        "whiteboard_frames_out_total",
        "counter",
        "Frames queued to connections.",
        &get(&m.frames_out),
    );
    metric(
        "whiteboard_bytes_in_total",
        "counter",
        "WebSocket payload bytes received.",
        &get(&m.bytes_in),
    );
    metric(
        "whiteboard_bytes_out_total",
        "counter",
        "WebSocket payload bytes sent.",
        &get(&m.bytes_out),
    );
    metric(
        "whiteboard_images_stored_total",
        "counter",
        "Images uploaded that were new to their board.",
        &get(&m.images_stored),
    );
    metric(
        "whiteboard_rate_limited_total",
        "counter",
        "Board creations and uploads refused with 429 by a per-address limit.",
        &get(&m.rate_limited),
    );
    metric(
        "whiteboard_refused_storage_full_total",
        "counter",
        "Writes refused because storage is past its budget or the disk nearly full.",
        &get(&m.refused_storage_full),
    );
    metric(
        "whiteboard_storage_used_bytes",
        "gauge",
        "Bytes the database holds, as last sampled.",
        &get(&m.storage_used_bytes),
    );
    metric(
        "whiteboard_boards_expired_total",
        "counter",
        "Boards created and never edited, deleted after WB_UNUSED_BOARD_HOURS.",
        &get(&m.boards_expired),
    );
    metric(
        "whiteboard_image_bytes_stored_total",
        "counter",
        "Bytes of the images counted by whiteboard_images_stored_total.",
        &get(&m.image_bytes_stored),
    );

    histogram(
        &mut out,
        "whiteboard_persist_seconds",
        "Latency of one group commit of updates.",
        &PERSIST_BUCKETS,
        &m.persist_buckets,
        get(&m.persist_count),
        get(&m.persist_micros_total),
    );

    if let Some(relay) = state.rooms.relay() {
        relay_metrics(&mut out, relay.metrics());
    }

    let _ = writeln!(
        out,
        "# HELP whiteboard_closes_total Connections closed by the server, by close code.\n# TYPE whiteboard_closes_total counter"
    );
    let closes = m.closes.lock().map(|c| c.clone()).unwrap_or_default();
    for (code, n) in closes {
        let _ = writeln!(out, "whiteboard_closes_total{{code=\"{code}\"}} {n}");
    }
    Ok(([(header::CONTENT_TYPE, "text/plain; version=0.0.4")], out).into_response())
}

/// A cumulative histogram of durations in Prometheus' text format.
fn histogram(
    out: &mut String,
    name: &str,
    help: &str,
    bounds: &[f64],
    counts: &[std::sync::atomic::AtomicU64],
    count: u64,
    micros_total: u64,
) {
    let _ = writeln!(out, "# HELP {name} {help}\n# TYPE {name} histogram");
    for (bound, n) in bounds.iter().zip(counts) {
        let _ = writeln!(
            out,
            "{name}_bucket{{le=\"{bound}\"}} {}",
            n.load(Ordering::Relaxed)
        );
    }
    let _ = writeln!(out, "{name}_bucket{{le=\"+Inf\"}} {count}");
    let _ = writeln!(out, "{name}_sum {}", micros_total as f64 / 1e6);
    let _ = writeln!(out, "{name}_count {count}");
}

/// A cluster node's relay: connection, traffic, repairs and lag.
fn relay_metrics(out: &mut String, m: &crate::relay::RelayMetrics) {
    let get = |c: &std::sync::atomic::AtomicU64| c.load(Ordering::Relaxed);
    let counters = [
        (
            "whiteboard_relay_connected",
            "gauge",
            "1 while this node is subscribed to the relay.",
            &m.connected,
        ),
        (
            "whiteboard_relay_messages_in_total",
            "counter",
            "Relay messages received from other nodes.",
            &m.messages_in,
        ),
        (
            "whiteboard_relay_messages_out_total",
            "counter",
            "Relay messages published.",
            &m.messages_out,
        ),
        (
            "whiteboard_relay_publish_failed_total",
            "counter",
            "Relay messages that could not be published (repaired from the store).",
            &m.publish_failed,
        ),
        (
            "whiteboard_relay_gaps_repaired_total",
            "counter",
            "Runs of updates read from the store because the relay missed them.",
            &m.gaps_repaired,
        ),
        (
            "whiteboard_relay_reloads_total",
            "counter",
            "Boards reloaded whole because what they missed was compacted.",
            &m.reloads,
        ),
    ];
    for (name, kind, help, value) in counters {
        let _ = writeln!(
            out,
            "# HELP {name} {help}\n# TYPE {name} {kind}\n{name} {}",
            get(value)
        );
    }
    histogram(
        out,
        "whiteboard_relay_lag_seconds",
        "Time from publish on another node to receipt here.",
        &crate::relay::LAG_BUCKETS,
        &m.lag_buckets,
        get(&m.lag_count),
        get(&m.lag_micros_total),
    );
}

fn check_metrics_access(
    headers: &HeaderMap,
    client: ClientAddr,
    token: Option<&str>,
) -> Result<(), AppError> {
    let allowed = match token {
        Some(token) => headers
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "))
            .is_some_and(|given| constant_time_eq(given.trim().as_bytes(), token.as_bytes())),
        None => client.is_loopback(),
    };
    if allowed {
        Ok(())
    } else {
        Err(AppError::Forbidden(
            "Metrics need the token set by WB_METRICS_TOKEN (or a request from this machine when none is set).".into(),
        ))
    }
}
