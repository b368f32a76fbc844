//! The allowlist an SVG file must pass before the report inlines it: the
//! plain markup `wildstat_stats::svg` writes (one `<svg>` root; `rect`,
//! `line`, `text`, `title`, … elements; presentation attributes with plain
//! values; text with only the five XML entities and numeric references).
//! No scripts, event handlers, links, `style`, `foreignObject`, comments,
//! doctypes or `url(…)` references can get through, so inlining a checked
//! figure cannot run or fetch anything. A figure that fails the check is
//! shown as an `<img>` instead, where browsers never run scripts.

/// Elements an inline figure may use.
const ELEMENTS: [&str; 11] = [
    "svg", "g", "rect", "line", "text", "title", "tspan", "path", "polyline", "polygon", "circle",
];

/// Attributes an inline figure may use (presentation and geometry only).
const ATTRIBUTES: [&str; 31] = [
    "xmlns",
    "width",
    "height",
    "viewBox",
    "font-family",
    "font-size",
    "font-weight",
    "font-style",
    "x",
    "y",
    "x1",
    "y1",
    "x2",
    "y2",
    "cx",
    "cy",
    "r",
    "rx",
    "ry",
    "d",
    "points",
    "fill",
    "fill-opacity",
    "stroke",
    "stroke-width",
    "stroke-dasharray",
    "opacity",
    "text-anchor",
    "dominant-baseline",
    "transform",
    "shape-rendering",
];

const SVG_NS: &str = "http://www.w3.org/2000/svg";

/// Whether `s` at byte `i` starts a character reference XML allows in text.
fn entity_len(s: &str) -> Option<usize> {
    let end = s.find(';')?;
    let name = &s[1..end];
    let ok = matches!(name, "amp" | "lt" | "gt" | "quot" | "apos")
        || name.strip_prefix("#x").is_some_and(|h| {
            !h.is_empty() && h.len() <= 6 && h.chars().all(|c| c.is_ascii_hexdigit())
        })
        || name.strip_prefix('#').is_some_and(|d| {
            !d.is_empty() && d.len() <= 7 && d.chars().all(|c| c.is_ascii_digit())
        });
    ok.then_some(end + 1)
}

fn check_text(t: &str) -> Result<(), String> {
    let mut i = 0;
    while let Some(p) = t[i..].find('&') {
        let at = i + p;
        let n = entity_len(&t[at..]).ok_or_else(|| {
            format!(
                "text has a bare or unknown entity near {:?}",
                &t[at..t.len().min(at + 12)]
            )
        })?;
        i = at + n;
    }
    Ok(())
}

fn check_value(name: &str, v: &str) -> Result<(), String> {
    if name == "xmlns" {
        return if v == SVG_NS {
            Ok(())
        } else {
            Err(format!("xmlns must be {SVG_NS}"))
        };
    }
    let plain = v
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || " .,#()%+-".contains(c));
    if !plain || v.to_ascii_lowercase().contains("url") {
        return Err(format!(
            "attribute {name} has a value that is not plain: {v:?}"
        ));
    }
    Ok(())
}

