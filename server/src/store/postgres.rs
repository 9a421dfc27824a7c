//! The cluster store: one PostgreSQL database that several server processes ("nodes") share,
//! through sqlx. It owns the `BoardStore` methods for PostgreSQL; the group-commit writer of
//! appends lives in `postgres/writer.rs`, version history in `postgres/versions.rs`, the schema
//! in `migrations/postgres/`.
//!
//! Concurrency design. Every write that depends on a board's state first takes that board's
//! row lock (`SELECT … FOR UPDATE` on `boards`), so writes to one board serialise across nodes
//! while different boards proceed in parallel:
//! - appends number their updates from `boards.last_seq` under the lock, in the transaction
//!   that inserts them, so numbers are gap-free and commit in number order: a reader never sees
//!   update N+1 committed without N. A batch locks its boards in id order, so two nodes' batches
//!   cannot deadlock;
//! - compaction locks the row too, and a snapshot through no more updates than an existing one
//!   changes nothing, so two nodes compacting one board at once lose nothing;
//! - an image's quota check and its insert happen under the lock, so racing uploads (on any
//!   node) cannot overshoot the quota together.
//!
//! Reads of a board's history (`load`, `updates_since`) run in one `REPEATABLE READ`
//! transaction: all their statements see one snapshot of the database. Under the default READ
//! COMMITTED, a compaction committing between reading the snapshot and reading the updates
//! would hide the updates it folded.
//!
//! Queries are checked at run time (`sqlx::query`), so building needs no database; the
//! integration tests (`server/tests/postgres_store.rs`) exercise every query.
//!
//! Its methods mirror `sqlite.rs` one by one. They are kept apart rather than made generic over
//! the database: the SQL differs in dialect, and the locking (row locks, REPEATABLE READ) is
//! what this store is for. What is not SQL is shared (`versions_to_prune`, `versions_over_cap`).

mod versions;
mod writer;

use std::time::{SystemTime, UNIX_EPOCH};

use async_trait::async_trait;
use board::BoardId;
use sqlx::postgres::{PgPool, PgPoolOptions};
use sqlx::{Postgres, Row, Transaction};
use tokio::sync::{mpsc, oneshot};

use super::{
    BoardStore, ImagePut, LinkHashes, LinkStamp, NewVersion, StorageUsage, StoreError, StoredBoard,
    StoredImage, VersionInfo,
};
use crate::images::{Image, ImageId};
use writer::AppendRequest;

/// Snapshots kept per board after a compaction (the newest ones): room for version history.
const SNAPSHOTS_KEPT: i64 = 5;

/// Connections in each node's pool.
const POOL_SIZE: u32 = 8;

/// How long a query waits for a connection (or for the database to accept one).
const ACQUIRE_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(3);

/// Appends waiting for the writer before new ones wait for a place in its queue.
const WRITER_QUEUE: usize = 4096;

/// A [`BoardStore`] in a PostgreSQL database that several nodes may share.
///
/// Appends go through one writer task per store that commits everything waiting in one
/// transaction (group commit); everything else runs on the pool, each in its own transaction.
#[derive(Clone)]
pub struct PgStore {
    pool: PgPool,
    writer: mpsc::Sender<AppendRequest>,
}

fn now_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_millis() as i64)
        .unwrap_or(0)
}

impl PgStore {
    /// Connects to the database at `url` (`postgres://user@host:port/database`) and applies the
    /// migrations. sqlx holds an advisory lock while migrating, so nodes starting together
    /// migrate once.
    pub async fn open(url: &str) -> Result<Self, StoreError> {
        let pool = PgPoolOptions::new()
            .max_connections(POOL_SIZE)
            // While the database is down, a write fails within seconds (its connection is
            // closed with 1011 and the browser keeps the change) instead of hanging.
            .acquire_timeout(ACQUIRE_TIMEOUT)
            .connect(url)
            .await?;
        sqlx::migrate!("../migrations/postgres").run(&pool).await?;
        let (writer, requests) = mpsc::channel(WRITER_QUEUE);
        tokio::spawn(writer::write_appends(pool.clone(), requests));
        Ok(Self { pool, writer })
    }

