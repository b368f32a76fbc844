//! Table renderers and SVG figures: exact output, escaping of hostile
//! labels, well-formed markup.

use wildstat_stats::svg::{
    grouped_bars, heatmap, heatmap_rect, style_profile, xml_escape, HeatmapOptions,
};
use wildstat_stats::table::{
    escape_csv, escape_latex, escape_markdown, full_precision, json_string,
};
use wildstat_stats::{Cell, Column, Table};

const HOSTILE: &str = "<script>alert(1)</script> | 50% & $x_1$ {a} ~^\\ #\"q\" 'x'";

fn table5() -> Table {
    let mut t = Table::new("Table 5");
    t.columns = vec![
        Column::new("Model"),
        Column::numeric("ROUGE-L", Some(true)),
        Column::numeric("PF", Some(false)),
        Column::numeric("n", None),
    ];
    t.rows = vec![
        vec![
            Cell::text("a"),
            Cell::mean_std(0.25, 0.125, 3),
            Cell::float(1.5, 2),
            Cell::Int(10),
        ],
        vec![
            Cell::text("b_c"),
            Cell::mean_std(0.2504, 0.1, 3),
            Cell::Infinite,
            Cell::Int(3),
        ],
        vec![
            Cell::text("d"),
            Cell::NotAvailable,
            Cell::float(0.5, 2),
            Cell::Int(0),
        ],
    ];
    t.notes = vec!["PF = count_A / count_B".into()];
    t
}

#[test]
fn markdown_exact() {
    // 0.2504 displays as 0.250, tying 0.25: both bold. PF: lower is better.
    // Widths count the bold markers; `_` is escaped.
    let want = "**Table 5**\n\n\
| Model |         ROUGE-L ↑ |     PF ↓ |   n |\n\
| :---- | ----------------: | -------: | --: |\n\
| a     | **0.250 ± 0.125** |     1.50 |  10 |\n\
| b\\_c  | **0.250 ± 0.100** |      inf |   3 |\n\
| d     |               n/a | **0.50** |   0 |\n\
\n\
PF = count\\_A / count\\_B  \n";
    assert_eq!(table5().to_markdown(), want);
}

#[test]
fn latex_exact() {
    let want = "\\begin{table}[t]\n\\centering\n\\caption{Table 5}\n\\begin{tabular}{lrrr}\n\\toprule\n\
Model & ROUGE-L $\\uparrow$ & PF $\\downarrow$ & n \\\\\n\\midrule\n\
a & \\textbf{0.250 $\\pm$ 0.125} & 1.50 & 10 \\\\\n\
b\\_c & \\textbf{0.250 $\\pm$ 0.100} & $\\infty$ & 3 \\\\\n\
d & n/a & \\textbf{0.50} & 0 \\\\\n\
\\bottomrule\n\\end{tabular}\n\\par\\smallskip{\\footnotesize PF = count\\_A / count\\_B}\n\\end{table}\n";
    assert_eq!(table5().to_latex(), want);
}

#[test]
fn csv_exact() {
    let want = "Model,ROUGE-L mean,ROUGE-L std,PF,n\r\n\
a,0.25,0.125,1.5,10\r\n\
b_c,0.2504,0.1,inf,3\r\n\
d,,,0.5,0\r\n";
    assert_eq!(table5().to_csv(), want);
}

#[test]
fn json_exact() {
    let want = "[\n  {\"Model\": \"a\", \"ROUGE-L\": {\"mean\": 0.25, \"std\": 0.125}, \"PF\": 1.5, \"n\": 10},\n  \
{\"Model\": \"b_c\", \"ROUGE-L\": {\"mean\": 0.2504, \"std\": 0.1}, \"PF\": \"inf\", \"n\": 3},\n  \
{\"Model\": \"d\", \"ROUGE-L\": null, \"PF\": 0.5, \"n\": 0}\n]\n";
    assert_eq!(table5().to_json(), want);
    assert_eq!(Table::new("empty").to_json(), "[]\n");
    let doc = table5().to_json_document();
    assert!(doc.starts_with("{\"title\": \"Table 5\",\n\"columns\": [{\"name\": \"Model\", \"align\": \"left\", \"higher_is_better\": null}"));
    assert!(
        doc.ends_with("\n]\n\"notes\": [\"PF = count_A / count_B\"]}\n")
            || doc.ends_with("\n],\n\"notes\": [\"PF = count_A / count_B\"]}\n"),
        "{doc}"
    );
}

