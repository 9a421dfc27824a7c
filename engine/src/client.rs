//! The running board client of one page: it owns the [`Engine`], attaches the DOM listeners
//! (which live as long as the page: a board is left by a full navigation), routes every
//! callback through [`Client::run`], and hands the view changes the engine asks for to the
//! page's [`ViewSink`] once the engine's borrow has ended.
//!
//! The page talks to it through [`start`], which returns a [`Handle`], and through [`command`]
//! and [`upload_images`] for the panels.
//!
//! Longer than one sitting (about 760 lines), most of it the `attach_*_listeners` functions;
//! they are the seam along which it splits (a `listeners` module) when it next grows.

use std::cell::RefCell;
use std::rc::Rc;

use board::{BoardDoc, BoardId, Point};
use wasm_bindgen::closure::Closure;
use wasm_bindgen::{JsCast, JsValue};
use web_sys::{
    AddEventListenerOptions, CanvasRenderingContext2d, Event, EventTarget, HtmlCanvasElement,
    HtmlElement, KeyboardEvent, MouseEvent, PointerEvent, WheelEvent,
};
use yrs::Doc;

use crate::engine::{After, Callbacks, Engine, Keys, Parts, PointerInput};
use crate::presence::Identity;
use crate::view::{Command, HistoryAction, LibrarySection, Tool, ViewUpdate, LIBRARY_DRAG_TYPE};
use crate::{images, random, render, tools};

/// Where the engine's view changes go: the page's controls.
pub type ViewSink = Box<dyn Fn(ViewUpdate)>;

/// How often the engine checks for a silent socket, renews presence and expires peers.
const HEARTBEAT_MS: i32 = 1_000;
/// How long the heartbeat leaves the connection to this device's storage at start (should it
/// be slow, the connection opens anyway and the restored changes are sent as updates).
const STORAGE_HOLD_MS: f64 = 1_000.0;
/// How long it leaves the connection to a read of the whole board over HTTP.
const READ_HOLD_MS: f64 = 15_000.0;

thread_local! {
    /// The board page's client, for commands from the panels (one board per page).
    static CLIENT: RefCell<std::rc::Weak<Client>> = const { RefCell::new(std::rc::Weak::new()) };
}

/// Runs a command from the panels on the board client, if one is running.
pub fn command(command: Command) {
    if let Some(client) = CLIENT.with(|c| c.borrow().upgrade()) {
        client.run(|e| e.command(command));
    }
}

/// Runs `f` on the board client's engine, if one is running (for the file and history tasks,
/// between their awaits).
pub(crate) fn with_engine<R>(f: impl FnOnce(&mut Engine) -> R) -> Option<R> {
    let client = CLIENT.with(|c| c.borrow().upgrade())?;
    client.run(f)
}

/// Uploads image files (picked, pasted or dropped at `screen`) and places them on the board.
pub fn upload_images(files: Vec<web_sys::File>, screen: Option<Point>) {
    let Some(client) = CLIENT.with(|c| c.borrow().upgrade()) else {
        return;
    };
    for file in files {
        if !file.type_().starts_with("image/") {
            continue;
        }
        let Some(Some((url, at))) = client.run(|e| {
            e.may_edit()
                .then(|| (e.image_upload_url(), e.image_anchor(screen)))
        }) else {
            return;
        };
        let weak = Rc::downgrade(&client);
        wasm_bindgen_futures::spawn_local(async move {
            match images::upload(&url, &file).await {
                Ok((src, w, h)) => {
                    if let Some(client) = weak.upgrade() {
                        client.run(|e| e.add_image(src, w, h, at));
                    }
                }
                Err(message) => {
                    web_sys::console::warn_1(&format!("whiteboard: {message}").into());
                    if let Some(client) = weak.upgrade() {
                        (client.sink)(ViewUpdate {
                            notice: Some(message),
                            ..ViewUpdate::default()
                        });
                    }
                }
            }
        });
    }
}

