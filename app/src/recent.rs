//! Recently opened boards, kept in this browser's `localStorage` (never on the server, so board
//! ids stay known only to the people who were given them).

use crate::pages::RecentBoard;

const KEY: &str = "whiteboard.recent";
const MAX: usize = 20;

fn storage() -> Option<web_sys::Storage> {
    web_sys::window()?.local_storage().ok().flatten()
}

/// The recent boards, most recent first. A missing or unreadable entry reads as empty.
pub fn load() -> Vec<RecentBoard> {
    storage()
        .and_then(|s| s.get_item(KEY).ok().flatten())
        .and_then(|json| serde_json::from_str(&json).ok())
        .unwrap_or_default()
}

/// Puts `id`, opened with the page's key, at the top of the list.
pub fn remember(id: &str) {
    let Some(storage) = storage() else { return };
    let mut list = load();
    let title = list
        .iter()
        .find(|b| b.id == id)
        .map(|b| b.title.clone())
        .unwrap_or_default();
    list.retain(|b| b.id != id);
    list.insert(
        0,
        RecentBoard {
            id: id.to_owned(),
            key: engine::access::page_key(),
            visited_at: js_sys::Date::now(),
            title,
        },
    );
    list.truncate(MAX);
    save(&storage, &list);
}

fn save(storage: &web_sys::Storage, list: &[RecentBoard]) {
    if let Ok(json) = serde_json::to_string(list) {
        let _ = storage.set_item(KEY, &json);
    }
}

/// Keeps a board's title for the list (the board page reports it once loaded).
pub fn set_title(id: &str, title: &str) {
    let Some(storage) = storage() else { return };
    let mut list = load();
    match list.iter_mut().find(|b| b.id == id) {
        Some(board) if board.title != title && !title.is_empty() => {
            board.title = title.to_owned();
            save(&storage, &list);
        }
        _ => {}
    }
}

/// Takes a board off this browser's list.
pub fn forget(id: &str) {
    let Some(storage) = storage() else { return };
    let mut list = load();
    list.retain(|b| b.id != id);
    save(&storage, &list);
}

const NAME_ASKED_KEY: &str = "whiteboard.name-asked";

/// Whether this browser asked the person's name already.
pub fn name_asked() -> bool {
    storage()
        .and_then(|s| s.get_item(NAME_ASKED_KEY).ok().flatten())
        .is_some()
}

pub fn remember_name_asked() {
    if let Some(storage) = storage() {
        let _ = storage.set_item(NAME_ASKED_KEY, "1");
    }
}

const THEME_KEY: &str = "whiteboard.theme";

/// Dark theme: the person's choice if they made one, else the system's preference.
pub fn prefers_dark() -> bool {
    match storage().and_then(|s| s.get_item(THEME_KEY).ok().flatten()) {
        Some(theme) => theme == "dark",
        None => web_sys::window()
            .and_then(|w| w.match_media("(prefers-color-scheme: dark)").ok().flatten())
            .is_some_and(|m| m.matches()),
    }
}

/// Remembers the person's theme choice.
pub fn remember_theme(dark: bool) {
    if let Some(storage) = storage() {
        let _ = storage.set_item(THEME_KEY, if dark { "dark" } else { "light" });
    }
}
