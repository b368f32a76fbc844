//! `wildstat agreement INPUT... --out DIR`: run-to-run agreement. The same
//! prompts answered several times by one model (runs told apart by
//! `--run-column run`, the default, or by file with `--run-from file`) are
//! grouped by (model, conversation_hash, turn), and for each model it reports
//! prompts with >= 2 runs, TARr/TACr (outputs byte-identical across all
//! runs), distinct outputs per prompt (mean, max), mean pairwise ROUGE-L and
//! METEOR across runs, and with `--answer-regex R` TARa/TACa on parsed
//! answers, and with `--gold FILE` per-run correct counts, best/worst
//! possible accuracy, spread and bootstrap quantiles.
//!
//! Writes `DIR/table.{md,tex,csv,json}` (one row per model),
//! `DIR/disagreements.csv` (the `--top` prompts per model with the most
//! distinct outputs, then the lowest mean ROUGE-L) and with `--gold`
//! `DIR/runs.csv` (correct answers per model and run).
//!
//! With `--rank R --world-size W` it handles only the conversations whose
//! hash falls in bucket R of W (`bucket_of`) and writes
//! `DIR/parts/agreement-R.*`; `wildstat merge DIR` writes the same final
//! files, byte for byte.

use std::path::PathBuf;

use rayon::prelude::*;
use regex::Regex;
use serde::{Deserialize, Serialize};
use wildstat_metrics::meteor::MeteorContext;
use wildstat_metrics::{Preparer, StemmerChoice};
use wildstat_reader::{bucket_of, read_unit, Response, RunFrom, UnitStats};

use crate::agreement::{
    prompt_records, read_gold, sort_records, tables, Options, PromptRecord, Settings,
};
use crate::cmd::similarity::Stats;
use crate::common::SelectArgs;
use crate::output::OutDir;
use crate::progress::Progress;
use crate::shard::{write_atomic, Part, Shard, ShardArgs};

/// Measure how often repeated runs of a model agree on the same prompts.
#[derive(Debug, Clone, clap::Args)]
pub struct Args {
    #[command(flatten)]
    pub select: SelectArgs,
    /// Output directory.
    #[arg(long, value_name = "DIR")]
    pub out: PathBuf,
    /// Replace DIR if it exists (single-process runs).
    #[arg(long)]
    pub force: bool,
    /// Column holding the run id (utf8 or integer). Default: run.
    #[arg(long, value_name = "NAME", conflicts_with = "run_from")]
    pub run_column: Option<String>,
    /// Take the run id from the file name instead (`file`: the file stem;
    /// several files per model, the model from its column or --model-from dir).
    #[arg(long, value_name = "file")]
    pub run_from: Option<String>,
    /// Regex whose first capture group (or whole match) is an output's
    /// parsed answer, for TARa/TACa.
    #[arg(long, value_name = "R")]
    pub answer_regex: Option<String>,
    /// Gold answers: lines `hash<TAB>answer`. Needs --answer-regex.
    #[arg(long, value_name = "FILE", requires = "answer_regex")]
    pub gold: Option<PathBuf>,
    /// Bootstrap resamples for the accuracy quantiles (with --gold).
    #[arg(long, default_value_t = 1000, value_name = "N")]
    pub bootstrap: usize,
    /// Disagreeing prompts listed per model in disagreements.csv.
    #[arg(long, default_value_t = 5, value_name = "K")]
    pub top: usize,
    #[command(flatten)]
    pub shard: ShardArgs,
}

/// What a rank records next to its part, and merge checks and reuses.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PartMeta {
    /// Stage name.
    pub stage: String,
    /// Number of ranks.
    pub world: usize,
    /// The answer regex, if any.
    pub answer_regex: Option<String>,
    /// Whether a gold file was used.
    pub gold: bool,
    /// Bootstrap resamples.
    pub bootstrap: usize,
    /// Seed.
    pub seed: u64,
    /// Disagreeing prompts per model.
    pub top: usize,
    /// Duplicates dropped in this rank.
    pub duplicates: u64,
    /// Reader counts over the whole selected input.
    pub stats: Stats,
}

impl PartMeta {
    fn settings(&self) -> Settings {
        let s = &self.stats;
        Settings {
            answer_regex: self.answer_regex.clone(),
            gold: self.gold,
            bootstrap: self.bootstrap,
            seed: self.seed,
            top: self.top,
            duplicates: self.duplicates,
            reader_note: format!(
                "Responses read: {} ({} empty); skipped: {} null content, {} without assistant turn",
                s.responses, s.empty, s.null_content, s.no_assistant
            ),
        }
    }
}

