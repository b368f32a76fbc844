//! wildstat-judge against committed reference fixtures
//! (scripts/fixtures/make_judge_fixtures.py), hand-worked examples, and the
//! shared corpora (skipped with a notice when ../shared is absent).

use serde_json::Value;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use wildstat_judge::bt::{battles, bradley_terry, Battle, BtOptions};
use wildstat_judge::matrix::{flip_count, matrix_svg, parse_flip, preference_matrix, FlipCount};
use wildstat_judge::style::{
    bradley_terry_style, markdown_counts, style_features, styled_battles, token_len, StyleFeatures,
    StyledBattle,
};
use wildstat_judge::winrate::win_rates;
use wildstat_judge::{
    load_judgments, parse_explanations, parse_judgments, scores, tables, Judgment,
};

fn fixture(name: &str) -> PathBuf {
    Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures")).join(name)
}

fn json(name: &str) -> Value {
    serde_json::from_str(&std::fs::read_to_string(fixture(name)).unwrap()).unwrap()
}

fn shared(rel: &str) -> Option<PathBuf> {
    let p = Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/../../../shared")).join(rel);
    if p.exists() {
        Some(p)
    } else {
        println!("skipped: {} is absent", p.display());
        None
    }
}

fn close(a: f64, b: f64, tol: f64) -> bool {
    (a - b).abs() <= tol
}

#[test]
fn alpaca_fixture_equals_alpaca_eval() {
    let j = load_judgments(&fixture("alpaca_small.json")).unwrap();
    let exp = json("alpaca_expected.json");
    let rows = win_rates(&j, 100, 1);
    let r = rows
        .iter()
        .find(|r| r.model == "m" && r.opponent.as_deref() == Some("base"))
        .unwrap();
    for (ours, key) in [
        (r.win_rate, "win_rate"),
        (r.standard_error, "standard_error"),
        (r.discrete_win_rate, "discrete_win_rate"),
    ] {
        let e = exp[key].as_f64().unwrap();
        assert!(close(ours, e, 1e-9), "{key}: ours {ours} AlpacaEval {e}");
    }
    assert_eq!(r.n_total as f64, exp["n_total"].as_f64().unwrap());
    assert_eq!(r.n_wins as f64, exp["n_wins"].as_f64().unwrap());
    assert_eq!(r.n_losses as f64, exp["n_wins_base"].as_f64().unwrap());
    assert_eq!(r.n_draws as f64, exp["n_draws"].as_f64().unwrap());
    // The baseline's mirror row: 100 - win_rate, same counts swapped.
    let b = rows
        .iter()
        .find(|r| r.model == "base" && r.opponent.as_deref() == Some("m"))
        .unwrap();
    assert!(close(b.win_rate, 100.0 - r.win_rate, 1e-9));
    assert!(close(
        b.discrete_win_rate,
        100.0 - r.discrete_win_rate,
        1e-9
    ));
    assert_eq!(
        (b.n_wins, b.n_losses, b.n_draws),
        (r.n_losses, r.n_wins, r.n_draws)
    );
    assert!(r.ci.0 < r.win_rate && r.win_rate < r.ci.1);
}

#[test]
fn fastchat_fixture_equals_show_result() {
    let j = load_judgments(&fixture("fastchat_pair_small.jsonl")).unwrap();
    let exp = json("fastchat_expected.json");
    for r in win_rates(&j, 0, 0).iter().filter(|r| r.opponent.is_none()) {
        let e = &exp[&r.model];
        let n = r.n_total as f64;
        assert_eq!(r.n_wins as f64, e["win"].as_f64().unwrap());
        assert_eq!(r.n_losses as f64, e["loss"].as_f64().unwrap());
        assert_eq!(r.n_draws as f64, e["tie"].as_f64().unwrap());
        assert!(close(
            r.n_wins as f64 / n,
            e["win_rate"].as_f64().unwrap(),
            1e-15
        ));
        assert!(close(
            r.n_losses as f64 / n,
            e["loss_rate"].as_f64().unwrap(),
            1e-15
        ));
        assert!(close(
            r.win_rate / 100.0,
            e["win_rate_adjusted"].as_f64().unwrap(),
            1e-15
        ));
        assert_eq!(r.judge, "gpt-4", "prompt names are not judges");
    }
}

