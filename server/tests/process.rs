//! The real `server` binary as an operator runs it: killed with SIGKILL it loses nothing any peer
//! saw; SIGTERM flushes and exits cleanly; a database it cannot open stops start-up with a clear
//! message; idle connections past its open-files limit cannot make it unreachable.

mod common;

use std::process::Command;
use std::time::Duration;

use common::process::{free_port, Process};
use common::{temp_db, Client, TIMEOUT};

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
async fn export_and_backup_run_beside_a_serving_server() {
    let (dir, db) = temp_db();
    let port = free_port();
    let server = Process::start(&db, port).await;
    // An open board (no links): its id is its name.
    let board = "cli-export-board-0123456789";
    let mut writer = Client::connect(&server.ws_url(board)).await;
    writer.add_rect("a", 0.0).await;
    writer.wait_update().await;
    let cli = |args: &[&str]| {
        Command::new(env!("CARGO_BIN_EXE_server"))
            .env("DATABASE_URL", format!("sqlite://{}", db.display()))
            .args(args)
            .output()
            .unwrap()
    };
    let svg = dir.path().join("board.svg");
    let out = cli(&[
        "export",
        board,
        "--format",
        "svg",
        "--out",
        svg.to_str().unwrap(),
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let bytes = std::fs::read(&svg).unwrap();
    assert_eq!(board::file::parse(&bytes).unwrap().shapes.len(), 1);
    let out = cli(&["export", board, "--format", "png"]);
    assert!(out.status.success());
    assert_eq!(&out.stdout[..4], b"\x89PNG");

    let copy = dir.path().join("copy.db");
    let out = cli(&["backup", copy.to_str().unwrap()]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    // The copy is a database holding the board; backing up over it is refused.
    let copy_url = format!("sqlite://{}", copy.display());
    let out = Command::new(env!("CARGO_BIN_EXE_server"))
        .env("DATABASE_URL", &copy_url)
        .args(["export", board, "--format", "json"])
        .output()
        .unwrap();
    assert_eq!(board::file::parse(&out.stdout).unwrap().shapes.len(), 1);
    assert!(!cli(&["backup", copy.to_str().unwrap()]).status.success());
    let unknown = cli(&["export", "no-such-board-0123456789", "--format", "json"]);
    assert!(!unknown.status.success());
    server.signal("-TERM");
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

/// Opens TCP connections to `addr` and sends nothing on them.
async fn idle_connections(addr: &str, n: usize) -> Vec<tokio::net::TcpStream> {
    let mut held = Vec::with_capacity(n);
    for _ in 0..n {
        match tokio::net::TcpStream::connect(addr).await {
            Ok(stream) => held.push(stream),
            Err(_) => break,
        }
    }
    held
}

/// One `GET /healthz` on a fresh connection: its status (0 for none) and how long it took.
async fn healthz(addr: &str) -> (u16, Duration) {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let started = std::time::Instant::now();
    let answer = tokio::time::timeout(TIMEOUT, async {
        let mut stream = tokio::net::TcpStream::connect(addr).await.ok()?;
        stream
            .write_all(b"GET /healthz HTTP/1.1\r\nhost: x\r\nconnection: close\r\n\r\n")
            .await
            .ok()?;
        let mut buf = [0u8; 256];
        let n = stream.read(&mut buf).await.ok()?;
        let text = String::from_utf8_lossy(&buf[..n]).into_owned();
        text.split(' ').nth(1)?.parse::<u16>().ok()
    })
    .await
    .ok()
    .flatten();
    (answer.unwrap_or(0), started.elapsed())
}

#[tokio::test]
async fn idle_connections_past_the_open_files_limit_get_503_not_a_hang() {
    const LIMIT: u32 = 256;
    const IDLE: usize = 300;
    // This test holds 300 descriptors of its own.
    server::serve::raise_open_files_limit().unwrap();
    let (dir, db) = temp_db();
    let log_path = dir.path().join("server.log");
    let log = std::fs::File::create(&log_path).unwrap();
    let port = free_port();
    let env = [
        ("RUST_LOG", "debug,sqlx=warn,hyper=warn"),
        ("WB_HEADER_TIMEOUT_SECS", "2"),
    ];
    let server = Process::spawn(&db, port, &env, log.into(), Some(LIMIT)).await;
    let held = idle_connections(&server.addr, IDLE).await;
    assert_eq!(held.len(), IDLE);
    // Past the cap the server answers at once, with 503, instead of leaving clients hanging.
    let (status, took) = healthz(&server.addr).await;
    assert_eq!(status, 503, "over the cap");
    assert!(took < Duration::from_millis(100), "503 took {took:?}");
    // The idle connections are dropped after the header timeout; then it answers 200 again.
    let deadline = tokio::time::Instant::now() + TIMEOUT;
    loop {
        let (status, took) = healthz(&server.addr).await;
        if status == 200 {
            assert!(took < Duration::from_millis(100), "200 took {took:?}");
            break;
        }
        assert!(tokio::time::Instant::now() < deadline, "never answered 200");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    drop(held);
    server.signal("-TERM");
    assert!(server.wait().await.success());
    let log = std::fs::read_to_string(&log_path).unwrap();
    assert!(
        !log.contains("Too many open files"),
        "ran out of descriptors: {log}"
    );
    assert!(log.contains("max_tcp_connections=192"), "the cap: {log}");
}
