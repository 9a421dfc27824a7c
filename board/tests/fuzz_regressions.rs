//! Inputs the `room_messages` fuzz target once crashed on (fuzz/README.md), replayed through the
//! same path the server takes: frame decoding, then `RoomState::handle`. Each must be handled
//! without a panic, and a well-formed update must still apply afterwards.

use std::path::Path;

use board::protocol::{self, decode_frame};
use board::room_state::{replay_fuzz_input, Effect, RoomState};
use yrs::sync::{Awareness, Message, SyncMessage};
use yrs::{Doc, ReadTxn, Transact};

#[test]
fn recorded_crashes_are_handled() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fuzz-regressions");
    let mut count = 0;
    for entry in std::fs::read_dir(dir).unwrap() {
        let data = std::fs::read(entry.unwrap().path()).unwrap();
        let mut room = replay_fuzz_input(&data);
        count += 1;
        // The whole board can still be encoded (snapshots, answers to fresh clients).
        let _ = room.snapshot();
        // The room still works: a fresh client's update applies and is broadcast.
        let doc = board::BoardDoc::new(Doc::with_client_id(99));
        let shape = board::Shape::pen(
            "after".into(),
            "z".into(),
            board::Style::default(),
            &[(board::Point::new(0.0, 0.0), 0.5)],
        );
        let (_, update) = doc.change("l", |txn, b| b.put(txn, &shape)).unwrap();
        let mut out = Vec::new();
        room.handle(0, Message::Sync(SyncMessage::Update(update)), &mut out);
        assert!(out.iter().any(|e| matches!(e, Effect::Persist(_))));
    }
    assert!(count >= 2);
}

#[test]
fn a_client_id_past_53_bits_does_not_panic() {
    // An update claiming one struct from client 2^60: yrs asserts ids fit 53 bits.
    let mut update = vec![1u8, 1];
    let mut v: u64 = 1 << 60;
    while v >= 0x80 {
        update.push((v as u8 & 0x7f) | 0x80);
        v >>= 7;
    }
    update.push(v as u8);
    update.extend([0, 0]);
    let frame = protocol::update(update);
    let mut room = RoomState::new(Awareness::new(Doc::with_client_id(1)), 1 << 20);
    let mut out = Vec::new();
    room.join(0u8, &mut out);
    if let Ok(messages) = decode_frame(&frame) {
        for m in messages {
            room.handle(0, m, &mut out);
        }
    }
}

#[test]
fn a_huge_struct_count_is_refused_not_allocated() {
    // One client section claiming u32::MAX structs, then nothing.
    let update = vec![1u8, 0xff, 0xff, 0xff, 0xff, 0x0f, 1, 0];
    let mut room = RoomState::new(Awareness::new(Doc::with_client_id(1)), 1 << 20);
    let mut out = Vec::new();
    room.join(0u8, &mut out);
    out.clear();
    room.handle(0, Message::Sync(SyncMessage::Update(update)), &mut out);
    assert!(matches!(out.as_slice(), [Effect::Close(0, _)]));
}

#[test]
fn the_gap_pair_is_refused_by_the_browser_apply_path_too() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/yrs-gap");
    let first = std::fs::read(dir.join("first.bin")).unwrap();
    let second = std::fs::read(dir.join("second.bin")).unwrap();
    let doc = board::BoardDoc::new(Doc::with_client_id(5));
    // The first alone would leave a hole: not applied, and a step 1 is to be asked for.
    assert!(doc.apply_remote(&first, "remote").unwrap());
    assert_eq!(
        doc.doc().transact().state_vector(),
        yrs::StateVector::default()
    );
    // What fills the hole applies; the first is then no gap.
    doc.apply_remote(&second, "remote").unwrap();
    doc.apply_remote(&first, "remote").unwrap();
}
