//! Import of Excalidraw drawings: `.excalidraw` files and what Excalidraw puts on the
//! clipboard (`{"type":"excalidraw" | "excalidraw/clipboard", "elements":[…], "files":{…}}`).
//!
//! Element by element: rectangle, ellipse, diamond, line, arrow, freedraw (→ pen), text and
//! image become shapes with the same box (before rotation, as here), angle, colours, stroke
//! and opacity; `roughness` (0, 1, 2; absent = Excalidraw's default 1) becomes the sloppiness
//! and `fontFamily` (absent = Excalidraw's default, Excalifont) the font: [`font_of`]. A text
//! bound to a rectangle, ellipse or diamond (`containerId`) becomes its
//! label. Arrows keep their bindings (`startBinding`/`endBinding`). A frame (or magic frame)
//! is a frame with its name, and `frameId` says which frame a shape belongs to. `locked` is
//! kept; a `link` is kept when it is safe ([`crate::link`]), and a link to another element of
//! the drawing (Excalidraw's "Copy link to object": an address with `?element=<id>`) becomes a
//! link to that shape. Deleted elements are ignored; the rest (embeddables, iframes,
//! …) are counted in [`Scene::skipped`], as are images whose file is missing or unsupported.
//! The way back, shapes as elements, is [`export`].

use std::collections::{BTreeMap, HashMap, HashSet};

use serde::Deserialize;

use super::{check, ImportError, Scene};
use crate::link::Link;
use crate::order;
use crate::shape::{Dash, Font, Point, Shape, ShapeKind, Sloppiness, Style};

/// Excalidraw draws a freedraw stroke with perfect-freehand at size 4.25 × `strokeWidth`,
/// thinning 0.6, easeOutSine: at middle pressure about 3.5 × `strokeWidth` wide, which is a
/// pen stroke's width here at middle pressure.
const FREEDRAW_WIDTH: f64 = 3.5;
/// Pressure of a sampled point when the file has none (a mouse's).
const NO_PRESSURE: f32 = 0.5;

#[derive(Deserialize)]
struct File {
    #[serde(default, deserialize_with = "check::at_most_shapes")]
    elements: Vec<Element>,
    #[serde(default)]
    files: Option<HashMap<String, FileData>>,
}

#[derive(Deserialize, Default)]
#[serde(default, rename_all = "camelCase")]
pub(super) struct FileData {
    #[serde(rename = "dataURL")]
    data_url: Option<String>,
}

/// The fields of an Excalidraw element read here; all optional, as foreign files vary.
#[derive(Deserialize, Default)]
#[serde(default, rename_all = "camelCase")]
pub(super) struct Element {
    id: Option<String>,
    #[serde(rename = "type")]
    kind: Option<String>,
    x: Option<f64>,
    y: Option<f64>,
    width: Option<f64>,
    height: Option<f64>,
    angle: Option<f64>,
    stroke_color: Option<String>,
    background_color: Option<String>,
    stroke_width: Option<f64>,
    stroke_style: Option<String>,
    opacity: Option<f64>,
    group_ids: Option<Vec<String>>,
    frame_id: Option<String>,
    /// An elbow arrow.
    elbowed: Option<bool>,
    /// A frame's name.
    name: Option<String>,
    is_deleted: Option<bool>,
    text: Option<String>,
    original_text: Option<String>,
    font_size: Option<f64>,
    font_family: Option<f64>,
    roughness: Option<f64>,
    container_id: Option<String>,
    points: Option<Vec<[f32; 2]>>,
    pressures: Option<Vec<f32>>,
    simulate_pressure: Option<bool>,
    start_binding: Option<Binding>,
    end_binding: Option<Binding>,
    start_arrowhead: Option<String>,
    end_arrowhead: Option<String>,
    file_id: Option<String>,
    locked: Option<bool>,
    link: Option<String>,
}

#[derive(Deserialize, Default)]
#[serde(default, rename_all = "camelCase")]
struct Binding {
    element_id: Option<String>,
}

impl Element {
    fn kind(&self) -> &str {
        self.kind.as_deref().unwrap_or("")
    }

    fn id(&self) -> &str {
        self.id.as_deref().unwrap_or("")
    }

    /// What a text element says: `originalText` is the text before Excalidraw wrapped it.
    fn words(&self) -> String {
        self.original_text
            .clone()
            .or_else(|| self.text.clone())
            .unwrap_or_default()
    }

    fn style(&self) -> Style {
        let defaults = Style::default();
        Style {
            stroke: self.stroke_color.clone().unwrap_or(defaults.stroke),
            fill: self
                .background_color
                .clone()
                .filter(|c| !c.is_empty() && c != "transparent"),
            stroke_width: self.stroke_width.unwrap_or(defaults.stroke_width),
            dash: match self.stroke_style.as_deref() {
                Some("dashed") => Dash::Dashed,
                Some("dotted") => Dash::Dotted,
                _ => Dash::Solid,
            },
            opacity: self.opacity.map_or(1.0, |o| o / 100.0),
            font_size: self.font_size.unwrap_or(defaults.font_size),
            elbow: self.elbowed == Some(true),
            sloppiness: Sloppiness::from_roughness(self.roughness.unwrap_or(1.0)),
            // Only text has a font in Excalidraw (its default is the hand font); a shape without
            // one keeps ours, and a label takes its text's font.
            font_family: if self.kind() == "text" || self.font_family.is_some() {
                font_of(self.font_family)
            } else {
                Font::Sans
            },
        }
    }

