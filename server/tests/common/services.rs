//! The external services the cluster tests need: PostgreSQL and Redis, found through
//! `WB_TEST_POSTGRES_URL` and `WB_TEST_REDIS_URL` (`scripts/services start DIR` prints both;
//! `scripts/test` sets them). Without them a test is skipped with a line saying so, unless
//! `WB_REQUIRE_SERVICES=1`, where a missing service fails the test instead.

use sqlx::Connection;

const HOW: &str = "run through scripts/test, or start services with \
                   `eval \"$(scripts/services start DIR)\"`";

/// The value of `var`, or `None` after saying the test is skipped (a panic when services are
/// required).
fn service(var: &str, what: &str) -> Option<String> {
    match std::env::var(var) {
        Ok(url) if !url.is_empty() => Some(url),
        _ => {
            if std::env::var("WB_REQUIRE_SERVICES").as_deref() == Ok("1") {
                panic!("{var} is not set but WB_REQUIRE_SERVICES=1: {what} is required; {HOW}");
            }
            eprintln!("skipped: {var} is not set, so there is no {what} to test against; {HOW}");
            None
        }
    }
}

/// The URL of a new, empty PostgreSQL database of this test's own (`wb_<random hex>`), so
/// tests running in parallel never share one; `None` (the test is skipped) without a server.
pub async fn fresh_postgres() -> Option<String> {
    let url = service("WB_TEST_POSTGRES_URL", "PostgreSQL")?;
    let name = format!("wb_{:016x}", rand::random::<u64>());
    let mut conn = sqlx::PgConnection::connect(&url)
        .await
        .unwrap_or_else(|e| panic!("cannot connect to WB_TEST_POSTGRES_URL={url}: {e}"));
    sqlx::query(&format!("CREATE DATABASE {name}"))
        .execute(&mut conn)
        .await
        .unwrap_or_else(|e| panic!("cannot create database {name}: {e}"));
    let _ = conn.close().await;
    Some(with_database(&url, &name))
}

/// `url` with its database (the path) replaced by `name`, query string kept.
fn with_database(url: &str, name: &str) -> String {
    let (base, query) = match url.split_once('?') {
        Some((base, query)) => (base, Some(query)),
        None => (url, None),
    };
    let authority_start = base.find("://").map_or(0, |i| i + 3);
    let server = match base[authority_start..].find('/') {
        Some(slash) => &base[..authority_start + slash],
        None => base,
    };
    match query {
        Some(query) => format!("{server}/{name}?{query}"),
        None => format!("{server}/{name}"),
    }
}

/// The Redis server's URL; `None` (the test is skipped) without one.
pub fn redis_url() -> Option<String> {
    service("WB_TEST_REDIS_URL", "Redis")
}
