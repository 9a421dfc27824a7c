//! A layered layout (after Sugiyama): boxes in layers along the chart's direction, ordered
//! within layers to cross fewer links, then spaced. Plain numbers in, box centres out.
//!
//! 1. Cycles: a depth-first search from the sources turns round every link that closes a
//!    cycle (for layering only), so the graph is acyclic.
//! 2. Layers: each box one layer below the longest path to it from a source.
//! 3. Order: a few sweeps down and up, each sorting a layer by the mean position of its
//!    neighbours in the layers before it (barycentres). Boxes of one subgraph stay side by
//!    side in every layer: a layer is sorted as nested groups, each group by its mean.
//! 4. Spacing: layers a fixed gap apart, each as deep as its deepest box; within a layer,
//!    boxes move towards their neighbours' mean position, keeping their order and a fixed gap
//!    (wider where a subgraph's border runs between two boxes).
//! 5. Frames ([`separate`], [`frames`]): a subgraph's frame spans several layers, so it can
//!    still run into a neighbour in another layer; within each subgraph (innermost first) and
//!    then at the top, the parts (boxes and whole subgraphs) are swept across the layers and
//!    each pushed clear of those before it that it overlaps.

use std::collections::HashMap;

use crate::shape::{Point, Rect};

use super::parse::Direction;

/// Space between the boxes of one layer.
pub const NODE_GAP: f64 = 50.0;
/// Space between layers.
pub const LAYER_GAP: f64 = 70.0;
/// Space kept between a link's label and the boxes the link joins.
const LABEL_MARGIN: f64 = 16.0;
/// Space kept between a subgraph's frame and its neighbours.
pub const FRAME_GAP: f64 = 20.0;
/// Ordering sweeps (each one down and one up).
const SWEEPS: usize = 4;
/// Spacing passes.
const PASSES: usize = 8;

/// What the layout needs to know.
pub struct Input<'a> {
    /// Each box's width and height.
    pub sizes: &'a [(f64, f64)],
    /// Links between boxes, by index (self-links are ignored).
    pub edges: &'a [(usize, usize)],
    /// Each box's subgraphs, outermost first.
    pub chains: &'a [Vec<usize>],
    pub direction: Direction,
    /// Extra space across a layer for each subgraph border between two boxes.
    pub border_space: f64,
    /// Extra space between layers for each level of subgraph nesting.
    pub nesting_space: f64,
    /// The longest link label along the chart's direction: layers are at least this far
    /// apart, plus a margin either side.
    pub label_room: f64,
}

/// The centre of every box.
pub fn layout(input: &Input) -> Vec<Point> {
    let n = input.sizes.len();
    if n == 0 {
        return Vec::new();
    }
    let dag = acyclic(n, input.edges);
    let layer = layers(n, &dag);
    let mut preds = vec![Vec::new(); n];
    let mut succs = vec![Vec::new(); n];
    for &(u, v) in &dag {
        preds[v].push(u);
        succs[u].push(v);
    }
    let depth = layer.iter().max().map_or(1, |d| d + 1);
    let mut layers: Vec<Vec<usize>> = vec![Vec::new(); depth];
    for v in 0..n {
        layers[layer[v]].push(v);
    }
    let index: Vec<f64> = (0..n).map(|v| v as f64).collect();
    for l in &mut layers {
        *l = arrange(l, &index, input.chains, 0);
    }
    order(&mut layers, &preds, &succs, input.chains);

    let vertical = matches!(input.direction, Direction::Down | Direction::Up);
    let (main, cross): (Vec<f64>, Vec<f64>) = input
        .sizes
        .iter()
        .map(|&(w, h)| if vertical { (h, w) } else { (w, h) })
        .unzip();
    let nesting = input.chains.iter().map(Vec::len).max().unwrap_or(0) as f64;
    let gap = LAYER_GAP.max(input.label_room + 2.0 * LABEL_MARGIN) + nesting * input.nesting_space;
    let mut along = vec![0.0; n];
    let mut start = 0.0;
    for l in &layers {
        let band = l.iter().map(|&v| main[v]).fold(0.0, f64::max);
        for &v in l {
            along[v] = start + band / 2.0;
        }
        start += band + gap;
    }
    let across = spread(&layers, &preds, &succs, &cross, input);
    (0..n)
        .map(|v| match input.direction {
            Direction::Down => Point::new(across[v], along[v]),
            Direction::Up => Point::new(across[v], -along[v]),
            Direction::Right => Point::new(along[v], across[v]),
            Direction::Left => Point::new(-along[v], across[v]),
        })
        .collect()
}

