package engine_test

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/xtenant/xtenant/engine"
	"github.com/xtenant/xtenant/engine/scenario"
)

// TestPairSummaryMatchesFullEvaluation: for every scenario case and a few
// variants of it, the decision and explanation Evaluate gives with the pair
// summary cache (cold, and shared across requests) equal the ones of the plain OPA path
// (Query), which computes the whole policy from the request alone, as a
// stock opa does.
func TestPairSummaryMatchesFullEvaluation(t *testing.T) {
	files, err := scenario.LoadDir(scenarioDir)
	if err != nil {
		t.Fatal(err)
	}
	compared := 0
	for _, f := range files {
		e := activateScenario(t, f)
		var inputs [][]byte
		for _, c := range f.Cases {
			inputs = append(inputs, pairVariants(t, c.Input)...)
		}
		// Cold: the summary is computed for this very request. Shared: the
		// cache keeps what earlier requests (other users, other pairs, in
		// either order) left in it.
		// Cold tenant: the resource tenant's summary is computed for this
		// very request too; cold: it is shared with earlier requests.
		passes := []string{"cold-tenant", "cold", "shared", "shared-reversed", "tiny-budget"}
		if engine.RaceEnabled {
			// These passes run one request at a time: the race detector
			// finds nothing in them, and CI's -race budget is tight. All
			// five run without it (make test-metamorphic runs this test).
			passes = []string{"cold-tenant", "tiny-budget"}
		}
		for _, pass := range passes {
			switch pass {
			case "shared-reversed":
				slices.Reverse(inputs)
			case "tiny-budget": // summaries are evicted all the time
				e.ForgetPairs()
				e.SetPairBudget(16 << 10)
			}
			for _, input := range inputs {
				switch pass {
				case "cold-tenant":
					e.ForgetSummaries()
				case "cold":
					e.ForgetPairs()
				}
				if comparePairWithPlain(t, e, f.Name+" "+pass, input) {
					compared++
				}
			}
		}
	}
	t.Logf("%d decisions compared", compared)
}

// comparePairWithPlain evaluates input through Evaluate (pair cache) and
// Query (plain) and reports differences; false when the decoder refuses it.
func comparePairWithPlain(t *testing.T, e *engine.Engine, name string, input []byte) bool {
	t.Helper()
	ctx := context.Background()
	req, err := engine.DecodeRequest(input)
	if err != nil {
		return false // a variant the contract refuses
	}
	req.Explain = true
	d, err := e.Evaluate(ctx, req)
	if err != nil {
		t.Fatalf("%s: evaluate: %v", name, err)
	}
	got := jsonValue(t, d).(map[string]any)
	explain := got["explain"]
	for _, k := range []string{"decision_id", "revision", "explain"} {
		delete(got, k)
	}
	var plainInput any
	if err := json.Unmarshal(jsonBytes(t, req), &plainInput); err != nil {
		t.Fatal(err)
	}
	want, _, err := e.Query(ctx, engine.DecisionPath, plainInput)
	if err != nil {
		t.Fatal(err)
	}
	wantExplain, _, err := e.Query(ctx, engine.ExplainPath, plainInput)
	if err != nil {
		t.Fatal(err)
	}
	// Through the Decision type, as the engine reports it.
	var plain engine.Decision
	if err := json.Unmarshal(jsonBytes(t, want), &plain); err != nil {
		t.Fatal(err)
	}
	wantMap := jsonValue(t, plain).(map[string]any)
	delete(wantMap, "decision_id")
	delete(wantMap, "revision")
	if !reflect.DeepEqual(got, wantMap) {
		t.Errorf("%s %s:\n pair:  %s\n plain: %s", name, input, jsonBytes(t, got), jsonBytes(t, wantMap))
	}
	if !reflect.DeepEqual(jsonValue(t, explain), jsonValue(t, wantExplain)) {
		t.Errorf("%s %s: explain differs", name, input)
	}
	return true
}

