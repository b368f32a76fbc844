use std::collections::HashSet;
use std::fs::File;
use std::io::{Read, Seek, SeekFrom};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use parquet::arrow::arrow_reader::{ArrowReaderMetadata, ArrowReaderOptions};

use crate::json::{self, Chunk, Compression, JsonKind, Questions};
use crate::layout::{arrow_fields, Columns, IdFrom, Layout, ModelFrom, Probe};
use crate::{Error, Result};

/// File name endings read from a folder (each also with `.gz` or `.zst`,
/// except Parquet).
const EXTENSIONS: [&str; 4] = [".parquet", ".jsonl", ".ndjson", ".json"];

/// How to open the inputs: where model names and ids come from, column names
/// of flat tables and the questions file of MT-Bench answers.
#[derive(Debug, Clone, Default)]
pub struct OpenOptions {
    /// Where the model name comes from.
    pub model_from: ModelFrom,
    /// Where the conversation id comes from.
    pub id_from: IdFrom,
    /// Column names given by the user.
    pub columns: Columns,
    /// `--questions FILE`: JSON Lines `{question_id, turns}` (MT-Bench) or
    /// `{uid, prompt}` (Arena-Hard) giving the user turns of `choices` files.
    pub questions: Option<PathBuf>,
}

/// The container format of an input file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// Apache Parquet.
    Parquet,
    /// JSON Lines: one object per line (`.jsonl`, `.ndjson`).
    JsonLines,
    /// One JSON array of objects (`.json`).
    JsonArray,
}

/// What identifies an input file's content, for an input fingerprint.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct FileIdentity {
    /// Canonical path.
    pub path: PathBuf,
    /// Size in bytes.
    pub size: u64,
    /// For Parquet, a stable hash of the footer bytes (schema, row groups and
    /// column statistics); `None` for JSON.
    pub footer_hash: Option<u64>,
}

/// How a file is read.
#[derive(Debug, Clone)]
pub(crate) enum Source {
    /// Parquet footer and Arrow schema, read once and shared by every unit.
    Parquet(ArrowReaderMetadata),
    /// JSON split into chunks of whole records.
    Json {
        kind: JsonKind,
        compression: Compression,
        chunks: Vec<Chunk>,
    },
}

/// One opened input file: how it is read, its detected layout and the model
/// name it implies when the model does not come from a column.
#[derive(Debug, Clone)]
pub struct InputFile {
    /// Path of the file (as found: below the input given).
    pub path: PathBuf,
    /// Container format.
    pub format: Format,
    /// Which columns hold what.
    pub layout: Layout,
    /// Model name for every row, when it comes from the file or folder name.
    pub fixed_model: Option<Arc<str>>,
    /// Run id for every row, when it comes from the file name
    /// ([`RunFrom::File`]).
    pub fixed_run: Option<Arc<str>>,
    /// Path, size and (Parquet) footer hash.
    pub identity: FileIdentity,
    pub(crate) source: Source,
    /// User turns of `choices` files, by question id.
    pub(crate) questions: Option<Arc<Questions>>,
}

/// Where the run id of a response comes from, for stages that compare
/// repeated runs of a model on the same prompts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RunFrom {
    /// A top-level string or integer column of this name.
    Column(String),
    /// The file name without its extensions (one file per run).
    File,
}

impl InputFile {
    /// Opens `path`, detects its format (by content; a `.parquet` name must
    /// hold Parquet) and its layout. `root` is the folder input it was found
    /// under, for [`ModelFrom::Dir`].
    pub fn open(path: &Path, root: Option<&Path>, opts: &OpenOptions) -> Result<Self> {
        Self::open_with(path, root, opts, None)
    }

