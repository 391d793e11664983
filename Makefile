# xtenant — make targets. `make run` serves the built-in policy and example
# tenants on 127.0.0.1:8181; `make test` is what CI runs.
SHELL        := /bin/bash
GO           ?= go
BIN          := $(CURDIR)/bin
OPA_VERSION  := $(shell $(GO) list -m -f '{{.Version}}' github.com/open-policy-agent/opa)
OPA          := $(BIN)/opa-$(OPA_VERSION)
COVERAGE_MIN ?= 95

.PHONY: all build run test test-go test-race test-metamorphic test-rego vet lint check-imports fuzz bench bench-smoke bench-http bench-scale opa clean

all: build

build:
	$(GO) build -o $(BIN)/xtenant ./cmd/xtenant

run: build
	$(BIN)/xtenant serve --log-format text

# The stock opa binary at the version in go.mod, built from the module proxy.
opa: $(OPA)
$(OPA):
	GOBIN=$(BIN) $(GO) install github.com/open-policy-agent/opa@$(OPA_VERSION)
	mv $(BIN)/opa $(OPA)

test: vet check-imports test-rego test-go test-metamorphic bench-smoke

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

# Every Go test once, under the race detector (engine, server, bundles and
# the rest). XTENANT_OPA_BIN: bundle tests compare decisions with the stock
# opa binary; XTENANT_E2E=1 (set by .ci/run) makes a missing nginx a failure.
test-go: $(OPA)
	XTENANT_OPA_BIN=$(OPA) $(GO) test -count=1 -race ./...

test-race: test-go

# Metamorphic tests (issue 9): every scenario, transformed, through every
# path and the stock opa. Without -race (the files are built only then):
# they are slow under it and exercise no concurrency of their own.
test-metamorphic: $(OPA)
	XTENANT_OPA_BIN=$(OPA) $(GO) test -count=1 -timeout 30m ./metamorphic/
	$(GO) test -count=1 -run TestPairSummaryMatchesFullEvaluation ./engine/

lint: vet check-imports
	$(OPA) check --strict policies

# Keeps ARCHITECTURE.md's import arrows true.
check-imports:
	@./scripts/check-imports.sh

# Short fuzzing of every parser of outside input (go test -fuzz).
fuzz:
	@./scripts/fuzz.sh 20s

bench:
	$(GO) test -run '^$$' -bench . -benchmem -count 5 ./benchmarks/... ./engine/...

# Every benchmark once: keeps them compiling and running in CI.
bench-smoke:
	$(GO) test -run '^$$' -bench . -benchtime 1x ./benchmarks/... ./engine/...

bench-http: build $(OPA)
	./benchmarks/http/run.sh

bench-scale: build $(OPA)
	./benchmarks/scale/run.sh

clean:
	rm -rf $(BIN)
