//! The sync promise, end to end: real server on port 0, temporary SQLite file, real WebSockets.

mod common;

use common::{temp_db, wait_metric, Client, TestServer};
use futures_util::{SinkExt, StreamExt};
use tokio_tungstenite::tungstenite::protocol::frame::coding::CloseCode;
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
    let (_dir, db) = temp_db();
    let server = TestServer::start_with(&db, |c| c.max_frame_bytes = 1024).await;
    let mut c = Client::connect(&server.ws_url("big")).await;
    c.ws.send(WsMessage::Binary(vec![0u8; 4096].into()))
        .await
        .unwrap();
    assert_eq!(c.close_code().await, Some(CloseCode::Size));
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
    let id = location.strip_prefix("/b/").expect("board url");
    assert_eq!(id.len(), 22);

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

/// The frames of a recorded fuzzing input (board/tests/fuzz-regressions) that one connection
/// can send before yrs panics: frames the room would refuse (closing the connection) are left
/// out, and the frame that panics comes last.
fn frames_until_yrs_panics(input: &[u8]) -> Vec<Vec<u8>> {
    use board::room_state::{server_doc, Effect, RoomState};
    let mut room = RoomState::new(Awareness::new(server_doc()), 1 << 20);
    let mut out = Vec::new();
    room.join(0u8, &mut out);
    let mut frames = Vec::new();
    let mut rest = input;
    while rest.len() >= 3 {
        let len = u16::from_le_bytes([rest[1], rest[2]]) as usize;
        let end = (3 + len).min(rest.len());
        let frame = rest[3..end].to_vec();
        rest = &rest[end..];
        let Ok(messages) = board::protocol::decode_frame(&frame) else {
            continue;
        };
        out.clear();
        let handled = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            for m in messages {
                room.handle(0, m, &mut out);
            }
        }));
        if handled.is_err() {
            frames.push(frame);
            return frames;
        }
        if !out.iter().any(|e| matches!(e, Effect::Close(..))) {
            frames.push(frame);
        }
    }
    panic!("the recorded input no longer makes yrs panic");
}

#[tokio::test]
async fn a_message_that_breaks_yrs_reloads_the_board_and_keeps_its_data() {
    let input = std::fs::read(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../board/tests/fuzz-regressions/crash-a45f908ac491b733907989f025f27eb3a5ac90fb"
    ))
    .unwrap();
    let frames = frames_until_yrs_panics(&input);
    let (_dir, db) = temp_db();
    let server = TestServer::start(&db).await;
    let url = server.ws_url("hostile");
    let mut good = Client::connect(&url).await;
    good.add_rect("before", 0.0).await;
    good.wait_update().await;

    let (mut hostile, _) = tokio_tungstenite::connect_async(&url).await.unwrap();
    for frame in frames {
        if hostile.send(WsMessage::Binary(frame.into())).await.is_err() {
            break;
        }
    }
    // The room is dropped: every connection is told to reconnect (1011).
    assert_eq!(good.close_code().await, Some(CloseCode::Error));
    // Reloaded from storage, the board has its data and works.
    let mut fresh = Client::connect(&url).await;
    assert_eq!(fresh.shape_ids(), vec!["before".to_owned()]);
    fresh.add_rect("after", 60.0).await;
    fresh.wait_update().await;
    drop(hostile);
    server.stop().await;
}
