//! Background duties of a running server, each on its own timer:
//!
//! - **The storage gauge** (every [`STORAGE_SAMPLE`]): reads the database's size and the free
//!   space on its disk; while the size is past `WB_MAX_STORAGE_BYTES` or the free space under
//!   `WB_MIN_FREE_DISK_BYTES`, [`Rooms::storage_full`] is true and every write is refused (new
//!   boards and uploads with 507, document changes by closing the socket with 1013: the
//!   browser keeps them and sends them when it reconnects later).
//! - **Expiring unused boards** (every [`EXPIRY_SWEEP`]): boards created more than
//!   `WB_UNUSED_BOARD_HOURS` ago that hold nothing are deleted, so board creation cannot fill
//!   the database with empty rows. Boards open in a room are left alone.
//! - **Pruning versions** (every [`EXPIRY_SWEEP`]): versions older than
//!   `WB_VERSION_KEEP_ALL_DAYS` thin out to one a day, and go after `WB_VERSION_KEEP_DAYS`.
//! - **The presence pace** (every [`crate::pace::TICK`]): how long boards hold presence
//!   changes, from how late the runtime runs.
//! - **Forgetting idle client addresses** (every [`FORGET_CLIENTS`]): the per-address limits
//!   keep state only for recent clients.

use std::sync::atomic::Ordering;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use tokio::task::JoinSet;
use tracing::{info, warn};

use crate::rooms::Rooms;

pub const STORAGE_SAMPLE: Duration = Duration::from_secs(2);
pub const EXPIRY_SWEEP: Duration = Duration::from_secs(600);
pub const FORGET_CLIENTS: Duration = Duration::from_secs(60);

/// The running duties; aborted together when dropped or on [`Tasks::abort`].
pub struct Tasks(JoinSet<()>);

impl Tasks {
    pub fn abort(mut self) {
        self.0.abort_all();
    }
}

/// Starts every duty for `rooms`.
pub fn spawn(rooms: Rooms) -> Tasks {
    let mut set = JoinSet::new();
    let r = rooms.clone();
    set.spawn(every(STORAGE_SAMPLE, move || {
        let r = r.clone();
        async move { sample_storage(&r).await }
    }));
    if rooms.config().unused_board_hours > 0 {
        let r = rooms.clone();
        set.spawn(every(EXPIRY_SWEEP, move || {
            let r = r.clone();
            async move { expire_unused_boards(&r).await }
        }));
    }
    let r = rooms.clone();
    set.spawn(every(EXPIRY_SWEEP, move || {
        let r = r.clone();
        async move { prune_versions(&r).await }
    }));
    let r = rooms.clone();
    set.spawn(async move { r.presence_pace().watch().await });
    set.spawn(every(FORGET_CLIENTS, move || {
        let r = rooms.clone();
        async move { r.clients().forget_idle() }
    }));
    Tasks(set)
}

async fn every<F, Fut>(period: Duration, mut duty: F)
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = ()>,
{
    let mut timer = tokio::time::interval(period);
    timer.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        timer.tick().await;
        duty().await;
    }
}

/// Reads the storage in use and left, and sets whether writes are refused.
pub async fn sample_storage(rooms: &Rooms) {
    let config = rooms.config();
    let usage = match rooms.store().usage().await {
        Ok(usage) => usage,
        Err(e) => {
            warn!(error = %e, "cannot read the storage in use");
            return;
        }
    };
    rooms
        .metrics()
        .storage_used_bytes
        .store(usage.used_bytes, Ordering::Relaxed);
    let over_budget = config.max_storage_bytes > 0 && usage.used_bytes >= config.max_storage_bytes;
    let disk_low = usage
        .free_disk_bytes
        .is_some_and(|free| free < config.min_free_disk_bytes);
    let full = over_budget || disk_low;
    if full != rooms.storage_full() {
        if full {
            warn!(
                used = usage.used_bytes,
                free_disk = usage.free_disk_bytes,
                "storage full: refusing writes until space is freed"
            );
        } else {
            info!("storage available again: accepting writes");
        }
        rooms.set_storage_full(full);
    }
}

/// Deletes boards created long ago that were never edited.
pub async fn expire_unused_boards(rooms: &Rooms) {
    let hours = rooms.config().unused_board_hours;
    let now_ms = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as i64);
    let cutoff = now_ms.saturating_sub((hours as i64).saturating_mul(3_600_000));
    let loaded = rooms.loaded_boards();
    match rooms.store().delete_unused_boards(cutoff, &loaded).await {
        Ok(0) => {}
        Ok(n) => {
            rooms
                .metrics()
                .boards_expired
                .fetch_add(n, Ordering::Relaxed);
            info!(boards = n, "deleted boards that were never edited");
        }
        Err(e) => warn!(error = %e, "cannot expire unused boards"),
    }
}

/// Deletes versions past the retention rule (`crate::store::versions_to_prune`).
pub async fn prune_versions(rooms: &Rooms) {
    const DAY_MS: i64 = 24 * 3_600_000;
    let config = rooms.config();
    let now_ms = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as i64);
    let keep_all = (config.version_keep_all_days as i64).saturating_mul(DAY_MS);
    let keep = (config.version_keep_days as i64)
        .saturating_mul(DAY_MS)
        .max(keep_all);
    match rooms.store().prune_versions(now_ms, keep_all, keep).await {
        Ok(0) => {}
        Ok(n) => info!(versions = n, "pruned old versions"),
        Err(e) => warn!(error = %e, "cannot prune versions"),
    }
}
