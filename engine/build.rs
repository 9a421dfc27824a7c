//! Sets `cfg(wasm_split)` when the WASM is built to be split into chunks: cargo-leptos'
//! `--split` links with `--emit-relocs` so that its splitter can move functions. The split
//! points of `src/lazy.rs` exist only then; any other build calls their bodies directly.

fn main() {
    println!("cargo::rustc-check-cfg=cfg(wasm_split)");
    println!("cargo::rerun-if-env-changed=CARGO_ENCODED_RUSTFLAGS");
    let target = std::env::var("TARGET").unwrap_or_default();
    let flags = std::env::var("CARGO_ENCODED_RUSTFLAGS").unwrap_or_default();
    if target.starts_with("wasm32") && flags.split('\x1f').any(|f| f.contains("--emit-relocs")) {
        println!("cargo::rustc-cfg=wasm_split");
    }
}
