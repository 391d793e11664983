package audit_test

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"strings"
	"testing"

	"github.com/open-policy-agent/opa/v1/rego"

	"github.com/xtenant/xtenant/bundles"
	"github.com/xtenant/xtenant/engine"
	"github.com/xtenant/xtenant/internal/audit"
)

func exampleAudit(t *testing.T) *audit.Report {
	t.Helper()
	ts, err := bundles.ExampleTenants()
	if err != nil {
		t.Fatal(err)
	}
	p, err := bundles.Builtin(ts)
	if err != nil {
		t.Fatal(err)
	}
	eng := engine.New()
	if err := eng.Activate(context.Background(), p); err != nil {
		t.Fatal(err)
	}
	rep, err := audit.Run(context.Background(), eng, eng.Revision(), func(string) string { return "tenants.json" })
	if err != nil {
		t.Fatal(err)
	}
	return rep
}

// TestAuditExampleTenants: the example tenants' findings, through the real
// Rego and the engine, most severe first.
func TestAuditExampleTenants(t *testing.T) {
	rep := exampleAudit(t)
	got := map[string]int{}
	for _, f := range rep.Findings {
		got[f.Rule]++
		if !strings.HasPrefix(f.Path, "/"+f.Tenant+"/") || f.Message == "" || f.File != "tenants.json" {
			t.Errorf("finding %+v", f)
		}
	}
	want := map[string]int{"AUD-INBOUND-DEFAULT": 3, "AUD-GUEST-INVITE": 2, "AUD-GUEST-MFA": 2, "AUD-AUTO-REDEEM-BOTH": 2}
	if len(got) != len(want) {
		t.Errorf("rules %v, want %v", got, want)
	}
	for r, n := range want {
		if got[r] != n {
			t.Errorf("%s: %d findings, want %d", r, got[r], n)
		}
	}
	if rep.Findings[0].Severity != "high" || rep.Findings[len(rep.Findings)-1].Severity != "low" {
		t.Errorf("not most severe first: %+v", rep.Findings)
	}
	for sev, n := range map[string]int{"low": 9, "medium": 7, "high": 2} {
		if rep.AtOrAbove(sev) != n {
			t.Errorf("AtOrAbove(%s) = %d, want %d", sev, rep.AtOrAbove(sev), n)
		}
	}
	var table, js bytes.Buffer
	if err := rep.WriteTable(&table); err != nil || !strings.Contains(table.String(), "AUD-GUEST-MFA") {
		t.Errorf("table: %v\n%s", err, table.String())
	}
	if err := rep.WriteJSON(&js); err != nil {
		t.Fatal(err)
	}
	var back audit.Report
	if err := json.Unmarshal(js.Bytes(), &back); err != nil || len(back.Findings) != 9 || len(back.Rules) != 9 {
		t.Errorf("json: %v %d findings %d rules", err, len(back.Findings), len(back.Rules))
	}
}

// TestAuditWithoutAuditPackageFails: a policy without package
// xtenant.audit (a bundle that replaces the built-in policy) is an error,
// never an empty, passing audit.
func TestAuditWithoutAuditPackageFails(t *testing.T) {
	eng := engine.New()
	p := engine.Policy{Revision: "r", Modules: map[string]string{"x.rego": "package xtenant.access\n\ndecision := {}\n"}, Data: map[string]any{}}
	if err := eng.Activate(context.Background(), p); err != nil {
		t.Fatal(err)
	}
	if _, err := audit.Run(context.Background(), eng, "r", nil); err == nil {
		t.Fatal("no error without package xtenant.audit")
	}
}

// TestSARIFValidatesAgainstSchema: the SARIF log of the example audit is
// valid against the SARIF 2.1.0 JSON schema (testdata, offline), and a
// broken log is not (the check can fail).
func TestSARIFValidatesAgainstSchema(t *testing.T) {
	raw, err := os.ReadFile("testdata/sarif-2.1.0-rtm.5.json")
	if err != nil {
		t.Fatal(err)
	}
	var schema any
	if err := json.Unmarshal(raw, &schema); err != nil {
		t.Fatal(err)
	}
	q, err := rego.New(rego.Query("r := json.match_schema(input.doc, input.schema)")).PrepareForEval(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	validate := func(doc []byte) []any {
		var v any
		if err := json.Unmarshal(doc, &v); err != nil {
			t.Fatal(err)
		}
		rs, err := q.Eval(context.Background(), rego.EvalInput(map[string]any{"doc": v, "schema": schema}))
		if err != nil || len(rs) != 1 {
			t.Fatalf("match_schema: %v %v", rs, err)
		}
		r := rs[0].Bindings["r"].([]any)
		if r[0] == true {
			return nil
		}
		return r[1].([]any)
	}
	var buf bytes.Buffer
	rep := exampleAudit(t)
	if err := rep.WriteSARIF(&buf, "test"); err != nil {
		t.Fatal(err)
	}
	if errs := validate(buf.Bytes()); errs != nil {
		t.Fatalf("SARIF invalid: %v\n%s", errs, buf.String())
	}
	var log struct {
		Version string
		Runs    []struct {
			Tool struct {
				Driver struct{ Rules []struct{ ID string } }
			}
			Results []struct {
				RuleID    string
				RuleIndex int
				Level     string
				Locations []struct {
					PhysicalLocation struct{ ArtifactLocation struct{ URI string } }
					LogicalLocations []struct{ FullyQualifiedName string }
				}
			}
		}
	}
	if err := json.Unmarshal(buf.Bytes(), &log); err != nil {
		t.Fatal(err)
	}
	run := log.Runs[0]
	if log.Version != "2.1.0" || len(run.Results) != len(rep.Findings) {
		t.Fatalf("%+v", log)
	}
	for i, r := range run.Results {
		f := rep.Findings[i]
		if run.Tool.Driver.Rules[r.RuleIndex].ID != r.RuleID || r.RuleID != f.Rule ||
			r.Locations[0].LogicalLocations[0].FullyQualifiedName != f.Path || r.Locations[0].PhysicalLocation.ArtifactLocation.URI != "tenants.json" {
			t.Errorf("result %d %+v does not match finding %+v", i, r, f)
		}
	}
	// The validator rejects what the schema forbids.
	bad := bytes.Replace(buf.Bytes(), []byte(`"level": "error"`), []byte(`"level": "fatal"`), 1)
	if validate(bad) == nil {
		t.Fatal("a SARIF log with level fatal validated")
	}
}
