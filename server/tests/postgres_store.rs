//! `PgStore` against a real PostgreSQL (`WB_TEST_POSTGRES_URL`; skipped without one, see
//! `common/services.rs`). Each test gets a database of its own. "Two nodes" are two `PgStore`s
//! on one database, as two server processes would be: what these tests are for is that their
//! appends, compactions, loads and uploads interleave without losing or overshooting anything.
//!
//! Long on purpose, one test per promise of the store's contract in trait order; the shared
//! helpers are at the top.

mod common;

use std::collections::{BTreeMap, BTreeSet};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use board::BoardId;
use server::images::Image;
use server::store::{
    BoardStore, ImagePut, LinkHashes, NewVersion, PgStore, StoredBoard, VersionReason,
};
use sqlx::Connection;
use tokio::task::JoinSet;
use yrs::updates::decoder::Decode;
use yrs::{Doc, Map, ReadTxn, StateVector, Transact, Update};

fn board(s: &str) -> BoardId {
    BoardId::parse(s).unwrap()
}

async fn two_nodes(url: &str) -> (PgStore, PgStore) {
    (
        PgStore::open(url).await.unwrap(),
        PgStore::open(url).await.unwrap(),
    )
}

/// A Yjs author: each edit puts a new key in the map `m` and returns the update.
struct Author {
    doc: Doc,
}

impl Author {
    fn new() -> Self {
        Author { doc: Doc::new() }
    }

    fn put(&self, key: &str) -> Vec<u8> {
        let map = self.doc.get_or_insert_map("m");
        let mut txn = self.doc.transact_mut();
        map.insert(&mut txn, key, "v");
        txn.encode_update_v1()
    }
}

/// A fresh document holding what `load` returned: the snapshot, then the updates.
fn doc_of(stored: &StoredBoard) -> Doc {
    let doc = Doc::new();
    {
        let mut txn = doc.transact_mut();
        for update in stored.snapshot.iter().chain(&stored.updates) {
            txn.apply_update(Update::decode_v1(update).unwrap())
                .unwrap();
        }
    }
    doc
}

/// The keys of the map `m` (those whose updates were all applied: a key whose update waits
/// for a missing one is not there).
fn keys(doc: &Doc) -> BTreeSet<String> {
    let map = doc.get_or_insert_map("m");
    let txn = doc.transact();
    map.keys(&txn).map(str::to_owned).collect()
}

fn snapshot(doc: &Doc) -> Vec<u8> {
    doc.transact()
        .encode_state_as_update_v1(&StateVector::default())
}

/// Loads the board and folds everything into a snapshot, as a node's room does.
async fn load_and_compact(store: &PgStore, id: &BoardId) -> i64 {
    let stored = store.load(id).await.unwrap();
    let through = stored.last_seq;
    store
        .compact(id, &snapshot(&doc_of(&stored)), through)
        .await
        .unwrap();
    through
}

/// What the server's store logs at WARN or above while it lives (sqlx's own slow-statement
/// warnings are not counted: a loaded machine may be slow). `#[tokio::test]` runs the test and
/// every task it spawns (the stores' writers too) on its one thread, where this is the default.
struct Warnings {
    text: Arc<Mutex<Vec<u8>>>,
    _guard: tracing::subscriber::DefaultGuard,
}

struct SharedText(Arc<Mutex<Vec<u8>>>);

