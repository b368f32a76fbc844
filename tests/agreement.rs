//! `wildstat agreement` end to end: a hand-made multi-run corpus whose
//! agreement rates, per-run correct counts, best/worst accuracy and spread
//! are worked out by hand below; pairwise ROUGE-L checked against
//! `wildstat_metrics` on the same texts; a synthetic corpus with known
//! rates; the same bytes for 1 and 2 threads and for 1 and 3 shards; bad
//! input errors.

mod common;

use std::collections::BTreeMap;
use std::path::Path;
use std::process::Command;

use common::*;

const FILES: [&str; 6] = [
    "table.md",
    "table.tex",
    "table.csv",
    "table.json",
    "disagreements.csv",
    "runs.csv",
];

/// table.csv as model -> column -> value (no field in these tables holds a
/// comma or a quote).
fn table(dir: &Path) -> BTreeMap<String, BTreeMap<String, String>> {
    let text = std::fs::read_to_string(dir.join("table.csv")).expect("table.csv");
    let mut lines = text.lines();
    let header: Vec<&str> = lines.next().expect("header").split(',').collect();
    let mut out = BTreeMap::new();
    for l in lines.filter(|l| !l.is_empty()) {
        let cells: Vec<&str> = l.split(',').collect();
        assert_eq!(cells.len(), header.len(), "row {l}");
        let row: BTreeMap<String, String> = header
            .iter()
            .zip(&cells)
            .map(|(h, c)| (h.to_string(), c.to_string()))
            .collect();
        out.insert(cells[0].to_string(), row);
    }
    out
}

fn num(t: &BTreeMap<String, BTreeMap<String, String>>, model: &str, col: &str) -> f64 {
    let v = &t[model][col];
    v.parse()
        .unwrap_or_else(|_| panic!("{model}/{col}: {v:?} is not a number"))
}

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() < 1e-12
}

/// The hand-made corpus: (model, hash, run, text) rows, one file, with a
/// `model` and an int64 `run` column.
const ROWS: [(&str, &str, i64, &str); 20] = [
    // alpha, 3 runs.
    // p1: identical raw outputs, answer 4 (gold 4): all runs correct.
    ("alpha", "p1", 0, "The answer is 4. Answer: 4"),
    ("alpha", "p1", 1, "The answer is 4. Answer: 4"),
    ("alpha", "p1", 2, "The answer is 4. Answer: 4"),
    // p2: two distinct outputs, same answer 4 (gold 4): all correct.
    ("alpha", "p2", 0, "Two plus two is four. Answer: 4"),
    ("alpha", "p2", 1, "Two plus two equals four. Answer: 4"),
    ("alpha", "p2", 2, "Two plus two is four. Answer: 4"),
    // p3: three distinct outputs, answers 7, 8, none (gold 8): run 1 only.
    ("alpha", "p3", 0, "Answer: 7"),
    ("alpha", "p3", 1, "Answer: 8"),
    ("alpha", "p3", 2, "I am not sure."),
    // p4: identical outputs without an answer (gold 5): agree on "no
    // answer", nobody correct.
    ("alpha", "p4", 0, "no idea"),
    ("alpha", "p4", 1, "no idea"),
    ("alpha", "p4", 2, "no idea"),
    // p5: one run only: not counted.
    ("alpha", "p5", 0, "Answer: 1"),
    // A second response of run 0 for p1, later in the file: dropped as a
    // duplicate (the first one is kept).
    ("alpha", "p1", 0, "duplicate that must not count. Answer: 9"),
    // beta, 2 runs.
    // p1: identical, answer 4 (gold 4).
    ("beta", "p1", 0, "Answer: 4"),
    ("beta", "p1", 1, "Answer: 4"),
    // p2: answers 3 and 4 (gold 4): run 1 only.
    ("beta", "p2", 0, "Answer: 3"),
    ("beta", "p2", 1, "Answer: 4"),
    // p6: identical, not in the gold file.
    ("beta", "p6", 0, "Answer: 9"),
    ("beta", "p6", 1, "Answer: 9"),
];

