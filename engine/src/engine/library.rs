//! The Library panel's side of the engine: the board's items (read from the document when it
//! changes) and this browser's (kept by `crate::library`), published with thumbnails; the
//! selection kept as an item; an item inserted at the view's centre or where it was dropped,
//! as one undo step.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use board::file::library::LibraryItem;
use board::Point;

use super::{now, warn, Engine};
use crate::random;
use crate::view::{LibraryEntry, LibrarySection};

/// Space around a thumbnail's shapes, in board units.
const THUMBNAIL_PADDING: f64 = 8.0;

/// Both libraries as the engine holds them.
pub(super) struct Libraries {
    /// Raised when the board's library changes in the document.
    board_changed: Arc<AtomicBool>,
    board: Vec<LibraryItem>,
    browser: Vec<LibraryItem>,
    /// Thumbnails drawn so far (a list: libraries are small, and published rarely).
    thumbnails: Vec<Thumbnail>,
    /// This browser's items were published once (the board's are, when first read).
    browser_shown: bool,
    /// The sections whose thumbnails are being drawn in the background.
    drawing: Vec<LibrarySection>,
}

/// An item's thumbnail, with what it was drawn from (shape count, creation time): items do
/// not change once made, so this is enough to tell a stale one.
struct Thumbnail {
    section: LibrarySection,
    id: String,
    drawn_from: (usize, u64),
    url: String,
}

impl Libraries {
    pub(super) fn new(board_changed: Arc<AtomicBool>) -> Self {
        Self {
            board_changed,
            board: Vec::new(),
            browser: crate::library::load(),
            thumbnails: Vec::new(),
            browser_shown: false,
            drawing: Vec::new(),
        }
    }
}

impl Engine {
    fn library_items(&self, section: LibrarySection) -> &[LibraryItem] {
        match section {
            LibrarySection::Board => &self.library.board,
            LibrarySection::Browser => &self.library.browser,
        }
    }

    /// Re-reads the board's library if it changed, and publishes it.
    pub(super) fn refresh_library(&mut self) {
        if !self.library.browser_shown {
            self.library.browser_shown = true;
            self.publish_library(LibrarySection::Browser);
        }
        if !board::library::take_changed(&self.library.board_changed) {
            return;
        }
        match self.board.library() {
            Ok(items) => {
                self.library.board = items;
                self.publish_library(LibrarySection::Board);
            }
            Err(e) => {
                // Busy: read again on the next frame.
                self.library.board_changed.store(true, Ordering::Relaxed);
                warn(&format!("cannot read the library: {e}"));
            }
        }
    }

    /// Tells the panel a section's items, with the thumbnails drawn so far; the ones it lacks
    /// are drawn in the background (the drawing code is fetched on first use, see
    /// `crate::lazy`) and the section is published again when they are there.
    pub(super) fn publish_library(&mut self, section: LibrarySection) {
        let items = match section {
            LibrarySection::Board => &self.library.board,
            LibrarySection::Browser => &self.library.browser,
        };
        let thumbnails = &mut self.library.thumbnails;
        thumbnails.retain(|t| t.section != section || items.iter().any(|i| i.id == t.id));
        let mut entries = Vec::with_capacity(items.len());
        let mut missing = Vec::new();
        for item in items {
            let drawn_from = (item.shapes.len(), item.created.to_bits());
            let url = thumbnails
                .iter()
                .find(|t| t.section == section && t.id == item.id && t.drawn_from == drawn_from)
                .map(|t| t.url.clone());
            if url.is_none() {
                missing.push(item.clone());
            }
            entries.push(LibraryEntry {
                id: item.id.clone(),
                label: item.label(),
                thumbnail: url.unwrap_or_default(),
            });
        }
        match section {
            LibrarySection::Board => self.after.view.board_library = Some(entries),
            LibrarySection::Browser => self.after.view.browser_library = Some(entries),
        }
        if !missing.is_empty() && !self.library.drawing.contains(&section) {
            self.library.drawing.push(section);
            self.draw_thumbnails(section, missing);
        }
    }

    /// Draws thumbnails in the background, then keeps them and publishes the section again
    /// (which draws what changed meanwhile).
    fn draw_thumbnails(&self, section: LibrarySection, items: Vec<LibraryItem>) {
        let me = self.me.clone();
        wasm_bindgen_futures::spawn_local(async move {
            let mut drawn = Vec::with_capacity(items.len());
            for item in &items {
                match crate::lazy::picture(&item.shapes, THUMBNAIL_PADDING).await {
                    Ok(url) => drawn.push(Thumbnail {
                        section,
                        id: item.id.clone(),
                        drawn_from: (item.shapes.len(), item.created.to_bits()),
                        url,
                    }),
                    Err(failure) => {
                        warn(&failure.0);
                        break;
                    }
                }
            }
            if let Some(client) = me.upgrade() {
                client.run(|e| e.thumbnails_drawn(section, drawn));
            }
        });
    }

