//! Version history in SQLite (the `board_versions` table), and the retention rule as a pure
//! function so it can be tested without a clock.

use sqlx::{Row, SqlitePool};

use super::{NewVersion, StoreError, VersionInfo, VersionReason};
use board::BoardId;

const DAY_MS: i64 = 24 * 60 * 60 * 1000;

/// Which versions of one board to delete. `versions` is `(id, created_at)` in any order. Kept:
/// the newest; everything newer than `keep_all_ms`; between that and `keep_ms`, the last
/// version of each day (UTC).
pub fn versions_to_prune(
    versions: &[(i64, i64)],
    now_ms: i64,
    keep_all_ms: i64,
    keep_ms: i64,
) -> Vec<i64> {
    let mut sorted = versions.to_vec();
    sorted.sort_by_key(|&(id, at)| std::cmp::Reverse((at, id)));
    let mut doomed = Vec::new();
    let mut days_seen = std::collections::HashSet::new();
    for (i, &(id, at)) in sorted.iter().enumerate() {
        let age = now_ms - at;
        let keep =
            i == 0 || age <= keep_all_ms || (age <= keep_ms && days_seen.insert(at / DAY_MS));
        if !keep {
            doomed.push(id);
        }
    }
    doomed
}

/// Which versions of one board to delete so that they take at most `max_bytes` together:
/// `sizes` is `(id, size)` newest first; the oldest go first, never `keep` (the new one).
pub(crate) fn versions_over_cap(sizes: &[(i64, i64)], max_bytes: u64, keep: i64) -> Vec<i64> {
    let mut total: u64 = 0;
    let mut doomed = Vec::new();
    for &(id, size) in sizes {
        total = total.saturating_add(size.max(0) as u64);
        if total > max_bytes && id != keep {
            doomed.push(id);
        }
    }
    doomed
}

/// A listed version from its stored columns (an unknown reason reads as an edit, unreadable
/// editors as none).
pub(crate) fn version_info(
    id: i64,
    at: i64,
    reason: &str,
    editors: &str,
    bytes: i64,
) -> VersionInfo {
    VersionInfo {
        id,
        at,
        reason: VersionReason::parse(reason).unwrap_or(VersionReason::Edit),
        editors: serde_json::from_str(editors).unwrap_or_default(),
        bytes,
    }
}

pub(super) async fn add(
    pool: &SqlitePool,
    id: &BoardId,
    state: &[u8],
    version: NewVersion<'_>,
    max_bytes: u64,
    now_ms: i64,
) -> Result<i64, StoreError> {
    let editors = serde_json::to_string(version.editors).unwrap_or_else(|_| "[]".into());
    let mut txn = pool.begin().await?;
    let row = sqlx::query(
        "INSERT INTO board_versions (board_id, id, created_at, seq, reason, editors, size, data)
         VALUES (?1, (SELECT COALESCE(MAX(id), 0) + 1 FROM board_versions WHERE board_id = ?1),
                 ?2, ?3, ?4, ?5, ?6, ?7)
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
    let new_id: i64 = row.try_get(0)?;
    // The board's versions count toward its size: the oldest go first.
    let sizes: Vec<(i64, i64)> =
        sqlx::query_as("SELECT id, size FROM board_versions WHERE board_id = ?1 ORDER BY id DESC")
            .bind(id.as_str())
            .fetch_all(&mut *txn)
            .await?;
    for vid in versions_over_cap(&sizes, max_bytes, new_id) {
        sqlx::query("DELETE FROM board_versions WHERE board_id = ?1 AND id = ?2")
            .bind(id.as_str())
            .bind(vid)
            .execute(&mut *txn)
            .await?;
    }
    txn.commit().await?;
    Ok(new_id)
}

pub(super) async fn list(pool: &SqlitePool, id: &BoardId) -> Result<Vec<VersionInfo>, StoreError> {
    let rows = sqlx::query(
        "SELECT id, created_at, reason, editors, size FROM board_versions
         WHERE board_id = ?1 ORDER BY id DESC",
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
    pool: &SqlitePool,
    id: &BoardId,
    version: i64,
) -> Result<Option<Vec<u8>>, StoreError> {
    let row = sqlx::query("SELECT data FROM board_versions WHERE board_id = ?1 AND id = ?2")
        .bind(id.as_str())
        .bind(version)
        .fetch_optional(pool)
        .await?;
    Ok(match row {
        Some(row) => Some(row.try_get(0)?),
        None => None,
    })
}

pub(super) async fn prune(
    pool: &SqlitePool,
    now_ms: i64,
    keep_all_ms: i64,
    keep_ms: i64,
) -> Result<u64, StoreError> {
    // Only boards with a version old enough to be at stake.
    let rows = sqlx::query(
        "SELECT board_id, id, created_at FROM board_versions WHERE board_id IN
           (SELECT DISTINCT board_id FROM board_versions WHERE created_at < ?1)
         ORDER BY board_id",
    )
    .bind(now_ms - keep_all_ms)
    .fetch_all(pool)
    .await?;
    let mut by_board: std::collections::BTreeMap<String, Vec<(i64, i64)>> = Default::default();
    for row in rows {
        by_board
            .entry(row.try_get(0)?)
            .or_default()
            .push((row.try_get(1)?, row.try_get(2)?));
    }
    let mut deleted = 0;
    for (board, versions) in by_board {
        for id in versions_to_prune(&versions, now_ms, keep_all_ms, keep_ms) {
            deleted += sqlx::query("DELETE FROM board_versions WHERE board_id = ?1 AND id = ?2")
                .bind(&board)
                .bind(id)
                .execute(pool)
                .await?
                .rows_affected();
        }
    }
    Ok(deleted)
}

#[cfg(test)]
mod tests {
    use super::*;

    const HOUR: i64 = 60 * 60 * 1000;

    #[test]
    fn recent_versions_stay_older_ones_thin_to_one_a_day_then_go() {
        let now = 100 * DAY_MS;
        let keep_all = 7 * DAY_MS;
        let keep = 90 * DAY_MS;
        let versions = [
            (1, now - 95 * DAY_MS),            // too old
            (2, now - 20 * DAY_MS + HOUR),     // day -20, earlier
            (3, now - 20 * DAY_MS + 2 * HOUR), // day -20, the day's last: stays
            (4, now - 10 * DAY_MS),            // alone on its day: stays
            (5, now - 2 * DAY_MS),             // recent
            (6, now - 2 * DAY_MS + 1),         // recent
        ];
        let mut doomed = versions_to_prune(&versions, now, keep_all, keep);
        doomed.sort();
        assert_eq!(doomed, [1, 2]);
    }

    #[test]
    fn the_newest_version_stays_however_old() {
        let now = 1000 * DAY_MS;
        assert!(versions_to_prune(&[(7, 0)], now, DAY_MS, 2 * DAY_MS).is_empty());
        assert_eq!(
            versions_to_prune(&[(7, 0), (8, 1)], now, DAY_MS, 2 * DAY_MS),
            [7]
        );
    }
}
