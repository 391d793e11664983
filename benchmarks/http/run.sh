#!/usr/bin/env bash
# Load harness (`make bench-http`): measures xtenant side by side with what a
# user would run instead, on the same seeded tenants and the same request
# sequences, one server at a time:
#
#   xtenant          xtenant serve, decision cache on (--cache-size, default 100000 decisions)
#   xtenant-nocache  xtenant serve --cache-size 0
#   opa              stock `opa run --server` (bin/opa-<go.mod version>) serving
#                    xtenant's own bundle (xtenant bundle build), Data API
#   gin-floor        benchmarks/cmd/ginfloor: gin + body decode + fixed answer
#
# Workloads (benchmarks/cmd/xtenant-gen): distinct (no request repeats: the
# cache is useless), zipf (s = 1.1 over 100,000 distinct inputs: what a
# gateway sees), hot (a small hot set). The server runs on core 0, the load
# generator on core 1 (taskset). Each (server, workload) gets a fresh server,
# a warm-up, then XTENANT_BENCH_REPS measured runs. Then each server is run
# at half of its own maximum uncached (distinct) throughput for p99 at a
# sane load (one generator process: the warm-up and the runs share their
# connections, as a gateway's do). The report (medians, min–max, ratios) goes to stdout and to
# benchmarks/results/.
#
# Knobs (environment): XTENANT_BENCH_DURATION (10s), XTENANT_BENCH_WARMUP (3s),
# XTENANT_BENCH_HALF_WARMUP (15s: the half-load server is a fresh one, and its
# pair summaries take that long to reach their steady hit ratio at half rate),
# XTENANT_BENCH_REPS (3), XTENANT_BENCH_CONNECTIONS (32),
# XTENANT_BENCH_PARTNERS (10000), XTENANT_BENCH_SEED (1),
# XTENANT_BENCH_CACHE_SIZE (100000), XTENANT_BENCH_SERVERS, XTENANT_BENCH_WORKLOADS,
# XTENANT_BENCH_SERVE_FLAGS (extra flags for both xtenant servers, e.g. "--pair-cache-size 1GiB"),
# XTENANT_BENCH_LOADGEN (wrk|go; default wrk, installed with apt-get when
# missing, else go), XTENANT_BENCH_HALF (1: run the half-load measurement),
# XTENANT_BENCH_HALF_FLOOR (1: after each server's half-load runs, run the gin
# floor at the same rate: the latency the machine and the load generator add
# to any server at that rate),
# XTENANT_BENCH_CPU_LATENCY (0: hold /dev/cpu_dma_latency at 0 during the
# run, when writable; off: leave the machine's idle states as they are),
# XTENANT_BENCH_RESULTS (benchmarks/results).
# Quick run: XTENANT_BENCH_DURATION=3s XTENANT_BENCH_WARMUP=1s XTENANT_BENCH_HALF_WARMUP=1s XTENANT_BENCH_REPS=2 make bench-http
set -euo pipefail

ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
cd "$ROOT"
GO="${GO:-go}"

DURATION="${XTENANT_BENCH_DURATION:-10s}"
WARMUP="${XTENANT_BENCH_WARMUP:-3s}"
HALF_WARMUP="${XTENANT_BENCH_HALF_WARMUP:-15s}"
REPS="${XTENANT_BENCH_REPS:-3}"
CONNS="${XTENANT_BENCH_CONNECTIONS:-32}"
PARTNERS="${XTENANT_BENCH_PARTNERS:-10000}"
SEED="${XTENANT_BENCH_SEED:-1}"
CACHE_SIZE="${XTENANT_BENCH_CACHE_SIZE:-100000}"
SERVERS="${XTENANT_BENCH_SERVERS:-xtenant xtenant-nocache opa gin-floor}"
WORKLOADS="${XTENANT_BENCH_WORKLOADS:-distinct zipf hot}"
LOADGEN="${XTENANT_BENCH_LOADGEN:-wrk}"
HALF="${XTENANT_BENCH_HALF:-1}"
HALF_FLOOR="${XTENANT_BENCH_HALF_FLOOR:-1}"
RESULTS="${XTENANT_BENCH_RESULTS:-$ROOT/benchmarks/results}"
READY_TIMEOUT="${XTENANT_BENCH_READY_TIMEOUT:-300}"

SERVER_CPU=0
LOAD_CPU=1

