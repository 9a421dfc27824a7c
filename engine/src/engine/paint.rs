//! Painting: animation frames, the scene drawn on the canvas and the minimap, images seen in
//! the document, the hand-writing face once something uses it, the canvas size, the theme and
//! the zoom.

use board::{Font, Point};
use wasm_bindgen::closure::Closure;
use wasm_bindgen::JsCast;
use web_sys::HtmlImageElement;

use super::{now, warn, Engine, LASER_FADE_MS};

/// The outline of the find bar's matches (other than the one selected).
const FOUND: &str = "#f08c00";
use crate::render::{self, CanvasSize, Scene};
use crate::tools::Gesture;

impl Engine {
    /// Asks for one animation frame; any number of changes before it share that frame.
    pub fn request_frame(&mut self) {
        if self.frame_requested {
            return;
        }
        match self
            .window
            .request_animation_frame(self.callbacks.frame.as_ref().unchecked_ref())
        {
            Ok(_) => self.frame_requested = true,
            Err(_) => warn("requestAnimationFrame failed"),
        }
    }

    /// The animation frame: write a running edit, re-read the shapes if needed, paint.
    pub fn frame(&mut self) {
        // Still marked as requested while painting: changes made now (the edit written below)
        // are part of this frame and need no other.
        self.paint_now();
        self.frame_requested = false;
        // A fading laser trail needs the next frames too.
        let t = now();
        let had_laser = !self.laser.is_empty();
        self.laser.retain(|(_, at)| t - at < LASER_FADE_MS);
        if had_laser && self.laser.is_empty() {
            // The trail is gone: others stop showing it too.
            self.publish_presence();
        }
        if !self.laser.is_empty() || self.peers.iter().any(|p| !p.laser.is_empty()) {
            self.request_frame();
        }
    }

    pub(super) fn paint_now(&mut self) {
        self.write_gesture();
        if self.doc_dirty {
            self.reload_shapes();
        }
        self.refresh_library();
        let preview = self.gesture.drawn_shape(
            self.next_id.clone(),
            String::new(),
            &self.style,
            self.viewport.zoom,
        );
        let selected = self.selected_shapes();
        let visible = self
            .index
            .query(&self.viewport.visible(self.size.width, self.size.height));
        if !self.hand_font_requested {
            let hand = |s: &board::Shape| s.style.font_family == Font::Hand && s.kind.has_text();
            if self.style.font_family == Font::Hand
                || visible.iter().any(|&i| hand(&self.shapes[i]))
            {
                self.load_hand_font();
            }
        }
        let (faded, guides, marquee, trail) = match &self.gesture {
            Gesture::Erase { hits, trail, .. } => (hits.clone(), Vec::new(), None, trail.clone()),
            Gesture::Move { guides, .. } => (Vec::new(), guides.clone(), None, Vec::new()),
            Gesture::Marquee { start, end, .. } => (
                Vec::new(),
                Vec::new(),
                Some(board::Rect::from_corners(*start, *end)),
                Vec::new(),
            ),
            _ => Default::default(),
        };
        let t = now();
        let laser: Vec<(Point, f64)> = self
            .laser
            .iter()
            .map(|(p, at)| (*p, 1.0 - (t - at) / LASER_FADE_MS))
            .collect();
        let editing = self.editing.as_ref().and_then(|e| e.id.clone());
        // What others have selected, outlined in their colours, and the find bar's matches.
        let others_selected: Vec<(&str, board::Rect)> = self
            .peers
            .iter()
            .flat_map(|p| {
                p.selection
                    .iter()
                    .filter_map(|id| self.shape(id))
                    .map(|s| (p.color.as_str(), s.aabb()))
            })
            .chain(
                self.found_ids()
                    .iter()
                    .filter(|id| !self.selection.contains(id))
                    .filter_map(|id| self.shape(id))
                    .map(|s| (FOUND, s.aabb())),
            )
            .collect();
        let scene = Scene {
            viewport: self.viewport,
            size: self.size,
            shapes: &self.shapes,
            visible: &visible,
            positions: &self.positions,
            preview: preview.as_ref(),
            selected: &selected,
            handles: self.gesture == Gesture::Idle || self.gesture.edits(),
            faded: &faded,
            hidden: editing.as_deref(),
            guides: &guides,
            marquee,
            eraser: &trail,
            laser: &laser,
            peers: &self.peers,
            others_selected: &others_selected,
            show_cursors: self.show_cursors,
            color: &self.identity.color,
        };
        let mut assets = render::Assets {
            images: &self.images,
            pens: &mut self.pens,
            sketches: &mut self.sketches,
            dark: self.dark,
        };
        let missing = render::paint(&self.ctx, &scene, &mut assets);
        self.pens.trim(&self.positions);
        self.sketches.trim(&self.positions);
        for src in missing {
            self.load_image(src);
        }
        let minimap_due = self
            .minimap
            .as_mut()
            .is_some_and(|m| m.paint(&self.shapes, &self.viewport, self.size, now()));
        if minimap_due && self.minimap_timer.is_none() {
            // The minimap's redraw waits for its throttle: a frame then.
            self.minimap_timer = self
                .window
                .set_timeout_with_callback_and_timeout_and_arguments_0(
                    self.callbacks.minimap.as_ref().unchecked_ref(),
                    render::MINIMAP_REDRAW_MS as i32,
                )
                .ok();
        }
    }

