//! METEOR, bit-identical to NLTK 3.9/3.10
//! `meteor_score([reference.split()], hypothesis.split())`.
//!
//! NLTK's algorithm (alpha 0.9, beta 3, gamma 0.5):
//!
//! 1. tokens are `str.split()` pieces, lowercased with `str.lower()`;
//! 2. exact stage: for each hypothesis position from the end, the largest
//!    still-unmatched reference position holding the same word is taken;
//! 3. stem stage: the same greedy rule over the unmatched words' Porter
//!    stems;
//! 4. synonym stage: the unmatched reference stems are stacks keyed by
//!    stem; for each unmatched hypothesis position from the end, among its
//!    synonyms (WordNet names of `synsets(stem)` without `_`, plus the stem)
//!    the one whose stack top is the largest reference position wins and
//!    that position is popped;
//! 5. matches sorted by hypothesis position; chunks are maximal runs that
//!    are consecutive on both sides; the score is
//!    `(1 - 0.5 * (chunks / m) ** 3) * fmean` with
//!    `fmean = P*R / (0.9*P + (1-0.9)*R)`, and 0.0 whenever NLTK would
//!    divide by zero (no match).
//!
//! [`MeteorContext::prepare`] does all string work once per text (interned
//! word and stem ids, shared synonym-id lists); [`score`] is then linear in
//! the two lengths plus the synonym lists of the hypothesis words still
//! unmatched before the synonym stage, with no allocation once a
//! [`MeteorScratch`] has grown. The context's caches grow with the number of
//! distinct tokens seen (one entry per raw token; ids are dense, and a
//! scratch holds two `u32` per id, touched lazily).
//!
//! Dropping the stem itself from a hypothesis word's synonym set is exact:
//! after the stem stage no unmatched reference word shares the stem of an
//! unmatched hypothesis word, and stacks only shrink afterwards.

#![deny(missing_docs)]

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, OnceLock, RwLock};

use crate::wordnet::WordNet;

const NONE: u32 = u32::MAX;
const SHARDS: usize = 64;

/// Python `str.isspace()` as used by `str.split()` with no argument.
pub fn is_py_whitespace(c: char) -> bool {
    matches!(
        c,
        '\t'..='\r'
            | '\x1c'..='\x20'
            | '\u{85}'
            | '\u{a0}'
            | '\u{1680}'
            | '\u{2000}'..='\u{200a}'
            | '\u{2028}'
            | '\u{2029}'
            | '\u{202f}'
            | '\u{205f}'
            | '\u{3000}'
    )
}

/// Python `str.split()` (no argument): maximal runs of non-whitespace.
pub fn py_split(text: &str) -> impl Iterator<Item = &str> + '_ {
    text.split(is_py_whitespace).filter(|t| !t.is_empty())
}

pub use crate::pylower::py_lower;

/// Small multiplicative hasher (FxHash-style) for the internal maps; keys
/// are short words, so SipHash's per-call setup dominates otherwise.
#[derive(Clone, Copy, Default)]
struct FxHasher(u64);

impl FxHasher {
    #[inline]
    fn add(&mut self, x: u64) {
        self.0 = (self.0.rotate_left(5) ^ x).wrapping_mul(0x51_7c_c1_b7_27_22_0a_95);
    }
}

impl Hasher for FxHasher {
    #[inline]
    fn write(&mut self, bytes: &[u8]) {
        let mut chunks = bytes.chunks_exact(8);
        for c in &mut chunks {
            self.add(u64::from_le_bytes(c.try_into().expect("8 bytes")));
        }
        let rest = chunks.remainder();
        if !rest.is_empty() {
            let mut buf = [0u8; 8];
            buf[..rest.len()].copy_from_slice(rest);
            self.add(u64::from_le_bytes(buf));
        }
    }

    #[inline]
    fn write_u8(&mut self, i: u8) {
        self.add(i as u64);
    }

    #[inline]
    fn write_u32(&mut self, i: u32) {
        self.add(i as u64);
    }

    #[inline]
    fn write_u64(&mut self, i: u64) {
        self.add(i);
    }

