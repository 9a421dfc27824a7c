//! The connection: opening the socket (or its HTTP fallback), its events, sending,
//! reconnecting with backoff, going offline and online, the heartbeat, and the status shown to
//! the person.
//!
//! Falling back: a WebSocket that cannot be opened, or closes before its first message, twice
//! in a row, means a network that blocks WebSockets: the next connections use HTTP
//! (`crate::poll`). Failures while the browser is offline do not count, and an HTTP session
//! that cannot be opened either means the server is down, not WebSockets blocked: the next
//! attempt is a WebSocket again. While on HTTP, a probe WebSocket is tried 5 s after falling
//! back and every 30 s after; when one receives a message, the board moves back to it.

use board::protocol::Frame;
use wasm_bindgen::JsCast;

use super::{now, warn, Engine, Link, PRESENCE_RENEWAL_MS, SILENCE_LIMIT_MS};
use crate::poll::HttpLink;
use crate::random;
use crate::transport::{Conn, Socket, SocketEvent};
use crate::view::ConnectionStatus;

/// WebSockets that fail before their first message, in a row, before HTTP takes over.
const FAILURES_BEFORE_FALLBACK: u32 = 2;
/// How long after falling back a WebSocket is first tried again, and then after each failed
/// probe.
const FIRST_PROBE_MS: f64 = 5_000.0;
const PROBE_EVERY_MS: f64 = 30_000.0;

/// The fallback's state.
#[derive(Default)]
pub(super) struct Fallback {
    /// WebSockets that failed before their first message since one last worked.
    failures: u32,
    /// The current WebSocket received a message.
    heard: bool,
    /// New connections use HTTP.
    over_http: bool,
    /// The current HTTP session opened.
    http_opened: bool,
    /// A WebSocket tried while on HTTP, and its generation.
    probe: Option<(Socket, u64)>,
    /// When the next probe is due.
    probe_at: f64,
}

impl Engine {
    /// Keeps the heartbeat from opening the connection for `ms` while the page reads the board
    /// it opens (this device's copy, or the whole board over HTTP); `connect` opens it then.
    pub fn hold_connect(&mut self, ms: f64) {
        self.connect_after = now() + ms;
    }

    /// Opens a new socket (from idle or when the backoff timer fires).
    pub fn connect(&mut self) {
        match std::mem::replace(&mut self.link, Link::Idle) {
            Link::Denied => {
                self.link = Link::Denied;
                return;
            }
            Link::Live { socket, generation } => {
                // Already connecting or connected.
                self.link = Link::Live { socket, generation };
                return;
            }
            Link::Waiting { timer } => self.window.clear_timeout_with_handle(timer),
            Link::Idle => {}
        }
        self.generation += 1;
        let generation = self.generation;
        let me = self.me.clone();
        let on_event = move |event| {
            if let Some(client) = me.upgrade() {
                client.run(|engine| engine.on_socket(generation, event));
            }
        };
        let conn = if self.fallback.over_http {
            self.fallback.http_opened = false;
            Ok(Conn::Http(HttpLink::connect(
                &self.poll_url,
                self.key.as_deref(),
                on_event,
            )))
        } else {
            self.fallback.heard = false;
            Socket::connect(&self.url, on_event).map(Conn::WebSocket)
        };
        match conn {
            Ok(socket) => {
                self.link = Link::Live { socket, generation };
                self.last_heard = now();
                self.show_status(self.waiting_status());
            }
            Err(e) => {
                warn(&format!("cannot open a WebSocket to {}: {e:?}", self.url));
                self.dropped_before = true;
                self.websocket_failed();
                self.schedule_retry();
            }
        }
    }

    /// A WebSocket failed before its first message: after enough in a row, use HTTP.
    fn websocket_failed(&mut self) {
        if !self.online() {
            return;
        }
        self.fallback.failures += 1;
        if self.fallback.failures >= FAILURES_BEFORE_FALLBACK && !self.fallback.over_http {
            warn("WebSockets fail on this network: using the HTTP fallback");
            self.fallback.over_http = true;
            self.fallback.probe_at = now() + FIRST_PROBE_MS;
            self.backoff.reset();
        }
    }