log() { echo "[bench-http] $*" >&2; }
die() { log "error: $*"; exit 1; }

WORK="$(mktemp -d /tmp/xtenant-bench-http.XXXXXX)"
SERVER_PID=""
OTHER_PID=""
READY=""
cleanup() {
  if [ -n "$OTHER_PID" ]; then kill "$OTHER_PID" 2>/dev/null || true; wait "$OTHER_PID" 2>/dev/null || true; fi
  if [ -n "$SERVER_PID" ]; then kill "$SERVER_PID" 2>/dev/null || true; wait "$SERVER_PID" 2>/dev/null || true; fi
  if [ -z "${XTENANT_BENCH_KEEP:-}" ]; then rm -rf "$WORK"; else log "kept $WORK"; fi
}
trap cleanup EXIT

# --- tools -------------------------------------------------------------------

command -v taskset >/dev/null || die "taskset (util-linux) is required to pin the server and the load generator"
[ "$(nproc)" -ge 2 ] || die "two CPU cores are needed (server on core $SERVER_CPU, load on core $LOAD_CPU); nproc=$(nproc)"

# On a VM a halted vCPU takes up to milliseconds to wake (an exit to the
# hypervisor), which every server's tail pays whenever its core was idle:
# the gin floor's p99 at 800 req/s was 0.83-1.48 ms with idle cores halting
# and 0.32-0.47 ms without (2026-12-04, README "Tenant data off the AST
# heap"). As cyclictest and tuned's latency-performance profile do, the run
# holds a PM QoS request of 0 us on /dev/cpu_dma_latency (it lasts while the
# file is open, so it ends with this script) and idle cores poll instead of
# halting. Every server and the floor run under the same setting; the
# report says which it was.
CPU_LATENCY="${XTENANT_BENCH_CPU_LATENCY:-0}"
case "$CPU_LATENCY" in 0 | off) ;; *) die "XTENANT_BENCH_CPU_LATENCY is 0 or off, not $CPU_LATENCY" ;; esac
CPU_LATENCY_NOTE="not held (XTENANT_BENCH_CPU_LATENCY=off): idle cores may halt"
if [ "$CPU_LATENCY" = 0 ]; then
  if [ -w /dev/cpu_dma_latency ]; then
    exec 3>/dev/cpu_dma_latency
    printf '\0\0\0\0' >&3 # a binary s32 of 0
    CPU_LATENCY_NOTE="held at 0 us (/dev/cpu_dma_latency): idle cores poll, none halts"
  else
    CPU_LATENCY_NOTE="not held (/dev/cpu_dma_latency not writable; it needs root): idle cores may halt"
    log "cannot hold /dev/cpu_dma_latency at 0 (needs root): the tail includes idle cores waking"
  fi
fi

install_wrk() {
  command -v wrk >/dev/null && return 0
  command -v apt-get >/dev/null || return 1
  local sudo_cmd=""
  if [ "$(id -u)" != 0 ]; then command -v sudo >/dev/null || return 1; sudo_cmd="sudo"; fi
  log "installing wrk with apt-get"
  { $sudo_cmd apt-get update -qq && $sudo_cmd apt-get install -y -qq wrk; } >&2 || return 1
  command -v wrk >/dev/null
}
if [ "$LOADGEN" = wrk ] && ! install_wrk; then
  log "wrk could not be installed: falling back to the Go load generator (benchmarks/cmd/xtenant-load)"
  LOADGEN=go
fi

OPA_VERSION="$($GO list -m -f '{{.Version}}' github.com/open-policy-agent/opa)"
OPA_BIN="$ROOT/bin/opa-$OPA_VERSION"
XTENANT_BIN="$ROOT/bin/xtenant"
# Always rebuild xtenant (cheap when up to date: a stale binary would measure old code).
make -s build >&2 || die "cannot build bin/xtenant"
[ -x "$OPA_BIN" ] || make -s opa >&2 || log "cannot build $OPA_BIN: opa will be reported as unavailable"

log "building the harness tools"
mkdir -p "$WORK/bin" "$WORK/data" "$WORK/logs"
$GO build -o "$WORK/bin/" ./benchmarks/cmd/xtenant-gen ./benchmarks/cmd/xtenant-load \
  ./benchmarks/cmd/ginfloor ./benchmarks/cmd/xtenant-benchreport ./benchmarks/cmd/xtenant-agree

