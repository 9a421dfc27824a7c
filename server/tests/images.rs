//! Images for the Image tool: stored once under their SHA-256, served back byte for byte with
//! headers that keep them inert, and refused clearly when they are not images, too large, for a
//! full or unknown board, or sent from a foreign page.

mod common;

use common::{temp_db, wait_metric, Board, TestServer};
use sha2::{Digest, Sha256};

/// A real 1×1 red PNG.
const PNG: &[u8] =
    b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0\0\x01\0\0\0\x01\x08\x06\0\0\0\x1f\x15\xc4\x89\
\0\0\0\rIDATx\x9cc\xf8\xcf\xc0\xf0\x1f\0\x05\0\x01\xff\x89\x99=\x1d\0\0\0\0IEND\xaeB`\x82";

/// The start of a JFIF JPEG (the server reads no further than the magic bytes).
const JPEG: &[u8] = b"\xff\xd8\xff\xe0\0\x10JFIF\0\x01\x01\0\0\x01\0\x01\0\0";

/// A 1×1 transparent GIF.
const GIF: &[u8] = b"GIF89a\x01\0\x01\0\x80\0\0\xff\xff\xff\0\0\0!\xf9\x04\x01\0\0\0\0\
,\0\0\0\0\x01\0\x01\0\0\x02\x02D\x01\0;";

/// A minimal lossless (VP8L) WebP; the server reads no further than `RIFF…WEBP`.
const WEBP: &[u8] =
    b"RIFF\x1a\0\0\0WEBPVP8L\x0d\0\0\0/\0\0\0\x10\x07\x10\x11\x11\x88\x88\xfe\x07\0";

/// A PNG signature padded with `fill` to `len` bytes: the server only reads the signature.
fn png_of(len: usize, fill: u8) -> Vec<u8> {
    let mut bytes = PNG[..8].to_vec();
    bytes.resize(len, fill);
    bytes
}

fn sha256_hex(bytes: &[u8]) -> String {
    format!("{:x}", Sha256::digest(bytes))
}

struct Answer {
    status: u16,
    headers: reqwest::header::HeaderMap,
    body: Vec<u8>,
}

impl Answer {
    fn json(&self) -> serde_json::Value {
        serde_json::from_slice(&self.body).expect("a JSON body")
    }

    fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }

    fn header(&self, name: &str) -> &str {
        self.headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
    }
}

async fn answer(request: reqwest::RequestBuilder) -> Answer {
    let resp = request.send().await.expect("request");
    Answer {
        status: resp.status().as_u16(),
        headers: resp.headers().clone(),
        body: resp.bytes().await.expect("body").to_vec(),
    }
}

async fn upload(server: &TestServer, board: &str, bytes: &[u8]) -> Answer {
    upload_from(server, board, bytes, None).await
}

async fn upload_from(
    server: &TestServer,
    board: &str,
    bytes: &[u8],
    origin: Option<&str>,
) -> Answer {
    // `board` may carry its key: `id?key=…`.
    let (id, query) = board.split_once('?').unwrap_or((board, ""));
    let mut request = reqwest::Client::new()
        .post(server.http_url(&format!("/boards/{id}/images?{query}")))
        .body(bytes.to_vec());
    if let Some(origin) = origin {
        request = request.header("origin", origin);
    }
    answer(request).await
}

/// `GET path`, with the board's edit key when there is a board.
async fn download(server: &TestServer, board: Option<&Board>, path: &str) -> Answer {
    let path = match board {
        Some(board) => format!("{path}?key={}", board.edit),
        None => path.to_owned(),
    };
    answer(reqwest::Client::new().get(server.http_url(&path))).await
}

#[tokio::test]
async fn a_png_comes_back_byte_for_byte_with_headers_that_keep_it_inert() {
    let (_dir, db) = temp_db();
    let server = TestServer::start(&db).await;
    let board = Board::create(&server).await;

    // The claimed type is ignored: the magic bytes decide.
    let uploaded = answer(
        reqwest::Client::new()
            .post(server.http_url(&board.images()))
            .header("content-type", "text/html")
            .body(PNG.to_vec()),
    )
    .await;
    assert_eq!(uploaded.status, 201, "{}", uploaded.text());
    let id = sha256_hex(PNG);
    let url = format!("/boards/{board}/images/{id}");
    assert_eq!(
        uploaded.json(),
        serde_json::json!({"id": id, "url": url, "mime": "image/png", "bytes": PNG.len()})
    );

    // Either key of the board reads its images; no key or another one reads nothing.
    assert_eq!(download(&server, None, &url).await.status, 404);
    let wrong = format!("{url}?key={}", Board::create(&server).await.edit);
    assert_eq!(download(&server, None, &wrong).await.status, 404);
    let viewer = format!("{url}?key={}", board.view);
    assert_eq!(download(&server, None, &viewer).await.status, 200);
    let got = download(&server, Some(&board), &url).await;
    assert_eq!(got.status, 200);
    assert_eq!(got.body, PNG);
    assert_eq!(got.header("content-type"), "image/png");
    assert_eq!(
        got.header("cache-control"),
        "public, max-age=31536000, immutable"
    );
    assert_eq!(got.header("x-content-type-options"), "nosniff");
    assert_eq!(
        got.header("content-security-policy"),
        "default-src 'none'; sandbox"
    );
    assert_eq!(got.header("content-disposition"), "inline");

    wait_metric(&server, "whiteboard_images_stored_total", 1).await;
    wait_metric(
        &server,
        "whiteboard_image_bytes_stored_total",
        PNG.len() as u64,
    )
    .await;
    server.stop().await;
}

#[tokio::test]
async fn jpeg_gif_and_webp_are_accepted_with_their_own_type() {
    let (_dir, db) = temp_db();
    let server = TestServer::start(&db).await;
    let board = Board::create(&server).await;
    let cases: [(&[u8], &str); 3] = [
        (JPEG, "image/jpeg"),
        (GIF, "image/gif"),
        (WEBP, "image/webp"),
    ];
    for (bytes, mime) in cases {
        let uploaded = upload(&server, &board.keyed(), bytes).await;
        assert_eq!(uploaded.status, 201, "{mime}: {}", uploaded.text());
        assert_eq!(uploaded.json()["mime"], mime);
        let got = download(
            &server,
            Some(&board),
            uploaded.json()["url"].as_str().unwrap(),
        )
        .await;
        assert_eq!(got.body, bytes);
        assert_eq!(got.header("content-type"), mime);
    }
    server.stop().await;
}

#[tokio::test]
async fn what_is_not_an_image_is_refused_with_415_and_nothing_is_stored() {
    let (_dir, db) = temp_db();
    let server = TestServer::start(&db).await;
    let board = Board::create(&server).await;
    let bodies: [&[u8]; 4] = [
        b"",
        b"just some text",
        b"<!doctype html><script>alert(document.cookie)</script>",
        b"<svg xmlns=\"http://www.w3.org/2000/svg\"><script>alert(1)</script></svg>",
    ];
    for body in bodies {
        // Claiming to be a PNG does not help.
        let refused = answer(
            reqwest::Client::new()
                .post(server.http_url(&board.images()))
                .header("content-type", "image/png")
                .body(body.to_vec()),
        )
        .await;
        assert_eq!(refused.status, 415, "{:?}", String::from_utf8_lossy(body));
        assert!(refused.text().contains("PNG, JPEG, GIF and WebP"));
        let path = format!("/boards/{board}/images/{}", sha256_hex(body));
        assert_eq!(download(&server, Some(&board), &path).await.status, 404);
    }
    wait_metric(&server, "whiteboard_images_stored_total", 0).await;
    server.stop().await;
}

#[tokio::test]
async fn an_image_past_the_size_limit_gets_413() {
    let (_dir, db) = temp_db();
    let server = TestServer::start_with(&db, |c| c.max_image_bytes = 1024).await;
    let board = Board::create(&server).await;

    let too_big = png_of(1025, 1);
    let refused = upload(&server, &board.keyed(), &too_big).await;
    assert_eq!(refused.status, 413);
    assert!(refused.text().contains("1024 bytes"), "{}", refused.text());
    let path = format!("/boards/{board}/images/{}", sha256_hex(&too_big));
    assert_eq!(download(&server, Some(&board), &path).await.status, 404);

    assert_eq!(
        upload(&server, &board.keyed(), &png_of(1024, 1))
            .await
            .status,
        201
    );
    server.stop().await;
}

#[tokio::test]
async fn a_board_whose_images_reach_the_quota_is_full_and_others_are_not() {
    let (_dir, db) = temp_db();
    let server = TestServer::start_with(&db, |c| c.max_board_image_bytes = 250).await;
    let board = Board::create(&server).await;

    assert_eq!(
        upload(&server, &board.keyed(), &png_of(100, 1))
            .await
            .status,
        201
    );
    assert_eq!(
        upload(&server, &board.keyed(), &png_of(100, 2))
            .await
            .status,
        201
    );
    let refused = upload(&server, &board.keyed(), &png_of(100, 3)).await;
    assert_eq!(refused.status, 413);
    assert!(
        refused.text().contains("board is full"),
        "{}",
        refused.text()
    );
    // A smaller image still fits.
    assert_eq!(
        upload(&server, &board.keyed(), &png_of(50, 4)).await.status,
        201
    );
    // An image the board already holds is still answered when the board is full.
    let again = upload(&server, &board.keyed(), &png_of(100, 1)).await;
    assert_eq!(again.status, 200);
    assert_eq!(again.json()["id"], sha256_hex(&png_of(100, 1)));

    let other = Board::create(&server).await;
    assert_eq!(
        upload(&server, &other.keyed(), &png_of(100, 3))
            .await
            .status,
        201
    );
    server.stop().await;
}

#[tokio::test]
async fn unknown_boards_and_images_get_404() {
    let (_dir, db) = temp_db();
    let server = TestServer::start(&db).await;
    let refused = upload(&server, "never-created", PNG).await;
    assert_eq!(refused.status, 404);
    assert_eq!(refused.text(), "No such board.");
    let id = sha256_hex(PNG);
    let path = format!("/boards/never-created/images/{id}");
    assert_eq!(download(&server, None, &path).await.status, 404);

    let board = Board::create(&server).await;
    let path = format!("/boards/{board}/images/{id}");
    assert_eq!(download(&server, Some(&board), &path).await.status, 404);
    server.stop().await;
}

#[tokio::test]
async fn malformed_board_and_image_ids_get_400() {
    let (_dir, db) = temp_db();
    let server = TestServer::start(&db).await;
    let long = "b".repeat(65);
    let refused = upload(&server, &long, PNG).await;
    assert_eq!(refused.status, 400);
    assert_eq!(upload(&server, "bad.id", PNG).await.status, 400);

    let board = Board::create(&server).await;
    let id = sha256_hex(PNG);
    let bad_ids = [
        id.to_uppercase(),
        id[..63].to_owned(),
        format!("{id}0"),
        "z".repeat(64),
        "image.png".to_owned(),
    ];
    for bad in bad_ids {
        let got = download(
            &server,
            Some(&board),
            &format!("/boards/{board}/images/{bad}"),
        )
        .await;
        assert_eq!(got.status, 400, "{bad}");
    }
    let got = download(
        &server,
        Some(&board),
        &format!("/boards/{long}/images/{id}"),
    )
    .await;
    assert_eq!(got.status, 400);
    server.stop().await;
}

#[tokio::test]
async fn uploads_from_a_foreign_origin_are_refused_with_403() {
    let (_dir, db) = temp_db();
    let server = TestServer::start_with(&db, |c| {
        c.allowed_origins = vec!["https://board.example.com".into()];
    })
    .await;
    let board = Board::create(&server).await;

    let refused = upload_from(&server, &board.keyed(), PNG, Some("https://evil.example")).await;
    assert_eq!(refused.status, 403);
    let path = format!("/boards/{board}/images/{}", sha256_hex(PNG));
    assert_eq!(download(&server, Some(&board), &path).await.status, 404);

    let same = format!("http://{}", server.addr);
    let ok = upload_from(&server, &board.keyed(), PNG, Some(&same)).await;
    assert_eq!(ok.status, 201);
    let listed = "https://board.example.com";
    let ok = upload_from(&server, &board.keyed(), &png_of(20, 1), Some(listed)).await;
    assert_eq!(ok.status, 201);
    server.stop().await;
}

#[tokio::test]
async fn the_same_bytes_twice_give_the_same_id_and_are_stored_once() {
    let (_dir, db) = temp_db();
    let server = TestServer::start_with(&db, |c| c.max_board_image_bytes = 100).await;
    let board = Board::create(&server).await;
    let first = upload(&server, &board.keyed(), PNG).await;
    let second = upload(&server, &board.keyed(), PNG).await;
    assert_eq!(first.status, 201);
    // Stored once: a second copy would not have fit under the 100-byte quota anyway.
    assert_eq!(second.status, 200);
    assert_eq!(first.json(), second.json());
    wait_metric(&server, "whiteboard_images_stored_total", 1).await;

    // Another board storing the same bytes has its own copy and its own URL.
    let other = Board::create(&server).await;
    let elsewhere = upload(&server, &other.keyed(), PNG).await;
    assert_eq!(elsewhere.status, 201);
    assert_eq!(elsewhere.json()["id"], first.json()["id"]);
    assert_ne!(elsewhere.json()["url"], first.json()["url"]);
    server.stop().await;
}
