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
    /// Output folder; each stage writes `OUT/<stage>`.
    #[serde(default)]
    out: Option<PathBuf>,
    /// Replace existing stage outputs (a demo meant to be rerun sets this).
    #[serde(default)]
    force: bool,
    /// Selection shared by all stages.
    #[serde(default)]
    select: Select,
    /// Options of the similarity stage.
    #[serde(default)]
    similarity: Similarity,
    /// Options of the style stage.
    #[serde(default)]
    style: Style,
}

/// The `[similarity]` table.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct Similarity {
    refs: Option<toml::Value>,
    aggregate: Option<String>,
    bootstrap: Option<usize>,
    memory: Option<u64>,
    stemmer: Option<String>,
    wordnet: Option<PathBuf>,
}

/// The `[style]` table.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct Style {
    #[serde(default)]
    pf: Vec<String>,
    pf_baseline: Option<String>,
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

/// `p` relative to `base` unless absolute, with `.` and `..` folded away
/// lexically so messages show a clean path.
fn resolve(base: &Path, p: &Path) -> PathBuf {
    use std::path::Component;
    let joined = if p.is_absolute() {
        p.to_path_buf()
    } else {
        base.join(p)
    };
    let mut out = PathBuf::new();
    for c in joined.components() {
        match c {
            Component::CurDir => {}
            Component::ParentDir
                if matches!(out.components().next_back(), Some(Component::Normal(_))) =>
            {
                out.pop();
            }
            c => out.push(c),
        }
    }
    if out.as_os_str().is_empty() {
        out.push(".");
    }
    out
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
    let file = args.pipeline.display();
    let out_of = |stage: &str| -> Result<PathBuf, String> {
        let out = p
            .out
            .as_ref()
            .ok_or_else(|| format!("{file}: stage {stage} needs `out = \"DIR\"`"))?;
        Ok(resolve(&base, out).join(stage))
    };
    for stage in &p.stages {
        if !["inspect", "similarity", "style"].contains(&stage.as_str()) {
            return Err(format!(
                "{file}: unknown stage {stage:?} (known: inspect, similarity, style)"
            ));
        }
    }
    for stage in &p.stages {
        println!("## {stage}\n");
        match stage.as_str() {
            "inspect" => {
                crate::cmd::inspect::run(crate::cmd::inspect::Args::from_select(select.clone()))?
            }
            "similarity" => {
                let o = &p.similarity;
                let refs = match &o.refs {
                    None => "5".to_string(),
                    Some(toml::Value::Integer(k)) => k.to_string(),
                    Some(toml::Value::String(s)) => s.clone(),
                    Some(v) => {
                        return Err(format!(
                            "{file}: similarity.refs must be a number or \"all\", not {v}"
                        ))
                    }
                };
                crate::cmd::similarity::run(crate::cmd::similarity::Args {
                    select: select.clone(),
                    out: out_of("similarity")?,
                    force: p.force,
                    refs: refs.parse()?,
                    aggregate: o.aggregate.as_deref().unwrap_or("honest").parse()?,
                    bootstrap: o.bootstrap.unwrap_or(1000),
                    memory: o.memory.unwrap_or(4096),
                    stemmer: o.stemmer.as_deref().unwrap_or("porter").parse()?,
                    wordnet: o.wordnet.as_ref().map(|w| resolve(&base, w)),
                    shard: Default::default(),
                })?
            }
            "style" => crate::cmd::style::run(crate::cmd::style::Args {
                select: select.clone(),
                out: out_of("style")?,
                force: p.force,
                pf: p.style.pf.clone(),
                pf_baseline: p.style.pf_baseline.clone(),
                shard: Default::default(),
            })?,
            _ => unreachable!("checked above"),
        }
        println!();
    }
    Ok(())
}
