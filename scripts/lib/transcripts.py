"""Reading WildChat-style Parquet corpora the way wildstat selects responses
by default, for the parity and benchmark scripts (import with
`sys.path.insert(0, "<repo>/scripts/lib")`)."""
import glob
import os

import pyarrow.parquet as pq


def first_turns(corpus):
    """{(model, conversation_hash): text} of the first assistant turn of every
    conversation under `corpus` (recursively), `str.strip()`ped as wildstat's
    similarity stage does; null contents are skipped, the first row wins."""
    resp = {}
    for f in sorted(glob.glob(os.path.join(corpus, "**", "*.parquet"), recursive=True)):
        for r in pq.read_table(f, columns=["conversation_hash", "model", "conversation"]).to_pylist():
            asst = [m["content"] for m in r["conversation"] if m["role"] == "assistant"]
            if asst and asst[0] is not None:
                resp.setdefault((r["model"], r["conversation_hash"]), str(asst[0]).strip())
    return resp
