//! A connection's queue of outgoing frames, bounded in frames and in bytes. The room pushes
//! without waiting ([`OutboxSender::try_send`]); the connection's writer takes frames off and
//! reports each one written ([`OutboxReceiver::written`]), so the byte count covers what is
//! queued or being written. A full outbox means a reader too slow to keep up: the room closes
//! it (1013) and it resyncs on reconnection, instead of the server holding its backlog.
//!
//! The writer takes every frame already queued with the one it waited for
//! ([`OutboxReceiver::try_recv`]) and writes them with one system call: under load, when frames
//! wait in the queue, each write carries more of them.
//!
//! Every connection holds one, so it is a `VecDeque` under a mutex rather than a tokio channel:
//! a bounded `mpsc` keeps a 512-byte shared block and one or two 32-slot blocks (about 2.6 KB)
//! for each connection even when idle, where this keeps about 150 bytes, and gives back what a
//! burst made it grow once it is drained.

use std::collections::VecDeque;
use std::future::poll_fn;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::task::{Poll, Waker};

use bytes::Bytes;

/// Slots an empty queue keeps; a burst's larger capacity is given back once drained.
const KEPT_SLOTS: usize = 4;

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
    let shared = Arc::new(Shared {
        state: Mutex::new(State {
            frames: VecDeque::new(),
            waiting: None,
            sender_gone: false,
            receiver_gone: false,
        }),
        queued: AtomicUsize::new(0),
    });
    (
        OutboxSender {
            shared: shared.clone(),
            max_frames: frames.max(1),
            max_bytes,
        },
        OutboxReceiver { shared },
    )
}

struct Shared {
    state: Mutex<State>,
    /// Bytes queued or being written.
    queued: AtomicUsize,
}

struct State {
    frames: VecDeque<Bytes>,
    /// The receiver's waker while it waits on an empty queue.
    waiting: Option<Waker>,
    sender_gone: bool,
    receiver_gone: bool,
}

impl Shared {
    fn lock(&self) -> MutexGuard<'_, State> {
        self.state
            .lock()
            .unwrap_or_else(|poison| poison.into_inner())
    }
}

pub struct OutboxSender {
    shared: Arc<Shared>,
    max_frames: usize,
    max_bytes: usize,
}

impl OutboxSender {
    pub fn try_send(&self, frame: Bytes) -> Result<(), Refused> {
        let len = frame.len();
        let waiting = {
            let mut state = self.shared.lock();
            if state.receiver_gone {
                return Err(Refused::Closed);
            }
            // Only this sender adds, and it adds under the lock.
            let queued = self.shared.queued.load(Ordering::Acquire);
            if state.frames.len() >= self.max_frames
                || (queued > 0 && queued.saturating_add(len) > self.max_bytes)
            {
                return Err(Refused::Full);
            }
            self.shared.queued.fetch_add(len, Ordering::AcqRel);
            state.frames.push_back(frame);
            state.waiting.take()
        };
        if let Some(waker) = waiting {
            waker.wake();
        }
        Ok(())
    }
}

impl Drop for OutboxSender {
    fn drop(&mut self) {
        let waiting = {
            let mut state = self.shared.lock();
            state.sender_gone = true;
            state.waiting.take()
        };
        if let Some(waker) = waiting {
            waker.wake();
        }
    }
}

pub struct OutboxReceiver {
    shared: Arc<Shared>,
}

impl OutboxReceiver {
    /// The next frame; `None` once the sender is gone and the queue is empty.
    pub async fn recv(&mut self) -> Option<Bytes> {
        poll_fn(|cx| {
            let mut state = self.shared.lock();
            if let Some(frame) = pop(&mut state) {
                return Poll::Ready(Some(frame));
            }
            if state.sender_gone {
                return Poll::Ready(None);
            }
            match &mut state.waiting {
                Some(waker) => waker.clone_from(cx.waker()),
                none => *none = Some(cx.waker().clone()),
            }
            Poll::Pending
        })
        .await
    }

    /// The next frame if one is queued already (the writer sends those with the one it took).
    pub fn try_recv(&mut self) -> Option<Bytes> {
        pop(&mut self.shared.lock())
    }

    /// Frames of `len` bytes in all, taken with [`Self::recv`] or [`Self::try_recv`], have been
    /// written (or dropped).
    pub fn written(&self, len: usize) {
        self.shared.queued.fetch_sub(len, Ordering::AcqRel);
    }
}

impl Drop for OutboxReceiver {
    fn drop(&mut self) {
        let mut state = self.shared.lock();
        state.receiver_gone = true;
        state.waiting = None;
        state.frames = VecDeque::new();
    }
}

fn pop(state: &mut State) -> Option<Bytes> {
    let frame = state.frames.pop_front();
    if state.frames.is_empty() && state.frames.capacity() > KEPT_SLOTS {
        state.frames.shrink_to(KEPT_SLOTS);
    }
    frame
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
        let frame = rx.try_recv().unwrap();
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

    #[tokio::test]
    async fn recv_waits_for_a_frame_and_ends_when_the_sender_is_gone() {
        let (tx, mut rx) = outbox(4, 1 << 20);
        let waiter = tokio::spawn(async move {
            let first = rx.recv().await;
            let second = rx.recv().await;
            (first, second)
        });
        tokio::task::yield_now().await;
        assert_eq!(tx.try_send(Bytes::from_static(b"a")), Ok(()));
        drop(tx);
        let (first, second) = waiter.await.unwrap();
        assert_eq!(first.as_deref(), Some(&b"a"[..]));
        assert_eq!(second, None, "no sender, nothing queued: the end");
    }

    #[test]
    fn a_gone_receiver_refuses_frames() {
        let (tx, rx) = outbox(4, 1 << 20);
        drop(rx);
        assert_eq!(tx.try_send(Bytes::from_static(b"a")), Err(Refused::Closed));
    }

    #[test]
    fn a_drained_queue_gives_back_what_a_burst_took() {
        let (tx, mut rx) = outbox(1000, 1 << 20);
        for _ in 0..100 {
            tx.try_send(Bytes::from_static(b"x")).unwrap();
        }
        assert!(rx.shared.lock().frames.capacity() >= 100);
        while rx.try_recv().is_some() {}
        assert!(rx.shared.lock().frames.capacity() <= KEPT_SLOTS);
    }
}
