//! Tests of the SQLite store: history, versions, images, expiry and the group commit.

use super::*;

async fn store() -> (SqliteStore, tempfile::TempDir) {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("t.db").display());
    (SqliteStore::open(&url, true).await.unwrap(), dir)
}

#[tokio::test]
async fn append_load_compact() {
    let (store, _dir) = store().await;
    let id = BoardId::parse("board-1").unwrap();
    assert_eq!(store.load(&id).await.unwrap().last_seq, 0);
    store.append(&id, 1, vec![vec![1], vec![2]]).await.unwrap();
    store.append(&id, 3, vec![vec![3]]).await.unwrap();
    let loaded = store.load(&id).await.unwrap();
    assert_eq!(loaded.updates, vec![vec![1], vec![2], vec![3]]);
    assert_eq!(loaded.last_seq, 3);

    store.compact(&id, &[9, 9], 2).await.unwrap();
    let loaded = store.load(&id).await.unwrap();
    assert_eq!(loaded.snapshot, Some(vec![9, 9]));
    assert_eq!(loaded.updates, vec![vec![3]]);
    assert_eq!(loaded.last_seq, 3);
}

#[tokio::test]
async fn versions_past_the_cap_go_oldest_first_and_deletion_takes_everything() {
    let (store, _dir) = store().await;
    let id = BoardId::parse("board-v").unwrap();
    store.append(&id, 1, vec![vec![1]]).await.unwrap();
    let v = |reason| NewVersion {
        seq: 1,
        reason,
        editors: &[],
    };
    for _ in 0..3 {
        store
            .add_version(&id, &[7; 40], v(VersionReason::Edit), 100)
            .await
            .unwrap();
    }
    // 3 × 40 bytes > 100: the oldest went.
    let ids: Vec<i64> = store
        .versions(&id)
        .await
        .unwrap()
        .iter()
        .map(|v| v.id)
        .collect();
    assert_eq!(ids, [3, 2]);
    // A version larger than the cap alone is still kept.
    store
        .add_version(&id, &[7; 500], v(VersionReason::Import), 100)
        .await
        .unwrap();
    let kept = store.versions(&id).await.unwrap();
    assert_eq!(kept.len(), 1);
    assert_eq!(kept[0].reason, VersionReason::Import);

    let tombstone = LinkHashes {
        edit: [1; 32],
        view: [2; 32],
        manage: [3; 32],
    };
    assert!(store.delete_board(&id, &tombstone).await.unwrap());
    assert!(store.versions(&id).await.unwrap().is_empty());
    assert_eq!(store.load(&id).await.unwrap().last_seq, 0);
    assert_eq!(store.links(&id).await.unwrap(), Some(tombstone.clone()));
    // The sweep of unused boards leaves the deleted one (its id stays closed).
    let later = now_ms() + 1_000;
    assert_eq!(store.delete_unused_boards(later, &[]).await.unwrap(), 0);
    assert_eq!(store.links(&id).await.unwrap(), Some(tombstone));
}

#[tokio::test]
async fn a_failed_append_is_whole_and_harms_no_other_board() {
    let (store, _dir) = store().await;
    let a = BoardId::parse("a").unwrap();
    let b = BoardId::parse("b").unwrap();
    store.append(&a, 1, vec![vec![1], vec![2]]).await.unwrap();
    // Sent together, so the writer commits them in one batch: the duplicate seq for `a`
    // fails alone, `b`'s append still lands.
    let (bad, good) = tokio::join!(
        store.append(&a, 2, vec![vec![20], vec![30]]),
        store.append(&b, 1, vec![vec![7]]),
    );
    assert!(bad.is_err());
    assert!(good.is_ok());
    assert_eq!(
        store.load(&a).await.unwrap().updates,
        vec![vec![1], vec![2]]
    );
    assert_eq!(store.load(&b).await.unwrap().updates, vec![vec![7]]);
}

fn png(n: u8, len: usize) -> Image {
    let mut bytes = b"\x89PNG\r\n\x1a\n".to_vec();
    bytes.resize(len, n);
    Image::from_bytes(bytes.into()).unwrap()
}

