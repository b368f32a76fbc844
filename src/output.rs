//! Atomic output directories: a stage writes into a temporary sibling folder
//! and renames it into place only when everything succeeded, so a killed or
//! failed run never leaves a half-written result behind.

use std::fs;
use std::path::{Path, PathBuf};

use arrow_schema::SchemaRef;
use parquet::arrow::ArrowWriter;
use parquet::basic::{Compression, ZstdLevel};
use parquet::file::properties::WriterProperties;

/// Creates `path` and opens a Parquet writer on it with the settings every
/// wildstat file uses (zstd level 3; `row_group_rows` caps row groups when
/// given, else the parquet crate's default).
pub fn parquet_writer(
    path: &Path,
    schema: SchemaRef,
    row_group_rows: Option<usize>,
) -> Result<ArrowWriter<fs::File>, String> {
    let file =
        fs::File::create(path).map_err(|e| format!("{}: cannot create: {e}", path.display()))?;
    let mut props = WriterProperties::builder().set_compression(Compression::ZSTD(
        ZstdLevel::try_new(3).expect("valid level"),
    ));
    if let Some(n) = row_group_rows {
        props = props.set_max_row_group_row_count(Some(n));
    }
    ArrowWriter::try_new(file, schema, Some(props.build()))
        .map_err(|e| format!("{}: {e}", path.display()))
}

/// An output directory being written.
pub struct OutDir {
    final_path: PathBuf,
    tmp: PathBuf,
    force: bool,
    done: bool,
}

impl OutDir {
    /// Prepares to write `path`; refuses an existing path unless `force`.
    pub fn create(path: &Path, force: bool) -> Result<OutDir, String> {
        if path.exists() && !force {
            return Err(format!(
                "{}: output exists (use --force to replace it)",
                path.display()
            ));
        }
        let name = path
            .file_name()
            .ok_or_else(|| format!("{}: not a usable output path", path.display()))?
            .to_string_lossy()
            .into_owned();
        let parent = match path.parent() {
            Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
            _ => PathBuf::from("."),
        };
        fs::create_dir_all(&parent)
            .map_err(|e| format!("{}: cannot create: {e}", parent.display()))?;
        let tmp = parent.join(format!(".{name}.tmp-{}", std::process::id()));
        if tmp.exists() {
            fs::remove_dir_all(&tmp)
                .map_err(|e| format!("{}: cannot clear: {e}", tmp.display()))?;
        }
        fs::create_dir(&tmp).map_err(|e| format!("{}: cannot create: {e}", tmp.display()))?;
        Ok(OutDir {
            final_path: path.to_path_buf(),
            tmp,
            force,
            done: false,
        })
    }

    /// Path of `name` inside the temporary folder.
    pub fn path(&self, name: &str) -> PathBuf {
        self.tmp.join(name)
    }

    /// Writes a whole file into the output.
    pub fn write(&self, name: &str, bytes: impl AsRef<[u8]>) -> Result<(), String> {
        let p = self.path(name);
        fs::write(&p, bytes).map_err(|e| format!("{}: cannot write: {e}", p.display()))
    }

    /// Moves the finished output into place, replacing an old one if forced.
    pub fn commit(mut self) -> Result<PathBuf, String> {
        if self.final_path.exists() {
            if !self.force {
                return Err(format!(
                    "{}: output appeared while running",
                    self.final_path.display()
                ));
            }
            let res = if self.final_path.is_dir() {
                fs::remove_dir_all(&self.final_path)
            } else {
                fs::remove_file(&self.final_path)
            };
            res.map_err(|e| format!("{}: cannot replace: {e}", self.final_path.display()))?;
        }
        fs::rename(&self.tmp, &self.final_path)
            .map_err(|e| format!("{}: cannot move into place: {e}", self.final_path.display()))?;
        self.done = true;
        Ok(self.final_path.clone())
    }
}

impl Drop for OutDir {
    fn drop(&mut self) {
        if !self.done {
            let _ = fs::remove_dir_all(&self.tmp);
        }
    }
}
