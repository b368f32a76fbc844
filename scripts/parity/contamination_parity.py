#!/usr/bin/env python3
"""Parity of wildstat-contamination against lm-evaluation-harness's own code.

Reference: lm_eval (installed package) lm_eval/decontamination/janitor.py,
used exactly as lm_eval/decontamination/decontaminate.py does: every
benchmark document's n-grams are word_ngrams(Janitor().normalize_string(doc), n)
in a lookup {ngram: set(doc ids)}; a text is contaminated by a document when
one of its own word_ngrams(normalize_string(text), n) is in that lookup.
From the same n-gram sets: shared = |item n-grams & text n-grams|, coverage =
shared / |item n-grams|, and longest = the longest common run of normalized
tokens (difflib.SequenceMatcher(autojunk=False).find_longest_match).
Ours: crates/contamination/examples/scan_jsonl.rs.

Benchmarks: MT-Bench questions (turns joined with "\\n"), Arena-Hard v0.1 and
v2.0 prompts, AlpacaEval instructions (first results file). Texts: a planted
corpus made from those items (verbatim, re-cased and re-punctuated, 14-token
fragments: must match; 12-token fragments and 13-token runs with the middle
token changed: must not) and every AlpacaEval output of every model.

usage: contamination_parity.py [--corpora DIR] [--n N] [--files K]
Run it with an interpreter that has lm_eval (python3 -m venv /work/venv-contam
&& /work/venv-contam/bin/pip install lm_eval==0.4.13).
Prints pair counts, every kind of mismatch (text index + benchmark + id only,
never the text), and the speed of both in this run.
"""
import argparse, collections, contextlib, difflib, glob, io, json, os, random, re, string, subprocess, sys, tempfile, time

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))

with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
    # janitor.py prints a warning when its optional C++ module is missing; the
    # functions used here (normalize_string, word_ngrams) are pure Python anyway.
    from lm_eval.decontamination.janitor import Janitor, word_ngrams
import lm_eval


def load_items(corpora):
    """(benchmark, id, text) per item, read independently of the Rust loader."""
    items = []
    for name, rel, field, idf in [
        ("mt-bench", "mt-bench/question.jsonl", "turns", "question_id"),
        ("arena-hard", "arena-hard/question.jsonl", "prompt", "uid"),
        ("arena-hard-v2", "arena-hard/v2.0/question.jsonl", "prompt", "uid"),
    ]:
        for line in open(os.path.join(corpora, rel), encoding="utf-8"):
            d = json.loads(line)
            text = "\n".join(d[field]) if isinstance(d[field], list) else d[field]
            items.append((name, str(d[idf]), text))
    first = sorted(glob.glob(os.path.join(corpora, "alpaca-eval-json", "*.json")))[0]
    for i, d in enumerate(json.load(open(first, encoding="utf-8"))):
        items.append(("alpaca-eval", str(i), d["instruction"]))
    return items, first


