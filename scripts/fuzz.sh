#!/usr/bin/env bash
# Runs every fuzz target of the project for a while each (default 20s):
# the parsers of outside input (decision input, tenants files, Graph exports,
# HTTP bodies, gateway headers, decision-log masks).
set -euo pipefail
cd "$(dirname "$0")/.."
time=${1:-20s}
go list -f '{{.Dir}} {{.ImportPath}}' ./... | while read -r dir pkg; do
  for f in $(grep -ho '^func Fuzz[A-Za-z0-9_]*' "$dir"/*_test.go 2>/dev/null | sed 's/^func //'); do
    echo "== $pkg $f ($time)"
    go test -run '^$' -fuzz "^${f}\$" -fuzztime "$time" "$pkg"
  done
done