fn ratings_map(r: &wildstat_judge::bt::Ratings) -> BTreeMap<String, f64> {
    r.models
        .iter()
        .cloned()
        .zip(r.rating.iter().copied())
        .collect()
}

fn order_by(m: &BTreeMap<String, f64>) -> Vec<String> {
    let mut v: Vec<(&String, &f64)> = m.iter().collect();
    v.sort_by(|a, b| b.1.total_cmp(a.1));
    v.into_iter().map(|(k, _)| k.clone()).collect()
}

fn expected_map(v: &Value, key: &str) -> BTreeMap<String, f64> {
    v[key]
        .as_object()
        .unwrap()
        .iter()
        .map(|(k, x)| (k.clone(), x.as_f64().unwrap()))
        .collect()
}

#[test]
fn bradley_terry_equals_sklearn_and_recovers_order() {
    let j = load_judgments(&fixture("bt_battles.jsonl")).unwrap();
    let exp = json("bt_expected.json");
    let (models, b) = battles(&j);
    let opts = BtOptions {
        resamples: 20,
        seed: 3,
        ..BtOptions::default()
    };
    let r = bradley_terry(&models, &b, &opts).unwrap();
    let ours = ratings_map(&r);
    let sk = expected_map(&exp, "rating");
    for (m, e) in &sk {
        assert!(
            close(ours[m], *e, 1e-4),
            "{m}: ours {} sklearn {e}",
            ours[m]
        );
    }
    assert_eq!(order_by(&ours), order_by(&expected_map(&exp, "strengths")));
    assert!(close(r.rating.iter().sum::<f64>() / 6.0, 1000.0, 1e-9));
    for (i, &(lo, hi)) in r.ci.iter().enumerate() {
        assert!(lo < r.rating[i] && r.rating[i] < hi);
    }
    // Deterministic whatever the battle order, and anchoring shifts every
    // rating by one constant.
    assert_eq!(bradley_terry(&models, &b, &opts).unwrap(), r);
    let mut reordered = b.clone();
    reordered.reverse();
    reordered.rotate_left(1234);
    assert_eq!(bradley_terry(&models, &reordered, &opts).unwrap(), r);
    let anchored = bradley_terry(
        &models,
        &b,
        &BtOptions {
            anchor: Some(("zeta".into(), 1114.0)),
            resamples: 0,
            ..BtOptions::default()
        },
    )
    .unwrap();
    let shift = 1114.0 - ours["zeta"];
    for (a, o) in anchored.rating.iter().zip(&r.rating) {
        assert!(close(*a, o + shift, 1e-9));
    }
}

#[test]
fn bradley_terry_without_mle_is_an_error() {
    let models = vec!["a".to_string(), "b".to_string()];
    let b = vec![
        Battle {
            a: 0,
            b: 1,
            score_a: 1.0
        };
        5
    ];
    let e = bradley_terry(&models, &b, &BtOptions::default()).unwrap_err();
    assert!(e.contains("do not exist"), "{e}");
    // One win each way: equal ratings, exactly 1000.
    let b = vec![
        Battle {
            a: 0,
            b: 1,
            score_a: 1.0,
        },
        Battle {
            a: 1,
            b: 0,
            score_a: 1.0,
        },
    ];
    let r = bradley_terry(
        &models,
        &b,
        &BtOptions {
            resamples: 0,
            ..BtOptions::default()
        },
    )
    .unwrap();
    assert!(close(r.rating[0], 1000.0, 1e-9) && close(r.rating[1], 1000.0, 1e-9));
    // 3 wins of a to 1 of b: a - b = 400 log10(3).
    let b = vec![
        Battle {
            a: 0,
            b: 1,
            score_a: 1.0,
        },
        Battle {
            a: 0,
            b: 1,
            score_a: 1.0,
        },
        Battle {
            a: 1,
            b: 0,
            score_a: 0.0,
        },
        Battle {
            a: 0,
            b: 1,
            score_a: 0.0,
        },
    ];
    let r = bradley_terry(
        &models,
        &b,
        &BtOptions {
            resamples: 0,
            ..BtOptions::default()
        },
    )
    .unwrap();
    assert!(close(r.rating[0] - r.rating[1], 400.0 * 3f64.log10(), 1e-9));
}

