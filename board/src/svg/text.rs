//! Text on a board: the faces (one per [`Font`]), line height and baseline the canvas uses,
//! advance widths ([`Measure`], with built-in tables for renderers without fonts), and the line
//! breaking ([`wrap`]) that sticky notes and shape labels share between the canvas and SVG
//! exports.

use crate::shape::Font;

/// The board's sans-serif face, as a CSS font-family list (the canvas's default).
pub const FONT_FAMILY: &str = "system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif";

/// The hand-writing face: Architects Daughter (SIL OFL), which the app serves and loads when a
/// shape uses it (`public/fonts`), then casual faces a system may have.
pub const HAND_FAMILY: &str =
    "'Architects Daughter', 'Segoe Print', 'Comic Sans MS', 'Chalkboard SE', cursive";

/// The code face: the system's monospace.
pub const MONO_FAMILY: &str =
    "ui-monospace, 'Cascadia Code', 'SF Mono', Menlo, Consolas, 'Liberation Mono', monospace";

/// The CSS font-family list the canvas sets text of `font` in.
pub fn family(font: Font) -> &'static str {
    match font {
        Font::Sans => FONT_FAMILY,
        Font::Hand => HAND_FAMILY,
        Font::Mono => MONO_FAMILY,
    }
}

/// Line height as a multiple of the font size.
pub const LINE_HEIGHT: f64 = 1.25;

/// How far a line's alphabetic baseline lies below its middle, in ems, for Arial and Liberation
/// Sans. The canvas paints with `textBaseline = "middle"`, which Chromium places at the middle
/// of the em box built from the OS/2 typo ascender and descender scaled to sum to one em:
/// (1491 − 431) / 2 / (1491 + 431) for these faces. (SVG's `dominant-baseline="central"` is
/// not the same: Chromium builds it from the hhea metrics, 0.35 em here, and other renderers
/// differ again, so exports place an alphabetic baseline explicitly.)
pub const MIDDLE_TO_BASELINE: f64 = 530.0 / 1922.0;

/// The same for each face [`BuiltinMetrics`] measures: Arial, Architects Daughter (typo
/// ascender 1010, descender 413) and Liberation Mono (1255, 386).
pub fn middle_to_baseline(font: Font) -> f64 {
    match font {
        Font::Sans => MIDDLE_TO_BASELINE,
        Font::Hand => 597.0 / 2846.0,
        Font::Mono => 869.0 / 3282.0,
    }
}

/// Text advance widths in board units. The browser passes the canvas's `measureText`; the
/// server [`BuiltinMetrics`].
pub trait Measure {
    /// The advance width of `text` (one line) set in `font` at `font_size`.
    fn width(&self, text: &str, font: Font, font_size: f64) -> f64;

    /// How far below the middle of a line (where the canvas centres it) its alphabetic baseline
    /// lies, at `font_size`. The browser can measure its own face (the difference between
    /// `actualBoundingBoxAscent` of "H" with the alphabetic and the middle baseline).
    fn baseline(&self, font: Font, font_size: f64) -> f64 {
        font_size * middle_to_baseline(font)
    }

    /// The font-family list the file names for `font`: the face these widths are of, so that
    /// a viewer lays the text out as it was wrapped.
    fn font_family(&self, font: Font) -> &str {
        family(font)
    }

    /// A CSS `@font-face` rule the file carries for `font` (the face as a data URL), so that
    /// a viewer without it installed, or an SVG drawn as an image, shows the same face. `None`:
    /// the file names the face only.
    fn font_face(&self, _font: Font) -> Option<String> {
        None
    }
}

/// The faces [`BuiltinMetrics`] measures (Arial's widths), first in the list its files name.
pub const ARIAL_FAMILY: &str = "Arial, 'Liberation Sans', Helvetica, sans-serif";

/// The monospace faces [`BuiltinMetrics`] measures (every character 0.6 em).
pub const BUILTIN_MONO_FAMILY: &str = "'Liberation Mono', 'Courier New', Cousine, monospace";

/// Built-in metrics: for sans, Arial/Helvetica advance widths for printable ASCII (Liberation
/// Sans, which the server rasterises with, is metric-compatible with Arial); for hand,
/// Architects Daughter's (the server loads that face); for mono, 0.6 em (Liberation Mono,
/// Courier). Wide characters (CJK, emoji) one em, zero-width marks nothing, anything else
/// 0.6 em.
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

/// Advance widths in thousandths of an em for ' ' (32) ..= '~' (126), from Architects Daughter
/// (1,024 units to the em, rounded).
const HAND_WIDTHS: [u16; 95] = [
    400, 135, 236, 638, 557, 519, 670, 162, 298, 352, 508, 524, 178, 311, 141,
    455, // ' '..'/'
    631, 128, 572, 509, 681, 708, 627, 615, 648, 569, 167, 124, 476, 492, 472,
    506, // '0'..'?'
    1043, 641, 711, 708, 648, 592, 692, 692, 605, 151, 529, 605, 692, 827, 627,
    670, // '@'..'O'
    638, 713, 713, 643, 623, 562, 627, 940, 600, 534, 784, 425, 502, 541, 307,
    687, // 'P'..'_'
    172, 509, 562, 633, 513, 541, 594, 516, 495, 151, 178, 614, 157, 778, 500,
    562, // '`'..'o'
    557, 514, 552, 502, 404, 508, 519, 809, 471, 549, 495, 353, 146, 479, 444, // 'p'..'~'
];

