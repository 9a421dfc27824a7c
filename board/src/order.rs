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

/// A key that sorts strictly between `lo` and `hi` (`None`: no bound on that side), for
/// moving shapes within the paint order. Keys made here need not follow the head-letter
/// scheme; every reader only compares keys as byte strings.
pub fn key_between(lo: Option<&str>, hi: Option<&str>) -> String {
    match (lo, hi) {
        (lo, None) => key_after(lo),
        (lo, Some(hi)) => {
            let lo = lo.unwrap_or("").as_bytes();
            let hi = hi.as_bytes();
            let mut out = Vec::new();
            let mut bounded = true;
            for i in 0..lo.len().max(hi.len()) + 2 {
                let l = lo.get(i).copied();
                let h = if bounded { hi.get(i).copied() } else { None };
                // Digits d with out+d > lo and out+d < hi. A key never ends in the smallest
                // digit, so there is always room below it.
                let candidates: Vec<u8> = DIGITS
                    .iter()
                    .copied()
                    .filter(|&d| d > l.unwrap_or(DIGITS[0]) && h.is_none_or(|h| d < h))
                    .collect();
                if !candidates.is_empty() {
                    out.push(candidates[candidates.len() / 2]);
                    return String::from_utf8_lossy(&out).into_owned();
                }
                // No room at this position: copy lo's digit (or the smallest digit) and look
                // further; once below hi's digit, hi no longer bounds what follows.
                let d = l.unwrap_or(DIGITS[0]);
                if h.is_some_and(|h| d < h) {
                    bounded = false;
                }
                out.push(d);
            }
            // `hi` is `lo` followed by the smallest digits only: nothing fits between.
            format!("{}{}", String::from_utf8_lossy(lo), "V")
        }
    }
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
    fn keys_between_neighbours_sort_between_them() {
        let cases = [
            (None, "a0"),
            (Some("a0"), "a1"),
            (Some("a0"), "a0V"),
            (Some("az"), "b00"),
            (Some("a1"), "a2"),
            (Some("a0zz"), "a1"),
            (Some("Zz"), "a0"),
        ];
        for (lo, hi) in cases {
            let mid = key_between(lo, Some(hi));
            assert!(lo.is_none_or(|lo| mid.as_str() > lo), "{mid} > {lo:?}");
            assert!(mid.as_str() < hi, "{mid} < {hi}");
        }
        assert!(key_between(Some("a5"), None).as_str() > "a5");
        // Repeatedly inserting just above the same key keeps working.
        let mut hi = "a1".to_owned();
        for _ in 0..200 {
            let mid = key_between(Some("a0"), Some(&hi));
            assert!(mid.as_str() > "a0" && mid < hi);
            hi = mid;
        }
    }

    #[test]
    fn foreign_keys_still_get_a_later_key() {
        for foreign in ["", "Zz", "a", "!!", "zzzzzzzzzzzzzzzzzzzzzzzzzzz"] {
            assert!(key_after(Some(foreign)).as_str() > foreign);
        }
    }
}
