#!/usr/bin/env bash
# Garbage collector settings at a fixed request rate: what each setting does to
# the latency of uncached decisions, and why. For each setting given (default:
# the list below) a fresh `xtenant serve --cache-size 0` runs pinned to core 0
# on generated data (10,000 partners, seed 1; bench-http's), with the setting's
# environment and GODEBUG=gctrace=1,gcpacertrace=1 added; benchmarks/cmd/xtenant-load on
# core 1 warms it for 15 seconds, then makes RUNS runs of DURATION at RATE
# requests/s (open loop, 32 connections, distinct inputs) over the same
# connections, as bench-http's half-load runs do. It prints, per setting: each
# run's p50 and p99, the collections during the runs with their heap before and
# after, the wall clock of their concurrent mark and the pages their sweep
# went through afterwards, and the peak RSS.
#
#   benchmarks/gcsettings/run.sh [-r RATE] [-d DURATION] [-n RUNS] [-b BINARY] [SETTING ...]
#
# A SETTING is a space-separated list of environment assignments, or "default"
# (none): e.g. "GOGC=off GOMEMLIMIT=1GiB". This is a diagnostic: the issue-11
# figure itself is bench-http's, with nothing set by hand.
set -euo pipefail

ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
cd "$ROOT"
RATE=900
DURATION=20s
RUNS=3
BIN=""
while getopts "r:d:n:b:" opt; do
  case "$opt" in
    r) RATE="$OPTARG" ;;
    d) DURATION="$OPTARG" ;;
    n) RUNS="$OPTARG" ;;
    b) BIN="$OPTARG" ;;
    *) echo "usage: $0 [-r RATE] [-d DURATION] [-n RUNS] [-b BINARY] [SETTING ...]" >&2; exit 2 ;;
  esac
done
shift $((OPTIND - 1))
if [ "$#" = 0 ]; then
  set -- default "GOGC=1000" "GOGC=3000" "GOGC=off GOMEMLIMIT=1GiB" "GOGC=off GOMEMLIMIT=4GiB" "GOGC=off" "GOMAXPROCS=2"
fi
if [ -z "$BIN" ]; then
  make -s build
  BIN="$ROOT/bin/xtenant"
fi
[ "$(nproc)" -ge 2 ] || { echo "two CPU cores are needed (server on core 0, load on core 1)" >&2; exit 1; }

. benchmarks/pinned.sh
bench_setup gcsettings -inputs 12000
URL=http://127.0.0.1:18186/v1/evaluate
WARMUP=15

echo "binary $BIN; $RATE requests/s; $RUNS runs of $DURATION after a ${WARMUP}s warm-up"
for setting in "$@"; do
  envs=()
  [ "$setting" = default ] || read -r -a envs <<<"$setting"
  start="$(date +%s.%N)"
  env "${envs[@]}" GODEBUG=gctrace=1,gcpacertrace=1 taskset -c 0 "$BIN" serve --addr 127.0.0.1:18186 \
    --tenants "$WORK/data/tenants.json" --cache-size 0 --log-level error >/dev/null 2>"$WORK/gctrace" &
  PID=$!
  bench_wait_ready 18186
  measured="$(python3 -c "import time; print(time.time() - $start + $WARMUP)")"
  taskset -c 1 "$WORK/xtenant-load" -url "$URL" -inputs "$WORK/data/inputs.jsonl" -epoch 0 -connections 32 \
    -rate "$RATE" -warmup "${WARMUP}s" -reps "$RUNS" -duration "$DURATION" >"$WORK/runs.jsonl"
  peak="$(awk '$1 == "VmHWM:" { print $2 }' "/proc/$PID/status")"
  kill "$PID"; wait "$PID" 2>/dev/null || true; PID=""
  python3 - "$setting" "$measured" "$peak" "$WORK/runs.jsonl" "$WORK/gctrace" <<'EOF'
import json, re, sys
setting, measured, peak, runs, trace = sys.argv[1], float(sys.argv[2]), int(sys.argv[3]), sys.argv[4], sys.argv[5]
reps = [json.loads(l) for l in open(runs) if l.strip()]
gcs = []
for line in open(trace):
    # gc 4 @32.965s 0%: 0.055+61+0.003 ms clock, ..., 906->910->52 MB, ...
    m = re.match(r"gc \d+ @([\d.]+)s [^:]*: [\d.]+\+([\d.]+)\+[\d.]+ ms clock.*? (\d+)->\d+->(\d+) MB", line)
    if m and float(m.group(1)) >= measured:
        gcs.append("%s->%s MB, mark %s ms" % (m.group(3), m.group(4), m.group(2)))
        continue
    # pacer: sweep done at heap size 147MB; allocated 94MB during sweep; swept 186725 pages at ...
    m = re.search(r"swept (\d+) pages", line)
    if m and gcs and "swept" not in gcs[-1]:
        gcs[-1] += ", swept %s pages" % m.group(1)
print("%s: p99 %s ms (p50 %s); peak RSS %d MB; %d collections in the runs%s" % (
    setting,
    " / ".join("%.2f" % r["p99_ms"] for r in reps),
    " / ".join("%.2f" % r["p50_ms"] for r in reps),
    peak / 1024, len(gcs), (": " + "; ".join(gcs[:6]) + (" ..." if len(gcs) > 6 else "")) if gcs else ""))
EOF
done