log "generating $PARTNERS partner configurations and the workloads (seed $SEED)"
"$WORK/bin/xtenant-gen" -seed "$SEED" -partners "$PARTNERS" -out "$WORK/data"
DATA="$WORK/data"

RAW="$WORK/raw.jsonl"
: >"$RAW"
record_error() { # server message
  local msg="${2//\"/\'}"
  printf '{"server":"%s","error":"%s"}\n' "$1" "$(echo "$msg" | tr '\n' ' ' | cut -c1-300)" >>"$RAW"
  log "$1 unavailable: $2"
}

# The OPA side serves xtenant's own bundle, built from the same tenants file.
BUNDLE="$WORK/bundle.tar.gz"
BUNDLE_ERR=""
if ! "$XTENANT_BIN" bundle build --tenants "$DATA/tenants.json" -o "$BUNDLE" >"$WORK/logs/bundle-build.log" 2>&1; then
  BUNDLE_ERR="xtenant bundle build failed: $(tail -n 3 "$WORK/logs/bundle-build.log")"
fi

# --- servers -----------------------------------------------------------------

port_of() {
  case "$1" in
    xtenant) echo 18181 ;; xtenant-nocache) echo 18182 ;; opa) echo 18183 ;; gin-floor) echo 18184 ;;
    *) die "unknown server $1" ;;
  esac
}
path_of() { [ "$1" = opa ] && echo /v1/data/xtenant/access/decision || echo /v1/evaluate; }
ready_path_of() { [ "$1" = opa ] && echo "/health?bundles" || echo /health/ready; }
opa_input() { [ "$1" = opa ] && echo 1 || echo 0; }

# start_server NAME: starts it pinned to SERVER_CPU; sets SERVER_PID and READY
# (seconds to ready). Fails (status 1) with a reason on stderr. Not to be run
# in a subshell: SERVER_PID must reach the caller.
start_server() {
  local name="$1" port addr
  port="$(port_of "$name")"
  addr="127.0.0.1:$port"
  local cmd=()
  case "$name" in
    xtenant) cmd=("$XTENANT_BIN" serve --tenants "$DATA/tenants.json" --addr "$addr" --cache-size "$CACHE_SIZE" --log-level error ${XTENANT_BENCH_SERVE_FLAGS:-}) ;;
    xtenant-nocache) cmd=("$XTENANT_BIN" serve --tenants "$DATA/tenants.json" --addr "$addr" --cache-size 0 --log-level error ${XTENANT_BENCH_SERVE_FLAGS:-}) ;;
    opa)
      [ -x "$OPA_BIN" ] || { echo "$OPA_BIN missing (make opa)" >&2; return 1; }
      [ -z "$BUNDLE_ERR" ] || { echo "$BUNDLE_ERR" >&2; return 1; }
      cmd=("$OPA_BIN" run --server --addr "$addr" --log-level error --disable-telemetry --bundle "$BUNDLE") ;;
    gin-floor) cmd=("$WORK/bin/ginfloor" -addr "$addr") ;;
  esac
  local t0 t1
  t0="$(date +%s.%N)"
  taskset -c "$SERVER_CPU" "${cmd[@]}" >"$WORK/logs/$name.log" 2>&1 &
  SERVER_PID=$!
  local url="http://$addr$(ready_path_of "$name")"
  local deadline=$((SECONDS + READY_TIMEOUT))
  until curl -fsS -o /dev/null "$url" 2>/dev/null; do
    if ! kill -0 "$SERVER_PID" 2>/dev/null; then
      wait "$SERVER_PID" 2>/dev/null || true
      SERVER_PID=""
      echo "exited before ready: $(tail -n 3 "$WORK/logs/$name.log")" >&2
      return 1
    fi
    if [ "$SECONDS" -ge "$deadline" ]; then
      stop_server
      echo "not ready after ${READY_TIMEOUT}s" >&2
      return 1
    fi
    sleep 0.1
  done
  t1="$(date +%s.%N)"
  # One real request: a server that answers errors is not measured.
  local body code
  body="$(head -n 1 "$DATA/inputs.jsonl")"
  [ "$(opa_input "$name")" = 1 ] && body="{\"input\":$body}"
  code="$(curl -s -o "$WORK/logs/$name.first" -w '%{http_code}' -H 'Content-Type: application/json' \
    --data-binary "$body" "http://$addr$(path_of "$name")")"
  if [ "$code" != 200 ]; then
    stop_server
    echo "first request answered HTTP $code: $(head -c 200 "$WORK/logs/$name.first")" >&2
    return 1
  fi
  READY="$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.2f", b - a }')"
}

