//! Fractional-index keys for z-order: shapes paint in ascending byte order of their `index`.
//!
//! A key is an "integer" made of a head letter that gives its digit count (`a` = 1 digit,
//! `b` = 2, …) and that many base-62 digits, as in the `fractional-indexing` scheme tldraw and
//! Figma use. Appending on top is then `O(log n)` in key length, so a board of 10,000 shapes has
//! keys of three or four characters, not hundreds.

const DIGITS: &[u8; 62] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

/// The key of the first shape on an empty board.
pub const FIRST: &str = "a0";

/// A key that sorts after `last` (the current top-most key), or [`FIRST`] on an empty board.
///
/// A key written by another client that does not follow this scheme still gets a valid answer:
/// appending a digit always sorts after it.
pub fn key_after(last: Option<&str>) -> String {
    let Some(last) = last else {
        return FIRST.to_owned();
    };
    increment(last).unwrap_or_else(|| format!("{last}V"))
}

fn increment(key: &str) -> Option<String> {
    let bytes = key.as_bytes();
    let head = *bytes.first()?;
    if !head.is_ascii_lowercase() {
        return None;
    }
    let len = (head - b'a' + 1) as usize;
    if bytes.len() != len + 1 {
        return None;
    }
    let mut digits: Vec<usize> = bytes[1..]
        .iter()
        .map(|b| DIGITS.iter().position(|d| d == b))
        .collect::<Option<_>>()?;
    for d in digits.iter_mut().rev() {
        if *d + 1 < DIGITS.len() {
            *d += 1;
            let tail: String = digits.iter().map(|&d| DIGITS[d] as char).collect();
            return Some(format!("{}{tail}", head as char));
        }
        *d = 0;
    }
    // Every digit overflowed: one more digit, under the next head letter.
    if head == b'z' {
        return None;
    }
    Some(format!("{}{}", (head + 1) as char, "0".repeat(len + 1)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_increase_and_stay_short() {
        let mut last: Option<String> = None;
        for _ in 0..10_000 {
            let next = key_after(last.as_deref());
            if let Some(prev) = &last {
                assert!(next > *prev, "{next} should sort after {prev}");
            }
            last = Some(next);
        }
        assert!(last.unwrap().len() <= 4);
    }

    #[test]
    fn carries_into_a_longer_key() {
        assert_eq!(key_after(Some("az")), "b00");
        assert_eq!(key_after(Some("b0z")), "b10");
    }

    #[test]
    fn foreign_keys_still_get_a_later_key() {
        for foreign in ["", "Zz", "a", "!!", "zzzzzzzzzzzzzzzzzzzzzzzzzzz"] {
            assert!(key_after(Some(foreign)).as_str() > foreign);
        }
    }
}