/// The advance of one character in ems.
fn char_em(c: char, font: Font) -> f64 {
    let code = u32::from(c);
    let table = |t: &[u16; 95]| f64::from(t[(code - 0x20) as usize]) / 1000.0;
    match code {
        // The canvas draws tabs and other white space as spaces.
        0x09..=0x0D | 0xA0 => match font {
            Font::Sans => 0.278,
            Font::Hand => 0.4,
            Font::Mono => 0.6,
        },
        0x20..=0x7E => match font {
            Font::Sans => table(&ASCII_WIDTHS),
            Font::Hand => table(&HAND_WIDTHS),
            Font::Mono => 0.6,
        },
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
    fn width(&self, text: &str, font: Font, font_size: f64) -> f64 {
        text.chars().map(|c| char_em(c, font)).sum::<f64>() * font_size
    }

    fn font_family(&self, font: Font) -> &str {
        match font {
            Font::Sans => ARIAL_FAMILY,
            Font::Hand => HAND_FAMILY,
            Font::Mono => BUILTIN_MONO_FAMILY,
        }
    }
}

/// `text` broken into lines no wider than `width` in `font` at `size`: split on '\n', then
/// words on ' ' are added to a line while it fits; a word longer than a line stays whole on its
/// own line. Sticky notes and the labels of rectangles, ellipses and diamonds wrap this way (to
/// [`crate::Shape::label_box`]) on the canvas and in exports alike.
pub fn wrap(text: &str, width: f64, font: Font, size: f64, m: &dyn Measure) -> Vec<String> {
    let mut lines = Vec::new();
    for paragraph in text.split('\n') {
        let mut line = String::new();
        for word in paragraph.split(' ') {
            let candidate = if line.is_empty() {
                word.to_owned()
            } else {
                format!("{line} {word}")
            };
            if line.is_empty() || m.width(&candidate, font, size) <= width {
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

/// The box (width, height) free text in `font` of `size` needs, in board units: its widest
/// line plus a pixel each side, at least half an em wide; a line height per line.
pub fn text_box(text: &str, font: Font, size: f64, m: &dyn Measure) -> (f64, f64) {
    let lines = text.split('\n');
    let count = lines.clone().count();
    let width = lines.map(|l| m.width(l, font, size)).fold(0.0, f64::max);
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
        fn width(&self, text: &str, _font: Font, size: f64) -> f64 {
            text.chars().count() as f64 * size
        }
    }

    #[test]
    fn wrap_matches_the_canvas_reference() {
        // 10 characters a line at size 1.
        let lines = wrap(
            "the quick brown fox\njumps over a verylongwordindeed ok",
            10.0,
            Font::Sans,
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
        assert_eq!(wrap("", 10.0, Font::Sans, 1.0, &Mono), [""]);
        assert_eq!(wrap("a\n\nb", 10.0, Font::Sans, 1.0, &Mono), ["a", "", "b"]);
        // Runs of spaces are kept, as the canvas keeps them.
        assert_eq!(wrap("a  b", 10.0, Font::Sans, 1.0, &Mono), ["a  b"]);
    }

    #[test]
    fn builtin_widths_follow_arial() {
        let m = BuiltinMetrics;
        let sans = Font::Sans;
        // "Hello": 722 + 556 + 222 + 222 + 556 thousandths of an em.
        assert!((m.width("Hello", sans, 20.0) - 2.278 * 20.0).abs() < 1e-9);
        assert!((m.width("日本", sans, 10.0) - 20.0).abs() < 1e-9);
        assert!((m.width("é", sans, 10.0) - 6.0).abs() < 1e-9);
        assert_eq!(m.width("\u{200d}", sans, 10.0), 0.0);
        let wrapped = wrap("Hello Hello Hello", 60.0, sans, 20.0, &m);
        assert_eq!(wrapped, ["Hello", "Hello", "Hello"]);
        assert!((m.baseline(sans, 20.0) - 5.515).abs() < 0.01);
    }

    #[test]
    fn each_font_has_its_own_widths_and_face() {
        let m = BuiltinMetrics;
        // Monospace: every character the same.
        assert!(
            (m.width("iiii", Font::Mono, 10.0) - m.width("WWWW", Font::Mono, 10.0)).abs() < 1e-9
        );
        assert!((m.width("abc", Font::Mono, 10.0) - 18.0).abs() < 1e-9);
        // Architects Daughter: "Hi" = 605 + 151 thousandths.
        assert!((m.width("Hi", Font::Hand, 10.0) - 7.56).abs() < 1e-9);
        assert_ne!(
            m.width("Hello", Font::Hand, 20.0),
            m.width("Hello", Font::Sans, 20.0)
        );
        assert!(m
            .font_family(Font::Hand)
            .starts_with("'Architects Daughter'"));
        assert!(m.font_family(Font::Mono).contains("monospace"));
        assert_eq!(family(Font::Sans), FONT_FAMILY);
        assert!(m.baseline(Font::Hand, 20.0) < m.baseline(Font::Sans, 20.0));
    }

    #[test]
    fn text_box_is_the_widest_line_by_the_line_count() {
        let (w, h) = text_box("ab\nabcd", Font::Sans, 2.0, &Mono);
        assert_eq!((w, h), (10.0, 5.0));
        assert_eq!(text_box("", Font::Sans, 20.0, &Mono), (10.0, 25.0));
    }
}
