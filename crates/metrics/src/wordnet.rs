//! WordNet 3.0 synonym lookup exactly as NLTK's METEOR uses it.
//!
//! NLTK's `meteor_score` takes, for a hypothesis word `w`, the union over
//! `wordnet.synsets(w)` of every `lemma.name()` that contains no `_`, plus
//! `w` itself. `synsets(w)` lowercases `w`, then for each part of speech
//! (noun, verb, adjective incl. satellites, adverb) runs NLTK's `_morphy`:
//! if `w` is a key of that POS's exception list the candidates are `w`
//! and the listed base forms, otherwise `w` and every single application
//! of the POS's suffix-substitution rules; candidates that are index
//! lemmas of that POS contribute all their synsets.
//!
//! The data is a compact table derived from WordNet 3.0 by
//! `scripts/wordnet/build_table.py` (format described there), embedded in
//! the crate and parsed once on first use; [`WordNet::from_wndb_dir`] builds
//! the same structure from a standard WNDB directory at run time.

#![deny(missing_docs)]

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::{Arc, Mutex, OnceLock};

use crate::fxhash::FxMap;

/// The embedded table (see `scripts/wordnet/build_table.py`).
const EMBEDDED_TABLE: &str = include_str!("../../../data/wordnet/meteor-wn30.txt");

/// Parts of speech in NLTK's `POS_LIST` order, with WNDB file suffixes.
const POS: [(&str, &str); 4] = [("n", "noun"), ("v", "verb"), ("a", "adj"), ("r", "adv")];

/// NLTK's `MORPHOLOGICAL_SUBSTITUTIONS`, per POS in `POS` order.
const SUBSTITUTIONS: [&[(&str, &str)]; 4] = [
    &[
        ("s", ""),
        ("ses", "s"),
        ("ves", "f"),
        ("xes", "x"),
        ("zes", "z"),
        ("ches", "ch"),
        ("shes", "sh"),
        ("men", "man"),
        ("ies", "y"),
    ],
    &[
        ("s", ""),
        ("ies", "y"),
        ("es", "e"),
        ("es", ""),
        ("ed", "e"),
        ("ed", ""),
        ("ing", "e"),
        ("ing", ""),
    ],
    &[("er", ""), ("est", ""), ("er", "e"), ("est", "e")],
    &[],
];

const CACHE_SHARDS: usize = 32;

/// Synonym names (no `_`) of one index lemma, per part of speech.
#[derive(Clone, Copy, Debug)]
struct FormEntry {
    /// `ids[start..ends[0]]` are noun names, `ids[ends[p-1]..ends[p]]` POS p.
    start: u32,
    ends: [u32; 4],
}

/// WordNet data needed by METEOR: lemma index, synonym names, exceptions.
///
/// Lookups are pure functions of the data; [`WordNet::synonyms`] memoises
/// per distinct word behind sharded mutexes, so a `WordNet` can be shared
/// between threads.
pub struct WordNet {
    /// Sorted distinct lemma names without `_` (case preserved); id = index.
    names: Vec<Box<str>>,
    forms: FxMap<Box<str>, FormEntry>,
    ids: Vec<u32>,
    /// Exception lists per POS: inflected form -> base forms.
    exceptions: Exceptions,
    /// Per byte: whether it occurs in an index form, an exception key or a
    /// substitution suffix (a word holding any other byte has no synsets).
    lexicon_bytes: [bool; 256],
    cache: Vec<Mutex<HashMap<String, Arc<[String]>>>>,
}

impl std::fmt::Debug for WordNet {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WordNet")
            .field("names", &self.names.len())
            .field("forms", &self.forms.len())
            .finish_non_exhaustive()
    }
}

/// Intermediate form used by both loaders: form -> per-POS name sets.
type PerForm = BTreeMap<String, [BTreeSet<String>; 4]>;
type Exceptions = [FxMap<Box<str>, Vec<Box<str>>>; 4];

fn pos_index(p: &str) -> Option<usize> {
    POS.iter().position(|(tag, _)| *tag == p)
}

