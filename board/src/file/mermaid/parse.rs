//! Mermaid flowchart text → a [`Graph`]: nodes with their shapes and labels, links, and
//! subgraphs. Line by line; every line that cannot be read is a [`LineProblem`], and style-only
//! lines are kept as [`Note`]s. The pieces of a statement (shapes, labels, links) are read in
//! `syntax.rs`. No geometry here (see `layout.rs`).

use std::collections::HashMap;

use super::syntax::{is_id_char, label, link, node_shape, snippet, unexpected, unquote, Cursor};
use super::{LineProblem, MAX_ITEMS, MAX_NESTING};

/// Which way the layers run, from the header (`graph TD`, `flowchart LR`, …).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Direction {
    /// Top to bottom (`TD`, `TB`, or no direction).
    #[default]
    Down,
    /// Bottom to top (`BT`).
    Up,
    /// Left to right (`LR`).
    Right,
    /// Right to left (`RL`).
    Left,
}

/// A node's outline as Mermaid writes it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum NodeShape {
    /// `A`, `A[text]`.
    #[default]
    Rect,
    /// `A(text)`.
    Round,
    /// `A([text])`.
    Stadium,
    /// `A[[text]]`.
    Subroutine,
    /// `A[(text)]`.
    Cylinder,
    /// `A((text))`.
    Circle,
    /// `A(((text)))`.
    DoubleCircle,
    /// `A{text}`.
    Rhombus,
    /// `A{{text}}`.
    Hexagon,
    /// `A>text]`.
    Flag,
    /// `A[/text/]`, `A[\text\]`, `A[/text\]`, `A[\text/]`.
    Slanted,
}

/// How a link is drawn.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stroke {
    /// `--`.
    Normal,
    /// `-.-`.
    Dotted,
    /// `==`.
    Thick,
    /// `~~~`: lays out, draws nothing.
    Invisible,
}

/// What ends a link.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Head {
    /// `---`.
    None,
    /// `-->`.
    Arrow,
    /// `--o`.
    Circle,
    /// `--x`.
    Cross,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Node {
    pub id: String,
    pub label: String,
    pub shape: NodeShape,
    /// The innermost subgraph it was first named in.
    pub parent: Option<usize>,
}

/// An end of a link: a node, or a subgraph named as one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum End {
    Node(usize),
    Subgraph(usize),
}

#[derive(Debug, Clone, PartialEq)]
pub struct Edge {
    pub from: End,
    pub to: End,
    pub stroke: Stroke,
    pub head: Head,
    /// A head at the start too (`<-->`, `o--o`, `x--x`).
    pub both_ends: bool,
    pub label: Option<String>,
    /// The line it was written on.
    pub line: usize,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Subgraph {
    pub id: String,
    pub title: String,
    pub parent: Option<usize>,
}

/// What was left out, named for one and for several (e.g. "`style` line", "`style` lines").
pub type What = (&'static str, &'static str);

/// A statement read but left out: what it was, and on which line.
#[derive(Debug, Clone, PartialEq)]
pub struct Note {
    pub what: What,
    pub line: usize,
}

#[derive(Debug, Clone, PartialEq, Default)]
pub struct Graph {
    pub direction: Direction,
    pub title: Option<String>,
    pub nodes: Vec<Node>,
    pub edges: Vec<Edge>,
    pub subgraphs: Vec<Subgraph>,
    pub notes: Vec<Note>,
}

/// Statements that only style or script a chart: skipped with a note.
const STYLE_KEYWORDS: [(&str, What); 8] = [
    ("classDef", ("`classDef` line", "`classDef` lines")),
    ("class", ("`class` line", "`class` lines")),
    ("style", ("`style` line", "`style` lines")),
    ("linkStyle", ("`linkStyle` line", "`linkStyle` lines")),
    ("click", ("`click` line", "`click` lines")),
    ("direction", ("`direction` line", "`direction` lines")),
    ("accTitle", ("`accTitle` line", "`accTitle` lines")),
    ("accDescr", ("`accDescr` line", "`accDescr` lines")),
];

/// A class on a node (`A:::name`).
const NODE_CLASS: What = ("`:::` class on a node", "`:::` classes on nodes");

/// Most problems reported; the rest are counted.
const MAX_PROBLEMS: usize = 30;

/// The front matter's lines (between `---` lines at the top), and the index of the first line
/// after it.
fn front_matter<'a>(lines: &[&'a str]) -> (Vec<&'a str>, usize) {
    let first = lines.iter().position(|l| !l.trim().is_empty());
    match first {
        Some(i) if lines[i].trim() == "---" => {
            match lines[i + 1..].iter().position(|l| l.trim() == "---") {
                Some(len) => (lines[i + 1..i + 1 + len].to_vec(), i + len + 2),
                None => (Vec::new(), 0),
            }
        }
        _ => (Vec::new(), 0),
    }
}

