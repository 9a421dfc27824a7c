//! Attacks that cost memory or CPU rather than data, against the real server on loopback: each
//! must be refused before it costs much. Memory is measured as the growth of this process's peak
//! resident set (the server runs in it) across the attack, with the peak reset first
//! (`/proc/self/clear_refs`), one attack at a time.

mod common;

use common::{temp_db, Client, TestServer};
use tokio_tungstenite::tungstenite::protocol::frame::coding::CloseCode;

/// One measured attack at a time: the peak is process-wide.
static MEASURING: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

/// Most the peak resident set may grow during one refused attack.
const MAX_GROWTH_KIB: u64 = 128 * 1024;

fn rss_kib(field: &str) -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap();
    status
        .lines()
        .find_map(|l| l.strip_prefix(field))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap()
}

/// Runs `attack` and returns how far the peak resident set rose above the resident set
/// before it, in KiB.
async fn peak_growth(attack: impl std::future::Future<Output = ()>) -> u64 {
    std::fs::write("/proc/self/clear_refs", "5").unwrap();
    let before = rss_kib("VmRSS:");
    attack.await;
    rss_kib("VmHWM:").saturating_sub(before)
}

#[tokio::test]
async fn declared_counts_larger_than_their_message_cost_nothing() {
    let (_dir, db) = temp_db();
    let server = TestServer::start(&db).await;
    let url = server.ws_url("counts");
    let mut honest = Client::connect(&url).await;
    // Sync step 1 declaring 2^29 state-vector entries in 14 bytes; an update declaring 2^27
    // clients; an awareness update declaring 2^27 entries. yrs would reserve (and its hash
    // maps touch) hundreds of megabytes for each before finding the bytes missing.
    let attacks: [&[u8]; 3] = [
        &[0, 0, 10, 0x80, 0x80, 0x80, 0x80, 0x02, 0, 0, 0, 0, 0],
        &[0, 2, 6, 0x80, 0x80, 0x80, 0x40, 0, 0],
        &[1, 6, 0x80, 0x80, 0x80, 0x40, 0, 0],
    ];
    for attack in attacks {
        let mut c = Client::connect(&url).await;
        let _guard = MEASURING.lock().await;
        let growth = peak_growth(async {
            c.send(attack.to_vec()).await;
            assert_eq!(c.close_code().await, Some(CloseCode::Invalid), "{attack:?}");
        })
        .await;
        eprintln!("{attack:?}: peak grew {growth} KiB");
        assert!(
            growth < MAX_GROWTH_KIB,
            "{attack:?}: peak grew {growth} KiB"
        );
    }
    honest.add_rect("still-here", 0.0).await;
    honest.wait_update().await;
    server.stop().await;
}

#[tokio::test]
async fn a_frame_of_millions_of_messages_is_refused_unread() {
    let (_dir, db) = temp_db();
    let server = TestServer::start(&db).await;
    let mut c = Client::connect(&server.ws_url("packed")).await;
    let query = yrs::updates::encoder::Encode::encode_v1(&yrs::sync::Message::AwarenessQuery);
    // 16 M queries in one 16 MiB frame (the frame limit): decoded whole, they would take
    // hundreds of megabytes before the rate limit counted them.
    let frame: Vec<u8> = std::iter::repeat_n(query, (16 << 20) - 64)
        .flatten()
        .collect();
    let _guard = MEASURING.lock().await;
    let growth = peak_growth(async {
        c.send(frame).await;
        assert_eq!(c.close_code().await, Some(CloseCode::Policy));
    })
    .await;
    // The frame itself is held twice (sent and received) while it crosses.
    eprintln!("16 M queries in one frame: peak grew {growth} KiB");
    assert!(growth < MAX_GROWTH_KIB, "peak grew {growth} KiB");
    server.stop().await;
}

/// Joins `url` and stays, holding an awareness state of about `bytes` bytes.
async fn big_presence(url: &str, bytes: usize) -> Client {
    let mut holder = Client::connect(url).await;
    let mut awareness = yrs::sync::Awareness::new(yrs::Doc::with_client_id(77));
    let name = "x".repeat(bytes);
    awareness.set_local_state_raw(format!(
        r##"{{"user":{{"name":"{name}","color":"#000"}}}}"##
    ));
    let update = awareness.update().unwrap();
    holder
        .send(yrs::updates::encoder::Encode::encode_v1(
            &yrs::sync::Message::Awareness(update),
        ))
        .await;
    holder
        .wait_for(|m| matches!(m, yrs::sync::Message::Awareness(_)))
        .await;
    holder
}

/// Sends `frame` from a connection that never reads, and waits until the server has dropped
/// it (only `stay` connections left).
async fn amplify_and_wait(server: &TestServer, url: &str, frame: Vec<u8>, stay: u64) {
    let (mut silent, _) = tokio_tungstenite::connect_async(url).await.unwrap();
    futures_util::SinkExt::send(
        &mut silent,
        tokio_tungstenite::tungstenite::Message::Binary(frame.into()),
    )
    .await
    .unwrap();
    common::wait_metric(server, "whiteboard_connections_open", stay).await;
    drop(silent);
}

#[tokio::test]
async fn answers_to_a_reader_that_never_reads_are_bounded() {
    let (_dir, db) = temp_db();
    let server = TestServer::start_with(&db, |c| c.send_timeout_secs = 1).await;
    let url = server.ws_url("amplify");
    let _holder = big_presence(&url, 256 * 1024).await;
    let query = yrs::updates::encoder::Encode::encode_v1(&yrs::sync::Message::AwarenessQuery);
    // 1,000 queries in one 1,000-byte frame, each answered with the 256 KiB state.
    let frame: Vec<u8> = std::iter::repeat_n(query, 1000).flatten().collect();
    let _guard = MEASURING.lock().await;
    let growth = peak_growth(amplify_and_wait(&server, &url, frame, 1)).await;
    eprintln!("1,000 awareness queries against a 256 KiB presence: peak grew {growth} KiB");
    assert!(growth < MAX_GROWTH_KIB, "peak grew {growth} KiB");
    server.stop().await;
}

#[tokio::test]
async fn repeated_step1s_are_answered_from_one_frame_and_bounded() {
    let (_dir, db) = temp_db();
    let server = TestServer::start_with(&db, |c| c.send_timeout_secs = 1).await;
    let url = server.ws_url("step1s");
    // A board of about 256 KiB: one stroke of 21,000 points (12 bytes each).
    let mut writer = Client::connect(&url).await;
    let points: Vec<_> = (0..21_000)
        .map(|i| (board::Point::new(f64::from(i), 0.0), 0.5))
        .collect();
    let stroke = board::Shape::pen("s".into(), "a0".into(), board::Style::default(), &points);
    let (_, update) = writer
        .board
        .change("l", |txn, b| b.put(txn, &stroke))
        .unwrap();
    writer.send(board::protocol::update(update)).await;
    writer.wait_update().await;
    let step1 = board::protocol::sync_step1(&yrs::StateVector::default());
    let frame: Vec<u8> = std::iter::repeat_n(step1, 1000).flatten().collect();
    let _guard = MEASURING.lock().await;
    let growth = peak_growth(amplify_and_wait(&server, &url, frame, 1)).await;
    eprintln!("1,000 empty step 1s on a 256 KiB board: peak grew {growth} KiB");
    assert!(growth < MAX_GROWTH_KIB, "peak grew {growth} KiB");
    server.stop().await;
}
