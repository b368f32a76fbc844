//! Option values with a fixed set of names (`--turns first|all`, ...): one
//! definition serves the command line (via `FromStr`), pipeline files and
//! part files (via serde, as the same names).

use std::fmt::Display;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serializer};
use wildstat_reader::{IdFrom, ModelFrom, Roles, Turns};

/// A value that prints as the name the command line accepts.
pub trait Named {
    /// The command-line name of this value.
    fn name(&self) -> String;
}

impl Named for Turns {
    fn name(&self) -> String {
        match self {
            Turns::First => "first",
            Turns::All => "all",
        }
        .into()
    }
}

impl Named for ModelFrom {
    fn name(&self) -> String {
        match self {
            ModelFrom::Auto => "auto",
            ModelFrom::Column => "column",
            ModelFrom::File => "file",
            ModelFrom::Dir => "dir",
        }
        .into()
    }
}

impl Named for IdFrom {
    fn name(&self) -> String {
        match self {
            IdFrom::Column => "column",
            IdFrom::Prompt => "prompt",
        }
        .into()
    }
}

impl Named for Roles {
    fn name(&self) -> String {
        match self {
            Roles::Assistant => "assistant",
            Roles::User => "user",
            Roles::Both => "both",
        }
        .into()
    }
}

/// Serializes a [`Named`] value as its name.
pub fn serialize<T: Named, S: Serializer>(v: &T, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(&v.name())
}

/// Deserializes a [`Named`] value from its name (or, for numeric names such
/// as `--refs 5`, from a number).
pub fn deserialize<'de, T, D>(d: D) -> Result<T, D::Error>
where
    T: FromStr,
    T::Err: Display,
    D: Deserializer<'de>,
{
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Raw {
        Text(String),
        Number(u64),
    }
    let text = match Raw::deserialize(d)? {
        Raw::Text(s) => s,
        Raw::Number(n) => n.to_string(),
    };
    text.parse().map_err(serde::de::Error::custom)
}

/// A clap value parser for an unsigned integer in `lo..=hi`, with an error
/// that states the range (every numeric flag documents and checks one).
pub fn range(lo: u64, hi: u64) -> impl Fn(&str) -> Result<u64, String> + Clone {
    move |s: &str| {
        let v: u64 = s
            .trim()
            .parse()
            .map_err(|_| format!("{s:?} is not a whole number ({lo} to {hi})"))?;
        if v < lo || v > hi {
            return Err(format!("{v} is out of range ({lo} to {hi})"));
        }
        Ok(v)
    }
}

/// [`range`] for `usize` flags.
pub fn range_usize(lo: usize, hi: usize) -> impl Fn(&str) -> Result<usize, String> + Clone {
    let r = range(lo as u64, hi as u64);
    move |s: &str| r(s).map(|v| v as usize)
}