/// The links with self-links dropped and every link that closes a cycle turned round. The
/// search starts from the sources, in order, then from any box not yet reached.
fn acyclic(n: usize, edges: &[(usize, usize)]) -> Vec<(usize, usize)> {
    let edges: Vec<(usize, usize)> = edges.iter().copied().filter(|(u, v)| u != v).collect();
    let mut out_edges = vec![Vec::new(); n];
    let mut has_pred = vec![false; n];
    for (i, &(u, v)) in edges.iter().enumerate() {
        out_edges[u].push(i);
        has_pred[v] = true;
    }
    let roots = (0..n)
        .filter(|&v| !has_pred[v])
        .chain((0..n).filter(|&v| has_pred[v]));
    // 0: not reached, 1: on the search path, 2: done.
    let mut state = vec![0u8; n];
    let mut back = vec![false; edges.len()];
    let mut stack: Vec<(usize, usize)> = Vec::new();
    for root in roots {
        if state[root] != 0 {
            continue;
        }
        state[root] = 1;
        stack.push((root, 0));
        while let Some((v, next)) = stack.last_mut() {
            let v = *v;
            if let Some(&e) = out_edges[v].get(*next) {
                *next += 1;
                let w = edges[e].1;
                match state[w] {
                    0 => {
                        state[w] = 1;
                        stack.push((w, 0));
                    }
                    1 => back[e] = true,
                    _ => {}
                }
            } else {
                state[v] = 2;
                stack.pop();
            }
        }
    }
    edges
        .iter()
        .zip(back)
        .map(|(&(u, v), back)| if back { (v, u) } else { (u, v) })
        .collect()
}

/// Each box's layer: one past the longest path to it from a source (sources are layer 0).
fn layers(n: usize, dag: &[(usize, usize)]) -> Vec<usize> {
    let mut indegree = vec![0usize; n];
    let mut out_edges = vec![Vec::new(); n];
    for &(u, v) in dag {
        indegree[v] += 1;
        out_edges[u].push(v);
    }
    let mut layer = vec![0usize; n];
    let mut ready: Vec<usize> = (0..n).filter(|&v| indegree[v] == 0).collect();
    while let Some(u) = ready.pop() {
        for &v in &out_edges[u] {
            layer[v] = layer[v].max(layer[u] + 1);
            indegree[v] -= 1;
            if indegree[v] == 0 {
                ready.push(v);
            }
        }
    }
    layer
}

/// Barycentre sweeps: down (by predecessors), then up (by successors).
fn order(
    layers: &mut [Vec<usize>],
    preds: &[Vec<usize>],
    succs: &[Vec<usize>],
    chains: &[Vec<usize>],
) {
    let n = preds.len();
    let mut pos = vec![0.0; n];
    let place = |layers: &[Vec<usize>], pos: &mut [f64]| {
        for l in layers {
            for (i, &v) in l.iter().enumerate() {
                pos[v] = (i as f64 + 0.5) / l.len() as f64;
            }
        }
    };
    place(layers, &mut pos);
    let mut key = vec![0.0; n];
    for _ in 0..SWEEPS {
        for down in [true, false] {
            let indices: Vec<usize> = if down {
                (1..layers.len()).collect()
            } else {
                (0..layers.len().saturating_sub(1)).rev().collect()
            };
            for li in indices {
                for &v in &layers[li] {
                    let near = if down { &preds[v] } else { &succs[v] };
                    key[v] = if near.is_empty() {
                        pos[v]
                    } else {
                        near.iter().map(|&u| pos[u]).sum::<f64>() / near.len() as f64
                    };
                }
                layers[li] = arrange(&layers[li], &key, chains, 0);
                let len = layers[li].len() as f64;
                for (i, &v) in layers[li].iter().enumerate() {
                    pos[v] = (i as f64 + 0.5) / len;
                }
            }
        }
    }
}

