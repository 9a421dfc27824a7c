//! Version history in PostgreSQL (the `board_versions` table): the same rules as SQLite's
//! `store/versions.rs`, with the board's row lock so two nodes adding versions to one board at
//! once number them one after the other.

use std::collections::BTreeMap;

use board::BoardId;
use sqlx::postgres::PgPool;
use sqlx::Row;

use crate::store::versions::{version_info, versions_over_cap};
use crate::store::{versions_to_prune, NewVersion, StoreError, VersionInfo};

pub(super) async fn add(
    pool: &PgPool,
    id: &BoardId,
    state: &[u8],
    version: NewVersion<'_>,
    max_bytes: u64,
    now_ms: i64,
) -> Result<i64, StoreError> {
    let editors = serde_json::to_string(version.editors).unwrap_or_else(|_| "[]".into());
    let mut txn = pool.begin().await?;
    // Serialises the `MAX(id) + 1` below across nodes. A version is never older than the one
    // before it (the time was read before the lock, and nodes' clocks differ), so the newest by
    // time, which pruning keeps, is the newest by number. An unknown board has no row to lock:
    // the insert then fails on the foreign key, as in SQLite.
    sqlx::query("SELECT 1 FROM boards WHERE id = $1 FOR UPDATE")
        .bind(id.as_str())
        .fetch_optional(&mut *txn)
        .await?;
    let new_id: i64 = sqlx::query_scalar(
        "INSERT INTO board_versions (board_id, id, created_at, seq, reason, editors, size, data)
         VALUES ($1, (SELECT COALESCE(MAX(id), 0) + 1 FROM board_versions WHERE board_id = $1),
                 (SELECT GREATEST($2, COALESCE(MAX(created_at), 0)) FROM board_versions
                   WHERE board_id = $1),
                 $3, $4, $5, $6, $7)
         RETURNING id",
    )
    .bind(id.as_str())
    .bind(now_ms)
    .bind(version.seq)
    .bind(version.reason.as_str())
    .bind(editors)
    .bind(state.len() as i64)
    .bind(state)
    .fetch_one(&mut *txn)
    .await?;
    // The board's versions count toward its size: the oldest go first.
    let sizes: Vec<(i64, i64)> =
        sqlx::query_as("SELECT id, size FROM board_versions WHERE board_id = $1 ORDER BY id DESC")
            .bind(id.as_str())
            .fetch_all(&mut *txn)
            .await?;
    let doomed = versions_over_cap(&sizes, max_bytes, new_id);
    if !doomed.is_empty() {
        sqlx::query("DELETE FROM board_versions WHERE board_id = $1 AND id = ANY($2)")
            .bind(id.as_str())
            .bind(&doomed)
            .execute(&mut *txn)
            .await?;
    }
    txn.commit().await?;
    Ok(new_id)
}

pub(super) async fn list(pool: &PgPool, id: &BoardId) -> Result<Vec<VersionInfo>, StoreError> {
    let rows = sqlx::query(
        "SELECT id, created_at, reason, editors, size FROM board_versions
         WHERE board_id = $1 ORDER BY id DESC",
    )
    .bind(id.as_str())
    .fetch_all(pool)
    .await?;
    let mut out = Vec::with_capacity(rows.len());
    for row in rows {
        let (reason, editors): (String, String) = (row.try_get(2)?, row.try_get(3)?);
        out.push(version_info(
            row.try_get(0)?,
            row.try_get(1)?,
            &reason,
            &editors,
            row.try_get(4)?,
        ));
    }
    Ok(out)
}

pub(super) async fn get(
    pool: &PgPool,
    id: &BoardId,
    version: i64,
) -> Result<Option<Vec<u8>>, StoreError> {
    let data: Option<Vec<u8>> =
        sqlx::query_scalar("SELECT data FROM board_versions WHERE board_id = $1 AND id = $2")
            .bind(id.as_str())
            .bind(version)
            .fetch_optional(pool)
            .await?;
    Ok(data)
}

pub(super) async fn prune(
    pool: &PgPool,
    now_ms: i64,
    keep_all_ms: i64,
    keep_ms: i64,
) -> Result<u64, StoreError> {
    // Only boards with a version old enough to be at stake.
    let rows: Vec<(String, i64, i64)> = sqlx::query_as(
        "SELECT board_id, id, created_at FROM board_versions WHERE board_id IN
           (SELECT DISTINCT board_id FROM board_versions WHERE created_at < $1)
         ORDER BY board_id",
    )
    .bind(now_ms - keep_all_ms)
    .fetch_all(pool)
    .await?;
    let mut by_board: BTreeMap<String, Vec<(i64, i64)>> = BTreeMap::new();
    for (board, id, at) in rows {
        by_board.entry(board).or_default().push((id, at));
    }
    let mut deleted = 0;
    for (board, versions) in by_board {
        let doomed = versions_to_prune(&versions, now_ms, keep_all_ms, keep_ms);
        if doomed.is_empty() {
            continue;
        }
        deleted += sqlx::query("DELETE FROM board_versions WHERE board_id = $1 AND id = ANY($2)")
            .bind(&board)
            .bind(&doomed)
            .execute(pool)
            .await?
            .rows_affected();
    }
    Ok(deleted)
}
