//! Who may call what: the permission checks every endpoint shares, kept in one place.
//!
//! The `Origin` rule. Browsers send `Origin` with every WebSocket upgrade and every `POST`; a
//! request that changes something must come from the board's own pages, or a web page anywhere
//! could make its visitors open sockets to boards (cross-site WebSocket hijacking), upload
//! files or create boards. Origins are compared whole (scheme, host and port), so
//! `chrome-extension://host:port` is not `http://host:port`. Which origin is the board's own:
//! - `WB_PUBLIC_ORIGIN` when set (plus `WB_ALLOWED_ORIGINS`);
//! - otherwise `http(s)://` + the `Host` the request was sent to, but only when that host is an
//!   IP address or `localhost`. A name could have been pointed at this server by someone else's
//!   DNS (DNS rebinding: `Host: evil.example:3000` with the matching `Origin`), so a server
//!   reached by a domain name must be told its origin.
//!
//! Requests without `Origin` (native and Node clients, which no web page can drive) pass.
//!
//! Links and roles. A board made from the home page has an *edit* link, a *view* link and a
//! *manage* token (to reset both links), each carrying 128 random bits, as `?key=` on the page,
//! the socket (`/ws/{id}?key=`, y-websocket's `params`) and the HTTP endpoints. Only their
//! SHA-256 is stored; keys are compared in constant time, and requests are logged without their
//! query. The view key is derived from the edit key (a hash of it), so that whoever edits can
//! hand out the view link while the view link reveals nothing of the edit key. A board without
//! links (made before links existed, or by a y-websocket client connecting to a new name) is
//! *open*: its bare link edits, until someone resets its links.

use axum::http::{header, HeaderMap};
use board::BoardId;
use sha2::{Digest, Sha256};

use crate::config::Config;
use crate::error::AppError;
use crate::store::{BoardStore, LinkHashes, StoreError};

/// The `?key=` of a page, socket or request.
#[derive(Debug, Default, serde::Deserialize)]
pub struct KeyParam {
    pub key: Option<String>,
}

/// What a link lets its holder do on a board.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    /// Draw and change everything; hand out the view link.
    Edit,
    /// See everything live and be seen (presence); change nothing.
    View,
}

/// A board's link keys as given to its creator, and again after a reset.
#[derive(Debug, Clone, serde::Serialize)]
pub struct LinkKeys {
    pub edit: String,
    pub view: String,
    pub manage: String,
}

impl LinkKeys {
    pub fn generate() -> Self {
        let edit = new_key();
        Self {
            view: view_key(&edit),
            edit,
            manage: new_key(),
        }
    }

    pub fn hashes(&self) -> LinkHashes {
        LinkHashes {
            edit: hash_key(&self.edit),
            view: hash_key(&self.view),
            manage: hash_key(&self.manage),
        }
    }
}

/// 128 random bits in 22 URL-safe characters.
fn new_key() -> String {
    BoardId::from_random(rand::random()).to_string()
}

/// The view key that goes with an edit key.
pub fn view_key(edit: &str) -> String {
    let digest = Sha256::new()
        .chain_update(b"whiteboard view link\0")
        .chain_update(edit.as_bytes())
        .finalize();
    let mut bits = [0u8; 16];
    bits.copy_from_slice(&digest[..16]);
    BoardId::from_random(bits).to_string()
}

fn hash_key(key: &str) -> [u8; 32] {
    Sha256::digest(key.as_bytes()).into()
}

/// Compares in time that depends only on the length (fixed here), not on where bytes differ.
pub fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// What `key` lets its holder do on board `id`: `None` when the board has links and the key
/// matches neither (or is missing). Open boards give everyone `Edit`.
pub async fn role(
    store: &dyn BoardStore,
    id: &BoardId,
    key: Option<&str>,
) -> Result<Option<Role>, StoreError> {
    let Some(links) = store.links(id).await? else {
        return Ok(Some(Role::Edit));
    };
    Ok(key.and_then(|key| role_of(&links, key)))
}

fn role_of(links: &LinkHashes, key: &str) -> Option<Role> {
    let h = hash_key(key);
    // Both compared, whichever matches, so the time does not tell which.
    let edit = constant_time_eq(&h, &links.edit);
    let view = constant_time_eq(&h, &links.view);
    if edit {
        Some(Role::Edit)
    } else if view {
        Some(Role::View)
    } else {
        None
    }
}

/// Whether `manage` is the board's manage key.
pub fn may_manage(links: &LinkHashes, manage: &str) -> bool {
    constant_time_eq(&hash_key(manage), &links.manage)
}

