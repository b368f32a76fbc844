//! wildstat-report: one self-contained HTML page from the files wildstat's
//! stages write (tables, figures, LaTeX), for sharing results and pasting
//! tables into papers.
//!
//! The page needs no network: CSS and the small sorting/copy script are
//! inline, figures are inline SVG, and a Content-Security-Policy allows only
//! that script (by its SHA-256 hash). Everything read from stage outputs is
//! treated as data: every table cell, caption, note, path and LaTeX line goes
//! through [`html::escape`], and an SVG is inlined only after [`svg::check`]
//! accepted it as the markup wildstat's own figure code writes; any other
//! SVG is shown as an image (where scripts never run).
//!
//! - [`html`]: escaping, SHA-256 and base64 for the page.
//! - [`markdown`], [`csv`], [`latex`]: parsers for the stage outputs.
//! - [`svg`]: the allowlist check for inline figures.
//! - [`page`]: the page model and its HTML renderer.
//! - [`collect`]: which stage outputs a directory holds, as page sections.

#![warn(missing_docs)]

pub mod collect;
pub mod csv;
pub mod html;
pub mod latex;
pub mod markdown;
pub mod page;
pub mod svg;

pub use collect::{build, Settings};
pub use page::{Align, Block, Cell, DataTable, Page, Section};
