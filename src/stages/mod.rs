//! The stages, one folder each: what each computes from responses, its
//! options, accumulator and tables. The engine runs them all the same way.

pub mod agreement;
pub mod contamination;
pub mod judge;
pub mod keywords;
pub mod shared;
pub mod similarity;
pub mod spill;
pub mod style;

#[cfg(test)]
mod halves;

use std::path::Path;

use anyhow::bail;

use wildstat_engine::{exec, Result, Stage};

/// A stage's merge entry: its name, whether OUT has its parts, its merge.
type MergeEntry = (
    &'static str,
    fn(&Path) -> bool,
    fn(&Path, bool, bool) -> Result<()>,
);

/// Every shardable stage, in pipeline order.
const MERGE: [MergeEntry; 7] = [
    entry::<similarity::Similarity>(),
    entry::<style::Style>(),
    entry::<shared::Shared>(),
    entry::<agreement::Agreement>(),
    entry::<keywords::Keywords>(),
    entry::<judge::Judge>(),
    entry::<contamination::Contamination>(),
];

const fn entry<S: Stage>() -> MergeEntry {
    (S::NAME, exec::has_parts::<S>, exec::merge::<S>)
}

/// Names of the shardable stages, in pipeline order.
pub fn names() -> Vec<&'static str> {
    MERGE.iter().map(|e| e.0).collect()
}

/// Merges the parts a sharded run left in `OUT.work/parts` into `out`.
pub fn merge(out: &Path, force: bool, quiet: bool) -> Result<()> {
    let found: Vec<&MergeEntry> = MERGE.iter().filter(|e| (e.1)(out)).collect();
    match found.as_slice() {
        [] => bail!(
            "{}: no parts to merge in {}",
            out.display(),
            wildstat_engine::parts::work_dir(out)
                .join("parts")
                .display()
        ),
        [one] => (one.2)(out, force, quiet),
        many => bail!(
            "{}: parts of several stages ({}) share one output; give each stage its own --out",
            out.display(),
            many.iter().map(|e| e.0).collect::<Vec<_>>().join(", ")
        ),
    }
}
