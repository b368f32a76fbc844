//! wildstat-shared: which models give the same answer, word for word.
//!
//! Pure and I/O-free. For the answers of several models to one
//! conversation, [`shared_spans`] finds the spans that at least two models'
//! answers share verbatim, of two kinds:
//!
//! - **code**: fenced code blocks whose text is equal once comments and
//!   whitespace are removed ([`code::normalize`]), if at least
//!   [`Params::min_code_chars`] characters remain;
//! - **ngram**: runs of at least [`Params::ngram`] tokens of rouge-score's
//!   tokenizer, unstemmed (lowercase `[a-z0-9]` runs; everything else,
//!   whitespace, punctuation and line breaks included, only separates
//!   tokens), so "verbatim" means the same words in the same order.
//!
//! N-grams are found in two steps, linear in the text of the conversation
//! (hash maps from fingerprints to models, never model pairs):
//!
//! 1. Every answer's n-grams are hashed (64-bit rolling hash) and winnowed
//!    with window [`Params::window`] ([`winnow`]). An answer is a candidate
//!    when one of its winnowed fingerprints is also a winnowed fingerprint
//!    of another model's answer. Any run of `n + w - 1` tokens (30 by
//!    default) shared by two answers makes both candidates.
//! 2. Over the candidates, every n-gram hash is mapped to the set of models
//!    whose candidate answer contains it. In the answer of each model, the
//!    n-gram positions found in at least two models are cut into maximal
//!    runs of consecutive positions with the same model set; a run of
//!    positions `p..=q` is one span of `q - p + n` tokens, reported once,
//!    from the answer of the first model of its set (by model index). So
//!    one long passage shared by the same models is one span; where a
//!    further model shares only part of it, that part is a span of its own
//!    with the larger set (spans may overlap).
//!
//! Every shared run of at least `n + w - 1` tokens is reported; shorter
//! shared runs (from `n` tokens) are reported when winnowing happens to
//! catch them. Hash collisions (64 bits) are ignored.

pub mod code;
pub mod hash;
pub mod winnow;

use std::collections::BTreeMap;

use hash::{hash_bytes, mix, ngram_hashes, FpMap};
use wildstat_metrics::tokenize::raw_tokens_at;

/// Detection parameters.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Params {
    /// Tokens per n-gram (`n`): the shortest shared run that can be found.
    pub ngram: usize,
    /// Winnowing window (`w`, in n-grams): runs of `n + w - 1` tokens are
    /// always found.
    pub window: usize,
    /// Code blocks with fewer normalized characters are ignored.
    pub min_code_chars: usize,
}

impl Default for Params {
    fn default() -> Self {
        Params {
            ngram: 25,
            window: 6,
            min_code_chars: 40,
        }
    }
}

impl Params {
    /// The run length (tokens) that is always detected: `n + w - 1`.
    pub fn guaranteed(&self) -> usize {
        self.ngram + self.window - 1
    }
}

/// What a span is made of.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Kind {
    /// A normalized fenced code block.
    Code,
    /// A run of tokens.
    Ngram,
}

impl Kind {
    /// `code` or `ngram`.
    pub fn name(self) -> &'static str {
        match self {
            Kind::Code => "code",
            Kind::Ngram => "ngram",
        }
    }
}

/// Characters of a span's text kept as its excerpt.
pub const EXCERPT_CHARS: usize = 200;

/// A span shared by the answers of several models to one conversation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Span {
    /// Code block or token run.
    pub kind: Kind,
    /// 64-bit hash of the normalized code, or of the span's token sequence.
    pub fingerprint: u64,
    /// The models (indices, ascending) whose answers hold it; at least two.
    pub models: Vec<usize>,
    /// Normalized characters (code) or tokens (ngram).
    pub length: usize,
    /// The first [`EXCERPT_CHARS`] characters of the span's text in the
    /// answer of `models[0]` (code: the block as written).
    pub excerpt: String,
}

