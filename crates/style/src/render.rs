//! pulldown-cmark events rendered to the HTML markdown-it-py's `commonmark`
//! preset (+ `table`, `strikethrough`) would emit, as far as it matters for
//! counting elements with `html.parser`.
//!
//! Compensations for differences between the two parsers:
//! - strikethrough renders as `<s>` (markdown-it), not `<del>`;
//! - `~x~` (single tilde) is literal text in markdown-it: every unescaped
//!   single `~` of the source is backslash-escaped before parsing (this only
//!   changes the text of code spans/blocks and autolinks, never an element);
//! - a table row made of a lone `|` continues a markdown-it table (a row of
//!   empty cells) but ends a pulldown-cmark one: the source line is rewritten
//!   to `| |` and the text re-parsed;
//! - an empty list item followed by two or more blank lines ends the list in
//!   markdown-it (its "empty item spans two lines" rule): an HTML comment line
//!   (no element) is inserted before the next item so the list ends there;
//! - leading tabs are expanded and non-ASCII whitespace after a line-final
//!   tag is made ASCII (see [`normalize_lines`]);
//! - a non-last list item whose source ends with a blank line (e.g. inside an
//!   unclosed fenced code block) makes the list loose in markdown-it: such
//!   lists get `<p>` around the inline runs of their items;
//! - an inline `<!-- ... -->` that markdown-it's comment regex (different from
//!   CommonMark 0.31, e.g. no `--->` ending) rejects is escaped so that it is
//!   text for pulldown-cmark too; when markdown-it's comment runs on to a
//!   later `-->`, that whole source span is emitted as raw HTML and the
//!   inline events inside it are dropped;
//! - markdown-it's `maxNesting = 20`: the content of a blockquote at block
//!   nesting level >= 20 is dropped, and so is everything after the start of a
//!   list item whose content would be at level >= 20, up to the end of the
//!   enclosing blockquote (or document);
//! - links, images and autolinks whose destination markdown-it's
//!   `validateLink` rejects (`javascript:`, `vbscript:`, `file:`, `data:` other
//!   than `data:image/(gif|png|jpeg|webp);`) are text in markdown-it: their
//!   opening `[`/`<` is backslash-escaped and the text re-parsed (reference
//!   links whose definition is rejected stay links: not compensated);
//! - image `alt` is the plain text of its content (markdown-it's
//!   `renderInlineAsText`), so nothing inside an image is an element;
//! - `<tbody>` only when a table has body rows.

use pulldown_cmark::{CodeBlockKind, Event, Options, Parser, Tag, TagEnd};
use std::borrow::Cow;
use std::collections::BTreeMap;
use std::ops::Range;

/// What the Markdown structure says besides the HTML.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct RenderInfo {
    /// Fenced + indented code blocks.
    pub code_blocks: u64,
    /// Maximum list nesting depth.
    pub list_depth: u64,
    /// Code blocks by lower-cased first word of the info string.
    pub code_langs: BTreeMap<String, u64>,
}

/// The pulldown-cmark options used: tables and strikethrough.
pub fn options() -> Options {
    Options::ENABLE_TABLES | Options::ENABLE_STRIKETHROUGH
}

/// Whether only indentation, blockquote and list markers precede byte `i` on
/// its line (which starts at `line_start`).
fn may_be_fence(text: &str, line_start: usize, i: usize) -> bool {
    let b = &text.as_bytes()[line_start..i];
    let mut p = 0;
    while p < b.len() {
        match b[p] {
            b' ' | b'\t' | b'>' => p += 1,
            b'-' | b'*' | b'+' if matches!(b.get(p + 1), Some(b' ' | b'\t')) => p += 2,
            b'0'..=b'9' => {
                let mut q = p;
                while q < b.len() && b[q].is_ascii_digit() {
                    q += 1;
                }
                if q - p <= 9
                    && matches!(b.get(q), Some(b'.' | b')'))
                    && matches!(b.get(q + 1), Some(b' ' | b'\t'))
                {
                    p = q + 2;
                } else {
                    return false;
                }
            }
            _ => return false,
        }
    }
    true
}

/// Flanking class of a delimiter neighbour: 0 whitespace (or line edge),
/// 1 punctuation, 2 other.
fn flank_class(c: Option<char>) -> u8 {
    match c {
        None => 0,
        Some(c) if c.is_whitespace() => 0,
        Some(c) if c.is_ascii_punctuation() => 1,
        Some(c) if !c.is_ascii() && !c.is_alphanumeric() => 1,
        _ => 2,
    }
}

/// A short text whose first and last characters have flanking class `cls`
/// and that adds no Markdown structure.
fn class_rep(cls: u8) -> &'static str {
    match cls {
        0 => " ",
        1 => "\\!",
        _ => "x",
    }
}

