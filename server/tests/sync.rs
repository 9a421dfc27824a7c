//! The sync promise, end to end: real server on port 0, temporary SQLite file, real WebSockets.

mod common;

use board::protocol;
use common::{temp_db, wait_metric, Client, TestServer};
use futures_util::{SinkExt, StreamExt};
use tokio_tungstenite::tungstenite::protocol::frame::coding::CloseCode;
use tokio_tungstenite::tungstenite::protocol::WebSocketConfig;
use tokio_tungstenite::tungstenite::Message as WsMessage;
use yrs::sync::{Awareness, Message, SyncMessage};
use yrs::updates::encoder::Encode;
use yrs::Doc;

#[tokio::test]
async fn server_opens_with_sync_step1_then_answers_step1_with_step2() {
    let (_dir, db) = temp_db();
    let server = TestServer::start(&db).await;
    let (mut ws, _) = tokio_tungstenite::connect_async(server.ws_url("first-frame"))
        .await
        .unwrap();
    let first = ws.next().await.unwrap().unwrap().into_data();
    let msgs = board::protocol::decode_frame(&first).unwrap();
    assert!(matches!(
        msgs.as_slice(),
        [Message::Sync(SyncMessage::SyncStep1(_))]
    ));
    drop(ws);
    let client = Client::connect(&server.ws_url("first-frame")).await;
    assert!(client.shape_ids().is_empty());
    server.stop().await;
}

#[tokio::test]
async fn two_clients_converge_and_the_sender_gets_its_echo() {
    let (_dir, db) = temp_db();
    let server = TestServer::start(&db).await;
    let url = server.ws_url("converge");
    let mut a = Client::connect(&url).await;
    let mut b = Client::connect(&url).await;

    a.add_rect("from-a", 0.0).await;
    b.add_rect("from-b", 100.0).await;
    for c in [&mut a, &mut b] {
        while c.shape_ids().len() < 2 {
            c.wait_update().await;
        }
    }
    assert_eq!(a.shape_ids(), b.shape_ids());
    assert_eq!(a.state_vector(), b.state_vector());

    // A late joiner gets the whole board in its first sync.
    let c = Client::connect(&url).await;
    assert_eq!(c.shape_ids(), a.shape_ids());
    server.stop().await;
}

#[tokio::test]
async fn a_message_longer_than_a_fragment_arrives_whole() {
    // The server sends messages past 64 KiB as fragments; a client gets each one whole.
    let (_dir, db) = temp_db();
    let server = TestServer::start(&db).await;
    let url = server.ws_url("fragments");
    let mut a = Client::connect(&url).await;
    let mut b = Client::connect(&url).await;
    let text = "a long note ".repeat(30_000);
    let (_, update) = a
        .board
        .change("local", |txn, board| {
            let shape = board::Shape {
                id: "note".into(),
                kind: board::ShapeKind::Text,
                text: text.clone(),
                index: board.next_index(txn),
                ..Default::default()
            };
            board.put(txn, &shape);
        })
        .unwrap();
    assert!(update.len() > 300_000, "{} bytes", update.len());
    a.send(protocol::update(update)).await;
    while b.shape_ids().is_empty() {
        b.wait_update().await;
    }
    assert_eq!(b.board.shapes().unwrap()[0].text, text);

    // A late joiner's first sync carries the whole board, fragmented too.
    let c = Client::connect(&url).await;
    assert_eq!(c.board.shapes().unwrap()[0].text, text);

    // A client that refuses any frame past 65 KiB still gets the whole board as one message.
    let config = WebSocketConfig::default().max_frame_size(Some(65 * 1024));
    let (mut raw, _) = tokio_tungstenite::connect_async_with_config(&url, Some(config), false)
        .await
        .unwrap();
    let step1 = protocol::sync_step1(&yrs::StateVector::default());
    raw.send(WsMessage::Binary(step1.into())).await.unwrap();
    let longest = tokio::time::timeout(common::TIMEOUT, async {
        loop {
            let message = raw.next().await.unwrap().expect("no frame past 65 KiB");
            if message.len() > 300_000 {
                return message.len();
            }
        }
    })
    .await
    .unwrap();
    assert!(longest > 300_000);
    server.stop().await;
}

