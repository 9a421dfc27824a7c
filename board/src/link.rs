//! Links on shapes: a web address, or another shape of the same board. What a person types is
//! parsed here, and what a document holds is read back through the same rules, so a
//! `javascript:` link (or `data:`, `vbscript:`, `file:`, …) is refused when it is set and never
//! opened even if a foreign client wrote it into the document.
//!
//! The stored form (a shape's `link` field, see [`crate::layout`]) is either an absolute
//! `http:`, `https:` or `mailto:` address, or `#shape=<id>` for a shape of the same board.
//! "Copy link to shape" gives the board's address with that fragment
//! (`https://host/b/<board>?key=…#shape=<id>`, see [`shape_url`]); pasted as a link on the
//! same board it becomes `#shape=<id>`, so the page's key never goes into the document.
//!
//! Rules for typed text: surrounding spaces and control characters are trimmed (as browsers
//! trim them); spaces, control and invisible characters inside are refused (browsers drop tabs
//! and line breaks inside an address, which would turn `java\tscript:` into `javascript:`); a
//! scheme other than `http`, `https` or `mailto` is refused whatever its case; an address
//! without a scheme (`example.com`, `localhost:3000/x`) becomes `https://…`; a relative path
//! (`/b/…`, `./x`, `?q`) is refused, as the board has no address of its own to resolve it on.

/// The longest link kept.
pub const MAX_LINK_CHARS: usize = 2048;
/// The longest shape id a link may name.
const MAX_ID_CHARS: usize = 200;
/// The fragment that names a shape, in stored links and in the addresses "Copy link to shape"
/// gives.
pub const SHAPE_FRAGMENT: &str = "shape=";

/// Where a link leads.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Link {
    /// An absolute `http:`, `https:` or `mailto:` address, opened in a new tab without opener
    /// or referrer.
    Url(String),
    /// A shape of the same board (its id): following it selects the shape and centres the
    /// view on it.
    Shape(String),
}

/// Why typed text is not a link. The messages are written for the person who typed it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LinkError {
    #[error("The link is empty.")]
    Empty,
    #[error("“{0}:” links are not allowed. A link must be a web address (https://…) or mailto:.")]
    Scheme(String),
    #[error("A link cannot contain spaces, line breaks or invisible characters.")]
    Characters,
    #[error("A relative link cannot be followed. Write the full address (https://…).")]
    Relative,
    #[error("The address has no host name after “//”.")]
    NoHost,
    #[error("The link is too long (at most {MAX_LINK_CHARS} characters).")]
    TooLong,
    #[error("The link to a shape does not name one.")]
    NoShape,
}

impl Link {
    /// Parses what a person typed as a link on board `board` (its id: an address of this
    /// board with `#shape=<id>` becomes a link to that shape; empty to recognise none).
    pub fn parse(text: &str, board: &str) -> Result<Link, LinkError> {
        let text = text.trim_matches(|c: char| c.is_whitespace() || c.is_control());
        if text.is_empty() {
            return Err(LinkError::Empty);
        }
        if text.chars().count() > MAX_LINK_CHARS {
            return Err(LinkError::TooLong);
        }
        if text.chars().any(hidden) {
            return Err(LinkError::Characters);
        }
        if let Some(id) = text.strip_prefix('#').and_then(shape_fragment) {
            return shape_id(id).map(Link::Shape);
        }
        let url = match scheme(text) {
            Some((scheme, rest)) => match scheme.as_str() {
                "http" | "https" => format!("{scheme}:{rest}"),
                "mailto" if !rest.is_empty() => format!("mailto:{rest}"),
                "mailto" => return Err(LinkError::Empty),
                _ => return Err(LinkError::Scheme(scheme)),
            },
            None if text.starts_with("//") => format!("https:{text}"),
            None if text.starts_with(['/', '.', '?', '#', '\\']) => {
                return Err(LinkError::Relative)
            }
            None => format!("https://{text}"),
        };
        if url.starts_with("http") {
            let after = url.split_once(':').map_or("", |(_, rest)| rest);
            let host = after
                .strip_prefix("//")
                .map(|rest| rest.split(['/', '?', '#']).next().unwrap_or(""))
                .unwrap_or("");
            if host.is_empty() || host.starts_with(['@', ':']) {
                return Err(LinkError::NoHost);
            }
            if let Some(id) = this_board_shape(&url, board) {
                return shape_id(id).map(Link::Shape);
            }
        }
        Ok(Link::Url(url))
    }

