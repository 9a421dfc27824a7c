//! The real `server` binary as an operator runs it: killed with SIGKILL it loses nothing any peer
//! saw; SIGTERM flushes and exits cleanly; a database it cannot open stops start-up with a clear
//! message.

mod common;

use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use common::{temp_db, Client, TIMEOUT};

struct Process {
    child: Child,
    addr: String,
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

impl Process {
    async fn start(db: &Path, port: u16) -> Process {
        Self::start_with(db, port, &[], Stdio::null()).await
    }

    /// Starts the binary with extra environment variables, its log (stdout) going to `log`.
    async fn start_with(db: &Path, port: u16, env: &[(&str, &str)], log: Stdio) -> Process {
        let addr = format!("127.0.0.1:{port}");
        let child = Command::new(env!("CARGO_BIN_EXE_server"))
            .env("LEPTOS_SITE_ADDR", &addr)
            .env("DATABASE_URL", format!("sqlite://{}", db.display()))
            .env("RUST_LOG", "warn")
            .envs(env.iter().copied())
            .stdout(log)
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let deadline = tokio::time::Instant::now() + TIMEOUT;
        while tokio::net::TcpStream::connect(&addr).await.is_err() {
            assert!(
                tokio::time::Instant::now() < deadline,
                "server did not start"
            );
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        Process { child, addr }
    }

    fn ws_url(&self, board: &str) -> String {
        format!("ws://{}/ws/{board}", self.addr)
    }

    fn signal(&self, sig: &str) {
        let status = Command::new("kill")
            .args([sig, &self.child.id().to_string()])
            .status()
            .unwrap();
        assert!(status.success());
    }

    async fn wait(mut self) -> std::process::ExitStatus {
        let deadline = tokio::time::Instant::now() + TIMEOUT;
        loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                return status;
            }
            assert!(
                tokio::time::Instant::now() < deadline,
                "server did not exit"
            );
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }
}

#[tokio::test]
async fn sigkill_loses_nothing_a_second_client_has_seen() {
    const N: usize = 300;
    let (_dir, db) = temp_db();
    let port = free_port();
    let server = Process::start(&db, port).await;
    let url = server.ws_url("sigkill");
    let mut writer = Client::connect(&url).await;
    let mut reader = Client::connect(&url).await;
    for i in 0..N {
        writer.add_rect(&format!("s{i}"), i as f64).await;
    }
    while reader.shape_ids().len() < N {
        reader.wait_update().await;
    }
    server.signal("-KILL");
    server.wait().await;

    let server = Process::start(&db, port).await;
    let after = Client::connect(&server.ws_url("sigkill")).await;
    assert_eq!(after.shape_ids().len(), N);
    assert_eq!(after.shape_ids(), reader.shape_ids());
    server.signal("-KILL");
    server.wait().await;
}

#[tokio::test]
async fn sigterm_closes_connections_with_1001_and_exits_cleanly() {
    let (_dir, db) = temp_db();
    let port = free_port();
    let server = Process::start(&db, port).await;
    let mut c = Client::connect(&server.ws_url("term")).await;
    c.add_rect("kept", 0.0).await;
    c.wait_update().await;
    server.signal("-TERM");
    assert_eq!(
        c.close_code().await,
        Some(tokio_tungstenite::tungstenite::protocol::frame::coding::CloseCode::Away)
    );
    assert!(server.wait().await.success());

    let server = Process::start(&db, port).await;
    let after = Client::connect(&server.ws_url("term")).await;
    assert_eq!(after.shape_ids(), vec!["kept".to_owned()]);
    server.signal("-TERM");
    assert!(server.wait().await.success());
}

#[tokio::test]
async fn a_database_that_cannot_be_opened_stops_start_up_with_a_clear_message() {
    let dir = tempfile::tempdir().unwrap();
    // A directory where the database file should be.
    let directory = dir.path().join("is-a-directory");
    std::fs::create_dir(&directory).unwrap();
    // A file that is not a database at all.
    let garbage = dir.path().join("garbage.db");
    std::fs::write(&garbage, vec![b'x'; 4096]).unwrap();

    for path in [directory, garbage] {
        let out = Command::new(env!("CARGO_BIN_EXE_server"))
            .env("LEPTOS_SITE_ADDR", format!("127.0.0.1:{}", free_port()))
            .env("DATABASE_URL", format!("sqlite://{}", path.display()))
            .output()
            .unwrap();
        assert!(!out.status.success());
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(
            stderr.contains("cannot open the database"),
            "stderr: {stderr}"
        );
    }
}

#[tokio::test]
async fn info_logs_name_no_board_and_refusals_log_no_error() {
    let (dir, db) = temp_db();
    let log_path = dir.path().join("server.log");
    let log = std::fs::File::create(&log_path).unwrap();
    let port = free_port();
    let env = [("RUST_LOG", "info"), ("WB_MAX_CONNECTIONS_PER_BOARD", "1")];
    let server = Process::start_with(&db, port, &env, log.into()).await;
    let board = "a-secret-board-link-0123456789";
    let mut c = Client::connect(&server.ws_url(board)).await;
    c.add_rect("x", 0.0).await;
    c.wait_update().await;
    // Fifty upgrades refused at the board's connection limit.
    for _ in 0..50 {
        assert!(tokio_tungstenite::connect_async(server.ws_url(board))
            .await
            .is_err());
    }
    drop(c);
    server.signal("-TERM");
    assert!(server.wait().await.success());
    let log = std::fs::read_to_string(&log_path).unwrap();
    assert!(
        log.contains("room unloaded"),
        "the log has board lines: {log}"
    );
    assert!(!log.contains(board), "a board id in the log: {log}");
    assert!(!log.contains("ERROR"), "refusals logged as errors: {log}");
}
