//! What a durable commit costs on this machine: the floor under the CPU per delivered update of
//! a persisting server, against an in-memory one.
//!
//! ```sh
//! cargo bench -p server --bench commit                 # 2,000 commits per row, 10 s paced
//! COMMITS=500 SECS=5 DIR=/var/tmp cargo bench -p server --bench commit
//! ```
//!
//! Each row runs in this process on a fresh file in `DIR` (default: the system's temporary
//! folder, where `bench/compare.sh` keeps the server's database) and prints the wall time and
//! the process's CPU time (user + system, all threads, as the harnesses charge a server)
//! per commit or per update:
//! - `fdatasync`: append 200 bytes to a file and `sync_data` it, one at a time: the disk's floor.
//! - `store FULL` / `store NORMAL`: the server's `SqliteStore::append` of one 200-byte update,
//!   one at a time, with `synchronous=FULL` (what the server runs) and `NORMAL` (durable against a
//!   killed process, not a power cut).
//! - `paced`: 100 boards appending 5 updates/s each for `SECS` seconds, spread evenly, as
//!   `rooms-100x4` of `bench/compare.sh` does (its updates are delivered to 3 others each):
//!   `FULL` with commits as soon as possible and at least 5 ms apart (`WB_COMMIT_INTERVAL_MS`,
//!   the server's default), and `NORMAL` (the same work with no fsync per commit).

use std::io::Write;
use std::time::{Duration, Instant};

use board::BoardId;
use server::store::{BoardStore, SqliteStore};

fn env_or(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// This process's CPU time so far (user + system, every thread), in microseconds.
fn cpu_us() -> u64 {
    let mut t = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: `t` is a valid timespec for the call to fill.
    let ok = unsafe { libc::clock_gettime(libc::CLOCK_PROCESS_CPUTIME_ID, &mut t) };
    assert_eq!(ok, 0, "clock_gettime(CLOCK_PROCESS_CPUTIME_ID)");
    t.tv_sec as u64 * 1_000_000 + t.tv_nsec as u64 / 1_000
}

struct Row {
    wall_us: f64,
    cpu_us: f64,
}

fn print(name: &str, per: &str, row: Row) {
    println!(
        "| {name} | {:.0} µs | {:.1} µs |   (per {per})",
        row.wall_us, row.cpu_us
    );
}

fn measure(n: u64, run: impl FnOnce()) -> Row {
    let (cpu0, t0) = (cpu_us(), Instant::now());
    run();
    let (cpu1, wall) = (cpu_us(), t0.elapsed());
    Row {
        wall_us: wall.as_secs_f64() * 1e6 / n as f64,
        cpu_us: (cpu1 - cpu0) as f64 / n as f64,
    }
}

fn fdatasync(dir: &std::path::Path, n: u64) -> Row {
    let path = dir.join("floor.log");
    let mut file = std::fs::File::create(&path).unwrap();
    let record = [7u8; 200];
    let row = measure(n, || {
        for _ in 0..n {
            file.write_all(&record).unwrap();
            file.sync_data().unwrap();
        }
    });
    std::fs::remove_file(path).unwrap();
    row
}

async fn open(dir: &std::path::Path, name: &str, full: bool, interval_ms: u64) -> SqliteStore {
    let url = format!("sqlite://{}", dir.join(name).display());
    SqliteStore::open_with(&url, full, Duration::from_millis(interval_ms))
        .await
        .unwrap()
}

fn board(i: u64) -> BoardId {
    BoardId::parse(&format!("commit-bench-{i:04}")).unwrap()
}

async fn one_at_a_time(store: &SqliteStore, n: u64) -> Row {
    let id = board(0);
    store.append(&id, 1, vec![vec![7; 200]]).await.unwrap();
    let (cpu0, t0) = (cpu_us(), Instant::now());
    for seq in 2..n + 2 {
        store
            .append(&id, seq as i64, vec![vec![7; 200]])
            .await
            .unwrap();
    }
    Row {
        wall_us: t0.elapsed().as_secs_f64() * 1e6 / n as f64,
        cpu_us: (cpu_us() - cpu0) as f64 / n as f64,
    }
}

/// 100 boards, 5 updates/s each, for `secs`: CPU per update, and the wall time of one append.
async fn paced(store: &SqliteStore, secs: u64) -> Row {
    const BOARDS: u64 = 100;
    const RATE: u64 = 5;
    for i in 0..BOARDS {
        store
            .append(&board(i), 1, vec![vec![7; 200]])
            .await
            .unwrap();
    }
    let cpu0 = cpu_us();
    let start = tokio::time::Instant::now();
    let mut tasks = Vec::new();
    for i in 0..BOARDS {
        let store = store.clone();
        tasks.push(tokio::spawn(async move {
            // Spread the boards over the period, as independent writers are.
            let period = Duration::from_millis(1000 / RATE);
            let mut tick =
                tokio::time::interval_at(start + period * i as u32 / BOARDS as u32, period);
            let mut waited = Duration::ZERO;
            for seq in 2..secs * RATE + 2 {
                tick.tick().await;
                let t = Instant::now();
                store
                    .append(&board(i), seq as i64, vec![vec![7; 200]])
                    .await
                    .unwrap();
                waited += t.elapsed();
            }
            waited
        }));
    }
    let mut waited = Duration::ZERO;
    for task in tasks {
        waited += task.await.unwrap();
    }
    let n = BOARDS * RATE * secs;
    Row {
        wall_us: waited.as_secs_f64() * 1e6 / n as f64,
        cpu_us: (cpu_us() - cpu0) as f64 / n as f64,
    }
}

fn main() {
    let commits = env_or("COMMITS", 2000);
    let secs = env_or("SECS", 10);
    let dir = std::env::var("DIR").map_or_else(|_| std::env::temp_dir(), Into::into);
    let dir = tempfile::tempdir_in(dir).unwrap();
    // One thread, as the server runs by default; SQLite's own work runs on sqlx's worker thread.
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    println!(
        "{commits} commits per row, {secs} s paced, in {}",
        dir.path().display()
    );
    println!("| row | wall | CPU |");
    println!("|---|---|---|");
    print("fdatasync", "commit", fdatasync(dir.path(), commits));
    rt.block_on(async {
        for (full, name) in [(true, "FULL"), (false, "NORMAL")] {
            let store = open(dir.path(), &format!("one-{name}.db"), full, 0).await;
            print(
                &format!("store {name}, one at a time"),
                "commit",
                one_at_a_time(&store, commits).await,
            );
        }
        for (full, name, interval) in [(true, "FULL", 0), (true, "FULL", 5), (false, "NORMAL", 0)] {
            let store = open(
                dir.path(),
                &format!("paced-{name}-{interval}.db"),
                full,
                interval,
            )
            .await;
            print(
                &format!("paced {name}, commits {interval} ms apart"),
                "update; wall = one append",
                paced(&store, secs).await,
            );
        }
    });
}
