//! Feeds arbitrary frames from three connections into the server's message handler: frame
//! decoding (`board::protocol::decode_frame`) then `RoomState::handle`, as the server does
//! (`board::room_state::replay_fuzz_input`), then awareness expiry, leaving and a snapshot.
//! Input: repeated `[conn: u8][len: u16 le][frame: len bytes]`. A yrs panic is recovered from
//! as the server does (a fresh room); memory errors, hangs and exhaustion are findings.
#![no_main]

use board::room_state::replay_fuzz_input;
use libfuzzer_sys::fuzz_target;

fuzz_target!(
    init: {
        // A panic is handled as the server handles it (the room is reloaded), so the fuzzer
        // looks for what the server cannot recover from: memory errors, hangs, exhaustion.
        std::panic::set_hook(Box::new(|_| {}));
    },
    |data: &[u8]| {
    let mut room = replay_fuzz_input(data);
    let mut out = Vec::new();
    room.expire_awareness(u64::MAX, 30_000, &mut out);
    for conn in 0..3u8 {
        room.leave(conn, &mut out);
    }
    let _ = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| room.snapshot()));
});
