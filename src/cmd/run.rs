//! `wildstat run PIPELINE.toml`: runs the stages a pipeline file names, in
//! order, over the inputs it names, prints paper-style Markdown tables, and
//! ends by writing `OUT/report.html` (see `wildstat report`) and printing
//! its path.
//! With `--slurm`, the shardable stages are submitted to Slurm instead
//! through `scripts/slurm/submit.sh`, using the file's `[cluster]` table.
//!
//! A pipeline is turned into one `wildstat STAGE ...` command line per stage:
//! the local run parses and runs exactly those, and `--slurm` hands the same
//! ones to the scheduler, so both mean the same thing. Relative paths in a
//! pipeline are resolved against the folder of the file itself, so
//! `wildstat run pipelines/demo.toml` works from any folder.

use std::path::{Component, Path, PathBuf};
use std::process::Command;

use clap::Parser;
use serde::Deserialize;

/// Run the stages named by a pipeline file.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The pipeline file (TOML).
    #[arg(value_name = "PIPELINE")]
    pipeline: PathBuf,
    /// Submit similarity and style as Slurm array jobs (see [cluster]).
    #[arg(long)]
    slurm: bool,
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
    /// Stages to run, in order: inspect, similarity, style, shared, agreement.
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
    /// Options of the shared-answer stage.
    #[serde(default)]
    shared: Shared,
    /// Options of the run-to-run agreement stage.
    #[serde(default)]
    agreement: Agreement,
    /// How to run on Slurm with `--slurm`.
    #[serde(default)]
    cluster: Cluster,
}

/// The `[select]` table: the stages' selection flags.
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

/// The `[similarity]` table: `wildstat similarity` flags.
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

/// The `[style]` table: `wildstat style` flags.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct Style {
    #[serde(default)]
    pf: Vec<String>,
    pf_baseline: Option<String>,
}

/// The `[shared]` table: `wildstat shared` flags.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct Shared {
    ngram: Option<usize>,
    window: Option<usize>,
    min_code_chars: Option<usize>,
    top: Option<usize>,
    memory: Option<u64>,
}

/// The `[agreement]` table: `wildstat agreement` flags.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct Agreement {
    run_column: Option<String>,
    run_from: Option<String>,
    answer_regex: Option<String>,
    gold: Option<PathBuf>,
    bootstrap: Option<usize>,
    top: Option<usize>,
}

/// The `[cluster]` table: `submit.sh` options.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct Cluster {
    tasks: Option<usize>,
    partition: Option<String>,
    time: Option<String>,
    mem: Option<String>,
    cpus_per_task: Option<usize>,
    /// Block until the merge job ends (default true).
    wait: Option<bool>,
}

