//! Pointer and keyboard input: starting, running and ending gestures, and key shortcuts.

use std::f64::consts::PI;

use board::edit::{self, Handle};
use board::protocol::PresenceCursor;
use board::{Point, Rect, Shape, ShapeKind};

use super::{now, Editing, Engine};
use crate::client::random;
use crate::client::render::handle_positions;
use crate::client::tools::{self, Gesture, HIT_TOLERANCE_PX, STICKY_SIZE};
use crate::ui::{Command, Tool};

/// Wheel zoom speed per pixel of scroll; pinch gestures (ctrl + wheel) report small deltas and
/// get a faster rate.
const WHEEL_ZOOM_RATE: f64 = 0.0015;
const PINCH_ZOOM_RATE: f64 = 0.01;
/// How far from a handle (screen pixels) a press still grabs it.
const HANDLE_REACH_PX: f64 = 7.0;
/// Snapping reach in screen pixels.
const SNAP_PX: f64 = 8.0;
/// Angle steps with shift held while rotating.
const ROTATE_STEP: f64 = PI / 12.0;
/// Arrow keys move the selection by this much (ten times with shift), in board units.
const NUDGE: f64 = 1.0;
/// Arrow keys pan an empty selection's view by this many screen pixels.
const KEY_PAN_PX: f64 = 60.0;

/// A pointer event reduced to what the tools need.
#[derive(Debug, Clone, Copy)]
pub struct PointerInput {
    pub pointer: i32,
    /// Position in CSS pixels relative to the canvas.
    pub screen: Point,
    /// 0 primary, 1 middle, 2 secondary.
    pub button: i16,
    /// Already adjusted for mice (see [`tools::effective_pressure`]).
    pub pressure: f32,
    pub shift: bool,
    pub alt: bool,
    /// A finger on a touch screen (two of them pan and zoom).
    pub touch: bool,
}

/// The midpoint and distance of the first two touches.
fn pinch_of(touches: &[(i32, Point)]) -> (Point, f64) {
    let (a, b) = (touches[0].1, touches[1].1);
    (
        Point::new((a.x + b.x) / 2.0, (a.y + b.y) / 2.0),
        a.distance(b),
    )
}

/// Modifier keys held with a key press.
#[derive(Debug, Clone, Copy, Default)]
pub struct Keys {
    /// Ctrl, or Cmd on a Mac.
    pub command: bool,
    pub shift: bool,
    pub alt: bool,
    /// The canvas has keyboard focus (Tab cycles through shapes only then).
    pub on_canvas: bool,
}

impl Engine {
    /// The toolbar or a shortcut changed the tool.
    pub fn set_tool(&mut self, tool: Tool) {
        if tool == Tool::Image {
            self.after.pick_image = true;
            return;
        }
        if tool == self.tool {
            return;
        }
        self.tool = tool;
        if tool != Tool::Select {
            self.select(Vec::new());
        }
        self.hover_cursor = None;
        self.update_cursor();
    }

    /// Shows what a press would do: draw, move, resize, pan.
    pub fn update_cursor(&mut self) {
        let css = match &self.gesture {
            Gesture::Pan { .. } => "grabbing",
            Gesture::Move { .. } => "move",
            Gesture::Resize { handle, .. } => handle.cursor(),
            Gesture::Rotate { .. } => "grabbing",
            Gesture::Pen { .. } | Gesture::Box { .. } | Gesture::Line { .. } => "crosshair",
            Gesture::Marquee { .. } => "default",
            Gesture::Erase { .. } | Gesture::Laser { .. } => "none",
            Gesture::Idle if self.space_held => "grab",
            Gesture::Idle => match self.tool {
                Tool::Select => self.hover_cursor.unwrap_or("default"),
                Tool::Hand => "grab",
                Tool::Text => "text",
                Tool::Eraser => "cell",
                Tool::Laser => "crosshair",
                _ => "crosshair",
            },
        };
        if css != self.cursor_css {
            self.cursor_css = css;
            let _ = self.canvas.style().set_property("cursor", css);
        }
    }