/// The first line that is not blank, a `%%` comment or front matter, with its number.
pub fn first_statement(text: &str) -> Option<(usize, &str)> {
    let lines: Vec<&str> = text.lines().collect();
    let (_, start) = front_matter(&lines);
    lines
        .iter()
        .enumerate()
        .skip(start)
        .map(|(i, l)| (i + 1, l.trim()))
        .find(|(_, l)| !l.is_empty() && !l.starts_with("%%"))
}

/// Reads the header `graph|flowchart [TD|TB|BT|LR|RL]`; `None` if the line is no such header.
/// Returns the direction (`Err` with the word found where a direction should be) and the rest
/// of the line.
pub fn header(line: &str) -> Option<(Result<Direction, &str>, &str)> {
    let line = line.trim_start_matches('\u{FEFF}').trim_start();
    let rest = line
        .strip_prefix("flowchart")
        .or_else(|| line.strip_prefix("graph"))?;
    if rest.starts_with(|c: char| !c.is_whitespace() && c != ';') {
        return None;
    }
    let rest = rest.trim_start();
    let word_end = rest
        .find(|c: char| c.is_whitespace() || c == ';')
        .unwrap_or(rest.len());
    let direction = match &rest[..word_end] {
        "TD" | "TB" | "v" => Some(Direction::Down),
        "BT" | "^" => Some(Direction::Up),
        "LR" | ">" => Some(Direction::Right),
        "RL" | "<" => Some(Direction::Left),
        _ => None,
    };
    match (direction, word_end) {
        (Some(d), _) => Some((Ok(d), &rest[word_end..])),
        (None, 0) => Some((Ok(Direction::Down), rest)),
        (None, _) => Some((Err(&rest[..word_end]), &rest[word_end..])),
    }
}

/// Parses a whole chart. All problems are collected, line by line; any problem fails it.
pub fn parse(text: &str) -> Result<Graph, Vec<LineProblem>> {
    let lines: Vec<&str> = text.lines().collect();
    let (front, start) = front_matter(&lines);
    let mut p = Parser::default();
    p.graph.title = front.iter().find_map(|l| {
        let t = l.trim().strip_prefix("title:")?.trim();
        let t = t.trim_matches('"').trim_matches('\'');
        (!t.is_empty()).then(|| t.to_owned())
    });
    let mut seen_header = false;
    for (i, raw) in lines.iter().enumerate().skip(start) {
        p.line = i + 1;
        let line = raw.trim();
        if line.is_empty() || line.starts_with("%%") {
            continue;
        }
        let rest = if seen_header {
            line
        } else {
            match header(line) {
                Some((direction, rest)) => {
                    seen_header = true;
                    match direction {
                        Ok(d) => p.graph.direction = d,
                        Err(word) => p.problem(format!(
                            "unknown direction `{}`: use TD, TB, BT, LR or RL",
                            snippet(word)
                        )),
                    }
                    rest
                }
                None => {
                    p.problem("a Mermaid flowchart starts with `graph TD`, `flowchart LR` or the like; other diagrams cannot be imported".into());
                    break;
                }
            }
        };
        p.statements(rest);
        if p.too_many {
            break;
        }
    }
    if !seen_header && p.problems.is_empty() {
        p.line = lines.len().max(1);
        p.problem("there is no `graph` or `flowchart` header".into());
    }
    for &(sub, line) in p.open.clone().iter().rev() {
        p.line = line;
        let id = p.graph.subgraphs[sub].id.clone();
        p.problem(format!("subgraph {id} is never closed with `end`"));
    }
    if !p.problems.is_empty() {
        p.problems.sort_by_key(|e| e.line);
        if p.problems.len() > MAX_PROBLEMS {
            let more = p.problems.len() - MAX_PROBLEMS;
            let line = p.problems[MAX_PROBLEMS].line;
            p.problems.truncate(MAX_PROBLEMS);
            p.problems.push(LineProblem {
                line,
                problem: format!("and {more} more problems"),
            });
        }
        return Err(p.problems);
    }
    Ok(p.finish())
}