stop_server() {
  [ -n "$SERVER_PID" ] || return 0
  kill "$SERVER_PID" 2>/dev/null || true
  wait "$SERVER_PID" 2>/dev/null || true
  SERVER_PID=""
}

# pair_stats NAME PHASE: for an xtenant server, appends to PAIR_STATS the
# share of its decisions whose tenant-pair summary was cached (the distinct
# workload never repeats a request, but its tenant pairs recur; the pair
# summary cache is what serves them, so the figure says what was measured),
# and to FAST_STATS the share of its decisions evaluated within 2 ms.
PAIR_STATS=""
FAST_STATS=""
pair_stats() {
  case "$1" in xtenant*) ;; *) return 0 ;; esac
  local m hits misses
  m="$(curl -fsS "http://127.0.0.1:$(port_of "$1")/metrics" 2>/dev/null)" || return 0
  hits="$(echo "$m" | sed -n 's/^xtenant_pair_cache_requests_total{result="hit"} \(.*\)/\1/p')"
  misses="$(echo "$m" | sed -n 's/^xtenant_pair_cache_requests_total{result="miss"} \(.*\)/\1/p')"
  [ -n "$hits" ] && [ -n "$misses" ] || return 0
  PAIR_STATS="$PAIR_STATS $1 $2: $(awk -v h="$hits" -v m="$misses" 'BEGIN { printf "%.0f%% of %d", (h + m) ? 100 * h / (h + m) : 0, h + m }');"
  # The server's own view: the share of evaluated (not decision-cached)
  # decisions that took 2 ms or less inside the server, network and load
  # generator left out (the le="0.002" bucket of the duration histogram).
  FAST_STATS="$FAST_STATS $1 $2: $(echo "$m" | awk '
    /^xtenant_decision_duration_seconds_bucket\{.*cached="false".*le="0.002"\}/ { fast += $2 }
    /^xtenant_decision_duration_seconds_count\{.*cached="false".*\}/ { all += $2 }
    END { if (all) printf "%.0f%% of %d", 100 * fast / all, all; else printf "none" }');"
}

seq_of() { case "$1" in distinct) echo - ;; zipf) echo "$DATA/zipf.seq" ;; hot) echo "$DATA/hot.seq" ;; *) die "unknown workload $1" ;; esac; }

# cpu_ticks CPU: "steal total" jiffies of one core from /proc/stat.
cpu_ticks() {
  awk -v c="cpu$1" '$1 == c { t = 0; for (i = 2; i <= 9; i++) t += $i; print $9, t }' /proc/stat 2>/dev/null || true
}

# steal_pct BEFORE AFTER: the share of the core's time the hypervisor gave
# to other guests in between (steal), in percent; empty without /proc/stat.
steal_pct() {
  [ -n "$1" ] && [ -n "$2" ] || return 0
  awk -v a="$1" -v b="$2" 'BEGIN { split(a, x, " "); split(b, y, " "); t = y[2] - x[2]; if (t > 0) printf "%.1f", 100 * (y[1] - x[1]) / t }'
}

# load SERVER WORKLOAD EPOCH DURATION [RATE]: prints one JSON result line,
# with the steal time of the server's core during the run.
load() {
  local before after line steal
  before="$(cpu_ticks "$SERVER_CPU")"
  line="$(load_run "$@")"
  after="$(cpu_ticks "$SERVER_CPU")"
  steal="$(steal_pct "$before" "$after")"
  if [ -n "$steal" ]; then echo "${line%\}},\"server_steal_pct\":$steal}"; else echo "$line"; fi
}

