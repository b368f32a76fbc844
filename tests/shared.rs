//! End-to-end tests of `wildstat shared` on a corpus written here with
//! planted shared spans (exact, whitespace-changed, inside code fences) and
//! near misses that must not match; expected rows and table values are
//! worked out by hand in the comments. Plus determinism across thread
//! counts and world sizes.

mod common;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

use arrow_array::cast::AsArray;
use arrow_array::types::UInt32Type;
use common::*;
use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;

/// The planted passage: 30 distinct words, so 30 rouge tokens.
const P: [&str; 30] = [
    "rivers",
    "carry",
    "cold",
    "water",
    "from",
    "distant",
    "mountains",
    "toward",
    "quiet",
    "valleys",
    "where",
    "farmers",
    "plant",
    "barley",
    "wheat",
    "and",
    "oats",
    "before",
    "autumn",
    "rains",
    "arrive",
    "bringing",
    "heavy",
    "clouds",
    "over",
    "green",
    "hills",
    "near",
    "stone",
    "bridges",
];

const CODE_E: &str = "def area_of_rectangle(width, height):\n    # multiply the two sides\n    result = width * height\n    return result\n";
/// CODE_E without comments and whitespace, by hand: 3 + 17 + 15 + 19 + 12
/// = 66 characters.
const CODE_NORM: &str = "defarea_of_rectangle(width,height):result=width*heightreturnresult";

fn passage() -> String {
    P.join(" ")
}

/// The test corpus: conversations c1, c2, c3 answered by models A..H.
fn corpus(dir: &Path) -> PathBuf {
    let p = passage();
    // D: the same words with other whitespace and line breaks.
    let p_ws: String = P
        .iter()
        .enumerate()
        .map(|(i, w)| match i % 3 {
            0 => format!("{w}\n"),
            1 => format!("{w}   "),
            _ => format!("{w}\n\n  "),
        })
        .collect();
    // H: one token changed at index 10 (runs of 10 and 19 tokens, < 25).
    let mut near = P.to_vec();
    near[10] = "whence";
    let near = near.join(" ");
    let short_code = "```\nx = 1\n```\n"; // 3 normalized chars: ignored
    let texts: Vec<(&str, &str, String)> = vec![
        ("c1", "A", format!("Sure. {p}. That is all.\n\n{short_code}")),
        ("c1", "B", format!("Here you go: {p}! Anything else?\n\n{short_code}")),
        ("c1", "C", format!("Answer:\n{p}")),
        ("c1", "D", format!("Well,\n{p_ws}\nDone.")),
        ("c1", "E", format!("Use this function:\n\n```python\n{CODE_E}```\n")),
        (
            "c1",
            "F",
            "Try:\n\n~~~\ndef area_of_rectangle(width, height):\n  result = width * height  # the area\n  return result  # done\n~~~\n"
                .to_string(),
        ),
        (
            "c1",
            "G",
            "```python\ndef area_of_rectangle(width, h):\n    result = width * h\n    return result\n```\n"
                .to_string(),
        ),
        ("c1", "H", format!("Maybe {near} or not.")),
        // c2: G writes the passage, but nobody else in c2 does.
        ("c2", "G", format!("Again: {p}.")),
        ("c2", "E", "Something else entirely.".to_string()),
        // c3: G and H share the passage.
        ("c3", "G", format!("One: {p}")),
        ("c3", "H", format!("Two: {p}")),
    ];
    let path = dir.join("planted.parquet");
    let conv: Vec<Vec<(&str, Option<&str>)>> = texts
        .iter()
        .map(|(_, _, t)| vec![("user", Some("q")), ("assistant", Some(t.as_str()))])
        .collect();
    let hashes: Vec<&str> = texts.iter().map(|t| t.0).collect();
    let models: Vec<&str> = texts.iter().map(|t| t.1).collect();
    write_parquet(
        &path,
        vec![
            ("conversation_hash", strings(&hashes)),
            ("model", strings(&models)),
            ("conversation", conversation(&conv)),
        ],
    );
    path
}

/// (hash, turn, kind, fingerprint, models, n_models, length, excerpt)
type Row = (String, u32, String, String, String, u32, u32, String);

