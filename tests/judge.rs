//! End-to-end tests of `wildstat judge`: the shared AlpacaEval annotations
//! against the published leaderboard, the shared MT-Bench judgments against
//! FastChat's counts and means, the same bytes for any shard and thread
//! count, FlipCt on a hand-worked fixture, one-line errors, and the report's
//! Judges section with a hostile model name.
//! Tests on `../shared` skip with a printed notice when it is absent.

mod common;

use std::path::{Path, PathBuf};

use common::{fails, ok, tempdir, wildstat, wildstat_env};

fn shared(rel: &str) -> Option<PathBuf> {
    let p = Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/../shared")).join(rel);
    if p.exists() {
        Some(p)
    } else {
        eprintln!("notice: {} is absent; skipping", p.display());
        None
    }
}

fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

/// The CSV rows of `file` as (header, rows of fields); no field of these
/// tests holds a comma.
fn csv(file: &Path) -> (Vec<String>, Vec<Vec<String>>) {
    let text = std::fs::read_to_string(file).unwrap();
    let mut lines = text
        .lines()
        .map(|l| l.split(',').map(String::from).collect::<Vec<_>>());
    (lines.next().unwrap(), lines.collect())
}

/// The field `col` of the first row whose leading fields equal `key`.
fn field(file: &Path, key: &[&str], col: &str) -> String {
    let (head, rows) = csv(file);
    let c = head.iter().position(|h| h == col).unwrap();
    let r = rows
        .iter()
        .find(|r| r.iter().zip(key).all(|(a, b)| a == b))
        .unwrap_or_else(|| panic!("no row {key:?} in {}", file.display()));
    r[c].clone()
}

/// Runs `judge ARGS` as 3 ranks and a merge into `out`.
fn sharded(args: &[&str], out: &Path) {
    for r in ["0", "1", "2"] {
        let mut a = vec![
            "judge",
            "-q",
            "--out",
            s(out),
            "--rank",
            r,
            "--world-size",
            "3",
        ];
        a.extend(args);
        ok(a);
    }
    ok(["merge", "-q", s(out)]);
}

/// Asserts that folders `a` and `b` hold the same files with the same bytes.
fn same_bytes(a: &Path, b: &Path) {
    let names = |d: &Path| {
        let mut v: Vec<String> = std::fs::read_dir(d)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        v.sort();
        v
    };
    assert_eq!(names(a), names(b));
    for n in names(a) {
        assert_eq!(
            std::fs::read(a.join(&n)).unwrap(),
            std::fs::read(b.join(&n)).unwrap(),
            "{n} differs between {} and {}",
            a.display(),
            b.display()
        );
    }
}

