//! Server settings, from command-line flags or environment variables (flags win).

use std::net::SocketAddr;
use std::time::Duration;

use clap::Parser;

/// Collaborative whiteboard server: pages, y-websocket rooms and SQLite persistence.
#[derive(Debug, Clone, Parser)]
#[command(version, about)]
pub struct Config {
    /// Address to listen on.
    #[arg(
        long = "listen",
        env = "LEPTOS_SITE_ADDR",
        default_value = "127.0.0.1:3000"
    )]
    pub addr: SocketAddr,

    /// Threads running connections and rooms. 1 (the default) runs everything on one thread,
    /// which costs the least CPU per message on small machines; more spread load over cores.
    #[arg(long, env = "WB_WORKER_THREADS", default_value_t = 1)]
    pub worker_threads: usize,

    /// Where boards are stored: `sqlite://FILE` (the default: one node, the file and its
    /// folder are created when missing) or `postgres://…` (a store several nodes share).
    #[arg(
        long,
        env = "DATABASE_URL",
        default_value = "sqlite://data/whiteboard.db"
    )]
    pub database_url: String,

    /// Redis URL (`redis://host:port`) of a cluster's relay: what this node commits reaches
    /// the other nodes' connections through it. Needs a PostgreSQL `DATABASE_URL`.
    #[arg(long, env = "WB_RELAY_URL")]
    pub relay_url: Option<String>,

    /// SQLite `synchronous` setting: `full` (default) makes every commit reach the disk before a
    /// peer sees the update, surviving power loss; `normal` survives a crashed or killed server
    /// process but may lose the last commits on power loss, for less CPU and latency.
    #[arg(long, env = "WB_SQLITE_SYNC", default_value = "full", value_parser = ["full", "normal"])]
    pub sqlite_sync: String,

    /// Least milliseconds between the starts of two SQLite commits: under a steady stream of
    /// updates, what arrives meanwhile joins the next commit, so one fsync makes several
    /// updates durable (each waits at most this long more before it is sent on); an update
    /// after a quiet spell commits at once. 0 commits as soon as the last commit is done.
    #[arg(long, env = "WB_COMMIT_INTERVAL_MS", default_value_t = 5)]
    pub commit_interval_ms: u64,

    /// Largest accepted WebSocket message, in bytes (larger: close 1009).
    #[arg(long, env = "WB_MAX_FRAME_BYTES", default_value_t = 16 * 1024 * 1024)]
    pub max_frame_bytes: usize,

    /// Frames queued for one connection before it counts as a slow reader and is closed
    /// (code 1013) so that it resyncs, rather than messages being dropped.
    #[arg(long, env = "WB_OUTBOUND_QUEUE", default_value_t = 1024)]
    pub outbound_queue: usize,

    /// Bytes queued for one connection before it counts as a slow reader (closed with 1013; it
    /// resyncs on reconnection). A single larger frame, such as a whole board for a new
    /// client, still goes through an empty queue.
    #[arg(long, env = "WB_MAX_OUTBOX_BYTES", default_value_t = 8 * 1024 * 1024)]
    pub max_outbox_bytes: usize,

    /// Seconds a send to one connection may stall (its reader stopped reading and the socket
    /// buffers are full) before the connection is dropped.
    #[arg(long, env = "WB_SEND_TIMEOUT_SECS", default_value_t = 10)]
    pub send_timeout_secs: u64,

    /// Seconds a room stays loaded after its last client leaves.
    #[arg(long, env = "WB_ROOM_GRACE_SECS", default_value_t = 10)]
    pub room_grace_secs: u64,

    /// Updates in a board's log before it is folded into a snapshot.
    #[arg(long, env = "WB_COMPACT_EVERY", default_value_t = 500)]
    pub compact_every: usize,

    /// Seconds between server pings; a peer that has not answered the previous ping is dropped.
    #[arg(long, env = "WB_PING_SECS", default_value_t = 30)]
    pub ping_secs: u64,

    /// Seconds an HTTP fallback session may go without a request before it expires and leaves
    /// its board (its polls are held 20 s, so keep this above that).
    #[arg(long, env = "WB_POLL_IDLE_SECS", default_value_t = 45)]
    pub poll_idle_secs: u64,

    /// Milliseconds after which an awareness state (cursor, name) nobody renewed is removed and
    /// the removal broadcast. Clients renew every 15 s.
    #[arg(long, env = "WB_AWARENESS_TIMEOUT_MS", default_value_t = 30_000)]
    pub awareness_timeout_ms: u64,

    /// Milliseconds a board holds presence changes (cursors, selections) before sending them
    /// to everyone as one frame, while the server keeps up (longer while it falls behind, up to
    /// a second: `pace`); 0 sends them at the end of each batch. The browser client sends its
    /// own at most every 50 ms, so each cursor still moves 20 times a second.
    #[arg(long, env = "WB_PRESENCE_FLUSH_MS", default_value_t = 50)]
    pub presence_flush_ms: u64,

    /// Open WebSocket connections the server accepts (more: HTTP 503 at upgrade).
    #[arg(long, env = "WB_MAX_CONNECTIONS", default_value_t = 10_000)]
    pub max_connections: usize,

    /// Open WebSocket connections one board accepts (more: HTTP 503 at upgrade).
    #[arg(long, env = "WB_MAX_CONNECTIONS_PER_BOARD", default_value_t = 250)]
    pub max_connections_per_board: usize,

    /// Messages per second one connection may send on average (token bucket; over: close 1008).
    #[arg(long, env = "WB_RATE_PER_SEC", default_value_t = 300)]
    pub rate_per_sec: u32,

    /// Messages one connection may send in a burst above the average rate.
    #[arg(long, env = "WB_RATE_BURST", default_value_t = 1500)]
    pub rate_burst: u32,

    /// Largest board, in bytes of stored Yjs updates; an update past it is refused (close 1008)
    /// and the board is left as it was.
    #[arg(long, env = "WB_MAX_BOARD_BYTES", default_value_t = 64 * 1024 * 1024)]
    pub max_board_bytes: usize,

    /// Largest accepted image upload, in bytes (larger: HTTP 413). The body is read no further.
    #[arg(long, env = "WB_MAX_IMAGE_BYTES", default_value_t = 5 * 1024 * 1024)]
    pub max_image_bytes: usize,

    /// Total bytes of images one board may hold; an upload past it is refused (HTTP 413).
    #[arg(long, env = "WB_MAX_BOARD_IMAGE_BYTES", default_value_t = 100 * 1024 * 1024)]
    pub max_board_image_bytes: u64,

    /// Largest board (bytes of stored history) the export endpoints render; larger: HTTP 413
    /// with a message (`server export` on the command line has no limit).
    #[arg(long, env = "WB_MAX_EXPORT_BYTES", default_value_t = 16 * 1024 * 1024)]
    pub max_export_bytes: usize,

    /// Largest PNG export, in pixels (width × height); larger: HTTP 413 with a message.
    #[arg(long, env = "WB_MAX_EXPORT_PIXELS", default_value_t = 40_000_000)]
    pub max_export_pixels: u64,

    /// Seconds a board must stay quiet after changes before its version is kept.
    #[arg(long, env = "WB_VERSION_QUIET_SECS", default_value_t = 60)]
    pub version_quiet_secs: u64,

    /// While a board keeps changing, a version is kept at most (and at least) this often.
    #[arg(long, env = "WB_VERSION_EVERY_SECS", default_value_t = 300)]
    pub version_every_secs: u64,

    /// Days during which every version is kept; after them, one a day.
    #[arg(long, env = "WB_VERSION_KEEP_ALL_DAYS", default_value_t = 7)]
    pub version_keep_all_days: u64,

    /// Days after which versions are deleted (the latest one of a board is always kept).
    #[arg(long, env = "WB_VERSION_KEEP_DAYS", default_value_t = 90)]
    pub version_keep_days: u64,

    /// Extra origins (e.g. `https://board.example.com`) allowed to open WebSockets and upload
    /// images, comma separated. Same-origin browser requests and clients that send no `Origin`
    /// (native and Node clients) are always allowed; any other origin gets HTTP 403, which stops
    /// cross-site WebSocket hijacking and cross-site uploads.
    #[arg(long, env = "WB_ALLOWED_ORIGINS", value_delimiter = ',')]
    pub allowed_origins: Vec<String>,

    /// The origin browsers reach this server at (e.g. `https://board.example.com`), scheme, host
    /// and port. Browser requests that change something (WebSocket upgrades, uploads, board
    /// creation) must come from it or from `WB_ALLOWED_ORIGINS`. Unset, a browser request
    /// passes only when its `Origin` is `http(s)://` the `Host` it was sent to and that host is
    /// an IP address or `localhost`, which stops DNS rebinding: a server reached by a domain
    /// name needs this setting.
    #[arg(long, env = "WB_PUBLIC_ORIGIN")]
    pub public_origin: Option<String>,

    /// Addresses or networks of reverse proxies (e.g. `127.0.0.1,10.0.0.0/8`), comma separated.
    /// A request from one of them is taken to come from the address it names in
    /// `X-Forwarded-For` (the right-most one that is not itself a trusted proxy); from anyone
    /// else the header is ignored. The per-address limits below count that address.
    #[arg(long, env = "WB_TRUSTED_PROXIES", value_delimiter = ',', value_parser = parse_network)]
    pub trusted_proxies: Vec<ipnet::IpNet>,

    /// Open WebSocket connections one client address may hold (more: HTTP 503 at upgrade). An
    /// IPv6 address counts by its /64 network.
    #[arg(long, env = "WB_MAX_CONNECTIONS_PER_ADDRESS", default_value_t = 100)]
    pub max_connections_per_address: usize,

    /// Boards one client address may create per minute (more: HTTP 429).
    #[arg(long, env = "WB_BOARDS_PER_MINUTE", default_value_t = 20)]
    pub boards_per_minute: u32,

    /// Image uploads one client address may make per minute (more: HTTP 429).
    #[arg(long, env = "WB_UPLOADS_PER_MINUTE", default_value_t = 30)]
    pub uploads_per_minute: u32,

    /// TCP connections served at once, upgraded WebSockets included; 0 picks a value below the
    /// open-files limit (raised to its hard limit at start). More: an immediate HTTP 503.
    #[arg(long, env = "WB_MAX_TCP_CONNECTIONS", default_value_t = 0)]
    pub max_tcp_connections: usize,

    /// Seconds a client has to send a request's headers, and the longest an idle keep-alive
    /// connection stays open.
    #[arg(long, env = "WB_HEADER_TIMEOUT_SECS", default_value_t = 10)]
    pub header_timeout_secs: u64,

    /// Seconds an upload's body may take to arrive in full (slower: HTTP 408).
    #[arg(long, env = "WB_BODY_TIMEOUT_SECS", default_value_t = 60)]
    pub body_timeout_secs: u64,

    /// Bytes of upload bodies the server holds in memory at once, all clients together (more:
    /// HTTP 503 before the body is read).
    #[arg(long, env = "WB_MAX_UPLOADS_IN_FLIGHT_BYTES", default_value_t = 64 * 1024 * 1024)]
    pub max_uploads_in_flight_bytes: usize,

    /// Total bytes the database may grow to; past it, board creation, uploads and document
    /// changes are refused (HTTP 507, WebSocket close 1013) until space is freed. 0: no budget.
    #[arg(long, env = "WB_MAX_STORAGE_BYTES", default_value_t = 0)]
    pub max_storage_bytes: u64,

    /// Free bytes the database's disk must keep; below it, writes are refused as above.
    #[arg(long, env = "WB_MIN_FREE_DISK_BYTES", default_value_t = 256 * 1024 * 1024)]
    pub min_free_disk_bytes: u64,

    /// Hours after which a board that was created and never edited (no drawing, no image) is
    /// deleted. 0 keeps them forever.
    #[arg(long, env = "WB_UNUSED_BOARD_HOURS", default_value_t = 24)]
    pub unused_board_hours: u64,

    /// Bearer token `/metrics` asks for (`Authorization: Bearer …`). Unset, `/metrics` answers
    /// only requests from the loopback interface.
    #[arg(long, env = "WB_METRICS_TOKEN")]
    pub metrics_token: Option<String>,
}

