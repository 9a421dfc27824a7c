//! Links with roles, against the real server: a view key sees everything and changes nothing,
//! wrong or old keys open nothing, and resetting the links closes every connection made with
//! the old keys within a second.

mod common;

use std::time::{Duration, Instant};

use common::{temp_db, Board, Client, TestServer};
use tokio_tungstenite::tungstenite::protocol::frame::coding::CloseCode;
use yrs::sync::{Message, SyncMessage};

async fn json(answer: reqwest::Response) -> serde_json::Value {
    serde_json::from_str(&answer.text().await.unwrap()).expect("json")
}

fn room(board: &Board, key: &str) -> String {
    format!("{}?key={key}", board.id)
}

/// The HTTP status of a WebSocket upgrade to `url` (101 when it opened).
async fn upgrade_status(url: &str) -> u16 {
    match tokio_tungstenite::connect_async(url).await {
        Ok((_, response)) => response.status().as_u16(),
        Err(tokio_tungstenite::tungstenite::Error::Http(response)) => response.status().as_u16(),
        Err(e) => panic!("upgrade failed: {e}"),
    }
}

async fn get_status(server: &TestServer, path: &str) -> u16 {
    reqwest::get(server.http_url(path))
        .await
        .unwrap()
        .status()
        .as_u16()
}

#[tokio::test]
async fn a_view_key_receives_everything_and_can_change_nothing() {
    let (_dir, db) = temp_db();
    let server = TestServer::start(&db).await;
    let board = Board::create(&server).await;
    let mut editor = Client::connect(&server.ws_url(&room(&board, &board.edit))).await;
    // Connecting (its empty sync step 2 included) is fine for a viewer.
    let mut viewer = Client::connect(&server.ws_url(&room(&board, &board.view))).await;
    editor.add_rect("by-editor", 10.0).await;
    editor.wait_update().await;
    viewer
        .wait_for(|m| matches!(m, Message::Sync(SyncMessage::Update(_))))
        .await;
    assert_eq!(viewer.shape_ids(), ["by-editor"]);

    // A hand-made change from the viewer closes its connection; nobody receives it.
    viewer.add_rect("by-viewer", 90.0).await;
    assert_eq!(viewer.close_code().await, Some(CloseCode::Library(4003)));
    let late = Client::connect(&server.ws_url(&room(&board, &board.edit))).await;
    assert_eq!(late.shape_ids(), ["by-editor"]);

    // Uploads need the edit key.
    let upload = |key: String| {
        reqwest::Client::new()
            .post(server.http_url(&format!("/boards/{}/images?key={key}", board.id)))
            .body(vec![0u8; 16])
            .send()
    };
    assert_eq!(upload(board.view.clone()).await.unwrap().status(), 403);
    assert_eq!(upload("wrong".into()).await.unwrap().status(), 404);
    server.stop().await;
}

#[tokio::test]
async fn pages_sockets_and_links_open_only_with_a_key_of_the_board() {
    let (_dir, db) = temp_db();
    let server = TestServer::start(&db).await;
    let board = Board::create(&server).await;
    let id = &board.id;
    assert_eq!(get_status(&server, &format!("/b/{id}")).await, 404);
    assert_eq!(get_status(&server, &format!("/b/{id}?key=nope")).await, 404);
    // (Pages that open are rendered only by the release build: see the Playwright tests.)
    assert_eq!(upgrade_status(&server.ws_url(id)).await, 404);
    assert_eq!(
        upgrade_status(&server.ws_url(&room(&board, &board.manage))).await,
        404
    );
    assert_eq!(
        upgrade_status(&server.ws_url(&room(&board, &board.view))).await,
        101
    );

    // What each key may hand out: an edit key both links, a view key only its own.
    let links = |key: &str| {
        let url = server.http_url(&format!("/boards/{id}/links?key={key}"));
        async move { reqwest::get(url).await.unwrap() }
    };
    let edit = json(links(&board.edit).await).await;
    assert_eq!(edit["role"], "edit");
    assert_eq!(edit["view"], board.view.as_str());
    let view = json(links(&board.view).await).await;
    assert_eq!(
        (view["role"].as_str(), view["edit"].as_str()),
        (Some("view"), None)
    );
    assert_eq!(links("nope").await.status(), 404);

    // A board without links (older, or made by a y-websocket client) is open to its bare link.
    assert_eq!(upgrade_status(&server.ws_url("an-open-board")).await, 101);
    let open = json(
        reqwest::get(server.http_url("/boards/an-open-board/links"))
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(
        (open["role"].as_str(), open["open"].as_bool()),
        (Some("edit"), Some(true))
    );
    server.stop().await;
}

#[tokio::test]
async fn resetting_the_links_closes_old_connections_within_a_second_and_new_keys_work() {
    let (_dir, db) = temp_db();
    let server = TestServer::start(&db).await;
    let board = Board::create(&server).await;
    let mut editor = Client::connect(&server.ws_url(&room(&board, &board.edit))).await;
    let mut viewer = Client::connect(&server.ws_url(&room(&board, &board.view))).await;
    let reset = |manage: &str| {
        reqwest::Client::new()
            .post(server.http_url(&format!("/boards/{}/links/reset", board.id)))
            .header("x-board-manage", manage)
            .send()
    };
    // Only the manage key resets.
    assert_eq!(reset(&board.edit).await.unwrap().status(), 403);
    let started = Instant::now();
    let answer = reset(&board.manage).await.unwrap();
    assert_eq!(answer.status(), 200);
    let keys = json(answer).await;
    for client in [&mut editor, &mut viewer] {
        assert_eq!(client.close_code().await, Some(CloseCode::Library(4001)));
    }
    assert!(
        started.elapsed() < Duration::from_secs(1),
        "{:?}",
        started.elapsed()
    );

    // The old keys open nothing; the new ones work, and the new manage key resets again.
    assert_eq!(
        upgrade_status(&server.ws_url(&room(&board, &board.edit))).await,
        404
    );
    let page = format!("/b/{}?key={}", board.id, board.view);
    assert_eq!(get_status(&server, &page).await, 404);
    let edit = keys["edit"].as_str().unwrap();
    let mut again = Client::connect(&server.ws_url(&room(&board, edit))).await;
    again.add_rect("after-reset", 10.0).await;
    again.wait_update().await;
    assert_eq!(reset(&board.manage).await.unwrap().status(), 403);
    let manage = keys["manage"].as_str().unwrap();
    assert_eq!(reset(manage).await.unwrap().status(), 200);
    server.stop().await;
}