#[tokio::test]
async fn offline_edits_are_uploaded_on_reconnection() {
    let (_dir, db) = temp_db();
    let server = TestServer::start(&db).await;
    let url = server.ws_url("offline");
    let mut watcher = Client::connect(&url).await;

    // An editor draws while disconnected, then connects: the server's step 1 on connect makes
    // it upload what the server lacks.
    let editor = Client::connect(&url).await;
    let offline_doc = editor.board.clone();
    drop(editor);
    let shape = board::Shape {
        id: "drawn-offline".into(),
        kind: board::ShapeKind::Ellipse,
        x: 1.0,
        y: 2.0,
        w: 3.0,
        h: 4.0,
        style: board::Style::default(),
        index: "a0".into(),
        ..Default::default()
    };
    offline_doc
        .change("local", |txn, b| b.put(txn, &shape))
        .unwrap();
    let _editor = Client::connect_with(&url, offline_doc).await;
    while !watcher.shape_ids().contains(&"drawn-offline".to_owned()) {
        watcher.wait_update().await;
    }
    server.stop().await;
}

#[tokio::test]
async fn a_restarted_server_serves_the_same_board() {
    let (_dir, db) = temp_db();
    let server = TestServer::start(&db).await;
    let url = server.ws_url("persisted");
    let mut a = Client::connect(&url).await;
    for i in 0..5 {
        a.add_rect(&format!("shape-{i}"), i as f64 * 60.0).await;
        a.wait_update().await;
    }
    let expected = a.shape_ids();
    server.stop().await;

    let server = TestServer::start(&db).await;
    let b = Client::connect(&server.ws_url("persisted")).await;
    assert_eq!(b.shape_ids(), expected);
    server.stop().await;
}

#[tokio::test]
async fn every_update_a_peer_saw_survives_a_crash() {
    let (_dir, db) = temp_db();
    // Compact often so the crash also lands between snapshots and log entries.
    let server = TestServer::start_with(&db, |c| c.compact_every = 7).await;
    let url = server.ws_url("crash");
    let mut writer = Client::connect(&url).await;
    let mut reader = Client::connect(&url).await;
    for i in 0..20 {
        writer.add_rect(&format!("s{i}"), i as f64).await;
    }
    while reader.shape_ids().len() < 20 {
        reader.wait_update().await;
    }
    server.kill().await;

    let server = TestServer::start(&db).await;
    let after = Client::connect(&server.ws_url("crash")).await;
    assert_eq!(after.shape_ids().len(), 20);
    assert_eq!(after.shape_ids(), reader.shape_ids());
    server.stop().await;
}

#[tokio::test]
async fn awareness_is_relayed_and_removed_when_a_peer_leaves() {
    let (_dir, db) = temp_db();
    let server = TestServer::start(&db).await;
    let url = server.ws_url("presence");
    let mut a = Client::connect(&url).await;
    let mut b = Client::connect(&url).await;

    let mut awareness = Awareness::new(Doc::with_client_id(4242));
    awareness.set_local_state_raw(
        r##"{"user":{"name":"Ada","color":"#e03131"},"cursor":{"x":1,"y":2}}"##,
    );
    a.send(Message::Awareness(awareness.update().unwrap()).encode_v1())
        .await;

    let got = b
        .wait_for(
            |m| matches!(m, Message::Awareness(u) if u.clients.keys().any(|c| c.get() == 4242)),
        )
        .await;
    let Message::Awareness(update) = got else {
        unreachable!()
    };
    assert!(update.clients.values().any(|e| e.json.contains("Ada")));

    // B asks for everyone's awareness (type 3) and gets Ada's.
    b.send(Message::AwarenessQuery.encode_v1()).await;
    b.wait_for(|m| matches!(m, Message::Awareness(u) if u.clients.values().any(|e| e.json.contains("Ada"))))
        .await;

    drop(a);
    b.wait_for(|m| {
        matches!(m, Message::Awareness(u)
            if u.clients.iter().any(|(c, e)| c.get() == 4242 && &*e.json == "null"))
    })
    .await;
    server.stop().await;
}

