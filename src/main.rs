//! `wildstat`: exact, fast statistics and paper-style tables over corpora of
//! LLM chat transcripts. This binary is a thin shell over the library crates:
//! argument parsing, progress and output files live here; reading, metrics
//! and aggregation live in `crates/`.

mod cmd;
mod common;
mod output;
mod progress;
mod shard;
mod similarity;
mod style;

use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    let cli = cmd::Cli::parse();
    match cmd::run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("wildstat: error: {}", e.replace('\n', " "));
            ExitCode::FAILURE
        }
    }
}
