//! Cluster test helpers: server nodes as real processes on one PostgreSQL database and one
//! Redis, and services of a test's own when the test stops or restarts them.

use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::time::Duration;

use super::process::{free_port, Process};
use super::{services, TIMEOUT};

/// What a cluster's nodes share.
#[derive(Clone)]
pub struct Shared {
    pub postgres: String,
    pub redis: String,
}

impl Shared {
    /// A new database on the test run's PostgreSQL, and its Redis (channels are per board, and
    /// every test uses boards of its own); `None` when the services are not there (skipped).
    pub async fn new() -> Option<Shared> {
        let postgres = services::fresh_postgres().await?;
        let redis = services::redis_url()?;
        Some(Shared { postgres, redis })
    }

    /// Starts a node on a port of its own; `env` adds or overrides variables.
    pub async fn node(&self, env: &[(&str, &str)]) -> Node {
        let mut all = vec![
            ("DATABASE_URL", self.postgres.as_str()),
            ("WB_RELAY_URL", self.redis.as_str()),
        ];
        all.extend_from_slice(env);
        let port = free_port();
        let process =
            Process::start_with(std::path::Path::new("unused"), port, &all, Stdio::null()).await;
        Node { process, port }
    }
}

pub struct Node {
    pub process: Process,
    pub port: u16,
}

impl Node {
    pub fn ws_url(&self, board: &str) -> String {
        self.process.ws_url(board)
    }

    pub fn http_url(&self, path: &str) -> String {
        format!("http://{}{path}", self.process.addr)
    }

    /// `kill -9`: the node gets no chance to flush, publish or close anything.
    pub async fn kill(self) {
        self.process.signal("-KILL");
        self.process.wait().await;
    }

    pub async fn stop(self) {
        self.process.signal("-TERM");
        self.process.wait().await;
    }

    /// A counter or gauge from `/metrics` (0 when absent).
    pub async fn metric(&self, name: &str) -> f64 {
        let body = reqwest::get(self.http_url("/metrics"))
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        body.lines()
            .find_map(|l| l.strip_prefix(name)?.strip_prefix(' ')?.parse().ok())
            .unwrap_or(0.0)
    }
}

/// PostgreSQL and Redis of this test's own (`scripts/services`), for tests that stop them.
/// Stopped by PID when dropped.
pub struct Private {
    dir: tempfile::TempDir,
    pub shared: Shared,
}

fn services_script() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../scripts/services")
}

impl Private {
    /// `None` when the services are not there (the test is then skipped, as with [`Shared`]).
    pub fn start() -> Option<Private> {
        // The same rule as the shared services: only run where they were provided.
        services::redis_url()?;
        let dir = tempfile::Builder::new()
            .prefix("wb-services-")
            .tempdir()
            .unwrap();
        let out = Command::new(services_script())
            .arg("start")
            .arg(dir.path())
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "scripts/services start failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let exports = String::from_utf8(out.stdout).unwrap();
        let var = |name: &str| {
            exports
                .lines()
                .find_map(|l| {
                    l.strip_prefix(&format!("export {name}='"))?
                        .strip_suffix('\'')
                })
                .unwrap_or_else(|| panic!("{name} missing from {exports}"))
                .to_owned()
        };
        let shared = Shared {
            postgres: var("WB_TEST_POSTGRES_URL"),
            redis: var("WB_TEST_REDIS_URL"),
        };
        Some(Private { dir, shared })
    }

    fn run(&self, args: &[&str]) {
        let status = Command::new(services_script())
            .arg(args[0])
            .arg(self.dir.path())
            .args(&args[1..])
            .stdout(Stdio::null())
            .status()
            .unwrap();
        assert!(status.success(), "scripts/services {args:?} failed");
    }

    /// Stops `pg` or `redis` (by PID; Redis keeps no data).
    pub fn stop(&self, service: &str) {
        self.run(&["stop", service]);
    }

    /// Starts `pg` or `redis` again on its port, and waits until it answers.
    pub fn resume(&self, service: &str) {
        self.run(&["resume", service]);
    }
}

impl Drop for Private {
    fn drop(&mut self) {
        let _ = Command::new(services_script())
            .arg("stop")
            .arg(self.dir.path())
            .status();
    }
}

/// Polls `check` every 50 ms until it holds (bounded by `within`); panics with `what` otherwise.
pub async fn eventually<F, Fut>(within: Duration, what: &str, mut check: F)
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    let deadline = tokio::time::Instant::now() + within;
    loop {
        if check().await {
            return;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "not within {within:?}: {what}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// How long a whole cluster test may wait for nodes to converge.
pub const CONVERGE: Duration = TIMEOUT;