    /// A transaction whose statements all read one snapshot of the database.
    async fn read_snapshot(&self) -> Result<Transaction<'static, Postgres>, StoreError> {
        let mut txn = self.pool.begin().await?;
        sqlx::query("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
            .execute(&mut *txn)
            .await?;
        Ok(txn)
    }

    /// Creates the board's row when missing, or marks it changed now.
    async fn ensure_board(
        txn: &mut Transaction<'static, Postgres>,
        id: &BoardId,
        now: i64,
    ) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO boards (id, created_at, updated_at) VALUES ($1, $2, $2)
             ON CONFLICT (id) DO UPDATE SET updated_at = EXCLUDED.updated_at",
        )
        .bind(id.as_str())
        .bind(now)
        .execute(&mut **txn)
        .await?;
        Ok(())
    }

    /// Takes the board's row lock until the transaction ends; false when there is no row.
    async fn lock_board(
        txn: &mut Transaction<'static, Postgres>,
        id: &BoardId,
    ) -> Result<bool, StoreError> {
        let row = sqlx::query("SELECT 1 FROM boards WHERE id = $1 FOR UPDATE")
            .bind(id.as_str())
            .fetch_optional(&mut **txn)
            .await?;
        Ok(row.is_some())
    }
}

#[async_trait]
impl BoardStore for PgStore {
    async fn create_board(&self, id: &BoardId) -> Result<(), StoreError> {
        let mut txn = self.pool.begin().await?;
        Self::ensure_board(&mut txn, id, now_ms()).await?;
        txn.commit().await?;
        Ok(())
    }

    async fn load(&self, id: &BoardId) -> Result<StoredBoard, StoreError> {
        let mut txn = self.read_snapshot().await?;
        let snapshot = sqlx::query(
            "SELECT seq, data FROM board_snapshots WHERE board_id = $1 ORDER BY seq DESC LIMIT 1",
        )
        .bind(id.as_str())
        .fetch_optional(&mut *txn)
        .await?;
        let (snapshot_seq, snapshot) = match snapshot {
            Some(row) => (
                row.try_get::<i64, _>(0)?,
                Some(row.try_get::<Vec<u8>, _>(1)?),
            ),
            None => (0, None),
        };
        let updates: Vec<Vec<u8>> = sqlx::query_scalar(
            "SELECT data FROM board_updates WHERE board_id = $1 AND seq > $2 ORDER BY seq",
        )
        .bind(id.as_str())
        .bind(snapshot_seq)
        .fetch_all(&mut *txn)
        .await?;
        let last_seq: Option<i64> = sqlx::query_scalar("SELECT last_seq FROM boards WHERE id = $1")
            .bind(id.as_str())
            .fetch_optional(&mut *txn)
            .await?;
        txn.commit().await?;
        Ok(StoredBoard {
            snapshot,
            updates,
            last_seq: last_seq.unwrap_or(0),
        })
    }

    /// Numbers the updates from the board's counter: `_expected_first` is not used (another
    /// node may have appended since the caller last looked).
    async fn append(
        &self,
        id: &BoardId,
        _expected_first: i64,
        updates: Vec<Vec<u8>>,
    ) -> Result<i64, StoreError> {
        let (done, result) = oneshot::channel();
        let request = AppendRequest {
            board: id.clone(),
            updates,
            done,
        };
        self.writer
            .send(request)
            .await
            .map_err(|_| StoreError::WriterGone)?;
        result.await.map_err(|_| StoreError::WriterGone)?
    }

    async fn updates_since(
        &self,
        id: &BoardId,
        after: i64,
    ) -> Result<Option<Vec<(i64, Vec<u8>)>>, StoreError> {
        let mut txn = self.read_snapshot().await?;
        let folded: Option<i64> =
            sqlx::query_scalar("SELECT MAX(seq) FROM board_snapshots WHERE board_id = $1")
                .bind(id.as_str())
                .fetch_one(&mut *txn)
                .await?;
        if folded.is_some_and(|seq| seq > after) {
            return Ok(None);
        }
        let updates: Vec<(i64, Vec<u8>)> = sqlx::query_as(
            "SELECT seq, data FROM board_updates WHERE board_id = $1 AND seq > $2 ORDER BY seq",
        )
        .bind(id.as_str())
        .bind(after)
        .fetch_all(&mut *txn)
        .await?;
        txn.commit().await?;
        Ok(Some(updates))
    }

