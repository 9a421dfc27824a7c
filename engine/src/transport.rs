//! The transports: one WebSocket's lifetime, the [`Conn`] either transport gives the engine
//! (the HTTP fallback is `crate::poll`), and the reconnection backoff.
//!
//! They move bytes and report events; what the bytes mean is the sync session's business
//! (`board::session`), and when to reconnect or fall back is the engine's.

use wasm_bindgen::closure::Closure;
use wasm_bindgen::{JsCast, JsValue};
use web_sys::{BinaryType, CloseEvent, MessageEvent, WebSocket};

/// What a socket reports.
#[derive(Debug)]
pub enum SocketEvent {
    Opened,
    /// A binary frame.
    Frame(Vec<u8>),
    /// A text frame: not part of the protocol, ignored.
    Text,
    Closed {
        code: u16,
        reason: String,
    },
}

/// One WebSocket and the handlers attached to it. Dropping it detaches the handlers and closes
/// the socket, so a replaced socket can never call back into the client.
pub struct Socket {
    ws: WebSocket,
    _on_open: Closure<dyn FnMut(web_sys::Event)>,
    _on_message: Closure<dyn FnMut(MessageEvent)>,
    _on_close: Closure<dyn FnMut(CloseEvent)>,
    _on_error: Closure<dyn FnMut(web_sys::Event)>,
}

impl Socket {
    /// Opens a binary WebSocket to `url`; every event goes to `on_event`.
    pub fn connect(url: &str, on_event: impl Fn(SocketEvent) + 'static) -> Result<Self, JsValue> {
        let ws = WebSocket::new(url)?;
        ws.set_binary_type(BinaryType::Arraybuffer);
        let on_event = std::rc::Rc::new(on_event);

        let handler = on_event.clone();
        let on_open =
            Closure::<dyn FnMut(_)>::new(move |_: web_sys::Event| handler(SocketEvent::Opened));
        let handler = on_event.clone();
        let on_message = Closure::<dyn FnMut(_)>::new(move |ev: MessageEvent| {
            let data = ev.data();
            match data.dyn_into::<js_sys::ArrayBuffer>() {
                Ok(buf) => handler(SocketEvent::Frame(js_sys::Uint8Array::new(&buf).to_vec())),
                Err(_) => handler(SocketEvent::Text),
            }
        });
        let handler = on_event;
        let on_close = Closure::<dyn FnMut(_)>::new(move |ev: CloseEvent| {
            handler(SocketEvent::Closed {
                code: ev.code(),
                reason: ev.reason(),
            })
        });
        // An error is always followed by a close event, which is where the client reacts.
        let on_error = Closure::<dyn FnMut(_)>::new(move |_: web_sys::Event| {
            web_sys::console::warn_1(&"whiteboard: WebSocket error".into());
        });

        ws.set_onopen(Some(on_open.as_ref().unchecked_ref()));
        ws.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
        ws.set_onclose(Some(on_close.as_ref().unchecked_ref()));
        ws.set_onerror(Some(on_error.as_ref().unchecked_ref()));
        Ok(Self {
            ws,
            _on_open: on_open,
            _on_message: on_message,
            _on_close: on_close,
            _on_error: on_error,
        })
    }

    /// Sends one frame; false when the socket is not open or the browser refused it.
    pub fn send(&self, frame: &[u8]) -> bool {
        self.ws.ready_state() == WebSocket::OPEN && self.ws.send_with_u8_array(frame).is_ok()
    }
}

impl Drop for Socket {
    fn drop(&mut self) {
        self.ws.set_onopen(None);
        self.ws.set_onmessage(None);
        self.ws.set_onclose(None);
        self.ws.set_onerror(None);
        let _ = self.ws.close();
    }
}

/// A live connection to the board, over either transport.
pub enum Conn {
    WebSocket(Socket),
    Http(crate::poll::HttpLink),
}

impl Conn {
    /// Sends one frame; false when it cannot be sent now.
    pub fn send(&self, frame: &[u8]) -> bool {
        match self {
            Conn::WebSocket(socket) => socket.send(frame),
            Conn::Http(link) => link.send(frame),
        }
    }

    pub fn transport(&self) -> crate::view::Transport {
        match self {
            Conn::WebSocket(_) => crate::view::Transport::WebSocket,
            Conn::Http(_) => crate::view::Transport::Http,
        }
    }
}

/// Exponential backoff with full jitter: the n-th retry waits a uniformly random time in
/// `[0, min(MAX_MS, BASE_MS · 2ⁿ))`, so a server restart is not met by every client at once.
#[derive(Debug, Default)]
pub struct Backoff {
    attempt: u32,
}

impl Backoff {
    pub const BASE_MS: f64 = 250.0;
    pub const MAX_MS: f64 = 10_000.0;

    /// The delay before the next attempt, given a random `unit` in `[0, 1)`.
    pub fn next_delay_ms(&mut self, unit: f64) -> f64 {
        let cap = (Self::BASE_MS * 2f64.powi(self.attempt.min(16) as i32)).min(Self::MAX_MS);
        self.attempt = self.attempt.saturating_add(1);
        unit.clamp(0.0, 1.0) * cap
    }

    /// A connection synced: the next drop starts again from the shortest delay.
    pub fn reset(&mut self) {
        self.attempt = 0;
    }
}

#[cfg(test)]
mod tests {
    use super::Backoff;

    #[test]
    fn backoff_doubles_up_to_the_cap_and_resets() {
        let mut b = Backoff::default();
        let caps: Vec<f64> = (0..8).map(|_| b.next_delay_ms(0.999_999)).collect();
        assert!((caps[0] - 250.0).abs() < 0.01);
        assert!((caps[1] - 500.0).abs() < 0.01);
        assert!((caps[5] - 8_000.0).abs() < 0.01);
        assert!((caps[7] - 10_000.0).abs() < 0.02);
        assert_eq!(b.next_delay_ms(0.0), 0.0);
        b.reset();
        assert!(b.next_delay_ms(0.5) <= 125.0);
    }
}