def planted(items, jan, n):
    """(kind, text): verbatim/recased/frag14 (must match); frag12, nearmiss and
    short (an item of fewer than n tokens planted verbatim) must not."""
    rng = random.Random(18)
    filler_words = "zq lorem ipsum dolor sit amet consectetur adipiscing elit sed eiusmod tempor".split()
    filler = lambda: " ".join(rng.choice(filler_words) for _ in range(30))
    upper = str.maketrans(string.ascii_lowercase, string.ascii_uppercase)
    out = []
    for _, _, text in items[::9]:
        toks = jan.normalize_string(text).split()
        if len(toks) < n:
            out.append(("short", f"{filler()} {text} {filler()}"))
            continue
        out.append(("verbatim", f"{filler()} {text} {filler()}"))
        if len(toks) < n + 1:
            continue
        # ASCII-only re-casing: lm_eval lowercases ASCII letters only.
        out.append(("recased", text.translate(upper).replace(" ", " -- ").replace("\n", " ...\n")))
        mid = (len(toks) - n - 1) // 2
        out.append(("frag14", f"{filler()} {' '.join(toks[mid:mid + n + 1])} {filler()}"))
        out.append(("frag12", f"{filler()} {' '.join(toks[mid:mid + n - 1])} {filler()}"))
        run = toks[mid:mid + n]
        run[n // 2] = "zqzqzq"
        out.append(("nearmiss", f"{filler()} {' '.join(run)} {filler()}"))
    return out


def reference(items, texts, jan, n):
    """Contaminated (text index, item index) -> shared n-grams, as decontaminate.py builds its lookup."""
    lookup = collections.defaultdict(set)
    for doc_id, (_, _, doc) in enumerate(items):
        for ngram in word_ngrams(jan.normalize_string(doc), n):
            lookup[ngram].add(doc_id)
    shared = collections.Counter()
    for t, text in enumerate(texts):
        for ngram in set(word_ngrams(jan.normalize_string(text), n)):
            for doc_id in lookup.get(ngram, ()):
                shared[(t, doc_id)] += 1
    return shared


def excerpt(jan, text, tokens, item_ngrams, n):
    """Up to 20 characters before the first token of the text's first n-gram
    in item_ngrams, 120 in all (tokens = normalized whitespace chunks)."""
    starts = [m.start() for m in re.finditer(r"\S+", text) if jan.normalize_string(m.group())]
    chunks = [jan.normalize_string(m.group()) for m in re.finditer(r"\S+", text)]
    assert [c for c in chunks if c] == tokens
    first = next(j for j in range(len(tokens) - n + 1) if " ".join(tokens[j:j + n]) in item_ngrams)
    begin = max(0, starts[first] - 20)
    return text[begin:begin + 120]


def ours(args, texts_path, bench, threads):
    env = dict(os.environ, RAYON_NUM_THREADS=str(threads))
    cmd = [os.path.join(ROOT, "target", "release", "examples", "scan_jsonl"), "--n", str(args.n), texts_path] + bench
    p = subprocess.run(cmd, env=env, capture_output=True, text=True)
    if p.returncode != 0:
        sys.exit(f"scan_jsonl failed: {p.stderr.strip()}")
    return [json.loads(l) for l in p.stdout.splitlines()], json.loads(p.stderr.strip().splitlines()[-1])


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--corpora", default=os.path.join(ROOT, "..", "shared", "corpora"))
    ap.add_argument("--n", type=int, default=13)
    ap.add_argument("--files", type=int, default=0, help="AlpacaEval output files to scan (0 = all)")
    args = ap.parse_args()
    subprocess.run(["cargo", "build", "--release", "-q", "-p", "wildstat-contamination", "--example", "scan_jsonl"],
                   cwd=ROOT, check=True)
    jan = Janitor()
    items, alpaca_first = load_items(args.corpora)
    plant = planted(items, jan, args.n)
    texts = [t for _, t in plant]
    files = sorted(glob.glob(os.path.join(args.corpora, "alpaca-eval-json", "*.json")))
    for f in files[: args.files or None]:
        texts += [d["output"] for d in json.load(open(f, encoding="utf-8")) if d.get("output") is not None]
    nbytes = sum(len(t.encode("utf-8")) for t in texts)
    print(f"reference: lm_eval {lm_eval.__version__} (installed package) janitor.normalize_string + word_ngrams, n={args.n}")
    print(f"benchmarks: {len(items)} items; texts: {len(plant)} planted + {len(texts) - len(plant)} AlpacaEval outputs, "
          f"{nbytes / 1e6:.1f} MB")

    t0, c0 = time.perf_counter(), time.process_time()
    ref = reference(items, texts, jan, args.n)
    ref_s, ref_cpu = time.perf_counter() - t0, time.process_time() - c0

    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "texts.jsonl")
        with open(path, "w", encoding="utf-8") as f:
            for t in texts:
                f.write(json.dumps({"text": t}) + "\n")
        c = args.corpora
        bench = [f"mt-bench={c}/mt-bench/question.jsonl", f"arena-hard={c}/arena-hard/question.jsonl",
                 f"arena-hard-v2={c}/arena-hard/v2.0/question.jsonl", f"alpaca-eval={alpaca_first}"]
        p = subprocess.run([os.path.join(ROOT, "target", "release", "examples", "scan_jsonl"), "--tokens", path],
                           capture_output=True, text=True, check=True)
        joined = [json.loads(l) for l in p.stdout.splitlines()]
        token_diff = [t for t, text in enumerate(texts) if joined[t] != " ".join(jan.normalize_string(text).split())]
        print(f"normalized tokens: {len(texts) - len(token_diff)} of {len(texts)} texts identical "
              f"to normalize_string(text).split()" + (f"; first differing: {token_diff[:5]}" if token_diff else ""))
        hits, s1 = ours(args, path, bench, 1)
        hits_all, sn = ours(args, path, bench, os.cpu_count())
    if hits != hits_all:
        print("MISMATCH: output differs between 1 and", os.cpu_count(), "threads")

    key = {(b, i): k for k, (b, i, _) in enumerate(items)}
    got = {(h["text"], key[(h["benchmark"], h["id"])]): h for h in hits}
    distinct = [len(set(word_ngrams(jan.normalize_string(d), args.n))) for _, _, d in items]
    too_short = sum(1 for d in distinct if d == 0)
    bad = collections.Counter()
    shown = 0

    def report(kind, t, k):
        nonlocal shown
        bad[kind] += 1
        if shown < 10:
            shown += 1
            print(f"  {kind}: text {t}, {items[k][0]} {items[k][1]}")

    for pair in sorted(set(ref) | set(got)):
        t, k = pair
        if pair not in got:
            report("missed pair", t, k)
            continue
        if pair not in ref:
            report("extra pair", t, k)
            continue
        h = got[pair]
        if h["shared_ngrams"] != ref[pair]:
            report("shared_ngrams", t, k)
        if h["coverage"] != ref[pair] / distinct[k]:
            report("coverage", t, k)
        a = jan.normalize_string(texts[t]).split()
        b = jan.normalize_string(items[k][2]).split()
        longest = difflib.SequenceMatcher(None, a, b, autojunk=False).find_longest_match(0, len(a), 0, len(b)).size
        if h["longest"] != longest:
            report("longest", t, k)
        if h["excerpt"] != excerpt(jan, texts[t], a, set(word_ngrams(" ".join(b), args.n)), args.n):
            report("excerpt", t, k)
    if token_diff:
        bad["normalized tokens"] += len(token_diff)
    if s1["too_short"] != too_short:
        bad["too_short count"] += 1

    kinds = collections.defaultdict(lambda: [0, 0])
    for t, (kind, _) in enumerate(plant):
        kinds[kind][0] += 1
        kinds[kind][1] += any(p[0] == t for p in ref)
    print("planted (texts, contaminated by the reference):",
          ", ".join(f"{k} {v[1]}/{v[0]}" for k, v in kinds.items()))
    print(f"items too short for {args.n}-grams: {too_short} (ours {s1['too_short']})")
    print(f"(text, item) pairs: reference {len(ref)}, ours {len(got)}, "
          f"of them from AlpacaEval outputs: {sum(1 for p in ref if p[0] >= len(plant))}")
    print("mismatches:", dict(bad) if bad else 0)
    mb = nbytes / 1e6
    print("speed (same run, same texts and benchmarks; MB/s of wall time, MB per CPU-second):")
    print(f"  lm_eval janitor lookup+scan, 1 process: {ref_s:.2f} s wall, {ref_cpu:.2f} s CPU: "
          f"{mb / ref_s:.2f} MB/s, {mb / ref_cpu:.2f} MB/CPU-s")
    for s in (s1, sn):
        print(f"  wildstat scan, {s['threads']} thread(s): {s['scan_seconds']:.3f} s wall, "
              f"{s['scan_cpu_seconds']:.2f} s CPU: {mb / s['scan_seconds']:.0f} MB/s ({ref_s / s['scan_seconds']:.0f}x), "
              f"{mb / s['scan_cpu_seconds']:.0f} MB/CPU-s ({ref_cpu / s['scan_cpu_seconds']:.0f}x)")
    print(f"  wildstat index of the benchmarks: {s1['index_seconds']:.3f} s")
    sys.exit(1 if bad else 0)


if __name__ == "__main__":
    main()
