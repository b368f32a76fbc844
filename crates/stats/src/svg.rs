//! Self-contained SVG figures: a labelled heatmap (e.g. the models x models
//! similarity matrix of Table 5) and a heat-table of per-model style profiles
//! (models x Markdown elements, Table 3).
//!
//! Output is a single `<svg>` element with no scripts, no external fonts
//! (generic `sans-serif`), no ids (so several figures can be inlined in one
//! HTML page) and every label XML-escaped by [`xml_escape`]. Deterministic:
//! same inputs, same bytes. Sizes adapt to the number of rows: cells are
//! 40px for up to 10 rows and never below 16px (about 40 models fit on a
//! 1000px page), values are printed in cells when there are at most 20
//! rows (always in the style heat-table), long labels are truncated with an
//! ellipsis and kept whole in a `<title>` tooltip.

use std::fmt::Write as _;

/// Colour map for cell values.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ColorScale {
    /// Perceptually uniform dark-purple -> yellow (matplotlib's viridis).
    Viridis,
    /// White -> dark blue (matplotlib's Blues).
    Blues,
    /// Diverging blue -> white -> red around the middle of the range (RdBu_r).
    Diverging,
}

/// Options for [`heatmap`] and [`heatmap_rect`].
#[derive(Clone, Debug, PartialEq)]
pub struct HeatmapOptions {
    /// Figure title (escaped).
    pub title: String,
    /// Colour map.
    pub scale: ColorScale,
    /// Value mapped to the low end (default: the finite minimum).
    pub vmin: Option<f64>,
    /// Value mapped to the high end (default: the finite maximum).
    pub vmax: Option<f64>,
    /// Print values in cells: `None` = when there are at most 20 rows.
    pub show_values: Option<bool>,
    /// Decimals of printed values and colour-bar ticks.
    pub digits: usize,
}

impl Default for HeatmapOptions {
    fn default() -> Self {
        HeatmapOptions {
            title: String::new(),
            scale: ColorScale::Viridis,
            vmin: None,
            vmax: None,
            show_values: None,
            digits: 2,
        }
    }
}

/// Escape text for XML content and attribute values: `& < > " '` become
/// entities, and characters XML 1.0 forbids (controls other than tab/LF/CR,
/// U+FFFE/U+FFFF) become U+FFFD, so hostile labels cannot break the markup.
pub fn xml_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            '\t' | '\n' | '\r' => out.push(' '),
            c if (c as u32) < 0x20 || c == '\u{FFFE}' || c == '\u{FFFF}' => out.push('\u{FFFD}'),
            c => out.push(c),
        }
    }
    out
}

const VIRIDIS: [(u8, u8, u8); 9] = [
    (68, 1, 84),
    (71, 44, 122),
    (59, 81, 139),
    (44, 113, 142),
    (33, 144, 141),
    (39, 173, 129),
    (92, 200, 99),
    (170, 220, 50),
    (253, 231, 37),
];
const BLUES: [(u8, u8, u8); 9] = [
    (247, 251, 255),
    (222, 235, 247),
    (198, 219, 239),
    (158, 202, 225),
    (107, 174, 214),
    (66, 146, 198),
    (33, 113, 181),
    (8, 81, 156),
    (8, 48, 107),
];
const RDBU_R: [(u8, u8, u8); 9] = [
    (33, 102, 172),
    (67, 147, 195),
    (146, 197, 222),
    (209, 229, 240),
    (247, 247, 247),
    (253, 219, 199),
    (244, 165, 130),
    (214, 96, 77),
    (178, 24, 43),
];

/// RGB of `t` in `[0, 1]` (clamped) on `scale`, by linear interpolation
/// between 9 anchor colours.
pub fn color(scale: ColorScale, t: f64) -> (u8, u8, u8) {
    let stops = match scale {
        ColorScale::Viridis => &VIRIDIS,
        ColorScale::Blues => &BLUES,
        ColorScale::Diverging => &RDBU_R,
    };
    let t = if t.is_nan() { 0.0 } else { t.clamp(0.0, 1.0) };
    let x = t * (stops.len() - 1) as f64;
    let i = (x.floor() as usize).min(stops.len() - 2);
    let f = x - i as f64;
    let mix = |a: u8, b: u8| (a as f64 + (b as f64 - a as f64) * f).round() as u8;
    let (a, b) = (stops[i], stops[i + 1]);
    (mix(a.0, b.0), mix(a.1, b.1), mix(a.2, b.2))
}

