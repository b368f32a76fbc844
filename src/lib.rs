//! wildstat: exact, fast statistics and paper-style tables over corpora of
//! LLM chat transcripts.
//!
//! - [`engine`]: the one executor every stage runs on (inputs, shards,
//!   parts, merge, safe output folders, progress).
//! - [`stages`]: one folder per stage (similarity, style, shared,
//!   agreement, keywords, judge, contamination): what it computes, its
//!   options and tables.
//! - [`cmd`]: the command line, one thin file per subcommand.
//!
//! Reading, metrics, Markdown counting, statistics, the report and the
//! synthetic corpus generator live in the `crates/` libraries.

pub mod cmd;
pub mod engine;
pub mod stages;
