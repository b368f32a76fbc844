//! The n-gram index of benchmark items and the scan of one text against it.

use std::cell::RefCell;
use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};

use serde::{Deserialize, Serialize};

use crate::normalize::{token_source, Tokens};
use crate::Item;

/// One benchmark item found in a text.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Hit {
    /// Index of the item in [`Index::items`].
    pub item: usize,
    /// Distinct n-grams of the item that occur in the text (>= 1).
    pub shared_ngrams: u32,
    /// `shared_ngrams` / the item's distinct n-grams, in (0, 1].
    pub coverage: f64,
    /// Longest run of consecutive normalized tokens common to the text and
    /// the item (>= n).
    pub longest: u32,
    /// Up to [`EXCERPT_BEFORE`] characters of original text before the first
    /// shared n-gram and up to [`EXCERPT_CHARS`] in all.
    pub excerpt: String,
}

/// Characters of context kept before the first match in [`Hit::excerpt`].
pub const EXCERPT_BEFORE: usize = 20;
/// Maximum characters of [`Hit::excerpt`].
pub const EXCERPT_CHARS: usize = 120;

/// One occurrence of an n-gram in an item: the item, the token position of
/// this occurrence, and the position of the item's first occurrence of the
/// same n-gram (so distinct n-grams can be counted).
#[derive(Debug, Clone, Copy)]
struct Posting {
    item: u32,
    pos: u32,
    first: u32,
}

/// An exactly verified shared n-gram: text window `at` equals item window `pos`.
#[derive(Debug, Clone, Copy)]
struct Match {
    item: u32,
    first: u32,
    pos: u32,
    at: u32,
}

/// Per-thread buffers of [`Index::scan`], reused from text to text.
#[derive(Debug, Default)]
struct Scratch {
    tokens: Tokens,
    matches: Vec<Match>,
}

thread_local! {
    static SCRATCH: RefCell<Scratch> = RefCell::new(Scratch::default());
}

/// Hasher for keys that are already well-mixed 64-bit hashes.
#[derive(Debug, Default)]
struct KeyHasher(u64);

impl Hasher for KeyHasher {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, _: &[u8]) {
        unreachable!("only u64 keys")
    }
    fn write_u64(&mut self, k: u64) {
        self.0 = k;
    }
}

/// Benchmark items indexed by their word n-grams: memory is proportional to
/// the benchmarks (normalized item text plus one posting per item n-gram).
#[derive(Debug)]
pub struct Index {
    n: usize,
    items: Vec<Item>,
    /// Normalized tokens of all items, concatenated.
    tokens: Tokens,
    /// Item `i`'s tokens are `item_start[i]..item_start[i + 1]` of `tokens`.
    item_start: Vec<usize>,
    /// Distinct n-grams of each item (0: shorter than n tokens).
    distinct: Vec<u32>,
    /// n-gram key -> `postings[start..start + len]`.
    map: HashMap<u64, (u32, u32), BuildHasherDefault<KeyHasher>>,
    postings: Vec<Posting>,
    /// Bit `key >> filter_shift` is set for every key of `map`: most windows
    /// of a text are rejected by this one (cache-resident) bit test.
    filter: Vec<u64>,
    filter_shift: u32,
    /// Multiplier that drops the oldest token from the rolling hash: B^(n-1).
    b_pow: u64,
}

/// Base of the polynomial rolling hash over token hashes (odd).
const BASE: u64 = 0xD6E8_FEB8_6659_FD93;

/// Calls `f(start, key)` for every window of `n` token hashes; the key is
/// the window's polynomial hash sum(h[start + k] * BASE^(n-1-k)) mod 2^64.
#[inline(always)]
fn windows(hashes: &[u64], n: usize, b_pow: u64, mut f: impl FnMut(usize, u64)) {
    if hashes.len() < n {
        return;
    }
    let mut h = 0u64;
    for &t in &hashes[..n] {
        h = h.wrapping_mul(BASE).wrapping_add(t);
    }
    f(0, h);
    for s in 1..=hashes.len() - n {
        h = h
            .wrapping_sub(hashes[s - 1].wrapping_mul(b_pow))
            .wrapping_mul(BASE)
            .wrapping_add(hashes[s + n - 1]);
        f(s, h);
    }
}

/// Whether token `a` of `x` equals token `b` of `y` (equal tokens have
/// equal hashes, so the hashes reject most unequal pairs; the bytes decide).
#[inline(always)]
fn same_token(x: &Tokens, a: usize, y: &Tokens, b: usize) -> bool {
    x.hashes[a] == y.hashes[b] && x.get(a) == y.get(b)
}

