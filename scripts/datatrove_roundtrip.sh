#!/usr/bin/env bash
# Shards round trip through datatrove: clean a generated directory of
# gzipped JSON Lines shards with `descrape clean DIR -o OUT`, then read OUT
# with datatrove's JsonlReader as two tasks (rank 0 and 1 of world_size 2)
# and check every document id arrives exactly once, with cleaned text.
#
# Makes a venv (DATATROVE_VENV, default target/datatrove-venv) and installs
# datatrove into it the first time; without network (pip fails) it prints
# why and exits 0 as skipped. DESCRAPE: the binary to run (default: build
# the release binary with cargo). Run from anywhere:
#   scripts/datatrove_roundtrip.sh
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
venv=${DATATROVE_VENV:-$root/target/datatrove-venv}

if [[ ! -x $venv/bin/python ]] || ! "$venv/bin/python" -c 'import datatrove, orjson' 2>/dev/null; then
    if ! python3 -m venv "$venv" >/dev/null 2>&1; then
        echo "datatrove round trip: SKIPPED (python3 -m venv failed)"
        exit 0
    fi
    if ! "$venv/bin/pip" install --quiet --retries 1 --timeout 15 datatrove orjson >"$venv.pip.log" 2>&1; then
        echo "datatrove round trip: SKIPPED (pip install datatrove failed, no network?; see $venv.pip.log)"
        exit 0
    fi
fi

if [[ -z ${DESCRAPE:-} ]]; then
    cargo build --release --locked --quiet
    DESCRAPE=${CARGO_TARGET_DIR:-$root/target}/release/descrape
fi

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# 4 shards (3 gzipped at the top, 1 plain in a subdirectory), 25 records each,
# every text carrying a line the default rules remove.
"$venv/bin/python" - "$work/in" <<'PY'
import gzip, json, os, sys
root = sys.argv[1]
WORDS = ("harbour budget schools rail housing water parks library bridge clinic market airport "
         "approves delays rejects reviews funds debates expands closes opens cuts backs studies "
         "north south east west river valley hill coast").split()
shards = ["part-00000.jsonl.gz", "part-00001.jsonl.gz", "part-00002.jsonl.gz", "more/part-00003.jsonl"]
n = 0
for name in shards:
    path = os.path.join(root, name)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    lines = []
    for _ in range(25):
        # Words, not digits, tell the stories apart: lines differing only by
        # digits count as one repeated line.
        w = [WORDS[(n * k + k) % len(WORDS)] for k in (1, 3, 7, 11)]
        text = f"The {w[0]} council {w[1]} the {w[2]} plan\n\nResidents of {w[3]} said the {w[0]} {w[2]} work would go on.\n\nAdvertisement\n\nOfficials in {w[1]} {w[3]} expect a {w[2]} vote."
        lines.append(json.dumps({"id": f"doc-{n:04d}", "url": f"https://example.com/{n}", "text": text}) + "\n")
        n += 1
    data = "".join(lines).encode()
    with (gzip.open(path, "wb") if name.endswith(".gz") else open(path, "wb")) as f:
        f.write(data)
PY

"$DESCRAPE" clean -q "$work/in" -o "$work/out"

"$venv/bin/python" - "$work/out" <<'PY'
import collections, sys
from datatrove.pipeline.readers import JsonlReader
out = sys.argv[1]
seen = collections.Counter()
per_task = []
for rank in (0, 1):
    # The shards only: a glob such as "**/*.jsonl*" would also read the change
    # log OUT/.descrape/changes.jsonl (its records have no text and are skipped
    # with a warning, but it counts as one of the files the tasks share).
    reader = JsonlReader(out, glob_pattern="**/part-*.jsonl*")
    docs = list(reader.run(rank=rank, world_size=2))
    per_task.append(len(docs))
    for d in docs:
        seen[d.id] += 1
        assert "Advertisement" not in d.text, (d.id, d.text)
want = {f"doc-{n:04d}" for n in range(100)}
missing = want - set(seen)
twice = [i for i, c in seen.items() if c != 1]
extra = set(seen) - want
assert not missing and not twice and not extra, (sorted(missing)[:5], twice[:5], sorted(extra)[:5])
assert all(n > 0 for n in per_task), per_task
print(f"datatrove round trip: OK, {len(seen)} documents, each once; tasks read {per_task[0]} and {per_task[1]}")
PY
