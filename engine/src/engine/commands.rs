//! What the panels and shortcuts ask for: styles, duplicate, delete, z-order, groups, alignment,
//! zoom; the system clipboard; text edited in place; images pasted, dropped or picked.
//!
//! Long, with one section per concern (marked `// ----- … -----`); text editing, with its
//! typing throttle, is the section to move into a file of its own when it grows further.

use std::collections::HashSet;

use board::edit;
use board::layout::BoardDoc;
use board::link::Link;
use board::shape::{MAX_FONT_SIZE, MIN_FONT_SIZE, MIN_OPACITY};
use board::{Font, Point, Rect, Shape, ShapeKind, Sloppiness};
use serde::{Deserialize, Serialize};
use wasm_bindgen::JsCast;
use yrs::{Any, TransactionMut};

use super::{now, warn, Editing, Engine, TYPING_THROTTLE_MS};
use crate::random;
use crate::render;
use crate::view::{Access, Command, Role, StyleChange, TextEdit, Tool};

/// Pasted and duplicated shapes land this far (board units) from the originals.
const PASTE_OFFSET: f64 = 16.0;
/// Things pasted or dropped at one spot in a row step down and right by this (screen pixels).
const PLACE_CASCADE_PX: f64 = 24.0;
/// Zoom buttons multiply or divide the zoom by this.
const ZOOM_STEP: f64 = 1.25;
/// Zoom to fit leaves this margin (screen pixels) around the shapes.
const FIT_MARGIN_PX: f64 = 48.0;
/// Largest side of a placed image, in board units (bigger images are scaled down).
const MAX_IMAGE_SIDE: f64 = 800.0;
/// Marks the board's own clipboard format.
const CLIPBOARD_KIND: &str = "whiteboard/shapes";

/// Shapes on the system clipboard, as JSON text (other apps see JSON; boards paste shapes).
#[derive(Serialize, Deserialize)]
struct Clipboard {
    kind: String,
    shapes: Vec<Shape>,
}

