package graph_test

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"testing"

	"github.com/xtenant/xtenant/bundles"
	"github.com/xtenant/xtenant/bundles/graph"
	"github.com/xtenant/xtenant/engine"
	"github.com/xtenant/xtenant/tenants"
)

const contoso = "22222222-2222-2222-2222-222222222222"

// TestImportDecidesLikeTenantsFile imports testdata/graph/contoso and checks
// that, for a grid of requests, it decides exactly as the hand-written
// tenants file of the same tenant (bundles/examples/tenants.json, whose
// Contoso entry is this export in the contract's shape).
func TestImportDecidesLikeTenantsFile(t *testing.T) {
	raw, err := os.ReadFile("../examples/tenants.json")
	if err != nil {
		t.Fatal(err)
	}
	var file map[string]any
	if err := json.Unmarshal(raw, &file); err != nil {
		t.Fatal(err)
	}
	imported, err := graph.Import([]string{"../../testdata/graph/contoso"}, graph.Options{})
	if err != nil {
		t.Fatal(err)
	}
	// The partners' own tenants come from the file in both cases; Contoso
	// comes from the import on one side and from the file on the other.
	others := map[string]any{}
	for id, cfg := range file {
		if id != contoso {
			others[id] = cfg
		}
	}
	merged, err := graph.Merge(others, imported)
	if err != nil {
		t.Fatal(err)
	}
	// Through JSON, as `xtenant import graph` writes it and `serve` reads it.
	out, err := json.Marshal(merged)
	if err != nil {
		t.Fatal(err)
	}
	viaImport, err := tenants.Parse("import.json", out)
	if err != nil {
		t.Fatalf("the import does not load with package tenants: %v", err)
	}
	viaFile, err := tenants.Parse("tenants.json", raw)
	if err != nil {
		t.Fatal(err)
	}
	a, b := activate(t, viaImport), activate(t, viaFile)
	outcomes := map[string]int{}
	compare := func(a, b *engine.Engine, req func() *engine.Request, what string) {
		t.Helper()
		if o := compareDecisions(t, a, b, req, what); o != "" {
			outcomes[o]++
		}
	}

	homes := []string{"11111111-1111-1111-1111-111111111111", "33333333-3333-3333-3333-333333333333", "44444444-4444-4444-4444-444444444444"}
	apps := []string{"00000003-0000-0ff1-ce00-000000000000", "cc15fd57-2c6c-4117-a88c-83b1d56b4bbe", "99999999-0000-0000-0000-000000000009"}
	groups := [][]string{nil, {"c3c3c3c3-0000-4000-8000-000000000001"}}
	n := 0
	for _, access := range []string{engine.AccessB2BCollaboration, engine.AccessB2BDirectConnect} {
		for _, home := range homes {
			for _, app := range apps {
				for _, g := range groups {
					for _, mfa := range []bool{false, true} {
						for _, device := range []bool{false, true} {
							req := func() *engine.Request {
								return &engine.Request{AccessType: access, HomeTenant: home, ResourceTenant: contoso,
									User:        &engine.User{ID: "aaaaaaaa-0000-0000-0000-000000000001", Groups: g},
									Application: &engine.Application{ID: app},
									Claims:      &engine.Claims{MFA: mfa, CompliantDevice: device}}
							}
							compare(a, b, req, fmt.Sprintf("%s %s %s %v mfa=%v device=%v", access, home, app, g, mfa, device))
							n++
						}
					}
				}
			}
		}
	}
	for _, home := range homes {
		req := func() *engine.Request {
			return &engine.Request{AccessType: engine.AccessIdentitySync, HomeTenant: home, ResourceTenant: contoso}
		}
		compare(a, b, req, "sync from "+home)
		for _, email := range []string{"ann@fabrikam.com", "bob@northwind.com", "eve@example.org"} {
			req := func() *engine.Request {
				return &engine.Request{AccessType: engine.AccessInvitation, HomeTenant: home, ResourceTenant: contoso,
					Invitation: &engine.Invitation{InviterRoles: []string{"guestInviter"}, InviteeEmail: email}}
			}
			compare(a, b, req, "invite "+email+" from "+home)
		}
		n += 4
	}
	if len(outcomes) < 4 {
		t.Errorf("the grid reaches too few outcomes to show anything: %v", outcomes)
	}
	t.Logf("%d requests decided alike; outcomes %v", n, outcomes)
}

func activate(t *testing.T, set *tenants.Set) *engine.Engine {
	t.Helper()
	e, err := bundles.BuiltinEngine(context.Background(), set)
	if err != nil {
		t.Fatal(err)
	}
	return e
}

// compareDecisions returns the outcome (decision and denying stage).
func compareDecisions(t *testing.T, a, b *engine.Engine, req func() *engine.Request, what string) string {
	t.Helper()
	da, errA := a.Evaluate(context.Background(), req())
	db, errB := b.Evaluate(context.Background(), req())
	if (errA == nil) != (errB == nil) {
		t.Fatalf("%s: errors differ: %v / %v", what, errA, errB)
	}
	if errA != nil {
		return ""
	}
	da.DecisionID, db.DecisionID, da.Revision, db.Revision = "", "", "", ""
	ja, _ := json.Marshal(da)
	jb, _ := json.Marshal(db)
	if string(ja) != string(jb) {
		t.Errorf("%s:\nimport: %s\nfile:   %s", what, ja, jb)
	}
	if da.DeniedBy != nil {
		return da.Decision + ":" + *da.DeniedBy
	}
	return da.Decision
}
