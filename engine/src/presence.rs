//! Who this person is to others (name and colour, remembered in `localStorage`) and how other
//! people's published presence is made safe to show.
//!
//! Presence arrives from any client on the board, so names are trimmed and bounded and colours
//! must be plain hex before they reach the canvas or a `style` attribute.

use board::protocol::{
    Presence, PresenceCursor, PresenceRect, PresenceUser, MAX_PRESENCE_SELECTION,
};

use super::random;
use crate::view::Peer;
use board::session::RemotePresence;

const NAME_KEY: &str = "whiteboard.name";
const COLOR_KEY: &str = "whiteboard.color";
/// Longest name shown or published, in characters (the name field allows 40).
const MAX_NAME: usize = 40;
/// Shown for a peer whose colour is missing or not plain hex.
const FALLBACK_COLOR: &str = "#868e96";

/// Default names are an adjective and an animal whose first letters differ from each other's
/// across the lists as much as possible, so that two people's initials rarely match (26 letters
/// each, one word per letter).
const ADJECTIVES: [&str; 26] = [
    "Amber", "Brave", "Calm", "Daring", "Eager", "Fuzzy", "Gentle", "Happy", "Idle", "Jolly",
    "Kind", "Lucky", "Merry", "Nimble", "Odd", "Plucky", "Quiet", "Rapid", "Sunny", "Tidy",
    "Upbeat", "Vivid", "Witty", "Xenial", "Young", "Zesty",
];
const ANIMALS: [&str; 26] = [
    "Ant", "Bear", "Crow", "Dolphin", "Eagle", "Fox", "Gecko", "Heron", "Ibis", "Jaguar", "Koala",
    "Lynx", "Moose", "Newt", "Otter", "Panda", "Quail", "Robin", "Seal", "Tiger", "Urchin", "Vole",
    "Walrus", "Yak", "Zebra", "Xerus",
];

/// A friendly default name from two picks (taken modulo the lists' lengths).
pub fn friendly_name(adjective: u64, animal: u64) -> String {
    let adjective = ADJECTIVES[(adjective % ADJECTIVES.len() as u64) as usize];
    let animal = ANIMALS[(animal % ANIMALS.len() as u64) as usize];
    format!("{adjective} {animal}")
}

/// Names this board used to give by default ("Guest 1234"): not chosen by the person, so
/// replaced by a friendly name on their next visit.
fn is_old_default(name: &str) -> bool {
    name.strip_prefix("Guest ")
        .is_some_and(|n| n.len() == 4 && n.bytes().all(|b| b.is_ascii_digit()))
}

/// Eight colours that stay readable under white label text and distinct from each other.
pub const PALETTE: [&str; 8] = [
    "#e03131", "#f76707", "#e8590c", "#2f9e44", "#0c8599", "#1971c2", "#6741d9", "#c2255c",
];

/// This person's name and colour.
#[derive(Debug, Clone)]
pub struct Identity {
    /// What the person typed (may be empty while they edit the field).
    pub name: String,
    /// Published while `name` is blank, so others never see an empty label.
    pub fallback_name: String,
    pub color: String,
}

fn storage() -> Option<web_sys::Storage> {
    web_sys::window()?.local_storage().ok().flatten()
}

impl Identity {
    /// The remembered identity, or a fresh friendly name and palette colour (then remembered).
    pub fn load() -> Self {
        let stored = |key: &str| storage().and_then(|s| s.get_item(key).ok().flatten());
        let fallback_name = friendly_name(random::below(1 << 20), random::below(1 << 20));
        let name = stored(NAME_KEY)
            .map(|n| bounded_name(&n))
            .filter(|n| !n.is_empty() && !is_old_default(n))
            .unwrap_or_else(|| fallback_name.clone());
        let color = stored(COLOR_KEY)
            .filter(|c| is_hex_color(c))
            .unwrap_or_else(|| PALETTE[random::below(PALETTE.len() as u64) as usize].to_owned());
        let identity = Self {
            name,
            fallback_name,
            color,
        };
        identity.save();
        identity
    }

    /// Remembers name and colour for the next visit (a blank name is not remembered).
    pub fn save(&self) {
        let Some(storage) = storage() else { return };
        if !self.name.trim().is_empty() {
            let _ = storage.set_item(NAME_KEY, &bounded_name(&self.name));
        }
        let _ = storage.set_item(COLOR_KEY, &self.color);
    }

    /// The presence to publish with the pointer at `cursor` (board coordinates).
    pub fn presence(
        &self,
        cursor: Option<PresenceCursor>,
        laser: Vec<PresenceCursor>,
        editing: Option<String>,
    ) -> Presence {
        let name = bounded_name(&self.name);
        Presence {
            user: PresenceUser {
                name: if name.is_empty() {
                    self.fallback_name.clone()
                } else {
                    name
                },
                color: self.color.clone(),
            },
            cursor,
            laser,
            editing,
            ..Presence::default()
        }
    }
}