/// The running client of one board page.
pub struct Client {
    engine: RefCell<Engine>,
    sink: ViewSink,
    canvas: HtmlCanvasElement,
}

impl Client {
    /// Runs `f` on the engine, then hands the view changes and focus it asked for to the page,
    /// after the borrow ends. A call that arrives while the engine is busy (which the design
    /// rules out) is dropped with a warning rather than a panic.
    pub(crate) fn run<R>(&self, f: impl FnOnce(&mut Engine) -> R) -> Option<R> {
        let (result, after) = {
            let Ok(mut engine) = self.engine.try_borrow_mut() else {
                web_sys::console::warn_1(&"whiteboard: re-entrant event ignored".into());
                return None;
            };
            let result = f(&mut engine);
            (result, std::mem::take(&mut engine.after))
        };
        self.apply(after);
        Some(result)
    }

    fn apply(&self, after: After) {
        (self.sink)(after.view);
        if after.focus_canvas {
            let _ = self.canvas.focus();
        }
        if let Some(url) = after.open_url {
            // Only links `board::link` accepts get here (http, https, mailto). The new page
            // gets neither this page (`window.opener`) nor its address (the board's key).
            if let Some(window) = web_sys::window() {
                let _ = window.open_with_url_and_target_and_features(
                    &url,
                    "_blank",
                    "noopener,noreferrer",
                );
            }
        }
    }
}

/// The page's way to reach its running client: what the controls change that the engine must
/// follow. Cheap to clone.
#[derive(Clone)]
pub struct Handle(Rc<Client>);

impl Handle {
    pub fn set_name(&self, name: String) {
        self.0.run(|e| e.set_name(name));
    }

    pub fn set_tool(&self, tool: Tool) {
        self.0.run(|e| e.set_tool(tool));
    }

    pub fn set_tool_lock(&self, on: bool) {
        self.0.run(|e| e.set_tool_lock(on));
    }

    pub fn set_snap(&self, snap: bool) {
        self.0.run(|e| e.set_snap(snap));
    }

    pub fn set_dark(&self, dark: bool) {
        self.0.run(|e| e.set_dark(dark));
    }
}

/// Starts the client for `board_id` on the mounted canvas (and minimap), with `tool` selected;
/// the view changes go to `sink`, starting with the person's stored name. Called once per
/// board page; `None` (with the reason in the console) when it cannot start.
pub fn start(
    board_id: &str,
    canvas: HtmlCanvasElement,
    minimap: Option<HtmlCanvasElement>,
    tool: Tool,
    sink: ViewSink,
) -> Option<Handle> {
    match try_start(board_id, canvas, minimap, tool, sink) {
        Ok(client) => Some(Handle(client)),
        Err(e) => {
            web_sys::console::error_1(
                &format!("whiteboard: the board client could not start: {e:?}").into(),
            );
            None
        }
    }
}