#[tokio::test]
async fn a_malformed_frame_closes_only_that_connection() {
    let (_dir, db) = temp_db();
    let server = TestServer::start(&db).await;
    let url = server.ws_url("malformed");
    let mut good = Client::connect(&url).await;
    good.add_rect("keep-me", 0.0).await;
    good.wait_update().await;

    let mut bad = Client::connect(&url).await;
    bad.ws
        .send(WsMessage::Binary(vec![0, 2, 200].into()))
        .await
        .unwrap();
    assert_eq!(bad.close_code().await, Some(CloseCode::Invalid));

    let mut text = Client::connect(&url).await;
    text.ws.send(WsMessage::Text("hello".into())).await.unwrap();
    assert_eq!(text.close_code().await, Some(CloseCode::Unsupported));

    // The room and its data are untouched; the good client still syncs.
    good.add_rect("still-here", 60.0).await;
    good.wait_update().await;
    let fresh = Client::connect(&url).await;
    assert_eq!(fresh.shape_ids().len(), 2);
    server.stop().await;
}

#[tokio::test]
async fn an_oversized_frame_is_closed_with_1009() {
    // 32 MiB against the default 16 MiB limit: far more than the socket buffers hold, so the
    // server must read the rest after its close frame, or the sender sees a reset (1006).
    let (_dir, db) = temp_db();
    let server = TestServer::start(&db).await;
    let url = server.ws_url("big");
    let mut alice = Client::connect(&url).await;
    let mut big = Client::connect(&url).await;
    // A client whose write fails reports 1006 (browsers, y-websocket): the whole frame must
    // be taken, then the close read.
    big.ws
        .send(WsMessage::Binary(vec![0u8; 32 << 20].into()))
        .await
        .expect("the server reads the whole frame before it closes");
    assert_eq!(big.close_code().await, Some(CloseCode::Size));
    // The room and the other connection are untouched.
    alice.add_rect("after", 0.0).await;
    alice.wait_update().await;
    server.stop().await;
}

#[tokio::test]
async fn malformed_board_ids_are_refused_at_upgrade() {
    let (_dir, db) = temp_db();
    let server = TestServer::start(&db).await;
    let err = tokio_tungstenite::connect_async(server.ws_url("not.valid"))
        .await
        .expect_err("refused");
    match err {
        tokio_tungstenite::tungstenite::Error::Http(resp) => assert_eq!(resp.status(), 400),
        other => panic!("expected HTTP 400, got {other}"),
    }
    server.stop().await;
}

#[tokio::test]
async fn rooms_unload_when_their_last_client_leaves() {
    let (_dir, db) = temp_db();
    let server = TestServer::start_with(&db, |c| c.room_grace_secs = 0).await;
    let mut clients = Vec::new();
    for i in 0..20 {
        let mut c = Client::connect(&server.ws_url(&format!("room-{i}"))).await;
        c.add_rect("x", 0.0).await;
        c.wait_update().await;
        clients.push(c);
    }
    wait_metric(&server, "whiteboard_rooms_open", 20).await;
    drop(clients);
    wait_metric(&server, "whiteboard_rooms_open", 0).await;
    wait_metric(&server, "whiteboard_connections_open", 0).await;
    // Unloaded boards reload from the store.
    let again = Client::connect(&server.ws_url("room-7")).await;
    assert_eq!(again.shape_ids(), vec!["x".to_owned()]);
    server.stop().await;
}

#[tokio::test]
async fn new_board_gets_an_unguessable_id() {
    let (_dir, db) = temp_db();
    let server = TestServer::start(&db).await;
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let form = client
        .post(server.http_url("/boards"))
        .send()
        .await
        .unwrap();
    assert_eq!(form.status(), 303);
    let location = form.headers()["location"].to_str().unwrap().to_owned();
    let (id, key) = location
        .strip_prefix("/b/")
        .and_then(|rest| rest.split_once("?key="))
        .expect("board url with its edit key");
    assert_eq!(id.len(), 22);
    let (edit, manage) = key
        .split_once("#manage=")
        .expect("the manage key in the fragment");
    assert_eq!((edit.len(), manage.len()), (22, 22));

    let json = client
        .post(server.http_url("/boards"))
        .header("accept", "application/json")
        .send()
        .await
        .unwrap();
    assert_eq!(json.status(), 201);
    let body: serde_json::Value = serde_json::from_str(&json.text().await.unwrap()).unwrap();
    assert_ne!(body["id"].as_str().unwrap(), id);
    assert_eq!(
        reqwest::get(server.http_url("/healthz"))
            .await
            .unwrap()
            .status(),
        200
    );
    server.stop().await;
}