    async fn last_seqs(&self, ids: &[BoardId]) -> Result<Vec<(BoardId, i64)>, StoreError> {
        let names: Vec<&str> = ids.iter().map(BoardId::as_str).collect();
        let rows: Vec<(String, i64)> =
            sqlx::query_as("SELECT id, last_seq FROM boards WHERE id = ANY($1)")
                .bind(&names)
                .fetch_all(&self.pool)
                .await?;
        // The ids come from `ids`, so they parse; the lookup keeps the caller's own values.
        Ok(rows
            .into_iter()
            .filter_map(|(name, seq)| {
                let id = ids.iter().find(|id| id.as_str() == name)?;
                Some((id.clone(), seq))
            })
            .collect())
    }

    async fn link_stamps(&self, ids: &[BoardId]) -> Result<Vec<(BoardId, LinkStamp)>, StoreError> {
        let names: Vec<&str> = ids.iter().map(BoardId::as_str).collect();
        let rows: Vec<(String, i64, bool)> = sqlx::query_as(
            "SELECT b.id, COALESCE(l.updated_at, 0), b.deleted_at IS NOT NULL
             FROM boards b LEFT JOIN board_links l ON l.board_id = b.id WHERE b.id = ANY($1)",
        )
        .bind(&names)
        .fetch_all(&self.pool)
        .await?;
        Ok(rows
            .into_iter()
            .filter_map(|(name, links_at, deleted)| {
                let id = ids.iter().find(|id| id.as_str() == name)?;
                Some((id.clone(), LinkStamp { links_at, deleted }))
            })
            .collect())
    }

    async fn compact(
        &self,
        id: &BoardId,
        snapshot: &[u8],
        through_seq: i64,
    ) -> Result<(), StoreError> {
        let now = now_ms();
        let mut txn = self.pool.begin().await?;
        Self::ensure_board(&mut txn, id, now).await?;
        Self::lock_board(&mut txn, id).await?;
        let covered: Option<i32> = sqlx::query_scalar(
            "SELECT 1 FROM board_snapshots WHERE board_id = $1 AND seq >= $2 LIMIT 1",
        )
        .bind(id.as_str())
        .bind(through_seq)
        .fetch_optional(&mut *txn)
        .await?;
        if covered.is_some() {
            // Another node compacted as far or further: this snapshot adds nothing.
            return Ok(());
        }
        sqlx::query(
            "INSERT INTO board_snapshots (board_id, seq, data, created_at) VALUES ($1, $2, $3, $4)",
        )
        .bind(id.as_str())
        .bind(through_seq)
        .bind(snapshot)
        .bind(now)
        .execute(&mut *txn)
        .await?;
        sqlx::query("DELETE FROM board_updates WHERE board_id = $1 AND seq <= $2")
            .bind(id.as_str())
            .bind(through_seq)
            .execute(&mut *txn)
            .await?;
        sqlx::query(
            "DELETE FROM board_snapshots WHERE board_id = $1 AND seq NOT IN
               (SELECT seq FROM board_snapshots WHERE board_id = $1 ORDER BY seq DESC LIMIT $2)",
        )
        .bind(id.as_str())
        .bind(SNAPSHOTS_KEPT)
        .execute(&mut *txn)
        .await?;
        txn.commit().await?;
        Ok(())
    }

