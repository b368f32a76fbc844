//! `wildstat report DIR... --out report.html`: one self-contained HTML page
//! from the outputs of the stages in DIR... (a stage's `--out`, or a
//! pipeline's `out` holding one folder per stage): run settings and input
//! counts the stages recorded, every table with sortable columns, the
//! similarity heatmap, the style profile, PF tables, and a "Copy LaTeX"
//! button per LaTeX table.
//!
//! The page needs no network (inline CSS, inline SVG, one inline script
//! allowed by its hash in a Content-Security-Policy). Every model name,
//! table cell, note and LaTeX line is HTML-escaped, and an SVG is inlined
//! only when it passes an allowlist of the markup wildstat's figures use.
//! The file is written to a temporary name and renamed into place; an
//! existing `--out` is refused unless `--force`.

use std::path::PathBuf;

use wildstat_report::Settings;

use wildstat_engine::out::write_atomic;
use wildstat_engine::Result;

/// Write one self-contained HTML report of stage outputs.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Stage output folders (or a pipeline's out folder holding them).
    #[arg(value_name = "DIR", required = true)]
    dirs: Vec<PathBuf>,
    /// The HTML file to write.
    #[arg(long, value_name = "FILE")]
    out: PathBuf,
    /// Replace FILE if it exists.
    #[arg(long)]
    force: bool,
    /// Page title.
    #[arg(long, value_name = "TEXT")]
    title: Option<String>,
}

/// Writes the report for `dirs` to `out` atomically (refusing an existing
/// `out` unless `force`).
pub fn write(
    dirs: &[PathBuf],
    out: &std::path::Path,
    force: bool,
    settings: &Settings,
) -> Result<()> {
    if out.exists() && !force {
        anyhow::bail!(
            "{}: output exists (use --force to replace it)",
            out.display()
        );
    }
    if out.is_dir() {
        anyhow::bail!("{}: is a directory", out.display());
    }
    let html = wildstat_report::build(dirs, settings).map_err(anyhow::Error::msg)?;
    if let Some(parent) = out.parent().filter(|p| !p.as_os_str().is_empty()) {
        std::fs::create_dir_all(parent)
            .map_err(|e| anyhow::anyhow!("{}: cannot create: {e}", parent.display()))?;
    }
    write_atomic(out, html.as_bytes())
}

/// Runs `report`.
pub fn run(args: Args) -> Result<()> {
    let settings = Settings {
        title: args.title,
        pipeline: None,
    };
    write(&args.dirs, &args.out, args.force, &settings)?;
    eprintln!("report: {}", args.out.display());
    Ok(())
}
