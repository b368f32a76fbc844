//! The memory budget of a run (`--memory MIB`): its default, derived from
//! the machine's available memory, and the accounting that sizes
//! conversation batches so the peak resident set of the whole process
//! stays near the budget.
//!
//! The accounting is `budget = RESERVE + held + batch`:
//!
//! - [`RESERVE`]: what a run holds whatever its input: the binary, the
//!   built-in WordNet, thread stacks, allocator slack, Parquet column
//!   buffers of the row groups being decoded and the row group of the row
//!   output being encoded.
//! - `held`: what a stage keeps across batches and what grows with the
//!   corpus ([`crate::Stage::held_bytes`]): the accumulator and any
//!   corpus-wide cache (the hook for the metrics crate's word cache).
//! - `batch`: the peak of processing one batch
//!   ([`crate::Stage::batch_bytes`]): its text, prepared tokens,
//!   scores and the row columns it emits.

use std::path::Path;

/// Bytes in a MiB.
pub const MIB: u64 = 1 << 20;

/// Bytes a run holds whatever its input (see the module doc); measured on
/// `data/sample` (39 MB peak) plus one row group of the row output.
pub const RESERVE: u64 = 96 * MIB;

/// The smallest allowance for one batch, whatever the budget (a budget
/// below [`RESERVE`] is honoured as far as it can be: batches are then this
/// small).
pub const MIN_BATCH: u64 = 8 * MIB;

/// Smallest default budget (MiB).
pub const DEFAULT_MIN_MIB: u64 = 512;
/// Largest default budget (MiB).
pub const DEFAULT_MAX_MIB: u64 = 65_536;
/// The default when `/proc/meminfo` cannot be read (MiB).
pub const DEFAULT_FALLBACK_MIB: u64 = 4096;

/// `MemAvailable` of a `/proc/meminfo` text, in MiB.
pub fn mem_available_mib(meminfo: &str) -> Option<u64> {
    meminfo.lines().find_map(|l| {
        let rest = l.strip_prefix("MemAvailable:")?;
        let kib: u64 = rest.trim().trim_end_matches("kB").trim().parse().ok()?;
        Some(kib / 1024)
    })
}

/// The default budget for a machine whose `/proc/meminfo` reads `meminfo`:
/// half of `MemAvailable`, clamped to 512 MiB .. 64 GiB; 4096 MiB when
/// `MemAvailable` is missing.
pub fn default_mib_from(meminfo: Option<&str>) -> u64 {
    match meminfo.and_then(mem_available_mib) {
        Some(avail) => (avail / 2).clamp(DEFAULT_MIN_MIB, DEFAULT_MAX_MIB),
        None => DEFAULT_FALLBACK_MIB,
    }
}

/// A run's resolved memory budget.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Budget {
    /// The budget in MiB.
    pub mib: u64,
    /// Whether it is the machine-derived default (no `--memory`).
    pub derived: bool,
}

impl Budget {
    /// `--memory` when given, else the default for this machine.
    pub fn resolve(memory_mib: Option<u64>) -> Budget {
        match memory_mib {
            Some(mib) => Budget {
                mib,
                derived: false,
            },
            None => {
                let text = std::fs::read_to_string(Path::new("/proc/meminfo")).ok();
                Budget {
                    mib: default_mib_from(text.as_deref()),
                    derived: true,
                }
            }
        }
    }

    /// The budget in bytes.
    pub fn bytes(&self) -> u64 {
        self.mib.saturating_mul(MIB)
    }

    /// What one batch may use when the stage holds `held` bytes across
    /// batches: the budget less [`RESERVE`] and `held`, at least
    /// [`MIN_BATCH`].
    pub fn batch_allowance(&self, held: u64) -> u64 {
        self.bytes()
            .saturating_sub(RESERVE)
            .saturating_sub(held)
            .max(MIN_BATCH)
    }

    /// The line printed (unless `-q`) when a run starts.
    pub fn describe(&self, stage: &str) -> String {
        if self.derived {
            format!(
                "{stage}: memory budget {} MiB (half of MemAvailable, 512 MiB to 64 GiB; set --memory to change)",
                self.mib
            )
        } else {
            format!("{stage}: memory budget {} MiB (--memory)", self.mib)
        }
    }
}

/// Hands the allocator's free memory back to the system (glibc's
/// `malloc_trim`, every arena), between the batches of a spilling run: the
/// threads' arenas otherwise keep what one batch freed, and the next
/// batch's allocations, made by other threads or in other size classes,
/// add to it, so the resident set grows batch by batch (measured: 343,
/// 458, 493 MiB over three batches at `--memory 512`).
pub fn release_free() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: malloc_trim only releases free pages of the allocator's own
    // heaps; it has no preconditions and may be called from any thread.
    unsafe {
        libc::malloc_trim(0);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_is_half_of_mem_available_clamped() {
        let info = |kib: u64| format!("MemTotal: 99 kB\nMemFree: 1 kB\nMemAvailable: {kib} kB\n");
        assert_eq!(default_mib_from(Some(&info(24_160_292))), 11_797);
        assert_eq!(default_mib_from(Some(&info(100 * 1024))), DEFAULT_MIN_MIB);
        assert_eq!(
            default_mib_from(Some(&info(1024 * 1024 * 1024))),
            DEFAULT_MAX_MIB
        );
        assert_eq!(default_mib_from(Some("MemTotal: 5 kB\n")), 4096);
        assert_eq!(default_mib_from(None), 4096);
    }

    #[test]
    fn allowance_leaves_the_reserve_and_what_is_held() {
        let b = Budget {
            mib: 1024,
            derived: false,
        };
        assert_eq!(b.batch_allowance(0), 1024 * MIB - RESERVE);
        assert_eq!(
            b.batch_allowance(100 * MIB),
            1024 * MIB - RESERVE - 100 * MIB
        );
        assert_eq!(b.batch_allowance(u64::MAX), MIN_BATCH);
        let tiny = Budget {
            mib: 16,
            derived: false,
        };
        assert_eq!(tiny.batch_allowance(0), MIN_BATCH);
    }
}