/// An awareness frame announcing client `id` named `name`.
fn presence_frame(id: u64, name: &str) -> Vec<u8> {
    let mut awareness = Awareness::new(Doc::with_client_id(id));
    awareness.set_local_state_raw(format!(
        r##"{{"user":{{"name":"{name}","color":"#000"}}}}"##
    ));
    Message::Awareness(awareness.update().unwrap()).encode_v1()
}

fn announces(m: &Message, id: u64) -> bool {
    matches!(m, Message::Awareness(u) if u.clients.keys().any(|c| c.get() == id))
}

#[tokio::test]
async fn presence_sent_within_the_window_reaches_the_others_as_one_frame() {
    let (_dir, db) = temp_db();
    let server = TestServer::start_with(&db, |c| c.presence_flush_ms = 400).await;
    let url = server.ws_url("presence-window");
    let mut a = Client::connect(&url).await;
    let mut b = Client::connect(&url).await;
    let mut c = Client::connect(&url).await;
    a.send(presence_frame(501, "Ada")).await;
    b.send(presence_frame(502, "Bob")).await;
    let got = c.wait_for(|m| announces(m, 501) || announces(m, 502)).await;
    assert!(
        announces(&got, 501) && announces(&got, 502),
        "both in the first frame: {got:?}"
    );
    server.stop().await;
}

#[tokio::test]
async fn an_update_takes_held_presence_along() {
    let (_dir, db) = temp_db();
    // A window far longer than the wait below: only the update can bring the presence.
    let server = TestServer::start_with(&db, |c| c.presence_flush_ms = 1_000).await;
    let url = server.ws_url("presence-along");
    let mut a = Client::connect(&url).await;
    let mut b = Client::connect(&url).await;
    a.send(presence_frame(601, "Ada")).await;
    a.add_rect("with-presence", 0.0).await;
    b.wait_for(|m| matches!(m, Message::Sync(SyncMessage::Update(_))))
        .await;
    let next = tokio::time::timeout(std::time::Duration::from_millis(500), b.next_message())
        .await
        .expect("the presence right behind the update, before the window ends");
    assert!(matches!(&next, Some(m) if announces(m, 601)), "{next:?}");
    server.stop().await;
}

#[tokio::test]
async fn silent_awareness_expires_and_its_removal_is_broadcast() {
    let (_dir, db) = temp_db();
    let server = TestServer::start_with(&db, |c| c.awareness_timeout_ms = 600).await;
    let url = server.ws_url("expiry");
    let mut a = Client::connect(&url).await;
    let mut b = Client::connect(&url).await;
    let mut awareness = Awareness::new(Doc::with_client_id(777));
    awareness.set_local_state_raw(r##"{"user":{"name":"Quiet","color":"#000000"}}"##);
    a.send(Message::Awareness(awareness.update().unwrap()).encode_v1())
        .await;
    // `a` stays connected but never renews: `b` is told the state is gone.
    b.wait_for(|m| {
        matches!(m, Message::Awareness(u)
            if u.clients.iter().any(|(c, e)| c.get() == 777 && &*e.json == "null"))
    })
    .await;
    server.stop().await;
}

#[tokio::test]
async fn a_peer_that_misses_the_pong_is_dropped() {
    let (_dir, db) = temp_db();
    let server = TestServer::start_with(&db, |c| c.ping_secs = 1).await;
    let silent = Client::connect(&server.ws_url("ping")).await;
    // `silent` never reads again, so it never answers a ping.
    wait_metric(&server, "whiteboard_connections_open", 1).await;
    wait_metric(&server, "whiteboard_connections_open", 0).await;
    drop(silent);
    server.stop().await;
}

/// A v1 update as a y-websocket frame: sync `Update`, or `SyncStep2` when `step2`.
fn update_frame(update: &[u8], step2: bool) -> Vec<u8> {
    let update = update.to_vec();
    if step2 {
        protocol::sync_step2(update)
    } else {
        protocol::update(update)
    }
}

/// The first of the "yrs gap" pair (fuzz/README.md): one item of a client at clock 4.
fn gap_update() -> Vec<u8> {
    std::fs::read(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../board/tests/yrs-gap/first.bin"
    ))
    .unwrap()
}

