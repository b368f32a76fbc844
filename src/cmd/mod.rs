//! Subcommands, one per file, each with its usage at the top. They parse
//! and call; stage logic lives in `stages/`, execution in the `wildstat-engine` crate.

use clap::{Parser, Subcommand};

use crate::stages::{agreement, contamination, judge, keywords, shared, similarity, style};
use wildstat_engine::exec::{self, RunArgs};
use wildstat_engine::input::InputArgs;
use wildstat_engine::{Result, Stage};

pub mod inspect;
pub mod merge;
pub mod partition;
pub mod report;
pub mod run;
pub mod synth;

/// Exact, fast statistics and paper-style tables over corpora of LLM chat
/// transcripts (WildChat-style Parquet).
#[derive(Debug, Parser)]
#[command(name = "wildstat", version, about, max_term_width = 100)]
pub struct Cli {
    #[command(subcommand)]
    command: Command,
}

/// A stage's command line: inputs and selection, the stage's own options,
/// and output and sharding options.
#[derive(Debug, Clone, clap::Args)]
pub struct StageArgs<C: clap::Args> {
    #[command(flatten)]
    pub input: InputArgs,
    #[command(flatten)]
    pub config: C,
    #[command(flatten)]
    pub run: RunArgs,
}

impl<C: clap::Args> StageArgs<C> {
    fn run<S: Stage<Config = C>>(&self) -> Result<()> {
        exec::run::<S>(&self.input, &self.config, &self.run)
    }
}

#[derive(Debug, Subcommand)]
enum Command {
    Inspect(inspect::Args),
    /// Pair answers of different models to the same prompts and score them
    /// with ROUGE-1/2/L and METEOR (the paper's Table 5). Writes
    /// pairs.parquet, table.{md,tex,csv,json} and with --refs all
    /// matrix.{csv,md,svg}; docs/similarity.md.
    Similarity(StageArgs<similarity::Config>),
    /// Count the Markdown elements of every response and per model, with
    /// proportional frequencies PF(A||B) (the paper's Table 3). Writes
    /// responses.parquet, table.{md,tex,csv,json}, code_languages.csv and
    /// style.svg; docs/style.md.
    Style(StageArgs<style::Config>),
    /// Find spans that answers of different models share verbatim (code
    /// blocks and long token runs). Writes spans.parquet, table.{md,csv,json}
    /// and families.svg; docs/shared.md.
    Shared(StageArgs<shared::Config>),
    /// Measure how often repeated runs of a model agree on the same prompts.
    /// Writes table.{md,tex,csv,json}, disagreements.csv and with --gold
    /// runs.csv; docs/agreement.md.
    Agreement(StageArgs<agreement::Config>),
    /// The words that set the responses of two groups of models apart
    /// (weighted log-odds with an informative Dirichlet prior, z-scores; the
    /// paper's Figures 3-4). Writes keywords.{csv,md,tex,json} and
    /// keywords.svg; docs/keywords.md.
    Keywords(StageArgs<keywords::Config>),
    /// Judge preferences from AlpacaEval, FastChat MT-Bench and Chatbot
    /// Arena judgment files (the paper's Table 4): win rates, grades,
    /// PrefRt matrix, FlipCt, Bradley-Terry ratings. Writes
    /// winrates.{csv,md,tex,json}, scores.{csv,md,tex,json}, radar.svg,
    /// matrix.{csv,md,svg}, ratings.{csv,md}, flips.md; docs/judge.md.
    Judge(StageArgs<judge::Config>),
    /// Find benchmark items in the texts (lm-evaluation-harness's 13-gram
    /// decontamination rule), per model, benchmark and role; pass --roles
    /// both --turns all to scan every turn. Writes hits.parquet,
    /// table.{md,tex,csv,json} and contaminated.txt; docs/contamination.md.
    Contamination(StageArgs<contamination::Config>),
    Report(report::Args),
    Run(run::Args),
    Partition(partition::Args),
    Merge(merge::Args),
    Synth(synth::Args),
}

/// Runs the chosen subcommand.
pub fn run(cli: Cli) -> Result<()> {
    match cli.command {
        Command::Inspect(a) => inspect::run(a),
        Command::Similarity(a) => a.run::<similarity::Similarity>(),
        Command::Style(a) => a.run::<style::Style>(),
        Command::Shared(a) => a.run::<shared::Shared>(),
        Command::Agreement(a) => a.run::<agreement::Agreement>(),
        Command::Keywords(a) => a.run::<keywords::Keywords>(),
        Command::Judge(a) => a.run::<judge::Judge>(),
        Command::Contamination(a) => a.run::<contamination::Contamination>(),
        Command::Report(a) => report::run(a),
        Command::Run(a) => run::run(a),
        Command::Partition(a) => partition::run(a),
        Command::Merge(a) => merge::run(a),
        Command::Synth(a) => synth::run(a),
    }
}
