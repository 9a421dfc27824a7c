//! What a first visit does not need, fetched when first used: reading files (our JSON, PNG and
//! SVG with a board inside, Excalidraw scenes and libraries, Mermaid flowcharts) and writing
//! them (SVG, PNG, JSON, `.excalidrawlib`), with the previews and thumbnails drawn as SVG.
//!
//! Each function here is a split point: in a release build made with `cargo leptos build
//! --split` (as `scripts/build-release` does) its code, and the code only it reaches, leaves the
//! page's WASM for a chunk of its own (`pkg/*.wasm` beside the main one), fetched by its first
//! call (the service worker keeps every chunk for offline use). In a build without `--split`
//! (`cargo leptos watch`, native tests) these are plain `async` functions and nothing is
//! fetched. `build.rs` tells the two apart: `--split` links with `--emit-relocs`.
//!
//! A chunk that cannot be fetched (the network is down and the worker has none) is a
//! [`Failure`] with a message to show; nothing is changed.

use std::collections::HashMap;

use board::file::library::{LibraryImport, LibraryItem};
use board::file::Scene;
use board::svg::{Measure, SvgOptions};
use board::Shape;

/// Why a lazy function gave no result: the message to show.
#[derive(Debug, Clone, PartialEq)]
pub struct Failure(pub String);

impl From<String> for Failure {
    fn from(message: String) -> Self {
        Failure(message)
    }
}

impl From<Failure> for String {
    fn from(failure: Failure) -> Self {
        failure.0
    }
}

#[cfg(wasm_split)]
impl From<wasm_split_helpers::SplitLoaderError> for Failure {
    fn from(_: wasm_split_helpers::SplitLoaderError) -> Self {
        Failure(
            "This part of the app could not be loaded: check the connection and try again.".into(),
        )
    }
}

/// Declares split points: with `cfg(wasm_split)` a function whose body lives in the WASM chunk
/// named first, fetched on the first call; otherwise the same body as a plain `async fn`.
macro_rules! split_points {
    ($(
        $(#[$meta:meta])*
        $chunk:ident: pub fn $name:ident($($arg:ident: $ty:ty),* $(,)?) -> $ret:ty $body:block
    )*) => {$(
        $(#[$meta])*
        #[cfg(wasm_split)]
        #[wasm_split_helpers::wasm_split($chunk, fallible)]
        pub fn $name($($arg: $ty),*) -> $ret $body

        $(#[$meta])*
        #[cfg(not(wasm_split))]
        pub async fn $name($($arg: $ty),*) -> $ret $body
    )*};
}

split_points! {
    /// A file's scene (`board::file::parse`), or why it holds none.
    read: pub fn parse_scene(bytes: &[u8]) -> Result<Scene, Failure> {
        board::file::parse(bytes).map_err(|e| Failure(e.to_string()))
    }

    /// The items of an `.excalidrawlib` file.
    read: pub fn parse_library(bytes: &[u8]) -> Result<LibraryImport, Failure> {
        board::file::library::parse_excalidrawlib(bytes)
            .map_err(|e| Failure(format!("The library could not be imported: {e}.")))
    }

    /// What Mermaid flowchart text would insert, drawn as a picture, or every problem with
    /// it, by line (an empty list: nothing typed yet).
    read: pub fn mermaid_picture(text: &str) -> Result<Result<String, Vec<String>>, Failure> {
        Ok(mermaid_preview(text))
    }

    /// The scene drawn as SVG (`board::svg::render`), with `metadata` (the board's JSON)
    /// inside when given.
    write: pub fn svg(
        shapes: &[Shape],
        images: &HashMap<String, String>,
        measure: &dyn Measure,
        options: &SvgOptions,
        metadata: Option<&str>,
    ) -> Result<String, Failure> {
        Ok(board::svg::render(shapes, &|src| images.get(src).cloned(), measure, options, metadata))
    }

    /// The area an SVG of these shapes covers, in board units (before the scale).
    write: pub fn svg_area(shapes: &[Shape], options: &SvgOptions) -> Result<board::Rect, Failure> {
        Ok(board::svg::bounds(shapes, options))
    }

    /// The board's JSON file for a scene.
    write: pub fn scene_json(
        title: Option<&str>,
        shapes: &[Shape],
        images: &HashMap<String, String>,
    ) -> Result<String, Failure> {
        Ok(board::file::to_json(title, shapes, images))
    }

    /// A PNG with the board's JSON inside.
    write: pub fn png_with_scene(png: &[u8], json: &str) -> Result<Vec<u8>, Failure> {
        board::file::png_with_scene(png, json).map_err(|e| Failure(e.to_string()))
    }

    /// Items as an `.excalidrawlib` file, and the kinds of shapes it cannot hold.
    write: pub fn excalidrawlib(items: &[LibraryItem]) -> Result<(String, Vec<(String, usize)>), Failure> {
        Ok(board::file::library::to_excalidrawlib(items))
    }

    /// Shapes drawn as SVG for an `<img>` (see `files::picture`), `padding` board units around.
    write: pub fn picture(shapes: &[Shape], padding: f64) -> Result<String, Failure> {
        Ok(crate::files::picture(shapes, padding))
    }
}

pub(crate) const MERMAID_HEADER: &str =
    "line 1: a flowchart starts with `flowchart TD` (top down) or `flowchart LR` (left to right)";

fn mermaid_preview(text: &str) -> Result<String, Vec<String>> {
    if text.trim().is_empty() {
        return Err(Vec::new());
    }
    if !board::file::mermaid::looks_like_mermaid(text) {
        return Err(vec![MERMAID_HEADER.into()]);
    }
    match board::file::mermaid::parse(text) {
        Ok(scene) if scene.shapes.is_empty() => Err(vec!["The flowchart has no nodes yet.".into()]),
        Ok(scene) => Ok(crate::files::picture(&scene.shapes, 8.0)),
        Err(board::file::ImportError::Mermaid(problems)) => {
            Err(problems.iter().map(ToString::to_string).collect())
        }
        Err(e) => Err(vec![e.to_string()]),
    }
}
