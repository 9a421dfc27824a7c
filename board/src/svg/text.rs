//! Text on a board: the face, line height and baseline the canvas uses, advance widths
//! ([`Measure`], with a built-in table for renderers without fonts), and the line breaking
//! ([`wrap`]) that sticky notes and shape labels share between the canvas and SVG exports.

/// The board's text face, as a CSS font-family list (the canvas's `FONT_FAMILY`).
pub const FONT_FAMILY: &str = "system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif";

/// Line height as a multiple of the font size.
pub const LINE_HEIGHT: f64 = 1.25;

/// How far a line's alphabetic baseline lies below its middle, in ems, for Arial and Liberation
/// Sans. The canvas paints with `textBaseline = "middle"`, which Chromium places at the middle
/// of the em box built from the OS/2 typo ascender and descender scaled to sum to one em:
/// (1491 − 431) / 2 / (1491 + 431) for these faces. (SVG's `dominant-baseline="central"` is
/// not the same: Chromium builds it from the hhea metrics, 0.35 em here, and other renderers
/// differ again, so exports place an alphabetic baseline explicitly.)
pub const MIDDLE_TO_BASELINE: f64 = 530.0 / 1922.0;

/// Text advance widths in board units. The browser passes the canvas's `measureText`; the
/// server [`BuiltinMetrics`].
pub trait Measure {
    /// The advance width of `text` (one line) set at `font_size`.
    fn width(&self, text: &str, font_size: f64) -> f64;

    /// How far below the middle of a line (where the canvas centres it) its alphabetic baseline
    /// lies, at `font_size`. The browser can measure its own face (the difference between
    /// `actualBoundingBoxAscent` of "H" with the alphabetic and the middle baseline).
    fn baseline(&self, font_size: f64) -> f64 {
        font_size * MIDDLE_TO_BASELINE
    }

    /// The font-family list the file names: the face these widths are of, so that a viewer
    /// lays the text out as it was wrapped.
    fn font_family(&self) -> &str {
        FONT_FAMILY
    }
}

/// The faces [`BuiltinMetrics`] measures (Arial's widths), first in the list its files name.
pub const ARIAL_FAMILY: &str = "Arial, 'Liberation Sans', Helvetica, sans-serif";

/// Built-in metrics: Arial/Helvetica advance widths for printable ASCII (Liberation Sans, which
/// the server rasterises with, is metric-compatible with Arial); wide characters (CJK, emoji)
/// one em, zero-width marks nothing, anything else 0.6 em.
#[derive(Debug, Clone, Copy, Default)]
pub struct BuiltinMetrics;

/// Advance widths in thousandths of an em for ' ' (32) ..= '~' (126), from Liberation Sans
/// (identical to Arial's and Helvetica's).
const ASCII_WIDTHS: [u16; 95] = [
    278, 278, 355, 556, 556, 889, 667, 191, 333, 333, 389, 584, 278, 333, 278,
    278, // ' '..'/'
    556, 556, 556, 556, 556, 556, 556, 556, 556, 556, 278, 278, 584, 584, 584,
    556, // '0'..'?'
    1015, 667, 667, 722, 722, 667, 611, 778, 722, 278, 500, 667, 556, 833, 722,
    778, // '@'..'O'
    667, 778, 722, 667, 611, 722, 667, 944, 667, 667, 611, 278, 278, 278, 469,
    556, // 'P'..'_'
    333, 556, 556, 500, 556, 556, 278, 556, 556, 222, 222, 500, 222, 833, 556,
    556, // '`'..'o'
    556, 556, 333, 500, 278, 556, 500, 722, 500, 500, 500, 334, 260, 334, 584, // 'p'..'~'
];

/// The advance of one character in ems.
fn char_em(c: char) -> f64 {
    let code = u32::from(c);
    match code {
        // The canvas draws tabs and other white space as spaces.
        0x09..=0x0D | 0xA0 => 0.278,
        0x20..=0x7E => f64::from(ASCII_WIDTHS[(code - 0x20) as usize]) / 1000.0,
        // Controls, combining marks, zero-width spaces and joiners, variation selectors,
        // emoji skin tones (drawn into the emoji before them).
        0x00..=0x1F
        | 0x7F..=0x9F
        | 0x0300..=0x036F
        | 0x200B..=0x200F
        | 0x2060..=0x2064
        | 0xFE00..=0xFE0F
        | 0xFEFF
        | 0x1F3FB..=0x1F3FF
        | 0xE0000..=0xE01EF => 0.0,
        // Hangul jamo, CJK, Hangul syllables, full-width forms, symbols and emoji.
        0x1100..=0x115F
        | 0x2600..=0x27BF
        | 0x2E80..=0x303E
        | 0x3041..=0x33FF
        | 0x3400..=0x4DBF
        | 0x4E00..=0x9FFF
        | 0xA000..=0xA4CF
        | 0xAC00..=0xD7A3
        | 0xF900..=0xFAFF
        | 0xFE30..=0xFE4F
        | 0xFF00..=0xFF60
        | 0xFFE0..=0xFFE6
        | 0x1F000..=0x1FAFF
        | 0x20000..=0x3FFFD => 1.0,
        _ => 0.6,
    }
}

