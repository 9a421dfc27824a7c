//! The pieces of a Mermaid statement: node ids, shapes and labels, and links, read from a
//! [`Cursor`] over one line. Errors are messages for the person; the caller adds the line.

use super::parse::{Edge, End, Head, NodeShape, Stroke};

pub(super) fn is_id_char(c: char) -> bool {
    c.is_alphanumeric() || c == '_'
}

/// The shapes, longest opening first: opening, closings, shape.
const SHAPES: [(&str, &[&str], NodeShape); 12] = [
    ("(((", &[")))"], NodeShape::DoubleCircle),
    ("((", &["))"], NodeShape::Circle),
    ("([", &["])"], NodeShape::Stadium),
    ("[[", &["]]"], NodeShape::Subroutine),
    ("[(", &[")]"], NodeShape::Cylinder),
    ("[/", &["/]", "\\]"], NodeShape::Slanted),
    ("[\\", &["\\]", "/]"], NodeShape::Slanted),
    ("{{", &["}}"], NodeShape::Hexagon),
    ("[", &["]"], NodeShape::Rect),
    ("(", &[")"], NodeShape::Round),
    ("{", &["}"], NodeShape::Rhombus),
    (">", &["]"], NodeShape::Flag),
];

/// The shape and label after a node's id, if one opens here.
pub(super) fn node_shape(c: &mut Cursor, id: &str) -> Result<Option<(NodeShape, String)>, String> {
    let Some(&(open, closes, shape)) = SHAPES.iter().find(|(o, _, _)| c.rest().starts_with(o))
    else {
        return Ok(None);
    };
    c.pos += open.len();
    let body_start = c.pos;
    let lead = c.rest().len() - c.rest().trim_start().len();
    let (text, after) = if c.rest().trim_start().starts_with('"') {
        let quoted = &c.rest()[lead + 1..];
        let Some(end) = quoted.find('"') else {
            return Err(format!("unclosed \" in the label of node {id}"));
        };
        let text = &quoted[..end];
        let after = body_start + lead + 1 + end + 1;
        let tail = &c.s[after..];
        let gap = tail.len() - tail.trim_start().len();
        match closes.iter().find(|cl| tail[gap..].starts_with(*cl)) {
            Some(cl) => (text.to_owned(), after + gap + cl.len()),
            None => {
                return Err(format!(
                    "expected {} after the quoted label of node {id}",
                    closes[0]
                ))
            }
        }
    } else {
        let found = closes
            .iter()
            .filter_map(|cl| c.rest().find(cl).map(|at| (at, cl.len())))
            .min();
        let Some((at, len)) = found else {
            return Err(format!("unclosed {open} in the label of node {id}"));
        };
        (c.rest()[..at].to_owned(), body_start + at + len)
    };
    c.pos = after;
    Ok(Some((shape, label(text.trim()))))
}

/// A label as shown: `<br>` breaks lines, Markdown-string backticks go, `#quot;`-style
/// entities are decoded.
pub(super) fn label(text: &str) -> String {
    let text = text
        .strip_prefix('`')
        .and_then(|t| t.strip_suffix('`'))
        .unwrap_or(text);
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(i) = rest.find(['<', '#']) {
        out.push_str(&rest[..i]);
        rest = &rest[i..];
        let head = &rest.as_bytes()[..rest.len().min(12)];
        if head.len() >= 3 && head[..3].eq_ignore_ascii_case(b"<br") {
            if let Some(end) = head.iter().position(|&b| b == b'>').filter(|&e| e <= 6) {
                out.push('\n');
                rest = &rest[end + 1..];
                continue;
            }
        }
        if let Some(end) = head
            .iter()
            .position(|&b| b == b';')
            .filter(|&e| e > 1 && e <= 10)
        {
            let name = &rest[1..end];
            let decoded = match name {
                "quot" => Some('"'),
                "amp" => Some('&'),
                "lt" => Some('<'),
                "gt" => Some('>'),
                "nbsp" => Some('\u{a0}'),
                _ => name.parse::<u32>().ok().and_then(char::from_u32),
            };
            if let Some(ch) = decoded.filter(|_| rest.starts_with('#')) {
                out.push(ch);
                rest = &rest[end + 1..];
                continue;
            }
        }
        out.push_str(&rest[..1]);
        rest = &rest[1..];
    }
    out.push_str(rest);
    out
}

pub(super) fn unquote(s: &str) -> &str {
    s.strip_prefix('"')
        .and_then(|t| t.strip_suffix('"'))
        .unwrap_or(s)
}

