//! METEOR alignment counts (NLTK 3.10) over preprocessed token lists; the
//! score formula, type checks and `preprocess` live in
//! `wildstat/meteor_score.py`, exactly as NLTK writes them.

use pyo3::prelude::*;
use rayon::prelude::*;
use wildstat_metrics::meteor::{default_context, MeteorScratch};
use wildstat_metrics::meteor_tokens::align_tokens;

/// `(matches, chunks)` of NLTK's alignment of `hypothesis` against
/// `reference` (tokens compared as given: already preprocessed).
#[pyfunction]
fn meteor_counts(
    py: Python<'_>,
    hypothesis: Vec<String>,
    reference: Vec<String>,
) -> (usize, usize) {
    py.detach(|| {
        let c = align_tokens(
            default_context(),
            &hypothesis,
            &reference,
            &mut MeteorScratch::new(),
        );
        (c.matches, c.chunks)
    })
}

/// [`meteor_counts`] of every `(hypothesis, reference)` job, in order, on
/// `threads` threads without the GIL.
#[pyfunction]
#[pyo3(signature = (jobs, threads=None))]
fn meteor_counts_batch(
    py: Python<'_>,
    jobs: Vec<(Vec<String>, Vec<String>)>,
    threads: Option<usize>,
) -> PyResult<Vec<(usize, usize)>> {
    crate::pool::run(py, threads, || {
        let ctx = default_context();
        jobs.par_iter()
            .map_init(MeteorScratch::new, |scratch, (h, r)| {
                let c = align_tokens(ctx, h, r, scratch);
                (c.matches, c.chunks)
            })
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
