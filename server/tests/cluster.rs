//! Cluster mode with real processes: server nodes sharing PostgreSQL, relayed through Redis.
//! Each test states one fault or promise; the services come from `scripts/test` (tests that
//! stop PostgreSQL or Redis start their own through `scripts/services`).

mod common;

use std::process::Command;
use std::time::{Duration, Instant};

use common::cluster::{eventually, Private, Shared, CONVERGE};
use common::process::free_port;
use common::Client;
use tokio_tungstenite::tungstenite::protocol::frame::coding::CloseCode;
use yrs::sync::{Awareness, Message};
use yrs::updates::encoder::Encode;
use yrs::{ClientID, Doc};

fn board(name: &str) -> String {
    format!("{name}-{:016x}", rand::random::<u64>())
}

/// Reads until the client holds at least `n` shapes.
async fn until_shapes(client: &mut Client, n: usize, what: &str) {
    let deadline = tokio::time::Instant::now() + CONVERGE;
    while client.shape_ids().len() < n {
        assert!(
            tokio::time::Instant::now() < deadline,
            "{what}: {} of {n} shapes",
            client.shape_ids().len()
        );
        let _ = tokio::time::timeout(Duration::from_millis(100), client.next_message()).await;
    }
}

/// Reads whatever arrives for `time`.
async fn drain(client: &mut Client, time: Duration) {
    let _ = tokio::time::timeout(time, async {
        while client.next_message().await.is_some() {}
    })
    .await;
}

/// An awareness frame announcing `name` as awareness client `id`.
fn presence(id: u64, name: &str) -> Vec<u8> {
    let mut awareness = Awareness::new(Doc::with_client_id(id));
    awareness
        .set_local_state(serde_json::json!({ "user": { "name": name, "color": "#e03131" } }))
        .unwrap();
    Message::Awareness(awareness.update().unwrap()).encode_v1()
}

/// Reads until the last awareness news about client `id` is `announced` (or its removal).
async fn until_presence(client: &mut Client, id: u64, announced: bool, within: Duration) {
    let deadline = tokio::time::Instant::now() + within;
    while present(client, id) != announced {
        assert!(
            tokio::time::Instant::now() < deadline,
            "presence {id} not {} within {within:?}",
            if announced { "announced" } else { "removed" }
        );
        let _ = tokio::time::timeout(Duration::from_millis(100), client.next_message()).await;
    }
}

/// Whether the last awareness message about client `id` announced it (true) or removed it.
fn present(client: &Client, id: u64) -> bool {
    client
        .received
        .iter()
        .rev()
        .find_map(|m| match m {
            Message::Awareness(u) => u
                .clients
                .get(&ClientID::new(id))
                .map(|e| &*e.json != "null"),
            _ => None,
        })
        .unwrap_or(false)
}

#[tokio::test]
async fn updates_and_cursors_cross_from_node_to_node_both_ways() {
    let Some(shared) = Shared::new().await else {
        return;
    };
    let a = shared.node(&[]).await;
    let b = shared.node(&[]).await;
    let id = board("cross");
    let mut on_a = Client::connect(&a.ws_url(&id)).await;
    let mut on_b = Client::connect(&b.ws_url(&id)).await;

    on_a.add_rect("from-a", 0.0).await;
    until_shapes(&mut on_b, 1, "A's shape on B").await;
    on_b.add_rect("from-b", 100.0).await;
    until_shapes(&mut on_a, 2, "B's shape on A").await;
    assert_eq!(on_a.shape_ids(), on_b.shape_ids());

    on_a.send(presence(7001, "Ada")).await;
    on_b.wait_for(
        |m| matches!(m, Message::Awareness(u) if u.clients.contains_key(&ClientID::new(7001))),
    )
    .await;
    on_b.send(presence(7002, "Bo")).await;
    on_a.wait_for(
        |m| matches!(m, Message::Awareness(u) if u.clients.contains_key(&ClientID::new(7002))),
    )
    .await;
    // Leaving removes the presence on the other node at once, not at a timeout.
    drop(on_a);
    until_presence(&mut on_b, 7001, false, Duration::from_secs(3)).await;
    assert!(b.metric("whiteboard_relay_messages_in_total").await >= 2.0);
    a.stop().await;
    b.stop().await;
}

