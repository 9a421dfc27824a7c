//! Painting one shape into the SVG being written, call for call as the canvas's
//! `paint_shape` does: closed shapes fill then stroke, with their label; pen strokes as their
//! filled outline; lines and arrows (heads solid); free text; sticky notes with their shadow;
//! images or their placeholder; frames as an outline with their name above.

use std::fmt::Write;

use super::color::{self, Rgba};
use super::{
    arrow_head, boxed, escape, font_size, line_points, opacity, stroke_width, wrap, Measure,
    IMAGE_PLACEHOLDER, LINE_HEIGHT, N, SHADOW_ID, STICKY_PAPER,
};
use crate::frame::{self, FRAME_COLOR, NAME_PX};
use crate::shape::diamond_corners;
use crate::sketch::{self, Seg, Sketch};
use crate::{Point, Rect, Shape, ShapeKind};

/// A sketch's path as SVG path data, moved from the shape's frame to the board's.
fn path_data(segs: &[Seg], origin: Point) -> String {
    let mut d = String::new();
    let at = |p: Point| (N(p.x + origin.x), N(p.y + origin.y));
    for seg in segs {
        if !d.is_empty() {
            d.push(' ');
        }
        let _ = match *seg {
            Seg::Move(p) => {
                let (x, y) = at(p);
                write!(d, "M{x} {y}")
            }
            Seg::Line(p) => {
                let (x, y) = at(p);
                write!(d, "L{x} {y}")
            }
            Seg::Curve(a, b, c) => {
                let ((ax, ay), (bx, by), (cx, cy)) = (at(a), at(b), at(c));
                write!(d, "C{ax} {ay} {bx} {by} {cx} {cy}")
            }
        };
    }
    d
}

/// The document being written.
pub(super) struct Svg<'a> {
    pub(super) out: String,
    pub(super) dark: bool,
    pub(super) images: &'a dyn Fn(&str) -> Option<String>,
    pub(super) m: &'a dyn Measure,
}