#[test]
fn alpaca_eval_win_rates_equal_the_leaderboard_for_any_shards_and_threads() {
    let Some(dir) = shared("corpora/alpaca-eval-annotations") else {
        return;
    };
    // The folder also holds leaderboard.csv: discovery takes only JSON,
    // JSONL and Parquet files, so the folder itself is the input.
    let t = tempdir("judge-alpaca");
    let local = t.join("local");
    let md = ok(["judge", s(&dir), "-q", "--out", s(&local)]);
    assert!(md.starts_with("**Judge win rates (percent)**"), "{md:.200}");
    let board = std::fs::read_to_string(dir.join("leaderboard.csv")).unwrap();
    let mut checked = 0;
    for line in board.lines().skip(1) {
        let f: Vec<&str> = line.split(',').collect();
        let (model, want): (&str, f64) = (f[0], f[2].parse().unwrap());
        let got: f64 = field(
            &local.join("winrates.csv"),
            &[
                "weighted_alpaca_eval_gpt4_turbo",
                model,
                "gpt4_1106_preview",
            ],
            "win_rate",
        )
        .parse()
        .unwrap();
        assert!(
            (got - want).abs() <= 1e-6,
            "{model}: {got} vs leaderboard {want}"
        );
        checked += 1;
    }
    assert_eq!(checked, 9);
    for f in [
        "matrix.csv",
        "matrix.md",
        "matrix.svg",
        "ratings.csv",
        "ratings.md",
        "winrates.tex",
        "winrates.json",
    ] {
        assert!(local.join(f).is_file(), "{f} missing");
    }
    assert!(!local.join("scores.csv").exists());

    let three = t.join("three");
    sharded(&[s(&dir)], &three);
    same_bytes(&local, &three);
    let one = t.join("one-thread");
    let out = wildstat_env(
        ["judge", s(&dir), "-q", "--out", s(&one)],
        &[("RAYON_NUM_THREADS", "1")],
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    same_bytes(&local, &one);
}

#[test]
fn mt_bench_counts_and_means_equal_fastchat_for_any_shards() {
    let Some(mt) = shared("corpora/mt-bench") else {
        return;
    };
    let (judg, q) = (mt.join("model_judgment"), mt.join("question.jsonl"));
    let t = tempdir("judge-mt");
    let local = t.join("local");
    ok([
        "judge",
        s(&judg),
        "--questions",
        s(&q),
        "-q",
        "--out",
        s(&local),
    ]);
    // FastChat show_result.py pairwise-all (scripts/parity/judge_fastchat_parity.py;
    // 2 error rows dropped): phi-3-dpo 20 wins, 18 losses, 35 ties of 73.
    let w = local.join("winrates.csv");
    let counts = |m: &str| {
        ["n_total", "n_wins", "n_losses", "n_draws"]
            .map(|c| field(&w, &["gpt-4", m, "all"], c).parse::<u64>().unwrap())
    };
    assert_eq!(counts("phi-3-dpo"), [73, 20, 18, 35]);
    assert_eq!(counts("phi-3"), [73, 18, 20, 35]);
    // win_rate = FastChat's win_rate_adjusted = (20 + 35/2) / 73.
    let wr: f64 = field(&w, &["gpt-4", "phi-3-dpo", "phi-3"], "win_rate")
        .parse()
        .unwrap();
    assert!((wr - 37.5 / 73.0 * 100.0).abs() < 1e-12, "{wr}");
    // FastChat single mode: per-turn and overall means of phi-3-dpo.
    let sc = local.join("scores.csv");
    let mean = |turn: &str, cat: &str| {
        field(&sc, &["gpt-4", "phi-3-dpo", turn, cat], "score")
            .parse::<f64>()
            .unwrap()
    };
    assert_eq!(
        (mean("1", "all"), mean("2", "all"), mean("all", "all")),
        (8.3625, 8.0375, 8.2)
    );
    assert_eq!(mean("all", "coding"), 6.45);
    let radar = std::fs::read_to_string(local.join("radar.svg")).unwrap();
    for c in [
        "coding",
        "extraction",
        "humanities",
        "math",
        "reasoning",
        "roleplay",
        "stem",
        "writing",
    ] {
        assert!(
            radar.contains(&format!("<title>{c}</title>")),
            "{c} axis missing"
        );
    }
    // 2 files over 3 ranks: rank 0 reads none, and the merge is still the same.
    let three = t.join("three");
    sharded(&[s(&judg), "--questions", s(&q)], &three);
    same_bytes(&local, &three);
}

/// Arena battles (`winner` model_a / model_b / tie) of teachers X, Y and
/// their students SX, SY, with what each item means for FlipCt:
fn flip_fixture(dir: &Path) {
    let rows = [
        ("q1", "X", "Y", "model_a"),   // X over Y
        ("q1", "SX", "SY", "model_b"), // SY over SX: opposite -> flip 1
        ("q2", "X", "Y", "model_a"),   // X over Y
        ("q2", "SY", "SX", "model_b"), // SX over SY (sides swapped): same way, no flip
        ("q3", "Y", "X", "model_a"),   // Y over X
        ("q3", "SX", "SY", "model_a"), // SX over SY: opposite -> flip 2
        ("q4", "X", "Y", "tie"),       // a tie never flips
        ("q4", "SX", "SY", "model_b"),
        ("q5", "X", "Y", "model_b"), // students not judged on q5: not counted
        ("q6", "SX", "SY", "model_a"), // teachers not judged on q6: not counted
    ];
    // Items judged for both pairs: q1..q4 = 4; flips: q1, q3 = 2.
    let text: String = rows
        .iter()
        .map(|(q, a, b, w)| {
            format!("{{\"question_id\":\"{q}\",\"model_a\":\"{a}\",\"model_b\":\"{b}\",\"winner\":\"{w}\"}}\n")
        })
        .collect();
    std::fs::create_dir_all(dir).unwrap();
    std::fs::write(dir.join("battles.jsonl"), text).unwrap();
}

#[test]
fn flipct_on_a_hand_worked_fixture() {
    let t = tempdir("judge-flip");
    let inp = t.join("in");
    flip_fixture(&inp);
    let out = t.join("out");
    ok([
        "judge",
        s(&inp),
        "--flip",
        "SX:X,SY:Y",
        "-q",
        "--out",
        s(&out),
    ]);
    let flips = std::fs::read_to_string(out.join("flips.md")).unwrap();
    let row = flips.lines().find(|l| l.starts_with("| X vs Y")).unwrap();
    let cells: Vec<&str> = row.split('|').map(str::trim).collect();
    assert_eq!(cells[1..5], ["X vs Y", "SX vs SY", "4", "2"], "{flips}");
    // PrefRt of SX over SY: q1 SY, q2 SX, q3 SX, q4 SY, q6 SX -> 3/5.
    let m = out.join("matrix.csv");
    assert_eq!(field(&m, &["SX"], "SY"), "0.6");
    // X, Y never met SX, SY: ratings on one scale are not identified, so
    // none are written (a notice says why).
    assert!(!out.join("ratings.md").exists());
    // Asked the other way round (students of Y, X), the same items flip.
    let out2 = t.join("out2");
    ok([
        "judge",
        s(&inp),
        "--flip",
        "SY:Y,SX:X",
        "-q",
        "--out",
        s(&out2),
    ]);
    let flips = std::fs::read_to_string(out2.join("flips.md")).unwrap();
    assert!(
        flips.contains("| Y vs X") && flips.contains("|           4 |     2 |"),
        "{flips}"
    );
    // A misspelt model is an error, not a FlipCt of 0.
    let e = fails([
        "judge",
        s(&inp),
        "--flip",
        "SX:X,SY:Z",
        "--out",
        s(&t.join("bad")),
    ]);
    assert!(e.contains("model \"Z\" has no pairwise judgments"), "{e}");
}

#[test]
fn bad_inputs_are_one_line_errors() {
    let t = tempdir("judge-bad");
    let empty = t.join("empty");
    std::fs::create_dir_all(&empty).unwrap();
    std::fs::write(empty.join("a.json"), "[]\n").unwrap();
    let e = fails(["judge", s(&empty), "--out", s(&t.join("o1"))]);
    assert!(
        e.contains(&format!("{}: no judgments in its 1 file(s)", s(&empty))),
        "{e}"
    );
    let chat = t.join("chat");
    std::fs::create_dir_all(&chat).unwrap();
    std::fs::write(
        chat.join("t.jsonl"),
        "{\"model\":\"m\",\"conversation\":[]}\n",
    )
    .unwrap();
    let e = fails(["judge", s(&chat), "--out", s(&t.join("o2"))]);
    assert!(e.contains("t.jsonl:1: record: not a judgment"), "{e}");
    let e = fails([
        "judge",
        s(&chat),
        "--flip",
        "a:b",
        "--out",
        s(&t.join("o3")),
    ]);
    assert!(
        e.contains("--flip \"a:b\": expected STUDENT_X:TEACHER_X,STUDENT_Y:TEACHER_Y"),
        "{e}"
    );
    let e = fails([
        "judge",
        s(&chat),
        "--bootstrap",
        "100001",
        "--out",
        s(&t.join("o4")),
    ]);
    assert!(e.contains("out of range (0 to 100000)"), "{e}");
    assert!(!t.join("o1").exists() && !t.join("o2").exists());
}

#[test]
fn report_shows_the_judges_section_and_keeps_hostile_names_text() {
    let t = tempdir("judge-report");
    let inp = t.join("in");
    std::fs::create_dir_all(&inp).unwrap();
    let evil = "<script>alert(1)</script>";
    let ev = evil.replace('/', "\\/");
    // Single grades on two questions, and battles both ways.
    let mut grades = String::new();
    for (q, m, sc) in [(1, "good", 9), (2, "good", 7), (1, evil, 4), (2, evil, 6)] {
        let m = m.replace('/', "\\/");
        grades.push_str(&format!(
            "{{\"question_id\":{q},\"model\":\"{m}\",\"score\":{sc},\"turn\":1,\"judge\":[\"gpt-4\",\"single-v1\"]}}\n"
        ));
    }
    std::fs::write(inp.join("single.jsonl"), grades).unwrap();
    std::fs::write(
        inp.join("battles.jsonl"),
        format!(
            "{{\"model_a\":\"good\",\"model_b\":\"{ev}\",\"winner\":\"model_a\"}}\n\
             {{\"model_a\":\"good\",\"model_b\":\"{ev}\",\"winner\":\"model_b\"}}\n\
             {{\"model_a\":\"good\",\"model_b\":\"{ev}\",\"winner\":\"model_a\"}}\n"
        ),
    )
    .unwrap();
    let q = t.join("question.jsonl");
    std::fs::write(
        &q,
        "{\"question_id\":1,\"category\":\"writing\"}\n{\"question_id\":2,\"category\":\"math\"}\n",
    )
    .unwrap();
    let out = t.join("out");
    ok([
        "judge",
        s(&inp),
        "--questions",
        s(&q),
        "-q",
        "--out",
        s(&out),
    ]);
    // good: 9, 7 -> writing 9, math 7; the hostile model: 4, 6.
    let sc = out.join("scores.csv");
    assert_eq!(
        field(&sc, &["gpt-4", "good", "all", "math"], "score"),
        "7.0"
    );
    assert_eq!(field(&sc, &["gpt-4", evil, "all", "all"], "score"), "5.0");
    // good won 2 of 3 battles.
    let wr = field(
        &out.join("winrates.csv"),
        &["arena", "good", "all"],
        "win_rate",
    );
    assert!(
        (wr.parse::<f64>().unwrap() - 200.0 / 3.0).abs() < 1e-12,
        "{wr}"
    );
    let html = t.join("r.html");
    let r = wildstat(["report", s(&out), "--out", s(&html)]);
    assert!(r.status.success(), "{}", String::from_utf8_lossy(&r.stderr));
    let page = std::fs::read_to_string(&html).unwrap();
    assert!(page.contains("Judges (Table 4)"));
    assert!(page.contains("Judge win rates (percent)"));
    assert!(
        page.contains("Mean grade by category (judge: gpt-4)"),
        "radar SVG missing"
    );
    assert!(page.contains("Grades by category (radar.svg)"));
    assert!(page.contains("Preference matrix (matrix.svg)"));
    assert!(page.contains("&lt;script&gt;alert(1)&lt;/script&gt;"));
    assert!(!page.contains(evil), "hostile name not escaped");
}

#[test]
fn pipelines_run_the_judge_stage_with_its_table() {
    let t = tempdir("judge-pipeline");
    let inp = t.join("in");
    flip_fixture(&inp);
    let p = t.join("p.toml");
    std::fs::write(
        &p,
        "inputs = [\"in\"]\nout = \"out\"\nstages = [\"judge\"]\n\n[judge]\nflip = \"SX:X,SY:Y\"\nbootstrap = 10\n",
    )
    .unwrap();
    let stdout = ok(["run", "-q", s(&p)]);
    assert!(
        stdout.contains("## judge\n") && stdout.contains("Judge win rates (percent)"),
        "{stdout}"
    );
    let flips = std::fs::read_to_string(t.join("out/judge/flips.md")).unwrap();
    assert!(
        flips.contains("| X vs Y   | SX vs SY |           4 |     2 |"),
        "{flips}"
    );
    let html = std::fs::read_to_string(t.join("out/report.html")).unwrap();
    assert!(html.contains("Judges (Table 4)") && html.contains("FlipCt"));
}

#[test]
fn pipeline_stages_name_their_own_inputs_transcripts_and_judgments() {
    let t = tempdir("judge-pipeline-inputs");
    flip_fixture(&t.join("judgments"));
    let dir = t.join("pipes");
    std::fs::create_dir_all(&dir).unwrap();
    let p = dir.join("p.toml");
    // No top-level inputs: similarity reads transcripts, judge the
    // judgment files, each from its own table, relative to the file's folder.
    let text = format!(
        "out = \"../out\"\nstages = [\"similarity\", \"judge\"]\n\n\
         [similarity]\ninputs = [{:?}]\nrefs = \"all\"\n\n\
         [judge]\ninputs = [\"../judgments\"]\nflip = \"SX:X,SY:Y\"\nbootstrap = 10\n",
        common::sample().display().to_string()
    );
    std::fs::write(&p, &text).unwrap();
    let stdout = ok(["run", "-q", s(&p)]);
    assert!(
        stdout.contains("## similarity\n") && stdout.contains("## judge\n"),
        "{stdout}"
    );
    let out = t.join("out");
    // Similarity over the five sample models, judge over the fixture.
    let (_, rows) = csv(&out.join("similarity/table.csv"));
    assert_eq!(rows.len(), 5);
    let flips = std::fs::read_to_string(out.join("judge/flips.md")).unwrap();
    assert!(
        flips.contains("| X vs Y   | SX vs SY |           4 |     2 |"),
        "{flips}"
    );
    let html = std::fs::read_to_string(out.join("report.html")).unwrap();
    assert!(html.contains(&format!(
        "Similarity (Table 5): {}",
        out.join("similarity").display()
    )));
    assert!(html.contains("Judges (Table 4)") && html.contains("FlipCt"));

    // --slurm submits each stage over its own inputs, resolved (a stand-in
    // submit.sh records its argv, one word a line, a blank line per stage).
    let log = t.join("argv.txt");
    let fake = t.join("submit.sh");
    std::fs::write(
        &fake,
        format!(
            "printf '%s\\n' \"$@\" '' >> {:?}\n",
            log.display().to_string()
        ),
    )
    .unwrap();
    std::fs::write(
        &p,
        text.replace(
            "bootstrap = 10\n",
            "bootstrap = 10\nanswers = [\"../answers\"]\n\n[cluster]\ntasks = 2\nwait = false\n",
        ),
    )
    .unwrap();
    let r = wildstat_env(
        ["run", "-q", "--slurm", s(&p)],
        &[("WILDSTAT_SUBMIT", s(&fake))],
    );
    assert!(r.status.success(), "{}", String::from_utf8_lossy(&r.stderr));
    let argv = std::fs::read_to_string(&log).unwrap();
    let stages: Vec<Vec<&str>> = argv
        .split("\n\n")
        .filter(|b| !b.trim().is_empty())
        .map(|b| b.lines().collect())
        .collect();
    assert_eq!(stages.len(), 2, "{argv}");
    let after = |st: &[&str], w: &str| -> String {
        st[st
            .iter()
            .position(|x| *x == w)
            .unwrap_or_else(|| panic!("no {w}: {st:?}"))
            + 1]
        .to_string()
    };
    assert_eq!(after(&stages[0], "--"), "similarity");
    assert_eq!(after(&stages[0], "similarity"), s(&common::sample()));
    assert_eq!(after(&stages[1], "--"), "judge");
    assert_eq!(after(&stages[1], "judge"), s(&t.join("judgments")));
    assert_eq!(after(&stages[1], "--answers"), s(&t.join("answers")));
    assert_eq!(after(&stages[1], "--flip"), "SX:X,SY:Y");
    assert_eq!(after(&stages[1], "--out"), s(&out.join("judge")));
    assert_eq!(after(&stages[1], "--tasks"), "2");

    // A stage with no inputs of its own and none at the top is refused
    // before anything runs.
    std::fs::write(
        &p,
        "out = \"../o2\"\nstages = [\"judge\", \"style\"]\n[judge]\ninputs = [\"../judgments\"]\n",
    )
    .unwrap();
    let e = fails(["run", "-q", s(&p)]);
    assert!(e.contains("p.toml: stage style has no inputs"), "{e}");
    assert!(!t.join("o2").exists());
}

#[test]
fn style_controlled_ratings_from_the_mt_bench_answers_equal_the_library() {
    use std::collections::BTreeMap;
    use wildstat_judge::bt::BtOptions;
    use wildstat_judge::style::{
        bradley_terry_style, style_features, styled_battles, StyleFeatures,
    };
    let Some(mt) = shared("corpora/mt-bench") else {
        return;
    };
    let (judg, answers) = (mt.join("model_judgment"), mt.join("model_answer"));
    let t = tempdir("judge-style");
    let local = t.join("local");
    ok([
        "judge",
        s(&judg),
        "--answers",
        s(&answers),
        "-q",
        "--out",
        s(&local),
    ]);
    // The expected ratings: the answers parsed here (FastChat model_answer:
    // model_id, question_id, choices[0].turns), each answer's features
    // summed over its turns, and the library's style-controlled fit (checked
    // against scikit-learn by scripts/parity/judge_bt_parity.py).
    let mut feats: BTreeMap<(String, String), StyleFeatures> = BTreeMap::new();
    for e in std::fs::read_dir(&answers).unwrap() {
        let text = std::fs::read_to_string(e.unwrap().path()).unwrap();
        for line in text.lines().filter(|l| !l.trim().is_empty()) {
            let v: serde_json::Value = serde_json::from_str(line).unwrap();
            let key = (
                v["model_id"].as_str().unwrap().to_string(),
                v["question_id"].to_string(),
            );
            let f = feats.entry(key).or_default();
            for turn in v["choices"][0]["turns"].as_array().unwrap() {
                let x = style_features(turn.as_str().unwrap());
                f.token_len += x.token_len;
                f.headers += x.headers;
                f.lists += x.lists;
                f.bold += x.bold;
            }
        }
    }
    assert_eq!(feats.len(), 160);
    let mut j = Vec::new();
    for f in ["gpt-4_pair.jsonl", "gpt-4_single.jsonl"] {
        j.extend(wildstat_judge::load_judgments(&judg.join(f)).unwrap());
    }
    j.sort();
    let (models, sb) = styled_battles(&j, &feats).unwrap();
    let want = bradley_terry_style(&models, &sb, &BtOptions::default()).unwrap();
    let r = local.join("ratings.csv");
    for (k, m) in want.models.iter().enumerate() {
        for (col, w) in [
            ("style_controlled", want.rating[k]),
            ("style_ci95 lo", want.ci[k].0),
            ("style_ci95 hi", want.ci[k].1),
        ] {
            let got: f64 = field(&r, &[m], col).parse().unwrap();
            assert!((got - w).abs() < 1e-9, "{m} {col}: {got} vs {w}");
        }
    }
    let md = std::fs::read_to_string(local.join("ratings.md")).unwrap();
    assert!(
        md.contains(&format!("coefficients: length {:.4}", want.coefficients[0])),
        "{md}"
    );
    // Sharded (answers read once, at the merge) and one thread: same bytes.
    let three = t.join("three");
    sharded(&[s(&judg), "--answers", s(&answers)], &three);
    same_bytes(&local, &three);
    let one = t.join("one-thread");
    let out = wildstat_env(
        [
            "judge",
            s(&judg),
            "--answers",
            s(&answers),
            "-q",
            "--out",
            s(&one),
        ],
        &[("RAYON_NUM_THREADS", "1")],
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    same_bytes(&local, &one);
    // Answers that miss a judged model are an error naming it.
    let e = fails([
        "judge",
        s(&judg),
        "--answers",
        s(&answers.join("phi-3.jsonl")),
        "--out",
        s(&t.join("bad")),
    ]);
    assert!(
        e.contains("--answers: no answer of phi-3-dpo to item"),
        "{e}"
    );
}
