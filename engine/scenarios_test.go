package engine_test

import (
	"context"
	"testing"

	"github.com/xtenant/xtenant/bundles"
	"github.com/xtenant/xtenant/engine"
	"github.com/xtenant/xtenant/engine/scenario"
)

const scenarioDir = "../testdata/scenarios"

// TestScenarios runs every shared scenario through the real engine and the
// built-in policy.
func TestScenarios(t *testing.T) {
	files, err := scenario.LoadDir(scenarioDir)
	if err != nil {
		t.Fatal(err)
	}
	if len(files) == 0 {
		t.Fatalf("no scenarios in %s", scenarioDir)
	}
	for _, f := range files {
		t.Run(f.Name, func(t *testing.T) {
			if f.Pending != "" {
				t.Skip("pending: " + f.Pending)
			}
			e := activateScenario(t, f)
			for _, c := range f.Cases {
				t.Run(c.Name, func(t *testing.T) {
					if c.Pending != "" {
						t.Skip("pending: " + c.Pending)
					}
					req, err := engine.DecodeRequest(c.Input)
					if err != nil {
						t.Fatalf("input: %v", err)
					}
					d, err := e.Evaluate(context.Background(), req)
					if err != nil {
						t.Fatalf("evaluate: %v", err)
					}
					for _, diff := range scenario.Compare(c.Expect, d) {
						t.Error(diff)
					}
				})
			}
		})
	}
}

func activateScenario(t testing.TB, f *scenario.File) *engine.Engine {
	t.Helper()
	return activatePolicy(t, scenarioPolicy(t, f))
}

// scenarioPolicy is the built-in policy over the tenants of f.
func scenarioPolicy(t testing.TB, f *scenario.File) engine.Policy {
	t.Helper()
	ts, err := f.TenantSet()
	if err != nil {
		t.Fatal(err)
	}
	p, err := bundles.Builtin(ts)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func activatePolicy(t testing.TB, p engine.Policy) *engine.Engine {
	t.Helper()
	e := engine.New()
	if err := e.Activate(context.Background(), p); err != nil {
		t.Fatal(err)
	}
	return e
}
