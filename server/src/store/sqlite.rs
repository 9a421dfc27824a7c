//! The embedded default store: one SQLite file in WAL mode through sqlx.
//!
//! Queries are checked at run time (`sqlx::query`), not compile time, so building needs no
//! database; the integration tests exercise every query.
//!
//! The `BoardStore` methods, in trait order. The single writer's group commit of appends is in
//! `sqlite/writer.rs`, version history in `versions.rs`, the tests in `sqlite/tests.rs`.

use std::path::Path;
use std::str::FromStr;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use async_trait::async_trait;
use board::BoardId;
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use sqlx::ConnectOptions;
use sqlx::{Row, SqlitePool};
use tokio::sync::{mpsc, oneshot};

#[cfg(test)]
use super::VersionReason;
use super::{
    BoardStore, ImagePut, LinkHashes, LinkStamp, NewVersion, StorageUsage, StoreError, StoredBoard,
    StoredImage, VersionInfo,
};
use crate::images::{Image, ImageId};
use writer::{write_appends, AppendRequest};

mod writer;

/// Snapshots kept per board after a compaction (the newest ones): room for version history.
const SNAPSHOTS_KEPT: i64 = 5;

/// Appends waiting for the writer before new ones wait for a place in its queue.
const WRITER_QUEUE: usize = 4096;

/// A [`BoardStore`] in a SQLite database.
///
/// Appends from every room go through one writer task that commits everything waiting in one
/// transaction: under load a single fsync makes many rooms' updates durable, instead of one per
/// room and batch. The rarer writes (board creation, compaction, images) run on the pool, each
/// in its own transaction; SQLite serialises them with the writer's commits (a writer waits up
/// to the busy timeout for another to finish).
#[derive(Clone)]
pub struct SqliteStore {
    pool: SqlitePool,
    writer: mpsc::Sender<AppendRequest>,
    /// The folder of the database file (`None` in memory), for the free-space reading.
    folder: Option<std::path::PathBuf>,
}

fn now_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_millis() as i64)
        .unwrap_or(0)
}

impl SqliteStore {
    /// Opens (creating when missing) the database at `url` — `sqlite://path` or `sqlite::memory:` —
    /// and applies the migrations. `full_sync`: commits reach the disk before they return
    /// (`synchronous=FULL`); otherwise they survive a process crash but not a power loss.
    pub async fn open(url: &str, full_sync: bool) -> Result<Self, StoreError> {
        Self::open_with(url, full_sync, Duration::ZERO).await
    }

    /// [`Self::open`], with commits of appends starting at least `commit_interval` apart (what
    /// arrives meanwhile joins the next commit: one fsync for all of it).
    pub async fn open_with(
        url: &str,
        full_sync: bool,
        commit_interval: Duration,
    ) -> Result<Self, StoreError> {
        let options = SqliteConnectOptions::from_str(url)?
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(if full_sync {
                SqliteSynchronous::Full
            } else {
                SqliteSynchronous::Normal
            })
            .foreign_keys(true)
            .busy_timeout(Duration::from_secs(5));
        let file = Path::new(options.get_filename());
        let in_memory =
            options.get_filename().as_os_str() == ":memory:" || url.contains(":memory:");
        let folder = match file.parent() {
            _ if in_memory => None,
            Some(parent) if !parent.as_os_str().is_empty() => {
                std::fs::create_dir_all(parent)?;
                Some(parent.to_path_buf())
            }
            _ => Some(std::path::PathBuf::from(".")),
        };
        let pool = SqlitePoolOptions::new()
            .max_connections(4)
            .connect_with(options.clone())
            .await?;
        sqlx::migrate!("../migrations").run(&pool).await?;
        let (writer, requests) = mpsc::channel(WRITER_QUEUE);
        let writer_conn = options.connect().await?;
        tokio::spawn(write_appends(writer_conn, requests, commit_interval));
        Ok(Self {
            pool,
            writer,
            folder,
        })
    }

    /// Writes a consistent copy of the whole database to `to` (a new file) while the server
    /// keeps serving: SQLite's `VACUUM INTO` reads one snapshot of the database.
    pub async fn backup(&self, to: &Path) -> Result<(), StoreError> {
        if to.exists() {
            return Err(StoreError::Io(std::io::Error::new(
                std::io::ErrorKind::AlreadyExists,
                format!("{} exists already; choose a new file", to.display()),
            )));
        }
        sqlx::query("VACUUM INTO ?1")
            .bind(to.to_string_lossy().as_ref())
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    async fn ensure_board(
        conn: &mut sqlx::SqliteConnection,
        id: &BoardId,
        now: i64,
    ) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO boards (id, created_at, updated_at) VALUES (?1, ?2, ?2)
             ON CONFLICT(id) DO UPDATE SET updated_at = excluded.updated_at",
        )
        .bind(id.as_str())
        .bind(now)
        .execute(conn)
        .await?;
        Ok(())
    }
}