fn style_fixture() -> (Vec<String>, Vec<StyledBattle>, Vec<[f64; 4]>) {
    let text = std::fs::read_to_string(fixture("style_battles.jsonl")).unwrap();
    let j = parse_judgments("style_battles.jsonl", &text).unwrap();
    let (models, _) = battles(&j);
    let feat = |v: &Value| StyleFeatures {
        token_len: v["token_len"].as_u64().unwrap(),
        headers: v["headers"].as_u64().unwrap(),
        lists: v["lists"].as_u64().unwrap(),
        bold: v["bold"].as_u64().unwrap(),
    };
    let mut out = Vec::new();
    let mut raw = Vec::new();
    for line in text.lines() {
        let v: Value = serde_json::from_str(line).unwrap();
        let idx = |k: &str| {
            models
                .iter()
                .position(|m| v[k].as_str() == Some(m))
                .unwrap()
        };
        let score_a = match v["winner"].as_str().unwrap() {
            "model_a" => 1.0,
            "model_b" => 0.0,
            _ => 0.5,
        };
        let (a, b) = (feat(&v["style_a"]), feat(&v["style_b"]));
        let (la, lb) = (a.token_len as f64, b.token_len as f64);
        raw.push([(la - lb) / (la + lb), 0.0, 0.0, 0.0]);
        out.push(StyledBattle {
            battle: Battle {
                a: idx("model_a"),
                b: idx("model_b"),
                score_a,
            },
            a,
            b,
        });
    }
    (models, out, raw)
}

#[test]
fn style_control_equals_sklearn_and_recovers_length_preference() {
    let (models, sb, raw) = style_fixture();
    let exp = json("style_expected.json");
    let opts = BtOptions {
        resamples: 10,
        seed: 5,
        ..BtOptions::default()
    };
    let r = bradley_terry_style(&models, &sb, &opts).unwrap();
    let ours = ratings_map(&r);
    for (m, e) in &expected_map(&exp, "rating") {
        assert!(
            close(ours[m], *e, 1e-4),
            "{m}: ours {} sklearn {e}",
            ours[m]
        );
    }
    for (c, e) in r
        .coefficients
        .iter()
        .zip(exp["coefficients"].as_array().unwrap())
    {
        assert!(
            close(*c, e.as_f64().unwrap(), 1e-6),
            "coef ours {c} sklearn {e}"
        );
    }
    assert_eq!(order_by(&ours), order_by(&expected_map(&exp, "strengths")));
    // Planted: 1.5 logits per unit of (a - b) / (a + b); the fitted
    // coefficient is per standard deviation of that feature.
    let col: Vec<f64> = raw.iter().map(|r| r[0]).collect();
    let per_unit = r.coefficients[0] / wildstat_stats::numpy::std(&col, 1);
    assert!(
        (per_unit - 1.5).abs() < 0.3,
        "recovered length preference {per_unit}"
    );
    let (lo, hi) = r.coefficient_ci[0];
    assert!(lo > 0.0 && lo < r.coefficients[0] && r.coefficients[0] < hi);
    // The raw fit of the same battles credits length to the models.
    let plain: Vec<Battle> = sb.iter().map(|s| s.battle).collect();
    let raw_fit = bradley_terry(
        &models,
        &plain,
        &BtOptions {
            resamples: 0,
            ..BtOptions::default()
        },
    )
    .unwrap();
    assert_ne!(raw_fit.rating, r.rating);
    let md = tables::ratings_table(&raw_fit, Some(&r)).to_markdown();
    assert!(
        md.contains(r"style\_controlled")
            && md.contains(&format!("length {:.4}", r.coefficients[0])),
        "{md}"
    );
    assert!(md.contains(r"eps\<\&\>"), "hostile names escaped: {md}");
}