    fn thumbnails_drawn(&mut self, section: LibrarySection, drawn: Vec<Thumbnail>) {
        self.library.drawing.retain(|s| *s != section);
        if drawn.is_empty() {
            return;
        }
        let thumbnails = &mut self.library.thumbnails;
        for fresh in drawn {
            match thumbnails
                .iter()
                .position(|t| t.section == fresh.section && t.id == fresh.id)
            {
                Some(i) => thumbnails[i] = fresh,
                None => thumbnails.push(fresh),
            }
        }
        self.publish_library(section);
    }

    /// Another tab of this browser changed the browser's library.
    pub fn browser_library_changed(&mut self) {
        self.library.browser = crate::library::load();
        self.publish_library(LibrarySection::Browser);
    }

    pub(super) fn library_status(&mut self, message: impl Into<String>) {
        self.after.view.library_status = Some(message.into());
    }

    /// Keeps the selection as a new item of `section`.
    pub(super) fn add_selection_to_library(&mut self, section: LibrarySection) {
        let shapes = self.selected_shapes();
        if shapes.is_empty() {
            self.library_status("Select the shapes to keep first.");
            return;
        }
        let item = LibraryItem::new(random::shape_id(), "", now(), shapes);
        let label = item.label();
        match self.add_library_items(section, vec![item]) {
            Ok(()) => self.library_status(format!("Added {label} to {} library.", section.owner())),
            Err(message) => self.library_status(message),
        }
    }

    /// Adds items to a section (the board's: as one undo step), all or none; the message says
    /// why not.
    pub fn add_library_items(
        &mut self,
        section: LibrarySection,
        items: Vec<LibraryItem>,
    ) -> Result<(), String> {
        match section {
            LibrarySection::Board => {
                if !self.may_edit() {
                    return Err(
                        "This is a view-only link: the board's library cannot change.".into(),
                    );
                }
                match self.change(|txn, b| b.add_library_items(txn, &items)) {
                    Some(Ok(())) => {
                        self.refresh_library();
                        Ok(())
                    }
                    Some(Err(full)) => Err(format!("Not added: {full}.")),
                    None => Err("The board is busy; try again.".into()),
                }
            }
            LibrarySection::Browser => {
                let mut kept = items;
                kept.extend(self.library.browser.iter().cloned());
                crate::library::save(&kept)?;
                self.library.browser = kept;
                self.publish_library(LibrarySection::Browser);
                Ok(())
            }
        }
    }

    /// Takes an item out of a section (the board's: as one undo step).
    pub(super) fn remove_from_library(&mut self, section: LibrarySection, id: &str) {
        let label = self
            .library_items(section)
            .iter()
            .find(|i| i.id == id)
            .map(LibraryItem::label);
        let Some(label) = label else {
            return;
        };
        match section {
            LibrarySection::Board => {
                if !self.may_edit() {
                    return;
                }
                self.change(|txn, b| b.remove_library_item(txn, id));
                self.refresh_library();
            }
            LibrarySection::Browser => {
                let kept: Vec<LibraryItem> = self
                    .library
                    .browser
                    .iter()
                    .filter(|i| i.id != id)
                    .cloned()
                    .collect();
                if let Err(message) = crate::library::save(&kept) {
                    self.library_status(message);
                    return;
                }
                self.library.browser = kept;
                self.publish_library(LibrarySection::Browser);
            }
        }
        self.library_status(format!("Removed {label} from {} library.", section.owner()));
    }

    /// Inserts an item's shapes, selected, as one undo step: centred on the board point under
    /// `screen` (a drop), or on the view's centre, each further insertion there a step down
    /// and right.
    pub fn insert_from_library(
        &mut self,
        section: LibrarySection,
        id: &str,
        screen: Option<Point>,
    ) {
        if !self.may_edit() {
            self.library_status("This is a view-only link: nothing can be inserted.");
            return;
        }
        let Some(item) = self.library_items(section).iter().find(|i| i.id == id) else {
            return;
        };
        let mut scene = board::file::Scene {
            shapes: item.shapes.clone(),
            ..board::file::Scene::default()
        };
        let label = item.label();
        self.refresh();
        let centre = Point::new(self.size.width / 2.0, self.size.height / 2.0);
        let at = self.place_point(Some(screen.unwrap_or(centre)));
        board::file::place(
            &mut scene,
            at,
            self.top_index().as_deref(),
            &mut random::shape_id,
        );
        self.insert_scene(scene.shapes);
        self.library_status(format!("Inserted {label}."));
    }

    /// A section's items, for an export.
    pub fn library_of(&self, section: LibrarySection) -> Vec<LibraryItem> {
        self.library_items(section).to_vec()
    }
}
