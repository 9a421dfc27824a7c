//! The whiteboard model, shared by the server and the browser. It does no IO.
//!
//! - [`shape`]: a shape as plain data (kind, position, size, style, pen points) and its geometry
//!   (bounds, hit-testing).
//! - [`layout`]: how shapes live inside a Yjs document (documented there, so any Yjs client can
//!   draw on a board), plus reading and writing them in a transaction.
//! - [`edit`]: editing geometry: arrow bindings, handles, resize, rotate, align, distribute,
//!   snapping and z-order moves.
//! - [`route`]: elbow arrows' right-angled routes, and where a line's label sits.
//! - [`frame`]: frames: which frame a shape belongs to, a frame's name and where it is drawn.
//! - [`library`]: the board's own library of reusable shapes, kept in its document (the items
//!   and `.excalidrawlib` files are in [`file::library`]).
//! - [`flow`]: flowchart keys: where the next node goes (`Ctrl+Arrow`).
//! - [`find`]: find on the board: the shapes whose text matches, in reading order.
//! - [`lock`]: what a locked shape is kept from (clicks, the marquee, edits).
//! - [`link`]: links on shapes (a web address or another shape): parsing and the safety rules.
//! - [`file`]: boards as files: the JSON format, Excalidraw and Mermaid import, boards inside
//!   PNG and SVG, library items and `.excalidrawlib` files.
//! - [`order`]: fractional-index keys that order shapes front to back without renumbering.
//! - [`sketch`]: the hand-drawn look: the rough outlines of a shape, the same for every
//!   collaborator and export (seeded by the shape's id), for the canvas and SVG alike.
//! - [`spatial`]: a grid index of shapes' boxes for viewport culling and hit-testing.
//! - [`svg`]: a board drawn as SVG exactly as the canvas paints it (exports, thumbnails).
//! - [`viewport`]: the pan/zoom transform between screen pixels and board coordinates.
//! - [`guard`]: what a remote update must satisfy before it reaches yrs (no gaps in any
//!   client's clocks, no deletes of clocks nobody holds), for the server and the browser alike.
//! - [`protocol`]: y-websocket frames (one message per frame), board ids and presence states.
//! - [`room_state`]: the sans-IO server side of a board: what each message does to the document
//!   and awareness, as effects (persist, reply, broadcast, close) for the server to carry out.
//! - [`session`]: the sans-IO client side: a board's sync and presence across connections, for
//!   any transport (the browser's WebSocket today, an HTTP fallback later).

pub mod edit;
pub mod file;
pub mod find;
pub mod flow;
pub mod frame;
pub mod guard;
pub mod history;
pub mod layout;
pub mod library;
pub mod link;
pub mod lock;
pub mod order;
pub mod protocol;
pub mod room_state;
pub mod route;
pub mod session;
pub mod shape;
pub mod sketch;
pub mod spatial;
pub mod svg;
pub mod unsent;
pub mod viewport;

pub use layout::{BoardDoc, META, SHAPES};
pub use protocol::{BoardId, BoardIdError, Frame, FrameError, Presence};
pub use shape::{Dash, Font, Point, Rect, Shape, ShapeKind, Sloppiness, Style};
pub use viewport::Viewport;