/// Hand-built Table 4 fixture: teachers X, Y, students SX, SY on items q1..q5.
fn table4_fixture() -> Vec<Judgment> {
    // Arena format: winner model_a / model_b / tie; question_id = item.
    let rows = [
        ("q1", "X", "Y", "model_a"),   // X over Y
        ("q1", "SX", "SY", "model_b"), // SY over SX: flip
        ("q2", "X", "Y", "model_a"),   // X over Y
        ("q2", "SY", "SX", "model_b"), // SX over SY (sides swapped): no flip
        ("q3", "Y", "X", "model_a"),   // Y over X
        ("q3", "SX", "SY", "model_a"), // SX over SY: flip
        ("q4", "X", "Y", "tie"),       // tie never flips
        ("q4", "SX", "SY", "model_b"),
        ("q5", "X", "Y", "model_b"), // Y over X; students not judged on q5
        ("q6", "SX", "SY", "model_a"), // teachers not judged on q6
    ];
    let text: String = rows
        .iter()
        .map(|(q, a, b, w)| format!("{{\"question_id\":\"{q}\",\"model_a\":\"{a}\",\"model_b\":\"{b}\",\"winner\":\"{w}\"}}\n"))
        .collect();
    let mut j = parse_judgments("table4.jsonl", &text).unwrap();
    j.sort();
    j
}

#[test]
fn flipct_and_prefrt_hand_worked() {
    let j = table4_fixture();
    let want = FlipCount {
        items_both: 4,
        flips: 2,
    };
    let (sx, x, sy, y) = parse_flip("SX:X,SY:Y").unwrap();
    assert_eq!(flip_count(&j, &sx, &x, &sy, &y), want);
    // The same question asked the other way round counts the same flips.
    assert_eq!(flip_count(&j, "SY", "Y", "SX", "X"), want);
    assert!(parse_flip("SX:X").unwrap_err().contains("--flip"));
    assert!(parse_flip("SX:X,:Y").is_err());
    let m = preference_matrix(&j);
    let rate = |r: &str, c: &str| {
        let i = m.models.iter().position(|x| x == r).unwrap();
        let k = m.models.iter().position(|x| x == c).unwrap();
        (m.rate[i][k], m.n[i][k])
    };
    // X vs Y: q1 X, q2 X, q3 Y, q4 tie, q5 Y -> (1 + 1 + 0 + 0.5 + 0) / 5.
    assert_eq!(rate("X", "Y"), (0.5, 5));
    assert_eq!(rate("Y", "X"), (0.5, 5));
    // SX vs SY: q1 SY, q2 SX, q3 SX, q4 SY, q6 SX -> 3 / 5.
    assert_eq!(rate("SX", "SY"), (0.6, 5));
    assert!(rate("X", "SX").0.is_nan());
    assert_eq!(rate("X", "SX").1, 0);
    // Clustering keeps the pairs that met next to each other.
    let pos = |x: &str| m.models.iter().position(|y| y == x).unwrap() as i64;
    assert_eq!((pos("X") - pos("Y")).abs(), 1);
    assert_eq!((pos("SX") - pos("SY")).abs(), 1);
    let svg = matrix_svg(&m, "PrefRt <judge>");
    assert!(svg.starts_with("<svg") && svg.contains("PrefRt &lt;judge&gt;"));
    let md = tables::matrix_table(&m).to_markdown();
    assert!(md.contains("0.600"), "{md}");
}