fn hex((r, g, b): (u8, u8, u8)) -> String {
    format!("#{r:02x}{g:02x}{b:02x}")
}

/// Black or white, whichever reads better on `rgb` (relative luminance).
fn text_on((r, g, b): (u8, u8, u8)) -> &'static str {
    let l = 0.2126 * r as f64 + 0.7152 * g as f64 + 0.0722 * b as f64;
    if l > 140.0 {
        "#000000"
    } else {
        "#ffffff"
    }
}

/// Approximate rendered width of `n` characters at `font` px (sans-serif).
fn text_width(n: usize, font: f64) -> f64 {
    n as f64 * font * 0.6
}

/// Truncate to `max` characters with an ellipsis.
fn truncate(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        s.to_string()
    } else {
        let mut t: String = s.chars().take(max.saturating_sub(1)).collect();
        t.push('…');
        t
    }
}

fn fmt_num(x: f64, digits: usize) -> String {
    if x.is_nan() {
        "n/a".into()
    } else if x.is_infinite() {
        if x > 0.0 {
            "inf".into()
        } else {
            "-inf".into()
        }
    } else {
        format!("{x:.digits$}")
    }
}

/// A label as `<text>` with the full text as a tooltip when truncated.
fn label(out: &mut String, s: &str, attrs: &str, max: usize) {
    let shown = truncate(s, max);
    if shown != s {
        let _ = write!(
            out,
            "<text {attrs}><title>{}</title>{}</text>",
            xml_escape(s),
            xml_escape(&shown)
        );
    } else {
        let _ = write!(out, "<text {attrs}>{}</text>", xml_escape(&shown));
    }
    out.push('\n');
}

const MAX_LABEL: usize = 40;

/// Square heatmap: `labels` name both rows and columns, `values[i][j]` is
/// row i, column j. See [`heatmap_rect`].
pub fn heatmap(labels: &[String], values: &[Vec<f64>], opts: &HeatmapOptions) -> String {
    heatmap_rect(labels, labels, values, opts)
}