/// Refuses a request that would change board `id` unless `key` gives `Edit` (403 for a view
/// key, 404 for none: the board is not revealed).
pub async fn require_edit(
    store: &dyn BoardStore,
    id: &BoardId,
    key: Option<&str>,
) -> Result<(), AppError> {
    match role(store, id, key).await? {
        Some(Role::Edit) => Ok(()),
        Some(Role::View) => Err(AppError::Forbidden(
            "This is a view-only link: it cannot change the board.".into(),
        )),
        None => Err(no_such_link()),
    }
}

/// Board `board` (an id from a path) if `key` gives at least `needs` on it and it exists: the
/// check the file, version and copy endpoints start with (404 for a key that opens nothing or
/// an unknown board, 403 for a view key where editing is needed).
pub async fn open_board(
    store: &dyn BoardStore,
    board: &str,
    key: Option<&str>,
    needs: Role,
) -> Result<BoardId, AppError> {
    let board = BoardId::parse(board)?;
    match needs {
        Role::Edit => require_edit(store, &board, key).await?,
        Role::View => {
            role(store, &board, key).await?.ok_or_else(no_such_link)?;
        }
    }
    if !store.board_exists(&board).await? {
        return Err(AppError::NotFound("No such board.".into()));
    }
    Ok(board)
}

/// The answer for a key that opens nothing (a wrong, old or missing key).
pub fn no_such_link() -> AppError {
    AppError::NotFound(
        "This board link does not work (it may have been reset); ask for a new link.".into(),
    )
}

/// An origin in canonical form: lowercase scheme and host, the port always written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Origin {
    scheme: String,
    host: String,
    port: u16,
}

impl Origin {
    /// Parses `scheme://host[:port]` (a trailing `/` allowed); `None` for anything else,
    /// including the opaque origin `null`.
    pub fn parse(s: &str) -> Option<Origin> {
        let (scheme, rest) = s.trim().trim_end_matches('/').split_once("://")?;
        let scheme = scheme.to_ascii_lowercase();
        if rest.is_empty() || rest.contains(['/', '@', '?', '#']) {
            return None;
        }
        let (host, port) = split_host_port(rest)?;
        let port = match port {
            Some(port) => port,
            None => match scheme.as_str() {
                "http" => 80,
                "https" => 443,
                _ => 0,
            },
        };
        Some(Origin {
            scheme,
            host: host.to_ascii_lowercase(),
            port,
        })
    }

    fn is_web(&self) -> bool {
        self.scheme == "http" || self.scheme == "https"
    }

    /// True when the host is an IP address literal or `localhost`: names no one else's DNS
    /// can point here.
    fn host_is_literal(&self) -> bool {
        let bare = self.host.trim_start_matches('[').trim_end_matches(']');
        self.host == "localhost" || bare.parse::<std::net::IpAddr>().is_ok()
    }
}

/// Splits `host[:port]`, with `[v6]:port` for IPv6.
fn split_host_port(s: &str) -> Option<(&str, Option<u16>)> {
    if s.starts_with('[') {
        let end = s.find(']')?;
        let (host, rest) = s.split_at(end + 1);
        return match rest.strip_prefix(':') {
            Some(port) => Some((host, Some(port.parse().ok()?))),
            None if rest.is_empty() => Some((host, None)),
            None => None,
        };
    }
    match s.rsplit_once(':') {
        Some((host, port)) if !host.is_empty() => Some((host, Some(port.parse().ok()?))),
        Some(_) => None,
        None => Some((s, None)),
    }
}

