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
//! word and stem ids, shared synonym-id lists) and groups the tokens by
//! stem. Exact and stem matching only ever pair tokens of one stem, and the
//! greedy rule within a key pairs the last `min(a, b)` positions of each
//! side, so [`score`] runs both stages as one merge of the two sorted stem
//! lists. The synonym stage then looks the synonyms of the still unmatched
//! hypothesis words up in the reference's remaining stems. A pair costs
//! time linear in the two lengths plus those synonym lists, with no
//! allocation once a [`MeteorScratch`] has grown; nothing is sized by the
//! vocabulary. The context caches each token's info and each stem's
//! synonym ids in bounded shared maps (see `crate::fxhash::SHARD_CAP`);
//! its interner, which must give every distinct string one id for the run,
//! grows with the number of distinct lowercased words and stems seen.
//!
//! Dropping the stem itself from a hypothesis word's synonym set is exact:
//! after the stem stage no unmatched reference word shares the stem of an
//! unmatched hypothesis word, and stacks only shrink afterwards.

#![deny(missing_docs)]

use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, OnceLock};

use crate::fxhash::{
    shard_of, table_bytes, FxMap, Sharded, StrMap, MAX_CACHED_KEY, SHARDS, SHARD_CAP,
};
use crate::radix::Grouper;
use crate::wordnet::WordNet;

const NONE: u32 = u32::MAX;

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
    PySplit { text, at: 0 }
}

/// [`py_split`] as a byte scan: whitespace is recognised from its UTF-8
/// bytes (every Python whitespace character outside ASCII starts with
/// 0xC2, 0xE1, 0xE2 or 0xE3, which are never continuation bytes, so a scan
/// byte by byte only ever stops on a character boundary).
struct PySplit<'a> {
    text: &'a str,
    at: usize,
}

/// Byte length of the Python whitespace character starting at `b[i]`, or
/// 0 when none starts there ([`is_py_whitespace`], from its encoding).
#[inline]
fn py_whitespace_len(b: &[u8], i: usize) -> usize {
    let at = |k: usize| b.get(i + k).copied().unwrap_or(0);
    match b[i] {
        b'\t'..=b'\r' | 0x1c..=0x20 => 1,
        0..=0x7f => 0,
        0xc2 => 2 * matches!(at(1), 0x85 | 0xa0) as usize,
        0xe1 => 3 * (at(1) == 0x9a && at(2) == 0x80) as usize,
        0xe2 => match (at(1), at(2)) {
            (0x80, 0x80..=0x8a | 0xa8 | 0xa9 | 0xaf) | (0x81, 0x9f) => 3,
            _ => 0,
        },
        0xe3 => 3 * (at(1) == 0x80 && at(2) == 0x80) as usize,
        _ => 0,
    }
}

/// Per byte: 0 when no Python whitespace character starts with it, 1 for
/// ASCII whitespace, 2 for the lead bytes of the non-ASCII ones (0xC2,
/// 0xE1, 0xE2, 0xE3), which [`py_whitespace_len`] then decides.
static WS_CLASS: [u8; 256] = {
    let mut t = [0u8; 256];
    let mut b = 0;
    while b < 256 {
        t[b] = match b as u8 {
            b'\t'..=b'\r' | 0x1c..=0x20 => 1,
            0xc2 | 0xe1 | 0xe2 | 0xe3 => 2,
            _ => 0,
        };
        b += 1;
    }
    t
};

/// Byte length of the Python whitespace character at `b[i]` (0 if none),
/// by table for all but four lead bytes.
#[inline(always)]
fn ws_len_fast(b: &[u8], i: usize) -> usize {
    match WS_CLASS[b[i] as usize] {
        0 => 0,
        1 => 1,
        _ => py_whitespace_len(b, i),
    }
}

impl<'a> Iterator for PySplit<'a> {
    type Item = &'a str;

