use std::fmt;
use std::path::{Path, PathBuf};

/// A reader error that names where it happened: the file, and where known the
/// row group, the row within it and the column, so a one-line message tells a
/// user exactly what to look at.
#[derive(Debug, Clone, PartialEq)]
pub struct Error {
    /// The file (or input path) concerned.
    pub path: PathBuf,
    /// Row group index within the file, when known.
    pub row_group: Option<usize>,
    /// Row index within the row group, when known.
    pub row: Option<usize>,
    /// Line (1-based) where the record starts, for JSON and JSON Lines files.
    pub line: Option<u64>,
    /// Column path such as `conversation.content`, when known.
    pub column: Option<String>,
    /// What went wrong.
    pub message: String,
}

impl Error {
    /// An error about a whole file or input path.
    pub fn file(path: &Path, message: impl Into<String>) -> Self {
        Error {
            path: path.to_path_buf(),
            row_group: None,
            row: None,
            line: None,
            column: None,
            message: message.into(),
        }
    }

    /// Adds the row group index.
    pub fn in_row_group(mut self, rg: usize) -> Self {
        self.row_group = Some(rg);
        self
    }

    /// Adds the row index within the row group.
    pub fn at_row(mut self, row: usize) -> Self {
        self.row = Some(row);
        self
    }

    /// Adds the line where the record starts (JSON inputs).
    pub fn at_line(mut self, line: u64) -> Self {
        self.line = Some(line);
        self
    }

    /// Adds the column path.
    pub fn in_column(mut self, column: impl Into<String>) -> Self {
        self.column = Some(column.into());
        self
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.path.display())?;
        if let Some(rg) = self.row_group {
            write!(f, ": row group {rg}")?;
        }
        if let Some(row) = self.row {
            write!(f, ": row {row}")?;
        }
        if let Some(line) = self.line {
            write!(f, ": line {line}")?;
        }
        if let Some(c) = &self.column {
            write!(f, ": column {c}")?;
        }
        // Keep the message on one line whatever the underlying library said.
        let msg = self.message.replace(['\n', '\r'], " ");
        write!(f, ": {msg}")
    }
}

impl std::error::Error for Error {}