const GOLD: &str = "p1\t4\np2\t4\np3\t8\np4\t5\np5\t1\n";

fn write_corpus(dir: &Path, run_col: Option<&str>) -> std::path::PathBuf {
    let input = dir.join("input");
    std::fs::create_dir_all(&input).unwrap();
    let models: Vec<&str> = ROWS.iter().map(|r| r.0).collect();
    let hashes: Vec<&str> = ROWS.iter().map(|r| r.1).collect();
    let runs: Vec<i64> = ROWS.iter().map(|r| r.2).collect();
    let convs: Vec<Vec<(&str, Option<&str>)>> = ROWS
        .iter()
        .map(|r| vec![("user", Some("What is 2+2?")), ("assistant", Some(r.3))])
        .collect();
    let mut cols = vec![
        ("conversation_hash", strings(&hashes)),
        ("model", strings(&models)),
        ("conversation", conversation(&convs)),
    ];
    if let Some(name) = run_col {
        cols.push((name, ints(&runs)));
    }
    write_parquet(&input.join("runs.parquet"), cols);
    std::fs::write(dir.join("gold.tsv"), GOLD).unwrap();
    input
}

fn agreement(input: &Path, out: &Path, gold: &Path, extra: &[&str]) -> String {
    let mut args = vec![
        "agreement",
        "-q",
        input.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
        "--answer-regex",
        r"Answer: (\d+)",
        "--gold",
        gold.to_str().unwrap(),
        "--bootstrap",
        "200",
    ];
    args.extend_from_slice(extra);
    ok(args)
}

