#!/usr/bin/env bash
# Scale run (`make bench-scale`; not in CI): for 1,000 / 10,000 / 100,000
# partner configurations (benchmarks/cmd/xtenant-gen, seeded), start
#
#   xtenant  xtenant serve --tenants FILE
#   opa      stock opa run --server --bundle B (B = xtenant bundle build --tenants FILE)
#
# one at a time, pinned to core 0 under /usr/bin/time -v, and record the time
# to ready (process start to the first 200 from its readiness endpoint, and
# the CPU time the server used until then), the peak RSS, and the latency of
# single decisions at that size (one connection,
# closed loop, from core 1: no queueing, so this is the evaluation latency
# plus one HTTP round trip), after a warm-up of XTENANT_SCALE_WARMUP. The
# report goes to stdout and benchmarks/results/.
#
# Knobs: XTENANT_SCALE_SIZES ("1000 10000 100000"; 1,000,000 is opt-in:
# XTENANT_SCALE_SIZES="1000 10000 100000 1000000", about 2.5 GB of JSON),
# XTENANT_SCALE_SERVERS ("xtenant opa"), XTENANT_SCALE_DURATION (10s, latency
# run), XTENANT_SCALE_WARMUP (3s), XTENANT_BENCH_SEED (1),
# XTENANT_SCALE_READY_TIMEOUT (900 s), XTENANT_BENCH_RESULTS.
set -euo pipefail

ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
cd "$ROOT"
GO="${GO:-go}"
SIZES="${XTENANT_SCALE_SIZES:-1000 10000 100000}"
SERVERS="${XTENANT_SCALE_SERVERS:-xtenant opa}"
DURATION="${XTENANT_SCALE_DURATION:-10s}"
WARMUP="${XTENANT_SCALE_WARMUP:-3s}"
SEED="${XTENANT_BENCH_SEED:-1}"
READY_TIMEOUT="${XTENANT_SCALE_READY_TIMEOUT:-900}"
RESULTS="${XTENANT_BENCH_RESULTS:-$ROOT/benchmarks/results}"
PORT=18191

log() { echo "[bench-scale] $*" >&2; }
die() { log "error: $*"; exit 1; }

[ -x /usr/bin/time ] || {
  log "installing GNU time (peak RSS)"
  sudo_cmd=""; [ "$(id -u)" = 0 ] || sudo_cmd="sudo"
  { $sudo_cmd apt-get update -qq && $sudo_cmd apt-get install -y -qq time; } >&2 || die "/usr/bin/time is required"
}
command -v taskset >/dev/null || die "taskset is required"

WORK="$(mktemp -d /tmp/xtenant-bench-scale.XXXXXX)"
TIME_PID=""
cleanup() {
  stop_server
  [ -n "${XTENANT_BENCH_KEEP:-}" ] && log "kept $WORK" || rm -rf "$WORK"
}
trap cleanup EXIT

OPA_VERSION="$($GO list -m -f '{{.Version}}' github.com/open-policy-agent/opa)"
OPA_BIN="$ROOT/bin/opa-$OPA_VERSION"
XTENANT_BIN="$ROOT/bin/xtenant"
make -s build >&2 || die "cannot build bin/xtenant"
[ -x "$OPA_BIN" ] || make -s opa >&2 || log "cannot build $OPA_BIN: opa will be reported as unavailable"
mkdir -p "$WORK/bin"
$GO build -o "$WORK/bin/" ./benchmarks/cmd/xtenant-gen ./benchmarks/cmd/xtenant-load

# stop_server: SIGTERM to the server (the child of /usr/bin/time, which then
# writes its report), never to time itself.
stop_server() {
  [ -n "$TIME_PID" ] || return 0
  local child
  child="$(pgrep -P "$TIME_PID" || true)"
  [ -n "$child" ] && kill "$child" 2>/dev/null || true
  wait "$TIME_PID" 2>/dev/null || true
  TIME_PID=""
}

ROWS="$WORK/rows.md"
: >"$ROWS"
row() { echo "| $* |" >>"$ROWS"; log "$*"; }

