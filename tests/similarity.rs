//! End-to-end tests of `wildstat similarity`: exact scores in pairs.parquet
//! (reference values from rouge-score 0.1.2 and NLTK 3.10.4, printed by the
//! oracle and pasted here), orientation, tables, determinism.

mod common;

use std::collections::BTreeMap;
use std::path::Path;

use arrow_array::cast::AsArray;
use arrow_array::types::Float64Type;
use common::*;
use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;

/// (hash, target, reference, [rouge1, rouge2, rougeL, meteor]) from
/// `rouge_scorer.RougeScorer([...], use_stemmer=True).score(target, ref)` and
/// `meteor_score([ref.split()], target.split())` on the stripped texts.
const EXPECTED: [(&str, &str, &str, [f64; 4]); 12] = [
    (
        "h1",
        "alpha",
        "beta",
        [
            0.5882352941176471,
            0.26666666666666666,
            0.5882352941176471,
            0.3896604938271605,
        ],
    ),
    (
        "h1",
        "alpha",
        "gamma",
        [
            0.5714285714285714,
            0.0,
            0.2857142857142857,
            0.0925925925925926,
        ],
    ),
    (
        "h1",
        "beta",
        "alpha",
        [
            0.5882352941176471,
            0.26666666666666666,
            0.5882352941176471,
            0.5011235955056179,
        ],
    ),
    (
        "h1",
        "beta",
        "gamma",
        [
            0.3076923076923077,
            0.0,
            0.15384615384615385,
            0.09433962264150944,
        ],
    ),
    (
        "h1",
        "gamma",
        "alpha",
        [
            0.5714285714285714,
            0.0,
            0.2857142857142857,
            0.05813953488372093,
        ],
    ),
    (
        "h1",
        "gamma",
        "beta",
        [
            0.3076923076923077,
            0.0,
            0.15384615384615385,
            0.06493506493506494,
        ],
    ),
    (
        "h2",
        "alpha",
        "beta",
        [
            0.823529411764706,
            0.26666666666666666,
            0.5882352941176471,
            0.45925925925925926,
        ],
    ),
    (
        "h2",
        "alpha",
        "gamma",
        [
            0.23529411764705882,
            0.0,
            0.23529411764705882,
            0.1234567901234568,
        ],
    ),
    (
        "h2",
        "beta",
        "alpha",
        [
            0.823529411764706,
            0.26666666666666666,
            0.5882352941176471,
            0.4179775280898876,
        ],
    ),
    (
        "h2",
        "beta",
        "gamma",
        [0.25, 0.14285714285714285, 0.25, 0.234375],
    ),
    (
        "h2",
        "gamma",
        "alpha",
        [
            0.23529411764705882,
            0.0,
            0.23529411764705882,
            0.11235955056179774,
        ],
    ),
    (
        "h2",
        "gamma",
        "beta",
        [0.25, 0.14285714285714285, 0.25, 0.234375],
    ),
];

fn tiny_corpus(dir: &Path) -> std::path::PathBuf {
    let texts = [
        (
            "h1",
            "alpha",
            "  The cats were running quickly across the big garden.\n",
        ),
        ("h1", "beta", "The cats ran quickly across a large garden!"),
        ("h1", "gamma", "Gardens are big; cats run."),
        (
            "h2",
            "alpha",
            "Bake the bread at 220 degrees for thirty minutes.",
        ),
        ("h2", "beta", "Bake bread for 30 minutes at 220 degrees."),
        ("h2", "gamma", "Baking bread takes patience and a hot oven."),
        // A conversation only delta answered: its pairs are missing, not scored.
        ("h3", "delta", "Nobody else answered this."),
    ];
    let p = dir.join("tiny.parquet");
    let conv: Vec<Vec<(&str, Option<&str>)>> = texts
        .iter()
        .map(|(_, _, t)| vec![("user", Some("q")), ("assistant", Some(*t))])
        .collect();
    write_parquet(
        &p,
        vec![
            ("conversation_hash", strings(&texts.map(|t| t.0))),
            ("model", strings(&texts.map(|t| t.1))),
            ("conversation", conversation(&conv)),
        ],
    );
    p
}

/// Reads pairs.parquet into (hash, target, reference) -> metrics.
fn read_pairs(path: &Path) -> BTreeMap<(String, String, String), [f64; 4]> {
    let f = std::fs::File::open(path).unwrap();
    let r = ParquetRecordBatchReaderBuilder::try_new(f)
        .unwrap()
        .build()
        .unwrap();
    let mut out = BTreeMap::new();
    for b in r {
        let b = b.unwrap();
        let s = |n: &str| b.column_by_name(n).unwrap().as_string::<i32>().clone();
        let x = |n: &str| {
            b.column_by_name(n)
                .unwrap()
                .as_primitive::<Float64Type>()
                .clone()
        };
        let (t, r, h) = (
            s("target_model"),
            s("reference_model"),
            s("conversation_hash"),
        );
        let m = [x("rouge1"), x("rouge2"), x("rougeL"), x("meteor")];
        for i in 0..b.num_rows() {
            let key = (
                h.value(i).to_string(),
                t.value(i).to_string(),
                r.value(i).to_string(),
            );
            out.insert(
                key,
                [m[0].value(i), m[1].value(i), m[2].value(i), m[3].value(i)],
            );
        }
    }
    out
}