#[test]
fn hand_computed_corpus() {
    let dir = tempdir("agreement-hand");
    let input = write_corpus(&dir, Some("run"));
    let out = dir.join("out");
    agreement(&input, &out, &dir.join("gold.tsv"), &[]);
    let t = table(&out);
    assert_eq!(t.keys().collect::<Vec<_>>(), ["alpha", "beta"]);

    // alpha: prompts with >= 2 runs: p1..p4 (4); p5 has one run.
    assert_eq!(t["alpha"]["Prompts"], "4");
    assert_eq!(t["alpha"]["Single-run prompts"], "1");
    // Byte-identical across runs: p1, p4 -> TACr 2, TARr 2/4.
    assert_eq!(t["alpha"]["TACr"], "2");
    assert_eq!(num(&t, "alpha", "TARr"), 0.5);
    // Distinct outputs 1, 2, 3, 1: mean 7/4, max 3.
    assert_eq!(num(&t, "alpha", "Distinct outputs (mean)"), 1.75);
    assert_eq!(t["alpha"]["Distinct outputs (max)"], "3");
    // Parsed answers agree on p1 (4), p2 (4), p4 (no answer x3); p3 has
    // 7, 8, none: TACa 3, TARa 3/4.
    assert_eq!(t["alpha"]["TACa"], "3");
    assert_eq!(num(&t, "alpha", "TARa"), 0.75);
    // Gold: p1..p4 are gold prompts (p5 has one run). Correct runs: p1 all
    // three, p2 all three, p3 run 1 only, p4 none.
    assert_eq!(t["alpha"]["Gold prompts"], "4");
    // Per run: run 0: p1, p2 = 2; run 1: p1, p2, p3 = 3; run 2: p1, p2 = 2.
    assert_eq!(t["alpha"]["Correct per run (min..max)"], "2..3");
    // Best (any run correct): p1, p2, p3 = 3/4; worst (all runs): p1, p2 =
    // 2/4; spread 0.25.
    assert_eq!(num(&t, "alpha", "Best acc"), 0.75);
    assert_eq!(num(&t, "alpha", "Worst acc"), 0.5);
    assert_eq!(num(&t, "alpha", "Spread"), 0.25);
    // Mean accuracy: per prompt 1, 1, 1/3, 0 -> 7/12.
    assert!(close(num(&t, "alpha", "Mean acc"), 7.0 / 12.0));

    // beta: p1, p2, p6 with two runs each; identical: p1, p6.
    assert_eq!(t["beta"]["Prompts"], "3");
    assert_eq!(t["beta"]["Single-run prompts"], "0");
    assert_eq!(t["beta"]["TACr"], "2");
    assert!(close(num(&t, "beta", "TARr"), 2.0 / 3.0));
    assert_eq!(t["beta"]["TACa"], "2");
    assert!(close(num(&t, "beta", "TARa"), 2.0 / 3.0));
    // Gold prompts: p1, p2 (p6 has no gold). Run 0: p1 = 1; run 1: p1, p2
    // = 2. Best 2/2, worst 1/2, spread 1/2.
    assert_eq!(t["beta"]["Gold prompts"], "2");
    assert_eq!(t["beta"]["Correct per run (min..max)"], "1..2");
    assert_eq!(num(&t, "beta", "Best acc"), 1.0);
    assert_eq!(num(&t, "beta", "Worst acc"), 0.5);
    assert_eq!(num(&t, "beta", "Spread"), 0.5);
    // METEOR (NLTK, whitespace tokens): identical "Answer: 4" = 2 matches
    // in 1 chunk: fmean 1, penalty 0.5 * (1/2)^3 = 0.0625 -> 0.9375 (p1,
    // p6); "Answer: 3" vs "Answer: 4": 1 match, P = R = 1/2, fmean 1/2,
    // penalty 0.5 * 1^3 -> 0.25 (p2). Mean (0.9375 + 0.25 + 0.9375) / 3.
    assert!(close(num(&t, "beta", "METEOR"), 2.125 / 3.0));

    // Per-run counts in runs.csv, by hand as above.
    let runs = std::fs::read_to_string(out.join("runs.csv")).unwrap();
    assert_eq!(
        runs,
        "model,run,gold_prompts,correct,accuracy\n\
         alpha,0,4,2,0.5\nalpha,1,4,3,0.75\nalpha,2,4,2,0.5\n\
         beta,0,2,1,0.5\nbeta,1,2,2,1.0\n"
    );
    // The duplicate of p1 run 0 was dropped, not counted.
    let md = std::fs::read_to_string(out.join("table.md")).unwrap();
    assert!(
        md.contains("1 duplicate (prompt, run) responses dropped"),
        "{md}"
    );

    // Disagreements: alpha p3 (3 distinct) before p2 (2 distinct); beta p2.
    let dis = std::fs::read_to_string(out.join("disagreements.csv")).unwrap();
    let keys: Vec<(String, String)> = dis
        .lines()
        .skip(1)
        .map(|l| {
            let f: Vec<&str> = l.split(',').collect();
            (f[0].to_string(), f[1].to_string())
        })
        .collect();
    let want = [("alpha", "p3"), ("alpha", "p2"), ("beta", "p2")];
    assert_eq!(
        keys,
        want.map(|(a, b)| (a.to_string(), b.to_string())).to_vec()
    );
}