/// Rectangular heatmap with row labels on the left, column labels on top
/// rotated -45 degrees (vertical beyond 20 columns), a vertical colour bar with min/mid/max ticks on the
/// right, NaN cells grey and marked `n/a` when values are shown. Missing
/// cells (short rows) are NaN.
pub fn heatmap_rect(
    row_labels: &[String],
    col_labels: &[String],
    values: &[Vec<f64>],
    opts: &HeatmapOptions,
) -> String {
    let nr = row_labels.len();
    let nc = col_labels.len();
    let get = |i: usize, j: usize| -> f64 {
        values
            .get(i)
            .and_then(|r| r.get(j))
            .copied()
            .unwrap_or(f64::NAN)
    };
    let finite: Vec<f64> = (0..nr)
        .flat_map(|i| (0..nc).map(move |j| (i, j)))
        .map(|(i, j)| get(i, j))
        .filter(|v| v.is_finite())
        .collect();
    let lo = opts
        .vmin
        .unwrap_or_else(|| finite.iter().copied().fold(f64::INFINITY, f64::min));
    let hi = opts
        .vmax
        .unwrap_or_else(|| finite.iter().copied().fold(f64::NEG_INFINITY, f64::max));
    let (lo, hi) = if lo.is_finite() && hi.is_finite() {
        (lo, hi)
    } else {
        (0.0, 1.0)
    };
    let norm = |v: f64| if hi > lo { (v - lo) / (hi - lo) } else { 0.5 };
    let n = nr.max(nc);
    let cell: f64 = if n <= 10 {
        40.0
    } else if n <= 20 {
        28.0
    } else {
        16.0
    };
    let font = if cell >= 28.0 { 12.0 } else { 10.0 };
    let show = opts.show_values.unwrap_or(nr <= 20);
    let max_chars = |ls: &[String]| {
        ls.iter()
            .map(|l| l.chars().count().min(MAX_LABEL))
            .max()
            .unwrap_or(0)
    };
    let left = 10.0 + text_width(max_chars(row_labels), font) + 6.0;
    // Column labels: -45 degrees while they fit, vertical when crowded.
    let vertical = nc > 20;
    let col_text = text_width(max_chars(col_labels), font);
    let col_extent = if vertical {
        col_text
    } else {
        col_text * std::f64::consts::FRAC_1_SQRT_2
    };
    let right_overhang = if vertical { 0.0 } else { col_extent };
    let title_h = if opts.title.is_empty() { 10.0 } else { 34.0 };
    let top = title_h + col_extent + 12.0;
    let grid_w = nc as f64 * cell;
    let grid_h = nr as f64 * cell;
    let bar_x = left + grid_w + 20.0;
    let bar_w = 14.0;
    let bar_h = grid_h.max(120.0);
    let width = (bar_x + bar_w + 10.0 + text_width(8 + opts.digits, font))
        .max(left + grid_w + right_overhang + 10.0)
        .ceil();
    let height = (top + bar_h.max(grid_h) + 16.0).ceil();

    let mut o = String::new();
    let _ = writeln!(
        o,
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{width}\" height=\"{height}\" \
         viewBox=\"0 0 {width} {height}\" font-family=\"sans-serif\" font-size=\"{font}\">"
    );
    let _ = writeln!(
        o,
        "<rect x=\"0\" y=\"0\" width=\"{width}\" height=\"{height}\" fill=\"#ffffff\"/>"
    );
    if !opts.title.is_empty() {
        let _ = writeln!(
            o,
            "<text x=\"{}\" y=\"22\" font-size=\"16\" font-weight=\"bold\" text-anchor=\"middle\">{}</text>",
            width / 2.0,
            xml_escape(&opts.title)
        );
    }
    // Column labels, rotated.
    for (j, l) in col_labels.iter().enumerate() {
        let (angle, dx) = if vertical {
            (-90, font * 0.35)
        } else {
            (-45, 0.0)
        };
        let x = left + (j as f64 + 0.5) * cell + dx;
        let y = top - 6.0;
        label(
            &mut o,
            l,
            &format!("x=\"{x}\" y=\"{y}\" transform=\"rotate({angle} {x} {y})\""),
            MAX_LABEL,
        );
    }
    // Row labels.
    for (i, l) in row_labels.iter().enumerate() {
        let y = top + (i as f64 + 0.5) * cell + font * 0.35;
        label(
            &mut o,
            l,
            &format!("x=\"{}\" y=\"{y}\" text-anchor=\"end\"", left - 6.0),
            MAX_LABEL,
        );
    }
    // Cells.
    for (i, row_label) in row_labels.iter().enumerate() {
        for (j, col_label) in col_labels.iter().enumerate() {
            let v = get(i, j);
            let x = left + j as f64 * cell;
            let y = top + i as f64 * cell;
            let rgb = if v.is_nan() {
                (221, 221, 221)
            } else {
                color(opts.scale, norm(v))
            };
            let _ = writeln!(
                o,
                "<rect x=\"{x}\" y=\"{y}\" width=\"{cell}\" height=\"{cell}\" fill=\"{}\" stroke=\"#ffffff\" stroke-width=\"0.5\"><title>{} / {}: {}</title></rect>",
                hex(rgb),
                xml_escape(row_label),
                xml_escape(col_label),
                fmt_num(v, opts.digits.max(3))
            );
            if show {
                let _ = writeln!(
                    o,
                    "<text x=\"{}\" y=\"{}\" text-anchor=\"middle\" font-size=\"{}\" fill=\"{}\">{}</text>",
                    x + cell / 2.0,
                    y + cell / 2.0 + font * 0.35,
                    font - 1.0,
                    text_on(rgb),
                    xml_escape(&fmt_num(v, opts.digits))
                );
            }
        }
    }
    colour_bar(
        &mut o,
        opts.scale,
        bar_x,
        top,
        bar_w,
        bar_h,
        lo,
        hi,
        opts.digits,
        font,
    );
    o.push_str("</svg>\n");
    o
}

/// Vertical colour bar of 64 stacked rects (high at the top) with three
/// ticks (no gradient ids, so figures can share a page).
#[allow(clippy::too_many_arguments)]
fn colour_bar(
    o: &mut String,
    scale: ColorScale,
    x: f64,
    y: f64,
    w: f64,
    h: f64,
    lo: f64,
    hi: f64,
    digits: usize,
    font: f64,
) {
    let steps = 64;
    let sh = h / steps as f64;
    for k in 0..steps {
        let t = 1.0 - (k as f64 + 0.5) / steps as f64;
        let _ = writeln!(
            o,
            "<rect x=\"{x}\" y=\"{}\" width=\"{w}\" height=\"{}\" fill=\"{}\"/>",
            y + k as f64 * sh,
            sh + 0.2,
            hex(color(scale, t))
        );
    }
    let _ = writeln!(
        o,
        "<rect x=\"{x}\" y=\"{y}\" width=\"{w}\" height=\"{h}\" fill=\"none\" stroke=\"#333333\" stroke-width=\"0.5\"/>"
    );
    for (t, v) in [(0.0, hi), (0.5, (lo + hi) / 2.0), (1.0, lo)] {
        let ty = y + t * h;
        let _ = writeln!(
            o,
            "<line x1=\"{}\" y1=\"{ty}\" x2=\"{}\" y2=\"{ty}\" stroke=\"#333333\"/>",
            x + w,
            x + w + 4.0
        );
        let _ = writeln!(
            o,
            "<text x=\"{}\" y=\"{}\">{}</text>",
            x + w + 6.0,
            ty + font * 0.35,
            xml_escape(&fmt_num(v, digits))
        );
    }
}