// pairVariants: the case itself, with each sign-in access type, with an
// Entra and a non-Entra identity, and with its tenants swapped, so that cached pairs are reused by other requests.
func pairVariants(t *testing.T, input json.RawMessage) [][]byte {
	var m map[string]any
	if err := json.Unmarshal(input, &m); err != nil {
		t.Fatal(err)
	}
	out := [][]byte{input}
	for _, at := range []string{"b2b_collaboration", "b2b_direct_connect", "identity_sync"} {
		v := clone(t, m)
		v["access_type"] = at
		out = append(out, jsonBytes(t, v))
	}
	for _, kind := range []string{"entra", "msa"} {
		v := clone(t, m)
		v["identity_kind"] = kind
		out = append(out, jsonBytes(t, v))
	}
	v := clone(t, m)
	v["home_tenant"], v["resource_tenant"] = m["resource_tenant"], m["home_tenant"]
	return append(out, jsonBytes(t, v))
}

// TestTenantSummaryShared: the resource tenant's summary is computed once
// for the pairs of every partner, dies with its snapshot (a reload starts
// without it), and a policy without the tenant summary rule decides alike,
// its pair summaries computed whole.
func TestTenantSummaryShared(t *testing.T) {
	ctx := context.Background()
	files, err := scenario.LoadDir(scenarioDir)
	if err != nil {
		t.Fatal(err)
	}
	const resource = "22222222-2222-2222-2222-222222222222"
	req := func(home string) *engine.Request {
		return &engine.Request{AccessType: engine.AccessB2BCollaboration, HomeTenant: home, ResourceTenant: resource,
			User:        &engine.User{ID: "a1a1a1a1-0000-4000-8000-000000000001"},
			Application: &engine.Application{ID: "00000003-0000-0ff1-ce00-000000000000"}}
	}
	e := activateScenario(t, files[0])
	if cached, enabled := e.TenantCached(resource); cached || !enabled {
		t.Fatalf("fresh snapshot: tenant summary cached %v, enabled %v; want not cached, enabled", cached, enabled)
	}
	if _, err := e.Evaluate(ctx, req("a0000000-0000-4000-8000-000000000001")); err != nil {
		t.Fatal(err)
	}
	if cached, _ := e.TenantCached(resource); !cached {
		t.Fatal("the resource tenant's summary is not cached after a decision")
	}
	e.ForgetPairs()
	if _, err := e.Evaluate(ctx, req("b0000000-0000-4000-8000-000000000001")); err != nil {
		t.Fatal(err)
	}
	if st := e.PairCacheStats(); st.Entries != 2 || st.Bytes <= 0 {
		t.Fatalf("pair cache stats = %+v, want one pair and its tenant's summary", st)
	}

	// A reload: a new snapshot, no tenant summary until a decision needs it.
	if err := e.Activate(ctx, scenarioPolicy(t, files[0])); err != nil {
		t.Fatal(err)
	}
	if cached, _ := e.TenantCached(resource); cached {
		t.Fatal("a reload kept the previous snapshot's tenant summary")
	}

	// The same policy with its tenant summary rule renamed: the engine
	// finds none to substitute and the policy computes it in every pair
	// summary, as before the tenant summary existed.
	for _, f := range files[:min(len(files), 4)] {
		p := scenarioPolicy(t, f)
		withTenant := activatePolicy(t, p)
		renamed := p
		renamed.Modules = make(map[string]string, len(p.Modules))
		for name, src := range p.Modules {
			renamed.Modules[name] = strings.ReplaceAll(src, "resource_tenant_summary", "resource_tenant_facts")
		}
		without := activatePolicy(t, renamed)
		if _, enabled := without.TenantCached(resource); enabled {
			t.Fatal("a policy without resource_tenant_summary: the engine computes tenant summaries")
		}
		for _, c := range f.Cases {
			a, errA := decideJSON(t, withTenant, c.Input)
			b, errB := decideJSON(t, without, c.Input)
			if (errA == nil) != (errB == nil) || !reflect.DeepEqual(a, b) {
				t.Errorf("%s %s: with tenant summary %v (%v), without %v (%v)", f.Name, c.Input, a, errA, b, errB)
			}
		}
	}
}

// decideJSON evaluates input with its explanation, as JSON values without the
// decision id and revision; nil when the decoder refuses it.
func decideJSON(t *testing.T, e *engine.Engine, input []byte) (any, error) {
	t.Helper()
	req, err := engine.DecodeRequest(input)
	if err != nil {
		return nil, nil
	}
	req.Explain = true
	d, err := e.Evaluate(context.Background(), req)
	if err != nil {
		return nil, err
	}
	m := jsonValue(t, d).(map[string]any)
	delete(m, "decision_id")
	delete(m, "revision")
	return m, nil
}