    async fn put_image(
        &self,
        board: &BoardId,
        image: &Image,
        quota: u64,
    ) -> Result<ImagePut, StoreError> {
        let size = i64::try_from(image.bytes.len()).unwrap_or(i64::MAX);
        let quota = i64::try_from(quota).unwrap_or(i64::MAX);
        let mut txn = self.pool.begin().await?;
        // The row lock makes the sum and the insert one step: another upload to this board, on
        // any node, waits here until this one commits.
        if !Self::lock_board(&mut txn, board).await? {
            return Ok(ImagePut::NoSuchBoard);
        }
        let row = sqlx::query(
            "SELECT EXISTS (SELECT 1 FROM images WHERE board_id = $1 AND id = $2),
                    (SELECT COALESCE(SUM(size), 0)::BIGINT FROM images WHERE board_id = $1)",
        )
        .bind(board.as_str())
        .bind(image.id.as_str())
        .fetch_one(&mut *txn)
        .await?;
        if row.try_get::<bool, _>(0)? {
            return Ok(ImagePut::AlreadyStored);
        }
        let used: i64 = row.try_get(1)?;
        if used.saturating_add(size) > quota {
            return Ok(ImagePut::BoardFull);
        }
        sqlx::query(
            "INSERT INTO images (board_id, id, mime, size, created_at, bytes)
             VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(board.as_str())
        .bind(image.id.as_str())
        .bind(image.format.mime())
        .bind(size)
        .bind(now_ms())
        .bind(&image.bytes[..])
        .execute(&mut *txn)
        .await?;
        txn.commit().await?;
        Ok(ImagePut::Stored)
    }

    async fn get_image(
        &self,
        board: &BoardId,
        id: &ImageId,
    ) -> Result<Option<StoredImage>, StoreError> {
        let row: Option<(String, Vec<u8>)> =
            sqlx::query_as("SELECT mime, bytes FROM images WHERE board_id = $1 AND id = $2")
                .bind(board.as_str())
                .bind(id.as_str())
                .fetch_optional(&self.pool)
                .await?;
        Ok(row.map(|(mime, bytes)| StoredImage { mime, bytes }))
    }

    async fn board_exists(&self, id: &BoardId) -> Result<bool, StoreError> {
        let exists: bool = sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM boards WHERE id = $1)")
            .bind(id.as_str())
            .fetch_one(&self.pool)
            .await?;
        Ok(exists)
    }

    async fn links(&self, id: &BoardId) -> Result<Option<LinkHashes>, StoreError> {
        let row: Option<(Vec<u8>, Vec<u8>, Vec<u8>)> = sqlx::query_as(
            "SELECT edit_hash, view_hash, manage_hash FROM board_links WHERE board_id = $1",
        )
        .bind(id.as_str())
        .fetch_optional(&self.pool)
        .await?;
        let Some((edit, view, manage)) = row else {
            return Ok(None);
        };
        let hash = |bytes: Vec<u8>| -> Result<[u8; 32], StoreError> {
            bytes
                .try_into()
                .map_err(|_| StoreError::Database(sqlx::Error::Decode("link hash size".into())))
        };
        Ok(Some(LinkHashes {
            edit: hash(edit)?,
            view: hash(view)?,
            manage: hash(manage)?,
        }))
    }

    async fn set_links(&self, id: &BoardId, links: &LinkHashes) -> Result<(), StoreError> {
        let now = now_ms();
        let mut txn = self.pool.begin().await?;
        Self::ensure_board(&mut txn, id, now).await?;
        sqlx::query(
            "INSERT INTO board_links (board_id, edit_hash, view_hash, manage_hash, updated_at)
             VALUES ($1, $2, $3, $4, $5)
             ON CONFLICT (board_id) DO UPDATE SET edit_hash = EXCLUDED.edit_hash,
                 view_hash = EXCLUDED.view_hash, manage_hash = EXCLUDED.manage_hash,
                 updated_at = EXCLUDED.updated_at",
        )
        .bind(id.as_str())
        .bind(&links.edit[..])
        .bind(&links.view[..])
        .bind(&links.manage[..])
        .bind(now)
        .execute(&mut *txn)
        .await?;
        txn.commit().await?;
        Ok(())
    }

    /// The database's size on the server; the free space of the server's disk is not visible
    /// from a client, so it is `None`.
    async fn usage(&self) -> Result<StorageUsage, StoreError> {
        let used: i64 = sqlx::query_scalar("SELECT pg_database_size(current_database())")
            .fetch_one(&self.pool)
            .await?;
        Ok(StorageUsage {
            used_bytes: u64::try_from(used).unwrap_or(0),
            free_disk_bytes: None,
        })
    }