/// `boxes` sorted by `key`, the boxes of each subgraph (below nesting `depth`) kept together
/// and sorted as one by their mean key.
fn arrange(boxes: &[usize], key: &[f64], chains: &[Vec<usize>], depth: usize) -> Vec<usize> {
    // Units in first-seen order: a box alone, or the boxes of one subgraph.
    let mut units: Vec<(Option<usize>, Vec<usize>)> = Vec::new();
    for &v in boxes {
        match chains[v].get(depth) {
            Some(&sub) => match units.iter_mut().find(|(s, _)| *s == Some(sub)) {
                Some((_, members)) => members.push(v),
                None => units.push((Some(sub), vec![v])),
            },
            None => units.push((None, vec![v])),
        }
    }
    let mean =
        |members: &[usize]| members.iter().map(|&v| key[v]).sum::<f64>() / members.len() as f64;
    let mut keyed: Vec<(f64, Option<usize>, Vec<usize>)> =
        units.into_iter().map(|(s, m)| (mean(&m), s, m)).collect();
    keyed.sort_by(|a, b| a.0.total_cmp(&b.0));
    keyed
        .into_iter()
        .flat_map(|(_, sub, members)| match sub {
            Some(_) => arrange(&members, key, chains, depth + 1),
            None => members,
        })
        .collect()
}

/// Positions across the layers: packed, then pulled towards neighbours.
fn spread(
    layers: &[Vec<usize>],
    preds: &[Vec<usize>],
    succs: &[Vec<usize>],
    cross: &[f64],
    input: &Input,
) -> Vec<f64> {
    let sep = |a: usize, b: usize| {
        let (ca, cb) = (&input.chains[a], &input.chains[b]);
        let common = ca.iter().zip(cb).take_while(|(x, y)| x == y).count();
        let borders = (ca.len() - common + cb.len() - common) as f64;
        (cross[a] + cross[b]) / 2.0 + NODE_GAP + borders * input.border_space
    };
    let mut at = vec![0.0; cross.len()];
    for l in layers {
        let want = vec![0.0; l.len()];
        fit(l, &want, &sep, &mut at);
    }
    for pass in 0..PASSES {
        let down = pass % 2 == 0;
        for l in layers {
            let want: Vec<f64> = l
                .iter()
                .map(|&v| {
                    let near = if down { &preds[v] } else { &succs[v] };
                    if near.is_empty() {
                        at[v]
                    } else {
                        near.iter().map(|&u| at[u]).sum::<f64>() / near.len() as f64
                    }
                })
                .collect();
            fit(l, &want, &sep, &mut at);
        }
    }
    at
}

/// Places a layer's boxes as near `want` as their order and separation allow: each pushed
/// past the one before it, then the whole layer shifted by the mean displacement.
fn fit(l: &[usize], want: &[f64], sep: &dyn Fn(usize, usize) -> f64, at: &mut [f64]) {
    let mut placed: Vec<f64> = Vec::with_capacity(l.len());
    for (i, &v) in l.iter().enumerate() {
        let x = match i {
            0 => want[0],
            _ => want[i].max(placed[i - 1] + sep(l[i - 1], v)),
        };
        placed.push(x);
    }
    let shift = want.iter().zip(&placed).map(|(w, p)| w - p).sum::<f64>() / l.len().max(1) as f64;
    for (&v, x) in l.iter().zip(placed) {
        at[v] = x + shift;
    }
}

