//! Board persistence behind a small trait, so the embedded SQLite store can later sit beside a
//! PostgreSQL one for clusters, and tests can swap in failures.

mod postgres;
mod sqlite;
mod versions;

pub use postgres::PgStore;
pub use sqlite::SqliteStore;
pub use versions::versions_to_prune;

use async_trait::async_trait;
use board::BoardId;

use crate::images::{Image, ImageId};

/// Why a store operation failed. Shown to operators in logs, never to peers.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("database error: {0}")]
    Database(#[from] sqlx::Error),
    #[error("migration failed: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    #[error("cannot prepare the database location: {0}")]
    Io(#[from] std::io::Error),
    #[error("the store's writer has stopped")]
    WriterGone,
    #[error("the board was deleted")]
    BoardDeleted,
}

/// What a board's history holds when a room opens it.
#[derive(Debug, Default, Clone)]
pub struct StoredBoard {
    /// The latest snapshot (a v1 update holding the whole document), if any.
    pub snapshot: Option<Vec<u8>>,
    /// Updates newer than the snapshot, in order.
    pub updates: Vec<Vec<u8>>,
    /// Sequence number of the last update (or of the snapshot when there is none); 0 for a
    /// board with no history.
    pub last_seq: i64,
}

/// What [`BoardStore::put_image`] did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ImagePut {
    /// The image is new to the board and now stored.
    Stored,
    /// The board already had these bytes; nothing changed.
    AlreadyStored,
    /// Storing it would take the board's images past the quota; nothing changed.
    BoardFull,
    /// The board was never created; nothing changed.
    NoSuchBoard,
}

/// An image as stored.
#[derive(Debug, Clone)]
pub struct StoredImage {
    /// From the magic bytes at upload, e.g. `image/png`.
    pub mime: String,
    pub bytes: Vec<u8>,
}

/// Storage in use and left, for the storage budget and the free-disk floor.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StorageUsage {
    /// Bytes the database holds (pages in use, free pages not counted).
    pub used_bytes: u64,
    /// Bytes free on the database's disk for this process; `None` for an in-memory database.
    pub free_disk_bytes: Option<u64>,
}

/// The SHA-256 hashes of a board's link tokens (see `crate::access`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LinkHashes {
    pub edit: [u8; 32],
    pub view: [u8; 32],
    pub manage: [u8; 32],
}

/// When a board's links last changed, and whether it was deleted (see
/// [`BoardStore::link_stamps`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LinkStamp {
    pub links_at: i64,
    pub deleted: bool,
}

/// Why a version was kept.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum VersionReason {
    /// The board went quiet after changes (or kept changing for a while).
    Edit,
    /// The state just before someone restored an older version.
    Restore,
    /// The state just before someone imported a file.
    Import,
}

impl VersionReason {
    pub fn as_str(self) -> &'static str {
        match self {
            VersionReason::Edit => "edit",
            VersionReason::Restore => "restore",
            VersionReason::Import => "import",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        [Self::Edit, Self::Restore, Self::Import]
            .into_iter()
            .find(|r| r.as_str() == s)
    }
}

/// What a new version records besides the document.
#[derive(Debug, Clone, Copy)]
pub struct NewVersion<'a> {
    /// The last stored update the version holds.
    pub seq: i64,
    pub reason: VersionReason,
    /// Names of the people seen editing since the version before.
    pub editors: &'a [String],
}

/// A version as listed in the History panel (without its data).
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct VersionInfo {
    pub id: i64,
    /// Unix milliseconds.
    pub at: i64,
    pub reason: VersionReason,
    /// Names of the people seen editing since the version before.
    pub editors: Vec<String>,
    /// Bytes the version takes in storage.
    pub bytes: i64,
}