#[test]
fn pairs_equal_the_reference_packages_bit_for_bit() {
    let dir = tempdir("sim-tiny");
    let corpus = tiny_corpus(&dir);
    let out = dir.join("out");
    ok([
        "similarity",
        "-q",
        "--refs",
        "all",
        corpus.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
    ]);
    let pairs = read_pairs(&out.join("pairs.parquet"));
    assert_eq!(pairs.len(), EXPECTED.len());
    for (h, t, r, want) in EXPECTED {
        let got = pairs[&(h.to_string(), t.to_string(), r.to_string())];
        for k in 0..4 {
            assert_eq!(
                got[k].to_bits(),
                want[k].to_bits(),
                "{h} {t} vs {r} metric {k}: {} != {}",
                got[k],
                want[k]
            );
        }
    }
    // Table: alpha's ROUGE-1 is the mean over conversations of the mean over
    // its references; rows are sorted by mean ROUGE-1, descending.
    let csv = std::fs::read_to_string(out.join("table.csv")).unwrap();
    let lines: Vec<&str> = csv.lines().collect();
    assert!(lines[1].starts_with("alpha,4,2,"), "{csv}");
    let h1 = (0.5882352941176471 + 0.5714285714285714) / 2.0;
    let h2 = (0.823529411764706 + 0.23529411764705882) / 2.0;
    assert!(csv.contains(&format!("{}", (h1 + h2) / 2.0)), "{csv}");
    let md = std::fs::read_to_string(out.join("table.md")).unwrap();
    assert!(
        md.contains("3 planned pairs had no reference answer")
            || md.contains("planned pairs had no reference answer"),
        "{md}"
    );
    for f in [
        "table.tex",
        "table.json",
        "matrix.csv",
        "matrix.md",
        "matrix.svg",
    ] {
        assert!(out.join(f).is_file(), "{f}");
    }
}

#[test]
fn k_refs_and_paper_aggregate() {
    let dir = tempdir("sim-k");
    let corpus = tiny_corpus(&dir);
    let out = dir.join("k1");
    ok([
        "similarity",
        "-q",
        "--refs",
        "1",
        "--aggregate",
        "paper",
        corpus.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
    ]);
    let pairs = read_pairs(&out.join("pairs.parquet"));
    // One reference per target, the same one in every conversation.
    let mut per_target: BTreeMap<String, std::collections::BTreeSet<String>> = BTreeMap::new();
    for (_, t, r) in pairs.keys() {
        per_target.entry(t.clone()).or_default().insert(r.clone());
    }
    assert!(per_target.values().all(|s| s.len() == 1), "{per_target:?}");
    assert!(!out.join("matrix.csv").exists());
    let md = std::fs::read_to_string(out.join("table.md")).unwrap();
    assert!(md.contains("EMA"), "{md}");
}

#[test]
fn same_bytes_for_one_and_two_threads() {
    let dir = tempdir("sim-threads");
    let mut outputs = Vec::new();
    for threads in ["1", "2"] {
        let out = dir.join(format!("t{threads}"));
        let st = std::process::Command::new(env!("CARGO_BIN_EXE_wildstat"))
            .args([
                "similarity",
                "-q",
                "--refs",
                "all",
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
        outputs.push(out);
    }
    for f in [
        "pairs.parquet",
        "table.md",
        "table.tex",
        "table.csv",
        "table.json",
        "matrix.csv",
        "matrix.svg",
    ] {
        let a = std::fs::read(outputs[0].join(f)).unwrap();
        let b = std::fs::read(outputs[1].join(f)).unwrap();
        assert!(a == b, "{f} differs between 1 and 2 threads");
    }
}

#[test]
fn existing_output_is_refused_and_failures_leave_nothing() {
    let dir = tempdir("sim-out");
    let out = dir.join("out");
    std::fs::create_dir_all(&out).unwrap();
    let e = fails([
        "similarity",
        sample().to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
    ]);
    assert!(e.contains("output exists (use --force"), "{e}");

    let bad = dir.join("bad.parquet");
    std::fs::write(&bad, b"not parquet").unwrap();
    let out2 = dir.join("out2");
    let e = fails([
        "similarity",
        bad.to_str().unwrap(),
        "--out",
        out2.to_str().unwrap(),
    ]);
    assert!(e.contains("bad.parquet"), "{e}");
    assert!(!out2.exists());
    let leftovers: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .filter_map(|e| e.ok())
        .map(|e| e.file_name())
        .collect();
    assert_eq!(
        leftovers.len(),
        2,
        "temporary output left behind: {leftovers:?}"
    );
}