    /// A link as a document holds it, if it is one this board follows (see the module's
    /// rules); anything else reads as no link.
    pub fn stored(text: &str) -> Option<Link> {
        Link::parse(text, "").ok()
    }

    /// The form the document stores.
    pub fn to_stored(&self) -> String {
        match self {
            Link::Url(url) => url.clone(),
            Link::Shape(id) => format!("#{SHAPE_FRAGMENT}{id}"),
        }
    }

    /// What the person sees in the link field: the address, or `#shape=<id>`.
    pub fn text(&self) -> String {
        self.to_stored()
    }
}

/// The address of a shape: the board page's address `page` (its fragment replaced) with
/// `#shape=<id>`.
pub fn shape_url(page: &str, id: &str) -> String {
    let base = page.split('#').next().unwrap_or(page);
    format!("{base}#{SHAPE_FRAGMENT}{id}")
}

/// A stored link (or no link) made safe: what the document may hold. Used on every write
/// and read, so an unsafe value never reaches a consumer.
pub fn sanitise(stored: Option<&str>) -> Option<String> {
    stored.and_then(Link::stored).map(|l| l.to_stored())
}

/// Characters refused inside a link: spaces, controls and the invisible formatting characters
/// that can make an address read differently from what it is.
fn hidden(c: char) -> bool {
    c.is_whitespace()
        || c.is_control()
        || matches!(
            c,
            '\u{00AD}' | '\u{200B}'..='\u{200F}' | '\u{202A}'..='\u{202E}'
                | '\u{2060}'..='\u{2069}' | '\u{FEFF}'
        )
}

/// The scheme of `text` (lower-cased) and what follows its colon, if it has one. A name
/// before a colon that holds a dot, or is followed by a digit, is a host (and port), not a
/// scheme: `example.com:8080`, `localhost:3000`.
fn scheme(text: &str) -> Option<(String, &str)> {
    let end = text.find([':', '/', '?', '#'])?;
    if !text[end..].starts_with(':') || end == 0 {
        return None;
    }
    let (name, rest) = (&text[..end], &text[end + 1..]);
    let valid = name.starts_with(|c: char| c.is_ascii_alphabetic())
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'));
    if !valid || name.contains('.') || rest.starts_with(|c: char| c.is_ascii_digit()) {
        return None;
    }
    Some((name.to_ascii_lowercase(), rest))
}

/// The id in a `shape=<id>` fragment.
fn shape_fragment(fragment: &str) -> Option<&str> {
    fragment.strip_prefix(SHAPE_FRAGMENT)
}

/// The shape an address of board `board` names in its fragment, if it is one.
fn this_board_shape<'a>(url: &'a str, board: &str) -> Option<&'a str> {
    if board.is_empty() {
        return None;
    }
    let (address, fragment) = url.split_once('#')?;
    let id = shape_fragment(fragment)?;
    let path = address.split('?').next().unwrap_or(address);
    path.trim_end_matches('/')
        .ends_with(&format!("/b/{board}"))
        .then_some(id)
}

