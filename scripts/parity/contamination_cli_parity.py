#!/usr/bin/env python3
"""Parity of `wildstat contamination` (the CLI, end to end) against
lm-evaluation-harness's own decontamination code, run live.

Reference: as in contamination_parity.py (same folder): lm_eval's
Janitor().normalize_string + word_ngrams, used as decontaminate.py does (a
lookup {ngram: set(doc ids)} of the benchmark documents; a text is
contaminated by every document one of its n-grams is in).

Texts: the planted corpus of contamination_parity.py (verbatim, re-cased and
re-punctuated items and 14-token fragments that must match; 12-token
fragments, 13-token near misses and too-short items that must not), written
as a JSONL chat corpus (each text the user turn of its own conversation),
plus every user and assistant turn of ../shared/corpora/alpaca-eval (the
Parquet corpus, read here with pyarrow). Benchmarks: MT-Bench, Arena-Hard
v0.1 and v2.0, AlpacaEval instructions (the first results file, read by
wildstat as a JSON array). wildstat runs with --roles both --turns all.

Compared: the set of contaminated (text, item) pairs from hits.parquet
against the reference, with shared_ngrams and coverage (bit for bit) of
every pair; the texts scanned per (model, role) in table.csv; and
contaminated.txt. Prints the speed of both in this run.

usage: contamination_cli_parity.py [--corpora DIR] [--n N]
(an interpreter with lm_eval and pyarrow: /work/venv-contam/bin/python)
"""
import argparse, collections, contextlib, csv, io, json, os, resource, subprocess, sys, tempfile, time

import pyarrow.parquet as pq

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
    from contamination_parity import ROOT, Janitor, lm_eval, load_items, planted, reference, word_ngrams


def corpus_texts(folder):
    """(model, conversation, role, turn) -> text for every turn of the corpus."""
    out = {}
    for name in sorted(os.listdir(folder)):
        t = pq.read_table(os.path.join(folder, name), columns=["model", "conversation_hash", "conversation"])
        for r in t.to_pylist():
            seen = collections.Counter()
            for m in r["conversation"]:
                if m["content"] is None or m["role"] not in ("user", "assistant"):
                    continue
                seen[m["role"]] += 1
                out[(r["model"], r["conversation_hash"], m["role"], seen[m["role"]])] = m["content"]
    return out


