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

// TestPartnerEntriesConvertedOnce: the partner entries a decision reads reach
// OPA through the store's view, converted once per snapshot (the entry
// cache) and shared by later decisions. Decisions with the cache cold, warm
// and off, and those of the former store (every entry converted at
// activation), are the same bytes; an entry is cached exactly when the
// tenant has one for the partner, and never when the pair cache budget is
// zero.
func TestPartnerEntriesConvertedOnce(t *testing.T) {
	ctx := context.Background()
	d, ts, p := entryData(t)
	fixed := func() string { return "id" }
	cached := engine.New(engine.WithDecisionIDs(fixed))
	off := engine.New(engine.WithDecisionIDs(fixed), engine.WithPairCacheBytes(0))
	eager := engine.New(engine.WithDecisionIDs(fixed), engine.WithEagerAST())
	for _, e := range []*engine.Engine{cached, off, eager} {
		if err := e.Activate(ctx, p); err != nil {
			t.Fatal(err)
		}
	}
	hasEntry := func(x, y string) bool {
		tenant, _ := ts.Data()["tenants"].(map[string]any)[x].(map[string]any)
		ctap, _ := tenant["crossTenantAccessPolicy"].(map[string]any)
		partners, _ := ctap["partners"].(map[string]any)
		_, ok := partners[y]
		return ok
	}
	inputs := d.Inputs(120)
	withEntry := 0
	for pass, name := range []string{"cold", "warm"} {
		for i, input := range inputs {
			req, err := engine.DecodeRequest(input)
			if err != nil {
				t.Fatal(err)
			}
			want, err := decide(ctx, eager, input, false)
			if err != nil {
				t.Fatal(err)
			}
			for ename, e := range map[string]*engine.Engine{"cached": cached, "off": off} {
				got, err := decide(ctx, e, input, false)
				if err != nil || got != want {
					t.Errorf("%s input %d, entry cache %s: %s %v\nwant %s", name, i, ename, got, err, want)
				}
			}
			home, resource := req.HomeTenant, req.ResourceTenant
			for _, xy := range [][2]string{{resource, home}, {home, resource}} {
				has := hasEntry(xy[0], xy[1])
				if got := cached.EntryCached(xy[0], xy[1]); got != has {
					t.Errorf("%s input %d: entry %s→%s cached %v, tenant has one %v", name, i, xy[0], xy[1], got, has)
				}
				if off.EntryCached(xy[0], xy[1]) {
					t.Errorf("%s input %d: entry %s→%s cached with a zero budget", name, i, xy[0], xy[1])
				}
				if has && pass == 0 {
					withEntry++
				}
			}
		}
	}
	if withEntry < len(inputs)/2 {
		t.Fatalf("only %d partner entries read by %d inputs: the data does not exercise the view", withEntry, len(inputs))
	}
	cached.ForgetPairs()
	req, _ := engine.DecodeRequest(inputs[0])
	if cached.EntryCached(req.ResourceTenant, req.HomeTenant) {
		t.Error("ForgetPairs left converted entries")
	}
}

// entryData is generated data with three tenants of 100 partners each.
func entryData(t *testing.T) (*workload.Dataset, *tenants.Set, engine.Policy) {
	t.Helper()
	d := workload.Generate(workload.Config{Seed: 5, Partners: 300, PartnersPerTenant: 100})
	raw, err := d.TenantsJSON()
	if err != nil {
		t.Fatal(err)
	}
	ts, err := tenants.Parse("generated.json", raw)
	if err != nil {
		t.Fatal(err)
	}
	p, err := bundles.Builtin(ts)
	if err != nil {
		t.Fatal(err)
	}
	return d, ts, p
}

// TestPartnerEntriesSharedAcrossGoroutines: decisions running at once share
// the converted entries (and the views' sources, the store's maps) without
// a race (go test -race) and decide as one at a time.
func TestPartnerEntriesSharedAcrossGoroutines(t *testing.T) {
	ctx := context.Background()
	d, _, p := entryData(t)
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
			for k := range inputs {
				i := (k + 6*g) % len(inputs) // each goroutine from its own start
				if got, err := decide(ctx, shared, inputs[i], false); err != nil || got != want[i] {
					t.Errorf("goroutine %d input %d: %s %v\nwant %s", g, i, got, err, want[i])
				}
			}
		})
	}
	wg.Wait()
}