#[tokio::test]
async fn a_late_joiner_on_b_gets_what_was_written_on_a() {
    let Some(shared) = Shared::new().await else {
        return;
    };
    let a = shared.node(&[]).await;
    let b = shared.node(&[]).await;
    let id = board("late");
    let mut writer = Client::connect(&a.ws_url(&id)).await;
    for i in 0..30 {
        writer.add_rect(&format!("s{i}"), i as f64).await;
        writer.wait_update().await;
    }
    let late = Client::connect(&b.ws_url(&id)).await;
    assert_eq!(late.shape_ids().len(), 30);
    a.stop().await;
    b.stop().await;
}

#[tokio::test]
async fn both_nodes_writing_one_board_converge_with_gap_free_sequence_numbers() {
    const EACH: usize = 100;
    let Some(shared) = Shared::new().await else {
        return;
    };
    let env = [("WB_COMPACT_EVERY", "100000")];
    let a = shared.node(&env).await;
    let b = shared.node(&env).await;
    let id = board("both");
    let mut on_a = Client::connect(&a.ws_url(&id)).await;
    let mut on_b = Client::connect(&b.ws_url(&id)).await;
    let write = |mut c: Client, tag: &'static str| async move {
        for i in 0..EACH {
            c.add_rect(&format!("{tag}{i}"), i as f64).await;
        }
        c
    };
    let (ca, cb) = tokio::join!(write(on_a, "a"), write(on_b, "b"));
    on_a = ca;
    on_b = cb;
    until_shapes(&mut on_a, 2 * EACH, "both writers' shapes on A").await;
    until_shapes(&mut on_b, 2 * EACH, "both writers' shapes on B").await;
    let mut ids_a = on_a.shape_ids();
    let mut ids_b = on_b.shape_ids();
    ids_a.sort();
    ids_b.sort();
    assert_eq!(ids_a, ids_b);

    let mut db = <sqlx::PgConnection as sqlx::Connection>::connect(&shared.postgres)
        .await
        .unwrap();
    let (count, min, max): (i64, i64, i64) = sqlx::query_as(
        "SELECT COUNT(*), MIN(seq), MAX(seq) FROM board_updates WHERE board_id = $1",
    )
    .bind(&id)
    .fetch_one(&mut db)
    .await
    .unwrap();
    assert_eq!(
        (min, max),
        (1, count),
        "sequence numbers 1..={count} without a gap"
    );
    a.stop().await;
    b.stop().await;
}

#[tokio::test]
async fn killing_a_node_loses_nothing_a_client_saw_and_its_clients_move_to_the_other() {
    const SENT_BEFORE: usize = 120;
    const SENT_AFTER: usize = 30;
    let Some(shared) = Shared::new().await else {
        return;
    };
    let env = [("WB_AWARENESS_TIMEOUT_MS", "3000")];
    let a = shared.node(&env).await;
    let b = shared.node(&env).await;
    let id = board("kill");
    let mut writer = Client::connect(&a.ws_url(&id)).await;
    let mut seen_on_a = Client::connect(&a.ws_url(&id)).await;
    let mut on_b = Client::connect(&b.ws_url(&id)).await;
    let mut cursor = Client::connect(&a.ws_url(&id)).await;
    cursor.send(presence(7101, "Cy")).await;
    on_b.wait_for(
        |m| matches!(m, Message::Awareness(u) if u.clients.contains_key(&ClientID::new(7101))),
    )
    .await;

    // A stream at about 100 updates a second, with A killed in the middle of it.
    for i in 0..SENT_BEFORE {
        writer.add_rect(&format!("w{i}"), i as f64).await;
        tokio::time::sleep(Duration::from_millis(10)).await;
        if i == SENT_BEFORE / 2 {
            drain(&mut seen_on_a, Duration::from_millis(20)).await;
        }
    }
    drain(&mut seen_on_a, Duration::from_millis(5)).await;
    a.kill().await;
    let echoed = seen_on_a.shape_ids();
    assert!(echoed.len() > SENT_BEFORE / 2, "A echoed {}", echoed.len());

    // Everything A echoed to anyone is on B, for a newcomer and for the client already there.
    let newcomer = Client::connect(&b.ws_url(&id)).await;
    let on_b_now = newcomer.shape_ids();
    for shape in &echoed {
        assert!(
            on_b_now.contains(shape),
            "{shape} was echoed by A, missing on B"
        );
    }
    // The writer reconnects to B with its document (what A never committed included).
    let mut writer = Client::connect_with(&b.ws_url(&id), writer.board).await;
    for i in 0..SENT_AFTER {
        writer.add_rect(&format!("after{i}"), i as f64).await;
    }
    until_shapes(&mut on_b, SENT_BEFORE + SENT_AFTER, "every shape on B").await;
    // A's presences leave through the normal timeout (3 s here).
    until_presence(&mut on_b, 7101, false, Duration::from_secs(8)).await;
    b.stop().await;
}

