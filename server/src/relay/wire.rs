//! The relay's message format: a small binary envelope (kind, node, send time) around the
//! payload. Only nodes of one cluster read it; a message that does not decode is dropped.
//!
//! ```text
//! kind u8 | node u64 LE | sent (unix µs) u64 LE | payload by kind:
//!   1 Updates    first_seq i64 LE, count u32 LE, then count × (len u32 LE, bytes)
//!   2 Committed  last_seq i64 LE
//!   3 Presence   a y-websocket awareness frame
//!   4 Hello      (nothing)
//!   5 Members    count u32 LE
//!   6 Deleted    (nothing)
//!   7 LinksReset (nothing)
//! ```

/// A node's random id, drawn at start.
pub type NodeId = u64;

/// What one node tells the others about a board.
#[derive(Debug, Clone, PartialEq)]
pub enum Message {
    /// Updates committed with sequence numbers `first_seq..`, in order.
    Updates {
        first_seq: i64,
        updates: Vec<Vec<u8>>,
    },
    /// Updates through `last_seq` are committed; too large to carry, read them from the store.
    Committed { last_seq: i64 },
    /// Presence of this node's connections (a y-websocket awareness frame).
    Presence(Vec<u8>),
    /// This node opened the board: the others answer with their presence and members.
    Hello,
    /// How many connections this node holds on the board.
    Members(u32),
    /// The board's manager deleted it (on the sending node): close its connections here.
    Deleted,
    /// The board's links were reset: connections with an old key close here too.
    LinksReset,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Envelope {
    pub node: NodeId,
    /// When it was published (unix microseconds), for the relay lag.
    pub sent_micros: u64,
    pub message: Message,
}

#[derive(Debug, thiserror::Error, PartialEq)]
pub enum WireError {
    #[error("relay message truncated")]
    Truncated,
    #[error("unknown relay message kind {0}")]
    UnknownKind(u8),
}

impl Envelope {
    pub fn encode(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(17 + self.payload_len());
        let kind = match &self.message {
            Message::Updates { .. } => 1,
            Message::Committed { .. } => 2,
            Message::Presence(_) => 3,
            Message::Hello => 4,
            Message::Members(_) => 5,
            Message::Deleted => 6,
            Message::LinksReset => 7,
        };
        out.push(kind);
        out.extend_from_slice(&self.node.to_le_bytes());
        out.extend_from_slice(&self.sent_micros.to_le_bytes());
        match &self.message {
            Message::Updates { first_seq, updates } => {
                out.extend_from_slice(&first_seq.to_le_bytes());
                out.extend_from_slice(&(updates.len() as u32).to_le_bytes());
                for update in updates {
                    out.extend_from_slice(&(update.len() as u32).to_le_bytes());
                    out.extend_from_slice(update);
                }
            }
            Message::Committed { last_seq } => out.extend_from_slice(&last_seq.to_le_bytes()),
            Message::Presence(frame) => out.extend_from_slice(frame),
            Message::Hello | Message::Deleted | Message::LinksReset => {}
            Message::Members(n) => out.extend_from_slice(&n.to_le_bytes()),
        }
        out
    }

    fn payload_len(&self) -> usize {
        match &self.message {
            Message::Updates { updates, .. } => {
                12 + updates.iter().map(|u| 4 + u.len()).sum::<usize>()
            }
            Message::Committed { .. } => 8,
            Message::Presence(frame) => frame.len(),
            Message::Hello | Message::Deleted | Message::LinksReset => 0,
            Message::Members(_) => 4,
        }
    }

    pub fn decode(bytes: &[u8]) -> Result<Envelope, WireError> {
        let mut r = Reader(bytes);
        let kind = r.take(1)?[0];
        let node = u64::from_le_bytes(r.array()?);
        let sent_micros = u64::from_le_bytes(r.array()?);
        let message = match kind {
            1 => {
                let first_seq = i64::from_le_bytes(r.array()?);
                let count = u32::from_le_bytes(r.array()?) as usize;
                // Each update takes at least its 4-byte length: no allocation past the input.
                let mut updates = Vec::with_capacity(count.min(r.0.len() / 4));
                for _ in 0..count {
                    let len = u32::from_le_bytes(r.array()?) as usize;
                    updates.push(r.take(len)?.to_vec());
                }
                Message::Updates { first_seq, updates }
            }
            2 => Message::Committed {
                last_seq: i64::from_le_bytes(r.array()?),
            },
            3 => Message::Presence(r.0.to_vec()),
            4 => Message::Hello,
            5 => Message::Members(u32::from_le_bytes(r.array()?)),
            6 => Message::Deleted,
            7 => Message::LinksReset,
            other => return Err(WireError::UnknownKind(other)),
        };
        Ok(Envelope {
            node,
            sent_micros,
            message,
        })
    }
}

struct Reader<'a>(&'a [u8]);

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize) -> Result<&'a [u8], WireError> {
        if self.0.len() < n {
            return Err(WireError::Truncated);
        }
        let (head, rest) = self.0.split_at(n);
        self.0 = rest;
        Ok(head)
    }

    fn array<const N: usize>(&mut self) -> Result<[u8; N], WireError> {
        let mut out = [0; N];
        out.copy_from_slice(self.take(N)?);
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn roundtrip(message: Message) {
        let envelope = Envelope {
            node: 0x0123_4567_89ab_cdef,
            sent_micros: 1_700_000_000_000_000,
            message,
        };
        let bytes = envelope.encode();
        assert_eq!(bytes.len(), 17 + envelope.payload_len());
        assert_eq!(Envelope::decode(&bytes), Ok(envelope));
    }

    #[test]
    fn every_kind_round_trips() {
        roundtrip(Message::Updates {
            first_seq: 42,
            updates: vec![vec![1, 2, 3], vec![], vec![9; 300]],
        });
        roundtrip(Message::Committed { last_seq: -1 });
        roundtrip(Message::Presence(vec![1, 5, 0]));
        roundtrip(Message::Hello);
        roundtrip(Message::Members(7));
        roundtrip(Message::Deleted);
        roundtrip(Message::LinksReset);
    }

    #[test]
    fn truncated_or_unknown_messages_are_refused() {
        let bytes = Envelope {
            node: 1,
            sent_micros: 2,
            message: Message::Updates {
                first_seq: 1,
                updates: vec![vec![7; 10]],
            },
        }
        .encode();
        for cut in 0..bytes.len() {
            assert_eq!(Envelope::decode(&bytes[..cut]), Err(WireError::Truncated));
        }
        let mut unknown = bytes.clone();
        unknown[0] = 99;
        assert_eq!(Envelope::decode(&unknown), Err(WireError::UnknownKind(99)));
        // A count far larger than the message allocates nothing up front.
        let mut huge = bytes[..29].to_vec();
        huge[25..29].copy_from_slice(&u32::MAX.to_le_bytes());
        assert_eq!(Envelope::decode(&huge), Err(WireError::Truncated));
    }
}
