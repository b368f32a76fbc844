#!/usr/bin/env python3
"""Differential fuzzing of crates/style against the Python reference.

  --mode html      random HTML-ish strings: our html.parser port
                   (count_jsonl --scan-html) vs BeautifulSoup(s, "html.parser")
  --mode markdown  random Markdown-ish strings: count_jsonl vs markdown-it-py
                   commonmark+table+strikethrough -> BeautifulSoup

usage: style_fuzz.py [--mode html|markdown] [--n N] [--seed S] [--show K]
Prints "N cases, M with any difference" and the first differing inputs (they
are synthetic). Run with ~/.cache/wildstat-oracle/bin/python.
"""
import argparse, json, os, random, subprocess, sys

TAGS = ["h1", "h2", "h3", "h4", "h5", "h6", "p", "ul", "ol", "li", "strong", "em",
        "code", "pre", "blockquote", "table", "hr", "a", "img", "del"]
ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
BIN = os.path.join(ROOT, "target", "release", "examples", "count_jsonl")

HTML_FRAGS = ["<", ">", "/", "/>", "</", "<p", "<a", "<A", "<strong", "<em", "<img", "<br",
              "<script", "</script", "<style", "</style>", "<del", "<code", "<pre", "<li",
              " ", "  ", "\n", "\t", "\x0b", "\x00", "\xa0", "\x1c", "=", "==", "\"", "'",
              "href", "x", "b", "<!--", "-->", "--", "- >", "<!", "<![CDATA[", "]]>", "]",
              "<![if", "<![endif]>", "<?", "?>", "<!DOCTYPE", "&", "&#", "&#x", "&#12",
              ";", "&amp", "a-b", ".", "<h1", "<hr", "<table", "<ol", "<ul", "<blockquote",
              ">", ">", "<p>", "</p>", "<x y='1'>", "<x y=\"2\">", "<x y=z>", "é", "K"]
MD_FRAGS = ["\n", "\n\n", " ", "  ", "   ", "    ", "\t", "#", "# ", "## ", "=", "===", "---",
            "- ", "* ", "+ ", "1. ", "2. ", "1) ", "> ", ">", "```", "```py", "~~~", "`",
            "*", "**", "_", "__", "~", "~~", "~~~", "[", "]", "(", ")", "![", "](", "<",
            ">", "<p>", "<a href=\"x\">", "</a>", "<br>", "<!--", "-->", "<script>",
            "</script>", "<div>", "</div>", "&", "&#", "&amp;", "|", " | ", "|---|",
            "| a | b |", "|:-|-:|", ":-:", "\\", "a", "b", "word", "x y", "http://x.y",
            "<http://a.b>", "<a@b.c>", "javascript:x", "[r]: /u", "[r]", "é", "\u00a0"]


def bs_counts(html):
    from bs4 import BeautifulSoup
    try:
        soup = BeautifulSoup(html, "html.parser")
    except Exception:
        return "rejected"
    c = {t: 0 for t in TAGS}
    for tag in soup.find_all():
        if tag.name in c:
            c[tag.name] += 1
    return [c[t] for t in TAGS]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--mode", default="html", choices=["html", "markdown"])
    ap.add_argument("--n", type=int, default=20000)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--show", type=int, default=5)
    ap.add_argument("--maxlen", type=int, default=30)
    a = ap.parse_args()
    rng = random.Random(a.seed)
    frags = HTML_FRAGS if a.mode == "html" else MD_FRAGS
    texts = ["".join(rng.choice(frags) for _ in range(rng.randint(1, a.maxlen)))
             for _ in range(a.n)]
    if a.mode == "html":
        ref = [bs_counts(t) for t in texts]
        args = [BIN, "--scan-html"]
    else:
        from markdown_it import MarkdownIt
        md = MarkdownIt("commonmark").enable("table").enable("strikethrough")
        ref = [bs_counts(md.render(t)) for t in texts]
        args = [BIN]
    inp = "".join(json.dumps(t) + "\n" for t in texts).encode()
    res = subprocess.run(args, input=inp, capture_output=True, check=True)
    ours = []
    for line in res.stdout.decode().splitlines():
        o = json.loads(line)
        ours.append("rejected" if o.get("rejected") else [o[t] for t in TAGS])
    bad = [i for i in range(a.n) if ref[i] != ours[i]]
    print(f"{a.n} cases, {len(bad)} with any difference (mode {a.mode}, seed {a.seed})")
    for i in bad[: a.show]:
        r, o = ref[i], ours[i]
        if isinstance(r, list) and isinstance(o, list):
            d = {t: (r[j], o[j]) for j, t in enumerate(TAGS) if r[j] != o[j]}
        else:
            d = (r, o)
        print(f"  {texts[i]!r}: ref/ours {d}")
    sys.exit(1 if bad else 0)


if __name__ == "__main__":
    main()
