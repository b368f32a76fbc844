#!/usr/bin/env python3
"""Parity of wildstat-style's Markdown element counts against the reference.

Reference (as shared/tools/oracle_style.py): markdown-it-py
MarkdownIt("commonmark").enable("table").enable("strikethrough"), rendered to
HTML, counted with BeautifulSoup(html, "html.parser").find_all() by tag name,
over every assistant turn (str(content), not stripped) of every response.
Ours: crates/style/examples/count_jsonl.rs (JSONL texts in, JSONL counts out)
for a Parquet corpus. A folder of JSON Lines answer files (FastChat MT-Bench
`{question_id, model_id, choices: [{turns: [str]}]}`, Arena-Hard
`{uid, model, messages: [{role, content: str | {answer}}]}`) is read here in
Python, every assistant turn, and compared with what `wildstat style DIR
--turns all` itself reads and counts (its responses.parquet, joined on model,
id and turn; the two key sets must be equal).

usage: style_parity.py CORPUS_DIR [--show N] [--dump DIR] [--jobs J]
                       [--cache FILE] [--markdown2] [--limit N] [--wildstat BIN]

Prints "N responses, M with any difference", the per-element mismatch counts
(responses where that element differs) and the first differing responses
(model + conversation hash + turn only; never the text). --dump DIR writes the
differing texts to DIR for local inspection (do not commit them).
--markdown2 instead compares the paper's markdown2 counts with the CommonMark
reference and summarises the differences per element.
Run it with the oracle interpreter (~/.cache/wildstat-oracle/bin/python).
"""
import argparse, glob, hashlib, json, os, subprocess, sys, time
from multiprocessing import Pool

TAGS = ["h1", "h2", "h3", "h4", "h5", "h6", "p", "ul", "ol", "li", "strong", "em",
        "code", "pre", "blockquote", "table", "hr", "a", "img", "del"]
ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))

_md = None
_engine = "commonmark"


def _init(engine):
    global _md, _engine
    _engine = engine
    if engine == "markdown2":
        import markdown2
        _md = markdown2.markdown
    else:
        from markdown_it import MarkdownIt
        _md = MarkdownIt("commonmark").enable("table").enable("strikethrough").render


def ref_counts(text):
    from bs4 import BeautifulSoup
    try:
        soup = BeautifulSoup(_md(text), "html.parser")
    except Exception as e:  # ParserRejectedMarkup etc.
        return {"error": type(e).__name__}
    counts = {t: 0 for t in TAGS}
    for tag in soup.find_all():
        if tag.name in counts:
            counts[tag.name] += 1
    return [counts[t] for t in TAGS]


def load_jsonl(corpus, limit):
    """(model, id, turn from 1, text) of every assistant turn of the JSON
    Lines answer files under `corpus`."""
    rows = []
    for f in sorted(glob.glob(os.path.join(corpus, "**", "*.jsonl"), recursive=True)):
        with open(f, encoding="utf-8") as fh:
            recs = [json.loads(l) for l in fh if l.strip()]
        for r in recs[:limit]:
            if "choices" in r:
                model, rid = r["model_id"], str(r["question_id"])
                turns = [t if isinstance(t, str) else t["content"]
                         for t in r["choices"][0]["turns"]]
            else:
                model, rid = r["model"], str(r["uid"])
                turns = [m["content"]["answer"] if isinstance(m["content"], dict) else m["content"]
                         for m in r["messages"] if m["role"] == "assistant"]
            for k, t in enumerate(turns):
                if t is not None:
                    rows.append((model, rid, k + 1, str(t)))
    return rows


def ours_wildstat(corpus, rows, binary):
    """wildstat style CORPUS --turns all: its per-response counts, in `rows`
    order (the keys must be exactly those of `rows`)."""
    import tempfile
    import pyarrow.parquet as pq
    if not binary:
        subprocess.run(["cargo", "build", "-q", "--release"], cwd=ROOT, check=True)
        binary = os.path.join(ROOT, "target", "release", "wildstat")
    with tempfile.TemporaryDirectory() as tmp:
        out = os.path.join(tmp, "style")
        t0 = time.time()
        subprocess.run([binary, "style", corpus, "--turns", "all", "--out", out, "-q"],
                       check=True, stdout=subprocess.DEVNULL)
        dt = time.time() - t0
        got = {(r["model"], r["conversation_hash"], r["turn"]): [r[t] for t in TAGS]
               for r in pq.read_table(os.path.join(out, "responses.parquet")).to_pylist()}
    want = {(m, h, t) for m, h, t, _ in rows}
    if set(got) != want:
        print(f"key sets differ: {len(set(got) - want)} only in wildstat, "
              f"{len(want - set(got))} only in the files", file=sys.stderr)
        sys.exit(1)
    print(f"ours (wildstat style): {len(rows)} responses in {dt:.2f}s", file=sys.stderr)
    return [got[(m, h, t)] for m, h, t, _ in rows]


def load(corpus, limit):
    import pyarrow.parquet as pq
    rows = []
    for f in sorted(glob.glob(os.path.join(corpus, "*.parquet"))):
        tb = pq.read_table(f, columns=["conversation_hash", "model", "conversation"]).to_pylist()
        for r in tb[:limit]:
            turn = 0
            for m in r["conversation"]:
                if m["role"] != "assistant":
                    continue
                rows.append((r["model"], r["conversation_hash"], turn, str(m["content"])))
                turn += 1
    return rows