#[test]
fn full_precision_round_trips() {
    assert_eq!(full_precision(0.1), "0.1");
    assert_eq!(full_precision(1.0), "1.0");
    assert_eq!(full_precision(-0.0), "-0.0");
    assert_eq!(full_precision(1e-7), "1e-7");
    assert_eq!(full_precision(1e300), "1e300");
    assert_eq!(full_precision(0.30000000000000004), "0.30000000000000004");
    assert_eq!(full_precision(123456.789), "123456.789");
    let mut x = 1.234_567_890_123_456_7e-12;
    for _ in 0..60 {
        let s = full_precision(x);
        assert_eq!(s.parse::<f64>().unwrap().to_bits(), x.to_bits(), "{s}");
        x *= -7.3;
    }
}

#[test]
fn markdown_escapes_hostile_text() {
    let e = escape_markdown(HOSTILE);
    assert_eq!(
        e,
        "\\<script\\>alert(1)\\</script\\> \\| 50% \\& \\$x\\_1\\$ {a} \\~^\\\\ \\#\"q\" 'x'"
    );
    let mut t = Table::new(HOSTILE);
    t.columns = vec![Column::new(HOSTILE)];
    t.rows = vec![vec![Cell::text(format!("{HOSTILE}\nsecond line"))]];
    let md = t.to_markdown();
    // Every table line has exactly the two outer unescaped pipes.
    for line in md.lines().filter(|l| l.starts_with('|')) {
        let unescaped = line
            .char_indices()
            .filter(|&(i, c)| c == '|' && (i == 0 || line.as_bytes()[i - 1] != b'\\'))
            .count();
        assert_eq!(unescaped, 2, "{line}");
    }
    assert!(!md.contains("<script>"));
    assert_eq!(md.lines().filter(|l| l.starts_with('|')).count(), 3);
}

#[test]
fn latex_escapes_hostile_text() {
    let e = escape_latex(HOSTILE);
    assert_eq!(
        e,
        "\\textless{}script\\textgreater{}alert(1)\\textless{}/script\\textgreater{} \\textbar{} 50\\% \\& \\$x\\_1\\$ \\{a\\} \\textasciitilde{}\\textasciicircum{}\\textbackslash{} \\#\"q\" 'x'"
    );
    let mut t = Table::new(HOSTILE);
    t.columns = vec![Column::new(HOSTILE), Column::numeric("v", Some(true))];
    t.rows = vec![vec![Cell::text(HOSTILE), Cell::float(0.5, 1)]];
    let tex = t.to_latex();
    // No unescaped specials survive: every & is a column separator or \&.
    let body: Vec<&str> = tex.lines().filter(|l| l.ends_with("\\\\")).collect();
    for l in body {
        let seps = l
            .match_indices('&')
            .filter(|(i, _)| *i == 0 || &l[i - 1..*i] != "\\")
            .count();
        assert_eq!(seps, 1, "{l}");
    }
    assert!(tex.contains("\\textbf{0.5}"));
    assert!(tex.contains("\\caption{\\textless{}script"));
}

#[test]
fn csv_quotes_per_rfc4180() {
    assert_eq!(escape_csv("plain"), "plain");
    assert_eq!(escape_csv("a,b"), "\"a,b\"");
    assert_eq!(escape_csv("say \"hi\""), "\"say \"\"hi\"\"\"");
    assert_eq!(escape_csv("two\nlines"), "\"two\nlines\"");
    assert_eq!(escape_csv(" pad"), "\" pad\"");
    let mut t = Table::new("x");
    t.columns = vec![Column::new("na,me"), Column::new("v")];
    t.rows = vec![vec![Cell::text(HOSTILE), Cell::float(f64::NAN, 2)]];
    let csv = t.to_csv();
    assert_eq!(
        csv,
        "\"na,me\",v\r\n\"<script>alert(1)</script> | 50% & $x_1$ {a} ~^\\ #\"\"q\"\" 'x'\",\r\n"
    );
}