/// Rewrite tilde runs so pulldown-cmark's strikethrough sees markdown-it's
/// delimiters: a run of exactly one unescaped `~` is text in markdown-it
/// (escaped here); an odd run of 3 or more is a literal `~` plus `~~`
/// delimiters (one `~` is dropped: only text changes); a run of 4 or more is
/// split into `~~` delimiters sharing the run's flanking (separated by
/// characters of the same flanking classes as the run's neighbours). Runs
/// that may be a code fence (only indentation, `>` or list markers before
/// them on their line) are left alone.
pub fn escape_single_tildes(text: &str) -> Cow<'_, str> {
    if !text.contains('~') {
        return Cow::Borrowed(text);
    }
    let b = text.as_bytes();
    let mut out = String::with_capacity(text.len() + 16);
    let mut last = 0;
    let mut i = 0;
    // start of the current line
    let mut ls = 0;
    while i < b.len() {
        match b[i] {
            b'\\' => {
                if b.get(i + 1) == Some(&b'\n') {
                    ls = i + 2;
                }
                i += 2;
            }
            b'\n' => {
                i += 1;
                ls = i;
            }
            b'~' => {
                let mut j = i;
                while j < b.len() && b[j] == b'~' {
                    j += 1;
                }
                let n = j - i;
                if n == 1 {
                    out.push_str(&text[last..i]);
                    out.push('\\');
                    last = i;
                } else if n >= 3 && !may_be_fence(text, ls, i) {
                    out.push_str(&text[last..i]);
                    let even = n - n % 2;
                    if even >= 4 {
                        let prev = text[..i].chars().next_back().filter(|&c| c != '\n');
                        let next = text[j..].chars().next().filter(|&c| c != '\n');
                        let (pc, nc) = (flank_class(prev), flank_class(next));
                        // markdown-it never pairs two delimiters of one run;
                        // a run that can both open and close is split so that
                        // the first part only closes and the last only opens
                        let both = (pc == 1 && nc == 1) || (pc == 2 && nc == 2);
                        let (sep_left, sep_right) = if both {
                            (" ", " ")
                        } else {
                            (class_rep(nc), class_rep(pc))
                        };
                        for k in 0..even / 2 {
                            if k > 0 {
                                out.push_str(sep_left);
                                out.push_str(sep_right);
                            }
                            out.push_str("~~");
                        }
                    } else {
                        out.push_str("~~");
                    }
                    last = j;
                }
                i = j;
            }
            _ => i += 1,
        }
    }
    out.push_str(&text[last..]);
    Cow::Owned(out)
}

/// Whether the 8 bytes of `w` hold one of `&`, `<`, `>`, `"` (the classic
/// has-zero-byte test on `w` xor each byte broadcast; exact as a boolean).
#[inline]
fn has_html_special(w: u64) -> bool {
    const LO: u64 = 0x0101_0101_0101_0101;
    const HI: u64 = 0x8080_8080_8080_8080;
    let zero = |v: u64| v.wrapping_sub(LO) & !v & HI;
    (zero(w ^ (LO * b'&' as u64))
        | zero(w ^ (LO * b'<' as u64))
        | zero(w ^ (LO * b'>' as u64))
        | zero(w ^ (LO * b'"' as u64)))
        != 0
}

/// Append markdown-it's `escapeHtml(s)` to `out`. Runs of eight bytes free
/// of the four special characters are skipped a word at a time.
pub fn escape_html(out: &mut String, s: &str) {
    let b = s.as_bytes();
    let (mut last, mut i) = (0, 0);
    while i < b.len() {
        while i + 8 <= b.len() {
            let w = u64::from_le_bytes(b[i..i + 8].try_into().expect("8 bytes"));
            if has_html_special(w) {
                break;
            }
            i += 8;
        }
        let Some(&c) = b.get(i) else { break };
        let rep = match c {
            b'&' => "&amp;",
            b'<' => "&lt;",
            b'>' => "&gt;",
            b'"' => "&quot;",
            _ => {
                i += 1;
                continue;
            }
        };
        out.push_str(&s[last..i]);
        out.push_str(rep);
        i += 1;
        last = i;
    }
    out.push_str(&s[last..]);
}

/// markdown-it's `validateLink` applied to a destination (case-insensitive
/// scheme, as markdown-it's `normalizeLink` lower-cases it).
pub fn valid_link(dest: &str) -> bool {
    let d = dest.trim_start();
    let lower: String = d.chars().take(24).collect::<String>().to_ascii_lowercase();
    for bad in ["vbscript:", "javascript:", "file:", "data:"] {
        if lower.starts_with(bad) {
            if bad == "data:" {
                return [
                    "data:image/gif;",
                    "data:image/png;",
                    "data:image/jpeg;",
                    "data:image/webp;",
                ]
                .iter()
                .any(|g| lower.starts_with(g));
            }
            return false;
        }
    }
    true
}