#[test]
fn shards_merge_order_free() {
    let text = std::fs::read_to_string(fixture("bt_battles.jsonl")).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    let whole = {
        let mut v = parse_judgments("f", &text).unwrap();
        v.sort();
        v
    };
    let mut merged = Vec::new();
    for chunk in lines.chunks(700).rev() {
        merged.extend(parse_judgments("f", &chunk.join("\n")).unwrap());
    }
    merged.sort();
    assert_ne!(whole.len(), 0);
    // Arena items without question_id are named by record, so compare verdicts.
    let key = |v: &[Judgment]| -> Vec<String> {
        let mut k: Vec<String> = wildstat_judge::pairs(v)
            .map(|p| format!("{} {} {}", p.model_a, p.model_b, p.preference))
            .collect();
        k.sort();
        k
    };
    assert_eq!(key(&whole), key(&merged));
    let j = load_judgments(&fixture("alpaca_small.json")).unwrap();
    let mut rev = j.clone();
    rev.reverse();
    rev.sort();
    let mut fwd = j;
    fwd.sort();
    assert_eq!(fwd, rev);
    assert_eq!(win_rates(&fwd, 50, 2), win_rates(&rev, 50, 2));
    let round: Vec<Judgment> = serde_json::from_str(&serde_json::to_string(&fwd).unwrap()).unwrap();
    assert_eq!(round, fwd);
}

#[test]
fn bad_input_names_file_line_and_field() {
    let cases = [
        ("[{\"generator_1\":\"a\",\"generator_2\":\"b\",\"instruction\":\"i\",\"preference\":1.0},\n{\"generator_1\":\"a\",\"generator_2\":\"b\",\"instruction\":\"i\",\"preference\":3}]", "f.json:2: field `preference`"),
        ("{\"question_id\":1,\"model_1\":\"a\",\"model_2\":\"b\",\"g1_winner\":\"model_3\",\"g2_winner\":\"tie\",\"judge\":[\"gpt-4\",\"pair-v2\"]}", "f.json:1: field `g1_winner`"),
        ("\n{\"question_id\":1,\"model\":\"a\",\"score\":\"high\",\"judge\":[\"gpt-4\",\"single-v1\"]}", "f.json:2: field `score`"),
        ("{\"model_a\":\"a\",\"model_b\":\"b\",\"winner\":\"draw\"}", "f.json:1: field `winner`"),
        ("{\"model_a\":\"a\",\"model_b\":\"b\"}", "f.json:1: field `winner`: missing"),
        ("{\"x\":1}", "f.json:1: record"),
        ("{\"model_a\":", "f.json:1: field `(json)`"),
        ("[1]", "f.json:1: record"),
    ];
    for (text, want) in cases {
        let e = parse_judgments("f.json", text).unwrap_err();
        assert!(e.starts_with(want), "{e:?} should start with {want:?}");
        assert!(!e.contains('\n'), "one line: {e:?}");
    }
}