#[test]
fn pairwise_rouge_l_matches_the_metrics_crate() {
    let dir = tempdir("agreement-rouge");
    let input = write_corpus(&dir, Some("run"));
    let out = dir.join("out");
    agreement(&input, &out, &dir.join("gold.tsv"), &[]);
    let t = table(&out);
    // Independent path: rouge-score's ROUGE-L F1 of every unordered pair of
    // runs (earlier run as target), mean per prompt, mean over prompts.
    let rl = |a: &str, b: &str| wildstat_metrics::rouge_str(a, b)[2].fmeasure;
    let mut per_prompt = Vec::new();
    for h in ["p1", "p2", "p3", "p4"] {
        let texts: Vec<&str> = ROWS
            .iter()
            .take(13) // the duplicate row (index 13) is dropped
            .filter(|r| r.0 == "alpha" && r.1 == h)
            .map(|r| r.3)
            .collect();
        let mut s = 0.0;
        let mut n = 0;
        for i in 0..texts.len() {
            for j in i + 1..texts.len() {
                s += rl(texts[i], texts[j]);
                n += 1;
            }
        }
        per_prompt.push(s / n as f64);
    }
    let want = per_prompt.iter().sum::<f64>() / per_prompt.len() as f64;
    assert_eq!(num(&t, "alpha", "ROUGE-L"), want);
    // And by hand: p1, p4 identical -> 1; p2: "two plu two is four answer 4"
    // vs "... equal four answer 4": LCS 6 of 7 -> 6/7, pairs 6/7, 1, 6/7;
    // p3: "answer 7" vs "answer 8" -> 1/2, the others share nothing -> 0.
    let hand = (1.0 + 19.0 / 21.0 + 1.0 / 6.0 + 1.0) / 4.0;
    assert!(close(want, hand), "{want} vs {hand}");
}

#[test]
fn synthetic_corpus_has_the_configured_rates() {
    let dir = tempdir("agreement-synth");
    let corpus = dir.join("corpus");
    ok([
        "synth",
        "--out",
        corpus.to_str().unwrap(),
        "--runs",
        "3",
        "--conversations",
        "40",
        "--agreement",
        "75,50,25",
    ]);
    let out = dir.join("out");
    agreement(&corpus, &out, &corpus.join("gold.tsv"), &[]);
    let t = table(&out);
    // Model m: floor(40 p / 100) identical prompts; of the rest, every
    // second one (k odd) has a different answer in the last run.
    for (model, identical, disagree) in [("det-0", 30, 5), ("det-1", 20, 10), ("det-2", 10, 15)] {
        assert_eq!(t[model]["Prompts"], "40");
        assert_eq!(t[model]["TACr"], identical.to_string());
        assert_eq!(t[model]["TACa"], (40 - disagree).to_string());
        assert_eq!(t[model]["Distinct outputs (max)"], "3");
        assert_eq!(num(&t, model, "Best acc"), 1.0);
        assert!(close(
            num(&t, model, "Worst acc"),
            (40 - disagree) as f64 / 40.0
        ));
        assert_eq!(
            t[model]["Correct per run (min..max)"],
            format!("{}..40", 40 - disagree)
        );
    }
}