    #[inline]
    fn next(&mut self) -> Option<&'a str> {
        let b = self.text.as_bytes();
        let mut i = self.at;
        loop {
            if i >= b.len() {
                self.at = i;
                return None;
            }
            match ws_len_fast(b, i) {
                0 => break,
                w => i += w,
            }
        }
        let start = i;
        i = piece_end(b, i + 1);
        self.at = i;
        self.text.get(start..i)
    }
}

/// The first index from `i` on where a Python whitespace character starts
/// (or `b.len()`). Eight bytes at a time: eight bytes all in `0x21..0x80`
/// hold no whitespace start and are skipped whole; otherwise the first
/// byte below 0x21 or above 0x7f is looked at.
#[inline]
fn piece_end(b: &[u8], mut i: usize) -> usize {
    const LO: u64 = 0x0101_0101_0101_0101;
    const HI: u64 = 0x8080_8080_8080_8080;
    loop {
        if let Some(w) = b.get(i..i + 8) {
            let x = u64::from_le_bytes(w.try_into().expect("8 bytes"));
            // High bit of each byte below 0x21 (the lowest flagged byte
            // is exact: borrows only start at such a byte) or above 0x7f.
            let m = (x.wrapping_sub(LO * 0x21) & !x & HI) | (x & HI);
            if m == 0 {
                i += 8;
                continue;
            }
            i += (m.trailing_zeros() / 8) as usize;
        }
        if i >= b.len() || ws_len_fast(b, i) != 0 {
            return i;
        }
        i += 1;
    }
}

pub use crate::pylower::py_lower;

/// Thread-safe string interner with dense ids, sharded to limit contention.
struct Interner {
    shards: Sharded<StrMap<u32>>,
    next: AtomicU32,
}

impl Interner {
    fn new() -> Self {
        Interner {
            shards: Sharded::default(),
            next: AtomicU32::new(0),
        }
    }

    fn intern(&self, s: &str) -> u32 {
        let shard = shard_of(s);
        if let Some(&id) = self.shards.read(shard).get(s) {
            return id;
        }
        let mut w = self.shards.write(shard);
        *w.get_or_insert_with(s, || {
            let id = self.next.fetch_add(1, Ordering::Relaxed);
            assert!(id != NONE, "METEOR interner overflow");
            id
        })
    }
}

/// What the context knows about one token (as it appears in the text).
#[derive(Clone)]
pub(crate) struct WordInfo {
    /// Interned `str.lower()` of the token.
    word: u32,
    /// Interned Porter stem of the lowercased token.
    stem: u32,
    /// Interned WordNet synonym names of the stem (the stem itself
    /// removed); `None` when there are none (no shared empty list whose
    /// count every thread would bump).
    synonyms: Option<Arc<[u32]>>,
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
    tokens: Sharded<StrMap<WordInfo>>,
    /// Per stem id: its synonym ids (shared by all its tokens).
    stem_synonyms: Sharded<FxMap<u32, Option<Arc<[u32]>>>>,
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

/// A text prepared for METEOR by [`MeteorContext::prepare`]: ids only,
/// grouped by stem so that a pair's exact and stem stages are a merge of
/// the two sorted stem lists.
#[derive(Clone, Debug, Default)]
pub struct MeteorPrepared {
    /// Number of tokens.
    len: u32,
    /// Distinct stem ids, sorted.
    stem_keys: Vec<u32>,
    /// Group `g` (stem `stem_keys[g]`) is `group_pos[stem_start[g]..
    /// stem_start[g + 1]]`; `stem_start` has one entry more than groups.
    stem_start: Vec<u32>,
    /// Per group, its word id when all its tokens are the same lowercased
    /// word, else `NONE`.
    stem_word: Vec<u32>,
    /// Token positions grouped by stem, ascending within each group.
    group_pos: Vec<u32>,
    /// The same entries as `group_pos` as (word id, position), sorted by
    /// word then position within each group (read for mixed groups only).
    group_word_pos: Vec<(u32, u32)>,
    /// Per token, its synonym slot: `syn_ids[syn_start[k]..syn_start[k +
    /// 1]]` (slot 0 is empty).
    syn_slot: Vec<u32>,
    /// The synonym ids of this text's stems that have any, one slot per
    /// such stem group, copied into one buffer (a pair reads them in
    /// place; no reference counts shared between threads).
    syn_ids: Vec<u32>,
    /// Slot `k`'s ids are `syn_ids[syn_start[k]..syn_start[k + 1]]`; one
    /// entry more than slots.
    syn_start: Vec<u32>,
    /// One past the largest stem or synonym id of this text.
    id_bound: u32,
}

impl MeteorPrepared {
    /// Number of tokens (`len(text.split())`).
    pub fn len(&self) -> usize {
        self.len as usize
    }

