use std::collections::{HashMap, HashSet};
use std::sync::Arc;

/// Who wrote a turn.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Role {
    /// A user (prompt) turn: `user` or `human`.
    User,
    /// A model turn: `assistant` or `gpt`.
    Assistant,
}

impl std::fmt::Display for Role {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Role::User => "user",
            Role::Assistant => "assistant",
        })
    }
}

/// Which turns of a conversation become responses.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Turns {
    /// Only the first turn of each selected role (the paper's choice).
    #[default]
    First,
    /// Every turn of the selected roles.
    All,
}

impl std::str::FromStr for Turns {
    type Err = String;
    fn from_str(s: &str) -> std::result::Result<Self, String> {
        match s {
            "first" => Ok(Turns::First),
            "all" => Ok(Turns::All),
            _ => Err(format!("unknown --turns {s:?}: expected first or all")),
        }
    }
}

/// Which roles' turns become responses.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Roles {
    /// Assistant turns only (every stage's default).
    #[default]
    Assistant,
    /// User turns only.
    User,
    /// Both, each numbered within its role.
    Both,
}

impl Roles {
    /// Whether turns of `role` are selected.
    pub fn includes(self, role: Role) -> bool {
        match self {
            Roles::Assistant => role == Role::Assistant,
            Roles::User => role == Role::User,
            Roles::Both => true,
        }
    }
}

impl std::str::FromStr for Roles {
    type Err = String;
    fn from_str(s: &str) -> std::result::Result<Self, String> {
        match s {
            "assistant" => Ok(Roles::Assistant),
            "user" => Ok(Roles::User),
            "both" => Ok(Roles::Both),
            _ => Err(format!(
                "unknown --roles {s:?}: expected assistant, user or both"
            )),
        }
    }
}

/// Which transcripts a stage looks at; shared by every stage.
#[derive(Debug, Clone, Default)]
pub struct Selection {
    /// Keep only these models (all when `None`).
    pub models: Option<HashSet<String>>,
    /// Keep only these conversation ids (all when `None`).
    pub conversations: Option<HashSet<String>>,
    /// Drop these conversation ids.
    pub exclude: Option<HashSet<String>>,
    /// Keep only conversations in this language (compared case-insensitively).
    pub language: Option<String>,
    /// First turn (of each selected role), or all of them.
    pub turns: Turns,
    /// Which roles' turns to yield.
    pub roles: Roles,
    /// Seeded per-model sample, computed by [`sample_plan`].
    pub sample: Option<Arc<SamplePlan>>,
}

impl Selection {
    /// Whether a conversation of `model` with id `id` and `language` is kept.
    pub fn keeps(&self, model: &str, id: &str, language: Option<&str>) -> bool {
        self.keeps_before_sample(model, id, language)
            && self.sample.as_ref().is_none_or(|s| s.contains(model, id))
    }

    pub(crate) fn keeps_before_sample(
        &self,
        model: &str,
        id: &str,
        language: Option<&str>,
    ) -> bool {
        if let Some(m) = &self.models {
            if !m.contains(model) {
                return false;
            }
        }
        if let Some(c) = &self.conversations {
            if !c.contains(id) {
                return false;
            }
        }
        if let Some(x) = &self.exclude {
            if x.contains(id) {
                return false;
            }
        }
        if let Some(want) = &self.language {
            match language {
                Some(l) if l.eq_ignore_ascii_case(want) => {}
                _ => return false,
            }
        }
        true
    }
}

/// A seeded sample: for each model, the conversation ids it keeps.
///
/// Each model keeps the `n` conversations whose keyed hash (seeded) is
/// smallest. Because the key depends only on the conversation id, models that
/// answered the same prompts keep largely the same conversations, which is
/// what pairwise similarity wants; and the sample does not depend on file
/// order, thread count or sharding.
#[derive(Debug, Clone, Default)]
pub struct SamplePlan {
    pub(crate) keep: HashMap<String, HashSet<String>>,
}

impl SamplePlan {
    /// Whether `model` keeps conversation `id`.
    pub fn contains(&self, model: &str, id: &str) -> bool {
        self.keep.get(model).is_some_and(|s| s.contains(id))
    }

    /// Conversations kept per model.
    pub fn sizes(&self) -> Vec<(String, usize)> {
        let mut v: Vec<_> = self
            .keep
            .iter()
            .map(|(m, s)| (m.clone(), s.len()))
            .collect();
        v.sort();
        v
    }
}

/// Reads a list of conversation ids, one per line (`--conversations`,
/// `--exclude-conversations`): blank lines skipped, surrounding whitespace
/// and a UTF-8 byte order mark ignored. An empty list is an error.
pub fn read_id_list(path: &std::path::Path) -> std::result::Result<HashSet<String>, String> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| format!("{}: cannot read conversation list: {e}", path.display()))?;
    let set: HashSet<String> = strip_bom(&text)
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .map(String::from)
        .collect();
    if set.is_empty() {
        return Err(format!("{}: conversation list is empty", path.display()));
    }
    Ok(set)
}

/// `text` without a leading UTF-8 byte order mark.
pub fn strip_bom(text: &str) -> &str {
    text.strip_prefix('\u{feff}').unwrap_or(text)
}

/// Splits `--models` values into names: each value is a comma-separated
/// list in which `\,` is a comma inside a name and `\\` a backslash; the
/// flag may be repeated.
pub fn parse_model_names(values: &[String]) -> Vec<String> {
    let mut out = Vec::new();
    for v in values {
        let mut cur = String::new();
        let mut chars = v.chars();
        while let Some(c) = chars.next() {
            match c {
                '\\' => match chars.next() {
                    Some(n @ (',' | '\\')) => cur.push(n),
                    Some(n) => {
                        cur.push('\\');
                        cur.push(n);
                    }
                    None => cur.push('\\'),
                },
                ',' => out.push(std::mem::take(&mut cur)),
                c => cur.push(c),
            }
        }
        out.push(cur);
    }
    out.retain(|s| !s.is_empty());
    out
}