/// Whether tokens `a..a + n` of `x` equal tokens `b..b + n` of `y`.
fn same(x: &Tokens, a: usize, y: &Tokens, b: usize, n: usize) -> bool {
    (0..n).all(|k| same_token(x, a + k, y, b + k))
}

/// `text` from up to [`EXCERPT_BEFORE`] characters before byte `at`, at most
/// [`EXCERPT_CHARS`] characters long.
fn excerpt(text: &str, at: usize) -> String {
    let begin = text[..at]
        .char_indices()
        .rev()
        .take(EXCERPT_BEFORE)
        .last()
        .map_or(at, |(i, _)| i);
    let rest = &text[begin..];
    let end = rest
        .char_indices()
        .nth(EXCERPT_CHARS)
        .map_or(rest.len(), |(i, _)| i);
    rest[..end].to_string()
}

impl Index {
    /// Indexes every distinct word n-gram of every item (`n` >= 1; panics on
    /// 0 or on more than `u32::MAX` items or tokens in one item).
    pub fn new(items: Vec<Item>, n: usize) -> Index {
        assert!(n >= 1, "n-gram size must be at least 1");
        let b_pow = (1..n).fold(1u64, |p, _| p.wrapping_mul(BASE));
        let mut tokens = Tokens::default();
        let mut item_start = vec![0];
        let mut one = Tokens::default();
        // (key, item, position) of every window of every item.
        let mut entries: Vec<(u64, u32, u32)> = Vec::new();
        for (i, item) in items.iter().enumerate() {
            one.fill(&item.text);
            let i = u32::try_from(i).expect("at most u32::MAX items");
            windows(&one.hashes, n, b_pow, |s, key| {
                entries.push((key, i, u32::try_from(s).expect("at most u32::MAX tokens")));
            });
            let base = tokens.bytes.len();
            tokens.bytes.extend_from_slice(&one.bytes);
            tokens
                .spans
                .extend(one.spans.iter().map(|&(s, e)| (base + s, base + e)));
            tokens.hashes.extend_from_slice(&one.hashes);
            item_start.push(tokens.len());
        }
        // Equal keys in (item, position) order (the triples are distinct).
        entries.sort_unstable();
        let mut distinct = vec![0u32; items.len()];
        let mut map = HashMap::with_capacity_and_hasher(entries.len(), Default::default());
        let mut postings = Vec::with_capacity(entries.len());
        let mut reps: Vec<u32> = Vec::new();
        for group in entries.chunk_by(|a, b| a.0 == b.0) {
            let start = postings.len() as u32;
            for same_item in group.chunk_by(|a, b| a.1 == b.1) {
                let item = same_item[0].1;
                let at = item_start[item as usize];
                reps.clear();
                for &(_, _, pos) in same_item {
                    let eq =
                        |&r: &u32| same(&tokens, at + r as usize, &tokens, at + pos as usize, n);
                    let first = match reps.iter().copied().find(eq) {
                        Some(r) => r,
                        None => {
                            reps.push(pos);
                            pos
                        }
                    };
                    postings.push(Posting { item, pos, first });
                }
                distinct[item as usize] += reps.len() as u32;
            }
            map.insert(group[0].0, (start, group.len() as u32));
        }
        // About 16 bits per key, at least 64.
        let bits = (map.len() * 16).next_power_of_two().max(64);
        let filter_shift = 64 - bits.trailing_zeros();
        let mut filter = vec![0u64; bits / 64];
        for &key in map.keys() {
            let bit = key >> filter_shift;
            filter[(bit >> 6) as usize] |= 1 << (bit & 63);
        }
        Index {
            n,
            filter,
            filter_shift,
            items,
            tokens,
            item_start,
            distinct,
            map,
            postings,
            b_pow,
        }
    }

    /// The n-gram size.
    pub fn n(&self) -> usize {
        self.n
    }

    /// The indexed items, in the order given to [`Index::new`].
    pub fn items(&self) -> &[Item] {
        &self.items
    }

    /// Distinct n-grams of item `item` (0 when it has fewer than n tokens).
    pub fn distinct_ngrams(&self, item: usize) -> u32 {
        self.distinct[item]
    }

    /// Items with fewer than n tokens: they have no n-gram and never match.
    pub fn too_short(&self) -> usize {
        self.distinct.iter().filter(|&&d| d == 0).count()
    }

    /// The items sharing at least one n-gram with `text`, sorted by item index.
    /// Uses a per-thread scratch buffer, so it can run from many threads.
    pub fn scan(&self, text: &str) -> Vec<Hit> {
        SCRATCH.with(|s| self.scan_with(&mut s.borrow_mut(), text))
    }