    /// Whether the text has no tokens.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Positions of group `g`, ascending.
    #[inline]
    fn group_range(&self, g: usize) -> std::ops::Range<usize> {
        self.stem_start[g] as usize..self.stem_start[g + 1] as usize
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
            tokens: Sharded::default(),
            stem_synonyms: Sharded::default(),
        }
    }

    /// Approximate heap bytes of the context's caches and interner (not
    /// the WordNet itself): what grows while texts are prepared. The token
    /// and stem caches are bounded (see `crate::fxhash::SHARD_CAP`); the
    /// interner grows with the distinct lowercased words and stems seen.
    pub fn cache_bytes(&self) -> usize {
        let lists = self.stem_synonyms.sum(|m| {
            table_bytes::<(u32, Option<Arc<[u32]>>)>(m.capacity())
                + m.values()
                    .flatten()
                    .map(|l| 16 + 4 * l.len())
                    .sum::<usize>()
        });
        self.interner.shards.sum(StrMap::bytes)
            + self.tokens.sum(StrMap::bytes)
            + lists
            + self.name_ids.capacity() * 4
    }

    /// Number of ids interned so far (WordNet names, words and stems).
    pub(crate) fn interned(&self) -> usize {
        self.interner.next.load(Ordering::Relaxed) as usize
    }

    /// The WordNet this context uses.
    pub fn wordnet(&self) -> &WordNet {
        self.wordnet.get()
    }

    /// The token's info (lowercased word, stem and synonym ids), from the
    /// context's cache or computed and cached on first sight.
    pub(crate) fn token_info(&self, token: &str) -> WordInfo {
        let shard = shard_of(token);
        if let Some(info) = self.tokens.read(shard).get(token) {
            return info.clone();
        }
        let lower = if token.is_ascii() {
            token.to_ascii_lowercase()
        } else {
            py_lower(token)
        };
        let word = self.interner.intern(&lower);
        let stem = (self.stemmer)(&lower);
        // A word that is its own stem (short words, most with punctuation
        // attached) has its id already: one probe of the interner less.
        let stem_id = if stem == lower {
            word
        } else {
            self.interner.intern(&stem)
        };
        let info = WordInfo {
            word,
            stem: stem_id,
            synonyms: self.synonyms_of(stem_id, &stem),
        };
        let mut w = self.tokens.write(shard);
        if w.len() < SHARD_CAP && token.len() <= MAX_CACHED_KEY {
            w.get_or_insert_with(token, || info).clone()
        } else {
            info
        }
    }

    /// Interned WordNet synonym names of a stem (without the stem itself),
    /// computed once per distinct stem.
    fn synonyms_of(&self, stem_id: u32, stem: &str) -> Option<Arc<[u32]>> {
        if !self.wordnet.get().may_have_synsets(stem) {
            // Most stems with punctuation attached: no table to probe.
            return None;
        }
        let shard = stem_id as usize % SHARDS;
        if let Some(s) = self.stem_synonyms.read(shard).get(&stem_id) {
            return s.clone();
        }
        let ids: Vec<u32> = (self.wordnet.get().synonym_ids(stem).iter())
            .map(|&k| self.name_ids[k as usize])
            .filter(|&id| id != stem_id)
            .collect();
        let synonyms = (!ids.is_empty()).then(|| Arc::from(ids));
        let mut w = self.stem_synonyms.write(shard);
        if w.len() < SHARD_CAP {
            w.entry(stem_id).or_insert(synonyms).clone()
        } else {
            synonyms
        }
    }

