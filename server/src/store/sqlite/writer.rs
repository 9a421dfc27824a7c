//! The group-commit writer of [`super::SqliteStore`]: one task, on a connection of its own,
//! commits every append waiting for it in one transaction (one fsync for many rooms), and
//! starts commits at least the commit interval apart, so that under a steady stream of updates
//! each fsync carries several (`cargo bench -p server --bench commit` measures what one costs).

use std::collections::HashSet;

use board::BoardId;
use sqlx::sqlite::SqliteConnection;
use sqlx::Executor;
use tokio::sync::{mpsc, oneshot};
use tokio::time::{Duration, Instant};

use super::now_ms;
use crate::store::StoreError;

/// Most appends committed in one transaction.
const WRITER_BATCH: usize = 512;

/// One `append` waiting for the writer.
pub(super) struct AppendRequest {
    pub board: BoardId,
    pub first_seq: i64,
    pub updates: Vec<Vec<u8>>,
    pub done: oneshot::Sender<Result<(), StoreError>>,
}

/// The writer task: commits every waiting append in one transaction, on a connection of its
/// own. If that transaction fails, each append is retried alone, so one board's bad append
/// cannot fail another's.
pub(super) async fn write_appends(
    mut conn: SqliteConnection,
    mut requests: mpsc::Receiver<AppendRequest>,
    interval: Duration,
) {
    let mut batch = Vec::with_capacity(WRITER_BATCH);
    // Boards whose row exists, so an append costs no upsert; cleared when it grows large.
    let mut known: HashSet<BoardId> = HashSet::new();
    let mut last_commit: Option<Instant> = None;
    while requests.recv_many(&mut batch, WRITER_BATCH).await > 0 {
        // Commits start at least `interval` apart: under a steady stream of updates, what
        // arrives meanwhile joins the next commit (one fsync for all of them); an update after
        // a quiet spell commits at once.
        if let Some(due) = last_commit.map(|at| at + interval) {
            if batch.len() < WRITER_BATCH && Instant::now() < due {
                tokio::time::sleep_until(due).await;
                while batch.len() < WRITER_BATCH {
                    let Ok(request) = requests.try_recv() else {
                        break;
                    };
                    batch.push(request);
                }
            }
        }
        last_commit = Some(Instant::now());
        if known.len() > 100_000 {
            known.clear();
        }
        let script = {
            let all: Vec<&AppendRequest> = batch.iter().collect();
            append_script(&all, &known)
        };
        if run_script(&mut conn, script).await.is_ok() {
            known.extend(batch.iter().map(|r| r.board.clone()));
            for request in batch.drain(..) {
                let _ = request.done.send(Ok(()));
            }
            continue;
        }
        known.clear();
        for request in std::mem::take(&mut batch) {
            let script = append_script(&[&request], &known);
            let result = run_script(&mut conn, script).await;
            if result.is_ok() {
                known.insert(request.board.clone());
            }
            let _ = request.done.send(result);
        }
    }
}

/// Writes the appends as one script — `BEGIN; INSERT …; COMMIT` — so a group commit costs one
/// round trip to SQLite's thread instead of one per statement (thread hand-offs, not SQL,
/// dominated the cost). Values are inlined safely: board ids are `[A-Za-z0-9_-]` (checked by
/// [`BoardId`]), numbers are integers, updates are hex blob literals.
fn append_script(appends: &[&AppendRequest], known: &HashSet<BoardId>) -> String {
    use std::fmt::Write as _;
    let now = now_ms();
    let bytes: usize = appends
        .iter()
        .flat_map(|a| a.updates.iter().map(Vec::len))
        .sum();
    let mut sql = String::with_capacity(128 + bytes * 2 + appends.len() * 96);
    sql.push_str("BEGIN IMMEDIATE;\n");
    for append in appends.iter().filter(|a| !known.contains(&a.board)) {
        let _ = writeln!(
            sql,
            "INSERT INTO boards (id, created_at, updated_at) VALUES ('{id}', {now}, {now}) \
             ON CONFLICT(id) DO UPDATE SET updated_at = excluded.updated_at;",
            id = append.board.as_str()
        );
    }
    sql.push_str("INSERT INTO board_updates (board_id, seq, data, created_at) VALUES ");
    let mut first = true;
    for append in appends {
        for (i, data) in append.updates.iter().enumerate() {
            if !first {
                sql.push(',');
            }
            first = false;
            let _ = write!(
                sql,
                "('{}',{},X'",
                append.board.as_str(),
                append.first_seq + i as i64
            );
            push_hex(&mut sql, data);
            let _ = write!(sql, "',{now})");
        }
    }
    sql.push_str(";\nCOMMIT;");
    sql
}

fn push_hex(out: &mut String, bytes: &[u8]) {
    const HEX: &[u8; 16] = b"0123456789ABCDEF";
    out.reserve(bytes.len() * 2);
    for &b in bytes {
        out.push(HEX[(b >> 4) as usize] as char);
        out.push(HEX[(b & 0xf) as usize] as char);
    }
}

// Boxed with an explicit lifetime: sqlx's `Executor` bounds otherwise fail to prove the
// spawned writer task `Send`.
fn run_script(
    conn: &mut SqliteConnection,
    sql: String,
) -> futures_util::future::BoxFuture<'_, Result<(), StoreError>> {
    Box::pin(async move {
        // A string without arguments runs every statement in it.
        if let Err(e) = conn.execute(sql.as_str()).await {
            // A failed statement leaves the transaction open.
            let _ = conn.execute("ROLLBACK").await;
            return Err(e.into());
        }
        Ok(())
    })
}
