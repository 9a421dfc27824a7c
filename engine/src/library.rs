//! Libraries in the browser: this browser's items in `localStorage` (the board's live in its
//! document, see `board::library`), and `.excalidrawlib` files imported into a section or
//! exported from one. The items themselves and the file format are `board::file::library`.

use board::file::library::{self as format, LibraryItem};

use crate::client::with_engine;
use crate::files::{download, ExportedFile};
use crate::random;
use crate::view::LibrarySection;

/// The `localStorage` key of this browser's library (other tabs hear of changes to it through
/// `storage` events).
pub const STORAGE_KEY: &str = "whiteboard.library";

const NOT_RUNNING: &str = "The board is not ready yet.";

fn storage() -> Option<web_sys::Storage> {
    web_sys::window()?.local_storage().ok().flatten()
}

/// This browser's library, newest first; empty when there is none or it cannot be read.
pub fn load() -> Vec<LibraryItem> {
    storage()
        .and_then(|s| s.get_item(STORAGE_KEY).ok().flatten())
        .map(|json| format::items_from_json(&json))
        .unwrap_or_default()
}

/// Keeps `items` as this browser's library; the message says why not.
pub fn save(items: &[LibraryItem]) -> Result<(), String> {
    if items.len() > format::MAX_ITEMS {
        return Err(format!(
            "This browser's library is full ({} items).",
            format::MAX_ITEMS
        ));
    }
    let storage = storage().ok_or("This browser keeps no local storage for this page.")?;
    storage
        .set_item(STORAGE_KEY, &format::items_to_json(items))
        .map_err(|_| "This browser's storage is full: remove some library items first.".into())
}

/// Adds the items of an `.excalidrawlib` file to a section; returns the message to show. A
/// file that cannot be read changes nothing.
pub async fn import(file: &web_sys::File, section: LibrarySection) -> Result<String, String> {
    let buffer = wasm_bindgen_futures::JsFuture::from(file.array_buffer())
        .await
        .map_err(|_| "The file could not be read.")?;
    let bytes = js_sys::Uint8Array::new(&buffer).to_vec();
    let found = crate::lazy::parse_library(&bytes).await?;
    let existing = with_engine(|e| e.library_of(section)).ok_or(NOT_RUNNING)?;
    let mut items = Vec::with_capacity(found.items.len());
    let mut already = 0;
    for mut item in found.items {
        // The same shapes twice are one item; every item gets an id of its own.
        if existing
            .iter()
            .chain(&items)
            .any(|i: &LibraryItem| i.shapes == item.shapes)
        {
            already += 1;
            continue;
        }
        item.id = random::shape_id();
        if item.created <= 0.0 {
            item.created = js_sys::Date::now();
        }
        items.push(item);
    }
    let added = items.len();
    if added > 0 {
        with_engine(|e| e.add_library_items(section, items)).ok_or(NOT_RUNNING)??;
    }
    let mut message = match added {
        0 if already > 0 => "Every item of this library is there already.".to_owned(),
        0 => return Err("The library holds nothing this board can show.".into()),
        1 => format!("Added 1 item to {} library.", section.owner()),
        n => format!("Added {n} items to {} library.", section.owner()),
    };
    if already > 0 && added > 0 {
        message.push_str(&format!(" {already} were there already."));
    }
    if found.dropped > 0 {
        message.push_str(&format!(
            " Left out {} with nothing to show or too large.",
            found.dropped
        ));
    }
    message.push_str(&skipped(
        "Skipped what this board cannot show",
        &found.skipped,
    ));
    Ok(message)
}

/// Downloads a section as an `.excalidrawlib` file; returns the message to show.
pub async fn export(section: LibrarySection) -> Result<String, String> {
    let (items, title) =
        with_engine(|e| (e.library_of(section), e.export_scene(false).title)).ok_or(NOT_RUNNING)?;
    if items.is_empty() {
        return Err(format!(
            "{} library is empty: nothing to export.",
            capitalised(section.owner())
        ));
    }
    let (json, left_out) = crate::lazy::excalidrawlib(&items).await?;
    let stem = match section {
        LibrarySection::Board => format!("{}-library", crate::files::file_stem(title.as_deref())),
        LibrarySection::Browser => "library".to_owned(),
    };
    let file = ExportedFile {
        bytes: json.into_bytes(),
        mime: "application/vnd.excalidrawlib+json",
        name: format!("{stem}.excalidrawlib"),
        note: None,
    };
    download(&file)?;
    let note = skipped("Left out what a library file cannot hold", &left_out);
    Ok(format!("Saved {}.{note}", file.name))
}

/// `" {lead}: 2 embeddable, 1 iframe."`, or nothing when nothing was left out.
fn skipped(lead: &str, kinds: &[(String, usize)]) -> String {
    if kinds.is_empty() {
        return String::new();
    }
    let list: Vec<String> = kinds.iter().map(|(k, n)| format!("{n} {k}")).collect();
    format!(" {lead}: {}.", list.join(", "))
}

fn capitalised(text: &str) -> String {
    let mut chars = text.chars();
    chars
        .next()
        .map(|c| c.to_uppercase().chain(chars).collect())
        .unwrap_or_default()
}
