//! pulldown-cmark events rendered to the HTML markdown-it-py's `commonmark`
//! preset (+ `table`, `strikethrough`) would emit, as far as it matters for
//! counting elements with `html.parser`.
//!
//! Compensations for differences between the two parsers:
//! - strikethrough renders as `<s>` (markdown-it), not `<del>`;
//! - `~x~` (single tilde) is literal text in markdown-it: pulldown-cmark is run
//!   with `ENABLE_SUBSCRIPT` so that single tildes become `Subscript`, which is
//!   rendered back as the literal `~`;
//! - links, images and autolinks whose destination markdown-it's
//!   `validateLink` rejects (`javascript:`, `vbscript:`, `file:`, `data:` other
//!   than `data:image/(gif|png|jpeg|webp);`) are rendered as their text;
//! - image `alt` is the plain text of its content (markdown-it's
//!   `renderInlineAsText`), so nothing inside an image is an element;
//! - `<tbody>` only when a table has body rows.

use pulldown_cmark::{CodeBlockKind, Event, Options, Parser, Tag, TagEnd};
use std::collections::BTreeMap;

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

/// The pulldown-cmark options used: tables, strikethrough, and subscript
/// (only to keep single-tilde spans literal, see the module docs).
pub fn options() -> Options {
    Options::ENABLE_TABLES | Options::ENABLE_STRIKETHROUGH | Options::ENABLE_SUBSCRIPT
}

/// Append markdown-it's `escapeHtml(s)` to `out`.
pub fn escape_html(out: &mut String, s: &str) {
    let b = s.as_bytes();
    let mut last = 0;
    for (i, &c) in b.iter().enumerate() {
        let rep = match c {
            b'&' => "&amp;",
            b'<' => "&lt;",
            b'>' => "&gt;",
            b'"' => "&quot;",
            _ => continue,
        };
        out.push_str(&s[last..i]);
        out.push_str(rep);
        last = i + 1;
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

/// Render `text` into `out` (appended) and return the structural info.
pub fn render_html(text: &str, out: &mut String) -> RenderInfo {
    let mut info = RenderInfo::default();
    let mut list_depth = 0u64;
    // image nesting: alt text is collected plain
    let mut image_depth = 0usize;
    let mut alt = String::new();
    // links: whether each open link was emitted as <a>
    let mut link_stack: Vec<bool> = Vec::new();
    let mut table_aligns: Vec<pulldown_cmark::Alignment> = Vec::new();
    let mut in_thead = false;
    let mut body_rows = 0usize;
    let mut cell = 0usize;
    let mut in_code_block = false;

    for ev in Parser::new_ext(text, options()) {
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
                    alt.push_str(&t)
                }
                Event::SoftBreak | Event::HardBreak => alt.push('\n'),
                Event::Start(Tag::Subscript) | Event::End(TagEnd::Subscript) => alt.push('~'),
                _ => {}
            }
            continue;
        }
        match ev {
            Event::Start(tag) => match tag {
                Tag::Paragraph => out.push_str("<p>"),
                Tag::Heading { level, .. } => {
                    out.push_str("<h");
                    out.push((b'0' + level as u8) as char);
                    out.push('>');
                }
                Tag::BlockQuote(_) => out.push_str("<blockquote>\n"),
                Tag::CodeBlock(kind) => {
                    info.code_blocks += 1;
                    in_code_block = true;
                    let lang = match &kind {
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
                Tag::Item => out.push_str("<li>"),
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
                    let t = if in_thead { "<th" } else { "<td" };
                    out.push_str(t);
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
                    let dest: &str = if link_type == pulldown_cmark::LinkType::Email {
                        // markdown-it validates "mailto:" + address
                        "mailto:"
                    } else {
                        &dest_url
                    };
                    if valid_link(dest) {
                        link_stack.push(true);
                        out.push_str("<a href=\"");
                        if link_type == pulldown_cmark::LinkType::Email {
                            out.push_str("mailto:");
                        }
                        escape_html(out, &dest_url);
                        out.push('"');
                        if !title.is_empty() {
                            out.push_str(" title=\"");
                            escape_html(out, &title);
                            out.push('"');
                        }
                        out.push('>');
                    } else {
                        link_stack.push(false);
                        if matches!(link_type, pulldown_cmark::LinkType::Autolink) {
                            out.push_str("&lt;");
                        }
                    }
                }
                Tag::Image {
                    dest_url, title, ..
                } => {
                    if valid_link(&dest_url) {
                        image_depth = 1;
                        out.push_str("<img src=\"");
                        escape_html(out, &dest_url);
                        out.push('"');
                        if !title.is_empty() {
                            out.push_str(" title=\"");
                            escape_html(out, &title);
                            out.push('"');
                        }
                    } else {
                        // rendered as text: `![` + content + `](...)`
                        link_stack.push(false);
                        out.push_str("![");
                    }
                }
                Tag::FootnoteDefinition(_)
                | Tag::DefinitionList
                | Tag::DefinitionListTitle
                | Tag::DefinitionListDefinition
                | Tag::MetadataBlock(_) => {}
            },
            Event::End(tag) => match tag {
                TagEnd::Paragraph => out.push_str("</p>\n"),
                TagEnd::Heading(level) => {
                    out.push_str("</h");
                    out.push((b'0' + level as u8) as char);
                    out.push_str(">\n");
                }
                TagEnd::BlockQuote(_) => out.push_str("</blockquote>\n"),
                TagEnd::CodeBlock => {
                    in_code_block = false;
                    out.push_str("</code></pre>\n");
                }
                TagEnd::HtmlBlock => {}
                TagEnd::List(ordered) => {
                    list_depth -= 1;
                    out.push_str(if ordered { "</ol>\n" } else { "</ul>\n" });
                }
                TagEnd::Item => out.push_str("</li>\n"),
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
                TagEnd::Link | TagEnd::Image => {
                    if link_stack.pop() == Some(true) {
                        out.push_str("</a>");
                    }
                }
                _ => {}
            },
            Event::Text(t) => {
                escape_html(out, &t);
                let _ = in_code_block;
            }
            Event::Code(t) => {
                out.push_str("<code>");
                escape_html(out, &t);
                out.push_str("</code>");
            }
            Event::Html(t) | Event::InlineHtml(t) => out.push_str(&t),
            Event::SoftBreak => out.push('\n'),
            Event::HardBreak => out.push_str("<br />\n"),
            Event::Rule => out.push_str("<hr />\n"),
            Event::InlineMath(t) | Event::DisplayMath(t) => escape_html(out, &t),
            Event::FootnoteReference(t) => escape_html(out, &t),
            Event::TaskListMarker(_) => {}
        }
    }
    info
}
