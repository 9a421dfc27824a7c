//! Accepting TCP connections and serving HTTP/1.1 on them, in place of `axum::serve`, which
//! offers neither of the two limits this loop exists for:
//!
//! - **A cap on open connections**, below the open-files limit. Past it a new connection gets an
//!   immediate `503` and is closed, instead of the accept loop failing with "Too many open
//!   files" and every client, `/healthz` included, hanging until descriptors free up. An
//!   upgraded WebSocket keeps its place under the cap for as long as it lives ([`ConnPermit`]).
//! - **A header-read timeout**, which hyper applies only with a timer set (axum sets none):
//!   a client must send a request's headers within it, and an idle keep-alive connection is
//!   closed after it.
//!
//! Each request carries the peer's address as axum's `ConnectInfo<SocketAddr>`. On shutdown
//! the loop stops accepting and lets requests in progress finish; WebSockets are closed by
//! their own tasks (they watch the shutdown signal).

use std::future::Future;
use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::Duration;

use axum::body::Body;
use axum::extract::ConnectInfo;
use axum::http::Request;
use axum::Router;
use hyper::body::Incoming;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::service::TowerToHyperService;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{OwnedSemaphorePermit, Semaphore};
use tower::ServiceExt;
use tracing::debug;

use crate::rooms::Rooms;

/// Descriptors kept free under the open-files limit (the database, its journal, the refusals
/// below, the standard streams), at most this many and at most a quarter of the limit.
const RESERVED_FDS: u64 = 256;
/// Connections being told `503` at once; past it, a connection over the cap is dropped at once.
const REFUSING_AT_ONCE: usize = 16;
/// Longest the `503` to a connection over the cap may take, and how long the peer may stay
/// quiet before the connection is closed.
const REFUSAL_TIMEOUT: Duration = Duration::from_secs(1);
const REFUSAL_IDLE: Duration = Duration::from_millis(200);
/// Longest requests in progress may run after shutdown began.
const SHUTDOWN_GRACE: Duration = Duration::from_secs(10);

const BUSY: &[u8] = b"HTTP/1.1 503 Service Unavailable\r\n\
content-type: text/plain; charset=utf-8\r\n\
retry-after: 5\r\n\
connection: close\r\n\
content-length: 57\r\n\r\n\
The server is at its connection limit; try again shortly.";

