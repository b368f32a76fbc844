//! A rayon pool that survives `fork`.
//!
//! rayon's global pool is created once per process; after `fork` the child
//! inherits its bookkeeping but not its threads, so the first parallel call
//! in a child would wait forever. This module never uses the global pool:
//! it keeps one pool per (process id, thread count), and a process that
//! finds a pool built by another process id (its parent, before the fork)
//! builds its own and leaks the inherited one (its threads do not exist
//! here; dropping it could wait on them).

use std::sync::{Arc, Mutex};

use pyo3::exceptions::{PyRuntimeError, PyValueError};
use pyo3::prelude::*;
use rayon::{ThreadPool, ThreadPoolBuilder};

/// The cached pool: (process id, threads, pool).
static POOL: Mutex<Option<(u32, usize, Arc<ThreadPool>)>> = Mutex::new(None);

/// Number of threads for a `threads=` argument: `None` is every available
/// core; 0 is an error.
pub fn thread_count(threads: Option<usize>) -> PyResult<usize> {
    match threads {
        Some(0) => Err(PyValueError::new_err(
            "threads must be at least 1 (or None for all cores)",
        )),
        Some(n) => Ok(n),
        None => Ok(std::thread::available_parallelism().map_or(1, |n| n.get())),
    }
}

/// A pool of `threads` threads owned by this process.
fn pool(threads: usize) -> PyResult<Arc<ThreadPool>> {
    let pid = std::process::id();
    let mut slot = POOL.lock().unwrap_or_else(|e| e.into_inner());
    if let Some((p, t, pool)) = slot.as_ref() {
        if *p == pid && *t == threads {
            return Ok(pool.clone());
        }
    }
    let fresh = Arc::new(
        ThreadPoolBuilder::new()
            .num_threads(threads)
            .thread_name(|i| format!("wildstat-{i}"))
            .build()
            .map_err(|e| PyRuntimeError::new_err(format!("cannot start {threads} threads: {e}")))?,
    );
    if let Some((p, _, inherited)) = slot.replace((pid, threads, fresh.clone())) {
        if p != pid {
            std::mem::forget(inherited);
        }
    }
    Ok(fresh)
}

/// Runs `f` without the GIL, inside a pool of `threads` threads (inline
/// when one thread is asked for).
pub fn run<R: Send>(
    py: Python<'_>,
    threads: Option<usize>,
    f: impl FnOnce() -> R + Send,
) -> PyResult<R> {
    let n = thread_count(threads)?;
    if n == 1 {
        return Ok(py.detach(f));
    }
    let pool = pool(n)?;
    Ok(py.detach(|| pool.install(f)))
}

/// Runs `f` without the GIL inside a pool of `threads` threads, even for
/// one thread, so that every rayon call inside `f` (the stages' engine)
/// runs on this module's fork-safe pool and never on the global one.
pub fn run_always<R: Send>(
    py: Python<'_>,
    threads: Option<usize>,
    f: impl FnOnce() -> R + Send,
) -> PyResult<R> {
    let pool = pool(thread_count(threads)?)?;
    Ok(py.detach(|| pool.install(f)))
}
