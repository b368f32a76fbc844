//! Prepare each response once, score every pair without allocating.
//!
//! [`Preparer`] turns a text into a [`Prepared`]: rouge tokens interned to
//! `u32` ids, the sorted (id, count) runs of its unigrams and bigrams, the
//! rank of each token in its unigram run (for ROUGE-L), and the METEOR
//! preparation. [`score`] then computes ROUGE-1/2/L by linear merges of the
//! sorted runs plus a bit-parallel LCS restricted to shared symbols, and
//! METEOR through [`crate::meteor::score`]; all buffers live in [`Scratch`].
//!
//! Preparation looks each `str.split()` piece of a text up once, in a
//! lock-free per-thread front cache that holds both its rouge token ids
//! and its METEOR word, stem and synonym ids (rouge tokens never span
//! whitespace, so a text's rouge tokens are its pieces' in order). A front
//! miss asks the preparer's shared caches, which stem and look up WordNet
//! once per distinct token. Every cache is a memo of a pure function of
//! the piece (given the run's interning) and is bounded; a bound reached
//! only costs time. Ids depend on the order of first sight across threads,
//! scores never do.

use std::cell::RefCell;
use std::sync::atomic::{AtomicU32, AtomicU64, Ordering};

use crate::fxhash::{shard_of, Sharded, StrMap, MAX_CACHED_KEY, SHARDS, SHARD_CAP};
use crate::lcs::{lcs_by_slots, LcsScratch, NO_SLOT};
use crate::meteor::{
    py_split, MeteorBuilder, MeteorContext, MeteorPrepared, MeteorRef, MeteorScratch, WordInfo,
};
use crate::radix::Grouper;
use crate::rouge::{lcs_prf, ngram_prf, Prf};
use crate::tokenize::{raw_tokens, StemmerChoice, TokenStemmer};

/// Id recorded for raw tokens that rouge-score drops after stemming.
const DROPPED: u32 = u32::MAX;

/// A sharded, thread-safe string -> value map (read lock on hits).
#[derive(Default)]
struct ShardedMap(Sharded<StrMap<u32>>);

impl ShardedMap {
    #[inline]
    fn get(&self, shard: usize, key: &str) -> Option<u32> {
        self.0.read(shard).get(key).copied()
    }

    /// Inserts `key` with `make()` unless present; returns the stored value.
    /// A shard holding `cap` keys returns `make()` without storing it.
    fn get_or_insert(
        &self,
        shard: usize,
        key: &str,
        cap: usize,
        make: impl FnOnce() -> u32,
    ) -> u32 {
        let mut m = self.0.write(shard);
        if m.len() < cap {
            *m.get_or_insert_with(key, make)
        } else {
            m.get(key).copied().unwrap_or_else(make)
        }
    }

    fn len(&self) -> usize {
        (0..SHARDS).map(|i| self.0.read(i).len()).sum()
    }
}

/// Shared, thread-safe text preparer: stems each distinct raw token once,
/// interns final rouge tokens to `u32` ids, and holds the METEOR context.
/// Use one per run and call [`Preparer::prepare`] from any thread.
pub struct Preparer {
    stemmer: TokenStemmer,
    /// Raw token (lowercased `[a-z0-9]+` run) -> final token id or DROPPED.
    raw: ShardedMap,
    /// Final (stemmed) token -> id.
    ids: ShardedMap,
    next_id: AtomicU32,
    /// Front caches created for this preparer (one per thread at most,
    /// unless a thread's cache was evicted and rebuilt).
    fronts: std::sync::atomic::AtomicUsize,
    // METEOR: filled by meteor.rs (None for a ROUGE-only preparer).
    meteor: Option<MeteorContext>,
    /// Identity of this preparer for the threads' front caches.
    uid: u64,
}

impl std::fmt::Debug for Preparer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Preparer")
            .field("stemmer", &self.stemmer.choice())
            .field("ids", &self.next_id.load(Ordering::Relaxed))
            .field("meteor", &self.meteor.is_some())
            .finish()
    }
}

