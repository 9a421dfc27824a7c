//! Presence: publishing our cursor and name (throttled, renewed), and the list of other
//! people shown in the page.

use board::protocol::{PresenceCursor, PresenceRect};
use board::Point;
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
        let mut presence = self
            .identity
            .presence(self.cursor, laser, self.editing_id());
        presence.selection = self
            .selection
            .iter()
            .take(board::protocol::MAX_PRESENCE_SELECTION)
            .cloned()
            .collect();
        let seen = self.viewport.visible(self.size.width, self.size.height);
        presence.view = (seen.w > 0.0 && seen.h > 0.0).then_some(PresenceRect {
            x: seen.x,
            y: seen.y,
            w: seen.w,
            h: seen.h,
        });
        presence.following = self.following;
        presence.role = self.read_only.then(|| "view".to_owned());
        presence.presenting = self.presenting.is_some();
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
        self.save_local(true);
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
        let notes = |list: &[PeerView]| -> Vec<(Option<String>, Vec<String>)> {
            list.iter()
                .map(|p| (p.editing.clone(), p.selection.clone()))
                .collect()
        };
        let notes_changed = notes(&peers) != notes(&self.peers);
        self.peers = peers;
        if notes_changed {
            // The shape list says who is typing in or has selected what.
            self.items_stale = true;
            self.publish_selection();
        }
        self.request_frame();
        self.follow_view();
        self.publish_people();
    }

    /// The people list as the page shows it.
    fn publish_people(&mut self) {
        let me = self.board.doc().client_id().get();
        let list: Vec<Peer> = self
            .peers
            .iter()
            .map(|p| p.peer(me, self.following))
            .collect();
        if list != self.shown_peers {
            self.shown_peers = list.clone();
            self.after.view.peers = Some(list);
        }
    }

    /// Follows `leader`'s view (their client id), or stops following.
    pub(super) fn follow(&mut self, leader: Option<u64>) {
        if leader == self.following {
            return;
        }
        self.following = leader;
        self.schedule_presence();
        self.follow_view();
        self.publish_people();
        self.after.view.following = Some(
            leader
                .and_then(|id| self.peers.iter().find(|p| p.client_id == id))
                .map(|p| p.name.clone()),
        );
    }

    /// Moves our view onto the followed person's (their centre, at the zoom that shows what
    /// they see); stops following when they left.
    fn follow_view(&mut self) {
        let Some(leader) = self.following else {
            return;
        };
        let Some(peer) = self.peers.iter().find(|p| p.client_id == leader) else {
            self.follow(None);
            return;
        };
        let Some(r) = peer.view else {
            return;
        };
        let zoom = (self.size.width / r.w)
            .min(self.size.height / r.h)
            .clamp(board::viewport::MIN_ZOOM, board::viewport::MAX_ZOOM);
        let origin = Point::new(
            r.x + r.w / 2.0 - self.size.width / 2.0 / zoom,
            r.y + r.h / 2.0 - self.size.height / 2.0 / zoom,
        );
        if (zoom, origin) == (self.viewport.zoom, self.viewport.origin) {
            return;
        }
        self.viewport.zoom = zoom;
        self.viewport.origin = origin;
        self.applying_follow = true;
        self.editing_moved();
        self.view_changed();
        self.applying_follow = false;
    }
}
