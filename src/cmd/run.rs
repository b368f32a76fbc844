//! `wildstat run PIPELINE.toml`: runs the stages a pipeline file names, in
//! order, over the inputs it names, and prints paper-style Markdown tables.
//!
//! Relative paths in a pipeline file are resolved against the folder of the
//! file itself, so `wildstat run pipelines/demo.toml` works from any folder.

use std::path::{Path, PathBuf};

use serde::Deserialize;

use crate::common::SelectArgs;

/// Run the stages named by a pipeline file.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The pipeline file (TOML).
    #[arg(value_name = "PIPELINE")]
    pipeline: PathBuf,
    /// No progress output.
    #[arg(long, short)]
    quiet: bool,
}

/// A pipeline file.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Pipeline {
    /// Free text shown at the top of the output.
    #[serde(default)]
    description: Option<String>,
    /// Input files or folders.
    inputs: Vec<PathBuf>,
    /// Stages to run, in order.
    stages: Vec<String>,
    /// Selection shared by all stages.
    #[serde(default)]
    select: Select,
}

/// The `[select]` table: the same options as the stages' flags.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct Select {
    model_from: Option<String>,
    models: Option<Vec<String>>,
    conversations: Option<PathBuf>,
    language: Option<String>,
    turns: Option<String>,
    sample: Option<usize>,
    seed: Option<u64>,
}

fn resolve(base: &Path, p: &Path) -> PathBuf {
    if p.is_absolute() {
        p.to_path_buf()
    } else {
        base.join(p)
    }
}

/// Runs `run`.
pub fn run(args: Args) -> Result<(), String> {
    let text = std::fs::read_to_string(&args.pipeline)
        .map_err(|e| format!("{}: cannot read pipeline: {e}", args.pipeline.display()))?;
    let p: Pipeline = toml::from_str(&text)
        .map_err(|e| format!("{}: {}", args.pipeline.display(), e.message()))?;
    let base = args
        .pipeline
        .parent()
        .unwrap_or(Path::new("."))
        .to_path_buf();
    let s = &p.select;
    let select = SelectArgs {
        inputs: p.inputs.iter().map(|i| resolve(&base, i)).collect(),
        model_from: s.model_from.as_deref().unwrap_or("auto").parse()?,
        models: s.models.clone().unwrap_or_default(),
        conversations: s.conversations.as_ref().map(|c| resolve(&base, c)),
        language: s.language.clone(),
        turns: s.turns.as_deref().unwrap_or("first").parse()?,
        sample: s.sample,
        seed: s.seed.unwrap_or(0),
        quiet: args.quiet,
    };
    if p.stages.is_empty() {
        return Err(format!("{}: no stages named", args.pipeline.display()));
    }
    if let Some(d) = &p.description {
        println!("# {d}\n");
    }
    for stage in &p.stages {
        match stage.as_str() {
            "inspect" => {
                println!("## inspect\n");
                crate::cmd::inspect::run(crate::cmd::inspect::Args::from_select(select.clone()))?;
                println!();
            }
            other => {
                return Err(format!(
                    "{}: unknown stage {other:?} (known: inspect)",
                    args.pipeline.display()
                ))
            }
        }
    }
    Ok(())
}
