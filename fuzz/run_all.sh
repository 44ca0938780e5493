#!/usr/bin/env bash
# Runs each fuzz target in turn — one fuzzing process at a time, niced —
# for SECS seconds each (default 630), keeping a log per target in
# fuzz/logs/ and a line per run in fuzz/logs/summary.txt.
#   bash fuzz/run_all.sh [SECS] [TARGET...]
#
# -fork=1 runs the fuzzing in one child process at a time (like
# -jobs=1 -workers=1) and, with -ignore_timeouts=1, carries on after a
# timeout instead of stopping: on a shared, loaded machine a niced fuzzer can
# be starved for seconds, so a "timeout" must be confirmed by re-running the
# saved input alone (see README.md). Crashes and out-of-memory still stop the
# run and leave the input in fuzz/artifacts/<target>/.
set -u
cd "$(dirname "$0")"
SECS=${1:-630}
shift || true
TARGETS=${*:-response table frame invocation login geography decimal hashinator}
[ -d seeds ] || python3 seed_corpus.py
mkdir -p logs
for t in $TARGETS; do
  mkdir -p corpus/$t artifacts/$t
  start=$(date +%s)
  RUSTC_BOOTSTRAP=1 nice -n 19 cargo fuzz run "$t" corpus/$t seeds/$t -- \
    -fork=1 -ignore_timeouts=1 -max_total_time="$SECS" -timeout=5 \
    -rss_limit_mb=512 -malloc_limit_mb=256 -print_final_stats=1 \
    > logs/$t.log 2>&1
  rc=$?
  last=$(grep -E '^#[0-9]+: cov' logs/$t.log | tail -1)
  echo "$t rc=$rc wall=$(( $(date +%s) - start ))s $last" | tee -a logs/summary.txt
done
