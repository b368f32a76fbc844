//! End-to-end tests of `wildstat style`: per-response counts in
//! responses.parquet, per-model tables, PF rows, determinism.

mod common;

use std::path::Path;

use arrow_array::cast::AsArray;
use arrow_array::types::UInt64Type;
use arrow_array::RecordBatch;
use common::*;
use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;

fn read_all(path: &Path) -> Vec<RecordBatch> {
    let f = std::fs::File::open(path).unwrap();
    ParquetRecordBatchReaderBuilder::try_new(f)
        .unwrap()
        .build()
        .unwrap()
        .map(|b| b.unwrap())
        .collect()
}

fn u64_col(b: &RecordBatch, name: &str) -> Vec<u64> {
    b.column_by_name(name)
        .unwrap()
        .as_primitive::<UInt64Type>()
        .values()
        .to_vec()
}

#[test]
fn counts_per_response_match_commonmark() {
    let dir = tempdir("style-known");
    let p = dir.join("known.parquet");
    // Counts as markdown-it-py (commonmark + table + strikethrough) renders them.
    let texts = [
        "# Title\n\n**bold** and *em* and `code`\n\n- a\n- b\n",
        "Intro line\n1. one\n2. two\n\n| a | b |\n|---|---|\n| 1 | 2 |\n\n~~gone~~ [link](http://x) ![i](y.png)\n",
    ];
    let conv: Vec<Vec<(&str, Option<&str>)>> = texts
        .iter()
        .map(|t| vec![("assistant", Some(*t))])
        .collect();
    write_parquet(
        &p,
        vec![
            ("conversation_hash", strings(&["c1", "c2"])),
            ("model", strings(&["m", "m"])),
            ("conversation", conversation(&conv)),
        ],
    );
    let out = dir.join("out");
    ok([
        "style",
        "-q",
        p.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
    ]);
    let b = &read_all(&out.join("responses.parquet"))[0];
    assert_eq!(b.num_rows(), 2);
    let expect: [(&str, [u64; 2]); 13] = [
        ("h1", [1, 0]),
        ("p", [1, 2]),
        ("strong", [1, 0]),
        ("em", [1, 0]),
        ("code", [1, 0]),
        ("ul", [1, 0]),
        ("ol", [0, 1]),
        ("li", [2, 2]),
        ("table", [0, 1]),
        // markdown-it renders ~~x~~ as <s>, so the reference's `del` is 0 here.
        ("del", [0, 0]),
        ("a", [0, 1]),
        ("img", [0, 1]),
        (
            "len",
            [
                texts[0].chars().count() as u64,
                texts[1].chars().count() as u64,
            ],
        ),
    ];
    for (col, want) in expect {
        assert_eq!(u64_col(b, col), want, "{col}");
    }
    for col in ["model", "conversation_hash", "turn"] {
        assert!(b.column_by_name(col).is_some(), "{col}");
    }
}

#[test]
fn sample_tables_separate_the_house_styles() {
    let dir = tempdir("style-sample");
    let out = dir.join("out");
    let stdout = ok([
        "style",
        "-q",
        sample().to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
        "--pf",
        "bold-lists-distill-3b:bold-lists-7b",
        "--pf",
        "headings-70b:bold-lists-7b",
    ]);
    let batches = read_all(&out.join("responses.parquet"));
    let rows: usize = batches.iter().map(|b| b.num_rows()).sum();
    assert_eq!(rows, 576);
    // Per-model totals in the tidy CSV equal the sums over responses.parquet.
    let mut strong_total = std::collections::BTreeMap::<String, u64>::new();
    for b in &batches {
        let m = b.column_by_name("model").unwrap().as_string::<i32>();
        let s = u64_col(b, "strong");
        for (i, n) in s.iter().enumerate() {
            *strong_total.entry(m.value(i).to_string()).or_default() += n;
        }
    }
    let csv = std::fs::read_to_string(out.join("table.csv")).unwrap();
    for (m, n) in &strong_total {
        let line = csv
            .lines()
            .find(|l| l.starts_with(&format!("{m},strong,")))
            .unwrap();
        let fields: Vec<&str> = line.split(',').collect();
        assert_eq!(fields[3], n.to_string(), "{line}");
    }
    assert!(strong_total["bold-lists-7b"] > 5 * strong_total["plain-prose-13b"].max(1));
    // PF: headings-70b has h1 where bold-lists-7b has none: inf; neither has h5: n/a.
    let md = std::fs::read_to_string(out.join("table.md")).unwrap();
    let pf_row = md
        .lines()
        .find(|l| {
            l.contains("PF(headings-70b\\|\\|bold-lists-7b)")
                || l.contains("PF(headings-70b||bold-lists-7b)")
        })
        .unwrap();
    // Split on unescaped pipes only (the label holds `\|\|`).
    let cells: Vec<&str> = pf_row
        .split(" | ")
        .map(|c| c.trim().trim_matches('|').trim())
        .collect();
    assert_eq!(cells[1], "inf", "{pf_row}"); // h1
    assert_eq!(cells[5], "n/a", "{pf_row}"); // h5
    assert!(stdout.contains("PF("), "{stdout}");
    for f in ["table.tex", "table.json", "style.svg", "code_languages.csv"] {
        assert!(out.join(f).is_file(), "{f}");
    }
}

#[test]
fn style_same_bytes_for_one_and_two_threads() {
    let dir = tempdir("style-threads");
    let mut outs = Vec::new();
    for threads in ["1", "2"] {
        let out = dir.join(format!("t{threads}"));
        let st = std::process::Command::new(env!("CARGO_BIN_EXE_wildstat"))
            .args([
                "style",
                "-q",
                sample().to_str().unwrap(),
                "--out",
                out.to_str().unwrap(),
            ])
            .env("RAYON_NUM_THREADS", threads)
            .output()
            .unwrap();
        assert!(
            st.status.success(),
            "{}",
            String::from_utf8_lossy(&st.stderr)
        );
        outs.push(out);
    }
    for f in [
        "responses.parquet",
        "table.md",
        "table.csv",
        "table.json",
        "style.svg",
    ] {
        assert!(
            std::fs::read(outs[0].join(f)).unwrap() == std::fs::read(outs[1].join(f)).unwrap(),
            "{f}"
        );
    }
}

#[test]
fn unknown_pf_model_is_an_error_and_leaves_nothing() {
    let dir = tempdir("style-pf");
    let out = dir.join("out");
    let e = fails([
        "style",
        sample().to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
        "--pf",
        "nope:terse-1b",
    ]);
    assert!(e.contains("unknown model \"nope\""), "{e}");
    assert!(!out.exists());
}
