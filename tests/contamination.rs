//! End-to-end tests of `wildstat contamination`: the AlpacaEval corpus
//! against its own instructions, a planted corpus made from MT-Bench and
//! Arena-Hard questions, the same bytes for any thread and shard count, a
//! merge that refuses parts made against another benchmark file, and
//! `--exclude-conversations` with the `contaminated.txt` it writes.
//!
//! Expected hits are computed here by the rule itself, naively: the n-grams
//! of `wildstat_contamination::normalize` (verified token for token against
//! lm_eval's janitor in crates/contamination) as sets of strings, and a pair
//! matches when the sets meet.

mod common;

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::path::{Path, PathBuf};

use arrow_array::cast::AsArray;
use arrow_array::types::{Float64Type, UInt32Type};
use arrow_array::Array;
use common::{fails, ok, root, snapshot, tempdir, wildstat_env};
use md5::{Digest, Md5};
use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;
use serde_json::{json, Value};
use wildstat_contamination::normalize;

/// `../shared/corpora` beside the repository, or `None` with a notice.
fn corpora() -> Option<PathBuf> {
    let p = root().join("../shared/corpora");
    if p.join("alpaca-eval").is_dir() {
        Some(p)
    } else {
        eprintln!(
            "notice: {} is absent; skipping the test that needs the real corpora",
            p.display()
        );
        None
    }
}

/// The distinct word n-grams of `text` (normalized tokens joined by spaces).
fn ngrams(text: &str, n: usize) -> HashSet<String> {
    normalize(text).windows(n).map(|w| w.join(" ")).collect()
}

/// One row of `hits.parquet`.
#[derive(Debug, Clone, PartialEq)]
struct HitRow {
    model: String,
    conversation: String,
    turn: u32,
    role: String,
    benchmark: String,
    item: String,
    shared: u32,
    coverage: f64,
    longest: u32,
    excerpt: String,
}

fn read_hits(path: &Path) -> Vec<HitRow> {
    let f = std::fs::File::open(path).expect("open hits.parquet");
    let r = ParquetRecordBatchReaderBuilder::try_new(f)
        .expect("reader")
        .build()
        .expect("build");
    let mut out = Vec::new();
    for b in r {
        let b = b.expect("batch");
        let s = |name: &str| {
            b.column_by_name(name)
                .expect(name)
                .as_string::<i32>()
                .clone()
        };
        let u = |name: &str| {
            b.column_by_name(name)
                .expect(name)
                .as_primitive::<UInt32Type>()
                .clone()
        };
        let (model, conv, role, bench, item, ex) = (
            s("model"),
            s("conversation_hash"),
            s("role"),
            s("benchmark"),
            s("item"),
            s("excerpt"),
        );
        let (turn, shared, longest) = (u("turn"), u("shared_ngrams"), u("longest"));
        let cov = b
            .column_by_name("coverage")
            .expect("coverage")
            .as_primitive::<Float64Type>()
            .clone();
        for i in 0..b.num_rows() {
            out.push(HitRow {
                model: model.value(i).into(),
                conversation: conv.value(i).into(),
                turn: turn.value(i),
                role: role.value(i).into(),
                benchmark: bench.value(i).into(),
                item: item.value(i).into(),
                shared: shared.value(i),
                coverage: cov.value(i),
                longest: longest.value(i),
                excerpt: ex.value(i).into(),
            });
        }
    }
    out
}

/// `(model, conversation_hash, role, text)` of every turn of a WildChat
/// Parquet file.
fn turns_of(path: &Path) -> Vec<(String, String, String, String)> {
    let f = std::fs::File::open(path).expect("open corpus file");
    let r = ParquetRecordBatchReaderBuilder::try_new(f)
        .expect("reader")
        .build()
        .expect("build");
    let mut out = Vec::new();
    for b in r {
        let b = b.expect("batch");
        let model = b
            .column_by_name("model")
            .unwrap()
            .as_string::<i32>()
            .clone();
        let conv = b
            .column_by_name("conversation_hash")
            .unwrap()
            .as_string::<i32>()
            .clone();
        let list = b
            .column_by_name("conversation")
            .unwrap()
            .as_list::<i32>()
            .clone();
        for i in 0..b.num_rows() {
            let msgs = list.value(i);
            let msgs = msgs.as_struct();
            let role = msgs.column_by_name("role").unwrap().as_string::<i32>();
            let content = msgs.column_by_name("content").unwrap().as_string::<i32>();
            for k in 0..msgs.len() {
                if content.is_valid(k) {
                    out.push((
                        model.value(i).to_string(),
                        conv.value(i).to_string(),
                        role.value(k).to_string(),
                        content.value(k).to_string(),
                    ));
                }
            }
        }
    }
    out
}

