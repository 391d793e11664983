package engine_test

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"sync"
	"testing"

	"github.com/xtenant/xtenant/bundles"
	"github.com/xtenant/xtenant/engine"
)

func mustDecode(t testing.TB, body string) *engine.Request {
	t.Helper()
	req, err := engine.DecodeRequest([]byte(body))
	if err != nil {
		t.Fatal(err)
	}
	return req
}

func exampleEngine(t testing.TB, opts ...engine.Option) *engine.Engine {
	t.Helper()
	ts, err := bundles.ExampleTenants()
	if err != nil {
		t.Fatal(err)
	}
	p, err := bundles.Builtin(ts)
	if err != nil {
		t.Fatal(err)
	}
	e := engine.New(opts...)
	if err := e.Activate(context.Background(), p); err != nil {
		t.Fatal(err)
	}
	return e
}

func TestNotReady(t *testing.T) {
	e := engine.New()
	if e.Ready() || e.Revision() != "" {
		t.Fatal("a new engine claims to be ready")
	}
	if _, err := e.Evaluate(context.Background(), mustDecode(t, validCollab)); !errors.Is(err, engine.ErrNotReady) {
		t.Fatalf("Evaluate = %v, want ErrNotReady", err)
	}
	if _, _, err := e.Query(context.Background(), engine.DecisionPath, nil); !errors.Is(err, engine.ErrNotReady) {
		t.Fatalf("Query = %v, want ErrNotReady", err)
	}
}

func TestEvaluateExample(t *testing.T) {
	ids := 0
	e := exampleEngine(t, engine.WithDecisionIDs(func() string { ids++; return "id-" + itoa(ids) }))
	if !e.Ready() || !strings.HasPrefix(e.Revision(), "built-in@") || !strings.Contains(e.Revision(), "+tenants:") {
		t.Fatalf("revision %q", e.Revision())
	}
	for i := 1; i <= 2; i++ {
		d, err := e.Evaluate(context.Background(), mustDecode(t, validCollab))
		if err != nil {
			t.Fatal(err)
		}
		if d.DecisionID != "id-"+itoa(i) || d.Revision != e.Revision() {
			t.Errorf("decision id %q revision %q", d.DecisionID, d.Revision)
		}
		if d.Allow != (d.Decision == engine.VerdictAllow) {
			t.Errorf("allow %t with decision %q", d.Allow, d.Decision)
		}
	}
}

func TestEvaluateRefusesInvalidRequest(t *testing.T) {
	e := exampleEngine(t)
	// A decoded request is canonical and read-only; a copy of it is not
	// trusted, so a changed copy is checked again.
	req := *mustDecode(t, validCollab)
	req.HomeTenant = "contoso"
	d, err := e.Evaluate(context.Background(), &req)
	if d != nil || !errors.Is(err, engine.ErrInvalidInput) {
		t.Fatalf("Evaluate = %v, %v; want an input error and no decision", d, err)
	}
}

// TestEvaluateLeavesRequestAlone: Evaluate decides on a canonical copy of a
// request built in Go; the caller's request is not modified.
func TestEvaluateLeavesRequestAlone(t *testing.T) {
	e := exampleEngine(t)
	req := &engine.Request{AccessType: engine.AccessB2BCollaboration, HomeTenant: "11111111-1111-1111-1111-11111111111A",
		ResourceTenant: "22222222-2222-2222-2222-222222222222",
		User: &engine.User{ID: "aaaaaaaa-0000-0000-0000-000000000001",
			Groups: []string{"cccccccc-0000-0000-0000-000000000002", "BBBBBBBB-0000-0000-0000-000000000002", "cccccccc-0000-0000-0000-000000000002"}},
		Application: &engine.Application{ID: "00000003-0000-0ff1-ce00-000000000000"}}
	before, _ := json.Marshal(req)
	if _, err := e.Evaluate(context.Background(), req); err != nil {
		t.Fatal(err)
	}
	if after, _ := json.Marshal(req); string(after) != string(before) || req.Claims != nil || req.IdentityKind != "" {
		t.Errorf("Evaluate modified the request:\n%s\n%s", before, after)
	}
}

func TestDecisionIDsAreUnique(t *testing.T) {
	seen := map[string]bool{}
	for range 1000 {
		id := engine.NewDecisionID()
		if len(id) != 36 || id[14] != '4' || seen[id] {
			t.Fatalf("bad or repeated id %q", id)
		}
		seen[id] = true
	}
}

