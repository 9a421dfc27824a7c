//! Attacks on the HTTP side of the server, each against the real server on a loopback port,
//! each bounded in count and time: slow and idle connections, bodies read before a refusal,
//! unbounded creation and uploads, one address holding a board's connections, origins that
//! only look like the board's own, storage that runs out, and who may read `/metrics`.

mod common;

use std::time::{Duration, Instant};

use board::protocol;
use common::{temp_db, Board, Client, TestServer, TIMEOUT};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::protocol::frame::coding::CloseCode;

/// Sends `head` (and `body`) on a fresh connection; returns what came back before the server
/// closed it or `wait` passed, and how long the first byte took.
async fn raw(server: &TestServer, head: &str, body: &[u8], wait: Duration) -> (String, Duration) {
    let mut stream = TcpStream::connect(server.addr).await.unwrap();
    let started = Instant::now();
    stream.write_all(head.as_bytes()).await.unwrap();
    stream.write_all(body).await.unwrap();
    read_answer(&mut stream, started, wait).await
}

async fn read_answer(
    stream: &mut TcpStream,
    started: Instant,
    wait: Duration,
) -> (String, Duration) {
    let mut out = Vec::new();
    let mut first = None;
    let mut buf = [0u8; 4096];
    let deadline = tokio::time::Instant::now() + wait;
    while let Ok(Ok(n)) = tokio::time::timeout_at(deadline, stream.read(&mut buf)).await {
        if n == 0 {
            break;
        }
        first.get_or_insert_with(|| started.elapsed());
        out.extend_from_slice(&buf[..n]);
    }
    let took = first.unwrap_or_else(|| started.elapsed());
    (String::from_utf8_lossy(&out).into_owned(), took)
}

fn status(answer: &str) -> u16 {
    answer
        .split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(0)
}

async fn create_board(server: &TestServer) -> Board {
    let (answer, _) = raw(
        server,
        "POST /boards HTTP/1.1\r\nhost: x\r\naccept: application/json\r\ncontent-length: 0\r\nconnection: close\r\n\r\n",
        b"",
        TIMEOUT,
    )
    .await;
    assert_eq!(status(&answer), 201, "{answer}");
    let body = &answer[answer.find("\r\n\r\n").expect("head") + 4..];
    Board::from_created(&serde_json::from_str(body).expect("json"))
}

fn post(path: &str, extra: &str, length: u64) -> String {
    format!("POST {path} HTTP/1.1\r\nhost: 127.0.0.1\r\ncontent-length: {length}\r\n{extra}connection: close\r\n\r\n")
}

#[tokio::test]
async fn incomplete_headers_and_idle_keep_alives_are_dropped_after_the_header_timeout() {
    let (_dir, db) = temp_db();
    let server = TestServer::start_with(&db, |c| c.header_timeout_secs = 1).await;
    // Headers that never end: the connection is closed, not held.
    let mut stream = TcpStream::connect(server.addr).await.unwrap();
    stream
        .write_all(b"GET /healthz HTTP/1.1\r\nhost: x\r\nx-slow: 1")
        .await
        .unwrap();
    let started = Instant::now();
    let mut buf = [0u8; 64];
    let closed = tokio::time::timeout(Duration::from_secs(5), stream.read(&mut buf)).await;
    assert!(matches!(closed, Ok(Ok(0)) | Ok(Err(_))), "{closed:?}");
    assert!(started.elapsed() < Duration::from_secs(3));

    // A keep-alive connection that answered a request and then sits idle is closed too.
    let mut stream = TcpStream::connect(server.addr).await.unwrap();
    stream
        .write_all(b"GET /healthz HTTP/1.1\r\nhost: x\r\n\r\n")
        .await
        .unwrap();
    let started = Instant::now();
    let (answer, _) = read_answer(&mut stream, started, Duration::from_secs(5)).await;
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
    // `read_answer` returns at the close, or after 5 s if the connection stayed open.
    assert!(
        started.elapsed() < Duration::from_secs(3),
        "idle keep-alive held open"
    );
    server.stop().await;
}