load_run() {
  local name="$1" wl="$2" epoch="$3" dur="$4" rate="${5:-0}"
  local url="http://127.0.0.1:$(port_of "$name")$(path_of "$name")"
  local seq
  seq="$(seq_of "$wl")"
  if [ "$LOADGEN" = wrk ] && [ "$rate" = 0 ]; then
    taskset -c "$LOAD_CPU" wrk -t1 -c"$CONNS" -d"$dur" --timeout 30s -s "$ROOT/benchmarks/http/cycle.lua" "$url" \
      -- "$DATA/inputs.jsonl" "$seq" "$epoch" "$(opa_input "$name")" | grep '^{'
  else
    local seqarg=()
    [ "$seq" = - ] || seqarg=(-seq "$seq")
    local opaarg=()
    [ "$(opa_input "$name")" = 1 ] && opaarg=(-opa-input)
    taskset -c "$LOAD_CPU" "$WORK/bin/xtenant-load" -url "$url" -inputs "$DATA/inputs.jsonl" "${seqarg[@]}" \
      "${opaarg[@]}" -epoch "$epoch" -connections "$CONNS" -duration "$dur" -rate "$rate"
  fi
}

# --- agreement -----------------------------------------------------------------
# Before comparing speeds, check that xtenant and opa decide alike on the
# same inputs (both started together for this check only, then stopped).
AGREEMENT="not checked (needs xtenant and opa)"
if [[ " $SERVERS " == *" opa "* && " $SERVERS " == *" xtenant"* ]]; then
  if start_server xtenant-nocache 2>"$WORK/logs/agree.err"; then
    OTHER_PID="$SERVER_PID"; SERVER_PID=""
    if start_server opa 2>>"$WORK/logs/agree.err"; then
      if AGREEMENT="$("$WORK/bin/xtenant-agree" -xtenant "http://127.0.0.1:$(port_of xtenant-nocache)" \
        -opa "http://127.0.0.1:$(port_of opa)" -inputs "$DATA/inputs.jsonl" -n 300 2>"$WORK/logs/agree.diff")"; then :; else
        AGREEMENT="WARNING: $(tail -n 1 "$WORK/logs/agree.diff") (first differences: see the log of this run)"
        cat "$WORK/logs/agree.diff" >&2
      fi
      stop_server
    else
      AGREEMENT="not checked: opa did not start"
    fi
    kill "$OTHER_PID" 2>/dev/null || true; wait "$OTHER_PID" 2>/dev/null || true; OTHER_PID=""
  else
    AGREEMENT="not checked: xtenant did not start"
  fi
  log "agreement xtenant vs opa: $AGREEMENT"
fi

# --- measure -----------------------------------------------------------------

declare -A READY_S
for server in $SERVERS; do
  for wl in $WORKLOADS; do
    log "$server / $wl: starting"
    if ! start_server "$server" 2>"$WORK/logs/$server.err"; then
      record_error "$server" "$(cat "$WORK/logs/$server.err")"
      break
    fi
    READY_S[$server]="$READY"
    log "$server ready in ${READY}s; warm-up $WARMUP"
    load "$server" "$wl" 0 "$WARMUP" >/dev/null
    for rep in $(seq 1 "$REPS"); do
      line="$(load "$server" "$wl" "$rep" "$DURATION")"
      log "$server / $wl / rep $rep: $line"
      echo "{\"server\":\"$server\",\"workload\":\"$wl\",\"mode\":\"max\",\"rep\":$rep,${line#\{}" >>"$RAW"
    done
    pair_stats "$server" "$wl"
    stop_server
  done
done

# half_runs TARGET RATE SERVER MODE: the warm-up and the REPS measured runs
# at RATE against TARGET in one generator process, over the same
# connections: a gateway keeps its connections to the decision point open,
# and each run's first requests were paying for new connections (up to ~40
# requests over 2 ms a run, 2026-12-04). Recorded as SERVER's MODE runs,
# each with the steal time of the server's core over all of them.
half_runs() {
  local target="$1" rate="$2" server="$3" mode="$4"
  local url="http://127.0.0.1:$(port_of "$target")$(path_of "$target")"
  local opaarg=() before after steal lines line rep=0
  [ "$(opa_input "$target")" = 1 ] && opaarg=(-opa-input)
  before="$(cpu_ticks "$SERVER_CPU")"
  lines="$(taskset -c "$LOAD_CPU" "$WORK/bin/xtenant-load" -url "$url" -inputs "$DATA/inputs.jsonl" "${opaarg[@]}" \
    -epoch 0 -warmup "$HALF_WARMUP" -reps "$REPS" -connections "$CONNS" -duration "$DURATION" -rate "$rate")"
  after="$(cpu_ticks "$SERVER_CPU")"
  steal="$(steal_pct "$before" "$after")"
  while IFS= read -r line; do
    rep=$((rep + 1))
    [ -z "$steal" ] || line="${line%\}},\"server_steal_pct\":$steal}"
    log "$target at $server's half rate / rep $rep: $line"
    echo "{\"server\":\"$server\",\"workload\":\"distinct\",\"mode\":\"$mode\",\"rep\":$rep,${line#\{}" >>"$RAW"
  done <<<"$lines"
}

