//! NLTK 3.10's METEOR alignment over caller-given token lists, as
//! `single_meteor_score(reference, hypothesis)` sees them after
//! `preprocess`: tokens may be empty, contain spaces or capitals, which the
//! text path ([`MeteorContext::prepare`], `str.split()` then `str.lower()`)
//! cannot express.
//!
//! [`align_tokens`] sends lists whose every token is what the text path would
//! produce from the joined text (non-empty, no Python whitespace, unchanged
//! by `str.lower()`) through the prepared fast path ([`alignment`]); any
//! other list goes through [`align_general`], a direct transcription of
//! NLTK's `_enum_align_words` (exact stage on the tokens, stem stage on the
//! Porter stems of the rest, WordNet synonym stage on those stems). Both
//! return the match count and NLTK's `_count_chunks` of the sorted matches;
//! the caller applies the score formula.

#![deny(missing_docs)]

use std::collections::HashMap;

use crate::meteor::{alignment, is_py_whitespace, py_lower, MeteorContext, MeteorScratch};

/// What NLTK's score formula needs beyond the two lengths.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct MeteorCounts {
    /// Number of aligned (hypothesis, reference) pairs.
    pub matches: usize,
    /// NLTK's `_count_chunks(matches)`: 1 for no match, as NLTK returns.
    pub chunks: usize,
}

/// Whether the text path would give back exactly this token: non-empty, no
/// Python whitespace, and unchanged by `str.lower()`.
pub fn is_plain_token(token: &str) -> bool {
    if token.is_ascii() {
        return !token.is_empty()
            && token
                .bytes()
                .all(|b| !b.is_ascii_uppercase() && !is_py_whitespace(b as char));
    }
    !token.chars().any(is_py_whitespace) && py_lower(token) == token
}

/// NLTK's `_count_chunks` over matches sorted by hypothesis position.
fn count_chunks(matches: &[(usize, usize)]) -> usize {
    1 + matches
        .windows(2)
        .filter(|w| !(w[1].0 == w[0].0 + 1 && w[1].1 == w[0].1 + 1))
        .count()
}

/// The alignment counts of `hypothesis` against `reference` (tokens already
/// preprocessed, compared as given), with `ctx`'s WordNet and NLTK's Porter
/// stemmer (`ctx` must use `crate::porter::stem`, as every context but
/// `MeteorContext::with_wordnet_and_stemmer` does).
pub fn align_tokens<S: AsRef<str>>(
    ctx: &MeteorContext,
    hypothesis: &[S],
    reference: &[S],
    scratch: &mut MeteorScratch,
) -> MeteorCounts {
    let plain = |t: &[S]| t.iter().all(|s| is_plain_token(s.as_ref()));
    if !(plain(hypothesis) && plain(reference)) {
        return align_general(ctx, hypothesis, reference);
    }
    let join = |t: &[S]| t.iter().map(AsRef::as_ref).collect::<Vec<&str>>().join(" ");
    let (h, r) = (
        ctx.prepare(&join(hypothesis)),
        ctx.prepare(&join(reference)),
    );
    let matches = alignment(&h, &r, scratch);
    MeteorCounts {
        matches: matches.len(),
        chunks: count_chunks(&matches),
    }
}

/// NLTK's `_match_enums`: for each hypothesis entry from the end, the last
/// still-unused reference entry with the same key. Removes matched entries
/// from both lists and appends the (hypothesis, reference) positions.
fn match_enums(
    hyp: &mut Vec<(usize, String)>,
    reference: &mut Vec<(usize, String)>,
    out: &mut Vec<(usize, usize)>,
) {
    let mut positions: HashMap<&str, Vec<usize>> = HashMap::new();
    for (j, (_, word)) in reference.iter().enumerate() {
        positions.entry(word).or_default().push(j);
    }
    let (mut hyp_hit, mut ref_hit) = (vec![false; hyp.len()], vec![false; reference.len()]);
    for i in (0..hyp.len()).rev() {
        if let Some(j) = positions.get_mut(hyp[i].1.as_str()).and_then(Vec::pop) {
            hyp_hit[i] = true;
            ref_hit[j] = true;
            out.push((hyp[i].0, reference[j].0));
        }
    }
    let mut k = 0;
    hyp.retain(|_| (!hyp_hit[k], k += 1).0);
    let mut k = 0;
    reference.retain(|_| (!ref_hit[k], k += 1).0);
}