// policyReturning is a one-module policy whose decision rule is body.
func policyReturning(rev, body string) engine.Policy {
	return engine.Policy{Revision: rev, Modules: map[string]string{"test.rego": "package xtenant.access\n\n" + body + "\n"}}
}

const goodDecision = `decision := {"decision": "deny", "allow": false, "denied_by": "configuration", "error_code": null,
	"step_up": [], "controls": {"mfa": "not_required", "compliant_device": "not_required", "hybrid_joined_device": "not_required"},
	"consent_prompt": true, "reasons": [{"code": "RESOURCE_TENANT_UNKNOWN", "stage": "configuration", "tenant": null, "setting": null, "rule": "R-INH-1", "aadsts": null, "message": "unknown"}],
	"report_only": []}`

func TestStrictDecoding(t *testing.T) {
	tests := []struct{ name, rule, want string }{
		{"undefined", `decision := 1 if false`, "undefined"},
		{"not an object", `decision := "allow"`, "expected object"},
		{"missing member", `decision := {"decision": "allow", "allow": true}`, "missing"},
		{"unknown verdict", strings.Replace(goodDecision, `"decision": "deny"`, `"decision": "maybe"`, 1), "expected one of"},
		{"allow contradicts", strings.Replace(goodDecision, `"allow": false`, `"allow": true`, 1), "contradicts"},
		{"allow as string", strings.Replace(goodDecision, `"allow": false`, `"allow": "false"`, 1), "expected boolean"},
		{"unknown member", strings.Replace(goodDecision, `"report_only": []`, `"report_only": [], "extra": 1`, 1), "unknown member"},
		{"unknown stage", strings.Replace(goodDecision, `"denied_by": "configuration"`, `"denied_by": "somewhere"`, 1), "expected one of"},
		{"unknown control value", strings.Replace(goodDecision, `"mfa": "not_required"`, `"mfa": "maybe"`, 1), "expected one of"},
		{"unknown reason code", strings.Replace(goodDecision, `"RESOURCE_TENANT_UNKNOWN"`, `"NOPE"`, 1), "expected one of"},
		{"reason without message", strings.Replace(goodDecision, `"message": "unknown"`, `"message": ""`, 1), "non-empty"},
		{"reasons not an array", strings.Replace(goodDecision, `"reasons": [`, `"reasons": {"a": `, 1) + "", "expected"},
		{"deny without stage", strings.Replace(goodDecision, `"denied_by": "configuration"`, `"denied_by": null`, 1), "null on a deny"},
		{"allow with stage", strings.Replace(strings.Replace(goodDecision, `"allow": false`, `"allow": true`, 1), `"decision": "deny"`, `"decision": "allow"`, 1), "not deny"},
		{"bad step up", strings.Replace(goodDecision, `"step_up": []`, `"step_up": [{"control": "mfa", "at": "moon"}]`, 1), "expected one of"},
		{"bad report only", strings.Replace(goodDecision, `"report_only": []`, `"report_only": [{"policy_id": "p"}]`, 1), "missing"},
		{"multiple outputs", `decision := x if { some x in [1] }`, "expected object"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if tc.name == "reasons not an array" {
				tc.rule = strings.Replace(goodDecision, `"reasons": [{`, `"reasons": {"r": {`, 1)
				tc.rule = strings.Replace(tc.rule, `"message": "unknown"}]`, `"message": "unknown"}}`, 1)
			}
			e := engine.New()
			if err := e.Activate(context.Background(), policyReturning("t", tc.rule)); err != nil {
				t.Fatal(err)
			}
			d, err := e.Evaluate(context.Background(), mustDecode(t, validCollab))
			if err == nil || d != nil {
				t.Fatalf("Evaluate = %+v, nil; want an error", d)
			}
			if !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %q does not mention %q", err, tc.want)
			}
			if tc.name == "undefined" && !errors.Is(err, engine.ErrUndefined) {
				t.Errorf("error %v is not ErrUndefined", err)
			}
		})
	}
	// The well-formed one decodes.
	e := engine.New()
	if err := e.Activate(context.Background(), policyReturning("t", goodDecision)); err != nil {
		t.Fatal(err)
	}
	if _, err := e.Evaluate(context.Background(), mustDecode(t, validCollab)); err != nil {
		t.Fatal(err)
	}
}

