#!/usr/bin/env bash
# End-to-end check of descrape on Spark: the same JSON Lines input cleaned by
# one descrape process (the single-machine baseline) and by clean_spark.py
# (one descrape process per Spark partition, local mode) must give exactly the
# same records.
#
#   bash examples/spark/run.sh [EXTRA DESCRAPE ARGS...]
#
# Extra arguments go to descrape in every run, baseline and Spark alike.
# Environment:
#   DESCRAPE     the descrape binary           [`descrape` on PATH, else target/release/descrape]
#   SPARK_VENV   virtualenv for PySpark        [examples/spark/.venv]
#   PARTITIONS   Spark partitions               [4]
#   KEEP=1       keep the work directory (it is kept anyway on failure)
#   JAVA_HOME    found from `java` on PATH when unset
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=$(cd "$HERE/../.." && pwd)
VENV=${SPARK_VENV:-$HERE/.venv}
PARTITIONS=${PARTITIONS:-4}
EXTRA=("$@")
T0=$SECONDS

step() { printf '\n== %s\n' "$*" >&2; }
die() { printf 'run.sh: %s\n' "$*" >&2; exit 1; }

WORK=$(mktemp -d "${TMPDIR:-/tmp}/descrape-spark.XXXXXX")
finish() {
    local rc=$?
    if [ "$rc" -eq 0 ] && [ -z "${KEEP:-}" ]; then
        rm -rf "$WORK"
    else
        printf 'run.sh: work directory kept: %s\n' "$WORK" >&2
    fi
    printf 'run.sh: %s after %d s\n' "$([ "$rc" -eq 0 ] && echo PASSED || echo "FAILED (exit $rc)")" \
        "$((SECONDS - T0))" >&2
}
trap finish EXIT

# --- descrape -----------------------------------------------------------------
# The binary already built, never a build here: $DESCRAPE, else `descrape` on
# PATH (what `cargo install --locked --path .` installs), else this
# repository's release build.
step "descrape"
BIN=${DESCRAPE:-$(command -v descrape || true)}
BIN=${BIN:-$REPO/target/release/descrape}
[ -x "$BIN" ] || die "no descrape binary at $BIN: run \`cargo install --locked --path $REPO\` first, or set DESCRAPE=/path/to/descrape"
# Absolute, so the Spark workers find it whatever their working directory.
BIN=$(cd "$(dirname "$BIN")" && pwd)/$(basename "$BIN")
echo "  $BIN: $("$BIN" --version)" >&2

# --- Java and PySpark -----------------------------------------------------------
step "Java and PySpark"
if [ -z "${JAVA_HOME:-}" ]; then
    JAVA=$(command -v java) || die "no java on PATH and JAVA_HOME unset (PySpark needs Java 17+)"
    JAVA_HOME=$(dirname "$(dirname "$(readlink -f "$JAVA")")")
    export JAVA_HOME
fi
"$JAVA_HOME/bin/java" -version 2>&1 | head -n 1 >&2
[ -x "$VENV/bin/python" ] || python3 -m venv "$VENV"
# A no-op (no network) once pyspark is installed.
"$VENV/bin/pip" install --quiet --disable-pip-version-check pyspark
"$VENV/bin/python" -c 'import pyspark; print("pyspark", pyspark.__version__)' >&2

# Quiet Spark: WARN from the first line on, local addresses only, no progress bar.
mkdir -p "$WORK/conf"
cat > "$WORK/conf/log4j2.properties" <<'EOF'
rootLogger.level = warn
rootLogger.appenderRef.stderr.ref = console
appender.console.type = Console
appender.console.name = console
appender.console.target = SYSTEM_ERR
appender.console.layout.type = PatternLayout
appender.console.layout.pattern = %d{HH:mm:ss} %p %c{1}: %m%n%ex
logger.nativeload.name = org.apache.hadoop.util.NativeCodeLoader
logger.nativeload.level = error
EOF
export SPARK_CONF_DIR=$WORK/conf
export SPARK_LOCAL_IP=${SPARK_LOCAL_IP:-127.0.0.1}
export PYSPARK_PYTHON=$VENV/bin/python
export PYSPARK_DRIVER_PYTHON=$VENV/bin/python

# --- input ------------------------------------------------------------------------
step "input: samples/raw and tests/fixtures/corpus/raw as JSON Lines"
"$VENV/bin/python" - "$WORK/input.jsonl" "$REPO" <<'EOF'
import json, os, sys
from pathlib import Path

