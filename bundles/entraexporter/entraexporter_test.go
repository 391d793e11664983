package entraexporter_test

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"testing"

	"github.com/xtenant/xtenant/bundles"
	"github.com/xtenant/xtenant/bundles/entraexporter"
	"github.com/xtenant/xtenant/bundles/graph"
	"github.com/xtenant/xtenant/engine"
	"github.com/xtenant/xtenant/tenants"
)

// TestSameAsGraphSample: the EntraExporter tree written from the Graph
// sample (testdata/entraexporter/contoso: objects with and without id, one
// object or an array per file, one file in UTF-16) imports to the same
// tenant, but for what EntraExporter does not export, and gives the same
// decisions.
func TestSameAsGraphSample(t *testing.T) {
	fromEE, err := entraexporter.Import([]string{"../../testdata/entraexporter/contoso"})
	if err != nil {
		t.Fatal(err)
	}
	fromGraph, err := graph.Import([]string{"../../testdata/graph/contoso"}, graph.Options{})
	if err != nil {
		t.Fatal(err)
	}
	const contoso, northwind = "22222222-2222-2222-2222-222222222222", "33333333-3333-3333-3333-333333333333"
	g := fromGraph[contoso].(map[string]any)
	delete(g, "b2bManagementPolicy")
	delete(g["crossTenantAccessPolicy"].(map[string]any)["partners"].(map[string]any)[northwind].(map[string]any), "identitySynchronization")
	// Files are read in path order, not in Graph's: compare the policies by id.
	for _, obj := range []map[string]any{fromEE, fromGraph} {
		ca := obj[contoso].(map[string]any)["conditionalAccessPolicies"].([]any)
		sort.Slice(ca, func(i, j int) bool {
			return ca[i].(map[string]any)["id"].(string) < ca[j].(map[string]any)["id"].(string)
		})
	}
	if !reflect.DeepEqual(norm(t, fromEE), norm(t, fromGraph)) {
		a, _ := json.MarshalIndent(fromEE, "", " ")
		b, _ := json.MarshalIndent(fromGraph, "", " ")
		t.Fatalf("EntraExporter import differs from the Graph import:\n%s\n---\n%s", a, b)
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
			out, _ := json.Marshal([]any{d.Decision, d.DeniedBy, d.Reasons, d.Controls})
			return string(out)
		}
	}
	ee, gr := decide(fromEE), decide(fromGraph)
	n := 0
	for _, home := range []string{"11111111-1111-1111-1111-111111111111", northwind, "44444444-4444-4444-4444-444444444444"} {
		for _, access := range []string{engine.AccessB2BCollaboration, engine.AccessB2BDirectConnect} {
			for _, groups := range [][]string{nil, {"c3c3c3c3-0000-4000-8000-000000000001"}} {
				for _, mfa := range []bool{false, true} {
					r := &engine.Request{AccessType: access, HomeTenant: home, ResourceTenant: contoso,
						User:        &engine.User{ID: "aaaaaaaa-0000-4000-8000-000000000001", Groups: groups},
						Application: &engine.Application{ID: "00000003-0000-0ff1-ce00-000000000000"},
						Claims:      &engine.Claims{MFA: mfa, CompliantDevice: true}}
					if a, b := ee(r), gr(r); a != b {
						t.Errorf("%+v: EntraExporter %s, Graph %s", r, a, b)
					}
					n++
				}
			}
		}
	}
	if n != 24 {
		t.Fatal(n)
	}
}

func norm(t *testing.T, v any) any {
	raw, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	var out any
	json.Unmarshal(raw, &out)
	return out
}

// TestBadTrees: a tree without Organization, a malformed file and two
// default objects are errors naming the file or folder.
func TestBadTrees(t *testing.T) {
	dir := t.TempDir()
	if _, err := entraexporter.Read(dir); err == nil {
		t.Error("empty tree: no error")
	}
	write := func(p, s string) {
		full := filepath.Join(dir, filepath.FromSlash(p))
		os.MkdirAll(filepath.Dir(full), 0o755)
		os.WriteFile(full, []byte(s), 0o644)
	}
	write("Organization/Organization.json", `{"id":"22222222-2222-2222-2222-222222222222","displayName":"C","verifiedDomains":[]}`)
	if _, err := entraexporter.Read(dir); err != nil {
		t.Errorf("organization only: %v", err)
	}
	write("Policies/CrossTenantAccessPolicy/Default/a/a.json", `{"isServiceDefault":true}`)
	write("Policies/CrossTenantAccessPolicy/Default/b/b.json", `{"isServiceDefault":true}`)
	if _, err := entraexporter.Read(dir); err == nil {
		t.Error("two defaults: no error")
	}
	os.RemoveAll(filepath.Join(dir, "Policies"))
	write("Policies/CrossTenantAccessPolicy/Partners/p.json", `[1]`)
	if _, err := entraexporter.Read(dir); err == nil {
		t.Error("array of numbers: no error")
	}
	write("Policies/CrossTenantAccessPolicy/Partners/p.json", `{"tenantId": 5}`)
	if _, err := entraexporter.Read(dir); err == nil {
		t.Error("tenantId a number: no error")
	}
}