#[tokio::test]
async fn a_trickled_upload_is_cut_off_at_the_body_timeout() {
    let (_dir, db) = temp_db();
    let server = TestServer::start_with(&db, |c| c.body_timeout_secs = 1).await;
    let board = create_board(&server).await;
    let mut stream = TcpStream::connect(server.addr).await.unwrap();
    let started = Instant::now();
    let head = post(&board.images(), "", 1000);
    stream.write_all(head.as_bytes()).await.unwrap();
    stream.write_all(b"\x89PNG\r\n\x1a\n").await.unwrap();
    // One byte every 100 ms, for at most 5 s: the server answers 408 long before the end.
    let mut answer = String::new();
    for _ in 0..50 {
        if stream.write_all(b"x").await.is_err() {
            break;
        }
        let mut buf = [0u8; 1024];
        if let Ok(Ok(n)) =
            tokio::time::timeout(Duration::from_millis(100), stream.read(&mut buf)).await
        {
            answer.push_str(&String::from_utf8_lossy(&buf[..n]));
            break;
        }
    }
    assert_eq!(status(&answer), 408, "{answer}");
    assert!(started.elapsed() < Duration::from_secs(3));
    server.stop().await;
}

#[tokio::test]
async fn uploads_are_refused_before_their_body_is_read() {
    let (_dir, db) = temp_db();
    let server = TestServer::start(&db).await;
    let board = create_board(&server).await;
    let images = board.images();
    // Only the headers are sent: an answer proves the body was never waited for.
    let quick = Duration::from_secs(2);
    let cases = [
        (post(&images, "", 10_000_000_000), 413),
        (
            post("/boards/AAAAAAAAAAAAAAAAAAAAAA/images", "", 4_000_000),
            404,
        ),
        (
            post(&images, "origin: https://evil.example\r\n", 4_000_000),
            403,
        ),
    ];
    for (head, expected) in cases {
        let (answer, took) = raw(&server, &head, b"", quick).await;
        assert_eq!(status(&answer), expected, "{head}\n{answer}");
        assert!(took < quick, "{head}: {took:?}");
    }
    server.stop().await;
}

#[tokio::test]
async fn upload_bytes_held_in_memory_are_bounded() {
    let (_dir, db) = temp_db();
    let server = TestServer::start_with(&db, |c| {
        c.max_image_bytes = 1024 * 1024;
        c.max_uploads_in_flight_bytes = 2 * 1024 * 1024;
        c.body_timeout_secs = 2;
    })
    .await;
    let board = create_board(&server).await;
    let head = post(&board.images(), "", 1024 * 1024);
    // Two uploads stalled one byte short take the whole budget…
    let mut stalled = Vec::new();
    for _ in 0..2 {
        let mut stream = TcpStream::connect(server.addr).await.unwrap();
        stream.write_all(head.as_bytes()).await.unwrap();
        stream.write_all(&vec![0u8; 1024 * 1024 - 1]).await.unwrap();
        stalled.push(stream);
    }
    tokio::time::sleep(Duration::from_millis(300)).await;
    // …so a third is refused at once, before a byte of it is read.
    let (answer, _) = raw(&server, &head, b"", Duration::from_secs(1)).await;
    assert_eq!(status(&answer), 503, "{answer}");
    // Once the stalled ones time out (408), the budget is free again.
    for mut stream in stalled {
        let (answer, _) = read_answer(&mut stream, Instant::now(), Duration::from_secs(5)).await;
        assert_eq!(status(&answer), 408, "{answer}");
    }
    let png = [b"\x89PNG\r\n\x1a\n".as_slice(), &[7u8; 100]].concat();
    let head = post(&board.images(), "", png.len() as u64);
    let (answer, _) = raw(&server, &head, &png, TIMEOUT).await;
    assert_eq!(status(&answer), 201, "{answer}");
    server.stop().await;
}

#[tokio::test]
async fn board_creation_is_rate_limited_per_address_and_checks_the_origin() {
    let (_dir, db) = temp_db();
    let server = TestServer::start_with(&db, |c| {
        c.boards_per_minute = 3;
        c.trusted_proxies = vec!["127.0.0.1/32".parse().unwrap()];
    })
    .await;
    let create = |extra: &'static str| {
        let head =
            post("/boards", extra, 0).replace("\r\n\r\n", "\r\naccept: application/json\r\n\r\n");
        let server = &server;
        async move { status(&raw(server, &head, b"", TIMEOUT).await.0) }
    };
    for _ in 0..3 {
        assert_eq!(create("").await, 201);
    }
    assert_eq!(create("").await, 429);
    // Behind the trusted proxy (here: loopback), each forwarded address has its own budget.
    assert_eq!(create("x-forwarded-for: 203.0.113.7\r\n").await, 201);
    // Any web page could make its visitors create boards: a foreign origin is refused.
    assert_eq!(
        create("x-forwarded-for: 203.0.113.8\r\norigin: https://evil.example\r\n").await,
        403
    );
    server.stop().await;
}