out, repo = Path(sys.argv[1]), Path(sys.argv[2])
sources = [("samples", repo / "samples" / "raw"), ("fixtures", repo / "tests" / "fixtures" / "corpus" / "raw")]
ids = set()
with out.open("w", encoding="utf-8") as f:
    n = 0
    for source, folder in sources:
        for path in sorted(folder.glob("*.txt")):
            if path.name in ids:
                sys.exit(f"duplicate id {path.name}")
            ids.add(path.name)
            text = path.read_text(encoding="utf-8")
            # `source` after `text`: descrape must pass it through, in place.
            f.write(json.dumps({"id": path.name, "text": text, "source": source}, ensure_ascii=False) + "\n")
            n += 1
            if n == 20:
                # One malformed line: both runs must skip it and go on.
                f.write('{"id": "malformed", "text": \n')
print(f"{n} records (+1 malformed line) -> {out}", file=sys.stderr)
EOF

# --- comparison -------------------------------------------------------------------
cat > "$WORK/compare.py" <<'EOF'
"""compare.py INPUT SINGLE SPARK: exit 1 unless SPARK holds exactly SINGLE's records."""
import json, sys

def lines(path):
    with open(path, encoding="utf-8") as f:
        return f.read().splitlines()

def by_id(ls, name):
    recs = {}
    for i, line in enumerate(ls, 1):
        rec = json.loads(line)
        if rec["id"] in recs:
            sys.exit(f"  FAIL: {name}: duplicate id {rec['id']!r} (line {i})")
        recs[rec["id"]] = rec
    return recs

inp, single, spark = sys.argv[1:4]
S, P = lines(single), lines(spark)
inputs = {}
for line in lines(inp):
    try:
        rec = json.loads(line)
        inputs[rec["id"]] = rec
    except ValueError:
        pass
ok = True
print(f"  records: single {len(S)}, spark {len(P)}, valid input {len(inputs)}"
      f"{f' ({len(inputs) - len(S)} dropped by descrape)' if len(S) < len(inputs) else ''}")
if not S:
    print("  FAIL: the baseline holds no record"); ok = False
same_order = S == P
same_set = sorted(S) == sorted(P)
print(f"  sorted lines identical: {same_set}")
print(f"  same order (part files in name order vs single): {same_order}")
s, p = by_id(S, "single"), by_id(P, "spark")
missing, extra = sorted(s.keys() - p.keys()), sorted(p.keys() - s.keys())
differ = sorted(k for k in s.keys() & p.keys() if s[k] != p[k])
print(f"  by id: {len(s.keys() & p.keys())} common, {len(missing)} missing from spark, "
      f"{len(extra)} extra in spark, {len(differ)} differ")
for label, ids in (("missing", missing), ("extra", extra), ("differ", differ)):
    if ids:
        print(f"    {label}: {', '.join(ids[:10])}{' ...' if len(ids) > 10 else ''}")
if not same_set or missing or extra or differ:
    ok = False
changed = sum(1 for k, r in s.items() if k in inputs and r.get("text") != inputs[k].get("text"))
print(f"  texts changed by descrape: {changed} of {len(s)}")
if changed == 0:
    print("  FAIL: descrape changed nothing; the comparison would prove nothing"); ok = False
keys_kept = all(list(r.keys())[:3] == ["id", "text", "source"] for r in p.values())
print(f"  fields id, text, source passed through in order: {keys_kept}")
ok = ok and keys_kept
print("  " + ("OK" if ok else "FAIL"))
sys.exit(0 if ok else 1)
EOF

cat > "$WORK/compare_changes.py" <<'EOF'
"""compare_changes.py SINGLE SPARK: exit 1 unless the change logs hold the same entries.
Positions in the stream descrape read (a `line` field; a `file` of `-:LINE`)
count lines of the whole input for the baseline but of the partition for
Spark, so they are left out of the comparison; records are named by `id`."""
import json, re, sys

def entries(path):
    out = []
    with open(path, encoding="utf-8") as f:
        for line in f:
            rec = json.loads(line)
            rec.pop("line", None)
            if isinstance(rec.get("file"), str):
                rec["file"] = re.sub(r"^-:\d+$", "-", rec["file"])
            out.append(json.dumps(rec, sort_keys=True, ensure_ascii=False))
    return out

S, P = entries(sys.argv[1]), entries(sys.argv[2])
types = {}
for e in S:
    t = json.loads(e)["type"]
    types[t] = types.get(t, 0) + 1
print(f"  entries: single {len(S)}, spark {len(P)} ({', '.join(f'{n} {t}' for t, n in sorted(types.items()))})")
same_set, same_order = sorted(S) == sorted(P), S == P
print(f"  sorted entries identical (stream line numbers left out): {same_set}")
print(f"  same order: {same_order}")
ok = same_set and any(json.loads(e)["type"] == "edit" for e in S)
if not same_set:
    for e in sorted(set(S) ^ set(P))[:5]:
        print(f"    {'single only' if e in set(S) else 'spark only '}: {e[:200]}")
print("  " + ("OK" if ok else "FAIL"))
sys.exit(0 if ok else 1)
EOF