/// Whether pasted text is shapes copied from a board (`Engine::paste_text` reads it; no file
/// reader is needed, nor fetched, for it).
pub fn is_board_clipboard(text: &str) -> bool {
    text.trim_start()
        .strip_prefix(r#"{"kind":""#)
        .and_then(|rest| rest.strip_prefix(CLIPBOARD_KIND))
        .is_some_and(|rest| rest.starts_with('"'))
}

/// Only images stored on this board's server are shown (no tracking pixels from elsewhere).
pub fn safe_image_src(src: &str) -> bool {
    src.starts_with("/boards/") && !src.contains("..") && !src.contains("//")
}

impl Engine {
    /// Runs a command from the panels or a shortcut.
    pub fn command(&mut self, command: Command) {
        if self.gesture != crate::tools::Gesture::Idle
            && !matches!(
                command,
                Command::FinishText(_) | Command::EditText(_) | Command::Follow(_)
            )
        {
            return;
        }
        self.refresh();
        match command {
            Command::History(action) => self.history(action),
            Command::SetTitle(title) => {
                if !self.read_only {
                    self.change(|txn, b| b.set_title(txn, &title));
                    self.refresh_title();
                }
            }
            Command::Style(change) => self.change_style(change),
            Command::Duplicate => {
                let shapes = self.selected_with_children();
                self.insert_copies(shapes, Point::new(PASTE_OFFSET, PASTE_OFFSET));
            }
            Command::Delete => {
                // A frame goes with what is in it; locked shapes stay, selected.
                let ids: Vec<String> = board::lock::editable(self.selected_with_children())
                    .into_iter()
                    .map(|s| s.id)
                    .collect();
                self.selection.retain(|id| !ids.contains(id));
                self.publish_selection();
                self.change(|txn, b| {
                    for id in &ids {
                        b.remove(txn, id);
                    }
                });
            }
            Command::SelectAll => {
                let ids = board::lock::select_all(&self.shapes);
                self.select(ids);
            }
            Command::Order(op) => {
                let editable = self.editable_selection();
                let selected: HashSet<&str> = editable.iter().map(|s| s.id.as_str()).collect();
                let keys = edit::reorder(&self.shapes, &selected, op);
                if !keys.is_empty() {
                    self.change(|txn, b| {
                        for (id, key) in &keys {
                            b.set(txn, id, "index", Some(key.as_str().into()));
                        }
                    });
                }
            }
            Command::Group => {
                if self.selection.len() > 1 {
                    let group = random::shape_id();
                    let ids = self.selection.clone();
                    self.change(|txn, b| {
                        for id in &ids {
                            b.set(txn, id, "group", Some(group.as_str().into()));
                        }
                    });
                }
            }
            Command::Ungroup => {
                let ids = self.selection.clone();
                self.change(|txn, b| {
                    for id in &ids {
                        b.set(txn, id, "group", None);
                    }
                });
            }
            Command::Align(how) => {
                let shapes = self.editable_selection();
                let refs: Vec<&Shape> = shapes.iter().collect();
                self.move_to(edit::align(&refs, how));
            }
            Command::Distribute { horizontal } => {
                let shapes = self.editable_selection();
                let refs: Vec<&Shape> = shapes.iter().collect();
                self.move_to(edit::distribute(&refs, horizontal));
            }
            Command::Find(query) => self.find(query),
            Command::FindStep { back } => self.find_step(back),
            Command::FindClose => self.find_close(),
            Command::Present(from) => self.present(from),
            Command::SlideStep(by) => self.slide_step(by),
            Command::StopPresenting => self.stop_presenting(),
            Command::MoveSlide { id, by } => self.move_slide(&id, by),
            Command::AddToLibrary(section) => self.add_selection_to_library(section),
            Command::RemoveFromLibrary(section, id) => self.remove_from_library(section, &id),
            Command::InsertFromLibrary(section, id) => {
                self.insert_from_library(section, &id, None);
            }
            Command::ZoomIn => self.zoom_by(ZOOM_STEP),
            Command::ZoomOut => self.zoom_by(1.0 / ZOOM_STEP),
            Command::ZoomReset => self.zoom_by(1.0 / self.viewport.zoom),
            Command::ZoomToFit | Command::ZoomToSelection => self.zoom_to_fit(true),
            Command::ZoomToAll => self.zoom_to_fit(false),
            Command::MinimapJump { fx, fy } => {
                let Some(at) = self.minimap.as_ref().and_then(|m| m.board_point(fx, fy)) else {
                    return;
                };
                let here = self
                    .viewport
                    .to_board(Point::new(self.size.width / 2.0, self.size.height / 2.0));
                self.viewport.origin.x += at.x - here.x;
                self.viewport.origin.y += at.y - here.y;
                self.view_changed();
            }
            Command::EditText(text) => self.edit_text(text),
            Command::Follow(leader) => self.follow(leader),
            Command::ShowCursors(show) => {
                self.show_cursors = show;
                self.request_frame();
            }
            Command::FinishText(text) => self.finish_text(text),
            Command::ToggleLock => self.toggle_lock(),
            Command::SetLink(text) => self.set_link(text),
            Command::FollowLink => self.follow_selected_link(),
        }
    }

    /// Moves shapes to new top-left corners as one undo step.
    fn move_to(&mut self, moves: Vec<(String, Point)>) {
        if moves.is_empty() {
            return;
        }
        self.change(|txn, b| {
            for (id, p) in &moves {
                b.set_position(txn, id, p.x, p.y);
            }
        });
    }

    /// Applies a style to the selection (one undo step) and keeps it for new shapes.
    fn change_style(&mut self, change: StyleChange) {
        let (key, value): (&str, Option<Any>) = match &change {
            StyleChange::Stroke(c) => {
                self.style.stroke = c.clone();
                ("stroke", Some(c.as_str().into()))
            }
            StyleChange::Fill(f) => {
                self.style.fill = f.clone();
                ("fill", f.as_deref().map(Any::from))
            }
            StyleChange::StrokeWidth(w) => {
                self.style.stroke_width = *w;
                ("strokeWidth", Some((*w).into()))
            }
            StyleChange::Dash(d) => {
                self.style.dash = *d;
                ("dash", Some(d.as_str().into()))
            }
            StyleChange::Opacity(o) => {
                let o = o.clamp(MIN_OPACITY, 1.0);
                self.style.opacity = o;
                ("opacity", Some(o.into()))
            }
            StyleChange::FontSize(f) => {
                let f = f.clamp(MIN_FONT_SIZE, MAX_FONT_SIZE);
                self.style.font_size = f;
                ("fontSize", Some(f.into()))
            }
            StyleChange::Elbow(on) => {
                self.style.elbow = *on;
                ("route", on.then(|| "elbow".into()))
            }
            StyleChange::Sloppiness(s) => {
                self.style.sloppiness = *s;
                // Architect is the absent field, as on boards made before the option.
                let stored = (*s != Sloppiness::Architect).then(|| s.as_str().into());
                ("sloppiness", stored)
            }
            StyleChange::Font(f) => {
                self.style.font_family = *f;
                let stored = (*f != Font::Sans).then(|| f.as_str().into());
                ("fontFamily", stored)
            }
        };
        let targets: Vec<Shape> = self.editable_selection();
        if !targets.is_empty() {
            // A text shape's box follows its size and face.
            let font = matches!(change, StyleChange::FontSize(_) | StyleChange::Font(_));
            let resized: Vec<Shape> = targets
                .iter()
                .filter(|s| font && s.kind == ShapeKind::Text)
                .map(|s| {
                    let mut s = s.clone();
                    s.style.font_size = self.style.font_size;
                    s.style.font_family = self.style.font_family;
                    self.fit_text(&mut s);
                    s
                })
                .collect();
            // The presses of one opacity adjustment (arrow keys on the slider) are one step,
            // as a drag of the slider is.
            let joining = matches!(change, StyleChange::Opacity(_)).then(|| {
                let ids: Vec<&str> = targets.iter().map(|s| s.id.as_str()).collect();
                format!("{key}:{}", ids.join(","))
            });
            let apply = |txn: &mut TransactionMut, b: &BoardDoc| {
                // (A sticky note without fill shows its default paper colour.)
                for s in &targets {
                    b.set(txn, &s.id, key, value.clone());
                }
                for s in &resized {
                    b.set_geometry(txn, s);
                }
            };
            match joining {
                Some(key) => self.change_joining(key, apply),
                None => self.change(apply),
            };
        }
        self.publish_selection();
        let style = self.style.clone();
        if self.selection.is_empty() && style != self.shown_style {
            self.shown_style = style.clone();
            self.after.view.style = Some(style);
        }
    }

    /// Inserts copies of `shapes` (new ids, on top, moved by `offset`, unlocked) and selects
    /// them. Groups, arrow bindings and links among the copies point at the copies.
    fn insert_copies(&mut self, shapes: Vec<Shape>, offset: Point) {
        if shapes.is_empty() {
            return;
        }
        let ids: std::collections::HashMap<String, String> = shapes
            .iter()
            .map(|s| (s.id.clone(), random::shape_id()))
            .collect();
        let groups: std::collections::HashMap<String, String> = shapes
            .iter()
            .filter_map(|s| s.group.clone())
            .map(|g| (g, random::shape_id()))
            .collect();
        let copies: Vec<Shape> = shapes
            .into_iter()
            .map(|s| Shape {
                id: ids[&s.id].clone(),
                x: s.x + offset.x,
                y: s.y + offset.y,
                start_bind: s.start_bind.as_ref().and_then(|b| ids.get(b).cloned()),
                end_bind: s.end_bind.as_ref().and_then(|b| ids.get(b).cloned()),
                group: s.group.as_ref().and_then(|g| groups.get(g).cloned()),
                frame: s.frame.as_ref().and_then(|f| ids.get(f).cloned()),
                src: s.src.filter(|src| safe_image_src(src)),
                // Copies come unlocked, to be placed; links among them lead to the copies.
                locked: false,
                link: s.link.map(|link| match Link::stored(&link) {
                    Some(Link::Shape(to)) if ids.contains_key(&to) => {
                        Link::Shape(ids[&to].clone()).to_stored()
                    }
                    _ => link,
                }),
                ..s
            })
            .collect();
        let new_ids: Vec<String> = copies.iter().map(|s| s.id.clone()).collect();
        self.change(|txn, b| {
            let mut key = b.next_index(txn);
            for s in &copies {
                let s = Shape {
                    index: key.clone(),
                    ..s.clone()
                };
                b.put(txn, &s);
                key = board::order::key_after(Some(&key));
            }
        });
        self.doc_dirty = true;
        self.reload_shapes();
        self.reframe(&new_ids);
        self.selection.clear();
        self.select(new_ids);
    }

    /// The selection as clipboard text, if anything is selected.
    pub fn copy_selection(&self) -> Option<String> {
        let shapes = self.selected_with_children();
        if shapes.is_empty() {
            return None;
        }
        serde_json::to_string(&Clipboard {
            kind: CLIPBOARD_KIND.to_owned(),
            shapes,
        })
        .ok()
    }

    /// Cut: the selection goes to the clipboard and off the board.
    pub fn cut_selection(&mut self) -> Option<String> {
        let text = self.copy_selection()?;
        self.command(Command::Delete);
        Some(text)
    }

    /// Pastes clipboard text: the board's own shapes as copies, any other text as a text shape
    /// in the middle of the view.
    pub fn paste_text(&mut self, text: &str) {
        if let Ok(clip) = serde_json::from_str::<Clipboard>(text) {
            if clip.kind == CLIPBOARD_KIND {
                let shapes: Vec<Shape> = clip
                    .shapes
                    .into_iter()
                    .filter(|s| s.x.is_finite() && s.y.is_finite())
                    .take(10_000)
                    .collect();
                self.insert_copies(shapes, Point::new(PASTE_OFFSET, PASTE_OFFSET));
                return;
            }
        }
        let text: String = text.trim().chars().take(10_000).collect();
        if text.is_empty() {
            return;
        }
        let at = self.place_point(None);
        let shape = self.new_text(text, at);
        self.insert_copies(vec![shape], Point::default());
    }

    /// Where something pasted or dropped goes: the drop point, else the pointer when it is
    /// over the canvas, else the view's centre; moved down and right of the last thing placed
    /// when that went to the same spot, so that repeated pastes do not pile up.
    pub(super) fn place_point(&mut self, screen: Option<Point>) -> Point {
        let base = match (screen, self.cursor) {
            (Some(s), _) => self.viewport.to_board(s),
            (None, Some(c)) => Point::new(c.x, c.y),
            (None, None) => self.view_center(),
        };
        let step = PLACE_CASCADE_PX / self.viewport.zoom;
        let at = match self.last_placed {
            Some((last_base, last_at)) if last_base.distance(base) < step / 2.0 => {
                Point::new(last_at.x + step, last_at.y + step)
            }
            _ => base,
        };
        self.last_placed = Some((base, at));
        at
    }

    pub(super) fn view_center(&self) -> Point {
        self.viewport
            .to_board(Point::new(self.size.width / 2.0, self.size.height / 2.0))
    }

    fn zoom_by(&mut self, factor: f64) {
        let center = Point::new(self.size.width / 2.0, self.size.height / 2.0);
        self.viewport.zoom_at(center, factor);
        self.editing_moved();
        self.view_changed();
    }

    /// Shows every shape (or the selection, when `selection` and there is one) as large as
    /// fits, at most 100 %.
    fn zoom_to_fit(&mut self, selection: bool) {
        let selected = if selection {
            self.selected_shapes()
        } else {
            Vec::new()
        };
        let target = if selected.is_empty() {
            edit::bounds_of(&self.shapes)
        } else {
            edit::bounds_of(&selected)
        };
        let Some(b) = target else {
            self.zoom_by(1.0 / self.viewport.zoom);
            return;
        };
        let (w, h) = (
            (self.size.width - 2.0 * FIT_MARGIN_PX).max(1.0),
            (self.size.height - 2.0 * FIT_MARGIN_PX).max(1.0),
        );
        let zoom = (w / b.w.max(1.0))
            .min(h / b.h.max(1.0))
            .clamp(board::viewport::MIN_ZOOM, 1.0);
        self.viewport.zoom = zoom;
        let c = b.center();
        self.viewport.origin = Point::new(
            c.x - self.size.width / 2.0 / zoom,
            c.y - self.size.height / 2.0 / zoom,
        );
        self.editing_moved();
        self.view_changed();
    }

    // ----- text -----------------------------------------------------------------------------

    /// Opens the text editor on a shape holding text (a text, a sticky note, a label).
    pub(super) fn begin_edit(&mut self, id: &str) {
        let Some(shape) = self.shape(id).filter(|s| !self.read_only && !s.locked) else {
            return;
        };
        self.editing = Some(Editing {
            id: Some(id.to_owned()),
            at: Point::new(shape.x, shape.y),
            typed: None,
        });
        self.editing_started();
    }

    /// Opens the editor for a new text at a board point.
    pub(super) fn begin_new_text(&mut self, at: Point) {
        if self.read_only {
            return;
        }
        self.editing = Some(Editing {
            id: None,
            at,
            typed: None,
        });
        self.editing_started();
    }

    /// The editor opened: what is typed becomes one undo step of its own; others see who
    /// is typing where.
    fn editing_started(&mut self) {
        self.new_step();
        self.show_editor();
        self.schedule_presence();
    }

    /// Publishes where the editor sits on screen, or hides it.
    pub(super) fn show_editor(&mut self) {
        let edit = self.editing.clone().map(|e| {
            let shape = e.id.as_deref().and_then(|id| self.shape(id)).cloned();
            let z = self.viewport.zoom;
            match shape {
                // A frame's name, over where it is drawn.
                Some(s) if s.kind == ShapeKind::Frame => {
                    let area = board::frame::name_box(&s, z);
                    let top_left = self.viewport.to_screen(Point::new(area.x, area.y));
                    TextEdit {
                        x: top_left.x,
                        y: top_left.y,
                        w: (s.w * z).max(120.0),
                        h: area.h * z,
                        font_px: board::frame::NAME_PX,
                        font: board::Font::Sans,
                        color: board::frame::FRAME_COLOR.to_owned(),
                        centred: false,
                        text: e.typed.unwrap_or(s.text),
                        rotation: 0.0,
                    }
                }
                // A line's or an arrow's label, centred halfway along it.
                Some(s) if matches!(s.kind, ShapeKind::Line | ShapeKind::Arrow) => {
                    let mid = board::route::midpoint(&s.absolute_points()).unwrap_or(s.center());
                    let at = self.viewport.to_screen(mid);
                    let font_px = s.style.font_size * z;
                    let (w, h) = (
                        (12.0 * font_px).max(80.0),
                        font_px * render::LINE_HEIGHT * 2.0,
                    );
                    TextEdit {
                        x: at.x - w / 2.0,
                        y: at.y - h / 2.0,
                        w,
                        h,
                        font_px,
                        font: s.style.font_family,
                        color: s.style.stroke.clone(),
                        centred: true,
                        text: e.typed.unwrap_or(s.text),
                        rotation: 0.0,
                    }
                }
                Some(s) => {
                    let centred = s.kind != ShapeKind::Text;
                    let area = s.label_box().unwrap_or_else(|| s.bounds());
                    let top_left = self.viewport.to_screen(Point::new(area.x, area.y));
                    TextEdit {
                        x: top_left.x,
                        y: top_left.y,
                        w: area.w * z,
                        h: area.h * z,
                        font_px: s.style.font_size * z,
                        font: s.style.font_family,
                        color: s.style.stroke.clone(),
                        centred,
                        text: e.typed.unwrap_or(s.text),
                        rotation: s.rotation,
                    }
                }
                None => {
                    let at = self.viewport.to_screen(e.at);
                    TextEdit {
                        x: at.x,
                        y: at.y,
                        w: 0.0,
                        h: self.style.font_size * z * render::LINE_HEIGHT,
                        font_px: self.style.font_size * z,
                        font: self.style.font_family,
                        color: self.style.stroke.clone(),
                        centred: false,
                        text: e.typed.unwrap_or_default(),
                        rotation: 0.0,
                    }
                }
            }
        });
        self.after.view.editing = Some(edit);
        self.request_frame();
    }

    /// The shape whose text this person is editing (published with presence).
    pub(super) fn editing_id(&self) -> Option<String> {
        self.editing.as_ref().and_then(|e| e.id.clone())
    }

    /// Text typed in the editor: into the document now, or when the throttle allows.
    fn edit_text(&mut self, text: String) {
        let Some(editing) = self.editing.as_mut() else {
            return;
        };
        editing.typed = Some(text);
        let wait = TYPING_THROTTLE_MS - (now() - self.typed_at);
        if wait <= 0.0 {
            self.write_typed();
        } else if self.typing_timer.is_none() {
            self.typing_timer = self
                .window
                .set_timeout_with_callback_and_timeout_and_arguments_0(
                    self.callbacks.typing.as_ref().unchecked_ref(),
                    wait.ceil() as i32,
                )
                .ok();
        }
    }

    /// The typing throttle timer fired.
    pub fn typing_due(&mut self) {
        self.typing_timer = None;
        self.refresh();
        self.write_typed();
    }

    /// Writes the text typed so far into the document, in the edit's undo step: a new text
    /// joins the board with its first letter (an empty one is never shown to others).
    fn write_typed(&mut self) {
        let Some(text) = self.editing.as_mut().and_then(|e| e.typed.take()) else {
            return;
        };
        self.typed_at = now();
        let Some(editing) = self.editing.clone() else {
            return;
        };
        match editing.id {
            Some(id) => self.set_text(&id, text),
            None if !text.trim().is_empty() => {
                let mut shape = self.new_text(text, editing.at);
                let id = shape.id.clone();
                self.change_joining(format!("text:{id}"), |txn, b| {
                    shape.index = b.next_index(txn);
                    b.put(txn, &shape);
                });
                if let Some(e) = self.editing.as_mut() {
                    e.id = Some(id);
                }
                self.doc_dirty = true;
                self.schedule_presence();
            }
            None => {}
        }
    }

    /// Sets a shape's text (a text shape is resized to it) in the current edit's undo step.
    fn set_text(&mut self, id: &str, text: String) {
        let Some(mut shape) = self.shape(id).cloned() else {
            return;
        };
        if text == shape.text {
            return;
        }
        shape.text = text;
        if shape.kind == ShapeKind::Text {
            self.fit_text(&mut shape);
        }
        self.change_joining(format!("text:{id}"), |txn, b| {
            b.set(txn, &shape.id, "text", Some(shape.text.as_str().into()));
            b.set_geometry(txn, &shape);
        });
    }

    /// The view moved under an open editor: move the editor with it.
    pub(super) fn editing_moved(&mut self) {
        if self.editing.is_some() {
            self.show_editor();
        }
    }

    /// A text shape at `at` in the current style, sized to its text (not yet on the board).
    fn new_text(&self, text: String, at: Point) -> Shape {
        let mut shape = Shape {
            text,
            ..Shape::boxed(
                random::shape_id(),
                ShapeKind::Text,
                Rect {
                    x: at.x,
                    y: at.y,
                    w: 0.0,
                    h: 0.0,
                },
                self.style.clone(),
                String::new(),
            )
        };
        self.fit_text(&mut shape);
        shape
    }

    /// Sizes a text shape's box to its text.
    fn fit_text(&self, shape: &mut Shape) {
        let style = &shape.style;
        let (w, h) =
            render::measure_text(&self.ctx, &shape.text, style.font_family, style.font_size);
        shape.w = w;
        shape.h = h;
    }

    /// The editor closed with `Some(text)` to keep, or `None` to drop the edit (what was
    /// typed and already sent stays; undo takes the whole edit back).
    fn finish_text(&mut self, text: Option<String>) {
        if let Some(timer) = self.typing_timer.take() {
            self.window.clear_timeout_with_handle(timer);
        }
        let Some(editing) = self.editing.take() else {
            return;
        };
        self.after.view.editing = Some(None);
        self.after.focus_canvas = true;
        self.schedule_presence();
        self.request_frame();
        let text = text.or(editing.typed).map(|t| t.trim_end().to_owned());
        match (editing.id, text) {
            (Some(id), text) => {
                let Some(shape) = self.shape(&id).cloned() else {
                    return;
                };
                let mut text = text.unwrap_or_else(|| shape.text.clone());
                if shape.kind == ShapeKind::Frame {
                    // A frame's name is one line.
                    text = text.split_whitespace().collect::<Vec<_>>().join(" ");
                }
                if text.is_empty() && shape.kind == ShapeKind::Text {
                    self.change_joining(format!("text:{id}"), |txn, b| b.remove(txn, &id));
                    self.selection.retain(|s| *s != id);
                    self.publish_selection();
                    return;
                }
                self.set_text(&id, text);
                self.new_step();
                if shape.kind == ShapeKind::Text && !self.selection.contains(&id) {
                    self.select(vec![id]);
                }
            }
            (None, Some(text)) if !text.is_empty() => {
                let shape = self.new_text(text, editing.at);
                self.insert_copies(vec![shape], Point::default());
            }
            (None, _) => {}
        }
    }

    // ----- images ---------------------------------------------------------------------------

    /// Where uploads for this board go (with the page's key).
    pub fn image_upload_url(&self) -> String {
        match crate::access::page_key() {
            Some(key) => format!("/boards/{}/images?key={key}", self.board_id),
            None => format!("/boards/{}/images", self.board_id),
        }
    }

    /// Whether this person may change the board (uploads are not started otherwise).
    pub fn may_edit(&self) -> bool {
        !self.read_only
    }

    /// What the page's link allows became known: a view link makes the page read-only.
    pub fn set_access(&mut self, access: Access) {
        self.read_only = access.role == Role::View;
        if self.read_only {
            self.cancel_gesture();
            self.editing = None;
            self.after.view.editing = Some(None);
            if !matches!(self.tool, Tool::Select | Tool::Hand | Tool::Laser) {
                self.set_tool(Tool::Select);
                self.after.view.tool = Some(Tool::Select);
            }
        }
        self.after.view.access = Some(access);
        // Others' people lists say who is viewing.
        self.schedule_presence();
        self.request_frame();
    }

    /// The board point for an image dropped at `screen`, or the view's centre.
    pub fn image_anchor(&mut self, screen: Option<Point>) -> Point {
        self.place_point(screen)
    }

    /// An uploaded image is ready: place it centred on `at`, scaled to fit
    /// [`MAX_IMAGE_SIDE`].
    pub fn add_image(&mut self, src: String, width: f64, height: f64, at: Point) {
        if !(safe_image_src(&src) && width > 0.0 && height > 0.0) {
            warn("an uploaded image could not be placed");
            return;
        }
        let scale = (MAX_IMAGE_SIDE / width.max(height)).min(1.0);
        let (w, h) = (width * scale, height * scale);
        let shape = Shape {
            src: Some(src),
            ..Shape::boxed(
                random::shape_id(),
                ShapeKind::Image,
                Rect {
                    x: at.x - w / 2.0,
                    y: at.y - h / 2.0,
                    w,
                    h,
                },
                self.style.clone(),
                String::new(),
            )
        };
        self.insert_copies(vec![shape], Point::default());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_this_servers_images_are_shown() {
        assert!(safe_image_src("/boards/abc/images/0123"));
        assert!(!safe_image_src("https://tracker.example/pixel.png"));
        assert!(!safe_image_src("//tracker.example/pixel.png"));
        assert!(!safe_image_src("/boards/../admin"));
        assert!(!safe_image_src("javascript:alert(1)"));
    }

    #[test]
    fn clipboard_text_round_trips_shapes() {
        let shape = Shape::boxed(
            "a".into(),
            ShapeKind::Diamond,
            Rect {
                x: 1.0,
                y: 2.0,
                w: 3.0,
                h: 4.0,
            },
            board::Style::default(),
            "a0".into(),
        );
        let text = serde_json::to_string(&Clipboard {
            kind: CLIPBOARD_KIND.into(),
            shapes: vec![shape.clone()],
        })
        .unwrap();
        let back: Clipboard = serde_json::from_str(&text).unwrap();
        assert_eq!(back.shapes, vec![shape]);
        // Pasting it needs no file reader.
        assert!(is_board_clipboard(&format!("\n  {text}")));
        assert!(!is_board_clipboard(
            r#"{"type":"excalidraw/clipboard","elements":[]}"#
        ));
        assert!(!is_board_clipboard(r#"{"kind":"whiteboard/shapesX"}"#));
        // Foreign JSON with missing fields still parses into defaults, not an error.
        let partial: Clipboard =
            serde_json::from_str(r#"{"kind":"whiteboard/shapes","shapes":[{"kind":"rectangle"}]}"#)
                .unwrap();
        assert_eq!(partial.shapes[0].kind, ShapeKind::Rectangle);
    }
}
