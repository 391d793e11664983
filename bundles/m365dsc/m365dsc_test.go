package m365dsc_test

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/xtenant/xtenant/bundles"
	"github.com/xtenant/xtenant/bundles/graph"
	"github.com/xtenant/xtenant/bundles/m365dsc"
	"github.com/xtenant/xtenant/engine"
	"github.com/xtenant/xtenant/internal/matrix"
	"github.com/xtenant/xtenant/tenants"
)

const (
	contoso   = "22222222-2222-2222-2222-222222222222"
	northwind = "33333333-3333-3333-3333-333333333333"
)

// TestSameAsGraphSample: the Microsoft365DSC report written from the
// Graph sample (testdata/m365dsc/contoso.json) imports to the same
// settings matrix, but for sync (not in the report), and the same
// decisions, for every access type xtenant decides from these settings.
func TestSameAsGraphSample(t *testing.T) {
	fromDSC, err := m365dsc.Import([]string{"../../testdata/m365dsc/contoso.json"}, m365dsc.Options{TenantID: contoso, DisplayName: "Contoso"})
	if err != nil {
		t.Fatal(err)
	}
	fromGraph, err := graph.Import([]string{"../../testdata/graph/contoso"}, graph.Options{})
	if err != nil {
		t.Fatal(err)
	}
	delete(fromGraph[contoso].(map[string]any)["crossTenantAccessPolicy"].(map[string]any)["partners"].(map[string]any)[northwind].(map[string]any), "identitySynchronization")
	if ch := matrix.Compare("graph", fromGraph, "dsc", fromDSC).Changes; len(ch) != 0 {
		t.Errorf("settings differ: %+v", ch)
	}
	decide := func(obj map[string]any) func(*engine.Request) string {
		ts, err := tenants.FromObject("x", obj)
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
		return func(r *engine.Request) string {
			cp := *r
			d, err := eng.Evaluate(context.Background(), &cp)
			if err != nil {
				t.Fatal(err)
			}
			var codes []string
			for _, x := range d.Reasons {
				codes = append(codes, x.Code+"/"+x.Rule)
			}
			out, _ := json.Marshal([]any{d.Decision, d.DeniedBy, codes, d.Controls, d.ReportOnly, d.ConsentPrompt})
			return string(out)
		}
	}
	dsc, gr := decide(fromDSC), decide(fromGraph)
	for _, home := range []string{"11111111-1111-1111-1111-111111111111", northwind, "44444444-4444-4444-4444-444444444444"} {
		for _, access := range []string{engine.AccessB2BCollaboration, engine.AccessB2BDirectConnect} {
			for _, groups := range [][]string{nil, {"c3c3c3c3-0000-4000-8000-000000000001"}} {
				for _, claims := range []engine.Claims{{}, {MFA: true}, {MFA: true, CompliantDevice: true}} {
					c := claims
					r := &engine.Request{AccessType: access, HomeTenant: home, ResourceTenant: contoso,
						User:        &engine.User{ID: "aaaaaaaa-0000-4000-8000-000000000001", Groups: groups},
						Application: &engine.Application{ID: "00000003-0000-0ff1-ce00-000000000000"}, Claims: &c}
					if a, b := dsc(r), gr(r); a != b {
						t.Errorf("%s from %s %v %+v: DSC %s, Graph %s", access, home, groups, claims, a, b)
					}
				}
			}
		}
	}
	// Invitations read the B2B management policy (fabrikam.com blocked).
	for _, email := range []string{"ann@fabrikam.com", "bob@northwind.com"} {
		r := &engine.Request{AccessType: engine.AccessInvitation, HomeTenant: "11111111-1111-1111-1111-111111111111", ResourceTenant: contoso,
			Invitation: &engine.Invitation{InviterRoles: []string{"guestInviter"}, InviteeEmail: email}}
		if a, b := dsc(r), gr(r); a != b {
			t.Errorf("invitation %s: DSC %s, Graph %s", email, a, b)
		}
	}
}

// TestRefusals: names where ids are needed, a missing tenant id and a
// report that is not an array are errors naming what is wrong.
func TestRefusals(t *testing.T) {
	dir := t.TempDir()
	write := func(s string) string {
		p := filepath.Join(dir, "r.json")
		os.WriteFile(p, []byte(s), 0o644)
		return p
	}
	for _, tc := range []struct{ report, opts, want string }{
		{`[{"ResourceName":"AADConditionalAccessPolicy","DisplayName":"p","State":"enabled","IncludeGroups":["Sales team"]}]`, contoso, "IncludeGroups"},
		{`[{"ResourceName":"AADConditionalAccessPolicy","DisplayName":"p","State":"enabled","IncludeLocations":["Office"]}]`, contoso, "IncludeLocations"},
		{`[{"ResourceName":"AADCrossTenantAccessPolicyConfigurationDefault","TenantId":"contoso.onmicrosoft.com"}]`, "", "--tenant-id"},
		{`{"ResourceName":"AADAuthorizationPolicy"}`, contoso, "array"},
	} {
		_, err := m365dsc.Read(write(tc.report), m365dsc.Options{TenantID: tc.opts})
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: %v, want an error naming %s", tc.report, err, tc.want)
		}
	}
	// The tenant id from an instance's TenantId when it is a GUID.
	got, err := m365dsc.Import([]string{write(`[{"ResourceName":"AADAuthorizationPolicy","TenantId":"` + strings.ToUpper(contoso) + `","AllowInvitesFrom":"none"}]`)}, m365dsc.Options{})
	if err != nil || got[contoso] == nil {
		t.Errorf("%v %v", err, got)
	}
}