    /// The element's points in board coordinates (before rotation), with their pressures.
    fn absolute_points(&self, pressures: bool) -> Vec<(Point, f32)> {
        let (x, y) = (self.x.unwrap_or(0.0), self.y.unwrap_or(0.0));
        let given = self.pressures.as_deref().unwrap_or_default();
        let simulated = !pressures || self.simulate_pressure == Some(true) || given.is_empty();
        self.points
            .as_deref()
            .unwrap_or_default()
            .iter()
            .enumerate()
            .map(|(i, [px, py])| {
                let pressure = match given.get(i) {
                    Some(&p) if !simulated => p,
                    _ => NO_PRESSURE,
                };
                (Point::new(x + f64::from(*px), y + f64::from(*py)), pressure)
            })
            .collect()
    }
}

/// Reads an Excalidraw file or clipboard (its `type` already checked).
pub(super) fn parse(bytes: &[u8]) -> Result<Scene, ImportError> {
    let file: File = match serde_json::from_slice(bytes) {
        Ok(file) => file,
        Err(e) => return Err(check::locate::<Element>(bytes, "elements", "element", e)),
    };
    scene(&file.elements, file.files.unwrap_or_default())
}

/// The shapes of a list of elements (a drawing's, or one library item's), checked; `files`
/// holds the images' data by file id.
pub(super) fn scene(
    elements: &[Element],
    files: HashMap<String, FileData>,
) -> Result<Scene, ImportError> {
    let live: Vec<(usize, &Element)> = elements
        .iter()
        .enumerate()
        .filter(|(_, e)| e.is_deleted != Some(true))
        .collect();
    let kind_of: HashMap<&str, &str> = live.iter().map(|(_, e)| (e.id(), e.kind())).collect();
    let frames: HashSet<&str> = live
        .iter()
        .filter(|(_, e)| matches!(e.kind(), "frame" | "magicframe"))
        .map(|(_, e)| e.id())
        .collect();
    // Texts bound to a closed shape become its label; the shape takes the text's size.
    let labels: HashMap<&str, &Element> = live
        .iter()
        .filter_map(|(_, e)| {
            let container = e.container_id.as_deref()?;
            let closed = matches!(
                kind_of.get(container),
                Some(&("rectangle" | "ellipse" | "diamond"))
            );
            (e.kind() == "text" && closed).then_some((container, *e))
        })
        .collect();
    let mut scene = Scene::default();
    let mut skipped: BTreeMap<String, usize> = BTreeMap::new();
    let mut index: Option<String> = None;
    for (i, e) in live {
        let container = e.container_id.as_deref().and_then(|c| labels.get(c));
        if container.is_some_and(|label| std::ptr::eq(*label, e)) {
            continue; // Imported as its container's label.
        }
        let shape = match e.kind() {
            "rectangle" | "ellipse" | "diamond" => Some(boxed(e, labels.get(e.id()).copied())),
            "line" | "arrow" => polyline(e),
            "freedraw" => Some(freedraw(e)),
            "text" => Some(text(e)),
            "image" => image(e, &files, &mut scene.images),
            "frame" | "magicframe" => {
                let mut frame = box_shape(e, ShapeKind::Frame);
                frame.text = e.name.clone().unwrap_or_default();
                Some(frame)
            }
            _ => None,
        };
        let Some(mut shape) = shape else {
            let kind = match e.kind() {
                "" => "unknown".to_owned(),
                k => check::cap_chars(k.to_owned(), 40),
            };
            *skipped.entry(kind).or_default() += 1;
            continue;
        };
        shape.id = e.id().to_owned();
        shape.rotation = e.angle.unwrap_or(0.0);
        shape.locked = e.locked == Some(true);
        shape.link = e.link.clone();
        // The outermost group is the last of `groupIds`; the frame is `frameId`.
        shape.group = e.group_ids.as_ref().and_then(|g| g.last().cloned());
        shape.frame = e
            .frame_id
            .clone()
            .filter(|f| frames.contains(f.as_str()) && shape.kind != ShapeKind::Frame);
        let key = order::key_after(index.as_deref());
        shape.index.clone_from(&key);
        index = Some(key);
        check::shape("element", i, &mut shape, &scene.images)?;
        scene.shapes.push(shape);
    }
    check::total_points(&scene.shapes)?;
    let ids: HashSet<String> = scene.shapes.iter().map(|s| s.id.clone()).collect();
    for s in &mut scene.shapes {
        s.start_bind = s.start_bind.take().filter(|id| ids.contains(id));
        s.end_bind = s.end_bind.take().filter(|id| ids.contains(id));
        if let Some(Link::Url(url)) = s.link.as_deref().and_then(Link::stored) {
            if let Some(target) = element_link(&url).filter(|id| ids.contains(*id)) {
                s.link = Some(Link::Shape(target.to_owned()).to_stored());
            }
        }
    }
    check::keep_used_images(&mut scene);
    scene.skipped = skipped.into_iter().collect();
    Ok(scene)
}