    /// Tokenises (`str.split()`), lowercases (`str.lower()`), interns words
    /// and stems, attaches each word's WordNet synonym ids and groups the
    /// tokens by stem.
    pub fn prepare(&self, text: &str) -> MeteorPrepared {
        let mut b = MeteorBuilder::default();
        for tok in py_split(text) {
            b.push(&self.token_info(tok));
        }
        b.finish()
    }
}

/// A token as a cache holds it for a [`MeteorBuilder`]: its word and stem
/// ids and the builder's handle of its synonym list.
#[derive(Clone, Copy, Debug)]
pub(crate) struct MeteorRef {
    word: u32,
    stem: u32,
    /// Index into the builder's registered lists, `TEMP | i` into its
    /// per-text lists, or `NONE` for no synonyms.
    list: u32,
}

/// Marks a per-text synonym list handle.
const TEMP: u32 = 1 << 31;

/// A synonym list held by a builder, with one past its largest id.
struct List {
    ids: Arc<[u32]>,
    bound: u32,
}

impl List {
    fn new(ids: &Arc<[u32]>) -> Self {
        List {
            ids: ids.clone(),
            bound: ids.iter().max().map_or(0, |&m| m + 1),
        }
    }
}

/// Assembles one [`MeteorPrepared`] from its tokens, in text order; the
/// buffers are reused from text to text. Tokens are grouped by stem with a
/// radix sort, and each stem group takes one synonym slot (a list is a
/// function of the stem), so a token costs no hashing here. Its grouper's
/// table takes 8 bytes per interned id up to the largest stem id seen
/// (at most 16 MiB).
#[derive(Default)]
pub(crate) struct MeteorBuilder {
    /// The tokens pushed so far, in text order.
    refs: Vec<MeteorRef>,
    /// Their stems (filled by `finish`, for the grouping).
    stems: Vec<u32>,
    max_stem: u32,
    /// Lists registered by the owner's cache (kept across texts; as many
    /// as the cache has entries at most).
    lists: Vec<List>,
    /// Index in `lists` of each registered list, by address.
    by_ptr: FxMap<usize, u32>,
    /// Lists of the current text's uncached tokens.
    temp: Vec<List>,
    group: Grouper,
}

impl MeteorBuilder {
    /// The cacheable form of a token's info: its synonym list registered
    /// with this builder (the caller bounds how many it registers).
    pub(crate) fn register(&mut self, info: &WordInfo) -> MeteorRef {
        let list = match &info.synonyms {
            None => NONE,
            Some(ids) => {
                let next = self.lists.len() as u32;
                assert!(next < TEMP, "too many registered synonym lists");
                *self.by_ptr.entry(ids.as_ptr() as usize).or_insert_with(|| {
                    self.lists.push(List::new(ids));
                    next
                })
            }
        };
        MeteorRef {
            word: info.word,
            stem: info.stem,
            list,
        }
    }

    /// Appends the next token, in its cached form.
    #[inline(always)]
    pub(crate) fn push_ref(&mut self, r: &MeteorRef) {
        self.refs.push(*r);
        self.max_stem = self.max_stem.max(r.stem);
    }

    /// Appends the next token from its info (for tokens not cached).
    pub(crate) fn push(&mut self, info: &WordInfo) {
        let list = match &info.synonyms {
            None => NONE,
            Some(ids) => {
                self.temp.push(List::new(ids));
                TEMP | (self.temp.len() as u32 - 1)
            }
        };
        self.push_ref(&MeteorRef {
            word: info.word,
            stem: info.stem,
            list,
        });
    }