    #[inline]
    fn write_usize(&mut self, i: usize) {
        self.add(i as u64);
    }

    #[inline]
    fn finish(&self) -> u64 {
        // The product's well-mixed middle bits become the low bits that
        // pick buckets (as rustc-hash 2 does).
        self.0.rotate_left(26)
    }
}

type FxMap<K, V> = HashMap<K, V, BuildHasherDefault<FxHasher>>;

fn shard_of(s: &str) -> usize {
    let mut h = FxHasher::default();
    h.write(s.as_bytes());
    // Re-mixed, so the shard does not correlate with the bits the map
    // itself uses (low bits for the bucket, top 7 for the tag).
    (h.finish().wrapping_mul(0x9E37_79B9_7F4A_7C15) >> 58) as usize % SHARDS
}

/// Thread-safe string interner with dense ids, sharded to limit contention.
struct Interner {
    shards: Vec<RwLock<FxMap<Box<str>, u32>>>,
    next: AtomicU32,
}

impl Interner {
    fn new() -> Self {
        Interner {
            shards: (0..SHARDS).map(|_| RwLock::new(FxMap::default())).collect(),
            next: AtomicU32::new(0),
        }
    }

    fn intern(&self, s: &str) -> u32 {
        let shard = &self.shards[shard_of(s)];
        if let Some(&id) = shard.read().unwrap_or_else(|e| e.into_inner()).get(s) {
            return id;
        }
        let mut w = shard.write().unwrap_or_else(|e| e.into_inner());
        if let Some(&id) = w.get(s) {
            return id;
        }
        let id = self.next.fetch_add(1, Ordering::Relaxed);
        assert!(id != NONE, "METEOR interner overflow");
        w.insert(s.into(), id);
        id
    }
}

/// What the context knows about one token (as it appears in the text).
#[derive(Clone)]
struct WordInfo {
    /// Interned `str.lower()` of the token.
    word: u32,
    /// Interned Porter stem of the lowercased token.
    stem: u32,
    /// Interned WordNet synonym names of the stem (the stem itself removed).
    synonyms: Arc<[u32]>,
}

/// Wordnet reference held by a context: the embedded one or a loaded one.
enum WnRef {
    Static(&'static WordNet),
    Owned(Arc<WordNet>),
}

impl WnRef {
    fn get(&self) -> &WordNet {
        match self {
            WnRef::Static(w) => w,
            WnRef::Owned(w) => w,
        }
    }
}

/// Shared, thread-safe state for preparing texts: the WordNet, an interner
/// for lowercased words, stems and WordNet names (one id space), and a
/// per-word cache of stem and synonym ids.
pub struct MeteorContext {
    wordnet: WnRef,
    stemmer: fn(&str) -> String,
    interner: Interner,
    /// Interner id of WordNet name `k` is `name_ids[k]`.
    name_ids: Vec<u32>,
    /// Per raw token: lowercased word id, stem id, synonym ids.
    tokens: Vec<RwLock<FxMap<Box<str>, WordInfo>>>,
    empty: Arc<[u32]>,
}

impl std::fmt::Debug for MeteorContext {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MeteorContext")
            .field("wordnet", self.wordnet.get())
            .field("interned", &self.interner.next.load(Ordering::Relaxed))
            .finish_non_exhaustive()
    }
}

impl Default for MeteorContext {
    fn default() -> Self {
        Self::new()
    }
}

/// A text prepared for METEOR by [`MeteorContext::prepare`]: ids only.
#[derive(Clone, Debug, Default)]
pub struct MeteorPrepared {
    /// Interned lowercased word per token.
    words: Vec<u32>,
    /// Interned Porter stem per token.
    stems: Vec<u32>,
    /// Per token, index into `synonyms`.
    syn_slot: Vec<u32>,
    /// Distinct synonym-id lists of this text (slot 0 is empty).
    synonyms: Vec<Arc<[u32]>>,
    /// One past the largest id used anywhere in this text.
    id_bound: u32,
}