/// An address (`10.0.0.1`, `::1`) or a network (`10.0.0.0/8`).
fn parse_network(s: &str) -> Result<ipnet::IpNet, String> {
    let s = s.trim();
    s.parse::<ipnet::IpNet>()
        .or_else(|_| s.parse::<std::net::IpAddr>().map(ipnet::IpNet::from))
        .map_err(|_| format!("{s:?} is neither an IP address nor a network such as 10.0.0.0/8"))
}

/// Which kind of store `DATABASE_URL` names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Database {
    Sqlite,
    Postgres,
}

impl Config {
    /// The store `DATABASE_URL` names, checked against the relay setting. A URL of another
    /// kind (or a bare path, which would silently become a file named after the URL) and a
    /// relay without a shared store are refused with what to set instead.
    pub fn database(&self) -> Result<Database, String> {
        let url = self.database_url.trim();
        let scheme = url.split_once(':').map_or("", |(scheme, _)| scheme);
        let database = match scheme {
            "sqlite" => Database::Sqlite,
            "postgres" | "postgresql" => Database::Postgres,
            _ => {
                // Only the scheme is shown: the rest may hold a password.
                let shown: String = if scheme.is_empty() {
                    url.chars().take(24).collect()
                } else {
                    format!("{scheme}:…")
                };
                return Err(format!(
                    "DATABASE_URL must start with sqlite:// (the embedded store, e.g. \
                     sqlite://data/whiteboard.db) or postgres:// (a cluster's shared store); \
                     got {shown:?}"
                ));
            }
        };
        if let Some(relay) = &self.relay_url {
            if database == Database::Sqlite {
                return Err(
                    "WB_RELAY_URL (--relay-url) needs a store every node shares: set \
                            DATABASE_URL=postgres://…; a SQLite file belongs to one node"
                        .into(),
                );
            }
            if !(relay.starts_with("redis://") || relay.starts_with("rediss://")) {
                return Err("WB_RELAY_URL must start with redis:// or rediss://".into());
            }
        }
        Ok(database)
    }

