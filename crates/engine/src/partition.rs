//! Partitions: one pass over the inputs that writes the selected responses
//! (conversation id, model, turn, language, text) into N Parquet buckets of
//! contiguous conversation-id ranges, plus a manifest. Rank R of a
//! conversation-split stage given the partition folder then reads only
//! bucket R, so all ranks together read about one pass.

use std::ops::Range;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use anyhow::{bail, Context as _};
use arrow_array::{ArrayRef, RecordBatch, StringArray, UInt32Array};
use arrow_schema::{DataType, Field, Schema};
use parquet::arrow::ArrowWriter;
use rayon::prelude::*;
use serde::{Deserialize, Serialize};
use wildstat_reader::{range_of, read_unit, scan_keys, Response, Unit, UnitStats};

use super::input::{fingerprint, open, InputId, Inputs, Select, TEXT_EXPANSION};
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

/// How much one bucket buffers before it writes: `rows` responses or
/// `bytes` of them (their text plus [`ROW_BYTES`] each, whichever comes
/// first) make a record batch,
/// and `row_group_bytes` of encoded data close a row group; and how much
/// input is decoded at once: units are read in parallel windows of at most
/// `read_bytes` estimated decoded bytes (at least one unit).
#[derive(Debug, Clone, Copy)]
struct Limits {
    rows: usize,
    bytes: usize,
    row_group_bytes: usize,
    read_bytes: u64,
}

/// Estimated bytes of one decoded response besides its text: the struct
/// and its id string.
const ROW_BYTES: usize = 200;

/// Estimated bytes of one unit's decoded responses: its text at most
/// [`TEXT_EXPANSION`] times its projected compressed bytes, plus
/// [`ROW_BYTES`] per row.
fn decoded_bytes(inputs: &Inputs, u: Unit) -> u64 {
    let f = &inputs.files[u.file];
    f.projected_bytes(u.row_group)
        .saturating_mul(TEXT_EXPANSION)
        .saturating_add(f.rows_in(u.row_group).saturating_mul(ROW_BYTES as u64))
}

/// `units` cut into consecutive windows of at most `most` units and
/// `read_bytes` estimated decoded bytes each (at least one unit).
fn windows(inputs: &Inputs, units: &[Unit], most: usize, read_bytes: u64) -> Vec<Range<usize>> {
    let mut out = Vec::new();
    let (mut start, mut bytes) = (0, 0u64);
    for (i, &u) in units.iter().enumerate() {
        let b = decoded_bytes(inputs, u);
        if i > start && (i - start == most || bytes.saturating_add(b) > read_bytes) {
            out.push(start..i);
            (start, bytes) = (i, 0);
        }
        bytes = bytes.saturating_add(b);
    }
    if start < units.len() {
        out.push(start..units.len());
    }
    out
}

/// `wildstat partition`'s buffering (its buckets' bytes depend on it).
const PARTITION_LIMITS: Limits = Limits {
    rows: CHUNK,
    bytes: usize::MAX,
    row_group_bytes: ROW_GROUP_BYTES,
    read_bytes: u64::MAX,
};

/// What was written into one bucket.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct BucketTotals {
    /// Responses written.
    pub responses: u64,
    /// Bytes of their text.
    pub text_bytes: u64,
}

/// One bucket's file being written.
struct Bucket {
    writer: ArrowWriter<std::fs::File>,
    rows: Vec<Response>,
    /// Bytes of `rows`: their text plus [`ROW_BYTES`] each.
    bytes: usize,
    totals: BucketTotals,
}

/// The bucket schema; with `runs`, a spill's, which adds the run id.
fn schema(runs: bool) -> Arc<Schema> {
    let mut fields = vec![
        Field::new("conversation_hash", DataType::Utf8, false),
        Field::new("model", DataType::Utf8, false),
        Field::new("turn", DataType::UInt32, false),
        Field::new("language", DataType::Utf8, true),
        Field::new("text", DataType::Utf8, false),
    ];
    if runs {
        fields.push(Field::new(SPILL_RUN_COLUMN, DataType::Utf8, true));
    }
    Arc::new(Schema::new(fields))
}

/// The run id column of a spill that keeps runs.
const SPILL_RUN_COLUMN: &str = "run";

