//! Presence: publishing our cursor and name (throttled, renewed), and the list of other
//! people shown in the page.

use board::protocol::PresenceCursor;
use wasm_bindgen::JsCast;

use super::{now, Engine, LASER_FADE_MS, PRESENCE_THROTTLE_MS};
use crate::presence::PeerView;
use crate::view::Peer;

impl Engine {
    /// Publishes our presence now and sends it when connected.
    pub fn publish_presence(&mut self) {
        self.presence_due = false;
        let t = now();
        let recent: Vec<PresenceCursor> = self
            .laser
            .iter()
            .filter(|(_, at)| t - at < LASER_FADE_MS)
            .map(|(p, _)| PresenceCursor { x: p.x, y: p.y })
            .collect();
        let skip = recent
            .len()
            .saturating_sub(board::protocol::MAX_LASER_POINTS);
        let laser = recent[skip..].to_vec();
        let presence = self
            .identity
            .presence(self.cursor, laser, self.editing_id());
        if let Some(frame) = self.session.set_presence(&presence) {
            self.send(&frame);
            self.last_presence_sent = now();
        }
    }

    /// Moves our published pointer, at most once per [`PRESENCE_THROTTLE_MS`]; the last position
    /// always goes out.
    pub(super) fn move_cursor(&mut self, cursor: Option<PresenceCursor>) {
        if cursor == self.cursor {
            return;
        }
        self.cursor = cursor;
        self.schedule_presence();
    }

    /// Publishes presence now, or when the throttle allows.
    pub(super) fn schedule_presence(&mut self) {
        let wait = PRESENCE_THROTTLE_MS - (now() - self.last_presence_sent);
        if wait <= 0.0 || !self.session.is_open() {
            self.publish_presence();
            return;
        }
        self.presence_due = true;
        if self.presence_timer.is_none() {
            self.presence_timer = self
                .window
                .set_timeout_with_callback_and_timeout_and_arguments_0(
                    self.callbacks.presence.as_ref().unchecked_ref(),
                    wait.ceil() as i32,
                )
                .ok();
        }
    }

    /// The presence throttle timer fired.
    pub fn presence_timer_due(&mut self) {
        self.presence_timer = None;
        if self.presence_due {
            self.publish_presence();
        }
    }

    /// The person edited their name.
    pub fn set_name(&mut self, name: String) {
        if name == self.identity.name {
            return;
        }
        self.identity.name = name;
        self.identity.save();
        self.publish_presence();
    }

    /// The page is being left: withdraw our presence so our cursor disappears at once.
    pub fn leave(&mut self) {
        if let Some(frame) = self.session.leave() {
            self.send(&frame);
        }
    }

    pub(super) fn refresh_peers(&mut self) {
        let peers: Vec<PeerView> = self
            .session
            .peers(now() as u64)
            .iter()
            .map(PeerView::from_remote)
            .collect();
        if peers == self.peers {
            return;
        }
        let writers = |list: &[PeerView]| -> Vec<Option<String>> {
            list.iter().map(|p| p.editing.clone()).collect()
        };
        let writers_changed = writers(&peers) != writers(&self.peers);
        self.peers = peers;
        if writers_changed {
            // The shape list says who is typing where.
            self.items_stale = true;
            self.publish_selection();
        }
        self.request_frame();
        let list: Vec<Peer> = self.peers.iter().map(PeerView::peer).collect();
        if list != self.shown_peers {
            self.shown_peers = list.clone();
            self.after.view.peers = Some(list);
        }
    }
}
