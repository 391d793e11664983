# Sourced by the benchmarks that pin one xtenant server to core 0 and the load
# generator to core 1 (benchmarks/conns/run.sh, benchmarks/gcsettings/run.sh).
# bench_setup NAME [xtenant-gen flag ...] makes a work directory ($WORK),
# removed on exit together with the server whose pid is in $PID, builds
# xtenant-gen and xtenant-load into it, and generates bench-http's data
# (10,000 partners, seed 1) into $WORK/data. The caller has cd'd to the
# repository root.

bench_cleanup() {
  if [ -n "$PID" ]; then kill "$PID" 2>/dev/null || true; wait "$PID" 2>/dev/null || true; fi
  rm -rf "$WORK"
}

bench_setup() {
  WORK="$(mktemp -d "/tmp/xtenant-$1.XXXXXX")"
  shift
  PID=""
  trap bench_cleanup EXIT
  go build -o "$WORK/" ./benchmarks/cmd/xtenant-gen ./benchmarks/cmd/xtenant-load
  "$WORK/xtenant-gen" -seed 1 -partners 10000 -out "$WORK/data" "$@" >/dev/null
}

# bench_wait_ready PORT: until the server on PORT is ready (30 s at most).
bench_wait_ready() {
  for _ in $(seq 1 300); do curl -sf "http://127.0.0.1:$1/health/ready" >/dev/null 2>&1 && return; sleep 0.1; done
}