# run_case NAME SPARK_INPUT [SPARK ARGS...] -- [DESCRAPE ARGS...]
# The baseline always reads $WORK/input.jsonl (SPARK_INPUT holds the same lines).
FAILED=()
run_case() {
    local name=$1 input=$2; shift 2
    local spark_args=() args=()
    while [ $# -gt 0 ] && [ "$1" != "--" ]; do spark_args+=("$1"); shift; done
    [ $# -gt 0 ] && shift
    args=("$@")
    local dir=$WORK/$name
    mkdir -p "$dir"

    step "$name: single-machine baseline"
    local t=$SECONDS
    if ! "$BIN" clean - --input-format jsonl --output-format jsonl ${args[@]+"${args[@]}"} \
            --changes "$dir/single-changes.jsonl" < "$WORK/input.jsonl" > "$dir/single.jsonl" 2> "$dir/single.stderr"; then
        cat "$dir/single.stderr" >&2
        die "$name: the baseline run failed"
    fi
    # The summary without its per-rule table (whole summary in single.stderr).
    grep -v '^  ' "$dir/single.stderr" | sed 's/^/  | /' >&2 || true
    echo "  $(wc -l < "$dir/single.jsonl") records, $((SECONDS - t)) s" >&2

    step "$name: Spark, $PARTITIONS partitions"
    t=$SECONDS
    "$VENV/bin/python" "$HERE/clean_spark.py" "$input" "$dir/spark-out" \
        --descrape "$BIN" --partitions "$PARTITIONS" \
        --conf spark.ui.enabled=false --conf spark.ui.showConsoleProgress=false \
        ${spark_args[@]+"${spark_args[@]}"} -- ${args[@]+"${args[@]}"}
    [ -f "$dir/spark-out/_SUCCESS" ] || die "$name: no _SUCCESS in $dir/spark-out"
    # Concatenate the part files in name order (the glob sorts them).
    local parts=("$dir"/spark-out/part-*) counts=()
    : > "$dir/spark.jsonl"
    for part in "${parts[@]}"; do
        case "$part" in
            *.gz) gzip -dc "$part" ;;
            *.bz2) bzip2 -dc "$part" ;;
            *) cat "$part" ;;
        esac > "$dir/part.tmp"
        counts+=("$(wc -l < "$dir/part.tmp")")
        cat "$dir/part.tmp" >> "$dir/spark.jsonl"
    done
    rm -f "$dir/part.tmp"
    echo "  ${#parts[@]} part files, records per part: ${counts[*]}; $((SECONDS - t)) s" >&2

    step "$name: compare"
    if ! "$VENV/bin/python" "$WORK/compare.py" "$WORK/input.jsonl" "$dir/single.jsonl" "$dir/spark.jsonl"; then
        FAILED+=("$name")
    fi
    if [ -d "$dir/changes" ]; then
        step "$name: compare change logs (one per partition vs the baseline's)"
        local logs=("$dir"/changes/changes-*.jsonl)
        cat "${logs[@]}" > "$dir/spark-changes.jsonl"
        echo "  ${#logs[@]} per-partition logs" >&2
        if ! "$VENV/bin/python" "$WORK/compare_changes.py" "$dir/single-changes.jsonl" "$dir/spark-changes.jsonl"; then
            FAILED+=("$name (change log)")
        fi
    fi
}

# 1. The plain file, split by Spark into PARTITIONS pieces.
run_case plain "$WORK/input.jsonl" -- ${EXTRA[@]+"${EXTRA[@]}"}

# 2. The same lines as a directory of two .gz files (each one split, so
#    clean_spark.py rebalances them to PARTITIONS keeping the order, and reads
#    the files in name order), extra descrape args (@nlp normalisation,
#    --annotate), gzip-compressed output, the binary shipped to the executors
#    with addFile (--ship), and a change log per partition (--changes-dir),
#    checked against the baseline's change log.
mkdir -p "$WORK/input-dir"
half=$(( ($(wc -l < "$WORK/input.jsonl") + 1) / 2 ))
head -n "$half" "$WORK/input.jsonl" | gzip -c > "$WORK/input-dir/dump-1.jsonl.gz"
tail -n "+$((half + 1))" "$WORK/input.jsonl" | gzip -c > "$WORK/input-dir/dump-2.jsonl.gz"
run_case dir-gz-nlp-annotate "$WORK/input-dir" --compress gzip --ship \
    --changes-dir "$WORK/dir-gz-nlp-annotate/changes" -- \
    --rules @nlp --annotate ${EXTRA[@]+"${EXTRA[@]}"}

step "result"
if [ ${#FAILED[@]} -gt 0 ]; then
    die "Spark output differs from the single-machine output in: ${FAILED[*]}"
fi
echo "  Spark output equals the single-machine output in every case" >&2