/// markdown-it's `maxNesting` (commonmark preset).
const MAX_NESTING: usize = 20;
/// Bound on source rewrites (each removes the pattern that caused it).
const MAX_REWRITES: usize = 16;

type Events<'a> = Vec<(Event<'a>, Range<usize>)>;

fn parse(src: &str) -> Events<'_> {
    Parser::new_ext(src, options()).into_offset_iter().collect()
}

/// Start of the line containing byte `i`.
fn line_start(src: &str, i: usize) -> usize {
    src[..i].rfind('\n').map_or(0, |p| p + 1)
}

/// Insertions (offset, text) that make pulldown-cmark see what markdown-it
/// sees; empty when none is needed.
fn find_edits(src: &str, evs: &Events<'_>) -> Vec<(usize, String)> {
    let mut edits = Vec::new();
    let mut block_end = src.len();
    for (k, (ev, r)) in evs.iter().enumerate() {
        if let Event::Start(t) = ev {
            if is_inline_container(t) {
                block_end = r.end;
            }
        }
        match ev {
            // a lone `|` line right after a table: markdown-it's empty row
            Event::End(TagEnd::Table) => {
                if let Some((Event::Start(Tag::Paragraph), pr)) = evs.get(k + 1) {
                    let gap = &src[r.end.min(pr.start)..pr.start];
                    let nl = gap.matches('\n').count();
                    let first = src[pr.start..].split('\n').next().unwrap_or("");
                    let blank_gap = nl > 1 || (nl == 1 && !src[..r.end].ends_with('\n'));
                    if !blank_gap && first.trim_matches([' ', '\t', '\r']) == "|" {
                        // every lone `|` line of that paragraph is a row there
                        let mut at = pr.start;
                        for line in src[pr.start..pr.end.max(pr.start)].split_inclusive('\n') {
                            let t = line.trim_end_matches(['\n', '\r', ' ', '\t']);
                            if let Some(p) = t.rfind('|') {
                                let lead = &t[..p];
                                if t.len() == p + 1
                                    && lead.bytes().all(|b| matches!(b, b' ' | b'\t' | b'>'))
                                {
                                    edits.push((at + p + 1, " |".to_string()));
                                }
                            }
                            at += line.len();
                        }
                    }
                }
            }
            // an inline comment markdown-it's (older) comment regex rejects
            Event::InlineHtml(h) if h.starts_with("<!--") => {
                let end = block_end.max(r.end).min(src.len());
                if src[r.start..].starts_with("<!--")
                    && markdown_it_comment(&src[r.start..end]).is_none()
                {
                    edits.push((r.start, "\\".to_string()));
                }
            }
            // a link/image markdown-it's validateLink rejects is text there:
            // escape its opening bracket so pulldown-cmark parses it as text
            Event::Start(Tag::Link { dest_url, .. })
            | Event::Start(Tag::Image { dest_url, .. })
                if !valid_link(dest_url) =>
            {
                let at = match src.as_bytes().get(r.start) {
                    Some(b'[') | Some(b'<') => Some(r.start),
                    Some(b'!') if src.as_bytes().get(r.start + 1) == Some(&b'[') => {
                        Some(r.start + 1)
                    }
                    _ => None,
                };
                if let Some(at) = at {
                    edits.push((at, "\\".to_string()));
                }
            }
            // an empty item followed by >= 2 blank lines ends the list
            Event::Start(Tag::Item) => {
                if let (Some((Event::End(TagEnd::Item), _)), Some((Event::Start(Tag::Item), r2))) =
                    (evs.get(k + 1), evs.get(k + 2))
                {
                    let marker_line_end =
                        src[r.start..].find('\n').map_or(src.len(), |p| r.start + p);
                    let next_line = line_start(src, r2.start);
                    if next_line > marker_line_end {
                        let between = &src[marker_line_end..next_line];
                        if between.matches('\n').count() >= 3 {
                            let prefix = &src[next_line..r2.start];
                            edits.push((next_line, format!("{prefix}<!---->\n")));
                        }
                    }
                }
            }
            _ => {}
        }
    }
    edits
}

/// End (byte length) of the match of markdown-it's inline comment regex
/// `<!---?>|<!--(?:[^-]|-[^-]|--[^>])*-->` at the start of `s`, if any.
/// The star's tokenisation is unique, so Python's backtracking reduces to:
/// walk the tokens as far as they go, then take the furthest token boundary
/// followed by `-->`.
pub fn markdown_it_comment(s: &str) -> Option<usize> {
    let b = s.as_bytes();
    if b.starts_with(b"<!-->") {
        return Some(5);
    }
    if b.starts_with(b"<!--->") {
        return Some(6);
    }
    if !b.starts_with(b"<!--") {
        return None;
    }
    let mut p = 4;
    let mut bounds = vec![p];
    loop {
        let step = match (b.get(p), b.get(p + 1), b.get(p + 2)) {
            (Some(b'-'), Some(b'-'), Some(&c)) if c != b'>' => 3,
            (Some(b'-'), Some(&c), _) if c != b'-' => 2,
            (Some(&c), _, _) if c != b'-' => 1,
            _ => break,
        };
        p += step;
        bounds.push(p);
    }
    bounds
        .iter()
        .rev()
        .find(|&&q| b[q..].starts_with(b"-->"))
        .map(|&q| q + 3)
}