# p99 at half of each server's own maximum uncached throughput (distinct).
if [ "$HALF" = 1 ]; then
  for server in $SERVERS; do
    max="$(grep "\"server\":\"$server\",\"workload\":\"distinct\",\"mode\":\"max\"" "$RAW" |
      sed -n 's/.*"rps":\([0-9.]*\).*/\1/p' | sort -g | awk '{ a[NR] = $1 } END { if (NR) print a[int((NR + 1) / 2)] }' || true)"
    [ -n "$max" ] || continue
    rate="$(awk -v m="$max" 'BEGIN { printf "%.0f", m / 2 }')"
    log "$server: half load, $rate req/s"
    start_server "$server" 2>"$WORK/logs/$server.err" || { log "$server failed to restart"; continue; }
    half_runs "$server" "$rate" "$server" half
    pair_stats "$server" "half load"
    stop_server
    # The gin floor at the same rate: what the machine and the generator
    # add to any server's latency at this rate (timer wake-ups, steal).
    if [ "$HALF_FLOOR" = 1 ] && [ "$server" != gin-floor ]; then
      if start_server gin-floor 2>"$WORK/logs/gin-floor.err"; then
        half_runs gin-floor "$rate" "$server" half-floor
        stop_server
      else
        log "gin-floor failed to start: no floor at $server's half rate"
      fi
    fi
  done
fi

# --- report ------------------------------------------------------------------

commit="$(git rev-parse --short=12 HEAD 2>/dev/null || echo unknown)"
git diff --quiet HEAD 2>/dev/null || commit="$commit (dirty)"
cpu="$(lscpu 2>/dev/null | sed -n 's/^Model name:[[:space:]]*//p' | head -n 1)"
ready_list=""
for s in "${!READY_S[@]}"; do ready_list="$ready_list $s ${READY_S[$s]}s;"; done
stamp="$(date -u +%Y%m%dT%H%M%SZ)"
mkdir -p "$RESULTS"
out="$RESULTS/http-$stamp.md"
"$WORK/bin/xtenant-benchreport" -raw "$RAW" -title "xtenant load harness ($stamp)" \
  -meta "command=benchmarks/http/run.sh (XTENANT_BENCH_DURATION=$DURATION XTENANT_BENCH_WARMUP=$WARMUP XTENANT_BENCH_REPS=$REPS XTENANT_BENCH_CONNECTIONS=$CONNS XTENANT_BENCH_PARTNERS=$PARTNERS XTENANT_BENCH_SEED=$SEED XTENANT_BENCH_CACHE_SIZE=$CACHE_SIZE)" \
  -meta "commit=$commit" \
  -meta "machine=$cpu, $(nproc) cores, $(uname -sr); server pinned to core $SERVER_CPU, load generator to core $LOAD_CPU" \
  -meta "cpu idle latency=$CPU_LATENCY_NOTE" \
  -meta "go=$($GO version | awk '{print $3}')" \
  -meta "opa=$OPA_VERSION ($OPA_BIN)" \
  -meta "load generator=$([ "$LOADGEN" = wrk ] && echo "$(wrk -v 2>&1 | head -n 1 | awk '{print $1, $2}') -t1 -c$CONNS, benchmarks/http/cycle.lua" || echo "benchmarks/cmd/xtenant-load -connections $CONNS") (half load: xtenant-load, open loop; warm-up and runs in one process over the same connections)" \
  -meta "data=$PARTNERS partner configurations (xtenant-gen -seed $SEED), workloads: $WORKLOADS" \
  -meta "time to ready (s)=${ready_list:- n/a}" \
  -meta "decisions xtenant vs opa=$AGREEMENT" \
  -meta "pair summaries found cached (warm-up included)=${PAIR_STATS:- n/a}" \
  -meta "evaluated decisions within 2 ms inside the server (warm-up included)=${FAST_STATS:- n/a}" >"$out"
cp "$RAW" "${out%.md}.jsonl"
cat "$out"
log "wrote $out"
