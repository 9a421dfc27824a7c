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
    /// More messages in one frame than the caller allows (the rate limit's burst).
    #[error("more than {0} messages in one frame")]
    TooManyMessages(usize),
    /// An awareness message with more entries than the caller allows.
    #[error("more than {0} presences in one awareness message")]
    TooManyPresences(usize),
}

/// What one frame may hold, checked before the messages are decoded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FrameLimits {
    /// Messages in the frame.
    pub messages: usize,
    /// Entries in one awareness message.
    pub presences: usize,
}

impl FrameLimits {
    /// No limit but the frame's own bytes.
    pub const NONE: FrameLimits = FrameLimits {
        messages: usize::MAX,
        presences: usize::MAX,
    };
}

/// Decodes every message in a binary frame. Any malformed or truncated message refuses the
/// whole frame. (yrs' `MessageReader` stops silently at a truncated message, which would hide
/// corrupt input, so the frame is walked here instead.)
pub fn decode_frame(bytes: &[u8]) -> Result<Vec<Message>, FrameError> {
    decode_frame_within(bytes, FrameLimits::NONE)
}

/// [`decode_frame`] within `limits`: past `limits.messages` it stops with
/// [`FrameError::TooManyMessages`] before decoding the rest (a frame of millions of tiny
/// messages costs no more than the cap), and an awareness message declaring more than
/// `limits.presences` entries is refused before it is decoded.
///
/// Before yrs decodes a message, the counts it would reserve memory for up front (entries of a
/// state vector, clients of an update or of an awareness update) are checked against the bytes
/// that could hold them ([`check_declared_counts`]): a 14-byte message declaring 2^29 entries
/// is refused at once instead of costing a gigabyte.
pub fn decode_frame_within(bytes: &[u8], limits: FrameLimits) -> Result<Vec<Message>, FrameError> {
    if bytes.is_empty() {
        return Err(FrameError::Empty);
    }
    let mut decoder = DecoderV1::new(Cursor::new(bytes));
    let mut messages = Vec::with_capacity(1);
    let mut consumed = 0;
    while consumed < bytes.len() {
        if messages.len() == limits.messages {
            return Err(FrameError::TooManyMessages(limits.messages));
        }
        let declared = check_declared_counts(&bytes[consumed..])?;
        if let Some(Declared::Presences(n)) = declared {
            if n > limits.presences as u64 {
                return Err(FrameError::TooManyPresences(limits.presences));
            }
        }
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

/// Reads a lib0 variable-length unsigned integer (7 bits a byte, least significant first).
fn read_var(bytes: &mut &[u8]) -> Option<u64> {
    let mut value = 0u64;
    for shift in (0..64).step_by(7) {
        let (&byte, rest) = bytes.split_first()?;
        *bytes = rest;
        value |= u64::from(byte & 0x7f) << shift;
        if byte & 0x80 == 0 {
            return Some(value);
        }
    }
    None
}

/// A message's first count, as [`check_declared_counts`] read it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Declared {
    StateVectorEntries(u64),
    UpdateClients(u64),
    Presences(u64),
}

/// Checks the first count of the message at the start of `bytes` against the bytes after it:
/// a state vector entry takes at least 2 bytes (client, clock), an update's client section 3
/// (struct count, client, clock), an awareness entry 3 (client, clock, state). Returns the
/// count read, if any; anything this cannot read is left for the decoder to refuse.
pub fn check_declared_counts(bytes: &[u8]) -> Result<Option<Declared>, FrameError> {
    let mut rest = bytes;
    let (kind, min_entry, what): (fn(u64) -> Declared, u64, &str) =
        match (read_var(&mut rest), read_var(&mut rest)) {
            (Some(0), Some(0)) => (Declared::StateVectorEntries, 2, "state vector entries"),
            (Some(0), Some(1 | 2)) => (Declared::UpdateClients, 3, "update clients"),
            (Some(1), _) => {
                // Awareness has no sub-type: the varuint read was its payload's length.
                rest = bytes;
                read_var(&mut rest);
                (Declared::Presences, 3, "awareness entries")
            }
            _ => return Ok(None),
        };
    let Some(len) = read_var(&mut rest) else {
        return Ok(None);
    };
    let payload = &rest[..rest.len().min(usize::try_from(len).unwrap_or(usize::MAX))];
    let mut inner = payload;
    let Some(count) = read_var(&mut inner) else {
        return Ok(None);
    };
    let room = inner.len() as u64 / min_entry;
    if count > room {
        return Err(FrameError::Malformed(format!(
            "{count} {what} declared in {} bytes",
            inner.len()
        )));
    }
    Ok(Some(kind(count)))
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
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct Presence {
    pub user: PresenceUser,
    /// Pointer position in board coordinates; `None` when the pointer left the canvas.
    #[serde(default)]
    pub cursor: Option<PresenceCursor>,
    /// The laser pointer's recent trail, oldest first, in board coordinates (empty when off).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub laser: Vec<PresenceCursor>,
    /// The shape whose text this person is typing, if any (others mark it as being written).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub editing: Option<String>,
    /// The ids of the shapes this person has selected (others outline them in their colour).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub selection: Vec<String>,
    /// The board area this person sees (others can follow it).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub view: Option<PresenceRect>,
    /// The client id of the person this one follows.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub following: Option<u64>,
    /// `"view"` for someone on a view link (shown in the people list; the server enforces it).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub role: Option<String>,
    /// This person is presenting the board's frames as slides (others are offered to follow).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub presenting: bool,
}

/// A rectangle in board coordinates.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct PresenceRect {
    pub x: f64,
    pub y: f64,
    pub w: f64,
    pub h: f64,
}

/// Most selected ids published or shown per person.
pub const MAX_PRESENCE_SELECTION: usize = 200;

/// Longest laser trail published or shown.
pub const MAX_LASER_POINTS: usize = 48;

#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
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
        // The payload is not looked into beyond its first count (yrs decodes it later).
        let f = update(vec![0, 2, 3]);
        assert_eq!(f[0], 0);
        assert_eq!(
            decode_frame(&f).unwrap(),
            vec![Message::Sync(SyncMessage::Update(vec![0, 2, 3]))]
        );
    }

    #[test]
    fn packed_frames_decode_to_every_message() {
        let mut packed = sync_step1(&StateVector::default());
        packed.extend(update(vec![0, 0]));
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
    fn declared_counts_past_the_bytes_left_are_refused() {
        // Sync step 1 declaring 2^29 state-vector entries in 14 bytes.
        let mut step1 = vec![0u8, 0, 10];
        step1.extend([0x80, 0x80, 0x80, 0x80, 0x02]);
        step1.extend([0; 5]);
        assert!(
            matches!(decode_frame(&step1), Err(FrameError::Malformed(m)) if m.contains("state vector"))
        );
        // An update declaring 2^27 clients, and an awareness update declaring 2^27 entries.
        let update = [0u8, 2, 6, 0x80, 0x80, 0x80, 0x40, 0, 0];
        assert!(
            matches!(decode_frame(&update), Err(FrameError::Malformed(m)) if m.contains("clients"))
        );
        let awareness = [1u8, 6, 0x80, 0x80, 0x80, 0x40, 0, 0];
        assert!(
            matches!(decode_frame(&awareness), Err(FrameError::Malformed(m)) if m.contains("awareness"))
        );
        // Real messages pass.
        let sv = StateVector::from_iter([(yrs::ClientID::new(1), 5), (yrs::ClientID::new(2), 9)]);
        assert!(decode_frame(&sync_step1(&sv)).is_ok());
        let mut a = Awareness::new(yrs::Doc::with_client_id(3));
        a.set_local_state_raw(r#"{"user":{"name":"A","color":"red"}}"#);
        assert!(decode_frame(&awareness_frame(&a).unwrap()).is_ok());
    }

    #[test]
    fn a_frame_stops_at_the_message_cap() {
        let query = Message::AwarenessQuery.encode_v1();
        let frame: Vec<u8> = std::iter::repeat_n(query, 10).flatten().collect();
        let limits = |messages| FrameLimits {
            messages,
            ..FrameLimits::NONE
        };
        assert_eq!(decode_frame_within(&frame, limits(10)).unwrap().len(), 10);
        assert_eq!(
            decode_frame_within(&frame, limits(9)),
            Err(FrameError::TooManyMessages(9))
        );
    }

    #[test]
    fn presence_json_matches_the_y_websocket_convention() {
        let p: Presence =
            serde_json::from_str(r##"{"user":{"name":"Ada","color":"#f00"}}"##).unwrap();
        assert_eq!(p.user.name, "Ada");
        assert_eq!(p.cursor, None);
    }
}