/// Blocks whose range bounds markdown-it's inline parse (paragraph, heading,
/// table cell; tight list items hold their paragraph's inlines directly).
fn is_inline_container(t: &Tag<'_>) -> bool {
    matches!(
        t,
        Tag::Paragraph | Tag::Heading { .. } | Tag::TableCell | Tag::Item
    )
}

fn apply_edits(src: &str, mut edits: Vec<(usize, String)>) -> String {
    edits.sort_by_key(|e| e.0);
    let mut out = String::with_capacity(src.len() + 64);
    let mut last = 0;
    for (at, ins) in edits {
        out.push_str(&src[last..at]);
        out.push_str(&ins);
        last = at;
    }
    out.push_str(&src[last..]);
    out
}

/// Whether a source line is blank inside `bq` blockquotes (`>` markers and
/// whitespace only).
fn blank_in_container(line: &str, bq: usize) -> bool {
    let mut rest = line;
    for _ in 0..bq {
        let t = rest.trim_start_matches([' ', '\t']);
        match t.strip_prefix('>') {
            Some(r) => rest = r,
            None => break,
        }
    }
    rest.trim_matches([' ', '\t', '\r']).is_empty()
}

/// For each `Start(List)` event index: whether markdown-it makes the list
/// loose while pulldown-cmark made it tight (a non-last item ends with a
/// blank line).
fn force_loose_lists(src: &str, evs: &Events<'_>) -> Vec<usize> {
    struct L {
        idx: usize,
        bq: usize,
        pd_loose: bool,
        items: usize,
        blank_before_item: bool,
    }
    let mut out = Vec::new();
    let mut lists: Vec<L> = Vec::new();
    // block stack: true = Item
    let mut blocks: Vec<bool> = Vec::new();
    let mut bq = 0usize;
    for (k, (ev, r)) in evs.iter().enumerate() {
        match ev {
            Event::Start(t) => {
                let is_block = !matches!(
                    t,
                    Tag::Emphasis
                        | Tag::Strong
                        | Tag::Strikethrough
                        | Tag::Subscript
                        | Tag::Superscript
                        | Tag::Link { .. }
                        | Tag::Image { .. }
                );
                match t {
                    Tag::List(_) => lists.push(L {
                        idx: k,
                        bq,
                        pd_loose: false,
                        items: 0,
                        blank_before_item: false,
                    }),
                    Tag::Item => {
                        if let Some(l) = lists.last_mut() {
                            if l.items > 0 {
                                let ls = line_start(src, r.start);
                                if ls > 0 {
                                    let pls = line_start(src, ls - 1);
                                    if blank_in_container(&src[pls..ls - 1], l.bq) {
                                        l.blank_before_item = true;
                                    }
                                }
                            }
                            l.items += 1;
                        }
                    }
                    Tag::Paragraph if blocks.last() == Some(&true) => {
                        if let Some(l) = lists.last_mut() {
                            l.pd_loose = true;
                        }
                    }
                    Tag::BlockQuote(_) => bq += 1,
                    _ => {}
                }
                if is_block {
                    blocks.push(matches!(t, Tag::Item));
                }
            }
            Event::End(t) => {
                let is_block = !matches!(
                    t,
                    TagEnd::Emphasis
                        | TagEnd::Strong
                        | TagEnd::Strikethrough
                        | TagEnd::Subscript
                        | TagEnd::Superscript
                        | TagEnd::Link
                        | TagEnd::Image
                );
                if is_block {
                    blocks.pop();
                }
                match t {
                    TagEnd::List(_) => {
                        if let Some(l) = lists.pop() {
                            if !l.pd_loose && l.blank_before_item {
                                out.push(l.idx);
                            }
                        }
                    }
                    TagEnd::BlockQuote(_) => bq = bq.saturating_sub(1),
                    _ => {}
                }
            }
            _ => {}
        }
    }
    out.sort_unstable();
    out
}

