package engine_test

import (
	"context"
	"encoding/json"
	"maps"
	"os"
	"reflect"
	"strconv"
	"testing"

	"github.com/xtenant/xtenant/benchmarks/workload"
	"github.com/xtenant/xtenant/bundles"
	"github.com/xtenant/xtenant/engine"
	"github.com/xtenant/xtenant/engine/scenario"
	"github.com/xtenant/xtenant/tenants"
)

// TestCompactDataDecidesAsEagerAST: the engine's store holds tenant data as
// the loader left it (Go values, partner entries as canonical JSON bytes)
// and OPA converts what a decision reads. Every decision and explanation
// must be byte for byte the one of the former engine, which converted the
// whole document, every partner entry decoded, to AST values at
// activation: every scenario case, and generated inputs over 2,000 partner
// entries: 1,000 by default (200 with -race), XTENANT_AGREE_INPUTS for more
// (README: XTENANT_AGREE_INPUTS=10000 go test -run TestCompactDataDecidesAsEagerAST ./engine).
func TestCompactDataDecidesAsEagerAST(t *testing.T) {
	files, err := scenario.LoadDir(scenarioDir)
	if err != nil {
		t.Fatal(err)
	}
	compared := 0
	for _, f := range files {
		ts, err := f.TenantSet()
		if err != nil {
			t.Fatal(err)
		}
		var inputs [][]byte
		for _, c := range f.Cases {
			inputs = append(inputs, c.Input)
		}
		compared += compareStores(t, f.Name, ts, inputs)
	}
	n := 1000
	if engine.RaceEnabled {
		n = 200
	}
	if v := os.Getenv("XTENANT_AGREE_INPUTS"); v != "" {
		if n, err = strconv.Atoi(v); err != nil || n < 1 {
			t.Fatalf("XTENANT_AGREE_INPUTS=%q: expected a positive count", v)
		}
	}
	d, ts := generatedSet(t, workload.Config{Seed: 3, Partners: 2000, PartnersPerTenant: 500})
	compared += compareStores(t, "generated", ts, d.Inputs(n))
	t.Logf("%d decisions compared", compared)
}

// compareStores decides every input (and its explanation) with both
// stores and reports any difference; it returns the decisions compared.
func compareStores(t *testing.T, name string, ts *tenants.Set, inputs [][]byte) int {
	t.Helper()
	compact, err := bundles.Builtin(ts)
	if err != nil {
		t.Fatal(err)
	}
	// The former data: every partner entry decoded (Set.Tenants).
	eager := compact
	eager.Data = maps.Clone(compact.Data)
	xt := maps.Clone(compact.Data["xtenant"].(map[string]any))
	xt["tenants"] = ts.Tenants()
	eager.Data["xtenant"] = xt
	fixed := func() string { return "id" }
	newEngine := engine.New(engine.WithDecisionIDs(fixed))
	oldEngine := engine.New(engine.WithDecisionIDs(fixed), engine.WithEagerAST())
	ctx := context.Background()
	if err := newEngine.Activate(ctx, compact); err != nil {
		t.Fatal(err)
	}
	if err := oldEngine.Activate(ctx, eager); err != nil {
		t.Fatal(err)
	}
	n := 0
	for i, input := range inputs {
		for _, explain := range []bool{false, true} {
			if explain && i%10 != 0 {
				continue // explanations of a tenth of the inputs
			}
			got, err1 := decide(ctx, newEngine, input, explain)
			want, err2 := decide(ctx, oldEngine, input, explain)
			if (err1 == nil) != (err2 == nil) || got != want {
				t.Errorf("%s input %d (explain %v):\ncompact: %s %v\neager:   %s %v\ninput: %s", name, i, explain, got, err1, want, err2, input)
				continue
			}
			n++
		}
	}
	return n
}

func decide(ctx context.Context, e *engine.Engine, input []byte, explain bool) (string, error) {
	req, err := engine.DecodeRequest(input)
	if err != nil {
		return "", err
	}
	req.Explain = explain
	d, err := e.Evaluate(ctx, req)
	if err != nil {
		return "", err
	}
	b, err := json.Marshal(d)
	return string(b), err
}

// Data API reads of paths inside compacted values (a partner entry's
// member, a member of a tenant's converted settings) answer what the
// former store answered.
func TestCompactDataPathReads(t *testing.T) {
	ts, err := bundles.ExampleTenants()
	if err != nil {
		t.Fatal(err)
	}
	compact, err := bundles.Builtin(ts)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	newEngine, oldEngine := engine.New(), engine.New(engine.WithEagerAST())
	if err := newEngine.Activate(ctx, compact); err != nil {
		t.Fatal(err)
	}
	if err := oldEngine.Activate(ctx, compact); err != nil {
		t.Fatal(err)
	}
	const contoso, fabrikam = "22222222-2222-2222-2222-222222222222", "11111111-1111-1111-1111-111111111111"
	entry := "xtenant/tenants/" + contoso + "/crossTenantAccessPolicy/partners/" + fabrikam
	defined := 0
	for _, path := range []string{
		entry, entry + "/tenantId", entry + "/b2bCollaborationInbound/usersAndGroups/targets/0",
		entry + "/nothing", entry + "/b2bCollaborationInbound/usersAndGroups/targets/9",
		"xtenant/tenants/" + contoso + "/displayName", "xtenant/tenants/" + contoso + "/conditionalAccessPolicies/0/id",
		"xtenant/tenants/" + contoso + "/crossTenantAccessPolicy/default", "xtenant/tenants", "",
	} {
		got, gotDef, err1 := newEngine.Query(ctx, path, nil)
		want, wantDef, err2 := oldEngine.Query(ctx, path, nil)
		if err1 != nil || err2 != nil || gotDef != wantDef || !reflect.DeepEqual(got, want) {
			t.Errorf("%s: compact %v %v %v; eager %v %v %v", path, got, gotDef, err1, want, wantDef, err2)
		}
		if gotDef {
			defined++
		}
	}
	if defined < 6 {
		t.Errorf("only %d paths defined: the example tenants changed?", defined)
	}
}
