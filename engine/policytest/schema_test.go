package policytest_test

import (
	"context"
	"encoding/json"
	"os"
	"testing"

	"github.com/open-policy-agent/opa/v1/rego"

	"github.com/xtenant/xtenant/engine"
	"github.com/xtenant/xtenant/engine/policytest"
	"github.com/xtenant/xtenant/engine/scenario"
	"github.com/xtenant/xtenant/policies"
)

// schemaChecker validates documents against one of the project's JSON
// Schemas (schemas/*.json, docs/contract.md) with OPA's json.match_schema.
type schemaChecker struct {
	schema any
	query  rego.PreparedEvalQuery
}

func newSchemaChecker(t *testing.T, path string) *schemaChecker {
	t.Helper()
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var schema any
	if err := json.Unmarshal(raw, &schema); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	q, err := rego.New(rego.Query("r := json.match_schema(input.doc, input.schema)")).PrepareForEval(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return &schemaChecker{schema: schema, query: q}
}

// errors returns the schema violations of doc (a JSON document), none when valid.
func (c *schemaChecker) errors(t *testing.T, doc []byte) []any {
	t.Helper()
	var v any
	if err := json.Unmarshal(doc, &v); err != nil {
		t.Fatal(err)
	}
	rs, err := c.query.Eval(context.Background(), rego.EvalInput(map[string]any{"doc": v, "schema": c.schema}))
	if err != nil || len(rs) != 1 {
		t.Fatalf("match_schema: %v %v", rs, err)
	}
	r := rs[0].Bindings["r"].([]any)
	if r[0] == true {
		return nil
	}
	return r[1].([]any)
}

// TestScenariosConformToSchemas: every scenario input is valid against
// schemas/input.schema.json, every decision RunScenarios gives for it is
// valid against schemas/decision.schema.json, and every case passes (one
// run of the corpus for both, the slowest part).
func TestScenariosConformToSchemas(t *testing.T) {
	in := newSchemaChecker(t, "../../schemas/input.schema.json")
	out := newSchemaChecker(t, "../../schemas/decision.schema.json")
	files, err := scenario.LoadDir("../../testdata/scenarios")
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range files {
		for _, c := range f.Cases {
			if errs := in.errors(t, c.Input); errs != nil {
				t.Errorf("%s/%s: input breaks input.schema.json: %v", f.Name, c.Name, errs)
			}
		}
	}
	results := policytest.RunScenarios(context.Background(), policies.FS, "schema-test", files)
	if len(results) == 0 {
		t.Fatal("no cases")
	}
	for _, r := range results {
		if !r.Pass() && r.Pending == "" {
			t.Errorf("%s/%s: %s %v", r.Scenario, r.Case, r.Error, r.Diffs)
		}
		if r.Decision == nil {
			t.Errorf("%s/%s: no decision: %s", r.Scenario, r.Case, r.Error)
			continue
		}
		doc, err := json.Marshal(r.Decision)
		if err != nil {
			t.Fatal(err)
		}
		if errs := out.errors(t, doc); errs != nil {
			t.Errorf("%s/%s: decision breaks decision.schema.json: %v\n%s", r.Scenario, r.Case, errs, doc)
		}
	}
}

// TestDecoderAgreesWithInputSchema: inputs the schema refuses are refused by
// engine.DecodeRequest too (it never evaluates what the contract calls bad).
func TestDecoderAgreesWithInputSchema(t *testing.T) {
	in := newSchemaChecker(t, "../../schemas/input.schema.json")
	const h, r = "11111111-1111-1111-1111-111111111111", "22222222-2222-2222-2222-222222222222"
	base := `"home_tenant":"` + h + `","resource_tenant":"` + r + `"`
	for _, tt := range []struct{ name, doc string }{
		{"unknown top-level field", `{"access_type":"identity_sync",` + base + `,"extra":1}`},
		{"unknown access type", `{"access_type":"b2b",` + base + `}`},
		{"home tenant not a GUID", `{"access_type":"identity_sync","home_tenant":"contoso","resource_tenant":"` + r + `"}`},
		{"sign-in without user", `{"access_type":"b2b_collaboration",` + base + `,"application":{"id":"` + h + `"}}`},
		{"sign-in without application", `{"access_type":"b2b_direct_connect",` + base + `,"user":{"id":"` + h + `"}}`},
		{"invitation without invitation", `{"access_type":"invitation",` + base + `}`},
		{"claims of the wrong type", `{"access_type":"identity_sync",` + base + `,"claims":{"mfa":"yes"}}`},
		{"unknown claim", `{"access_type":"identity_sync",` + base + `,"claims":{"fido":true}}`},
		{"unknown cloud", `{"access_type":"identity_sync",` + base + `,"home_cloud":"microsoftonline.de"}`},
		{"unknown identity kind", `{"access_type":"identity_sync",` + base + `,"identity_kind":"google"}`},
		{"tenant restrictions without policy id", `{"access_type":"identity_sync",` + base + `,"tenant_restrictions":{"tenant":"` + h + `"}}`},
		{"bad e-mail", `{"access_type":"invitation",` + base + `,"invitation":{"invitee_email":"ann"}}`},
		{"unknown inviter role", `{"access_type":"invitation",` + base + `,"invitation":{"invitee_email":"ann@fabrikam.com","inviter_roles":["owner"]}}`},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if in.errors(t, []byte(tt.doc)) == nil {
				t.Fatalf("the schema accepts %s", tt.doc)
			}
			if _, err := engine.DecodeRequest([]byte(tt.doc)); err == nil {
				t.Fatalf("DecodeRequest accepts what the schema refuses: %s", tt.doc)
			}
		})
	}
}