    fn open_with(
        path: &Path,
        root: Option<&Path>,
        opts: &OpenOptions,
        questions: Option<Arc<Questions>>,
    ) -> Result<Self> {
        let mut file =
            File::open(path).map_err(|e| Error::file(path, format!("cannot open: {e}")))?;
        let size = file.metadata().map(|m| m.len()).unwrap_or(0);
        if size == 0 {
            return Err(Error::file(path, "empty file, not a Parquet or JSON file"));
        }
        let mut magic = [0u8; 4];
        let got = read_up_to(&mut file, &mut magic)
            .map_err(|e| Error::file(path, format!("cannot read: {e}")))?;
        let name = path.to_string_lossy();
        let probe_fields;
        let (format, source, footer_hash) =
            if &magic[..got] == b"PAR1" || name.ends_with(".parquet") {
                let metadata = ArrowReaderMetadata::load(&file, ArrowReaderOptions::new())
                    .map_err(|e| Error::file(path, format!("not a readable Parquet file ({e})")))?;
                probe_fields = arrow_fields(metadata.schema());
                let hash = footer_hash(&mut file, size)
                    .map_err(|e| Error::file(path, format!("cannot read the footer: {e}")))?;
                (Format::Parquet, Source::Parquet(metadata), Some(hash))
            } else {
                let compression = Compression::of_magic(&magic[..got]);
                let (kind, chunks, first) = json::index(path, &mut file, compression)?;
                probe_fields = first;
                let format = match kind {
                    JsonKind::Lines => Format::JsonLines,
                    JsonKind::Array => Format::JsonArray,
                };
                let source = Source::Json {
                    kind,
                    compression,
                    chunks,
                };
                (format, source, None)
            };
        let probe = Probe {
            path,
            fields: probe_fields,
            json: format != Format::Parquet,
        };
        let mut layout = Layout::detect(&probe, &opts.columns, opts.model_from, opts.id_from)?;
        if let Source::Parquet(m) = &source {
            layout.set_leaves(path, m.parquet_schema())?;
        }
        let fixed_model = match layout.model_from {
            ModelFrom::Column | ModelFrom::Auto => None,
            ModelFrom::File => Some(checked_model(path, file_stem(path))?),
            ModelFrom::Dir => Some(checked_model(path, dir_model(path, root))?),
        };
        let canonical = std::fs::canonicalize(path).unwrap_or_else(|_| path.to_path_buf());
        Ok(InputFile {
            path: path.to_path_buf(),
            format,
            layout,
            fixed_model,
            fixed_run: None,
            identity: FileIdentity {
                path: canonical,
                size,
                footer_hash,
            },
            source,
            questions,
        })
    }

    /// Makes every response of this file carry a run id: projects the run
    /// column (a top-level string or integer column) or takes the file stem.
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
                self.fixed_run = Some(Arc::from(file_stem(&self.path)));
            }
            RunFrom::Column(name) => {
                if let Source::Parquet(m) = &self.source {
                    let schema = m.schema();
                    let Some(field) = schema.fields().iter().find(|f| f.name() == name) else {
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
                    self.layout.run_column = Some(name.clone());
                    let descr = m.parquet_schema().clone();
                    self.layout.set_leaves(&self.path, &descr)?;
                } else {
                    self.layout.run_column = Some(name.clone());
                }
            }
        }
        Ok(())
    }

    /// Number of units (Parquet row groups, JSON chunks).
    pub fn row_groups(&self) -> usize {
        match &self.source {
            Source::Parquet(m) => m.metadata().num_row_groups(),
            Source::Json { chunks, .. } => chunks.len(),
        }
    }

    /// Rows in unit `rg` (0 for a compressed JSON file: not counted ahead).
    pub fn rows_in(&self, rg: usize) -> u64 {
        match &self.source {
            Source::Parquet(m) => m.metadata().row_group(rg).num_rows().max(0) as u64,
            Source::Json { chunks, .. } => chunks[rg].rows,
        }
    }

    /// Bytes unit `rg` reads from disk: the compressed bytes of the
    /// projected Parquet columns, or the JSON chunk's bytes; used for
    /// progress and batching.
    pub fn projected_bytes(&self, rg: usize) -> u64 {
        match &self.source {
            Source::Parquet(m) => {
                let rg = m.metadata().row_group(rg);
                self.layout
                    .leaves
                    .iter()
                    .map(|&i| rg.column(i).compressed_size().max(0) as u64)
                    .sum()
            }
            Source::Json { chunks, .. } => chunks[rg].end - chunks[rg].start,
        }
    }

    /// Total rows in the file.
    pub fn rows(&self) -> u64 {
        (0..self.row_groups()).map(|rg| self.rows_in(rg)).sum()
    }
}

fn read_up_to(f: &mut File, buf: &mut [u8]) -> std::io::Result<usize> {
    let mut n = 0;
    while n < buf.len() {
        match f.read(&mut buf[n..])? {
            0 => break,
            k => n += k,
        }
    }
    Ok(n)
}

