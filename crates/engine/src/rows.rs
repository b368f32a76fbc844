//! The per-row Parquet output of a stage. Rows arrive in record batches of
//! any size and are written in batches of exactly [`CHUNK`] rows, so the
//! same row sequence always gives the same bytes: a local run and a merge
//! of any number of parts agree. Merge re-chunks part rows the same way,
//! with no stage-specific code.

use std::fs::File;
use std::path::Path;

use anyhow::Context as _;
use arrow_array::RecordBatch;
use arrow_schema::SchemaRef;
use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;
use parquet::arrow::ArrowWriter;
use parquet::basic::{Compression, ZstdLevel};
use parquet::file::properties::WriterProperties;

use super::Result;

/// Rows per record batch written.
pub const CHUNK: usize = 65_536;

/// Creates `path` and opens a Parquet writer on it with the settings every
/// wildstat file uses (zstd level 3; `row_group_rows` caps row groups when
/// given, else the parquet crate's default).
pub fn parquet_writer(
    path: &Path,
    schema: SchemaRef,
    row_group_rows: Option<usize>,
) -> Result<ArrowWriter<File>> {
    let file = File::create(path).with_context(|| format!("{}: cannot create", path.display()))?;
    let mut props = WriterProperties::builder().set_compression(Compression::ZSTD(
        ZstdLevel::try_new(3).expect("valid level"),
    ));
    if let Some(n) = row_group_rows {
        props = props.set_max_row_group_row_count(Some(n));
    }
    ArrowWriter::try_new(file, schema, Some(props.build()))
        .with_context(|| format!("{}: cannot write Parquet", path.display()))
}

/// Streams rows into one Parquet file in fixed-size record batches.
pub struct RowWriter {
    writer: ArrowWriter<File>,
    schema: SchemaRef,
    pending: Vec<RecordBatch>,
    pending_rows: usize,
    rows: u64,
    name: String,
}

impl RowWriter {
    /// Creates the file at `path` with `schema`.
    pub fn create(path: &Path, schema: SchemaRef) -> Result<Self> {
        Ok(RowWriter {
            writer: parquet_writer(path, schema.clone(), None)?,
            schema,
            pending: Vec::new(),
            pending_rows: 0,
            rows: 0,
            name: path
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default(),
        })
    }

    /// Appends `batch` (any number of rows).
    pub fn push(&mut self, batch: RecordBatch) -> Result<()> {
        if batch.num_rows() == 0 {
            return Ok(());
        }
        self.pending_rows += batch.num_rows();
        self.rows += batch.num_rows() as u64;
        self.pending.push(batch);
        while self.pending_rows >= CHUNK {
            self.write_chunk(CHUNK)?;
        }
        Ok(())
    }

    fn write_chunk(&mut self, n: usize) -> Result<()> {
        let all = match self.pending.as_slice() {
            [one] => one.clone(),
            many => arrow_select::concat::concat_batches(&self.schema, many)
                .with_context(|| format!("{}: cannot assemble rows", self.name))?,
        };
        let head = all.slice(0, n);
        self.writer
            .write(&head)
            .with_context(|| format!("{}: cannot write", self.name))?;
        let rest = all.num_rows() - n;
        self.pending = if rest > 0 {
            vec![all.slice(n, rest)]
        } else {
            Vec::new()
        };
        self.pending_rows = rest;
        Ok(())
    }

    /// Appends every row of a part's row file, in order.
    pub fn push_file(&mut self, path: &Path) -> Result<()> {
        let f = File::open(path).with_context(|| format!("{}: cannot open", path.display()))?;
        let reader = ParquetRecordBatchReaderBuilder::try_new(f)
            .and_then(|b| b.with_batch_size(CHUNK).build())
            .with_context(|| format!("{}: not a readable part row file", path.display()))?;
        for batch in reader {
            let b = batch.with_context(|| format!("{}: cannot decode", path.display()))?;
            if b.schema().fields() != self.schema.fields() {
                anyhow::bail!("{}: rows have another schema", path.display());
            }
            self.push(b)?;
        }
        Ok(())
    }

    /// Rows pushed so far.
    pub fn rows_written(&self) -> u64 {
        self.rows
    }

    /// Writes the last rows and the footer; returns the number of rows.
    pub fn finish(mut self) -> Result<u64> {
        if self.pending_rows > 0 {
            self.write_chunk(self.pending_rows)?;
        }
        self.writer
            .close()
            .with_context(|| format!("{}: cannot finish", self.name))?;
        Ok(self.rows)
    }
}
