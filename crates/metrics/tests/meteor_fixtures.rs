//! METEOR and WordNet-synonym parity against golden values produced by the
//! real NLTK 3.10.4 (`scripts/fixtures/make_meteor_fixtures.py`).

#[path = "meteor_jsonl.rs"]
mod jsonl;

use std::sync::Arc;

use wildstat_metrics::meteor::{meteor_str, score, MeteorContext, MeteorScratch};
use wildstat_metrics::wordnet::WordNet;

fn fixture(name: &str) -> String {
    let path = format!(
        "{}/../../tests/fixtures/meteor/{name}",
        env!("CARGO_MANIFEST_DIR")
    );
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

fn pairs() -> Vec<(String, String, f64)> {
    fixture("meteor.jsonl")
        .lines()
        .map(|line| {
            let o = jsonl::parse_object(line).unwrap();
            let s = |k| {
                jsonl::get(&o, k)
                    .and_then(|v| v.as_str())
                    .unwrap()
                    .to_string()
            };
            let score = jsonl::get(&o, "score").and_then(|v| v.as_f64()).unwrap();
            (s("reference"), s("hypothesis"), score)
        })
        .collect()
}

#[test]
fn meteor_matches_nltk_bit_for_bit() {
    let pairs = pairs();
    assert!(pairs.len() >= 100, "fixture too small: {}", pairs.len());
    let mut bad = Vec::new();
    for (r, h, want) in &pairs {
        let got = meteor_str(r, h);
        if got.to_bits() != want.to_bits() {
            bad.push(format!(
                "ref={:?} hyp={:?} want={want:?} got={got:?}",
                trunc(r),
                trunc(h)
            ));
        }
    }
    assert!(
        bad.is_empty(),
        "{} mismatches:\n{}",
        bad.len(),
        bad.join("\n")
    );
}

fn trunc(s: &str) -> String {
    s.chars().take(80).collect()
}

#[test]
fn prepared_texts_are_reusable_across_pairs_and_roles() {
    // One context and one scratch over all fixture pairs, each text prepared
    // once and scored in fixture order: scratch reuse must not leak state.
    let ctx = MeteorContext::new();
    let mut scratch = MeteorScratch::new();
    let pairs = pairs();
    let prepared: Vec<_> = pairs
        .iter()
        .map(|(r, h, _)| (ctx.prepare(r), ctx.prepare(h)))
        .collect();
    for _ in 0..2 {
        for ((r, h), (_, _, want)) in prepared.iter().zip(&pairs) {
            assert_eq!(score(h, r, &mut scratch).to_bits(), want.to_bits());
        }
    }
}

#[test]
fn fixture_covers_nontrivial_scores() {
    let pairs = pairs();
    let nonzero = pairs.iter().filter(|p| p.2 > 0.0).count();
    let zero = pairs.len() - nonzero;
    assert!(nonzero > 60 && zero > 5, "nonzero={nonzero} zero={zero}");
}

fn check_synonyms(wn: &WordNet) {
    let text = fixture("synonyms.jsonl");
    let mut n = 0;
    for line in text.lines() {
        let o = jsonl::parse_object(line).unwrap();
        let word = jsonl::get(&o, "word").and_then(|v| v.as_str()).unwrap();
        let want: Vec<&str> = match jsonl::get(&o, "synonyms").unwrap() {
            jsonl::Value::Arr(items) => items.iter().map(|v| v.as_str().unwrap()).collect(),
            other => panic!("bad synonyms {other:?}"),
        };
        let got = wn.synonyms(word);
        let got: Vec<&str> = got.iter().map(String::as_str).collect();
        assert_eq!(got, want, "synonyms of {word:?}");
        n += 1;
    }
    assert!(n > 4000, "only {n} synonym records");
}

#[test]
fn embedded_wordnet_synonyms_match_nltk() {
    check_synonyms(WordNet::embedded());
}

#[test]
fn wndb_loader_matches_embedded_table() {
    // Debian's wordnet-base (the source of the embedded table); skipped with
    // a note when the package is not installed.
    let dir = std::path::Path::new("/usr/share/wordnet");
    if !dir.join("data.noun").exists() {
        eprintln!("skipping: {} not present", dir.display());
        return;
    }
    let wn = WordNet::from_wndb_dir(dir).unwrap();
    assert!(wn.same_data(WordNet::embedded()));
    check_synonyms(&wn);
    let ctx = MeteorContext::with_wordnet(Arc::new(wn));
    let mut scratch = MeteorScratch::new();
    for (r, h, want) in pairs().iter().take(60) {
        let got = score(&ctx.prepare(h), &ctx.prepare(r), &mut scratch);
        assert_eq!(got.to_bits(), want.to_bits(), "ref={r:?} hyp={h:?}");
    }
}

#[test]
fn wndb_loader_reports_missing_directory() {
    let err = WordNet::from_wndb_dir("/nonexistent/wordnet").unwrap_err();
    assert!(err.contains("data.noun"), "{err}");
}

#[test]
fn context_is_shareable_and_concurrent_preparation_is_exact() {
    fn assert_sync_send<T: Sync + Send>() {}
    assert_sync_send::<MeteorContext>();
    assert_sync_send::<WordNet>();
    assert_sync_send::<wildstat_metrics::meteor::MeteorPrepared>();
    assert_sync_send::<MeteorScratch>();

    let ctx = MeteorContext::new();
    let pairs = pairs();
    std::thread::scope(|s| {
        for t in 0..4 {
            let (ctx, pairs) = (&ctx, &pairs);
            s.spawn(move || {
                let mut scratch = MeteorScratch::new();
                // Different threads walk the pairs in different orders, so
                // words are first interned by different threads.
                let order: Vec<usize> = if t % 2 == 0 {
                    (0..pairs.len()).collect()
                } else {
                    (0..pairs.len()).rev().collect()
                };
                for k in order {
                    let (r, h, want) = &pairs[k];
                    let got = score(&ctx.prepare(h), &ctx.prepare(r), &mut scratch);
                    assert_eq!(got.to_bits(), want.to_bits(), "ref={r:?} hyp={h:?}");
                }
            });
        }
    });
}