#[async_trait]
impl BoardStore for SqliteStore {
    async fn create_board(&self, id: &BoardId) -> Result<(), StoreError> {
        let mut conn = self.pool.acquire().await?;
        Self::ensure_board(&mut conn, id, now_ms()).await
    }

    async fn load(&self, id: &BoardId) -> Result<StoredBoard, StoreError> {
        let mut txn = self.pool.begin().await?;
        let snapshot = sqlx::query(
            "SELECT seq, data FROM board_snapshots WHERE board_id = ?1 ORDER BY seq DESC LIMIT 1",
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
        let rows = sqlx::query(
            "SELECT seq, data FROM board_updates WHERE board_id = ?1 AND seq > ?2 ORDER BY seq",
        )
        .bind(id.as_str())
        .bind(snapshot_seq)
        .fetch_all(&mut *txn)
        .await?;
        txn.commit().await?;
        let mut last_seq = snapshot_seq;
        let mut updates = Vec::with_capacity(rows.len());
        for row in rows {
            last_seq = row.try_get(0)?;
            updates.push(row.try_get(1)?);
        }
        Ok(StoredBoard {
            snapshot,
            updates,
            last_seq,
        })
    }

    async fn append(
        &self,
        id: &BoardId,
        first_seq: i64,
        updates: Vec<Vec<u8>>,
    ) -> Result<i64, StoreError> {
        let (done, result) = oneshot::channel();
        let request = AppendRequest {
            board: id.clone(),
            first_seq,
            updates,
            done,
        };
        self.writer
            .send(request)
            .await
            .map_err(|_| StoreError::WriterGone)?;
        result.await.map_err(|_| StoreError::WriterGone)??;
        Ok(first_seq)
    }

    async fn updates_since(
        &self,
        id: &BoardId,
        after: i64,
    ) -> Result<Option<Vec<(i64, Vec<u8>)>>, StoreError> {
        let mut txn = self.pool.begin().await?;
        let folded: Option<i64> =
            sqlx::query_scalar("SELECT MAX(seq) FROM board_snapshots WHERE board_id = ?1")
                .bind(id.as_str())
                .fetch_one(&mut *txn)
                .await?;
        if folded.is_some_and(|seq| seq > after) {
            return Ok(None);
        }
        let rows = sqlx::query(
            "SELECT seq, data FROM board_updates WHERE board_id = ?1 AND seq > ?2 ORDER BY seq",
        )
        .bind(id.as_str())
        .bind(after)
        .fetch_all(&mut *txn)
        .await?;
        txn.commit().await?;
        let updates = rows
            .into_iter()
            .map(|row| Ok((row.try_get(0)?, row.try_get(1)?)))
            .collect::<Result<_, sqlx::Error>>()?;
        Ok(Some(updates))
    }

    async fn last_seqs(&self, ids: &[BoardId]) -> Result<Vec<(BoardId, i64)>, StoreError> {
        let mut seqs = Vec::with_capacity(ids.len());
        for id in ids {
            let seq: Option<i64> = sqlx::query_scalar(
                "SELECT MAX(seq) FROM (SELECT MAX(seq) AS seq FROM board_updates WHERE board_id = ?1
                 UNION ALL SELECT MAX(seq) FROM board_snapshots WHERE board_id = ?1)",
            )
            .bind(id.as_str())
            .fetch_one(&self.pool)
            .await?;
            if let Some(seq) = seq {
                seqs.push((id.clone(), seq));
            }
        }
        Ok(seqs)
    }