impl Default for Preparer {
    fn default() -> Self {
        Self::new()
    }
}

impl Preparer {
    /// The reference configuration: rouge-score with NLTK Porter stemming,
    /// plus METEOR over the embedded WordNet.
    pub fn new() -> Self {
        Self::build(StemmerChoice::Porter, Some(MeteorContext::new()))
    }

    /// ROUGE only (no WordNet load); [`Scores::meteor`] is NaN.
    pub fn rouge_only(stemmer: StemmerChoice) -> Self {
        Self::build(stemmer, None)
    }

    /// ROUGE with the given stemmer plus a caller-built METEOR context.
    pub fn with_parts(stemmer: StemmerChoice, meteor: Option<MeteorContext>) -> Self {
        Self::build(stemmer, meteor)
    }

    fn build(stemmer: StemmerChoice, meteor: Option<MeteorContext>) -> Self {
        Preparer {
            stemmer: TokenStemmer::new(stemmer),
            raw: ShardedMap::default(),
            ids: ShardedMap::default(),
            next_id: AtomicU32::new(0),
            fronts: Default::default(),
            meteor,
            uid: NEXT_UID.fetch_add(1, Ordering::Relaxed),
        }
    }

    /// The ROUGE stemmer in use.
    pub fn stemmer(&self) -> StemmerChoice {
        self.stemmer.choice()
    }

    /// Number of distinct final rouge tokens interned so far.
    pub fn distinct_tokens(&self) -> usize {
        self.next_id.load(Ordering::Relaxed) as usize
    }

    /// Number of distinct raw tokens in the shared stem cache (all those
    /// seen, up to the cache's bound).
    pub fn distinct_raw_tokens(&self) -> usize {
        self.raw.len()
    }

    /// Approximate heap bytes of this preparer's caches: the shared ones
    /// (raw token -> id, stem -> id, and the METEOR context's token, stem
    /// and interner tables; see [`MeteorContext::cache_bytes`]) plus, per
    /// thread that has prepared a text with it, the bound of its front
    /// cache ([`Preparer::FRONT_CACHE_BYTES`] and its grouping tables;
    /// each thread keeps the front
    /// caches of its two most recently used preparers). Every cache but
    /// the interners is capped by entries; past a cap a lookup computes
    /// the same value without storing it (slower, same bits). The
    /// interners (one id per distinct rouge token and per distinct METEOR
    /// word or stem) grow with the vocabulary of the corpus.
    pub fn cache_bytes(&self) -> usize {
        self.raw.0.sum(StrMap::bytes)
            + self.ids.0.sum(StrMap::bytes)
            + self.meteor.as_ref().map_or(0, MeteorContext::cache_bytes)
            + self.fronts.load(Ordering::Relaxed) * self.front_bytes()
    }

    /// Upper bound of one thread's front cache for this preparer now:
    /// [`Preparer::FRONT_CACHE_BYTES`] plus its two grouping tables (8 bytes
    /// per rouge id and per METEOR id interned so far, 16 MiB each at most).
    fn front_bytes(&self) -> usize {
        let table = |ids: usize| 8 * ids.min(crate::radix::DENSE_KEYS as usize);
        Self::FRONT_CACHE_BYTES
            + table(self.distinct_tokens())
            + self.meteor.as_ref().map_or(0, |m| table(m.interned()))
    }

    /// Upper bound of the bytes of one thread's front cache for one
    /// preparer: [`FRONT_CAP`] pieces in a table of 65,536 buckets, the
    /// rouge ids of pieces with more than two, the synonym lists it
    /// registered, and its per-text buffers for texts of up to 64 KiB.
    pub const FRONT_CACHE_BYTES: usize = 65_536 * (std::mem::size_of::<(u128, Piece)>() + 1)
        + FRONT_CAP * 4 * 8
        + FRONT_CAP * 40
        + (1 << 16) * 64;