fn read_rows(path: &Path) -> Vec<Row> {
    let f = std::fs::File::open(path).unwrap();
    let r = ParquetRecordBatchReaderBuilder::try_new(f)
        .unwrap()
        .build()
        .unwrap();
    let mut out = Vec::new();
    for b in r {
        let b = b.unwrap();
        let s = |n: &str| b.column_by_name(n).unwrap().as_string::<i32>().clone();
        let u = |n: &str| {
            b.column_by_name(n)
                .unwrap()
                .as_primitive::<UInt32Type>()
                .clone()
        };
        let (h, t, k, fp, m, nm, l, e) = (
            s("conversation_hash"),
            u("turn"),
            s("kind"),
            s("fingerprint"),
            s("models"),
            u("n_models"),
            u("length"),
            s("excerpt"),
        );
        for i in 0..b.num_rows() {
            out.push((
                h.value(i).into(),
                t.value(i),
                k.value(i).into(),
                fp.value(i).into(),
                m.value(i).into(),
                nm.value(i),
                l.value(i),
                e.value(i).into(),
            ));
        }
    }
    out
}

fn run_shared(input: &Path, out: &Path, threads: &str, extra: &[&str]) {
    let o = Command::new(env!("CARGO_BIN_EXE_wildstat"))
        .arg("shared")
        .arg("-q")
        .arg(input)
        .arg("--out")
        .arg(out)
        .args(extra)
        .env("RAYON_NUM_THREADS", threads)
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
}

