//! wildstat-keywords: the key words that set two groups of texts apart
//! (the WildChat-50M paper's Figures 3-4: a judge's comments on one model
//! vs another, or two models' responses).
//!
//! Method: Monroe, Colaresi and Quinn, "Fightin' Words: Lexical Feature
//! Selection and Evaluation for Identifying the Content of Political
//! Conflict", Political Analysis 16(4), 2008, eq. 16-22: the weighted
//! log-odds ratio with an informative Dirichlet prior, here the pooled word
//! counts of both groups times a scale, standardised to a z-score.
//!
//! - [`words`]: the tokenisation rule (lowercase runs of letters, marks,
//!   digits and apostrophes; see [`tokenize`]), [`Stopwords::english`]
//!   (NLTK's list).
//! - [`Counts`]: per-group word counts; exact, order-free [`Counts::merge`],
//!   serialisable with sorted keys for part files.
//! - [`fightin_words`]: the scores ([`WordScore`]), sorted by z.
//! - [`tables`] and [`chart_svg`]: CSV/Markdown/LaTeX/JSON tables and a
//!   deterministic SVG word chart.
//!
//! Everything is pure and deterministic: same texts (in any order, split
//! in any chunks), same bytes out.

pub mod counts;
pub mod output;
pub mod score;
pub mod tokenize;

pub use counts::Counts;
pub use output::{chart_svg, sides, tables, Outputs};
pub use score::{fightin_words, WordScore};
pub use tokenize::{words, Stopwords};
