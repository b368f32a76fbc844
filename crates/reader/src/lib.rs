//! Streaming reader for LLM chat transcripts as researchers hold them.
//!
//! The reader finds Parquet, JSON Lines and JSON files (the JSON ones also
//! gzip- or zstd-compressed), detects which shape each one uses (WildChat,
//! ShareGPT, OpenAI chat `messages`, FastChat MT-Bench and Arena-Hard
//! answers, AlpacaEval outputs, flat tables), decodes only what it needs, and
//! yields the selected turns as [`Response`] values one unit (a Parquet row
//! group, a JSON chunk of whole records) at a time, so that stages can spread
//! units over rayon threads with bounded memory. See the crate README for the
//! shapes and their fields.

mod error;
mod files;
mod hash;
mod json;
mod keys;
mod layout;
mod read;
mod select;

pub use error::Error;
pub use files::{
    discover, file_stem, looks_like_shard, open_all, FileIdentity, Format, InputFile, OpenOptions,
    RunFrom, Unit,
};
pub use hash::{bucket_of, keyed_hash};
pub use keys::{check_selection, range_of, sample_plan, scan_keys, Keys};
pub use layout::{Columns, IdFrom, Layout, ModelFrom, Shape, Variant};
pub use read::{read_unit, Response, UnitStats};
pub use select::{
    parse_model_names, read_id_list, strip_bom, Role, Roles, SamplePlan, Selection, Turns,
};

/// Result type of every fallible reader function.
pub type Result<T> = std::result::Result<T, Error>;
