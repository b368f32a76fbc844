//! `load_benchmark` on synthetic fixtures of each shape and on the real
//! benchmark files in /work/shared (skipped with a notice when absent).

use std::path::{Path, PathBuf};

use wildstat_contamination::{fingerprint, load_benchmark, Item};

fn fixture(name: &str) -> PathBuf {
    Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures")).join(name)
}

fn shared(rel: &str) -> Option<PathBuf> {
    let p = Path::new(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../../shared/corpora"
    ))
    .join(rel);
    if p.exists() {
        Some(p)
    } else {
        println!("notice: {} absent, test skipped", p.display());
        None
    }
}

fn item(b: &str, id: &str, text: &str) -> Item {
    Item {
        benchmark: b.into(),
        id: id.into(),
        text: text.into(),
    }
}

#[test]
fn gsm8k_question_and_answers() {
    let q = load_benchmark(&fixture("gsm8k.jsonl"), None, &[], false).unwrap();
    assert_eq!(
        q[0],
        item(
            "gsm8k",
            "0",
            "Tom has 3 apples and buys 4 more. How many apples does Tom have now?"
        )
    );
    assert_eq!(q[1].id, "1");
    let qa = load_benchmark(&fixture("gsm8k.jsonl"), Some("gsm"), &[], true).unwrap();
    assert_eq!(
        qa[1],
        item(
            "gsm",
            "1",
            "A train travels 60 miles per hour for 2 hours. How far does it travel?\nIt travels 60 * 2 = 120 miles.\n#### 120"
        )
    );
}

#[test]
fn mmlu_json_and_parquet_agree() {
    let want = vec![
        item(
            "mmlu",
            "7",
            "What is the capital of France?\nParis\nRome\nBerlin\nMadrid",
        ),
        item(
            "mmlu",
            "8",
            "Which planet is largest?\nMars\nJupiter\nVenus\nEarth",
        ),
    ];
    assert_eq!(
        load_benchmark(&fixture("mmlu.json"), None, &[], false).unwrap(),
        want
    );
    assert_eq!(
        load_benchmark(&fixture("mmlu.parquet"), None, &[], true).unwrap(),
        want
    );
    let q = load_benchmark(&fixture("mmlu.parquet"), None, &["question".into()], false).unwrap();
    assert_eq!(q[1], item("mmlu", "8", "Which planet is largest?"));
}

#[test]
fn csv_with_quoted_newline() {
    let got = load_benchmark(&fixture("prompts.csv"), None, &[], false).unwrap();
    assert_eq!(
        got,
        vec![
            item("prompts", "q1", "Write a haiku, about autumn."),
            item("prompts", "q2", "Explain \"recursion\"\nin one line.")
        ]
    );
}

