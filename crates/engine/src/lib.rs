//! The stage engine: one executor runs every stage, as DataTrove separates
//! pipeline steps from executors.
//!
//! A stage ([`Stage`]) supplies only what is its own: a config, how to
//! process a batch of responses into an exact, order-free accumulator (and
//! optional per-row Parquet output), and how to turn the accumulator into
//! tables. The executor ([`exec`]) does the rest the same way for every
//! stage: opening and fingerprinting the inputs ([`input`]), splitting them
//! into shards, reading in memory-bounded batches, writing rows in fixed
//! chunks ([`rows`]), part files with done markers and locks for sharded
//! runs ([`parts`]), the merge of parts, and output folders that are
//! written to a temporary name, renamed once and never delete what
//! wildstat did not write ([`out`]). A local run is shard 0 of 1.

pub mod exec;
pub mod input;
pub mod memory;
pub mod named;
pub mod out;
pub mod partition;
pub mod parts;
pub mod progress;
pub mod rows;
pub mod stage;

pub use stage::{Accumulator, Context, Emit, Outputs, Split, Stage, StageConfig};

/// Result type of the engine and the stages: errors carry their context
/// (file, row group, column) and print as one line.
pub type Result<T> = anyhow::Result<T>;
