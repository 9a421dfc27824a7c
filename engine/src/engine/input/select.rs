//! The select tool's gestures: a press on a link badge, a handle, a shape or the empty board;
//! the marquee; moving with snapping to other shapes; writing a running move, resize or
//! rotation live. Locked shapes are neither picked nor changed (`board::lock`).

use board::edit::{self, Handle};
use board::{Point, Rect, Shape, ShapeKind};

use super::{PointerInput, SNAP_PX};
use crate::engine::Engine;
use crate::tools::Gesture;

impl Engine {
    /// A press with the select tool: a link badge, a handle, a shape, or empty board (marquee).
    pub(in crate::engine) fn select_press(&mut self, input: PointerInput, at: Point) -> Gesture {
        let pointer = input.pointer;
        if let Some(id) = self.badge_at(input.screen) {
            self.follow_link_of(&id);
            return Gesture::Idle;
        }
        if let Some(handle) = self.handle_at(input.screen) {
            let originals = self.editable_selection();
            let (bounds, _, pivot) = self.selection_frame().unwrap_or_default();
            return if handle == Handle::Rotate {
                Gesture::Rotate {
                    pointer,
                    originals,
                    pivot,
                    start_angle: (at.y - pivot.y).atan2(at.x - pivot.x),
                    angle: 0.0,
                    written: 0.0,
                }
            } else {
                // The handle's point on the (unpadded, possibly turned) box follows the pointer.
                let (_, rotation, center) = self.selection_frame().unwrap_or_default();
                let corner =
                    board::shape::rotate_about(handle.position(&bounds, 0.0), center, rotation);
                let offset = Point::new(corner.x - at.x, corner.y - at.y);
                Gesture::Resize {
                    pointer,
                    handle,
                    originals,
                    bounds,
                    offset,
                    at: corner,
                    keep_ratio: input.shift,
                    written: true,
                }
            };
        }
        let hit = self.grab(at).map(|s| s.id.clone());
        // A press inside the selection's frame moves the selection, even where no shape is
        // drawn (the inside of a hollow rectangle just drawn, the gap between two shapes).
        if hit.is_none() && !input.shift && self.inside_selection(at) {
            return self.move_selection(pointer, at);
        }
        match hit {
            Some(id) => {
                if input.shift {
                    let mut ids = self.selection.clone();
                    let group = self.with_groups(vec![id.clone()]);
                    if ids.contains(&id) {
                        ids.retain(|i| !group.contains(i));
                        self.selection.clear();
                        self.select(ids);
                        return Gesture::Idle;
                    }
                    ids.extend(group);
                    self.select(ids);
                } else if !self.selection.contains(&id) {
                    self.select(vec![id]);
                }
                self.move_selection(pointer, at)
            }
            None => {
                let base = if input.shift {
                    self.selection.clone()
                } else {
                    self.select(Vec::new());
                    Vec::new()
                };
                Gesture::Marquee {
                    pointer,
                    start: at,
                    end: at,
                    base,
                }
            }
        }
    }

    /// Selects the shapes wholly inside the marquee (plus what was selected before with shift).
    pub(in crate::engine) fn marquee_select(&mut self) {
        let Gesture::Marquee {
            start, end, base, ..
        } = &self.gesture
        else {
            return;
        };
        let area = Rect::from_corners(*start, *end);
        let mut ids = base.clone();
        let inside = self.index.query(&area).into_iter().map(|i| &self.shapes[i]);
        for id in board::lock::in_marquee(inside, &area) {
            if !ids.contains(&id) {
                ids.push(id);
            }
        }
        self.select(ids);
    }

