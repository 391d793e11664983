package engine_test

import (
	"context"
	"sync"
	"testing"

	"github.com/xtenant/xtenant/benchmarks/workload"
	"github.com/xtenant/xtenant/bundles"
	"github.com/xtenant/xtenant/engine"
	"github.com/xtenant/xtenant/tenants"
)

// TestEntryViewDecidesAsOPA: the partner entries a decision reads reach OPA
// through the store's view, converted by decodeEntry once per request.
// Decisions and explanations with pair summaries cold (the view serves the
// summary and the decision) and warm (the decision alone, without a view)
// are the bytes of an engine leaving every entry to OPA's conversion and of
// the former store (every entry converted at activation).
func TestEntryViewDecidesAsOPA(t *testing.T) {
	ctx := context.Background()
	d, p := entryData(t)
	fixed := func() string { return "id" }
	view := engine.New(engine.WithDecisionIDs(fixed))
	opa := engine.New(engine.WithDecisionIDs(fixed), engine.WithoutEntryView())
	eager := engine.New(engine.WithDecisionIDs(fixed), engine.WithEagerAST())
	for _, e := range []*engine.Engine{view, opa, eager} {
		if err := e.Activate(ctx, p); err != nil {
			t.Fatal(err)
		}
	}
	inputs := d.Inputs(120)
	for _, pass := range []string{"cold", "warm"} {
		for i, input := range inputs {
			explain := i%8 == 0
			want, err := decide(ctx, eager, input, explain)
			if err != nil {
				t.Fatal(err)
			}
			for name, e := range map[string]*engine.Engine{"view": view, "opa": opa} {
				if got, err := decide(ctx, e, input, explain); err != nil || got != want {
					t.Errorf("%s pairs, input %d, %s: %s %v\nwant %s", pass, i, name, got, err, want)
				}
			}
		}
	}
}

// generatedSet is the generated data of cfg as the tenants loader reads it.
func generatedSet(t testing.TB, cfg workload.Config) (*workload.Dataset, *tenants.Set) {
	t.Helper()
	d := workload.Generate(cfg)
	raw, err := d.TenantsJSON()
	if err != nil {
		t.Fatal(err)
	}
	ts, err := tenants.Parse("generated.json", raw)
	if err != nil {
		t.Fatal(err)
	}
	return d, ts
}

// entryData is generated data with three tenants of 100 partners each.
func entryData(t *testing.T) (*workload.Dataset, engine.Policy) {
	t.Helper()
	d, ts := generatedSet(t, workload.Config{Seed: 5, Partners: 300, PartnersPerTenant: 100})
	p, err := bundles.Builtin(ts)
	if err != nil {
		t.Fatal(err)
	}
	return d, p
}

// TestPartnerEntriesSharedAcrossGoroutines: decisions running at once share
// the converted entries (and the views' sources, the store's maps), and
// unpack the same cached pair summaries into the terms they share with the
// policy and the tenant summary (the second round finds every pair cached),
// without a race (go test -race), and decide as one at a time.
func TestPartnerEntriesSharedAcrossGoroutines(t *testing.T) {
	ctx := context.Background()
	d, p := entryData(t)
	fixed := func() string { return "id" }
	shared := engine.New(engine.WithDecisionIDs(fixed))
	alone := engine.New(engine.WithDecisionIDs(fixed))
	for _, e := range []*engine.Engine{shared, alone} {
		if err := e.Activate(ctx, p); err != nil {
			t.Fatal(err)
		}
	}
	inputs := d.Inputs(24)
	want := make([]string, len(inputs))
	for i, input := range inputs {
		var err error
		if want[i], err = decide(ctx, alone, input, false); err != nil {
			t.Fatal(err)
		}
	}
	var wg sync.WaitGroup
	for g := range 4 {
		wg.Go(func() {
			for k := range 2 * len(inputs) {
				i := (k + 6*g) % len(inputs) // each goroutine from its own start
				if got, err := decide(ctx, shared, inputs[i], false); err != nil || got != want[i] {
					t.Errorf("goroutine %d input %d: %s %v\nwant %s", g, i, got, err, want[i])
				}
			}
		})
	}
	wg.Wait()
	if st := shared.PairCacheStats(); st.Hits == 0 {
		t.Errorf("no decision found its pair cached: %+v", st)
	}
}
