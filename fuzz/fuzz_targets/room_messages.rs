//! Feeds arbitrary frames from three connections into the server's message handler: frame
//! decoding (`board::protocol::decode_frame`) then `RoomState::handle`, as the server does.
//! Input: repeated `[conn: u8][len: u16 le][frame: len bytes]`. Nothing may panic.
#![no_main]

use board::protocol::decode_frame;
use board::room_state::RoomState;
use libfuzzer_sys::fuzz_target;
use yrs::sync::Awareness;
use yrs::Doc;

fuzz_target!(|data: &[u8]| {
    let mut room = RoomState::new(Awareness::new(Doc::with_client_id(1)), 1 << 20);
    let mut out = Vec::new();
    for conn in 0..3u8 {
        room.join(conn, &mut out);
    }
    let mut rest = data;
    while rest.len() >= 3 {
        let conn = rest[0] % 3;
        let len = u16::from_le_bytes([rest[1], rest[2]]) as usize;
        let end = (3 + len).min(rest.len());
        let frame = &rest[3..end];
        rest = &rest[end..];
        if let Ok(messages) = decode_frame(frame) {
            for msg in messages {
                room.handle(conn, msg, &mut out);
            }
        }
        out.clear();
    }
    room.expire_awareness(u64::MAX, 30_000, &mut out);
    for conn in 0..3u8 {
        room.leave(conn, &mut out);
    }
    let _ = room.snapshot();
});