    /// Sets a move's offset, snapped to other shapes' edges and centres unless snapping is off
    /// (or alt is held).
    pub(in crate::engine) fn snap_move(&mut self, delta: Point, no_snap: bool) {
        let Gesture::Move { originals, .. } = &self.gesture else {
            return;
        };
        let moved_ids: Vec<&str> = originals.iter().map(|o| o.id.as_str()).collect();
        let mut snapped = delta;
        let mut guides = Vec::new();
        if self.snap && !no_snap {
            if let Some(b) = edit::bounds_of(originals) {
                let moving = Rect {
                    x: b.x + delta.x,
                    y: b.y + delta.y,
                    ..b
                };
                let reach = SNAP_PX / self.viewport.zoom;
                let around = moving.inflate(reach.max(moving.w.max(moving.h)));
                let others: Vec<Rect> = self
                    .index
                    .query(&around)
                    .into_iter()
                    .map(|i| &self.shapes[i])
                    .filter(|s| !moved_ids.contains(&s.id.as_str()))
                    .map(Shape::aabb)
                    .collect();
                let snap = edit::snap(&moving, &others, reach);
                snapped = Point::new(delta.x + snap.dx, delta.y + snap.dy);
                guides = snap.guides;
            }
        }
        if let Gesture::Move {
            delta: d,
            guides: g,
            ..
        } = &mut self.gesture
        {
            *d = snapped;
            *g = guides;
        }
    }

    /// Writes a running move, resize or rotation if it changed since the last write: at most
    /// once per frame, so others see it live.
    pub(in crate::engine) fn write_gesture(&mut self) {
        let shapes: Vec<Shape> = match &mut self.gesture {
            Gesture::Move {
                originals,
                delta,
                written,
                ..
            } => {
                if delta == written {
                    return;
                }
                *written = *delta;
                // An arrow dragged without the shapes it is attached to comes loose.
                let moving: Vec<&str> = originals.iter().map(|o| o.id.as_str()).collect();
                let keep = |b: &Option<String>| b.clone().filter(|b| moving.contains(&b.as_str()));
                originals
                    .iter()
                    .map(|o| Shape {
                        x: o.x + delta.x,
                        y: o.y + delta.y,
                        start_bind: keep(&o.start_bind),
                        end_bind: keep(&o.end_bind),
                        ..o.clone()
                    })
                    .collect()
            }
            Gesture::Resize {
                handle,
                originals,
                bounds,
                at,
                keep_ratio,
                written,
                ..
            } => {
                if *written {
                    return;
                }
                *written = true;
                match originals.as_slice() {
                    [one] => {
                        let keep =
                            *keep_ratio || matches!(one.kind, ShapeKind::Text | ShapeKind::Image);
                        vec![edit::resize_shape(one, *handle, *at, keep)]
                    }
                    many => {
                        let (to, fx, fy) = edit::resize_box(bounds, *handle, *at, *keep_ratio);
                        many.iter()
                            .map(|o| edit::fit_shape(o, bounds, &to, fx, fy))
                            .collect()
                    }
                }
            }
            Gesture::Rotate {
                originals,
                pivot,
                angle,
                written,
                ..
            } => {
                if angle == written {
                    return;
                }
                *written = *angle;
                originals
                    .iter()
                    .map(|o| edit::rotate_shape(o, *pivot, *angle))
                    .collect()
            }
            _ => return,
        };
        let all_there = self.change_in_step(|txn, b| {
            let mut all_there = true;
            for s in &shapes {
                all_there &= b.set_geometry(txn, s);
                if s.kind == ShapeKind::Arrow {
                    b.set(
                        txn,
                        &s.id,
                        "startBind",
                        s.start_bind.as_deref().map(Into::into),
                    );
                    b.set(txn, &s.id, "endBind", s.end_bind.as_deref().map(Into::into));
                }
            }
            all_there
        });
        if all_there == Some(false) {
            // Someone deleted a shape being edited: stop.
            self.gesture = Gesture::Idle;
            self.doc_dirty = true;
            return;
        }
        self.patch_shapes(&shapes);
    }

    /// A move of the selection, grabbed at board point `at`.
    fn move_selection(&self, pointer: i32, at: Point) -> Gesture {
        Gesture::Move {
            pointer,
            grab: at,
            originals: self.editable_with_children(),
            delta: Point::default(),
            written: Point::default(),
            guides: Vec::new(),
        }
    }

    /// Whether a board point lies inside the frame of the selection's unlocked shapes (turned
    /// with a turned shape).
    fn inside_selection(&self, at: Point) -> bool {
        edit::selection_frame(&self.editable_selection()).is_some_and(
            |(bounds, rotation, center)| {
                bounds.contains(board::shape::rotate_about(at, center, -rotation))
            },
        )
    }
}