/// Refuses browser requests from anywhere but the board's own origin (module header).
pub fn check_origin(headers: &HeaderMap, config: &Config) -> Result<(), AppError> {
    let Some(sent) = headers.get(header::ORIGIN) else {
        return Ok(());
    };
    let sent_text = sent.to_str().unwrap_or_default();
    let forbidden = || {
        AppError::Forbidden(format!(
            "Requests from origin {sent_text} are not allowed (the server's origin is set by WB_PUBLIC_ORIGIN)."
        ))
    };
    let origin = Origin::parse(sent_text).ok_or_else(forbidden)?;
    let listed = config
        .allowed_origins
        .iter()
        .filter_map(|a| Origin::parse(a))
        .any(|a| a == origin);
    if listed {
        return Ok(());
    }
    let own = match &config.public_origin {
        Some(public) => Origin::parse(public).is_some_and(|p| p == origin),
        None => {
            let host = headers
                .get(header::HOST)
                .and_then(|h| h.to_str().ok())
                .unwrap_or_default();
            let addressed = Origin::parse(&format!("{}://{host}", origin.scheme));
            origin.is_web() && origin.host_is_literal() && addressed.is_some_and(|a| a == origin)
        }
    };
    if own {
        Ok(())
    } else {
        Err(forbidden())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(host: &str, origin: Option<&str>) -> HeaderMap {
        let mut headers = HeaderMap::new();
        headers.insert(header::HOST, host.parse().unwrap());
        if let Some(origin) = origin {
            headers.insert(header::ORIGIN, origin.parse().unwrap());
        }
        headers
    }

    fn config(public: Option<&str>, allowed: &[&str]) -> Config {
        let mut config = Config::for_tests("sqlite::memory:".into());
        config.public_origin = public.map(str::to_owned);
        config.allowed_origins = allowed.iter().map(|s| s.to_string()).collect();
        config
    }

    fn passes(host: &str, origin: &str, config: &Config) -> bool {
        check_origin(&headers(host, Some(origin)), config).is_ok()
    }

    #[test]
    fn link_keys_give_their_roles_and_the_view_key_follows_the_edit_key() {
        let keys = LinkKeys::generate();
        let links = keys.hashes();
        assert_eq!(keys.edit.len(), 22);
        assert_eq!(keys.view, view_key(&keys.edit));
        assert_ne!(keys.view, keys.edit);
        assert_eq!(role_of(&links, &keys.edit), Some(Role::Edit));
        assert_eq!(role_of(&links, &keys.view), Some(Role::View));
        assert_eq!(role_of(&links, &keys.manage), None);
        assert_eq!(role_of(&links, ""), None);
        assert!(may_manage(&links, &keys.manage));
        assert!(!may_manage(&links, &keys.edit));
        let other = LinkKeys::generate();
        assert_eq!(role_of(&links, &other.edit), None);
        assert!(constant_time_eq(b"abc", b"abc") && !constant_time_eq(b"abc", b"abd"));
        assert!(!constant_time_eq(b"abc", b"ab"));
    }

    #[test]
    fn origins_parse_to_scheme_host_and_port() {
        let a = Origin::parse("HTTPS://Board.Example.com/").unwrap();
        assert_eq!(a, Origin::parse("https://board.example.com:443").unwrap());
        assert_ne!(a, Origin::parse("http://board.example.com:443").unwrap());
        assert_eq!(
            Origin::parse("http://[::1]:3000").unwrap(),
            Origin::parse("http://[::1]:3000/").unwrap()
        );
        for bad in [
            "null",
            "",
            "board.example.com",
            "http://",
            "http://a:b",
            "http://u@h",
        ] {
            assert_eq!(Origin::parse(bad), None, "{bad}");
        }
    }

    #[test]
    fn without_a_public_origin_only_literal_hosts_are_same_origin() {
        let config = config(None, &[]);
        assert!(check_origin(&headers("127.0.0.1:3000", None), &config).is_ok());
        assert!(passes("127.0.0.1:3000", "http://127.0.0.1:3000", &config));
        assert!(passes("localhost:3000", "http://localhost:3000", &config));
        assert!(passes("[::1]:3000", "http://[::1]:3000", &config));
        assert!(passes("192.168.1.5", "http://192.168.1.5:80", &config));
        // The scheme counts.
        assert!(!passes(
            "127.0.0.1:3000",
            "chrome-extension://127.0.0.1:3000",
            &config
        ));
        // DNS rebinding: a name pointed at this server by someone else's DNS.
        assert!(!passes(
            "evil.example:3000",
            "http://evil.example:3000",
            &config
        ));
        assert!(!passes("127.0.0.1:3000", "http://127.0.0.1:3001", &config));
        assert!(!passes("127.0.0.1:3000", "null", &config));
    }

    #[test]
    fn a_public_origin_is_matched_whole() {
        let config = config(
            Some("https://board.example.com"),
            &["https://app.example.com/"],
        );
        assert!(passes(
            "board.example.com",
            "https://board.example.com",
            &config
        ));
        assert!(passes(
            "board.example.com",
            "https://app.example.com",
            &config
        ));
        for foreign in [
            "http://board.example.com",
            "https://board.example.com:8443",
            "https://board.example.com.evil.example",
            "https://evil.example",
        ] {
            assert!(!passes("board.example.com", foreign, &config), "{foreign}");
        }
        // The Host no longer decides: the configured origin does.
        assert!(!passes("127.0.0.1:3000", "http://127.0.0.1:3000", &config));
    }
}
