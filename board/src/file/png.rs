//! A board inside a PNG export: the project's JSON in an uncompressed `iTXt` chunk with the
//! keyword [`PNG_KEYWORD`], right after `IHDR`, so the picture opens anywhere and imports here
//! as the board. Reading walks the chunks with every length checked against what is there:
//! a damaged or cut-short PNG is an error, never a panic or a read past the end.

use super::ImportError;

/// The eight bytes every PNG starts with.
pub const PNG_SIGNATURE: [u8; 8] = [0x89, b'P', b'N', b'G', 0x0D, 0x0A, 0x1A, 0x0A];
/// The text chunk keyword that marks the board's JSON.
pub const PNG_KEYWORD: &str = "whiteboard";

/// The PNG spec's bound on a chunk's length.
const MAX_CHUNK: usize = 0x7FFF_FFFF;

/// One chunk: its type, its data, and where the whole chunk (length to CRC) lies in the file.
struct Chunk<'a> {
    kind: [u8; 4],
    data: &'a [u8],
    span: std::ops::Range<usize>,
}

/// Every chunk from `IHDR` to `IEND`, checked: the signature, `IHDR` first, each length and
/// CRC, and nothing cut short.
fn chunks(png: &[u8]) -> Result<Vec<Chunk<'_>>, ImportError> {
    let bad = |why: String| ImportError::BadPng(why);
    if !png.starts_with(&PNG_SIGNATURE) {
        return Err(bad("it does not start as a PNG does".into()));
    }
    let mut out = Vec::new();
    let mut at = PNG_SIGNATURE.len();
    loop {
        let header = png
            .get(at..at + 8)
            .ok_or_else(|| bad("it ends before its last chunk (IEND)".into()))?;
        let len = u32::from_be_bytes([header[0], header[1], header[2], header[3]]) as usize;
        let kind = [header[4], header[5], header[6], header[7]];
        let name = String::from_utf8_lossy(&kind).into_owned();
        if len > MAX_CHUNK || !kind.iter().all(u8::is_ascii_alphabetic) {
            return Err(bad(format!("a chunk header is invalid (chunk {name:?})")));
        }
        let end = (at + 12)
            .checked_add(len)
            .filter(|&end| end <= png.len())
            .ok_or_else(|| bad(format!("it is cut short inside the {name} chunk")))?;
        let data = &png[at + 8..at + 8 + len];
        let stored = &png[end - 4..end];
        let stored = u32::from_be_bytes([stored[0], stored[1], stored[2], stored[3]]);
        if crc(&kind, data) != stored {
            return Err(bad(format!("the {name} chunk's checksum is wrong")));
        }
        if out.is_empty() && (&kind != b"IHDR" || len != 13) {
            return Err(bad("it does not start with an IHDR chunk".into()));
        }
        out.push(Chunk {
            kind,
            data,
            span: at..end,
        });
        if &kind == b"IEND" {
            return Ok(out);
        }
        at = end;
    }
}

/// CRC-32 of a chunk's type and data, as PNG stores it.
fn crc(kind: &[u8; 4], data: &[u8]) -> u32 {
    let mut hasher = crc32fast::Hasher::new();
    hasher.update(kind);
    hasher.update(data);
    hasher.finalize()
}

/// `png` with `json` added as the board's `iTXt` chunk right after `IHDR` (replacing any
/// earlier one). Fails only when `png` is not a whole, valid PNG.
pub fn png_with_scene(png: &[u8], json: &str) -> Result<Vec<u8>, ImportError> {
    let chunks = chunks(png)?;
    let mut data = Vec::with_capacity(PNG_KEYWORD.len() + 5 + json.len());
    data.extend_from_slice(PNG_KEYWORD.as_bytes());
    // Keyword end, not compressed, method 0, empty language tag, empty translated keyword.
    data.extend_from_slice(&[0, 0, 0, 0, 0]);
    data.extend_from_slice(json.as_bytes());
    if data.len() > MAX_CHUNK {
        return Err(ImportError::TooLarge(
            "the board is too large for a PNG".into(),
        ));
    }
    let mut out = Vec::with_capacity(png.len() + data.len() + 12);
    out.extend_from_slice(&PNG_SIGNATURE);
    for (i, chunk) in chunks.iter().enumerate() {
        if board_text(chunk).is_some() {
            continue;
        }
        out.extend_from_slice(&png[chunk.span.clone()]);
        if i == 0 {
            out.extend_from_slice(&(data.len() as u32).to_be_bytes());
            out.extend_from_slice(b"iTXt");
            out.extend_from_slice(&data);
            out.extend_from_slice(&crc(b"iTXt", &data).to_be_bytes());
        }
    }
    Ok(out)
}