#[test]
fn planted_spans_are_found_and_near_misses_are_not() {
    let dir = tempdir("shared-planted");
    let input = corpus(&dir);
    let out = dir.join("out");
    run_shared(&input, &out, "2", &[]);
    let rows = read_rows(&out.join("spans.parquet"));
    assert_eq!(CODE_NORM.chars().count(), 66);
    let is_hex = |s: &str| s.len() == 16 && s.bytes().all(|b| b.is_ascii_hexdigit());
    assert!(rows.iter().all(|r| is_hex(&r.3)), "{rows:?}");
    let strip_fp = |r: &Row| {
        (
            r.0.clone(),
            r.1,
            r.2.clone(),
            r.4.clone(),
            r.5,
            r.6,
            r.7.clone(),
        )
    };
    let got: Vec<_> = rows.iter().map(strip_fp).collect();
    let s = |x: &str| x.to_string();
    // c1: the code block of E and F (G's has one identifier changed; the
    // 3-character block of A and B is below 40); the passage of A, B, C and
    // D (H's differs in one token), quoted from A. c2: nothing (the passage
    // is in G's answer only). c3: the passage of G and H, quoted from G.
    let want = vec![
        (s("c1"), 1, s("code"), s("E,F"), 2, 66, s(CODE_E)),
        (s("c1"), 1, s("ngram"), s("A,B,C,D"), 4, 30, passage()),
        (s("c3"), 1, s("ngram"), s("G,H"), 2, 30, passage()),
    ];
    assert_eq!(got, want);
    // The fingerprint of a token run is the run's identity.
    assert_eq!(rows[1].3, rows[2].3);
    assert_ne!(rows[0].3, rows[1].3);

    // table.csv, by hand. Answers: c1 all of A..H; c2 E, G; c3 G, H.
    let csv = std::fs::read_to_string(out.join("table.csv")).unwrap();
    let mut lines = csv.lines();
    assert_eq!(
        lines.next(),
        Some("table,model_a,model_b,total,shared,share,wide,wide_share")
    );
    let mut models: BTreeMap<String, Vec<String>> = BTreeMap::new();
    let mut pairs: Vec<(String, String, String, String, String)> = Vec::new();
    for l in lines {
        let f: Vec<String> = l.split(',').map(String::from).collect();
        assert_eq!(f.len(), 8, "{l}");
        if f[0] == "model" {
            models.insert(f[1].clone(), f[3..].to_vec());
        } else {
            assert_eq!(f[0], "pair");
            pairs.push((
                f[1].clone(),
                f[2].clone(),
                f[3].clone(),
                f[4].clone(),
                f[5].clone(),
            ));
        }
    }
    // Per model: responses, with a shared span, share, with a span of at
    // least 4 models (itself + 3 others), share.
    let m =
        |r: &str, sh: &str, shr: &str, w: &str, wr: &str| vec![s(r), s(sh), s(shr), s(w), s(wr)];
    let want_models: BTreeMap<String, Vec<String>> = [
        ("A", m("1", "1", "1.0", "1", "1.0")),
        ("B", m("1", "1", "1.0", "1", "1.0")),
        ("C", m("1", "1", "1.0", "1", "1.0")),
        ("D", m("1", "1", "1.0", "1", "1.0")),
        ("E", m("2", "1", "0.5", "0", "0.0")),
        ("F", m("1", "1", "1.0", "0", "0.0")),
        ("G", m("3", "1", "0.3333333333333333", "0", "0.0")),
        ("H", m("2", "1", "0.5", "0", "0.0")),
    ]
    .into_iter()
    .map(|(k, v)| (s(k), v))
    .collect();
    assert_eq!(models, want_models);
    // Every pair answered c1; E-G also c2 and G-H also c3. A pair shares a
    // span when both are in {A, B, C, D} (c1), are E-F (c1) or G-H (c3).
    // Rows sorted by share descending, then by name.
    let names = ["A", "B", "C", "D", "E", "F", "G", "H"];
    let mut want_pairs: Vec<(f64, String, String, u64, u64)> = Vec::new();
    for (i, a) in names.iter().enumerate() {
        for b in &names[i + 1..] {
            let common = 1 + u64::from((*a, *b) == ("E", "G") || (*a, *b) == ("G", "H"));
            let group = |x: &str| match x {
                "A" | "B" | "C" | "D" => 0,
                "E" | "F" => 1,
                _ => 2,
            };
            let sharing = u64::from(group(a) == group(b) && !(*a, *b).eq(&("E", "G")));
            want_pairs.push((sharing as f64 / common as f64, s(a), s(b), common, sharing));
        }
    }
    want_pairs.sort_by(|x, y| y.0.total_cmp(&x.0).then((&x.1, &x.2).cmp(&(&y.1, &y.2))));
    let share = |x: f64| {
        if x == 1.0 {
            s("1.0")
        } else if x == 0.0 {
            s("0.0")
        } else {
            x.to_string()
        }
    };
    let want_pairs: Vec<(String, String, String, String, String)> = want_pairs
        .into_iter()
        .map(|(r, a, b, c, sh)| (a, b, c.to_string(), sh.to_string(), share(r)))
        .collect();
    assert_eq!(pairs.len(), 28);
    assert_eq!(pairs, want_pairs);
    // Spot checks of the rule above.
    let p = |a: &str, b: &str, c: &str, sh: &str, r: &str| (s(a), s(b), s(c), s(sh), s(r));
    assert_eq!(pairs[6], p("E", "F", "1", "1", "1.0"));
    assert_eq!(pairs[7], p("G", "H", "2", "1", "0.5"));
    assert!(pairs.contains(&p("E", "G", "2", "0", "0.0")));

    // Top spans: the best span of each conversation turn, most models first.
    let md = std::fs::read_to_string(out.join("table.md")).unwrap();
    let top: Vec<Vec<String>> = md
        .split("**Top shared spans")
        .nth(1)
        .unwrap()
        .lines()
        .filter(|l| l.starts_with("| ") && !l.starts_with("| Models") && !l.contains("---"))
        .map(|l| l.split('|').map(|c| c.trim().to_string()).collect())
        .collect();
    let cells: Vec<Vec<&str>> = top
        .iter()
        .map(|r| r[1..6].iter().map(|c| c.as_str()).collect())
        .collect();
    assert_eq!(
        cells,
        vec![
            vec!["4", "ngram", "30", "c1", "A,B,C,D"],
            vec!["2", "ngram", "30", "c3", "G,H"],
        ]
    );
    let json = std::fs::read_to_string(out.join("table.json")).unwrap();
    assert!(json.starts_with("{\"models\": ["), "{json}");
    assert!(json.contains(&format!("\"Excerpt\": \"{}\"", passage())));
    let svg = std::fs::read_to_string(out.join("families.svg")).unwrap();
    assert!(svg.starts_with("<svg") && svg.contains(">G</text>"));
}

