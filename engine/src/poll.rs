//! The HTTP fallback transport, for networks that block WebSockets: the same y-websocket frames
//! over the server's `/poll/{board}` sessions (the README's wire section is the contract).
//!
//! It reports the same [`SocketEvent`]s as a WebSocket, so the engine drives both alike: opened
//! once the session exists, every frame in order (the `after` cursor acknowledges what arrived,
//! so a lost answer is asked again and nothing is skipped or repeated), and closed with the
//! server's close code (410) or 1006 when the session is unknown (expired, or the server
//! restarted) or the network fails. Sent frames queue while one numbered batch is in flight; a
//! batch whose answer is lost is sent again with the same number, which the server does not
//! apply twice. Dropping the link aborts its requests and silences it.

use std::cell::RefCell;
use std::rc::Rc;

use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use web_sys::{AbortController, RequestInit, Response};

use crate::transport::SocketEvent;

/// Frames sent in one batch at most (the server's default burst is far above).
const MAX_BATCH_FRAMES: usize = 256;
/// Times a batch is sent again after a network error before the link gives up.
const SEND_ATTEMPTS: u32 = 4;

type OnEvent = Rc<dyn Fn(SocketEvent)>;

/// One fallback session and its loops.
pub struct HttpLink {
    shared: Rc<RefCell<Shared>>,
    abort: Option<AbortController>,
}

struct Shared {
    /// `/poll/{board}`.
    base: String,
    session: Option<String>,
    queue: Vec<Vec<u8>>,
    sending: bool,
    batch: u64,
    /// Dropped or closed: no more events, no more requests.
    stopped: bool,
    on_event: OnEvent,
}

impl HttpLink {
    /// Opens a session on `base` (`/poll/{board}`) with the page's `key`; every event goes to
    /// `on_event`, from later tasks (never from inside this call).
    pub fn connect(
        base: &str,
        key: Option<&str>,
        on_event: impl Fn(SocketEvent) + 'static,
    ) -> Self {
        let abort = AbortController::new().ok();
        let shared = Rc::new(RefCell::new(Shared {
            base: base.to_owned(),
            session: None,
            queue: Vec::new(),
            sending: false,
            batch: 0,
            stopped: false,
            on_event: Rc::new(on_event),
        }));
        let open_url = match key {
            Some(key) => format!("{base}?key={key}"),
            None => base.to_owned(),
        };
        let signal = abort.as_ref().map(AbortController::signal);
        let task = shared.clone();
        wasm_bindgen_futures::spawn_local(async move {
            run(task, open_url, signal).await;
        });
        Self { shared, abort }
    }

    /// Queues one frame; false once the link is closed.
    pub fn send(&self, frame: &[u8]) -> bool {
        let start = {
            let mut shared = self.shared.borrow_mut();
            if shared.stopped {
                return false;
            }
            shared.queue.push(frame.to_vec());
            let start = !shared.sending && shared.session.is_some();
            shared.sending |= start;
            start
        };
        if start {
            let task = self.shared.clone();
            let signal = self.abort.as_ref().map(AbortController::signal);
            wasm_bindgen_futures::spawn_local(flush(task, signal));
        }
        true
    }
}

impl Drop for HttpLink {
    fn drop(&mut self) {
        self.shared.borrow_mut().stopped = true;
        if let Some(abort) = &self.abort {
            abort.abort();
        }
    }
}

/// Delivers an event unless the link was dropped; no borrow is held while it runs (the engine
/// may send, or drop the link, from inside).
fn emit(shared: &Rc<RefCell<Shared>>, event: SocketEvent) -> bool {
    let on_event = {
        let s = shared.borrow();
        if s.stopped {
            return false;
        }
        s.on_event.clone()
    };
    on_event(event);
    !shared.borrow().stopped
}

/// Closes the link with `code` (once) and tells the engine.
fn close(shared: &Rc<RefCell<Shared>>, code: u16, reason: String) {
    if emit(shared, SocketEvent::Closed { code, reason }) {
        shared.borrow_mut().stopped = true;
    }
}

/// An answer's status and body, or `None` when the request failed (network, abort).
async fn request(
    url: &str,
    method: &str,
    body: Option<&[u8]>,
    signal: Option<&web_sys::AbortSignal>,
) -> Option<(u16, Vec<u8>)> {
    let init = RequestInit::new();
    init.set_method(method);
    init.set_cache(web_sys::RequestCache::NoStore);
    if let Some(body) = body {
        init.set_body(&js_sys::Uint8Array::from(body).into());
    }
    if let Some(signal) = signal {
        init.set_signal(Some(signal));
    }
    let window = web_sys::window()?;
    let response: Response = JsFuture::from(window.fetch_with_str_and_init(url, &init))
        .await
        .ok()?
        .dyn_into()
        .ok()?;
    let buffer = JsFuture::from(response.array_buffer().ok()?).await.ok()?;
    Some((response.status(), js_sys::Uint8Array::new(&buffer).to_vec()))
}

/// The close code and reason of a `410` answer.
fn close_of(body: &[u8]) -> (u16, String) {
    let json: Option<serde_json::Value> = serde_json::from_slice(body).ok();
    let code = json
        .as_ref()
        .and_then(|j| j["code"].as_u64())
        .and_then(|c| u16::try_from(c).ok())
        .unwrap_or(1006);
    let reason = json
        .as_ref()
        .and_then(|j| j["reason"].as_str())
        .unwrap_or("session closed")
        .to_owned();
    (code, reason)
}