for n in $SIZES; do
  data="$WORK/data-$n"
  log "generating $n partner configurations"
  "$WORK/bin/xtenant-gen" -seed "$SEED" -partners "$n" -out "$data" -inputs 20000 -zipf-length 10 -hot 1 -hot-length 10
  tenants_mb="$(du -m "$data/tenants.json" | cut -f1)"
  bundle_note=""
  if [[ " $SERVERS " == *" opa "* ]]; then
    t0="$(date +%s.%N)"
    if "$XTENANT_BIN" bundle build --tenants "$data/tenants.json" -o "$data/bundle.tar.gz" >"$WORK/bundle-$n.log" 2>&1; then
      bundle_note="$(awk -v a="$t0" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }') s, $(du -m "$data/bundle.tar.gz" | cut -f1) MB"
    else
      bundle_note="failed: $(tail -n 1 "$WORK/bundle-$n.log")"
    fi
  fi
  for server in $SERVERS; do
    addr="127.0.0.1:$PORT"
    case "$server" in
      xtenant)
        cmd=("$XTENANT_BIN" serve --tenants "$data/tenants.json" --addr "$addr" --log-level error)
        ready="http://$addr/health/ready"; path=/v1/evaluate; opa=() ;;
      opa)
        if [ ! -x "$OPA_BIN" ] || [ ! -f "$data/bundle.tar.gz" ]; then
          row "$n | opa | n/a: ${bundle_note:-$OPA_BIN missing} | | |"
          continue
        fi
        cmd=("$OPA_BIN" run --server --addr "$addr" --log-level error --disable-telemetry --bundle "$data/bundle.tar.gz")
        ready="http://$addr/health?bundles"; path=/v1/data/xtenant/access/decision; opa=(-opa-input) ;;
      *) die "unknown server $server" ;;
    esac
    log "$server, $n partners: starting"
    t0="$(date +%s.%N)"
    /usr/bin/time -v -o "$WORK/time-$server-$n.txt" taskset -c 0 "${cmd[@]}" >"$WORK/$server-$n.log" 2>&1 &
    TIME_PID=$!
    deadline=$((SECONDS + READY_TIMEOUT))
    status=ok
    until curl -fsS -o /dev/null "$ready" 2>/dev/null; do
      if ! kill -0 "$TIME_PID" 2>/dev/null; then status="exited: $(tail -n 1 "$WORK/$server-$n.log")"; break; fi
      if [ "$SECONDS" -ge "$deadline" ]; then status="not ready after ${READY_TIMEOUT}s"; break; fi
      sleep 0.1
    done
    t1="$(date +%s.%N)"
    # CPU seconds the server used until ready (user + system, from
    # /proc): on a shared machine the wall time to ready depends on what
    # else runs, the CPU time much less.
    ready_cpu=""
    server_pid="$(pgrep -P "$TIME_PID" || true)"
    if [ -n "$server_pid" ] && [ -r "/proc/$server_pid/stat" ]; then
      ready_cpu="$(sed 's/^.*) //' "/proc/$server_pid/stat" | awk -v hz="$(getconf CLK_TCK)" '{ printf "%.2f", ($12 + $13) / hz }')"
    fi
    if [ "$status" != ok ]; then
      stop_server
      row "$n | $server | n/a: ${status//|//} | | | |"
      continue
    fi
    ready_s="$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.2f", b - a }')"
    taskset -c 1 "$WORK/bin/xtenant-load" -url "http://$addr$path" -inputs "$data/inputs.jsonl" "${opa[@]}" \
      -connections 1 -duration "$WARMUP" >/dev/null 2>&1 || true
    lat="$(taskset -c 1 "$WORK/bin/xtenant-load" -url "http://$addr$path" -inputs "$data/inputs.jsonl" "${opa[@]}" \
      -connections 1 -duration "$DURATION" 2>&1 || true)"
    stop_server
    rss_mb="$(sed -n 's/.*Maximum resident set size (kbytes): //p' "$WORK/time-$server-$n.txt" | awk '{ printf "%.0f", $1 / 1024 }')"
    p50="$(sed -n 's/.*"p50_ms":\([0-9.]*\).*/\1/p' <<<"$lat")"
    p99="$(sed -n 's/.*"p99_ms":\([0-9.]*\).*/\1/p' <<<"$lat")"
    errors="$(sed -n 's/.*"errors":\([0-9]*\).*/\1/p' <<<"$lat")"
    rps="$(sed -n 's/.*"rps":\([0-9.]*\).*/\1/p' <<<"$lat")"
    if [ -z "$p50" ]; then
      row "$n | $server | $ready_s | ${ready_cpu:-?} | $rss_mb | | n/a: ${lat//|//} |"
    else
      row "$n | $server | $ready_s | ${ready_cpu:-?} | $rss_mb | $(printf '%.0f' "$rps") | $(printf '%.2f / %.2f' "$p50" "$p99") | ${errors:-?}"
    fi
  done
  echo "| $n | (data) | tenants.json $tenants_mb MB${bundle_note:+; bundle build $bundle_note} | | | | | |" >>"$ROWS"
done

commit="$(git rev-parse --short=12 HEAD 2>/dev/null || echo unknown)"
git diff --quiet HEAD 2>/dev/null || commit="$commit (dirty)"
stamp="$(date -u +%Y%m%dT%H%M%SZ)"
mkdir -p "$RESULTS"
out="$RESULTS/scale-$stamp.md"
{
  echo "# xtenant scale run ($stamp)"
  echo
  echo "- command: benchmarks/scale/run.sh (XTENANT_SCALE_SIZES=\"$SIZES\" XTENANT_SCALE_DURATION=$DURATION XTENANT_SCALE_WARMUP=$WARMUP XTENANT_BENCH_SEED=$SEED)"
  echo "- commit: $commit"
  echo "- machine: $(lscpu 2>/dev/null | sed -n 's/^Model name:[[:space:]]*//p' | head -n 1), $(nproc) cores, $(free -g | awk '/^Mem:/ { print $2 }') GiB, $(uname -sr); server on core 0, client on core 1"
  echo "- go: $($GO version | awk '{print $3}'); opa: $OPA_VERSION"
  echo "- ready: process start to the first 200 from /health/ready (xtenant) or /health?bundles (opa); CPU s to ready: the server's user + system time then (/proc/PID/stat); peak RSS from /usr/bin/time -v"
  echo "- latency: one connection, closed loop, $DURATION after a $WARMUP warm-up, distinct inputs (benchmarks/cmd/xtenant-load): one decision plus one HTTP round trip; decisions/s of that one connection"
  echo "- load average at the end: $(cut -d' ' -f1-3 /proc/loadavg) (the machine is shared: compare the servers within one run)"
  echo
  echo "| partners | server | ready s | CPU s to ready | peak RSS MB | decisions/s (1 conn) | latency p50 / p99 ms | errors |"
  echo "|---:|---|---:|---:|---:|---:|---:|---:|"
  cat "$ROWS"
} >"$out"
cat "$out"
log "wrote $out"
