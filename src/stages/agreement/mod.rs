//! The agreement stage: run-to-run agreement. The same prompts answered
//! several times by one model (runs told apart by `--run-column run`, the
//! default, or by file with `--run-from file`) are grouped by (model,
//! conversation_hash, turn), and for each model it reports prompts with >= 2
//! runs, TARr/TACr (outputs byte-identical across all runs), distinct
//! outputs per prompt, mean pairwise ROUGE-L and METEOR across runs, and
//! with `--answer-regex R` TARa/TACa on parsed answers, and with `--gold
//! FILE` per-run correct counts, best/worst possible accuracy, spread and
//! bootstrap quantiles.
//!
//! Writes `table.{md,tex,csv,json}`, `disagreements.csv` and with `--gold`
//! `runs.csv`.

pub mod records;

use std::collections::HashMap;
use std::path::PathBuf;

use anyhow::bail;
use regex::Regex;
use serde::{Deserialize, Serialize};
use wildstat_metrics::meteor::MeteorContext;
use wildstat_metrics::wordnet::WordNet;
use wildstat_metrics::{Preparer, StemmerChoice};
use wildstat_reader::{InputFile, Response, RunFrom};

use records::{prompt_records, read_gold, tables, Options, Prompts, Settings};
use wildstat_engine::named::range_usize;
use wildstat_engine::{Accumulator, Context, Emit, Outputs, Split, Stage, StageConfig};

/// The agreement stage's options.
#[derive(Debug, Clone, PartialEq, clap::Args, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Config {
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
    /// Bootstrap resamples for the accuracy quantiles (0 to 100000).
    #[arg(long, default_value_t = 1000, value_name = "N", value_parser = range_usize(0, 100_000))]
    pub bootstrap: usize,
    /// Disagreeing prompts listed per model in disagreements.csv (0 to
    /// 100000).
    #[arg(long, default_value_t = 5, value_name = "K", value_parser = range_usize(0, 100_000))]
    pub top: usize,
    /// Memory budget of the whole process, in MiB (1 to 1048576; default:
    /// half of MemAvailable, 512 MiB to 64 GiB, printed unless -q). Batches
    /// are conversation-id ranges sized to fit; a run (or a rank's share)
    /// that does not fit first spills its selection (with its run ids)
    /// into conversation-id buckets in a temporary folder (removed at the
    /// end).
    #[arg(long, value_name = "MIB", value_parser = wildstat_engine::named::range(1, 1 << 20))]
    pub memory: Option<u64>,
}

impl Default for Config {
    fn default() -> Self {
        wildstat_engine::stage::clap_default()
    }
}

impl Config {
    fn run_from(&self) -> wildstat_engine::Result<RunFrom> {
        Ok(match (&self.run_column, self.run_from.as_deref()) {
            (Some(_), Some(_)) => bail!("--run-column and --run-from exclude each other"),
            (Some(c), _) => RunFrom::Column(c.clone()),
            (None, Some("file")) => RunFrom::File,
            (None, Some(other)) => bail!("unknown --run-from {other:?}: expected file"),
            (None, None) => RunFrom::Column("run".into()),
        })
    }

    fn regex(&self) -> wildstat_engine::Result<Option<Regex>> {
        match &self.answer_regex {
            Some(r) => Ok(Some(Regex::new(r).map_err(|e| {
                anyhow::anyhow!(
                    "--answer-regex: {}",
                    e.to_string()
                        .lines()
                        .last()
                        .unwrap_or("invalid")
                        .trim_start_matches("error: ")
                )
            })?)),
            None => Ok(None),
        }
    }
}

impl StageConfig for Config {
    fn validate(&self) -> wildstat_engine::Result<()> {
        self.run_from()?;
        self.regex()?;
        if self.gold.is_some() && self.answer_regex.is_none() {
            bail!("--gold needs --answer-regex");
        }
        if let Some(p) = &self.gold {
            read_gold(p).map_err(anyhow::Error::msg)?;
        }
        Ok(())
    }
    fn files(&self) -> Vec<PathBuf> {
        self.gold.iter().cloned().collect()
    }
    fn paths_mut(&mut self) -> Vec<&mut PathBuf> {
        self.gold.iter_mut().collect()
    }
    fn memory_mib(&self) -> Option<u64> {
        self.memory
    }
    fn adjust(&self, files: &mut [InputFile]) -> wildstat_engine::Result<()> {
        let from = self.run_from()?;
        for f in files {
            f.set_run(&from)?;
        }
        Ok(())
    }
}

/// The agreement stage's partial result: per-model aggregates of its
/// prompts, in conversation-id order.
#[derive(Debug, Default, Serialize, Deserialize)]
pub struct AgreementAcc {
    records: Prompts,
    duplicates: u64,
}

impl Accumulator for AgreementAcc {
    fn merge(&mut self, o: Self) -> wildstat_engine::Result<()> {
        self.records.append(o.records).map_err(anyhow::Error::msg)?;
        self.duplicates += o.duplicates;
        Ok(())
    }
}