/// Checks that `svg` is one `<svg>` element made only of allowed elements,
/// attributes and text; the error names the first offending construct.
pub fn check(svg: &str) -> Result<(), String> {
    let s = svg.trim();
    let mut stack: Vec<&str> = Vec::new();
    let mut seen_root = false;
    let mut i = 0;
    while i < s.len() {
        let rest = &s[i..];
        let Some(lt) = rest.find('<') else {
            if !rest.trim().is_empty() {
                return Err(if seen_root {
                    "text after the root element".into()
                } else {
                    "no <svg> element".into()
                });
            }
            break;
        };
        let text = &rest[..lt];
        if stack.is_empty() && !text.trim().is_empty() {
            return Err("text outside the root element".into());
        }
        check_text(text)?;
        i += lt + 1;
        let tag = &s[i..];
        if let Some(close) = tag.strip_prefix('/') {
            let name_len = close
                .find(|c: char| !c.is_ascii_alphanumeric())
                .unwrap_or(close.len());
            let name = &close[..name_len];
            let after = close[name_len..].trim_start();
            if !after.starts_with('>') {
                return Err(format!("malformed closing tag </{name}"));
            }
            match stack.pop() {
                Some(open) if open == name => {}
                _ => return Err(format!("unbalanced closing tag </{name}>")),
            }
            i += 1 + name_len + (close.len() - name_len - after.len()) + 1;
            continue;
        }
        let name_len = tag
            .find(|c: char| !c.is_ascii_alphanumeric())
            .unwrap_or(tag.len());
        let name = &tag[..name_len];
        if name.is_empty() {
            return Err("markup other than elements (comment, doctype, CDATA or stray '<')".into());
        }
        if !ELEMENTS.contains(&name) {
            return Err(format!("element <{name}> is not allowed"));
        }
        if stack.is_empty() {
            if seen_root || name != "svg" {
                return Err("the file must be a single <svg> element".into());
            }
            seen_root = true;
        }
        i += name_len;
        loop {
            let rest = &s[i..];
            let trimmed = rest.trim_start();
            if trimmed.len() == rest.len() && !rest.starts_with(['>', '/']) {
                return Err(format!("malformed tag <{name}"));
            }
            i += rest.len() - trimmed.len();
            if trimmed.starts_with("/>") {
                i += 2;
                break;
            }
            if trimmed.starts_with('>') {
                i += 1;
                stack.push(name);
                break;
            }
            let an_len = trimmed
                .find(|c: char| !(c.is_ascii_alphanumeric() || c == '-'))
                .unwrap_or(trimmed.len());
            let an = &trimmed[..an_len];
            if an.is_empty() {
                return Err(format!("malformed attribute in <{name}>"));
            }
            if !ATTRIBUTES.contains(&an) {
                return Err(format!("attribute {an} on <{name}> is not allowed"));
            }
            let Some(v) = trimmed[an_len..].strip_prefix("=\"") else {
                return Err(format!("attribute {an} on <{name}> is not a quoted value"));
            };
            let Some(end) = v.find('"') else {
                return Err(format!("attribute {an} on <{name}> is not closed"));
            };
            check_value(an, &v[..end])?;
            i += an_len + 2 + end + 1;
        }
        if stack.is_empty() && !seen_root {
            return Err("the file must be a single <svg> element".into());
        }
    }
    if !seen_root {
        return Err("no <svg> element".into());
    }
    if !stack.is_empty() {
        return Err(format!("unclosed element <{}>", stack[stack.len() - 1]));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    const OK: &str = "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"10\" height=\"10\" viewBox=\"0 0 10 10\" font-family=\"sans-serif\">\n\
        <rect x=\"0\" y=\"0\" width=\"10\" height=\"10\" fill=\"#ffffff\"/>\n\
        <text x=\"1\" y=\"2\" transform=\"rotate(-45 1 2)\"><title>&lt;script&gt;alert(1)&lt;/script&gt; &amp; &#39;</title>a &quot;b&quot;</text>\n\
        <line x1=\"0\" y1=\"1\" x2=\"3\" y2=\"1\" stroke=\"#333333\"/>\n</svg>\n";

    #[test]
    fn accepts_plain_figures() {
        check(OK).unwrap();
    }

    #[test]
    fn rejects_anything_active() {
        let bad = [
            ("<svg xmlns=\"http://www.w3.org/2000/svg\"><script>alert(1)</script></svg>", "element <script>"),
            ("<svg xmlns=\"http://www.w3.org/2000/svg\" onload=\"alert(1)\"></svg>", "attribute onload"),
            ("<svg xmlns=\"http://www.w3.org/2000/svg\"><text>a < b</text></svg>", "markup other"),
            ("<svg xmlns=\"http://www.w3.org/2000/svg\"><text>a & b</text></svg>", "entity"),
            ("<svg xmlns=\"http://www.w3.org/2000/svg\"><!-- x --></svg>", "markup other"),
            ("<!DOCTYPE svg><svg xmlns=\"http://www.w3.org/2000/svg\"></svg>", "markup other"),
            ("<svg xmlns=\"http://www.w3.org/2000/svg\"><rect fill=\"url(http://x/y#z)\"/></svg>", "not plain"),
            ("<svg xmlns=\"http://www.w3.org/2000/svg\"><rect fill=\"url(#z)\"/></svg>", "not plain"),
            ("<svg xmlns=\"http://www.w3.org/2000/svg\"><rect style=\"x\"/></svg>", "attribute style"),
            ("<svg xmlns=\"http://www.w3.org/2000/svg\"><foreignObject></foreignObject></svg>", "element <foreignObject>"),
            ("<svg xmlns=\"http://www.w3.org/2000/svg\"><rect fill='red'/></svg>", "not a quoted value"),
            ("<svg xmlns=\"http://www.w3.org/2000/svg\"><rect x=\"1\"></svg>", "unbalanced"),
            ("<svg xmlns=\"http://www.w3.org/2000/svg\"><g>", "unclosed"),
            ("<svg xmlns=\"http://www.w3.org/2000/svg\"></svg><svg xmlns=\"http://www.w3.org/2000/svg\"></svg>", "single"),
            ("<rect/>", "single"),
            ("hello", "no <svg>"),
            ("<svg xmlns=\"http://evil/\"></svg>", "xmlns"),
            ("<svg xmlns=\"http://www.w3.org/2000/svg\"><text x=\"1\"y=\"2\">a</text></svg>", "malformed"),
        ];
        for (svg, why) in bad {
            let e = check(svg).expect_err(svg);
            assert!(e.contains(why), "{svg}: {e}");
        }
    }
}
