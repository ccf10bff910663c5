#!/usr/bin/env bash
# Run every fuzz target for SECONDS each (default 60), one after another,
# one worker on one core at the lowest priority (nice 19), so a shared
# machine stays usable: `bash fuzz/run.sh 600`. Needs nightly and cargo-fuzz
# (`cargo install cargo-fuzz`). Corpora start from the repository's
# fixtures and live in CORPUS/TARGET (default fuzz/corpus; keep it outside
# the work tree to reuse it across branches, e.g. CORPUS=/work/fuzz-corpus);
# findings land in fuzz/artifacts/TARGET/, logs in fuzz/logs/. The build
# goes to CARGO_TARGET_DIR when set (default fuzz/target). TARGETS picks
# targets: `TARGETS="nlp jsonl" bash fuzz/run.sh 600`.
set -euo pipefail
cd "$(dirname "$0")"
secs=${1:-60}
targets=(${TARGETS:-rules_load engine_default nlp html_page decode jsonl repeated})
# ASan finds little in a crate that forbids unsafe code and halves the speed.
sanitizer=${SANITIZER:-none}
triple=$(rustc +nightly -vV | sed -n 's/^host: //p')

seeds() {
  case $1 in
    rules_load) echo ../rules/*.yaml ../rules/nlp/*.yaml ../rules/repeated/*.yaml ../tests/fixtures/tuning/*.yaml ;;
    engine_default) echo ../samples/raw/* ../tests/fixtures/corpus/raw/* ../tests/fixtures/hard/raw/* ../tests/fixtures/repro/idem-* ;;
    nlp) echo ../samples/raw/* ../tests/fixtures/hard/raw/* ../tests/fixtures/repro/* ;;
    html_page) echo ../tests/fixtures/html/raw/* ;;
    decode) echo ../samples/raw/* ../tests/fixtures/html/raw/* ../tests/fixtures/repro/*.bin ;;
    jsonl) echo seeds/jsonl/* ;;
    repeated) echo ../samples/raw/* ../tests/fixtures/repro/idem-* ;;
  esac
}

corpus=${CORPUS:-corpus}
tgt=${CARGO_TARGET_DIR:-target}

nice -n 19 cargo +nightly fuzz build -O --debug-assertions --sanitizer "$sanitizer" --target-dir "$tgt"
mkdir -p logs
for t in "${targets[@]}"; do
  mkdir -p "$corpus/$t" "artifacts/$t"
  for f in $(seeds "$t"); do
    [ -f "$f" ] && cp -n "$f" "$corpus/$t/seed-$(basename "$f")"
  done
  bin=$tgt/$triple/release/$t
  status=0
  # One worker process (one core) that goes on after a finding, so one
  # known bug does not hide the others.
  nice -n 19 "$bin" "$corpus/$t" -max_total_time="$secs" -fork=1 -ignore_crashes=1 -ignore_timeouts=1 \
    -ignore_ooms=1 -timeout=20 -rss_limit_mb=4096 -max_len=65536 -artifact_prefix="artifacts/$t/" -print_final_stats=1 \
    >"logs/$t.log" 2>&1 || status=$?
  execs=$(grep -o '^#[0-9]*' "logs/$t.log" | tail -1 | tr -d '#')
  found=$(find "artifacts/$t" -type f | wc -l)
  size=$(find "$corpus/$t" -type f | wc -l)
  echo "$t: ${execs:-?} executions, corpus $size, $found findings, exit $status"
done