/// A connection's place under the cap. Requests carry a clone, so an upgraded WebSocket that
/// keeps one holds the place after its HTTP connection has ended.
#[derive(Clone)]
pub struct ConnPermit(#[allow(dead_code)] Arc<OwnedSemaphorePermit>);

/// The cap to apply: `configured`, or when 0, the open-files limit less a reserve.
pub fn connection_cap(configured: usize) -> usize {
    if configured > 0 {
        return configured;
    }
    let limit = rlimit::getrlimit(rlimit::Resource::NOFILE).map_or(1024, |(soft, _)| soft);
    let reserve = RESERVED_FDS.min(limit / 4);
    usize::try_from(limit.saturating_sub(reserve))
        .unwrap_or(usize::MAX)
        .max(16)
}

/// Serves `router` on `listener` until `shutdown` completes, with at most `cap` connections.
pub async fn serve(
    listener: TcpListener,
    router: Router,
    cap: usize,
    header_timeout: Duration,
    rooms: Rooms,
    shutdown: impl Future<Output = ()>,
) {
    let open = Arc::new(Semaphore::new(cap));
    let refusing = Arc::new(Semaphore::new(REFUSING_AT_ONCE));
    // Each connection's task holds a sender: once all are dropped, every connection is done.
    let (running, mut all_done) = tokio::sync::mpsc::channel::<()>(1);
    let (stopping, stop) = tokio::sync::watch::channel(false);
    let mut http = hyper::server::conn::http1::Builder::new();
    http.timer(TokioTimer::new())
        .header_read_timeout(header_timeout)
        .keep_alive(true);
    tokio::pin!(shutdown);
    loop {
        let (stream, peer) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(accepted) => accepted,
                Err(e) => {
                    // Out of descriptors (or a connection reset before it was accepted): wait
                    // for some to free up rather than spinning.
                    debug!(error = %e, "accept failed");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
            () = &mut shutdown => break,
        };
        let Ok(permit) = open.clone().try_acquire_owned() else {
            rooms
                .metrics()
                .refused_at_limit
                .fetch_add(1, Ordering::Relaxed);
            match refusing.clone().try_acquire_owned() {
                Ok(refusal) => {
                    tokio::spawn(async move {
                        refuse(stream).await;
                        drop(refusal);
                    });
                }
                Err(_) => refuse_now(stream),
            }
            continue;
        };
        let _ = stream.set_nodelay(true);
        let permit = ConnPermit(Arc::new(permit));
        let service = router.clone().map_request(move |req: Request<Incoming>| {
            let mut req = req.map(Body::new);
            req.extensions_mut().insert(ConnectInfo(peer));
            req.extensions_mut().insert(permit.clone());
            req
        });
        let conn = http
            .serve_connection(TokioIo::new(stream), TowerToHyperService::new(service))
            .with_upgrades();
        let running = running.clone();
        let mut stop = stop.clone();
        tokio::spawn(async move {
            tokio::pin!(conn);
            let ended = tokio::select! {
                ended = conn.as_mut() => ended,
                _ = stop.changed() => {
                    // Finishes the request in progress, if any, then closes.
                    conn.as_mut().graceful_shutdown();
                    conn.await
                }
            };
            if let Err(e) = ended {
                debug!(error = %e, %peer, "connection ended with an error");
            }
            drop(running);
        });
    }
    drop(listener);
    let _ = stopping.send(true);
    drop(running);
    if tokio::time::timeout(SHUTDOWN_GRACE, all_done.recv())
        .await
        .is_err()
    {
        debug!("requests still running after the shutdown grace period");
    }
}

/// Answers a connection over the cap with `503`, then closes it once the peer has had the
/// chance to read it: its request is read and discarded until it goes quiet, so that the close
/// is a clean end and not a reset (which can destroy the answer before it is read).
async fn refuse(mut stream: TcpStream) {
    let _ = tokio::time::timeout(REFUSAL_TIMEOUT, async {
        stream.write_all(BUSY).await?;
        stream.shutdown().await?;
        let mut sink = [0u8; 4096];
        while let Ok(read) = tokio::time::timeout(REFUSAL_IDLE, stream.read(&mut sink)).await {
            if read? == 0 {
                break;
            }
        }
        Ok::<_, std::io::Error>(())
    })
    .await;
}

/// The same answer when too many refusals are under way already: written without waiting (the
/// socket's buffer is empty), what already arrived discarded, and the connection dropped.
fn refuse_now(stream: TcpStream) {
    let _ = stream.try_write(BUSY);
    let mut sink = [0u8; 4096];
    while matches!(stream.try_read(&mut sink), Ok(n) if n > 0) {}
}

/// Raises the open-files soft limit to the hard limit; returns the limit now in force.
pub fn raise_open_files_limit() -> std::io::Result<u64> {
    rlimit::increase_nofile_limit(u64::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_busy_answer_declares_its_own_length() {
        let text = std::str::from_utf8(BUSY).unwrap();
        let (head, body) = text.split_once("\r\n\r\n").unwrap();
        assert!(head.contains(&format!("content-length: {}", body.len())));
    }

    #[test]
    fn a_configured_cap_wins_and_an_automatic_one_stays_under_the_limit() {
        assert_eq!(connection_cap(42), 42);
        let (soft, _) = rlimit::getrlimit(rlimit::Resource::NOFILE).unwrap();
        let auto = connection_cap(0) as u64;
        assert!(auto < soft || soft < 16, "{auto} vs {soft}");
    }
}
