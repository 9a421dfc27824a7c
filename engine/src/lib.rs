//! The board in the browser: the engine behind the canvas, with no UI framework in it.
//!
//! - [`view`]: the interface with the page's controls: [`view::Command`]s in, [`view::ViewUpdate`]s
//!   out. Plain data, always compiled (the server renders the same toolbar).
//!
//! With the `browser` feature (the WASM build, and native tests of the pure parts):
//! - [`client`]: starts the engine on a canvas, attaches the DOM listeners, hands view changes
//!   to the page; [`start`], [`command`], [`upload_images`].
//! - `engine`: the client's state and behaviour, behind one `RefCell`, in files by concern
//!   (connection, presence, document, painting, pointer and keyboard input, panel commands).
//! - `board::session` (in `board`): the sans-IO sync state machine, reusable by any transport.
//! - [`transport`]: the WebSocket, the connection either transport gives, and the backoff.
//! - [`offline`]: this device's copy of each board it opened, in IndexedDB.
//! - `poll`: the HTTP fallback transport (`/poll/{board}`) for networks that block WebSockets.
//! - `render`: painting a scene on the 2D canvas.
//! - `tools`: the pointer gestures, hit-testing and the shape list labels.
//! - `presence`: our name and colour, and other people's presence made safe to show.
//! - [`files`]: export (PNG, SVG, JSON, copy), import, and the History panel's requests.
//! - `lazy`: the split points: reading and writing files, fetched as WASM chunks on first use.
//! - [`library`]: this browser's library (`localStorage`), `.excalidrawlib` import and export.
//! - `http`: `fetch` with the server's message on a refusal.
//! - `images`: uploading an image file and reading its size.
//! - [`access`]: the page's link key, its role, the manage key, resetting the links.
//! - `random`: client ids, shape ids and jitter from `crypto.getRandomValues`.
//!
//! Imports run one way: `board` → `engine` → `app` (the Leptos components).

pub mod view;

#[cfg(feature = "browser")]
pub mod access;
#[cfg(feature = "browser")]
pub mod client;
#[cfg(feature = "browser")]
mod engine;
#[cfg(feature = "browser")]
pub mod files;
#[cfg(feature = "browser")]
mod http;
#[cfg(feature = "browser")]
mod images;
#[cfg(feature = "browser")]
mod lazy;
#[cfg(feature = "browser")]
pub mod library;
#[cfg(feature = "browser")]
pub mod offline;
#[cfg(feature = "browser")]
mod poll;
#[cfg(feature = "browser")]
mod presence;
#[cfg(feature = "browser")]
mod random;
#[cfg(feature = "browser")]
mod render;
#[cfg(feature = "browser")]
mod tools;
#[cfg(feature = "browser")]
pub mod transport;

#[cfg(feature = "browser")]
pub use client::{command, start, upload_images, Handle, ViewSink};
