//! The group-commit writer of [`super::PgStore`]: one task per store commits every append
//! waiting for it in one transaction, numbering each board's updates from `boards.last_seq`
//! under the board's row lock.

use std::collections::HashMap;

use board::BoardId;
use sqlx::postgres::PgPool;
use tokio::sync::{mpsc, oneshot};

use super::now_ms;
use crate::store::StoreError;

/// Most appends committed in one transaction.
const WRITER_BATCH: usize = 512;

/// One `append` waiting for the writer; answered with the number its first update got.
pub(super) struct AppendRequest {
    pub board: BoardId,
    pub updates: Vec<Vec<u8>>,
    pub done: oneshot::Sender<Result<i64, StoreError>>,
}

/// The writer task: commits everything waiting in one transaction. If that transaction fails,
/// each append is retried alone, so one bad append cannot fail another's (and an append that
/// lost a race with its board's deletion is retried on the board's new row).
pub(super) async fn write_appends(pool: PgPool, mut requests: mpsc::Receiver<AppendRequest>) {
    let mut batch = Vec::with_capacity(WRITER_BATCH);
    while requests.recv_many(&mut batch, WRITER_BATCH).await > 0 {
        let result = {
            let all: Vec<&AppendRequest> = batch.iter().collect();
            commit(&pool, &all).await
        };
        match result {
            Ok(firsts) => {
                for (request, first) in batch.drain(..).zip(firsts) {
                    let _ = request.done.send(Ok(first));
                }
            }
            Err(e) => {
                tracing::warn!(error = %e, appends = batch.len(), "group commit failed; retrying each append alone");
                for request in batch.drain(..) {
                    let result = commit(&pool, &[&request]).await.map(|firsts| firsts[0]);
                    let _ = request.done.send(result);
                }
            }
        }
    }
}

/// Commits `appends` in one transaction; returns the number of each one's first update. Several
/// appends to one board get consecutive ranges, in the order they came.
async fn commit(pool: &PgPool, appends: &[&AppendRequest]) -> Result<Vec<i64>, StoreError> {
    let now = now_ms();
    // Sorted, so every node takes the row locks in one order: no deadlock between batches.
    let mut ids: Vec<&str> = appends.iter().map(|a| a.board.as_str()).collect();
    ids.sort_unstable();
    ids.dedup();
    let mut txn = pool.begin().await?;
    sqlx::query(
        "INSERT INTO boards (id, created_at, updated_at)
         SELECT id, $2, $2 FROM unnest($1::text[]) AS t(id)
         ON CONFLICT (id) DO NOTHING",
    )
    .bind(&ids)
    .bind(now)
    .execute(&mut *txn)
    .await?;
    // Another node appending to one of these boards waits here until it commits, then reads
    // the counter it left: numbers are gap-free and commit in order.
    let rows: Vec<(String, i64, bool)> = sqlx::query_as(
        "SELECT id, last_seq, deleted_at IS NOT NULL FROM boards WHERE id = ANY($1)
         ORDER BY id FOR UPDATE",
    )
    .bind(&ids)
    .fetch_all(&mut *txn)
    .await?;
    // Another node may still hold a room of a board its manager just deleted (it closes on
    // the relay's word): what it sends now is refused, so no deleted board fills up again.
    if rows.iter().any(|(_, _, deleted)| *deleted) {
        return Err(StoreError::BoardDeleted);
    }
    let mut last: HashMap<String, i64> = rows.into_iter().map(|(id, seq, _)| (id, seq)).collect();
    if last.len() != ids.len() {
        // A board was deleted (and its row replaced) while this waited for its lock; the rows
        // read are those of before. Alone, the retry sees the new row.
        return Err(StoreError::Database(sqlx::Error::RowNotFound));
    }

    let count: usize = appends.iter().map(|a| a.updates.len()).sum();
    let mut firsts = Vec::with_capacity(appends.len());
    let mut boards: Vec<&str> = Vec::with_capacity(count);
    let mut seqs: Vec<i64> = Vec::with_capacity(count);
    let mut data: Vec<&[u8]> = Vec::with_capacity(count);
    for append in appends {
        let seq = last
            .get_mut(append.board.as_str())
            .ok_or(StoreError::Database(sqlx::Error::RowNotFound))?;
        firsts.push(*seq + 1);
        for update in &append.updates {
            *seq += 1;
            boards.push(append.board.as_str());
            seqs.push(*seq);
            data.push(update);
        }
    }
    if count > 0 {
        sqlx::query(
            "INSERT INTO board_updates (board_id, seq, data, created_at)
             SELECT board_id, seq, data, $4
             FROM unnest($1::text[], $2::bigint[], $3::bytea[]) AS u(board_id, seq, data)",
        )
        .bind(&boards)
        .bind(&seqs)
        .bind(&data)
        .bind(now)
        .execute(&mut *txn)
        .await?;
    }
    let (counter_ids, counters): (Vec<String>, Vec<i64>) = last.into_iter().unzip();
    sqlx::query(
        "UPDATE boards SET last_seq = u.last_seq, updated_at = $3
         FROM unnest($1::text[], $2::bigint[]) AS u(id, last_seq)
         WHERE boards.id = u.id",
    )
    .bind(&counter_ids)
    .bind(&counters)
    .bind(now)
    .execute(&mut *txn)
    .await?;
    txn.commit().await?;
    Ok(firsts)
}
