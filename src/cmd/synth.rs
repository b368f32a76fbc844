//! `wildstat synth --out DIR`: writes the synthetic sample corpus (5 fake
//! models with different house styles answering the same prompts; the
//! committed `data/sample` is its output with the defaults), schema
//! variants for tests, and with `--runs N` a multi-run corpus with known
//! agreement rates plus `gold.tsv`. The generator is the `wildstat-synth`
//! crate (crates/synth).

use std::path::PathBuf;

use anyhow::anyhow;
use wildstat_synth::{multi_run, sample, Corpus, Variant};

use wildstat_engine::named::{range, range_usize};
use wildstat_engine::out::{OutDir, Provenance};
use wildstat_engine::rows::parquet_writer;
use wildstat_engine::Result;

/// Write a synthetic WildChat-style corpus.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Output directory (one Parquet file per model).
    #[arg(long, value_name = "DIR")]
    out: PathBuf,
    /// Number of shared prompts (conversations), 1 to 10000000.
    #[arg(long, default_value_t = 120, value_name = "N", value_parser = range_usize(1, 10_000_000))]
    conversations: usize,
    /// Seed of every random choice.
    #[arg(long, default_value_t = 7, value_name = "S")]
    seed: u64,
    /// Schema to write: wildchat, sharegpt, conversation-id (id column renamed)
    /// or no-model (no model column).
    #[arg(long, default_value = "wildchat", value_name = "NAME")]
    variant: String,
    /// Rows per row group (small, so that samples have several row
    /// groups), 1 to 1000000.
    #[arg(long, default_value_t = 32, value_name = "N", value_parser = range_usize(1, 1_000_000))]
    row_group_rows: usize,
    /// Replace DIR if it exists.
    #[arg(long)]
    force: bool,
    /// Write a multi-run corpus with this many runs per prompt (2 to 1000).
    #[arg(long, value_name = "N", value_parser = range_usize(2, 1000))]
    runs: Option<usize>,
    /// With --runs: percent of prompts whose runs are identical, per model
    /// (comma-separated; models cycle through the list).
    #[arg(
        long,
        value_delimiter = ',',
        default_value = "90,60,30",
        value_name = "P,P",
        value_parser = range(0, 100)
    )]
    agreement: Vec<u64>,
    /// With --runs: number of models, 1 to 10000 (default: one per
    /// --agreement value).
    #[arg(long, value_name = "K", value_parser = range_usize(1, 10_000))]
    run_models: Option<usize>,
}

/// Runs `synth`.
pub fn run(args: Args) -> Result<()> {
    let variant = Variant::parse(&args.variant).map_err(|e| anyhow!("--variant: {e}"))?;
    let corpus = match args.runs {
        Some(_) if variant != Variant::Wildchat => {
            anyhow::bail!("--runs writes the wildchat schema only")
        }
        Some(_) if args.agreement.is_empty() => {
            anyhow::bail!("--agreement takes percents between 0 and 100")
        }
        Some(runs) => {
            let models = args.run_models.unwrap_or(args.agreement.len());
            multi_run(args.conversations, args.seed, runs, &args.agreement, models)
        }
        None => sample(args.conversations, args.seed, variant),
    }
    .map_err(|e| anyhow!("synth: {e}"))?;
    let out = OutDir::create(&args.out, args.force, &[])?;
    write(&out, &corpus, args.row_group_rows)?;
    let dir = out.commit(provenance(&args))?;
    let what = match args.runs {
        Some(runs) => format!(" x {} prompts x {runs} runs", args.conversations),
        None => String::new(),
    };
    eprintln!(
        "synth: wrote {} transcripts of {} models{what} to {}",
        corpus.rows(),
        corpus.models.len(),
        dir.display()
    );
    Ok(())
}

/// Writes one Parquet file per model (and `gold.tsv`) into `out`.
fn write(out: &OutDir, corpus: &Corpus, rg_rows: usize) -> Result<()> {
    for (model, batch) in &corpus.models {
        let path = out.path(&format!("{model}.parquet"));
        let fail = |e: parquet::errors::ParquetError| anyhow!("{}: {e}", path.display());
        let mut w = parquet_writer(&path, batch.schema(), Some(rg_rows))?;
        w.write(batch).map_err(fail)?;
        w.close().map_err(fail)?;
    }
    if let Some(gold) = &corpus.gold {
        out.write("gold.tsv", gold)?;
    }
    Ok(())
}

/// What made a synthetic corpus (its provenance file).
fn provenance(args: &Args) -> Provenance {
    Provenance {
        wildstat: env!("CARGO_PKG_VERSION").to_string(),
        stage: "synth".into(),
        config: serde_json::json!({
            "conversations": args.conversations,
            "seed": args.seed,
            "variant": args.variant,
            "row_group_rows": args.row_group_rows,
            "runs": args.runs,
            "agreement": args.agreement,
            "run_models": args.run_models,
        }),
        selection: serde_json::Value::Null,
        inputs: Vec::new(),
        outputs: Vec::new(),
    }
}
