//! The HTTP fallback against the real server: a session syncs and sees a socket client's
//! changes, its sequence cursor neither skips nor repeats, a retried batch is not applied
//! twice, a view key and a malformed body close the session with the socket's codes, and an
//! unknown session is a 404.

mod common;

use std::time::Duration;

use board::protocol;
use board::{BoardDoc, Shape, ShapeKind};
use common::{temp_db, Board, Client, TestServer};
use yrs::sync::{Message, SyncMessage};
use yrs::updates::decoder::Decode;
use yrs::{Doc, StateVector, Transact, Update};

/// A hand-driven fallback session.
struct Session {
    base: String,
    http: reqwest::Client,
    after: u32,
    batch: u64,
    seen: Vec<u32>,
}

impl Session {
    async fn open(server: &TestServer, board: &str, key: &str) -> (Session, String) {
        let http = reqwest::Client::new();
        let answer = http
            .post(server.http_url(&format!("/poll/{board}?key={key}")))
            .send()
            .await
            .unwrap();
        assert_eq!(answer.status(), 201);
        let json: serde_json::Value = serde_json::from_str(&answer.text().await.unwrap()).unwrap();
        let id = json["session"].as_str().unwrap().to_owned();
        assert_eq!(id.len(), 32);
        let session = Session {
            base: server.http_url(&format!("/poll/{board}/{id}")),
            http,
            after: 0,
            batch: 0,
            seen: Vec::new(),
        };
        (session, json["role"].as_str().unwrap().to_owned())
    }

    /// One poll: its status and frames (and the close JSON on 410).
    async fn poll(&mut self) -> (u16, Vec<Vec<u8>>, Option<serde_json::Value>) {
        let answer = self
            .http
            .get(format!("{}?after={}", self.base, self.after))
            .send()
            .await
            .unwrap();
        let status = answer.status().as_u16();
        let body = answer.bytes().await.unwrap();
        if status != 200 {
            return (status, Vec::new(), serde_json::from_slice(&body).ok());
        }
        let mut frames = Vec::new();
        let mut rest = &body[..];
        while !rest.is_empty() {
            let seq = u32::from_be_bytes(rest[..4].try_into().unwrap());
            let len = u32::from_be_bytes(rest[4..8].try_into().unwrap()) as usize;
            assert_eq!(seq, self.after + 1, "frames arrive in order, none skipped");
            self.after = seq;
            self.seen.push(seq);
            frames.push(rest[8..8 + len].to_vec());
            rest = &rest[8 + len..];
        }
        (status, frames, None)
    }

    /// Polls until a frame holding a message that `pred` accepts arrives.
    async fn until(&mut self, mut pred: impl FnMut(&Message) -> bool) -> Message {
        for _ in 0..20 {
            let (status, frames, _) = self.poll().await;
            assert_eq!(status, 200);
            for frame in frames {
                for m in protocol::decode_frame(&frame).unwrap() {
                    if pred(&m) {
                        return m;
                    }
                }
            }
        }
        panic!("the awaited message never came");
    }

    async fn post_numbered(
        &mut self,
        batch: u64,
        body: Vec<u8>,
    ) -> (u16, Option<serde_json::Value>) {
        let answer = self
            .http
            .post(format!("{}?batch={batch}", self.base))
            .body(body)
            .send()
            .await
            .unwrap();
        let status = answer.status().as_u16();
        (
            status,
            serde_json::from_slice(&answer.bytes().await.unwrap()).ok(),
        )
    }

    async fn post(&mut self, frames: &[Vec<u8>]) -> (u16, Option<serde_json::Value>) {
        self.batch += 1;
        self.post_numbered(self.batch, records(frames)).await
    }
}

fn records(frames: &[Vec<u8>]) -> Vec<u8> {
    let mut body = Vec::new();
    for f in frames {
        body.extend_from_slice(&(f.len() as u32).to_be_bytes());
        body.extend_from_slice(f);
    }
    body
}