fn try_start(
    board_id: &str,
    canvas: HtmlCanvasElement,
    minimap_canvas: Option<HtmlCanvasElement>,
    tool: Tool,
    sink: ViewSink,
) -> Result<Rc<Client>, JsValue> {
    let id = BoardId::parse(board_id).map_err(|e| JsValue::from_str(&e.to_string()))?;
    let window = web_sys::window().ok_or("no window")?;
    let ctx = canvas
        .get_context("2d")?
        .ok_or("no 2D canvas context")?
        .dyn_into::<CanvasRenderingContext2d>()?;
    let location = window.location();
    let scheme = if location.protocol()? == "https:" {
        "wss"
    } else {
        "ws"
    };
    crate::access::keep_manage_key_from_address(id.as_str());
    let key = crate::access::page_key();
    let mut url = format!("{scheme}://{}/ws/{id}", location.host()?);
    if let Some(key) = &key {
        url.push_str(&format!("?key={key}"));
    }
    let poll_url = format!("/poll/{id}");

    let board = BoardDoc::new(Doc::with_client_id(random::client_id()));
    let identity = Identity::load();
    sink(ViewUpdate {
        user_name: Some(identity.name.clone()),
        ..ViewUpdate::default()
    });

    let client = Rc::new_cyclic(|me: &std::rc::Weak<Client>| {
        let weak = me.clone();
        let frame = Closure::<dyn FnMut(f64)>::new(move |_: f64| {
            if let Some(client) = weak.upgrade() {
                client.run(Engine::frame);
            }
        });
        let weak = me.clone();
        let retry = Closure::<dyn FnMut()>::new(move || {
            if let Some(client) = weak.upgrade() {
                client.run(Engine::retry_due);
            }
        });
        let weak = me.clone();
        let presence = Closure::<dyn FnMut()>::new(move || {
            if let Some(client) = weak.upgrade() {
                client.run(Engine::presence_timer_due);
            }
        });
        let weak = me.clone();
        let items = Closure::<dyn FnMut()>::new(move || {
            if let Some(client) = weak.upgrade() {
                client.run(Engine::items_due);
            }
        });
        let weak = me.clone();
        let typing = Closure::<dyn FnMut()>::new(move || {
            if let Some(client) = weak.upgrade() {
                client.run(Engine::typing_due);
            }
        });
        let weak = me.clone();
        let minimap_redraw = Closure::<dyn FnMut()>::new(move || {
            if let Some(client) = weak.upgrade() {
                client.run(Engine::minimap_due);
            }
        });
        let minimap = minimap_canvas.clone().and_then(render::Minimap::new);
        let engine = Engine::new(Parts {
            me: me.clone(),
            window: window.clone(),
            canvas: canvas.clone(),
            ctx,
            minimap,
            callbacks: Callbacks {
                frame,
                retry,
                presence,
                items,
                typing,
                minimap: minimap_redraw,
            },
            board,
            board_id: id.to_string(),
            url,
            poll_url,
            key: key.clone(),
            identity,
            tool,
        });
        Client {
            engine: RefCell::new(engine),
            sink,
            canvas: canvas.clone(),
        }
    });

    CLIENT.with(|c| *c.borrow_mut() = Rc::downgrade(&client));
    // Pointer events must not turn into scrolling or zooming the page on touch screens.
    let _ = HtmlElement::style(&canvas).set_property("touch-action", "none");
    attach_canvas_listeners(&client, &canvas);
    attach_window_listeners(&client, &window);
    if let Some(minimap) = &minimap_canvas {
        attach_minimap_listeners(minimap);
    }

    client.run(|e| {
        e.resize();
        e.update_cursor();
        e.publish_presence();
    });
    // This device's copy is painted first. A board this device has no copy of is read whole
    // over HTTP first (compressed, which the socket's first sync is not; the page's head has
    // started that read beside the WASM's download, `app::shell`), so that the socket then
    // brings only what is newer. Then the connection opens (the heartbeat opens it anyway
    // after STORAGE_HOLD_MS, or READ_HOLD_MS once the read has begun, should storage or the
    // server be slow).
    client.run(|e| e.hold_connect(STORAGE_HOLD_MS));
    let weak = Rc::downgrade(&client);
    let board = id.to_string();
    let state_url = crate::http::with_key(&format!("/boards/{board}/state"), key.as_deref());
    wasm_bindgen_futures::spawn_local(async move {
        let stored = crate::offline::load(&board).await;
        let fetched = match &stored {
            Ok(stored) if stored.state.is_some() => {
                crate::http::take_early_state();
                None
            }
            _ => {
                if let Some(client) = weak.upgrade() {
                    client.run(|e| e.hold_connect(READ_HOLD_MS));
                }
                match crate::http::board_state(&state_url).await {
                    Ok(state) => Some(state),
                    Err(message) => {
                        web_sys::console::warn_1(
                            &format!("whiteboard: the board over HTTP: {message}").into(),
                        );
                        None
                    }
                }
            }
        };
        if let Some(client) = weak.upgrade() {
            client.run(|e| {
                match stored {
                    Ok(stored) => e.restore(stored),
                    Err(message) => web_sys::console::warn_1(
                        &format!("whiteboard: no offline copy: {message}").into(),
                    ),
                }
                if let Some(state) = fetched {
                    e.apply_fetched_state(&state);
                }
                e.connect();
            });
        }
    });
    // What the key allows (the server enforces it; this shapes the page). Unknown while
    // offline: the page then stays as it was drawn, for an editor.
    let weak = Rc::downgrade(&client);
    let board = id.to_string();
    wasm_bindgen_futures::spawn_local(async move {
        match crate::access::fetch_access(&board, key.as_deref()).await {
            Ok(access) => {
                if let Some(client) = weak.upgrade() {
                    client.run(|e| e.set_access(access));
                }
            }
            Err(e) => web_sys::console::warn_1(&format!("whiteboard: link check: {e}").into()),
        }
    });

    let c = Rc::clone(&client);
    every(&window, HEARTBEAT_MS, move || {
        c.run(Engine::heartbeat);
    });
    Ok(client)
}

