use std::fs::File;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use parquet::arrow::arrow_reader::{ArrowReaderMetadata, ArrowReaderOptions};

use crate::layout::{Layout, ModelFrom};
use crate::{Error, Result};

/// Finds the Parquet files named by `inputs`: a file is taken as it is (so a
/// mis-named file is reported, not skipped), a directory is walked
/// recursively for `*.parquet`. The result is sorted and de-duplicated so that
/// every run sees the same order.
pub fn discover(inputs: &[PathBuf]) -> Result<Vec<PathBuf>> {
    let mut out = Vec::new();
    for input in inputs {
        let meta = std::fs::metadata(input)
            .map_err(|e| Error::file(input, format!("cannot open: {e}")))?;
        if meta.is_dir() {
            let before = out.len();
            walk(input, &mut out)?;
            if out.len() == before {
                return Err(Error::file(input, "directory holds no *.parquet files"));
            }
        } else {
            out.push(input.clone());
        }
    }
    out.sort();
    out.dedup();
    Ok(out)
}

fn walk(dir: &Path, out: &mut Vec<PathBuf>) -> Result<()> {
    let rd = std::fs::read_dir(dir).map_err(|e| Error::file(dir, format!("cannot list: {e}")))?;
    let mut entries: Vec<PathBuf> = Vec::new();
    for e in rd {
        let e = e.map_err(|e| Error::file(dir, format!("cannot list: {e}")))?;
        entries.push(e.path());
    }
    entries.sort();
    for p in entries {
        if p.is_dir() {
            walk(&p, out)?;
        } else if p.extension().is_some_and(|x| x == "parquet") {
            out.push(p);
        }
    }
    Ok(())
}

/// One opened input file: its footer metadata, detected layout and the model
/// name it implies when the model does not come from a column.
#[derive(Debug, Clone)]
pub struct InputFile {
    /// Path of the file.
    pub path: PathBuf,
    /// Parquet footer and Arrow schema, read once and shared by every unit.
    pub metadata: ArrowReaderMetadata,
    /// Which columns hold what.
    pub layout: Layout,
    /// Model name for every row, when it comes from the file or folder name.
    pub fixed_model: Option<Arc<str>>,
    /// Run id for every row, when it comes from the file name
    /// ([`RunFrom::File`]).
    pub fixed_run: Option<Arc<str>>,
}

/// Where the run id of a response comes from, for stages that compare
/// repeated runs of a model on the same prompts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RunFrom {
    /// A top-level utf8 or integer column of this name.
    Column(String),
    /// The file name without `.parquet` (one file per run).
    File,
}

impl InputFile {
    /// Opens `path`, reads its footer and detects its layout.
    pub fn open(path: &Path, root: Option<&Path>, model_from: ModelFrom) -> Result<Self> {
        let file = File::open(path).map_err(|e| Error::file(path, format!("cannot open: {e}")))?;
        let len = file.metadata().map(|m| m.len()).unwrap_or(0);
        if len == 0 {
            return Err(Error::file(path, "empty file, not a Parquet file"));
        }
        let metadata = ArrowReaderMetadata::load(&file, ArrowReaderOptions::new())
            .map_err(|e| Error::file(path, format!("not a readable Parquet file ({e})")))?;
        let layout = Layout::detect(path, &metadata, model_from)?;
        let fixed_model = match layout.model_from {
            ModelFrom::Column | ModelFrom::Auto => None,
            ModelFrom::File => Some(file_model(path)),
            ModelFrom::Dir => Some(dir_model(path, root)),
        };
        Ok(InputFile {
            path: path.to_path_buf(),
            metadata,
            layout,
            fixed_model,
            fixed_run: None,
        })
    }

