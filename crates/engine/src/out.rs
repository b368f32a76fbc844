//! Output folders that never destroy data. A stage writes into a temporary
//! folder beside OUT (`.OUT.tmp-PID`, locked while its writer lives) and
//! renames it into place once, so a killed run leaves no partial OUT; the
//! next run removes temporary folders whose writer died. An OUT that is,
//! holds or lies inside an input is refused before anything is read or
//! deleted, and `--force` replaces only a folder that wildstat wrote (it
//! holds `wildstat.json`, and nothing that file does not list).

use std::fs;
use std::os::unix::io::AsRawFd;
use std::path::{Path, PathBuf};

use anyhow::{bail, Context as _};
use serde::{Deserialize, Serialize};

use super::input::{resolve, InputId};
use super::Result;

/// The provenance file every output folder holds: what made it. It is also
/// the marker by which `--force` recognises a folder wildstat wrote.
pub const PROVENANCE: &str = "wildstat.json";

/// What made an output folder: deterministic (no dates, hosts or thread
/// counts), so the same inputs and options give the same file.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Provenance {
    /// The wildstat version.
    pub wildstat: String,
    /// The stage (or `partition`).
    pub stage: String,
    /// The stage's full config.
    pub config: serde_json::Value,
    /// The selection.
    pub selection: serde_json::Value,
    /// The inputs, in order, with sizes and hashes.
    pub inputs: Vec<InputId>,
    /// The files written, sorted.
    pub outputs: Vec<String>,
}

/// Refuses an output path that is, holds or lies inside one of `inputs`
/// (after resolving `.`, `..` and symbolic links).
pub fn check_disjoint(out: &Path, inputs: &[PathBuf]) -> Result<()> {
    let o = resolve(out);
    for i in inputs {
        let r = resolve(i);
        let how = if o == r {
            "is"
        } else if r.starts_with(&o) {
            "holds"
        } else if o.starts_with(&r) {
            "lies inside"
        } else {
            continue;
        };
        bail!(
            "{}: the output {how} the input {}; choose an output folder outside the inputs",
            out.display(),
            i.display()
        );
    }
    Ok(())
}

