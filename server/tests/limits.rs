//! Limits answer clearly and harm nobody else: rate, board size, connection counts, origins,
//! slow readers.

mod common;

use common::{temp_db, Client, TestServer};
use futures_util::SinkExt;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::protocol::frame::coding::CloseCode;
use tokio_tungstenite::tungstenite::Message as WsMessage;

fn status_of(err: tokio_tungstenite::tungstenite::Error) -> u16 {
    match err {
        tokio_tungstenite::tungstenite::Error::Http(resp) => resp.status().as_u16(),
        other => panic!("expected an HTTP refusal, got {other}"),
    }
}

#[tokio::test]
async fn a_flooding_connection_is_closed_with_1008() {
    let (_dir, db) = temp_db();
    let server = TestServer::start_with(&db, |c| {
        c.rate_per_sec = 10;
        c.rate_burst = 20;
    })
    .await;
    let mut flood = Client::connect(&server.ws_url("rate")).await;
    let query = yrs::updates::encoder::Encode::encode_v1(&yrs::sync::Message::AwarenessQuery);
    for _ in 0..100 {
        if flood
            .ws
            .send(WsMessage::Binary(query.clone().into()))
            .await
            .is_err()
        {
            break;
        }
    }
    assert_eq!(flood.close_code().await, Some(CloseCode::Policy));
    server.stop().await;
}

#[tokio::test]
async fn an_update_past_the_board_size_limit_is_refused_and_the_board_kept() {
    let (_dir, db) = temp_db();
    let server = TestServer::start_with(&db, |c| c.max_board_bytes = 4096).await;
    let url = server.ws_url("full");
    let mut a = Client::connect(&url).await;
    a.add_rect("small", 0.0).await;
    a.wait_update().await;

    let mut b = Client::connect(&url).await;
    let big = board::Shape::pen(
        "huge".into(),
        "b00".into(),
        board::Style::default(),
        &(0..1000)
            .map(|i| (board::Point::new(i as f64, i as f64), 0.5))
            .collect::<Vec<_>>(),
    );
    let (_, update) = b.board.change("local", |txn, d| d.put(txn, &big)).unwrap();
    b.send(board::protocol::update(update)).await;
    assert_eq!(b.close_code().await, Some(CloseCode::Policy));

    let fresh = Client::connect(&url).await;
    assert_eq!(fresh.shape_ids(), vec!["small".to_owned()]);
    server.stop().await;
}

#[tokio::test]
async fn connection_limits_answer_503_at_upgrade() {
    let (_dir, db) = temp_db();
    let server = TestServer::start_with(&db, |c| {
        c.max_connections_per_board = 2;
        c.max_connections = 3;
    })
    .await;
    let _a = Client::connect(&server.ws_url("crowded")).await;
    let _b = Client::connect(&server.ws_url("crowded")).await;
    let err = tokio_tungstenite::connect_async(server.ws_url("crowded"))
        .await
        .unwrap_err();
    assert_eq!(status_of(err), 503);

    let _c = Client::connect(&server.ws_url("elsewhere")).await;
    let err = tokio_tungstenite::connect_async(server.ws_url("third"))
        .await
        .unwrap_err();
    assert_eq!(status_of(err), 503);
    server.stop().await;
}

/// Opens `n` WebSockets at once (upgrades racing each other) and keeps the ones accepted.
async fn connect_all_at_once(urls: impl Iterator<Item = String>) -> (Vec<impl Sized>, Vec<u16>) {
    let attempts = urls.map(|url| tokio::spawn(tokio_tungstenite::connect_async(url)));
    let mut open = Vec::new();
    let mut refused = Vec::new();
    for attempt in attempts.collect::<Vec<_>>() {
        match attempt.await.unwrap() {
            Ok((ws, _)) => open.push(ws),
            Err(err) => refused.push(status_of(err)),
        }
    }
    (open, refused)
}

#[tokio::test]
async fn concurrent_upgrades_cannot_pass_the_connection_limits() {
    let (_dir, db) = temp_db();
    let server = TestServer::start_with(&db, |c| {
        c.max_connections_per_board = 5;
        c.max_connections = 12;
    })
    .await;
    let (open, refused) = connect_all_at_once(std::iter::repeat_n(server.ws_url("rush"), 40)).await;
    assert_eq!((open.len(), refused.len()), (5, 35));
    assert!(refused.iter().all(|&s| s == 503));
    let (others, refused) =
        connect_all_at_once((0..40).map(|i| server.ws_url(&format!("board-{i}")))).await;
    assert_eq!((others.len(), refused.len()), (7, 33));
    // Slots come back when connections end.
    drop((open, others));
    let deadline = tokio::time::Instant::now() + common::TIMEOUT;
    loop {
        let (open, _) = connect_all_at_once(std::iter::repeat_n(server.ws_url("rush"), 5)).await;
        if open.len() == 5 {
            break;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "slots never came back"
        );
        drop(open);
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    server.stop().await;
}

#[tokio::test]
async fn foreign_origins_are_refused_with_403() {
    let (_dir, db) = temp_db();
    let server = TestServer::start_with(&db, |c| {
        c.allowed_origins = vec!["https://board.example.com".into()];
    })
    .await;
    let with_origin = |origin: &str| {
        let mut req = server.ws_url("origin").into_client_request().unwrap();
        req.headers_mut().insert("origin", origin.parse().unwrap());
        req
    };
    let err = tokio_tungstenite::connect_async(with_origin("https://evil.example"))
        .await
        .unwrap_err();
    assert_eq!(status_of(err), 403);

    let same = format!("http://{}", server.addr);
    assert!(tokio_tungstenite::connect_async(with_origin(&same))
        .await
        .is_ok());
    assert!(
        tokio_tungstenite::connect_async(with_origin("https://board.example.com"))
            .await
            .is_ok()
    );
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_reader_that_falls_behind_is_closed_with_1013_not_silently_skipped() {
    let (_dir, db) = temp_db();
    let server = TestServer::start_with(&db, |c| c.outbound_queue = 4).await;
    let url = server.ws_url("slow");
    let mut slow = Client::connect(&url).await;
    let mut writer = Client::connect(&url).await;
    // Large updates fill the socket buffers quickly; the slow client reads nothing meanwhile.
    for i in 0..400 {
        let pts: Vec<_> = (0..3000)
            .map(|j| (board::Point::new(j as f64, i as f64), 0.5))
            .collect();
        let shape = board::Shape::pen(format!("s{i}"), "a0".into(), board::Style::default(), &pts);
        let (_, update) = writer
            .board
            .change("local", |txn, d| d.put(txn, &shape))
            .unwrap();
        let frame = WsMessage::Binary(board::protocol::update(update).into());
        if writer.ws.send(frame).await.is_err() {
            panic!("the writer was closed: {:?}", writer.close_code().await);
        }
        // The writer reads its echo of each update, so only `slow` falls behind.
        writer.wait_update().await;
    }
    assert_eq!(slow.close_code().await, Some(CloseCode::Again));
    server.stop().await;
}