fn shape_id(id: &str) -> Result<String, LinkError> {
    let ok = !id.is_empty()
        && id.chars().count() <= MAX_ID_CHARS
        && !id.contains(['#', '&', '?', '/', '"', '<', '>']);
    ok.then(|| id.to_owned()).ok_or(LinkError::NoShape)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn url(text: &str) -> Result<Link, LinkError> {
        Link::parse(text, "BOARD")
    }

    #[test]
    fn web_addresses_and_mailto_are_kept() {
        let ok = |t: &str, want: &str| assert_eq!(url(t), Ok(Link::Url(want.into())), "{t}");
        ok("https://example.com/a?b=c#d", "https://example.com/a?b=c#d");
        ok("  http://example.com  ", "http://example.com");
        ok("HTTPS://Example.com", "https://Example.com");
        ok("mailto:someone@example.com", "mailto:someone@example.com");
        ok("MailTo:someone@example.com", "mailto:someone@example.com");
        ok("https://exämple.com/päth", "https://exämple.com/päth");
    }

    #[test]
    fn an_address_without_a_scheme_becomes_https() {
        let ok = |t: &str, want: &str| assert_eq!(url(t), Ok(Link::Url(want.into())), "{t}");
        ok("example.com", "https://example.com");
        ok("example.com/page?q=1", "https://example.com/page?q=1");
        ok("example.com:8080/x", "https://example.com:8080/x");
        ok("localhost:3000", "https://localhost:3000");
        ok("//example.com/x", "https://example.com/x");
    }

    #[test]
    fn script_and_other_schemes_are_refused_whatever_their_case() {
        for (text, scheme) in [
            ("javascript:alert(1)", "javascript"),
            ("JavaScript:alert(1)", "javascript"),
            ("JAVASCRIPT:alert(document.cookie)", "javascript"),
            ("  javascript:alert(1)", "javascript"),
            ("\u{1}javascript:alert(1)", "javascript"),
            ("\u{0}\u{1f}javascript:alert(1)\n", "javascript"),
            ("data:text/html,<script>alert(1)</script>", "data"),
            ("DATA:text/html;base64,PHNjcmlwdD4=", "data"),
            ("vbscript:msgbox(1)", "vbscript"),
            ("file:///etc/passwd", "file"),
            ("blob:https://example.com/uuid", "blob"),
            ("about:blank", "about"),
            ("intent://x#Intent;end", "intent"),
        ] {
            assert_eq!(url(text), Err(LinkError::Scheme(scheme.into())), "{text:?}");
        }
        let message = url("javascript:alert(1)").unwrap_err().to_string();
        assert!(
            message.contains("“javascript:” links are not allowed"),
            "{message}"
        );
    }

    #[test]
    fn characters_that_browsers_drop_or_hide_inside_an_address_are_refused() {
        for text in [
            "java\tscript:alert(1)",
            "java\nscript:alert(1)",
            "java\rscript:alert(1)",
            "java\u{0}script:alert(1)",
            "java\u{200B}script:alert(1)",
            "https://exa mple.com",
            "https://example.com/\u{202E}gpj.exe",
            "jav\u{AD}ascript:alert(1)",
        ] {
            assert_eq!(url(text), Err(LinkError::Characters), "{text:?}");
        }
    }

    #[test]
    fn relative_paths_and_hostless_addresses_are_refused() {
        for text in ["/b/other", "./page", "../up", "?q=1", "#top", "\\\\server"] {
            assert_eq!(url(text), Err(LinkError::Relative), "{text:?}");
        }
        for text in [
            "https://",
            "https:",
            "http:example.com",
            "https:///path",
            "https://@x",
        ] {
            assert_eq!(url(text), Err(LinkError::NoHost), "{text:?}");
        }
        assert_eq!(url("   "), Err(LinkError::Empty));
        assert_eq!(url("mailto:"), Err(LinkError::Empty));
        let long = format!("https://example.com/{}", "a".repeat(MAX_LINK_CHARS));
        assert_eq!(url(&long), Err(LinkError::TooLong));
    }

    #[test]
    fn a_copied_shape_address_of_this_board_becomes_a_link_to_the_shape() {
        let copied = shape_url("https://host/b/BOARD?key=secret#old", "s1");
        assert_eq!(copied, "https://host/b/BOARD?key=secret#shape=s1");
        assert_eq!(url(&copied), Ok(Link::Shape("s1".into())));
        assert_eq!(url("#shape=s1"), Ok(Link::Shape("s1".into())));
        assert_eq!(
            url("http://127.0.0.1:3000/b/BOARD#shape=x_Y-9"),
            Ok(Link::Shape("x_Y-9".into()))
        );
        // Another board's shape is a web address like any other.
        let other = "https://host/b/OTHER?key=k#shape=s1";
        assert_eq!(url(other), Ok(Link::Url(other.into())));
        assert_eq!(url("#shape="), Err(LinkError::NoShape));
        assert_eq!(url("#shape=a<b"), Err(LinkError::NoShape));
        // The stored form never holds the page's key.
        assert_eq!(url(&copied).unwrap().to_stored(), "#shape=s1");
    }

    #[test]
    fn stored_links_are_read_through_the_same_rules() {
        assert_eq!(
            Link::stored("https://example.com"),
            Some(Link::Url("https://example.com".into()))
        );
        assert_eq!(Link::stored("#shape=a"), Some(Link::Shape("a".into())));
        assert_eq!(Link::stored("javascript:alert(1)"), None);
        assert_eq!(sanitise(Some(" JavaScript:alert(1)")), None);
        assert_eq!(
            sanitise(Some("HTTPS://example.com")).as_deref(),
            Some("https://example.com")
        );
        assert_eq!(sanitise(None), None);
    }
}