func TestActivateKeepsPreviousOnError(t *testing.T) {
	e := engine.New()
	ctx := context.Background()
	if err := e.Activate(ctx, policyReturning("one", goodDecision)); err != nil {
		t.Fatal(err)
	}
	for name, p := range map[string]engine.Policy{
		"syntax":     policyReturning("two", "decision := {"),
		"no modules": {Revision: "two"},
		"compile":    policyReturning("two", "decision := y"),
	} {
		if err := e.Activate(ctx, p); err == nil {
			t.Errorf("%s: Activate succeeded", name)
		}
		if e.Revision() != "one" {
			t.Fatalf("%s: revision %q after a failed activation", name, e.Revision())
		}
	}
}

// TestAtomicSwap evaluates while two revisions are swapped in: every answer
// carries the revision whose policy produced it.
func TestAtomicSwap(t *testing.T) {
	e := engine.New()
	ctx := context.Background()
	one := policyReturning("one", goodDecision)
	two := policyReturning("two", strings.Replace(strings.Replace(strings.Replace(goodDecision, `"allow": false`, `"allow": true`, 1),
		`"decision": "deny"`, `"decision": "allow"`, 1), `"denied_by": "configuration"`, `"denied_by": null`, 1))
	if err := e.Activate(ctx, one); err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	stop := make(chan struct{})
	errs := make(chan error, 8)
	for range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				select {
				case <-stop:
					return
				default:
				}
				d, err := e.Evaluate(ctx, mustDecode(t, validCollab))
				if err != nil {
					errs <- err
					return
				}
				if (d.Revision == "one") == d.Allow {
					errs <- errors.New("revision " + d.Revision + " answered with the other policy")
					return
				}
			}
		}()
	}
	for i := range 20 {
		p := one
		if i%2 == 0 {
			p = two
		}
		if err := e.Activate(ctx, p); err != nil {
			t.Fatal(err)
		}
	}
	close(stop)
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}

func TestQuery(t *testing.T) {
	e := exampleEngine(t)
	ctx := context.Background()
	var input map[string]any
	if err := jsonUnmarshal(validCollab, &input); err != nil {
		t.Fatal(err)
	}
	res, defined, err := e.Query(ctx, "xtenant/access/decision", input)
	if err != nil || !defined {
		t.Fatalf("Query = %v, %t, %v", res, defined, err)
	}
	if m, ok := res.(map[string]any); !ok || m["decision"] == nil {
		t.Fatalf("result %#v", res)
	}
	if _, defined, err := e.Query(ctx, "xtenant/nothing/here", nil); err != nil || defined {
		t.Fatalf("undefined path: defined=%t err=%v", defined, err)
	}
	res, defined, err = e.Query(ctx, "xtenant/tenants/22222222-2222-2222-2222-222222222222/displayName", nil)
	if err != nil || !defined || res != "Contoso" {
		t.Fatalf("tenant name: %v %t %v", res, defined, err)
	}
	if _, _, err := e.Query(ctx, "xtenant//x", nil); err == nil {
		t.Fatal("empty path segment accepted")
	}
	res, _, err = e.Query(ctx, "xtenant/options/require_home_tenant", nil)
	if err != nil || res != false {
		t.Fatalf("options: %v %v", res, err)
	}
}

func TestRequireHomeTenantOption(t *testing.T) {
	e := exampleEngine(t, engine.WithRequireHomeTenant(true))
	res, _, err := e.Query(context.Background(), "xtenant/options/require_home_tenant", nil)
	if err != nil || res != true {
		t.Fatalf("options: %v %v", res, err)
	}
}

func TestExplain(t *testing.T) {
	e := exampleEngine(t)
	req := mustDecode(t, validCollab)
	req.Explain = true
	if _, err := e.Evaluate(context.Background(), req); err != nil {
		t.Fatal(err)
	}
}

func TestBuiltinWithoutTenants(t *testing.T) {
	p, err := bundles.Builtin(nil)
	if err != nil {
		t.Fatal(err)
	}
	e := engine.New()
	if err := e.Activate(context.Background(), p); err != nil {
		t.Fatal(err)
	}
	d, err := e.Evaluate(context.Background(), mustDecode(t, validCollab))
	if err != nil {
		t.Fatal(err)
	}
	if d.Decision != engine.VerdictDeny || d.Reasons[0].Code != "RESOURCE_TENANT_UNKNOWN" {
		t.Fatalf("decision %+v", d)
	}
}
