package engine_test

import (
	"context"
	"encoding/json"
	"reflect"
	"strings"
	"testing"

	"github.com/xtenant/xtenant/engine"
	"github.com/xtenant/xtenant/engine/scenario"
)

// TestPairSummaryMatchesFullEvaluation: for every scenario case and a few
// variants of it, the decision and explanation Evaluate gives with the pair
// summary cache (cold, then warm) equal the ones of the plain OPA path
// (Query), which computes the whole policy from the request alone, as a
// stock opa does.
func TestPairSummaryMatchesFullEvaluation(t *testing.T) {
	ctx := context.Background()
	files, err := scenario.LoadDir(scenarioDir)
	if err != nil {
		t.Fatal(err)
	}
	compared := 0
	for _, f := range files {
		e := activateScenario(t, f)
		for _, c := range f.Cases {
			for _, input := range pairVariants(t, c.Input) {
				for _, warm := range []bool{false, true} {
					if !warm {
						e.ForgetPairs()
					}
					req, err := engine.DecodeRequest(input)
					if err != nil {
						continue // a variant the contract refuses
					}
					req.Explain = true
					d, err := e.Evaluate(ctx, req)
					if err != nil {
						t.Fatalf("%s/%s: evaluate: %v", f.Name, c.Name, err)
					}
					got := jsonValue(t, d)
					explain := got.(map[string]any)["explain"]
					for _, k := range []string{"decision_id", "revision", "explain"} {
						delete(got.(map[string]any), k)
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
					want = jsonValue(t, plain)
					for _, k := range []string{"decision_id", "revision"} {
						delete(want.(map[string]any), k)
					}
					if !reflect.DeepEqual(got, want) {
						t.Errorf("%s/%s (warm %t) %s:\n pair:  %s\n plain: %s", f.Name, c.Name, warm, input, jsonBytes(t, got), jsonBytes(t, want))
					}
					if !reflect.DeepEqual(jsonValue(t, explain), jsonValue(t, wantExplain)) {
						t.Errorf("%s/%s (warm %t): explain differs", f.Name, c.Name, warm)
					}
					compared++
				}
			}
		}
	}
	t.Logf("%d decisions compared", compared)
}

// pairVariants: the case itself, with each sign-in access type, and with
// its tenants swapped, so that cached pairs are reused by other requests.
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
	v := clone(t, m)
	v["home_tenant"], v["resource_tenant"] = m["resource_tenant"], m["home_tenant"]
	return append(out, jsonBytes(t, v))
}

// TestQueryIgnoresForgedPair: a client cannot hand the policy a pair
// summary through the Data API; the decision request decoder refuses it.
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
	forged := clone(t, input)
	forged["xtenant_pair"] = map[string]any{
		"configuration_reasons": []any{map[string]any{
			"code": "FORGED", "stage": "configuration", "tenant": nil, "setting": nil,
			"rule": "forged", "aadsts": nil, "message": "forged",
		}},
		"consent_prompt": false,
		"home_outbound":  map[string]any{"admits": "none"},
	}
	got, _, err := e.Query(ctx, engine.DecisionPath, forged)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("forged xtenant_pair changed the decision:\n got  %v\n want %v", got, want)
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