impl MeteorPrepared {
    /// Number of tokens (`len(text.split())`).
    pub fn len(&self) -> usize {
        self.words.len()
    }

    /// Whether the text has no tokens.
    pub fn is_empty(&self) -> bool {
        self.words.is_empty()
    }
}

impl MeteorContext {
    /// A context over the embedded WordNet 3.0 and `crate::porter::stem`.
    pub fn new() -> Self {
        Self::build(WnRef::Static(WordNet::embedded()), crate::porter::stem)
    }

    /// A context over a given WordNet (e.g. from [`WordNet::from_wndb_dir`]).
    pub fn with_wordnet(wordnet: Arc<WordNet>) -> Self {
        Self::build(WnRef::Owned(wordnet), crate::porter::stem)
    }

    /// A context with a custom stemmer (tests and experiments only; parity
    /// with NLTK needs `crate::porter::stem`).
    pub fn with_wordnet_and_stemmer(wordnet: Arc<WordNet>, stemmer: fn(&str) -> String) -> Self {
        Self::build(WnRef::Owned(wordnet), stemmer)
    }

    fn build(wordnet: WnRef, stemmer: fn(&str) -> String) -> Self {
        let interner = Interner::new();
        let name_ids = wordnet.get().names().map(|n| interner.intern(n)).collect();
        MeteorContext {
            wordnet,
            stemmer,
            interner,
            name_ids,
            tokens: (0..SHARDS).map(|_| RwLock::new(FxMap::default())).collect(),
            empty: Arc::from(Vec::new()),
        }
    }

    /// The WordNet this context uses.
    pub fn wordnet(&self) -> &WordNet {
        self.wordnet.get()
    }

    /// Calls `f` with the token's cached info, computing it on first sight.
    fn with_token<R>(&self, token: &str, f: impl FnOnce(&WordInfo) -> R) -> R {
        let shard = &self.tokens[shard_of(token)];
        if let Some(info) = shard.read().unwrap_or_else(|e| e.into_inner()).get(token) {
            return f(info);
        }
        let lower = if token.is_ascii() {
            token.to_ascii_lowercase()
        } else {
            py_lower(token)
        };
        let word = self.interner.intern(&lower);
        let stem = (self.stemmer)(&lower);
        let stem_id = self.interner.intern(&stem);
        let ids = self.wordnet.get().synonym_ids(&stem);
        let synonyms: Arc<[u32]> = if ids.is_empty() {
            self.empty.clone()
        } else {
            ids.iter()
                .map(|&k| self.name_ids[k as usize])
                .filter(|&id| id != stem_id)
                .collect()
        };
        let info = WordInfo {
            word,
            stem: stem_id,
            synonyms,
        };
        let mut w = shard.write().unwrap_or_else(|e| e.into_inner());
        f(w.entry(token.into()).or_insert(info))
    }

    /// Tokenises (`str.split()`), lowercases (`str.lower()`), interns words
    /// and stems and attaches each word's WordNet synonym ids.
    pub fn prepare(&self, text: &str) -> MeteorPrepared {
        let mut p = MeteorPrepared {
            synonyms: vec![self.empty.clone()],
            ..MeteorPrepared::default()
        };
        let mut slots: FxMap<usize, u32> = FxMap::default();
        let mut bound = 0u32;
        for tok in py_split(text) {
            self.with_token(tok, |info| {
                p.words.push(info.word);
                p.stems.push(info.stem);
                bound = bound.max(info.word).max(info.stem);
                let slot = if info.synonyms.is_empty() {
                    0
                } else {
                    let next = p.synonyms.len() as u32;
                    *slots
                        .entry(info.synonyms.as_ptr() as usize)
                        .or_insert_with(|| {
                            for &s in info.synonyms.iter() {
                                bound = bound.max(s);
                            }
                            p.synonyms.push(info.synonyms.clone());
                            next
                        })
                };
                p.syn_slot.push(slot);
            });
        }
        p.id_bound = if p.words.is_empty() { 0 } else { bound + 1 };
        p
    }
}