#[test]
fn dropped_and_mapped_verdicts() {
    let text = "[{\"generator_1\":\"a\",\"generator_2\":\"b\",\"instruction\":\"i\",\"preference\":null},\
                {\"generator_1\":\"a\",\"generator_2\":\"b\",\"instruction\":\"j\",\"preference\":0}]";
    let j = parse_judgments("f", text).unwrap();
    assert_eq!(j.len(), 1);
    let r = &win_rates(&j, 0, 0)[0];
    assert_eq!((r.n_total, r.n_draws, r.win_rate), (1, 1, 50.0));
    let single = "{\"question_id\":1,\"model\":\"m\",\"score\":-1,\"turn\":1,\"judge\":[\"gpt-4\",\"single-v1\"]}\n\
                  {\"question_id\":1,\"model\":\"m\",\"score\":7,\"turn\":2,\"judge\":[\"gpt-4\",\"single-v1-multi-turn\"]}\n\
                  {\"question_id\":2,\"model\":\"m\",\"score\":8,\"turn\":2,\"judge\":[\"gpt-4\",\"single-v1-multi-turn\"]}";
    let j = parse_judgments("s", single).unwrap();
    let q: BTreeMap<String, String> = [
        ("1".to_string(), "math".to_string()),
        ("2".to_string(), "coding".to_string()),
    ]
    .into();
    let rows = scores::scores(&j, Some(&q)).unwrap();
    let get = |turn: Option<u32>, cat: Option<&str>| {
        rows.iter()
            .find(|r| r.turn == turn && r.category.as_deref() == cat)
            .map(|r| (r.n, r.mean))
    };
    assert_eq!(get(None, None), Some((2, 7.5)));
    assert_eq!(get(Some(2), None), Some((2, 7.5)));
    assert_eq!(get(Some(1), None), None);
    assert_eq!(get(None, Some("math")), Some((1, 7.0)));
    let missing: BTreeMap<String, String> = BTreeMap::new();
    assert!(scores::scores(&j, Some(&missing))
        .unwrap_err()
        .contains("question 1"));
}

#[test]
fn explanations_attach_to_the_models_judged() {
    let pair = "{\"question_id\":1,\"model_1\":\"a\",\"model_2\":\"b\",\"g1_winner\":\"error\",\"g2_winner\":\"tie\",\
                \"judge\":[\"gpt-4\",\"pair-v2\"],\"g1_judgment\":\"one\",\"g2_judgment\":\"two\"}";
    assert_eq!(
        parse_explanations("p", pair).unwrap(),
        vec![
            ("a".into(), "one".into()),
            ("b".into(), "one".into()),
            ("a".into(), "two".into()),
            ("b".into(), "two".into())
        ]
    );
    let alpaca = r#"[{"generator_1":"a","generator_2":"b","instruction":"i","preference":1,"raw_completion":"{\"concise_explanation\": \"why\", \"ordered_models\": []}"},
                    {"generator_1":"a","generator_2":"b","instruction":"i","preference":1,"raw_completion":{"text":"m"}},
                    {"generator_1":"a","generator_2":"b","instruction":"i","preference":1,"raw_completion":"Output (a)"}]"#;
    let e = parse_explanations("a", alpaca).unwrap();
    let texts: Vec<&str> = e.iter().map(|x| x.1.as_str()).collect();
    assert_eq!(texts, ["why", "why", "m", "m", "Output (a)", "Output (a)"]);
    let single = "{\"question_id\":1,\"model\":\"m\",\"score\":5,\"judgment\":\"ok [[5]]\",\"judge\":[\"gpt-4\",\"single-v1\"]}";
    assert_eq!(
        parse_explanations("s", single).unwrap(),
        vec![("m".into(), "ok [[5]]".into())]
    );
}

#[test]
fn markdown_counts_hand_worked() {
    let text = "# Title\n## Sub\n#NoSpace\n\n1. one\n  2. two\n- a\n* b\n+ c\n-no\n\n**bold** and __also__ and **not\nbold**\n\
                ```python\n# comment\n- item\n**x**\n```\nafter";
    let m = markdown_counts(text);
    assert_eq!(m.header, [1, 1, 0, 0, 0, 0]);
    assert_eq!((m.ordered, m.unordered), (2, 3));
    assert_eq!((m.bold_star, m.bold_underscore), (1, 1));
    // Python's \s also matches U+001C..U+001F.
    assert_eq!(markdown_counts("#\u{1c}x").header[0], 1);
    assert_eq!(token_len("hello world"), 2);
    assert_eq!(token_len("<|endoftext|>"), token_len("<|endoftext|>x") - 1);
    let f = style_features("## A\n- b\n**c**");
    assert_eq!((f.headers, f.lists, f.bold), (1, 1, 1));
}

