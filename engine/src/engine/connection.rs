//! The connection: opening the socket, its events, sending, reconnecting with backoff,
//! going offline and online, the heartbeat, and the status shown to the person.

use board::protocol::Frame;
use wasm_bindgen::JsCast;

use super::{now, warn, Engine, Link, PRESENCE_RENEWAL_MS, SILENCE_LIMIT_MS};
use crate::random;
use crate::transport::{Socket, SocketEvent};
use crate::view::ConnectionStatus;

impl Engine {
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
        let socket = Socket::connect(&self.url, move |event| {
            if let Some(client) = me.upgrade() {
                client.run(|engine| engine.on_socket(generation, event));
            }
        });
        match socket {
            Ok(socket) => {
                self.link = Link::Live { socket, generation };
                self.last_heard = now();
                self.show_status(self.waiting_status());
            }
            Err(e) => {
                warn(&format!("cannot open a WebSocket to {}: {e:?}", self.url));
                self.dropped_before = true;
                self.schedule_retry();
            }
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
                for frame in self.session.open() {
                    self.send(&frame);
                }
                self.last_presence_sent = now();
            }
            SocketEvent::Frame(bytes) => {
                self.last_heard = now();
                let outcome = self.session.receive(&bytes);
                for problem in &outcome.problems {
                    warn(problem);
                }
                for frame in &outcome.reply {
                    self.send(frame);
                }
                if outcome.doc_changed {
                    self.doc_dirty = true;
                    self.request_frame();
                }
                if outcome.presence_changed {
                    self.refresh_peers();
                }
                if outcome.synced {
                    self.backoff.reset();
                    self.show_status(ConnectionStatus::Connected);
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
            SocketEvent::Closed { code, reason } => {
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
            Link::Idle => self.connect(),
            _ => {}
        }
        self.refresh_peers();
    }

    pub(super) fn show_status(&mut self, status: ConnectionStatus) {
        if status != self.shown_status {
            self.shown_status = status;
            self.after.view.status = Some(status);
        }
    }
}
