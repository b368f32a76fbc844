//! `wildstat run PIPELINE.toml`: runs the stages a pipeline file names, in
//! order, over the inputs it names, prints paper-style Markdown tables, and
//! ends by writing `OUT/report.html` (see `wildstat report`) and printing
//! its path. With `--slurm`, the stages are submitted to Slurm instead
//! through `scripts/slurm/submit.sh`, using the file's `[cluster]` table.
//!
//! A pipeline's `[select]` table and each stage's table (`[similarity]`,
//! `[style]`, `[shared]`, `[agreement]`) deserialize straight into the
//! structs the command line fills, so they take the same names and
//! defaults. A stage table may also name its own `inputs` (judgment files
//! for judge beside transcripts for the others); the top-level `inputs` are
//! for the stages that do not. Relative paths in a pipeline are resolved
//! against the folder of the file itself, so `wildstat run
//! pipelines/demo.toml` works from any folder.

use std::path::{Component, Path, PathBuf};
use std::process::Command;

use anyhow::{bail, Context as _};
use serde::Deserialize;

use crate::stages::{agreement, contamination, judge, keywords, shared, similarity, style};
use wildstat_engine::exec::{self, RunArgs};
use wildstat_engine::input::{InputArgs, Select};
use wildstat_engine::{Result, Stage, StageConfig};

/// Run the stages named by a pipeline file.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The pipeline file (TOML).
    #[arg(value_name = "PIPELINE")]
    pipeline: PathBuf,
    /// Submit the stages (similarity, style, shared, agreement) as Slurm
    /// array jobs (see [cluster]).
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
    /// Input files or folders of every stage without its own `inputs`.
    #[serde(default)]
    inputs: Vec<PathBuf>,
    /// `[STAGE] inputs = [...]`, taken out of the stage tables before they
    /// are read into the stage configs.
    #[serde(skip)]
    stage_inputs: std::collections::BTreeMap<String, Vec<PathBuf>>,
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
    #[serde(default)]
    similarity: similarity::Config,
    #[serde(default)]
    style: style::Config,
    #[serde(default)]
    shared: shared::Config,
    #[serde(default)]
    agreement: agreement::Config,
    #[serde(default)]
    keywords: keywords::Config,
    #[serde(default)]
    judge: judge::Config,
    #[serde(default)]
    contamination: contamination::Config,
    /// How to run on Slurm with `--slurm`.
    #[serde(default)]
    cluster: Cluster,
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

/// Everything a stage of this pipeline is run with.
struct Plan<'a> {
    input: InputArgs,
    file: &'a str,
    out: Option<PathBuf>,
    pipeline: &'a Pipeline,
    base: &'a Path,
    slurm: bool,
    quiet: bool,
}

impl Plan<'_> {
    /// The inputs of stage `name`: its own `inputs`, else the top-level ones.
    fn input(&self, name: &str) -> Result<InputArgs> {
        let mut input = self.input.clone();
        if let Some(own) = self.pipeline.stage_inputs.get(name) {
            input.inputs = own.iter().map(|i| resolve(self.base, i)).collect();
        }
        if input.inputs.is_empty() {
            bail!(
                "{}: stage {name} has no inputs (give `inputs = [...]` at the top or in [{name}])",
                self.file
            );
        }
        Ok(input)
    }

    /// Runs stage `S` with its table of the pipeline; returns its output.
    fn stage<S: Stage>(&self, cfg: &S::Config) -> Result<PathBuf> {
        let input = self.input(S::NAME)?;
        let out = self
            .out
            .as_ref()
            .with_context(|| format!("stage {} needs `out = \"DIR\"`", S::NAME))?
            .join(S::NAME);
        let mut cfg = cfg.clone();
        for p in cfg.paths_mut() {
            *p = resolve(self.base, p);
        }
        if self.slurm {
            let mut argv: Vec<String> = input
                .inputs
                .iter()
                .map(|p| p.display().to_string())
                .collect();
            argv.extend(flags(&serde_json::to_value(&input.select)?));
            argv.extend(flags(&serde_json::to_value(&cfg)?));
            argv.extend(["--out".to_string(), out.display().to_string()]);
            if self.quiet {
                argv.push("--quiet".into());
            }
            submit(&self.pipeline.cluster, S::NAME, &argv, self.base)?;
        } else {
            let run = RunArgs {
                out: out.clone(),
                force: self.pipeline.force,
                quiet: self.quiet,
                ..RunArgs::default()
            };
            exec::run::<S>(&input, &cfg, &run)?;
        }
        Ok(out)
    }
}

/// Command-line flags for the fields of a config or selection: one generic
/// rule, since every field is the long flag of the same (kebab-case) name.
fn flags(v: &serde_json::Value) -> Vec<String> {
    use serde_json::Value;
    let mut out = Vec::new();
    let Value::Object(map) = v else { return out };
    for (k, v) in map {
        let flag = format!("--{}", k.replace('_', "-"));
        let text = |v: &Value| match v {
            Value::String(s) => s.clone(),
            other => other.to_string(),
        };
        match v {
            Value::Null | Value::Bool(false) => {}
            Value::Bool(true) => out.push(flag),
            Value::Array(items) => {
                for i in items {
                    out.extend([flag.clone(), text(i)]);
                }
            }
            other => out.extend([flag, text(other)]),
        }
    }
    out
}