    /// Asks the page for the hand-writing face (`@font-face` in the style sheet; a canvas
    /// does not load faces by itself) and paints again once it is there: until then, text in
    /// it shows in a fallback face.
    fn load_hand_font(&mut self) {
        self.hand_font_requested = true;
        let Some(document) = self.window.document() else {
            return;
        };
        let promise = document.fonts().load(&render::font(Font::Hand, 20.0));
        let me = self.me.clone();
        wasm_bindgen_futures::spawn_local(async move {
            if wasm_bindgen_futures::JsFuture::from(promise).await.is_err() {
                warn("the hand-writing font did not load");
            }
            if let Some(client) = me.upgrade() {
                client.run(Engine::request_frame);
            }
        });
    }

    /// The minimap's throttle timer fired: paint once more.
    pub fn minimap_due(&mut self) {
        self.minimap_timer = None;
        self.request_frame();
    }

    /// Starts loading an image seen in the document; the frame after it loads paints it.
    pub(super) fn load_image(&mut self, src: String) {
        if self.images.contains_key(&src) || !super::commands::safe_image_src(&src) {
            return;
        }
        let Ok(img) = HtmlImageElement::new() else {
            return;
        };
        let me = self.me.clone();
        let loaded = Closure::<dyn FnMut()>::new(move || {
            if let Some(client) = me.upgrade() {
                client.run(Engine::request_frame);
            }
        });
        img.set_onload(Some(loaded.as_ref().unchecked_ref()));
        // One closure per image for the page's lifetime; images are few.
        loaded.forget();
        // The server shows a board's images to whoever holds one of its keys.
        match &self.key {
            Some(key) => img.set_src(&format!("{src}?key={key}")),
            None => img.set_src(&src),
        }
        self.images.insert(src, img);
    }

    /// Matches the canvas backing store to its CSS size and the device pixel ratio, and paints
    /// at once (resizing clears the canvas).
    pub fn resize(&mut self) {
        let dpr = Some(self.window.device_pixel_ratio())
            .filter(|d| d.is_finite() && *d > 0.0)
            .unwrap_or(1.0);
        let size = CanvasSize {
            width: f64::from(self.canvas.client_width().max(0)),
            height: f64::from(self.canvas.client_height().max(0)),
            dpr,
        };
        if size == self.size {
            return;
        }
        self.size = size;
        self.canvas.set_width((size.width * dpr).round() as u32);
        self.canvas.set_height((size.height * dpr).round() as u32);
        if let Some(minimap) = &mut self.minimap {
            minimap.resize(dpr);
        }
        // A slide fills the window whatever its size.
        self.show_slide();
        self.paint_now();
        // A page opened at a shape's address waits for the canvas's size to centre it.
        self.arrive();
    }

    /// The page switched theme.
    pub fn set_dark(&mut self, dark: bool) {
        if dark != self.dark {
            self.dark = dark;
            self.request_frame();
        }
    }

    /// The zoom changed: tell the zoom indicator and repaint.
    pub(super) fn view_changed(&mut self) {
        if !self.applying_follow && self.following.is_some() {
            // Our own pan or zoom ends following.
            self.follow(None);
        }
        // Others may follow our view.
        self.schedule_presence();
        if self.viewport.zoom != self.shown_zoom {
            self.shown_zoom = self.viewport.zoom;
            self.after.view.zoom = Some(self.viewport.zoom);
        }
        self.request_frame();
    }
}