    fn board_point(&self, screen: Point) -> Point {
        self.viewport.to_board(screen)
    }

    /// The top-most shape under a board point.
    fn pick(&self, at: Point) -> Option<&Shape> {
        let slack = HIT_TOLERANCE_PX / self.viewport.zoom;
        self.index
            .at(at, slack + board::shape::MAX_STROKE_WIDTH)
            .into_iter()
            .map(|i| &self.shapes[i])
            .find(|s| s.hit(at, slack))
    }

    /// The shape an arrow end at `at` attaches to: the top-most bindable shape under it.
    fn bind_target(&self, at: Point, except: Option<&str>) -> Option<String> {
        let slack = HIT_TOLERANCE_PX / self.viewport.zoom;
        self.index
            .at(at, slack)
            .into_iter()
            .map(|i| &self.shapes[i])
            .find(|s| {
                edit::bindable(s.kind)
                    && Some(s.id.as_str()) != except
                    && s.bounds()
                        .inflate(slack)
                        .contains(board::shape::rotate_about(at, s.center(), -s.rotation))
            })
            .map(|s| s.id.clone())
    }

    /// The selection's frame: its box, and the rotation when one shape is selected.
    pub(super) fn selection_frame(&self) -> Option<(Rect, f64, Point)> {
        edit::selection_frame(&self.selected_shapes())
    }

    /// The handle of the selection under a screen point.
    fn handle_at(&self, screen: Point) -> Option<Handle> {
        handle_positions(&self.selected_shapes(), &self.viewport)
            .into_iter()
            .find(|(_, at)| at.distance(screen) <= HANDLE_REACH_PX)
            .map(|(h, _)| h)
    }

    /// A press on the canvas. Returns true when a gesture started (the caller captures the
    /// pointer).
    pub fn pointer_down(&mut self, input: PointerInput, tool: Tool) -> bool {
        if input.touch && self.touch_down(input) {
            return true;
        }
        if self.gesture != Gesture::Idle || self.pinch.is_some() {
            return false;
        }
        self.refresh();
        self.set_tool(tool);
        let at = self.board_point(input.screen);
        let pointer = input.pointer;
        let pan = Gesture::Pan {
            pointer,
            last: input.screen,
        };
        self.gesture = match (input.button, self.tool) {
            (1, _) => pan,
            (0, _) if self.space_held => pan,
            (0, Tool::Hand) => pan,
            (0, Tool::Select) => self.select_press(input, at),
            (0, Tool::Pen) => Gesture::Pen {
                pointer,
                points: vec![(at, input.pressure)],
            },
            (0, Tool::Rectangle | Tool::Ellipse | Tool::Diamond | Tool::Sticky | Tool::Text) => {
                Gesture::Box {
                    pointer,
                    kind: match self.tool {
                        Tool::Rectangle => ShapeKind::Rectangle,
                        Tool::Ellipse => ShapeKind::Ellipse,
                        Tool::Diamond => ShapeKind::Diamond,
                        Tool::Sticky => ShapeKind::Sticky,
                        _ => ShapeKind::Text,
                    },
                    start: at,
                    end: at,
                    start_screen: input.screen,
                    end_screen: input.screen,
                    square: input.shift,
                }
            }
            (0, Tool::Line | Tool::Arrow) => Gesture::Line {
                pointer,
                kind: if self.tool == Tool::Arrow {
                    ShapeKind::Arrow
                } else {
                    ShapeKind::Line
                },
                start: at,
                end: at,
                start_bind: if self.tool == Tool::Arrow {
                    self.bind_target(at, None)
                } else {
                    None
                },
                end_bind: None,
            },
            (0, Tool::Eraser) => {
                let hits = self
                    .pick(at)
                    .map(|s| vec![s.id.clone()])
                    .unwrap_or_default();
                Gesture::Erase {
                    pointer,
                    hits,
                    trail: vec![at],
                }
            }
            (0, Tool::Laser) => {
                self.laser.push((at, now()));
                Gesture::Laser { pointer }
            }
            _ => return false,
        };
        if self.gesture == Gesture::Idle {
            return false;
        }
        if self.gesture.edits() {
            // The whole drag is one undo step.
            self.history.new_step();
        }
        self.after.focus_canvas = true;
        self.update_cursor();
        self.request_frame();
        true
    }