impl Bucket {
    fn new(writer: ArrowWriter<std::fs::File>) -> Self {
        Bucket {
            writer,
            rows: Vec::new(),
            bytes: 0,
            totals: BucketTotals::default(),
        }
    }

    fn push(&mut self, r: Response, schema: &Arc<Schema>, limits: Limits) -> Result<()> {
        self.bytes += r.text.len() + ROW_BYTES;
        self.totals.responses += 1;
        self.totals.text_bytes += r.text.len() as u64;
        self.rows.push(r);
        if self.rows.len() >= limits.rows || self.bytes >= limits.bytes {
            self.flush(schema, limits)?;
        }
        Ok(())
    }

    fn flush(&mut self, schema: &Arc<Schema>, limits: Limits) -> Result<()> {
        if self.rows.is_empty() {
            return Ok(());
        }
        let rows = std::mem::take(&mut self.rows);
        self.bytes = 0;
        let mut cols: Vec<ArrayRef> = vec![
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
        if schema.fields().len() > cols.len() {
            cols.push(Arc::new(StringArray::from_iter(
                rows.iter().map(|r| r.run.as_deref()),
            )));
        }
        drop(rows);
        let batch = RecordBatch::try_new(schema.clone(), cols)?;
        self.writer.write(&batch)?;
        if self.writer.in_progress_size() > limits.row_group_bytes {
            self.writer.flush()?;
        }
        Ok(())
    }
}

/// The one pass that partitions and spills share: reads every unit of
/// `inputs` (windows of units in parallel, in unit order) and appends each
/// selected response to the bucket of its conversation id's range of
/// `bounds`, so every bucket holds its responses in read order (with their
/// run ids when `schema` has the run column). Returns the reader counts
/// and what each bucket received.
fn bucketize(
    inputs: &Inputs,
    keep: &(dyn Fn(&str) -> bool + Sync),
    bounds: &[String],
    writers: Vec<ArrowWriter<std::fs::File>>,
    schema: Arc<Schema>,
    limits: Limits,
    progress: &Progress,
) -> Result<(UnitStats, Vec<BucketTotals>)> {
    let mut files: Vec<Bucket> = writers.into_iter().map(Bucket::new).collect();
    let mut stats = UnitStats::default();
    let most = rayon::current_num_threads().max(1) * 4;
    for w in windows(inputs, &inputs.units, most, limits.read_bytes) {
        let parts: Vec<(Vec<Response>, UnitStats)> = inputs.units[w]
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
            for r in responses.into_iter().filter(|r| keep(&r.conversation_hash)) {
                files[range_of(bounds, &r.conversation_hash)].push(r, &schema, limits)?;
            }
        }
    }
    progress.finish();
    let mut totals = Vec::with_capacity(files.len());
    for mut b in files {
        b.flush(&schema, limits)?;
        b.writer.close()?;
        totals.push(b.totals);
    }
    Ok((stats, totals))
}

/// A local run's spill: its selected responses in conversation-id buckets
/// (the partition format) in a temporary folder, which is removed when the
/// spill is dropped (at the end of the run, or on error; a killed run's
/// spill lies inside its output's temporary folder, which the next run
/// clears).
pub struct Spill {
    dir: PathBuf,
    runs: bool,
    /// What each bucket holds, in bucket (conversation-id) order.
    pub buckets: Vec<BucketTotals>,
    /// Reader counts of the spill pass (the whole selected input).
    pub stats: UnitStats,
}