/// NLTK's lemma-name parse: `(.*?)(\([^()]*\))?$` keeps group 1, i.e. a
/// trailing parenthesised syntactic marker without inner parens is removed.
pub fn strip_syntactic_marker(token: &str) -> &str {
    if let Some(body) = token.strip_suffix(')') {
        if let Some(open) = body.rfind('(') {
            if !body[open + 1..].contains(')') {
                return &token[..open];
            }
        }
    }
    token
}

/// `text` split at every `sep` (an ASCII byte, so every piece is a
/// `str`), as `str::split` does, but with a plain byte scan: the parse of
/// the embedded table is on the start-up path of every METEOR run.
fn split_ascii(text: &str, sep: u8) -> impl Iterator<Item = &str> {
    debug_assert!(sep.is_ascii());
    let mut rest = Some(text);
    std::iter::from_fn(move || {
        let s = rest?;
        match s.bytes().position(|b| b == sep) {
            Some(i) => {
                rest = Some(&s[i + 1..]);
                Some(&s[..i])
            }
            None => {
                rest = None;
                Some(s)
            }
        }
    })
}

/// The position of `key` in the sorted `names`, searched outwards from
/// `hint` (galloping: a few compares when it lies just after `hint`, as
/// the next of a sorted run of keys does; a binary search at worst).
fn search_from(names: &[Box<str>], key: &str, hint: usize) -> Option<usize> {
    let below = |i: usize| &*names[i] < key;
    let (mut lo, mut hi) = if hint < names.len() && below(hint) {
        // Gallop forwards: names[lo] < key, then find hi with key <= names[hi].
        let (mut lo, mut step) = (hint, 1);
        while lo + step < names.len() && below(lo + step) {
            lo += step;
            step *= 2;
        }
        (lo + 1, (lo + step).min(names.len()))
    } else {
        (0, hint.min(names.len()))
    };
    // The first name >= key lies in lo..=hi.
    while lo < hi {
        let mid = lo + (hi - lo) / 2;
        if below(mid) {
            lo = mid + 1;
        } else {
            hi = mid;
        }
    }
    (names.get(lo).is_some_and(|n| &**n == key)).then_some(lo)
}