#[test]
fn radar_and_tables_escape_hostile_names() {
    let cats = vec![
        "writing".to_string(),
        "<script>".to_string(),
        "math & co".to_string(),
    ];
    let series: Vec<(String, Vec<f64>)> = (0..10)
        .map(|i| (format!("m{i}\"<x>"), vec![i as f64, 5.0, f64::NAN]))
        .collect();
    let svg = scores::radar_svg("MT-Bench <1>", &cats, &series, 10.0);
    assert!(
        !svg.contains("<script>")
            && svg.contains("&lt;script&gt;")
            && svg.contains("math &amp; co")
    );
    assert_eq!(svg.matches("<polygon").count(), 5 + 10);
    assert_eq!(svg, scores::radar_svg("MT-Bench <1>", &cats, &series, 10.0));
    let j = table4_fixture();
    let t = tables::winrates_table(&win_rates(&j, 10, 0));
    assert!(t.to_csv().lines().count() > 4);
    assert!(t.notes.iter().any(|n| n.contains("Arena")));
}

#[test]
fn shared_alpaca_eval_leaderboard() {
    let Some(dir) = shared("corpora/alpaca-eval-annotations") else {
        return;
    };
    let board = std::fs::read_to_string(dir.join("leaderboard.csv")).unwrap();
    let mut checked = 0;
    for line in board.lines().skip(1) {
        let f: Vec<&str> = line.split(',').collect();
        let (model, want): (&str, f64) = (f[0], f[2].parse().unwrap());
        let j = load_judgments(&dir.join(format!("{model}.json"))).unwrap();
        let r = win_rates(&j, 0, 0)
            .into_iter()
            .find(|r| r.model == model && r.opponent.as_deref() == Some("gpt4_1106_preview"))
            .unwrap();
        assert!(
            close(r.win_rate, want, 1e-6),
            "{model}: ours {} leaderboard {want}",
            r.win_rate
        );
        checked += 1;
    }
    assert_eq!(checked, 9);
}

#[test]
fn shared_mt_bench() {
    let Some(dir) = shared("corpora/mt-bench") else {
        return;
    };
    let j = load_judgments(&dir.join("model_judgment/gpt-4_pair.jsonl")).unwrap();
    // FastChat show_result.py (scripts/parity/judge_fastchat_parity.py): 2 error rows dropped.
    let rows = win_rates(&j, 0, 0);
    let all = |m: &str| {
        rows.iter()
            .find(|r| r.model == m && r.opponent.is_none())
            .unwrap()
    };
    assert_eq!(
        (
            all("phi-3-dpo").n_wins,
            all("phi-3-dpo").n_losses,
            all("phi-3-dpo").n_draws
        ),
        (20, 18, 35)
    );
    assert_eq!(
        (
            all("phi-3").n_wins,
            all("phi-3").n_losses,
            all("phi-3").n_draws
        ),
        (18, 20, 35)
    );
    let s = load_judgments(&dir.join("model_judgment/gpt-4_single.jsonl")).unwrap();
    let q = wildstat_judge::load_questions(&dir.join("question.jsonl")).unwrap();
    let rows = scores::scores(&s, Some(&q)).unwrap();
    let get = |t: Option<u32>| {
        rows.iter()
            .find(|r| r.turn == t && r.category.is_none())
            .unwrap()
            .mean
    };
    assert_eq!(
        (get(Some(1)), get(Some(2)), get(None)),
        (8.3625, 8.0375, 8.2)
    );
    assert_eq!(rows.iter().filter(|r| r.category.is_some()).count(), 8);
    let (cats, series) = scores::category_series(&rows, "gpt-4");
    assert_eq!(cats.len(), 8);
    assert_eq!(series.len(), 1);
    let coding = cats.iter().position(|c| c == "coding").unwrap();
    assert_eq!(series[0].1[coding], 6.45);
    let svg = scores::radar_svg("MT-Bench", &cats, &series, 10.0);
    assert_eq!(svg.matches("<polygon").count(), 5 + 1);
}