    async fn link_stamps(&self, ids: &[BoardId]) -> Result<Vec<(BoardId, LinkStamp)>, StoreError> {
        let mut stamps = Vec::with_capacity(ids.len());
        for id in ids {
            let row: Option<(i64, bool)> = sqlx::query_as(
                "SELECT COALESCE(l.updated_at, 0), b.deleted_at IS NOT NULL
                 FROM boards b LEFT JOIN board_links l ON l.board_id = b.id WHERE b.id = ?1",
            )
            .bind(id.as_str())
            .fetch_optional(&self.pool)
            .await?;
            if let Some((links_at, deleted)) = row {
                stamps.push((id.clone(), LinkStamp { links_at, deleted }));
            }
        }
        Ok(stamps)
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
        let newer: Option<i64> = sqlx::query_scalar(
            "SELECT seq FROM board_snapshots WHERE board_id = ?1 AND seq > ?2 LIMIT 1",
        )
        .bind(id.as_str())
        .bind(through_seq)
        .fetch_optional(&mut *txn)
        .await?;
        if newer.is_some() {
            return Ok(());
        }
        sqlx::query(
            "INSERT INTO board_snapshots (board_id, seq, data, created_at) VALUES (?1, ?2, ?3, ?4)
             ON CONFLICT(board_id, seq) DO UPDATE SET data = excluded.data",
        )
        .bind(id.as_str())
        .bind(through_seq)
        .bind(snapshot)
        .bind(now)
        .execute(&mut *txn)
        .await?;
        sqlx::query("DELETE FROM board_updates WHERE board_id = ?1 AND seq <= ?2")
            .bind(id.as_str())
            .bind(through_seq)
            .execute(&mut *txn)
            .await?;
        sqlx::query(
            "DELETE FROM board_snapshots WHERE board_id = ?1 AND seq NOT IN
               (SELECT seq FROM board_snapshots WHERE board_id = ?1 ORDER BY seq DESC LIMIT ?2)",
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
        // One statement, so one write transaction: SQLite takes the write lock before the
        // quota sum is read, and no other upload can slip in between the check and the insert.
        let inserted = sqlx::query(
            "INSERT INTO images (board_id, id, mime, size, created_at, bytes)
             SELECT ?1, ?2, ?3, ?4, ?5, ?6
             WHERE EXISTS (SELECT 1 FROM boards WHERE id = ?1)
               AND (SELECT COALESCE(SUM(size), 0) FROM images WHERE board_id = ?1) + ?4 <= ?7
             ON CONFLICT (board_id, id) DO NOTHING",
        )
        .bind(board.as_str())
        .bind(image.id.as_str())
        .bind(image.format.mime())
        .bind(size)
        .bind(now_ms())
        .bind(&image.bytes[..])
        .bind(quota)
        .execute(&self.pool)
        .await?
        .rows_affected();
        if inserted == 1 {
            return Ok(ImagePut::Stored);
        }
        let row = sqlx::query(
            "SELECT EXISTS (SELECT 1 FROM images WHERE board_id = ?1 AND id = ?2),
                    EXISTS (SELECT 1 FROM boards WHERE id = ?1)",
        )
        .bind(board.as_str())
        .bind(image.id.as_str())
        .fetch_one(&self.pool)
        .await?;
        Ok(if row.try_get::<bool, _>(0)? {
            ImagePut::AlreadyStored
        } else if !row.try_get::<bool, _>(1)? {
            ImagePut::NoSuchBoard
        } else {
            ImagePut::BoardFull
        })
    }

    async fn get_image(
        &self,
        board: &BoardId,
        id: &ImageId,
    ) -> Result<Option<StoredImage>, StoreError> {
        let row = sqlx::query("SELECT mime, bytes FROM images WHERE board_id = ?1 AND id = ?2")
            .bind(board.as_str())
            .bind(id.as_str())
            .fetch_optional(&self.pool)
            .await?;
        row.map(|row| {
            Ok(StoredImage {
                mime: row.try_get(0)?,
                bytes: row.try_get(1)?,
            })
        })
        .transpose()
    }

    async fn board_exists(&self, id: &BoardId) -> Result<bool, StoreError> {
        let row = sqlx::query("SELECT EXISTS (SELECT 1 FROM boards WHERE id = ?1)")
            .bind(id.as_str())
            .fetch_one(&self.pool)
            .await?;
        Ok(row.try_get::<bool, _>(0)?)
    }

    async fn links(&self, id: &BoardId) -> Result<Option<LinkHashes>, StoreError> {
        let row = sqlx::query(
            "SELECT edit_hash, view_hash, manage_hash FROM board_links WHERE board_id = ?1",
        )
        .bind(id.as_str())
        .fetch_optional(&self.pool)
        .await?;
        let Some(row) = row else {
            return Ok(None);
        };
        let hash = |i: usize| -> Result<[u8; 32], StoreError> {
            let bytes: Vec<u8> = row.try_get(i)?;
            bytes
                .try_into()
                .map_err(|_| StoreError::Database(sqlx::Error::Decode("link hash size".into())))
        };
        Ok(Some(LinkHashes {
            edit: hash(0)?,
            view: hash(1)?,
            manage: hash(2)?,
        }))
    }

    async fn set_links(&self, id: &BoardId, links: &LinkHashes) -> Result<(), StoreError> {
        let now = now_ms();
        let mut txn = self.pool.begin().await?;
        Self::ensure_board(&mut txn, id, now).await?;
        sqlx::query(
            "INSERT INTO board_links (board_id, edit_hash, view_hash, manage_hash, updated_at)
             VALUES (?1, ?2, ?3, ?4, ?5)
             ON CONFLICT(board_id) DO UPDATE SET edit_hash = excluded.edit_hash,
                 view_hash = excluded.view_hash, manage_hash = excluded.manage_hash,
                 updated_at = excluded.updated_at",
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

    async fn usage(&self) -> Result<StorageUsage, StoreError> {
        let row = sqlx::query(
            "SELECT (SELECT page_count FROM pragma_page_count()) - \
                    (SELECT freelist_count FROM pragma_freelist_count()), \
                    (SELECT page_size FROM pragma_page_size())",
        )
        .fetch_one(&self.pool)
        .await?;
        let pages = u64::try_from(row.try_get::<i64, _>(0)?).unwrap_or(0);
        let page_size = u64::try_from(row.try_get::<i64, _>(1)?).unwrap_or(0);
        let free_disk_bytes = match &self.folder {
            Some(folder) => Some(fs4::available_space(folder)?),
            None => None,
        };
        Ok(StorageUsage {
            used_bytes: pages * page_size,
            free_disk_bytes,
        })
    }

    async fn delete_unused_boards(
        &self,
        created_before_ms: i64,
        keep: &[BoardId],
    ) -> Result<u64, StoreError> {
        let keep = serde_json::to_string(&keep.iter().map(BoardId::as_str).collect::<Vec<_>>())
            .unwrap_or_else(|_| "[]".into());
        let deleted = sqlx::query(
            "DELETE FROM boards WHERE created_at < ?1 AND deleted_at IS NULL
               AND id NOT IN (SELECT value FROM json_each(?2))
               AND NOT EXISTS (SELECT 1 FROM board_updates WHERE board_id = boards.id)
               AND NOT EXISTS (SELECT 1 FROM board_snapshots WHERE board_id = boards.id)
               AND NOT EXISTS (SELECT 1 FROM images WHERE board_id = boards.id)",
        )
        .bind(created_before_ms)
        .bind(keep)
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
        super::versions::add(&self.pool, id, state, version, max_bytes, now_ms()).await
    }

    async fn versions(&self, id: &BoardId) -> Result<Vec<VersionInfo>, StoreError> {
        super::versions::list(&self.pool, id).await
    }

    async fn version(&self, id: &BoardId, version: i64) -> Result<Option<Vec<u8>>, StoreError> {
        super::versions::get(&self.pool, id, version).await
    }

    async fn prune_versions(
        &self,
        now_ms: i64,
        keep_all_ms: i64,
        keep_ms: i64,
    ) -> Result<u64, StoreError> {
        super::versions::prune(&self.pool, now_ms, keep_all_ms, keep_ms).await
    }

    async fn delete_board(&self, id: &BoardId, tombstone: &LinkHashes) -> Result<bool, StoreError> {
        let mut txn = self.pool.begin().await?;
        let deleted = sqlx::query("DELETE FROM boards WHERE id = ?1")
            .bind(id.as_str())
            .execute(&mut *txn)
            .await?
            .rows_affected();
        if deleted == 0 {
            return Ok(false);
        }
        let now = now_ms();
        sqlx::query(
            "INSERT INTO boards (id, created_at, updated_at, deleted_at) VALUES (?1, ?2, ?2, ?2)",
        )
        .bind(id.as_str())
        .bind(now)
        .execute(&mut *txn)
        .await?;
        sqlx::query(
            "INSERT INTO board_links (board_id, edit_hash, view_hash, manage_hash, updated_at)
             VALUES (?1, ?2, ?3, ?4, ?5)",
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

    async fn updated_at(&self, id: &BoardId) -> Result<Option<i64>, StoreError> {
        let row = sqlx::query("SELECT updated_at FROM boards WHERE id = ?1")
            .bind(id.as_str())
            .fetch_optional(&self.pool)
            .await?;
        Ok(match row {
            Some(row) => Some(row.try_get(0)?),
            None => None,
        })
    }

    async fn ping(&self) -> Result<(), StoreError> {
        sqlx::query("SELECT 1").execute(&self.pool).await?;
        Ok(())
    }
}

#[cfg(test)]
mod tests;
