//! A connection's queue of outgoing frames, bounded in frames and in bytes. The room pushes
//! without waiting ([`OutboxSender::try_send`]); the connection's writer takes frames off and
//! reports each one written ([`OutboxReceiver::written`]), so the byte count covers what is
//! queued or being written. A full outbox means a reader too slow to keep up: the room closes
//! it (1013) and it resyncs on reconnection, instead of the server holding its backlog.
//!
//! The writer takes every frame already queued with the one it waited for
//! ([`OutboxReceiver::try_recv`]) and writes them with one system call: under load, when frames
//! wait in the queue, each write carries more of them.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use bytes::Bytes;
use tokio::sync::mpsc;

/// Why a frame was not queued.
#[derive(Debug, PartialEq, Eq)]
pub enum Refused {
    /// The frame count or the byte bound is reached.
    Full,
    /// The connection is gone.
    Closed,
}

/// A queue holding at most `frames` frames and, once it holds anything, at most `max_bytes`
/// bytes (a single frame larger than that still goes through an empty queue: a whole board sent
/// to a new client may be large).
pub fn outbox(frames: usize, max_bytes: usize) -> (OutboxSender, OutboxReceiver) {
    let (tx, rx) = mpsc::channel(frames.max(1));
    let queued = Arc::new(AtomicUsize::new(0));
    (
        OutboxSender {
            tx,
            queued: queued.clone(),
            max_bytes,
        },
        OutboxReceiver { rx, queued },
    )
}

pub struct OutboxSender {
    tx: mpsc::Sender<Bytes>,
    /// Bytes queued or being written, shared with the receiver.
    queued: Arc<AtomicUsize>,
    max_bytes: usize,
}

impl OutboxSender {
    pub fn try_send(&self, frame: Bytes) -> Result<(), Refused> {
        let len = frame.len();
        // Only the room adds, so the check and the add cannot race with another add.
        let queued = self.queued.load(Ordering::Acquire);
        if queued > 0 && queued.saturating_add(len) > self.max_bytes {
            return Err(Refused::Full);
        }
        self.queued.fetch_add(len, Ordering::AcqRel);
        self.tx.try_send(frame).map_err(|e| {
            self.queued.fetch_sub(len, Ordering::AcqRel);
            match e {
                mpsc::error::TrySendError::Full(_) => Refused::Full,
                mpsc::error::TrySendError::Closed(_) => Refused::Closed,
            }
        })
    }
}

pub struct OutboxReceiver {
    rx: mpsc::Receiver<Bytes>,
    queued: Arc<AtomicUsize>,
}

impl OutboxReceiver {
    pub async fn recv(&mut self) -> Option<Bytes> {
        self.rx.recv().await
    }

    /// The next frame if one is queued already (the writer sends those with the one it took).
    pub fn try_recv(&mut self) -> Option<Bytes> {
        self.rx.try_recv().ok()
    }

    /// Frames of `len` bytes in all, taken with [`Self::recv`] or [`Self::try_recv`], have been
    /// written (or dropped).
    pub fn written(&self, len: usize) {
        self.queued.fetch_sub(len, Ordering::AcqRel);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bounded_in_bytes_once_anything_is_queued() {
        let (tx, mut rx) = outbox(100, 10);
        assert_eq!(
            tx.try_send(Bytes::from(vec![0; 50])),
            Ok(()),
            "an empty queue takes it"
        );
        assert_eq!(tx.try_send(Bytes::from(vec![0; 1])), Err(Refused::Full));
        let frame = rx.rx.try_recv().unwrap();
        rx.written(frame.len());
        assert_eq!(tx.try_send(Bytes::from(vec![0; 6])), Ok(()));
        assert_eq!(tx.try_send(Bytes::from(vec![0; 4])), Ok(()));
        assert_eq!(tx.try_send(Bytes::from(vec![0; 1])), Err(Refused::Full));
    }

    #[test]
    fn bounded_in_frames() {
        let (tx, _rx) = outbox(2, 1 << 20);
        assert_eq!(tx.try_send(Bytes::from_static(b"a")), Ok(()));
        assert_eq!(tx.try_send(Bytes::from_static(b"b")), Ok(()));
        assert_eq!(tx.try_send(Bytes::from_static(b"c")), Err(Refused::Full));
    }
}