/// A link, if one starts here: `-->`, `---`, `-.->`, `==>`, `--o`, `--x`, `<-->`, `~~~`, with
/// a label as `-- text -->`, `-. text .->`, `== text ==>` or `-->|text|`.
pub(super) fn link(c: &mut Cursor) -> Result<Option<Edge>, String> {
    let start = c.pos;
    let rest = c.rest();
    let mut both_ends = false;
    let mut chars = rest.chars();
    let (first, second) = (chars.next(), chars.next());
    if first == Some('<') || (matches!(first, Some('o' | 'x')) && matches!(second, Some('-' | '=')))
    {
        both_ends = true;
        c.bump();
    }
    let mut edge = Edge {
        from: End::Node(0),
        to: End::Node(0),
        stroke: Stroke::Normal,
        head: Head::None,
        both_ends,
        label: None,
        line: 0,
    };
    let run = |c: &Cursor, ch: char| c.rest().chars().take_while(|&x| x == ch).count();
    match c.peek() {
        Some('~') if run(c, '~') >= 3 => {
            c.pos += run(c, '~');
            edge.stroke = Stroke::Invisible;
        }
        Some('-') if run(c, '-') == 1 && c.rest()[1..].starts_with('.') => {
            edge.stroke = Stroke::Dotted;
            c.bump();
            c.pos += run(c, '.');
            if c.eat("-") {
                edge.head = end_head(c);
            } else {
                // `-. text .->`
                let Some(close) = c.rest().find(".-") else {
                    return Err(
                        "the link text after `-.` is never closed with `.->` or `.-`".into(),
                    );
                };
                let dots = c.rest()[..close].trim_end_matches('.').len();
                edge.label = Some(label(c.rest()[..dots].trim()));
                c.pos += close + 2;
                edge.head = end_head(c);
            }
        }
        Some(ch @ ('-' | '=')) if run(c, ch) >= 2 => {
            if ch == '=' {
                edge.stroke = Stroke::Thick;
            }
            let n = run(c, ch);
            c.pos += n;
            edge.head = end_head(c);
            if edge.head == Head::None && n == 2 {
                // `-- text -->`
                let pair = if ch == '=' { "==" } else { "--" };
                let Some(close) = c.rest().find(pair) else {
                    return Err(format!(
                        "the link text after `{pair}` is never closed with `{pair}>` or `{pair}{ch}`"
                    ));
                };
                edge.label = Some(label(c.rest()[..close].trim()));
                c.pos += close;
                let n = run(c, ch);
                c.pos += n;
                edge.head = end_head(c);
                if edge.head == Head::None && n == 2 {
                    return Err(format!(
                        "the link text is closed with `{pair}` alone; write `{pair}>` or `{pair}{ch}`"
                    ));
                }
            }
        }
        _ => {
            c.pos = start;
            return Ok(None);
        }
    }
    let save = c.pos;
    c.skip_spaces();
    if c.eat("|") {
        let Some(end) = c.rest().find('|') else {
            return Err("unclosed | in the link label".into());
        };
        edge.label = Some(label(unquote(c.rest()[..end].trim())));
        c.pos += end + 1;
    } else {
        c.pos = save;
    }
    if edge.label.as_deref() == Some("") {
        edge.label = None;
    }
    Ok(Some(edge))
}

fn end_head(c: &mut Cursor) -> Head {
    let head = match c.peek() {
        Some('>') => Head::Arrow,
        Some('o') => Head::Circle,
        Some('x') => Head::Cross,
        _ => return Head::None,
    };
    c.bump();
    head
}

/// "unexpected `…` {place}", quoting a little of what was found.
pub(super) fn unexpected(rest: &str, place: &str) -> String {
    let found = snippet(rest);
    let hint = if found.starts_with([')', ']', '}']) {
        " (a label with brackets needs quotes: A[\"text (like this)\"])"
    } else {
        ""
    };
    format!("unexpected `{found}` {place}{hint}")
}

pub(super) fn snippet(s: &str) -> String {
    let s = s.trim();
    let mut out: String = s.chars().take(20).collect();
    if s.chars().count() > 20 {
        out.push('…');
    }
    out
}

/// A position in one line of text.
pub(super) struct Cursor<'a> {
    pub(super) s: &'a str,
    pub(super) pos: usize,
}

impl<'a> Cursor<'a> {
    pub(super) fn rest(&self) -> &'a str {
        &self.s[self.pos..]
    }

    pub(super) fn peek(&self) -> Option<char> {
        self.rest().chars().next()
    }

    pub(super) fn bump(&mut self) {
        if let Some(c) = self.peek() {
            self.pos += c.len_utf8();
        }
    }

    pub(super) fn done(&self) -> bool {
        self.pos >= self.s.len()
    }

    pub(super) fn eat(&mut self, p: &str) -> bool {
        let found = self.rest().starts_with(p);
        if found {
            self.pos += p.len();
        }
        found
    }

    pub(super) fn skip_spaces(&mut self) {
        while self.peek().is_some_and(char::is_whitespace) {
            self.bump();
        }
    }
}