/// A lock held on a file or folder for as long as the value lives
/// (`flock`, released by the kernel when the process dies).
pub struct Lock(#[allow(dead_code)] fs::File);

impl Lock {
    /// Takes the lock on `path` without waiting; `None` when another live
    /// process holds it.
    pub fn try_take(path: &Path) -> Result<Option<Lock>> {
        let f = fs::File::open(path).with_context(|| format!("{}: cannot open", path.display()))?;
        // SAFETY: flock on a valid open descriptor has no memory-safety
        // preconditions.
        let r = unsafe { libc::flock(f.as_raw_fd(), libc::LOCK_EX | libc::LOCK_NB) };
        Ok((r == 0).then_some(Lock(f)))
    }
}

/// The parent folder and file name of `path` (`DIR/.` and `DIR/sub/..` are
/// folded first).
fn split(path: &Path) -> Result<(PathBuf, String)> {
    let full = resolve(path);
    let name = full
        .file_name()
        .with_context(|| format!("{}: not a usable output path", path.display()))?
        .to_string_lossy()
        .into_owned();
    let parent = full
        .parent()
        .map(Path::to_path_buf)
        .unwrap_or_else(|| PathBuf::from("/"));
    Ok((parent, name))
}

/// Removes the temporary and replaced folders (`.NAME.tmp-*`, `.NAME.old-*`)
/// that dead wildstat processes left beside `parent/name`: only folders that
/// hold `wildstat.json` and whose lock nobody holds.
pub fn clear_stale(parent: &Path, name: &str) -> Result<()> {
    let Ok(entries) = fs::read_dir(parent) else {
        return Ok(());
    };
    let (tmp, old) = (format!(".{name}.tmp-"), format!(".{name}.old-"));
    for e in entries.flatten() {
        let n = e.file_name().to_string_lossy().into_owned();
        if !(n.starts_with(&tmp) || n.starts_with(&old)) {
            continue;
        }
        let p = e.path();
        if !p.join(PROVENANCE).is_file() {
            // A folder killed before its marker was written is empty.
            let _ = fs::remove_dir(&p);
            continue;
        }
        if let Some(lock) = Lock::try_take(&p)? {
            fs::remove_dir_all(&p)
                .with_context(|| format!("{}: cannot remove stale folder", p.display()))?;
            drop(lock);
        }
    }
    Ok(())
}

/// Whether `dir` is a folder wildstat wrote and holds nothing else: its
/// provenance file parses and lists every other entry.
fn ours(dir: &Path) -> Result<()> {
    let prov = dir.join(PROVENANCE);
    let text = fs::read_to_string(&prov).map_err(|_| {
        anyhow::anyhow!(
            "{}: exists and was not written by wildstat (no {PROVENANCE}); --force replaces only wildstat's own output folders",
            dir.display()
        )
    })?;
    let p: Provenance = serde_json::from_str(&text).map_err(|_| {
        anyhow::anyhow!(
            "{}: {PROVENANCE} is not wildstat's provenance file; not replacing the folder",
            dir.display()
        )
    })?;
    for e in fs::read_dir(dir).with_context(|| format!("{}: cannot list", dir.display()))? {
        let n = e?.file_name().to_string_lossy().into_owned();
        if n != PROVENANCE && !p.outputs.contains(&n) {
            bail!(
                "{}: holds {n:?}, which wildstat did not write; not replacing the folder (move it away first)",
                dir.display()
            );
        }
    }
    Ok(())
}

/// An output folder being written.
pub struct OutDir {
    final_path: PathBuf,
    parent: PathBuf,
    name: String,
    tmp: PathBuf,
    force: bool,
    done: bool,
    _lock: Lock,
}

impl OutDir {
    /// Prepares to write `path`: refuses an output that overlaps `inputs`,
    /// an existing one unless `force` (and then only one wildstat wrote),
    /// clears stale temporary folders, and creates the locked temporary one.
    pub fn create(path: &Path, force: bool, inputs: &[PathBuf]) -> Result<OutDir> {
        check_disjoint(path, inputs)?;
        let (parent, name) = split(path)?;
        let final_path = parent.join(&name);
        if final_path.exists() {
            if !force {
                bail!(
                    "{}: output exists (use --force to replace it)",
                    path.display()
                );
            }
            if !final_path.is_dir() {
                bail!(
                    "{}: exists and is not a folder; not replacing it",
                    path.display()
                );
            }
            ours(&final_path)?;
        }
        fs::create_dir_all(&parent)
            .with_context(|| format!("{}: cannot create", parent.display()))?;
        clear_stale(&parent, &name)?;
        let tmp = parent.join(format!(".{name}.tmp-{}", std::process::id()));
        if tmp.exists() {
            // Only a dead process with our pid (pid reuse) can have left a
            // folder of this name; remove it only if it carries our marker.
            if !tmp.join(PROVENANCE).is_file() {
                bail!(
                    "{}: exists and was not written by wildstat; move it away",
                    tmp.display()
                );
            }
            fs::remove_dir_all(&tmp).with_context(|| format!("{}: cannot clear", tmp.display()))?;
        }
        fs::create_dir(&tmp).with_context(|| format!("{}: cannot create", tmp.display()))?;
        let lock =
            Lock::try_take(&tmp)?.with_context(|| format!("{}: cannot lock", tmp.display()))?;
        // The marker first, so a run killed from here on is recognised as
        // wildstat's and cleared by the next run.
        fs::write(tmp.join(PROVENANCE), "{\"pending\": true}\n")
            .with_context(|| format!("{}: cannot write", tmp.display()))?;
        Ok(OutDir {
            final_path,
            parent,
            name,
            tmp,
            force,
            done: false,
            _lock: lock,
        })
    }

    /// The final path.
    pub fn final_path(&self) -> &Path {
        &self.final_path
    }

    /// Path of `name` inside the temporary folder.
    pub fn path(&self, name: &str) -> PathBuf {
        self.tmp.join(name)
    }

    /// Writes a whole file into the output.
    pub fn write(&self, name: &str, bytes: impl AsRef<[u8]>) -> Result<()> {
        let p = self.path(name);
        fs::write(&p, bytes).with_context(|| format!("{}: cannot write", p.display()))
    }

    /// Writes the provenance (listing every file written) and moves the
    /// finished folder into place, replacing an old one if forced: the old
    /// folder is swapped out atomically and then removed.
    pub fn commit(mut self, mut prov: Provenance) -> Result<PathBuf> {
        let mut outputs: Vec<String> = fs::read_dir(&self.tmp)
            .with_context(|| format!("{}: cannot list", self.tmp.display()))?
            .flatten()
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .filter(|n| n != PROVENANCE)
            .collect();
        outputs.sort();
        prov.outputs = outputs;
        let json = serde_json::to_string_pretty(&prov)? + "\n";
        self.write(PROVENANCE, json)?;
        failpoint("out-before-rename");
        if self.final_path.exists() {
            if !self.force {
                bail!(
                    "{}: output appeared while running",
                    self.final_path.display()
                );
            }
            ours(&self.final_path)?;
            let old = self
                .parent
                .join(format!(".{}.old-{}", self.name, std::process::id()));
            fs::rename(&self.final_path, &old)
                .with_context(|| format!("{}: cannot move aside", self.final_path.display()))?;
            fs::rename(&self.tmp, &self.final_path).with_context(|| {
                format!("{}: cannot move into place", self.final_path.display())
            })?;
            self.done = true;
            fs::remove_dir_all(&old)
                .with_context(|| format!("{}: cannot remove the replaced output", old.display()))?;
        } else {
            fs::rename(&self.tmp, &self.final_path).with_context(|| {
                format!("{}: cannot move into place", self.final_path.display())
            })?;
            self.done = true;
        }
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

/// Writes `bytes` to a temporary name beside `path` and renames it into
/// place, so readers never see a half-written file.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<()> {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let tmp = path.with_file_name(format!(".{name}.tmp-{}", std::process::id()));
    fs::write(&tmp, bytes).with_context(|| format!("{}: cannot write", tmp.display()))?;
    fs::rename(&tmp, path).with_context(|| format!("{}: cannot move into place", path.display()))
}

/// A test hook: when `WILDSTAT_FAILPOINT` names this point, the process
/// aborts here at once (no destructors run, as with `kill -9`), so tests
/// can check that a run killed at any step leaves no partial output.
pub fn failpoint(name: &str) {
    if std::env::var_os("WILDSTAT_FAILPOINT").is_some_and(|v| v == name) {
        std::process::abort();
    }
}
