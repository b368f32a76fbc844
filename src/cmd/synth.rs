//! `wildstat synth --out DIR`: writes the synthetic sample corpus (5 fake
//! models with different house styles answering the same prompts; the
//! committed `data/sample` is its output with the defaults), schema
//! variants for tests, and with `--runs N` a multi-run corpus with known
//! agreement rates plus `gold.tsv`. The generator lives in `src/synth.rs`.

pub use crate::synth::{run, Args};
