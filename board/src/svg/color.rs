//! CSS colours as peers write them: which strings count as colours ([`parse`]: hex, `rgb()`,
//! `rgba()`, `hsl()`, `hsla()`, the CSS named colours, `transparent`), and the dark theme's
//! mapping of a colour ([`Rgba::dark`]). Exports write every colour back out as `#rrggbb` with
//! its alpha apart, so nothing a peer wrote reaches the file verbatim.

/// A colour with 8-bit channels and an alpha in 0..=1.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Rgba {
    pub r: u8,
    pub g: u8,
    pub b: u8,
    pub a: f64,
}

/// What stands in for a colour that is not one (the default stroke, `#1e1e1e`).
pub const DEFAULT_COLOR: Rgba = Rgba::opaque(0x1e, 0x1e, 0x1e);

/// The dark theme's inversion: the page shows the canvas through the CSS filter
/// `invert(93%) hue-rotate(180deg)` (style/main.css), which turns the board's `#fafafa` into a
/// background near the page's `#121212`.
pub const DARK_INVERT: f64 = 0.93;

/// `hue-rotate(180deg)` as the filter spec's colour matrix (cos = −1, sin = 0), in sRGB.
const HUE_ROTATE_180: [[f64; 3]; 3] = [
    [0.213 - 0.787, 0.715 + 0.715, 0.072 + 0.072],
    [0.213 + 0.213, 0.715 - 0.285, 0.072 + 0.072],
    [0.213 + 0.213, 0.715 + 0.715, 0.072 - 0.928],
];

impl Rgba {
    pub const fn opaque(r: u8, g: u8, b: u8) -> Self {
        Rgba { r, g, b, a: 1.0 }
    }

    /// `#rrggbb` (the alpha is left out: exports write it as an opacity).
    pub fn hex(&self) -> String {
        format!("#{:02x}{:02x}{:02x}", self.r, self.g, self.b)
    }

    /// The colour as the dark theme shows it: `invert(DARK_INVERT)` then `hue-rotate(180deg)`,
    /// with the filter spec's formulas, channels clamped; alpha unchanged. Both are affine per
    /// pixel, so mapping each colour and then compositing gives what the filtered canvas shows.
    pub fn dark(self) -> Rgba {
        let invert = |c: u8| {
            let c = f64::from(c) / 255.0;
            DARK_INVERT + c * (1.0 - 2.0 * DARK_INVERT)
        };
        let rgb = [invert(self.r), invert(self.g), invert(self.b)];
        let row = |m: [f64; 3]| channel(m[0] * rgb[0] + m[1] * rgb[1] + m[2] * rgb[2]);
        Rgba {
            r: row(HUE_ROTATE_180[0]),
            g: row(HUE_ROTATE_180[1]),
            b: row(HUE_ROTATE_180[2]),
            a: self.a,
        }
    }
}

/// A 0..=1 value as an 8-bit channel.
fn channel(v: f64) -> u8 {
    (v.clamp(0.0, 1.0) * 255.0).round() as u8
}

/// The colour a CSS colour string names, or `None` when it is not one this parser knows
/// (anything but hex, `rgb()`/`rgba()`, `hsl()`/`hsla()` in comma or space syntax, a named
/// colour or `transparent`).
pub fn parse(s: &str) -> Option<Rgba> {
    let s = s.trim();
    if s.len() > 64 || !s.is_ascii() {
        return None;
    }
    let s = s.to_ascii_lowercase();
    if let Some(hex) = s.strip_prefix('#') {
        return parse_hex(hex);
    }
    if let Some((name, rest)) = s.split_once('(') {
        let inner = rest.strip_suffix(')')?;
        let args: Vec<&str> = inner
            .split(|c: char| c == ',' || c == '/' || c.is_ascii_whitespace())
            .filter(|a| !a.is_empty())
            .collect();
        let (first, alpha) = match args.as_slice() {
            [a, b, c] => ([*a, *b, *c], 1.0),
            [a, b, c, alpha] => ([*a, *b, *c], fraction(alpha)?.clamp(0.0, 1.0)),
            _ => return None,
        };
        let [r, g, b] = match name.trim_end() {
            "rgb" | "rgba" => {
                let c = |a: &str| fraction_of(a, 255.0).map(|v| channel(v / 255.0));
                [c(first[0])?, c(first[1])?, c(first[2])?]
            }
            "hsl" | "hsla" => {
                let part = |a: &str| fraction_of(a, 100.0).map(|v| (v / 100.0).clamp(0.0, 1.0));
                hsl(hue(first[0])?, part(first[1])?, part(first[2])?).map(channel)
            }
            _ => return None,
        };
        return Some(Rgba { r, g, b, a: alpha });
    }
    if s == "transparent" {
        return Some(Rgba {
            a: 0.0,
            ..Rgba::opaque(0, 0, 0)
        });
    }
    let mut words = NAMED.split_ascii_whitespace();
    while let (Some(name), Some(hex)) = (words.next(), words.next()) {
        if name == s {
            return parse_hex(hex);
        }
    }
    None
}