    /// Final rouge token id of one raw token, stemming it on first sight.
    fn id_of_raw(&self, raw: &str) -> u32 {
        let shard = shard_of(raw);
        if let Some(id) = self.raw.get(shard, raw) {
            return id;
        }
        // Stem outside any lock; a racing thread computes the same value.
        let id = match self.stemmer.finish(raw) {
            None => DROPPED,
            Some(tok) => {
                let s2 = shard_of(&tok);
                match self.ids.get(s2, &tok) {
                    Some(id) => id,
                    None => self.ids.get_or_insert(s2, &tok, usize::MAX, || {
                        self.next_id.fetch_add(1, Ordering::Relaxed)
                    }),
                }
            }
        };
        if raw.len() > MAX_CACHED_KEY {
            return id;
        }
        self.raw.get_or_insert(shard, raw, SHARD_CAP, || id)
    }

    /// Prepares one text (already `str.strip()`ped by the caller) for
    /// scoring against any number of others.
    pub fn prepare(&self, text: &str) -> Prepared {
        FRONT
            .try_with(|f| match f.try_borrow_mut() {
                Ok(mut caches) => {
                    let front = front_for(&mut caches, self.uid, &self.fronts);
                    self.prepare_with(text, front)
                }
                Err(_) => self.prepare_with(text, &mut FrontCache::new(self.uid)),
            })
            .unwrap_or_else(|_| self.prepare_with(text, &mut FrontCache::new(self.uid)))
    }

    /// [`Preparer::prepare`] with this thread's front cache. Rouge tokens
    /// never span Python whitespace (every whitespace character is a rouge
    /// separator), so a text's rouge tokens are those of its `str.split()`
    /// pieces in order, and one lookup per piece serves both metrics.
    fn prepare_with(&self, text: &str, front: &mut FrontCache) -> Prepared {
        front.tokens.clear();
        for piece in py_split(text) {
            if let Some(e) = front.pieces.get(piece) {
                e.emit(&front.rouge, &mut front.tokens, &mut front.meteor);
                continue;
            }
            let mark = front.rouge.len();
            let (rouge_len, rouge, info) = self.piece(piece, &mut front.rouge, &mut front.buf);
            if front.pieces.len() < FRONT_CAP && piece.len() <= MAX_CACHED_KEY {
                let e = Piece {
                    rouge_len,
                    rouge,
                    meteor: info.map(|i| front.meteor.register(&i)),
                };
                e.emit(&front.rouge, &mut front.tokens, &mut front.meteor);
                front.pieces.get_or_insert_with(piece, || e);
            } else {
                let e = Piece {
                    rouge_len,
                    rouge,
                    meteor: None,
                };
                e.emit(&front.rouge, &mut front.tokens, &mut front.meteor);
                if let Some(i) = info {
                    front.meteor.push(&i);
                }
                front.rouge.truncate(mark);
            }
        }
        let meteor = self.meteor.as_ref().map(|_| front.meteor.finish());
        Prepared::build(&front.tokens, meteor, &mut front.runs)
    }

    /// What one `str.split()` piece contributes, from the shared caches:
    /// its number of rouge ids, the ids when at most two (else `[start, _]`
    /// of them appended to `overflow`), and its METEOR info.
    fn piece(
        &self,
        piece: &str,
        overflow: &mut Vec<u32>,
        buf: &mut String,
    ) -> (u32, [u32; 2], Option<WordInfo>) {
        let mut ids = [0u32; 2];
        let mut n = 0usize;
        let start = overflow.len();
        raw_tokens(piece, buf, |raw| {
            let id = self.id_of_raw(raw);
            if id != DROPPED {
                if n < 2 {
                    ids[n] = id;
                }
                overflow.push(id);
                n += 1;
            }
        });
        let rouge = if n <= 2 {
            overflow.truncate(start);
            ids
        } else {
            [start as u32, 0]
        };
        (
            n as u32,
            rouge,
            self.meteor.as_ref().map(|m| m.token_info(piece)),
        )
    }
}

