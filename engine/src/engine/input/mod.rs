//! Pointer input: which gesture a press starts with each tool, running it as the pointer moves,
//! and committing it when the press ends; the cursor; double clicks.
//!
//! - [`select`]: the select tool's gestures (handles, moving with snapping, the marquee);
//! - [`touch`]: pinch and pan with two fingers, the wheel;
//! - [`keyboard`]: key shortcuts.

mod keyboard;
mod select;
mod touch;

use std::f64::consts::PI;

use board::edit::{self, Handle};
use board::protocol::PresenceCursor;
use board::{Point, Rect, Shape, ShapeKind};

use super::{now, Engine};
use crate::random;
use crate::render::handle_positions;
use crate::tools::{self, Gesture, HIT_TOLERANCE_PX, STICKY_SIZE};
use crate::view::Tool;

/// Ctrl/Cmd + wheel zooms by `exp(-deltaY * WHEEL_ZOOM_RATE)`: the rate at which Chromium turns
/// a touchpad pinch into ctrl + wheel events, so a pinch follows the fingers exactly.
const WHEEL_ZOOM_RATE: f64 = 0.01;
/// One event zooms by at most this much of `deltaY` (about 10 %): a mouse notch reports 100 px
/// (or 3 lines), which would otherwise zoom 2.7×, while pinch events stay well under it.
const MAX_WHEEL_ZOOM_DELTA: f64 = 10.0;
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
    /// The tool in use.
    pub fn tool(&self) -> Tool {
        self.tool
    }

    /// The toolbar or a shortcut changed the tool.
    pub fn set_tool(&mut self, tool: Tool) {
        if self.read_only && !matches!(tool, Tool::Select | Tool::Hand | Tool::Laser) {
            // A view link draws nothing: the page's tool shows what is in use.
            self.after.view.tool = Some(self.tool);
            return;
        }
        if tool == Tool::Image {
            self.after.view.pick_image = true;
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

    /// The top-most unlocked shape under a board point (the eraser's).
    fn pick(&self, at: Point) -> Option<&Shape> {
        let slack = HIT_TOLERANCE_PX / self.viewport.zoom;
        self.index
            .at(at, slack + board::shape::MAX_STROKE_WIDTH)
            .into_iter()
            .map(|i| &self.shapes[i])
            .find(|s| board::lock::pickable(s) && s.hit(at, slack))
    }

    /// The shape a press of the select tool at `at` grabs: the top-most one hit (its outline,
    /// or anywhere in a filled one), else, as in tldraw, the smallest hollow rectangle, ellipse
    /// or diamond around the point, so the inside of what you see grabs it. Locked shapes are
    /// passed through, as if absent.
    pub(super) fn grab(&self, at: Point) -> Option<&Shape> {
        let slack = HIT_TOLERANCE_PX / self.viewport.zoom;
        let near: Vec<&Shape> = self
            .index
            .at(at, slack + board::shape::MAX_STROKE_WIDTH)
            .into_iter()
            .map(|i| &self.shapes[i])
            .filter(|s| board::lock::pickable(s))
            .collect();
        near.iter()
            .find(|s| s.hit(at, slack))
            .copied()
            .or_else(|| self.frame_name_at(at))
            .or_else(|| {
                near.iter()
                    .filter(|s| s.kind.is_closed() && s.hit_inside(at, 0.0))
                    .min_by(|a, b| (a.w * a.h).total_cmp(&(b.w * b.h)))
                    .copied()
            })
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
            (
                0,
                Tool::Rectangle
                | Tool::Ellipse
                | Tool::Diamond
                | Tool::Sticky
                | Tool::Text
                | Tool::Frame,
            ) => Gesture::Box {
                pointer,
                kind: match self.tool {
                    Tool::Rectangle => ShapeKind::Rectangle,
                    Tool::Ellipse => ShapeKind::Ellipse,
                    Tool::Diamond => ShapeKind::Diamond,
                    Tool::Sticky => ShapeKind::Sticky,
                    Tool::Frame => ShapeKind::Frame,
                    _ => ShapeKind::Text,
                },
                start: at,
                end: at,
                start_screen: input.screen,
                end_screen: input.screen,
                square: input.shift,
            },
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
        if self.read_only && self.gesture.edits() {
            // A view link selects (to look closer) but moves, resizes and turns nothing.
            self.gesture = Gesture::Idle;
        }
        if self.gesture == Gesture::Idle {
            return false;
        }
        if self.gesture.edits() {
            // The whole drag is one undo step.
            self.new_step();
        }
        self.after.focus_canvas = true;
        self.update_cursor();
        self.request_frame();
        true
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

    /// The tool lock changed: drawing keeps the tool, or returns to Select.
    pub fn set_tool_lock(&mut self, on: bool) {
        self.tool_locked = on;
    }

    /// After a shape is drawn: back to Select with it selected, unless the tool is locked.
    fn drawn(&mut self) {
        if !self.tool_locked {
            self.set_tool(Tool::Select);
            self.after.view.tool = Some(Tool::Select);
        }
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
            None if self.badge_at(screen).is_some() => Some("pointer"),
            None => self.grab(at).map(|_| "move"),
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
            } => {
                self.begin_text_at(start);
                self.drawn();
            }
            gesture @ (Gesture::Pen { .. } | Gesture::Box { .. } | Gesture::Line { .. }) => {
                // The id the preview was drawn with.
                let id = std::mem::replace(&mut self.next_id, random::shape_id());
                let style = self.style.clone();
                let zoom = self.viewport.zoom;
                let frame_name = board::frame::next_name(&self.shapes);
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
                    let shape = shape.map(|mut s| {
                        if s.kind == ShapeKind::Frame {
                            s.text = frame_name;
                        }
                        s
                    });
                    shape.inspect(|s| b.put(txn, s))
                });
                if let Some(Some(shape)) = created {
                    let any_frame = self.shapes.iter().any(|s| s.kind == ShapeKind::Frame);
                    if shape.kind == ShapeKind::Frame || any_frame {
                        self.reframe(std::slice::from_ref(&shape.id));
                    }
                    if shape.kind != ShapeKind::Pen {
                        // Re-read unless `reframe` just did.
                        self.refresh();
                        self.select(vec![shape.id.clone()]);
                        self.drawn();
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
            Gesture::Move { originals, .. }
            | Gesture::Resize { originals, .. }
            | Gesture::Rotate { originals, .. } => {
                let ids: Vec<String> = originals.into_iter().map(|s| s.id).collect();
                self.reframe(&ids);
            }
            Gesture::Marquee { .. } | Gesture::Pan { .. } | Gesture::Idle => {}
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

    /// A double click: edit the text of a text shape, sticky note or a shape's label, or start
    /// a new text.
    pub fn double_click(&mut self, screen: Point) {
        if self.tool != Tool::Select || self.gesture != Gesture::Idle {
            return;
        }
        let at = self.board_point(screen);
        if let Some(id) = self.frame_name_at(at).map(|f| f.id.clone()) {
            self.select(vec![id.clone()]);
            self.begin_edit(&id);
            return;
        }
        match self.text_target(at).map(|s| (s.id.clone(), s.kind)) {
            // Lines and arrows take a label (frames' names are edited on the name).
            Some((id, kind)) if kind.keeps_text() && kind != ShapeKind::Frame => {
                self.select(vec![id.clone()]);
                self.begin_edit(&id);
            }
            Some(_) => {}
            None => self.begin_new_text(at),
        }
    }

    /// The top-most unlocked shape at `at` for text: one hit there, or one holding text (a
    /// hollow rectangle's inside edits its label) with nothing above it there.
    fn text_target(&self, at: Point) -> Option<&Shape> {
        let slack = HIT_TOLERANCE_PX / self.viewport.zoom;
        self.index
            .at(at, slack + board::shape::MAX_STROKE_WIDTH)
            .into_iter()
            .map(|i| &self.shapes[i])
            .filter(|s| board::lock::pickable(s))
            .find(|s| s.hit(at, slack) || (s.kind.has_text() && s.hit_inside(at, 0.0)))
    }

    /// Starts a new text at a board point, or edits the text of the shape already there.
    fn begin_text_at(&mut self, at: Point) {
        match self
            .text_target(at)
            .filter(|s| s.kind.has_text())
            .map(|s| s.id.clone())
        {
            Some(id) => self.begin_edit(&id),
            None => self.begin_new_text(at),
        }
    }
}