/// Per-thread reusable buffers for [`score`].
#[derive(Debug, Default)]
pub struct MeteorScratch {
    head: Vec<u32>,
    stamp: Vec<u32>,
    generation: u32,
    prev: Vec<u32>,
    ref_matched: Vec<bool>,
    hyp_match: Vec<u32>,
}

impl MeteorScratch {
    /// Empty scratch; buffers grow on first use.
    pub fn new() -> Self {
        Self::default()
    }

    fn next_generation(&mut self) -> u32 {
        self.generation = self.generation.wrapping_add(1);
        if self.generation == 0 {
            self.stamp.iter_mut().for_each(|s| *s = 0);
            self.generation = 1;
        }
        self.generation
    }

    /// Pushes reference position `j` with key `id` onto its stack.
    #[inline]
    fn push(&mut self, gen: u32, id: u32, j: u32) {
        let k = id as usize;
        self.prev[j as usize] = if self.stamp[k] == gen {
            self.head[k]
        } else {
            NONE
        };
        self.stamp[k] = gen;
        self.head[k] = j;
    }

    #[inline]
    fn top(&self, gen: u32, id: u32) -> u32 {
        let k = id as usize;
        if self.stamp[k] == gen {
            self.head[k]
        } else {
            NONE
        }
    }

    #[inline]
    fn pop(&mut self, id: u32, j: u32) {
        self.head[id as usize] = self.prev[j as usize];
        self.ref_matched[j as usize] = true;
    }
}

/// NLTK's three-stage greedy alignment; leaves `scratch.hyp_match` holding
/// the matched reference position per hypothesis position (or `NONE`) and
/// returns the number of matches.
fn align_into(
    hypothesis: &MeteorPrepared,
    reference: &MeteorPrepared,
    scratch: &mut MeteorScratch,
) -> usize {
    let n = hypothesis.words.len();
    let m = reference.words.len();
    scratch.hyp_match.clear();
    if n == 0 || m == 0 {
        return 0;
    }
    let bound = hypothesis.id_bound.max(reference.id_bound) as usize;
    if scratch.head.len() < bound {
        // Fresh zeroed allocations (calloc): pages of ids a thread never
        // meets stay untouched. Stamps of 0 are never a live generation.
        let cap = bound.max(scratch.head.len() * 2).max(1024);
        scratch.head = vec![0; cap];
        scratch.stamp = vec![0; cap];
    }
    scratch.prev.clear();
    scratch.prev.resize(m, NONE);
    scratch.ref_matched.clear();
    scratch.ref_matched.resize(m, false);
    scratch.hyp_match.resize(n, NONE);
    let mut matches = 0usize;

    // Exact stage over lowercased words.
    let gen = scratch.next_generation();
    for (j, &id) in reference.words.iter().enumerate() {
        scratch.push(gen, id, j as u32);
    }
    for i in (0..n).rev() {
        let id = hypothesis.words[i];
        let j = scratch.top(gen, id);
        if j != NONE {
            scratch.pop(id, j);
            scratch.hyp_match[i] = j;
            matches += 1;
        }
    }

    // Stem stage over what is left; its stacks carry into the synonym stage.
    if matches < n && matches < m {
        let gen = scratch.next_generation();
        for (j, &id) in reference.stems.iter().enumerate() {
            if !scratch.ref_matched[j] {
                scratch.push(gen, id, j as u32);
            }
        }
        for i in (0..n).rev() {
            if scratch.hyp_match[i] != NONE {
                continue;
            }
            let id = hypothesis.stems[i];
            let j = scratch.top(gen, id);
            if j != NONE {
                scratch.pop(id, j);
                scratch.hyp_match[i] = j;
                matches += 1;
            }
        }

        // Synonym stage.
        if matches < n && matches < m {
            for i in (0..n).rev() {
                if scratch.hyp_match[i] != NONE {
                    continue;
                }
                let syns = &hypothesis.synonyms[hypothesis.syn_slot[i] as usize];
                let mut best = NONE;
                let mut best_id = NONE;
                for &s in syns.iter() {
                    let j = scratch.top(gen, s);
                    if j != NONE && (best == NONE || j > best) {
                        best = j;
                        best_id = s;
                    }
                }
                if best != NONE {
                    scratch.pop(best_id, best);
                    scratch.hyp_match[i] = best;
                    matches += 1;
                }
            }
        }
    }
    matches
}