impl Measure for BuiltinMetrics {
    fn width(&self, text: &str, font_size: f64) -> f64 {
        text.chars().map(char_em).sum::<f64>() * font_size
    }

    fn font_family(&self) -> &str {
        ARIAL_FAMILY
    }
}

/// `text` broken into lines no wider than `width` at `size`: split on '\n', then words on ' '
/// are added to a line while it fits; a word longer than a line stays whole on its own line.
/// Sticky notes and the labels of rectangles, ellipses and diamonds wrap this way (to
/// [`crate::Shape::label_box`]) on the canvas and in exports alike.
pub fn wrap(text: &str, width: f64, size: f64, m: &dyn Measure) -> Vec<String> {
    let mut lines = Vec::new();
    for paragraph in text.split('\n') {
        let mut line = String::new();
        for word in paragraph.split(' ') {
            let candidate = if line.is_empty() {
                word.to_owned()
            } else {
                format!("{line} {word}")
            };
            if line.is_empty() || m.width(&candidate, size) <= width {
                line = candidate;
            } else {
                lines.push(std::mem::take(&mut line));
                line = word.to_owned();
            }
        }
        lines.push(line);
    }
    lines
}

/// The box (width, height) free text of `size` needs, in board units: its widest line plus a
/// pixel each side, at least half an em wide; a line height per line.
pub fn text_box(text: &str, size: f64, m: &dyn Measure) -> (f64, f64) {
    let lines = text.split('\n');
    let count = lines.clone().count();
    let width = lines.map(|l| m.width(l, size)).fold(0.0, f64::max);
    (
        (width + 2.0).max(size / 2.0),
        count as f64 * size * LINE_HEIGHT,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every character one unit per point of size: easy widths to reason about.
    struct Mono;
    impl Measure for Mono {
        fn width(&self, text: &str, size: f64) -> f64 {
            text.chars().count() as f64 * size
        }
    }

    #[test]
    fn wrap_matches_the_canvas_reference() {
        // 10 characters a line at size 1.
        let lines = wrap(
            "the quick brown fox\njumps over a verylongwordindeed ok",
            10.0,
            1.0,
            &Mono,
        );
        assert_eq!(
            lines,
            [
                "the quick",
                "brown fox",
                "jumps over",
                "a",
                "verylongwordindeed",
                "ok"
            ]
        );
        assert_eq!(wrap("", 10.0, 1.0, &Mono), [""]);
        assert_eq!(wrap("a\n\nb", 10.0, 1.0, &Mono), ["a", "", "b"]);
        // Runs of spaces are kept, as the canvas keeps them.
        assert_eq!(wrap("a  b", 10.0, 1.0, &Mono), ["a  b"]);
    }

    #[test]
    fn builtin_widths_follow_arial() {
        let m = BuiltinMetrics;
        // "Hello": 722 + 556 + 222 + 222 + 556 thousandths of an em.
        assert!((m.width("Hello", 20.0) - 2.278 * 20.0).abs() < 1e-9);
        assert!((m.width("日本", 10.0) - 20.0).abs() < 1e-9);
        assert!((m.width("é", 10.0) - 6.0).abs() < 1e-9);
        assert_eq!(m.width("\u{200d}", 10.0), 0.0);
        let wrapped = wrap("Hello Hello Hello", 60.0, 20.0, &m);
        assert_eq!(wrapped, ["Hello", "Hello", "Hello"]);
        assert!((m.baseline(20.0) - 5.515).abs() < 0.01);
    }

    #[test]
    fn text_box_is_the_widest_line_by_the_line_count() {
        let (w, h) = text_box("ab\nabcd", 2.0, &Mono);
        assert_eq!((w, h), (10.0, 5.0));
        assert_eq!(text_box("", 20.0, &Mono), (10.0, 25.0));
    }
}