/// Connects a hand-made client that does not speak the protocol back.
async fn raw_client(url: &str) -> Client {
    let (ws, _) = tokio_tungstenite::connect_async(url).await.unwrap();
    Client {
        board: board::BoardDoc::new(yrs::Doc::new()),
        ws,
        received: Vec::new(),
    }
}

/// Alice draws shape number `round`; Bob sees it: both are still connected and syncing.
async fn honest_round(round: u32, alice: &mut Client, bob: &mut Client) {
    let id = format!("shape-{round}");
    alice.add_rect(&id, 10.0 * f64::from(round)).await;
    alice.wait_update().await;
    bob.wait_update().await;
    assert!(bob.shape_ids().contains(&id), "Bob sees {id}");
}

#[tokio::test]
async fn a_hostile_peer_costs_only_itself() {
    let (_dir, db) = temp_db();
    let server = TestServer::start(&db).await;
    let url = server.ws_url("hostile");
    let mut alice = Client::connect(&url).await;
    let mut bob = Client::connect(&url).await;
    honest_round(1, &mut alice, &mut bob).await;

    // A gap in a client's clocks: refused (nothing applied, nothing relayed); then the same
    // gap as the answer to the step 1 the server opened with: closed.
    let mut gap = raw_client(&url).await;
    gap.send(update_frame(&gap_update(), false)).await;
    gap.send(update_frame(&gap_update(), true)).await;
    assert_eq!(gap.close_code().await, Some(CloseCode::Invalid));
    honest_round(2, &mut alice, &mut bob).await;

    // The same gap, sent again and again without answering.
    let mut flood = raw_client(&url).await;
    for _ in 0..=board::room_state::MAX_REFUSED_IN_FLIGHT {
        flood.send(update_frame(&gap_update(), false)).await;
    }
    assert_eq!(flood.close_code().await, Some(CloseCode::Invalid));
    honest_round(3, &mut alice, &mut bob).await;

    // A delete range whose end overflows a clock: yrs' decoder panics on it.
    let overflow = [0u8, 1, 5, 1, 0xf0, 0xff, 0xff, 0xff, 0x0f, 0x20];
    let mut panics = raw_client(&url).await;
    panics.send(update_frame(&overflow, false)).await;
    assert_eq!(panics.close_code().await, Some(CloseCode::Invalid));
    honest_round(4, &mut alice, &mut bob).await;

    // Not a protocol message at all.
    let mut garbage = raw_client(&url).await;
    garbage.send(vec![0, 2, 200]).await;
    assert_eq!(garbage.close_code().await, Some(CloseCode::Invalid));
    honest_round(5, &mut alice, &mut bob).await;

    // The data is whole: a newcomer gets every honest shape and nothing else.
    let fresh = Client::connect(&url).await;
    let mut ids = fresh.shape_ids();
    ids.sort();
    let expected: Vec<String> = (1..=5).map(|r| format!("shape-{r}")).collect();
    assert_eq!(ids, expected);
    server.stop().await;
}

#[tokio::test]
async fn pages_that_name_nothing_answer_404() {
    let (_dir, db) = temp_db();
    let server = TestServer::start(&db).await;
    let status = |path: &str| {
        let url = server.http_url(path);
        async move { reqwest::get(url).await.unwrap().status().as_u16() }
    };
    // (Pages that exist are opened by the Playwright tests, against the release binary.)
    assert_eq!(status("/b/not.a.board").await, 404);
    assert_eq!(status("/no/such/page").await, 404);
    server.stop().await;
}
