//! The id/stack alignment of `meteor::score` against a literal port of
//! NLTK's list-based greedy matching (hypothesis from the end, reference
//! from the end, first hit wins, matched words removed; O(n*m)).

use wildstat_metrics::meteor::{
    alignment, py_split, score, score_both, MeteorContext, MeteorScratch,
};
use wildstat_metrics::porter::stem;
use wildstat_metrics::pylower::py_lower;
use wildstat_metrics::wordnet::WordNet;

type Enum = Vec<(usize, String)>;

/// NLTK <= 3.8 `_match_enums` / `_enum_stem_match` core: nested loops with pops.
fn match_lists(hyp: &mut Enum, reference: &mut Enum, out: &mut Vec<(usize, usize)>) {
    let mut i = hyp.len();
    while i > 0 {
        i -= 1;
        let mut j = reference.len();
        while j > 0 {
            j -= 1;
            if hyp[i].1 == reference[j].1 {
                out.push((hyp[i].0, reference[j].0));
                hyp.remove(i);
                reference.remove(j);
                break;
            }
        }
    }
}

/// NLTK <= 3.8 `_enum_wordnetsyn_match`: first reference word from the end
/// that is in the hypothesis word's synonym set.
fn synonym_lists(hyp: &mut Enum, reference: &mut Enum, out: &mut Vec<(usize, usize)>) {
    let wn = WordNet::embedded();
    let mut i = hyp.len();
    while i > 0 {
        i -= 1;
        let syns = wn.synonyms(&hyp[i].1);
        let mut j = reference.len();
        while j > 0 {
            j -= 1;
            if syns.iter().any(|s| *s == reference[j].1) {
                out.push((hyp[i].0, reference[j].0));
                hyp.remove(i);
                reference.remove(j);
                break;
            }
        }
    }
}

fn literal_alignment(reference: &str, hypothesis: &str) -> Vec<(usize, usize)> {
    let enumerate = |t: &str| -> Enum { py_split(t).map(py_lower).enumerate().collect() };
    let mut h = enumerate(hypothesis);
    let mut r = enumerate(reference);
    let mut out = Vec::new();
    match_lists(&mut h, &mut r, &mut out);
    let stems = |e: &Enum| -> Enum { e.iter().map(|(k, w)| (*k, stem(w))).collect() };
    let (mut h, mut r) = (stems(&h), stems(&r));
    match_lists(&mut h, &mut r, &mut out);
    synonym_lists(&mut h, &mut r, &mut out);
    out.sort();
    out
}

fn literal_score(reference: &str, hypothesis: &str) -> f64 {
    let matches = literal_alignment(reference, hypothesis);
    let tl = py_split(hypothesis).count();
    let rl = py_split(reference).count();
    let m = matches.len();
    if m == 0 || tl == 0 || rl == 0 {
        return 0.0;
    }
    let mut chunks = 1;
    for w in matches.windows(2) {
        if !(w[1].0 == w[0].0 + 1 && w[1].1 == w[0].1 + 1) {
            chunks += 1;
        }
    }
    let precision = m as f64 / tl as f64;
    let recall = m as f64 / rl as f64;
    let fmean = (precision * recall) / (0.9 * precision + (1.0 - 0.9) * recall);
    let frag = chunks as f64 / m as f64;
    (1.0 - 0.5 * frag.powf(3.0)) * fmean
}

/// Small deterministic generator (SplitMix64).
struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E3779B97F4A7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58476D1CE4E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D049BB133111EB);
        z ^ (z >> 31)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

const VOCAB: &[&str] = &[
    "a",
    "A",
    "the",
    "The",
    "run",
    "ran",
    "running",
    "Runs",
    "course",
    "bleed",
    "dog",
    "dogs",
    "hound",
    "frank",
    "cat",
    "big",
    "large",
    "Large",
    "great",
    "good",
    "better",
    "well",
    "geese",
    "goose",
    "child",
    "children",
    "kid",
    "box",
    "boxes",
    "package",
    "quick",
    "quickly",
    "speedy",
    "fast",
    "connect",
    "connection",
    "connected",
    "x",
    "y",
    "1",
    "2",
    "dog.",
    "cat,",
    "happy",
    "happier",
    "glad",
    "elect",
    "chosen",
    "galore",
    "abounding",
];