/// Line-level normalisation before parsing:
/// - tabs in the leading whitespace of every line become spaces (tab stop 4,
///   which CommonMark defines as equivalent for block structure);
///   pulldown-cmark mis-handles some tab-indented nested lists after a blank
///   line (it makes them loose);
/// - non-ASCII whitespace (Python `\s`, e.g. U+00A0) after a final `>` of a
///   line holding a tag becomes spaces: markdown-it's HTML block rule 7
///   (`<tag>\s*$`) accepts it, pulldown-cmark does not.
pub fn normalize_lines(text: &str) -> Cow<'_, str> {
    let has_tab = text.contains('\t');
    let has_wide_ws = !text.is_ascii() && text.chars().any(|c| !c.is_ascii() && c.is_whitespace());
    if !has_tab && !has_wide_ws {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 64);
    let mut changed = false;
    for line in text.split_inclusive('\n') {
        let lead = line.len() - line.trim_start_matches([' ', '\t']).len();
        let mut rest = &line[lead..];
        if line[..lead].contains('\t') {
            changed = true;
            let mut col = 0usize;
            for c in line[..lead].chars() {
                if c == '\t' {
                    let n = 4 - col % 4;
                    out.extend(std::iter::repeat_n(' ', n));
                    col += n;
                } else {
                    out.push(' ');
                    col += 1;
                }
            }
        } else {
            out.push_str(&line[..lead]);
        }
        if has_wide_ws {
            let body = rest.trim_end_matches(crate::htmlscan::py_isspace);
            let tail = &rest[body.len()..];
            if body.ends_with('>') && !tail.is_ascii() && body.contains('<') {
                changed = true;
                out.push_str(body);
                for c in tail.chars() {
                    out.push(if c.is_ascii() { c } else { ' ' });
                }
                rest = "";
            }
        }
        out.push_str(rest);
    }
    if changed {
        Cow::Owned(out)
    } else {
        Cow::Borrowed(text)
    }
}

/// Render `text` into `out` (appended) and return the structural info.
pub fn render_html(text: &str, out: &mut String) -> RenderInfo {
    let norm = markdown_it_normalize(text);
    let (text, placeheld) = hold_line_separators(&norm);
    if placeheld {
        let mut html = String::with_capacity(out.capacity());
        let mut info = render_normalized(&text, &mut html);
        out.push_str(&restore_line_separators(&html));
        info.code_langs = info
            .code_langs
            .into_iter()
            .map(|(k, n)| (restore_line_separators(&k).into_owned(), n))
            .collect();
        return info;
    }
    render_normalized(&text, out)
}

/// markdown-it's `normalize` core rule: `\r\n` and lone `\r` become `\n`,
/// NUL becomes U+FFFD. pulldown-cmark splits lines at a lone `\r` only in
/// some blocks (`"    code\rtext"` stays one code line) and keeps NUL as
/// a non-punctuation character for emphasis flanking (`"*\0*a"`).
fn markdown_it_normalize(text: &str) -> Cow<'_, str> {
    if !text.contains(['\r', '\0']) {
        return Cow::Borrowed(text);
    }
    Cow::Owned(
        text.replace("\r\n", "\n")
            .replace('\r', "\n")
            .replace('\0', "\u{fffd}"),
    )
}

/// U+0085, U+2028 and U+2029 and the private-use characters that stand in
/// for them next to emphasis delimiters.
const SEPARATORS: [(char, char); 3] = [
    ('\u{85}', '\u{e085}'),
    ('\u{2028}', '\u{e028}'),
    ('\u{2029}', '\u{e029}'),
];

/// pulldown-cmark counts U+0085, U+2028 and U+2029 as whitespace when it
/// decides whether a `*`, `_` or `~` run can open or close emphasis;
/// markdown-it's `isWhiteSpace` does not (`"*\u2028x*"` is emphasis there).
/// Next to such a run they are replaced by private-use characters (neither
/// whitespace nor punctuation for both), restored in the output. Texts that
/// already hold one of those private-use characters are left as they are.
fn hold_line_separators(text: &str) -> (Cow<'_, str>, bool) {
    let is_sep = |c: char| SEPARATORS.iter().any(|&(s, _)| s == c);
    if text.is_ascii()
        || !text.contains(is_sep)
        || text.contains(|c: char| SEPARATORS.iter().any(|&(_, p)| p == c))
    {
        return (Cow::Borrowed(text), false);
    }
    let chars: Vec<char> = text.chars().collect();
    let delim = |i: Option<usize>| {
        i.and_then(|i| chars.get(i))
            .is_some_and(|c| matches!(c, '*' | '_' | '~'))
    };
    let mut out = String::with_capacity(text.len());
    let mut changed = false;
    for (i, &c) in chars.iter().enumerate() {
        match SEPARATORS.iter().find(|&&(s, _)| s == c) {
            Some(&(_, p)) if delim(i.checked_sub(1)) || delim(Some(i + 1)) => {
                out.push(p);
                changed = true;
            }
            _ => out.push(c),
        }
    }
    if !changed {
        return (Cow::Borrowed(text), false);
    }
    (Cow::Owned(out), true)
}

