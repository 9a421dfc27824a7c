//! Test helpers: a real server on port 0 with a temporary SQLite file, and a minimal y-websocket
//! client built on yrs and tokio-tungstenite.
#![allow(dead_code)]

pub mod cluster;
pub mod process;
pub mod services;

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

use board::protocol::{self, decode_frame};
use board::{BoardDoc, Shape, ShapeKind, Style};
use futures_util::{SinkExt, StreamExt};
use tokio::net::TcpStream;
use tokio::sync::oneshot;
use tokio_tungstenite::tungstenite::protocol::frame::coding::CloseCode;
use tokio_tungstenite::tungstenite::Message as WsMessage;
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};
use yrs::sync::{Message, SyncMessage};
use yrs::{Doc, ReadTxn, Transact};

pub const TIMEOUT: Duration = Duration::from_secs(10);

pub struct TestServer {
    pub addr: SocketAddr,
    stop: Option<oneshot::Sender<()>>,
    task: tokio::task::JoinHandle<anyhow::Result<()>>,
}

impl TestServer {
    pub async fn start(db: &Path) -> TestServer {
        Self::start_with(db, |_| {}).await
    }

    pub async fn start_with(db: &Path, tweak: impl FnOnce(&mut server::Config)) -> TestServer {
        let mut config = server::Config::for_tests(format!("sqlite://{}", db.display()));
        tweak(&mut config);
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let (stop, stopped) = oneshot::channel::<()>();
        let task = tokio::spawn(server::run(config, listener, async move {
            let _ = stopped.await;
        }));
        TestServer {
            addr,
            stop: Some(stop),
            task,
        }
    }

    /// Graceful stop: closes connections, flushes rooms, waits for the server to return.
    pub async fn stop(mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        tokio::time::timeout(TIMEOUT, &mut self.task)
            .await
            .expect("server stops in time")
            .expect("server task")
            .expect("server result");
    }

    /// Crash-style stop: the server task is aborted with no flushing at all.
    pub async fn kill(self) {
        self.task.abort();
        let _ = self.task.await;
    }

    pub fn ws_url(&self, board: &str) -> String {
        format!("ws://{}/ws/{board}", self.addr)
    }

    pub fn http_url(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr)
    }
}

pub fn temp_db() -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("board.db");
    (dir, path)
}

/// A y-websocket peer holding its own copy of the board.
pub struct Client {
    pub board: BoardDoc,
    pub ws: WebSocketStream<MaybeTlsStream<TcpStream>>,
    /// Every message received, in order.
    pub received: Vec<Message>,
}

impl Client {
    /// Connects and completes the initial sync (server step 1 answered, server step 2 applied).
    pub async fn connect(url: &str) -> Client {
        Self::connect_with(url, BoardDoc::new(Doc::new())).await
    }

    /// Connects with a document that may hold edits the server has not seen (offline edits).
    pub async fn connect_with(url: &str, board: BoardDoc) -> Client {
        let (ws, _) = tokio_tungstenite::connect_async(url)
            .await
            .expect("connect");
        let mut client = Client {
            board,
            ws,
            received: Vec::new(),
        };
        let step1 = protocol::step1_for(client.board.doc()).unwrap();
        client.send(step1).await;
        client
            .wait_for(|m| matches!(m, Message::Sync(SyncMessage::SyncStep2(_))))
            .await;
        client
    }

    pub async fn send(&mut self, frame: Vec<u8>) {
        self.ws
            .send(WsMessage::Binary(frame.into()))
            .await
            .expect("send");
    }

    /// Reads frames (answering the protocol as a y-websocket client does) until one matches.
    pub async fn wait_for(&mut self, mut pred: impl FnMut(&Message) -> bool) -> Message {
        tokio::time::timeout(TIMEOUT, async {
            loop {
                let msg = self.next_message().await.expect("connection open");
                if pred(&msg) {
                    return msg;
                }
            }
        })
        .await
        .expect("expected message in time")
    }