impl Drop for Spill {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// Most spill buckets (open files) of one run.
pub const MAX_SPILL_BUCKETS: usize = 256;

/// Writer settings of spill buckets: small pages, no dictionaries or
/// statistics and fast compression, so the buffers of many open buckets
/// stay small.
fn spill_writer(path: &Path, schema: Arc<Schema>) -> Result<ArrowWriter<std::fs::File>> {
    use parquet::basic::Compression;
    use parquet::file::properties::{EnabledStatistics, WriterProperties};
    let file = std::fs::File::create(path)
        .with_context(|| format!("{}: cannot create", path.display()))?;
    let props = WriterProperties::builder()
        .set_compression(Compression::SNAPPY)
        .set_dictionary_enabled(false)
        .set_statistics_enabled(EnabledStatistics::None)
        .set_data_page_size_limit(64 << 10)
        .build();
    ArrowWriter::try_new(file, schema, Some(props))
        .with_context(|| format!("{}: cannot write Parquet", path.display()))
}

impl Spill {
    /// Spills the selected responses of `inputs` whose conversation id
    /// `keep` accepts (a rank's share) into `bounds.len() + 1`
    /// buckets under `dir` (created, and removed again on error), with
    /// about `buffer_bytes` buffered over all buckets at once; with `runs`,
    /// each response's run id too (a `run` column), which [`Spill::read`]
    /// gives back.
    pub fn write(
        inputs: &Inputs,
        keep: &(dyn Fn(&str) -> bool + Sync),
        bounds: &[String],
        dir: &Path,
        buffer_bytes: u64,
        runs: bool,
        progress: &Progress,
    ) -> Result<Spill> {
        std::fs::create_dir(dir).with_context(|| format!("{}: cannot create", dir.display()))?;
        let mut spill = Spill {
            dir: dir.to_path_buf(),
            runs,
            buckets: Vec::new(),
            stats: UnitStats::default(),
        };
        let n = bounds.len() + 1;
        let schema = schema(runs);
        let writers = (0..n)
            .map(|i| spill_writer(&spill.bucket(i), schema.clone()))
            .collect::<Result<Vec<_>>>()?;
        // Half the buffer for the input decoded at once; of the rest, half
        // for rows waiting to be encoded, half for encoded row groups in
        // progress.
        let per = ((buffer_bytes / 4) / n as u64).max(64 << 10) as usize;
        let limits = Limits {
            rows: CHUNK,
            bytes: per,
            row_group_bytes: per,
            read_bytes: buffer_bytes / 2,
        };
        let (stats, totals) = bucketize(inputs, keep, bounds, writers, schema, limits, progress)?;
        spill.buckets = totals;
        spill.stats = stats;
        Ok(spill)
    }

    /// The path of bucket `i`.
    pub fn bucket(&self, i: usize) -> PathBuf {
        self.dir.join(bucket_name(i))
    }

    /// The responses of buckets `range` (those with any), in bucket order
    /// and, within a bucket, in the order they were read; `adjust` is the
    /// stage's adjustment of opened files, which a spill that keeps runs
    /// replaces: its run ids come from its own column.
    pub fn read(
        &self,
        range: Range<usize>,
        seed: u64,
        adjust: &dyn Fn(&mut [wildstat_reader::InputFile]) -> Result<()>,
    ) -> Result<Vec<Response>> {
        let paths: Vec<PathBuf> = range
            .filter(|&i| self.buckets[i].responses > 0)
            .map(|i| self.bucket(i))
            .collect();
        if paths.is_empty() {
            return Ok(Vec::new());
        }
        let sel = bucket_select(seed);
        let mut inputs = open(&paths, &sel)?;
        if self.runs {
            let from = wildstat_reader::RunFrom::Column(SPILL_RUN_COLUMN.into());
            for f in &mut inputs.files {
                f.set_run(&from)?;
            }
        } else {
            adjust(&mut inputs.files)?;
        }
        let parts: Vec<Vec<Response>> = inputs
            .units
            .par_iter()
            .map(|&u| Ok(read_unit(&inputs.files[u.file], u, &inputs.selection)?.0))
            .collect::<Result<_>>()?;
        Ok(parts.into_iter().flatten().collect())
    }
}

/// The selection that reads buckets back: everything in them (the
/// partition already applied the run's selection), models from the column.
pub fn bucket_select(seed: u64) -> Select {
    Select {
        model_from: wildstat_reader::ModelFrom::Column,
        turns: wildstat_reader::Turns::All,
        seed,
        ..Select::default()
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
    let schema = schema(false);
    let writers = (0..buckets)
        .map(|i| parquet_writer(&dir.path(&bucket_name(i)), schema.clone(), None))
        .collect::<Result<Vec<_>>>()?;
    let (rows, _) = inputs.totals(&inputs.units);
    let progress = Progress::new("partition", "rows", rows, quiet);
    let (stats, _) = bucketize(
        &inputs,
        &|_: &str| true,
        &bounds,
        writers,
        schema,
        PARTITION_LIMITS,
        &progress,
    )?;
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