def reference(rows, engine, jobs, cache):
    key = hashlib.sha256()
    key.update(engine.encode())
    for r in rows:
        key.update(r[3].encode("utf-8", "surrogatepass"))
        key.update(b"\0")
    key = key.hexdigest()[:16]
    if cache:
        path = f"{cache}.{engine}.{key}.json"
        if os.path.exists(path):
            with open(path) as fh:
                return json.load(fh)
    t0 = time.time()
    texts = [r[3] for r in rows]
    with Pool(jobs, initializer=_init, initargs=(engine,)) as pool:
        out = pool.map(ref_counts, texts, chunksize=64)
    print(f"reference ({engine}): {len(texts)} responses in {time.time()-t0:.1f}s "
          f"on {jobs} processes", file=sys.stderr)
    if cache:
        with open(path, "w") as fh:
            json.dump(out, fh)
    return out


def ours(rows, binary):
    if not binary:
        subprocess.run(["cargo", "build", "-q", "--release", "-p", "wildstat-style",
                        "--example", "count_jsonl"], cwd=ROOT, check=True)
        binary = os.path.join(ROOT, "target", "release", "examples", "count_jsonl")
    inp = "".join(json.dumps(r[3]) + "\n" for r in rows).encode()
    t0 = time.time()
    res = subprocess.run([binary], input=inp, capture_output=True, check=True)
    dt = time.time() - t0
    out = [json.loads(l) for l in res.stdout.decode().splitlines()]
    assert len(out) == len(rows), (len(out), len(rows))
    print(f"ours: {len(rows)} responses in {dt:.2f}s (incl. JSON I/O)", file=sys.stderr)
    return [[o[t] for t in TAGS] for o in out]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("corpus")
    ap.add_argument("--show", type=int, default=10)
    ap.add_argument("--dump", default=None)
    ap.add_argument("--jobs", type=int, default=os.cpu_count())
    ap.add_argument("--cache", default="/tmp/wildstat-style-ref")
    ap.add_argument("--binary", default=None)
    ap.add_argument("--limit", type=int, default=10**9)
    ap.add_argument("--markdown2", action="store_true")
    ap.add_argument("--wildstat", default=None, help="wildstat binary (JSON Lines corpora)")
    a = ap.parse_args()
    jsonl = not glob.glob(os.path.join(a.corpus, "*.parquet"))
    rows = load_jsonl(a.corpus, a.limit) if jsonl else load(a.corpus, a.limit)
    ref = reference(rows, "commonmark", a.jobs, a.cache)
    if a.markdown2:
        other = reference(rows, "markdown2", a.jobs, a.cache)
        label = "markdown2"
    elif jsonl:
        other = ours_wildstat(a.corpus, rows, a.wildstat)
        label = "ours"
    else:
        other = ours(rows, a.binary)
        label = "ours"
    n = len(rows)
    per = {t: 0 for t in TAGS}
    sums_ref = {t: 0 for t in TAGS}
    sums_other = {t: 0 for t in TAGS}
    more = {t: 0 for t in TAGS}
    less = {t: 0 for t in TAGS}
    bad = []
    errors = 0
    for i, (r, o) in enumerate(zip(ref, other)):
        if isinstance(r, dict) or isinstance(o, dict):
            errors += 1
            bad.append(i)
            continue
        diff = False
        for j, t in enumerate(TAGS):
            sums_ref[t] += r[j]
            sums_other[t] += o[j]
            if r[j] != o[j]:
                per[t] += 1
                diff = True
                if o[j] > r[j]:
                    more[t] += 1
                else:
                    less[t] += 1
        if diff:
            bad.append(i)
    print(f"{n} responses, {len(bad)} with any difference ({label} vs commonmark reference)"
          + (f", {errors} where a parser raised" if errors else ""))
    print("element  mismatched_responses  (%s>ref / %s<ref)  total_ref  total_%s"
          % (label, label, label))
    for t in TAGS:
        print(f"{t:10s} {per[t]:8d}  ({more[t]}/{less[t]})  {sums_ref[t]:9d} {sums_other[t]:9d}")
    for i in bad[: a.show]:
        m, h, turn, _ = rows[i]
        r, o = ref[i], other[i]
        if isinstance(r, dict) or isinstance(o, dict):
            d = f"ref={r} {label}={o}"
        else:
            d = " ".join(f"{t}:{r[j]}->{o[j]}" for j, t in enumerate(TAGS) if r[j] != o[j])
        print(f"  {m} {h} turn={turn}: {d}")
    if a.dump:
        os.makedirs(a.dump, exist_ok=True)
        for k, i in enumerate(bad):
            with open(os.path.join(a.dump, f"{k:05d}.md"), "w") as fh:
                fh.write(rows[i][3])
            with open(os.path.join(a.dump, f"{k:05d}.diff"), "w") as fh:
                fh.write(json.dumps({"model": rows[i][0], "hash": rows[i][1],
                                     "ref": ref[i], label: other[i]}) + "\n")


if __name__ == "__main__":
    main()