/// Adds a listener for the page's lifetime.
fn listen(target: &EventTarget, kind: &str, handler: impl FnMut(Event) + 'static) {
    let closure = Closure::<dyn FnMut(Event)>::new(handler);
    if target
        .add_event_listener_with_callback(kind, closure.as_ref().unchecked_ref())
        .is_err()
    {
        web_sys::console::warn_1(&format!("whiteboard: cannot listen to {kind}").into());
    }
    closure.forget();
}

/// Calls `tick` every `ms` milliseconds for the page's lifetime.
fn every(window: &web_sys::Window, ms: i32, tick: impl FnMut() + 'static) {
    let closure = Closure::<dyn FnMut()>::new(tick);
    if window
        .set_interval_with_callback_and_timeout_and_arguments_0(
            closure.as_ref().unchecked_ref(),
            ms,
        )
        .is_err()
    {
        web_sys::console::warn_1(&"whiteboard: cannot start the heartbeat".into());
    }
    closure.forget();
}

/// The pointer position relative to the canvas, in CSS pixels. Reads the fractional `clientX`
/// (pens and high-DPI screens report sub-pixel positions; web-sys exposes only integers).
fn canvas_point(ev: &MouseEvent, canvas_rect: &web_sys::DomRect) -> Point {
    let coordinate = |name: &str, fallback: i32| {
        js_sys::Reflect::get(ev, &JsValue::from_str(name))
            .ok()
            .and_then(|v| v.as_f64())
            .unwrap_or(f64::from(fallback))
    };
    Point::new(
        coordinate("clientX", ev.client_x()) - canvas_rect.left(),
        coordinate("clientY", ev.client_y()) - canvas_rect.top(),
    )
}

fn pointer_input(ev: &PointerEvent, canvas_rect: &web_sys::DomRect) -> PointerInput {
    PointerInput {
        pointer: ev.pointer_id(),
        screen: canvas_point(ev, canvas_rect),
        button: ev.button(),
        pressure: tools::effective_pressure(ev.pressure(), &ev.pointer_type()),
        shift: ev.shift_key(),
        alt: ev.alt_key(),
        touch: ev.pointer_type() == "touch",
    }
}

/// The samples the browser merged into this move event (pen strokes need every one of them),
/// or the event alone where `getCoalescedEvents` is missing.
fn coalesced(ev: &PointerEvent, canvas_rect: &web_sys::DomRect) -> Vec<PointerInput> {
    let supported =
        js_sys::Reflect::has(ev, &JsValue::from_str("getCoalescedEvents")).unwrap_or(false);
    let mut samples: Vec<PointerInput> = if supported {
        ev.get_coalesced_events()
            .iter()
            .filter_map(|e| e.dyn_into::<PointerEvent>().ok())
            .map(|e| pointer_input(&e, canvas_rect))
            .collect()
    } else {
        Vec::new()
    };
    if samples.is_empty() {
        samples.push(pointer_input(ev, canvas_rect));
    }
    samples
}