#[test]
fn styled_battles_join_answers() {
    let text =
        "{\"question_id\":\"q1\",\"model_a\":\"a\",\"model_b\":\"b\",\"winner\":\"model_a\"}\n\
                {\"question_id\":\"q2\",\"model_a\":\"b\",\"model_b\":\"a\",\"winner\":\"tie\"}";
    let mut j = parse_judgments("s", text).unwrap();
    j.sort();
    let f = |t: u64| StyleFeatures {
        token_len: t,
        headers: 0,
        lists: 0,
        bold: 0,
    };
    let mut feats: BTreeMap<(String, String), StyleFeatures> = BTreeMap::new();
    feats.insert(("a".into(), "q1".into()), f(10));
    feats.insert(("b".into(), "q1".into()), f(20));
    feats.insert(("a".into(), "q2".into()), f(30));
    let e = styled_battles(&j, &feats).unwrap_err();
    assert!(e.contains("no answer of b to item \"q2\""), "{e}");
    feats.insert(("b".into(), "q2".into()), f(40));
    let (models, sb) = styled_battles(&j, &feats).unwrap();
    assert_eq!(models, ["a", "b"]);
    assert_eq!(
        (sb[0].a.token_len, sb[0].b.token_len, sb[0].battle.score_a),
        (10, 20, 1.0)
    );
    assert_eq!(
        (sb[1].a.token_len, sb[1].b.token_len, sb[1].battle.a),
        (40, 30, 1)
    );
}

#[test]
fn shared_arena_hard_metadata() {
    let Some(dir) = shared("corpora/arena-hard/v2.0/model_answer") else {
        return;
    };
    let mut n = 0;
    for entry in std::fs::read_dir(&dir).unwrap() {
        let text = std::fs::read_to_string(entry.unwrap().path()).unwrap();
        for line in text.lines() {
            let v: Value = serde_json::from_str(line).unwrap();
            let answer = v["messages"].as_array().unwrap().last().unwrap()["content"]["answer"]
                .as_str()
                .unwrap();
            let meta = &v["metadata"];
            let m = markdown_counts(answer);
            let uid = v["uid"].as_str().unwrap();
            assert_eq!(
                token_len(answer),
                meta["token_len"].as_u64().unwrap(),
                "{uid} token_len"
            );
            for (k, h) in m.header.iter().enumerate() {
                assert_eq!(
                    *h,
                    meta["header_count"][format!("h{}", k + 1)]
                        .as_u64()
                        .unwrap(),
                    "{uid} h{}",
                    k + 1
                );
            }
            assert_eq!(
                m.ordered,
                meta["list_count"]["ordered"].as_u64().unwrap(),
                "{uid} ordered"
            );
            assert_eq!(
                m.unordered,
                meta["list_count"]["unordered"].as_u64().unwrap(),
                "{uid} unordered"
            );
            assert_eq!(
                m.bold_star,
                meta["bold_count"]["**"].as_u64().unwrap(),
                "{uid} **"
            );
            assert_eq!(
                m.bold_underscore,
                meta["bold_count"]["__"].as_u64().unwrap(),
                "{uid} __"
            );
            n += 1;
        }
    }
    assert_eq!(n, 750);
}

#[test]
fn truncated_files_error_without_panic() {
    for name in [
        "alpaca_small.json",
        "fastchat_pair_small.jsonl",
        "style_battles.jsonl",
    ] {
        let text = std::fs::read_to_string(fixture(name)).unwrap();
        let text = &text[..text.len().min(6000)];
        for end in (0..text.len())
            .step_by(97)
            .filter(|&e| text.is_char_boundary(e))
        {
            match parse_judgments(name, &text[..end]) {
                Ok(_) => {}
                Err(e) => assert!(
                    e.starts_with(&format!("{name}:")) && !e.contains('\n'),
                    "{e}"
                ),
            }
            let _ = parse_explanations(name, &text[..end]);
        }
    }
}
