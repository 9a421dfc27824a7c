//! Many rooms at once: the memory of N loaded boards in the release server, and the cost of
//! rebuilding a room's document from storage (what a room does after yrs panics on an update).
//!
//! ```sh
//! cargo bench -p server --bench rooms                  # 1,000 boards of 20 shapes
//! BOARDS=3000 SHAPES=100 cargo bench -p server --bench rooms
//! ```
//!
//! The server binary runs as its own process on a loopback port with a temporary database;
//! each board is loaded by one client that writes its shapes and stays connected, so every
//! room stays in memory. The server's `VmRSS` is read from `/proc` before and after.

#[path = "../tests/common/mod.rs"]
mod common;

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use board::room_state::{server_doc, RoomState};
use board::{BoardDoc, Shape, ShapeKind, Style};
use common::{Client, TIMEOUT};
use yrs::sync::Awareness;
use yrs::{Doc, ReadTxn, StateVector, Transact};

fn env_or(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn rss_kib(pid: u32) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap()
}

fn shape(i: usize) -> Shape {
    Shape {
        id: format!("s{i}"),
        kind: ShapeKind::Rectangle,
        x: (i % 100) as f64 * 30.0,
        y: (i / 100) as f64 * 30.0,
        w: 25.0,
        h: 20.0,
        style: Style::default(),
        index: String::new(),
        ..Default::default()
    }
}

/// A board of `n` shapes, as one update.
fn board_update(n: usize) -> Vec<u8> {
    let board = BoardDoc::new(Doc::new());
    board
        .change("local", |txn, b| {
            for i in 0..n {
                let mut s = shape(i);
                s.index = b.next_index(txn);
                b.put(txn, &s);
            }
        })
        .unwrap();
    let doc = board.doc();
    let txn = doc.transact();
    txn.encode_state_as_update_v1(&StateVector::default())
}

async fn loaded_boards_memory(boards: usize, shapes: usize) {
    let dir = tempfile::tempdir().unwrap();
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let addr = format!("127.0.0.1:{port}");
    let mut child = Command::new(env!("CARGO_BIN_EXE_server"))
        .env("LEPTOS_SITE_ADDR", &addr)
        .env(
            "DATABASE_URL",
            format!("sqlite://{}", dir.path().join("bench.db").display()),
        )
        .env("RUST_LOG", "warn")
        .env("WB_MAX_CONNECTIONS_PER_ADDRESS", "1000000")
        .env("WB_ROOM_GRACE_SECS", "600")
        .stdout(Stdio::null())
        .spawn()
        .unwrap();
    let deadline = Instant::now() + TIMEOUT;
    while tokio::net::TcpStream::connect(&addr).await.is_err() {
        assert!(Instant::now() < deadline, "server did not start");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let pid = child.id();
    let before = rss_kib(pid);
    let update = board_update(shapes);
    let started = Instant::now();
    let mut clients = Vec::with_capacity(boards);
    for n in 0..boards {
        let mut client = Client::connect(&format!("ws://{addr}/ws/bench-room-{n}")).await;
        client.send(board::protocol::update(update.clone())).await;
        client.wait_update().await;
        clients.push(client);
    }
    let took = started.elapsed();
    tokio::time::sleep(Duration::from_millis(500)).await;
    let after = rss_kib(pid);
    let per_board = (after.saturating_sub(before)) as f64 / boards as f64;
    println!(
        "loaded boards: {boards} boards x {shapes} shapes ({} B per board's update), one client each",
        update.len()
    );
    println!(
        "  server VmRSS {:.1} MiB before, {:.1} MiB with all loaded: {per_board:.1} KiB per loaded board",
        before as f64 / 1024.0,
        after as f64 / 1024.0
    );
    println!(
        "  loading them (connect, sync, write, echo): {:.2} s, {:.2} ms per board",
        took.as_secs_f64(),
        took.as_secs_f64() * 1000.0 / boards as f64
    );
    drop(clients);
    let _ = child.kill();
    let _ = child.wait();
}

/// The work of a reload: a fresh document and awareness, the stored update applied through the
/// guard. The median of `runs` timed runs.
fn reload_cost(shapes: usize, runs: usize) {
    let update = board_update(shapes);
    let mut state: RoomState<u64> = RoomState::new(Awareness::new(server_doc()), usize::MAX);
    state.load([update.as_slice()]);
    let mut times = Vec::with_capacity(runs);
    for _ in 0..runs {
        let started = Instant::now();
        let skipped = state.reload(Awareness::new(server_doc()), [update.as_slice()]);
        times.push(started.elapsed());
        assert_eq!(skipped, 0);
    }
    times.sort();
    let median = times[runs / 2];
    println!(
        "room reload: {shapes} shapes ({} KiB stored): {:.2} ms (median of {runs})",
        update.len() / 1024,
        median.as_secs_f64() * 1000.0
    );
}

fn main() {
    // `cargo bench` passes `--bench`; nothing else is read from the command line.
    let boards = env_or("BOARDS", 1000);
    let shapes = env_or("SHAPES", 20);
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(loaded_boards_memory(boards, shapes));
    for shapes in [100, 1_000, 10_000] {
        reload_cost(shapes, 5);
    }
}