#[derive(Default)]
struct Parser {
    graph: Graph,
    ids: HashMap<String, usize>,
    /// The subgraphs open, innermost last, with the line each opened on.
    open: Vec<(usize, usize)>,
    /// Nodes whose shape or label was written out (not just named).
    declared: Vec<bool>,
    line: usize,
    problems: Vec<LineProblem>,
    /// A limit was passed: stop reading.
    too_many: bool,
}

impl Parser {
    fn problem(&mut self, problem: String) {
        self.problems.push(LineProblem {
            line: self.line,
            problem,
        });
    }

    fn note(&mut self, what: What) {
        self.graph.notes.push(Note {
            what,
            line: self.line,
        });
    }

    /// The statements of one line (after the header, if it is on this line).
    fn statements(&mut self, line: &str) {
        let mut c = Cursor { s: line, pos: 0 };
        loop {
            while c.peek().is_some_and(|ch| ch.is_whitespace() || ch == ';') {
                c.bump();
            }
            if c.done() {
                return;
            }
            let word_len = c
                .rest()
                .find(|ch: char| !ch.is_ascii_alphabetic())
                .unwrap_or(c.rest().len());
            let word = &c.rest()[..word_len];
            let after = c.rest()[word_len..].chars().next();
            let keyword = after.is_none_or(|ch| !is_id_char(ch) && ch != '-' && ch != '.');
            if keyword {
                if let Some((_, what)) = STYLE_KEYWORDS.iter().find(|(k, _)| *k == word) {
                    self.note(*what);
                    return;
                }
                let statement_end = c.rest().find(';').unwrap_or(c.rest().len());
                let statement = &c.rest()[..statement_end];
                match word {
                    "subgraph" => {
                        self.subgraph(statement[word_len..].trim());
                        c.pos += statement_end;
                        continue;
                    }
                    "end" if statement.trim() == "end" => {
                        if self.open.pop().is_none() {
                            self.problem("`end` without a subgraph to close".into());
                        }
                        c.pos += statement_end;
                        continue;
                    }
                    _ => {}
                }
            }
            if let Err(problem) = self.chain(&mut c) {
                if !problem.is_empty() {
                    self.problem(problem);
                }
                return;
            }
            if self.too_many {
                return;
            }
        }
    }

    fn subgraph(&mut self, rest: &str) {
        if self.open.len() >= MAX_NESTING {
            self.problem(format!("subgraphs nest more than {MAX_NESTING} deep"));
            return;
        }
        let (id, title) = match rest.find('[') {
            Some(open) => {
                let Some(close) = rest.rfind(']').filter(|&c| c > open) else {
                    self.problem("unclosed [ in the subgraph title".into());
                    return;
                };
                if !rest[close + 1..].trim().is_empty() {
                    self.problem(format!(
                        "unexpected {:?} after the subgraph title",
                        snippet(&rest[close + 1..])
                    ));
                    return;
                }
                let id = rest[..open].trim();
                let title = label(unquote(rest[open + 1..close].trim()));
                (id.to_owned(), title)
            }
            None => {
                let title = label(unquote(rest));
                (title.clone(), title)
            }
        };
        let n = self.graph.subgraphs.len();
        let id = if id.is_empty() {
            format!("subgraph {}", n + 1)
        } else {
            id
        };
        if self.count() >= MAX_ITEMS {
            self.limit();
            return;
        }
        self.graph.subgraphs.push(Subgraph {
            id,
            title,
            parent: self.open.last().map(|&(s, _)| s),
        });
        self.open.push((n, self.line));
    }

    fn count(&self) -> usize {
        self.graph.nodes.len() + self.graph.edges.len() + self.graph.subgraphs.len()
    }

    fn limit(&mut self) {
        self.problem(format!(
            "the chart has more than {MAX_ITEMS} nodes, links and subgraphs, more than an import may have"
        ));
        self.too_many = true;
    }

    /// `group (link group)*`, up to the end of the line or a `;`.
    fn chain(&mut self, c: &mut Cursor) -> Result<(), String> {
        let mut left = self.group(c)?;
        loop {
            c.skip_spaces();
            if c.done() || c.peek() == Some(';') {
                return Ok(());
            }
            let Some(link) = link(c)? else {
                let after = self.graph.nodes[*left.last().unwrap_or(&0)].id.clone();
                return Err(unexpected(c.rest(), &format!("after node {after}")));
            };
            c.skip_spaces();
            if c.done() || c.peek() == Some(';') {
                return Err("a link with no node after it".into());
            }
            let right = self.group(c)?;
            for &from in &left {
                for &to in &right {
                    if self.count() >= MAX_ITEMS {
                        self.limit();
                        return Ok(());
                    }
                    self.graph.edges.push(Edge {
                        from: End::Node(from),
                        to: End::Node(to),
                        line: self.line,
                        ..link.clone()
                    });
                }
            }
            left = right;
        }
    }

