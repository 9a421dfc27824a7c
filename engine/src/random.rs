//! Randomness for the browser: client ids, shape ids, guest names and retry jitter.
//!
//! yrs' own `ClientID::random` uses `fastrand`, which is not seeded on wasm32 (every tab would
//! get the same id and corrupt the shared document), so everything here reads
//! `crypto.getRandomValues`, falling back to `Math.random` where the Web Crypto API is missing.

/// Fills `buf` with random bytes.
pub fn fill(buf: &mut [u8]) {
    let filled = web_sys::window()
        .and_then(|w| w.crypto().ok())
        .is_some_and(|c| c.get_random_values_with_u8_array(buf).is_ok());
    if !filled {
        for b in buf.iter_mut() {
            *b = (js_sys::Math::random() * 256.0) as u8;
        }
    }
}

/// A random `u64`.
pub fn u64() -> u64 {
    let mut bytes = [0u8; 8];
    fill(&mut bytes);
    u64::from_le_bytes(bytes)
}

/// A random yjs client id: 53 bits, the range JavaScript peers can represent exactly.
pub fn client_id() -> u64 {
    u64() & ((1u64 << 53) - 1)
}

/// A random shape id: 16 lowercase hex characters (64 bits).
pub fn shape_id() -> String {
    format!("{:016x}", u64())
}

/// A random number in `[0, 1)`, for jitter.
pub fn unit() -> f64 {
    (u64() >> 11) as f64 / (1u64 << 53) as f64
}

/// A random integer in `0..n` (`n > 0`).
pub fn below(n: u64) -> u64 {
    u64() % n.max(1)
}