/// Per-model style profile as a heat-table: one row per model, one column
/// per element (h1..h4, ul, ol, strong, em, p, ...); `rates[m][e]` is the
/// per-response rate. Each column is coloured on its own scale (0 to the
/// column maximum, Blues) so rare elements still show contrast, and every
/// cell prints its value with `digits` decimals. Readable for 40 models x
/// ~12 elements; a note under the grid states the per-column scaling.
pub fn style_profile(
    models: &[String],
    elements: &[String],
    rates: &[Vec<f64>],
    title: &str,
    digits: usize,
) -> String {
    let nr = models.len();
    let nc = elements.len();
    let get = |i: usize, j: usize| -> f64 {
        rates
            .get(i)
            .and_then(|r| r.get(j))
            .copied()
            .unwrap_or(f64::NAN)
    };
    let col_max: Vec<f64> = (0..nc)
        .map(|j| {
            (0..nr)
                .map(|i| get(i, j))
                .filter(|v| v.is_finite())
                .fold(0.0, f64::max)
        })
        .collect();
    let font = 11.0;
    let row_h = if nr <= 20 { 22.0 } else { 17.0 };
    let max_val_chars = (0..nr)
        .flat_map(|i| (0..nc).map(move |j| (i, j)))
        .map(|(i, j)| fmt_num(get(i, j), digits).chars().count())
        .max()
        .unwrap_or(3);
    let col_w = (text_width(max_val_chars, font) + 12.0).max(34.0);
    let max_chars = |ls: &[String]| {
        ls.iter()
            .map(|l| l.chars().count().min(MAX_LABEL))
            .max()
            .unwrap_or(0)
    };
    let left = 10.0 + text_width(max_chars(models), font) + 6.0;
    let col_extent = text_width(max_chars(elements), font) * std::f64::consts::FRAC_1_SQRT_2;
    let title_h = if title.is_empty() { 10.0 } else { 34.0 };
    let top = title_h + col_extent + 12.0;
    let grid_w = nc as f64 * col_w;
    let grid_h = nr as f64 * row_h;
    let width = (left + grid_w + col_extent + 10.0).max(320.0).ceil();
    let height = (top + grid_h + 34.0).ceil();

    let mut o = String::new();
    let _ = writeln!(
        o,
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{width}\" height=\"{height}\" \
         viewBox=\"0 0 {width} {height}\" font-family=\"sans-serif\" font-size=\"{font}\">"
    );
    let _ = writeln!(
        o,
        "<rect x=\"0\" y=\"0\" width=\"{width}\" height=\"{height}\" fill=\"#ffffff\"/>"
    );
    if !title.is_empty() {
        let _ = writeln!(
            o,
            "<text x=\"{}\" y=\"22\" font-size=\"16\" font-weight=\"bold\" text-anchor=\"middle\">{}</text>",
            width / 2.0,
            xml_escape(title)
        );
    }
    for (j, l) in elements.iter().enumerate() {
        let x = left + (j as f64 + 0.5) * col_w;
        let y = top - 6.0;
        label(
            &mut o,
            l,
            &format!("x=\"{x}\" y=\"{y}\" transform=\"rotate(-45 {x} {y})\""),
            MAX_LABEL,
        );
    }
    for (i, l) in models.iter().enumerate() {
        let y = top + (i as f64 + 0.5) * row_h + font * 0.35;
        label(
            &mut o,
            l,
            &format!("x=\"{}\" y=\"{y}\" text-anchor=\"end\"", left - 6.0),
            MAX_LABEL,
        );
    }
    for (i, model) in models.iter().enumerate() {
        for (j, element) in elements.iter().enumerate() {
            let v = get(i, j);
            let x = left + j as f64 * col_w;
            let y = top + i as f64 * row_h;
            let rgb = if v.is_nan() {
                (221, 221, 221)
            } else if col_max[j] > 0.0 {
                color(ColorScale::Blues, v / col_max[j])
            } else {
                color(ColorScale::Blues, 0.0)
            };
            let _ = writeln!(
                o,
                "<rect x=\"{x}\" y=\"{y}\" width=\"{col_w}\" height=\"{row_h}\" fill=\"{}\" stroke=\"#ffffff\" stroke-width=\"0.5\"><title>{} / {}: {}</title></rect>",
                hex(rgb),
                xml_escape(model),
                xml_escape(element),
                fmt_num(v, digits.max(3))
            );
            let _ = writeln!(
                o,
                "<text x=\"{}\" y=\"{}\" text-anchor=\"middle\" fill=\"{}\">{}</text>",
                x + col_w / 2.0,
                y + row_h / 2.0 + font * 0.35,
                text_on(rgb),
                xml_escape(&fmt_num(v, digits))
            );
        }
    }
    let _ = writeln!(
        o,
        "<text x=\"{left}\" y=\"{}\" font-size=\"10\" fill=\"#555555\">Colour scaled per column from 0 to the column maximum.</text>",
        top + grid_h + 20.0
    );
    o.push_str("</svg>\n");
    o
}