#[tokio::test]
async fn a_redis_restart_loses_nothing_and_nodes_converge_within_seconds() {
    let Some(private) = Private::start() else {
        return;
    };
    let a = private.shared.node(&[]).await;
    let b = private.shared.node(&[]).await;
    let id = board("redis");
    let mut writer = Client::connect(&a.ws_url(&id)).await;
    let mut on_b = Client::connect(&b.ws_url(&id)).await;
    for i in 0..20 {
        writer.add_rect(&format!("before{i}"), i as f64).await;
    }
    until_shapes(&mut on_b, 20, "before the restart").await;

    private.stop("redis");
    eventually(Duration::from_secs(5), "health says degraded", || async {
        let health = reqwest::get(a.http_url("/healthz")).await.unwrap();
        health.status() == 200 && health.text().await.unwrap().starts_with("degraded")
    })
    .await;
    for i in 0..20 {
        writer.add_rect(&format!("during{i}"), i as f64).await;
        writer.wait_update().await;
    }
    private.resume("redis");
    let back = Instant::now();
    until_shapes(&mut on_b, 40, "written while Redis was down").await;
    for i in 0..20 {
        writer.add_rect(&format!("after{i}"), i as f64).await;
    }
    until_shapes(&mut on_b, 60, "after the restart").await;
    eprintln!("converged {:?} after Redis came back", back.elapsed());
    let mut ids_w = writer.shape_ids();
    let mut ids_b = on_b.shape_ids();
    ids_w.sort();
    ids_b.sort();
    assert_eq!(ids_w, ids_b);
    // Live relaying is back (not only the periodic check).
    eventually(Duration::from_secs(5), "relay reconnected", || async {
        a.metric("whiteboard_relay_connected").await == 1.0
    })
    .await;
    a.stop().await;
    b.stop().await;
}

#[tokio::test]
async fn with_postgres_stopped_writes_are_refused_nothing_uncommitted_is_echoed_and_service_resumes(
) {
    let Some(private) = Private::start() else {
        return;
    };
    let a = private.shared.node(&[]).await;
    let b = private.shared.node(&[]).await;
    let id = board("pg");
    let mut on_a = Client::connect(&a.ws_url(&id)).await;
    let mut on_b = Client::connect(&b.ws_url(&id)).await;
    on_a.add_rect("kept", 0.0).await;
    until_shapes(&mut on_b, 1, "before the stop").await;

    private.stop("pg");
    on_a.add_rect("uncommitted", 10.0).await;
    assert_eq!(
        on_a.close_code().await,
        Some(CloseCode::Error),
        "1011 storage"
    );
    drain(&mut on_b, Duration::from_millis(500)).await;
    assert_eq!(on_b.shape_ids(), ["kept"], "B saw nothing uncommitted");

    private.resume("pg");
    // New connections work again, and nobody was ever sent the uncommitted shape.
    let deadline = Instant::now() + Duration::from_secs(10);
    let fresh = loop {
        // A refused connection panics inside the helper; a task keeps that here.
        let url = a.ws_url(&id);
        let attempt = tokio::spawn(async move {
            tokio::time::timeout(Duration::from_secs(2), Client::connect(&url)).await
        });
        if let Ok(Ok(client)) = attempt.await {
            break client;
        }
        assert!(Instant::now() < deadline, "A serves again within 10 s");
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    assert_eq!(fresh.shape_ids(), ["kept"]);
    // The refused client comes back with its document: its change is committed now, and crosses.
    let mut back = Client::connect_with(&a.ws_url(&id), on_a.board).await;
    back.add_rect("after", 20.0).await;
    until_shapes(&mut on_b, 3, "the refused change and a new one, on B").await;
    a.stop().await;
    b.stop().await;
}

#[tokio::test]
async fn both_nodes_compacting_one_board_at_once_lose_nothing() {
    const EACH: usize = 150;
    let Some(shared) = Shared::new().await else {
        return;
    };
    let env = [("WB_COMPACT_EVERY", "20")];
    let a = shared.node(&env).await;
    let b = shared.node(&env).await;
    let id = board("compact");
    let on_a = Client::connect(&a.ws_url(&id)).await;
    let on_b = Client::connect(&b.ws_url(&id)).await;
    let write = |mut c: Client, tag: &'static str| async move {
        for i in 0..EACH {
            c.add_rect(&format!("{tag}{i}"), i as f64).await;
            c.wait_update().await;
        }
        c
    };
    let (mut on_a, mut on_b) = tokio::join!(write(on_a, "a"), write(on_b, "b"));
    until_shapes(&mut on_a, 2 * EACH, "on A").await;
    until_shapes(&mut on_b, 2 * EACH, "on B").await;
    // A third node loads the board from what the two compacted.
    let c = shared.node(&[]).await;
    let loaded = Client::connect(&c.ws_url(&id)).await;
    assert_eq!(loaded.shape_ids().len(), 2 * EACH);
    let mut db = <sqlx::PgConnection as sqlx::Connection>::connect(&shared.postgres)
        .await
        .unwrap();
    let snapshots: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM board_snapshots WHERE board_id = $1")
            .bind(&id)
            .fetch_one(&mut db)
            .await
            .unwrap();
    assert!(snapshots >= 1, "the board was compacted");
    for node in [a, b, c] {
        node.stop().await;
    }
}