/// An update adding one rectangle, made on a fresh document.
fn rect_update(id: &str) -> Vec<u8> {
    let board = BoardDoc::new(Doc::new());
    let shape = Shape {
        id: id.to_owned(),
        kind: ShapeKind::Rectangle,
        w: 50.0,
        h: 40.0,
        ..Default::default()
    };
    let (_, update) = board
        .change("local", |txn, b| {
            let mut s = shape.clone();
            s.index = b.next_index(txn);
            b.put(txn, &s);
        })
        .unwrap();
    update
}

#[tokio::test]
async fn a_session_syncs_both_ways_with_a_socket_client() {
    let (_dir, db) = temp_db();
    let server = TestServer::start(&db).await;
    let board = Board::create(&server).await;
    let mut socket = Client::connect(&server.ws_url(&board.keyed())).await;
    socket.add_rect("from-socket", 10.0).await;
    socket.wait_update().await;

    let (mut http, role) = Session::open(&server, &board.id, &board.edit).await;
    assert_eq!(role, "edit");
    // The server speaks first: its sync step 1.
    http.until(|m| matches!(m, Message::Sync(SyncMessage::SyncStep1(_))))
        .await;
    // Our step 1 is answered with everything.
    let step1 = protocol::sync_step1(&StateVector::default());
    assert_eq!(http.post(&[step1]).await.0, 204);
    let Message::Sync(SyncMessage::SyncStep2(state)) = http
        .until(|m| matches!(m, Message::Sync(SyncMessage::SyncStep2(_))))
        .await
    else {
        unreachable!()
    };
    let doc = Doc::new();
    doc.transact_mut()
        .apply_update(Update::decode_v1(&state).unwrap())
        .unwrap();
    let shapes = BoardDoc::new(doc).shapes().unwrap();
    assert_eq!(shapes.len(), 1);
    assert_eq!(shapes[0].id, "from-socket");

    // A change posted over HTTP reaches the socket client, and comes back to us numbered.
    assert_eq!(
        http.post(&[protocol::update(rect_update("from-http"))])
            .await
            .0,
        204
    );
    socket.wait_update().await;
    let mut ids = socket.shape_ids();
    ids.sort();
    assert_eq!(ids, ["from-http", "from-socket"]);
    http.until(|m| matches!(m, Message::Sync(SyncMessage::Update(_))))
        .await;
    let n = http.seen.len() as u32;
    assert_eq!(http.seen, (1..=n).collect::<Vec<_>>());

    // A poll that repeats an old cursor gets nothing it acknowledged again.
    let (status, frames, _) = http.poll_with_timeout().await;
    assert_eq!((status, frames.len()), (200, 0));
    server.stop().await;
}

impl Session {
    /// A poll bounded by a short client timeout (an empty poll is held 20 s by the server).
    async fn poll_with_timeout(&mut self) -> (u16, Vec<Vec<u8>>, Option<serde_json::Value>) {
        match tokio::time::timeout(Duration::from_millis(300), self.poll()).await {
            Ok(answer) => answer,
            Err(_) => (200, Vec::new(), None),
        }
    }
}

#[tokio::test]
async fn a_retried_batch_is_applied_once() {
    let (_dir, db) = temp_db();
    let server = TestServer::start(&db).await;
    let board = Board::create(&server).await;
    let mut socket = Client::connect(&server.ws_url(&board.keyed())).await;
    let (mut http, _) = Session::open(&server, &board.id, &board.edit).await;
    let body = records(&[protocol::update(rect_update("once"))]);
    assert_eq!(http.post_numbered(1, body.clone()).await.0, 204);
    socket.wait_update().await;
    // The same batch again (its answer was lost): accepted, not applied, not relayed.
    assert_eq!(http.post_numbered(1, body).await.0, 204);
    let again = tokio::time::timeout(Duration::from_millis(300), socket.wait_update()).await;
    assert!(again.is_err(), "a retried batch was relayed again");
    assert_eq!(socket.shape_ids(), ["once"]);
    server.stop().await;
}