/// How subgraph frames sit around what they hold.
pub struct FrameSpec<'a> {
    /// Each subgraph's parent (a parent comes before its children).
    pub parents: &'a [Option<usize>],
    /// Each subgraph's narrowest frame (its title's width).
    pub min_widths: &'a [f64],
    /// Space between the frame and what it holds.
    pub pad: f64,
    /// Height of the title row at the top.
    pub title: f64,
}

/// Each subgraph's frame: what it holds (boxes whose innermost subgraph it is, and the frames
/// of its children), padded, with the title row on top; `None` when it holds nothing.
pub fn frames(boxes: &[Rect], chains: &[Vec<usize>], spec: &FrameSpec) -> Vec<Option<Rect>> {
    let n = spec.parents.len();
    let join = |a: Option<Rect>, b: &Rect| Some(a.map_or(*b, |a| a.union(b)));
    let mut inside: Vec<Option<Rect>> = vec![None; n];
    for (b, chain) in boxes.iter().zip(chains) {
        if let Some(&s) = chain.last() {
            inside[s] = join(inside[s], b);
        }
    }
    let mut out = vec![None; n];
    for s in (0..n).rev() {
        out[s] = inside[s].map(|b| {
            let w = (b.w + 2.0 * spec.pad).max(spec.min_widths[s] + 2.0 * spec.pad);
            Rect {
                x: b.center().x - w / 2.0,
                y: b.y - spec.pad - spec.title,
                w,
                h: b.h + 2.0 * spec.pad + spec.title,
            }
        });
        if let (Some(frame), Some(p)) = (out[s], spec.parents[s]) {
            inside[p] = join(inside[p], &frame);
        }
    }
    out
}

/// Pushes the parts of each subgraph (innermost first), then of the whole chart, apart across
/// the layers where a part overlaps one before it: a part is a box, or a child subgraph's frame
/// with everything in it. Only moves things further along the cross axis.
pub fn separate(boxes: &mut [Rect], chains: &[Vec<usize>], spec: &FrameSpec, direction: Direction) {
    let across_x = matches!(direction, Direction::Down | Direction::Up);
    let span = |r: &Rect| {
        if across_x {
            (r.x, r.x + r.w, r.y, r.y + r.h)
        } else {
            (r.y, r.y + r.h, r.x, r.x + r.w)
        }
    };
    let n = spec.parents.len();
    let mut depth = vec![0usize; n];
    for s in 0..n {
        depth[s] = spec.parents[s].map_or(0, |p| depth[p] + 1);
    }
    for scope in (0..n).rev().map(Some).chain([None]) {
        let frames = frames(boxes, chains, spec);
        let d = scope.map_or(0, |s| depth[s] + 1);
        // Parts: the boxes in them and their extent.
        let mut parts: Vec<(Vec<usize>, Rect)> = Vec::new();
        let mut part_of: HashMap<usize, usize> = HashMap::new();
        for (v, chain) in chains.iter().enumerate() {
            if scope.is_some_and(|s| chain.get(d - 1) != Some(&s)) {
                continue;
            }
            match chain.get(d) {
                Some(&sub) => {
                    let i = *part_of.entry(sub).or_insert_with(|| {
                        parts.push((Vec::new(), frames[sub].unwrap_or(boxes[v])));
                        parts.len() - 1
                    });
                    parts[i].0.push(v);
                }
                None => parts.push((vec![v], boxes[v])),
            }
        }
        parts.sort_by(|a, b| span(&a.1).0.total_cmp(&span(&b.1).0));
        for i in 0..parts.len() {
            let (lo, _, main_lo, main_hi) = span(&parts[i].1);
            let push = parts[..i]
                .iter()
                .map(|(_, r)| span(r))
                .filter(|&(_, _, a, b)| a < main_hi && main_lo < b)
                .map(|(_, hi, _, _)| hi + FRAME_GAP - lo)
                .fold(0.0, f64::max);
            if push > 0.0 {
                let shift = |r: &mut Rect| if across_x { r.x += push } else { r.y += push };
                shift(&mut parts[i].1);
                for &v in &parts[i].0 {
                    shift(&mut boxes[v]);
                }
            }
        }
    }
}