impl WordNet {
    /// The WordNet 3.0 table embedded in the crate, parsed once.
    pub fn embedded() -> &'static WordNet {
        static WN: OnceLock<WordNet> = OnceLock::new();
        WN.get_or_init(|| {
            WordNet::from_table(EMBEDDED_TABLE).expect("embedded WordNet table is well-formed")
        })
    }

    /// Starts parsing the embedded table (about 40 ms) on a thread of its
    /// own, for a caller with other start-up work to do first; a later
    /// [`WordNet::embedded`] finds it parsed or waits for the rest. A
    /// thread that cannot start only means the parse is not overlapped.
    pub fn embedded_in_background() {
        let _ = std::thread::Builder::new()
            .name("wordnet".into())
            .spawn(|| {
                WordNet::embedded();
            });
    }

    /// Parses a table in the format written by `scripts/wordnet/build_table.py`.
    pub fn from_table(text: &str) -> Result<WordNet, String> {
        // As `str::lines`: no empty line after a final newline.
        let mut lines = split_ascii(text.strip_suffix('\n').unwrap_or(text), b'\n')
            .map(|l| l.strip_suffix('\r').unwrap_or(l))
            .enumerate();
        let mut next = |what: &str| -> Result<(usize, &str), String> {
            lines
                .next()
                .ok_or_else(|| format!("WordNet table truncated: expected {what}"))
        };
        let (_, magic) = next("header")?;
        if magic != "wildstat-wordnet-meteor 1" {
            return Err(format!("not a wildstat WordNet table: {magic:?}"));
        }
        let count = |line: &str, key: &str| -> Result<usize, String> {
            line.strip_prefix(key)
                .and_then(|n| n.trim().parse().ok())
                .ok_or_else(|| format!("WordNet table: expected '{key}<count>', got {line:?}"))
        };
        let (_, l) = next("names")?;
        let n_names = count(l, "names ")?;
        let mut names = Vec::with_capacity(n_names);
        for _ in 0..n_names {
            names.push(Box::<str>::from(next("name")?.1));
        }
        if !names.windows(2).all(|w| w[0] < w[1]) {
            return Err("WordNet table: names are not sorted and distinct".into());
        }
        let (_, l) = next("forms")?;
        let n_forms = count(l, "forms ")?;
        let mut forms = FxMap::with_capacity_and_hasher(n_forms, Default::default());
        let mut ids: Vec<u32> = Vec::new();
        // Where the last '=' form was found among the names: forms come in
        // sorted order, so the next one lies just after it.
        let mut hint = 0;
        for _ in 0..n_forms {
            let (no, line) = next("form")?;
            let mut fields = split_ascii(line, b'\t');
            let form = fields.next().unwrap_or("");
            let start = ids.len() as u32;
            let mut ends = [0u32; 4];
            for k in 0..4 {
                let field = fields
                    .next()
                    .ok_or_else(|| format!("WordNet table line {}: missing field", no + 1))?;
                for tok in split_ascii(field, b' ').filter(|t| !t.is_empty()) {
                    let id = if tok == "=" {
                        hint = search_from(&names, form, hint)
                            .ok_or_else(|| format!("line {}: '=' but form not a name", no + 1))?;
                        hint as u32
                    } else {
                        let id: u32 = tok
                            .parse()
                            .map_err(|_| format!("line {}: bad id {tok:?}", no + 1))?;
                        if id as usize >= names.len() {
                            return Err(format!("line {}: id {id} out of range", no + 1));
                        }
                        id
                    };
                    ids.push(id);
                }
                let lo = if k == 0 { start } else { ends[k - 1] } as usize;
                ids[lo..].sort_unstable();
                ends[k] = ids.len() as u32;
            }
            forms.insert(Box::<str>::from(form), FormEntry { start, ends });
        }
        let mut exceptions: Exceptions = Default::default();
        for (k, (tag, _)) in POS.iter().enumerate() {
            let (_, l) = next("exc")?;
            let n = count(l, &format!("exc {tag} "))?;
            for _ in 0..n {
                let (no, line) = next("exception")?;
                let (form, bases) = line
                    .split_once('\t')
                    .ok_or_else(|| format!("WordNet table line {}: bad exception", no + 1))?;
                exceptions[k].insert(
                    form.into(),
                    bases
                        .split(' ')
                        .filter(|b| !b.is_empty())
                        .map(Box::from)
                        .collect(),
                );
            }
        }
        Ok(Self::assemble(names, forms, ids, exceptions))
    }

    /// Reads a standard WNDB directory (`index.{noun,verb,adj,adv}`,
    /// `data.*`, `{noun,verb,adj,adv}.exc`) as NLTK's WordNet reader does.
    pub fn from_wndb_dir(dir: impl AsRef<std::path::Path>) -> Result<WordNet, String> {
        let dir = dir.as_ref();
        let read = |name: String| -> Result<String, String> {
            let path = dir.join(&name);
            let bytes =
                std::fs::read(&path).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
            String::from_utf8(bytes).map_err(|e| format!("{} is not UTF-8: {e}", path.display()))
        };
        let mut per_form: PerForm = BTreeMap::new();
        let mut exceptions: Exceptions = Default::default();
        for (k, (_, suffix)) in POS.iter().enumerate() {
            let data = read(format!("data.{suffix}"))?;
            let mut synsets: HashMap<u64, Vec<&str>> = HashMap::new();
            for line in data.lines() {
                if line.starts_with(' ') || line.trim().is_empty() {
                    continue;
                }
                let cols = line.trim().split('|').next().unwrap_or("");
                let tok: Vec<&str> = cols.split_whitespace().collect();
                let bad = || format!("data.{suffix}: malformed line {line:?}");
                let offset: u64 = tok.first().and_then(|t| t.parse().ok()).ok_or_else(bad)?;
                let n = tok
                    .get(3)
                    .and_then(|t| usize::from_str_radix(t, 16).ok())
                    .ok_or_else(bad)?;
                let mut names = Vec::with_capacity(n);
                for i in 0..n {
                    names.push(strip_syntactic_marker(tok.get(4 + 2 * i).ok_or_else(bad)?));
                }
                synsets.insert(offset, names);
            }
            let index = read(format!("index.{suffix}"))?;
            for line in index.lines() {
                if line.starts_with(' ') {
                    continue;
                }
                let tok: Vec<&str> = line.split_whitespace().collect();
                if tok.is_empty() {
                    continue;
                }
                let bad = || format!("index.{suffix}: malformed line {line:?}");
                let n_synsets: usize = tok.get(2).and_then(|t| t.parse().ok()).ok_or_else(bad)?;
                let n_ptrs: usize = tok.get(3).and_then(|t| t.parse().ok()).ok_or_else(bad)?;
                let first = 4 + n_ptrs + 2;
                let mut set = BTreeSet::new();
                for t in tok.get(first..first + n_synsets).ok_or_else(bad)? {
                    let off: u64 = t.parse().map_err(|_| bad())?;
                    let names = synsets
                        .get(&off)
                        .ok_or_else(|| format!("index.{suffix}: no synset at offset {off}"))?;
                    set.extend(
                        names
                            .iter()
                            .filter(|n| !n.contains('_'))
                            .map(|n| n.to_string()),
                    );
                }
                if !set.is_empty() {
                    per_form.entry(tok[0].to_string()).or_default()[k] = set;
                } else if let Some(e) = per_form.get_mut(tok[0]) {
                    e[k].clear();
                }
            }
            let exc = read(format!("{suffix}.exc"))?;
            for line in exc.lines() {
                let mut terms = line.split_whitespace();
                if let Some(form) = terms.next() {
                    exceptions[k].insert(form.into(), terms.map(Box::from).collect());
                }
            }
        }
        per_form.retain(|_, sets| sets.iter().any(|s| !s.is_empty()));
        let mut all: Vec<&str> = per_form
            .values()
            .flat_map(|sets| sets.iter().flatten().map(String::as_str))
            .collect();
        all.sort_unstable();
        all.dedup();
        let names: Vec<Box<str>> = all.iter().map(|s| Box::from(*s)).collect();
        let mut forms = FxMap::with_capacity_and_hasher(per_form.len(), Default::default());
        let mut ids = Vec::new();
        for (form, sets) in &per_form {
            let start = ids.len() as u32;
            let mut ends = [0u32; 4];
            for (end, set) in ends.iter_mut().zip(sets) {
                for name in set {
                    let id = names
                        .binary_search_by(|n| (**n).cmp(name.as_str()))
                        .expect("name collected above");
                    ids.push(id as u32);
                }
                *end = ids.len() as u32;
            }
            forms.insert(Box::<str>::from(form.as_str()), FormEntry { start, ends });
        }
        Ok(Self::assemble(names, forms, ids, exceptions))
    }

    fn assemble(
        names: Vec<Box<str>>,
        forms: FxMap<Box<str>, FormEntry>,
        ids: Vec<u32>,
        exceptions: Exceptions,
    ) -> WordNet {
        let mut lexicon_bytes = [false; 256];
        let keys = forms
            .keys()
            .chain(exceptions.iter().flat_map(|e| e.keys()))
            .map(|k| &**k)
            .chain(
                SUBSTITUTIONS
                    .iter()
                    .flat_map(|s| s.iter().map(|&(old, _)| old)),
            );
        for k in keys {
            for b in k.bytes() {
                lexicon_bytes[b as usize] = true;
            }
        }
        WordNet {
            names,
            forms,
            ids,
            exceptions,
            lexicon_bytes,
            cache: (0..CACHE_SHARDS)
                .map(|_| Mutex::new(HashMap::new()))
                .collect(),
        }
    }

    /// Number of distinct synonym names (ids are `0..name_count()`).
    pub fn name_count(&self) -> usize {
        self.names.len()
    }

    /// The synonym name with this id (case preserved, markers stripped).
    pub fn name(&self, id: u32) -> &str {
        &self.names[id as usize]
    }

    /// All synonym names, sorted; a name's position is its id.
    pub fn names(&self) -> impl ExactSizeIterator<Item = &str> + '_ {
        self.names.iter().map(|n| &**n)
    }

    /// Number of index lemmas that have at least one synonym name.
    pub fn form_count(&self) -> usize {
        self.forms.len()
    }

    /// Calls `f` with every candidate of NLTK's `_morphy(word, pos)` before
    /// the index filter (the word itself first). `word` must be lowercase.
    fn morphy_candidates(&self, word: &str, pos: usize, mut f: impl FnMut(&str)) {
        f(word);
        if let Some(bases) = self.exceptions[pos].get(word) {
            for b in bases {
                f(b);
            }
        } else {
            let mut buf = String::new();
            for (old, new) in SUBSTITUTIONS[pos] {
                if let Some(stem) = word.strip_suffix(old) {
                    buf.clear();
                    buf.push_str(stem);
                    buf.push_str(new);
                    f(&buf);
                }
            }
        }
    }

    /// Ids of the names (without `_`) of all synsets NLTK's
    /// `wordnet.synsets(word)` returns, sorted and distinct; `word` must
    /// already be lowercase (as `synsets` lowercases its argument). Not
    /// cached. The word itself is not added unless it is such a name.
    pub fn synonym_ids(&self, word: &str) -> Vec<u32> {
        if !self.may_have_synsets(word) {
            return Vec::new();
        }
        self.collect_synonym_ids(word, Vec::new())
    }

    /// False when `word` (lowercase) certainly has no synsets: a cheap
    /// test on its bytes, for callers that would otherwise look it up.
    pub fn may_have_synsets(&self, word: &str) -> bool {
        // Every WordNet 3.0 lemma is ASCII and the rules only touch ASCII
        // suffixes, so a non-ASCII word has no synsets. Every candidate
        // keeps each byte of the word that no substitution suffix holds,
        // and matches only an index form (an exception key for the
        // bases), so a byte found in none of them means no synsets.
        word.is_ascii() && word.bytes().all(|b| self.lexicon_bytes[b as usize])
    }

    /// [`WordNet::synonym_ids`] of an ASCII word, every candidate looked up.
    fn collect_synonym_ids(&self, word: &str, mut out: Vec<u32>) -> Vec<u32> {
        for pos in 0..4 {
            self.morphy_candidates(word, pos, |cand| {
                if let Some(e) = self.forms.get(cand) {
                    let lo = if pos == 0 { e.start } else { e.ends[pos - 1] };
                    out.extend_from_slice(&self.ids[lo as usize..e.ends[pos] as usize]);
                }
            });
        }
        out.sort_unstable();
        out.dedup();
        out
    }

    /// The set METEOR matches a hypothesis word `word` against: the names
    /// without `_` of `wordnet.synsets(word)`, plus `word` itself; sorted.
    /// `synsets` lowercases its argument (Python `str.lower`), the added
    /// `word` is kept as given. Memoised per distinct word.
    pub fn synonyms(&self, word: &str) -> Arc<[String]> {
        let shard = &self.cache[shard_of(word)];
        if let Some(hit) = shard.lock().unwrap_or_else(|e| e.into_inner()).get(word) {
            return hit.clone();
        }
        let lower = crate::meteor::py_lower(word);
        let mut set: BTreeSet<String> = self
            .synonym_ids(&lower)
            .into_iter()
            .map(|id| self.name(id).to_string())
            .collect();
        set.insert(word.to_string());
        let value: Arc<[String]> = set.into_iter().collect();
        shard
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .insert(word.to_string(), value.clone());
        value
    }

    /// Whether the two tables hold the same data (names, per-POS synonym
    /// sets of every form, exception lists).
    pub fn same_data(&self, other: &WordNet) -> bool {
        if self.names != other.names || self.forms.len() != other.forms.len() {
            return false;
        }
        if self.exceptions != other.exceptions {
            return false;
        }
        self.forms.iter().all(|(form, a)| {
            let Some(b) = other.forms.get(form) else {
                return false;
            };
            (0..4).all(|p| {
                let (alo, blo) = if p == 0 {
                    (a.start, b.start)
                } else {
                    (a.ends[p - 1], b.ends[p - 1])
                };
                self.ids[alo as usize..a.ends[p] as usize]
                    == other.ids[blo as usize..b.ends[p] as usize]
            })
        })
    }

    /// Index of a POS tag ("n", "v", "a", "r") in lookup order.
    #[doc(hidden)]
    pub fn pos_index(tag: &str) -> Option<usize> {
        pos_index(tag)
    }
}