/// The first `max` characters of `s`.
pub fn excerpt(s: &str, max: usize) -> String {
    match s.char_indices().nth(max) {
        Some((i, _)) => s[..i].to_string(),
        None => s.to_string(),
    }
}

/// One answer prepared for n-gram matching.
struct Doc<'a> {
    model: usize,
    text: &'a str,
    /// Byte range of each token.
    offsets: Vec<(usize, usize)>,
    /// Token hashes.
    tokens: Vec<u64>,
    /// Hash of the n-gram starting at each position.
    grams: Vec<u64>,
}

/// The spans shared by at least two models in `answers` (model index,
/// text): one answer per model (later answers of a model already seen are
/// ignored). Sorted by (kind, fingerprint); at most one span per
/// (kind, fingerprint).
pub fn shared_spans(answers: &[(usize, &str)], p: &Params) -> Vec<Span> {
    let mut sorted: Vec<(usize, &str)> = Vec::with_capacity(answers.len());
    for &(m, t) in answers {
        if !sorted.iter().any(|&(x, _)| x == m) {
            sorted.push((m, t));
        }
    }
    sorted.sort_by_key(|&(m, _)| m);
    let mut spans = code_spans(&sorted, p);
    spans.extend(ngram_spans(&sorted, p));
    spans
}

fn code_spans(answers: &[(usize, &str)], p: &Params) -> Vec<Span> {
    // fingerprint -> (models, normalized length, excerpt of the first model)
    let mut seen: BTreeMap<u64, (Vec<usize>, usize, String)> = BTreeMap::new();
    for &(m, text) in answers {
        if !text.contains("```") && !text.contains("~~~") {
            continue;
        }
        for block in code::fenced_blocks(text) {
            let norm = code::normalize(&block);
            let len = norm.chars().count();
            if len < p.min_code_chars.max(1) {
                continue;
            }
            let e = seen
                .entry(hash_bytes(norm.as_bytes()))
                .or_insert_with(|| (Vec::new(), len, excerpt(&block, EXCERPT_CHARS)));
            if e.0.last() != Some(&m) {
                e.0.push(m);
            }
        }
    }
    seen.into_iter()
        .filter(|(_, (models, _, _))| models.len() >= 2)
        .map(|(fingerprint, (models, length, excerpt))| Span {
            kind: Kind::Code,
            fingerprint,
            models,
            length,
            excerpt,
        })
        .collect()
}

fn prepare<'a>(model: usize, text: &'a str, n: usize) -> Doc<'a> {
    let mut offsets = Vec::new();
    let mut tokens = Vec::new();
    raw_tokens_at(text, &mut String::new(), |t, s, e| {
        offsets.push((s, e));
        tokens.push(hash_bytes(t.as_bytes()));
    });
    let grams = ngram_hashes(&tokens, n);
    Doc {
        model,
        text,
        offsets,
        tokens,
        grams,
    }
}

/// Hash of a span's token sequence (its identity across conversations).
fn sequence_hash(tokens: &[u64]) -> u64 {
    tokens
        .iter()
        .fold(tokens.len() as u64, |f, &t| mix(f.rotate_left(17) ^ t))
}