fn parse_hex(hex: &str) -> Option<Rgba> {
    if !hex.bytes().all(|b| b.is_ascii_hexdigit()) {
        return None;
    }
    let digit = |i: usize| u8::from_str_radix(hex.get(i..i + 1)?, 16).ok();
    let byte = |i: usize| u8::from_str_radix(hex.get(i..i + 2)?, 16).ok();
    let alpha = |a: u8| f64::from(a) / 255.0;
    match hex.len() {
        3 | 4 => {
            let d = |i| digit(i).map(|v| v * 17);
            let a = if hex.len() == 4 { alpha(d(3)?) } else { 1.0 };
            Some(Rgba {
                r: d(0)?,
                g: d(1)?,
                b: d(2)?,
                a,
            })
        }
        6 | 8 => {
            let a = if hex.len() == 8 { alpha(byte(6)?) } else { 1.0 };
            Some(Rgba {
                r: byte(0)?,
                g: byte(2)?,
                b: byte(4)?,
                a,
            })
        }
        _ => None,
    }
}

/// A finite number.
fn number(s: &str) -> Option<f64> {
    s.parse::<f64>().ok().filter(|v| v.is_finite())
}

/// A number, or a percentage of `full`.
fn fraction_of(s: &str, full: f64) -> Option<f64> {
    match s.strip_suffix('%') {
        Some(p) => number(p).map(|v| v / 100.0 * full),
        None => number(s),
    }
}

/// An alpha: a number or a percentage of one.
fn fraction(s: &str) -> Option<f64> {
    fraction_of(s, 1.0)
}

/// A hue in degrees, from degrees (bare or `deg`), `rad`, `grad` or `turn`.
fn hue(s: &str) -> Option<f64> {
    let units = [
        ("deg", 1.0),
        ("grad", 0.9),
        ("rad", 180.0 / std::f64::consts::PI),
        ("turn", 360.0),
    ];
    for (unit, factor) in units {
        if let Some(v) = s.strip_suffix(unit) {
            return number(v).map(|v| v * factor);
        }
    }
    number(s)
}

/// HSL (hue in degrees, saturation and lightness in 0..=1) to RGB in 0..=1, with CSS Color 4's
/// formula.
fn hsl(h: f64, s: f64, l: f64) -> [f64; 3] {
    let a = s * l.min(1.0 - l);
    let f = |n: f64| {
        let k = (n + h / 30.0).rem_euclid(12.0);
        l - a * (k - 3.0).min(9.0 - k).clamp(-1.0, 1.0)
    };
    [f(0.0), f(8.0), f(4.0)]
}