#[test]
fn one_line_errors() {
    let e = load_benchmark(&fixture("mmlu.json"), None, &["prompt".into()], false).unwrap_err();
    assert!(e.ends_with("mmlu.json element 0: no field `prompt`"), "{e}");
    let e = load_benchmark(
        &fixture("gsm8k.jsonl"),
        None,
        &["answer".into(), "nope".into()],
        false,
    )
    .unwrap_err();
    assert!(e.ends_with("gsm8k.jsonl line 1: no field `nope`"), "{e}");
    let dir = std::env::temp_dir().join(format!("wildstat-contam-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let odd = dir.join("odd.jsonl");
    std::fs::write(&odd, "{\"foo\": 1, \"bar\": \"x\"}\n").unwrap();
    let e = load_benchmark(&odd, None, &[], false).unwrap_err();
    assert!(
        e.ends_with("odd.jsonl: unknown benchmark shape (fields: bar, foo); name the text fields with --benchmark-field"),
        "{e}"
    );
    std::fs::write(&odd, "{\"prompt\": \"a\"}\n\n{\"prompt\": {\"x\": 1}}\n").unwrap();
    let e = load_benchmark(&odd, None, &[], false).unwrap_err();
    assert!(
        e.ends_with("odd.jsonl line 3: field `prompt` is an object, not text"),
        "{e}"
    );
    std::fs::write(&odd, "{\"prompt\": \"a\"\n").unwrap();
    let e = load_benchmark(&odd, None, &[], false).unwrap_err();
    assert!(e.contains("odd.jsonl line 1: EOF"), "{e}");
    // A UTF-8 byte order mark is skipped (JSONL, JSON array and CSV).
    std::fs::write(&odd, "\u{feff}{\"prompt\": \"x\"}\n").unwrap();
    assert_eq!(
        load_benchmark(&odd, None, &[], false).unwrap(),
        vec![item("odd", "0", "x")]
    );
    let arr = dir.join("arr.json");
    std::fs::write(&arr, "\u{feff}[{\"prompt\": \"x\"}]").unwrap();
    assert_eq!(
        load_benchmark(&arr, None, &[], false).unwrap(),
        vec![item("arr", "0", "x")]
    );
    let csv = dir.join("bom.csv");
    std::fs::write(&csv, "\u{feff}uid,prompt\nq1,x\n").unwrap();
    assert_eq!(
        load_benchmark(&csv, None, &[], false).unwrap(),
        vec![item("bom", "q1", "x")]
    );
    std::fs::write(&odd, "\n").unwrap();
    assert!(load_benchmark(&odd, None, &[], false)
        .unwrap_err()
        .ends_with("odd.jsonl: no benchmark items"));
    let txt = dir.join("odd.txt");
    std::fs::write(&txt, "x").unwrap();
    assert!(load_benchmark(&txt, None, &[], false)
        .unwrap_err()
        .contains("unknown benchmark format"));
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn fingerprint_is_fnv1a_of_fields() {
    let a = vec![
        item("gsm8k", "0", "Tom has 3 apples."),
        item("mt-bench", "81", "Compose a blog post."),
    ];
    // Computed independently in Python (FNV-1a 64 over length-prefixed fields).
    assert_eq!(fingerprint(&a), 0xfd98_1f13_bfd7_3cec);
    assert_eq!(fingerprint(&[]), 0xcbf2_9ce4_8422_2325);
    let mut b = a.clone();
    b[1].id = "82".into();
    assert_ne!(fingerprint(&a), fingerprint(&b));
}

#[test]
fn real_benchmark_files() {
    if let Some(p) = shared("mt-bench/question.jsonl") {
        let mt = load_benchmark(&p, Some("mt-bench"), &[], false).unwrap();
        assert_eq!(mt.len(), 80);
        assert_eq!(mt[0].id, "81");
        assert!(mt[0]
            .text
            .starts_with("Compose an engaging travel blog post about a recent trip to Hawaii"));
        assert!(mt[0].text.ends_with(
            "attractions.\nRewrite your previous response. Start every sentence with the letter A."
        ));
        let with_ref = load_benchmark(&p, Some("mt-bench"), &[], true).unwrap();
        let longer = mt
            .iter()
            .zip(&with_ref)
            .filter(|(a, b)| b.text.len() > a.text.len())
            .count();
        assert_eq!(longer, 39, "questions with a reference answer");
    }
    if let Some(p) = shared("arena-hard/question.jsonl") {
        let ah = load_benchmark(&p, None, &[], false).unwrap();
        assert_eq!(ah.len(), 500);
        assert_eq!(
            ah[0],
            item(
                "question",
                "328c149ed45a41c0b9d6f14659e63599",
                "Use ABC notation to write a melody in the style of a folk tune."
            )
        );
    }
    if let Some(p) = shared("arena-hard/v2.0/question.jsonl") {
        let v2 = load_benchmark(&p, Some("arena-hard-v2"), &[], false).unwrap();
        assert_eq!(v2.len(), 750);
        assert_eq!(v2[0].id, "2edbb5f36f5b42be");
        assert!(v2[0].text.starts_with(
            "Write me a zig program that solves the following problem from advent of code"
        ));
    }
    if let Some(p) = shared("alpaca-eval-json/claude-2.1.json") {
        let ae = load_benchmark(&p, None, &[], false).unwrap();
        assert_eq!(ae.len(), 805);
        assert_eq!(
            ae[0],
            item(
                "claude-2.1",
                "0",
                "What are the names of some famous actors that started their careers on Broadway?"
            )
        );
        assert_eq!(ae[804].id, "804");
    }
}
