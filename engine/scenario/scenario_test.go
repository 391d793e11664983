package scenario

import (
	"strings"
	"testing"

	"github.com/xtenant/xtenant/engine"
)

func ptr(s string) *string { return &s }

func TestParseStrict(t *testing.T) {
	good := `{"name":"n","tenants":{},"cases":[{"name":"c","input":{},"expect":{"decision":"deny","denied_by":null}}]}`
	f, err := Parse("good.json", []byte(good))
	if err != nil {
		t.Fatal(err)
	}
	if e := f.Cases[0].Expect; !e.DeniedBy.Set || e.DeniedBy.Value != nil || e.ErrorCode.Set {
		t.Fatalf("nullable fields: %+v", e)
	}
	for name, doc := range map[string]string{
		"typo in expect": strings.Replace(good, `"decision"`, `"decison"`, 1),
		"typo at top":    strings.Replace(good, `"cases"`, `"case"`, 1),
		"no cases":       `{"name":"n","tenants":{},"cases":[]}`,
		"trailing":       good + "{}",
		"bad control":    strings.Replace(good, `"decision":"deny"`, `"controls":{"fido":"x"}`, 1),
		"duplicate case": `{"name":"n","tenants":{},"cases":[{"name":"c","input":{},"expect":{}},{"name":"c","input":{},"expect":{}}]}`,
	} {
		if _, err := Parse(name, []byte(doc)); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}

func TestCompare(t *testing.T) {
	got := &engine.Decision{
		Decision: "step_up", DeniedBy: nil, ErrorCode: nil,
		StepUp:     []engine.StepUp{{Control: "mfa", At: "resource"}},
		Controls:   engine.Controls{MFA: "step_up_resource", CompliantDevice: "not_required", HybridJoinedDevice: "not_required"},
		Reasons:    []engine.Reason{{Code: "MFA_STEP_UP"}, {Code: "MFA_STEP_UP"}},
		ReportOnly: []engine.ReportOnly{{PolicyID: "p1", Result: "failure"}, {PolicyID: "p2", Result: "success"}},
	}
	ok := Expect{
		Decision: ptr("step_up"), DeniedBy: Nullable{Set: true}, ErrorCode: Nullable{Set: true},
		Reasons: &[]string{"MFA_STEP_UP"}, Controls: map[string]string{"mfa": "step_up_resource"},
		StepUp:     &[]engine.StepUp{{Control: "mfa", At: "resource"}},
		ReportOnly: &[]ReportOnly{{PolicyID: "p2", Result: "success"}, {PolicyID: "p1", Result: "failure"}},
	}
	if d := Compare(ok, got); d != nil {
		t.Fatalf("diffs %v", d)
	}
	if d := Compare(Expect{}, got); d != nil {
		t.Fatalf("empty expectation: %v", d)
	}
	bad := ok
	bad.DeniedBy = Nullable{Set: true, Value: ptr("resource_inbound")}
	bad.Reasons = &[]string{}
	bad.Controls = map[string]string{"compliant_device": "unsatisfiable"}
	bad.StepUp = &[]engine.StepUp{{Control: "mfa", At: "home"}}
	bad.ReportOnly = &[]ReportOnly{{PolicyID: "p1", Result: "failure"}}
	if d := Compare(bad, got); len(d) != 5 {
		t.Fatalf("want 5 diffs, got %v", d)
	}
	got.Allow = true
	if d := Compare(Expect{}, got); len(d) != 1 {
		t.Fatalf("allow inconsistent with decision not reported: %v", d)
	}
}