/// Most pieces one thread's front cache holds for one preparer (7/8 of
/// 65,536, so its table stays at 65,536 buckets of 64 bytes: ~4.2 MB, plus
/// the ids of cached pieces with more than two rouge tokens, at most 32 per
/// piece of at most [`MAX_CACHED_KEY`] bytes); later new pieces are served
/// by the shared caches (same ids, more time).
const FRONT_CAP: usize = 7 << 13;
/// Preparers whose front caches one thread keeps (most recent first).
const FRONT_PREPARERS: usize = 2;

/// Source of [`Preparer`] identities for the front caches.
static NEXT_UID: AtomicU64 = AtomicU64::new(0);

thread_local! {
    /// This thread's front caches, most recently used preparer first.
    static FRONT: RefCell<Vec<FrontCache>> = const { RefCell::new(Vec::new()) };
}

/// The thread's front cache for preparer `uid`, moved to the front (a
/// new one, evicting the least recently used, on first use).
fn front_for<'a>(
    caches: &'a mut Vec<FrontCache>,
    uid: u64,
    fronts: &std::sync::atomic::AtomicUsize,
) -> &'a mut FrontCache {
    match caches.iter().position(|c| c.owner == uid) {
        Some(i) => caches[..=i].rotate_right(1),
        None => {
            caches.truncate(FRONT_PREPARERS - 1);
            caches.insert(0, FrontCache::new(uid));
            fronts.fetch_add(1, Ordering::Relaxed);
        }
    }
    &mut caches[0]
}

/// What one `str.split()` piece of a text contributes to its preparation.
struct Piece {
    /// Number of rouge token ids of the piece.
    rouge_len: u32,
    /// The ids when at most two, else `[start, _]` of them in the cache's
    /// overflow list.
    rouge: [u32; 2],
    /// Its METEOR word and stem ids and synonym list (cached pieces).
    meteor: Option<MeteorRef>,
}

impl Piece {
    #[inline(always)]
    fn emit(&self, overflow: &[u32], tokens: &mut Vec<u32>, meteor: &mut MeteorBuilder) {
        // Pushes for the usual one or two ids (no length-generic copy).
        match self.rouge_len as usize {
            0 => {}
            1 => tokens.push(self.rouge[0]),
            2 => {
                tokens.push(self.rouge[0]);
                tokens.push(self.rouge[1]);
            }
            n => {
                let start = self.rouge[0] as usize;
                tokens.extend_from_slice(&overflow[start..start + n]);
            }
        }
        if let Some(r) = &self.meteor {
            meteor.push_ref(r);
        }
    }
}

/// A thread's lock-free memo of one preparer's per-piece results (copies
/// of the shared caches' answers), with reusable per-text buffers.
struct FrontCache {
    owner: u64,
    pieces: StrMap<Piece>,
    /// Rouge ids of the pieces with more than two.
    rouge: Vec<u32>,
    meteor: MeteorBuilder,
    buf: String,
    tokens: Vec<u32>,
    runs: RunScratch,
}

impl FrontCache {
    fn new(owner: u64) -> Self {
        FrontCache {
            owner,
            pieces: StrMap::default(),
            rouge: Vec::new(),
            meteor: MeteorBuilder::default(),
            buf: String::new(),
            tokens: Vec::new(),
            runs: RunScratch::default(),
        }
    }
}

/// One text ready for pair scoring: rouge token ids and their sorted
/// unigram/bigram runs, plus the METEOR preparation.
#[derive(Clone, Debug, Default)]
pub struct Prepared {
    /// Rouge token ids in text order.
    tokens: Vec<u32>,
    /// Per token, its index in `uni`.
    ranks: Vec<u32>,
    /// Distinct unigram ids with counts, sorted by id.
    uni: Vec<(u32, u32)>,
    /// Distinct bigrams (`first << 32 | second`) with counts, sorted.
    bi: Vec<(u64, u32)>,
    // METEOR: filled by meteor.rs (None when the preparer has no METEOR).
    meteor: Option<MeteorPrepared>,
}

