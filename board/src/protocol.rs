//! The y-websocket wire format, board ids and presence states.
//!
//! Frame = `varUint(type) · payload`: type 0 sync (0 step 1, 1 step 2, 2 update), 1 awareness,
//! 2 auth, 3 query awareness. Stable y-websocket clients read only the first message of a frame,
//! so every encoder here produces exactly one message per frame. Decoding accepts frames that pack
//! several messages (as yrs' own `Protocol::start` does) and returns them all.

use serde::{Deserialize, Serialize};
use yrs::encoding::read::Cursor;
use yrs::sync::{Awareness, Message, SyncMessage};
use yrs::updates::decoder::{Decode, DecoderV1};
use yrs::updates::encoder::Encode;
use yrs::{ReadTxn, StateVector, Transact};

/// One encoded protocol message, ready to send as a binary WebSocket frame.
pub type Frame = Vec<u8>;

/// Why a frame was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FrameError {
    #[error("empty frame")]
    Empty,
    #[error("malformed message: {0}")]
    Malformed(String),
}

/// Decodes every message in a binary frame. Any malformed or truncated message refuses the
/// whole frame. (yrs' `MessageReader` stops silently at a truncated message, which would hide
/// corrupt input, so the frame is walked here instead.)
pub fn decode_frame(bytes: &[u8]) -> Result<Vec<Message>, FrameError> {
    if bytes.is_empty() {
        return Err(FrameError::Empty);
    }
    let mut decoder = DecoderV1::new(Cursor::new(bytes));
    let mut messages = Vec::with_capacity(1);
    let mut consumed = 0;
    while consumed < bytes.len() {
        let msg =
            Message::decode(&mut decoder).map_err(|e| FrameError::Malformed(e.to_string()))?;
        // lib0 encodings are canonical, so a message's encoded length is what it consumed.
        consumed += msg.encode_v1().len();
        messages.push(msg);
    }
    if consumed != bytes.len() {
        return Err(FrameError::Malformed("trailing bytes".into()));
    }
    Ok(messages)
}

pub fn sync_step1(sv: &StateVector) -> Frame {
    Message::Sync(SyncMessage::SyncStep1(sv.clone())).encode_v1()
}

pub fn sync_step2(update: Vec<u8>) -> Frame {
    Message::Sync(SyncMessage::SyncStep2(update)).encode_v1()
}

pub fn update(update: Vec<u8>) -> Frame {
    Message::Sync(SyncMessage::Update(update)).encode_v1()
}

/// The sync step 1 for a document's current state.
pub fn step1_for(doc: &yrs::Doc) -> Option<Frame> {
    let txn = doc.try_transact().ok()?;
    Some(sync_step1(&txn.state_vector()))
}

/// The awareness frame with every state `awareness` holds, or `None` when it holds none.
pub fn awareness_frame(awareness: &Awareness) -> Option<Frame> {
    let update = awareness.update().ok()?;
    if update.clients.is_empty() {
        return None;
    }
    Some(Message::Awareness(update).encode_v1())
}

/// A board id as it appears in `/b/{id}` and `/ws/{id}`: 1–64 characters from `A-Z a-z 0-9 _ -`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct BoardId(String);

/// Why a string is not a board id.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("a board id is 1 to 64 characters from A-Z, a-z, 0-9, '_' and '-'")]
pub struct BoardIdError;

impl BoardId {
    pub const MAX_LEN: usize = 64;

    pub fn parse(s: &str) -> Result<Self, BoardIdError> {
        let ok = !s.is_empty()
            && s.len() <= Self::MAX_LEN
            && s.bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-');
        if ok {
            Ok(Self(s.to_owned()))
        } else {
            Err(BoardIdError)
        }
    }

    /// A fresh id from 16 random bytes (128 bits), as 22 URL-safe base64 characters.
    pub fn from_random(bytes: [u8; 16]) -> Self {
        const ALPHABET: &[u8; 64] =
            b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
        let mut bits: u128 = u128::from_be_bytes(bytes);
        let mut out = [0u8; 22];
        // 22 × 6 = 132 bits: the first character carries the top 2 bits of the last group.
        for slot in out.iter_mut().rev() {
            *slot = ALPHABET[(bits & 0x3f) as usize];
            bits >>= 6;
        }
        Self(out.iter().map(|&b| b as char).collect())
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for BoardId {
    type Error = BoardIdError;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        Self::parse(&s)
    }
}

impl From<BoardId> for String {
    fn from(id: BoardId) -> Self {
        id.0
    }
}

impl std::fmt::Display for BoardId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// What a client publishes through awareness: who it is and where its pointer is.
/// The `user` object follows the convention of y-websocket apps (`name`, `color`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Presence {
    pub user: PresenceUser,
    /// Pointer position in board coordinates; `None` when the pointer left the canvas.
    #[serde(default)]
    pub cursor: Option<PresenceCursor>,
    /// The laser pointer's recent trail, oldest first, in board coordinates (empty when off).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub laser: Vec<PresenceCursor>,
}

/// Longest laser trail published or shown.
pub const MAX_LASER_POINTS: usize = 48;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PresenceUser {
    pub name: String,
    pub color: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct PresenceCursor {
    pub x: f64,
    pub y: f64,
}

#[cfg(test)]
mod tests {
    use super::*;
    use yrs::sync::Message;

    #[test]
    fn board_ids_are_validated() {
        assert!(BoardId::parse("bench-abc123-0").is_ok());
        assert!(BoardId::parse("").is_err());
        assert!(BoardId::parse("a/b").is_err());
        assert!(BoardId::parse("..").is_err());
        assert!(BoardId::parse(&"x".repeat(65)).is_err());
    }

    #[test]
    fn random_ids_carry_128_bits() {
        let a = BoardId::from_random([0xff; 16]);
        let b = BoardId::from_random([0x00; 16]);
        assert_eq!(a.as_str().len(), 22);
        assert_ne!(a, b);
        assert!(BoardId::parse(a.as_str()).is_ok());
        let mut one = [0u8; 16];
        one[15] = 1;
        assert_ne!(
            BoardId::from_random(one),
            b,
            "the lowest bit changes the id"
        );
    }

    #[test]
    fn frames_hold_one_message_and_decode_back() {
        let f = update(vec![1, 2, 3]);
        assert_eq!(f[0], 0);
        assert_eq!(
            decode_frame(&f).unwrap(),
            vec![Message::Sync(SyncMessage::Update(vec![1, 2, 3]))]
        );
    }

    #[test]
    fn packed_frames_decode_to_every_message() {
        let mut packed = sync_step1(&StateVector::default());
        packed.extend(update(vec![9]));
        assert_eq!(decode_frame(&packed).unwrap().len(), 2);
    }

    #[test]
    fn garbage_is_refused() {
        assert_eq!(decode_frame(&[]), Err(FrameError::Empty));
        assert!(matches!(
            decode_frame(&[0, 7]),
            Err(FrameError::Malformed(_))
        ));
        assert!(matches!(
            decode_frame(&[0, 2, 200]),
            Err(FrameError::Malformed(_))
        ));
    }

    #[test]
    fn presence_json_matches_the_y_websocket_convention() {
        let p: Presence =
            serde_json::from_str(r##"{"user":{"name":"Ada","color":"#f00"}}"##).unwrap();
        assert_eq!(p.user.name, "Ada");
        assert_eq!(p.cursor, None);
    }
}
