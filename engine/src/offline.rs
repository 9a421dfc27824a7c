//! This device's copy of the boards it opened, in IndexedDB, so a board survives a reload and a
//! browser restart without the network, and nothing drawn offline is lost.
//!
//! Database `whiteboard`, three object stores:
//! - `boards`: key the board id, value `{state, saved}`: the whole document (a Yjs v1 update)
//!   and when it was written (ms since the epoch), rewritten a few seconds after changes;
//! - `local`: key `"{board}/{tag}"` (the tag zero-padded, so keys sort by time), value
//!   `{group, update}`: each update made on this device, written at once, deleted when the
//!   once the server confirmed it (`board::unsent`) and a whole document holding it is written;
//! - `confirmed`: the same keys, for the updates of `local` the server confirmed already.
//!
//! What is in `local` and not in `confirmed` is what the status counts as saved only on this
//! device, after a reload too.
//!
//! Beside it, `localStorage["whiteboard.copy.{board}"]` says a whole document is held: the
//! page's head reads it before any WASM has loaded (`app::shell`), to start reading the board
//! over HTTP at once only when this device holds no copy of it.
//!
//! The browser API is small and callback-shaped; each request is turned into a future here
//! rather than through a wrapper crate, which would add to the page's download for five calls.

use std::cell::RefCell;

use js_sys::{Array, Object, Promise, Reflect, Uint8Array};
use wasm_bindgen::closure::Closure;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use web_sys::{IdbDatabase, IdbKeyRange, IdbRequest, IdbTransaction, IdbTransactionMode};

const DB: &str = "whiteboard";
const VERSION: u32 = 1;
const BOARDS: &str = "boards";
const LOCAL: &str = "local";
const CONFIRMED: &str = "confirmed";
/// The `localStorage` key saying this device holds a whole document of a board (`app::shell`
/// reads it under the same name).
pub const COPY_MARK_PREFIX: &str = "whiteboard.copy.";

fn mark_copy(board: &str, held: bool) {
    let Some(storage) = web_sys::window().and_then(|w| w.local_storage().ok().flatten()) else {
        return;
    };
    let key = format!("{COPY_MARK_PREFIX}{board}");
    let _ = if held {
        storage.set_item(&key, "1")
    } else {
        storage.remove_item(&key)
    };
}

thread_local! {
    static OPEN: RefCell<Option<IdbDatabase>> = const { RefCell::new(None) };
}

/// An update made on this device and not yet confirmed by the server.
pub struct LocalUpdate {
    pub tag: u64,
    pub group: u64,
    pub update: Vec<u8>,
    /// The server confirmed it (kept until a written document holds it).
    pub confirmed: bool,
}

/// What this device holds of a board.
#[derive(Default)]
pub struct Stored {
    pub state: Option<Vec<u8>>,
    pub local: Vec<LocalUpdate>,
}

/// A board this device holds a copy of, for the home page.
pub struct Summary {
    pub board: String,
    /// Changes (groups) saved only on this device.
    pub unsent: usize,
}

/// Registers the service worker that keeps the app shell for offline use (`/sw.js`), where
/// the browser has service workers (not on plain-HTTP pages other than localhost).
pub fn register_service_worker() {
    let Some(window) = web_sys::window() else {
        return;
    };
    let navigator: JsValue = window.navigator().into();
    let Ok(container) = Reflect::get(&navigator, &"serviceWorker".into()) else {
        return;
    };
    if container.is_undefined() {
        return;
    }
    let register = Reflect::get(&container, &"register".into())
        .ok()
        .and_then(|f| f.dyn_into::<js_sys::Function>().ok());
    if let Some(register) = register {
        if let Ok(promise) = register.call1(&container, &"/sw.js".into()) {
            if let Ok(promise) = promise.dyn_into::<Promise>() {
                wasm_bindgen_futures::spawn_local(async move {
                    if let Err(e) = JsFuture::from(promise).await {
                        web_sys::console::warn_2(&"whiteboard: no offline app shell:".into(), &e);
                    }
                });
            }
        }
    }
}

