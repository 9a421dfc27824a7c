//! The whiteboard server, as a library so tests can start it on port 0.
//!
//! - [`config`]: settings from flags and environment variables.
//! - [`store`]: the `BoardStore` trait, the embedded SQLite store and the PostgreSQL one.
//! - [`relay`]: a cluster's link between nodes through Redis pub/sub.
//! - [`room`]: one task per open board; owns the yrs document and awareness, commits updates
//!   before fanning them out.
//! - [`rooms`]: the registry of open rooms, connection slots and the server counters.
//! - [`outbox`]: a connection's queue of outgoing frames, bounded in frames and bytes.
//! - [`pace`]: how long boards hold presence changes: longer while the server falls behind.
//! - [`connection`]: admission and the per-frame checks every connection goes through.
//! - [`ws`]: the `/ws/{board}` y-websocket endpoint.
//! - [`poll`]: `/poll/{board}`, the same messages over HTTP when WebSockets are blocked.
//! - [`socket`]: the WebSocket handshake and the clean close of an oversized frame.
//! - [`export`]: `/boards/{board}/export.svg|png|json`: a board as a file.
//! - [`history`]: version history: when rooms keep versions, and the History panel's endpoints.
//! - [`images`]: `/boards/{board}/images`, the uploaded bytes behind the Image tool.
//! - [`listing`]: a board's summary and thumbnail for the home page; deleting a board.
//! - [`access`]: the permission checks the endpoints share (the `Origin` rule).
//! - [`serve`]: the accept loop: the TCP connection cap and the header-read timeout.
//! - [`clients`]: who a request comes from, and the per-address limits.
//! - [`offline`]: `/sw.js`, the service worker keeping the app shell for offline use.
//! - [`maintenance`]: background duties: the storage gauge, expiring unused boards.
//! - [`tools`]: the `server export` and `server backup` subcommands.
//! - [`http`]: the router, board creation, health, metrics and the Leptos pages.
//!
//! [`run`] serves until the shutdown future completes, then closes every connection, flushes
//! every room and returns.

pub mod access;
pub mod clients;
pub mod config;
pub mod connection;
pub mod error;
pub mod export;
pub mod history;
pub mod http;
pub mod images;
pub mod listing;
pub mod maintenance;
pub mod offline;
pub mod outbox;
pub mod pace;
pub mod poll;
pub mod relay;
pub mod room;
pub mod rooms;
pub mod serve;
pub mod socket;
pub mod state;
pub mod store;
pub mod tools;
pub mod ws;

use std::future::Future;
use std::sync::Arc;

use anyhow::Context;
use leptos::config::LeptosOptions;
use tokio::net::TcpListener;

pub use config::Config;
use rooms::Rooms;
use store::{BoardStore, PgStore, SqliteStore};

/// What every handler can reach.
#[derive(Clone)]
pub struct AppState {
    pub leptos_options: LeptosOptions,
    pub rooms: Rooms,
    /// Flips to true when the server starts shutting down; connections close with 1001.
    pub shutdown: tokio::sync::watch::Receiver<bool>,
    /// Bytes of upload bodies that may be in memory at once (`WB_MAX_UPLOADS_IN_FLIGHT_BYTES`).
    pub uploads_in_flight: Arc<tokio::sync::Semaphore>,
    /// The open HTTP fallback sessions.
    pub sessions: poll::Sessions,
    /// Boards drawn for the home page's list.
    pub thumbnails: listing::Thumbnails,
}

impl axum::extract::FromRef<AppState> for LeptosOptions {
    fn from_ref(state: &AppState) -> Self {
        state.leptos_options.clone()
    }
}

/// Opens the store, serves on `listener` until `shutdown` completes, then drains.
pub async fn run(
    config: Config,
    listener: TcpListener,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> anyhow::Result<()> {
    let store = open_store(&config).await?;
    let relay = match &config.relay_url {
        Some(url) => Some(
            relay::Relay::start(url, store.clone())
                .context("invalid WB_RELAY_URL (--relay-url)")?,
        ),
        None => None,
    };
    let rooms = Rooms::with_relay(store, config.clone(), relay);
    let (shutdown_tx, shutdown_rx) = tokio::sync::watch::channel(false);
    let state = AppState {
        leptos_options: leptos_options(&config, listener.local_addr()?)?,
        rooms: rooms.clone(),
        shutdown: shutdown_rx,
        uploads_in_flight: Arc::new(tokio::sync::Semaphore::new(
            config.max_uploads_in_flight_bytes,
        )),
        sessions: poll::Sessions::default(),
        thumbnails: listing::Thumbnails::default(),
    };
    let app = http::router(state);
    let cap = serve::connection_cap(config.max_tcp_connections);
    // What this process can hold: the TCP cap follows the open-files limit (raised to its hard
    // limit at start); WebSockets are capped by `WB_MAX_CONNECTIONS` within it.
    let websockets = cap.min(config.max_connections);
    tracing::info!(
        addr = %listener.local_addr()?,
        max_tcp_connections = cap,
        "listening; can hold {websockets} WebSocket connections"
    );
    let tasks = maintenance::spawn(rooms.clone());
    serve::serve(
        listener,
        app,
        cap,
        config.header_timeout(),
        rooms.clone(),
        async move {
            shutdown.await;
            tracing::info!("shutting down: closing connections and flushing rooms");
            let _ = shutdown_tx.send(true);
        },
    )
    .await;
    tasks.abort();
    rooms.shutdown().await;
    tracing::info!("stopped");
    Ok(())
}

/// Opens the store `DATABASE_URL` names (refusing a URL of no known kind, and a relay
/// without a shared store), applying its migrations.
pub async fn open_store(config: &Config) -> anyhow::Result<Arc<dyn BoardStore>> {
    let database = config.database().map_err(anyhow::Error::msg)?;
    // Errors never repeat the URL: it may hold a password.
    let store: Arc<dyn BoardStore> = match database {
        config::Database::Sqlite => Arc::new(
            SqliteStore::open_with(
                &config.database_url,
                config.sqlite_sync == "full",
                config.commit_interval(),
            )
            .await
            .with_context(|| format!("cannot open the database {}", config.database_url))?,
        ),
        config::Database::Postgres => Arc::new(
            PgStore::open(&config.database_url)
                .await
                .context("cannot open the PostgreSQL database (DATABASE_URL)")?,
        ),
    };
    Ok(store)
}

/// Leptos settings from its usual `LEPTOS_*` variables, with this server's address and a
/// default output name, so the release binary runs from the repository root with no setup.
fn leptos_options(config: &Config, addr: std::net::SocketAddr) -> anyhow::Result<LeptosOptions> {
    let mut options = leptos::config::get_configuration(None)
        .context("invalid LEPTOS_* settings")?
        .leptos_options;
    if options.output_name.is_empty() {
        options.output_name = "whiteboard".into();
    }
    options.site_addr = if config.addr.port() == 0 {
        addr
    } else {
        config.addr
    };
    Ok(options)
}