#[test]
fn json_escapes_strings() {
    assert_eq!(
        json_string("a\"b\\c\n\t\u{1}"),
        "\"a\\\"b\\\\c\\n\\t\\u0001\""
    );
    assert_eq!(
        json_string("</script>&"),
        "\"\\u003c/script\\u003e\\u0026\""
    );
    assert_eq!(json_string("é ü 模型 \u{2028}"), "\"é ü 模型 \\u2028\"");
    let mut t = Table::new("x");
    t.columns = vec![Column::new(HOSTILE), Column::numeric("v", None)];
    t.rows = vec![vec![Cell::text(HOSTILE), Cell::float(f64::NEG_INFINITY, 2)]];
    let j = t.to_json();
    assert!(!j.contains('<') && !j.contains('>'));
    assert!(j.contains("\"v\": \"-inf\""));
}

/// Minimal XML well-formedness check: balanced tags, quoted attributes, no
/// stray `<`, and only the five predefined entities (or numeric ones).
fn assert_well_formed(svg: &str) {
    let mut stack: Vec<String> = Vec::new();
    let b = svg.as_bytes();
    let mut i = 0;
    let mut roots = 0;
    while i < b.len() {
        match b[i] {
            b'<' => {
                let end = svg[i..].find('>').expect("unterminated tag") + i;
                let tag = &svg[i + 1..end];
                assert!(!tag.contains('<'), "'<' inside tag: {tag}");
                if let Some(name) = tag.strip_prefix('/') {
                    let open = stack.pop().expect("close without open");
                    assert_eq!(open, name.trim(), "mismatched close");
                } else {
                    let self_closing = tag.ends_with('/');
                    let inner = tag.trim_end_matches('/');
                    let name: String = inner.chars().take_while(|c| !c.is_whitespace()).collect();
                    assert!(
                        !name.is_empty() && name.chars().all(|c| c.is_ascii_alphanumeric()),
                        "bad tag name {name:?}"
                    );
                    // Attributes: name="value" pairs, quotes balanced.
                    let attrs = &inner[name.len()..];
                    assert_eq!(
                        attrs.matches('"').count() % 2,
                        0,
                        "unbalanced quotes: {tag}"
                    );
                    let mut in_q = false;
                    for c in attrs.chars() {
                        if c == '"' {
                            in_q = !in_q;
                        } else if in_q {
                            assert!(c != '<' && c != '"', "bad attribute char in {tag}");
                        }
                    }
                    if stack.is_empty() {
                        roots += 1;
                    }
                    if !self_closing {
                        stack.push(name);
                    }
                }
                i = end + 1;
            }
            b'&' => {
                let end = svg[i..].find(';').expect("unterminated entity") + i;
                let ent = &svg[i + 1..end];
                assert!(
                    matches!(ent, "amp" | "lt" | "gt" | "quot" | "apos") || ent.starts_with('#'),
                    "bad entity &{ent};"
                );
                i = end + 1;
            }
            b'>' => panic!("stray '>' at {i}"),
            _ => i += 1,
        }
    }
    assert!(stack.is_empty(), "unclosed: {stack:?}");
    assert_eq!(roots, 1, "exactly one root element");
    assert!(svg.starts_with("<svg xmlns=\"http://www.w3.org/2000/svg\""));
    for bad in [
        "<script",
        "href",
        "@import",
        "url(",
        "<foreignObject",
        "onload",
    ] {
        assert!(!svg.contains(bad), "svg contains {bad}");
    }
}

fn labels(n: usize) -> Vec<String> {
    (0..n)
        .map(|i| match i {
            0 => HOSTILE.to_string(),
            1 => "model \u{1}\u{7f} \u{FFFE} \"quoted\" & <b>".to_string(),
            2 => "x".repeat(100),
            _ => format!("org/model-{i}"),
        })
        .collect()
}