/// `p` relative to `base` unless absolute, with `.` and `..` folded away
/// lexically so messages show a clean path.
fn resolve(base: &Path, p: &Path) -> PathBuf {
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

fn path_arg(p: &Path) -> String {
    p.to_string_lossy().into_owned()
}

impl Pipeline {
    /// The command line (after `wildstat`) of each stage, in order.
    fn commands(
        &self,
        base: &Path,
        file: &str,
        quiet: bool,
    ) -> Result<Vec<(String, Vec<String>)>, String> {
        if self.stages.is_empty() {
            return Err(format!("{file}: no stages named"));
        }
        let mut select: Vec<String> = self
            .inputs
            .iter()
            .map(|i| path_arg(&resolve(base, i)))
            .collect();
        let s = &self.select;
        let mut flag = |name: &str, v: Option<String>| {
            if let Some(v) = v {
                select.push(format!("--{name}"));
                select.push(v);
            }
        };
        flag("model-from", s.model_from.clone());
        flag("models", s.models.as_ref().map(|m| m.join(",")));
        flag(
            "conversations",
            s.conversations
                .as_ref()
                .map(|c| path_arg(&resolve(base, c))),
        );
        flag("language", s.language.clone());
        flag("turns", s.turns.clone());
        flag("sample", s.sample.map(|n| n.to_string()));
        flag("seed", s.seed.map(|n| n.to_string()));
        if quiet {
            select.push("--quiet".into());
        }
        let out_of = |stage: &str| -> Result<Vec<String>, String> {
            let out = self
                .out
                .as_ref()
                .ok_or_else(|| format!("{file}: stage {stage} needs `out = \"DIR\"`"))?;
            let mut v = vec![
                "--out".to_string(),
                path_arg(&resolve(base, out).join(stage)),
            ];
            if self.force {
                v.push("--force".into());
            }
            Ok(v)
        };
        let mut cmds = Vec::new();
        for stage in &self.stages {
            let mut args = select.clone();
            match stage.as_str() {
                "inspect" => {}
                "similarity" => {
                    args.extend(out_of(stage)?);
                    let o = &self.similarity;
                    let refs = match &o.refs {
                        None => None,
                        Some(toml::Value::Integer(k)) => Some(k.to_string()),
                        Some(toml::Value::String(s)) => Some(s.clone()),
                        Some(v) => {
                            return Err(format!(
                                "{file}: similarity.refs must be a number or \"all\", not {v}"
                            ))
                        }
                    };
                    let opts = [
                        ("refs", refs),
                        ("aggregate", o.aggregate.clone()),
                        ("bootstrap", o.bootstrap.map(|n| n.to_string())),
                        ("memory", o.memory.map(|n| n.to_string())),
                        ("stemmer", o.stemmer.clone()),
                        (
                            "wordnet",
                            o.wordnet.as_ref().map(|w| path_arg(&resolve(base, w))),
                        ),
                    ];
                    for (k, v) in opts {
                        if let Some(v) = v {
                            args.extend([format!("--{k}"), v]);
                        }
                    }
                }
                "style" => {
                    args.extend(out_of(stage)?);
                    for pf in &self.style.pf {
                        args.extend(["--pf".to_string(), pf.clone()]);
                    }
                    if let Some(b) = &self.style.pf_baseline {
                        args.extend(["--pf-baseline".to_string(), b.clone()]);
                    }
                }
                "shared" => {
                    args.extend(out_of(stage)?);
                    let o = &self.shared;
                    let opts = [
                        ("ngram", o.ngram.map(|n| n.to_string())),
                        ("window", o.window.map(|n| n.to_string())),
                        ("min-code-chars", o.min_code_chars.map(|n| n.to_string())),
                        ("top", o.top.map(|n| n.to_string())),
                        ("memory", o.memory.map(|n| n.to_string())),
                    ];
                    for (k, v) in opts {
                        if let Some(v) = v {
                            args.extend([format!("--{k}"), v]);
                        }
                    }
                }
                "agreement" => {
                    args.extend(out_of(stage)?);
                    let o = &self.agreement;
                    let opts = [
                        ("run-column", o.run_column.clone()),
                        ("run-from", o.run_from.clone()),
                        ("answer-regex", o.answer_regex.clone()),
                        (
                            "gold",
                            o.gold.as_ref().map(|g| path_arg(&resolve(base, g))),
                        ),
                        ("bootstrap", o.bootstrap.map(|n| n.to_string())),
                        ("top", o.top.map(|n| n.to_string())),
                    ];
                    for (k, v) in opts {
                        if let Some(v) = v {
                            args.extend([format!("--{k}"), v]);
                        }
                    }
                }
                other => {
                    return Err(format!(
                        "{file}: unknown stage {other:?} (known: inspect, similarity, style, shared, agreement)"
                    ))
                }
            }
            cmds.push((stage.clone(), args));
        }
        Ok(cmds)
    }
}

/// Runs `run`.
pub fn run(args: Args) -> Result<(), String> {
    let file = args.pipeline.display().to_string();
    let text = std::fs::read_to_string(&args.pipeline)
        .map_err(|e| format!("{file}: cannot read pipeline: {e}"))?;
    let p: Pipeline = toml::from_str(&text).map_err(|e| format!("{file}: {}", e.message()))?;
    let base = args
        .pipeline
        .parent()
        .unwrap_or(Path::new("."))
        .to_path_buf();
    let cmds = p.commands(&base, &file, args.quiet)?;
    if let Some(d) = &p.description {
        println!("# {d}\n");
    }
    let mut stage_dirs = Vec::new();
    for (stage, stage_args) in cmds {
        if let Some(i) = stage_args.iter().position(|a| a == "--out") {
            stage_dirs.push(PathBuf::from(&stage_args[i + 1]));
        }
        println!("## {stage}\n");
        if args.slurm && stage != "inspect" {
            submit(&p.cluster, &stage, &stage_args, &base)?;
        } else {
            let argv = std::iter::once("wildstat".to_string())
                .chain(std::iter::once(stage.clone()))
                .chain(stage_args);
            let cli =
                super::Cli::try_parse_from(argv).map_err(|e| format!("{file}: {stage}: {e}"))?;
            super::run(cli)?;
        }
        println!();
    }
    report(&p, &base, &file, &text, &stage_dirs, args.slurm)
}

/// Writes `OUT/report.html` from the stage outputs just written and prints
/// its path. Skipped when no stage wrote files, and for `--slurm` without
/// `wait` (the jobs are still running; run `wildstat report` afterwards).
fn report(
    p: &Pipeline,
    base: &Path,
    file: &str,
    text: &str,
    stage_dirs: &[PathBuf],
    slurm: bool,
) -> Result<(), String> {
    let Some(out) = &p.out else { return Ok(()) };
    if stage_dirs.is_empty() {
        return Ok(());
    }
    let path = resolve(base, out).join("report.html");
    if slurm && !p.cluster.wait.unwrap_or(true) {
        let dirs: Vec<String> = stage_dirs.iter().map(|d| path_arg(d)).collect();
        eprintln!(
            "run: jobs submitted without waiting; when they end, write the report with\n    wildstat report {} --out {}",
            dirs.join(" "),
            path.display()
        );
        return Ok(());
    }
    let settings = wildstat_report::Settings {
        title: p.description.clone(),
        pipeline: Some((file.to_string(), text.to_string())),
    };
    super::report::write(stage_dirs, &path, p.force, &settings)?;
    println!("## report\n\n{}", path.display());
    Ok(())
}

/// Submits one stage with `submit.sh` (found via WILDSTAT_SUBMIT, else in
/// `scripts/slurm/` beside the pipeline's folder or the current folder).
fn submit(c: &Cluster, stage: &str, stage_args: &[String], base: &Path) -> Result<(), String> {
    let script = std::env::var_os("WILDSTAT_SUBMIT")
        .map(PathBuf::from)
        .into_iter()
        .chain([
            base.join("../scripts/slurm/submit.sh"),
            PathBuf::from("scripts/slurm/submit.sh"),
        ])
        .find(|p| p.is_file())
        .ok_or("--slurm: scripts/slurm/submit.sh not found (set WILDSTAT_SUBMIT)")?;
    let mut cmd = Command::new("bash");
    cmd.arg(&script);
    cmd.args(["--tasks", &c.tasks.unwrap_or(1).to_string()]);
    for (k, v) in [
        ("partition", &c.partition),
        ("time", &c.time),
        ("mem", &c.mem),
    ] {
        if let Some(v) = v {
            cmd.args([format!("--{k}"), v.clone()]);
        }
    }
    if let Some(n) = c.cpus_per_task {
        cmd.args(["--cpus-per-task", &n.to_string()]);
    }
    if c.wait.unwrap_or(true) {
        cmd.arg("--wait");
    }
    cmd.arg("--")
        .arg(stage)
        .args(stage_args.iter().filter(|a| *a != "--force"));
    if std::env::var_os("WILDSTAT_BIN").is_none() {
        if let Ok(exe) = std::env::current_exe() {
            cmd.env("WILDSTAT_BIN", exe);
        }
    }
    let status = cmd
        .status()
        .map_err(|e| format!("{}: cannot run: {e}", script.display()))?;
    if !status.success() {
        return Err(format!(
            "{stage}: Slurm submission or jobs failed ({status})"
        ));
    }
    Ok(())
}