fn attach_canvas_listeners(client: &Rc<Client>, canvas: &HtmlCanvasElement) {
    let target: &EventTarget = canvas;

    let (c, el) = (Rc::clone(client), canvas.clone());
    listen(target, "pointerdown", move |ev| {
        let Some(ev) = ev.dyn_ref::<PointerEvent>() else {
            return;
        };
        let input = pointer_input(ev, &el.get_bounding_client_rect());
        if c.run(|e| e.pointer_down(input, e.tool())) == Some(true) {
            ev.prevent_default();
            let _ = el.set_pointer_capture(input.pointer);
        }
    });

    let (c, el) = (Rc::clone(client), canvas.clone());
    listen(target, "pointermove", move |ev| {
        let Some(ev) = ev.dyn_ref::<PointerEvent>() else {
            return;
        };
        let rect = el.get_bounding_client_rect();
        let input = pointer_input(ev, &rect);
        let samples = coalesced(ev, &rect);
        c.run(|e| e.pointer_move(input, &samples));
    });

    let (c, el) = (Rc::clone(client), canvas.clone());
    listen(target, "pointerup", move |ev| {
        let Some(ev) = ev.dyn_ref::<PointerEvent>() else {
            return;
        };
        let input = pointer_input(ev, &el.get_bounding_client_rect());
        c.run(|e| e.pointer_up(input));
    });

    let (c, el) = (Rc::clone(client), canvas.clone());
    listen(target, "pointercancel", move |ev| {
        let Some(ev) = ev.dyn_ref::<PointerEvent>() else {
            return;
        };
        let input = pointer_input(ev, &el.get_bounding_client_rect());
        c.run(|e| e.pointer_cancel(input));
    });

    let c = Rc::clone(client);
    listen(target, "pointerleave", move |_| {
        c.run(Engine::pointer_leave);
    });

    // Registered as non-passive: zooming must stop the page from scrolling.
    let (c, el) = (Rc::clone(client), canvas.clone());
    let wheel = Closure::<dyn FnMut(Event)>::new(move |ev: Event| {
        let Some(ev) = ev.dyn_ref::<WheelEvent>() else {
            return;
        };
        ev.prevent_default();
        let at = canvas_point(ev, &el.get_bounding_client_rect());
        let lines_to_px = match ev.delta_mode() {
            WheelEvent::DOM_DELTA_LINE => 16.0,
            WheelEvent::DOM_DELTA_PAGE => 800.0,
            _ => 1.0,
        };
        // Shift turns a mouse's vertical scroll sideways, as on other pages.
        let (mut dx, mut dy) = (ev.delta_x() * lines_to_px, ev.delta_y() * lines_to_px);
        let zoom = ev.ctrl_key() || ev.meta_key();
        if ev.shift_key() && !zoom && dx == 0.0 {
            (dx, dy) = (dy, 0.0);
        }
        c.run(|e| e.wheel(at, dx, dy, zoom));
    });
    let options = AddEventListenerOptions::new();
    options.set_passive(false);
    if target
        .add_event_listener_with_callback_and_add_event_listener_options(
            "wheel",
            wheel.as_ref().unchecked_ref(),
            &options,
        )
        .is_err()
    {
        web_sys::console::warn_1(&"whiteboard: cannot listen to wheel".into());
    }
    wheel.forget();

    let (c, el) = (Rc::clone(client), canvas.clone());
    listen(target, "dblclick", move |ev| {
        if let Some(ev) = ev.dyn_ref::<MouseEvent>() {
            let at = canvas_point(ev, &el.get_bounding_client_rect());
            c.run(|e| e.double_click(at));
        }
    });

    // Images dropped on the board are uploaded and placed where they land; so are library
    // items dragged from the Library panel.
    listen(target, "dragover", |ev| ev.prevent_default());
    let (c, el) = (Rc::clone(client), canvas.clone());
    listen(target, "drop", move |ev| {
        let Some(ev) = ev.dyn_ref::<web_sys::DragEvent>() else {
            return;
        };
        ev.prevent_default();
        let at = canvas_point(ev, &el.get_bounding_client_rect());
        let data = ev.data_transfer();
        let item = data
            .as_ref()
            .and_then(|d| d.get_data(LIBRARY_DRAG_TYPE).ok())
            .and_then(|text| {
                let (section, id) = text.split_once(':')?;
                Some((LibrarySection::parse(section)?, id.to_owned()))
            });
        if let Some((section, id)) = item {
            c.run(|e| e.insert_from_library(section, &id, Some(at)));
            let _ = el.focus();
            return;
        }
        let files = data.and_then(|d| d.files()).map(file_list);
        crate::files::receive(files.unwrap_or_default(), Some(at));
    });

    // The canvas also resizes when the header wraps, not only with the window.
    let c = Rc::clone(client);
    let resized = Closure::<dyn FnMut()>::new(move || {
        c.run(Engine::resize);
    });
    match web_sys::ResizeObserver::new(resized.as_ref().unchecked_ref()) {
        Ok(observer) => {
            observer.observe(canvas);
            // The observer lives as long as the page, like its callback.
            std::mem::forget(observer);
        }
        Err(_) => web_sys::console::warn_1(&"whiteboard: no ResizeObserver".into()),
    }
    resized.forget();
}

