//! METEOR alignment counts (NLTK 3.10) over preprocessed token lists; the
//! score formula, type checks and `preprocess` live in
//! `wildstat/meteor_score.py`, exactly as NLTK writes them.
//!
//! Token lists cross the boundary packed (see [`Tokens`]): one string per
//! list instead of one conversion per token.

use pyo3::prelude::*;
use rayon::prelude::*;
use wildstat_metrics::meteor::{default_context, MeteorScratch};
use wildstat_metrics::meteor_tokens::align_tokens;

/// The separator of packed token lists (`_pack` in `meteor_score.py`).
const SEP: char = '\u{1f}';

/// A token list from Python: `(joined, n)`, its `n` tokens joined by
/// U+001F when none of them contains it, else the list itself.
#[derive(FromPyObject)]
enum Tokens {
    /// The tokens joined by [`SEP`], and their number.
    Packed(String, usize),
    /// The tokens one by one.
    List(Vec<String>),
}

impl Tokens {
    fn split(&self) -> Vec<&str> {
        match self {
            Tokens::Packed(_, 0) => Vec::new(),
            Tokens::Packed(s, _) => s.split(SEP).collect(),
            Tokens::List(v) => v.iter().map(String::as_str).collect(),
        }
    }
}

/// Alignment counts of one job as `(matches, chunks)`.
fn counts(hypothesis: &Tokens, reference: &Tokens, scratch: &mut MeteorScratch) -> (usize, usize) {
    let c = align_tokens(
        default_context(),
        &hypothesis.split(),
        &reference.split(),
        scratch,
    );
    (c.matches, c.chunks)
}

/// `(matches, chunks)` of NLTK's alignment of `hypothesis` against
/// `reference` (tokens compared as given: already preprocessed).
#[pyfunction]
fn meteor_counts(py: Python<'_>, hypothesis: Tokens, reference: Tokens) -> (usize, usize) {
    py.detach(|| counts(&hypothesis, &reference, &mut MeteorScratch::new()))
}

/// [`meteor_counts`] of every `(hypothesis, reference)` job, in order, on
/// `threads` threads without the GIL.
#[pyfunction]
#[pyo3(signature = (jobs, threads=None))]
fn meteor_counts_batch(
    py: Python<'_>,
    jobs: Vec<(Tokens, Tokens)>,
    threads: Option<usize>,
) -> PyResult<Vec<(usize, usize)>> {
    crate::pool::run(py, threads, || {
        jobs.par_iter()
            .map_init(MeteorScratch::new, |scratch, (h, r)| counts(h, r, scratch))
            .collect()
    })
}

/// NLTK 3.10's `PorterStemmer().stem(word)` (NLTK_EXTENSIONS mode).
#[pyfunction]
fn porter_stem(word: String) -> String {
    wildstat_metrics::porter::stem(&word)
}

/// Adds this file's functions to the module.
pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(meteor_counts, m)?)?;
    m.add_function(wrap_pyfunction!(meteor_counts_batch, m)?)?;
    m.add_function(wrap_pyfunction!(porter_stem, m)?)?;
    Ok(())
}
