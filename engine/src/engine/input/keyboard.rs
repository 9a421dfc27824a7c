//! Keys on the canvas: tool and command shortcuts, Escape, Tab through shapes (locked ones
//! too, so that the keyboard can unlock them), arrow keys that nudge or pan, space held to
//! pan.

use board::edit::{self};
use board::{Point, Shape};

use super::{Keys, KEY_PAN_PX, NUDGE};
use crate::engine::Engine;
use crate::tools::Gesture;
use crate::view::{Command, Tool};

impl Engine {
    /// A key went down outside any text field. Returns true when the key was used (the caller
    /// prevents its default action).
    pub fn key_down(&mut self, key: &str, code: &str, keys: Keys) -> bool {
        self.refresh();
        if self.presenting.is_some() && !keys.command && !keys.alt && self.present_key(key) {
            return true;
        }
        if keys.command {
            if let Some(dir) = board::flow::Direction::from_key(key) {
                return self.flow_key(dir);
            }
            let command = match key.to_ascii_lowercase().as_str() {
                "a" => Command::SelectAll,
                "d" => Command::Duplicate,
                "g" if keys.shift => Command::Ungroup,
                "l" if keys.shift => Command::ToggleLock,
                "k" if !keys.shift => return self.focus_link(),
                "g" => Command::Group,
                "]" | "}" if keys.shift => Command::Order(edit::ZOrder::Front),
                "]" => Command::Order(edit::ZOrder::Forward),
                "[" | "{" if keys.shift => Command::Order(edit::ZOrder::Back),
                "[" => Command::Order(edit::ZOrder::Backward),
                "=" | "+" => Command::ZoomIn,
                "-" => Command::ZoomOut,
                "f" => {
                    self.after.view.find_open = true;
                    return true;
                }
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
                    self.command(Command::ZoomToAll);
                    return true;
                }
                "Digit2" => {
                    self.command(Command::ZoomToSelection);
                    return true;
                }
                _ => {}
            }
        }
        if keys.alt && code == "KeyS" {
            self.snap = !self.snap;
            self.after.view.snap = Some(self.snap);
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
                self.follow(None);
                true
            }
            "Enter" => match self.selected_shapes().as_slice() {
                [one] if one.kind.keeps_text() && !one.locked => {
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
                self.after.view.help = true;
                true
            }
            "q" | "Q" if !keys.alt => {
                self.tool_locked = !self.tool_locked;
                self.after.view.tool_locked = Some(self.tool_locked);
                true
            }
            _ if keys.alt => false,
            _ => match Tool::from_shortcut(key) {
                // Image is an action (the file picker), not a mode.
                Some(Tool::Image) => {
                    self.after.view.pick_image = true;
                    true
                }
                Some(tool) => {
                    self.after.view.tool = Some(tool);
                    true
                }
                None => false,
            },
        }
    }

    /// Escape: abandon the gesture; moved, resized or turned shapes go back.
    pub(in crate::engine) fn cancel_gesture(&mut self) {
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
    pub(in crate::engine) fn tab_select(&mut self, back: bool) -> bool {
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
    pub(in crate::engine) fn reveal_selection(&mut self) {
        if let Some((frame, _, _)) = self.selection_frame() {
            self.reveal(&frame);
        }
    }

    /// Pans so the box (board coordinates) is in view, when it is not.
    pub(in crate::engine) fn reveal(&mut self, frame: &board::Rect) {
        let visible = self.viewport.visible(self.size.width, self.size.height);
        if !visible.contains_rect(frame) {
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
    pub(in crate::engine) fn nudge(&mut self, dx: f64, dy: f64) {
        let moved: Vec<Shape> = self
            .editable_with_children()
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
        let ids: Vec<String> = moved.into_iter().map(|s| s.id).collect();
        self.reframe(&ids);
    }

    /// A key went up (anywhere).
    pub fn key_up(&mut self, key: &str) {
        if key == " " {
            self.release_space();
        }
        if key == "Control" || key == "Meta" {
            self.flow_done();
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