/// Puts back the characters [`hold_line_separators`] replaced.
fn restore_line_separators(s: &str) -> Cow<'_, str> {
    if !s.contains(|c: char| SEPARATORS.iter().any(|&(_, p)| p == c)) {
        return Cow::Borrowed(s);
    }
    Cow::Owned(
        s.chars()
            .map(|c| {
                SEPARATORS
                    .iter()
                    .find(|&&(_, p)| p == c)
                    .map_or(c, |&(s, _)| s)
            })
            .collect(),
    )
}

fn render_normalized(text: &str, out: &mut String) -> RenderInfo {
    let tabs = normalize_lines(text);
    let mut src: Cow<'_, str> = match escape_single_tildes(&tabs) {
        Cow::Borrowed(_) => tabs,
        Cow::Owned(s) => Cow::Owned(s),
    };
    for _ in 0..MAX_REWRITES {
        let edits = {
            let evs = parse(&src);
            let edits = find_edits(&src, &evs);
            if edits.is_empty() {
                return render_events(&src, &evs, out);
            }
            edits
        };
        src = Cow::Owned(apply_edits(&src, edits));
    }
    let evs = parse(&src);
    render_events(&src, &evs, out)
}

/// Block containers open while rendering.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Open {
    /// A list item; `true` when its list is forced loose.
    Item(bool),
    BlockQuote,
    List,
    Other,
}

