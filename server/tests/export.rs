//! Exports and version history over HTTP: `/boards/{id}/export.svg|png|json` answer files with
//! the board inside for view and edit links (404 otherwise, 413 past the limits, 400 for bad
//! options); `/boards/{id}/state` answers the board as one Yjs update; versions are kept when a
//! board goes quiet, listed, read back and copied into a new board.

mod common;

use common::{temp_db, Board, Client, TestServer};

async fn get(server: &TestServer, path: &str) -> (u16, String, Vec<u8>) {
    let answer = reqwest::get(server.http_url(path)).await.expect("GET");
    let status = answer.status().as_u16();
    let mime = answer
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    (status, mime, answer.bytes().await.expect("body").to_vec())
}

/// `POST /boards/{id}/duplicate?{query}key=<view key>`: the copy's id and edit key.
async fn duplicate(server: &TestServer, board: &Board, query: &str) -> (String, String) {
    let copied = reqwest::Client::new()
        .post(server.http_url(&format!(
            "/boards/{}/duplicate?{query}key={}",
            board.id, board.view
        )))
        .send()
        .await
        .unwrap();
    assert_eq!(copied.status(), 201);
    let created: serde_json::Value =
        serde_json::from_slice(&copied.bytes().await.unwrap()).unwrap();
    let url = created["url"].as_str().expect("the copy's link");
    let path = url.split('#').next().unwrap();
    let (copy, key) = path
        .trim_start_matches("/b/")
        .split_once("?key=")
        .expect("an edit link");
    (copy.to_owned(), key.to_owned())
}

/// A board with two rectangles, stored (their echoes arrived).
async fn board_with_shapes(server: &TestServer) -> Board {
    let board = Board::create(server).await;
    let mut client = Client::connect(&server.ws_url(&board.keyed())).await;
    client.add_rect("a", 10.0).await;
    client.wait_update().await;
    client.add_rect("b", 100.0).await;
    client.wait_update().await;
    board
}

#[tokio::test]
async fn exports_answer_each_format_with_the_board_inside() {
    let (_dir, db) = temp_db();
    let server = TestServer::start(&db).await;
    let board = board_with_shapes(&server).await;
    let path = |ext: &str, key: &str| format!("/boards/{}/export.{ext}?key={key}", board.id);

    let (status, mime, body) = get(&server, &path("json", &board.view)).await;
    assert_eq!((status, mime.as_str()), (200, "application/json"));
    let scene = board::file::parse(&body).expect("the JSON imports");
    assert_eq!(scene.shapes.len(), 2);

    let (status, mime, body) = get(&server, &path("svg", &board.edit)).await;
    assert_eq!((status, mime.as_str()), (200, "image/svg+xml"));
    let svg = String::from_utf8(body.clone()).unwrap();
    assert!(svg.starts_with("<svg"), "{svg}");
    assert_eq!(
        board::file::parse(&body)
            .expect("the SVG imports")
            .shapes
            .len(),
        2
    );

    let (status, mime, body) = get(&server, &format!("{}&scale=2", path("png", &board.view))).await;
    assert_eq!((status, mime.as_str()), (200, "image/png"));
    assert_eq!(&body[..8], b"\x89PNG\r\n\x1a\n");
    assert_eq!(
        board::file::parse(&body)
            .expect("the PNG imports")
            .shapes
            .len(),
        2
    );

    // Only the selection.
    let (_, _, body) = get(&server, &format!("{}&ids=b", path("json", &board.view))).await;
    let scene = board::file::parse(&body).unwrap();
    assert_eq!(scene.shapes.len(), 1);
    server.stop().await;
}

#[tokio::test]
async fn exports_follow_the_links_and_refuse_bad_options_and_huge_boards() {
    let (_dir, db) = temp_db();
    let server = TestServer::start_with(&db, |c| c.max_export_pixels = 1_000).await;
    let board = board_with_shapes(&server).await;
    let at = |rest: &str| format!("/boards/{}/{rest}", board.id);
    assert_eq!(get(&server, &at("export.svg")).await.0, 404, "no key");
    assert_eq!(
        get(&server, &at("export.svg?key=wrongwrongwrongwrongwr"))
            .await
            .0,
        404
    );
    let scale = format!("export.png?key={}&scale=7", board.view);
    assert_eq!(get(&server, &at(&scale)).await.0, 400);
    let (status, _, body) = get(&server, &at(&format!("export.png?key={}", board.view))).await;
    assert_eq!(status, 413, "past the pixel limit");
    assert!(String::from_utf8_lossy(&body).contains("pixels"));
    let unknown = "/boards/AAAAAAAAAAAAAAAAAAAAAA/export.json";
    assert_eq!(get(&server, unknown).await.0, 404);
    server.stop().await;
}

