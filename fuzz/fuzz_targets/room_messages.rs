//! Feeds arbitrary frames from three connections into the server's message handler: frame
//! decoding (`board::protocol::decode_frame`) then `RoomState::handle`, as the server does
//! (`board::room_state::replay_fuzz_input`), then awareness expiry, leaving and a snapshot.
//! Input: repeated `[conn: u8][len: u16 le][frame: len bytes]`. Nothing may panic.
#![no_main]

use board::room_state::replay_fuzz_input;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let mut room = replay_fuzz_input(data);
    let mut out = Vec::new();
    room.expire_awareness(u64::MAX, 30_000, &mut out);
    for conn in 0..3u8 {
        room.leave(conn, &mut out);
    }
    let _ = room.snapshot();
});
