//! Files and versions of a big board, on the server: exporting the 10,000-shape board as SVG
//! and PNG (time and peak memory), importing a 5 MB `.excalidraw` file, and what a version of
//! that board takes in storage.
//!
//! ```sh
//! cargo bench -p server --bench files                  # 10,000 shapes, 5 MB import
//! SHAPES=2000 IMPORT_MB=1 cargo bench -p server --bench files
//! ```
//!
//! The board: 4 rectangles, 3 ellipses and 3 pen strokes (20–50 points) in every 10 shapes over
//! 20,000 × 20,000 units, from a fixed seed (the browser benchmark, `bench/editor/files.mjs`,
//! uses the editor benchmark's mix, which also has text, lines, arrows and notes). Peak memory is
//! the process's `VmHWM` after `/proc/self/clear_refs` reset it to the current RSS, so each
//! figure is the peak of that step alone. Prints figures; asserts nothing.

use std::collections::HashMap;
use std::time::Instant;

use board::room_state::server_doc;
use board::{BoardDoc, Point, Shape, ShapeKind, Style};
use server::export;
use yrs::{ReadTxn, StateVector, Transact};

fn env_or(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn status_kib(field: &str) -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix(field))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap_or(0)
}

/// Runs `f`, returning its result, its time in ms and the step's peak RSS above the start (MiB).
fn measure<R>(f: impl FnOnce() -> R) -> (R, f64, f64) {
    let _ = std::fs::write("/proc/self/clear_refs", "5");
    let before = status_kib("VmRSS:");
    let started = Instant::now();
    let out = f();
    let ms = started.elapsed().as_secs_f64() * 1e3;
    let peak = status_kib("VmHWM:").saturating_sub(before);
    (out, ms, peak as f64 / 1024.0)
}

/// A tiny deterministic generator (xorshift), so every run draws the same board.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> f64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        (self.0 >> 11) as f64 / (1u64 << 53) as f64
    }

    fn range(&mut self, lo: f64, hi: f64) -> f64 {
        lo + (hi - lo) * self.next()
    }
}

fn big_board(n: usize) -> Vec<Shape> {
    let mut rng = Rng(0x5eed_cafe);
    let colours = ["#1e1e1e", "#e03131", "#2f9e44", "#1971c2", "#f08c00"];
    (0..n)
        .map(|i| {
            let (x, y) = (
                rng.range(-10_000.0, 10_000.0),
                rng.range(-10_000.0, 10_000.0),
            );
            let style = Style {
                stroke: colours[i % colours.len()].into(),
                ..Style::default()
            };
            let id = format!("s{i}");
            let index = format!("a{i:06}");
            match i % 10 {
                0..=6 => {
                    let kind = if i % 10 < 4 {
                        ShapeKind::Rectangle
                    } else {
                        ShapeKind::Ellipse
                    };
                    let (w, h) = (rng.range(40.0, 300.0), rng.range(40.0, 300.0));
                    Shape::boxed(id, kind, board::Rect { x, y, w, h }, style, index)
                }
                _ => {
                    let len = rng.range(20.0, 50.0) as usize;
                    let mut p = Point::new(x, y);
                    let points: Vec<(Point, f32)> = (0..len)
                        .map(|_| {
                            p = Point::new(
                                p.x + rng.range(-8.0, 12.0),
                                p.y + rng.range(-8.0, 12.0),
                            );
                            (p, 0.5)
                        })
                        .collect();
                    Shape::pen(id, index, style, &points)
                }
            }
        })
        .collect()
}

/// An `.excalidraw` file of about `bytes` bytes: rectangles, ellipses, arrows and freedraw.
fn excalidraw_file(bytes: usize) -> String {
    let mut rng = Rng(7);
    let mut elements = Vec::new();
    let mut size = 0;
    let mut i = 0;
    while size < bytes {
        let (x, y) = (rng.range(-5000.0, 5000.0), rng.range(-5000.0, 5000.0));
        let kind = ["rectangle", "ellipse", "arrow", "freedraw"][i % 4];
        let mut e = serde_json::json!({
            "id": format!("e{i}"), "type": kind, "x": x, "y": y, "width": 120, "height": 80,
            "angle": 0, "strokeColor": "#1e1e1e", "backgroundColor": "transparent",
            "fillStyle": "solid", "strokeWidth": 2, "strokeStyle": "solid", "roughness": 1,
            "opacity": 100, "groupIds": [], "frameId": null, "roundness": null, "seed": i,
            "version": 1, "versionNonce": i, "isDeleted": false, "boundElements": [],
            "updated": 0, "link": null, "locked": false
        });
        if kind == "arrow" {
            e["points"] = serde_json::json!([[0, 0], [120, 80]]);
            e["endArrowhead"] = "arrow".into();
        }
        if kind == "freedraw" {
            let points: Vec<[f64; 2]> = (0..40)
                .map(|k| [k as f64 * 3.0, (k as f64).sin() * 20.0])
                .collect();
            e["points"] = serde_json::json!(points);
            e["pressures"] = serde_json::json!(vec![0.5; 40]);
            e["simulatePressure"] = false.into();
        }
        size += e.to_string().len() + 1;
        elements.push(e);
        i += 1;
    }
    serde_json::json!({ "type": "excalidraw", "version": 2, "source": "bench",
        "elements": elements, "appState": {}, "files": {} })
    .to_string()
}

