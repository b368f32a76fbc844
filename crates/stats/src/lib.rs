//! wildstat-stats: exact, deterministic statistics, paper-style tables and
//! SVG figures for wildstat.
//!
//! Everything here is pure: functions take numbers and return numbers or
//! `String`s, never touching files. Every result is a deterministic function
//! of its inputs (and seed), so tables and figures are byte-identical across
//! thread counts, shard counts and machines.
//!
//! - [`exact`]: [`ExactSum`], a correctly rounded float sum whose partial
//!   aggregates merge in any order to the same bits.
//! - [`summary`]: [`Moments`]: count, mean, std (ddof 0/1), min/max;
//!   mergeable and serialisable for the merge stage.
//! - [`numpy`]: bit-exact ports of numpy's `mean`, `std` and linear
//!   `percentile`, for parity with the paper's notebooks.
//! - [`mod@ema`]: pandas `ewm(alpha, adjust=False).mean()`, bit-exact.
//! - [`bootstrap`]: seeded percentile bootstrap CI of the mean.
//! - [`table`]: a table model rendered as Markdown, LaTeX, CSV, JSON.
//! - [`cluster`]: UPGMA leaf order for heatmaps.
//! - [`svg`]: self-contained SVG heatmaps and style-profile charts.

pub mod bootstrap;
pub mod cluster;
pub mod ema;
pub mod exact;
pub mod numpy;
pub mod rng;
pub mod summary;
pub mod svg;
pub mod table;

pub use bootstrap::bootstrap_ci;
pub use cluster::{order_by_similarity, upgma_order};
pub use ema::ema;
pub use exact::ExactSum;
pub use summary::Moments;
pub use table::{Align, Cell, Column, Table};