fn ngram_spans(answers: &[(usize, &str)], p: &Params) -> Vec<Span> {
    let n = p.ngram.max(1);
    let docs: Vec<Doc> = answers
        .iter()
        .map(|&(m, t)| prepare(m, t, n))
        .filter(|d| !d.grams.is_empty())
        .collect();
    if docs.len() < 2 {
        return Vec::new();
    }
    // Step 1: winnowed fingerprints -> (last model seen, distinct models).
    let mut prints: FpMap<(usize, u32)> = FpMap::default();
    let selected: Vec<Vec<usize>> = docs
        .iter()
        .map(|d| winnow::winnow(&d.grams, p.window))
        .collect();
    for (d, sel) in docs.iter().zip(&selected) {
        for &pos in sel {
            let e = prints.entry(d.grams[pos]).or_insert((usize::MAX, 0));
            if e.0 != d.model {
                *e = (d.model, e.1 + 1);
            }
        }
    }
    let candidates: Vec<&Doc> = docs
        .iter()
        .zip(&selected)
        .filter(|(d, sel)| sel.iter().any(|&pos| prints[&d.grams[pos]].1 >= 2))
        .map(|(d, _)| d)
        .collect();
    if candidates.len() < 2 {
        return Vec::new();
    }
    // Step 2: every n-gram of the candidates -> models holding it.
    let mut holders: FpMap<Vec<usize>> = FpMap::default();
    for d in &candidates {
        for &g in &d.grams {
            let e = holders.entry(g).or_default();
            if e.last() != Some(&d.model) {
                e.push(d.model);
            }
        }
    }
    let mut out: BTreeMap<u64, Span> = BTreeMap::new();
    for d in &candidates {
        let set = |pos: usize| -> Option<&Vec<usize>> {
            let s = &holders[&d.grams[pos]];
            (s.len() >= 2).then_some(s)
        };
        let mut pos = 0;
        while pos < d.grams.len() {
            let Some(s) = set(pos) else {
                pos += 1;
                continue;
            };
            let start = pos;
            while pos + 1 < d.grams.len() && set(pos + 1) == Some(s) {
                pos += 1;
            }
            let end = pos + n; // exclusive token index
            pos += 1;
            if s[0] != d.model {
                continue;
            }
            let fingerprint = sequence_hash(&d.tokens[start..end]);
            out.entry(fingerprint).or_insert_with(|| Span {
                kind: Kind::Ngram,
                fingerprint,
                models: s.clone(),
                length: end - start,
                excerpt: excerpt(
                    &d.text[d.offsets[start].0..d.offsets[end - 1].1],
                    EXCERPT_CHARS,
                ),
            });
        }
    }
    out.into_values().collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn words(k: usize, tag: &str) -> String {
        (0..k)
            .map(|i| format!("{tag}{i}"))
            .collect::<Vec<_>>()
            .join(" ")
    }

    #[test]
    fn one_long_passage_is_one_span() {
        let passage = words(40, "w");
        let a = format!("Intro from a. {passage}. Outro a.");
        let b = format!("b says: {}\n\n and more b", passage.replace(' ', "\n  "));
        let c = format!("Nothing in common {}", words(40, "c"));
        let spans = shared_spans(&[(2, &b), (0, &a), (1, &c)], &Params::default());
        assert_eq!(spans.len(), 1);
        let s = &spans[0];
        assert_eq!(
            (s.kind, &s.models, s.length),
            (Kind::Ngram, &vec![0, 2], 40)
        );
        assert_eq!(s.excerpt, excerpt(&passage, EXCERPT_CHARS));
    }

    #[test]
    fn part_shared_by_more_models_is_its_own_span() {
        let p = words(60, "w");
        let tail: Vec<&str> = p.split(' ').skip(30).collect();
        let a = format!("a {p} a");
        let b = format!("b {p} b");
        let c = format!("c {} c", tail.join(" "));
        let spans = shared_spans(&[(0, &a), (1, &b), (2, &c)], &Params::default());
        let got: Vec<(Vec<usize>, usize)> =
            spans.iter().map(|s| (s.models.clone(), s.length)).collect();
        let mut got = got;
        got.sort();
        // The 36 n-grams of w0..w59 start at w0..w35: those starting at
        // w0..w29 reach before c's tail, held by {a, b} only (30 n-grams,
        // 30 + 24 tokens); those at w30..w35 by all three (6 n-grams, 30).
        assert_eq!(got, vec![(vec![0, 1], 54), (vec![0, 1, 2], 30)]);
    }

    #[test]
    fn short_or_perturbed_runs_do_not_match() {
        let p = words(60, "w");
        let mut toks: Vec<String> = p.split(' ').map(String::from).collect();
        for i in (10..60).step_by(20) {
            toks[i] = "changed".into();
        }
        let spans = shared_spans(&[(0, &p), (1, &toks.join(" "))], &Params::default());
        assert!(spans.is_empty(), "{spans:?}");
        // 24 common tokens are below n = 25.
        let a = words(24, "w");
        assert!(shared_spans(&[(0, &a), (1, &a)], &Params::default()).is_empty());
        let a = words(25, "w");
        assert_eq!(
            shared_spans(&[(0, &a), (1, &a)], &Params::default()).len(),
            1
        );
    }

    #[test]
    fn code_blocks_match_modulo_comments_and_whitespace() {
        let a =
            "Use:\n\n```python\ndef area(w, h):\n    # width times height\n    return w * h\n```\n";
        let b = "Here:\n\n~~~\ndef area(w,h):\n  return w*h   # the area\n~~~\n";
        let c = "```python\ndef area(w, hh):\n    return w * hh\n```\n";
        let p = Params {
            min_code_chars: 10,
            ..Params::default()
        };
        let spans = shared_spans(&[(0, a), (1, b), (2, c)], &p);
        assert_eq!(spans.len(), 1);
        assert_eq!(spans[0].kind, Kind::Code);
        assert_eq!(spans[0].models, vec![0, 1]);
        assert_eq!(spans[0].length, "defarea(w,h):returnw*h".len());
        assert_eq!(
            spans[0].excerpt,
            "def area(w, h):\n    # width times height\n    return w * h\n"
        );
        let strict = Params {
            min_code_chars: 23,
            ..Params::default()
        };
        assert!(shared_spans(&[(0, a), (1, b)], &strict).is_empty());
    }

    /// Independent reference for step 2: model sets of each n-gram by
    /// comparing token strings, all answers taken as candidates.
    #[test]
    fn spans_match_a_naive_token_comparison() {
        let mut seed = 11u64;
        let mut next = || {
            seed = seed.wrapping_add(0x9e37_79b9_7f4a_7c15);
            mix(seed)
        };
        let p = Params {
            ngram: 4,
            window: 1,
            min_code_chars: 40,
        };
        for _ in 0..300 {
            let k = 2 + (next() % 4) as usize;
            let base: Vec<String> = (0..30).map(|_| format!("t{}", next() % 3)).collect();
            let texts: Vec<String> = (0..k)
                .map(|_| {
                    let lo = (next() % 20) as usize;
                    let hi = lo + (next() % 10) as usize;
                    let mut t = base[lo..hi].to_vec();
                    t.push(format!("x{}", next() % 2));
                    t.extend(base[hi..].iter().cloned());
                    t.join(" ")
                })
                .collect();
            let answers: Vec<(usize, &str)> = texts
                .iter()
                .enumerate()
                .map(|(i, t)| (i, t.as_str()))
                .collect();
            // With w = 1 every n-gram is a fingerprint, so every answer with
            // a shared n-gram is a candidate and the naive sets are exact.
            let toks: Vec<Vec<&str>> = texts.iter().map(|t| t.split(' ').collect()).collect();
            let n = p.ngram;
            let holders = |g: &[&str]| -> Vec<usize> {
                (0..k)
                    .filter(|&m| toks[m].windows(n).any(|w| w == g))
                    .collect()
            };
            let mut want: Vec<(Vec<usize>, String)> = Vec::new();
            for (m, t) in toks.iter().enumerate() {
                let sets: Vec<Vec<usize>> = t.windows(n).map(holders).collect();
                let mut i = 0;
                while i < sets.len() {
                    if sets[i].len() < 2 {
                        i += 1;
                        continue;
                    }
                    let s = i;
                    while i + 1 < sets.len() && sets[i + 1] == sets[s] {
                        i += 1;
                    }
                    if sets[s][0] == m {
                        want.push((sets[s].clone(), t[s..i + n].join(" ")));
                    }
                    i += 1;
                }
            }
            want.sort();
            want.dedup();
            let mut got: Vec<(Vec<usize>, String)> = shared_spans(&answers, &p)
                .into_iter()
                .map(|s| (s.models, s.excerpt))
                .collect();
            got.sort();
            assert_eq!(got, want, "{texts:?}");
        }
    }
}