/// Reusable buffers for building [`Prepared`] runs.
#[derive(Default)]
struct RunScratch {
    group: Grouper,
    uni: Vec<(u32, u32)>,
    /// Ranks of the tokens following one token's occurrences.
    second: Vec<u32>,
    bi: Vec<(u64, u32)>,
}

impl Prepared {
    /// Builds the runs from token ids (ids from any consistent interning).
    pub fn from_ids(tokens: Vec<u32>, meteor: Option<MeteorPrepared>) -> Self {
        Self::build(&tokens, meteor, &mut RunScratch::default())
    }

    /// The unigram runs and ranks come from grouping the positions by id
    /// (a dense per-thread table numbers the distinct ids, then only those
    /// are sorted); the bigrams are listed per first token, each group
    /// sorted by the second token's rank (ranks ascend with ids, so that is
    /// the order of the id pairs).
    fn build(tokens: &[u32], meteor: Option<MeteorPrepared>, s: &mut RunScratch) -> Self {
        let max = tokens.iter().copied().max().unwrap_or(0);
        s.group.group(tokens, max);
        let g = &s.group;
        s.uni.clear();
        s.uni.extend(
            g.keys
                .iter()
                .zip(g.starts.windows(2))
                .map(|(&id, w)| (id, w[1] - w[0])),
        );
        let ranks = g.ranks.to_vec();
        // Bigrams by first token: the unigram groups already list the
        // positions by the first token's rank; within a group, sort the
        // second tokens' ranks (ranks ascend with ids).
        s.bi.clear();
        let n = tokens.len();
        for (w, &first) in g.starts.windows(2).zip(&g.keys) {
            if let [p] = g.perm[w[0] as usize..w[1] as usize] {
                // One occurrence (most tokens): its bigram, if any.
                if let Some(&next) = tokens.get(p as usize + 1) {
                    s.bi.push(((first as u64) << 32 | next as u64, 1));
                }
                continue;
            }
            s.second.clear();
            s.second.extend(
                g.perm[w[0] as usize..w[1] as usize]
                    .iter()
                    .filter(|&&p| (p as usize) + 1 < n)
                    .map(|&p| g.ranks[p as usize + 1]),
            );
            s.second.sort_unstable();
            for (i, &r) in s.second.iter().enumerate() {
                if i > 0 && s.second[i - 1] == r {
                    s.bi.last_mut().expect("pushed").1 += 1;
                } else {
                    s.bi.push(((first as u64) << 32 | g.keys[r as usize] as u64, 1));
                }
            }
        }
        Prepared {
            tokens: tokens.to_vec(),
            ranks,
            uni: s.uni.to_vec(),
            bi: s.bi.to_vec(),
            meteor,
        }
    }

    /// The rouge token ids, in order.
    pub fn tokens(&self) -> &[u32] {
        &self.tokens
    }

    /// Number of rouge tokens.
    pub fn len(&self) -> usize {
        self.tokens.len()
    }

    /// True when the text has no rouge token.
    pub fn is_empty(&self) -> bool {
        self.tokens.is_empty()
    }

    /// The METEOR preparation, if the preparer computed one.
    pub fn meteor(&self) -> Option<&MeteorPrepared> {
        self.meteor.as_ref()
    }
}

/// Per-thread reusable buffers for [`score`]; they only grow.
#[derive(Debug, Default)]
pub struct Scratch {
    lcs: LcsScratch,
    /// Short side: mask slot per unigram rank.
    short_slot: Vec<u32>,
    /// Long side: mask slot per unigram rank.
    long_slot: Vec<u32>,
    meteor: MeteorScratch,
}

impl Scratch {
    /// Empty scratch; buffers grow on first use.
    pub fn new() -> Self {
        Self::default()
    }
}

/// All metrics of one (target, reference) pair.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Scores {
    /// ROUGE-1 (unigram overlap).
    pub rouge1: Prf,
    /// ROUGE-2 (bigram overlap).
    pub rouge2: Prf,
    /// ROUGE-L (longest common subsequence).
    pub rouge_l: Prf,
    /// NLTK METEOR with the target as hypothesis; NaN without METEOR.
    pub meteor: f64,
}