#[test]
fn options_change_what_matches() {
    let dir = tempdir("shared-options");
    let input = corpus(&dir);
    // With 4-character code blocks allowed, A and B's `x = 1` block counts;
    // with n = 31 the 30-token passage is too short.
    let out = dir.join("out");
    run_shared(
        &input,
        &out,
        "2",
        &["--min-code-chars", "3", "--ngram", "31"],
    );
    let rows = read_rows(&out.join("spans.parquet"));
    let mut got: Vec<(String, String, String, u32)> = rows
        .iter()
        .map(|r| (r.0.clone(), r.2.clone(), r.4.clone(), r.6))
        .collect();
    got.sort();
    let s = |x: &str| x.to_string();
    assert_eq!(
        got,
        vec![
            (s("c1"), s("code"), s("A,B"), 3),
            (s("c1"), s("code"), s("E,F"), 66),
        ]
    );
    // Bad options and inputs: one error line.
    let e = fails([
        "shared",
        input.to_str().unwrap(),
        "--out",
        dir.join("x").to_str().unwrap(),
        "--ngram",
        "0",
    ]);
    assert!(e.contains("--ngram"), "{e}");
    let e = fails([
        "shared",
        dir.join("nothere").to_str().unwrap(),
        "--out",
        dir.join("y").to_str().unwrap(),
    ]);
    assert!(e.contains("nothere"), "{e}");
}

const FILES: [&str; 5] = [
    "spans.parquet",
    "table.md",
    "table.csv",
    "table.json",
    "families.svg",
];

fn assert_same(a: &Path, b: &Path) {
    for f in FILES {
        let x = std::fs::read(a.join(f)).unwrap();
        let y = std::fs::read(b.join(f)).unwrap();
        assert!(x == y, "{f} differs: {} vs {}", a.display(), b.display());
    }
}

fn ranks(input: &Path, out: &Path, world: usize) {
    for r in 0..world {
        ok([
            "shared",
            "-q",
            input.to_str().unwrap(),
            "--out",
            out.to_str().unwrap(),
            "--rank",
            &r.to_string(),
            "--world-size",
            &world.to_string(),
        ]);
    }
    ok(["merge", "-q", out.to_str().unwrap()]);
}

/// Same bytes for 1 and 2 threads and for world sizes 1 and 3 (direct and
/// from a partition), on the planted corpus and on the sample corpus.
#[test]
fn same_bytes_for_threads_and_world_sizes() {
    let dir = tempdir("shared-determinism");
    for (name, input) in [("planted", corpus(&dir)), ("sample", sample())] {
        let one = dir.join(format!("{name}-t1"));
        let two = dir.join(format!("{name}-t2"));
        run_shared(&input, &one, "1", &[]);
        run_shared(&input, &two, "2", &[]);
        assert_same(&one, &two);
        for world in [1usize, 3] {
            let out = dir.join(format!("{name}-w{world}"));
            ranks(&input, &out, world);
            assert_same(&one, &out);
            let p = dir.join(format!("{name}-p{world}"));
            ok([
                "partition",
                "-q",
                input.to_str().unwrap(),
                "--out",
                p.to_str().unwrap(),
                "--buckets",
                &world.to_string(),
            ]);
            let out = dir.join(format!("{name}-pw{world}"));
            ranks(&p, &out, world);
            assert_same(&one, &out);
        }
    }
    // The sample's synthetic models share template sentences: spans exist.
    assert!(!read_rows(&dir.join("sample-t1/spans.parquet")).is_empty());
}

/// On the real AlpacaEval corpus (skipped when absent): 1 and 2 threads and
/// 3 ranks give the same bytes.
#[test]
fn real_corpus_is_deterministic() {
    let Some(corpus) = shared_corpus() else {
        return;
    };
    let dir = tempdir("shared-real");
    let one = dir.join("t1");
    let two = dir.join("t2");
    run_shared(&corpus, &one, "1", &[]);
    run_shared(&corpus, &two, "2", &[]);
    assert_same(&one, &two);
    let out = dir.join("w3");
    ranks(&corpus, &out, 3);
    assert_same(&one, &out);
}
