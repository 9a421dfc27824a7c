//! A board's own library: items of shapes kept in the board's document (root map
//! [`LIBRARY`], laid out as [`crate::layout`] documents), so everyone on the board sees the
//! same items live, and they stay with the board. Items themselves are [`LibraryItem`]s.
//!
//! Reading skips whatever does not follow the layout (a foreign client's entries, damaged or
//! oversized shapes) and never fails. Writing keeps the library within [`MAX_ITEMS`] items and
//! [`MAX_LIBRARY_BYTES`] in all, well inside the server's limits on a message and a board.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use yrs::{Any, Map, MapPrelim, MapRef, Observable, Out, ReadTxn, Transact, TransactionMut};

use crate::file::library::{
    shapes_from_json, LibraryItem, MAX_ITEMS, MAX_ITEM_BYTES, MAX_NAME_CHARS,
};
use crate::layout::{BoardDoc, LayoutError};

/// Root map holding a board's library items by id.
pub const LIBRARY: &str = "library";
/// Most bytes of shapes a board's library holds in all (a sixteenth of a board's default size
/// limit; one import's update stays far below the server's largest message).
pub const MAX_LIBRARY_BYTES: usize = 4_000_000;

/// Why items could not be added to a board's library.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LibraryFull {
    #[error("an item holds more than {} MB of shapes", MAX_ITEM_BYTES / 1_000_000)]
    ItemTooLarge,
    #[error("this board's library is full ({MAX_ITEMS} items or {} MB)", MAX_LIBRARY_BYTES / 1_000_000)]
    Full,
}

impl BoardDoc {
    /// The board's library items, newest first; entries that do not follow the layout are
    /// skipped.
    pub fn library(&self) -> Result<Vec<LibraryItem>, LayoutError> {
        let txn = self.doc().try_transact().map_err(|_| LayoutError::Busy)?;
        let mut items: Vec<LibraryItem> = self
            .library_map()
            .iter(&txn)
            .filter_map(|(id, value)| match value {
                Out::YMap(map) => read_item(&txn, id, &map),
                _ => None,
            })
            .collect();
        items.sort_by(|a, b| {
            b.created
                .total_cmp(&a.created)
                .then_with(|| a.id.cmp(&b.id))
        });
        Ok(items)
    }

    /// Adds items (ids already unique) in one transaction, all or none: refused when one is too
    /// large or the library would pass its limits.
    pub fn add_library_items(
        &self,
        txn: &mut TransactionMut,
        items: &[LibraryItem],
    ) -> Result<(), LibraryFull> {
        let stored: Vec<String> = items.iter().map(LibraryItem::shapes_json).collect();
        if stored.iter().any(|json| json.len() > MAX_ITEM_BYTES) {
            return Err(LibraryFull::ItemTooLarge);
        }
        let (mut count, mut bytes) = (0, 0);
        for (_, value) in self.library_map().iter(txn) {
            count += 1;
            if let Out::YMap(map) = value {
                if let Some(Out::Any(Any::String(s))) = map.get(txn, "shapes") {
                    bytes += s.len();
                }
            }
        }
        let adding: usize = stored.iter().map(String::len).sum();
        if count + items.len() > MAX_ITEMS || bytes + adding > MAX_LIBRARY_BYTES {
            return Err(LibraryFull::Full);
        }
        for (item, shapes) in items.iter().zip(stored) {
            let fields: [(&str, Any); 3] = [
                ("name", item.name.as_str().into()),
                ("created", item.created.into()),
                ("shapes", shapes.into()),
            ];
            let prelim: MapPrelim = fields.into_iter().map(|(k, v)| (k.to_owned(), v)).collect();
            self.library_map().insert(txn, item.id.as_str(), prelim);
        }
        Ok(())
    }

    /// Removes an item; false when there was none.
    pub fn remove_library_item(&self, txn: &mut TransactionMut, id: &str) -> bool {
        self.library_map().remove(txn, id).is_some()
    }

    /// A flag raised by every change to the library from now on (local, remote, undo), for a
    /// reader to re-read it when set.
    pub fn watch_library(&self) -> Arc<AtomicBool> {
        let changed = Arc::new(AtomicBool::new(true));
        let flag = Arc::clone(&changed);
        self.library_map().observe("library-changed", move |_, _| {
            flag.store(true, Ordering::Relaxed);
        });
        changed
    }
}

fn read_item<T: ReadTxn>(txn: &T, id: &str, map: &MapRef) -> Option<LibraryItem> {
    let string = |key: &str| match map.get(txn, key) {
        Some(Out::Any(Any::String(s))) => Some(s),
        _ => None,
    };
    let created = match map.get(txn, "created") {
        Some(Out::Any(Any::Number(n))) => n.as_f64().filter(|n| n.is_finite()).unwrap_or(0.0),
        _ => 0.0,
    };
    Some(LibraryItem {
        id: id.to_owned(),
        name: string("name").map_or(String::new(), |n| n.chars().take(MAX_NAME_CHARS).collect()),
        created,
        shapes: shapes_from_json(&string("shapes")?)?,
    })
}