    /// A press with the select tool: a handle, a shape, or empty board (marquee).
    fn select_press(&mut self, input: PointerInput, at: Point) -> Gesture {
        let pointer = input.pointer;
        if let Some(handle) = self.handle_at(input.screen) {
            let originals = self.selected_shapes();
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
        let hit = self.pick(at).map(|s| s.id.clone());
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
                Gesture::Move {
                    pointer,
                    grab: at,
                    originals: self.selected_shapes(),
                    delta: Point::default(),
                    written: Point::default(),
                    guides: Vec::new(),
                }
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

    /// The pointer moved; `samples` are the coalesced positions since the last event (at least
    /// the event's own).
    pub fn pointer_move(&mut self, input: PointerInput, samples: &[PointerInput]) {
        if input.touch && self.touch_move(input) {
            return;
        }
        let at = self.board_point(input.screen);
        self.move_cursor(Some(PresenceCursor { x: at.x, y: at.y }));
        if self.gesture.pointer().is_some_and(|p| p != input.pointer) {
            return;
        }
        let zoom = self.viewport.zoom;
        let viewport = self.viewport;
        match &mut self.gesture {
            Gesture::Idle => {
                self.hover(input.screen, at);
                return;
            }
            Gesture::Pan { last, .. } => {
                let (dx, dy) = (input.screen.x - last.x, input.screen.y - last.y);
                *last = input.screen;
                self.viewport.pan_by_screen(dx, dy);
                self.editing_moved();
                self.view_changed();
            }
            gesture @ Gesture::Pen { .. } => {
                for sample in samples {
                    gesture.add_pen_point(viewport.to_board(sample.screen), sample.pressure, zoom);
                }
            }
            Gesture::Box {
                end,
                end_screen,
                square,
                ..
            } => {
                *end = at;
                *end_screen = input.screen;
                *square = input.shift;
            }
            Gesture::Line { end, kind, .. } => {
                *end = at;
                if *kind == ShapeKind::Arrow {
                    self.update_arrow_end(at);
                }
            }
            Gesture::Marquee { end, .. } => {
                *end = at;
                self.marquee_select();
            }
            Gesture::Move { grab, .. } => {
                let delta = Point::new(at.x - grab.x, at.y - grab.y);
                self.snap_move(delta, input.alt);
            }
            Gesture::Resize {
                at: to,
                offset,
                keep_ratio,
                written,
                ..
            } => {
                *to = Point::new(at.x + offset.x, at.y + offset.y);
                *keep_ratio = input.shift;
                *written = false;
            }
            Gesture::Rotate {
                pivot,
                start_angle,
                angle,
                ..
            } => {
                let mut a = (at.y - pivot.y).atan2(at.x - pivot.x) - *start_angle;
                if input.shift {
                    a = (a / ROTATE_STEP).round() * ROTATE_STEP;
                }
                *angle = a;
            }
            Gesture::Erase { trail, .. } => {
                // Every point along the way counts, however fast the pointer moved.
                let mut from = trail.last().copied().unwrap_or(at);
                let step = HIT_TOLERANCE_PX / zoom;
                let mut probes = Vec::new();
                for s in samples {
                    let to = viewport.to_board(s.screen);
                    let n = (from.distance(to) / step).ceil().clamp(1.0, 200.0) as usize;
                    for k in 1..=n {
                        let t = k as f64 / n as f64;
                        probes.push(Point::new(
                            from.x + (to.x - from.x) * t,
                            from.y + (to.y - from.y) * t,
                        ));
                    }
                    from = to;
                }
                trail.push(at);
                if trail.len() > 24 {
                    trail.remove(0);
                }
                let touched: Vec<String> = probes
                    .into_iter()
                    .filter_map(|p| self.pick(p))
                    .map(|s| s.id.clone())
                    .collect();
                if let Gesture::Erase { hits, .. } = &mut self.gesture {
                    for id in touched {
                        if !hits.contains(&id) {
                            hits.push(id);
                        }
                    }
                }
            }
            Gesture::Laser { .. } => {
                let t = now();
                for s in samples {
                    self.laser.push((viewport.to_board(s.screen), t));
                }
                self.schedule_presence();
            }
        }
        self.request_frame();
    }

    /// A second finger on a touch screen: the drawing stops and the two fingers pan and zoom.
    /// Returns true when the press belongs to the pinch.
    fn touch_down(&mut self, input: PointerInput) -> bool {
        self.touches.retain(|(id, _)| *id != input.pointer);
        self.touches.push((input.pointer, input.screen));
        if self.touches.len() != 2 {
            return false;
        }
        if self.gesture.edits() {
            self.cancel_gesture();
        }
        self.gesture = Gesture::Idle;
        self.pinch = Some(pinch_of(&self.touches));
        self.request_frame();
        true
    }

    fn touch_move(&mut self, input: PointerInput) -> bool {
        let Some(entry) = self.touches.iter_mut().find(|(id, _)| *id == input.pointer) else {
            return false;
        };
        entry.1 = input.screen;
        let Some((last_mid, last_dist)) = self.pinch else {
            return false;
        };
        let (mid, dist) = pinch_of(&self.touches);
        self.viewport
            .pan_by_screen(mid.x - last_mid.x, mid.y - last_mid.y);
        if last_dist > 1.0 && dist > 1.0 {
            self.viewport.zoom_at(mid, dist / last_dist);
        }
        self.pinch = Some((mid, dist));
        self.editing_moved();
        self.view_changed();
        true
    }

    /// A finger lifted; true when it was part of a pinch.
    fn touch_up(&mut self, input: PointerInput) -> bool {
        self.touches.retain(|(id, _)| *id != input.pointer);
        if self.pinch.is_some() {
            if self.touches.is_empty() {
                self.pinch = None;
            }
            return true;
        }
        false
    }

    pub fn set_snap(&mut self, on: bool) {
        self.snap = on;
    }

    /// With no gesture running: show what a press would grab.
    fn hover(&mut self, screen: Point, at: Point) {
        if self.tool != Tool::Select || self.space_held {
            return;
        }
        let cursor = match self.handle_at(screen) {
            Some(h) => Some(h.cursor()),
            None => self.pick(at).map(|_| "move"),
        };
        if cursor != self.hover_cursor {
            self.hover_cursor = cursor;
            self.update_cursor();
        }
    }

    fn update_arrow_end(&mut self, at: Point) {
        let Gesture::Line { start_bind, .. } = &self.gesture else {
            return;
        };
        let target = self.bind_target(at, start_bind.clone().as_deref());
        if let Gesture::Line { end_bind, .. } = &mut self.gesture {
            *end_bind = target;
        }
    }

    /// Selects the shapes wholly inside the marquee (plus what was selected before with shift).
    fn marquee_select(&mut self) {
        let Gesture::Marquee {
            start, end, base, ..
        } = &self.gesture
        else {
            return;
        };
        let area = Rect::from_corners(*start, *end);
        let mut ids = base.clone();
        for i in self.index.query(&area) {
            let s = &self.shapes[i];
            if area.contains_rect(&s.aabb()) && !ids.contains(&s.id) {
                ids.push(s.id.clone());
            }
        }
        self.select(ids);
    }

    /// Sets a move's offset, snapped to other shapes' edges and centres unless snapping is off
    /// (or alt is held).
    fn snap_move(&mut self, delta: Point, no_snap: bool) {
        let Gesture::Move { originals, .. } = &self.gesture else {
            return;
        };
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
                    .filter(|s| !self.selection.contains(&s.id))
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
    pub(super) fn write_gesture(&mut self) {
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

    /// The press ended: commit what the gesture drew.
    pub fn pointer_up(&mut self, input: PointerInput) {
        if input.touch && self.touch_up(input) {
            return;
        }
        if self.gesture.pointer() != Some(input.pointer) {
            return;
        }
        if let Gesture::Resize { written, .. } = &mut self.gesture {
            *written = false;
        }
        self.write_gesture();
        if self.gesture.edits() {
            // The shape list follows edits once they end, not every frame.
            self.publish_selection();
        }
        match std::mem::take(&mut self.gesture) {
            Gesture::Box {
                kind: ShapeKind::Text,
                start,
                ..
            } => self.begin_text_at(start),
            gesture @ (Gesture::Pen { .. } | Gesture::Box { .. } | Gesture::Line { .. }) => {
                let id = random::shape_id();
                let style = self.style.clone();
                let zoom = self.viewport.zoom;
                let click_sticky = match &gesture {
                    Gesture::Box {
                        kind: ShapeKind::Sticky,
                        start,
                        ..
                    } => Some(*start),
                    _ => None,
                };
                let created = self.change(|txn, b| {
                    let index = b.next_index(txn);
                    let shape = gesture
                        .drawn_shape(id.clone(), index.clone(), &style, zoom)
                        .or_else(|| {
                            // A click with the sticky tool places a note of the usual size.
                            click_sticky.map(|at| {
                                let r = Rect {
                                    x: at.x - STICKY_SIZE / 2.0,
                                    y: at.y - STICKY_SIZE / 2.0,
                                    w: STICKY_SIZE,
                                    h: STICKY_SIZE,
                                };
                                let mut style = style.clone();
                                style
                                    .fill
                                    .get_or_insert_with(|| tools::STICKY_PAPER.to_owned());
                                Shape::boxed(id.clone(), ShapeKind::Sticky, r, style, index)
                            })
                        });
                    shape.inspect(|s| b.put(txn, s))
                });
                if let Some(Some(shape)) = created {
                    if shape.kind != ShapeKind::Pen {
                        self.doc_dirty = true;
                        self.reload_shapes();
                        self.select(vec![shape.id.clone()]);
                    }
                    if shape.kind == ShapeKind::Sticky {
                        self.begin_edit(&shape.id);
                    }
                }
            }
            Gesture::Erase { hits, .. } => {
                if !hits.is_empty() {
                    self.change(|txn, b| {
                        for id in &hits {
                            b.remove(txn, id);
                        }
                    });
                }
            }
            Gesture::Laser { .. } => self.schedule_presence(),
            Gesture::Move { .. }
            | Gesture::Resize { .. }
            | Gesture::Rotate { .. }
            | Gesture::Marquee { .. }
            | Gesture::Pan { .. }
            | Gesture::Idle => {}
        }
        self.update_cursor();
        self.request_frame();
    }

    /// The browser took the pointer away (a touch turned into a system gesture): drop what was
    /// being drawn; an edited shape stays as far as it got.
    pub fn pointer_cancel(&mut self, input: PointerInput) {
        if input.touch && self.touch_up(input) {
            return;
        }
        if self.gesture.pointer() != Some(input.pointer) {
            return;
        }
        self.write_gesture();
        self.gesture = Gesture::Idle;
        self.publish_selection();
        self.update_cursor();
        self.request_frame();
    }

    /// The pointer left the canvas: others stop seeing our cursor.
    pub fn pointer_leave(&mut self) {
        if self.gesture == Gesture::Idle {
            self.move_cursor(None);
        }
    }

    /// A double click: edit the text of a text shape or sticky note, or start a new text.
    pub fn double_click(&mut self, screen: Point) {
        if self.tool != Tool::Select || self.gesture != Gesture::Idle {
            return;
        }
        let at = self.board_point(screen);
        match self.pick(at).map(|s| (s.id.clone(), s.kind)) {
            Some((id, kind)) if kind.has_text() => {
                self.select(vec![id.clone()]);
                self.begin_edit(&id);
            }
            Some(_) => {}
            None => self.begin_text_at(at),
        }
    }

    /// Starts a new text at a board point, or edits the text shape already there.
    fn begin_text_at(&mut self, at: Point) {
        match self
            .pick(at)
            .filter(|s| s.kind.has_text())
            .map(|s| s.id.clone())
        {
            Some(id) => self.begin_edit(&id),
            None => {
                self.editing = Some(Editing { id: None, at });
                self.show_editor();
            }
        }
    }

    /// Wheel or pinch: zoom around the pointer; a plain two-finger scroll on a touchpad
    /// (horizontal delta, no ctrl) pans.
    pub fn wheel(&mut self, screen: Point, delta_x: f64, delta_y: f64, pinch: bool, pan: bool) {
        if pan && !pinch {
            self.viewport.pan_by_screen(-delta_x, -delta_y);
        } else {
            let rate = if pinch {
                PINCH_ZOOM_RATE
            } else {
                WHEEL_ZOOM_RATE
            };
            self.viewport.zoom_at(screen, (-delta_y * rate).exp());
        }
        let at = self.board_point(screen);
        self.move_cursor(Some(PresenceCursor { x: at.x, y: at.y }));
        self.editing_moved();
        self.view_changed();
    }

    /// A key went down outside any text field. Returns true when the key was used (the caller
    /// prevents its default action).
    pub fn key_down(&mut self, key: &str, code: &str, keys: Keys) -> bool {
        self.refresh();
        if keys.command {
            let command = match key.to_ascii_lowercase().as_str() {
                "a" => Command::SelectAll,
                "d" => Command::Duplicate,
                "g" if keys.shift => Command::Ungroup,
                "g" => Command::Group,
                "]" | "}" if keys.shift => Command::Order(edit::ZOrder::Front),
                "]" => Command::Order(edit::ZOrder::Forward),
                "[" | "{" if keys.shift => Command::Order(edit::ZOrder::Back),
                "[" => Command::Order(edit::ZOrder::Backward),
                "=" | "+" => Command::ZoomIn,
                "-" => Command::ZoomOut,
                _ => return false,
            };
            self.command(command);
            return true;
        }
        if keys.shift && !keys.alt {
            match code {
                "Digit0" => {
                    self.command(Command::ZoomReset);
                    return true;
                }
                "Digit1" => {
                    self.command(Command::ZoomToFit);
                    return true;
                }
                _ => {}
            }
        }
        if keys.alt && code == "KeyS" {
            self.snap = !self.snap;
            self.after.snap = Some(self.snap);
            return true;
        }
        match key {
            " " => {
                self.space_held = true;
                self.update_cursor();
                true
            }
            "Delete" | "Backspace" => {
                if self.selection.is_empty() {
                    return false;
                }
                self.command(Command::Delete);
                true
            }
            "Escape" => {
                self.cancel_gesture();
                self.select(Vec::new());
                true
            }
            "Enter" => match self.selected_shapes().as_slice() {
                [one] if one.kind.has_text() => {
                    let id = one.id.clone();
                    self.begin_edit(&id);
                    true
                }
                _ => false,
            },
            "Tab" if keys.on_canvas => self.tab_select(keys.shift),
            "ArrowLeft" | "ArrowRight" | "ArrowUp" | "ArrowDown" => {
                let (dx, dy) = match key {
                    "ArrowLeft" => (-1.0, 0.0),
                    "ArrowRight" => (1.0, 0.0),
                    "ArrowUp" => (0.0, -1.0),
                    _ => (0.0, 1.0),
                };
                if self.selection.is_empty() {
                    self.viewport
                        .pan_by_screen(-dx * KEY_PAN_PX, -dy * KEY_PAN_PX);
                    self.view_changed();
                } else {
                    let step = if keys.shift { NUDGE * 10.0 } else { NUDGE };
                    self.nudge(dx * step, dy * step);
                }
                true
            }
            "?" => {
                self.after.help = true;
                true
            }
            _ if keys.alt => false,
            _ => match Tool::from_shortcut(key) {
                // Image is an action (the file picker), not a mode.
                Some(Tool::Image) => {
                    self.after.pick_image = true;
                    true
                }
                Some(tool) => {
                    self.after.tool = Some(tool);
                    true
                }
                None => false,
            },
        }
    }

    /// Escape: abandon the gesture; moved, resized or turned shapes go back.
    fn cancel_gesture(&mut self) {
        let originals = match std::mem::take(&mut self.gesture) {
            Gesture::Move { originals, .. }
            | Gesture::Resize { originals, .. }
            | Gesture::Rotate { originals, .. } => originals,
            _ => Vec::new(),
        };
        if !originals.is_empty() {
            // Joins the gesture's step: undo has nothing left to do for it.
            self.change_in_step(|txn, b| {
                for o in &originals {
                    b.set_geometry(txn, o);
                }
            });
        }
        self.update_cursor();
        self.request_frame();
    }

    /// Tab on the canvas: select the next (shift: previous) shape in paint order. Past the last
    /// one the key is not used, so focus moves on to the rest of the page.
    fn tab_select(&mut self, back: bool) -> bool {
        let current = self
            .selection
            .last()
            .and_then(|id| self.positions.get(id))
            .copied();
        let n = self.shapes.len();
        let next = match (current, back) {
            (None, false) if n > 0 => Some(0),
            (None, true) if n > 0 => Some(n - 1),
            (Some(i), false) if i + 1 < n => Some(i + 1),
            (Some(i), true) if i > 0 => Some(i - 1),
            _ => None,
        };
        match next {
            Some(i) => {
                let id = self.shapes[i].id.clone();
                self.selection.clear();
                self.select(vec![id]);
                self.reveal_selection();
                true
            }
            None => {
                self.select(Vec::new());
                false
            }
        }
    }

    /// Pans so the selection is in view (keyboard selection of a shape off screen).
    fn reveal_selection(&mut self) {
        let Some((frame, _, _)) = self.selection_frame() else {
            return;
        };
        let visible = self.viewport.visible(self.size.width, self.size.height);
        if !visible.contains_rect(&frame) {
            let c = frame.center();
            let here = self
                .viewport
                .to_board(Point::new(self.size.width / 2.0, self.size.height / 2.0));
            self.viewport.origin.x += c.x - here.x;
            self.viewport.origin.y += c.y - here.y;
            self.view_changed();
        }
    }

    /// Moves the selection by a distance in board units (arrow keys), as one undo step.
    fn nudge(&mut self, dx: f64, dy: f64) {
        let moved: Vec<Shape> = self
            .selected_shapes()
            .into_iter()
            .map(|s| Shape {
                x: s.x + dx,
                y: s.y + dy,
                ..s
            })
            .collect();
        self.change(|txn, b| {
            for s in &moved {
                b.set_position(txn, &s.id, s.x, s.y);
            }
        });
    }

    /// A key went up (anywhere).
    pub fn key_up(&mut self, key: &str) {
        if key == " " {
            self.release_space();
        }
    }

    /// Space stops counting as held (key up, or the window lost focus).
    pub fn release_space(&mut self) {
        if self.space_held {
            self.space_held = false;
            self.update_cursor();
        }
    }
}