/// Data rows of a `table.csv` (no field of these tables holds a comma).
fn csv_rows(path: &Path) -> Vec<Vec<String>> {
    std::fs::read_to_string(path)
        .expect("read table.csv")
        .lines()
        .skip(1)
        .map(|l| l.split(',').map(str::to_string).collect())
        .collect()
}

fn md5_hex(s: &str) -> String {
    format!("{:x}", Md5::digest(s.as_bytes()))
}

/// The AlpacaEval instructions (of the gpt4_1106_preview results file), in
/// file order, written as a JSONL benchmark into `dir`.
fn alpaca_benchmark(c: &Path, dir: &Path) -> (Vec<String>, PathBuf) {
    let text = std::fs::read_to_string(c.join("alpaca-eval-json/gpt4_1106_preview.json")).unwrap();
    let v: Vec<Value> = serde_json::from_str(&text).unwrap();
    let instr: Vec<String> = v
        .iter()
        .map(|d| d["instruction"].as_str().unwrap().to_string())
        .collect();
    let path = dir.join("alpaca.jsonl");
    let lines: Vec<String> = instr
        .iter()
        .map(|i| json!({ "instruction": i }).to_string())
        .collect();
    std::fs::write(&path, lines.join("\n") + "\n").unwrap();
    (instr, path)
}