/// A prepared agreement shard.
pub struct Agreement {
    opts: Options,
    preparer: Preparer,
    /// Disagreeing prompts listed per model (`--top`).
    top: usize,
    /// Where a local run's per-prompt values go past a share of the budget.
    spill: Option<(PathBuf, u64)>,
}

impl Stage for Agreement {
    const NAME: &'static str = "agreement";
    const SPLIT: Split = Split::Conversations;
    const ROWS: Option<&'static str> = None;
    const UNIT: &'static str = "prompts";
    type Config = Config;
    type Acc = AgreementAcc;

    /// Parses the embedded WordNet (for METEOR) while the inputs are
    /// opened and their keys scanned.
    fn warm_up(_cfg: &Config) {
        WordNet::embedded_in_background();
    }

    fn prepare(cfg: &Config, ctx: &Context) -> wildstat_engine::Result<Self> {
        let gold: Option<HashMap<String, String>> = match &cfg.gold {
            Some(p) => Some(read_gold(p).map_err(anyhow::Error::msg)?),
            None => None,
        };
        Ok(Agreement {
            opts: Options {
                answer: cfg.regex()?,
                gold,
            },
            preparer: Preparer::with_parts(StemmerChoice::Porter, Some(MeteorContext::new())),
            top: cfg.top,
            spill: crate::stages::spill::limit(ctx, cfg.memory),
        })
    }

    fn empty(&self) -> AgreementAcc {
        AgreementAcc {
            records: Prompts::new(self.top).spill_to(self.spill.clone()),
            duplicates: 0,
        }
    }

    /// A merge appends the ranks' prompts to aggregates that move their
    /// per-prompt values into the merge's scratch folder past a share of
    /// the run's budget, as a local run does.
    fn merge_base(cfg: &Config, ctx: &Context) -> Option<AgreementAcc> {
        let spill = crate::stages::spill::limit(ctx, cfg.memory);
        Some(AgreementAcc {
            records: Prompts::new(cfg.top).spill_to(spill),
            duplicates: 0,
        })
    }

    const SPILL: bool = true;
    const SPILL_RUNS: bool = true;

    /// A batch holds its responses (text, plus about 200 bytes each: the
    /// response, its id and run strings), the sort's and grouping's
    /// vectors, one record per prompt (counted as one per response), and
    /// per thread one prompt's prepared runs (the text again at most).
    fn batch_bytes(&self, text_bytes: u64, responses: u64) -> u64 {
        text_bytes
            .saturating_mul(2)
            .saturating_add(responses.saturating_mul(200 + 250))
    }

    /// The per-model aggregates and the Porter preparer's corpus-wide caches.
    fn held_bytes(&self, acc: &AgreementAcc) -> u64 {
        acc.records.heap_bytes() + self.preparer.cache_bytes() as u64
    }

    fn process(
        &self,
        batch: Vec<Response>,
        emit: &mut Emit<'_, AgreementAcc>,
    ) -> wildstat_engine::Result<()> {
        let progress = emit.progress;
        let (records, duplicates) =
            prompt_records(batch, &self.opts, &self.preparer, &|k| progress.add(k, 0));
        for r in records {
            emit.acc.records.push(r).map_err(anyhow::Error::msg)?;
        }
        emit.acc.duplicates += duplicates;
        Ok(())
    }

    fn finish(cfg: &Config, ctx: &Context, acc: AgreementAcc) -> wildstat_engine::Result<Outputs> {
        acc.records.check().map_err(anyhow::Error::msg)?;
        if !acc.records.any_multi() {
            bail!(
                "agreement: no prompt has two or more runs ({} prompts of {} models seen); check --run-column / --run-from",
                acc.records.prompts(),
                acc.records.models()
            );
        }
        let s = &ctx.stats;
        let settings = Settings {
            answer_regex: cfg.answer_regex.clone(),
            gold: cfg.gold.is_some(),
            bootstrap: cfg.bootstrap,
            seed: ctx.seed,
            top: cfg.top,
            duplicates: acc.duplicates,
            reader_note: format!(
                "Responses read: {} ({} empty); skipped: {} null content, {} without assistant turn",
                s.responses, s.empty, s.null_content, s.no_assistant
            ),
        };
        let (files, summary) = tables(&acc.records, &settings).map_err(anyhow::Error::msg)?;
        let mut out = Outputs::default();
        for (name, bytes) in files {
            if name == "table.md" {
                out.stdout = bytes.clone();
            }
            out.file(&name, bytes);
        }
        out.summary = summary;
        if acc.records.spilled() > 0 {
            out.summary.push_str(&format!(
                "; {} per-prompt values went through files (past 1/{} of the budget)",
                acc.records.spilled(),
                crate::stages::spill::SHARE
            ));
        }
        Ok(out)
    }
}