/// The CSS named colours, name then hex.
const NAMED: &str = "\
    aliceblue f0f8ff antiquewhite faebd7 aqua 00ffff aquamarine 7fffd4 azure f0ffff \
    beige f5f5dc bisque ffe4c4 black 000000 blanchedalmond ffebcd blue 0000ff \
    blueviolet 8a2be2 brown a52a2a burlywood deb887 cadetblue 5f9ea0 chartreuse 7fff00 \
    chocolate d2691e coral ff7f50 cornflowerblue 6495ed cornsilk fff8dc crimson dc143c \
    cyan 00ffff darkblue 00008b darkcyan 008b8b darkgoldenrod b8860b darkgray a9a9a9 \
    darkgreen 006400 darkgrey a9a9a9 darkkhaki bdb76b darkmagenta 8b008b \
    darkolivegreen 556b2f darkorange ff8c00 darkorchid 9932cc darkred 8b0000 \
    darksalmon e9967a darkseagreen 8fbc8f darkslateblue 483d8b darkslategray 2f4f4f \
    darkslategrey 2f4f4f darkturquoise 00ced1 darkviolet 9400d3 deeppink ff1493 \
    deepskyblue 00bfff dimgray 696969 dimgrey 696969 dodgerblue 1e90ff firebrick b22222 \
    floralwhite fffaf0 forestgreen 228b22 fuchsia ff00ff gainsboro dcdcdc ghostwhite f8f8ff \
    gold ffd700 goldenrod daa520 gray 808080 green 008000 greenyellow adff2f grey 808080 \
    honeydew f0fff0 hotpink ff69b4 indianred cd5c5c indigo 4b0082 ivory fffff0 khaki f0e68c \
    lavender e6e6fa lavenderblush fff0f5 lawngreen 7cfc00 lemonchiffon fffacd \
    lightblue add8e6 lightcoral f08080 lightcyan e0ffff lightgoldenrodyellow fafad2 \
    lightgray d3d3d3 lightgreen 90ee90 lightgrey d3d3d3 lightpink ffb6c1 lightsalmon ffa07a \
    lightseagreen 20b2aa lightskyblue 87cefa lightslategray 778899 lightslategrey 778899 \
    lightsteelblue b0c4de lightyellow ffffe0 lime 00ff00 limegreen 32cd32 linen faf0e6 \
    magenta ff00ff maroon 800000 mediumaquamarine 66cdaa mediumblue 0000cd \
    mediumorchid ba55d3 mediumpurple 9370db mediumseagreen 3cb371 mediumslateblue 7b68ee \
    mediumspringgreen 00fa9a mediumturquoise 48d1cc mediumvioletred c71585 \
    midnightblue 191970 mintcream f5fffa mistyrose ffe4e1 moccasin ffe4b5 navajowhite ffdead \
    navy 000080 oldlace fdf5e6 olive 808000 olivedrab 6b8e23 orange ffa500 orangered ff4500 \
    orchid da70d6 palegoldenrod eee8aa palegreen 98fb98 paleturquoise afeeee \
    palevioletred db7093 papayawhip ffefd5 peachpuff ffdab9 peru cd853f pink ffc0cb \
    plum dda0dd powderblue b0e0e6 purple 800080 rebeccapurple 663399 \
    red ff0000 rosybrown bc8f8f royalblue 4169e1 \
    saddlebrown 8b4513 salmon fa8072 sandybrown f4a460 seagreen 2e8b57 seashell fff5ee \
    sienna a0522d silver c0c0c0 skyblue 87ceeb slateblue 6a5acd slategray 708090 \
    slategrey 708090 snow fffafa springgreen 00ff7f steelblue 4682b4 tan d2b48c teal 008080 \
    thistle d8bfd8 tomato ff6347 turquoise 40e0d0 violet ee82ee wheat f5deb3 white ffffff \
    whitesmoke f5f5f5 yellow ffff00 yellowgreen 9acd32";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn css_colours_parse() {
        let c = |r, g, b| Some(Rgba::opaque(r, g, b));
        assert_eq!(parse("#1e1e1e"), c(0x1e, 0x1e, 0x1e));
        assert_eq!(parse(" #FFF "), c(255, 255, 255));
        assert_eq!(parse("#ff000080").map(|c| c.a), Some(128.0 / 255.0));
        assert_eq!(parse("rgb(255, 0, 10)"), c(255, 0, 10));
        assert_eq!(parse("rgb(100% 0% 50%)"), c(255, 0, 128));
        assert_eq!(parse("rgba(0,0,0,0.18)").map(|c| c.a), Some(0.18));
        assert_eq!(parse("rgb(0 0 0 / 50%)").map(|c| c.a), Some(0.5));
        assert_eq!(parse("hsl(120, 100%, 50%)"), c(0, 255, 0));
        assert_eq!(parse("hsla(0.5turn 100% 25% / 1)"), c(0, 128, 128));
        assert_eq!(parse("RebeccaPurple"), c(0x66, 0x33, 0x99));
        assert_eq!(parse("yellowgreen"), c(0x9a, 0xcd, 0x32));
        assert_eq!(parse("transparent").map(|c| c.a), Some(0.0));
    }

    #[test]
    fn anything_else_is_refused() {
        for bad in [
            "",
            "#12",
            "#ggg",
            "notacolour",
            "none",
            "\"><script>alert(1)</script>",
            "rgb(1,2,3)\" onload=\"x",
            "rgb(1,2)",
            "rgb(nan, 0, 0)",
            "url(#x)",
            "#ff0000; fill: url(javascript:x)",
            "ｒｅｄ",
        ] {
            assert_eq!(parse(bad), None, "{bad}");
        }
    }

    #[test]
    fn dark_mapping_follows_the_filter_matrices() {
        // Greys keep their hue (each matrix row sums to one): white becomes 255 × 0.07 = 17.85.
        assert_eq!(Rgba::opaque(255, 255, 255).dark(), Rgba::opaque(18, 18, 18));
        // #1e1e1e: 0.93 − (30/255) × 0.86 = 0.8288 → 211.
        assert_eq!(
            Rgba::opaque(0x1e, 0x1e, 0x1e).dark(),
            Rgba::opaque(211, 211, 211)
        );
        // Pure red: inverted (0.07, 0.93, 0.93), then the 180° rotation's first row
        // −0.574 × 0.07 + 1.43 × 0.93 + 0.144 × 0.93 = 1.4236 (clamped to 255); second row
        // 0.426 × 0.07 + 0.43 × 0.93 + 0.144 × 0.93 = 0.56364 → 144; third
        // 0.426 × 0.07 + 1.43 × 0.93 − 0.856 × 0.93 = 0.56364 → 144. Red stays reddish.
        assert_eq!(Rgba::opaque(255, 0, 0).dark(), Rgba::opaque(255, 144, 144));
        let half = Rgba {
            a: 0.5,
            ..Rgba::opaque(0, 0, 0)
        };
        assert_eq!(half.dark().a, 0.5);
    }
}