fn render_events(src: &str, evs: &Events<'_>, out: &mut String) -> RenderInfo {
    let forced = force_loose_lists(src, evs);
    let mut info = RenderInfo::default();
    let mut list_depth = 0u64;
    // image nesting: alt text is collected plain
    let mut image_depth = 0usize;
    let mut alt = String::new();
    // links: whether each open link was emitted as <a>
    let mut link_stack: Vec<bool> = Vec::new();
    let mut table_aligns: &[pulldown_cmark::Alignment] = &[];
    let mut in_thead = false;
    let mut body_rows = 0usize;
    let mut cell = 0usize;
    // block containers, the forced-loose state of lists, synthetic <p> open
    let mut open: Vec<Open> = Vec::new();
    let mut list_forced: Vec<bool> = Vec::new();
    let mut synth_p = false;
    // markdown-it block level (blockquote +1, list +1, item +1)
    let mut level = 0usize;
    // skipping content dropped by maxNesting: skip until `open` shrinks to this
    let mut skip_to: Option<usize> = None;

    // inline container end, and raw-comment override region [start, end)
    let mut block_end = src.len();
    let mut raw_region = (0usize, 0usize);
    for (k, (ev, r)) in evs.iter().enumerate() {
        if r.start >= raw_region.0 && r.start < raw_region.1 {
            let inline = match ev {
                Event::Start(t) => is_inline_tag(t),
                Event::End(t) => is_inline_end(t),
                Event::Text(_)
                | Event::Code(_)
                | Event::InlineHtml(_)
                | Event::SoftBreak
                | Event::HardBreak
                | Event::InlineMath(_)
                | Event::FootnoteReference(_) => true,
                _ => false,
            };
            if inline {
                continue;
            }
        }
        if let Event::Start(t) = ev {
            if is_inline_container(t) {
                block_end = r.end;
            }
        }
        if let Some(depth) = skip_to {
            match ev {
                Event::Start(t) if !is_inline_tag(t) => {
                    open.push(Open::Other);
                    continue;
                }
                Event::End(t) if !is_inline_end(t) => {
                    if open.len() > depth {
                        match open.pop() {
                            Some(Open::Item(_)) | Some(Open::BlockQuote) => level -= 1,
                            Some(Open::List) => {
                                level -= 1;
                                list_forced.pop();
                                list_depth -= 1;
                            }
                            _ => {}
                        }
                        continue;
                    }
                    skip_to = None;
                }
                _ => continue,
            }
        }
        if image_depth > 0 {
            match ev {
                Event::Start(Tag::Image { .. }) => image_depth += 1,
                Event::End(TagEnd::Image) => {
                    image_depth -= 1;
                    if image_depth == 0 {
                        out.push_str(" alt=\"");
                        escape_html(out, &alt);
                        out.push_str("\" />");
                        alt.clear();
                    }
                }
                Event::Text(t) | Event::Code(t) | Event::Html(t) | Event::InlineHtml(t) => {
                    alt.push_str(t)
                }
                Event::SoftBreak | Event::HardBreak => alt.push('\n'),
                _ => {}
            }
            continue;
        }
        // synthetic paragraphs in forced-loose list items
        let block_ev = match ev {
            Event::Start(t) => !is_inline_tag(t),
            Event::End(t) => !is_inline_end(t),
            Event::Rule | Event::Html(_) | Event::DisplayMath(_) => true,
            _ => false,
        };
        if block_ev {
            if synth_p {
                out.push_str("</p>\n");
                synth_p = false;
            }
        } else if open.last() == Some(&Open::Item(true)) && !synth_p {
            out.push_str("<p>");
            synth_p = true;
        }
        match ev {
            Event::Start(tag) => {
                if !is_inline_tag(tag) {
                    open.push(match tag {
                        Tag::Item => Open::Item(list_forced.last().copied().unwrap_or(false)),
                        Tag::BlockQuote(_) => Open::BlockQuote,
                        Tag::List(_) => Open::List,
                        _ => Open::Other,
                    });
                }
                match tag {
                    Tag::Paragraph => out.push_str("<p>"),
                    Tag::Heading { level, .. } => {
                        out.push_str("<h");
                        out.push((b'0' + *level as u8) as char);
                        out.push('>');
                    }
                    Tag::BlockQuote(_) => {
                        out.push_str("<blockquote>\n");
                        level += 1;
                        if level >= MAX_NESTING {
                            skip_to = Some(open.len());
                        }
                    }
                    Tag::CodeBlock(kind) => {
                        info.code_blocks += 1;
                        let lang = match kind {
                            CodeBlockKind::Fenced(s) => s.split_whitespace().next().unwrap_or(""),
                            CodeBlockKind::Indented => "",
                        };
                        if lang.is_empty() {
                            out.push_str("<pre><code>");
                        } else {
                            out.push_str("<pre><code class=\"language-");
                            escape_html(out, lang);
                            out.push_str("\">");
                        }
                        *info.code_langs.entry(lang.to_lowercase()).or_insert(0) += 1;
                    }
                    Tag::HtmlBlock => {}
                    Tag::List(start) => {
                        level += 1;
                        list_forced.push(forced.binary_search(&k).is_ok());
                        list_depth += 1;
                        info.list_depth = info.list_depth.max(list_depth);
                        match start {
                            None => out.push_str("<ul>\n"),
                            Some(1) => out.push_str("<ol>\n"),
                            Some(n) => {
                                out.push_str("<ol start=\"");
                                out.push_str(&n.to_string());
                                out.push_str("\">\n");
                            }
                        }
                    }
                    Tag::Item => {
                        out.push_str("<li>");
                        level += 1;
                        if level >= MAX_NESTING {
                            // drop up to the end of the enclosing blockquote
                            let bq = open.iter().rposition(|o| *o == Open::BlockQuote);
                            skip_to = Some(bq.map_or(0, |p| p + 1));
                        }
                    }
                    Tag::Table(aligns) => {
                        table_aligns = aligns;
                        body_rows = 0;
                        out.push_str("<table>\n");
                    }
                    Tag::TableHead => {
                        in_thead = true;
                        cell = 0;
                        out.push_str("<thead>\n<tr>\n");
                    }
                    Tag::TableRow => {
                        if body_rows == 0 {
                            out.push_str("<tbody>\n");
                        }
                        body_rows += 1;
                        cell = 0;
                        out.push_str("<tr>\n");
                    }
                    Tag::TableCell => {
                        out.push_str(if in_thead { "<th" } else { "<td" });
                        match table_aligns.get(cell) {
                            Some(pulldown_cmark::Alignment::Left) => {
                                out.push_str(" style=\"text-align:left\"")
                            }
                            Some(pulldown_cmark::Alignment::Center) => {
                                out.push_str(" style=\"text-align:center\"")
                            }
                            Some(pulldown_cmark::Alignment::Right) => {
                                out.push_str(" style=\"text-align:right\"")
                            }
                            _ => {}
                        }
                        out.push('>');
                        cell += 1;
                    }
                    Tag::Emphasis => out.push_str("<em>"),
                    Tag::Strong => out.push_str("<strong>"),
                    Tag::Strikethrough => out.push_str("<s>"),
                    Tag::Subscript | Tag::Superscript => out.push('~'),
                    Tag::Link {
                        link_type,
                        dest_url,
                        title,
                        ..
                    } => {
                        let email = *link_type == pulldown_cmark::LinkType::Email;
                        if email || valid_link(dest_url) {
                            link_stack.push(true);
                            out.push_str("<a href=\"");
                            if email {
                                out.push_str("mailto:");
                            }
                            escape_html(out, dest_url);
                            out.push('"');
                            if !title.is_empty() {
                                out.push_str(" title=\"");
                                escape_html(out, title);
                                out.push('"');
                            }
                            out.push('>');
                        } else {
                            link_stack.push(false);
                            if *link_type == pulldown_cmark::LinkType::Autolink {
                                out.push_str("&lt;");
                            } else {
                                out.push('[');
                            }
                        }
                    }
                    Tag::Image {
                        dest_url, title, ..
                    } => {
                        if valid_link(dest_url) {
                            image_depth = 1;
                            out.push_str("<img src=\"");
                            escape_html(out, dest_url);
                            out.push('"');
                            if !title.is_empty() {
                                out.push_str(" title=\"");
                                escape_html(out, title);
                                out.push('"');
                            }
                        } else {
                            link_stack.push(false);
                            out.push_str("![");
                        }
                    }
                    _ => {}
                }
            }
            Event::End(tag) => {
                if !is_inline_end(tag) {
                    open.pop();
                }
                match tag {
                    TagEnd::Paragraph => out.push_str("</p>\n"),
                    TagEnd::Heading(level) => {
                        out.push_str("</h");
                        out.push((b'0' + *level as u8) as char);
                        out.push_str(">\n");
                    }
                    TagEnd::BlockQuote(_) => {
                        level -= 1;
                        out.push_str("</blockquote>\n");
                    }
                    TagEnd::CodeBlock => out.push_str("</code></pre>\n"),
                    TagEnd::List(ordered) => {
                        level -= 1;
                        list_forced.pop();
                        list_depth -= 1;
                        out.push_str(if *ordered { "</ol>\n" } else { "</ul>\n" });
                    }
                    TagEnd::Item => {
                        level -= 1;
                        out.push_str("</li>\n");
                    }
                    TagEnd::Table => {
                        if body_rows > 0 {
                            out.push_str("</tbody>\n");
                        }
                        out.push_str("</table>\n");
                    }
                    TagEnd::TableHead => {
                        in_thead = false;
                        out.push_str("</tr>\n</thead>\n");
                    }
                    TagEnd::TableRow => out.push_str("</tr>\n"),
                    TagEnd::TableCell => out.push_str(if in_thead { "</th>\n" } else { "</td>\n" }),
                    TagEnd::Emphasis => out.push_str("</em>"),
                    TagEnd::Strong => out.push_str("</strong>"),
                    TagEnd::Strikethrough => out.push_str("</s>"),
                    TagEnd::Subscript | TagEnd::Superscript => out.push('~'),
                    TagEnd::Link | TagEnd::Image => match link_stack.pop() {
                        Some(true) => out.push_str("</a>"),
                        Some(false) => out.push_str("]()"),
                        None => {}
                    },
                    _ => {}
                }
            }
            Event::Text(t) => escape_html(out, t),
            Event::Code(t) => {
                out.push_str("<code>");
                escape_html(out, t);
                out.push_str("</code>");
            }
            Event::InlineHtml(t) if t.starts_with("<!--") && src[r.start..].starts_with("<!--") => {
                // markdown-it's comment may run past pulldown-cmark's (to a
                // later `-->`): then the source up to there is raw HTML
                let end = block_end.max(r.end).min(src.len());
                match markdown_it_comment(&src[r.start..end]) {
                    Some(e) if r.start + e > r.end => {
                        out.push_str(&src[r.start..r.start + e]);
                        raw_region = (r.start, r.start + e);
                    }
                    _ => out.push_str(t),
                }
            }
            Event::Html(t) | Event::InlineHtml(t) => out.push_str(t),
            Event::SoftBreak => out.push('\n'),
            Event::HardBreak => out.push_str("<br />\n"),
            Event::Rule => out.push_str("<hr />\n"),
            Event::InlineMath(t) | Event::DisplayMath(t) => escape_html(out, t),
            Event::FootnoteReference(t) => escape_html(out, t),
            Event::TaskListMarker(_) => {}
        }
    }
    info
}