    /// The list behind a handle, `None` for no synonyms.
    #[inline]
    fn list(&self, handle: u32) -> Option<&List> {
        match handle {
            NONE => None,
            h if h & TEMP != 0 => Some(&self.temp[(h & !TEMP) as usize]),
            h => Some(&self.lists[h as usize]),
        }
    }

    /// The preparation of the tokens pushed since the last call.
    pub(crate) fn finish(&mut self) -> MeteorPrepared {
        let n = self.refs.len();
        let len = u32::try_from(n).expect("METEOR text longer than u32::MAX tokens");
        self.stems.clear();
        self.stems.extend(self.refs.iter().map(|r| r.stem));
        self.group.group(&self.stems, self.max_stem);
        let (refs, g) = (&self.refs, &self.group);
        let groups = g.keys.len();
        let with_synonyms = g.starts[..groups]
            .iter()
            .filter(|&&k| self.list(refs[g.perm[k as usize] as usize].list).is_some())
            .count();
        let mut p = MeteorPrepared {
            len,
            stem_keys: g.keys.to_vec(),
            stem_start: g.starts.to_vec(),
            stem_word: Vec::with_capacity(groups),
            group_pos: g.perm.to_vec(),
            group_word_pos: Vec::with_capacity(n),
            syn_slot: vec![0; n],
            syn_ids: Vec::new(),
            syn_start: Vec::with_capacity(with_synonyms + 2),
            id_bound: 0,
        };
        p.syn_start.extend([0, 0]);
        let mut syn_bound = 0;
        for w in g.starts.windows(2) {
            let (k, e) = (w[0] as usize, w[1] as usize);
            // Positions ascend within a group (the grouping is stable).
            let members = &g.perm[k..e];
            let first = refs[members[0] as usize].word;
            let mut same = true;
            for &q in members {
                let w = refs[q as usize].word;
                p.group_word_pos.push((w, q));
                same &= w == first;
            }
            if !same {
                p.group_word_pos[k..e].sort_unstable();
            }
            p.stem_word.push(if same { first } else { NONE });
            if let Some(list) = self.list(refs[members[0] as usize].list) {
                let slot = p.syn_start.len() as u32 - 1;
                p.syn_ids.extend_from_slice(&list.ids);
                p.syn_start.push(p.syn_ids.len() as u32);
                syn_bound = syn_bound.max(list.bound);
                for &q in members {
                    p.syn_slot[q as usize] = slot;
                }
            }
        }
        let stem_max = p.stem_keys.last().map_or(0, |&s| s + 1);
        p.id_bound = stem_max.max(syn_bound);
        self.refs.clear();
        self.temp.clear();
        self.max_stem = 0;
        p
    }
}

/// Per-thread reusable buffers for [`score`]; all but one bit per id are
/// sized by the pair's lengths.
#[derive(Debug, Default)]
pub struct MeteorScratch {
    /// Per hypothesis position, its reference position or `NONE`.
    hyp_match: Vec<u32>,
    /// Per reference position, whether it is matched.
    ref_matched: Vec<bool>,
    /// Per reference stem group, one past the index (into `group_pos`) of
    /// its top: the stack of its unmatched positions for the synonym stage.
    top: Vec<u32>,
    /// Per hypothesis synonym slot, whether it already found nothing
    /// (stacks only shrink, so it never will).
    dead: Vec<bool>,
    /// Bit per id: the reference's stems during its synonym stage (set
    /// and cleared per pair, so a pair touches only its own words; the
    /// buffer is one bit per interned id).
    stem_bits: Vec<u64>,
    /// Unmatched hypothesis positions that have synonyms, descending.
    pending: Vec<u32>,
    /// The (hypothesis, reference) stem groups of the stems both share.
    common: Vec<(u32, u32)>,
    /// [`score_both`]'s second direction: `hyp_match` and `ref_matched`
    /// with the texts' roles swapped.
    rev_match: Vec<u32>,
    rev_matched: Vec<bool>,
}