#[test]
fn alpaca_eval_user_turns_hold_their_own_instruction_and_nothing_unexplained() {
    let Some(c) = corpora() else { return };
    let dir = tempdir("contam-alpaca");
    let (instr, bench) = alpaca_benchmark(&c, &dir);
    let corpus = c.join("alpaca-eval");
    let out = dir.join("out");
    ok([
        "contamination".as_ref(),
        corpus.as_os_str(),
        "--benchmark".as_ref(),
        bench.as_os_str(),
        "--roles".as_ref(),
        "both".as_ref(),
        "--turns".as_ref(),
        "all".as_ref(),
        "-q".as_ref(),
        "--out".as_ref(),
        out.as_os_str(),
    ]);

    // The expected (model, conversation, role, item) set, by the rule.
    let grams: Vec<HashSet<String>> = instr.iter().map(|t| ngrams(t, 13)).collect();
    let short = grams.iter().filter(|g| g.is_empty()).count();
    assert_eq!(short, 264, "AlpacaEval instructions under 13 tokens");
    let item_of: HashMap<String, usize> = instr
        .iter()
        .enumerate()
        .map(|(i, t)| (md5_hex(t), i))
        .collect();
    assert_eq!(item_of.len(), 805);
    let index: HashMap<&str, Vec<usize>> =
        grams
            .iter()
            .enumerate()
            .fold(HashMap::new(), |mut m, (i, g)| {
                for x in g {
                    m.entry(x.as_str()).or_default().push(i);
                }
                m
            });
    let mut files: Vec<PathBuf> = std::fs::read_dir(&corpus)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    files.sort();
    let mut expected = BTreeSet::new();
    let mut texts: BTreeMap<(String, String), u64> = BTreeMap::new();
    for f in &files {
        for (model, conv, role, text) in turns_of(f) {
            *texts.entry((model.clone(), role.clone())).or_default() += 1;
            let mut items = BTreeSet::new();
            for g in ngrams(&text, 13) {
                items.extend(index.get(g.as_str()).into_iter().flatten());
            }
            for i in items {
                expected.insert((model.clone(), conv.clone(), role.clone(), i));
            }
        }
    }
    let hits = read_hits(&out.join("hits.parquet"));
    let got: BTreeSet<(String, String, String, usize)> = hits
        .iter()
        .map(|h| {
            assert_eq!(h.benchmark, "alpaca");
            assert_eq!(h.turn, 1);
            (
                h.model.clone(),
                h.conversation.clone(),
                h.role.clone(),
                h.item.parse().unwrap(),
            )
        })
        .collect();
    assert_eq!(got.len(), hits.len(), "one row per (text, item)");
    assert_eq!(got, expected);

    // User turns: each is contaminated by its own instruction (item md5 =
    // conversation id) unless that has under 13 tokens; the other items
    // claimed are the ones that share a 13-gram with it (templated
    // instructions), counted exactly.
    let models: BTreeSet<&str> = hits.iter().map(|h| h.model.as_str()).collect();
    assert_eq!(models.len(), 40);
    for m in &models {
        let user: Vec<&HitRow> = hits
            .iter()
            .filter(|h| h.model == *m && h.role == "user")
            .collect();
        let own: Vec<&&HitRow> = user
            .iter()
            .filter(|h| md5_hex(&instr[h.item.parse::<usize>().unwrap()]) == h.conversation)
            .collect();
        let other = user.len() - own.len();
        let other_convs: BTreeSet<&str> = user
            .iter()
            .filter(|h| md5_hex(&instr[h.item.parse::<usize>().unwrap()]) != h.conversation)
            .map(|h| h.conversation.as_str())
            .collect();
        let full = *m != "llama-2-70b-chat-hf";
        assert_eq!(own.len(), if full { 541 } else { 540 }, "{m}");
        assert_eq!((other, other_convs.len()), (300, 25), "{m}");
        for h in own {
            let toks = normalize(&instr[h.item.parse::<usize>().unwrap()]);
            assert_eq!(h.coverage, 1.0);
            assert_eq!(h.longest as usize, toks.len());
            assert_eq!(
                h.shared as usize,
                grams[h.item.parse::<usize>().unwrap()].len()
            );
        }
    }
    assert_eq!(texts[&("llama-2-70b-chat-hf".into(), "user".into())], 804);

    // The table: per model x benchmark x role.
    let rows = csv_rows(&out.join("table.csv"));
    assert_eq!(rows.len(), 80);
    let row = |m: &str, r: &str| {
        rows.iter()
            .find(|x| x[0] == m && x[2] == r)
            .unwrap_or_else(|| panic!("no row {m} {r}"))
            .clone()
    };
    let g = row("gpt4_1106_preview", "user");
    assert_eq!(
        &g[1..8],
        [
            "alpaca",
            "user",
            "805",
            "541",
            "0.6720496894409937",
            "541",
            "805"
        ]
    );
    let l = row("llama-2-70b-chat-hf", "user");
    assert_eq!(&l[3..5], ["804", "540"]);
    // Assistant turns, as measured (the parity script checks these pairs
    // against lm_eval): every figure equals the naive count above.
    let mut assistant_total = 0;
    for m in &models {
        let r = row(m, "assistant");
        let n: BTreeSet<&str> = expected
            .iter()
            .filter(|e| e.0 == *m && e.2 == "assistant")
            .map(|e| e.1.as_str())
            .collect();
        assert_eq!(r[4], n.len().to_string(), "{m}");
        assert_eq!(
            r[3],
            texts[&(m.to_string(), "assistant".into())].to_string()
        );
        assistant_total += n.len();
    }
    eprintln!("assistant turns contaminated, all 40 models: {assistant_total}");
    let ids: BTreeSet<&str> = expected.iter().map(|e| e.1.as_str()).collect();
    let listed = std::fs::read_to_string(out.join("contaminated.txt")).unwrap();
    assert_eq!(listed.lines().collect::<BTreeSet<_>>(), ids);
    assert!(listed
        .lines()
        .collect::<Vec<_>>()
        .windows(2)
        .all(|w| w[0] < w[1]));
}

/// A `{"id", "model", "messages"}` chat record.
fn chat(id: &str, model: &str, turns: &[(&str, &str)]) -> String {
    let messages: Vec<Value> = turns
        .iter()
        .flat_map(|(u, a)| {
            [
                json!({"role": "user", "content": u}),
                json!({"role": "assistant", "content": a}),
            ]
        })
        .collect();
    json!({"id": id, "model": model, "messages": messages}).to_string()
}

/// `k` tokens that no benchmark holds.
fn filler(tag: &str, k: usize) -> String {
    (0..k)
        .map(|i| format!("zq{tag}{i}"))
        .collect::<Vec<_>>()
        .join(" ")
}

/// Texts of a JSONL benchmark field (`turns` joined by "\n", or a string).
fn field_texts(path: &Path, field: &str) -> Vec<String> {
    std::fs::read_to_string(path)
        .unwrap()
        .lines()
        .map(|l| {
            let v: Value = serde_json::from_str(l).unwrap();
            match &v[field] {
                Value::Array(a) => a
                    .iter()
                    .map(|x| x.as_str().unwrap())
                    .collect::<Vec<_>>()
                    .join("\n"),
                x => x.as_str().unwrap().to_string(),
            }
        })
        .collect()
}