fn is_inline_tag(t: &Tag<'_>) -> bool {
    matches!(
        t,
        Tag::Emphasis
            | Tag::Strong
            | Tag::Strikethrough
            | Tag::Subscript
            | Tag::Superscript
            | Tag::Link { .. }
            | Tag::Image { .. }
    )
}

fn is_inline_end(t: &TagEnd) -> bool {
    matches!(
        t,
        TagEnd::Emphasis
            | TagEnd::Strong
            | TagEnd::Strikethrough
            | TagEnd::Subscript
            | TagEnd::Superscript
            | TagEnd::Link
            | TagEnd::Image
    )
}

#[cfg(test)]
mod tests {
    use super::escape_html;

    /// The word-at-a-time skip agrees with a byte loop at every offset and
    /// length around the 8-byte boundaries.
    #[test]
    fn escape_html_matches_byte_loop() {
        let base = "ab&cd<ef>gh\"ij klmnopqrstuv&&<<é>>\"\"wxyz0123456789";
        for start in 0..base.len() {
            for end in start..=base.len() {
                let (Some(s), true) = (base.get(start..end), base.is_char_boundary(end)) else {
                    continue;
                };
                let mut fast = String::new();
                escape_html(&mut fast, s);
                let slow: String = s
                    .chars()
                    .map(|c| match c {
                        '&' => "&amp;".to_string(),
                        '<' => "&lt;".to_string(),
                        '>' => "&gt;".to_string(),
                        '"' => "&quot;".to_string(),
                        c => c.to_string(),
                    })
                    .collect();
                assert_eq!(fast, slow, "{s:?}");
            }
        }
    }
}