/// A failure in words a person can act on.
fn describe(error: &JsValue) -> String {
    let name = Reflect::get(error, &"name".into())
        .ok()
        .and_then(|n| n.as_string())
        .unwrap_or_default();
    match name.as_str() {
        "QuotaExceededError" => {
            "This device's storage for the board is full: new changes are kept only while this page is open. Free some space (or remove local copies of other boards on the home page)."
                .into()
        }
        "" => "this device's storage is unavailable".into(),
        other => format!("this device's storage failed ({other})"),
    }
}

/// Resolves with the request's result, or its error in words.
async fn done(request: &IdbRequest) -> Result<JsValue, String> {
    let promise = Promise::new(&mut |resolve, reject| {
        let req = request.clone();
        let ok = Closure::once_into_js(move |_: web_sys::Event| {
            let _ = resolve.call1(&JsValue::NULL, &req.result().unwrap_or(JsValue::UNDEFINED));
        });
        let req = request.clone();
        let failed = Closure::once_into_js(move |_: web_sys::Event| {
            let error = req.error().ok().flatten().map(JsValue::from);
            let _ = reject.call1(&JsValue::NULL, &error.unwrap_or(JsValue::NULL));
        });
        request.set_onsuccess(Some(ok.unchecked_ref()));
        request.set_onerror(Some(failed.unchecked_ref()));
    });
    JsFuture::from(promise).await.map_err(|e| describe(&e))
}

/// Resolves when the transaction commits (a quota error shows here, as an abort).
async fn committed(tx: &IdbTransaction) -> Result<(), String> {
    let promise = Promise::new(&mut |resolve, reject| {
        let ok = Closure::once_into_js(move |_: web_sys::Event| {
            let _ = resolve.call0(&JsValue::NULL);
        });
        let t = tx.clone();
        let reject2 = reject.clone();
        let failed = Closure::once_into_js(move |_: web_sys::Event| {
            let error = t.error().map(JsValue::from);
            let _ = reject.call1(&JsValue::NULL, &error.unwrap_or(JsValue::NULL));
        });
        let t = tx.clone();
        let aborted = Closure::once_into_js(move |_: web_sys::Event| {
            let error = t.error().map(JsValue::from);
            let _ = reject2.call1(&JsValue::NULL, &error.unwrap_or(JsValue::NULL));
        });
        tx.set_oncomplete(Some(ok.unchecked_ref()));
        tx.set_onerror(Some(failed.unchecked_ref()));
        tx.set_onabort(Some(aborted.unchecked_ref()));
    });
    JsFuture::from(promise)
        .await
        .map(|_| ())
        .map_err(|e| describe(&e))
}

async fn database() -> Result<IdbDatabase, String> {
    if let Some(db) = OPEN.with(|o| o.borrow().clone()) {
        return Ok(db);
    }
    let factory = web_sys::window()
        .and_then(|w| w.indexed_db().ok().flatten())
        .ok_or("this browser keeps no offline copies (IndexedDB is unavailable)")?;
    let request = factory
        .open_with_u32(DB, VERSION)
        .map_err(|e| describe(&e))?;
    let upgrade = Closure::<dyn FnMut(web_sys::Event)>::new(move |ev: web_sys::Event| {
        let db = ev
            .target()
            .and_then(|t| t.dyn_into::<IdbRequest>().ok())
            .and_then(|r| r.result().ok())
            .and_then(|r| r.dyn_into::<IdbDatabase>().ok());
        if let Some(db) = db {
            for store in [BOARDS, LOCAL, CONFIRMED] {
                if !db.object_store_names().contains(store) {
                    let _ = db.create_object_store(store);
                }
            }
        }
    });
    request.set_onupgradeneeded(Some(upgrade.as_ref().unchecked_ref()));
    let db: IdbDatabase = done(&request)
        .await?
        .dyn_into()
        .map_err(|_| "this device's storage did not open".to_string())?;
    drop(upgrade);
    OPEN.with(|o| *o.borrow_mut() = Some(db.clone()));
    Ok(db)
}

