//! Part files of sharded runs. Rank R of a stage writes, under
//! `OUT.work/parts/`, `STAGE-RRRRR.rows.parquet` (its rows, when the stage
//! has any), then `STAGE-RRRRR.part` (header + reader counts +
//! accumulator, checksummed) and last the marker `STAGE-RRRRR.done`, each
//! to a temporary name first. The header records the stage, its full
//! config, the selection, the world size and the input fingerprint: a rerun
//! skips a rank only when all of them match, and merge refuses parts that
//! differ in any of them or are missing, emptied, truncated or foreign.

use std::fs;
use std::path::{Path, PathBuf};

use anyhow::{bail, Context as _};
use serde::{Deserialize, Serialize};

use super::input::{fnv1a, InputId};
use super::out::Lock;
use super::stage::ReadStats;
use super::Result;

/// The part format version; parts of other versions are refused (2: the
/// similarity matrix keeps exact sums, not full moments).
const FORMAT: u32 = 2;
/// First bytes of every part file.
const MAGIC: &[u8; 8] = b"WSPART1\n";

/// The sharded-run work folder of output `out`: `OUT.work` beside it,
/// holding `parts/`, and for Slurm runs `partition/` and `logs/`.
pub fn work_dir(out: &Path) -> PathBuf {
    let name = out
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "out".into());
    out.with_file_name(format!("{name}.work"))
}

/// What makes two parts belong to the same run.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Header {
    /// Part format version.
    pub format: u32,
    /// The wildstat version that wrote it.
    pub wildstat: String,
    /// The stage.
    pub stage: String,
    /// The stage's config, as canonical JSON.
    pub config: String,
    /// The selection, as canonical JSON.
    pub selection: String,
    /// The input fingerprint.
    pub inputs: Vec<InputId>,
    /// Number of ranks.
    pub world: usize,
}

impl Header {
    /// A one-line description of the first field in which `self` (found on
    /// disk) differs from `now`, or `None` when they are the same run.
    pub fn differs(&self, now: &Header) -> Option<String> {
        if self.format != now.format || self.wildstat != now.wildstat {
            return Some(format!(
                "written by wildstat {} (part format {}), this is {} (format {})",
                self.wildstat, self.format, now.wildstat, now.format
            ));
        }
        if self.stage != now.stage {
            return Some(format!("stage {} vs {}", self.stage, now.stage));
        }
        if self.world != now.world {
            return Some(format!("world size {} vs {}", self.world, now.world));
        }
        if let Some(d) = json_diff("option", &self.config, &now.config) {
            return Some(d);
        }
        if let Some(d) = json_diff("selection", &self.selection, &now.selection) {
            return Some(d);
        }
        if self.inputs != now.inputs {
            let (a, b) = (&self.inputs, &now.inputs);
            if a.len() != b.len() {
                return Some(format!("inputs: {} files vs {}", a.len(), b.len()));
            }
            for (x, y) in a.iter().zip(b) {
                if x != y {
                    return Some(format!(
                        "input {} ({} bytes, hash {}) vs {} ({} bytes, hash {})",
                        x.path, x.bytes, x.hash, y.path, y.bytes, y.hash
                    ));
                }
            }
        }
        None
    }
}

/// The first key whose value differs between two JSON objects.
fn json_diff(what: &str, a: &str, b: &str) -> Option<String> {
    if a == b {
        return None;
    }
    let (Ok(serde_json::Value::Object(x)), Ok(serde_json::Value::Object(y))) =
        (serde_json::from_str(a), serde_json::from_str(b))
    else {
        return Some(format!("{what}s {a} vs {b}"));
    };
    for (k, v) in &x {
        if y.get(k) != Some(v) {
            let w = y.get(k).map_or("(none)".into(), |w| w.to_string());
            return Some(format!("{what} {k}: {v} vs {w}"));
        }
    }
    y.keys()
        .find(|k| !x.contains_key(*k))
        .map(|k| format!("{what} {k}: (none) vs {}", y[k]))
}

/// The contents of a part file.
#[derive(Debug, Serialize, Deserialize)]
pub struct PartFile {
    /// The run this part belongs to.
    pub header: Header,
    /// This rank.
    pub rank: usize,
    /// Every selected model of the whole input (conversation splits).
    pub models: Vec<String>,
    /// Reader counts of what this rank read.
    pub stats: ReadStats,
    /// Rows in the rank's row file.
    pub rows: u64,
    /// The stage's accumulator, postcard-encoded.
    pub acc: Vec<u8>,
}

/// Paths of one rank's files.
pub struct Part {
    dir: PathBuf,
    stem: String,
}

impl Part {
    /// Rank `rank` of `stage` in the parts folder `dir`.
    pub fn new(dir: &Path, stage: &str, rank: usize) -> Self {
        Part {
            dir: dir.to_path_buf(),
            stem: format!("{stage}-{rank:05}"),
        }
    }

    /// Path of the file with suffix `ext` (`part`, `done`, `rows.parquet`).
    pub fn path(&self, ext: &str) -> PathBuf {
        self.dir.join(format!("{}.{ext}", self.stem))
    }

    /// A temporary name for `ext`, unique to this process.
    pub fn tmp(&self, ext: &str) -> PathBuf {
        self.dir
            .join(format!(".{}.{ext}.tmp-{}", self.stem, std::process::id()))
    }

