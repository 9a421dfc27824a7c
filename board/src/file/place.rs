//! Putting an imported [`Scene`] onto a board: fresh ids, groups and z-order keys, centred
//! where the person is looking, and image sources rewritten after upload.

use std::collections::HashMap;

use super::Scene;
use crate::link::Link;
use crate::order;
use crate::shape::Point;

/// Makes `scene` ready to add to a board: every shape gets a fresh id from `new_id` (arrow
/// binds and links to shapes follow their shapes; those to shapes not in the scene are
/// dropped), every group a fresh id (shapes that shared a group still share one), and index
/// keys above `after_index` (the board's top key) in the scene's paint order. Then everything moves so the centre of
/// the scene's bounding box lands on `center`.
pub fn place(
    scene: &mut Scene,
    center: Point,
    after_index: Option<&str>,
    new_id: &mut dyn FnMut() -> String,
) {
    let shapes = &mut scene.shapes;
    // Paint order; a stable sort keeps file order among equal (or missing) keys.
    shapes.sort_by(|a, b| a.index.cmp(&b.index));
    let mut ids: HashMap<String, String> = HashMap::with_capacity(shapes.len());
    let mut groups: HashMap<String, String> = HashMap::new();
    for shape in shapes.iter_mut() {
        let fresh = new_id();
        let old = std::mem::replace(&mut shape.id, fresh.clone());
        ids.entry(old).or_insert(fresh);
        if let Some(group) = shape.group.take() {
            let fresh = groups.entry(group).or_insert_with(&mut *new_id);
            shape.group = Some(fresh.clone());
        }
    }
    let keys = index_keys(after_index, shapes.len());
    for (shape, key) in shapes.iter_mut().zip(keys) {
        shape.index = key;
        shape.start_bind = shape.start_bind.take().and_then(|b| ids.get(&b).cloned());
        shape.end_bind = shape.end_bind.take().and_then(|b| ids.get(&b).cloned());
        shape.frame = shape.frame.take().and_then(|f| ids.get(&f).cloned());
        shape.link = match shape.link.take().as_deref().and_then(Link::stored) {
            Some(Link::Shape(id)) => ids.get(&id).map(|fresh| Link::Shape(fresh.clone())),
            other => other,
        }
        .map(|link| link.to_stored());
    }
    let Some(bounds) = shapes.iter().map(|s| s.aabb()).reduce(|a, b| a.union(&b)) else {
        return;
    };
    let from = bounds.center();
    let (dx, dy) = (center.x - from.x, center.y - from.y);
    for shape in shapes.iter_mut() {
        shape.x += dx;
        shape.y += dy;
    }
}

/// `n` increasing keys above `after`. A key outside the head-letter scheme of
/// [`crate::order`] only grows by appending, so then the new keys are numbered under the
/// first one instead, and stay short.
fn index_keys(after: Option<&str>, n: usize) -> Vec<String> {
    let first = order::key_after(after);
    let in_scheme = !order::key_after(Some(&first)).starts_with(first.as_str());
    let mut out = Vec::with_capacity(n);
    if in_scheme {
        let mut key = first;
        for _ in 0..n {
            let next = order::key_after(Some(&key));
            out.push(std::mem::replace(&mut key, next));
        }
    } else {
        let mut suffix = order::FIRST.to_owned();
        for _ in 0..n {
            let next = order::key_after(Some(&suffix));
            out.push(format!("{first}{suffix}"));
            suffix = next;
        }
    }
    out
}

/// Points image shapes at where their pixels were uploaded: each `src` found in `map` (old
/// `src` -> new URL) is replaced, and its data URL leaves `scene.images`.
pub fn rewrite_sources(scene: &mut Scene, map: &HashMap<String, String>) {
    for shape in &mut scene.shapes {
        if let Some(new) = shape.src.as_ref().and_then(|src| map.get(src)) {
            shape.src = Some(new.clone());
        }
    }
    scene.images.retain(|src, _| !map.contains_key(src));
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::shape::{Shape, ShapeKind};

    fn shape(id: &str, kind: ShapeKind, x: f64, index: &str) -> Shape {
        Shape {
            id: id.into(),
            kind,
            x,
            y: 0.0,
            w: 10.0,
            h: 10.0,
            index: index.into(),
            ..Shape::default()
        }
    }

    fn counter() -> impl FnMut() -> String {
        let mut n = 0;
        move || {
            n += 1;
            format!("new{n}")
        }
    }

    #[test]
    fn place_remaps_ids_binds_groups_and_centres() {
        let mut arrow = shape("c", ShapeKind::Arrow, 50.0, "a2");
        arrow.start_bind = Some("a".into());
        arrow.end_bind = Some("gone".into());
        arrow.link = Some("#shape=gone".into());
        let mut a = shape("a", ShapeKind::Rectangle, 0.0, "a0");
        a.group = Some("g".into());
        a.link = Some("https://example.com".into());
        let mut b = shape("b", ShapeKind::Ellipse, 90.0, "a1");
        b.group = Some("g".into());
        b.link = Some("#shape=a".into());
        let mut scene = Scene {
            shapes: vec![arrow, b, a],
            ..Scene::default()
        };
        place(
            &mut scene,
            Point::new(1000.0, 500.0),
            Some("a5"),
            &mut counter(),
        );
        let s = &scene.shapes;
        // Paint order kept, keys above a5 and increasing.
        assert_eq!(
            s.iter().map(|s| s.index.as_str()).collect::<Vec<_>>(),
            ["a6", "a7", "a8"]
        );
        let (a, b, arrow) = (&s[0], &s[1], &s[2]);
        assert!(a.id.starts_with("new") && a.id != b.id && b.id != arrow.id);
        assert_eq!(arrow.start_bind.as_ref(), Some(&a.id));
        assert_eq!(arrow.end_bind, None);
        assert_eq!(b.link, Some(format!("#shape={}", a.id)));
        assert_eq!(a.link.as_deref(), Some("https://example.com"));
        assert_eq!(arrow.link, None);
        assert!(a.group.is_some() && a.group == b.group && a.group != Some("g".into()));
        let bounds = s
            .iter()
            .map(|s| s.aabb())
            .reduce(|p, q| p.union(&q))
            .unwrap();
        assert_eq!(bounds.center(), Point::new(1000.0, 500.0));
    }

    #[test]
    fn keys_stay_short_above_a_foreign_key() {
        let keys = index_keys(Some("a5V"), 1000);
        assert!(keys.windows(2).all(|w| w[0] < w[1]));
        assert!(keys[0].as_str() > "a5V");
        assert!(keys.iter().all(|k| k.len() <= 8), "{:?}", keys.last());
        assert_eq!(index_keys(None, 2), ["a0", "a1"]);
    }

    #[test]
    fn sources_are_rewritten_after_upload() {
        let mut img = shape("i", ShapeKind::Image, 0.0, "a0");
        img.src = Some("excalidraw:f1".into());
        let mut scene = Scene {
            shapes: vec![img],
            images: HashMap::from([("excalidraw:f1".into(), "data:…".into())]),
            ..Scene::default()
        };
        let map = HashMap::from([("excalidraw:f1".into(), "/images/abc".into())]);
        rewrite_sources(&mut scene, &map);
        assert_eq!(scene.shapes[0].src.as_deref(), Some("/images/abc"));
        assert!(scene.images.is_empty());
    }
}