fn file_list(list: web_sys::FileList) -> Vec<web_sys::File> {
    (0..list.length()).filter_map(|i| list.get(i)).collect()
}

/// Pressing or dragging on the minimap moves the view there.
fn attach_minimap_listeners(minimap: &HtmlCanvasElement) {
    let target: &EventTarget = minimap;
    for kind in ["pointerdown", "pointermove"] {
        let el = minimap.clone();
        listen(target, kind, move |ev| {
            let Some(ev) = ev.dyn_ref::<PointerEvent>() else {
                return;
            };
            if ev.buttons() & 1 == 0 {
                return;
            }
            if kind == "pointerdown" {
                let _ = el.set_pointer_capture(ev.pointer_id());
            }
            let rect = el.get_bounding_client_rect();
            let p = canvas_point(ev, &rect);
            command(Command::MinimapJump {
                fx: p.x / rect.width().max(1.0),
                fy: p.y / rect.height().max(1.0),
            });
        });
    }
}

/// Whether keys typed now belong to a text field rather than to the board.
fn typing_in(target: Option<EventTarget>) -> bool {
    let Some(element) = target.and_then(|t| t.dyn_into::<web_sys::Element>().ok()) else {
        return false;
    };
    matches!(element.tag_name().as_str(), "INPUT" | "TEXTAREA" | "SELECT")
        || element
            .dyn_ref::<HtmlElement>()
            .is_some_and(HtmlElement::is_content_editable)
}

/// Whether keys that activate controls (Space, Enter) belong to a focused button or link, or
/// any key to an open dialog.
fn on_control(target: Option<EventTarget>, key: &str) -> bool {
    let Some(element) = target.and_then(|t| t.dyn_into::<web_sys::Element>().ok()) else {
        return false;
    };
    let in_dialog = element.closest("[role=dialog]").ok().flatten().is_some();
    let activates = matches!(key, " " | "Enter")
        && matches!(element.tag_name().as_str(), "BUTTON" | "A" | "SUMMARY");
    in_dialog || activates
}