    async fn delete_unused_boards(
        &self,
        created_before_ms: i64,
        keep: &[BoardId],
    ) -> Result<u64, StoreError> {
        let keep: Vec<&str> = keep.iter().map(BoardId::as_str).collect();
        // `last_seq = 0` says "never written" on the row itself, so a node's append committing
        // while this waits for the row lock saves the board: PostgreSQL rechecks the row's own
        // columns after the wait (the subqueries keep their older snapshot).
        let deleted = sqlx::query(
            "DELETE FROM boards WHERE created_at < $1 AND deleted_at IS NULL AND last_seq = 0
               AND NOT (id = ANY($2)) AND (opened_at IS NULL OR opened_at < $1)
               AND NOT EXISTS (SELECT 1 FROM board_updates WHERE board_id = boards.id)
               AND NOT EXISTS (SELECT 1 FROM board_snapshots WHERE board_id = boards.id)
               AND NOT EXISTS (SELECT 1 FROM images WHERE board_id = boards.id)",
        )
        .bind(created_before_ms)
        .bind(&keep)
        .execute(&self.pool)
        .await?
        .rows_affected();
        Ok(deleted)
    }

    async fn add_version(
        &self,
        id: &BoardId,
        state: &[u8],
        version: NewVersion<'_>,
        max_bytes: u64,
    ) -> Result<i64, StoreError> {
        versions::add(&self.pool, id, state, version, max_bytes, now_ms()).await
    }

    async fn versions(&self, id: &BoardId) -> Result<Vec<VersionInfo>, StoreError> {
        versions::list(&self.pool, id).await
    }

    async fn version(&self, id: &BoardId, version: i64) -> Result<Option<Vec<u8>>, StoreError> {
        versions::get(&self.pool, id, version).await
    }

    async fn prune_versions(
        &self,
        now_ms: i64,
        keep_all_ms: i64,
        keep_ms: i64,
    ) -> Result<u64, StoreError> {
        versions::prune(&self.pool, now_ms, keep_all_ms, keep_ms).await
    }

    /// As in SQLite: the row goes (its history, images, versions and links with it, by
    /// cascade) and comes back marked deleted, with the tombstone links and a counter at 0.
    async fn delete_board(&self, id: &BoardId, tombstone: &LinkHashes) -> Result<bool, StoreError> {
        let mut txn = self.pool.begin().await?;
        let deleted = sqlx::query("DELETE FROM boards WHERE id = $1")
            .bind(id.as_str())
            .execute(&mut *txn)
            .await?
            .rows_affected();
        if deleted == 0 {
            return Ok(false);
        }
        let now = now_ms();
        sqlx::query(
            "INSERT INTO boards (id, created_at, updated_at, deleted_at) VALUES ($1, $2, $2, $2)",
        )
        .bind(id.as_str())
        .bind(now)
        .execute(&mut *txn)
        .await?;
        sqlx::query(
            "INSERT INTO board_links (board_id, edit_hash, view_hash, manage_hash, updated_at)
             VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(id.as_str())
        .bind(&tombstone.edit[..])
        .bind(&tombstone.view[..])
        .bind(&tombstone.manage[..])
        .bind(now)
        .execute(&mut *txn)
        .await?;
        txn.commit().await?;
        Ok(true)
    }

    async fn board_opened(&self, id: &BoardId) -> Result<(), StoreError> {
        sqlx::query("UPDATE boards SET opened_at = $2 WHERE id = $1")
            .bind(id.as_str())
            .bind(now_ms())
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    async fn updated_at(&self, id: &BoardId) -> Result<Option<i64>, StoreError> {
        let at: Option<i64> = sqlx::query_scalar("SELECT updated_at FROM boards WHERE id = $1")
            .bind(id.as_str())
            .fetch_optional(&self.pool)
            .await?;
        Ok(at)
    }

    async fn ping(&self) -> Result<(), StoreError> {
        sqlx::query("SELECT 1").execute(&self.pool).await?;
        Ok(())
    }
}