fn transaction(db: &IdbDatabase, mode: IdbTransactionMode) -> Result<IdbTransaction, String> {
    let stores = Array::of3(&BOARDS.into(), &LOCAL.into(), &CONFIRMED.into());
    db.transaction_with_str_sequence_and_mode(&stores, mode)
        .map_err(|e| describe(&e))
}

fn local_key(board: &str, tag: u64) -> String {
    format!("{board}/{tag:020}")
}

/// Every `local` key of `board`.
fn board_range(board: &str) -> Result<IdbKeyRange, String> {
    IdbKeyRange::bound(&format!("{board}/").into(), &format!("{board}/~").into())
        .map_err(|e| describe(&e))
}

fn bytes(value: &JsValue, field: &str) -> Option<Vec<u8>> {
    let v = Reflect::get(value, &field.into()).ok()?;
    v.dyn_ref::<Uint8Array>().map(Uint8Array::to_vec)
}

/// What this device holds of `board`.
pub async fn load(board: &str) -> Result<Stored, String> {
    let db = database().await?;
    let tx = transaction(&db, IdbTransactionMode::Readonly)?;
    let err = |e: JsValue| describe(&e);
    let boards = tx.object_store(BOARDS).map_err(err)?;
    let local = tx.object_store(LOCAL).map_err(err)?;
    let state = done(&boards.get(&board.into()).map_err(err)?).await?;
    let range = board_range(board)?;
    let keys = done(&local.get_all_keys_with_key(&range).map_err(err)?).await?;
    let values = done(&local.get_all_with_key(&range).map_err(err)?).await?;
    let confirmed = tx.object_store(CONFIRMED).map_err(err)?;
    let confirmed =
        Array::from(&done(&confirmed.get_all_keys_with_key(&range).map_err(err)?).await?);
    let confirmed: Vec<String> = confirmed.iter().filter_map(|k| k.as_string()).collect();
    let mut stored = Stored {
        state: bytes(&state, "state"),
        local: Vec::new(),
    };
    let (keys, values) = (Array::from(&keys), Array::from(&values));
    for (key, value) in keys.iter().zip(values.iter()) {
        let key = key.as_string().unwrap_or_default();
        let tag = key.rsplit('/').next().and_then(|t| t.parse().ok());
        let group = Reflect::get(&value, &"group".into())
            .ok()
            .and_then(|g| g.as_f64());
        if let (Some(tag), Some(group), Some(update)) = (tag, group, bytes(&value, "update")) {
            stored.local.push(LocalUpdate {
                tag,
                group: group as u64,
                update,
                confirmed: confirmed.contains(&key),
            });
        }
    }
    Ok(stored)
}

fn record(fields: &[(&str, JsValue)]) -> Object {
    let object = Object::new();
    for (name, value) in fields {
        let _ = Reflect::set(&object, &(*name).into(), value);
    }
    object
}

/// Keeps one update made on this device until the server confirms it.
pub async fn keep_local(board: &str, update: &LocalUpdate) -> Result<(), String> {
    let db = database().await?;
    let tx = transaction(&db, IdbTransactionMode::Readwrite)?;
    let value = record(&[
        ("group", JsValue::from_f64(update.group as f64)),
        ("update", Uint8Array::from(update.update.as_slice()).into()),
    ]);
    tx.object_store(LOCAL)
        .and_then(|s| s.put_with_key(&value, &local_key(board, update.tag).into()))
        .map_err(|e| describe(&e))?;
    committed(&tx).await
}