impl MeteorScratch {
    /// Empty scratch; buffers grow on first use.
    pub fn new() -> Self {
        Self::default()
    }
}

/// Pairs the last `min(a, b)` hypothesis positions of `hp` with the last
/// `min(a, b)` reference positions of `rp`, in order (both ascending): the
/// greedy-from-the-end rule when all positions of both share one key.
#[inline]
fn pair_tails(hp: &[u32], rp: &[u32], hyp_match: &mut [u32], ref_matched: &mut [bool]) -> usize {
    let k = hp.len().min(rp.len());
    for (&h, &r) in hp[hp.len() - k..].iter().zip(&rp[rp.len() - k..]) {
        hyp_match[h as usize] = r;
        ref_matched[r as usize] = true;
    }
    k
}

/// Exact then stem stage inside one stem shared by both texts (words with
/// different stems never match in either stage, so groups are independent).
fn match_group(
    hypothesis: &MeteorPrepared,
    gh: usize,
    reference: &MeteorPrepared,
    gr: usize,
    hyp_match: &mut [u32],
    ref_matched: &mut [bool],
) -> usize {
    let (hr, rr) = (hypothesis.group_range(gh), reference.group_range(gr));
    let (hp, rp) = (
        &hypothesis.group_pos[hr.clone()],
        &reference.group_pos[rr.clone()],
    );
    if hypothesis.stem_word[gh] != NONE && reference.stem_word[gr] != NONE {
        // One word per side: the same word pairs the tails in the exact
        // stage and leaves one side empty; different words pair the same
        // tails in the stem stage.
        return pair_tails(hp, rp, hyp_match, ref_matched);
    }
    let mut matches = 0;
    // Exact stage: per common word, the tails of its positions.
    let (hw, rw) = (
        &hypothesis.group_word_pos[hr],
        &reference.group_word_pos[rr],
    );
    let (mut i, mut j) = (0, 0);
    while i < hw.len() && j < rw.len() {
        let (a, b) = (hw[i].0, rw[j].0);
        let ie = i + hw[i..].iter().take_while(|e| e.0 == a).count();
        let je = j + rw[j..].iter().take_while(|e| e.0 == b).count();
        match a.cmp(&b) {
            std::cmp::Ordering::Less => i = ie,
            std::cmp::Ordering::Greater => j = je,
            std::cmp::Ordering::Equal => {
                let k = (ie - i).min(je - j);
                for (h, r) in hw[ie - k..ie].iter().zip(&rw[je - k..je]) {
                    hyp_match[h.1 as usize] = r.1;
                    ref_matched[r.1 as usize] = true;
                }
                matches += k;
                i = ie;
                j = je;
            }
        }
    }
    // Stem stage: the unmatched positions of the group, from the end.
    let (mut i, mut j) = (hp.len(), rp.len());
    loop {
        while i > 0 && hyp_match[hp[i - 1] as usize] != NONE {
            i -= 1;
        }
        while j > 0 && ref_matched[rp[j - 1] as usize] {
            j -= 1;
        }
        if i == 0 || j == 0 {
            return matches;
        }
        i -= 1;
        j -= 1;
        hyp_match[hp[i] as usize] = rp[j];
        ref_matched[rp[j] as usize] = true;
        matches += 1;
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
    let matches = exact_and_stem(hypothesis, reference, scratch);
    synonym_stage(hypothesis, reference, scratch, matches)
}

/// NLTK's exact and stem stages; fills `scratch.hyp_match` and
/// `scratch.ref_matched` and returns the number of matches. Their matching
/// does not depend on which text is the hypothesis (in every group both
/// sides pair their last unmatched positions in order), which
/// [`score_both`] uses.
fn exact_and_stem(
    hypothesis: &MeteorPrepared,
    reference: &MeteorPrepared,
    scratch: &mut MeteorScratch,
) -> usize {
    let n = hypothesis.len();
    let m = reference.len();
    scratch.hyp_match.clear();
    if n == 0 || m == 0 {
        return 0;
    }
    scratch.hyp_match.resize(n, NONE);
    scratch.ref_matched.clear();
    scratch.ref_matched.resize(m, false);
    let hyp_match = &mut scratch.hyp_match[..];
    let ref_matched = &mut scratch.ref_matched[..];
    let mut matches = 0usize;

    // Exact and stem stages, per stem present on both sides: the common
    // stems by a branch-free merge (the entry is written on every step and
    // kept only on a match), then their groups.
    let (hk, rk) = (&hypothesis.stem_keys, &reference.stem_keys);
    let common = &mut scratch.common;
    common.clear();
    common.resize(hk.len().min(rk.len()) + 1, (0, 0));
    let (mut i, mut j, mut k) = (0, 0, 0);
    while i < hk.len() && j < rk.len() {
        let (x, y) = (hk[i], rk[j]);
        common[k] = (i as u32, j as u32);
        k += (x == y) as usize;
        i += (x <= y) as usize;
        j += (y <= x) as usize;
    }
    for &(i, j) in &common[..k] {
        matches += match_group(
            hypothesis,
            i as usize,
            reference,
            j as usize,
            hyp_match,
            ref_matched,
        );
    }
    matches
}

/// NLTK's WordNet synonym stage after [`exact_and_stem`] left `matches`
/// matches in `scratch`; returns the total.
fn synonym_stage(
    hypothesis: &MeteorPrepared,
    reference: &MeteorPrepared,
    scratch: &mut MeteorScratch,
    mut matches: usize,
) -> usize {
    let (n, m) = (hypothesis.len(), reference.len());
    if n == 0 || m == 0 || matches == n || matches == m {
        return matches;
    }
    let hyp_match = &mut scratch.hyp_match[..];
    let ref_matched = &mut scratch.ref_matched[..];
    let rk = &reference.stem_keys;

    // Synonym stage: stacks of unmatched reference positions per stem.
    let top = &mut scratch.top;
    top.clear();
    top.extend_from_slice(&reference.stem_start[1..]);
    let pos = &reference.group_pos;
    let bound = hypothesis.id_bound.max(reference.id_bound) as usize;
    let stem_bits = &mut scratch.stem_bits;
    if stem_bits.len() * 64 < bound {
        *stem_bits = vec![0; bound.div_ceil(64).max(stem_bits.len() * 2)];
    }
    // All reference stems; groups the first stages emptied are skipped
    // when their top is read.
    for &s in rk {
        stem_bits[s as usize / 64] |= 1 << (s % 64);
    }
    // Candidates: unmatched hypothesis positions with synonyms, from the end
    // (branch-free compaction).
    let pending = &mut scratch.pending;
    pending.clear();
    pending.resize(n, 0);
    let mut len = 0;
    for i in (0..n).rev() {
        pending[len] = i as u32;
        len += (hyp_match[i] == NONE && hypothesis.syn_slot[i] != 0) as usize;
    }
    let dead = &mut scratch.dead;
    dead.clear();
    dead.resize(hypothesis.syn_start.len().saturating_sub(1), false);
    let mut left = m - matches;
    for &i in &pending[..len] {
        let i = i as usize;
        let slot = hypothesis.syn_slot[i] as usize;
        if dead[slot] {
            continue;
        }
        // Best candidate as (reference position + 1, group); 0 = none.
        let (mut best, mut best_g) = (0u32, 0usize);
        let ids = hypothesis.syn_start[slot] as usize..hypothesis.syn_start[slot + 1] as usize;
        for &s in &hypothesis.syn_ids[ids] {
            if stem_bits[s as usize / 64] & (1 << (s % 64)) == 0 {
                continue;
            }
            let g = rk.binary_search(&s).expect("stem bit set");
            let start = reference.stem_start[g];
            let mut t = top[g];
            while t > start && ref_matched[pos[t as usize - 1] as usize] {
                t -= 1;
            }
            top[g] = t;
            if t > start {
                let cand = pos[t as usize - 1] + 1;
                if cand > best {
                    best = cand;
                    best_g = g;
                }
            }
        }
        if best == 0 {
            dead[slot] = true;
            continue;
        }
        let j = best - 1;
        hyp_match[i] = j;
        ref_matched[j as usize] = true;
        matches += 1;
        left -= 1;
        if left == 0 {
            break;
        }
        top[best_g] -= 1;
    }
    for &s in rk {
        stem_bits[s as usize / 64] = 0;
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
    let matches = align_into(hypothesis, reference, scratch);
    from_alignment(
        matches,
        hypothesis.len(),
        reference.len(),
        &scratch.hyp_match,
    )
}

/// `(score(a, b), score(b, a))`, the same bits, with the exact and stem
/// stages run once: their matching is the same in both directions, only
/// the synonym stage depends on which text is the hypothesis.
pub fn score_both(
    a: &MeteorPrepared,
    b: &MeteorPrepared,
    scratch: &mut MeteorScratch,
) -> (f64, f64) {
    let (n, m) = (a.len(), b.len());
    let matches = exact_and_stem(a, b, scratch);
    // The same matching from b's side.
    scratch.rev_match.clear();
    scratch.rev_match.resize(m, NONE);
    scratch.rev_matched.clear();
    scratch.rev_matched.resize(n, false);
    for (i, &j) in scratch.hyp_match.iter().enumerate() {
        if j != NONE {
            scratch.rev_match[j as usize] = i as u32;
            scratch.rev_matched[i] = true;
        }
    }
    let total = synonym_stage(a, b, scratch, matches);
    let ab = from_alignment(total, n, m, &scratch.hyp_match);
    std::mem::swap(&mut scratch.hyp_match, &mut scratch.rev_match);
    std::mem::swap(&mut scratch.ref_matched, &mut scratch.rev_matched);
    let total = synonym_stage(b, a, scratch, matches);
    (ab, from_alignment(total, m, n, &scratch.hyp_match))
}

/// The score of an alignment: `hyp_match` holds the matched reference
/// position per hypothesis position (or `NONE`), `matches` of them.
fn from_alignment(matches: usize, n: usize, m: usize, hyp_match: &[u32]) -> f64 {
    if matches == 0 {
        return 0.0;
    }
    // A match starts a chunk unless the previous hypothesis position is
    // matched to the previous reference position (`NONE + 1` as u64 is
    // never a position).
    let hm = hyp_match;
    let mut chunks = (hm[0] != NONE) as usize;
    for w in hm.windows(2) {
        let continues = w[1] as u64 == w[0] as u64 + 1;
        chunks += (w[1] != NONE && !continues) as usize;
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
        // The byte scan agrees with `str::split` on every scalar value
        // around and inside words.
        let old = |t: &str| -> Vec<String> {
            t.split(is_py_whitespace)
                .filter(|t| !t.is_empty())
                .map(String::from)
                .collect()
        };
        for c in (0..0x11_0000u32).filter_map(char::from_u32) {
            for t in [
                format!("a{c}b"),
                format!("{c}"),
                format!(" {c}{c}x{c}"),
                format!("abcdefghij{c}klmnopqrstuvw{c}{c}xyz0123456789{c}"),
                format!("{c}abcdefg{c}hijklmnop"),
            ] {
                let new: Vec<String> = py_split(&t).map(String::from).collect();
                assert_eq!(new, old(&t), "U+{:04X}", c as u32);
            }
        }
        assert_eq!(py_lower("İSTANBUL"), "i\u{307}stanbul");
        assert_eq!(py_lower("ΟΔΟΣ ΣΑ"), "οδος σα");
        assert_eq!(py_lower("\u{a7cb}Σ"), "\u{a7cb}σ");
    }
}
