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
only() { # allowed-package-regex forbidden-import-regex why: every other package, from one go list
  local p imps bad
  while read -r p imps; do
    if grep -qE "$1" <<<"$p"; then continue; fi
    bad=$(tr ' ' '\n' <<<"$imps" | grep -E "$2" || true)
    if [ -n "$bad" ]; then
      echo "check-imports: $p must not import ($3):"; echo "$bad" | sed 's/^/    /'; fail=1
    fi
  done < <(go list -f '{{.ImportPath}}{{range .Imports}} {{.}}{{end}}' ./...)
}
# Only engine, bundles and engine/policytest talk to OPA.
deny "./internal/..." '^github.com/open-policy-agent/' 'OPA stays in engine and bundles'
deny "./tenants/..." '^github.com/open-policy-agent/' 'OPA stays in engine and bundles'
deny "./engine/scenario" '^github.com/open-policy-agent/' 'scenarios are data only'
# The engine knows no transport or metrics, and caches no decisions: the
# decision cache is a decorator (engine/decisioncache) that only cmd wires in.
# The engine's own summary cache (paircache.go) holds the pair facts that
# decisions are computed from, in ristretto too.
deny "./engine" '^(github.com/gin-gonic/|github.com/prometheus/|net/http$)' 'engine is transport-agnostic'
deny "./engine" "^$mod/engine/decisioncache\$" 'the engine caches no decisions; cmd wires the decision cache in'
deny "./engine/..." "^$mod/(internal|cmd)/" 'nothing below engine imports internal or cmd'
# Decorators (decision log, console recorder) and transports depend on
# engine's types only (engine.Encoded, engine.Observe): the decision cache is
# one more decorator, and only cmd wires it in.
deny "./internal/..." "^$mod/engine/decisioncache\$" 'decorators and transports depend on engine only; cmd wires the cache'
deny "./engine/decisioncache" "^$mod/(internal|bundles|tenants)/" 'the cache decorates engine.Evaluator and knows nothing else'
# Prometheus lives in internal/telemetry (and main); the rest takes small interfaces.
only '/internal/telemetry$|/cmd/' '^github.com/prometheus/' 'metrics go through internal/telemetry'
# gin stays in the HTTP adapter (and main, which sets its mode).
only '/internal/httpapi$|/cmd/|/benchmarks' '^github.com/gin-gonic/' 'gin stays in internal/httpapi'
deny "./..." "^$mod/cmd/" 'nothing imports cmd'
# diff and audit: replay and audit decide through the engine's public API;
# sources composes configurations with bundles; none knows a transport.
deny "./internal/replay" "^($mod/(bundles|internal/(httpapi|extauthz|telemetry|listener))|net/http\$)" 'replay takes engine evaluators, not where they come from'
deny "./internal/sources" "^($mod/internal/|net/http\$)" 'sources only composes configurations'
deny "./internal/audit" "^($mod/(bundles|internal/(httpapi|extauthz|telemetry|listener|replay))|net/http\$)" 'audit queries the engine it is given'
# The layers below internal: tenants knows no policy, bundles no server.
deny "./tenants/..." "^$mod/(engine|bundles|internal|cmd)(/|\$)" 'tenants is data only: files in, tenant sets out'
deny "./bundles/..." "^$mod/(internal|cmd)/" 'bundles produces policies; it knows no server'
deny "./bundles/graph" "^$mod/(engine|bundles|tenants)(/|\$)" 'importers only turn exports into tenants data'
deny "./bundles/entraexporter" "^$mod/(engine|tenants)(/|\$)|^$mod/bundles\$" 'importers only turn exports into tenants data'
deny "./bundles/m365dsc" "^$mod/(engine|tenants)(/|\$)|^$mod/bundles\$" 'importers only turn exports into tenants data'
# Leaves: small packages that depend on nothing of the module.
for leaf in ./guid ./jsonpointer ./atomicfile ./internal/listener ./internal/connlimit ./internal/auth; do
  deny "$leaf" "^$mod/" 'a leaf package imports nothing of the module'
done
# The transports do not know each other; each adapts engine.Evaluator.
deny "./internal/httpapi" "^$mod/internal/(extauthz|console|decisionlog|telemetry|listener)\$" 'transports take small interfaces, not each other'
deny "./internal/extauthz" "^$mod/internal/(httpapi|console|decisionlog|telemetry|listener)\$" 'transports take small interfaces, not each other'
# One watch → activate loop (bundles.Loop); gRPC stays in the ext_authz server.
only '/bundles$' '^github.com/fsnotify/' 'files are watched by the one source loop, bundles.Loop'
only '/internal/extauthz$|/cmd/|/benchmarks|/e2e' '^google.golang.org/grpc' 'gRPC stays in internal/extauthz'
# No util/common/helpers packages.
if go list ./... | grep -E '/(util|utils|common|helpers)$'; then echo "check-imports: no util/common packages"; fail=1; fi
[ $fail = 0 ] && echo "check-imports: ok"
exit $fail
