package matrix_test

import (
	"bytes"
	"encoding/json"
	"os"
	"strings"
	"testing"

	"github.com/xtenant/xtenant/internal/matrix"
)

func load(t *testing.T, path string) map[string]any {
	t.Helper()
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(raw, &m); err != nil {
		t.Fatal(err)
	}
	return m
}

const (
	contoso   = "22222222-2222-2222-2222-222222222222"
	northwind = "33333333-3333-3333-3333-333333333333"
	fabrikam  = "11111111-1111-1111-1111-111111111111"
)

// TestDiffNamesExactlyTheChangedCells: the README's change (Contoso admits
// a second Northwind group and blocks one app for Northwind) changes exactly
// two cells; adding, removing and inheriting are told apart.
func TestDiffNamesExactlyTheChangedCells(t *testing.T) {
	before := load(t, "../../bundles/examples/tenants.json")
	after := load(t, "../../testdata/diff/tenants-after.json")
	rep := matrix.Compare("b", before, "a", after)
	type cell struct{ tenant, partner, cell string }
	got := map[cell]matrix.Change{}
	for _, c := range rep.Changes {
		got[cell{c.Tenant, c.Partner, c.Cell}] = c
	}
	want := []cell{
		{contoso, northwind, "b2bCollaborationInbound.usersAndGroups"},
		{contoso, northwind, "b2bCollaborationInbound.applications"},
	}
	if len(got) != len(want) {
		t.Fatalf("changes %+v", rep.Changes)
	}
	for _, w := range want {
		if _, ok := got[w]; !ok {
			t.Errorf("missing change %v", w)
		}
	}
	apps := got[want[1]]
	if apps.Before.Value != "allowed: AllApplications" || apps.Before.From != "default" ||
		apps.After.Value != "blocked: application dddddddd-0000-4000-8000-000000000001" || apps.After.From != "partner" {
		t.Errorf("apps cell %+v %+v", apps.Before, apps.After)
	}
	// Both matrices: three default rows and four partner rows each.
	if len(rep.Before) != 7 || len(rep.After) != 7 {
		t.Errorf("rows %d/%d", len(rep.Before), len(rep.After))
	}

	// A default change shows in the default row and in every inheriting
	// partner row, not in a partner with its own value.
	def := load(t, "../../bundles/examples/tenants.json")
	d := def[contoso].(map[string]any)["crossTenantAccessPolicy"].(map[string]any)["default"].(map[string]any)
	d["inboundTrust"].(map[string]any)["isCompliantDeviceAccepted"] = true
	rep = matrix.Compare("b", before, "a", def)
	rows := map[string]bool{}
	for _, c := range rep.Changes {
		if c.Cell != "inboundTrust.isCompliantDeviceAccepted" || c.Tenant != contoso {
			t.Errorf("unexpected change %+v", c)
		}
		rows[c.Partner] = true
	}
	if !rows[matrix.Default] || !rows[fabrikam] || rows[northwind] || len(rows) != 2 {
		t.Errorf("rows changed %v (Northwind has its own trust setting)", rows)
	}

	// A partner entry removed: its cells go to "(no entry)"; spelling out the
	// inherited value changes nothing.
	removed := load(t, "../../bundles/examples/tenants.json")
	delete(removed[contoso].(map[string]any)["crossTenantAccessPolicy"].(map[string]any)["partners"].(map[string]any), fabrikam)
	rep = matrix.Compare("b", before, "a", removed)
	if len(rep.Changes) != len(matrix.Cells) || rep.Changes[0].After != nil {
		t.Errorf("removed partner: %d changes", len(rep.Changes))
	}
	spelled := load(t, "../../bundles/examples/tenants.json")
	p := spelled[contoso].(map[string]any)["crossTenantAccessPolicy"].(map[string]any)["partners"].(map[string]any)[fabrikam].(map[string]any)
	p["b2bCollaborationInbound"] = d["b2bCollaborationInbound"]
	if rep = matrix.Compare("b", before, "a", spelled); len(rep.Changes) != 0 {
		t.Errorf("spelled-out default: %+v", rep.Changes)
	}
	if rep = matrix.Compare("b", before, "a", before); len(rep.Changes) != 0 {
		t.Errorf("same: %+v", rep.Changes)
	}
}

// TestServiceDefaults: a tenant with nothing stored has Entra's defaults.
func TestServiceDefaults(t *testing.T) {
	m := matrix.Build(map[string]any{contoso: map[string]any{}})
	if len(m) != 1 {
		t.Fatal(m)
	}
	c := m[0].Cells
	if c["b2bCollaborationInbound.usersAndGroups"].Value != "allowed: AllUsers" || c["b2bDirectConnectOutbound.applications"].Value != "blocked: AllApplications" ||
		c["inboundTrust.isMfaAccepted"].Value != "false" || c["b2bCollaborationInbound.usersAndGroups"].From != "service default" {
		t.Errorf("%+v", c)
	}
}

func TestReports(t *testing.T) {
	rep := matrix.Compare("b", load(t, "../../bundles/examples/tenants.json"), "a", load(t, "../../testdata/diff/tenants-after.json"))
	for name, write := range map[string]func(*bytes.Buffer) error{
		"text":     func(b *bytes.Buffer) error { return rep.WriteText(b) },
		"markdown": func(b *bytes.Buffer) error { return rep.WriteMarkdown(b) },
		"json":     func(b *bytes.Buffer) error { return rep.WriteJSON(b) },
	} {
		var b bytes.Buffer
		if err := write(&b); err != nil || !strings.Contains(b.String(), "dddddddd-0000-4000-8000-000000000001") {
			t.Errorf("%s: %v\n%s", name, err, b.String())
		}
	}
}