/// Runs `agreement`.
pub fn run(args: Args) -> Result<(), String> {
    let shard = args.shard.resolve()?;
    let run_from = match (&args.run_column, args.run_from.as_deref()) {
        (Some(c), _) => RunFrom::Column(c.clone()),
        (None, Some("file")) => RunFrom::File,
        (None, Some(other)) => {
            return Err(format!("unknown --run-from {other:?}: expected file"));
        }
        (None, None) => RunFrom::Column("run".into()),
    };
    let answer = match &args.answer_regex {
        Some(r) => Some(Regex::new(r).map_err(|e| {
            format!(
                "--answer-regex: {}",
                e.to_string()
                    .lines()
                    .last()
                    .unwrap_or("invalid")
                    .trim_start_matches("error: ")
            )
        })?),
        None => None,
    };
    let gold = match &args.gold {
        Some(p) => Some(read_gold(p)?),
        None => None,
    };
    let opts = Options { answer, gold };
    let out = match shard {
        None => Some(OutDir::create(&args.out, args.force)?),
        Some(_) => None,
    };
    let part = match shard {
        None => None,
        Some(s) => match Part::start(&args.out, "agreement", s, args.select.quiet)? {
            None => return Ok(()),
            part => part,
        },
    };

    let mut inputs = args.select.open()?;
    for f in &mut inputs.files {
        f.set_run(&run_from).map_err(|e| e.to_string())?;
    }
    let label = match shard {
        None => "agreement".to_string(),
        Some(s) => format!("agreement rank {}/{}", s.rank, s.world),
    };
    let (rows, _) = inputs.totals();
    let progress = Progress::new(&label, "rows", rows, args.select.quiet);
    let keep = |h: &str| match shard {
        None => true,
        Some(Shard { rank, world }) => bucket_of(h, world as u64) == rank as u64,
    };
    let parts: Vec<(Vec<Response>, UnitStats)> = inputs
        .units
        .par_iter()
        .map(|&u| {
            let f = &inputs.files[u.file];
            let (mut rs, st) = read_unit(f, u, &inputs.selection).map_err(|e| e.to_string())?;
            rs.retain(|r| keep(&r.conversation_hash));
            progress.add(f.rows_in(u.row_group), 0);
            Ok((rs, st))
        })
        .collect::<Result<_, String>>()?;
    progress.finish();
    let mut stats = UnitStats::default();
    let mut responses = Vec::new();
    for (rs, st) in parts {
        stats.merge(&st);
        responses.extend(rs);
    }
    let preparer = Preparer::with_parts(StemmerChoice::Porter, Some(MeteorContext::new()));
    let scoring = Progress::new(&label, "prompts", 0, args.select.quiet);
    let (mut records, duplicates) =
        prompt_records(responses, &opts, &preparer, &|k| scoring.add(k, 0));
    scoring.finish();
    sort_records(&mut records);
    let meta = PartMeta {
        stage: "agreement".into(),
        world: shard.map_or(1, |s| s.world),
        answer_regex: args.answer_regex.clone(),
        gold: args.gold.is_some(),
        bootstrap: args.bootstrap,
        seed: args.select.seed,
        top: args.top,
        duplicates,
        stats: Stats::from(&stats),
    };
    match (out, part, shard) {
        (Some(out), _, _) => {
            let summary = write_outputs(&mut |n, b| out.write(n, b), &records, &meta)?;
            let dir = out.commit()?;
            if !args.select.quiet {
                eprintln!("agreement: {summary}; wrote {}", dir.display());
            }
        }
        (None, Some(part), Some(s)) => {
            let mut text = String::new();
            for r in &records {
                text.push_str(&r.encode());
            }
            write_atomic(&part.path("prompts.tsv"), text.as_bytes())?;
            let toml = toml::to_string(&meta).map_err(|e| e.to_string())?;
            write_atomic(&part.path("toml"), toml.as_bytes())?;
            part.mark_done()?;
            if !args.select.quiet {
                eprintln!("agreement: rank {} of {} done", s.rank, s.world);
            }
        }
        _ => unreachable!("a shard has a part"),
    }
    Ok(())
}

/// Writes the final files of a run from records in global order; shared by
/// single-process runs and merge, so both give the same bytes. Prints the
/// Markdown table and returns a one-line summary.
pub fn write_outputs(
    write: &mut dyn FnMut(&str, String) -> Result<(), String>,
    records: &[PromptRecord],
    meta: &PartMeta,
) -> Result<String, String> {
    let (files, summary) = tables(records, &meta.settings());
    for (name, bytes) in files {
        if name == "table.md" {
            print!("{bytes}");
        }
        write(&name, bytes)?;
    }
    Ok(summary)
}

/// Reads the records of one rank's part file.
pub fn read_part(path: &std::path::Path) -> Result<Vec<PromptRecord>, String> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| format!("{}: cannot read: {e}", path.display()))?;
    text.lines()
        .enumerate()
        .map(|(i, l)| {
            PromptRecord::decode(l)
                .ok_or_else(|| format!("{}: line {}: not a prompt record", path.display(), i + 1))
        })
        .collect()
}
