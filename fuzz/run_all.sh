#!/usr/bin/env bash
# Runs each fuzz target in turn (one at a time, niced), each for SECS seconds
# (default 630), and keeps a log per target in fuzz/logs/.
#   bash fuzz/run_all.sh [SECS] [TARGET...]
set -u
cd "$(dirname "$0")"
SECS=${1:-630}
shift || true
TARGETS=${*:-frame response table invocation login geography decimal hashinator}
[ -d seeds ] || python3 seed_corpus.py
mkdir -p logs
for t in $TARGETS; do
  mkdir -p corpus/$t artifacts/$t
  start=$(date +%s)
  RUSTC_BOOTSTRAP=1 nice -n 19 cargo fuzz run "$t" corpus/$t seeds/$t -- \
    -jobs=1 -workers=1 -max_total_time="$SECS" -timeout=5 \
    -rss_limit_mb=512 -malloc_limit_mb=256 -print_final_stats=1 \
    > logs/$t.log 2>&1
  rc=$?
  echo "$t rc=$rc wall=$(( $(date +%s) - start ))s" | tee -a logs/summary.txt
done