/// The planted corpus in three JSONL files (one per model) under `dir`, and
/// the (model, conversation, role, turn) set it must report.
fn planted(c: &Path, dir: &Path) -> BTreeSet<(String, String, String, u32)> {
    let mt = field_texts(&c.join("mt-bench/question.jsonl"), "turns");
    let ah = field_texts(&c.join("arena-hard/question.jsonl"), "prompt");
    let long = |v: &[String]| -> Vec<String> {
        v.iter()
            .filter(|t| normalize(t).len() >= 30)
            .take(3)
            .cloned()
            .collect()
    };
    let (mt, ah) = (long(&mt), long(&ah));
    let frag = |t: &str, k: usize| normalize(t)[5..5 + k].join(" ");
    // Re-cased and re-punctuated: ASCII upper case, ", " between words and
    // "?!" glued to them; normalization deletes both.
    let repunct = |t: &str| {
        t.to_ascii_uppercase()
            .split_whitespace()
            .map(|w| format!("{w}?!"))
            .collect::<Vec<_>>()
            .join(", ")
    };
    let mut near = normalize(&mt[2])[5..18].to_vec();
    near[6] = "zqchanged".into();
    let f = |t: &str| filler(t, 20);
    let turn1 = mt[0].split('\n').next().unwrap();
    let files = [
        vec![
            chat(
                "p1",
                "m1",
                &[(&format!("{} {turn1} {}", f("a"), f("b")), &f("c"))],
            ),
            chat("p2", "m1", &[(&f("d"), &repunct(&ah[0]))]),
        ],
        vec![
            chat(
                "p3",
                "m2",
                &[(
                    &format!("{} {} {}", f("e"), frag(&mt[1], 14), f("f")),
                    &f("g"),
                )],
            ),
            chat(
                "p4",
                "m2",
                &[(
                    &format!("{} {} {}", f("h"), frag(&ah[1], 12), f("i")),
                    &format!("{} {} {}", f("j"), near.join(" "), f("k")),
                )],
            ),
        ],
        vec![
            chat(
                "p5",
                "m3",
                &[
                    (&f("l"), &f("m")),
                    (&f("n"), &format!("{} {}", f("o"), frag(&ah[2], 14))),
                ],
            ),
            chat("p1", "m3", &[(&frag(&mt[0], 12), &f("p"))]),
        ],
    ];
    let corpus = dir.join("corpus");
    std::fs::create_dir_all(&corpus).unwrap();
    for (i, lines) in files.iter().enumerate() {
        std::fs::write(
            corpus.join(format!("planted-{i}.jsonl")),
            lines.join("\n") + "\n",
        )
        .unwrap();
    }
    [
        ("m1", "p1", "user", 1),
        ("m1", "p2", "assistant", 1),
        ("m2", "p3", "user", 1),
        ("m3", "p5", "assistant", 2),
    ]
    .into_iter()
    .map(|(m, p, r, t)| (m.into(), p.into(), r.into(), t))
    .collect()
}

/// The MT-Bench and Arena-Hard benchmark flags.
fn planted_benchmarks(c: &Path) -> Vec<String> {
    vec![
        "--benchmark".into(),
        format!("{}=mt-bench", c.join("mt-bench/question.jsonl").display()),
        "--benchmark".into(),
        format!(
            "{}=arena-hard",
            c.join("arena-hard/question.jsonl").display()
        ),
    ]
}

fn run_planted(dir: &Path, c: &Path, out: &Path, extra: &[&str], threads: &str) {
    let mut args: Vec<String> = vec![
        "contamination".into(),
        dir.join("corpus").display().to_string(),
    ];
    args.extend(planted_benchmarks(c));
    args.extend(
        ["--roles", "both", "--turns", "all", "-q", "--out"]
            .iter()
            .map(|s| s.to_string()),
    );
    args.push(out.display().to_string());
    args.extend(extra.iter().map(|s| s.to_string()));
    let o = wildstat_env(&args, &[("RAYON_NUM_THREADS", threads)]);
    assert!(
        o.status.success(),
        "wildstat failed: {}",
        String::from_utf8_lossy(&o.stderr)
    );
}