/// Sum over common keys of min(count_a, count_b), by linear merge. The
/// merge is branch-free (both sides advance by comparisons, the sum adds a
/// masked minimum): which side moves is data, not a predictable branch.
fn overlap<K: Ord + Copy>(a: &[(K, u32)], b: &[(K, u32)]) -> usize {
    let (mut i, mut j, mut total) = (0, 0, 0usize);
    while i < a.len() && j < b.len() {
        let ((x, ca), (y, cb)) = (a[i], b[j]);
        total += if x == y { ca.min(cb) as usize } else { 0 };
        i += (x <= y) as usize;
        j += (y <= x) as usize;
    }
    total
}

/// ROUGE-1/2/L of a pair, rouge-score's `score(target, prediction)` with
/// `prediction` = `reference` here. Returns `[rouge1, rouge2, rougeL]`.
pub fn rouge_prepared(target: &Prepared, reference: &Prepared, scratch: &mut Scratch) -> [Prf; 3] {
    let (tl, rl) = (target.tokens.len(), reference.tokens.len());
    // Unigram overlap, and for ROUGE-L the shared symbols as dense slots.
    let (short, long) = if tl <= rl {
        (target, reference)
    } else {
        (reference, target)
    };
    scratch.short_slot.clear();
    scratch.short_slot.resize(short.uni.len(), NO_SLOT);
    scratch.long_slot.clear();
    scratch.long_slot.resize(long.uni.len(), NO_SLOT);
    // Branch-free merge: a side's slot is written on every visit, and the
    // last write before it advances (a match, or NO_SLOT) is the one kept.
    let (mut i, mut j, mut over1, mut slots) = (0, 0, 0usize, 0u32);
    let (a, b) = (&short.uni, &long.uni);
    let (ss, ls) = (&mut scratch.short_slot[..], &mut scratch.long_slot[..]);
    while i < a.len() && j < b.len() {
        let ((x, ca), (y, cb)) = (a[i], b[j]);
        let eq = x == y;
        over1 += if eq { ca.min(cb) as usize } else { 0 };
        let slot = if eq { slots } else { NO_SLOT };
        ss[i] = slot;
        ls[j] = slot;
        slots += eq as u32;
        i += (x <= y) as usize;
        j += (y <= x) as usize;
    }
    let lcs = {
        let (ss, ls) = (&scratch.short_slot, &scratch.long_slot);
        lcs_by_slots(
            short.ranks.iter().map(|&r| ss[r as usize]),
            short.tokens.len(),
            slots as usize,
            long.ranks.iter().map(|&r| ls[r as usize]),
            &mut scratch.lcs,
        )
    };
    let over2 = overlap(&target.bi, &reference.bi);
    [
        ngram_prf(over1, tl, rl),
        ngram_prf(over2, tl.saturating_sub(1), rl.saturating_sub(1)),
        lcs_prf(lcs, tl, rl),
    ]
}

/// Scores one pair. `target` is the paper's target model text (rouge-score's
/// first argument, METEOR's hypothesis); `reference` is the other model's
/// text (rouge-score's `prediction`, METEOR's reference).
pub fn score(target: &Prepared, reference: &Prepared, scratch: &mut Scratch) -> Scores {
    let [rouge1, rouge2, rouge_l] = rouge_prepared(target, reference, scratch);
    let meteor = match (&target.meteor, &reference.meteor) {
        (Some(h), Some(r)) => crate::meteor::score(h, r, &mut scratch.meteor),
        _ => f64::NAN,
    };
    Scores {
        rouge1,
        rouge2,
        rouge_l,
        meteor,
    }
}

