//! `wildstat`: parses the command line and runs the chosen subcommand; every
//! error is printed as one line with a non-zero exit.

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
    let cli = wildstat::cmd::Cli::parse();
    match wildstat::cmd::run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("wildstat: error: {}", format!("{e:#}").replace('\n', " "));
            ExitCode::FAILURE
        }
    }
}
