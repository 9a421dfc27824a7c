//! Unit tests of `RoomState`: sync, the update guard's refusals, presence ownership, reload.

use super::*;
use crate::layout::BoardDoc;
use crate::shape::{Shape, ShapeKind, Style};
use yrs::Doc;

fn room() -> RoomState<u32> {
    RoomState::new(Awareness::new(server_doc()), 1 << 20)
}

fn unit_shape(id: &str, kind: ShapeKind) -> Shape {
    Shape {
        id: id.into(),
        kind,
        x: 0.0,
        y: 0.0,
        w: 1.0,
        h: 1.0,
        style: Style::default(),
        index: "a0".into(),
        ..Shape::default()
    }
}

fn rect_update(id: &str) -> Vec<u8> {
    let doc = BoardDoc::new(Doc::new());
    let shape = unit_shape(id, ShapeKind::Rectangle);
    doc.change("l", |txn, b| b.put(txn, &shape)).unwrap().1
}

/// A room where `conn` joined and answered the room's step 1 (it had nothing).
fn synced_room(conn: u32) -> RoomState<u32> {
    let mut r = room();
    let mut out = vec![];
    r.join(conn, &mut out);
    let empty = yrs::Update::EMPTY_V1.to_vec();
    r.handle(conn, Message::Sync(SyncMessage::SyncStep2(empty)), &mut out);
    r
}

/// The two updates of fuzz/README.md's "yrs gap" finding: a map item of one client at
/// clock 4, then that client's blocks from clock 0.
fn gap_pair() -> [Vec<u8>; 2] {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/yrs-gap");
    ["first.bin", "second.bin"].map(|f| std::fs::read(dir.join(f)).unwrap())
}

#[test]
fn the_gap_pair_is_refused_then_accepted_in_order() {
    let [first, second] = gap_pair();
    let mut r = synced_room(1);
    let mut out = vec![];
    // Alone, the first leaves a hole at clocks 0..4: nothing applied, step 1 asked.
    r.handle(
        1,
        Message::Sync(SyncMessage::Update(first.clone())),
        &mut out,
    );
    assert!(
        matches!(out.as_slice(), [Effect::Reply(1, f)] if f[..2] == [0, 0]),
        "{out:?}"
    );
    assert_eq!(r.snapshot(), room().snapshot());
    out.clear();
    // The answer brings clocks 0..: it applies, and the first is then no gap either.
    r.handle(1, Message::Sync(SyncMessage::SyncStep2(second)), &mut out);
    assert!(
        out.iter().any(|e| matches!(e, Effect::Persist(_))),
        "{out:?}"
    );
    out.clear();
    r.handle(1, Message::Sync(SyncMessage::Update(first)), &mut out);
    assert!(
        !out.iter().any(|e| matches!(e, Effect::Close(..))),
        "{out:?}"
    );
    let _ = r.snapshot();
}

#[test]
fn a_refused_answer_to_step1_closes_only_its_sender() {
    let [first, _] = gap_pair();
    let mut r = synced_room(1);
    let mut out = vec![];
    r.join(2, &mut out);
    out.clear();
    r.handle(
        1,
        Message::Sync(SyncMessage::Update(first.clone())),
        &mut out,
    );
    out.clear();
    r.handle(1, Message::Sync(SyncMessage::SyncStep2(first)), &mut out);
    assert_eq!(out, vec![Effect::Close(1, Refusal::KeepsRefused)]);
    out.clear();
    // The other peer is untouched and its updates go through.
    r.handle(
        2,
        Message::Sync(SyncMessage::Update(rect_update("b"))),
        &mut out,
    );
    assert!(out.iter().any(|e| matches!(e, Effect::Persist(_))));
}

#[test]
fn a_stream_of_refused_updates_is_asked_once_then_closed() {
    let [first, _] = gap_pair();
    let mut r = synced_room(1);
    let mut out = vec![];
    for _ in 0..=MAX_REFUSED_IN_FLIGHT {
        r.handle(
            1,
            Message::Sync(SyncMessage::Update(first.clone())),
            &mut out,
        );
    }
    let asked = out
        .iter()
        .filter(|e| matches!(e, Effect::Reply(..)))
        .count();
    assert_eq!(asked, 1);
    assert_eq!(out.last(), Some(&Effect::Close(1, Refusal::KeepsRefused)));
}