fn run_threads(threads: &str, args: &[&str]) {
    let out = Command::new(env!("CARGO_BIN_EXE_wildstat"))
        .args(args)
        .env("RAYON_NUM_THREADS", threads)
        .output()
        .expect("run");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn same_bytes_for_threads_and_shards() {
    let dir = tempdir("agreement-bytes");
    let corpus = dir.join("corpus");
    ok([
        "synth",
        "--out",
        corpus.to_str().unwrap(),
        "--runs",
        "4",
        "--conversations",
        "150",
        "--row-group-rows",
        "50",
    ]);
    let gold = corpus.join("gold.tsv");
    let common_args = |out: &Path| -> Vec<String> {
        [
            "agreement",
            "-q",
            corpus.to_str().unwrap(),
            "--out",
            out.to_str().unwrap(),
            "--answer-regex",
            r"Answer: (\d+)",
            "--gold",
            gold.to_str().unwrap(),
        ]
        .map(String::from)
        .to_vec()
    };
    let (one, two) = (dir.join("t1"), dir.join("t2"));
    let a1 = common_args(&one);
    run_threads("1", &a1.iter().map(String::as_str).collect::<Vec<_>>());
    let a2 = common_args(&two);
    run_threads("2", &a2.iter().map(String::as_str).collect::<Vec<_>>());
    for world in [1usize, 3] {
        let sharded = dir.join(format!("w{world}"));
        for r in 0..world {
            let mut a = common_args(&sharded);
            a.extend([
                "--rank".into(),
                r.to_string(),
                "--world-size".into(),
                world.to_string(),
            ]);
            ok(&a);
        }
        ok(["merge", "-q", sharded.to_str().unwrap()]);
        for f in FILES {
            let x = std::fs::read(one.join(f)).unwrap();
            assert_eq!(x, std::fs::read(two.join(f)).unwrap(), "{f}: threads");
            assert_eq!(
                x,
                std::fs::read(sharded.join(f)).unwrap(),
                "{f}: world size {world}"
            );
        }
    }
}

#[test]
fn runs_from_file_names() {
    let dir = tempdir("agreement-files");
    let input = dir.join("input");
    std::fs::create_dir_all(&input).unwrap();
    // Two runs as two files; model from the column. m answers p1 the same
    // way both times and p2 differently: TARr 1/2.
    for (run, p2) in [("run-a", "Answer: 1"), ("run-b", "Answer: 2")] {
        let convs = vec![
            vec![("assistant", Some("Answer: 5"))],
            vec![("assistant", Some(p2))],
        ];
        write_parquet(
            &input.join(format!("{run}.parquet")),
            vec![
                ("conversation_hash", strings(&["p1", "p2"])),
                ("model", strings(&["m", "m"])),
                ("conversation", conversation(&convs)),
            ],
        );
    }
    let out = dir.join("out");
    ok([
        "agreement",
        "-q",
        input.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
        "--run-from",
        "file",
    ]);
    let t = table(&out);
    assert_eq!(t["m"]["Prompts"], "2");
    assert_eq!(t["m"]["TACr"], "1");
    assert_eq!(num(&t, "m", "TARr"), 0.5);
}

#[test]
fn bad_input_is_one_line_error() {
    let dir = tempdir("agreement-bad");
    let input = write_corpus(&dir, None);
    let out = dir.join("out");
    let o = out.to_str().unwrap();
    let i = input.to_str().unwrap();
    let e = fails(["agreement", "-q", i, "--out", o]);
    assert!(
        e.contains("runs.parquet") && e.contains("column run") && e.contains("missing run column"),
        "{e}"
    );
    let e = fails(["agreement", "-q", i, "--out", o, "--run-column", "trial"]);
    assert!(e.contains("column trial"), "{e}");
    // A run column of the wrong type.
    let typed = dir.join("typed");
    std::fs::create_dir_all(&typed).unwrap();
    write_parquet(
        &typed.join("f.parquet"),
        vec![
            ("conversation_hash", strings(&["p1"])),
            ("model", strings(&["m"])),
            (
                "conversation",
                conversation(&[vec![("assistant", Some("x"))]]),
            ),
            (
                "run",
                std::sync::Arc::new(arrow_array::Float64Array::from(vec![1.5])),
            ),
        ],
    );
    let e = fails(["agreement", "-q", typed.to_str().unwrap(), "--out", o]);
    assert!(e.contains("f.parquet") && e.contains("column run"), "{e}");
    // --run-from file when the file name already names the model.
    let e = fails([
        "agreement",
        "-q",
        i,
        "--out",
        o,
        "--run-from",
        "file",
        "--model-from",
        "file",
    ]);
    assert!(e.contains("--run-from file"), "{e}");
    // A bad regex and a malformed gold file.
    let e = fails([
        "agreement",
        "-q",
        i,
        "--out",
        o,
        "--answer-regex",
        "Answer: (",
    ]);
    assert!(e.contains("--answer-regex"), "{e}");
    let bad_gold = dir.join("bad-gold.tsv");
    std::fs::write(&bad_gold, "p1 4\n").unwrap();
    let e = fails([
        "agreement",
        "-q",
        i,
        "--out",
        o,
        "--answer-regex",
        "(\\d+)",
        "--gold",
        bad_gold.to_str().unwrap(),
    ]);
    assert!(e.contains("bad-gold.tsv: line 1"), "{e}");
}