#[tokio::test]
async fn forwarded_for_from_an_untrusted_peer_changes_nothing() {
    let (_dir, db) = temp_db();
    let server = TestServer::start_with(&db, |c| c.boards_per_minute = 2).await;
    let head = |n: u8| {
        post(
            "/boards",
            &format!("x-forwarded-for: 198.51.100.{n}\r\naccept: application/json\r\n"),
            0,
        )
    };
    let mut statuses = Vec::new();
    for n in 0..4 {
        statuses.push(status(&raw(&server, &head(n), b"", TIMEOUT).await.0));
    }
    assert_eq!(statuses, [201, 201, 429, 429]);
    server.stop().await;
}

#[tokio::test]
async fn uploads_are_rate_limited_per_address() {
    let (_dir, db) = temp_db();
    let server = TestServer::start_with(&db, |c| c.uploads_per_minute = 2).await;
    let board = create_board(&server).await;
    let mut statuses = Vec::new();
    for n in 0..3u8 {
        let png = [b"\x89PNG\r\n\x1a\n".as_slice(), &[n; 16]].concat();
        let head = post(&board.images(), "", png.len() as u64);
        statuses.push(status(&raw(&server, &head, &png, TIMEOUT).await.0));
    }
    assert_eq!(statuses, [201, 201, 429]);
    server.stop().await;
}

#[tokio::test]
async fn one_address_cannot_take_every_connection_to_a_board() {
    let (_dir, db) = temp_db();
    let server = TestServer::start_with(&db, |c| {
        c.max_connections_per_address = 3;
        c.trusted_proxies = vec!["127.0.0.1/32".parse().unwrap()];
    })
    .await;
    let url = server.ws_url("crowded");
    let connect_as = |who: &'static str| {
        let mut req = url.as_str().into_client_request().unwrap();
        req.headers_mut()
            .insert("x-forwarded-for", who.parse().unwrap());
        tokio_tungstenite::connect_async(req)
    };
    let mut held = Vec::new();
    for _ in 0..3 {
        held.push(connect_as("203.0.113.1").await.expect("within the cap"));
    }
    let refused = connect_as("203.0.113.1").await.unwrap_err();
    let tokio_tungstenite::tungstenite::Error::Http(response) = refused else {
        panic!("{refused:?}")
    };
    assert_eq!(response.status(), 503);
    // Everyone else still gets in; and a place comes back when a connection ends.
    assert!(connect_as("203.0.113.2").await.is_ok());
    drop(held.pop());
    let deadline = tokio::time::Instant::now() + TIMEOUT;
    while connect_as("203.0.113.1").await.is_err() {
        assert!(
            tokio::time::Instant::now() < deadline,
            "the place never came back"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    server.stop().await;
}

#[tokio::test]
async fn origins_must_match_in_scheme_host_and_port() {
    let (_dir, db) = temp_db();
    let server = TestServer::start(&db).await;
    let port = server.addr.port();
    let upgrade = |host: String, origin: String| {
        let url = server.ws_url("origins");
        async move {
            let mut req = url.into_client_request().unwrap();
            req.headers_mut().insert("host", host.parse().unwrap());
            req.headers_mut().insert("origin", origin.parse().unwrap());
            match tokio_tungstenite::connect_async(req).await {
                Ok(_) => 101,
                Err(tokio_tungstenite::tungstenite::Error::Http(r)) => r.status().as_u16(),
                Err(e) => panic!("{e:?}"),
            }
        }
    };
    let here = format!("127.0.0.1:{port}");
    assert_eq!(upgrade(here.clone(), format!("http://{here}")).await, 101);
    assert_eq!(
        upgrade(here.clone(), format!("chrome-extension://{here}")).await,
        403
    );
    // DNS rebinding: a name someone else's DNS pointed here, with the matching Origin.
    let evil = format!("evil.example:{port}");
    assert_eq!(upgrade(evil.clone(), format!("http://{evil}")).await, 403);
    server.stop().await;

    let (_dir, db) = temp_db();
    let server = TestServer::start_with(&db, |c| {
        c.public_origin = Some("https://board.example.com".into());
    })
    .await;
    let upgrade = |origin: &'static str| {
        let url = server.ws_url("origins");
        async move {
            let mut req = url.into_client_request().unwrap();
            req.headers_mut()
                .insert("host", "board.example.com".parse().unwrap());
            req.headers_mut().insert("origin", origin.parse().unwrap());
            tokio_tungstenite::connect_async(req).await.is_ok()
        }
    };
    assert!(upgrade("https://board.example.com").await);
    assert!(!upgrade("http://board.example.com").await);
    assert!(!upgrade("https://board.example.com:8443").await);
    server.stop().await;
}

