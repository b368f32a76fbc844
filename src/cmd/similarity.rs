//! `wildstat similarity INPUT... --out DIR`: the paper's Table 5. For each
//! target model, ROUGE-1/2/L F1 and METEOR between its answer and other
//! models' answers to the same conversation, exactly as rouge-score 0.1.2 and
//! NLTK compute them, over the whole corpus.
//!
//! Writes `DIR/pairs.parquet` (one row per scored pair), `DIR/table.{md,tex,
//! csv,json}` (per target model: pairs, conversations, mean, std and 95%
//! bootstrap CI of each metric), and with `--refs all` the model x model
//! `DIR/matrix.{csv,md,svg}`.

use std::path::PathBuf;
use std::sync::Arc;

use arrow_array::{ArrayRef, Float64Array, RecordBatch, StringArray, UInt32Array};
use arrow_schema::{DataType, Field, Schema};
use parquet::arrow::ArrowWriter;
use parquet::basic::{Compression, ZstdLevel};
use parquet::file::properties::WriterProperties;
use rayon::prelude::*;
use wildstat_metrics::Preparer;
use wildstat_reader::{bucket_of, read_unit, Response, UnitStats};

use crate::common::SelectArgs;
use crate::output::OutDir;
use crate::progress::Progress;
use crate::similarity::aggregate::{Aggregate, Aggregator};
use crate::similarity::pairs::{count_pairs, group, plan_refs, score_batch, Refs};
use crate::similarity::tables;

/// Score answers of different models to the same prompts (Table 5).
#[derive(Debug, Clone, clap::Args)]
pub struct Args {
    #[command(flatten)]
    pub select: SelectArgs,
    /// Output directory.
    #[arg(long, value_name = "DIR")]
    pub out: PathBuf,
    /// Replace DIR if it exists.
    #[arg(long)]
    pub force: bool,
    /// Reference models per target: a number K (drawn with --seed) or all.
    #[arg(long, default_value = "5", value_name = "K|all")]
    pub refs: Refs,
    /// honest (mean, sample std, bootstrap CI over conversations) or paper
    /// (the notebook's EMA, alpha 0.3, over conversations in hash order).
    #[arg(long, default_value = "honest", value_name = "HOW")]
    pub aggregate: Aggregate,
    /// Bootstrap resamples for the 95% CI.
    #[arg(long, default_value_t = 1000, value_name = "N")]
    pub bootstrap: usize,
    /// Memory budget for response text held at once, in MiB; the corpus is
    /// split into conversation-hash batches that fit.
    #[arg(long, default_value_t = 4096, value_name = "MIB")]
    pub memory: u64,
}

/// How many times larger decoded text is than its compressed Parquet bytes,
/// with the prepared token arrays: a conservative planning factor.
const EXPANSION: u64 = 8;

/// Runs `similarity`.
pub fn run(args: Args) -> Result<(), String> {
    let out = OutDir::create(&args.out, args.force)?;
    let inputs = args.select.open()?;
    let models = wildstat_reader::models(&inputs.files, &inputs.units, &inputs.selection)
        .map_err(|e| e.to_string())?;
    if models.len() < 2 {
        return Err(format!(
            "similarity needs at least two models with responses; found {}",
            models.len()
        ));
    }
    let refs = plan_refs(&models, args.refs, args.select.seed);
    let index = |m: &str| models.binary_search_by(|x| x.as_str().cmp(m)).ok();
    let (_, bytes) = inputs.totals();
    let batches = (bytes * EXPANSION)
        .div_ceil(args.memory.max(1) * 1024 * 1024)
        .max(1);

    let preparer = Preparer::default();
    let mut agg = Aggregator::new(models.len());
    let mut writer = PairsWriter::create(&out.path("pairs.parquet"), &models)?;
    let mut stats = UnitStats::default();
    let mut duplicates = 0;
    let progress = Progress::new("similarity", "pairs", 0, args.select.quiet);
    for b in 0..batches {
        let parts: Vec<(Vec<Response>, UnitStats)> = inputs
            .units
            .par_iter()
            .map(|&u| {
                let (mut rs, st) = read_unit(&inputs.files[u.file], u, &inputs.selection)
                    .map_err(|e| e.to_string())?;
                rs.retain(|r| bucket_of(&r.conversation_hash, batches) == b);
                Ok((rs, st))
            })
            .collect::<Result<_, String>>()?;
        let mut responses = Vec::new();
        for (rs, st) in parts {
            if b == 0 {
                stats.merge(&st);
            }
            responses.extend(rs);
        }
        let batch = group(responses, &index, &preparer);
        duplicates += batch.duplicates;
        let in_batch = count_pairs(&batch, &refs);
        progress.set_total(progress.done() + in_batch * (batches - b));
        let scored = score_batch(&batch, &refs, &|n| progress.add(n, 0));
        for (c, s) in batch.conversations.iter().zip(&scored) {
            agg.add(&c.hash, c.turn, s);
            writer.push(&c.hash, c.turn, &s.pairs)?;
        }
    }
    progress.finish();
    writer.finish()?;

    let rows = agg.rows(args.aggregate, args.bootstrap, args.select.seed);
    let settings = tables::Settings {
        refs: args.refs,
        aggregate: args.aggregate,
        bootstrap: args.bootstrap,
        seed: args.select.seed,
        missing: agg.missing,
        duplicates,
        stats: stats.clone(),
    };
    let table = tables::main_table(&models, &rows, &settings);
    out.write("table.md", table.to_markdown())?;
    out.write("table.tex", table.to_latex())?;
    out.write("table.csv", table.to_csv())?;
    out.write("table.json", table.to_json())?;
    if args.refs == Refs::All {
        let (csv, md, svg) = tables::matrix(&models, &agg);
        out.write("matrix.csv", csv)?;
        out.write("matrix.md", md)?;
        out.write("matrix.svg", svg)?;
    }
    let dir = out.commit()?;
    if !args.select.quiet {
        eprintln!(
            "similarity: {} pairs over {} models; {} planned pairs had no reference answer; wrote {}",
            rows.iter().map(|r| r.pairs).sum::<u64>(),
            rows.len(),
            agg.missing,
            dir.display()
        );
    }
    print!("{}", table.to_markdown());
    Ok(())
}

