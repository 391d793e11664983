package benchmarks

import (
	"context"
	"fmt"
	"os"
	"sync"
	"testing"

	"github.com/xtenant/xtenant/benchmarks/workload"
	"github.com/xtenant/xtenant/bundles"
	"github.com/xtenant/xtenant/engine"
	"github.com/xtenant/xtenant/tenants"
)

const (
	seed       = 1
	poolInputs = 1000 // distinct inputs each evaluation benchmark cycles through
)

// sizes is the partner-configuration sweep.
func sizes() []int {
	s := []int{1000, 10000}
	if os.Getenv("XTENANT_BENCH_LARGE") == "1" {
		s = append(s, 100000)
	}
	return s
}

// fixture is one size of the sweep, built once per test binary: generating,
// parsing and activating 10,000 partners takes seconds, and every benchmark
// of that size shares it (read-only).
type fixture struct {
	partners    int
	tenantsJSON []byte
	set         *tenants.Set
	policy      engine.Policy
	engine      *engine.Engine
	inputs      [][]byte
}

// fixtures memoises fixtures per size for the life of the test binary.
var fixtures sync.Map // int -> func() (*fixture, error)

func getFixture(b *testing.B, partners int) *fixture {
	b.Helper()
	once, _ := fixtures.LoadOrStore(partners, sync.OnceValues(func() (*fixture, error) { return buildFixture(partners) }))
	f, err := once.(func() (*fixture, error))()
	if err != nil {
		b.Fatal(err)
	}
	return f
}

func buildFixture(partners int) (*fixture, error) {
	d := workload.Generate(workload.Config{Seed: seed, Partners: partners})
	raw, err := d.TenantsJSON()
	if err != nil {
		return nil, err
	}
	set, err := tenants.Parse("generated.json", raw)
	if err != nil {
		return nil, fmt.Errorf("generated tenants (%d partners): %w", partners, err)
	}
	policy, err := bundles.Builtin(set)
	if err != nil {
		return nil, err
	}
	e := engine.New()
	if err := e.Activate(context.Background(), policy); err != nil {
		return nil, fmt.Errorf("activate %d partners: %w", partners, err)
	}
	f := &fixture{partners: partners, tenantsJSON: raw, set: set, policy: policy, engine: e, inputs: d.Inputs(poolInputs)}
	// Inputs must be decided, else the benchmarks would time errors. A
	// sample keeps bench-smoke fast (the workload tests check every input
	// against the decoder).
	for i, in := range f.inputs[:100] {
		req, err := engine.DecodeRequest(in)
		if err != nil {
			return nil, fmt.Errorf("input %d: %w", i, err)
		}
		if _, err := e.Evaluate(context.Background(), req); err != nil {
			return nil, fmt.Errorf("input %d: %w", i, err)
		}
	}
	return f, nil
}

// requests decodes the input pool once.
func (f *fixture) requests(b *testing.B) []*engine.Request {
	b.Helper()
	reqs := make([]*engine.Request, len(f.inputs))
	for i, in := range f.inputs {
		r, err := engine.DecodeRequest(in)
		if err != nil {
			b.Fatal(err)
		}
		reqs[i] = r
	}
	return reqs
}

func sizeName(n int) string { return fmt.Sprintf("partners=%d", n) }
