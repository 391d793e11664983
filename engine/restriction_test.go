package engine_test

import (
	"context"
	"maps"
	"strings"
	"testing"

	"github.com/xtenant/xtenant/engine"
	"github.com/xtenant/xtenant/engine/scenario"
)

// restrictionScenarios are the scenario files whose cases carry the tenant
// restrictions signal.
func restrictionScenarios(t *testing.T) []*scenario.File {
	t.Helper()
	files, err := scenario.LoadDir(scenarioDir)
	if err != nil {
		t.Fatal(err)
	}
	var out []*scenario.File
	for _, f := range files {
		for _, c := range f.Cases {
			if strings.Contains(string(c.Input), `"tenant_restrictions"`) {
				out = append(out, f)
				break
			}
		}
	}
	if len(out) < 4 {
		t.Fatalf("%d scenario files carry the tenant restrictions signal; the tests below need them", len(out))
	}
	return out
}

// TestRestrictionFactsCached (R-TR-5): the engine computes T's tenant
// restrictions facts once per key and decides from the cached facts as the
// Data API decides from the policy whole, for every case of every scenario
// that carries the signal, the first time and again from the cache.
func TestRestrictionFactsCached(t *testing.T) {
	cachedSome, reloaded := false, false
	for _, f := range restrictionScenarios(t) {
		e := activatePolicy(t, scenarioPolicy(t, f))
		if _, enabled := e.RestrictionCached("", ""); !enabled {
			t.Fatalf("%s: the built-in policy's tr_key is not handed over", f.Name)
		}
		for pass := range 2 {
			for _, c := range f.Cases {
				comparePairWithPlain(t, e, f.Name+[]string{" first", " cached"}[pass], c.Input)
			}
		}
		for _, c := range f.Cases {
			req, err := engine.DecodeRequest(c.Input)
			if err != nil || req.TenantRestrictions == nil {
				continue
			}
			tr, home := strings.ToLower(req.TenantRestrictions.Tenant), strings.ToLower(req.HomeTenant)
			if cached, _ := e.RestrictionCached(tr, home); cached {
				cachedSome = true
				// A reload starts a snapshot with none: the facts of the
				// data it replaces are never read again.
				if err := e.Activate(context.Background(), scenarioPolicy(t, f)); err != nil {
					t.Fatal(err)
				}
				if cached, _ := e.RestrictionCached(tr, home); cached {
					t.Fatalf("%s: a reload kept the previous snapshot's tenant restrictions facts", f.Name)
				}
				reloaded = true
				break
			}
		}
	}
	if !cachedSome || !reloaded {
		t.Fatal("no tenant restrictions facts were cached for any (T, home tenant)")
	}
}

// TestRestrictionRuleRedefinedFallsBack: a policy whose tr_key is not
// plainly tr_key_computed(t, x) must not get the cached facts in its place.
// The redefinition reads the request, which the facts query never sees
// (its input is T and the key alone), and lets every B2B collaboration
// through T's restrictions: a substitution would decide otherwise.
func TestRestrictionRuleRedefinedFallsBack(t *testing.T) {
	const plainRule = "tr_key(t, x) := tr_key_computed(t, x)\n"
	redefined := `tr_key(t, x) := {"side": {"permits_whom": "all", "targets": null}, "source": "partner", "configuration_reasons": set()} if input.access_type == "b2b_collaboration" else := tr_key_computed(t, x)` + "\n"
	changed := 0
	for _, f := range restrictionScenarios(t) {
		e, n := decideRedefined(t, f, plainRule, redefined)
		changed += n
		if _, enabled := e.RestrictionCached("", ""); enabled {
			t.Fatal("redefined tr_key: the engine hands tenant restrictions facts over")
		}
	}
	if changed == 0 {
		t.Fatalf("redefinition %q changed no decision: the test shows nothing", redefined)
	}
}

// TestRestrictionBuiltinNameTaken: a rule of the built-in's name in the
// package, or an import of that name in tr_key's module, leaves tr_key as
// the policy states it; the decisions are the Data API's.
func TestRestrictionBuiltinNameTaken(t *testing.T) {
	const rule = "tr_key(t, x) := tr_key_computed(t, x)"
	f := restrictionScenarios(t)[0]
	for _, tc := range []struct{ name, imp, extra string }{
		{"rule", "", "xtenant_engine_restriction_facts(_, _) := {}"},
		{"import", "import data.xtenant.options as xtenant_engine_restriction_facts", ""},
		// The rule reads as plain text, but an argument shadows nothing:
		// an import of the computed function's name makes it another value.
		{"computed import", "import data.xtenant.options as tr_key_computed", ""},
	} {
		p := scenarioPolicy(t, f)
		p.Modules = maps.Clone(p.Modules)
		if tc.imp != "" {
			n := 0
			for name, src := range p.Modules {
				if strings.Contains(src, "\n"+rule+"\n") {
					p.Modules[name] = strings.Replace(src, "package xtenant.access\n", "package xtenant.access\n\n"+tc.imp+"\n", 1)
					n++
				}
			}
			if n != 1 {
				t.Fatalf("%s: %d modules define %q, want 1", tc.name, n, rule)
			}
		} else {
			p.Modules["engine_name_taken.rego"] = "package xtenant.access\n\n" + tc.extra + "\n"
		}
		e := engine.New()
		if err := e.Activate(context.Background(), p); err != nil {
			if tc.name == "computed import" {
				continue // the policy itself does not compile: nothing to hand over
			}
			t.Fatalf("%s: %v", tc.name, err)
		}
		if _, enabled := e.RestrictionCached("", ""); enabled {
			t.Errorf("%s: tr_key handed over", tc.name)
		}
		for _, c := range f.Cases {
			comparePairWithPlain(t, e, f.Name+" "+tc.name, c.Input)
		}
	}
}
