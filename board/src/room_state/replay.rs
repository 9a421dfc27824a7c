//! The fuzz target's replay of a room (`replay_fuzz_input`), shared by the `room_messages`
//! target and the regression tests in `board/tests/fuzz_regressions.rs`.

use super::*;

/// Drives a room the way the server does, from the `room_messages` fuzz target's input format:
/// repeated `[conn: u8][len: u16 le][frame: len bytes]`. Connections 0–2 are peers of the room:
/// each frame is decoded then handled, and what the room stores is kept as the server's store
/// would. If yrs panics on a message, the room recovers as the server does: what was stored
/// before it stays, the document is rebuilt from that ([`RoomState::reload`]) and the other
/// peers go on. Connection 3 is a browser's session ([`crate::session::SyncSession`]): it takes
/// the frame as if the server had sent it, and every update the room relays is applied to it
/// too, so the browser's apply path is fuzzed with hostile and with relayed input.
/// Shared by the fuzz target and its regression tests.
pub fn replay_fuzz_input(data: &[u8]) -> RoomState<u8> {
    use crate::layout::BoardDoc;
    use crate::session::SyncSession;
    use std::panic::{catch_unwind, AssertUnwindSafe};

    let mut room = RoomState::new(Awareness::new(server_doc()), 1 << 20);
    let mut out = Vec::new();
    for conn in 0..3u8 {
        room.join(conn, &mut out);
    }
    let new_browser = || {
        let mut session = SyncSession::new(BoardDoc::new(yrs::Doc::with_client_id(4242)), || 0);
        session.open();
        session
    };
    let mut browser = new_browser();
    let mut stored: Vec<Vec<u8>> = Vec::new();
    let mut rest = data;
    while rest.len() >= 3 {
        let conn = rest[0] % 4;
        let len = u16::from_le_bytes([rest[1], rest[2]]) as usize;
        let end = (3 + len).min(rest.len());
        let frame = &rest[3..end];
        rest = &rest[end..];
        let mut relayed = Vec::new();
        if conn == 3 {
            relayed.push(frame.to_vec());
        } else if let Ok(Ok(messages)) = catch_unwind(|| protocol::decode_frame(frame)) {
            // (A panic decoding a frame, possible only with yrs' debug assertions on, is a
            // refused frame: the server's connection task catches it the same way.)
            for msg in messages {
                let before = out.len();
                let handled = catch_unwind(AssertUnwindSafe(|| room.handle(conn, msg, &mut out)));
                if handled.is_err() {
                    out.truncate(before);
                    stored.extend(out.iter().filter_map(|e| match e {
                        Effect::Persist(u) => Some(u.clone()),
                        _ => None,
                    }));
                    out.clear();
                    room.reload(
                        Awareness::new(server_doc()),
                        stored.iter().map(Vec::as_slice),
                    );
                    break;
                }
            }
        }
        // Presence goes out after every frame, as a server with no flush window would send it.
        room.flush_presence(&mut out);
        let mut closed = Vec::new();
        for effect in out.drain(..) {
            match effect {
                Effect::Persist(update) => stored.push(update),
                Effect::Broadcast(frame) => relayed.push(frame.to_vec()),
                Effect::Close(conn, _) => closed.push(conn),
                Effect::Reply(..) => {}
            }
        }
        // A closed peer comes back, as a hostile client would.
        for conn in closed {
            room.leave(conn, &mut out);
            room.join(conn, &mut out);
            out.clear();
        }
        for frame in relayed {
            // The browser build aborts on a panic; here a panic only means a new session, so
            // that the fuzzer goes on looking for memory errors.
            if catch_unwind(AssertUnwindSafe(|| browser.receive(&frame))).is_err() {
                browser = new_browser();
            }
        }
    }
    room
}
