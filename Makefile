# xtenant — make targets. `make run` serves the built-in policy and example
# tenants on 127.0.0.1:8181; `make test` is what CI runs.
SHELL        := /bin/bash
GO           ?= go
BIN          := $(CURDIR)/bin
OPA_VERSION  := $(shell $(GO) list -m -f '{{.Version}}' github.com/open-policy-agent/opa)
OPA          := $(BIN)/opa-$(OPA_VERSION)
COVERAGE_MIN ?= 95
PREFIX       ?= $(HOME)/.local

.PHONY: all build install test-readme run test test-go test-go-race test-race test-metamorphic test-rego vet lint check-imports fuzz bench bench-smoke bench-http bench-scale soak opa clean

all: build

build:
	$(GO) build -o $(BIN)/xtenant ./cmd/xtenant

# bin/xtenant and bin/opa on PATH as xtenant and opa ($(PREFIX)/bin).
install: build opa
	install -d $(PREFIX)/bin
	install -m 0755 $(BIN)/xtenant $(PREFIX)/bin/xtenant
	install -m 0755 $(OPA) $(PREFIX)/bin/opa

run: build
	$(BIN)/xtenant serve --log-format text

# The stock opa binary at the version in go.mod, built from the module proxy,
# and bin/opa pointing at it (the README calls bin/opa).
opa: $(BIN)/opa
$(BIN)/opa: $(OPA)
	ln -sfn $(notdir $(OPA)) $@
$(OPA):
	GOBIN=$(BIN) $(GO) install github.com/open-policy-agent/opa@$(OPA_VERSION)
	mv $(BIN)/opa $(OPA)

# The serial corpus tests and the metamorphic tests are mostly single-threaded:
# they run side by side, one per core, after the race pass.
test: vet check-imports test-rego test-go-race
	$(GO_SERIAL) & serial=$$!; $(GO_METAMORPHIC); m=$$?; wait $$serial; s=$$?; [ $$m = 0 ] && [ $$s = 0 ]
	$(MAKE) --no-print-directory bench-smoke

vet:
	$(GO) vet ./...
	@out=$$(gofmt -l $$(git ls-files '*.go')); if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi

# Rego: strict compile, formatting, the stock `opa test` with coverage, and
# `xtenant test` (Rego tests plus every scenario).
test-rego: $(OPA) build
	$(OPA) check --strict policies
	@out=$$($(OPA) fmt --list policies); if [ -n "$$out" ]; then echo "opa fmt needed:"; echo "$$out"; exit 1; fi
	$(OPA) test policies
	$(OPA) test --coverage --threshold $(COVERAGE_MIN) policies > /dev/null || { $(OPA) test --coverage policies | grep -m1 '"coverage"'; echo "opa test: coverage below $(COVERAGE_MIN)%"; exit 1; }
	$(BIN)/xtenant test policies testdata/scenarios --threshold $(COVERAGE_MIN)
	@# The AuthZEN certification fixture (a separate bundle the conformance tests load).
	$(OPA) check --strict testdata/authzen-certification
	@out=$$($(OPA) fmt --list testdata/authzen-certification); if [ -n "$$out" ]; then echo "opa fmt needed:"; echo "$$out"; exit 1; fi
	$(OPA) test --coverage --threshold $(COVERAGE_MIN) testdata/authzen-certification > /dev/null || { $(OPA) test -v testdata/authzen-certification; exit 1; }

# Every Go test once. The race detector runs over every test but the serial
# ones: they evaluate the scenario corpus (or thousands of decisions) one
# request at a time, so the race detector, which slows evaluation ten-fold
# and more, finds nothing in them; they run in a second pass without it.
# Every test of concurrent code (swaps under load, the limiter, the caches,
# the servers) stays under -race. XTENANT_OPA_BIN: bundle tests compare
# decisions with the stock opa binary; XTENANT_E2E=1 (set by .ci/run) makes
# a missing nginx or caddy a failure. A serial test renamed must be renamed
# here too, or it leaves the second pass (and runs, slowly, in the first).
SERIAL_TESTS := TestScenarios|TestPairSummaryMatchesFullEvaluation|TestScenariosOverHTTP|TestAuthZENScenarios|TestBuildVerifyServe|TestStockOPAServesSameDecisions|TestRunRegoBuiltin|TestScenariosConformToSchemas|TestCacheBytesBounded|TestPlaygroundScenarioCases|TestMatrixTenThousandPartners|TestCompactDataDecidesAsEagerAST
SERIAL_PKGS  := ./engine/ ./engine/policytest/ ./engine/decisioncache/ ./internal/httpapi/ ./internal/console/ ./bundles/
GO_SERIAL      = XTENANT_OPA_BIN=$(OPA) $(GO) test -count=1 -timeout 30m -run '^($(SERIAL_TESTS))$$' $(SERIAL_PKGS)
GO_METAMORPHIC = XTENANT_OPA_BIN=$(OPA) $(GO) test -count=1 -timeout 30m ./metamorphic/
test-go-race: $(OPA)
	XTENANT_OPA_BIN=$(OPA) $(GO) test -count=1 -race -timeout 30m -skip '^($(SERIAL_TESTS))$$' ./...
test-go: test-go-race
	$(GO_SERIAL)

test-race: test-go

# Metamorphic tests (issue 9): every scenario, transformed, through every
# path and the stock opa. Without -race (the files are built only then):
# they are slow under it and exercise no concurrency of their own.
test-metamorphic: $(OPA)
	$(GO_METAMORPHIC)

# Every shell block of README.md, run on a fresh copy of the repository
# (also part of test-go).
test-readme: $(OPA)
	XTENANT_OPA_BIN=$(OPA) $(GO) test -count=1 -run 'TestREADME|TestReadme' ./e2e

lint: vet check-imports
	$(OPA) check --strict policies

# Keeps docs/architecture.md's import arrows true.
check-imports:
	@./scripts/check-imports.sh

# Short fuzzing of every parser of outside input (go test -fuzz).
fuzz:
	@./scripts/fuzz.sh 20s

bench:
	$(GO) test -run '^$$' -bench . -benchmem -count 5 ./benchmarks/... ./engine/...
	# xtenant diff: 1,000,000 recorded decisions replayed (entries/s).
	$(GO) test -run '^$$' -bench Replay -benchtime 1x -count 3 -timeout 60m ./internal/replay

# Every benchmark once: keeps them compiling and running in CI.
bench-smoke:
	$(GO) test -run '^$$' -bench . -benchtime 1x ./benchmarks/... ./engine/...

# The web console's screenshots in docs/img, from its Chromium end-to-end
# test (cmd/xtenant; part of test-go, where XTENANT_E2E=1 makes a missing
# chromium a failure; every run keeps its screenshots in test-artifacts/console/).
.PHONY: console-screenshots
console-screenshots:
	XTENANT_E2E=1 XTENANT_README_SCREENSHOTS=1 $(GO) test -count=1 -run TestConsoleInBrowser ./cmd/xtenant

bench-http: build $(OPA)
	./benchmarks/http/run.sh

bench-scale: build $(OPA)
	./benchmarks/scale/run.sh

# 10 minutes of mixed load; fails if heap, goroutines or open fds grow.
# Not part of `make test`. SOAK_FLAGS="-duration 3m" shortens it.
soak:
	./scripts/soak.sh $(SOAK_FLAGS)

clean:
	rm -rf $(BIN)