fn attach_window_listeners(client: &Rc<Client>, window: &web_sys::Window) {
    let target: &EventTarget = window;

    let c = Rc::clone(client);
    listen(target, "resize", move |_| {
        c.run(Engine::resize);
    });

    let c = Rc::clone(client);
    listen(target, "keydown", move |ev| {
        let Some(key_event) = ev.dyn_ref::<KeyboardEvent>() else {
            return;
        };
        let key = key_event.key();
        if typing_in(ev.target()) || key_event.is_composing() || on_control(ev.target(), &key) {
            return;
        }
        let shortcut = HistoryAction::from_shortcut(
            &key,
            key_event.ctrl_key(),
            key_event.meta_key(),
            key_event.shift_key(),
            key_event.alt_key(),
        );
        if let Some(action) = shortcut {
            ev.prevent_default();
            c.run(|e| e.history(action));
            return;
        }
        let keys = Keys {
            command: key_event.ctrl_key() || key_event.meta_key(),
            shift: key_event.shift_key(),
            alt: key_event.alt_key(),
            on_canvas: ev
                .target()
                .and_then(|t| t.dyn_into::<HtmlCanvasElement>().ok())
                .is_some(),
        };
        let code = key_event.code();
        if c.run(|e| e.key_down(&key, &code, keys)) == Some(true) {
            ev.prevent_default();
        }
    });

    // The system clipboard: the board's own shapes as JSON text; pasted text becomes a text
    // shape, pasted images are uploaded.
    for kind in ["copy", "cut"] {
        let c = Rc::clone(client);
        listen(target, kind, move |ev| {
            if typing_in(ev.target()) {
                return;
            }
            let Some(clip) = ev.dyn_ref::<web_sys::ClipboardEvent>() else {
                return;
            };
            let text = if kind == "cut" {
                c.run(Engine::cut_selection)
            } else {
                c.run(|e| e.copy_selection())
            };
            if let (Some(Some(text)), Some(data)) = (text, clip.clipboard_data()) {
                if data.set_data("text/plain", &text).is_ok() {
                    ev.prevent_default();
                }
            }
        });
    }
    let c = Rc::clone(client);
    listen(target, "paste", move |ev| {
        if typing_in(ev.target()) {
            return;
        }
        let Some(data) = ev
            .dyn_ref::<web_sys::ClipboardEvent>()
            .and_then(web_sys::ClipboardEvent::clipboard_data)
        else {
            return;
        };
        ev.prevent_default();
        let files = data.files().map(file_list).unwrap_or_default();
        if !files.is_empty() {
            crate::files::receive(files, None);
            return;
        }
        if let Ok(text) = data.get_data("text/plain") {
            if !crate::files::paste_scene(&text) {
                c.run(|e| e.paste_text(&text));
            }
        }
    });

    let c = Rc::clone(client);
    listen(target, "keyup", move |ev| {
        if let Some(key_event) = ev.dyn_ref::<KeyboardEvent>() {
            let key = key_event.key();
            c.run(|e| e.key_up(&key));
        }
    });

    let c = Rc::clone(client);
    listen(target, "blur", move |_| {
        c.run(Engine::release_space);
    });

    // Another tab of this browser changed the browser's library.
    let c = Rc::clone(client);
    listen(target, "storage", move |ev| {
        let key = ev
            .dyn_ref::<web_sys::StorageEvent>()
            .and_then(web_sys::StorageEvent::key);
        if key.as_deref() == Some(crate::library::STORAGE_KEY) {
            c.run(Engine::browser_library_changed);
        }
    });

    let c = Rc::clone(client);
    listen(target, "online", move |_| {
        c.run(Engine::went_online);
    });

    let c = Rc::clone(client);
    listen(target, "offline", move |_| {
        c.run(Engine::went_offline);
    });

    for kind in ["pagehide", "beforeunload"] {
        let c = Rc::clone(client);
        listen(target, kind, move |_| {
            c.run(Engine::leave);
        });
    }
}
