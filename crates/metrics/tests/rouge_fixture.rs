//! rouge-score 0.1.2 parity on the golden fixture
//! `tests/fixtures/metrics/rouge.jsonl` (written by
//! `scripts/fixtures/make_metrics_fixtures.py` with the real rouge-score).
//! Every float is compared bit for bit: no tolerance.

use std::path::PathBuf;

use wildstat_metrics::rouge::rouge_tokens_naive;
use wildstat_metrics::tokenize::{tokenize, TokenStemmer};
use wildstat_metrics::{rouge_prepared, rouge_str, Preparer, Prf, Scratch, StemmerChoice};

#[path = "support/json.rs"]
mod json;

struct Case {
    target: String,
    prediction: String,
    expected: [Prf; 3],
}

fn cases() -> Vec<Case> {
    let p =
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../tests/fixtures/metrics/rouge.jsonl");
    let text = std::fs::read_to_string(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display()));
    text.lines()
        .map(|line| {
            let j = json::parse(line);
            Case {
                target: j.get("target").str().to_string(),
                prediction: j.get("prediction").str().to_string(),
                expected: [
                    j.get("rouge1").prf(),
                    j.get("rouge2").prf(),
                    j.get("rougeL").prf(),
                ],
            }
        })
        .collect()
}

fn bits(p: &Prf) -> [u64; 3] {
    [
        p.precision.to_bits(),
        p.recall.to_bits(),
        p.fmeasure.to_bits(),
    ]
}

fn check(name: &str, got: &[Prf; 3], c: &Case, bad: &mut Vec<String>) {
    for (k, (g, e)) in got.iter().zip(&c.expected).enumerate() {
        if bits(g) != bits(e) {
            bad.push(format!(
                "{name} rouge[{k}] target={:.60?} prediction={:.60?}: want {e:?} got {g:?}",
                c.target, c.prediction
            ));
        }
    }
}

/// The similarity stage scores a pair once for both directions' ROUGE
/// (`--refs all` plans both): the F-measures must not depend on the order.
#[test]
fn f_measures_are_the_same_bits_in_both_directions() {
    let prep = Preparer::rouge_only(StemmerChoice::Porter);
    let mut scratch = Scratch::new();
    let mut compared = 0;
    for c in cases() {
        let (t, r) = (prep.prepare(&c.target), prep.prepare(&c.prediction));
        let ab = rouge_prepared(&t, &r, &mut scratch);
        let ba = rouge_prepared(&r, &t, &mut scratch);
        for k in 0..3 {
            assert_eq!(
                ab[k].fmeasure.to_bits(),
                ba[k].fmeasure.to_bits(),
                "rouge[{k}] {:?} / {:?}",
                c.target,
                c.prediction
            );
            assert_eq!(ab[k].precision.to_bits(), ba[k].recall.to_bits());
        }
        compared += (ab[0].fmeasure > 0.0) as usize;
    }
    assert!(compared > 500, "only {compared} cases with any overlap");
}

#[test]
fn prepared_path_matches_rouge_score_bitwise() {
    let cases = cases();
    assert!(cases.len() > 1500, "fixture too small");
    let prep = Preparer::rouge_only(StemmerChoice::Porter);
    let mut scratch = Scratch::new();
    let mut bad = Vec::new();
    for c in &cases {
        let t = prep.prepare(&c.target);
        let r = prep.prepare(&c.prediction);
        let got = rouge_prepared(&t, &r, &mut scratch);
        check("prepared", &got, c, &mut bad);
    }
    assert!(
        bad.is_empty(),
        "{} mismatches:\n{}",
        bad.len(),
        bad[..bad.len().min(20)].join("\n")
    );
}

#[test]
fn naive_path_and_rouge_str_match_rouge_score_bitwise() {
    let stem = TokenStemmer::new(StemmerChoice::Porter);
    let mut bad = Vec::new();
    for c in cases()
        .iter()
        .filter(|c| c.target.len() + c.prediction.len() < 40_000)
    {
        let (t, p) = (tokenize(&c.target, &stem), tokenize(&c.prediction, &stem));
        check("naive", &rouge_tokens_naive(&t, &p), c, &mut bad);
        check(
            "rouge_str",
            &rouge_str(&c.target, &c.prediction),
            c,
            &mut bad,
        );
    }
    assert!(
        bad.is_empty(),
        "{} mismatches:\n{}",
        bad.len(),
        bad[..bad.len().min(20)].join("\n")
    );
}

#[test]
fn fixture_covers_the_edge_cases() {
    // Guard against a regenerated fixture silently losing coverage.
    let cases = cases();
    let has = |f: &dyn Fn(&Case) -> bool| cases.iter().any(f);
    assert!(has(&|c| c.target.is_empty() && c.prediction.is_empty()));
    assert!(has(
        &|c| c.target.contains('İ') && c.target.contains('\u{212A}')
    ));
    assert!(has(&|c| c.target.split_whitespace().count() >= 20_000));
    assert!(has(
        &|c| c.expected[2].fmeasure == 0.0 && !c.target.is_empty()
    ));
}
