//! `wildstat partition INPUT... --out P --buckets N`: one pass over the
//! inputs that writes the selected responses (model, conversation id, turn,
//! language, text) into N Parquet buckets of contiguous conversation-id
//! ranges, plus `P/partition.toml`. Rank R of a conversation-split stage
//! (similarity, shared) given P then reads only `P/bucket-R.parquet`, so all
//! ranks together read about one pass. Rerunning on a finished partition
//! of the same inputs, selection and N does nothing.

use std::path::PathBuf;

use wildstat_engine::input::InputArgs;
use wildstat_engine::named::range_usize;
use wildstat_engine::Result;

/// Split the selected responses into conversation-id buckets.
#[derive(Debug, Clone, clap::Args)]
pub struct Args {
    #[command(flatten)]
    pub input: InputArgs,
    /// Output folder.
    #[arg(long, value_name = "P")]
    pub out: PathBuf,
    /// Number of buckets, the array size of the ranks (1 to 1000: every
    /// bucket is an open file while the partition is written).
    #[arg(long, value_name = "N", value_parser = range_usize(1, 1000))]
    pub buckets: usize,
    /// Replace P if it exists and wildstat wrote it.
    #[arg(long)]
    pub force: bool,
    /// No progress output.
    #[arg(long, short)]
    pub quiet: bool,
}

/// Runs `partition`.
pub fn run(a: Args) -> Result<()> {
    wildstat_engine::partition::write(
        &a.input.inputs,
        &a.input.select,
        &a.out,
        a.buckets,
        a.force,
        a.quiet,
    )
}
