#!/usr/bin/env bash
# Enforces the dependency arrows of docs/architecture.md with `go list`.
set -euo pipefail
mod=github.com/xtenant/xtenant
fail=0
deny() { # package-pattern forbidden-import-regex why
  local pkgs
  pkgs=$(go list "$1" 2>/dev/null || true)
  for p in $pkgs; do
    bad=$(go list -f '{{join .Imports "\n"}}' "$p" | grep -E "$2" || true)
    if [ -n "$bad" ]; then
      echo "check-imports: $p must not import ($3):"; echo "$bad" | sed 's/^/    /'; fail=1
    fi
  done
}
# Only engine, bundles and engine/policytest talk to OPA.
deny "./internal/..." '^github.com/open-policy-agent/' 'OPA stays in engine and bundles'
deny "./tenants/..." '^github.com/open-policy-agent/' 'OPA stays in engine and bundles'
deny "./engine/scenario" '^github.com/open-policy-agent/' 'scenarios are data only'
# The engine knows no transport, metrics or cache.
deny "./engine" '^(github.com/gin-gonic/|github.com/prometheus/|net/http$|github.com/dgraph-io/)' 'engine is transport-agnostic'
deny "./engine/..." "^$mod/(internal|cmd)/" 'nothing below engine imports internal or cmd'
# Decorators (decision log, console recorder) and transports depend on
# engine's types only (engine.Encoded, engine.Observe): the decision cache is
# one more decorator, and only cmd wires it in.
deny "./internal/..." "^$mod/engine/decisioncache\$" 'decorators and transports depend on engine only; cmd wires the cache'
deny "./engine/decisioncache" "^$mod/(internal|bundles|tenants)/" 'the cache decorates engine.Evaluator and knows nothing else'
# Prometheus lives in internal/telemetry (and main); the rest takes small interfaces.
for p in $(go list ./... | grep -v -E '/internal/telemetry$|/cmd/'); do
  deny "$p" '^github.com/prometheus/' 'metrics go through internal/telemetry'
done
# gin stays in the HTTP adapter (and main, which sets its mode).
for p in $(go list ./... | grep -v -E '/internal/httpapi$|/cmd/|/benchmarks'); do
  deny "$p" '^github.com/gin-gonic/' 'gin stays in internal/httpapi'
done
deny "./..." "^$mod/cmd/" 'nothing imports cmd'
# diff and audit: replay and audit decide through the engine's public API;
# sources composes configurations with bundles; none knows a transport.
deny "./internal/replay" "^($mod/(bundles|internal/(httpapi|extauthz|telemetry|reload))|net/http\$)" 'replay takes engine evaluators, not where they come from'
deny "./internal/sources" "^($mod/internal/|net/http\$)" 'sources only composes configurations'
deny "./internal/audit" "^($mod/(bundles|internal/(httpapi|extauthz|telemetry|reload|replay))|net/http\$)" 'audit queries the engine it is given'
# No util/common/helpers packages.
if go list ./... | grep -E '/(util|utils|common|helpers)$'; then echo "check-imports: no util/common packages"; fail=1; fi
[ $fail = 0 ] && echo "check-imports: ok"
exit $fail
