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

/// (model, conversation_hash, turn) -> token_len over every row of a
/// responses.parquet written with `--token-len`.
fn token_lens(path: &Path) -> std::collections::BTreeMap<(String, String, u32), u64> {
    let mut out = std::collections::BTreeMap::new();
    for b in read_all(path) {
        let m = b.column_by_name("model").unwrap().as_string::<i32>();
        let h = b
            .column_by_name("conversation_hash")
            .unwrap()
            .as_string::<i32>();
        let t = b
            .column_by_name("turn")
            .unwrap()
            .as_primitive::<arrow_array::types::UInt32Type>();
        for (i, n) in u64_col(&b, "token_len").into_iter().enumerate() {
            let key = (m.value(i).to_string(), h.value(i).to_string(), t.value(i));
            assert!(out.insert(key, n).is_none(), "a response twice");
        }
    }
    out
}

#[test]
fn token_len_is_opt_in_hand_checked_on_the_sample_and_the_same_sharded() {
    let dir = tempdir("style-token-len");
    let smp = sample();
    let smp = smp.to_str().unwrap();
    let plain = dir.join("plain");
    ok(["style", "-q", smp, "--out", plain.to_str().unwrap()]);
    let b = &read_all(&plain.join("responses.parquet"))[0];
    assert!(b.column_by_name("token_len").is_none(), "not asked for");
    assert_eq!(b.schema().fields().last().unwrap().name(), "list_depth");

    let local = dir.join("local");
    let args = ["--turns", "all", "--token-len"];
    let mut a = vec!["style", "-q", smp, "--out", local.to_str().unwrap()];
    a.extend(args);
    ok(a);
    let got = token_lens(&local.join("responses.parquet"));
    // terse-1b's answers in data/sample, worked out in o200k_base (tiktoken
    // `encoding_for_model("gpt-4o")`):
    // "Poetry depends on evidence and clear tools." =
    //   Po|etry| depends| on| evidence| and| clear| tools|.  -> 9
    let key = |h: &str, t: u32| ("terse-1b".to_string(), h.to_string(), t);
    assert_eq!(got[&key("a693c7e3df51cf846e76bf76d2d4b0a1", 1)], 9);
    // turn 2 of another conversation, "Sourdough supports data and clear
    // pressure." = S|ourd|ough| supports| data| and| clear| pressure|.  -> 9
    assert_eq!(got[&key("837b135cd6ee5830190cc4fce86ceb40", 2)], 9);
    // "très la très bonne est santé pain idée très très la et très bonne" =
    //   tr|ès| la| très| bonne| est| santé| pain| idée| très| très| la| et| très| bonne -> 15
    assert_eq!(got[&key("7d6e34a2f01a11e5aaa041474f97b9e7", 1)], 15);
    // `wildstat inspect data/sample --turns all`: 673 responses, 26 empty;
    // exactly the empty ones have no tokens.
    assert_eq!(got.len(), 673);
    assert_eq!(got.values().filter(|&&n| n == 0).count(), 26);

    // Two ranks merged write the same rows (the merge uses the same schema).
    let two = dir.join("two");
    for r in ["0", "1"] {
        let mut a = vec!["style", "-q", smp, "--out", two.to_str().unwrap()];
        a.extend(args);
        a.extend(["--rank", r, "--world-size", "2"]);
        ok(a);
    }
    ok(["merge", "-q", two.to_str().unwrap()]);
    for f in ["responses.parquet", "table.csv"] {
        assert!(
            std::fs::read(local.join(f)).unwrap() == std::fs::read(two.join(f)).unwrap(),
            "{f} differs between one run and two ranks merged"
        );
    }
}

#[test]
fn token_len_equals_arena_hard_metadata_for_its_750_answers() {
    let dir_in = root().join("../shared/corpora/arena-hard/v2.0/model_answer");
    if !dir_in.is_dir() {
        eprintln!("notice: {} is absent; skipping", dir_in.display());
        return;
    }
    let out = tempdir("style-arena-hard").join("out");
    ok([
        "style",
        "-q",
        dir_in.to_str().unwrap(),
        "--token-len",
        "--out",
        out.to_str().unwrap(),
    ]);
    let got = token_lens(&out.join("responses.parquet"));
    let mut n = 0;
    for e in std::fs::read_dir(&dir_in).unwrap() {
        let text = std::fs::read_to_string(e.unwrap().path()).unwrap();
        for line in text.lines() {
            let v: serde_json::Value = serde_json::from_str(line).unwrap();
            let key = (
                v["model"].as_str().unwrap().to_string(),
                v["uid"].as_str().unwrap().to_string(),
                1,
            );
            let want = v["metadata"]["token_len"].as_u64().unwrap();
            assert_eq!(got.get(&key), Some(&want), "{key:?}");
            n += 1;
        }
    }
    assert_eq!(n, 750);
    assert_eq!(got.len(), 750, "one row per answer");
}