/// Both directions of a pair: `(score(a, b), score(b, a))`, the same bits,
/// for about the cost of one and a half. ROUGE is computed once (F-measures
/// do not depend on the order, precision and recall swap) and METEOR's
/// exact and stem stages once ([`crate::meteor::score_both`]).
pub fn score_both(a: &Prepared, b: &Prepared, scratch: &mut Scratch) -> (Scores, Scores) {
    let [rouge1, rouge2, rouge_l] = rouge_prepared(a, b, scratch);
    let (ab, ba) = match (&a.meteor, &b.meteor) {
        (Some(x), Some(y)) => crate::meteor::score_both(x, y, &mut scratch.meteor),
        _ => (f64::NAN, f64::NAN),
    };
    let swap = |p: Prf| Prf {
        precision: p.recall,
        recall: p.precision,
        fmeasure: p.fmeasure,
    };
    (
        Scores {
            rouge1,
            rouge2,
            rouge_l,
            meteor: ab,
        },
        Scores {
            rouge1: swap(rouge1),
            rouge2: swap(rouge2),
            rouge_l: swap(rouge_l),
            meteor: ba,
        },
    )
}

/// ROUGE-1/2/L of two raw texts with rouge-score's defaults as used by
/// wildstat (Porter stemming). Builds a throwaway preparer: for tests and
/// one-off use, not for loops.
pub fn rouge_str(target: &str, prediction: &str) -> [Prf; 3] {
    let p = Preparer::rouge_only(StemmerChoice::Porter);
    let (t, r) = (p.prepare(target), p.prepare(prediction));
    rouge_prepared(&t, &r, &mut Scratch::new())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Texts whose whitespace, case folding and separators stress the
    /// per-piece decomposition (U+0085, U+00A0, U+3000, U+001C are Python
    /// whitespace; U+212A continues a rouge token; U+0130 ends one).
    const TRICKY: [&str; 7] = [
        "a\u{85}b\u{a0}c\u{3000}d\x1ce\u{200b}f  İstanbul \u{212A}elvin",
        "x86_64 a/b/c/d/e foo-bar-baz Running RUNNING running, runs.",
        "",
        "  \t\n ",
        "aİb İ \u{212A}\u{212A} 日本語abc ﬁnance Straße",
        "a-very-long-hyphenated-piece-beyond-fifteen-bytes and short",
        // A piece beyond MAX_CACHED_KEY, with a raw token beyond it too.
        "x-y-z-a-b-c-d-e-f-g-h-i-j-k-l-m-n-o-p-q-r-s-t-u-v-w-x-y-z-0-1-2-3-4-5-6-7-8-9 \
         abcdefghijklmnopqrstuvwxyzabcdefghijklmnopqrstuvwxyzabcdefghijklmnopqrstuvwxyz",
    ];

    /// The rouge ids of the whole text, tokenized without the pieces.
    fn whole_text_ids(p: &Preparer, text: &str) -> Vec<u32> {
        let mut ids = Vec::new();
        raw_tokens(text, &mut String::new(), |raw| {
            let id = p.id_of_raw(raw);
            if id != DROPPED {
                ids.push(id);
            }
        });
        ids
    }

    #[test]
    fn rouge_tokens_of_pieces_are_those_of_the_text() {
        let p = Preparer::rouge_only(StemmerChoice::Porter);
        for text in TRICKY {
            assert_eq!(
                p.prepare(text).tokens(),
                whole_text_ids(&p, text),
                "{text:?}"
            );
        }
    }

    #[test]
    fn front_caches_keep_preparers_apart() {
        // More preparers than a thread keeps front caches for, used in
        // turn: each gives what a fresh preparer of its own gives.
        let preparers: Vec<Preparer> = (0..FRONT_PREPARERS + 1)
            .map(|k| match k % 2 {
                0 => Preparer::rouge_only(StemmerChoice::Porter),
                _ => Preparer::rouge_only(StemmerChoice::None),
            })
            .collect();
        for _ in 0..3 {
            for p in &preparers {
                for text in TRICKY {
                    assert_eq!(p.prepare(text).tokens(), whole_text_ids(p, text));
                }
            }
        }
    }
}