fn random_text(rng: &mut Rng, len: usize, vocab: usize) -> String {
    let mut s = String::new();
    for k in 0..len {
        if k > 0 {
            s.push(if rng.below(7) == 0 { '\n' } else { ' ' });
        }
        s.push_str(VOCAB[rng.below(vocab)]);
    }
    s
}

#[test]
fn greedy_from_the_end_alignment_is_nltks() {
    let ctx = MeteorContext::new();
    let mut scratch = MeteorScratch::new();
    // Hypothesis words are taken from the end, each against the last free
    // reference position: b->3, a->4, a->2 (a front-first scan would give
    // a->0, a->2, b->1 and one chunk fewer).
    let (r, h) = ("a b a b a", "a a b");
    let got = alignment(&ctx.prepare(h), &ctx.prepare(r), &mut scratch);
    assert_eq!(got, vec![(0, 2), (1, 4), (2, 3)]);
    assert_eq!(got, literal_alignment(r, h));
    // Value from NLTK 3.10.4 (also in tests/fixtures/meteor/meteor.jsonl).
    assert_eq!(
        score(&ctx.prepare(h), &ctx.prepare(r), &mut scratch),
        0.3125
    );

    // Stage order: exact before stem before synonym, each greedy from the end.
    let (r, h) = ("bleed run", "ran ran");
    let got = alignment(&ctx.prepare(h), &ctx.prepare(r), &mut scratch);
    assert_eq!(got, vec![(0, 0), (1, 1)]);
    assert_eq!(got, literal_alignment(r, h));
    let (r, h) = ("the the the", "the the");
    let got = alignment(&ctx.prepare(h), &ctx.prepare(r), &mut scratch);
    assert_eq!(got, vec![(0, 1), (1, 2)]);
}

#[test]
fn stack_alignment_equals_literal_nltk_on_random_texts() {
    let ctx = MeteorContext::new();
    let mut scratch = MeteorScratch::new();
    let mut rng = Rng(0x5eed);
    let (mut nontrivial, mut synonyms) = (0, 0);
    for case in 0..3000 {
        let vocab = [3, 8, 20, VOCAB.len()][case % 4];
        let (rl, hl) = (rng.below(30), rng.below(30));
        let r = random_text(&mut rng, rl, vocab);
        let h = random_text(&mut rng, hl, vocab);
        let (hp, rp) = (ctx.prepare(&h), ctx.prepare(&r));
        let want = literal_alignment(&r, &h);
        assert_eq!(
            alignment(&hp, &rp, &mut scratch),
            want,
            "ref={r:?} hyp={h:?}"
        );
        let s = score(&hp, &rp, &mut scratch);
        assert_eq!(
            s.to_bits(),
            literal_score(&r, &h).to_bits(),
            "ref={r:?} hyp={h:?}"
        );
        // Both directions at once: the same bits as each alone, which
        // equals the literal port too.
        let (ab, ba) = score_both(&hp, &rp, &mut scratch);
        assert_eq!(ab.to_bits(), s.to_bits(), "ref={r:?} hyp={h:?}");
        assert_eq!(
            ba.to_bits(),
            literal_score(&h, &r).to_bits(),
            "ref={h:?} hyp={r:?}"
        );
        assert_eq!(ba.to_bits(), score(&rp, &hp, &mut scratch).to_bits());
        if s > 0.0 && s < 1.0 {
            nontrivial += 1;
        }
        synonyms += (literal_alignment(&r, &h).len() > exact_or_stem(&r, &h)) as usize;
    }
    assert!(nontrivial > 2000, "{nontrivial}");
    assert!(synonyms > 300, "only {synonyms} cases with synonym matches");
}

/// Matches of NLTK's exact and stem stages alone (the literal port).
fn exact_or_stem(reference: &str, hypothesis: &str) -> usize {
    let enumerate = |t: &str| -> Enum { py_split(t).map(py_lower).enumerate().collect() };
    let (mut h, mut r) = (enumerate(hypothesis), enumerate(reference));
    let mut out = Vec::new();
    match_lists(&mut h, &mut r, &mut out);
    let stems = |e: &Enum| -> Enum { e.iter().map(|(k, w)| (*k, stem(w))).collect() };
    let (mut h, mut r) = (stems(&h), stems(&r));
    match_lists(&mut h, &mut r, &mut out);
    out.len()
}
