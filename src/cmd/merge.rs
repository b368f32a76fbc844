//! `wildstat merge OUT`: combines the parts that the ranks of a sharded run
//! left in `OUT.work/parts/` into OUT - the same bytes a single-process run
//! writes, written atomically. Refuses, before writing anything, when a
//! rank is missing, a part is unreadable, or the parts were made with other
//! settings or inputs than rank 0's, naming the first difference.

use std::path::PathBuf;

use wildstat_engine::Result;

/// Combine the parts of a sharded run into the final files.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The --out folder the ranks were given.
    #[arg(value_name = "OUT")]
    out: PathBuf,
    /// Replace OUT if it exists and wildstat wrote it.
    #[arg(long)]
    force: bool,
    /// No summary on stderr.
    #[arg(long, short)]
    quiet: bool,
}

/// Runs `merge`.
pub fn run(args: Args) -> Result<()> {
    crate::stages::merge(&args.out, args.force, args.quiet)
}
