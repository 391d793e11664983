#!/usr/bin/env bash
# Soak: `xtenant serve` under a mixed load for 10 minutes (default), sampling
# its live heap, goroutines and open file descriptors; fails when they grow.
# Not part of `make test`. Any argument is passed to xtenant-soak, e.g.
#   scripts/soak.sh -duration 3m -interval 5s
set -euo pipefail
cd "$(dirname "$0")/.."
go build -o bin/xtenant ./cmd/xtenant
exec go run ./benchmarks/cmd/xtenant-soak -bin bin/xtenant "$@"