/// Categorical colours (matplotlib tab10), cycled for more series.
const TAB10: [(u8, u8, u8); 10] = [
    (31, 119, 180),
    (255, 127, 14),
    (44, 160, 44),
    (214, 39, 40),
    (148, 103, 189),
    (140, 86, 75),
    (227, 119, 194),
    (127, 127, 127),
    (188, 189, 34),
    (23, 190, 207),
];

/// A "nice" axis step (1, 2 or 5 times a power of ten) giving at most
/// about five intervals up to `max`.
fn nice_step(max: f64) -> f64 {
    if max.is_nan() || max <= 0.0 || max.is_infinite() {
        return 1.0;
    }
    let raw = max / 5.0;
    let p = 10f64.powf(raw.log10().floor());
    for m in [1.0, 2.0, 5.0, 10.0] {
        if m * p >= raw {
            return m * p;
        }
    }
    10.0 * p
}

/// Grouped vertical bar chart, e.g. a teacher and its students compared on
/// per-response rates of each Markdown element: `groups` along the x axis
/// (elements), one bar per `series` (models) in each group, `values[s][g]`.
/// A legend lists the series; a y axis with 1-2-5 ticks starts at 0 (data
/// are non-negative rates; negative, NaN and infinite values draw no bar and
/// are marked `n/a`/`inf` above the axis). Best for up to ~8 series; for
/// many models use [`style_profile`].
pub fn grouped_bars(
    groups: &[String],
    series: &[String],
    values: &[Vec<f64>],
    title: &str,
    y_label: &str,
) -> String {
    let get = |s: usize, g: usize| -> f64 {
        values
            .get(s)
            .and_then(|r| r.get(g))
            .copied()
            .unwrap_or(f64::NAN)
    };
    let ns = series.len().max(1);
    let font = 11.0;
    let bar_w = if ns <= 3 { 14.0 } else { 10.0 };
    let group_w = ns as f64 * bar_w + 14.0;
    let max = (0..series.len())
        .flat_map(|s| (0..groups.len()).map(move |g| (s, g)))
        .map(|(s, g)| get(s, g))
        .filter(|v| v.is_finite() && *v >= 0.0)
        .fold(0.0, f64::max);
    let step = nice_step(max);
    let ticks = ((max / step).ceil() as usize).max(1);
    let top_val = step * ticks as f64;
    let plot_h = 240.0;
    let left = 56.0;
    let title_h = if title.is_empty() { 12.0 } else { 36.0 };
    let legend_h = 18.0 * series.len().div_ceil(4) as f64 + 6.0;
    let top = title_h + legend_h;
    let plot_w = groups.len() as f64 * group_w;
    let max_group_chars = groups
        .iter()
        .map(|l| l.chars().count().min(MAX_LABEL))
        .max()
        .unwrap_or(0);
    let xlab_h = text_width(max_group_chars, font) * std::f64::consts::FRAC_1_SQRT_2 + 18.0;
    let legend_col_w =
        10.0 + text_width(
            series
                .iter()
                .map(|l| l.chars().count().min(MAX_LABEL))
                .max()
                .unwrap_or(0),
            font,
        ) + 24.0;
    let width = (left + plot_w + 20.0)
        .max(left + legend_col_w * series.len().min(4) as f64)
        .max(320.0)
        .ceil();
    let height = (top + plot_h + xlab_h + 10.0).ceil();
    let y_of = |v: f64| top + plot_h - v / top_val * plot_h;
    let digits = if step >= 1.0 {
        0
    } else {
        (-step.log10().floor()) as usize
    };

    let mut o = String::new();
    let _ = writeln!(
        o,
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{width}\" height=\"{height}\" \
         viewBox=\"0 0 {width} {height}\" font-family=\"sans-serif\" font-size=\"{font}\">"
    );
    let _ = writeln!(
        o,
        "<rect x=\"0\" y=\"0\" width=\"{width}\" height=\"{height}\" fill=\"#ffffff\"/>"
    );
    if !title.is_empty() {
        let _ = writeln!(
            o,
            "<text x=\"{}\" y=\"22\" font-size=\"16\" font-weight=\"bold\" text-anchor=\"middle\">{}</text>",
            width / 2.0,
            xml_escape(title)
        );
    }
    // Legend: up to four entries per line.
    for (s, name) in series.iter().enumerate() {
        let x = left + (s % 4) as f64 * legend_col_w;
        let y = title_h + 4.0 + (s / 4) as f64 * 18.0;
        let _ = writeln!(
            o,
            "<rect x=\"{x}\" y=\"{y}\" width=\"12\" height=\"12\" fill=\"{}\"/>",
            hex(TAB10[s % TAB10.len()])
        );
        label(
            &mut o,
            name,
            &format!("x=\"{}\" y=\"{}\"", x + 16.0, y + 10.0),
            MAX_LABEL,
        );
    }
    // Axis, grid and ticks.
    for k in 0..=ticks {
        let v = step * k as f64;
        let y = y_of(v);
        let _ = writeln!(
            o,
            "<line x1=\"{left}\" y1=\"{y}\" x2=\"{}\" y2=\"{y}\" stroke=\"{}\" stroke-width=\"0.5\"/>",
            left + plot_w,
            if k == 0 { "#333333" } else { "#dddddd" }
        );
        let _ = writeln!(
            o,
            "<text x=\"{}\" y=\"{}\" text-anchor=\"end\">{}</text>",
            left - 4.0,
            y + font * 0.35,
            fmt_num(v, digits)
        );
    }
    if !y_label.is_empty() {
        let (x, y) = (14.0, top + plot_h / 2.0);
        let _ = writeln!(
            o,
            "<text x=\"{x}\" y=\"{y}\" text-anchor=\"middle\" transform=\"rotate(-90 {x} {y})\">{}</text>",
            xml_escape(y_label)
        );
    }
    // Bars.
    for (g, gname) in groups.iter().enumerate() {
        let gx = left + g as f64 * group_w + 7.0;
        for (s, sname) in series.iter().enumerate() {
            let v = get(s, g);
            let x = gx + s as f64 * bar_w;
            if v.is_finite() && v >= 0.0 {
                let y = y_of(v);
                let _ = writeln!(
                    o,
                    "<rect x=\"{x}\" y=\"{y}\" width=\"{}\" height=\"{}\" fill=\"{}\"><title>{} / {}: {}</title></rect>",
                    bar_w - 1.0,
                    top + plot_h - y,
                    hex(TAB10[s % TAB10.len()]),
                    xml_escape(sname),
                    xml_escape(gname),
                    fmt_num(v, 3)
                );
            } else {
                let mark = if v.is_infinite() && v > 0.0 {
                    "inf"
                } else {
                    "n/a"
                };
                let (tx, ty) = (x + bar_w / 2.0, top + plot_h - 4.0);
                let _ = writeln!(
                    o,
                    "<text x=\"{tx}\" y=\"{ty}\" font-size=\"8\" transform=\"rotate(-90 {tx} {ty})\">{mark}</text>"
                );
            }
        }
        let x = gx + (ns as f64 * bar_w) / 2.0;
        let y = top + plot_h + 12.0;
        label(
            &mut o,
            gname,
            &format!("x=\"{x}\" y=\"{y}\" text-anchor=\"end\" transform=\"rotate(-45 {x} {y})\""),
            MAX_LABEL,
        );
    }
    o.push_str("</svg>\n");
    o
}