/// FNV-1a of the Parquet footer (metadata and its length), stable across
/// platforms.
fn footer_hash(f: &mut File, size: u64) -> std::io::Result<u64> {
    let mut tail = [0u8; 8];
    f.seek(SeekFrom::Start(size.saturating_sub(8)))?;
    f.read_exact(&mut tail)?;
    let len = u32::from_le_bytes([tail[0], tail[1], tail[2], tail[3]]) as u64;
    let start = size.saturating_sub(8 + len);
    f.seek(SeekFrom::Start(start))?;
    let mut buf = Vec::with_capacity((size - start) as usize);
    f.take(size - start).read_to_end(&mut buf)?;
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for &b in &buf {
        h ^= b as u64;
        h = h.wrapping_mul(0x0000_0100_0000_01b3);
    }
    Ok(h)
}

/// The provenance file every wildstat output folder holds; folder walks
/// skip it, so a stage's or synth's output can be read back as input.
pub const PROVENANCE: &str = "wildstat.json";

/// Whether a file name has one of the extensions read from folders.
fn wanted(name: &str) -> bool {
    // wildstat's own provenance file in an output folder is not a transcript.
    if name == PROVENANCE {
        return false;
    }
    let base = name
        .strip_suffix(".gz")
        .or_else(|| name.strip_suffix(".zst"))
        .unwrap_or(name);
    EXTENSIONS
        .iter()
        .any(|e| base.ends_with(e) && !(base.len() < name.len() && *e == ".parquet"))
}

/// The file name without its extensions (`a.jsonl.gz` gives `a`), the model
/// name of [`ModelFrom::File`].
pub fn file_stem(path: &Path) -> String {
    let name = path
        .file_name()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default();
    let base = name
        .strip_suffix(".gz")
        .or_else(|| name.strip_suffix(".zst"))
        .unwrap_or(&name);
    for e in EXTENSIONS {
        if let Some(s) = base.strip_suffix(e) {
            return s.to_string();
        }
    }
    path.file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default()
}

/// Whether a file stem looks like a dataset shard rather than a model name:
/// `0000`, `part-0`, `train-00000-of-00002`, `data_3`, `shard.12`.
pub fn looks_like_shard(stem: &str) -> bool {
    let s = stem.to_ascii_lowercase();
    let mut rest = s.as_str();
    for p in [
        "train",
        "test",
        "validation",
        "valid",
        "val",
        "dev",
        "data",
        "part",
        "shard",
        "chunk",
    ] {
        if let Some(r) = rest.strip_prefix(p) {
            rest = r.strip_prefix(['-', '_', '.']).unwrap_or(r);
            break;
        }
    }
    let digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    match rest.split_once("-of-") {
        Some((a, b)) => digits(a) && digits(b),
        None => digits(rest),
    }
}

/// The model named by a folder: `NAME` of a Hugging Face hub cache path
/// (`datasets--ORG--NAME/snapshots/SHA/...`), else the first folder below
/// the input root that holds the file (`corpus/<model>/data/train-0.parquet`),
/// else the file's parent folder.
fn dir_model(path: &Path, root: Option<&Path>) -> String {
    let comps: Vec<String> = path
        .components()
        .map(|c| c.as_os_str().to_string_lossy().into_owned())
        .collect();
    for w in comps.windows(2) {
        if w[1] == "snapshots" {
            let mut parts = w[0].splitn(3, "--");
            if let (Some("datasets" | "models"), Some(_), Some(name)) =
                (parts.next(), parts.next(), parts.next())
            {
                return name.to_string();
            }
        }
    }
    if let Some(root) = root {
        if let Ok(rel) = path.strip_prefix(root) {
            let comps: Vec<_> = rel.components().collect();
            if comps.len() >= 2 {
                return comps[0].as_os_str().to_string_lossy().into_owned();
            }
        }
    }
    let parent = path.parent().and_then(|p| p.file_name());
    parent
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default()
}

/// Refuses model names with a line break or NUL: they would break every
/// table; the error names where the name came from.
pub(crate) fn checked_model(path: &Path, name: String) -> Result<Arc<str>> {
    if name.contains(['\n', '\r', '\0']) {
        return Err(Error::file(
            path,
            format!("model name {name:?} contains a line break or NUL"),
        ));
    }
    Ok(Arc::from(name))
}

/// One unit of work: a Parquet row group or a JSON chunk of a file. Units are
/// the grain of parallelism and of sharding; their order is deterministic.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Unit {
    /// Index into the opened files.
    pub file: usize,
    /// Row group (or JSON chunk) within that file.
    pub row_group: usize,
}

