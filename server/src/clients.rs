//! Who a request comes from, and what one client address may still do: the limits that stop a
//! single client from taking what every other visitor needs.
//!
//! A client is its IP address (an IPv6 client by its /64 network, which one host usually
//! holds whole). Behind a reverse proxy every request comes from the proxy, so requests from
//! the configured trusted proxies are taken to come from the address they name in
//! `X-Forwarded-For`; anyone else's `X-Forwarded-For` is ignored, since a client can write any
//! header it likes.
//!
//! Per address: WebSocket connections held at once ([`AddrSlot`]), boards created and images
//! uploaded per minute (token buckets from `governor`), and room reloads caused (a connection
//! whose update broke a document is closed and the room rebuilt from storage; an address that
//! did it [`MAX_RELOADS`] times in [`RELOAD_WINDOW`] is refused new connections until the window
//! has passed).

use std::collections::{HashMap, VecDeque};
use std::net::{IpAddr, Ipv6Addr, SocketAddr};
use std::num::NonZeroU32;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::extract::{ConnectInfo, FromRequestParts};
use axum::http::request::Parts;
use axum::http::HeaderMap;
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};
use ipnet::IpNet;

use crate::AppState;

/// Room reloads one address may cause within [`RELOAD_WINDOW`] before it is refused.
pub const MAX_RELOADS: usize = 3;
pub const RELOAD_WINDOW: Duration = Duration::from_secs(600);

/// The address a request is counted against (see the module header).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct ClientAddr(pub IpAddr);

impl ClientAddr {
    /// The address as seen past trusted proxies, reduced to the key limits count by.
    pub fn resolve(peer: IpAddr, headers: &HeaderMap, trusted: &[IpNet]) -> Self {
        let is_trusted = |ip: &IpAddr| trusted.iter().any(|net| net.contains(ip));
        let mut client = canonical(peer);
        if is_trusted(&client) {
            // Right to left: each hop appended the address it received from; the first one
            // that is not a trusted proxy is the client.
            let hops = headers
                .get_all("x-forwarded-for")
                .iter()
                .filter_map(|v| v.to_str().ok())
                .flat_map(|v| v.split(','))
                .map(|hop| hop.trim().parse::<IpAddr>().ok())
                .collect::<Vec<_>>();
            for hop in hops.into_iter().rev() {
                let Some(hop) = hop.map(canonical) else {
                    break; // a malformed entry: trust nothing to its left
                };
                client = hop;
                if !is_trusted(&hop) {
                    break;
                }
            }
        }
        ClientAddr(key(client))
    }

    pub fn is_loopback(self) -> bool {
        self.0.is_loopback()
    }
}

impl std::fmt::Display for ClientAddr {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.0.fmt(f)
    }
}

/// An IPv4 address written as IPv6 (`::ffff:a.b.c.d`) is the IPv4 address.
fn canonical(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(ip, IpAddr::V4),
        v4 => v4,
    }
}

/// IPv6 addresses count by their /64 network.
fn key(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V6(v6) if !v6.is_loopback() => {
            let bits = u128::from(v6) & !((1u128 << 64) - 1);
            IpAddr::V6(Ipv6Addr::from(bits))
        }
        other => other,
    }
}

impl FromRequestParts<AppState> for ClientAddr {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let peer = parts
            .extensions
            .get::<ConnectInfo<SocketAddr>>()
            .map_or(IpAddr::from([0, 0, 0, 0]), |c| c.0.ip());
        let trusted = &state.rooms.config().trusted_proxies;
        Ok(ClientAddr::resolve(peer, &parts.headers, trusted))
    }
}

/// Why an address is refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AddrRefused {
    /// It holds as many connections as one address may.
    Connections,
    /// Its connections broke documents too often lately.
    Reloads,
}

/// What every client address has used.
pub struct Clients {
    max_connections: usize,
    connections: Mutex<HashMap<IpAddr, usize>>,
    reloads: Mutex<HashMap<IpAddr, VecDeque<Instant>>>,
    creations: DefaultKeyedRateLimiter<IpAddr>,
    uploads: DefaultKeyedRateLimiter<IpAddr>,
}

fn per_minute(n: u32) -> Quota {
    Quota::per_minute(NonZeroU32::new(n.max(1)).expect("at least 1"))
}

impl Clients {
    pub fn new(
        max_connections: usize,
        boards_per_minute: u32,
        uploads_per_minute: u32,
    ) -> Arc<Self> {
        Arc::new(Clients {
            max_connections,
            connections: Mutex::new(HashMap::new()),
            reloads: Mutex::new(HashMap::new()),
            creations: RateLimiter::keyed(per_minute(boards_per_minute)),
            uploads: RateLimiter::keyed(per_minute(uploads_per_minute)),
        })
    }

    /// Takes a connection place for `addr`, given back when the slot is dropped.
    pub fn connect(self: &Arc<Self>, addr: ClientAddr) -> Result<AddrSlot, AddrRefused> {
        if self.recent_reloads(addr, Instant::now()) >= MAX_RELOADS {
            return Err(AddrRefused::Reloads);
        }
        let mut connections = lock(&self.connections);
        let held = connections.entry(addr.0).or_default();
        if *held >= self.max_connections {
            return Err(AddrRefused::Connections);
        }
        *held += 1;
        Ok(AddrSlot {
            clients: self.clone(),
            addr,
        })
    }

    /// False when `addr` has created its share of boards this minute.
    pub fn may_create_board(&self, addr: ClientAddr) -> bool {
        self.creations.check_key(&addr.0).is_ok()
    }

