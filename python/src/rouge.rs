//! ROUGE-N (n = 1..9), ROUGE-L and rougeLsum of rouge-score 0.1.2 over
//! texts (its default tokenizer, with or without Porter stemming) or over
//! token lists from a caller's tokenizer. The rouge-type names, the result
//! dict and `Score` tuples live in `wildstat/rouge_scorer.py`.
//!
//! A result is `None` where rouge-score returns `Score(0, 0, 0)` with
//! integer zeros (ROUGE-L or rougeLsum with no token on a side), else the
//! three floats.

use std::collections::HashMap;
use std::num::NonZeroUsize;

use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;
use rayon::prelude::*;
use wildstat_metrics::rouge_n::{rouge_lsum, rouge_n, LsumScratch};
use wildstat_metrics::tokenize::{tokenize, TokenStemmer};
use wildstat_metrics::{rouge_prepared, Prepared, Preparer, Prf, Scratch, StemmerChoice};

/// One rouge type, parsed from its canonical name.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Kind {
    /// `rouge1` .. `rouge9`.
    N(NonZeroUsize),
    /// `rougeL`.
    L,
    /// `rougeLsum`.
    Lsum,
}

/// Parses canonical names (`rouge1`..`rouge9`, `rougeL`, `rougeLsum`).
fn parse_kinds(names: &[String]) -> PyResult<Vec<Kind>> {
    names
        .iter()
        .map(|name| match name.as_str() {
            "rougeL" => Ok(Kind::L),
            "rougeLsum" => Ok(Kind::Lsum),
            _ => name
                .strip_prefix("rouge")
                .filter(|d| d.len() == 1)
                .and_then(|d| d.parse::<usize>().ok())
                .and_then(NonZeroUsize::new)
                .map(Kind::N)
                .ok_or_else(|| PyValueError::new_err(format!("Invalid rouge type: {name}"))),
        })
        .collect()
}

/// One text ready for scoring: whole-text tokens (when a non-rougeLsum type
/// is asked for) and per-sentence tokens (when rougeLsum is).
#[derive(Default)]
struct Doc {
    whole: Prepared,
    sentences: Vec<Prepared>,
}

/// One result (see the module docs).
type Out = Option<(f64, f64, f64)>;

fn out(p: Prf) -> Out {
    Some((p.precision, p.recall, p.fmeasure))
}

/// Per-thread buffers.
#[derive(Default)]
struct Buffers {
    scratch: Scratch,
    lsum: LsumScratch,
}

/// Scores `prediction` against `target` for every kind, in order.
fn score_docs(kinds: &[Kind], target: &Doc, prediction: &Doc, buf: &mut Buffers) -> Vec<Out> {
    let (t, p) = (&target.whole, &prediction.whole);
    let mut one_two_l: Option<[Prf; 3]> = None;
    kinds
        .iter()
        .map(|&kind| {
            let mut base = |k: usize| {
                one_two_l.get_or_insert_with(|| rouge_prepared(t, p, &mut buf.scratch))[k]
            };
            match kind {
                Kind::N(n) if n.get() <= 2 => out(base(n.get() - 1)),
                Kind::N(n) => out(rouge_n(t.tokens(), p.tokens(), n)),
                Kind::L if t.is_empty() || p.is_empty() => None,
                Kind::L => out(base(2)),
                Kind::Lsum => {
                    let ts: Vec<&[u32]> = target.sentences.iter().map(Prepared::tokens).collect();
                    let ps: Vec<&[u32]> =
                        prediction.sentences.iter().map(Prepared::tokens).collect();
                    let empty = |s: &[&[u32]]| s.iter().all(|x| x.is_empty());
                    if empty(&ts) || empty(&ps) {
                        None
                    } else {
                        out(rouge_lsum(&ts, &ps, &mut buf.lsum))
                    }
                }
            }
        })
        .collect()
}

/// Which parts of a [`Doc`] the kinds need: (whole text, sentences).
fn needs(kinds: &[Kind]) -> (bool, bool) {
    (
        kinds.iter().any(|k| *k != Kind::Lsum),
        kinds.contains(&Kind::Lsum),
    )
}

/// A text and, for `split_summaries=True`, its sentences from
/// `nltk.sent_tokenize` (else rougeLsum splits on `"\n"`).
type TextItem = (String, Option<Vec<String>>);

/// The rouge-score default tokenizer over texts, with a token cache shared
/// by all calls and threads (it grows with the distinct words seen).
#[pyclass(frozen, module = "wildstat._wildstat")]
struct RougeCore {
    preparer: Preparer,
}

impl RougeCore {
    fn doc(&self, kinds: &[Kind], (text, sentences): &TextItem) -> Doc {
        let (whole, sents) = needs(kinds);
        let prepare = |s: &str| self.preparer.prepare(s);
        Doc {
            whole: if whole {
                prepare(text)
            } else {
                Prepared::default()
            },
            sentences: match (sents, sentences) {
                (false, _) => Vec::new(),
                (true, Some(given)) => given
                    .iter()
                    .filter(|s| !s.is_empty())
                    .map(|s| prepare(s))
                    .collect(),
                (true, None) => text
                    .split('\n')
                    .filter(|s| !s.is_empty())
                    .map(prepare)
                    .collect(),
            },
        }
    }
}

