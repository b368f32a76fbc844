//! `wildstat partition INPUT... --out P --buckets N`: one pass over the
//! inputs that writes the selected responses (model, conversation id, turn,
//! language, text) into N Parquet buckets of contiguous conversation-id
//! ranges, plus `P/partition.toml`. Similarity task R of an array then reads
//! only `P/bucket-R.parquet`, so all tasks together read about one pass.
//! Rerunning with the same N on a finished partition does nothing.

use std::path::PathBuf;
use std::sync::Arc;

use arrow_array::{ArrayRef, RecordBatch, StringArray, UInt32Array};
use arrow_schema::{DataType, Field, Schema};
use parquet::arrow::ArrowWriter;
use rayon::prelude::*;
use wildstat_reader::{range_of, read_unit, scan_keys, Response, UnitStats};

use crate::cmd::similarity::{bucket_name, read_toml, PartitionMeta, Stats, PARTITION_MANIFEST};
use crate::common::SelectArgs;
use crate::output::OutDir;
use crate::progress::Progress;

/// Split the selected responses into conversation-id buckets.
#[derive(Debug, Clone, clap::Args)]
pub struct Args {
    #[command(flatten)]
    pub select: SelectArgs,
    /// Output folder.
    #[arg(long, value_name = "P")]
    pub out: PathBuf,
    /// Number of buckets (the array size of the similarity tasks).
    #[arg(long, value_name = "N")]
    pub buckets: usize,
    /// Replace P if it exists (and is not already this partition).
    #[arg(long)]
    pub force: bool,
}

/// Rows a bucket buffers before it writes a record batch.
const CHUNK: usize = 8192;
/// In-progress bytes after which a bucket closes its row group.
const ROW_GROUP_BYTES: usize = 64 << 20;

/// One bucket's file being written.
struct Bucket {
    writer: ArrowWriter<std::fs::File>,
    rows: Vec<Response>,
}

fn schema() -> Arc<Schema> {
    Arc::new(Schema::new(vec![
        Field::new("conversation_hash", DataType::Utf8, false),
        Field::new("model", DataType::Utf8, false),
        Field::new("turn", DataType::UInt32, false),
        Field::new("language", DataType::Utf8, true),
        Field::new("text", DataType::Utf8, false),
    ]))
}

impl Bucket {
    fn flush(&mut self, schema: &Arc<Schema>) -> Result<(), String> {
        if self.rows.is_empty() {
            return Ok(());
        }
        let rows = std::mem::take(&mut self.rows);
        let cols: Vec<ArrayRef> = vec![
            Arc::new(StringArray::from_iter_values(
                rows.iter().map(|r| r.conversation_hash.as_str()),
            )),
            Arc::new(StringArray::from_iter_values(
                rows.iter().map(|r| &*r.model),
            )),
            Arc::new(UInt32Array::from_iter_values(rows.iter().map(|r| r.turn))),
            Arc::new(StringArray::from_iter(
                rows.iter().map(|r| r.language.as_deref()),
            )),
            Arc::new(StringArray::from_iter_values(
                rows.iter().map(|r| r.text.as_str()),
            )),
        ];
        let batch = RecordBatch::try_new(schema.clone(), cols).map_err(|e| e.to_string())?;
        self.writer.write(&batch).map_err(|e| e.to_string())?;
        if self.writer.in_progress_size() > ROW_GROUP_BYTES {
            self.writer.flush().map_err(|e| e.to_string())?;
        }
        Ok(())
    }
}

/// Runs `partition`.
pub fn run(args: Args) -> Result<(), String> {
    if args.buckets == 0 {
        return Err("--buckets must be at least 1".into());
    }
    let manifest = args.out.join(PARTITION_MANIFEST);
    if manifest.is_file() && !args.force {
        let pm: PartitionMeta = read_toml(&manifest)?;
        if pm.buckets == args.buckets {
            if !args.select.quiet {
                eprintln!(
                    "partition: {} is already partitioned into {} buckets; nothing to do",
                    args.out.display(),
                    pm.buckets
                );
            }
            return Ok(());
        }
        return Err(format!(
            "{}: already partitioned into {} buckets, not {} (use --force to redo)",
            args.out.display(),
            pm.buckets,
            args.buckets
        ));
    }
    let out = OutDir::create(&args.out, args.force)?;
    let inputs = args.select.open()?;
    let keys =
        scan_keys(&inputs.files, &inputs.units, &inputs.selection).map_err(|e| e.to_string())?;
    let bounds = keys.boundaries(args.buckets);
    let schema = schema();
    let mut buckets = (0..args.buckets)
        .map(|i| {
            let path = out.path(&bucket_name(i));
            let writer = crate::output::parquet_writer(&path, schema.clone(), None)?;
            Ok(Bucket {
                writer,
                rows: Vec::new(),
            })
        })
        .collect::<Result<Vec<_>, String>>()?;
    let (rows, _) = inputs.totals();
    let progress = Progress::new("partition", "rows", rows, args.select.quiet);
    let mut stats = UnitStats::default();
    let window = rayon::current_num_threads().max(1) * 4;
    for chunk in inputs.units.chunks(window) {
        let parts: Vec<(Vec<Response>, UnitStats)> = chunk
            .par_iter()
            .map(|&u| {
                let f = &inputs.files[u.file];
                let r = read_unit(f, u, &inputs.selection).map_err(|e| e.to_string())?;
                progress.add(f.rows_in(u.row_group), f.projected_bytes(u.row_group));
                Ok(r)
            })
            .collect::<Result<_, String>>()?;
        for (responses, st) in parts {
            stats.merge(&st);
            for r in responses {
                let b = &mut buckets[range_of(&bounds, &r.conversation_hash)];
                b.rows.push(r);
                if b.rows.len() >= CHUNK {
                    b.flush(&schema)?;
                }
            }
        }
    }
    progress.finish();
    for mut b in buckets {
        b.flush(&schema)?;
        b.writer.close().map_err(|e| e.to_string())?;
    }
    let meta = PartitionMeta {
        buckets: args.buckets,
        models: keys.models,
        boundaries: bounds,
        stats: Stats::from(&stats),
    };
    out.write(
        PARTITION_MANIFEST,
        toml::to_string(&meta).map_err(|e| e.to_string())?,
    )?;
    let dir = out.commit()?;
    if !args.select.quiet {
        eprintln!(
            "partition: {} responses of {} models into {} buckets in {}",
            stats.responses,
            meta.models.len(),
            args.buckets,
            dir.display()
        );
    }
    Ok(())
}
