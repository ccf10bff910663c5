#!/usr/bin/env bash
# Run every fuzz target for SECONDS each (default 60), one after another,
# one worker on one core: `bash fuzz/run.sh 240`. Needs nightly and cargo-fuzz
# (`cargo install cargo-fuzz`). Corpora start from the repository's
# fixtures; findings land in fuzz/artifacts/TARGET/, logs in fuzz/logs/.
set -euo pipefail
cd "$(dirname "$0")"
secs=${1:-60}
targets=(${TARGETS:-rules_load engine_default nlp html_page decode jsonl})
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
  esac
}

cargo +nightly fuzz build -O --debug-assertions --sanitizer "$sanitizer"
mkdir -p logs
for t in "${targets[@]}"; do
  mkdir -p "corpus/$t" "artifacts/$t"
  for f in $(seeds "$t"); do
    [ -f "$f" ] && cp -n "$f" "corpus/$t/seed-$(basename "$f")"
  done
  bin=target/$triple/release/$t
  status=0
  # One worker process (one core) that goes on after a finding, so one
  # known bug does not hide the others.
  "$bin" "corpus/$t" -max_total_time="$secs" -fork=1 -ignore_crashes=1 -ignore_timeouts=1 \
    -ignore_ooms=1 -timeout=20 -rss_limit_mb=4096 -max_len=65536 -artifact_prefix="artifacts/$t/" \
    >"logs/$t.log" 2>&1 || status=$?
  execs=$(grep -o '^#[0-9]*' "logs/$t.log" | tail -1 | tr -d '#')
  found=$(find "artifacts/$t" -type f | wc -l)
  echo "$t: ${execs:-?} executions, $found findings, exit $status"
done
