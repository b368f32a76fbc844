#!/usr/bin/env python3
"""Build wildstat's compact WordNet 3.0 table for METEOR.

Reads a WNDB directory (default: Debian's wordnet-base in /usr/share/wordnet,
installed via apt-get when missing) and writes data/wordnet/meteor-wn30.txt
plus data/wordnet/LICENSE.

Only what NLTK's meteor_score needs from `wordnet.synsets(word)` is kept:

* for every index lemma ("form") and part of speech (n, v, a, r), the union
  of the lemma names (syntactic markers such as "(a)" stripped, case kept)
  of the form's synsets, restricted to names without "_";
  (form, pos) pairs whose union is empty are dropped (they cannot
  contribute a synonym);
* the four morphological exception lists (for duplicated keys, the last
  line wins, as in NLTK's reader).

Format (UTF-8 text, one record per line, fields separated by TAB):

    wildstat-wordnet-meteor 1
    names <N>
    <name>                                  N lines, sorted; id = line index
    forms <M>
    <form>\t<n>\t<v>\t<a>\t<r>              M lines, sorted by form
    exc <pos> <K>                           pos in n, v, a, r (in this order)
    <inflected>\t<base> <base> ...          K lines

Each of the four POS fields of a form line is empty (the form has no usable
synonyms for that POS) or a space-separated list of tokens: "=" is the form
itself, anything else a decimal name id.
"""

import argparse
import os
import re
import shutil
import subprocess
import sys

POS = [("n", "noun"), ("v", "verb"), ("a", "adj"), ("r", "adv")]
MARKER = re.compile(r"(.*?)(\([^()]*\))?$")
DEBIAN_DIR = "/usr/share/wordnet"
DEBIAN_COPYRIGHT = "/usr/share/doc/wordnet-base/copyright"


def ensure_debian_wordnet():
    if os.path.exists(os.path.join(DEBIAN_DIR, "data.noun")):
        return
    apt = shutil.which("apt-get")
    if not apt:
        sys.exit("WordNet 3.0 not found and apt-get unavailable; pass --wndb DIR")
    subprocess.run([apt, "update"], check=True)
    subprocess.run([apt, "install", "-y", "wordnet-base"], check=True)


def read_synsets(wndb, suffix):
    out = {}
    with open(os.path.join(wndb, "data." + suffix), encoding="utf-8") as fp:
        for line in fp:
            if line.startswith(" "):
                continue
            cols = line.strip().split("|")[0].split()
            offset = int(cols[0])
            count = int(cols[3], 16)
            names = []
            for k in range(count):
                names.append(MARKER.match(cols[4 + 2 * k]).group(1))
            out[offset] = names
    return out


def read_index(wndb, suffix):
    out = {}
    with open(os.path.join(wndb, "index." + suffix), encoding="utf-8") as fp:
        for line in fp:
            if line.startswith(" "):
                continue
            tok = line.split()
            n_synsets = int(tok[2])
            n_pointers = int(tok[3])
            start = 4 + n_pointers + 2
            out[tok[0]] = [int(x) for x in tok[start : start + n_synsets]]
    return out


def read_exceptions(wndb, suffix):
    out = {}
    with open(os.path.join(wndb, suffix + ".exc"), encoding="utf-8") as fp:
        for line in fp:
            terms = line.split()
            if terms:
                out[terms[0]] = terms[1:]
    return out


def build(wndb):
    per_form = {}
    for k, (pos, suffix) in enumerate(POS):
        synsets = read_synsets(wndb, suffix)
        for form, offsets in read_index(wndb, suffix).items():
            names = set()
            for off in offsets:
                names.update(n for n in synsets[off] if "_" not in n)
            if names:
                per_form.setdefault(form, [None] * 4)[k] = names
    all_names = sorted({n for fields in per_form.values() for f in fields if f for n in f})
    name_id = {n: i for i, n in enumerate(all_names)}
    lines = ["wildstat-wordnet-meteor 1", "names %d" % len(all_names)]
    lines.extend(all_names)
    lines.append("forms %d" % len(per_form))
    for form in sorted(per_form):
        fields = []
        for names in per_form[form]:
            if not names:
                fields.append("")
                continue
            toks = []
            if form in names:
                toks.append("=")
            toks.extend(str(name_id[n]) for n in sorted(names, key=name_id.get) if n != form)
            fields.append(" ".join(toks))
        lines.append(form + "\t" + "\t".join(fields))
    for pos, suffix in POS:
        exc = read_exceptions(wndb, suffix)
        lines.append("exc %s %d" % (pos, len(exc)))
        for form in sorted(exc):
            lines.append(form + "\t" + " ".join(exc[form]))
    return "\n".join(lines) + "\n"


def main():
    root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--wndb", default=None, help="WNDB directory (default: Debian's)")
    ap.add_argument("--out", default=os.path.join(root, "data", "wordnet"))
    args = ap.parse_args()
    wndb = args.wndb
    if wndb is None:
        ensure_debian_wordnet()
        wndb = DEBIAN_DIR
    os.makedirs(args.out, exist_ok=True)
    table = build(wndb)
    path = os.path.join(args.out, "meteor-wn30.txt")
    with open(path, "w", encoding="utf-8", newline="\n") as fp:
        fp.write(table)
    print("wrote %s (%d bytes)" % (path, len(table.encode("utf-8"))))
    if os.path.exists(DEBIAN_COPYRIGHT):
        with open(DEBIAN_COPYRIGHT, encoding="utf-8") as fp:
            text = fp.read()
        # Keep WordNet's own licence; drop the Debian packaging paragraph.
        text = text.split("\nFiles: debian/")[0].rstrip() + "\n"
        with open(os.path.join(args.out, "LICENSE"), "w", encoding="utf-8") as fp:
            fp.write("WordNet 3.0 licence (the data in this directory is derived from\n")
            fp.write("WordNet 3.0 as packaged by Debian's wordnet-base).\n\n")
            fp.write(text)


if __name__ == "__main__":
    main()