    /// Makes every response of this file carry a run id: projects the run
    /// column (a top-level utf8 or integer column) or takes the file stem.
    /// A missing or mistyped column is an error naming the file and column.
    pub fn set_run(&mut self, from: &RunFrom) -> Result<()> {
        match from {
            RunFrom::File => {
                if self.layout.model_from == ModelFrom::File {
                    return Err(Error::file(
                        &self.path,
                        "--run-from file needs the model from a column or --model-from dir \
                         (the file name cannot name both)",
                    ));
                }
                self.fixed_run = Some(file_model(&self.path));
            }
            RunFrom::Column(name) => {
                let schema = self.metadata.schema();
                let field = schema.fields().iter().find(|f| f.name() == name);
                let Some(field) = field else {
                    return Err(
                        Error::file(&self.path, "missing run column").in_column(name.as_str())
                    );
                };
                let dt = field.data_type();
                if !crate::layout::is_string(dt) && !dt.is_integer() {
                    return Err(Error::file(
                        &self.path,
                        format!("expected a string or integer run id, found {dt}"),
                    )
                    .in_column(name.as_str()));
                }
                let leaf = self
                    .metadata
                    .parquet_schema()
                    .columns()
                    .iter()
                    .position(|c| c.path().parts().len() == 1 && c.path().parts()[0] == *name)
                    .ok_or_else(|| {
                        Error::file(&self.path, "run column is not a flat leaf")
                            .in_column(name.as_str())
                    })?;
                if !self.layout.leaves.contains(&leaf) {
                    self.layout.leaves.push(leaf);
                    self.layout.leaves.sort_unstable();
                }
                self.layout.run_column = Some(name.clone());
            }
        }
        Ok(())
    }

    /// Number of row groups.
    pub fn row_groups(&self) -> usize {
        self.metadata.metadata().num_row_groups()
    }

    /// Rows in row group `rg`.
    pub fn rows_in(&self, rg: usize) -> u64 {
        self.metadata.metadata().row_group(rg).num_rows().max(0) as u64
    }

    /// Compressed bytes of the projected columns in row group `rg`: what a
    /// unit actually reads from disk, used for progress and batching.
    pub fn projected_bytes(&self, rg: usize) -> u64 {
        let rg = self.metadata.metadata().row_group(rg);
        self.layout
            .leaves
            .iter()
            .map(|&i| rg.column(i).compressed_size().max(0) as u64)
            .sum()
    }

    /// Total rows in the file.
    pub fn rows(&self) -> u64 {
        (0..self.row_groups()).map(|rg| self.rows_in(rg)).sum()
    }
}

/// The model named by a file: its name without the `.parquet` extension.
fn file_model(path: &Path) -> Arc<str> {
    let stem = path.file_stem().map(|s| s.to_string_lossy().into_owned());
    Arc::from(stem.unwrap_or_default())
}

/// The model named by a folder: the first folder below the input root that
/// holds the file (`corpus/<model>/data/train-0.parquet`), else the file's
/// parent folder.
fn dir_model(path: &Path, root: Option<&Path>) -> Arc<str> {
    if let Some(root) = root {
        if let Ok(rel) = path.strip_prefix(root) {
            let comps: Vec<_> = rel.components().collect();
            if comps.len() >= 2 {
                return Arc::from(comps[0].as_os_str().to_string_lossy().into_owned());
            }
        }
    }
    let parent = path.parent().and_then(|p| p.file_name());
    Arc::from(
        parent
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_default(),
    )
}

/// One unit of work: a row group of a file. Units are the grain of
/// parallelism and of sharding.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Unit {
    /// Index into the opened files.
    pub file: usize,
    /// Row group within that file.
    pub row_group: usize,
}

/// Discovers and opens every input (in parallel), returning the files in
/// sorted path order and the list of units (file-major, row-group order).
pub fn open_all(inputs: &[PathBuf], model_from: ModelFrom) -> Result<(Vec<InputFile>, Vec<Unit>)> {
    use rayon::prelude::*;
    let mut roots: Vec<(PathBuf, Option<PathBuf>)> = Vec::new();
    for input in inputs {
        let is_dir = input.is_dir();
        for p in discover(std::slice::from_ref(input))? {
            roots.push((p, is_dir.then(|| input.clone())));
        }
    }
    roots.sort();
    roots.dedup_by(|a, b| a.0 == b.0);
    let files: Vec<InputFile> = roots
        .par_iter()
        .map(|(p, root)| InputFile::open(p, root.as_deref(), model_from))
        .collect::<Result<_>>()?;
    let units = files
        .iter()
        .enumerate()
        .flat_map(|(fi, f)| {
            (0..f.row_groups()).map(move |rg| Unit {
                file: fi,
                row_group: rg,
            })
        })
        .collect();
    Ok((files, units))
}
