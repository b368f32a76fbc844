//! Streaming reader for WildChat-style Parquet transcripts.
//!
//! The reader finds Parquet files, detects which schema variant each one uses
//! (WildChat `conversation` with `role`/`content`, or ShareGPT `conversations`
//! with `from`/`value`), decodes only the leaves it needs, and yields the
//! assistant responses as [`Response`] values, one row group at a time, so that
//! stages can spread row groups over rayon threads with bounded memory.

mod error;
mod files;
mod hash;
mod layout;
mod read;
mod select;

pub use error::Error;
pub use files::{discover, open_all, InputFile, RunFrom, Unit};
pub use hash::{bucket_of, keyed_hash};
pub use layout::{Layout, ModelFrom, Variant};
pub use read::{read_unit, Response, UnitStats};
pub use select::{range_of, sample_plan, scan_keys, Keys, SamplePlan, Selection, Turns};

/// Result type of every fallible reader function.
pub type Result<T> = std::result::Result<T, Error>;