def cpu_children():
    u = resource.getrusage(resource.RUSAGE_CHILDREN)
    return u.ru_utime + u.ru_stime


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--corpora", default=os.path.join(ROOT, "..", "shared", "corpora"))
    ap.add_argument("--n", type=int, default=13)
    args = ap.parse_args()
    c = os.path.abspath(args.corpora)
    subprocess.run(["cargo", "build", "--release", "-q", "--bin", "wildstat"], cwd=ROOT, check=True)
    jan = Janitor()
    items, alpaca_first = load_items(c)
    plant = planted(items, jan, args.n)
    keys, texts = [], []
    for k, (_, text) in enumerate(plant):
        keys.append(("planted", f"p{k:05d}", "user", 1))
        texts.append(text)
    for k in range(len(plant)):
        keys.append(("planted", f"p{k:05d}", "assistant", 1))
        texts.append("ok")
    for key, text in corpus_texts(os.path.join(c, "alpaca-eval")).items():
        keys.append(key)
        texts.append(text)
    where = {k: t for t, k in enumerate(keys)}
    nbytes = sum(len(t.encode("utf-8")) for t in texts)
    mb = nbytes / 1e6
    print(f"reference: lm_eval {lm_eval.__version__} (installed package) janitor.normalize_string + word_ngrams, n={args.n}")
    print(f"benchmarks: {len(items)} items; texts: {len(plant)} planted (+ as many assistant turns \"ok\") + "
          f"{len(texts) - 2 * len(plant)} alpaca-eval turns (user and assistant), {mb:.1f} MB")

    t0, c0 = time.perf_counter(), time.process_time()
    ref = reference(items, texts, jan, args.n)
    ref_s, ref_cpu = time.perf_counter() - t0, time.process_time() - c0

    with tempfile.TemporaryDirectory() as tmp:
        chat = os.path.join(tmp, "planted.jsonl")
        with open(chat, "w", encoding="utf-8") as f:
            for (model, conv, _, _), text in zip(keys, texts[: len(plant)]):
                f.write(json.dumps({"id": conv, "model": model, "messages": [
                    {"role": "user", "content": text}, {"role": "assistant", "content": texts[len(plant)]}]}) + "\n")
        out = os.path.join(tmp, "out")
        cmd = [os.path.join(ROOT, "target", "release", "wildstat"), "contamination", chat,
               os.path.join(c, "alpaca-eval"),
               "--benchmark", f"{c}/mt-bench/question.jsonl=mt-bench",
               "--benchmark", f"{c}/arena-hard/question.jsonl=arena-hard",
               "--benchmark", f"{c}/arena-hard/v2.0/question.jsonl=arena-hard-v2",
               "--benchmark", f"{alpaca_first}=alpaca-eval",
               "--ngram", str(args.n), "--roles", "both", "--turns", "all", "-q", "--out", out]
        t0, c0 = time.perf_counter(), cpu_children()
        subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL)
        ours_s, ours_cpu = time.perf_counter() - t0, cpu_children() - c0
        hits = pq.read_table(os.path.join(out, "hits.parquet")).to_pylist()
        with open(os.path.join(out, "table.csv"), newline="", encoding="utf-8") as f:
            table = list(csv.DictReader(f))
        listed = open(os.path.join(out, "contaminated.txt"), encoding="utf-8").read().splitlines()

    key = {(b, i): k for k, (b, i, _) in enumerate(items)}
    distinct = [len(set(word_ngrams(jan.normalize_string(d), args.n))) for _, _, d in items]
    bad = collections.Counter()
    got = {}
    for h in hits:
        t = where.get((h["model"], h["conversation_hash"], h["role"], h["turn"]))
        if t is None:
            bad["hit on an unknown text"] += 1
            continue
        got[(t, key[(h["benchmark"], h["item"])])] = h
    shown = 0
    for pair in sorted(set(ref) | set(got)):
        t, k = pair
        kind = ("missed pair" if pair not in got else "extra pair" if pair not in ref
                else "shared_ngrams" if got[pair]["shared_ngrams"] != ref[pair]
                else "coverage" if got[pair]["coverage"] != ref[pair] / distinct[k] else None)
        if kind:
            bad[kind] += 1
            if shown < 10:
                shown += 1
                print(f"  {kind}: {keys[t]}, {items[k][0]} {items[k][1]}")
    scanned = collections.Counter((m, r) for m, _, r, _ in keys)
    seen_rows = set()
    for row in table:
        k = (row["Model"], row["Role"])
        if k not in seen_rows:
            seen_rows.add(k)
            if int(row["Texts"]) != scanned[k]:
                bad["texts scanned"] += 1
    if seen_rows != set(scanned):
        bad["(model, role) rows"] += 1
    if sorted(set(listed)) != listed or set(listed) != {keys[t][1] for t, _ in ref}:
        bad["contaminated.txt"] += 1
    kinds = collections.defaultdict(lambda: [0, 0])
    for t, (kind, _) in enumerate(plant):
        kinds[kind][0] += 1
        kinds[kind][1] += any(p[0] == t for p in ref)
    print("planted (texts, contaminated by the reference):", ", ".join(f"{k} {v[1]}/{v[0]}" for k, v in kinds.items()))
    per_role = collections.Counter(keys[t][2] for t, _ in ref if keys[t][0] != "planted")
    print(f"(text, item) pairs: reference {len(ref)}, wildstat {len(got)}; alpaca-eval turns: "
          f"{per_role['user']} user, {per_role['assistant']} assistant; conversation ids listed: {len(listed)}")
    print("mismatches:", dict(bad) if bad else 0)
    print("speed (same run, same texts and benchmarks; MB/s of wall time, MB per CPU-second):")
    print(f"  lm_eval janitor lookup+scan, 1 process (texts in memory): {ref_s:.2f} s wall, {ref_cpu:.2f} s CPU: "
          f"{mb / ref_s:.2f} MB/s, {mb / ref_cpu:.2f} MB/CPU-s")
    print(f"  wildstat contamination CLI, {os.cpu_count()} threads (reading Parquet/JSONL, writing outputs): "
          f"{ours_s:.2f} s wall, {ours_cpu:.2f} s CPU: {mb / ours_s:.1f} MB/s ({ref_s / ours_s:.0f}x), "
          f"{mb / ours_cpu:.1f} MB/CPU-s ({ref_cpu / ours_cpu:.0f}x)")
    sys.exit(1 if bad else 0)


if __name__ == "__main__":
    main()