/// Durable storage for boards. Every method commits before it returns.
#[async_trait]
pub trait BoardStore: Send + Sync + 'static {
    /// Records a new, empty board (the home page's "New board"). Idempotent.
    async fn create_board(&self, id: &BoardId) -> Result<(), StoreError>;

    /// Loads a board's snapshot and later updates; an unknown board loads empty.
    async fn load(&self, id: &BoardId) -> Result<StoredBoard, StoreError>;

    /// Appends updates after the board's last stored one, atomically, and returns the sequence
    /// number the first got (the others follow it). `expected_first` is the number the caller
    /// expects: a store with one writer (SQLite, one node) numbers from it; a store several
    /// nodes share (PostgreSQL) numbers from the board's own counter in the same transaction,
    /// gap-free, so the result is larger when another node committed in between. Stores may
    /// commit the appends of several boards in one transaction (group commit); this returns
    /// once they are durable.
    async fn append(
        &self,
        id: &BoardId,
        expected_first: i64,
        updates: Vec<Vec<u8>>,
    ) -> Result<i64, StoreError>;

    /// The stored updates numbered after `after`, in order, with their numbers; `None` when
    /// some of them were folded into a snapshot already (the caller then loads the board
    /// whole). How a node catches up with what other nodes committed.
    async fn updates_since(
        &self,
        id: &BoardId,
        after: i64,
    ) -> Result<Option<Vec<(i64, Vec<u8>)>>, StoreError>;

    /// The number of the last stored update of each of `ids` that exists, in one query: a
    /// node's check that it missed nothing another node committed.
    async fn last_seqs(&self, ids: &[BoardId]) -> Result<Vec<(BoardId, i64)>, StoreError>;

    /// For each of `ids` that exists: when its links were last set (unix milliseconds; 0 for
    /// an open board) and whether it was deleted, in one query: a node's check that no link
    /// reset or deletion on another node went unnoticed.
    async fn link_stamps(&self, ids: &[BoardId]) -> Result<Vec<(BoardId, LinkStamp)>, StoreError>;

    /// Replaces the updates up to `through_seq` with `snapshot`, in one transaction. A
    /// snapshot through fewer updates than the board's latest one changes nothing, so two
    /// nodes compacting one board at once lose nothing.
    async fn compact(
        &self,
        id: &BoardId,
        snapshot: &[u8],
        through_seq: i64,
    ) -> Result<(), StoreError>;

    /// Stores an image of an existing board under its id, unless the board's images would then
    /// take more than `quota` bytes. The quota check and the write are one atomic step, so
    /// uploads racing each other cannot overshoot it together.
    async fn put_image(
        &self,
        board: &BoardId,
        image: &Image,
        quota: u64,
    ) -> Result<ImagePut, StoreError>;

    /// One image of a board; `None` when the board has no image with that id.
    async fn get_image(
        &self,
        board: &BoardId,
        id: &ImageId,
    ) -> Result<Option<StoredImage>, StoreError>;

    /// Whether a board has been created (or written to).
    async fn board_exists(&self, id: &BoardId) -> Result<bool, StoreError>;

    /// A board's link hashes; `None` for an open board (no links: its bare link edits).
    async fn links(&self, id: &BoardId) -> Result<Option<LinkHashes>, StoreError>;

    /// Creates or replaces a board's links (creating the board when needed), atomically.
    async fn set_links(&self, id: &BoardId, links: &LinkHashes) -> Result<(), StoreError>;

    /// What the stored data takes, and what is left on its disk.
    async fn usage(&self) -> Result<StorageUsage, StoreError>;

    /// Deletes the boards created before `created_before_ms` (unix milliseconds) that hold
    /// nothing (no update, snapshot or image), except those in `keep`. Returns how many.
    async fn delete_unused_boards(
        &self,
        created_before_ms: i64,
        keep: &[BoardId],
    ) -> Result<u64, StoreError>;

    /// Keeps the whole document `state` (a v1 update) as a new version of the board, holding
    /// the updates up to `seq`; then, while the board's versions take more than `max_bytes`,
    /// deletes its oldest (never the new one). Returns the new version's id.
    async fn add_version(
        &self,
        id: &BoardId,
        state: &[u8],
        version: NewVersion<'_>,
        max_bytes: u64,
    ) -> Result<i64, StoreError>;

    /// A board's versions, newest first.
    async fn versions(&self, id: &BoardId) -> Result<Vec<VersionInfo>, StoreError>;

    /// One version's document state; `None` when the board has no such version.
    async fn version(&self, id: &BoardId, version: i64) -> Result<Option<Vec<u8>>, StoreError>;

    /// Deletes versions by age: older than `keep_ms` go, between `keep_all_ms` and `keep_ms`
    /// one a day (the day's last) stays; a board's newest version always stays. Returns how
    /// many were deleted.
    async fn prune_versions(
        &self,
        now_ms: i64,
        keep_all_ms: i64,
        keep_ms: i64,
    ) -> Result<u64, StoreError>;

    /// Deletes a board and all it holds (history, images, versions). Its id stays taken: links
    /// nobody knows are set, so no key opens it again. Returns false for an unknown board.
    async fn delete_board(&self, id: &BoardId, tombstone: &LinkHashes) -> Result<bool, StoreError>;

    /// A board's last change (unix milliseconds), if the board exists.
    async fn updated_at(&self, id: &BoardId) -> Result<Option<i64>, StoreError>;

    /// A node has the board open (called when a room loads it and every few minutes while it
    /// stays loaded), so that another node's sweep of never-edited boards leaves it. Only a
    /// store several nodes share needs it.
    async fn board_opened(&self, _id: &BoardId) -> Result<(), StoreError> {
        Ok(())
    }

    /// Whether the database answers (health checks).
    async fn ping(&self) -> Result<(), StoreError>;
}