#[tokio::test]
async fn a_view_key_session_is_closed_on_a_change_with_4003() {
    let (_dir, db) = temp_db();
    let server = TestServer::start(&db).await;
    let board = Board::create(&server).await;
    let (mut viewer, role) = Session::open(&server, &board.id, &board.view).await;
    assert_eq!(role, "view");
    // An empty step 2 (a new client's answer) passes.
    let empty = protocol::sync_step2(vec![0, 0]);
    assert_eq!(viewer.post(&[empty]).await.0, 204);
    let (status, close) = viewer
        .post(&[protocol::update(rect_update("by-viewer"))])
        .await;
    assert_eq!(status, 410);
    assert_eq!(close.unwrap()["code"], 4003);
    // The session answers its close to a poll too, once the frames sent before it are
    // delivered, and the board never got the change.
    let (mut status, _, mut close) = viewer.poll().await;
    for _ in 0..5 {
        if status != 200 {
            break;
        }
        (status, _, close) = viewer.poll().await;
    }
    assert_eq!(status, 410);
    assert_eq!(close.unwrap()["code"], 4003);
    let late = Client::connect(&server.ws_url(&board.keyed())).await;
    assert!(late.shape_ids().is_empty());
    server.stop().await;
}

#[tokio::test]
async fn malformed_bodies_and_unknown_sessions_are_refused() {
    let (_dir, db) = temp_db();
    let server = TestServer::start(&db).await;
    let board = Board::create(&server).await;
    let (mut a, _) = Session::open(&server, &board.id, &board.edit).await;
    // A record longer than the body.
    let (status, close) = a.post_numbered(1, vec![0, 0, 0, 9, 1, 2]).await;
    assert_eq!((status, close.unwrap()["code"].clone()), (410, 1007.into()));
    let (mut b, _) = Session::open(&server, &board.id, &board.edit).await;
    // Well-formed records holding garbage.
    let (status, close) = b.post(&[vec![0xff, 0xff, 0xff]]).await;
    assert_eq!((status, close.unwrap()["code"].clone()), (410, 1007.into()));

    // More frames in one batch than a socket frame may pack messages: 1008, nothing applied.
    let (mut c, _) = Session::open(&server, &board.id, &board.edit).await;
    let (status, close) = c.post(&vec![vec![3u8]; 1501]).await;
    assert_eq!((status, close.unwrap()["code"].clone()), (410, 1008.into()));
    // Batches are numbered from 1; a cursor cannot run ahead of what was sent.
    let (mut d, _) = Session::open(&server, &board.id, &board.edit).await;
    assert_eq!(d.post_numbered(0, Vec::new()).await.0, 400);
    d.after = 1_000;
    assert_eq!(d.poll().await.0, 400);

    let http = reqwest::Client::new();
    let unknown = server.http_url(&format!("/poll/{}/{}", board.id, "0".repeat(32)));
    assert_eq!(http.get(&unknown).send().await.unwrap().status(), 404);
    assert_eq!(
        http.post(format!("{unknown}?batch=1"))
            .send()
            .await
            .unwrap()
            .status(),
        404
    );
    // Opening needs a key of the board, like the socket.
    let wrong = server.http_url(&format!("/poll/{}?key=nope", board.id));
    assert_eq!(http.post(&wrong).send().await.unwrap().status(), 404);
    server.stop().await;
}

#[tokio::test]
async fn a_session_nobody_polls_expires_and_leaves_the_board() {
    let (_dir, db) = temp_db();
    let server = TestServer::start_with(&db, |c| c.poll_idle_secs = 1).await;
    let board = Board::create(&server).await;
    let (mut idle, _) = Session::open(&server, &board.id, &board.edit).await;
    let answer = tokio::time::timeout(Duration::from_secs(10), async {
        loop {
            tokio::time::sleep(Duration::from_millis(2_500)).await;
            // Each poll is a request, so it comes only after the idle time passed.
            let (status, _, close) = idle.poll_with_timeout().await;
            if status == 410 {
                return close;
            }
        }
    })
    .await
    .expect("the session never expired");
    assert_eq!(answer.unwrap()["code"], 1001);
    server.stop().await;
}
