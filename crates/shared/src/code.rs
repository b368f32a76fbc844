//! Fenced code blocks and their normalization.
//!
//! Blocks are the fenced code blocks (```` ``` ```` and `~~~`) a CommonMark
//! parser (pulldown-cmark, no extensions) finds, with their content as the
//! parser gives it (container indentation removed). Indented code blocks
//! are not used: they are rare in chat answers and easily confused with
//! indented prose.
//!
//! Normalization removes, outside string literals:
//! - block comments `/* ... */` (C, C++, Java, JavaScript, Rust, Go, CSS...);
//! - line comments `//` to the end of the line, except right after a `:`
//!   (so `https://` outside quotes stays);
//! - line comments `#` to the end of the line when the `#` starts the line
//!   or follows whitespace and is followed by whitespace or the line end
//!   (Python, shell, Ruby, R, YAML, TOML `# comment`);
//!
//! and then every whitespace character, everywhere (also inside strings).
//! String literals are `"..."` and `'...'` with backslash escapes, ending
//! at the closing quote or the line end; comment markers inside them are
//! kept. The rules are conservative and language-blind on purpose:
//! `#include`, `#define`, `#[derive]`, `#!/bin/sh`, `#fff` and `x = 1 #c`
//! (no space after `#`) are kept as code; a Python floor division `a // b`
//! is read as a comment (both answers are read the same way, so this can
//! only merge blocks that differ after such a `//`). Blocks whose
//! normalized text is shorter than a minimum are ignored.

use pulldown_cmark::{CodeBlockKind, Event, Parser, Tag, TagEnd};

/// The contents of the fenced code blocks of a Markdown `text`, in order.
pub fn fenced_blocks(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur: Option<String> = None;
    for ev in Parser::new(text) {
        match ev {
            Event::Start(Tag::CodeBlock(CodeBlockKind::Fenced(_))) => cur = Some(String::new()),
            Event::Text(t) => {
                if let Some(c) = cur.as_mut() {
                    c.push_str(&t);
                }
            }
            Event::End(TagEnd::CodeBlock) => {
                if let Some(c) = cur.take() {
                    out.push(c);
                }
            }
            _ => {}
        }
    }
    out
}

/// `code` without comments and whitespace (see the module docs).
pub fn normalize(code: &str) -> String {
    let b: Vec<char> = code.chars().collect();
    let mut out = String::with_capacity(code.len());
    let mut i = 0;
    // Whether only whitespace precedes position i on its line.
    let mut line_start = true;
    while i < b.len() {
        let c = b[i];
        let next = b.get(i + 1).copied();
        if c == '"' || c == '\'' {
            out.push(c);
            i += 1;
            while i < b.len() && b[i] != '\n' {
                let d = b[i];
                if !d.is_whitespace() {
                    out.push(d);
                }
                i += 1;
                if d == '\\' {
                    if i < b.len() && b[i] != '\n' {
                        if !b[i].is_whitespace() {
                            out.push(b[i]);
                        }
                        i += 1;
                    }
                } else if d == c {
                    break;
                }
            }
            line_start = false;
            continue;
        }
        if c == '/' && next == Some('*') {
            i += 2;
            while i < b.len() && !(b[i] == '*' && b.get(i + 1) == Some(&'/')) {
                i += 1;
            }
            i = (i + 2).min(b.len());
            continue;
        }
        let prev = if i == 0 { None } else { Some(b[i - 1]) };
        let slash_comment = c == '/' && next == Some('/') && prev != Some(':');
        let hash_comment = c == '#'
            && (line_start || prev.is_some_and(char::is_whitespace))
            && next.is_none_or(char::is_whitespace);
        if slash_comment || hash_comment {
            while i < b.len() && b[i] != '\n' {
                i += 1;
            }
            continue;
        }
        if c == '\n' {
            line_start = true;
        } else if !c.is_whitespace() {
            line_start = false;
        }
        if !c.is_whitespace() {
            out.push(c);
        }
        i += 1;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_backtick_and_tilde_fences_only() {
        let md = "Text\n\n```python\nx = 1\n```\n\n    indented = True\n\n- item\n\n  ~~~\n  y = 2\n  ~~~\n\n`inline`\n";
        assert_eq!(fenced_blocks(md), vec!["x = 1\n", "y = 2\n"]);
        // An unclosed fence runs to the end of the document (CommonMark).
        assert_eq!(fenced_blocks("```\nopen"), vec!["open"]);
    }

    #[test]
    fn strips_comments_and_whitespace() {
        assert_eq!(
            normalize("def f(a, b):  # add\n    return a + b  # done\n"),
            "deff(a,b):returna+b"
        );
        assert_eq!(
            normalize("int main() { /* entry\n point */ return 0; // ok\n}"),
            "intmain(){return0;}"
        );
        assert_eq!(normalize("# heading comment\n#\nx=1"), "x=1");
    }

    #[test]
    fn keeps_what_is_not_a_comment() {
        assert_eq!(
            normalize("#include <stdio.h>\n#define N 3\n#[derive(Debug)]\n#!/bin/sh"),
            "#include<stdio.h>#defineN3#[derive(Debug)]#!/bin/sh"
        );
        assert_eq!(normalize("color: #fff;"), "color:#fff;");
        assert_eq!(normalize("x = 1 #c"), "x=1#c");
        assert_eq!(normalize("curl https://a.b/c"), "curlhttps://a.b/c");
        assert_eq!(
            normalize("s = \"a // b # c\" // real\nt = 'it\\'s /* x */'"),
            "s=\"a//b#c\"t='it\\'s/*x*/'"
        );
        // Documented limitation: Python's floor division reads as a comment.
        assert_eq!(normalize("q = a // b"), "q=a");
    }
}