/// Opens the session, then polls until the link closes.
async fn run(shared: Rc<RefCell<Shared>>, open_url: String, signal: Option<web_sys::AbortSignal>) {
    let session = match request(&open_url, "POST", None, signal.as_ref()).await {
        Some((201, body)) => serde_json::from_slice::<serde_json::Value>(&body)
            .ok()
            .and_then(|j| j["session"].as_str().map(str::to_owned)),
        Some((status, _)) => {
            return close(
                &shared,
                1006,
                format!("the server refused a session ({status})"),
            );
        }
        None => None,
    };
    let Some(session) = session else {
        return close(&shared, 1006, "no answer from the server".into());
    };
    let poll_base = {
        let mut s = shared.borrow_mut();
        s.session = Some(session.clone());
        format!("{}/{session}", s.base)
    };
    if !emit(&shared, SocketEvent::Opened) {
        return;
    }
    // Frames queued before the session existed.
    let queued = {
        let mut s = shared.borrow_mut();
        let start = !s.sending && !s.queue.is_empty();
        s.sending |= start;
        start
    };
    if queued {
        wasm_bindgen_futures::spawn_local(flush(shared.clone(), signal.clone()));
    }
    let mut after: u32 = 0;
    loop {
        let url = format!("{poll_base}?after={after}");
        match request(&url, "GET", None, signal.as_ref()).await {
            Some((200, body)) => {
                let Some(frames) = parse_records(&body, after) else {
                    return close(&shared, 1007, "malformed poll answer".into());
                };
                for (seq, frame) in frames {
                    after = seq;
                    if !emit(&shared, SocketEvent::Frame(frame)) {
                        return;
                    }
                }
            }
            Some((410, body)) => {
                let (code, reason) = close_of(&body);
                return close(&shared, code, reason);
            }
            Some((status, _)) => {
                return close(&shared, 1006, format!("session lost ({status})"));
            }
            None => return close(&shared, 1006, "the poll failed".into()),
        }
    }
}

/// Parses `[seq u32 BE][len u32 BE][frame]` records following `after`; `None` when malformed
/// or out of order.
fn parse_records(mut body: &[u8], mut after: u32) -> Option<Vec<(u32, Vec<u8>)>> {
    let mut frames = Vec::new();
    while !body.is_empty() {
        let (head, rest) = body.split_first_chunk::<8>()?;
        let seq = u32::from_be_bytes(head[..4].try_into().ok()?);
        let len = u32::from_be_bytes(head[4..].try_into().ok()?) as usize;
        if seq != after.wrapping_add(1) || len > rest.len() {
            return None;
        }
        frames.push((seq, rest[..len].to_vec()));
        after = seq;
        body = &rest[len..];
    }
    Some(frames)
}

/// Sends the queued frames in numbered batches, one at a time, until the queue is empty.
async fn flush(shared: Rc<RefCell<Shared>>, signal: Option<web_sys::AbortSignal>) {
    loop {
        let (url, body) = {
            let mut s = shared.borrow_mut();
            if s.stopped || s.queue.is_empty() {
                s.sending = false;
                return;
            }
            let take = s.queue.len().min(MAX_BATCH_FRAMES);
            let frames: Vec<Vec<u8>> = s.queue.drain(..take).collect();
            s.batch += 1;
            let mut body = Vec::new();
            for frame in &frames {
                body.extend_from_slice(&(frame.len() as u32).to_be_bytes());
                body.extend_from_slice(frame);
            }
            let session = s.session.clone().unwrap_or_default();
            (format!("{}/{session}?batch={}", s.base, s.batch), body)
        };
        let mut answer = None;
        for attempt in 0..SEND_ATTEMPTS {
            if attempt > 0 {
                sleep(250 * (1 << attempt)).await;
            }
            if shared.borrow().stopped {
                return;
            }
            answer = request(&url, "POST", Some(&body), signal.as_ref()).await;
            if answer.is_some() {
                break;
            }
        }
        match answer {
            Some((204, _)) => {}
            Some((410, body)) => {
                let (code, reason) = close_of(&body);
                return close(&shared, code, reason);
            }
            Some((status, _)) => {
                return close(&shared, 1006, format!("sending failed ({status})"));
            }
            None => return close(&shared, 1006, "sending failed".into()),
        }
    }
}

async fn sleep(ms: i32) {
    let promise = js_sys::Promise::new(&mut |resolve, _| {
        if let Some(window) = web_sys::window() {
            let _ = window.set_timeout_with_callback_and_timeout_and_arguments_0(&resolve, ms);
        }
    });
    let _: Result<JsValue, JsValue> = JsFuture::from(promise).await;
}

#[cfg(test)]
mod tests {
    use super::parse_records;

    #[test]
    fn records_must_follow_the_cursor() {
        let mut body = Vec::new();
        for (seq, frame) in [(5u32, &b"ab"[..]), (6, &b""[..]), (7, &b"xyz"[..])] {
            body.extend_from_slice(&seq.to_be_bytes());
            body.extend_from_slice(&(frame.len() as u32).to_be_bytes());
            body.extend_from_slice(frame);
        }
        let frames = parse_records(&body, 4).unwrap();
        assert_eq!(frames.len(), 3);
        assert_eq!(frames[2], (7, b"xyz".to_vec()));
        assert!(parse_records(&body, 3).is_none(), "a skipped frame");
        assert!(
            parse_records(&body[..body.len() - 1], 4).is_none(),
            "truncated"
        );
        assert_eq!(parse_records(&[], 9).unwrap(), vec![]);
    }
}