fn shard_of(word: &str) -> usize {
    // FNV-1a; only spreads lock contention.
    let mut h: u64 = 0xcbf29ce484222325;
    for b in word.bytes() {
        h = (h ^ b as u64).wrapping_mul(0x100000001b3);
    }
    (h as usize) % CACHE_SHARDS
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn split_ascii_is_str_split() {
        for text in ["", "a", "\t", "a\tb", "\ta\t\tb\t", "é\tx y", "a b  c "] {
            for sep in [b'\t', b' ', b'\n'] {
                let want: Vec<&str> = text.split(sep as char).collect();
                assert_eq!(split_ascii(text, sep).collect::<Vec<_>>(), want, "{text:?}");
            }
        }
    }

    #[test]
    fn search_from_finds_every_name_from_every_hint() {
        let names: Vec<Box<str>> = ["a", "ab", "b", "ba", "bb", "c", "d", "e", "f", "g", "h"]
            .into_iter()
            .map(Box::from)
            .collect();
        for hint in 0..names.len() + 2 {
            for (i, n) in names.iter().enumerate() {
                assert_eq!(search_from(&names, n, hint), Some(i), "{n} from {hint}");
            }
            for absent in ["", "aa", "bc", "z", "0"] {
                assert_eq!(
                    search_from(&names, absent, hint),
                    None,
                    "{absent} from {hint}"
                );
            }
        }
        assert_eq!(search_from(&[], "a", 0), None);
    }

    #[test]
    fn marker_stripping_matches_nltk_regex() {
        assert_eq!(strip_syntactic_marker("galore(ip)"), "galore");
        assert_eq!(strip_syntactic_marker("elect(p)"), "elect");
        assert_eq!(strip_syntactic_marker("dog"), "dog");
        assert_eq!(strip_syntactic_marker("a(b)c"), "a(b)c");
        assert_eq!(strip_syntactic_marker("a(b(c)"), "a(b");
        assert_eq!(strip_syntactic_marker("a(b)(c)"), "a(b)");
        assert_eq!(strip_syntactic_marker("()"), "");
    }

    #[test]
    fn byte_pruning_only_skips_words_without_synsets() {
        // Index forms and exception keys with every ASCII byte put before,
        // inside and after them: the pruned lookup equals the full one.
        let wn = WordNet::embedded();
        let mut words: Vec<String> = wn.forms.keys().step_by(97).map(|k| k.to_string()).collect();
        for e in &wn.exceptions {
            words.extend(e.keys().step_by(13).map(|k| k.to_string()));
        }
        words.extend(
            [
                "dogs", "geese", "running", "ran", "better", "a.d.", "u.s.", "o'clock",
            ]
            .map(String::from),
        );
        let mut pruned = 0;
        for w in &words {
            for b in 0x20u8..0x7f {
                let c = (b as char).to_string();
                let mid = w.len() / 2;
                for v in [
                    format!("{c}{w}"),
                    format!("{w}{c}"),
                    format!("{}{c}{}", &w[..mid], &w[mid..]),
                    format!("{w}{c}s"),
                ] {
                    let got = wn.synonym_ids(&v);
                    assert_eq!(got, wn.collect_synonym_ids(&v, Vec::new()), "{v:?}");
                    pruned += v.bytes().any(|b| !wn.lexicon_bytes[b as usize]) as usize;
                }
            }
        }
        assert!(pruned > 0);
        assert!(!wn.synonym_ids("dogs").is_empty());
        assert!(wn.synonym_ids("dogs,").is_empty());
    }
}