#[test]
fn a_reload_rebuilds_the_document_and_keeps_the_peers() {
    let mut r = synced_room(1);
    let mut out = vec![];
    r.join(2, &mut out);
    let mut peer = Awareness::new(Doc::with_client_id(77));
    peer.set_local_state_raw(r##"{"user":{"name":"A","color":"#000"}}"##);
    r.handle(2, Message::Awareness(peer.update().unwrap()), &mut out);
    let stored = rect_update("a");
    r.handle(
        1,
        Message::Sync(SyncMessage::Update(stored.clone())),
        &mut out,
    );
    // Something the store never got (as after a panic mid-turn) is gone after the reload.
    r.handle(
        1,
        Message::Sync(SyncMessage::Update(rect_update("b"))),
        &mut out,
    );
    assert_eq!(
        r.reload(Awareness::new(server_doc()), [stored.as_slice()]),
        0
    );
    let doc = BoardDoc::new(Doc::new());
    doc.apply_remote(&r.snapshot(), "r").unwrap();
    assert_eq!(doc.shapes().unwrap().len(), 1);
    assert_eq!(r.connections(), 2);
    assert!(r
        .awareness()
        .state::<serde_json::Value>(ClientID::new(77))
        .is_some());
    out.clear();
    r.leave(2, &mut out);
    assert_eq!(out.len(), 1, "the presence is still tied to its connection");
}

fn presence_update(client: u64, clock_bumps: usize, name: &str) -> AwarenessUpdate {
    let mut peer = Awareness::new(Doc::with_client_id(client));
    for _ in 0..=clock_bumps {
        peer.set_local_state_raw(format!(
            r##"{{"user":{{"name":"{name}","color":"#000"}}}}"##
        ));
    }
    peer.update().unwrap()
}

fn name_of(r: &RoomState<u32>, client: u64) -> Option<String> {
    let state: serde_json::Value = r.awareness().state(ClientID::new(client))?;
    Some(state["user"]["name"].as_str()?.to_owned())
}

#[test]
fn a_presence_belongs_to_the_connection_that_announced_it() {
    let mut r = synced_room(1);
    let mut out = vec![];
    r.join(2, &mut out);
    r.handle(
        1,
        Message::Awareness(presence_update(77, 0, "Ada")),
        &mut out,
    );
    out.clear();
    // Connection 2 sends a newer state for Ada's client id: dropped, nothing relayed.
    r.handle(
        2,
        Message::Awareness(presence_update(77, 5, "Mallory")),
        &mut out,
    );
    assert!(out.is_empty(), "{out:?}");
    assert_eq!(name_of(&r, 77).as_deref(), Some("Ada"));
    // Ada herself may change it.
    r.handle(
        1,
        Message::Awareness(presence_update(77, 6, "Ada L.")),
        &mut out,
    );
    assert_eq!(name_of(&r, 77).as_deref(), Some("Ada L."));
}

#[test]
fn presence_changes_wait_for_a_flush_and_go_out_as_one_frame() {
    let mut r = synced_room(1);
    let mut out = vec![];
    r.join(2, &mut out);
    r.join(3, &mut out);
    out.clear();
    r.handle(
        1,
        Message::Awareness(presence_update(5, 0, "Ada")),
        &mut out,
    );
    r.handle(
        2,
        Message::Awareness(presence_update(6, 0, "Bob")),
        &mut out,
    );
    r.handle(
        1,
        Message::Awareness(presence_update(5, 1, "Ada L.")),
        &mut out,
    );
    r.handle(3, Message::Awareness(presence_update(7, 0, "Cy")), &mut out);
    assert!(out.is_empty(), "held until the flush: {out:?}");
    assert!(r.presence_pending());
    // Applied at once: a connection joining now is told of them.
    assert_eq!(name_of(&r, 5).as_deref(), Some("Ada L."));
    // Cy leaves before the flush: the removal goes out now and the held state is dropped.
    r.leave(3, &mut out);
    assert_eq!(out.len(), 1, "{out:?}");
    out.clear();
    r.flush_presence(&mut out);
    let [Effect::Broadcast(frame)] = out.as_slice() else {
        panic!("one frame for everyone: {out:?}");
    };
    use yrs::updates::decoder::Decode;
    let Ok(Message::Awareness(sent)) = Message::decode_v1(frame) else {
        panic!("an awareness frame");
    };
    let mut clients: Vec<u64> = sent.clients.keys().map(ClientID::get).collect();
    clients.sort();
    assert_eq!(
        clients,
        [5, 6],
        "the latest of each who moved, not the one who left"
    );
    let ada: serde_json::Value =
        serde_json::from_str(&sent.clients[&ClientID::new(5)].json).unwrap();
    assert_eq!(ada["user"]["name"], "Ada L.");
    out.clear();
    r.flush_presence(&mut out);
    assert!(out.is_empty() && !r.presence_pending(), "nothing twice");
    // An update sent takes the held presence along, right behind it.
    r.handle(
        2,
        Message::Awareness(presence_update(6, 1, "Bob B.")),
        &mut out,
    );
    r.handle(
        1,
        Message::Sync(SyncMessage::Update(rect_update("a"))),
        &mut out,
    );
    assert!(!r.presence_pending());
    let frames: Vec<u8> = out
        .iter()
        .filter_map(|e| match e {
            Effect::Broadcast(frame) => frame.first().copied(),
            _ => None,
        })
        .collect();
    assert_eq!(frames, [0, 1], "the update, then the presence: {out:?}");
}

#[test]
fn too_many_or_too_large_presences_close_the_connection() {
    let mut r = synced_room(1);
    let mut out = vec![];
    for client in 0..MAX_PRESENCES_PER_CONNECTION as u64 {
        r.handle(
            1,
            Message::Awareness(presence_update(100 + client, 0, "x")),
            &mut out,
        );
    }
    assert!(!out.iter().any(|e| matches!(e, Effect::Close(..))));
    out.clear();
    r.handle(
        1,
        Message::Awareness(presence_update(999, 0, "x")),
        &mut out,
    );
    assert_eq!(out, vec![Effect::Close(1, Refusal::PresenceLimit)]);
    let mut r = synced_room(1);
    out.clear();
    let huge = "x".repeat(MAX_PRESENCE_BYTES);
    r.handle(
        1,
        Message::Awareness(presence_update(5, 0, &huge)),
        &mut out,
    );
    assert_eq!(out, vec![Effect::Close(1, Refusal::PresenceLimit)]);
    assert_eq!(name_of(&r, 5), None);
}

#[test]
fn join_sends_step1_first() {
    let mut r = room();
    let mut out = vec![];
    r.join(1, &mut out);
    assert!(matches!(&out[0], Effect::Reply(1, f) if f[0] == 0 && f[1] == 0));
}

#[test]
fn an_update_is_persisted_and_broadcast_once() {
    let mut r = room();
    let mut out = vec![];
    r.join(1, &mut out);
    out.clear();
    let u = rect_update("a");
    r.handle(1, Message::Sync(SyncMessage::Update(u.clone())), &mut out);
    assert_eq!(out.len(), 2);
    assert!(matches!(&out[1], Effect::Persist(p) if *p == u));
    out.clear();
    // The same update again changes nothing: nothing to store or send.
    r.handle(1, Message::Sync(SyncMessage::Update(u)), &mut out);
    assert!(out.is_empty());
}

#[test]
fn a_fresh_client_gets_the_current_board_after_every_change() {
    let mut r = room();
    let mut out = vec![];
    r.join(1, &mut out);
    let step1 = Message::Sync(SyncMessage::SyncStep1(StateVector::default()));
    let fresh_answer = |r: &mut RoomState<u32>| {
        let mut out = vec![];
        r.handle(1, step1.clone(), &mut out);
        let [Effect::Reply(1, frame)] = out.as_slice() else {
            panic!("{out:?}")
        };
        let Ok(msgs) = crate::protocol::decode_frame(frame) else {
            panic!()
        };
        let [Message::Sync(SyncMessage::SyncStep2(update))] = msgs.as_slice() else {
            panic!()
        };
        let doc = BoardDoc::new(Doc::new());
        doc.apply_remote(update, "r").unwrap();
        doc.shapes().unwrap().len()
    };
    assert_eq!(fresh_answer(&mut r), 0);
    r.handle(
        1,
        Message::Sync(SyncMessage::Update(rect_update("a"))),
        &mut out,
    );
    assert_eq!(fresh_answer(&mut r), 1);
    assert_eq!(fresh_answer(&mut r), 1);
    r.handle(
        1,
        Message::Sync(SyncMessage::Update(rect_update("b"))),
        &mut out,
    );
    assert_eq!(fresh_answer(&mut r), 2);
}

#[test]
fn an_update_with_missing_dependencies_asks_for_step1_and_stores_only_what_integrated() {
    let source = BoardDoc::new(Doc::new());
    let one = unit_shape("one", ShapeKind::Ellipse);
    let (_, first) = source.change("l", |t, b| b.put(t, &one)).unwrap();
    let (_, second) = source
        .change("l", |t, b| b.set_position(t, "one", 5.0, 5.0))
        .unwrap();
    let mut r = synced_room(1);
    let mut out = vec![];
    r.handle(
        1,
        Message::Sync(SyncMessage::Update(second.clone())),
        &mut out,
    );
    assert!(
        matches!(out.as_slice(), [Effect::Reply(1, f)] if f[..2] == [0, 0]),
        "{out:?}"
    );
    out.clear();
    // The peer answers with everything: the shape lands where it was moved.
    r.handle(1, Message::Sync(SyncMessage::SyncStep2(first)), &mut out);
    r.handle(1, Message::Sync(SyncMessage::Update(second)), &mut out);
    assert!(out.iter().any(|e| matches!(e, Effect::Persist(_))));
    assert!(!out.iter().any(|e| matches!(e, Effect::Close(..))));
    let doc = BoardDoc::new(Doc::new());
    doc.apply_remote(&r.snapshot(), "r").unwrap();
    let shapes = doc.shapes().unwrap();
    assert_eq!((shapes.len(), shapes[0].x), (1, 5.0));
}

#[test]
fn garbage_updates_close_the_sender_and_leave_the_document_alone() {
    let mut r = room();
    let mut out = vec![];
    r.join(1, &mut out);
    out.clear();
    r.handle(
        1,
        Message::Sync(SyncMessage::Update(vec![1, 2, 3])),
        &mut out,
    );
    assert_eq!(out, vec![Effect::Close(1, Refusal::InvalidUpdate)]);
    assert_eq!(r.snapshot(), room().snapshot());
}

#[test]
fn leaving_removes_the_awareness_it_announced() {
    let mut r = room();
    let mut out = vec![];
    r.join(1, &mut out);
    let mut peer = Awareness::new(Doc::with_client_id(77));
    peer.set_local_state_raw(r##"{"user":{"name":"A","color":"#000"}}"##);
    r.handle(1, Message::Awareness(peer.update().unwrap()), &mut out);
    out.clear();
    r.leave(1, &mut out);
    assert_eq!(out.len(), 1);
    assert!(r
        .awareness()
        .state::<serde_json::Value>(ClientID::new(77))
        .is_none());
}

#[test]
fn a_relayed_update_reaches_every_connection_and_is_not_stored_again() {
    let mut r = synced_room(1);
    let mut out = vec![];
    assert!(r.apply_relayed(rect_update("from-b"), &mut out));
    assert!(matches!(out.as_slice(), [Effect::Broadcast(_)]), "{out:?}");
    let doc = BoardDoc::new(Doc::new());
    doc.apply_remote(&r.snapshot(), "r").unwrap();
    assert_eq!(doc.shapes().unwrap().len(), 1);
    // One that depends on something the room lacks says so (the room then reloads).
    let [first, _] = gap_pair();
    out.clear();
    assert!(!r.apply_relayed(first, &mut out));
}

#[test]
fn relayed_presence_is_shown_here_but_cannot_touch_a_local_connections_presence() {
    let mut r = synced_room(1);
    let mut out = vec![];
    r.handle(
        1,
        Message::Awareness(presence_update(5, 0, "Local")),
        &mut out,
    );
    out.clear();
    // Another node relays a presence of its own and a forged one for client 5.
    let mut relayed = presence_update(6, 0, "Remote");
    relayed
        .clients
        .extend(presence_update(5, 3, "Forged").clients);
    r.apply_relayed_presence(relayed, &mut out);
    assert_eq!(name_of(&r, 6).as_deref(), Some("Remote"));
    assert_eq!(name_of(&r, 5).as_deref(), Some("Local"));
    assert_eq!(out.len(), 1);
    // Only this node's own presences are announced to other nodes.
    let frame = r.local_presence_frame().unwrap();
    use yrs::updates::decoder::Decode;
    let Ok(Message::Awareness(ours)) = Message::decode_v1(&frame) else {
        panic!("an awareness frame");
    };
    assert_eq!(
        ours.clients.keys().copied().collect::<Vec<_>>(),
        [ClientID::new(5)]
    );
    // The remote presence leaves when its node stops renewing it.
    out.clear();
    r.expire_awareness(u64::MAX, 1, &mut out);
    assert!(name_of(&r, 6).is_none());
}