    /// Next protocol message, after applying it; `None` when the connection closed.
    pub async fn next_message(&mut self) -> Option<Message> {
        loop {
            let frame = self.ws.next().await?.ok()?;
            let WsMessage::Binary(bytes) = frame else {
                if let WsMessage::Close(_) = frame {
                    return None;
                }
                continue;
            };
            let mut msgs = decode_frame(&bytes).expect("server frames decode");
            assert_eq!(msgs.len(), 1, "one protocol message per frame");
            let msg = msgs.pop().unwrap();
            match &msg {
                Message::Sync(SyncMessage::SyncStep1(sv)) => {
                    let update = self.board.doc().transact().encode_state_as_update_v1(sv);
                    self.send(protocol::sync_step2(update)).await;
                }
                Message::Sync(SyncMessage::SyncStep2(u) | SyncMessage::Update(u)) => {
                    self.board.apply_remote(u, "remote").expect("valid update");
                }
                _ => {}
            }
            self.received.push(msg.clone());
            return Some(msg);
        }
    }

    /// Adds a rectangle and sends the update; returns the shape id.
    pub async fn add_rect(&mut self, id: &str, x: f64) -> Vec<u8> {
        let shape = Shape {
            id: id.to_owned(),
            kind: ShapeKind::Rectangle,
            x,
            y: 10.0,
            w: 50.0,
            h: 40.0,
            style: Style::default(),
            index: String::new(),
            ..Default::default()
        };
        let (_, update) = self
            .board
            .change("local", |txn, b| {
                let mut s = shape.clone();
                s.index = b.next_index(txn);
                b.put(txn, &s);
            })
            .unwrap();
        self.send(protocol::update(update.clone())).await;
        update
    }

    /// Waits until the echo of `update` (or any update) arrives back: it is then durable.
    pub async fn wait_update(&mut self) {
        self.wait_for(|m| matches!(m, Message::Sync(SyncMessage::Update(_))))
            .await;
    }

    pub fn shape_ids(&self) -> Vec<String> {
        self.board
            .shapes()
            .unwrap()
            .into_iter()
            .map(|s| s.id)
            .collect()
    }

    /// Reads until the server closes; returns its close code.
    pub async fn close_code(&mut self) -> Option<CloseCode> {
        tokio::time::timeout(TIMEOUT, async {
            while let Some(frame) = self.ws.next().await {
                match frame {
                    Ok(WsMessage::Close(Some(f))) => return Some(f.code),
                    Ok(WsMessage::Close(None)) => return None,
                    Ok(_) => continue,
                    Err(_) => return None,
                }
            }
            None
        })
        .await
        .expect("server closes in time")
    }

    pub fn state_vector(&self) -> yrs::StateVector {
        self.board.doc().transact().state_vector()
    }
}

/// Polls `/metrics` until `name` has `value` (bounded by [`TIMEOUT`]).
pub async fn wait_metric(server: &TestServer, name: &str, value: u64) {
    let url = server.http_url("/metrics");
    let deadline = tokio::time::Instant::now() + TIMEOUT;
    loop {
        let body = reqwest::get(&url).await.unwrap().text().await.unwrap();
        let current = body
            .lines()
            .find_map(|l| l.strip_prefix(&format!("{name} ")))
            .and_then(|v| v.trim().parse::<u64>().ok());
        if current == Some(value) {
            return;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "{name} stayed at {current:?}, expected {value}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// A board made with `POST /boards` (JSON): its id and link keys.
#[derive(Debug, Clone)]
pub struct Board {
    pub id: String,
    pub edit: String,
    pub view: String,
    pub manage: String,
}

impl Board {
    /// `POST /boards` as a JSON client: a new board with its keys.
    pub async fn create(server: &TestServer) -> Board {
        let answer = reqwest::Client::new()
            .post(server.http_url("/boards"))
            .header("accept", "application/json")
            .send()
            .await
            .expect("POST /boards");
        assert_eq!(answer.status(), 201);
        let text = answer.text().await.expect("body");
        Board::from_created(&serde_json::from_str(&text).expect("json"))
    }

    /// From the `201` answer's JSON.
    pub fn from_created(json: &serde_json::Value) -> Self {
        let text = |v: &serde_json::Value| v.as_str().expect("string").to_owned();
        Board {
            id: text(&json["id"]),
            edit: text(&json["keys"]["edit"]),
            view: text(&json["keys"]["view"]),
            manage: text(&json["keys"]["manage"]),
        }
    }

    /// `id?key=` with the edit key: a room name for [`TestServer::ws_url`], or a board for
    /// paths that split it.
    pub fn keyed(&self) -> String {
        format!("{}?key={}", self.id, self.edit)
    }

    /// The image upload path, with the edit key.
    pub fn images(&self) -> String {
        format!("/boards/{}/images?key={}", self.id, self.edit)
    }
}

impl std::fmt::Display for Board {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.id)
    }
}