/// Finds the input files named by `inputs`: a file is taken as it is (so a
/// mis-named file is reported, not skipped), a directory is walked
/// recursively for `*.parquet`, `*.jsonl`, `*.ndjson`, `*.json` (the JSON ones
/// also `.gz`/`.zst`). Each file is listed once however it is reached
/// (canonical paths; symlink loops end), non-regular files are skipped with
/// a notice on stderr. Returns (path, the folder input it was found under),
/// sorted by path.
pub fn discover(inputs: &[PathBuf]) -> Result<Vec<(PathBuf, Option<PathBuf>)>> {
    let mut found: Vec<(PathBuf, Option<PathBuf>, PathBuf)> = Vec::new();
    let mut dirs: HashSet<PathBuf> = HashSet::new();
    for input in inputs {
        let meta = std::fs::metadata(input)
            .map_err(|e| Error::file(input, format!("cannot open: {e}")))?;
        if meta.is_dir() {
            let canon = std::fs::canonicalize(input).unwrap_or_else(|_| input.clone());
            let fresh = !dirs.contains(&canon);
            let before = found.len();
            walk(input, input, &mut dirs, &mut found)?;
            if fresh && found.len() == before {
                return Err(Error::file(
                    input,
                    "directory holds no *.parquet, *.jsonl, *.ndjson or *.json files \
                     (nor .gz/.zst of the JSON ones)",
                ));
            }
        } else if meta.is_file() {
            let canon = std::fs::canonicalize(input).unwrap_or_else(|_| input.clone());
            found.push((input.clone(), None, canon));
        } else {
            notice_skipped(input, &meta);
        }
    }
    found.sort();
    let mut seen = HashSet::new();
    found.retain(|(_, _, c)| seen.insert(c.clone()));
    if found.is_empty() {
        let p = inputs.first().cloned().unwrap_or_default();
        return Err(Error::file(&p, "no readable input files"));
    }
    Ok(found.into_iter().map(|(p, r, _)| (p, r)).collect())
}

fn notice_skipped(path: &Path, meta: &std::fs::Metadata) {
    use std::os::unix::fs::FileTypeExt;
    let t = meta.file_type();
    let what = if t.is_fifo() {
        "a FIFO"
    } else if t.is_socket() {
        "a socket"
    } else if t.is_block_device() || t.is_char_device() {
        "a device"
    } else {
        "not a regular file"
    };
    eprintln!("wildstat: notice: skipping {}: {what}", path.display());
}

fn walk(
    dir: &Path,
    root: &Path,
    dirs: &mut HashSet<PathBuf>,
    out: &mut Vec<(PathBuf, Option<PathBuf>, PathBuf)>,
) -> Result<()> {
    let canon = std::fs::canonicalize(dir).unwrap_or_else(|_| dir.to_path_buf());
    if !dirs.insert(canon) {
        return Ok(()); // already walked: a second input, a link or a loop
    }
    let rd = std::fs::read_dir(dir).map_err(|e| Error::file(dir, format!("cannot list: {e}")))?;
    let mut entries: Vec<PathBuf> = Vec::new();
    for e in rd {
        let e = e.map_err(|e| Error::file(dir, format!("cannot list: {e}")))?;
        entries.push(e.path());
    }
    entries.sort();
    for p in entries {
        let Ok(meta) = std::fs::metadata(&p) else {
            continue; // a dangling link
        };
        if meta.is_dir() {
            walk(&p, root, dirs, out)?;
        } else if p.file_name().is_some_and(|n| wanted(&n.to_string_lossy())) {
            if meta.is_file() {
                let canon = std::fs::canonicalize(&p).unwrap_or_else(|_| p.clone());
                out.push((p, Some(root.to_path_buf()), canon));
            } else {
                notice_skipped(&p, &meta);
            }
        }
    }
    Ok(())
}

/// Discovers and opens every input (in parallel), returning the files in
/// sorted path order and the list of units (file-major, unit order).
pub fn open_all(inputs: &[PathBuf], opts: &OpenOptions) -> Result<(Vec<InputFile>, Vec<Unit>)> {
    use rayon::prelude::*;
    let questions = match &opts.questions {
        Some(p) => Some(Arc::new(json::read_questions(p)?)),
        None => None,
    };
    let found = discover(inputs)?;
    let files: Vec<InputFile> = found
        .par_iter()
        .map(|(p, root)| InputFile::open_with(p, root.as_deref(), opts, questions.clone()))
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