/// Writes the whole document of `board`.
pub async fn save_state(board: &str, state: &[u8]) -> Result<(), String> {
    let db = database().await?;
    let tx = transaction(&db, IdbTransactionMode::Readwrite)?;
    let value = record(&[
        ("state", Uint8Array::from(state).into()),
        ("saved", JsValue::from_f64(js_sys::Date::now())),
    ]);
    tx.object_store(BOARDS)
        .and_then(|s| s.put_with_key(&value, &board.into()))
        .map_err(|e| describe(&e))?;
    committed(&tx).await?;
    mark_copy(board, true);
    Ok(())
}

/// Marks updates the server confirmed.
pub async fn mark_confirmed(board: &str, tags: &[u64]) -> Result<(), String> {
    let db = database().await?;
    let tx = transaction(&db, IdbTransactionMode::Readwrite)?;
    let store = tx.object_store(CONFIRMED).map_err(|e| describe(&e))?;
    for tag in tags {
        store
            .put_with_key(&JsValue::TRUE, &local_key(board, *tag).into())
            .map_err(|e| describe(&e))?;
    }
    committed(&tx).await
}

/// Forgets confirmed updates a written document now holds.
pub async fn forget_confirmed(board: &str, tags: &[u64]) -> Result<(), String> {
    let db = database().await?;
    let tx = transaction(&db, IdbTransactionMode::Readwrite)?;
    for store in [LOCAL, CONFIRMED] {
        let store = tx.object_store(store).map_err(|e| describe(&e))?;
        for tag in tags {
            store
                .delete(&local_key(board, *tag).into())
                .map_err(|e| describe(&e))?;
        }
    }
    committed(&tx).await
}

/// Removes everything this device holds of `board`.
pub async fn forget(board: &str) -> Result<(), String> {
    let db = database().await?;
    let tx = transaction(&db, IdbTransactionMode::Readwrite)?;
    let err = |e: JsValue| describe(&e);
    let range = board_range(board)?;
    tx.object_store(BOARDS)
        .and_then(|s| s.delete(&board.into()))
        .map_err(err)?;
    for store in [LOCAL, CONFIRMED] {
        tx.object_store(store)
            .and_then(|s| s.delete(&range))
            .map_err(err)?;
    }
    mark_copy(board, false);
    committed(&tx).await
}

/// The boards this device holds, with how many changes each holds unsent.
pub async fn summaries() -> Result<Vec<Summary>, String> {
    let db = database().await?;
    let tx = transaction(&db, IdbTransactionMode::Readonly)?;
    let err = |e: JsValue| describe(&e);
    let boards = done(
        &tx.object_store(BOARDS)
            .map_err(err)?
            .get_all_keys()
            .map_err(err)?,
    )
    .await?;
    let local = tx.object_store(LOCAL).map_err(err)?;
    let keys = Array::from(&done(&local.get_all_keys().map_err(err)?).await?);
    let values = Array::from(&done(&local.get_all().map_err(err)?).await?);
    let confirmed = tx.object_store(CONFIRMED).map_err(err)?;
    let confirmed = Array::from(&done(&confirmed.get_all_keys().map_err(err)?).await?);
    let confirmed: Vec<String> = confirmed.iter().filter_map(|k| k.as_string()).collect();
    let mut unsent: Vec<(String, u64)> = Vec::new();
    for (key, value) in keys.iter().zip(values.iter()) {
        let key = key.as_string().unwrap_or_default();
        if confirmed.contains(&key) {
            continue;
        }
        let board = key.rsplit_once('/').map(|(b, _)| b.to_owned());
        let group = Reflect::get(&value, &"group".into())
            .ok()
            .and_then(|g| g.as_f64());
        if let (Some(board), Some(group)) = (board, group) {
            unsent.push((board, group as u64));
        }
    }
    unsent.sort();
    unsent.dedup();
    Ok(Array::from(&boards)
        .iter()
        .filter_map(|b| b.as_string())
        .map(|board| Summary {
            unsent: unsent.iter().filter(|(b, _)| *b == board).count(),
            board,
        })
        .collect())
}
