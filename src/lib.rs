//! wildstat: exact, fast statistics and paper-style tables over corpora of
//! LLM chat transcripts.
//!
//! - [`stages`]: one folder per stage (similarity, style, shared,
//!   agreement, keywords, judge, contamination): what it computes, its
//!   options and tables.
//! - [`cmd`]: the command line, one thin file per subcommand.
//!
//! The executor every stage runs on (inputs, shards, parts, merge, safe
//! output folders, progress) is the `wildstat-engine` crate; reading,
//! metrics, Markdown counting, statistics, the report and the synthetic
//! corpus generator are the other `crates/` libraries.

pub mod cmd;
pub mod stages;