#[test]
fn planted_items_are_found_exactly_and_near_misses_are_not() {
    let Some(c) = corpora() else { return };
    let dir = tempdir("contam-planted");
    let expected = planted(&c, &dir);
    let out = dir.join("out");
    run_planted(&dir, &c, &out, &[], "2");
    let hits = read_hits(&out.join("hits.parquet"));
    let got: BTreeSet<(String, String, String, u32)> = hits
        .iter()
        .map(|h| {
            (
                h.model.clone(),
                h.conversation.clone(),
                h.role.clone(),
                h.turn,
            )
        })
        .collect();
    assert_eq!(got, expected);
    assert_eq!(hits.len(), 4, "one item per planted text: {hits:?}");
    // The 14-token fragments: two shared 13-grams, a common run of 14.
    for (m, bench) in [("m2", "mt-bench"), ("m3", "arena-hard")] {
        let h = hits.iter().find(|h| h.model == m).unwrap();
        assert_eq!((h.benchmark.as_str(), h.shared, h.longest), (bench, 2, 14));
    }
    // The verbatim first turn of an MT-Bench question: its every 13-gram
    // (the item is both turns, so coverage is below 1).
    let v = hits.iter().find(|h| h.conversation == "p1").unwrap();
    let q = std::fs::read_to_string(c.join("mt-bench/question.jsonl")).unwrap();
    let turn1 = q
        .lines()
        .map(|l| serde_json::from_str::<Value>(l).unwrap())
        .find(|d| d["question_id"].as_u64() == v.item.parse().ok())
        .unwrap()["turns"][0]
        .as_str()
        .unwrap()
        .to_string();
    assert_eq!(v.benchmark, "mt-bench");
    assert_eq!(v.longest as usize, normalize(&turn1).len());
    assert_eq!(v.shared as usize, ngrams(&turn1, 13).len());
    assert!(v.coverage < 1.0);
    // The excerpt: the 20 characters before the match (19 of the filler and
    // a space), then the text.
    let fa = filler("a", 20);
    let head = format!("{} {}", &fa[fa.len() - 19..], &turn1[..20]);
    assert!(v.excerpt.starts_with(&head), "{}", v.excerpt);
    let re = hits.iter().find(|h| h.conversation == "p2").unwrap();
    assert_eq!(re.benchmark, "arena-hard");
    assert_eq!(re.coverage, 1.0, "the whole re-cased, re-punctuated prompt");
    let listed = std::fs::read_to_string(out.join("contaminated.txt")).unwrap();
    assert_eq!(listed, "p1\np2\np3\np5\n");
    let rows = csv_rows(&out.join("table.csv"));
    // 3 models x 2 benchmarks x 2 roles.
    assert_eq!(rows.len(), 12);
    let m3 = rows
        .iter()
        .find(|r| r[0] == "m3" && r[1] == "arena-hard" && r[2] == "assistant")
        .unwrap();
    assert_eq!(&m3[3..8], ["3", "1", "0.3333333333333333", "1", "500"]);
}

#[test]
fn same_bytes_for_any_thread_and_shard_count_and_merge_refuses_other_benchmarks() {
    let Some(c) = corpora() else { return };
    let dir = tempdir("contam-shards");
    planted(&c, &dir);
    let one = dir.join("one");
    run_planted(&dir, &c, &one, &[], "1");
    let two = dir.join("two");
    run_planted(&dir, &c, &two, &[], "2");
    let sharded = dir.join("sharded");
    for r in ["0", "1", "2"] {
        run_planted(&dir, &c, &sharded, &["--rank", r, "--world-size", "3"], "2");
    }
    ok(["merge", "-q", sharded.to_str().unwrap()]);
    let rel = |d: &Path| -> BTreeMap<PathBuf, Vec<u8>> {
        snapshot(d)
            .into_iter()
            .map(|(p, b)| (p.strip_prefix(d).unwrap().to_path_buf(), b))
            .collect()
    };
    let base = rel(&one);
    assert!(base.contains_key(Path::new("hits.parquet")));
    assert_eq!(base, rel(&two), "1 vs 2 threads");
    assert_eq!(base, rel(&sharded), "1 process vs 3 shards");

    // Rank 2 made against a changed benchmark file: refused.
    let bench = dir.join("bench.jsonl");
    std::fs::copy(c.join("mt-bench/question.jsonl"), &bench).unwrap();
    let other = dir.join("other");
    let args = |r: &str| -> Vec<String> {
        vec![
            "contamination".to_string(),
            dir.join("corpus").display().to_string(),
            "--benchmark".into(),
            bench.display().to_string(),
            "-q".into(),
            "--out".into(),
            other.display().to_string(),
            "--rank".into(),
            r.into(),
            "--world-size".into(),
            "3".into(),
        ]
    };
    ok(args("0"));
    ok(args("1"));
    let mut text = std::fs::read_to_string(&bench).unwrap();
    text.push_str("{\"question_id\": 999, \"turns\": [\"one more question\"]}\n");
    std::fs::write(&bench, text).unwrap();
    let o = common::wildstat(args("2"));
    let e = if o.status.success() {
        fails(["merge", other.to_str().unwrap()])
    } else {
        String::from_utf8_lossy(&o.stderr).into_owned()
    };
    assert!(e.contains("bench.jsonl"), "{e}");
    assert!(!other.join("table.md").exists());
}

