#!/usr/bin/env bash
# Many connections: what a server holds, and how fast it answers, when a
# gateway opens many connections to it. For each xtenant binary given (default
# bin/xtenant): a fresh `xtenant serve --cache-size 0` pinned to core 0 on
# generated data (10,000 partners, seed 1), a 3-second warm-up over 32
# connections, then 10 seconds closed loop over CONNS connections (default
# 1000) from benchmarks/cmd/xtenant-load on core 1 (distinct inputs). The
# evaluation queue holds a request from every connection (--eval-queue CONNS,
# --eval-queue-timeout 30s), so none is shed with 503. It prints, per binary
# and run: the peak RSS before and after the run, the RSS after it, and the
# run's decisions/s (answered with 200), latency and errors.
#
#   benchmarks/conns/run.sh [-c CONNS] [-n RUNS] [BINARY ...]
#
# Binaries are run in turn, RUNS times over (default 2), so that they are
# compared side by side on a shared machine.
set -euo pipefail

ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
cd "$ROOT"
CONNS=1000
RUNS=2
while getopts "c:n:" opt; do
  case "$opt" in
    c) CONNS="$OPTARG" ;;
    n) RUNS="$OPTARG" ;;
    *) echo "usage: $0 [-c CONNS] [-n RUNS] [BINARY ...]" >&2; exit 2 ;;
  esac
done
shift $((OPTIND - 1))
if [ "$#" = 0 ]; then
  make -s build
  set -- "$ROOT/bin/xtenant"
fi
[ "$(nproc)" -ge 2 ] || { echo "two CPU cores are needed (server on core 0, load on core 1)" >&2; exit 1; }
# Each connection is a file descriptor on both sides.
if [ "$(ulimit -n)" != unlimited ] && [ "$(ulimit -n)" -lt $((CONNS + 64)) ]; then
  ulimit -n $((CONNS + 64)) 2>/dev/null || { echo "ulimit -n is $(ulimit -n): too few for $CONNS connections" >&2; exit 1; }
fi

. benchmarks/pinned.sh
bench_setup conns
URL=http://127.0.0.1:18185/v1/evaluate

kb() { awk -v k="$1" '$1 == k ":" { print $2 }' "/proc/$PID/status"; }

for run in $(seq 1 "$RUNS"); do
  for bin in "$@"; do
    taskset -c 0 "$bin" serve --addr 127.0.0.1:18185 --tenants "$WORK/data/tenants.json" --cache-size 0 \
      --max-connections $((CONNS + 64)) --eval-queue "$CONNS" --eval-queue-timeout 30s --log-level error >/dev/null 2>&1 &
    PID=$!
    bench_wait_ready 18185
    taskset -c 1 "$WORK/xtenant-load" -url "$URL" -inputs "$WORK/data/inputs.jsonl" -epoch 0 -connections 32 -duration 3s >/dev/null
    before="$(kb VmHWM)"
    line="$(taskset -c 1 "$WORK/xtenant-load" -url "$URL" -inputs "$WORK/data/inputs.jsonl" -epoch 1 -connections "$CONNS" -duration 10s)"
    after="$(kb VmHWM)"
    now="$(kb VmRSS)"
    kill "$PID"; wait "$PID" 2>/dev/null || true; PID=""
    echo "$line" | python3 -c "
import json, sys
d = json.load(sys.stdin)
print('run %s %s: %s connections: peak RSS %d MB before, %d MB after; RSS %d MB; %.0f decisions/s, p50 %.0f ms, p99 %.0f ms, %d errors' % (
    '$run', '$bin', '$CONNS', $before / 1024, $after / 1024, $now / 1024, (d['requests'] - d['errors']) / d['seconds'], d['p50_ms'], d['p99_ms'], d['errors']))"
  done
done
