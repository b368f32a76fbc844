#!/usr/bin/env bash
# Installs the exact Python references wildstat is checked against, plus the
# fastest peers for side-by-side benchmarks, into a virtualenv:
#   rouge-score 0.1.2, nltk 3.10.4 (METEOR), markdown-it-py + beautifulsoup4
#   (CommonMark reference), markdown2 (the paper's renderer), rapidrouge,
#   rouge-rust, pyarrow, pandas; and WordNet 3.0 from Debian in NLTK's layout.
# usage: scripts/oracle/setup.sh [VENV_DIR]   (default: ~/.cache/wildstat-oracle)
# Prints the interpreter path on its last line.
set -euo pipefail
venv=${1:-$HOME/.cache/wildstat-oracle}
if ! [ -f /usr/share/wordnet/index.sense ]; then
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wordnet-base wordnet-sense-index >/dev/null
fi
wn=$HOME/nltk_data/corpora/wordnet
mkdir -p "$wn"
cp /usr/share/wordnet/data.* /usr/share/wordnet/index.* /usr/share/wordnet/*.exc "$wn"/
# NLTK's reader wants WordNet 3.0's lexnames file, which Debian does not ship:
# the 45 lexicographer file names, numbered, with their syntactic category.
python3 - "$wn/lexnames" <<'PY'
import sys
cats = {"adj": 3, "adv": 4, "noun": 1, "verb": 2}
names = ["adj.all", "adj.pert", "adv.all"] + ["noun." + n for n in (
    "Tops act animal artifact attribute body cognition communication event feeling food group "
    "location motive object person phenomenon plant possession process quantity relation shape "
    "state substance time").split()] + ["verb." + n for n in (
    "body change cognition communication competition consumption contact creation emotion motion "
    "perception possession social stative weather").split()] + ["adj.ppl"]
with open(sys.argv[1], "w") as f:
    for i, n in enumerate(names):
        f.write(f"{i:02d}\t{n}\t{cats[n.split('.')[0]]}\n")
PY
[ -x "$venv/bin/python" ] || python3 -m venv "$venv"
"$venv/bin/pip" install -q "rouge-score==0.1.2" "nltk==3.10.4" markdown2 markdown-it-py beautifulsoup4 \
  rapidrouge rouge-rust pyarrow pandas
echo "$venv/bin/python"
