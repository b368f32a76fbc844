//! Subcommands, one per file, each with its usage next to its code.

use clap::{Parser, Subcommand};

pub mod agreement;
pub mod inspect;
pub mod merge;
pub mod partition;
pub mod report;
pub mod run;
pub mod shared;
pub mod similarity;
pub mod style;
pub mod synth;

/// Exact, fast statistics and paper-style tables over corpora of LLM chat
/// transcripts (WildChat-style Parquet).
#[derive(Debug, Parser)]
#[command(name = "wildstat", version, about, max_term_width = 100)]
pub struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    Inspect(inspect::Args),
    Similarity(similarity::Args),
    Style(style::Args),
    Shared(shared::Args),
    Agreement(agreement::Args),
    Report(report::Args),
    Run(run::Args),
    Partition(partition::Args),
    Merge(merge::Args),
    Synth(synth::Args),
}

/// Runs the chosen subcommand.
pub fn run(cli: Cli) -> Result<(), String> {
    match cli.command {
        Command::Inspect(a) => inspect::run(a),
        Command::Agreement(a) => agreement::run(a),
        Command::Partition(a) => partition::run(a),
        Command::Merge(a) => merge::run(a),
        Command::Synth(a) => synth::run(a),
        Command::Run(a) => run::run(a),
        Command::Similarity(a) => similarity::run(a),
        Command::Style(a) => style::run(a),
        Command::Shared(a) => shared::run(a),
        Command::Report(a) => report::run(a),
    }
}