/// Whether the library changed since this was last asked (lowers the flag of
/// [`BoardDoc::watch_library`]).
pub fn take_changed(flag: &AtomicBool) -> bool {
    flag.swap(false, Ordering::Relaxed)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::history::{History, LOCAL_ORIGIN};
    use crate::shape::{Shape, ShapeKind};
    use yrs::Doc;

    fn item(id: &str, created: f64) -> LibraryItem {
        let rect = Shape {
            id: "r".into(),
            kind: ShapeKind::Rectangle,
            x: 50.0,
            w: 10.0,
            h: 10.0,
            ..Shape::default()
        };
        LibraryItem::new(id.into(), "", created, vec![rect])
    }

    #[test]
    fn items_round_trip_newest_first_and_reach_another_document() {
        let a = BoardDoc::new(Doc::new());
        let (added, update) = a
            .change(LOCAL_ORIGIN, |txn, d| {
                d.add_library_items(txn, &[item("old", 1.0), item("new", 2.0)])
            })
            .unwrap();
        assert_eq!(added, Ok(()));
        let items = a.library().unwrap();
        assert_eq!(items, vec![item("new", 2.0), item("old", 1.0)]);
        assert_eq!(items[0].shapes[0].x, 0.0, "kept at the origin");

        let b = BoardDoc::new(Doc::new());
        let changed = b.watch_library();
        assert!(take_changed(&changed), "a new reader reads once");
        b.apply_remote(&update, "remote").unwrap();
        assert!(take_changed(&changed));
        assert!(!take_changed(&changed));
        assert_eq!(b.library().unwrap(), items);
        assert!(
            b.shapes().unwrap().is_empty(),
            "the board's shapes are apart"
        );
    }

    #[test]
    fn foreign_and_damaged_entries_are_skipped() {
        let board = BoardDoc::new(Doc::new());
        board
            .change("l", |txn, d| {
                let lib = d.library_map();
                lib.insert(txn, "text", "not a map");
                lib.insert(txn, "no-shapes", MapPrelim::from([("name", "x")]));
                lib.insert(txn, "bad-json", MapPrelim::from([("shapes", "[{")]));
                lib.insert(txn, "number", MapPrelim::from([("shapes", 5.0)]));
                lib.insert(
                    txn,
                    "far",
                    MapPrelim::from([("shapes", r#"[{"kind":"rectangle","x":1e300}]"#)]),
                );
                lib.insert(
                    txn,
                    "odd-fields",
                    MapPrelim::from([
                        ("shapes", Any::from(r#"[{"kind":"ellipse","w":5,"h":5}]"#)),
                        ("name", Any::from(7.0)),
                        ("created", Any::from("yesterday")),
                    ]),
                );
                d.add_library_items(txn, &[item("ok", 1.0)]).unwrap();
            })
            .unwrap();
        let items = board.library().unwrap();
        let ids: Vec<&str> = items.iter().map(|i| i.id.as_str()).collect();
        assert_eq!(ids, ["ok", "odd-fields"]);
        assert_eq!((items[1].name.as_str(), items[1].created), ("", 0.0));
    }

    #[test]
    fn the_library_stays_within_its_limits() {
        let board = BoardDoc::new(Doc::new());
        let mut big = item("big", 1.0);
        big.shapes[0].text = "x".repeat(MAX_ITEM_BYTES);
        let (result, update) = board
            .change("l", |txn, d| {
                d.add_library_items(txn, &[item("a", 1.0), big])
            })
            .unwrap();
        assert_eq!(result, Err(LibraryFull::ItemTooLarge));
        assert!(update.is_empty(), "all or none");
        let many: Vec<LibraryItem> = (0..=MAX_ITEMS).map(|i| item(&i.to_string(), 0.0)).collect();
        let (result, _) = board
            .change("l", |txn, d| d.add_library_items(txn, &many))
            .unwrap();
        assert_eq!(result, Err(LibraryFull::Full));
        let mut half = item("half", 1.0);
        half.shapes[0].text = "x".repeat(MAX_ITEM_BYTES - 500);
        let halves: Vec<LibraryItem> = (0..MAX_LIBRARY_BYTES / MAX_ITEM_BYTES + 1)
            .map(|i| LibraryItem {
                id: format!("h{i}"),
                ..half.clone()
            })
            .collect();
        let (result, _) = board
            .change("l", |txn, d| d.add_library_items(txn, &halves))
            .unwrap();
        assert_eq!(result, Err(LibraryFull::Full));
        assert!(board.library().unwrap().is_empty());
    }

    #[test]
    fn adding_and_removing_are_undone_by_their_author_only() {
        let board = BoardDoc::new(Doc::new());
        let mut history = History::new(&board, || 1);
        board
            .change(LOCAL_ORIGIN, |txn, d| {
                d.add_library_items(txn, &[item("mine", 1.0)])
            })
            .unwrap()
            .0
            .unwrap();
        history.new_step();
        let other = BoardDoc::new(Doc::new());
        let (_, theirs) = other
            .change(LOCAL_ORIGIN, |txn, d| {
                d.add_library_items(txn, &[item("theirs", 2.0)])
            })
            .unwrap();
        board.apply_remote(&theirs, "remote").unwrap();
        board
            .change(LOCAL_ORIGIN, |txn, d| d.remove_library_item(txn, "mine"))
            .unwrap();
        history.new_step();
        let ids = |b: &BoardDoc| -> Vec<String> {
            b.library().unwrap().into_iter().map(|i| i.id).collect()
        };
        assert_eq!(ids(&board), ["theirs"]);
        assert!(history.undo().unwrap().is_some());
        assert_eq!(ids(&board), ["theirs", "mine"]);
        assert!(history.undo().unwrap().is_some());
        assert_eq!(ids(&board), ["theirs"]);
        assert_eq!(history.undo().unwrap(), None);
    }
}