/// A name trimmed and cut to [`MAX_NAME`] characters.
pub fn bounded_name(name: &str) -> String {
    name.trim()
        .chars()
        .take(MAX_NAME)
        .collect::<String>()
        .trim_end()
        .to_owned()
}

/// `#rgb`, `#rrggbb` or `#rrggbbaa`: the only colour forms accepted from peers.
pub fn is_hex_color(s: &str) -> bool {
    s.strip_prefix('#').is_some_and(|hex| {
        matches!(hex.len(), 3 | 6 | 8) && hex.bytes().all(|b| b.is_ascii_hexdigit())
    })
}

/// Another person as it is safe to show: bounded name, hex colour, finite cursor.
#[derive(Debug, Clone, PartialEq)]
pub struct PeerView {
    pub name: String,
    pub color: String,
    pub cursor: Option<PresenceCursor>,
    /// Their laser pointer's trail (bounded, finite points only).
    pub laser: Vec<PresenceCursor>,
    /// The shape whose text they are typing (an id of plausible length).
    pub editing: Option<String>,
    /// Their awareness client id.
    pub client_id: u64,
    /// The shapes they have selected (bounded, plausible ids).
    pub selection: Vec<String>,
    /// The board area they see (finite, with a positive size).
    pub view: Option<PresenceRect>,
    /// Whom they follow.
    pub following: Option<u64>,
    /// They are on a view link.
    pub viewer: bool,
    /// They are presenting the board's frames as slides.
    pub presenting: bool,
}

impl PeerView {
    pub fn from_remote(remote: &RemotePresence) -> Self {
        let user = &remote.presence.user;
        let name = bounded_name(&user.name);
        Self {
            name: if name.is_empty() {
                "Guest".to_owned()
            } else {
                name
            },
            color: if is_hex_color(&user.color) {
                user.color.clone()
            } else {
                FALLBACK_COLOR.to_owned()
            },
            cursor: remote
                .presence
                .cursor
                .filter(|c| c.x.is_finite() && c.y.is_finite()),
            laser: remote
                .presence
                .laser
                .iter()
                .rev()
                .take(board::protocol::MAX_LASER_POINTS)
                .rev()
                .filter(|c| c.x.is_finite() && c.y.is_finite())
                .copied()
                .collect(),
            editing: remote
                .presence
                .editing
                .clone()
                .filter(|id| plausible_id(id)),
            client_id: remote.client_id,
            selection: remote
                .presence
                .selection
                .iter()
                .filter(|id| plausible_id(id))
                .take(MAX_PRESENCE_SELECTION)
                .cloned()
                .collect(),
            view: remote.presence.view.filter(|r| {
                [r.x, r.y, r.w, r.h].iter().all(|v| v.is_finite()) && r.w > 0.0 && r.h > 0.0
            }),
            following: remote.presence.following,
            viewer: remote.presence.role.as_deref() == Some("view"),
            presenting: remote.presence.presenting,
        }
    }

    /// The entry of the people list; `me` is our client id, `following` whom we follow.
    pub fn peer(&self, me: u64, following: Option<u64>) -> Peer {
        Peer {
            id: self.client_id,
            name: self.name.clone(),
            color: self.color.clone(),
            viewer: self.viewer,
            follows_me: self.following == Some(me),
            followed: following == Some(self.client_id),
            presenting: self.presenting,
        }
    }
}

/// A shape id as others may publish it: non-empty and short.
fn plausible_id(id: &str) -> bool {
    !id.is_empty() && id.len() <= 64
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_names_are_an_adjective_and_an_animal_with_distinct_first_letters() {
        let firsts = |words: &[&str]| {
            let mut letters: Vec<char> = words.iter().map(|w| w.chars().next().unwrap()).collect();
            letters.sort_unstable();
            letters.dedup();
            letters.len()
        };
        assert_eq!(firsts(&ADJECTIVES), ADJECTIVES.len());
        assert_eq!(firsts(&ANIMALS), ANIMALS.len());
        assert_eq!(friendly_name(1, 14), "Brave Otter");
        assert_eq!(friendly_name(27, 40), "Brave Otter");
        assert_eq!(crate::view::initials(&friendly_name(1, 14)), "BO");
    }

    #[test]
    fn only_the_old_guest_names_count_as_defaults() {
        assert!(is_old_default("Guest 1234"));
        assert!(!is_old_default("Guest 12345"));
        assert!(!is_old_default("Guest Star"));
        assert!(!is_old_default("Alice"));
    }
}