    pub fn room_grace(&self) -> Duration {
        Duration::from_secs(self.room_grace_secs)
    }

    /// How often rooms look for expired awareness states.
    pub fn awareness_sweep(&self) -> Duration {
        Duration::from_millis((self.awareness_timeout_ms / 6).clamp(100, 5_000))
    }

    pub fn commit_interval(&self) -> Duration {
        Duration::from_millis(self.commit_interval_ms)
    }

    /// The configured window (`crate::pace` caps it at its longest).
    pub fn presence_flush(&self) -> Duration {
        Duration::from_millis(self.presence_flush_ms)
    }

    pub fn send_timeout(&self) -> Duration {
        Duration::from_secs(self.send_timeout_secs.max(1))
    }

    pub fn header_timeout(&self) -> Duration {
        Duration::from_secs(self.header_timeout_secs.max(1))
    }

    pub fn body_timeout(&self) -> Duration {
        Duration::from_secs(self.body_timeout_secs.max(1))
    }

    pub fn poll_idle(&self) -> Duration {
        Duration::from_secs(self.poll_idle_secs.max(1))
    }

    pub fn ping_interval(&self) -> Duration {
        Duration::from_secs(self.ping_secs.max(1))
    }

    /// Defaults, as if no flag or variable were given (tests start from this).
    pub fn for_tests(database_url: String) -> Self {
        let mut config = Config::parse_from(["server"]);
        config.database_url = database_url;
        config.addr = "127.0.0.1:0".parse().expect("static address");
        config
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn database_urls_name_their_store_and_others_are_refused() {
        let parse = |args: &[&str]| {
            let mut all = vec!["server"];
            all.extend_from_slice(args);
            Config::try_parse_from(all).unwrap().database()
        };
        let url = |u: &'static str| ["--database-url", u];
        assert_eq!(parse(&url("sqlite://data/x.db")), Ok(Database::Sqlite));
        assert_eq!(parse(&url("sqlite::memory:")), Ok(Database::Sqlite));
        assert_eq!(parse(&url("postgres://u:p@h/db")), Ok(Database::Postgres));
        assert_eq!(parse(&url("postgresql://h/db")), Ok(Database::Postgres));
        let refused = parse(&url("mysql://root:secret@h/db")).unwrap_err();
        assert!(refused.contains("sqlite://") && refused.contains("\"mysql:…\""));
        assert!(!refused.contains("secret"), "{refused}");
        assert!(parse(&url("data/whiteboard.db")).is_err());
        let relay_on_sqlite = parse(&["--relay-url", "redis://127.0.0.1:6379"]).unwrap_err();
        assert!(relay_on_sqlite.contains("postgres://"), "{relay_on_sqlite}");
        let mut cluster = url("postgres://h/db").to_vec();
        cluster.extend(["--relay-url", "redis://127.0.0.1:6379"]);
        assert_eq!(parse(&cluster), Ok(Database::Postgres));
        cluster[3] = "http://redis";
        assert!(parse(&cluster).is_err());
    }

    #[test]
    fn trusted_proxies_are_addresses_or_networks() {
        let config =
            Config::parse_from(["server", "--trusted-proxies", "127.0.0.1, 10.0.0.0/8,::1"]);
        let nets: Vec<String> = config
            .trusted_proxies
            .iter()
            .map(|n| n.to_string())
            .collect();
        assert_eq!(nets, ["127.0.0.1/32", "10.0.0.0/8", "::1/128"]);
        assert!(Config::try_parse_from(["server", "--trusted-proxies", "proxy.local"]).is_err());
    }
}