#[tokio::test]
async fn versions_are_kept_when_a_board_goes_quiet_and_can_be_read_and_copied() {
    let (_dir, db) = temp_db();
    let server = TestServer::start_with(&db, |c| c.version_quiet_secs = 1).await;
    let board = board_with_shapes(&server).await;
    let list = format!("/boards/{}/versions?key={}", board.id, board.view);
    let mut versions = serde_json::Value::Null;
    for _ in 0..100 {
        let (status, _, body) = get(&server, &list).await;
        assert_eq!(status, 200);
        versions = serde_json::from_slice(&body).unwrap();
        if versions.as_array().is_some_and(|v| !v.is_empty()) {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    let first = &versions[0];
    assert_eq!(first["reason"], "edit");
    let id = first["id"].as_i64().expect("a version id");

    let (status, _, body) = get(
        &server,
        &format!("/boards/{}/versions/{id}.json?key={}", board.id, board.view),
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(board::file::parse(&body).unwrap().shapes.len(), 2);
    let svg = format!("/boards/{}/versions/{id}.svg?key={}", board.id, board.view);
    assert_eq!(get(&server, &svg).await.1, "image/svg+xml");
    let missing = format!("/boards/{}/versions/999.json?key={}", board.id, board.view);
    assert_eq!(get(&server, &missing).await.0, 404);

    let http = reqwest::Client::new();
    // Keeping a version by hand takes the edit link.
    let keep = |key: &str| {
        http.post(server.http_url(&format!(
            "/boards/{}/versions?reason=restore&key={key}",
            board.id
        )))
    };
    assert_eq!(keep(&board.view).send().await.unwrap().status(), 403);
    assert_eq!(keep(&board.edit).send().await.unwrap().status(), 201);

    // A copy of the version is a new board with its own links and the same shapes.
    let (copy, key) = duplicate(&server, &board, &format!("version={id}&")).await;
    assert_ne!(copy, board.id);
    let (status, _, body) = get(&server, &format!("/boards/{copy}/export.json?key={key}")).await;
    assert_eq!(status, 200);
    assert_eq!(board::file::parse(&body).unwrap().shapes.len(), 2);
    server.stop().await;
}

#[tokio::test]
async fn summaries_thumbnails_and_deletion_follow_the_links() {
    let (_dir, db) = temp_db();
    let server = TestServer::start(&db).await;
    let board = board_with_shapes(&server).await;
    let at = |rest: &str| format!("/boards/{}/{rest}", board.id);

    let (status, _, body) = get(&server, &at(&format!("summary?key={}", board.view))).await;
    assert_eq!(status, 200);
    let summary: serde_json::Value = serde_json::from_slice(&body).unwrap();
    assert_eq!(summary["shapes"], 2);
    assert_eq!(summary["title"], "");
    assert!(summary["updatedAt"].as_i64().unwrap() > 0);
    let (status, mime, body) =
        get(&server, &at(&format!("thumbnail.svg?key={}", board.view))).await;
    assert_eq!((status, mime.as_str()), (200, "image/svg+xml"));
    assert!(String::from_utf8_lossy(&body).contains("<rect"));
    assert_eq!(get(&server, &at("summary")).await.0, 404, "no key");

    let http = reqwest::Client::new();
    let delete = |manage: &str| {
        http.delete(server.http_url(&format!("/boards/{}", board.id)))
            .header("x-board-manage", manage)
    };
    assert_eq!(delete(&board.edit).send().await.unwrap().status(), 403);
    let mut watcher = Client::connect(&server.ws_url(&board.keyed())).await;
    assert_eq!(delete(&board.manage).send().await.unwrap().status(), 204);
    // Whoever was on the board is told, and no key opens it any more.
    assert_eq!(watcher.close_code().await.map(u16::from), Some(4004));
    assert_eq!(
        get(&server, &at(&format!("summary?key={}", board.edit)))
            .await
            .0,
        404
    );
    assert_eq!(get(&server, &format!("/b/{}", board.keyed())).await.0, 404);
    server.stop().await;
}

/// A real 1×1 PNG.
const PNG: &[u8] =
    b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0\0\x01\0\0\0\x01\x08\x06\0\0\0\x1f\x15\xc4\x89\
\0\0\0\rIDATx\x9cc\xf8\xcf\xc0\xf0\x1f\0\x05\0\x01\xff\x89\x99=\x1d\0\0\0\0IEND\xaeB`\x82";

#[tokio::test]
async fn a_copy_carries_its_images_under_its_own_keys() {
    let (_dir, db) = temp_db();
    let server = TestServer::start(&db).await;
    let board = Board::create(&server).await;
    let http = reqwest::Client::new();
    let uploaded = http
        .post(server.http_url(&board.images()))
        .body(PNG)
        .send()
        .await
        .unwrap();
    assert_eq!(uploaded.status(), 201);
    let uploaded: serde_json::Value =
        serde_json::from_slice(&uploaded.bytes().await.unwrap()).unwrap();
    let src = uploaded["url"].as_str().unwrap().to_owned();
    let mut client = Client::connect(&server.ws_url(&board.keyed())).await;
    let (_, update) = client
        .board
        .change("local", |txn, b| {
            let rect = board::Rect {
                x: 0.0,
                y: 0.0,
                w: 10.0,
                h: 10.0,
            };
            let mut image = board::Shape::boxed(
                "img".into(),
                board::ShapeKind::Image,
                rect,
                board::Style::default(),
                b.next_index(txn),
            );
            image.src = Some(src.clone());
            b.put(txn, &image);
        })
        .unwrap();
    client.send(board::protocol::update(update)).await;
    client.wait_update().await;

    let (copy, key) = duplicate(&server, &board, "").await;
    let (_, _, body) = get(&server, &format!("/boards/{copy}/export.json?key={key}")).await;
    let scene = board::file::parse(&body).unwrap();
    let copied_src = scene.shapes[0].src.clone().expect("the image's source");
    assert!(
        copied_src.starts_with(&format!("/boards/{copy}/images/")),
        "{copied_src}"
    );
    let (status, mime, bytes) = get(&server, &format!("{copied_src}?key={key}")).await;
    assert_eq!(
        (status, mime.as_str(), bytes.as_slice()),
        (200, "image/png", PNG)
    );
    server.stop().await;
}

/// `GET /boards/{id}/state`: the whole board as one Yjs update, for a page that has no copy of
/// it yet; compressed when the browser accepts it; a link that opens nothing gets 404.
#[tokio::test]
async fn the_state_is_the_whole_board_as_one_update() {
    let (_dir, db) = temp_db();
    let server = TestServer::start(&db).await;
    let board = board_with_shapes(&server).await;
    let path = |key: &str| format!("/boards/{}/state?key={key}", board.id);

    let (status, mime, body) = get(&server, &path(&board.view)).await;
    assert_eq!((status, mime.as_str()), (200, "application/octet-stream"));
    let doc = board::BoardDoc::new(yrs::Doc::new());
    doc.apply_remote(&body, "state").expect("a Yjs update");
    let mut ids: Vec<String> = doc.shapes().unwrap().into_iter().map(|s| s.id).collect();
    ids.sort();
    assert_eq!(ids, ["a", "b"]);

    let answer = reqwest::Client::new()
        .get(server.http_url(&path(&board.edit)))
        .header("accept-encoding", "gzip")
        .send()
        .await
        .unwrap();
    assert_eq!(answer.status(), 200);
    assert_eq!(answer.headers()["content-encoding"], "gzip");

    let (status, _, _) = get(&server, &path("not-a-key")).await;
    assert_eq!(status, 404);
    let (status, _, _) = get(&server, "/boards/AAAAAAAAAAAAAAAAAAAAAA/state").await;
    assert_eq!(status, 404);
}
