//! A port of the start-tag recognition of CPython 3.11's `html.parser`
//! (as driven by BeautifulSoup 4's `html.parser` tree builder, i.e. with
//! `convert_charrefs=False`, one `feed()` followed by `close()`).
//!
//! Only what decides *which start tags are reported* is ported: the main
//! `goahead` loop, `parse_starttag` with the `locatestarttagend_tolerant`,
//! `tagfind_tolerant` and `attrfind_tolerant` regular expressions (their
//! backtracking behaviour included), end tags (they matter for leaving
//! `<script>`/`<style>` CDATA mode and for what they swallow), comments,
//! processing instructions, declarations, marked sections and the character
//! reference branch (an invalid `&#` makes CPython 3.11 give up on the rest of
//! the document). Attribute values, data and entities are not materialised.
//!
//! Positions are byte offsets into UTF-8; every character class is applied to
//! whole characters, with Python's `str.isspace()` as `\s`.

/// Outcome of scanning one HTML document.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub(crate) struct ScanOutcome {
    /// `html.parser` raised `AssertionError` (BeautifulSoup then raises
    /// `ParserRejectedMarkup`); tags reported before that point were kept.
    pub rejected: bool,
}

/// Python's `str.isspace()` (also what `\s` matches in a `str` pattern).
#[inline]
pub(crate) fn py_isspace(c: char) -> bool {
    matches!(c, '\t'..='\r' | ' ' | '\x1c'..='\x1f') || (c as u32 >= 0x80 && c.is_whitespace())
}

struct Scanner<'a, F: FnMut(&str)> {
    s: &'a str,
    b: &'a [u8],
    n: usize,
    cdata: Option<&'static str>,
    on_tag: F,
    rejected: bool,
    /// `absent[c]`: byte `c` does not occur at or after this offset (searches
    /// that failed once fail again: keeps unclosed constructs linear).
    absent: [usize; 128],
    /// No `--\s*>` at or after this offset.
    no_comment_close: usize,
    /// No `]\s*]\s*>` / `]\s*>` at or after these offsets.
    no_section_close: [usize; 2],
}

/// Scan `html` like `BeautifulSoup(html, "html.parser")` and call `on_tag`
/// with the lower-cased name of every start tag (or `<x/>` start-end tag)
/// that becomes an element of the soup.
pub(crate) fn scan_start_tags<F: FnMut(&str)>(html: &str, on_tag: F) -> ScanOutcome {
    let mut sc = Scanner {
        s: html,
        b: html.as_bytes(),
        n: html.len(),
        cdata: None,
        on_tag,
        rejected: false,
        absent: [usize::MAX; 128],
        no_comment_close: usize::MAX,
        no_section_close: [usize::MAX; 2],
    };
    // feed(): goahead(0), then close(): goahead(1) on what is left.
    let i = sc.goahead(0, false);
    if !sc.rejected {
        sc.goahead(i, true);
    }
    ScanOutcome {
        rejected: sc.rejected,
    }
}

