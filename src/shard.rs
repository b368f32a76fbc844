//! Sharding: which part of the work this process does (rank R of W, from
//! flags or the array engine's environment), and how its partial results
//! are laid out under `OUT/parts/` with completion markers, so a rerun of
//! an array skips finished ranks and redoes killed ones.

use std::path::{Path, PathBuf};

use clap::Args;

/// `--rank` and `--world-size`, shared by every shardable stage.
#[derive(Debug, Clone, Default, Args)]
pub struct ShardArgs {
    /// This task's rank, 0-based. Default: SLURM_ARRAY_TASK_ID or
    /// WILDSTAT_RANK when set. With a rank, the stage writes only its part
    /// under OUT/parts/ and `wildstat merge OUT` makes the final files.
    #[arg(long, value_name = "R")]
    pub rank: Option<usize>,
    /// Number of tasks. Default: SLURM_ARRAY_TASK_COUNT or
    /// WILDSTAT_WORLD_SIZE when set.
    #[arg(long, value_name = "W")]
    pub world_size: Option<usize>,
}

/// A resolved shard: rank `rank` of `world` tasks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Shard {
    /// 0-based rank.
    pub rank: usize,
    /// Number of tasks.
    pub world: usize,
}

fn env_usize(names: &[&str]) -> Result<Option<usize>, String> {
    for n in names {
        if let Ok(v) = std::env::var(n) {
            return v
                .trim()
                .parse()
                .map(Some)
                .map_err(|_| format!("{n}={v:?} is not a number"));
        }
    }
    Ok(None)
}

impl ShardArgs {
    /// The shard this process runs, or `None` for a whole single-process run.
    pub fn resolve(&self) -> Result<Option<Shard>, String> {
        let rank = match self.rank {
            Some(r) => Some(r),
            None => env_usize(&["SLURM_ARRAY_TASK_ID", "WILDSTAT_RANK"])?,
        };
        let world = match self.world_size {
            Some(w) => Some(w),
            None => env_usize(&["SLURM_ARRAY_TASK_COUNT", "WILDSTAT_WORLD_SIZE"])?,
        };
        match (rank, world) {
            (None, None) => Ok(None),
            (Some(rank), Some(world)) if world > 0 && rank < world => {
                Ok(Some(Shard { rank, world }))
            }
            (Some(rank), Some(world)) => {
                Err(format!("--rank {rank} is not below --world-size {world}"))
            }
            (Some(_), None) => Err("--rank needs --world-size (or SLURM_ARRAY_TASK_COUNT)".into()),
            (None, Some(_)) => Err("--world-size needs --rank (or SLURM_ARRAY_TASK_ID)".into()),
        }
    }
}

/// The contiguous slice `[lo, hi)` of `n` items that rank `rank` of `world` owns.
pub fn slice(n: usize, shard: Shard) -> (usize, usize) {
    (
        shard.rank * n / shard.world,
        (shard.rank + 1) * n / shard.world,
    )
}

/// Paths of one rank's part files in `OUT/parts/`.
pub struct Part {
    dir: PathBuf,
    stem: String,
}

impl Part {
    /// The part of `stage` for `rank` under `out`.
    pub fn new(out: &Path, stage: &str, rank: usize) -> Self {
        Part {
            dir: out.join("parts"),
            stem: format!("{stage}-{rank:05}"),
        }
    }

    /// Path of the part file with extension `ext` (e.g. `pairs.parquet`).
    pub fn path(&self, ext: &str) -> PathBuf {
        self.dir.join(format!("{}.{ext}", self.stem))
    }

    /// Starts rank `shard` of `stage`: `None` (after a one-line notice
    /// unless `quiet`) when its marker says it already finished, else the
    /// part with `OUT/parts/` created and a killed attempt's leftovers gone.
    pub fn start(
        out: &Path,
        stage: &str,
        shard: Shard,
        quiet: bool,
    ) -> Result<Option<Part>, String> {
        let part = Part::new(out, stage, shard.rank);
        if part.done() {
            if !quiet {
                eprintln!(
                    "{stage}: rank {} of {} already done; skipping",
                    shard.rank, shard.world
                );
            }
            return Ok(None);
        }
        part.create_dir()?;
        Ok(Some(part))
    }

    /// Whether this rank finished (its marker exists).
    pub fn done(&self) -> bool {
        self.path("done").is_file()
    }

    /// Creates `OUT/parts/` and removes what a killed attempt left.
    pub fn create_dir(&self) -> Result<(), String> {
        std::fs::create_dir_all(&self.dir)
            .map_err(|e| format!("{}: cannot create: {e}", self.dir.display()))?;
        // Temporary files a killed earlier attempt of this rank left behind.
        let stale = format!(".{}.", self.stem);
        let entries =
            std::fs::read_dir(&self.dir).map_err(|e| format!("{}: {e}", self.dir.display()))?;
        for e in entries.flatten() {
            let name = e.file_name().to_string_lossy().into_owned();
            if name.starts_with(&stale) && name.contains(".tmp-") {
                let _ = std::fs::remove_file(e.path());
            }
        }
        Ok(())
    }

    /// Writes the completion marker: the last step of a rank.
    pub fn mark_done(&self) -> Result<(), String> {
        write_atomic(&self.path("done"), b"done\n")
    }
}

/// A temporary sibling name for `path`, unique to this process.
pub fn tmp_path(path: &Path) -> PathBuf {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    path.with_file_name(format!(".{name}.tmp-{}", std::process::id()))
}

/// Writes `bytes` to a temporary name and renames it to `path`, so readers
/// never see a half-written file.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<(), String> {
    let tmp = tmp_path(path);
    std::fs::write(&tmp, bytes).map_err(|e| format!("{}: cannot write: {e}", tmp.display()))?;
    std::fs::rename(&tmp, path)
        .map_err(|e| format!("{}: cannot move into place: {e}", path.display()))
}

/// Renames a finished temporary file into place.
pub fn commit(tmp: &Path, path: &Path) -> Result<(), String> {
    std::fs::rename(tmp, path)
        .map_err(|e| format!("{}: cannot move into place: {e}", path.display()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slices_cover_everything_once() {
        for world in 1..10 {
            let mut next = 0;
            for rank in 0..world {
                let (lo, hi) = slice(23, Shard { rank, world });
                assert_eq!(lo, next);
                next = hi;
            }
            assert_eq!(next, 23);
        }
    }
}
