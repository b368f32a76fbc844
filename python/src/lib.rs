//! `wildstat._wildstat`: the native core of the `wildstat` Python package.
//!
//! Each metric, and the stages together, live in their own file with a
//! `register` function adding its classes and functions to the module; the
//! Python modules in `python/wildstat/` give them the reference packages'
//! signatures and behaviour. Parallel calls release the GIL and run on
//! [`pool`]'s fork-safe thread pool.

use pyo3::prelude::*;

mod meteor;
mod pool;
mod rouge;
mod stages;

/// The extension module.
#[pymodule]
fn _wildstat(m: &Bound<'_, PyModule>) -> PyResult<()> {
    meteor::register(m)?;
    rouge::register(m)?;
    stages::register(m)?;
    Ok(())
}