    /// While on HTTP: tries a WebSocket in the background when one is due.
    fn probe_websocket(&mut self, t: f64) {
        if !self.fallback.over_http || self.fallback.probe.is_some() || t < self.fallback.probe_at {
            return;
        }
        self.fallback.probe_at = t + PROBE_EVERY_MS;
        self.generation += 1;
        let generation = self.generation;
        let me = self.me.clone();
        let probe = Socket::connect(&self.url, move |event| {
            if let Some(client) = me.upgrade() {
                client.run(|engine| engine.on_probe(generation, event));
            }
        });
        if let Ok(socket) = probe {
            self.fallback.probe = Some((socket, generation));
        }
    }

    /// The probe WebSocket's events: its first message moves the board back to WebSockets.
    fn on_probe(&mut self, generation: u64, event: SocketEvent) {
        if !matches!(&self.fallback.probe, Some((_, g)) if *g == generation) {
            return;
        }
        match event {
            SocketEvent::Opened | SocketEvent::Text => {}
            SocketEvent::Frame(_) => {
                self.fallback = Fallback::default();
                if matches!(
                    &self.link,
                    Link::Live {
                        socket: Conn::Http(_),
                        ..
                    }
                ) {
                    self.link = Link::Idle;
                    self.session.close();
                    self.refresh_peers();
                    self.connect();
                }
            }
            SocketEvent::Closed { .. } => self.fallback.probe = None,
        }
    }

    pub(super) fn online(&self) -> bool {
        self.window.navigator().on_line()
    }

    /// The status while not synced.
    pub(super) fn waiting_status(&self) -> ConnectionStatus {
        if !self.online() {
            ConnectionStatus::Offline
        } else if self.dropped_before {
            ConnectionStatus::Reconnecting
        } else {
            ConnectionStatus::Connecting
        }
    }

    pub(super) fn on_socket(&mut self, generation: u64, event: SocketEvent) {
        let current = matches!(&self.link, Link::Live { generation: g, .. } if *g == generation);
        if !current {
            return;
        }
        match event {
            SocketEvent::Opened => {
                self.last_heard = now();
                self.fallback.http_opened = self.fallback.over_http;
                for frame in self.session.open() {
                    self.send(&frame);
                }
                self.last_presence_sent = now();
            }
            SocketEvent::Frame(bytes) => {
                self.last_heard = now();
                if !self.fallback.over_http {
                    self.fallback.heard = true;
                    self.fallback.failures = 0;
                }
                let outcome = self.session.receive(&bytes);
                for problem in &outcome.problems {
                    warn(problem);
                }
                for frame in &outcome.reply {
                    self.send(frame);
                }
                self.local_confirmed(outcome.confirmed);
                if outcome.doc_changed {
                    self.local_changed();
                    self.doc_dirty = true;
                    self.request_frame();
                }
                if outcome.presence_changed {
                    self.refresh_peers();
                }
                if outcome.synced {
                    self.backoff.reset();
                    self.show_status(ConnectionStatus::Connected);
                    if let Link::Live { socket, .. } = &self.link {
                        self.after.view.transport = Some(socket.transport());
                    }
                }
                if let Some(reason) = outcome.denied {
                    self.deny(&reason);
                }
            }
            SocketEvent::Text => {
                self.last_heard = now();
                warn("ignored a text frame");
            }
            // The board's links were reset (4001), or a view link sent a change (4003): this
            // link will not get back in; say so rather than retrying.
            SocketEvent::Closed { code: 4001, .. } => {
                self.deny("this board link was reset");
                self.after.view.notice = Some(
                    "This board link no longer works: its links were reset. Ask the board's owner for the new link."
                        .into(),
                );
            }
            SocketEvent::Closed { code: 4003, reason } => self.deny(&reason),
            SocketEvent::Closed { code: 4004, .. } => {
                self.deny("this board was deleted");
                self.after.view.notice = Some("This board was deleted by its manager.".into());
            }
            SocketEvent::Closed { code, reason } => {
                if !self.fallback.over_http && !self.fallback.heard {
                    self.websocket_failed();
                } else if self.fallback.over_http && !self.fallback.http_opened {
                    // HTTP does not reach the server either: it is down, not blocking
                    // WebSockets.
                    self.fallback = Fallback::default();
                }
                self.disconnected(&format!("connection closed ({code} {reason})"));
            }
        }
    }