/// Streams scored pairs into `pairs.parquet` in conversation order.
struct PairsWriter {
    writer: ArrowWriter<std::fs::File>,
    schema: Arc<Schema>,
    models: Vec<Arc<str>>,
    rows: Vec<(usize, usize, String, u32, [f64; 4])>,
}

impl PairsWriter {
    /// Rows buffered before a record batch is written.
    const FLUSH: usize = 65_536;

    fn create(path: &std::path::Path, models: &[String]) -> Result<Self, String> {
        let f64c = |n: &str| Field::new(n, DataType::Float64, false);
        let schema = Arc::new(Schema::new(vec![
            Field::new("target_model", DataType::Utf8, false),
            Field::new("reference_model", DataType::Utf8, false),
            Field::new("conversation_hash", DataType::Utf8, false),
            Field::new("turn", DataType::UInt32, false),
            f64c("rouge1"),
            f64c("rouge2"),
            f64c("rougeL"),
            f64c("meteor"),
        ]));
        let file = std::fs::File::create(path)
            .map_err(|e| format!("{}: cannot create: {e}", path.display()))?;
        let props = WriterProperties::builder()
            .set_compression(Compression::ZSTD(
                ZstdLevel::try_new(3).expect("valid level"),
            ))
            .build();
        let writer =
            ArrowWriter::try_new(file, schema.clone(), Some(props)).map_err(|e| e.to_string())?;
        Ok(PairsWriter {
            writer,
            schema,
            models: models.iter().map(|m| Arc::from(m.as_str())).collect(),
            rows: Vec::new(),
        })
    }

    fn push(
        &mut self,
        hash: &str,
        turn: u32,
        pairs: &[crate::similarity::pairs::PairScore],
    ) -> Result<(), String> {
        for p in pairs {
            self.rows
                .push((p.target, p.reference, hash.to_string(), turn, p.metrics()));
        }
        if self.rows.len() >= Self::FLUSH {
            self.flush()?;
        }
        Ok(())
    }

    fn flush(&mut self) -> Result<(), String> {
        if self.rows.is_empty() {
            return Ok(());
        }
        let rows = std::mem::take(&mut self.rows);
        let model = |i: usize| self.models[i].as_ref();
        let mut cols: Vec<ArrayRef> = vec![
            Arc::new(StringArray::from_iter_values(
                rows.iter().map(|r| model(r.0)),
            )),
            Arc::new(StringArray::from_iter_values(
                rows.iter().map(|r| model(r.1)),
            )),
            Arc::new(StringArray::from_iter_values(
                rows.iter().map(|r| r.2.as_str()),
            )),
            Arc::new(UInt32Array::from_iter_values(rows.iter().map(|r| r.3))),
        ];
        for k in 0..4 {
            cols.push(Arc::new(Float64Array::from_iter_values(
                rows.iter().map(|r| r.4[k]),
            )));
        }
        let batch = RecordBatch::try_new(self.schema.clone(), cols).map_err(|e| e.to_string())?;
        self.writer
            .write(&batch)
            .map_err(|e| format!("pairs.parquet: {e}"))
    }

    fn finish(mut self) -> Result<(), String> {
        self.flush()?;
        self.writer
            .close()
            .map_err(|e| format!("pairs.parquet: {e}"))?;
        Ok(())
    }
}
