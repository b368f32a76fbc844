//! `wildstat`: exact, fast statistics and paper-style tables over corpora of
//! LLM chat transcripts. This binary is a thin shell over the library crates:
//! argument parsing, progress and output files live here; reading, metrics
//! and aggregation live in `crates/`.

mod agreement;
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
    // Die quietly when stdout is closed early (`wildstat ... | head`), like
    // other Unix filters, instead of panicking on the failed write.
    #[cfg(unix)]
    // SAFETY: resetting a signal disposition to its default at start-up,
    // before any thread exists, has no memory-safety preconditions.
    unsafe {
        libc::signal(libc::SIGPIPE, libc::SIG_DFL);
    }
    let cli = cmd::Cli::parse();
    match cmd::run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("wildstat: error: {}", e.replace('\n', " "));
            ExitCode::FAILURE
        }
    }
}