impl<F: FnMut(&str)> Scanner<'_, F> {
    /// Character at byte offset `i` and its UTF-8 length.
    #[inline]
    fn ch(&self, i: usize) -> Option<(char, usize)> {
        let b = *self.b.get(i)?;
        if b < 0x80 {
            return Some((b as char, 1));
        }
        let c = self.s[i..].chars().next()?;
        Some((c, c.len_utf8()))
    }

    #[inline]
    fn byte(&self, i: usize) -> Option<u8> {
        self.b.get(i).copied()
    }

    /// Length of the Python whitespace character at `i`, if any.
    #[inline]
    fn space_at(&self, i: usize) -> Option<usize> {
        let b = *self.b.get(i)?;
        if b < 0x80 {
            return if matches!(b, b'\t'..=b'\r' | b' ' | 0x1c..=0x1f) {
                Some(1)
            } else {
                None
            };
        }
        let (c, l) = self.ch(i)?;
        if c.is_whitespace() {
            Some(l)
        } else {
            None
        }
    }

    /// Skip `\s*`.
    #[inline]
    fn skip_spaces(&self, mut i: usize) -> usize {
        while let Some(l) = self.space_at(i) {
            i += l;
        }
        i
    }

    /// Skip `(?:\s|/(?!>))*`.
    #[inline]
    fn skip_spaces_slashes_not_gt(&self, mut i: usize) -> usize {
        loop {
            if let Some(l) = self.space_at(i) {
                i += l;
            } else if self.byte(i) == Some(b'/') && self.byte(i + 1) != Some(b'>') {
                i += 1;
            } else {
                return i;
            }
        }
    }

    /// `str.find(c, from)` for an ASCII byte.
    #[inline]
    fn find_byte(&mut self, c: u8, from: usize) -> Option<usize> {
        if from >= self.n || (c < 128 && from >= self.absent[c as usize]) {
            return None;
        }
        let r = memchr::memchr(c, &self.b[from..]).map(|p| p + from);
        if r.is_none() && c < 128 {
            self.absent[c as usize] = from;
        }
        r
    }

    /// Previous character (for the `(?<=['"\s/])` look-behind).
    #[inline]
    fn prev_allows_attr(&self, i: usize) -> bool {
        if i == 0 {
            return false;
        }
        let c = self.s[..i].chars().next_back().unwrap();
        c == '\'' || c == '"' || c == '/' || py_isspace(c)
    }

    /// Tag name tail `[^\t\n\r\f />\x00]*` from `i`.
    #[inline]
    fn skip_tag_name(&self, mut i: usize) -> usize {
        while let Some(b) = self.byte(i) {
            match b {
                b'\t' | b'\n' | b'\r' | 0x0c | b' ' | b'/' | b'>' | 0 => break,
                _ if b < 0x80 => i += 1,
                _ => i += self.ch(i).unwrap().1,
            }
        }
        i
    }

    /// One attribute value alternative at `w`:
    /// `'[^']*'|"[^"]*"|(?!['"])[^>\s]*`; end offset on success.
    fn value_alt(&mut self, w: usize) -> Option<usize> {
        match self.byte(w) {
            Some(q @ (b'\'' | b'"')) => self.find_byte(q, w + 1).map(|p| p + 1),
            _ => {
                let mut i = w;
                while let Some(b) = self.byte(i) {
                    if b == b'>' {
                        break;
                    }
                    if let Some(l) = self.space_at(i) {
                        let _ = l;
                        break;
                    }
                    i += if b < 0x80 { 1 } else { self.ch(i).unwrap().1 };
                }
                Some(i)
            }
        }
    }

    /// `\s*=+\s*(?:alts)` with Python's backtracking; end offset on success
    /// (before any trailing whitespace).
    fn value_group(&mut self, p: usize) -> Option<usize> {
        let b0 = self.skip_spaces(p);
        if self.byte(b0) != Some(b'=') {
            return None;
        }
        let mut c = b0;
        while self.byte(c) == Some(b'=') {
            c += 1;
        }
        let d = self.skip_spaces(c);
        if let Some(e) = self.value_alt(d) {
            return Some(e);
        }
        // `alt` only fails on an unterminated quote at `d`.
        if d > c {
            // give back one whitespace char: bare value matches empty there
            let w = self.s[..d].char_indices().next_back().unwrap().0;
            return Some(w);
        }
        if c - b0 >= 2 {
            // fewer `=`: bare value starting at the last `=`
            return self.value_alt(c - 1);
        }
        None
    }

    /// `locatestarttagend_tolerant.match(rawdata, i).end()`.
    fn locate_starttag_end(&mut self, i: usize) -> usize {
        // `<` + ASCII letter
        let mut p = self.skip_tag_name(i + 2);
        // (?:[\s/]* (?:attr)* )?
        loop {
            if let Some(l) = self.space_at(p) {
                p += l;
            } else if self.byte(p) == Some(b'/') {
                p += 1;
            } else {
                break;
            }
        }
        while let Some(q) = self.attr(p) {
            p = q;
        }
        self.skip_spaces(p)
    }

    /// One attribute as both `attrfind_tolerant` and the attribute part of
    /// `locatestarttagend_tolerant` see it, including the trailing
    /// `(?:\s|/(?!>))*`.
    fn attr(&mut self, p: usize) -> Option<usize> {
        if !self.prev_allows_attr(p) {
            return None;
        }
        let (c, l) = self.ch(p)?;
        if c == '/' || c == '>' || py_isspace(c) {
            return None;
        }
        let mut q = p + l;
        while let Some((c, l)) = self.ch(q) {
            if c == '/' || c == '=' || c == '>' || py_isspace(c) {
                break;
            }
            q += l;
        }
        if let Some(e) = self.value_group(q) {
            q = e;
        }
        Some(self.skip_spaces_slashes_not_gt(q))
    }

    /// `check_for_whole_start_tag`: end offset, or `None` for -1.
    fn whole_start_tag(&mut self, i: usize) -> Option<usize> {
        let j = self.locate_starttag_end(i);
        match self.byte(j) {
            Some(b'>') => Some(j + 1),
            Some(b'/') => {
                if self.byte(j + 1) == Some(b'>') {
                    Some(j + 2)
                } else {
                    None
                }
            }
            None => None,
            Some(b) if b.is_ascii_alphabetic() || b == b'=' => None,
            _ => Some(if j > i { j } else { i + 1 }),
        }
    }

    /// `parse_starttag`: returns the new position or `None` (-1).
    fn parse_starttag(&mut self, i: usize) -> Option<usize> {
        let endpos = self.whole_start_tag(i)?;
        // tagfind_tolerant
        let name_end = self.skip_tag_name(i + 2);
        let mut k = self.skip_spaces_slashes_not_gt(name_end);
        while k < endpos {
            match self.attr(k) {
                Some(q) => k = q,
                None => break,
            }
        }
        let end = if k <= endpos {
            self.s[k..endpos].trim_matches(py_isspace)
        } else {
            ""
        };
        if end != ">" && end != "/>" {
            return Some(endpos);
        }
        let raw = &self.s[i + 1..name_end];
        let lowered;
        let tag: &str = if raw.bytes().all(|b| b.is_ascii() && !b.is_ascii_uppercase()) {
            raw
        } else {
            lowered = raw.to_lowercase();
            &lowered
        };
        (self.on_tag)(tag);
        if end == ">" {
            if tag == "script" {
                self.cdata = Some("script");
            } else if tag == "style" {
                self.cdata = Some("style");
            }
        }
        Some(endpos)
    }

    /// `endtagfind` = `</\s*([a-zA-Z][-.a-zA-Z0-9:_]*)\s*>` at `i`: the
    /// tag name range.
    fn endtagfind(&self, i: usize) -> Option<(usize, usize)> {
        let p = self.skip_spaces(i + 2);
        if !self.byte(p)?.is_ascii_alphabetic() {
            return None;
        }
        let mut q = p + 1;
        while let Some(b) = self.byte(q) {
            if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b':' | b'_') {
                q += 1;
            } else {
                break;
            }
        }
        let r = self.skip_spaces(q);
        if self.byte(r) == Some(b'>') {
            Some((p, q))
        } else {
            None
        }
    }

    /// `parse_endtag`.
    fn parse_endtag(&mut self, i: usize) -> Option<usize> {
        let gt = self.find_byte(b'>', i + 1)?;
        let gtpos = gt + 1;
        if let Some((p, q)) = self.endtagfind(i) {
            if let Some(elem) = self.cdata {
                if self.s[p..q].eq_ignore_ascii_case(elem) {
                    self.cdata = None;
                }
            }
        }
        // Every other branch also ends just after the first `>`.
        Some(gtpos)
    }

    /// Search `re.compile(pattern, re.I)` for `</\s*<elem>\s*>` from `i`.
    fn find_cdata_end(&mut self, elem: &str, mut i: usize) -> Option<usize> {
        while let Some(p) = self.find_byte(b'<', i) {
            if self.byte(p + 1) == Some(b'/') {
                let q = self.skip_spaces(p + 2);
                if self.b.len() >= q + elem.len()
                    && self.b[q..q + elem.len()].eq_ignore_ascii_case(elem.as_bytes())
                {
                    let r = self.skip_spaces(q + elem.len());
                    if self.byte(r) == Some(b'>') {
                        return Some(p);
                    }
                }
            }
            i = p + 1;
        }
        None
    }

    /// `_scan_name` + `parse_marked_section`.
    fn parse_marked_section(&mut self, i: usize) -> Option<usize> {
        let j = i + 3;
        if j >= self.n {
            return None;
        }
        if !self.b[j].is_ascii_alphabetic() {
            self.rejected = true;
            return None;
        }
        let mut q = j + 1;
        while let Some(b) = self.byte(q) {
            if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.') {
                q += 1;
            } else {
                break;
            }
        }
        let name = self.s[j..q].to_ascii_lowercase();
        let q2 = self.skip_spaces(q);
        if q2 == self.n {
            return None;
        }
        let close: &[u8] = match name.as_str() {
            "temp" | "cdata" | "ignore" | "include" | "rcdata" => b"]]>",
            "if" | "else" | "endif" => b"]>",
            _ => {
                self.rejected = true;
                return None;
            }
        };
        // search `]\s*]\s*>` or `]\s*>` from i+3
        let kind = if close.len() == 3 { 0 } else { 1 };
        if i + 3 >= self.no_section_close[kind] {
            return None;
        }
        let mut from = i + 3;
        while let Some(p) = self.find_byte(b']', from) {
            let mut k = p + 1;
            let mut ok = true;
            for &want in &close[1..] {
                k = self.skip_spaces(k);
                if self.byte(k) == Some(want) {
                    k += 1;
                } else {
                    ok = false;
                    break;
                }
            }
            if ok {
                return Some(k);
            }
            from = p + 1;
        }
        self.no_section_close[kind] = i + 3;
        None
    }

    /// Search `--\s*>` from `from`; end offset.
    fn find_comment_close(&mut self, from: usize) -> Option<usize> {
        if from >= self.no_comment_close {
            return None;
        }
        let r = self.find_comment_close_uncached(from);
        if r.is_none() {
            self.no_comment_close = from;
        }
        r
    }

    fn find_comment_close_uncached(&mut self, mut from: usize) -> Option<usize> {
        while let Some(p) = self.find_byte(b'-', from) {
            if self.byte(p + 1) == Some(b'-') {
                let k = self.skip_spaces(p + 2);
                if self.byte(k) == Some(b'>') {
                    return Some(k + 1);
                }
            }
            from = p + 1;
        }
        None
    }

    /// `goahead(end)` from `i`; returns the position where it stopped.
    fn goahead(&mut self, mut i: usize, end: bool) -> usize {
        let n = self.n;
        while i < n {
            let j = if let Some(elem) = self.cdata {
                match self.find_cdata_end(elem, i) {
                    Some(j) => j,
                    None => break,
                }
            } else {
                match memchr::memchr2(b'<', b'&', &self.b[i..]) {
                    Some(p) => p + i,
                    None => n,
                }
            };
            i = j;
            if i == n {
                break;
            }
            if self.b[i] == b'<' {
                let nb = self.byte(i + 1);
                let k = if nb.is_some_and(|b| b.is_ascii_alphabetic()) {
                    self.parse_starttag(i)
                } else if nb == Some(b'/') {
                    self.parse_endtag(i)
                } else if self.b[i..].starts_with(b"<!--") {
                    self.find_comment_close(i + 4)
                } else if nb == Some(b'?') {
                    self.find_byte(b'>', i + 2).map(|p| p + 1)
                } else if nb == Some(b'!') {
                    if self.b[i..].starts_with(b"<![") {
                        let r = self.parse_marked_section(i);
                        if self.rejected {
                            return n;
                        }
                        r
                    } else if self.b.len() >= i + 9
                        && self.b[i..i + 9].eq_ignore_ascii_case(b"<!doctype")
                    {
                        self.find_byte(b'>', i + 9).map(|p| p + 1)
                    } else {
                        self.find_byte(b'>', i + 2).map(|p| p + 1)
                    }
                } else if i + 1 < n {
                    Some(i + 1)
                } else {
                    break;
                };
                let k = match k {
                    Some(k) => k,
                    None => {
                        if !end {
                            break;
                        }
                        match self.find_byte(b'>', i + 1) {
                            Some(p) => p + 1,
                            None => self.find_byte(b'<', i + 1).unwrap_or(i + 1),
                        }
                    }
                };
                i = k;
            } else if self.byte(i + 1) == Some(b'#') {
                // charref = &#(?:[0-9]+|[xX][0-9a-fA-F]+)[^0-9a-fA-F]
                if let Some(k) = self.charref(i) {
                    i = k;
                    continue;
                }
                if memchr::memchr(b';', &self.b[i..]).is_some() {
                    i += 2;
                }
                break;
            } else {
                // entityref = &([a-zA-Z][-.a-zA-Z0-9]*)[^a-zA-Z0-9]
                if self.byte(i + 1).is_some_and(|b| b.is_ascii_alphabetic()) {
                    let mut q = i + 2;
                    while let Some(b) = self.byte(q) {
                        if b.is_ascii_alphanumeric() || b == b'-' || b == b'.' {
                            q += 1;
                        } else {
                            break;
                        }
                    }
                    match self.byte(q) {
                        Some(b';') => {
                            i = q + 1;
                            continue;
                        }
                        Some(_) => {
                            // the terminating char is not consumed
                            i = q;
                            continue;
                        }
                        None => {
                            // The name runs to the end: backtracking lets the
                            // last `-`/`.` of the name serve as terminator.
                            if let Some(t) = self.s[i + 2..q].rfind(['-', '.']) {
                                i = i + 2 + t;
                                continue;
                            }
                            // `incomplete` matched: give up (rest is data)
                            if end && i + 2 == n {
                                i += 1;
                            }
                            break;
                        }
                    }
                } else if i + 1 < n {
                    i += 1;
                } else {
                    break;
                }
            }
        }
        i
    }

    /// `charref` at `i` (which starts with `&#`): new position.
    fn charref(&self, i: usize) -> Option<usize> {
        let mut q = i + 2;
        let hex = matches!(self.byte(q), Some(b'x' | b'X'));
        if hex {
            q += 1;
            let st = q;
            while self.byte(q).is_some_and(|b| b.is_ascii_hexdigit()) {
                q += 1;
            }
            if q == st {
                // `[0-9]+` alternative cannot match an `x` either
                return None;
            }
        } else {
            let st = q;
            while self.byte(q).is_some_and(|b| b.is_ascii_digit()) {
                q += 1;
            }
            if q == st {
                return None;
            }
        }
        // [^0-9a-fA-F]: one more char that is not a hex digit
        let (c, l) = self.ch(q)?;
        if c.is_ascii_hexdigit() {
            // backtracking cannot help: a shorter digit run is followed by a digit
            return None;
        }
        Some(if c == ';' { q + l } else { q })
    }
}