// TestQueryIgnoresForgedPair: a client cannot hand the policy a pair
// summary through the Data API, whatever the input member's name: the
// decision is the same with or without it, and tenant_pair is computed
// whole. The decision request decoder refuses such a member.
func TestQueryIgnoresForgedPair(t *testing.T) {
	ctx := context.Background()
	e := exampleEngine(t)
	var input map[string]any
	if err := jsonUnmarshal(validCollab, &input); err != nil {
		t.Fatal(err)
	}
	want, _, err := e.Query(ctx, engine.DecisionPath, input)
	if err != nil {
		t.Fatal(err)
	}
	wantPair, ok, err := e.Query(ctx, engine.PairSummaryPath, input)
	if err != nil || !ok {
		t.Fatalf("tenant_pair_computed: %v, defined %v", err, ok)
	}
	summary := map[string]any{
		"configuration_reasons": []any{map[string]any{
			"code": "FORGED", "stage": "configuration", "tenant": nil, "setting": nil,
			"rule": "forged", "aadsts": nil, "message": "forged",
		}},
		"consent_prompt": false,
		"home_outbound":  map[string]any{"permits_whom": "none"},
	}
	for _, member := range []string{"xtenant_pair", "pair", "request", "tenant_pair", "tenant_pair_computed",
		"resource_tenant_summary", "xtenant_engine_pair_summary", "tr_facts", "xtenant_engine_restriction_facts"} {
		forged := clone(t, input)
		forged[member] = summary
		got, _, err := e.Query(ctx, engine.DecisionPath, forged)
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("forged %s changed the decision:\n got  %v\n want %v", member, got, want)
		}
		gotPair, _, err := e.Query(ctx, "xtenant/access/tenant_pair", forged)
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(gotPair, wantPair) {
			t.Errorf("forged %s: data.xtenant.access.tenant_pair is not tenant_pair_computed", member)
		}
	}
	body := strings.TrimSuffix(validCollab, "}") + `,"xtenant_pair":{}}`
	if _, err := engine.DecodeRequest([]byte(body)); err == nil {
		t.Fatal("DecodeRequest accepted xtenant_pair")
	}
}