fn main() {
    let n = env_or("SHAPES", 10_000);
    let import_mb = env_or("IMPORT_MB", 5);
    let shapes = big_board(n);
    let doc = BoardDoc::new(server_doc());
    doc.change("seed", |txn, b| {
        for s in &shapes {
            b.put(txn, s);
        }
    })
    .unwrap();
    let state = doc
        .doc()
        .transact()
        .encode_state_as_update_v1(&StateVector::default());
    // Read back as an export reads it (from stored history).
    let (scene, load_ms, load_mb) =
        measure(|| export::scene_of(&export::document([state.as_slice()])));
    let images = HashMap::new();
    let opts = board::svg::SvgOptions::default();
    let (svg, svg_ms, svg_mb) = measure(|| export::svg(&scene, &images, &opts));
    let (json, json_ms, json_mb) = measure(|| export::json(&scene, &images));
    let small = board::svg::SvgOptions { scale: 0.1, ..opts };
    let (png, png_ms, png_mb) =
        measure(|| export::png(&scene, &images, &small, u64::MAX).expect("png"));
    println!("\nExport of a {n}-shape board (server, one thread)");
    println!(
        "  {:<34} {:>9} {:>12} {:>12}",
        "step", "ms", "peak MiB", "output"
    );
    let row = |what: &str, ms: f64, mb: f64, out: String| {
        println!("  {what:<34} {ms:>9.1} {mb:>12.1} {out:>12}");
    };
    row(
        "read the board from its state",
        load_ms,
        load_mb,
        format!("{} shapes", scene.shapes.len()),
    );
    row(
        "SVG (board::svg)",
        svg_ms,
        svg_mb,
        format!("{:.1} MB", svg.len() as f64 / 1e6),
    );
    row(
        "JSON (board::file)",
        json_ms,
        json_mb,
        format!("{:.1} MB", json.len() as f64 / 1e6),
    );
    let area = board::svg::bounds(&scene.shapes, &small);
    row(
        &format!("PNG by resvg ({:.0}×{:.0} px)", area.w * 0.1, area.h * 0.1),
        png_ms,
        png_mb,
        format!("{:.1} MB", png.len() as f64 / 1e6),
    );

    // The alternative to storing whole states: a Yjs snapshot (state vector and delete set),
    // read back against the board's full history, which the server keeps (no GC).
    let snapshot = {
        use yrs::updates::encoder::Encode;
        doc.doc().transact().snapshot().encode_v1()
    };
    println!("\nA version of that board in storage");
    println!(
        "  whole document (encode_state_as_update_v1, what is stored): {:.2} MB, {:.0} bytes per shape",
        state.len() as f64 / 1e6,
        state.len() as f64 / n as f64
    );
    println!(
        "  a Yjs snapshot instead (state vector + delete set): {} bytes",
        snapshot.len()
    );

    let file = excalidraw_file(import_mb * 1_000_000);
    let (parsed, parse_ms, parse_mb) =
        measure(|| board::file::parse(file.as_bytes()).expect("import"));
    let mut scene = parsed;
    let mut next = 0u64;
    let (_, place_ms, _) = measure(|| {
        board::file::place(&mut scene, Point::new(0.0, 0.0), None, &mut || {
            next += 1;
            format!("n{next}")
        })
    });
    let target = BoardDoc::new(server_doc());
    let (_, write_ms, write_mb) = measure(|| {
        target.change("import", |txn, b| {
            for s in &scene.shapes {
                b.put(txn, s);
            }
        })
    });
    println!(
        "\nImport of a {:.1} MB .excalidraw file ({} shapes)",
        file.len() as f64 / 1e6,
        scene.shapes.len()
    );
    println!("  {:<34} {:>9} {:>12}", "step", "ms", "peak MiB");
    println!(
        "  {:<34} {:>9.1} {:>12.1}",
        "parse and check (board::file)", parse_ms, parse_mb
    );
    println!(
        "  {:<34} {:>9.1} {:>12}",
        "place (ids, keys, centre)", place_ms, "-"
    );
    println!(
        "  {:<34} {:>9.1} {:>12.1}",
        "write into the document", write_ms, write_mb
    );
}