    pub(super) fn send(&self, frame: &Frame) {
        if let Link::Live { socket, .. } = &self.link {
            socket.send(frame);
        }
    }

    /// The socket is gone (closed, silent or the browser went offline): retry with backoff.
    pub(super) fn disconnected(&mut self, why: &str) {
        if !matches!(self.link, Link::Live { .. }) {
            return;
        }
        if self.session.is_synced() {
            warn(why);
        }
        self.link = Link::Idle;
        self.session.close();
        self.dropped_before = true;
        self.refresh_peers();
        self.schedule_retry();
    }

    pub(super) fn schedule_retry(&mut self) {
        if matches!(self.link, Link::Denied) {
            return;
        }
        let delay = self.backoff.next_delay_ms(random::unit());
        let scheduled = self
            .window
            .set_timeout_with_callback_and_timeout_and_arguments_0(
                self.callbacks.retry.as_ref().unchecked_ref(),
                delay.round() as i32,
            );
        self.link = match scheduled {
            Ok(timer) => Link::Waiting { timer },
            Err(_) => Link::Idle,
        };
        self.show_status(self.waiting_status());
    }

    /// The backoff timer fired.
    pub fn retry_due(&mut self) {
        if matches!(self.link, Link::Waiting { .. }) {
            self.connect();
        }
    }

    pub(super) fn deny(&mut self, reason: &str) {
        warn(&format!(
            "the server refused access to this board: {reason}"
        ));
        if let Link::Waiting { timer } = self.link {
            self.window.clear_timeout_with_handle(timer);
        }
        self.link = Link::Denied;
        self.session.close();
        self.refresh_peers();
        self.show_status(ConnectionStatus::Denied);
    }

    /// The browser reports the network back: reconnect now rather than at the next backoff.
    pub fn went_online(&mut self) {
        match self.link {
            Link::Waiting { .. } | Link::Idle => self.connect(),
            Link::Live { .. } | Link::Denied => {}
        }
    }

    /// The browser reports no network: the socket is dead even if it has not noticed yet.
    pub fn went_offline(&mut self) {
        match self.link {
            Link::Live { .. } => self.disconnected("the browser went offline"),
            Link::Waiting { .. } | Link::Idle => self.show_status(self.waiting_status()),
            Link::Denied => {}
        }
    }

    /// Runs every second: drops a silent socket, renews presence, hides expired peers.
    pub fn heartbeat(&mut self) {
        let t = now();
        match self.link {
            Link::Live { .. } if t - self.last_heard > SILENCE_LIMIT_MS => {
                self.disconnected("nothing received for 30 s; reconnecting");
            }
            Link::Live { .. }
                if self.session.is_open() && t - self.last_presence_sent >= PRESENCE_RENEWAL_MS =>
            {
                if let Some(frame) = self.session.renew_presence() {
                    self.send(&frame);
                }
                self.last_presence_sent = t;
            }
            Link::Idle if t >= self.connect_after => self.connect(),
            _ => {}
        }
        self.probe_websocket(t);
        self.save_local(false);
        self.refresh_peers();
    }

    pub(super) fn show_status(&mut self, status: ConnectionStatus) {
        if status != self.shown_status {
            self.shown_status = status;
            self.after.view.status = Some(status);
        }
    }
}