func jsonBytes(t *testing.T, v any) []byte {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func jsonValue(t *testing.T, v any) any {
	t.Helper()
	var out any
	if err := json.Unmarshal(jsonBytes(t, v), &out); err != nil {
		t.Fatal(err)
	}
	return out
}

func clone(t *testing.T, m map[string]any) map[string]any {
	t.Helper()
	return jsonValue(t, m).(map[string]any)
}

// TestPairCacheKeepsPairsInUse: a pair in use stays cached while more new
// pairs than the budget holds pass through, each seen once (home tenants no
// setting names).
func TestPairCacheKeepsPairsInUse(t *testing.T) {
	if engine.RaceEnabled {
		t.Skip("the race detector drops part of the lookups ristretto records (sync.Pool), on which admission rests")
	}
	files, err := scenario.LoadDir(scenarioDir)
	if err != nil {
		t.Fatal(err)
	}
	e := activateScenario(t, files[0])
	e.SetPairBudget(64 << 10)
	req := func(home string) *engine.Request {
		return &engine.Request{AccessType: engine.AccessB2BCollaboration, HomeTenant: home,
			ResourceTenant: "22222222-2222-2222-2222-222222222222",
			User:           &engine.User{ID: "a1a1a1a1-0000-4000-8000-000000000001"},
			Application:    &engine.Application{ID: "00000003-0000-0ff1-ce00-000000000000"}}
	}
	inUse := req("a0000000-0000-4000-8000-000000000001")
	for i := range 300 {
		if i%3 == 0 {
			if _, err := e.Evaluate(context.Background(), inUse); err != nil {
				t.Fatal(err)
			}
		}
		once := req(fmt.Sprintf("b%07d-0000-4000-8000-000000000001", i))
		if _, err := e.Evaluate(context.Background(), once); err != nil {
			t.Fatal(err)
		}
	}
	if st := e.PairCacheStats(); st.Bytes > 64<<10 || st.Misses < 300 {
		t.Errorf("cache stats %+v: want at most 64 KiB held and every new pair a miss", st)
	}
	if !e.PairCached(inUse) {
		t.Error("the pair in use was pushed out by pairs seen once")
	}
}

// TestPairCacheStats: the first decision of a pair misses, the next hits,
// and the console's counters say so; the cache holds the pair's summary and
// its resource tenant's.
func TestPairCacheStats(t *testing.T) {
	e := exampleEngine(t)
	req := func() *engine.Request {
		return &engine.Request{AccessType: engine.AccessB2BCollaboration,
			HomeTenant: "11111111-1111-1111-1111-111111111111", ResourceTenant: "22222222-2222-2222-2222-222222222222",
			User:        &engine.User{ID: "aaaaaaaa-0000-0000-0000-000000000001"},
			Application: &engine.Application{ID: "00000003-0000-0ff1-ce00-000000000000"}}
	}
	for range 3 {
		if _, err := e.Evaluate(context.Background(), req()); err != nil {
			t.Fatal(err)
		}
	}
	got := e.PairCacheStats()
	if got.Hits != 2 || got.Misses != 1 || got.Entries != 2 {
		t.Fatalf("pair cache stats = %+v, want 2 hits, 1 miss, 2 entries", got)
	}
}

// TestPairRuleRedefinedFallsBack: a policy whose tenant_pair is not plainly
// tenant_pair_computed must not get the cached summary in its place (the
// two would differ); the engine evaluates it whole and decides as the Data
// API does. The redefinitions change decisions, so a substitution would show.
func TestPairRuleRedefinedFallsBack(t *testing.T) {
	files, err := scenario.LoadDir(scenarioDir)
	if err != nil {
		t.Fatal(err)
	}
	const plainRule = "tenant_pair := tenant_pair_computed\n"
	redefinitions := []string{
		`tenant_pair := object.union(tenant_pair_computed, {"consent_prompt": tenant_pair_computed.consent_prompt == false})` + "\n",
		`tenant_pair := tenant_pair_computed if input.access_type == "none" else := object.union(tenant_pair_computed, {"consent_prompt": tenant_pair_computed.consent_prompt == false})` + "\n",
	}
	for _, redefined := range redefinitions {
		changed := 0
		for _, f := range files[:min(len(files), 3)] {
			e, n := decideRedefined(t, f, plainRule, redefined)
			changed += n
			if st := e.PairCacheStats(); st.Hits+st.Misses != 0 {
				t.Fatalf("redefined tenant_pair: the engine used pair summaries (%+v)", st)
			}
		}
		if changed == 0 {
			t.Fatalf("redefinition %q changed no decision: the test shows nothing", redefined)
		}
	}
}

// decideRedefined activates the policy of f with plainRule replaced by
// redefined, checks its decisions of f's cases against the Data API's
// (comparePairWithPlain) and counts those that differ from the original
// policy's.
func decideRedefined(t *testing.T, f *scenario.File, plainRule, redefined string) (e *engine.Engine, changed int) {
	t.Helper()
	p := scenarioPolicy(t, f)
	original := activatePolicy(t, p)
	q := p
	q.Modules = make(map[string]string, len(p.Modules))
	replaced := 0
	for name, src := range p.Modules {
		if strings.Contains(src, plainRule) {
			replaced++
			src = strings.Replace(src, plainRule, redefined, 1)
		}
		q.Modules[name] = src
	}
	if replaced != 1 {
		t.Fatalf("%d modules define %q, want 1", replaced, plainRule)
	}
	e = activatePolicy(t, q)
	for _, c := range f.Cases {
		if comparePairWithPlain(t, e, f.Name+" redefined", c.Input) {
			a, _ := decideJSON(t, original, c.Input)
			b, _ := decideJSON(t, e, c.Input)
			if !reflect.DeepEqual(a, b) {
				changed++
			}
		}
	}
	return e, changed
}

// TestSummaryBuiltinsNotInPolicies: the engine's built-ins exist only in its
// own compiler; a bundle calling one is refused, as stock opa would refuse
// it.
func TestSummaryBuiltinsNotInPolicies(t *testing.T) {
	for _, call := range []string{"xtenant_engine_pair_summary()", "xtenant_engine_tenant_summary()", `xtenant_engine_restriction_facts("a", "b")`} {
		err := engine.New().Activate(context.Background(), policyReturning("r1", "decision := "+call))
		if err == nil {
			t.Errorf("a policy calling the engine's built-in %s was activated", call)
		}
	}
}

// TestTenantRuleRedefinedFallsBack: a policy whose resource_tenant_summary
// is not plainly tenant_summary(resource) must not get the cached tenant
// summary in its place; the engine has each pair summary and decision
// compute it and decides as the Data API does. The redefinition reads the
// request beyond the resource tenant, which the tenant summary query never
// sees (its input is the resource tenant alone): a substitution would decide
// otherwise, and the redefinition changes decisions, so it would show.
func TestTenantRuleRedefinedFallsBack(t *testing.T) {
	files, err := scenario.LoadDir(scenarioDir)
	if err != nil {
		t.Fatal(err)
	}
	const plainRule = "resource_tenant_summary := tenant_summary(resource)\n"
	redefined := `resource_tenant_summary := object.union(tenant_summary(resource), {"ca_setting_violations": [], "ca_evaluated": []}) if input.access_type == "b2b_collaboration" else := tenant_summary(resource)` + "\n"
	changed := 0
	for i, f := range files {
		if i >= 3 && changed > 0 {
			break // enough to show it; every file takes a second
		}
		e, n := decideRedefined(t, f, plainRule, redefined)
		changed += n
		if _, enabled := e.TenantCached("x"); enabled {
			t.Fatal("redefined resource_tenant_summary: the engine hands tenant summaries over")
		}
		if st := e.PairCacheStats(); st.Misses == 0 {
			t.Fatalf("redefined resource_tenant_summary: no pair summary computed (%+v)", st)
		}
	}
	if changed == 0 {
		t.Fatalf("redefinition %q changed no decision: the test shows nothing", redefined)
	}
}

// TestSummaryBuiltinNameTaken: a policy with a rule of a built-in's name in
// the package, or an import of that name in the module of the rule the
// engine rewrites, does not have that rule handed over (the name would not
// reach the engine's function): without the pair summary's it is evaluated
// whole, without the tenant summary's its pair summaries compute it. It
// decides as the Data API does.
func TestSummaryBuiltinNameTaken(t *testing.T) {
	files, err := scenario.LoadDir(scenarioDir)
	if err != nil {
		t.Fatal(err)
	}
	f := files[0]
	const pairRule, tenantRule = "tenant_pair := tenant_pair_computed", "resource_tenant_summary := tenant_summary(resource)"
	cases := []struct {
		name, rule string
		// imp goes into the module of rule, extra is a module of its own
		imp, extra string
	}{
		{"pair rule", pairRule, "", "xtenant_engine_pair_summary := {}"},
		{"pair import", pairRule, "import data.xtenant.options as xtenant_engine_pair_summary", ""},
		{"tenant rule", tenantRule, "", "xtenant_engine_tenant_summary := {}"},
		{"tenant import", tenantRule, "import data.xtenant.options as xtenant_engine_tenant_summary", ""},
		// The rule reads as plain text, but its argument is another value.
		{"tenant argument import", tenantRule, "import input.resource_tenant as resource", ""},
	}
	for _, tc := range cases {
		p := scenarioPolicy(t, f)
		p.Modules = maps.Clone(p.Modules)
		if tc.imp != "" {
			n := 0
			for name, src := range p.Modules {
				if strings.Contains(src, "\n"+tc.rule+"\n") {
					p.Modules[name] = strings.Replace(src, "package xtenant.access\n", "package xtenant.access\n\n"+tc.imp+"\n", 1)
					n++
				}
			}
			if n != 1 {
				t.Fatalf("%s: %d modules define %q, want 1", tc.name, n, tc.rule)
			}
		} else {
			p.Modules["engine_name_taken.rego"] = "package xtenant.access\n\n" + tc.extra + "\n"
		}
		e := activatePolicy(t, p)
		for _, c := range f.Cases {
			comparePairWithPlain(t, e, f.Name+" "+tc.name, c.Input)
		}
		// A name of the tenant summary's taken leaves the pair summary
		// handed over, computed with the tenant summary whole.
		st := e.PairCacheStats()
		_, tenant := e.TenantCached("x")
		pairs := st.Hits+st.Misses != 0
		if wantPairs := strings.HasPrefix(tc.name, "tenant"); pairs != wantPairs || tenant {
			t.Errorf("%s: pair summaries handed over %v, want %v; tenant summaries %v, want false (%+v)", tc.name, pairs, wantPairs, tenant, st)
		}
	}
}