/// The element an Excalidraw element link names: its `element` (or older `elementLink`)
/// query parameter.
fn element_link(url: &str) -> Option<&str> {
    let query = url.split('#').next()?.split_once('?')?.1;
    query
        .split('&')
        .find_map(|pair| match pair.split_once('=') {
            Some(("element" | "elementLink", id)) if !id.is_empty() => Some(id),
            _ => None,
        })
}

/// The font of Excalidraw's `fontFamily`: 1 Virgil and 5 Excalifont (the default) are hand
/// writing; 3 Cascadia and 8 Comic Shanns are code; the others (2 Helvetica, 6 Nunito, 7 Lilita
/// One, 9 Liberation Sans, 10 Assistant, …) sans.
pub(super) fn font_of(family: Option<f64>) -> Font {
    match family {
        None => Font::Hand,
        Some(f) if f == 1.0 || f == 5.0 => Font::Hand,
        Some(f) if f == 3.0 || f == 8.0 => Font::Mono,
        Some(_) => Font::Sans,
    }
}

/// A shape of the element's box, with the element's style.
fn box_shape(e: &Element, kind: ShapeKind) -> Shape {
    Shape {
        kind,
        x: e.x.unwrap_or(0.0),
        y: e.y.unwrap_or(0.0),
        w: e.width.unwrap_or(0.0),
        h: e.height.unwrap_or(0.0),
        style: e.style(),
        ..Shape::default()
    }
}

fn boxed(e: &Element, label: Option<&Element>) -> Shape {
    let kind = match e.kind() {
        "ellipse" => ShapeKind::Ellipse,
        "diamond" => ShapeKind::Diamond,
        _ => ShapeKind::Rectangle,
    };
    let mut shape = box_shape(e, kind);
    if let Some(label) = label {
        shape.text = label.words();
        if let Some(size) = label.font_size {
            shape.style.font_size = size;
        }
        shape.style.font_family = font_of(label.font_family);
    }
    shape
}

/// Lines and arrows. An arrow with a head at its start only is turned round (heads are drawn
/// at the end here); one with no head at all is a line.
fn polyline(e: &Element) -> Option<Shape> {
    let mut points = e.absolute_points(false);
    if points.is_empty() {
        return None;
    }
    let mut binds = (
        e.start_binding.as_ref().and_then(|b| b.element_id.clone()),
        e.end_binding.as_ref().and_then(|b| b.element_id.clone()),
    );
    let kind = match (e.kind(), &e.start_arrowhead, &e.end_arrowhead) {
        ("arrow", _, Some(_)) => ShapeKind::Arrow,
        ("arrow", Some(_), None) => {
            points.reverse();
            binds = (binds.1, binds.0);
            ShapeKind::Arrow
        }
        _ => ShapeKind::Line,
    };
    let mut style = e.style();
    style.fill = None;
    let mut shape = Shape::polyline(String::new(), kind, String::new(), style, &points);
    if kind == ShapeKind::Arrow {
        (shape.start_bind, shape.end_bind) = binds;
    }
    Some(shape)
}

fn freedraw(e: &Element) -> Shape {
    let mut style = e.style();
    style.fill = None;
    style.stroke_width *= FREEDRAW_WIDTH;
    let mut points = e.absolute_points(true);
    if points.is_empty() {
        points.push((
            Point::new(e.x.unwrap_or(0.0), e.y.unwrap_or(0.0)),
            NO_PRESSURE,
        ));
    }
    Shape::pen(String::new(), String::new(), style, &points)
}

fn text(e: &Element) -> Shape {
    let mut shape = box_shape(e, ShapeKind::Text);
    shape.style.fill = None;
    shape.text = e.words();
    shape
}

/// An image whose file came with the drawing, its data URL kept under `excalidraw:<fileId>`;
/// `None` (skipped) when the file is missing or not an image this app takes.
fn image(
    e: &Element,
    files: &HashMap<String, FileData>,
    images: &mut HashMap<String, String>,
) -> Option<Shape> {
    let file_id = e.file_id.as_deref()?;
    let url = files.get(file_id)?.data_url.as_deref()?;
    check::image_data(url).ok()?;
    let src = format!("excalidraw:{file_id}");
    images.insert(src.clone(), url.to_owned());
    let mut shape = box_shape(e, ShapeKind::Image);
    shape.style.fill = None;
    shape.src = Some(src);
    Some(shape)
}

pub mod export;
#[cfg(test)]
mod tests;