#[tokio::test]
async fn images_are_stored_once_and_only_for_created_boards() {
    let (store, _dir) = store().await;
    let id = BoardId::parse("pictures").unwrap();
    let image = png(1, 100);
    assert_eq!(
        store.put_image(&id, &image, 1000).await.unwrap(),
        ImagePut::NoSuchBoard
    );
    store.create_board(&id).await.unwrap();
    assert_eq!(
        store.put_image(&id, &image, 1000).await.unwrap(),
        ImagePut::Stored
    );
    assert_eq!(
        store.put_image(&id, &image, 1000).await.unwrap(),
        ImagePut::AlreadyStored
    );
    let stored = store.get_image(&id, &image.id).await.unwrap().unwrap();
    assert_eq!(stored.mime, "image/png");
    assert_eq!(stored.bytes, image.bytes);
    let elsewhere = BoardId::parse("elsewhere").unwrap();
    assert!(store
        .get_image(&elsewhere, &image.id)
        .await
        .unwrap()
        .is_none());
}

#[tokio::test]
async fn only_boards_that_hold_nothing_and_are_not_open_expire() {
    let (store, _dir) = store().await;
    let board = |s: &str| BoardId::parse(s).unwrap();
    for id in ["empty", "drawn", "pictured", "open"] {
        store.create_board(&board(id)).await.unwrap();
    }
    store
        .append(&board("drawn"), 1, vec![vec![0, 0]])
        .await
        .unwrap();
    store
        .put_image(&board("pictured"), &png(1, 10), 1000)
        .await
        .unwrap();
    // Created before the cutoff of "now + 1 s": all four are old enough.
    let cutoff = now_ms() + 1000;
    // A cutoff in the past keeps them all.
    assert_eq!(store.delete_unused_boards(0, &[]).await.unwrap(), 0);
    let deleted = store
        .delete_unused_boards(cutoff, &[board("open")])
        .await
        .unwrap();
    assert_eq!(deleted, 1);
    for (id, exists) in [
        ("empty", false),
        ("drawn", true),
        ("pictured", true),
        ("open", true),
    ] {
        assert_eq!(
            store.board_exists(&board(id)).await.unwrap(),
            exists,
            "{id}"
        );
    }
    let usage = store.usage().await.unwrap();
    assert!(
        usage.used_bytes > 0 && usage.free_disk_bytes.is_some(),
        "{usage:?}"
    );
}

#[tokio::test]
async fn racing_uploads_never_take_a_board_past_its_quota() {
    let (store, _dir) = store().await;
    let id = BoardId::parse("racing").unwrap();
    store.create_board(&id).await.unwrap();
    let images: Vec<Image> = (0..12).map(|n| png(n, 100)).collect();
    let puts = images.iter().map(|image| store.put_image(&id, image, 350));
    let results = futures_util::future::join_all(puts).await;
    let stored = results
        .iter()
        .filter(|r| matches!(r, Ok(ImagePut::Stored)))
        .count();
    let full = results
        .iter()
        .filter(|r| matches!(r, Ok(ImagePut::BoardFull)))
        .count();
    assert_eq!((stored, full), (3, 9), "{results:?}");
}

#[tokio::test]
async fn concurrent_appends_from_many_boards_all_land() {
    let (store, _dir) = store().await;
    let ids: Vec<BoardId> = (0..50)
        .map(|i| BoardId::parse(&format!("b{i}")).unwrap())
        .collect();
    let appends = ids
        .iter()
        .map(|id| store.append(id, 1, vec![vec![1], vec![2]]));
    for result in futures_util::future::join_all(appends).await {
        result.unwrap();
    }
    for id in &ids {
        assert_eq!(store.load(id).await.unwrap().last_seq, 2);
    }
}

#[tokio::test]
async fn commits_start_an_interval_apart_and_a_quiet_store_commits_at_once() {
    use std::time::Instant;
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("t.db").display());
    let interval = Duration::from_secs(1);
    let store = SqliteStore::open_with(&url, true, interval).await.unwrap();
    let id = BoardId::parse("board-interval").unwrap();
    let soon = Duration::from_millis(500);

    let t = Instant::now();
    store.append(&id, 1, vec![vec![1]]).await.unwrap();
    assert!(t.elapsed() < soon, "a quiet store commits at once");

    // Right behind that commit, appends wait for the interval (and commit together).
    let t = Instant::now();
    let (a, b) = tokio::join!(
        store.append(&id, 2, vec![vec![2]]),
        store.append(&id, 3, vec![vec![3]])
    );
    a.unwrap();
    b.unwrap();
    let waited = t.elapsed();
    assert!(waited >= Duration::from_millis(700), "waited {waited:?}");

    tokio::time::sleep(interval).await;
    let t = Instant::now();
    store.append(&id, 4, vec![vec![4]]).await.unwrap();
    assert!(t.elapsed() < soon, "after a quiet spell, at once again");
    let loaded = store.load(&id).await.unwrap();
    assert_eq!(loaded.updates, vec![vec![1], vec![2], vec![3], vec![4]]);
}