/// NLTK's `single_meteor_score(reference, hypothesis)` over prepared texts
/// (the `meteor_score([reference], hypothesis)` value for one reference).
pub fn score(
    hypothesis: &MeteorPrepared,
    reference: &MeteorPrepared,
    scratch: &mut MeteorScratch,
) -> f64 {
    let n = hypothesis.words.len();
    let m = reference.words.len();
    let matches = align_into(hypothesis, reference, scratch);
    if matches == 0 {
        return 0.0;
    }
    let mut chunks = 1usize;
    let mut last: Option<(usize, u32)> = None;
    for (i, &j) in scratch.hyp_match.iter().enumerate() {
        if j == NONE {
            continue;
        }
        if let Some((pi, pj)) = last {
            if !(i == pi + 1 && j == pj.wrapping_add(1)) {
                chunks += 1;
            }
        }
        last = Some((i, j));
    }
    formula(matches, n, m, chunks)
}

/// NLTK's alignment as `(hypothesis position, reference position)` pairs
/// sorted by hypothesis position (what `_enum_align_words` returns first).
pub fn alignment(
    hypothesis: &MeteorPrepared,
    reference: &MeteorPrepared,
    scratch: &mut MeteorScratch,
) -> Vec<(usize, usize)> {
    align_into(hypothesis, reference, scratch);
    scratch
        .hyp_match
        .iter()
        .enumerate()
        .filter(|(_, &j)| j != NONE)
        .map(|(i, &j)| (i, j as usize))
        .collect()
}

/// NLTK's final formula in its exact floating-point operation order.
fn formula(
    matches: usize,
    translation_length: usize,
    reference_length: usize,
    chunks: usize,
) -> f64 {
    let alpha = 0.9f64;
    let beta = std::hint::black_box(3.0f64);
    let gamma = 0.5f64;
    let m = matches as f64;
    let precision = m / translation_length as f64;
    let recall = m / reference_length as f64;
    let fmean = (precision * recall) / (alpha * precision + (1.0 - alpha) * recall);
    let frag_frac = chunks as f64 / m;
    let penalty = gamma * frag_frac.powf(beta);
    (1.0 - penalty) * fmean
}

/// The process-wide default context (embedded WordNet, Porter stemmer).
pub fn default_context() -> &'static MeteorContext {
    static CTX: OnceLock<MeteorContext> = OnceLock::new();
    CTX.get_or_init(MeteorContext::new)
}

/// `nltk.translate.meteor_score.meteor_score([reference.split()],
/// hypothesis.split())` with the default context.
pub fn meteor_str(reference: &str, hypothesis: &str) -> f64 {
    let ctx = default_context();
    let hyp = ctx.prepare(hypothesis);
    let reference = ctx.prepare(reference);
    score(&hyp, &reference, &mut MeteorScratch::new())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formula_matches_python_values() {
        // Values computed with CPython 3.11 using NLTK's expression.
        assert_eq!(formula(3, 3, 3, 1), 0.9814814814814815);
        assert_eq!(formula(1, 3, 4, 1), 0.12820512820512822);
        assert_eq!(formula(7, 11, 13, 3), 0.5253507653061225);
    }

    #[test]
    fn split_and_lower_follow_python() {
        let toks: Vec<&str> = py_split("a\x1cb\u{85}c\u{2028}d\u{200b}e  ").collect();
        assert_eq!(toks, ["a", "b", "c", "d\u{200b}e"]);
        assert_eq!(py_lower("İSTANBUL"), "i\u{307}stanbul");
        assert_eq!(py_lower("ΟΔΟΣ ΣΑ"), "οδος σα");
        assert_eq!(py_lower("\u{a7cb}Σ"), "\u{a7cb}σ");
    }
}