    /// False when `addr` has uploaded its share of images this minute.
    pub fn may_upload(&self, addr: ClientAddr) -> bool {
        self.uploads.check_key(&addr.0).is_ok()
    }

    /// Records that a connection from `addr` broke a document (its room was reloaded).
    pub fn note_reload(&self, addr: ClientAddr) {
        let now = Instant::now();
        let mut reloads = lock(&self.reloads);
        let times = reloads.entry(addr.0).or_default();
        times.push_back(now);
        while times.len() > MAX_RELOADS {
            times.pop_front();
        }
    }

    fn recent_reloads(&self, addr: ClientAddr, now: Instant) -> usize {
        lock(&self.reloads).get(&addr.0).map_or(0, |times| {
            times
                .iter()
                .filter(|t| now.duration_since(**t) < RELOAD_WINDOW)
                .count()
        })
    }

    /// Forgets addresses with nothing left to count, so the maps stay as small as the set of
    /// recent clients.
    pub fn forget_idle(&self) {
        let now = Instant::now();
        lock(&self.reloads).retain(|_, times| {
            times.retain(|t| now.duration_since(*t) < RELOAD_WINDOW);
            !times.is_empty()
        });
        for limiter in [&self.creations, &self.uploads] {
            limiter.retain_recent();
            limiter.shrink_to_fit();
        }
    }
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

/// A connection's place among its address's; dropping it gives the place back.
pub struct AddrSlot {
    clients: Arc<Clients>,
    addr: ClientAddr,
}

impl AddrSlot {
    pub fn addr(&self) -> ClientAddr {
        self.addr
    }
}

impl Drop for AddrSlot {
    fn drop(&mut self) {
        let mut connections = lock(&self.clients.connections);
        if let Some(n) = connections.get_mut(&self.addr.0) {
            *n -= 1;
            if *n == 0 {
                connections.remove(&self.addr.0);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn xff(value: &str) -> HeaderMap {
        let mut headers = HeaderMap::new();
        headers.insert("x-forwarded-for", value.parse().unwrap());
        headers
    }

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    #[test]
    fn forwarded_for_counts_only_from_a_trusted_proxy() {
        let proxies: Vec<IpNet> = vec!["10.0.0.0/8".parse().unwrap()];
        let headers = xff("6.6.6.6, 203.0.113.9, 10.1.2.3");
        // From the proxy: the right-most address that is not a proxy.
        let via_proxy = ClientAddr::resolve(ip("10.0.0.1"), &headers, &proxies);
        assert_eq!(via_proxy, ClientAddr(ip("203.0.113.9")));
        // From anyone else: the header is the client's own claim, ignored.
        let direct = ClientAddr::resolve(ip("198.51.100.7"), &headers, &proxies);
        assert_eq!(direct, ClientAddr(ip("198.51.100.7")));
        // Without the header, or with garbage in it, the proxy itself is the client.
        let bare = ClientAddr::resolve(ip("10.0.0.1"), &HeaderMap::new(), &proxies);
        assert_eq!(bare, ClientAddr(ip("10.0.0.1")));
        let garbage = ClientAddr::resolve(ip("10.0.0.1"), &xff("1.2.3.4, nonsense"), &proxies);
        assert_eq!(garbage, ClientAddr(ip("10.0.0.1")));
    }

    #[test]
    fn ipv6_counts_by_its_64_network_and_mapped_ipv4_as_ipv4() {
        let a = ClientAddr::resolve(ip("2001:db8:1:2:aaaa::1"), &HeaderMap::new(), &[]);
        let b = ClientAddr::resolve(ip("2001:db8:1:2:bbbb::2"), &HeaderMap::new(), &[]);
        assert_eq!(a, b);
        assert_eq!(a, ClientAddr(ip("2001:db8:1:2::")));
        let mapped = ClientAddr::resolve(ip("::ffff:192.0.2.1"), &HeaderMap::new(), &[]);
        assert_eq!(mapped, ClientAddr(ip("192.0.2.1")));
    }

    #[test]
    fn connection_places_are_capped_per_address_and_given_back() {
        let clients = Clients::new(2, 10, 10);
        let a = ClientAddr(ip("192.0.2.1"));
        let first = clients.connect(a).unwrap();
        let _second = clients.connect(a).unwrap();
        assert_eq!(clients.connect(a).err(), Some(AddrRefused::Connections));
        assert!(clients.connect(ClientAddr(ip("192.0.2.2"))).is_ok());
        drop(first);
        assert!(clients.connect(a).is_ok());
    }

    #[test]
    fn an_address_that_keeps_breaking_documents_is_refused() {
        let clients = Clients::new(10, 10, 10);
        let a = ClientAddr(ip("192.0.2.1"));
        for _ in 0..MAX_RELOADS - 1 {
            clients.note_reload(a);
        }
        assert!(clients.connect(a).is_ok());
        clients.note_reload(a);
        assert_eq!(clients.connect(a).err(), Some(AddrRefused::Reloads));
        assert!(clients.connect(ClientAddr(ip("192.0.2.2"))).is_ok());
    }

    #[test]
    fn creations_are_rate_limited_per_address() {
        let clients = Clients::new(10, 3, 10);
        let a = ClientAddr(ip("192.0.2.1"));
        assert!((0..3).all(|_| clients.may_create_board(a)));
        assert!(!clients.may_create_board(a));
        assert!(clients.may_create_board(ClientAddr(ip("192.0.2.2"))));
    }
}