#[tokio::test]
async fn the_connection_limit_of_a_board_holds_across_nodes() {
    let Some(shared) = Shared::new().await else {
        return;
    };
    let env = [("WB_MAX_CONNECTIONS_PER_BOARD", "3")];
    let a = shared.node(&env).await;
    let b = shared.node(&env).await;
    let id = board("limit");
    let _a1 = Client::connect(&a.ws_url(&id)).await;
    let _a2 = Client::connect(&a.ws_url(&id)).await;
    let _b1 = Client::connect(&b.ws_url(&id)).await;
    eventually(
        Duration::from_secs(5),
        "a fourth connection refused on B",
        || async {
            match tokio_tungstenite::connect_async(b.ws_url(&id)).await {
                Err(tokio_tungstenite::tungstenite::Error::Http(r)) => r.status() == 503,
                _ => false,
            }
        },
    )
    .await;
    a.stop().await;
    b.stop().await;
}

#[tokio::test]
async fn a_link_reset_or_a_deletion_on_one_node_closes_the_board_on_the_other() {
    let Some(shared) = Shared::new().await else {
        return;
    };
    let a = shared.node(&[]).await;
    let b = shared.node(&[]).await;
    let http = reqwest::Client::new();
    let created = http
        .post(a.http_url("/boards"))
        .header("accept", "application/json")
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let created: serde_json::Value = serde_json::from_str(&created).unwrap();
    let board = common::Board::from_created(&created);
    let mut on_b = Client::connect(&b.ws_url(&board.keyed())).await;
    let reset = http
        .post(a.http_url(&format!("/boards/{}/links/reset", board.id)))
        .header("x-board-manage", &board.manage)
        .send()
        .await
        .unwrap();
    assert_eq!(reset.status(), 200);
    assert_eq!(on_b.close_code().await.map(u16::from), Some(4001));

    let keys: serde_json::Value = serde_json::from_str(&reset.text().await.unwrap()).unwrap();
    let board = common::Board::from_created(&serde_json::json!({ "id": board.id, "keys": keys }));
    let mut on_b = Client::connect(&b.ws_url(&board.keyed())).await;
    let deleted = http
        .delete(a.http_url(&format!("/boards/{}", board.id)))
        .header("x-board-manage", &board.manage)
        .send()
        .await
        .unwrap();
    assert_eq!(deleted.status(), 204);
    assert_eq!(on_b.close_code().await.map(u16::from), Some(4004));
    a.stop().await;
    b.stop().await;
}

#[test]
fn a_database_url_of_no_known_kind_or_a_relay_without_postgres_stops_start_up() {
    let start = |env: &[(&str, &str)]| {
        let out = Command::new(env!("CARGO_BIN_EXE_server"))
            .env("LEPTOS_SITE_ADDR", format!("127.0.0.1:{}", free_port()))
            .envs(env.iter().copied())
            .output()
            .unwrap();
        assert!(!out.status.success());
        String::from_utf8_lossy(&out.stderr).into_owned()
    };
    let unknown = start(&[("DATABASE_URL", "mysql://root:secret@127.0.0.1/boards")]);
    assert!(
        unknown.contains("DATABASE_URL must start with sqlite://"),
        "{unknown}"
    );
    assert!(!unknown.contains("secret"), "{unknown}");
    let dir = tempfile::tempdir().unwrap();
    let sqlite = format!("sqlite://{}", dir.path().join("x.db").display());
    let relay = start(&[
        ("DATABASE_URL", sqlite.as_str()),
        ("WB_RELAY_URL", "redis://127.0.0.1:6379"),
    ]);
    assert!(relay.contains("DATABASE_URL=postgres://"), "{relay}");
    assert!(!dir.path().join("x.db").exists(), "nothing was created");
}
