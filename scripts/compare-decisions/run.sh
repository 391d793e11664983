#!/bin/bash
# Serves TENANTS with two xtenant binaries (unix sockets, no decision cache) and compares their
# decisions on every input of INPUTS (JSONL, e.g. from benchmarks/cmd/xtenant-gen); exits non-zero
# on a failure to serve, prints how many decisions are byte-identical (decision_id, revision aside).
# usage: run.sh OLD_BIN NEW_BIN TENANTS INPUTS
set -u
d=$(mktemp -d)
$1 serve --addr unix:$d/old.sock --tenants "$3" --cache-size 0 --write-timeout 600s --read-timeout 600s --eval-queue-timeout 600s >$d/old.log 2>&1 & o=$!
$2 serve --addr unix:$d/new.sock --tenants "$3" --cache-size 0 --write-timeout 600s --read-timeout 600s --eval-queue-timeout 600s >$d/new.log 2>&1 & n=$!
for i in $(seq 1 120); do [ -S $d/old.sock ] && [ -S $d/new.sock ] && break; sleep 0.5; done
sleep 1
python3 "$(dirname "$0")/compare.py" $d/old.sock $d/new.sock "$4"; rc=$?
kill $o $n; wait $o $n 2>/dev/null
grep -c "tenant setting unusable" $d/old.log $d/new.log
exit $rc
