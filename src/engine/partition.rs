//! Partitions: one pass over the inputs that writes the selected responses
//! (conversation id, model, turn, language, text) into N Parquet buckets of
//! contiguous conversation-id ranges, plus a manifest. Rank R of a
//! conversation-split stage given the partition folder then reads only
//! bucket R, so all ranks together read about one pass.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use anyhow::{bail, Context as _};
use arrow_array::{ArrayRef, RecordBatch, StringArray, UInt32Array};
use arrow_schema::{DataType, Field, Schema};
use parquet::arrow::ArrowWriter;
use rayon::prelude::*;
use serde::{Deserialize, Serialize};
use wildstat_reader::{range_of, read_unit, scan_keys, Response, UnitStats};

use super::input::{fingerprint, open, InputId, Select};
use super::out::{OutDir, Provenance};
use super::progress::Progress;
use super::rows::parquet_writer;
use super::stage::ReadStats;
use super::Result;

/// Name of a partition's manifest.
pub const MANIFEST: &str = "partition.toml";

/// What `wildstat partition` records next to its buckets.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Manifest {
    /// Number of buckets.
    pub buckets: usize,
    /// All selected models.
    pub models: Vec<String>,
    /// First conversation id of buckets 1..N.
    pub boundaries: Vec<String>,
    /// Reader counts of the partition pass.
    pub stats: ReadStats,
    /// The selection applied, as canonical JSON.
    pub selection: String,
    /// The inputs partitioned.
    pub inputs: Vec<InputId>,
}

/// An existing partition folder.
pub struct Partition {
    /// The folder.
    pub dir: PathBuf,
    /// Its manifest.
    pub manifest: Manifest,
}

/// Name of bucket `i` in a partition folder.
pub fn bucket_name(i: usize) -> String {
    format!("bucket-{i:05}.parquet")
}

impl Partition {
    /// The partition when `paths` is exactly one partition folder.
    pub fn at(paths: &[PathBuf]) -> Result<Option<Partition>> {
        let [dir] = paths else { return Ok(None) };
        let path = dir.join(MANIFEST);
        if !path.is_file() {
            return Ok(None);
        }
        let text = std::fs::read_to_string(&path)
            .with_context(|| format!("{}: cannot read", path.display()))?;
        let manifest: Manifest = toml::from_str(&text)
            .map_err(|e| anyhow::anyhow!("{}: {}", path.display(), e.message()))?;
        Ok(Some(Partition {
            dir: dir.clone(),
            manifest,
        }))
    }

    /// The path of bucket `i`.
    pub fn bucket(&self, i: usize) -> PathBuf {
        self.dir.join(bucket_name(i))
    }

    /// The path of the manifest.
    pub fn manifest_path(&self) -> PathBuf {
        self.dir.join(MANIFEST)
    }
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
    fn flush(&mut self, schema: &Arc<Schema>) -> Result<()> {
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
        let batch = RecordBatch::try_new(schema.clone(), cols)?;
        self.writer.write(&batch)?;
        if self.writer.in_progress_size() > ROW_GROUP_BYTES {
            self.writer.flush()?;
        }
        Ok(())
    }
}

/// Writes the partition of `paths` under `select` into `out` with
/// `buckets` buckets. A finished partition of the same inputs, selection
/// and bucket count is reused; another one is refused unless `force`.
pub fn write(
    paths: &[PathBuf],
    select: &Select,
    out: &Path,
    buckets: usize,
    force: bool,
    quiet: bool,
) -> Result<()> {
    let selection = serde_json::to_string(select)?;
    let inputs_id = fingerprint(
        &wildstat_reader::discover(paths)?
            .into_iter()
            .map(|(p, _)| p)
            .collect::<Vec<_>>(),
    )?;
    if let Some(old) = Partition::at(&[out.to_path_buf()])? {
        let m = &old.manifest;
        let same = m.buckets == buckets && m.selection == selection && m.inputs == inputs_id;
        if same && !force {
            if !quiet {
                eprintln!(
                    "partition: {} already holds this partition ({buckets} buckets); nothing to do",
                    out.display()
                );
            }
            return Ok(());
        }
        if !force {
            bail!(
                "{}: holds a partition of other inputs, selection or bucket count ({} buckets); use --force to redo it",
                out.display(),
                m.buckets
            );
        }
    }
    let dir = OutDir::create(out, force, paths)?;
    let inputs = open(paths, select)?;
    let keys = scan_keys(&inputs.files, &inputs.units, &inputs.selection)?;
    let bounds = keys.boundaries(buckets);
    let schema = schema();
    let mut files = (0..buckets)
        .map(|i| {
            Ok(Bucket {
                writer: parquet_writer(&dir.path(&bucket_name(i)), schema.clone(), None)?,
                rows: Vec::new(),
            })
        })
        .collect::<Result<Vec<_>>>()?;
    let (rows, _) = inputs.totals(&inputs.units);
    let progress = Progress::new("partition", "rows", rows, quiet);
    let mut stats = UnitStats::default();
    let window = rayon::current_num_threads().max(1) * 4;
    for chunk in inputs.units.chunks(window) {
        let parts: Vec<(Vec<Response>, UnitStats)> = chunk
            .par_iter()
            .map(|&u| {
                let f = &inputs.files[u.file];
                let r = read_unit(f, u, &inputs.selection)?;
                progress.add(f.rows_in(u.row_group), f.projected_bytes(u.row_group));
                Ok(r)
            })
            .collect::<Result<_>>()?;
        for (responses, st) in parts {
            stats.merge(&st);
            for r in responses {
                let b = &mut files[range_of(&bounds, &r.conversation_hash)];
                b.rows.push(r);
                if b.rows.len() >= CHUNK {
                    b.flush(&schema)?;
                }
            }
        }
    }
    progress.finish();
    for mut b in files {
        b.flush(&schema)?;
        b.writer.close()?;
    }
    let manifest = Manifest {
        buckets,
        models: keys.models,
        boundaries: bounds,
        stats: stats.clone().into(),
        selection: selection.clone(),
        inputs: inputs_id.clone(),
    };
    dir.write(MANIFEST, toml::to_string(&manifest)?)?;
    let prov = Provenance {
        wildstat: env!("CARGO_PKG_VERSION").to_string(),
        stage: "partition".into(),
        config: serde_json::json!({ "buckets": buckets }),
        selection: serde_json::from_str(&selection)?,
        inputs: inputs_id,
        outputs: Vec::new(),
    };
    let path = dir.commit(prov)?;
    if !quiet {
        eprintln!(
            "partition: {} responses of {} models into {buckets} buckets in {}",
            stats.responses,
            manifest.models.len(),
            path.display()
        );
    }
    Ok(())
}
