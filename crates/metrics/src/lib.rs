//! wildstat-metrics: pure, I/O-free text similarity metrics with exact
//! parity to the Python references: ROUGE-1/2/L of Google's
//! `rouge-score==0.1.2` (`use_stemmer=True`) and NLTK 3.10.4's METEOR.
//!
//! The similarity stage builds one [`Preparer`], prepares every response
//! once ([`Preparer::prepare`], from any thread), and scores pairs with
//! [`score`] and a per-thread [`Scratch`]:
//!
//! ```
//! use wildstat_metrics::{score, Preparer, Scratch, StemmerChoice};
//! let p = Preparer::rouge_only(StemmerChoice::Porter);
//! let target = p.prepare("The quick brown fox jumps over the lazy dog");
//! let other = p.prepare("The quick brown dog jumps on the log.");
//! let s = score(&target, &other, &mut Scratch::new());
//! assert_eq!(s.rouge1.fmeasure, 2.0 * 0.75 * (6.0 / 9.0) / (0.75 + 6.0 / 9.0));
//! ```

mod fxhash;
pub mod lcs;
pub mod meteor;
pub mod meteor_tokens;
pub mod porter;
pub mod prepared;
pub mod pylower;
mod radix;
pub mod rouge;
pub mod rouge_n;
pub mod tokenize;
pub mod wordnet;

pub use prepared::{
    rouge_prepared, rouge_str, score, score_both, Prepared, Preparer, Scores, Scratch,
};
pub use rouge::Prf;
pub use tokenize::StemmerChoice;
