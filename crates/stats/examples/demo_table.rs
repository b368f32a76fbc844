//! Prints a sample Table 5 in every format and writes demo SVGs to /tmp
//! (development aid: `cargo run -p wildstat-stats --release --example demo_table`).
use wildstat_stats::svg::{grouped_bars, heatmap, style_profile, HeatmapOptions};
use wildstat_stats::{Cell, Column, Table};

fn main() {
    let mut t = Table::new("Intra-LLM similarity (Table 5)");
    t.columns = vec![
        Column::new("Model"),
        Column::numeric("ROUGE-1", Some(true)),
        Column::numeric("ROUGE-L", Some(false)),
        Column::numeric("n", None),
        Column::numeric("95% CI", None),
    ];
    t.rows = vec![
        vec![
            Cell::text("Qwen2.5-72B"),
            Cell::mean_std(0.41234, 0.1, 3),
            Cell::float(0.3, 3),
            Cell::Int(500),
            Cell::interval(0.4, 0.42, 3),
        ],
        vec![
            Cell::text("<script>alert(1)</script> | 50% & $x_1$"),
            Cell::mean_std(0.3, 0.12, 3),
            Cell::float(f64::NAN, 3),
            Cell::Int(7),
            Cell::NotAvailable,
        ],
        vec![
            Cell::text("a,\"b\"\nc"),
            Cell::Infinite,
            Cell::float(0.25, 3),
            Cell::Int(0),
            Cell::interval(f64::NEG_INFINITY, 1e-7, 2),
        ],
    ];
    t.notes = vec!["Mean ± std over 500 prompts; *bold* = best.".into()];
    println!("{}", t.to_markdown());
    println!("{}", t.to_latex());
    println!("{}", t.to_csv());
    println!("{}", t.to_json());
    println!("{}", t.to_json_document());
    let n = 40;
    let labels: Vec<String> = (0..n)
        .map(|i| {
            if i == 3 {
                "<script>alert(1)</script>".into()
            } else {
                format!("model-{i}-Instruct-{}", "x".repeat(i % 7))
            }
        })
        .collect();
    let vals: Vec<Vec<f64>> = (0..n)
        .map(|i| {
            (0..n)
                .map(|j| {
                    if i == j {
                        1.0
                    } else {
                        0.2 + 0.5 * (((i * 7 + j * 3) % 11) as f64 / 11.0)
                    }
                })
                .collect()
        })
        .collect();
    let opts = HeatmapOptions {
        title: "ROUGE-L similarity".into(),
        ..Default::default()
    };
    std::fs::write("/tmp/heat40.svg", heatmap(&labels, &vals, &opts)).unwrap();
    let small: Vec<String> = labels[..8].to_vec();
    let sv: Vec<Vec<f64>> = vals[..8].iter().map(|r| r[..8].to_vec()).collect();
    std::fs::write("/tmp/heat8.svg", heatmap(&small, &sv, &opts)).unwrap();
    let els: Vec<String> = [
        "h1", "h2", "h3", "h4", "ul", "ol", "li", "strong", "em", "p", "code", "table",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    let rates: Vec<Vec<f64>> = (0..n)
        .map(|i| {
            (0..12)
                .map(|j| ((i * 13 + j * 5) % 17) as f64 / 3.0)
                .collect()
        })
        .collect();
    std::fs::write(
        "/tmp/style40.svg",
        style_profile(&labels, &els, &rates, "Markdown elements per response", 2),
    )
    .unwrap();
    let models: Vec<String> = vec![
        "teacher <gpt-4o>".into(),
        "student-A".into(),
        "student-B & co".into(),
    ];
    let r3: Vec<Vec<f64>> = (0..3)
        .map(|i| {
            (0..12)
                .map(|j| {
                    if i == 2 && j == 5 {
                        f64::NAN
                    } else {
                        ((i * 5 + j * 7) % 13) as f64 * 0.37
                    }
                })
                .collect()
        })
        .collect();
    std::fs::write(
        "/tmp/bars.svg",
        grouped_bars(&els, &models, &r3, "Elements per response", "per response"),
    )
    .unwrap();
}