/// The board's JSON carried by a PNG: `None` when it has none, an error when the PNG is
/// damaged or the chunk cannot be read.
pub(super) fn scene_json(png: &[u8]) -> Result<Option<String>, ImportError> {
    for chunk in chunks(png)? {
        if let Some(text) = board_text(&chunk) {
            return text.map(Some);
        }
    }
    Ok(None)
}

/// The text of a chunk when it is the board's (`iTXt` uncompressed, or Latin-1 `tEXt`).
fn board_text(chunk: &Chunk) -> Option<Result<String, ImportError>> {
    let rest = chunk.data.strip_prefix(PNG_KEYWORD.as_bytes())?;
    let rest = rest.strip_prefix(&[0])?;
    let unreadable = |why: &str| Err(ImportError::BadPng(format!("the board inside {why}")));
    Some(match &chunk.kind {
        b"tEXt" => Ok(rest.iter().map(|&b| char::from(b)).collect()),
        b"iTXt" => {
            let [compressed, _method, rest @ ..] = rest else {
                return Some(unreadable("is cut short"));
            };
            if *compressed != 0 {
                return Some(unreadable("is compressed, which this app does not read"));
            }
            // Skip the language tag and the translated keyword.
            let mut parts = rest.splitn(3, |&b| b == 0);
            match (parts.next(), parts.next(), parts.next()) {
                (Some(_), Some(_), Some(text)) => match std::str::from_utf8(text) {
                    Ok(text) => Ok(text.to_owned()),
                    Err(_) => return Some(unreadable("is not valid UTF-8")),
                },
                _ => return Some(unreadable("is cut short")),
            }
        }
        _ => return None,
    })
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// A real 1×1 grey PNG: IHDR, IDAT (a stored zlib block), IEND, with their CRCs.
    pub(crate) const TINY_PNG: [u8; 70] = [
        0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0x00, 0x00, 0x00, 0x0D, 0x49, 0x48, 0x44,
        0x52, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x01, 0x08, 0x00, 0x00, 0x00, 0x00, 0x3A,
        0x7E, 0x9B, 0x55, 0x00, 0x00, 0x00, 0x0D, 0x49, 0x44, 0x41, 0x54, 0x78, 0x01, 0x01, 0x02,
        0x00, 0xFD, 0xFF, 0x00, 0x00, 0x00, 0x02, 0x00, 0x01, 0x7E, 0x05, 0x0D, 0xD2, 0x00, 0x00,
        0x00, 0x00, 0x49, 0x45, 0x4E, 0x44, 0xAE, 0x42, 0x60, 0x82,
    ];

    #[test]
    fn crc_matches_the_standard_check_values() {
        assert_eq!(crc32fast::hash(b"123456789"), 0xCBF4_3926);
        assert_eq!(crc(b"IEND", &[]), 0xAE42_6082);
        let kinds: Vec<[u8; 4]> = chunks(&TINY_PNG).unwrap().iter().map(|c| c.kind).collect();
        assert_eq!(kinds, [*b"IHDR", *b"IDAT", *b"IEND"]);
    }

    #[test]
    fn the_scene_chunk_round_trips_after_ihdr() {
        let json = r#"{"type":"whiteboard","title":"Ünïcödé ✓"}"#;
        let png = png_with_scene(&TINY_PNG, json).unwrap();
        let kinds: Vec<[u8; 4]> = chunks(&png).unwrap().iter().map(|c| c.kind).collect();
        assert_eq!(kinds, [*b"IHDR", *b"iTXt", *b"IDAT", *b"IEND"]);
        assert_eq!(scene_json(&png).unwrap().as_deref(), Some(json));
        // Writing again replaces the chunk rather than adding a second one.
        let again = png_with_scene(&png, "{}").unwrap();
        assert_eq!(chunks(&again).unwrap().len(), 4);
        assert_eq!(scene_json(&again).unwrap().as_deref(), Some("{}"));
        assert_eq!(scene_json(&TINY_PNG).unwrap(), None);
    }

    #[test]
    fn damaged_pngs_are_refused_without_panicking() {
        let png = png_with_scene(&TINY_PNG, "{}").unwrap();
        for cut in 0..png.len() {
            assert!(matches!(
                scene_json(&png[..cut]),
                Err(ImportError::BadPng(_))
            ));
        }
        let mut flipped = TINY_PNG;
        flipped[40] ^= 1;
        assert!(matches!(chunks(&flipped), Err(ImportError::BadPng(_))));
        let mut huge = TINY_PNG;
        huge[33..37].copy_from_slice(&[0xFF; 4]);
        assert!(matches!(chunks(&huge), Err(ImportError::BadPng(_))));
        assert!(png_with_scene(b"not a png", "{}").is_err());
    }
}