#[test]
fn excluding_the_contaminated_conversations_drops_them_from_style() {
    let dir = tempdir("contam-exclude");
    let corpus = dir.join("corpus.jsonl");
    let item = "the quick brown fox jumps over the lazy dog near the river bank today";
    let lines = [
        chat("c1", "m1", &[(item, "an answer with nothing of it")]),
        chat("c2", "m1", &[("a plain question", "a plain answer")]),
        chat("c1", "m2", &[("another prompt", "an answer")]),
        chat("c3", "m2", &[("a prompt", &format!("It said: {item}."))]),
    ];
    std::fs::write(&corpus, lines.join("\n") + "\n").unwrap();
    let bench = dir.join("items.jsonl");
    std::fs::write(&bench, json!({"question": item}).to_string() + "\n").unwrap();
    let out = dir.join("contam");
    ok([
        "contamination",
        corpus.to_str().unwrap(),
        "--benchmark",
        bench.to_str().unwrap(),
        "--roles",
        "both",
        "-q",
        "--out",
        out.to_str().unwrap(),
    ]);
    let list = out.join("contaminated.txt");
    assert_eq!(std::fs::read_to_string(&list).unwrap(), "c1\nc3\n");
    let style = dir.join("style");
    ok([
        "style",
        corpus.to_str().unwrap(),
        "--exclude-conversations",
        list.to_str().unwrap(),
        "-q",
        "--out",
        style.to_str().unwrap(),
    ]);
    let f = std::fs::File::open(style.join("responses.parquet")).unwrap();
    let mut convs = Vec::new();
    for b in ParquetRecordBatchReaderBuilder::try_new(f)
        .unwrap()
        .build()
        .unwrap()
    {
        let b = b.unwrap();
        let s = b
            .column_by_name("conversation_hash")
            .unwrap()
            .as_string::<i32>()
            .clone();
        convs.extend((0..b.num_rows()).map(|i| s.value(i).to_string()));
    }
    assert_eq!(convs, ["c2"]);
}

#[test]
fn bad_options_and_benchmarks_are_one_line_errors() {
    let dir = tempdir("contam-bad");
    let corpus = dir.join("corpus.jsonl");
    std::fs::write(&corpus, chat("c1", "m1", &[("q", "a")]) + "\n").unwrap();
    let out = dir.join("o");
    let run = |extra: &[&str]| {
        let mut a = vec![
            "contamination",
            corpus.to_str().unwrap(),
            "--out",
            out.to_str().unwrap(),
        ];
        a.extend(extra);
        fails(a)
    };
    assert!(run(&[]).contains("needs at least one --benchmark"));
    let a = dir.join("a/question.jsonl");
    let b = dir.join("b/question.jsonl");
    for p in [&a, &b] {
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, "{\"question\": \"x\"}\n{\"question\": \n").unwrap();
    }
    let e = run(&[
        "--benchmark",
        a.to_str().unwrap(),
        "--benchmark",
        b.to_str().unwrap(),
    ]);
    assert!(e.contains("a second benchmark named \"question\""), "{e}");
    let e = run(&["--benchmark", a.to_str().unwrap(), "--ngram", "0"]);
    assert!(e.contains("--ngram"), "{e}");
    let e = run(&["--benchmark", a.to_str().unwrap()]);
    assert!(e.contains("question.jsonl") && e.contains("line 2"), "{e}");
    assert!(!out.exists());
}