    /// `node (& node)*`.
    fn group(&mut self, c: &mut Cursor) -> Result<Vec<usize>, String> {
        let mut nodes = vec![self.node(c)?];
        loop {
            let save = c.pos;
            c.skip_spaces();
            if c.eat("&") {
                c.skip_spaces();
                nodes.push(self.node(c)?);
            } else {
                c.pos = save;
                return Ok(nodes);
            }
        }
    }

    /// A node: its id, then an optional shape with a label, then an optional `:::class`.
    fn node(&mut self, c: &mut Cursor) -> Result<usize, String> {
        let start = c.pos;
        while let Some(ch) = c.peek() {
            let next = c.rest()[ch.len_utf8()..].chars().next();
            let inner = matches!(ch, '-' | '.') && next.is_some_and(is_id_char) && c.pos > start;
            if is_id_char(ch) || inner {
                c.bump();
            } else {
                break;
            }
        }
        let id = c.s[start..c.pos].to_owned();
        if id.is_empty() {
            return Err(unexpected(c.rest(), "where a node name was expected"));
        }
        if c.rest().starts_with("@{") {
            return Err(format!(
                "the `{id}@{{ … }}` node syntax is not supported; write {id}[text], {id}(text), {id}{{text}} or the like"
            ));
        }
        let save = c.pos;
        c.skip_spaces();
        let shape = match node_shape(c, &id)? {
            Some(found) => Some(found),
            None => {
                c.pos = save;
                None
            }
        };
        if c.eat(":::") {
            while c.peek().is_some_and(|ch| is_id_char(ch) || ch == '-') {
                c.bump();
            }
            self.note(NODE_CLASS);
        }
        let index = match self.ids.get(&id) {
            Some(&i) => i,
            None => {
                if self.count() >= MAX_ITEMS {
                    self.limit();
                    // Reported by `limit`.
                    return Err(String::new());
                }
                let i = self.graph.nodes.len();
                self.ids.insert(id.clone(), i);
                self.graph.nodes.push(Node {
                    label: id.clone(),
                    id,
                    shape: NodeShape::Rect,
                    parent: None,
                });
                self.declared.push(false);
                i
            }
        };
        if self.graph.nodes[index].parent.is_none() {
            self.graph.nodes[index].parent = self.open.last().map(|&(s, _)| s);
        }
        if let Some((shape, text)) = shape {
            self.graph.nodes[index].shape = shape;
            self.graph.nodes[index].label = text;
            self.declared[index] = true;
        }
        Ok(index)
    }

    /// Links to subgraphs (a subgraph id named as a node, never given a shape) become links to
    /// the subgraph; those nodes go.
    fn finish(mut self) -> Graph {
        let sub_ids: HashMap<&str, usize> = self
            .graph
            .subgraphs
            .iter()
            .enumerate()
            .map(|(i, s)| (s.id.as_str(), i))
            .collect();
        let as_subgraph: Vec<Option<usize>> = self
            .graph
            .nodes
            .iter()
            .zip(&self.declared)
            .map(|(n, &declared)| {
                (!declared)
                    .then(|| sub_ids.get(n.id.as_str()).copied())
                    .flatten()
            })
            .collect();
        if as_subgraph.iter().all(Option::is_none) {
            return self.graph;
        }
        let mut new_index = Vec::with_capacity(as_subgraph.len());
        let mut kept = 0;
        for s in &as_subgraph {
            new_index.push(kept);
            kept += usize::from(s.is_none());
        }
        let map = |end: End| match end {
            End::Node(i) => match as_subgraph[i] {
                Some(s) => End::Subgraph(s),
                None => End::Node(new_index[i]),
            },
            e => e,
        };
        for e in &mut self.graph.edges {
            e.from = map(e.from);
            e.to = map(e.to);
        }
        let nodes = std::mem::take(&mut self.graph.nodes);
        self.graph.nodes = nodes
            .into_iter()
            .zip(&as_subgraph)
            .filter(|(_, s)| s.is_none())
            .map(|(n, _)| n)
            .collect();
        self.graph
    }
}