#[tokio::test]
async fn metrics_answer_only_the_token_or_this_machine() {
    let (_dir, db) = temp_db();
    let server = TestServer::start_with(&db, |c| {
        c.trusted_proxies = vec!["127.0.0.1/32".parse().unwrap()];
    })
    .await;
    let get = |extra: &'static str| {
        let head = format!("GET /metrics HTTP/1.1\r\nhost: x\r\n{extra}connection: close\r\n\r\n");
        let server = &server;
        async move { status(&raw(server, &head, b"", TIMEOUT).await.0) }
    };
    assert_eq!(get("").await, 200);
    // Through the proxy, from the internet: refused.
    assert_eq!(get("x-forwarded-for: 203.0.113.5\r\n").await, 403);
    server.stop().await;

    let (_dir, db) = temp_db();
    let server = TestServer::start_with(&db, |c| c.metrics_token = Some("s3cret".into())).await;
    let get = |extra: &'static str| {
        let head = format!("GET /metrics HTTP/1.1\r\nhost: x\r\n{extra}connection: close\r\n\r\n");
        let server = &server;
        async move { status(&raw(server, &head, b"", TIMEOUT).await.0) }
    };
    assert_eq!(get("").await, 403);
    assert_eq!(get("authorization: Bearer wrong\r\n").await, 403);
    assert_eq!(get("authorization: Bearer s3cret\r\n").await, 200);
    server.stop().await;
}

#[tokio::test]
async fn storage_past_its_budget_refuses_writes_and_keeps_the_board() {
    let (_dir, db) = temp_db();
    let server = TestServer::start_with(&db, |c| c.max_storage_bytes = 1).await;
    let url = server.ws_url("budget");
    // The gauge is sampled every 2 s: wait for the first refusal.
    let deadline = tokio::time::Instant::now() + TIMEOUT;
    let answer = loop {
        let head = post("/boards", "accept: application/json\r\n", 0);
        let (answer, _) = raw(&server, &head, b"", TIMEOUT).await;
        if status(&answer) != 201 {
            break answer;
        }
        assert!(tokio::time::Instant::now() < deadline, "never refused");
        tokio::time::sleep(Duration::from_millis(200)).await;
    };
    assert_eq!(status(&answer), 507, "{answer}");
    assert!(answer.contains("storage is full"), "{answer}");
    // Reading still works; a change closes the socket with 1013 ("try again later").
    let mut client = Client::connect(&url).await;
    client.add_rect("r", 1.0).await;
    assert_eq!(client.close_code().await, Some(CloseCode::Again));
    let health = reqwest::get(server.http_url("/healthz")).await.unwrap();
    assert_eq!(health.status(), 200);
    server.stop().await;
}

#[tokio::test]
async fn a_disk_below_its_free_space_floor_refuses_uploads() {
    let (_dir, db) = temp_db();
    let board = {
        let server = TestServer::start(&db).await;
        let board = create_board(&server).await;
        server.stop().await;
        board
    };
    let server = TestServer::start_with(&db, |c| c.min_free_disk_bytes = u64::MAX).await;
    let png = [b"\x89PNG\r\n\x1a\n".as_slice(), &[1u8; 16]].concat();
    let head = post(&board.images(), "", png.len() as u64);
    let deadline = tokio::time::Instant::now() + TIMEOUT;
    loop {
        let code = status(&raw(&server, &head, &png, TIMEOUT).await.0);
        if code == 507 {
            break;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "never refused: {code}"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    // The update path is refused as well, and what is stored stays readable.
    let mut client = Client::connect(&server.ws_url(&board.keyed())).await;
    client.send(protocol::update(vec![0, 0])).await;
    assert_eq!(client.close_code().await, Some(CloseCode::Again));
    server.stop().await;
}