    /// Takes this rank's lock (so two attempts at one rank cannot destroy
    /// each other's work) and removes what killed attempts left.
    pub fn lock(&self) -> Result<Lock> {
        fs::create_dir_all(&self.dir)
            .with_context(|| format!("{}: cannot create", self.dir.display()))?;
        let path = self.path("lock");
        if !path.exists() {
            fs::write(&path, b"").with_context(|| format!("{}: cannot create", path.display()))?;
        }
        let lock = Lock::try_take(&path)?.with_context(|| {
            format!(
                "{}: another process is running this rank (lock {}); wait for it or stop it",
                self.stem,
                path.display()
            )
        })?;
        let stale = format!(".{}.", self.stem);
        for e in fs::read_dir(&self.dir)
            .with_context(|| format!("{}: cannot list", self.dir.display()))?
            .flatten()
        {
            let n = e.file_name().to_string_lossy().into_owned();
            if n.starts_with(&stale) && n.contains(".tmp-") {
                // A killed attempt's files, and its spill folder.
                let _ = match e.file_type() {
                    Ok(t) if t.is_dir() => fs::remove_dir_all(e.path()),
                    _ => fs::remove_file(e.path()),
                };
            }
        }
        Ok(lock)
    }

    /// Whether the rank finished (its marker exists).
    pub fn done(&self) -> bool {
        self.path("done").is_file()
    }

    /// Removes this rank's finished files (for `--force` or a redo).
    pub fn remove(&self) -> Result<()> {
        for ext in ["done", "part", "rows.parquet"] {
            let p = self.path(ext);
            if p.exists() {
                fs::remove_file(&p).with_context(|| format!("{}: cannot remove", p.display()))?;
            }
        }
        Ok(())
    }

    /// Writes the part file atomically.
    pub fn write(&self, part: &PartFile) -> Result<()> {
        let body = postcard::to_stdvec(part).context("cannot encode part")?;
        let mut bytes = Vec::with_capacity(body.len() + 24);
        bytes.extend_from_slice(MAGIC);
        bytes.extend_from_slice(&(body.len() as u64).to_le_bytes());
        bytes.extend_from_slice(&body);
        bytes.extend_from_slice(&fnv1a(&body).to_le_bytes());
        let tmp = self.tmp("part");
        fs::write(&tmp, &bytes).with_context(|| format!("{}: cannot write", tmp.display()))?;
        let path = self.path("part");
        fs::rename(&tmp, &path)
            .with_context(|| format!("{}: cannot move into place", path.display()))
    }

    /// Writes the done marker: the last step of a rank.
    pub fn mark_done(&self) -> Result<()> {
        let tmp = self.tmp("done");
        fs::write(&tmp, b"done\n").with_context(|| format!("{}: cannot write", tmp.display()))?;
        let path = self.path("done");
        fs::rename(&tmp, &path)
            .with_context(|| format!("{}: cannot move into place", path.display()))
    }

    /// Reads and checks the part file.
    pub fn read(&self) -> Result<PartFile> {
        let path = self.path("part");
        let bytes = fs::read(&path).with_context(|| format!("{}: cannot read", path.display()))?;
        let bad = |why: &str| anyhow::anyhow!("{}: {why}", path.display());
        if bytes.len() < 24 || &bytes[..8] != MAGIC {
            return Err(bad(
                "not a wildstat part file (empty, truncated or foreign)",
            ));
        }
        let len = u64::from_le_bytes(bytes[8..16].try_into().expect("8 bytes")) as usize;
        if bytes.len() != 24 + len {
            return Err(bad("truncated part file"));
        }
        let body = &bytes[16..16 + len];
        let sum = u64::from_le_bytes(bytes[16 + len..].try_into().expect("8 bytes"));
        if fnv1a(body) != sum {
            return Err(bad("corrupt part file (checksum mismatch)"));
        }
        let part: PartFile = postcard::from_bytes(body)
            .map_err(|e| bad(&format!("cannot decode part file ({e})")))?;
        if part.header.format != FORMAT {
            return Err(bad(&format!(
                "part format {} is not {FORMAT}",
                part.header.format
            )));
        }
        Ok(part)
    }
}

/// A header for the current wildstat.
pub fn header(
    stage: &str,
    config: String,
    selection: String,
    inputs: Vec<InputId>,
    world: usize,
) -> Header {
    Header {
        format: FORMAT,
        wildstat: env!("CARGO_PKG_VERSION").to_string(),
        stage: stage.to_string(),
        config,
        selection,
        inputs,
        world,
    }
}

/// The ranks of `stage` that have any file in `dir`, sorted.
pub fn ranks_present(dir: &Path, stage: &str) -> Vec<usize> {
    let prefix = format!("{stage}-");
    let mut v: Vec<usize> = fs::read_dir(dir)
        .into_iter()
        .flatten()
        .flatten()
        .filter_map(|e| {
            let n = e.file_name().to_string_lossy().into_owned();
            let rest = n.strip_prefix(&prefix)?;
            let (num, ext) = rest.split_once('.')?;
            (ext == "part" || ext == "done").then(|| num.parse().ok())?
        })
        .collect();
    v.sort_unstable();
    v.dedup();
    v
}

/// Refuses a merge with parts missing, as a one-line error naming them.
pub fn check_complete(dir: &Path, stage: &str, world: usize) -> Result<()> {
    let missing: Vec<usize> = (0..world)
        .filter(|&r| !Part::new(dir, stage, r).done())
        .collect();
    if !missing.is_empty() {
        let mut list: Vec<String> = missing.iter().take(20).map(|r| r.to_string()).collect();
        if missing.len() > 20 {
            list.push(format!("and {} more", missing.len() - 20));
        }
        bail!(
            "{}: {stage} ranks not finished: {} of {world} (rerun them, then merge)",
            dir.display(),
            list.join(", ")
        );
    }
    Ok(())
}
