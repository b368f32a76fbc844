//! The public pair-scoring API: orientation, METEOR wiring, thread safety,
//! determinism across threads and id assignment order, Snowball opt-in.

use wildstat_metrics::meteor;
use wildstat_metrics::tokenize::{tokenize, TokenStemmer};
use wildstat_metrics::{rouge_str, score, Prepared, Preparer, Scratch, StemmerChoice};

const TARGET: &str = "The quick brown fox jumps over the lazy dog";
const OTHER: &str = "The quick brown dog jumps on the log.";

#[test]
fn preparer_and_prepared_are_shareable() {
    fn assert_sync_send<T: Sync + Send>() {}
    assert_sync_send::<Preparer>();
    assert_sync_send::<Prepared>();
    fn assert_send<T: Send>() {}
    assert_send::<Scratch>();
}

#[test]
fn orientation_and_meteor_match_the_references() {
    let p = Preparer::new();
    let (t, o) = (p.prepare(TARGET), p.prepare(OTHER));
    let s = score(&t, &o, &mut Scratch::new());
    // rouge-score 0.1.2: RougeScorer(..., use_stemmer=True).score(TARGET, OTHER)
    // rouge1 P=0.75 (over OTHER's 8 tokens) R=0.6666666666666666 (TARGET's 9).
    assert_eq!(s.rouge1.precision, 0.75);
    assert_eq!(s.rouge1.recall, 0.6666666666666666);
    assert_eq!(s.rouge1.fmeasure, 0.7058823529411765);
    assert_eq!(s.rouge2.fmeasure, 0.26666666666666666);
    assert_eq!(s.rouge_l.precision, 0.625);
    assert_eq!(s.rouge_l.recall, 0.5555555555555556);
    // NLTK 3.10.4: meteor_score([OTHER.split()], TARGET.split()).
    assert_eq!(s.meteor, 0.6310013717421126);
    assert_eq!(
        s.meteor.to_bits(),
        meteor::meteor_str(OTHER, TARGET).to_bits()
    );

    let (a, b) = (
        p.prepare("The cats are running quickly home"),
        p.prepare("A cat ran home fast"),
    );
    assert_eq!(
        score(&a, &b, &mut Scratch::new()).meteor,
        0.19607843137254904
    );
    let (e, h) = (p.prepare(""), p.prepare("Hello world"));
    let z = score(&h, &e, &mut Scratch::new());
    assert_eq!(z.meteor, 0.0);
    assert_eq!(z.rouge_l.fmeasure, 0.0);
    assert_eq!(z.rouge1.recall, 0.0);
}

#[test]
fn rouge_only_has_nan_meteor() {
    let p = Preparer::rouge_only(StemmerChoice::Porter);
    let s = score(&p.prepare(TARGET), &p.prepare(OTHER), &mut Scratch::new());
    assert!(s.meteor.is_nan());
    assert_eq!(s.rouge1.fmeasure, 0.7058823529411765);
}

/// Synthetic texts with shared vocabulary, deterministic.
fn texts() -> Vec<String> {
    let words = [
        "running",
        "runner",
        "ran",
        "organization",
        "organizes",
        "the",
        "a",
        "of",
        "data",
        "generously",
        "happily",
        "x86",
        "İstanbul",
        "KELVIN",
        "2024",
        "naïve",
        "bigram",
    ];
    let mut state = 42u64;
    (0..60)
        .map(|i| {
            (0..(i * 7 % 150))
                .map(|_| {
                    state = state
                        .wrapping_mul(6364136223846793005)
                        .wrapping_add(1442695040888963407);
                    words[(state >> 33) as usize % words.len()]
                })
                .collect::<Vec<_>>()
                .join(if i % 2 == 0 { " " } else { ", " })
        })
        .collect()
}

#[test]
fn scores_do_not_depend_on_threads_or_preparation_order() {
    let texts = texts();
    // Reference: one preparer, sequential, in order.
    let p0 = Preparer::rouge_only(StemmerChoice::Porter);
    let prepared0: Vec<Prepared> = texts.iter().map(|t| p0.prepare(t)).collect();
    let mut scratch = Scratch::new();
    let mut want = Vec::new();
    for a in &prepared0 {
        for b in &prepared0 {
            let s = score(a, b, &mut scratch);
            want.push([s.rouge1, s.rouge2, s.rouge_l]);
        }
    }
    // Four threads preparing in reverse interleaved order (different ids).
    let p1 = Preparer::rouge_only(StemmerChoice::Porter);
    let mut prepared1: Vec<Option<Prepared>> = vec![None; texts.len()];
    std::thread::scope(|s| {
        let handles: Vec<_> = (0..4)
            .map(|k| {
                let (p1, texts) = (&p1, &texts);
                s.spawn(move || {
                    (0..texts.len())
                        .rev()
                        .filter(|i| i % 4 == k)
                        .map(|i| (i, p1.prepare(&texts[i])))
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        for h in handles {
            for (i, pr) in h.join().unwrap() {
                prepared1[i] = Some(pr);
            }
        }
    });
    let prepared1: Vec<Prepared> = prepared1.into_iter().map(Option::unwrap).collect();
    assert_eq!(p0.distinct_tokens(), p1.distinct_tokens());
    let mut k = 0;
    for (ia, a) in prepared1.iter().enumerate() {
        for (ib, b) in prepared1.iter().enumerate() {
            let s = score(a, b, &mut scratch);
            assert_eq!([s.rouge1, s.rouge2, s.rouge_l], want[k], "pair {ia},{ib}");
            assert_eq!(
                [s.rouge1, s.rouge2, s.rouge_l],
                rouge_str(&texts[ia], &texts[ib]),
                "pair {ia},{ib}"
            );
            k += 1;
        }
    }
}

#[test]
fn snowball_is_opt_in_and_language_driven() {
    let en = Preparer::rouge_only(StemmerChoice::snowball_for_language("English"));
    let s = score(
        &en.prepare("generously running"),
        &en.prepare("generous runs"),
        &mut Scratch::new(),
    );
    // Snowball English: generously -> generous, running/runs -> run.
    assert_eq!(s.rouge1.fmeasure, 1.0);
    let porter = Preparer::rouge_only(StemmerChoice::Porter);
    let s = score(
        &porter.prepare("generously running"),
        &porter.prepare("generous runs"),
        &mut Scratch::new(),
    );
    // NLTK Porter: generously -> gener, generous -> gener, running -> run, runs -> run.
    assert_eq!(s.rouge1.fmeasure, 1.0);
    // Unknown language: no stemming at all.
    let none = TokenStemmer::new(StemmerChoice::snowball_for_language("Esperanto"));
    assert_eq!(tokenize("Running dogs", &none), ["running", "dogs"]);
    let fr = TokenStemmer::new(StemmerChoice::snowball_for_language("french"));
    assert_eq!(tokenize("continuellement", &fr), ["continuel"]);
}
