//! The WebSocket handshake and socket, owned here instead of through axum's `WebSocketUpgrade`,
//! for one reason: closing cleanly when a client sends a frame past the size limit. The frame
//! header says how large it is; tungstenite refuses it there, with the payload still arriving.
//! Dropping the connection then would discard unread bytes, and the kernel answers that with a
//! reset, so the sender would see 1006 instead of 1009. With the raw stream at hand,
//! [`close_and_drain`] sends the close frame and then reads and discards what is still
//! arriving, bounded in bytes and time, before the connection is dropped.
//!
//! HTTP/1.1 upgrades only (RFC 6455); the y-websocket clients and browsers use nothing else on
//! this kind of server. Refusals before the upgrade are plain HTTP answers (400, 426).

use std::time::Duration;

use axum::body::Body;
use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::{header, HeaderMap, HeaderValue, Method, StatusCode, Version};
use axum::response::{IntoResponse, Response};
use futures_util::SinkExt;
use hyper::upgrade::{OnUpgrade, Upgraded};
use hyper_util::rt::TokioIo;
use tokio::io::AsyncReadExt;
use tokio_tungstenite::tungstenite::handshake::derive_accept_key;
use tokio_tungstenite::tungstenite::protocol::frame::coding::CloseCode;
use tokio_tungstenite::tungstenite::protocol::{CloseFrame, Role, WebSocketConfig};
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::WebSocketStream;

/// An accepted WebSocket connection.
pub type Socket = WebSocketStream<TokioIo<Upgraded>>;

/// Longest the close of a connection (the close frame, then any drain) may take.
const CLOSE_TIMEOUT: Duration = Duration::from_secs(2);
/// After the declared rest of an oversized frame has been read, the drain stops once nothing
/// arrives for this long (the peer has answered the close, or gone quiet).
const DRAIN_IDLE: Duration = Duration::from_millis(250);
/// Longest a drain lasts, whatever arrives.
const DRAIN_MAX_TIME: Duration = Duration::from_secs(10);
/// Most bytes a drain reads past the frame's declared size (the peer's close frame and any
/// frames it had queued behind the big one).
const DRAIN_SLACK: usize = 64 * 1024;

/// A request to upgrade to a WebSocket, checked (RFC 6455 §4.2.1) but not yet answered.
pub struct Upgrade {
    key: HeaderValue,
    on_upgrade: OnUpgrade,
}

/// Why a request is not a WebSocket upgrade.
pub struct NotUpgrade(StatusCode, &'static str);

impl IntoResponse for NotUpgrade {
    fn into_response(self) -> Response {
        let mut response = (self.0, self.1).into_response();
        if self.0 == StatusCode::UPGRADE_REQUIRED {
            let headers = response.headers_mut();
            headers.insert(header::UPGRADE, HeaderValue::from_static("websocket"));
            headers.insert(
                header::SEC_WEBSOCKET_VERSION,
                HeaderValue::from_static("13"),
            );
        }
        response
    }
}

fn has_token(headers: &HeaderMap, name: header::HeaderName, token: &str) -> bool {
    headers.get_all(name).iter().any(|v| {
        v.to_str()
            .is_ok_and(|v| v.split(',').any(|t| t.trim().eq_ignore_ascii_case(token)))
    })
}

impl<S: Send + Sync> FromRequestParts<S> for Upgrade {
    type Rejection = NotUpgrade;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        let upgrading = parts.method == Method::GET
            && parts.version == Version::HTTP_11
            && has_token(&parts.headers, header::CONNECTION, "upgrade")
            && has_token(&parts.headers, header::UPGRADE, "websocket");
        if !upgrading {
            return Err(NotUpgrade(
                StatusCode::UPGRADE_REQUIRED,
                "This address speaks WebSocket (HTTP/1.1 GET with Upgrade: websocket).",
            ));
        }
        let version_13 = parts
            .headers
            .get(header::SEC_WEBSOCKET_VERSION)
            .is_some_and(|v| v == "13");
        if !version_13 {
            return Err(NotUpgrade(
                StatusCode::UPGRADE_REQUIRED,
                "Only WebSocket version 13 is spoken here.",
            ));
        }
        let key = parts
            .headers
            .get(header::SEC_WEBSOCKET_KEY)
            .cloned()
            .ok_or(NotUpgrade(
                StatusCode::BAD_REQUEST,
                "Sec-WebSocket-Key is missing.",
            ))?;
        let on_upgrade = parts.extensions.remove::<OnUpgrade>().ok_or(NotUpgrade(
            StatusCode::BAD_REQUEST,
            "This connection cannot be upgraded.",
        ))?;
        Ok(Upgrade { key, on_upgrade })
    }
}

impl Upgrade {
    /// Answers 101 and runs `serve` with the socket once the connection is upgraded.
    pub fn on_upgrade<F, Fut>(self, config: WebSocketConfig, serve: F) -> Response
    where
        F: FnOnce(Socket) -> Fut + Send + 'static,
        Fut: std::future::Future<Output = ()> + Send + 'static,
    {
        let on_upgrade = self.on_upgrade;
        tokio::spawn(async move {
            let Ok(upgraded) = on_upgrade.await else {
                return;
            };
            let socket = WebSocketStream::from_raw_socket(
                TokioIo::new(upgraded),
                Role::Server,
                Some(config),
            )
            .await;
            serve(socket).await;
        });
        Response::builder()
            .status(StatusCode::SWITCHING_PROTOCOLS)
            .header(header::CONNECTION, "upgrade")
            .header(header::UPGRADE, "websocket")
            .header(
                header::SEC_WEBSOCKET_ACCEPT,
                derive_accept_key(self.key.as_bytes()),
            )
            .body(Body::empty())
            .expect("a valid 101 response")
    }
}

/// Sends a close frame (bounded in time).
pub async fn close(socket: &mut Socket, code: u16, reason: &'static str) {
    let frame = CloseFrame {
        code: CloseCode::from(code),
        reason: reason.into(),
    };
    let _ = tokio::time::timeout(CLOSE_TIMEOUT, socket.send(Message::Close(Some(frame)))).await;
}

/// Sends a close frame, then reads and discards what the peer is still sending: the rest of
/// a refused frame of `declared` bytes, then its answer to the close, until it goes quiet.
/// Bounded by [`DRAIN_MAX_TIME`] and `declared` + [`DRAIN_SLACK`] bytes.
pub async fn close_and_drain(
    socket: &mut Socket,
    code: u16,
    reason: &'static str,
    declared: usize,
) {
    close(socket, code, reason).await;
    let limit = declared.saturating_add(DRAIN_SLACK);
    let deadline = tokio::time::Instant::now() + DRAIN_MAX_TIME;
    let raw = socket.get_mut();
    let mut buf = vec![0u8; 64 * 1024];
    let mut drained = 0usize;
    while drained < limit {
        // Until the declared size has arrived, wait as long as the deadline allows.
        let wait = if drained < declared {
            deadline.saturating_duration_since(tokio::time::Instant::now())
        } else {
            DRAIN_IDLE.min(deadline.saturating_duration_since(tokio::time::Instant::now()))
        };
        match tokio::time::timeout(wait, raw.read(&mut buf)).await {
            Ok(Ok(n)) if n > 0 => drained += n,
            _ => break,
        }
    }
}