    fn scan_with(&self, s: &mut Scratch, text: &str) -> Vec<Hit> {
        if self.map.is_empty() {
            return Vec::new();
        }
        let Scratch { tokens, matches } = s;
        tokens.fill(text);
        matches.clear();
        let n = self.n;
        // The matches of window `prev_at` are `matches[prev..]`, sorted by
        // (item, pos) as the postings are: a posting (item, pos) continuing
        // one of them (item, pos - 1) shares its first n - 1 tokens, already
        // compared, so only its last token is.
        let (mut prev, mut prev_at) = (0, usize::MAX);
        let hashes = &tokens.hashes;
        if hashes.len() < n {
            return Vec::new();
        }
        // The rolling key of `windows`, written out so that the hot loop is
        // one function.
        let mut key = hashes[..n]
            .iter()
            .fold(0u64, |h, &t| h.wrapping_mul(BASE).wrapping_add(t));
        for at in 0..=hashes.len() - n {
            if at > 0 {
                key = key
                    .wrapping_sub(hashes[at - 1].wrapping_mul(self.b_pow))
                    .wrapping_mul(BASE)
                    .wrapping_add(hashes[at + n - 1]);
            }
            let bit = key >> self.filter_shift;
            if self.filter[(bit >> 6) as usize] & (1 << (bit & 63)) == 0 {
                continue;
            }
            let Some(&(start, len)) = self.map.get(&key) else {
                continue;
            };
            let here = matches.len();
            let (mut j, end) = if prev_at.wrapping_add(1) == at {
                (prev, here)
            } else {
                (here, here)
            };
            for p in &self.postings[start as usize..(start + len) as usize] {
                let base = self.item_start[p.item as usize] + p.pos as usize;
                while j < end && (matches[j].item, matches[j].pos + 1) < (p.item, p.pos) {
                    j += 1;
                }
                let continues = j < end && matches[j].item == p.item && matches[j].pos + 1 == p.pos;
                let equal = if continues {
                    same_token(tokens, at + n - 1, &self.tokens, base + n - 1)
                } else {
                    same(tokens, at, &self.tokens, base, n)
                };
                if equal {
                    matches.push(Match {
                        item: p.item,
                        first: p.first,
                        pos: p.pos,
                        at: at as u32,
                    });
                }
            }
            if matches.len() > here {
                (prev, prev_at) = (here, at);
            }
        }
        if matches.is_empty() {
            return Vec::new();
        }
        // Runs of consecutive matched windows on one diagonal (at - pos) are
        // common token runs of length n - 1 + windows.
        let diag = |m: &Match| m.at as i64 - m.pos as i64;
        matches.sort_unstable_by_key(|m| (m.item, diag(m), m.at));
        let mut hits = Vec::new();
        for group in matches.chunk_by(|a, b| a.item == b.item) {
            let mut longest = 0;
            for run in group.chunk_by(|a, b| diag(a) == diag(b) && a.at + 1 == b.at) {
                longest = longest.max(run.len());
            }
            let at = group.iter().map(|m| m.at).min().unwrap_or(0) as usize;
            let item = group[0].item as usize;
            hits.push(Hit {
                item,
                shared_ngrams: 0,
                coverage: 0.0,
                longest: (self.n - 1 + longest) as u32,
                excerpt: excerpt(text, token_source(text, at)),
            });
        }
        matches.sort_unstable_by_key(|m| (m.item, m.first));
        for (hit, group) in hits
            .iter_mut()
            .zip(matches.chunk_by(|a, b| a.item == b.item))
        {
            let shared = group.chunk_by(|a, b| a.first == b.first).count() as u32;
            hit.shared_ngrams = shared;
            hit.coverage = shared as f64 / self.distinct[hit.item] as f64;
        }
        hits
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A hash hit whose tokens differ (a forced collision) is not a hit.
    #[test]
    fn hash_collision_is_rejected() {
        let item = Item {
            benchmark: "b".into(),
            id: "0".into(),
            text: "one two three".into(),
        };
        let mut ix = Index::new(vec![item], 3);
        let mut t = Tokens::default();
        t.fill("four five six");
        let mut key = 0;
        windows(&t.hashes, 3, ix.b_pow, |_, k| key = k);
        // Point the other text's key at the item's only posting.
        let posting = *ix.map.values().next().unwrap();
        ix.map.insert(key, posting);
        let bit = key >> ix.filter_shift;
        ix.filter[(bit >> 6) as usize] |= 1 << (bit & 63);
        assert!(ix.scan("four five six").is_empty());
        assert_eq!(ix.scan("One, two; THREE").len(), 1);
    }
}