#[pymethods]
impl RougeCore {
    /// `use_stemmer`: NLTK's Porter stemmer on tokens longer than 3 chars.
    #[new]
    fn new(use_stemmer: bool) -> Self {
        let choice = if use_stemmer {
            StemmerChoice::Porter
        } else {
            StemmerChoice::None
        };
        RougeCore {
            preparer: Preparer::rouge_only(choice),
        }
    }

    /// `rouge_score.tokenize.tokenize(text, stemmer)`.
    fn tokenize(&self, text: String) -> Vec<String> {
        tokenize(&text, &TokenStemmer::new(self.preparer.stemmer()))
    }

    /// Scores one (target, prediction) pair for each kind.
    #[pyo3(signature = (kinds, target, prediction))]
    fn score(
        &self,
        py: Python<'_>,
        kinds: Vec<String>,
        target: TextItem,
        prediction: TextItem,
    ) -> PyResult<Vec<Out>> {
        let kinds = parse_kinds(&kinds)?;
        Ok(py.detach(|| {
            score_docs(
                &kinds,
                &self.doc(&kinds, &target),
                &self.doc(&kinds, &prediction),
                &mut Buffers::default(),
            )
        }))
    }

    /// [`RougeCore::score`] of every pair, in order, on `threads` threads
    /// without the GIL.
    #[pyo3(signature = (kinds, pairs, threads=None))]
    fn score_batch(
        &self,
        py: Python<'_>,
        kinds: Vec<String>,
        pairs: Vec<(TextItem, TextItem)>,
        threads: Option<usize>,
    ) -> PyResult<Vec<Vec<Out>>> {
        let kinds = parse_kinds(&kinds)?;
        crate::pool::run(py, threads, || {
            pairs
                .par_iter()
                .map_init(Buffers::default, |buf, (t, p)| {
                    score_docs(&kinds, &self.doc(&kinds, t), &self.doc(&kinds, p), buf)
                })
                .collect()
        })
    }
}

/// A text tokenized by the caller's tokenizer: whole-text tokens (None when
/// only rougeLsum is asked for) and per-sentence tokens (None without
/// rougeLsum).
type TokenItem = (Option<Vec<String>>, Option<Vec<Vec<String>>>);

/// The doc of `tokens` with ids from `ids` (new tokens get the next id).
fn intern<'a>(ids: &mut HashMap<&'a str, u32>, tokens: &'a [String]) -> Prepared {
    let v = tokens
        .iter()
        .map(|t| {
            let next = ids.len() as u32;
            *ids.entry(t.as_str()).or_insert(next)
        })
        .collect();
    Prepared::from_ids(v, None)
}

/// The doc of one tokenized text, ids from `ids`.
fn token_doc<'a>(ids: &mut HashMap<&'a str, u32>, (whole, sentences): &'a TokenItem) -> Doc {
    Doc {
        whole: whole
            .as_deref()
            .map_or_else(Prepared::default, |w| intern(ids, w)),
        sentences: sentences.iter().flatten().map(|s| intern(ids, s)).collect(),
    }
}

/// Interns both texts' tokens into one id space and builds their docs.
fn token_docs(target: &TokenItem, prediction: &TokenItem) -> (Doc, Doc) {
    let mut ids = HashMap::new();
    let t = token_doc(&mut ids, target);
    (t, token_doc(&mut ids, prediction))
}

/// Scores token lists from a custom tokenizer for each kind.
#[pyfunction]
fn rouge_tokens(
    py: Python<'_>,
    kinds: Vec<String>,
    target: TokenItem,
    prediction: TokenItem,
) -> PyResult<Vec<Out>> {
    let kinds = parse_kinds(&kinds)?;
    Ok(py.detach(|| {
        let (t, p) = token_docs(&target, &prediction);
        score_docs(&kinds, &t, &p, &mut Buffers::default())
    }))
}

/// [`rouge_tokens`] of every pair, in order, on `threads` threads without
/// the GIL.
#[pyfunction]
#[pyo3(signature = (kinds, pairs, threads=None))]
fn rouge_tokens_batch(
    py: Python<'_>,
    kinds: Vec<String>,
    pairs: Vec<(TokenItem, TokenItem)>,
    threads: Option<usize>,
) -> PyResult<Vec<Vec<Out>>> {
    let kinds = parse_kinds(&kinds)?;
    crate::pool::run(py, threads, || {
        pairs
            .par_iter()
            .map_init(Buffers::default, |buf, (t, p)| {
                let (t, p) = token_docs(t, p);
                score_docs(&kinds, &t, &p, buf)
            })
            .collect()
    })
}

/// Adds this file's class and functions to the module.
pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<RougeCore>()?;
    m.add_function(wrap_pyfunction!(rouge_tokens, m)?)?;
    m.add_function(wrap_pyfunction!(rouge_tokens_batch, m)?)?;
    Ok(())
}