/// Runs `run`.
pub fn run(args: Args) -> Result<()> {
    let file = args.pipeline.display().to_string();
    let text = std::fs::read_to_string(&args.pipeline)
        .with_context(|| format!("{file}: cannot read pipeline"))?;
    let p = parse(&text).map_err(|e| anyhow::anyhow!("{file}: {e}"))?;
    if p.stages.is_empty() {
        bail!("{file}: no stages named");
    }
    let base = args
        .pipeline
        .parent()
        .unwrap_or(Path::new("."))
        .to_path_buf();
    let mut select = p.select.clone();
    for path in select.paths_mut() {
        *path = resolve(&base, path);
    }
    let plan = Plan {
        input: InputArgs {
            inputs: p.inputs.iter().map(|i| resolve(&base, i)).collect(),
            select,
        },
        out: p.out.as_ref().map(|o| resolve(&base, o)),
        file: &file,
        pipeline: &p,
        base: &base,
        slurm: args.slurm,
        quiet: args.quiet,
    };
    for stage in &p.stages {
        if !["inspect"].contains(&stage.as_str())
            && !crate::stages::names().contains(&stage.as_str())
        {
            bail!(
                "{file}: unknown stage {stage:?} (known: inspect, {})",
                crate::stages::names().join(", ")
            );
        }
    }
    for stage in &p.stages {
        plan.input(stage)?;
    }
    if let Some(d) = &p.description {
        println!("# {d}\n");
    }
    let mut stage_dirs = Vec::new();
    for stage in &p.stages {
        println!("## {stage}\n");
        let dir = match stage.as_str() {
            "inspect" => {
                super::inspect::print(&plan.input("inspect")?, args.quiet)?;
                None
            }
            "similarity" => Some(plan.stage::<similarity::Similarity>(&p.similarity)?),
            "style" => Some(plan.stage::<style::Style>(&p.style)?),
            "shared" => Some(plan.stage::<shared::Shared>(&p.shared)?),
            "agreement" => Some(plan.stage::<agreement::Agreement>(&p.agreement)?),
            "keywords" => Some(plan.stage::<keywords::Keywords>(&p.keywords)?),
            "judge" => Some(plan.stage::<judge::Judge>(&p.judge)?),
            "contamination" => Some(plan.stage::<contamination::Contamination>(&p.contamination)?),
            _ => unreachable!("checked above"),
        };
        stage_dirs.extend(dir);
        println!();
    }
    report(
        &p,
        plan.out.as_deref(),
        &file,
        &text,
        &stage_dirs,
        args.slurm,
    )
}

/// Reads a pipeline file, taking each stage table's `inputs` out first.
fn parse(text: &str) -> std::result::Result<Pipeline, String> {
    let mut raw: toml::Table = toml::from_str(text).map_err(|e| e.message().to_string())?;
    let mut own = std::collections::BTreeMap::new();
    for name in crate::stages::names() {
        if let Some(toml::Value::Table(t)) = raw.get_mut(name) {
            if let Some(v) = t.remove("inputs") {
                let v: Vec<PathBuf> = v
                    .try_into()
                    .map_err(|e: toml::de::Error| format!("[{name}] inputs: {}", e.message()))?;
                own.insert(name.to_string(), v);
            }
        }
    }
    let mut p: Pipeline = raw
        .try_into()
        .map_err(|e: toml::de::Error| e.message().to_string())?;
    p.stage_inputs = own;
    Ok(p)
}

/// Writes `OUT/report.html` from the stage outputs just written and prints
/// its path. Skipped when no stage wrote files, and for `--slurm` without
/// `wait` (the jobs are still running; run `wildstat report` afterwards).
fn report(
    p: &Pipeline,
    out: Option<&Path>,
    file: &str,
    text: &str,
    stage_dirs: &[PathBuf],
    slurm: bool,
) -> Result<()> {
    let Some(out) = out else { return Ok(()) };
    if stage_dirs.is_empty() {
        return Ok(());
    }
    let path = out.join("report.html");
    if slurm && !p.cluster.wait.unwrap_or(true) {
        let dirs: Vec<String> = stage_dirs.iter().map(|d| d.display().to_string()).collect();
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
fn submit(c: &Cluster, stage: &str, stage_args: &[String], base: &Path) -> Result<()> {
    let script = std::env::var_os("WILDSTAT_SUBMIT")
        .map(PathBuf::from)
        .into_iter()
        .chain([
            base.join("../scripts/slurm/submit.sh"),
            PathBuf::from("scripts/slurm/submit.sh"),
        ])
        .find(|p| p.is_file())
        .context("--slurm: scripts/slurm/submit.sh not found (set WILDSTAT_SUBMIT)")?;
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
    cmd.arg("--").arg(stage).args(stage_args);
    if std::env::var_os("WILDSTAT_BIN").is_none() {
        if let Ok(exe) = std::env::current_exe() {
            cmd.env("WILDSTAT_BIN", exe);
        }
    }
    let status = cmd
        .status()
        .with_context(|| format!("{}: cannot run", script.display()))?;
    if !status.success() {
        bail!("{stage}: Slurm submission or jobs failed ({status})");
    }
    Ok(())
}