#[test]
fn heatmap_is_well_formed_and_escaped() {
    for n in [1usize, 3, 8, 20, 21, 40] {
        let l = labels(n);
        let v: Vec<Vec<f64>> = (0..n)
            .map(|i| {
                (0..n)
                    .map(|j| {
                        if i == j {
                            1.0
                        } else if (i + j) % 7 == 0 {
                            f64::NAN
                        } else {
                            (i * j % 10) as f64 / 10.0
                        }
                    })
                    .collect()
            })
            .collect();
        let opts = HeatmapOptions {
            title: HOSTILE.into(),
            ..Default::default()
        };
        let svg = heatmap(&l, &v, &opts);
        assert_well_formed(&svg);
        assert!(svg.contains("&lt;script&gt;alert(1)&lt;/script&gt;"));
        // Values printed in cells up to 20 rows only.
        let value_texts = svg
            .lines()
            .filter(|l| {
                l.contains("text-anchor=\"middle\" font-size") && l.ends_with(">1.00</text>")
            })
            .count();
        if n <= 20 {
            assert_eq!(value_texts, n, "n = {n}");
        } else {
            assert_eq!(value_texts, 0);
        }
        // Deterministic bytes.
        assert_eq!(svg, heatmap(&l, &v, &opts));
        // 40 models: cells at least 14px.
        if n == 40 {
            assert!(svg.contains("width=\"16\" height=\"16\""));
        }
        if n >= 3 {
            // Long labels truncated with the full text in a tooltip.
            assert!(svg.contains(&format!(
                "<title>{}</title>{}…</text>",
                "x".repeat(100),
                "x".repeat(39)
            )));
        }
    }
}

#[test]
fn heatmap_handles_empty_constant_and_ragged() {
    assert_well_formed(&heatmap(&[], &[], &HeatmapOptions::default()));
    let l = labels(4);
    let constant = vec![vec![0.5; 4]; 4];
    assert_well_formed(&heatmap(&l, &constant, &HeatmapOptions::default()));
    let ragged = vec![vec![0.1, 0.2], vec![]];
    let svg = heatmap_rect(
        &l[..2],
        &l[2..4],
        &ragged,
        &HeatmapOptions {
            show_values: Some(true),
            ..Default::default()
        },
    );
    assert_well_formed(&svg);
    assert!(svg.contains(">n/a</text>"));
}

#[test]
fn style_profile_is_well_formed() {
    let models = labels(40);
    let els: Vec<String> = [
        "h1", "h2", "h3", "h4", "ul", "ol", "li", "strong", "em", "p", "code", "<table>",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    let rates: Vec<Vec<f64>> = (0..40)
        .map(|i| (0..12).map(|j| ((i * 3 + j) % 9) as f64 / 4.0).collect())
        .collect();
    let svg = style_profile(&models, &els, &rates, HOSTILE, 2);
    assert_well_formed(&svg);
    assert!(svg.contains("&lt;table&gt;"));
    assert_eq!(svg.matches("<rect").count(), 1 + 40 * 12);
    assert!(svg.contains(">0.50</text>"));
}

#[test]
fn xml_escape_all_specials() {
    assert_eq!(
        xml_escape("<a href=\"x\">&'</a>"),
        "&lt;a href=&quot;x&quot;&gt;&amp;&apos;&lt;/a&gt;"
    );
    assert_eq!(
        xml_escape("a\u{0}b\u{1b}c\u{FFFF}"),
        "a\u{FFFD}b\u{FFFD}c\u{FFFD}"
    );
    assert_eq!(xml_escape("tab\tnl\n"), "tab nl ");
}

#[test]
fn grouped_bars_is_well_formed() {
    let groups: Vec<String> = ["h1", "ul", "<em>", "p"]
        .iter()
        .map(|s| s.to_string())
        .collect();
    let series = labels(3);
    let values = vec![
        vec![1.0, 2.5, 0.0, 4.0],
        vec![f64::NAN, f64::INFINITY, 0.5, 1.0],
        vec![0.25],
    ];
    let svg = grouped_bars(&groups, &series, &values, HOSTILE, "per response");
    assert_well_formed(&svg);
    assert!(svg.contains("&lt;em&gt;"));
    // Bars: 4 + 2 + 1 finite non-negative values (zero-height included),
    // plus the background and 3 legend swatches.
    assert_eq!(svg.matches("<rect").count(), 1 + 3 + 7);
    assert!(svg.contains(">inf</text>") && svg.contains(">n/a</text>"));
    // y axis 0..4 in steps of 1.
    assert!(svg.contains(">4</text>") && !svg.contains(">5</text>"));
    assert_well_formed(&grouped_bars(&[], &[], &[], "", ""));
}