/// NLTK's `_enum_align_words` and `_count_chunks`, transcribed: exact stage
/// on the tokens as given, stem stage on `porter::stem` of the unmatched
/// ones, synonym stage with `ctx.wordnet().synonyms(stem)` (NLTK's
/// `wordnet.synsets` lemma names without `_`, plus the stem itself), the
/// highest still-unused reference position among a word's synonyms winning.
pub fn align_general<S: AsRef<str>>(
    ctx: &MeteorContext,
    hypothesis: &[S],
    reference: &[S],
) -> MeteorCounts {
    let enumerate = |t: &[S]| -> Vec<(usize, String)> {
        t.iter()
            .enumerate()
            .map(|(i, s)| (i, s.as_ref().to_string()))
            .collect()
    };
    let (mut hyp, mut refs) = (enumerate(hypothesis), enumerate(reference));
    let mut matches = Vec::new();
    match_enums(&mut hyp, &mut refs, &mut matches);
    let stem_all = |v: &mut Vec<(usize, String)>| {
        for e in v.iter_mut() {
            e.1 = crate::porter::stem(&e.1);
        }
    };
    stem_all(&mut hyp);
    stem_all(&mut refs);
    match_enums(&mut hyp, &mut refs, &mut matches);

    let mut positions: HashMap<&str, Vec<usize>> = HashMap::new();
    for (j, (_, word)) in refs.iter().enumerate() {
        positions.entry(word).or_default().push(j);
    }
    for (i, stem) in hyp.iter().rev() {
        let synonyms = ctx.wordnet().synonyms(stem);
        let best = synonyms
            .iter()
            .filter_map(|s| Some((*positions.get(s.as_str())?.last()?, s.as_str())))
            .max();
        if let Some((j, word)) = best {
            positions.get_mut(word).and_then(Vec::pop);
            matches.push((*i, refs[j].0));
        }
    }
    matches.sort_by_key(|&(h, _)| h);
    MeteorCounts {
        matches: matches.len(),
        chunks: count_chunks(&matches),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn counts(hyp: &[&str], reference: &[&str]) -> (MeteorCounts, MeteorCounts) {
        let ctx = crate::meteor::default_context();
        (
            align_tokens(ctx, hyp, reference, &mut MeteorScratch::new()),
            align_general(ctx, hyp, reference),
        )
    }

    #[test]
    fn plain_tokens() {
        assert!(is_plain_token("cat"));
        assert!(is_plain_token("über"));
        assert!(!is_plain_token(""));
        assert!(!is_plain_token("Cat"));
        assert!(!is_plain_token("new york"));
        assert!(!is_plain_token("a\u{a0}b"));
        assert!(!is_plain_token("ÜBER"));
    }

    #[test]
    fn both_paths_agree_on_plain_tokens() {
        // NLTK's doctest pair; counts from NLTK 3.10.4 `_enum_align_words`.
        let hyp = "it is a guide to action which ensures that the military always obeys the commands of the party";
        let reference =
            "it is a guide to action that ensures that the military will forever heed party commands";
        let (h, r): (Vec<&str>, Vec<&str>) =
            (hyp.split(' ').collect(), reference.split(' ').collect());
        let (fast, general) = counts(&h, &r);
        assert_eq!(fast, general);
        assert_eq!(
            fast,
            MeteorCounts {
                matches: 12,
                chunks: 6
            }
        );
    }

    #[test]
    fn both_paths_agree_on_random_plain_lists() {
        // Words with shared stems, WordNet synonyms and repeats, so every
        // stage and the greedy order matter.
        let vocab = [
            "the", "a", "cat", "cats", "dog", "dogs", "hound", "run", "ran", "running", "runs",
            "big", "large", "quick", "speedy", "fast", "glad", "happy", "happier", "goose",
            "geese", "course", "bleed", "walk", "pass", "us", "america", "über", "σ",
        ];
        let mut state = 19u64;
        let mut next = |n: usize| {
            state = state
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            (state >> 33) as usize % n
        };
        for _ in 0..3000 {
            let hl = next(16);
            let h: Vec<&str> = (0..hl).map(|_| vocab[next(vocab.len())]).collect();
            let rl = next(16);
            let r: Vec<&str> = (0..rl).map(|_| vocab[next(vocab.len())]).collect();
            let (fast, general) = counts(&h, &r);
            assert_eq!(fast, general, "{h:?} / {r:?}");
        }
    }

    #[test]
    fn general_path_keeps_tokens_as_given() {
        // Counts from NLTK 3.10.4 with `preprocess=lambda x: x`.
        // Capitals differ in the exact stage but share a stem.
        let (fast, general) = counts(&["The", "cat"], &["the", "cat"]);
        assert_eq!(fast, general);
        assert_eq!(
            general,
            MeteorCounts {
                matches: 2,
                chunks: 1
            }
        );
        // Empty tokens match each other exactly; a token with a space is
        // one token.
        let (_, general) = counts(&["", "new york", "x"], &["new york", ""]);
        assert_eq!(
            general,
            MeteorCounts {
                matches: 2,
                chunks: 2
            }
        );
        let (_, general) = counts(&["a"], &["b"]);
        assert_eq!(
            general,
            MeteorCounts {
                matches: 0,
                chunks: 1
            }
        );
    }
}