impl std::io::Write for SharedText {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(bytes);
        Ok(bytes.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl Warnings {
    fn capture() -> Self {
        let text = Arc::new(Mutex::new(Vec::new()));
        let sink = text.clone();
        let subscriber = tracing_subscriber::fmt()
            .with_env_filter("server::store=warn")
            .with_ansi(false)
            .with_writer(move || SharedText(sink.clone()))
            .finish();
        Warnings {
            text,
            _guard: tracing::subscriber::set_default(subscriber),
        }
    }

    fn text(&self) -> String {
        String::from_utf8_lossy(&self.text.lock().unwrap()).into_owned()
    }
}

async fn count(url: &str, sql: &str) -> i64 {
    let mut conn = sqlx::PgConnection::connect(url).await.unwrap();
    sqlx::query_scalar(sql).fetch_one(&mut conn).await.unwrap()
}

#[tokio::test]
async fn append_load_compact() {
    let Some(url) = common::services::fresh_postgres().await else {
        return;
    };
    let store = PgStore::open(&url).await.unwrap();
    let id = board("board-1");
    let empty = store.load(&id).await.unwrap();
    assert_eq!(
        (empty.snapshot, empty.updates.len(), empty.last_seq),
        (None, 0, 0)
    );
    // The expected number is ignored: the board's counter decides.
    assert_eq!(
        store.append(&id, 1, vec![vec![1], vec![2]]).await.unwrap(),
        1
    );
    assert_eq!(store.append(&id, 99, vec![vec![3]]).await.unwrap(), 3);
    let loaded = store.load(&id).await.unwrap();
    assert_eq!(loaded.updates, vec![vec![1], vec![2], vec![3]]);
    assert_eq!(loaded.last_seq, 3);

    store.compact(&id, &[9, 9], 2).await.unwrap();
    let loaded = store.load(&id).await.unwrap();
    assert_eq!(loaded.snapshot, Some(vec![9, 9]));
    assert_eq!(loaded.updates, vec![vec![3]]);
    assert_eq!(loaded.last_seq, 3);

    // Compacting everything: the counter stays, and the next append follows it.
    store.compact(&id, &[8], 3).await.unwrap();
    let loaded = store.load(&id).await.unwrap();
    assert_eq!(
        (loaded.snapshot, loaded.updates.len(), loaded.last_seq),
        (Some(vec![8]), 0, 3)
    );
    assert_eq!(store.append(&id, 1, vec![vec![4]]).await.unwrap(), 4);
    assert!(store.board_exists(&id).await.unwrap());
    assert!(store.updated_at(&id).await.unwrap().is_some());
    assert_eq!(store.updated_at(&board("nobody")).await.unwrap(), None);
    store.ping().await.unwrap();
}

#[tokio::test]
async fn two_nodes_appending_to_one_board_get_every_number_once() {
    let Some(url) = common::services::fresh_postgres().await else {
        return;
    };
    let warnings = Warnings::capture();
    let (a, b) = two_nodes(&url).await;
    let id = board("shared");
    // The board exists already: nothing but the row lock orders the nodes' transactions.
    a.create_board(&id).await.unwrap();
    let mut tasks = JoinSet::new();
    // Per node, 8 streams of 25 appends each, one after the other: many small batches from
    // both nodes, overlapping in time.
    for stream in 0..8 {
        for (node, store) in [("a", &a), ("b", &b)] {
            let (store, id) = (store.clone(), id.clone());
            tasks.spawn(async move {
                let mut appended = Vec::new();
                for i in 0..25 {
                    // 1 to 3 updates per append: ranges, not just single numbers.
                    let updates: Vec<Vec<u8>> = (0..1 + (stream + i) % 3)
                        .map(|k| format!("{node}-{stream}-{i}-{k}").into_bytes())
                        .collect();
                    let first = store.append(&id, 1, updates.clone()).await.unwrap();
                    appended.push((first, updates));
                }
                appended
            });
        }
    }
    let mut by_seq = BTreeMap::new();
    while let Some(joined) = tasks.join_next().await {
        for (first, updates) in joined.unwrap() {
            for (k, update) in updates.into_iter().enumerate() {
                let seq = first + k as i64;
                assert!(by_seq.insert(seq, update).is_none(), "{seq} given twice");
            }
        }
    }
    let n = by_seq.len() as i64;
    let per_node: i64 = (0..8)
        .map(|stream| (0..25).map(|i| 1 + (stream + i) % 3).sum::<i64>())
        .sum();
    assert_eq!(n, 2 * per_node);
    assert_eq!(
        by_seq.keys().copied().collect::<Vec<_>>(),
        (1..=n).collect::<Vec<_>>()
    );
    let loaded = b.load(&id).await.unwrap();
    assert_eq!(loaded.last_seq, n);
    assert_eq!(loaded.updates, by_seq.into_values().collect::<Vec<_>>());
    assert_eq!(
        a.last_seqs(std::slice::from_ref(&id)).await.unwrap(),
        vec![(id, n)]
    );
    // The row lock made each node wait for the other: no batch failed and was retried.
    assert_eq!(warnings.text(), "");
}

#[tokio::test]
async fn two_nodes_appending_to_many_boards_in_opposite_orders_all_land() {
    let Some(url) = common::services::fresh_postgres().await else {
        return;
    };
    let warnings = Warnings::capture();
    let (a, b) = two_nodes(&url).await;
    let ids: Vec<BoardId> = (0..5).map(|i| board(&format!("b{i}"))).collect();
    for id in &ids {
        a.create_board(id).await.unwrap();
    }
    let mut tasks = JoinSet::new();
    // 5 streams per node; at step k, node a's stream s appends to board k + s and node b's to
    // board k + 4 - s (mod 5): both nodes' batches hold every board, in opposite orders. Locked
    // in those orders they would deadlock.
    for s in 0..5 {
        for (store, forwards) in [(&a, true), (&b, false)] {
            let (store, ids) = (store.clone(), ids.clone());
            tasks.spawn(async move {
                for k in 0..20 {
                    let i = if forwards { k + s } else { k + 4 - s } % 5;
                    store.append(&ids[i], 1, vec![vec![s as u8]]).await?;
                }
                Ok::<_, server::store::StoreError>(())
            });
        }
    }
    while let Some(joined) = tasks.join_next().await {
        joined.unwrap().unwrap();
    }
    let mut seqs = a.last_seqs(&ids).await.unwrap();
    seqs.sort_by(|x, y| x.0.as_str().cmp(y.0.as_str()));
    assert_eq!(seqs.len(), ids.len());
    for (id, seq) in seqs {
        assert_eq!(seq, 40, "{id}");
        assert_eq!(b.load(&id).await.unwrap().updates.len(), 40, "{id}");
    }
    // No deadlock (PostgreSQL would have failed a batch, retried alone).
    assert_eq!(warnings.text(), "");
}

#[tokio::test]
async fn loads_while_another_node_compacts_never_lose_an_update() {
    let Some(url) = common::services::fresh_postgres().await else {
        return;
    };
    let (a, b) = two_nodes(&url).await;
    let id = board("busy");
    // Keys whose append returned: every load started after that must hold them.
    let acked = Arc::new(Mutex::new(Vec::<String>::new()));
    let done = Arc::new(AtomicBool::new(false));
    let (compactions, loads) = (Arc::new(AtomicUsize::new(0)), Arc::new(AtomicUsize::new(0)));

    let mut appenders = JoinSet::new();
    for (node, store) in [("a", a.clone()), ("b", b.clone())] {
        let (id, acked) = (id.clone(), acked.clone());
        appenders.spawn(async move {
            let author = Author::new();
            for i in 0..150 {
                let key = format!("{node}{i}");
                let update = author.put(&key);
                store.append(&id, 1, vec![update]).await.unwrap();
                acked.lock().unwrap().push(key);
            }
        });
    }
    let compactor = {
        let (b, id, done, compactions) = (b.clone(), id.clone(), done.clone(), compactions.clone());
        tokio::spawn(async move {
            while !done.load(Ordering::SeqCst) {
                load_and_compact(&b, &id).await;
                compactions.fetch_add(1, Ordering::SeqCst);
            }
        })
    };
    let reader = {
        let (a, id, done, loads, acked) = (
            a.clone(),
            id.clone(),
            done.clone(),
            loads.clone(),
            acked.clone(),
        );
        tokio::spawn(async move {
            while !done.load(Ordering::SeqCst) {
                let before: Vec<String> = acked.lock().unwrap().clone();
                let stored = a.load(&id).await.unwrap();
                let present = keys(&doc_of(&stored));
                let lost: Vec<&String> = before.iter().filter(|k| !present.contains(*k)).collect();
                assert!(
                    lost.is_empty(),
                    "a load lost {lost:?} (last_seq {})",
                    stored.last_seq
                );
                loads.fetch_add(1, Ordering::SeqCst);
            }
        })
    };
    while let Some(joined) = appenders.join_next().await {
        joined.unwrap();
    }
    done.store(true, Ordering::SeqCst);
    compactor.await.unwrap();
    reader.await.unwrap();
    assert!(compactions.load(Ordering::SeqCst) > 2, "compactions ran");
    assert!(loads.load(Ordering::SeqCst) > 2, "loads ran");

    let stored = a.load(&id).await.unwrap();
    assert_eq!(stored.last_seq, 300);
    assert_eq!(keys(&doc_of(&stored)).len(), 300);
}

#[tokio::test]
async fn two_nodes_compacting_one_board_at_once_lose_nothing() {
    let Some(url) = common::services::fresh_postgres().await else {
        return;
    };
    let (a, b) = two_nodes(&url).await;
    let id = board("twice");
    let author = Author::new();
    for i in 0..40 {
        a.append(&id, 1, vec![author.put(&format!("k{i}"))])
            .await
            .unwrap();
    }
    // Node b loaded at 30; node a compacts through 40 first; b's older snapshot then changes
    // nothing (else updates 31..=40 would be gone with a's snapshot hidden behind b's).
    let mut stale = b.load(&id).await.unwrap();
    stale.updates.truncate(30);
    stale.last_seq = 30;
    assert_eq!(load_and_compact(&a, &id).await, 40);
    b.compact(&id, &snapshot(&doc_of(&stale)), 30)
        .await
        .unwrap();
    // And one through as many updates as the existing snapshot does not replace it.
    b.compact(&id, &[1, 2, 3], 40).await.unwrap();
    let loaded = a.load(&id).await.unwrap();
    assert_eq!(loaded.last_seq, 40);
    assert_eq!(keys(&doc_of(&loaded)).len(), 40);

    // Both nodes compacting in a loop while an author keeps appending.
    let appender = {
        let a = a.clone();
        let id = id.clone();
        tokio::spawn(async move {
            for i in 40..160 {
                a.append(&id, 1, vec![author.put(&format!("k{i}"))])
                    .await
                    .unwrap();
            }
        })
    };
    let mut compactors = JoinSet::new();
    for store in [a.clone(), b.clone()] {
        let id = id.clone();
        compactors.spawn(async move {
            for _ in 0..15 {
                load_and_compact(&store, &id).await;
            }
        });
    }
    appender.await.unwrap();
    while let Some(joined) = compactors.join_next().await {
        joined.unwrap();
    }
    let loaded = b.load(&id).await.unwrap();
    assert_eq!(loaded.last_seq, 160);
    let present = keys(&doc_of(&loaded));
    assert_eq!(present.len(), 160, "missing keys");
    let snapshots = count(&url, "SELECT COUNT(*) FROM board_snapshots").await;
    assert!((1..=5).contains(&snapshots), "{snapshots} snapshots kept");
}

#[tokio::test]
async fn updates_since_returns_the_tail_until_compacted_past() {
    let Some(url) = common::services::fresh_postgres().await else {
        return;
    };
    let (a, b) = two_nodes(&url).await;
    let id = board("tail");
    assert_eq!(a.updates_since(&id, 0).await.unwrap(), Some(vec![]));
    a.append(&id, 1, vec![vec![1], vec![2], vec![3]])
        .await
        .unwrap();
    b.append(&id, 1, vec![vec![4], vec![5]]).await.unwrap();
    assert_eq!(
        a.updates_since(&id, 3).await.unwrap(),
        Some(vec![(4, vec![4]), (5, vec![5])])
    );
    assert_eq!(a.updates_since(&id, 0).await.unwrap().unwrap().len(), 5);
    b.compact(&id, &[0], 3).await.unwrap();
    assert_eq!(a.updates_since(&id, 2).await.unwrap(), None);
    assert_eq!(
        a.updates_since(&id, 3).await.unwrap(),
        Some(vec![(4, vec![4]), (5, vec![5])])
    );
    assert_eq!(a.updates_since(&id, 5).await.unwrap(), Some(vec![]));
}

#[tokio::test]
async fn last_seqs_answers_for_every_known_board_in_one_call() {
    let Some(url) = common::services::fresh_postgres().await else {
        return;
    };
    let (a, b) = two_nodes(&url).await;
    let (one, two, empty, unknown) = (board("one"), board("two"), board("empty"), board("none"));
    a.append(&one, 1, vec![vec![1], vec![2]]).await.unwrap();
    b.append(&one, 3, vec![vec![3]]).await.unwrap();
    b.append(&two, 1, vec![vec![1], vec![2]]).await.unwrap();
    a.compact(&two, &[0], 2).await.unwrap();
    a.create_board(&empty).await.unwrap();
    let mut seqs = b
        .last_seqs(&[one.clone(), two.clone(), empty.clone(), unknown])
        .await
        .unwrap();
    seqs.sort_by(|x, y| x.0.as_str().cmp(y.0.as_str()));
    // A created board without history counts 0; an unknown one is left out.
    assert_eq!(seqs, vec![(empty, 0), (one, 3), (two.clone(), 2)]);
    assert_eq!(a.load(&two).await.unwrap().last_seq, 2);
    assert!(a.last_seqs(&[]).await.unwrap().is_empty());
}

fn png(n: u8, len: usize) -> Image {
    let mut bytes = b"\x89PNG\r\n\x1a\n".to_vec();
    bytes.resize(len, n);
    Image::from_bytes(bytes.into()).unwrap()
}

#[tokio::test]
async fn racing_uploads_on_two_nodes_never_take_a_board_past_its_quota() {
    let Some(url) = common::services::fresh_postgres().await else {
        return;
    };
    let (a, b) = two_nodes(&url).await;
    let id = board("racing");
    let image = png(100, 100);
    assert_eq!(
        a.put_image(&id, &image, 1000).await.unwrap(),
        ImagePut::NoSuchBoard
    );
    a.create_board(&id).await.unwrap();
    assert_eq!(
        b.put_image(&id, &image, 1000).await.unwrap(),
        ImagePut::Stored
    );
    assert_eq!(
        a.put_image(&id, &image, 1000).await.unwrap(),
        ImagePut::AlreadyStored
    );
    let stored = a.get_image(&id, &image.id).await.unwrap().unwrap();
    assert_eq!(stored.mime, "image/png");
    assert_eq!(stored.bytes, image.bytes);
    assert!(a
        .get_image(&board("elsewhere"), &image.id)
        .await
        .unwrap()
        .is_none());

    // 100 bytes used, 450 allowed: 3 of 24 more fit, whichever node takes them.
    let mut puts = JoinSet::new();
    for n in 0..24 {
        let store = if n % 2 == 0 { a.clone() } else { b.clone() };
        let id = id.clone();
        puts.spawn(async move { store.put_image(&id, &png(n, 100), 450).await.unwrap() });
    }
    let mut results = Vec::new();
    while let Some(joined) = puts.join_next().await {
        results.push(joined.unwrap());
    }
    let stored = results.iter().filter(|r| **r == ImagePut::Stored).count();
    let full = results
        .iter()
        .filter(|r| **r == ImagePut::BoardFull)
        .count();
    assert_eq!((stored, full), (3, 21), "{results:?}");
    let used = count(&url, "SELECT SUM(size)::BIGINT FROM images").await;
    assert_eq!(used, 400);
}

#[tokio::test]
async fn versions_past_the_cap_go_oldest_first_and_old_ones_are_pruned() {
    let Some(url) = common::services::fresh_postgres().await else {
        return;
    };
    let (a, b) = two_nodes(&url).await;
    let id = board("board-v");
    a.append(&id, 1, vec![vec![1]]).await.unwrap();
    let editors = ["Ada".to_owned()];
    let v = |reason| NewVersion {
        seq: 1,
        reason,
        editors: &editors,
    };
    for store in [&a, &b, &a] {
        store
            .add_version(&id, &[7; 40], v(VersionReason::Edit), 100)
            .await
            .unwrap();
    }
    // 3 × 40 bytes > 100: the oldest went.
    let kept = b.versions(&id).await.unwrap();
    assert_eq!(kept.iter().map(|v| v.id).collect::<Vec<_>>(), [3, 2]);
    assert_eq!(kept[0].editors, editors);
    assert_eq!(kept[0].bytes, 40);
    assert_eq!(a.version(&id, 2).await.unwrap(), Some(vec![7; 40]));
    assert_eq!(a.version(&id, 1).await.unwrap(), None);
    // A version larger than the cap alone is still kept.
    let big = b
        .add_version(&id, &[7; 500], v(VersionReason::Import), 100)
        .await
        .unwrap();
    assert_eq!(big, 4);
    let kept = a.versions(&id).await.unwrap();
    assert_eq!(kept.len(), 1);
    assert_eq!(kept[0].reason, VersionReason::Import);

    // Two nodes adding versions at once number them one after the other.
    let other = board("other-v");
    a.create_board(&other).await.unwrap();
    let mut adds = JoinSet::new();
    for n in 0..10u8 {
        let store = if n % 2 == 0 { a.clone() } else { b.clone() };
        let other = other.clone();
        adds.spawn(async move {
            let version = NewVersion {
                seq: 0,
                reason: VersionReason::Edit,
                editors: &[],
            };
            store
                .add_version(&other, &[n], version, 1 << 20)
                .await
                .unwrap()
        });
    }
    let mut ids = Vec::new();
    while let Some(joined) = adds.join_next().await {
        ids.push(joined.unwrap());
    }
    ids.sort();
    assert_eq!(ids, (1..=10).collect::<Vec<i64>>());

    // 100 days on, everything is older than the 90 kept: only each board's newest stays.
    let day = 24 * 60 * 60 * 1000;
    let later = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_millis() as i64
        + 100 * day;
    assert_eq!(a.prune_versions(later, 7 * day, 90 * day).await.unwrap(), 9);
    assert_eq!(b.versions(&other).await.unwrap().len(), 1);
    assert_eq!(b.versions(&other).await.unwrap()[0].id, 10);
    assert_eq!(b.versions(&id).await.unwrap().len(), 1);
    // Versions of an unknown board cannot be added.
    assert!(a
        .add_version(&board("ghost"), &[1], v(VersionReason::Edit), 100)
        .await
        .is_err());
}

#[tokio::test]
async fn a_deleted_board_keeps_only_its_tombstone() {
    let Some(url) = common::services::fresh_postgres().await else {
        return;
    };
    let (a, b) = two_nodes(&url).await;
    let id = board("doomed");
    let links = LinkHashes {
        edit: [4; 32],
        view: [5; 32],
        manage: [6; 32],
    };
    a.set_links(&id, &links).await.unwrap();
    assert_eq!(b.links(&id).await.unwrap(), Some(links.clone()));
    a.append(&id, 1, vec![vec![1], vec![2]]).await.unwrap();
    a.compact(&id, &[0], 1).await.unwrap();
    assert_eq!(
        a.put_image(&id, &png(1, 50), 1000).await.unwrap(),
        ImagePut::Stored
    );
    let version = NewVersion {
        seq: 2,
        reason: VersionReason::Edit,
        editors: &[],
    };
    a.add_version(&id, &[1], version, 1000).await.unwrap();

    let tombstone = LinkHashes {
        edit: [1; 32],
        view: [2; 32],
        manage: [3; 32],
    };
    assert!(b.delete_board(&id, &tombstone).await.unwrap());
    assert!(!b
        .delete_board(&board("never-made"), &tombstone)
        .await
        .unwrap());
    let loaded = a.load(&id).await.unwrap();
    assert_eq!(
        (loaded.snapshot, loaded.updates.len(), loaded.last_seq),
        (None, 0, 0)
    );
    assert!(a.versions(&id).await.unwrap().is_empty());
    assert!(a.get_image(&id, &png(1, 50).id).await.unwrap().is_none());
    assert_eq!(a.links(&id).await.unwrap(), Some(tombstone.clone()));
    assert!(a.board_exists(&id).await.unwrap());
    // A node whose room had not closed yet cannot write to it any more.
    assert!(matches!(
        a.append(&id, 1, vec![vec![9]]).await,
        Err(server::store::StoreError::BoardDeleted)
    ));
    for table in [
        "board_updates",
        "board_snapshots",
        "images",
        "board_versions",
    ] {
        let rows = count(&url, &format!("SELECT COUNT(*) FROM {table}")).await;
        assert_eq!(rows, 0, "{table}");
    }
    // The sweep of unused boards leaves the deleted one (its id stays closed).
    let later = now_ms() + 1_000;
    assert_eq!(a.delete_unused_boards(later, &[]).await.unwrap(), 0);
    assert_eq!(b.links(&id).await.unwrap(), Some(tombstone));
}

fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_millis() as i64
}

#[tokio::test]
async fn only_boards_that_hold_nothing_and_are_not_open_expire() {
    let Some(url) = common::services::fresh_postgres().await else {
        return;
    };
    let store = PgStore::open(&url).await.unwrap();
    for id in ["empty", "drawn", "pictured", "open", "compacted"] {
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
    store.compact(&board("compacted"), &[0], 0).await.unwrap();
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
        ("compacted", true),
    ] {
        assert_eq!(
            store.board_exists(&board(id)).await.unwrap(),
            exists,
            "{id}"
        );
    }
    let usage = store.usage().await.unwrap();
    assert!(
        usage.used_bytes > 0 && usage.free_disk_bytes.is_none(),
        "{usage:?}"
    );
}

#[tokio::test]
async fn a_board_open_on_any_node_is_not_expired() {
    let Some(url) = common::services::fresh_postgres().await else {
        return;
    };
    let (a, b) = two_nodes(&url).await;
    let (seen, unseen) = (board("seen-elsewhere"), board("unseen"));
    a.create_board(&seen).await.unwrap();
    a.create_board(&unseen).await.unwrap();
    let cutoff = now_ms() + 1;
    tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    // Node B has `seen` open; node A's sweep does not know that from its own rooms.
    b.board_opened(&seen).await.unwrap();
    assert_eq!(a.delete_unused_boards(cutoff, &[]).await.unwrap(), 1);
    assert!(a.board_exists(&seen).await.unwrap());
    assert!(!a.board_exists(&unseen).await.unwrap());
}

#[tokio::test]
async fn two_nodes_starting_at_once_migrate_the_database_once() {
    let Some(url) = common::services::fresh_postgres().await else {
        return;
    };
    let (a, b) = tokio::join!(PgStore::open(&url), PgStore::open(&url));
    let (a, b) = (a.unwrap(), b.unwrap());
    let migrations = count(&url, "SELECT COUNT(*) FROM _sqlx_migrations").await;
    let files = std::fs::read_dir(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../migrations/postgres"
    ))
    .unwrap()
    .count();
    assert_eq!(migrations, files as i64, "each migration applied once");
    let id = board("after");
    a.append(&id, 1, vec![vec![1]]).await.unwrap();
    assert_eq!(b.load(&id).await.unwrap().updates, vec![vec![1]]);
}