impl Svg<'_> {
    /// A colour as this render shows it (dark or not).
    pub(super) fn color(&self, c: &Rgba) -> Rgba {
        if self.dark {
            c.dark()
        } else {
            *c
        }
    }

    /// ` fill="#rrggbb"` (or `stroke`) with its opacity: the colour's alpha times `alpha`. A
    /// string that is not a colour ([`color::parse`]) paints [`color::DEFAULT_COLOR`].
    pub(super) fn paint(&self, attr: &str, css: &str, alpha: f64) -> String {
        let c = self.color(&color::parse(css).unwrap_or(color::DEFAULT_COLOR));
        let opacity = c.a * alpha;
        let mut s = format!(" {attr}=\"{}\"", c.hex());
        if opacity < 1.0 {
            let _ = write!(s, " {attr}-opacity=\"{}\"", N(opacity));
        }
        s
    }

    /// The stroke attributes of a shape's outline, line or head; dashed unless `solid`.
    fn stroke(&self, s: &Shape, solid: bool) -> String {
        let mut a = self.paint("stroke", &s.style.stroke, opacity(s));
        let width = stroke_width(s);
        let _ = write!(
            a,
            " stroke-width=\"{}\" stroke-linecap=\"round\" stroke-linejoin=\"round\"",
            N(width)
        );
        let pattern = s.style.dash.pattern(width);
        if !solid && !pattern.is_empty() {
            let dashes: Vec<String> = pattern.iter().map(|d| N(*d).to_string()).collect();
            let _ = write!(a, " stroke-dasharray=\"{}\"", dashes.join(" "));
        }
        a
    }

    /// ` transform="rotate(…)"` about the shape's centre, or nothing.
    fn rotation(s: &Shape) -> String {
        if s.rotation == 0.0 {
            return String::new();
        }
        let c = s.center();
        format!(
            " transform=\"rotate({} {} {})\"",
            N(s.rotation.to_degrees()),
            N(c.x),
            N(c.y)
        )
    }

    /// One shape's elements, rotated about its centre when it is turned.
    pub(super) fn shape(&mut self, s: &Shape) {
        let turn = Svg::rotation(s);
        let grouped = !turn.is_empty() && s.kind != ShapeKind::Sticky;
        if grouped {
            let _ = write!(self.out, "<g{turn}>");
        }
        let r = boxed(s);
        if let Some(sketch) = sketch::sketch(s) {
            self.sketch(s, &sketch);
        } else {
            self.clean(s, &r, &turn);
        }
        if grouped {
            self.out.push_str("</g>");
        }
    }

    /// A hand-drawn shape ([`sketch`]): its fill, its rough outline (dashed as styled) and an
    /// arrow's head, with a closed shape's label.
    fn sketch(&mut self, s: &Shape, sketch: &Sketch) {
        let origin = Point::new(s.x, s.y);
        if let Some(fill) = s.style.fill.as_ref().filter(|_| !sketch.fill.is_empty()) {
            let paint = self.paint("fill", fill, opacity(s));
            let d = path_data(&sketch.fill, origin);
            let _ = write!(self.out, "<path d=\"{d} Z\"{paint}/>");
        }
        for (segs, solid) in [(&sketch.stroke, false), (&sketch.head, true)] {
            if segs.is_empty() {
                continue;
            }
            let stroke = self.stroke(s, solid);
            let d = path_data(segs, origin);
            let _ = write!(self.out, "<path d=\"{d}\" fill=\"none\"{stroke}/>");
        }
        if s.kind.is_closed() {
            self.label(s);
        }
    }

    /// A shape drawn clean: its geometry as is.
    fn clean(&mut self, s: &Shape, r: &Rect, turn: &str) {
        let r = *r;
        match s.kind {
            ShapeKind::Rectangle | ShapeKind::Ellipse | ShapeKind::Diamond => {
                let fill = match &s.style.fill {
                    Some(f) => self.paint("fill", f, opacity(s)),
                    None => " fill=\"none\"".to_owned(),
                };
                let paint = format!("{fill}{}", self.stroke(s, false));
                let _ = match s.kind {
                    ShapeKind::Rectangle => write!(
                        self.out,
                        "<rect x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\"{paint}/>",
                        N(r.x),
                        N(r.y),
                        N(r.w),
                        N(r.h)
                    ),
                    ShapeKind::Ellipse => write!(
                        self.out,
                        "<ellipse cx=\"{}\" cy=\"{}\" rx=\"{}\" ry=\"{}\"{paint}/>",
                        N(r.x + r.w / 2.0),
                        N(r.y + r.h / 2.0),
                        N(r.w / 2.0),
                        N(r.h / 2.0)
                    ),
                    _ => {
                        let [t, rt, b, l] = diamond_corners(&r);
                        write!(
                            self.out,
                            "<path d=\"M{} {} L{} {} L{} {} L{} {} Z\"{paint}/>",
                            N(t.x),
                            N(t.y),
                            N(rt.x),
                            N(rt.y),
                            N(b.x),
                            N(b.y),
                            N(l.x),
                            N(l.y)
                        )
                    }
                };
                self.label(s);
            }
            ShapeKind::Frame => self.frame(s, &r),
            ShapeKind::Pen => self.pen(s),
            ShapeKind::Line | ShapeKind::Arrow => self.line(s),
            ShapeKind::Text => {
                let lines: Vec<String> = s.text.split('\n').map(str::to_owned).collect();
                self.text(s, &r, &lines, false);
            }
            ShapeKind::Sticky => {
                let paper = s.style.fill.as_deref().unwrap_or(STICKY_PAPER);
                let fill = self.paint("fill", paper, opacity(s));
                let _ = write!(
                    self.out,
                    "<g filter=\"url(#{SHADOW_ID})\"><rect x=\"{}\" y=\"{}\" width=\"{}\" \
                     height=\"{}\"{fill}{turn}/></g>",
                    N(r.x),
                    N(r.y),
                    N(r.w),
                    N(r.h)
                );
                if !turn.is_empty() {
                    let _ = write!(self.out, "<g{turn}>");
                }
                self.label(s);
                if !turn.is_empty() {
                    self.out.push_str("</g>");
                }
            }
            ShapeKind::Image => self.image(s, &r),
        }
    }

    /// A pen stroke: its outline ([`Shape::pen_outline`]) filled in the stroke colour, with
    /// quadratic curves through the midpoints between samples as the canvas draws it.
    fn pen(&mut self, s: &Shape) {
        let pts: Vec<Point> = s
            .pen_outline()
            .into_iter()
            .map(|p| Point::new(p.x + s.x, p.y + s.y))
            .collect();
        let Some((first, rest)) = pts.split_first() else {
            return;
        };
        let mut d = format!("M{} {}", N(first.x), N(first.y));
        for (i, p) in rest.iter().enumerate() {
            let next = rest.get(i + 1).unwrap_or(first);
            let mid = Point::new((p.x + next.x) / 2.0, (p.y + next.y) / 2.0);
            let _ = write!(d, " Q{} {} {} {}", N(p.x), N(p.y), N(mid.x), N(mid.y));
        }
        let fill = self.paint("fill", &s.style.stroke, opacity(s));
        let _ = write!(self.out, "<path d=\"{d} Z\"{fill}/>");
    }

    /// A line or an arrow (dashed as styled); an arrow's head is always solid.
    fn line(&mut self, s: &Shape) {
        let pts = line_points(s);
        if pts.len() < 2 {
            return;
        }
        let mut d = String::new();
        for (i, p) in pts.iter().enumerate() {
            let _ = write!(
                d,
                "{}{} {}",
                if i == 0 { "M" } else { " L" },
                N(p.x),
                N(p.y)
            );
        }
        let stroke = self.stroke(s, false);
        let _ = write!(self.out, "<path d=\"{d}\" fill=\"none\"{stroke}/>");
        if s.kind == ShapeKind::Arrow {
            if let Some([tip, a, b]) = arrow_head(s, &pts) {
                let stroke = self.stroke(s, true);
                let (tx, ty) = (N(tip.x), N(tip.y));
                let _ = write!(
                    self.out,
                    "<path d=\"M{tx} {ty} L{} {} M{tx} {ty} L{} {}\" fill=\"none\"{stroke}/>",
                    N(a.x),
                    N(a.y),
                    N(b.x),
                    N(b.y)
                );
            }
        }
        self.line_label(s, &pts);
    }

    /// A line's or an arrow's label, on a patch of background halfway along it.
    fn line_label(&mut self, s: &Shape, pts: &[Point]) {
        let Some(mid) = crate::route::midpoint(pts).filter(|_| !s.text.trim().is_empty()) else {
            return;
        };
        let size = font_size(s);
        let lines: Vec<String> = s.text.split('\n').map(str::to_owned).collect();
        let width = lines
            .iter()
            .map(|l| self.m.width(l, s.style.font_family, size))
            .fold(0.0, f64::max);
        let area = super::line_label_box(mid, width, lines.len(), size);
        let fill = self.paint("fill", super::BACKGROUND, 1.0);
        let _ = write!(
            self.out,
            "<rect x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\"{fill}/>",
            N(area.x - 4.0),
            N(area.y),
            N(area.w + 8.0),
            N(area.h)
        );
        self.text(s, &area, &lines, true);
    }

    /// An image stretched over its box, or the placeholder. Only `data:image/` URLs are
    /// embedded: the file must stand alone and fetch nothing.
    fn image(&mut self, s: &Shape, r: &Rect) {
        let url = s
            .src
            .as_deref()
            .and_then(|src| (self.images)(src))
            .filter(|u| {
                u.get(..11)
                    .is_some_and(|p| p.eq_ignore_ascii_case("data:image/"))
            });
        let (x, y, w, h) = (N(r.x), N(r.y), N(r.w), N(r.h));
        let Some(url) = url else {
            let fill = self.paint("fill", IMAGE_PLACEHOLDER, opacity(s));
            let _ = write!(
                self.out,
                "<rect x=\"{x}\" y=\"{y}\" width=\"{w}\" height=\"{h}\"{fill}/>"
            );
            return;
        };
        let _ = write!(
            self.out,
            "<image x=\"{x}\" y=\"{y}\" width=\"{w}\" height=\"{h}\" preserveAspectRatio=\"none\""
        );
        if opacity(s) < 1.0 {
            let _ = write!(self.out, " opacity=\"{}\"", N(opacity(s)));
        }
        self.out.push_str(" href=\"");
        escape(&url, &mut self.out);
        self.out.push_str("\"/>");
    }

    /// A sticky note's text or a closed shape's label: wrapped to the label box and centred.
    fn label(&mut self, s: &Shape) {
        if s.text.is_empty() {
            return;
        }
        let Some(area) = s.label_box() else {
            return;
        };
        let lines = wrap(&s.text, area.w, s.style.font_family, font_size(s), self.m);
        self.text(s, &area, &lines, true);
    }

    /// Lines of text in `area`, a line height apart, each centred on its line's middle: from
    /// the top-left (one unit in) for free text, centred otherwise.
    /// A frame: a thin outline, and its name above the top-left corner.
    fn frame(&mut self, s: &Shape, r: &Rect) {
        let stroke = self.paint("stroke", FRAME_COLOR, 1.0);
        let _ = write!(
            self.out,
            "<rect x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\" fill=\"none\"{stroke} \
             stroke-width=\"1\"/>",
            N(r.x),
            N(r.y),
            N(r.w),
            N(r.h)
        );
        let label = Shape {
            style: crate::Style {
                stroke: FRAME_COLOR.to_owned(),
                font_size: NAME_PX,
                ..crate::Style::default()
            },
            ..Shape::default()
        };
        let area = frame::name_box(s, 1.0);
        self.text(&label, &area, &[frame::name(s).to_owned()], false);
    }

    fn text(&mut self, s: &Shape, area: &Rect, lines: &[String], centred: bool) {
        if lines.iter().all(|l| l.trim().is_empty()) {
            return;
        }
        let size = font_size(s);
        let line_h = size * LINE_HEIGHT;
        let top = if centred {
            area.y + (area.h - line_h * lines.len() as f64) / 2.0
        } else {
            area.y
        };
        let x = if centred {
            area.x + area.w / 2.0
        } else {
            area.x + 1.0
        };
        let fill = self.paint("fill", &s.style.stroke, opacity(s));
        let anchor = if centred {
            " text-anchor=\"middle\""
        } else {
            ""
        };
        let font = s.style.font_family;
        let _ = write!(
            self.out,
            "<g font-family=\"{}\" font-size=\"{}\"{fill}{anchor}>",
            self.m.font_family(font),
            N(size)
        );
        let baseline = self.m.baseline(font, size);
        for (i, line) in lines.iter().enumerate() {
            if line.trim().is_empty() {
                continue;
            }
            let y = top + line_h * (i as f64 + 0.5) + baseline;
            let _ = write!(
                self.out,
                "<text x=\"{}\" y=\"{}\" xml:space=\"preserve\">",
                N(x),
                N(y)
            );
            escape(line, &mut self.out);
            self.out.push_str("</text>");
        }
        self.out.push_str("</g>");
    }
}
