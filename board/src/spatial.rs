//! A uniform-grid spatial index over shapes' painted boxes: which shapes can be visible in a
//! viewport, or under the pointer, without testing every shape on the board.

use std::collections::HashMap;

use crate::shape::{Point, Rect, Shape};

/// Cell size in board units. Most shapes span one to four cells.
const CELL: f64 = 512.0;
/// Shapes spanning more cells than this are kept in one list checked on every query.
const MAX_CELLS: i64 = 64;

/// Indexes into a slice of shapes (their paint order), by grid cell.
#[derive(Debug, Default)]
pub struct SpatialIndex {
    cells: HashMap<(i32, i32), Vec<u32>>,
    /// Shapes too large for the grid.
    large: Vec<u32>,
    /// Each shape's painted box, inflated by its stroke.
    boxes: Vec<Rect>,
}

fn cell_range(r: &Rect) -> (i32, i32, i32, i32) {
    let c = |v: f64| (v / CELL).floor().clamp(i32::MIN as f64, i32::MAX as f64) as i32;
    (c(r.x), c(r.y), c(r.x + r.w), c(r.y + r.h))
}

impl SpatialIndex {
    /// Indexes `shapes`; the positions returned by queries are indexes into this slice.
    pub fn build(shapes: &[Shape]) -> Self {
        let mut index = SpatialIndex {
            boxes: Vec::with_capacity(shapes.len()),
            ..SpatialIndex::default()
        };
        for (i, shape) in shapes.iter().enumerate() {
            let b = shape.aabb().inflate(shape.style.stroke_width * 1.5 + 1.0);
            index.boxes.push(b);
            let (x0, y0, x1, y1) = cell_range(&b);
            let span = (i64::from(x1) - i64::from(x0) + 1) * (i64::from(y1) - i64::from(y0) + 1);
            if span > MAX_CELLS {
                index.large.push(i as u32);
                continue;
            }
            for cx in x0..=x1 {
                for cy in y0..=y1 {
                    index.cells.entry((cx, cy)).or_default().push(i as u32);
                }
            }
        }
        index
    }

    /// Positions of the shapes whose box meets `area`, in paint order.
    pub fn query(&self, area: &Rect) -> Vec<usize> {
        let (x0, y0, x1, y1) = cell_range(area);
        let span = (i64::from(x1) - i64::from(x0) + 1) * (i64::from(y1) - i64::from(y0) + 1);
        let mut out: Vec<usize> = if span > self.cells.len() as i64 {
            // Zoomed far out: walking the cells costs more than checking every box.
            (0..self.boxes.len()).collect()
        } else {
            let mut found: Vec<usize> = self.large.iter().map(|&i| i as usize).collect();
            for cx in x0..=x1 {
                for cy in y0..=y1 {
                    if let Some(ids) = self.cells.get(&(cx, cy)) {
                        found.extend(ids.iter().map(|&i| i as usize));
                    }
                }
            }
            found.sort_unstable();
            found.dedup();
            found
        };
        out.retain(|&i| self.boxes[i].intersects(area));
        out
    }

    /// Positions of the shapes whose box holds `p` (within `slack`), top-most first.
    pub fn at(&self, p: Point, slack: f64) -> Vec<usize> {
        let mut out = self.query(&Rect {
            x: p.x - slack,
            y: p.y - slack,
            w: 2.0 * slack,
            h: 2.0 * slack,
        });
        out.reverse();
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::shape::{ShapeKind, Style};

    fn square(id: usize, x: f64, y: f64, size: f64) -> Shape {
        Shape::boxed(
            id.to_string(),
            ShapeKind::Rectangle,
            Rect {
                x,
                y,
                w: size,
                h: size,
            },
            Style::default(),
            format!("a{id}"),
        )
    }

    #[test]
    fn queries_match_a_linear_scan() {
        let mut shapes = Vec::new();
        for i in 0..2_000 {
            let x = ((i * 7919) % 20_000) as f64 - 10_000.0;
            let y = ((i * 104_729) % 20_000) as f64 - 10_000.0;
            shapes.push(square(i, x, y, 20.0 + (i % 300) as f64));
        }
        shapes.push(square(9_999, -50_000.0, -50_000.0, 100_000.0));
        let index = SpatialIndex::build(&shapes);
        for area in [
            Rect {
                x: 0.0,
                y: 0.0,
                w: 1280.0,
                h: 800.0,
            },
            Rect {
                x: -9_000.0,
                y: 3_000.0,
                w: 640.0,
                h: 400.0,
            },
            Rect {
                x: -20_000.0,
                y: -20_000.0,
                w: 40_000.0,
                h: 40_000.0,
            },
        ] {
            let expected: Vec<usize> = shapes
                .iter()
                .enumerate()
                .filter(|(_, s)| {
                    s.aabb()
                        .inflate(s.style.stroke_width * 1.5 + 1.0)
                        .intersects(&area)
                })
                .map(|(i, _)| i)
                .collect();
            assert_eq!(index.query(&area), expected);
        }
        let top = index.at(Point::new(-49_000.0, -49_000.0), 1.0);
        assert_eq!(top, vec![2_000]);
    }
}
