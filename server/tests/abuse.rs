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
const MAX_GROWTH_KIB: u64 = 32 * 1024;

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

/// Joins `url` and stays, holding as much presence as one connection may: the most states,
/// each nearly the largest allowed.
async fn big_presence(url: &str, first_client: u64) -> Client {
    use board::room_state::{MAX_PRESENCES_PER_CONNECTION, MAX_PRESENCE_BYTES};
    let mut holder = Client::connect(url).await;
    for i in 0..MAX_PRESENCES_PER_CONNECTION as u64 {
        let doc = yrs::Doc::with_client_id(first_client + i);
        let mut awareness = yrs::sync::Awareness::new(doc);
        let name = "x".repeat(MAX_PRESENCE_BYTES - 64);
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
    }
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
    // Four people at the presence limit: 256 KiB of presence in the room.
    let mut holders = Vec::new();
    for person in 0..4 {
        holders.push(big_presence(&url, 100 + 10 * person).await);
    }
    let query = yrs::updates::encoder::Encode::encode_v1(&yrs::sync::Message::AwarenessQuery);
    // 1,000 queries in one 1,000-byte frame, each answered with every state (256 KiB).
    let frame: Vec<u8> = std::iter::repeat_n(query, 1000).flatten().collect();
    let _guard = MEASURING.lock().await;
    let growth = peak_growth(amplify_and_wait(&server, &url, frame, 4)).await;
    eprintln!("1,000 awareness queries against 256 KiB of presence: peak grew {growth} KiB");
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

/// An awareness message with `entries` states for made-up client ids, each `{}`.
fn fake_presences(entries: u64) -> Vec<u8> {
    let mut payload = Vec::new();
    let var = |out: &mut Vec<u8>, mut v: u64| {
        while v >= 0x80 {
            out.push((v as u8 & 0x7f) | 0x80);
            v >>= 7;
        }
        out.push(v as u8);
    };
    var(&mut payload, entries);
    for client in 0..entries {
        var(&mut payload, 1_000 + client);
        var(&mut payload, 1);
        payload.extend([2, b'{', b'}']);
    }
    let mut frame = vec![1];
    var(&mut frame, payload.len() as u64);
    frame.extend(payload);
    frame
}

#[tokio::test]
async fn a_million_fake_presences_are_refused_before_decoding() {
    let (_dir, db) = temp_db();
    let server = TestServer::start(&db).await;
    let url = server.ws_url("presences");
    let mut honest = Client::connect(&url).await;
    let frame = fake_presences(1_000_000);
    let mut c = Client::connect(&url).await;
    let _guard = MEASURING.lock().await;
    let growth = peak_growth(async {
        c.send(frame).await;
        assert_eq!(c.close_code().await, Some(CloseCode::Policy));
    })
    .await;
    eprintln!("1,000,000 fake presences in one message: peak grew {growth} KiB");
    assert!(growth < MAX_GROWTH_KIB, "peak grew {growth} KiB");
    // Nothing of it reached the room: a newcomer gets no presence at all.
    honest.add_rect("still-here", 0.0).await;
    honest.wait_update().await;
    let newcomer = Client::connect(&url).await;
    assert!(!newcomer
        .received
        .iter()
        .any(|m| matches!(m, yrs::sync::Message::Awareness(_))));
    server.stop().await;
}

#[tokio::test]
async fn nobody_can_rewrite_another_persons_presence() {
    let (_dir, db) = temp_db();
    let server = TestServer::start(&db).await;
    let url = server.ws_url("names");
    let mut ada = Client::connect(&url).await;
    let mut mallory = Client::connect(&url).await;
    let announce = |name: &str, bumps: usize| {
        let mut a = yrs::sync::Awareness::new(yrs::Doc::with_client_id(77));
        for _ in 0..=bumps {
            a.set_local_state_raw(format!(
                r##"{{"user":{{"name":"{name}","color":"#000"}}}}"##
            ));
        }
        yrs::updates::encoder::Encode::encode_v1(&yrs::sync::Message::Awareness(
            a.update().unwrap(),
        ))
    };
    ada.send(announce("Ada", 0)).await;
    mallory
        .wait_for(|m| matches!(m, yrs::sync::Message::Awareness(_)))
        .await;
    // Mallory claims Ada's client id with a newer clock: dropped, so a newcomer sees "Ada".
    mallory.send(announce("Mallory", 9)).await;
    mallory.add_rect("sync-point", 0.0).await;
    mallory.wait_update().await;
    let newcomer = Client::connect(&url).await;
    let named = newcomer.received.iter().find_map(|m| match m {
        yrs::sync::Message::Awareness(u) => u.clients.values().next().map(|e| e.json.to_string()),
        _ => None,
    });
    let named = named.expect("the newcomer gets Ada's presence");
    assert!(
        named.contains("Ada") && !named.contains("Mallory"),
        "{named}"
    );
    server.stop().await;
}
