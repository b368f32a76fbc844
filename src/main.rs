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
    let cli = match wildstat::cmd::Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) if e.use_stderr() => {
            // A usage error: one line, exit 2 (clap's convention).
            let text = e.to_string();
            let first = text.lines().next().unwrap_or("invalid arguments");
            eprintln!(
                "wildstat: error: {} (see wildstat --help)",
                first.trim_start_matches("error: ")
            );
            return ExitCode::from(2);
        }
        Err(e) => e.exit(),
    };
    match wildstat::cmd::run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("wildstat: error: {}", format!("{e:#}").replace('\n', " "));
            ExitCode::FAILURE
        }
    }
}
