package graph

import (
	"encoding/json"
	"errors"
	"os"
	"strings"
	"testing"
	"testing/fstest"
)

const contosoDir = "../../testdata/graph/contoso"

func TestImportContoso(t *testing.T) {
	got, err := Import([]string{contosoDir}, Options{})
	if err != nil {
		t.Fatal(err)
	}
	cfg, ok := got["22222222-2222-2222-2222-222222222222"].(map[string]any)
	if !ok || len(got) != 1 {
		t.Fatalf("want one tenant keyed by Contoso's id, got %v", keys(got))
	}
	if cfg["displayName"] != "Contoso" {
		t.Errorf("displayName = %v", cfg["displayName"])
	}
	if d, _ := json.Marshal(cfg["domains"]); string(d) != `["contoso.com"]` {
		t.Errorf("domains = %s", d)
	}
	ctap := cfg["crossTenantAccessPolicy"].(map[string]any)
	partners := ctap["partners"].(map[string]any)
	if len(partners) != 2 {
		t.Fatalf("partners from both pages: got %v", keys(partners))
	}
	northwind := partners["33333333-3333-3333-3333-333333333333"].(map[string]any)
	sync, ok := northwind["identitySynchronization"].(map[string]any)
	if !ok || sync["displayName"] != "Northwind" {
		t.Errorf("identitySynchronization not placed under its partner: %v", northwind["identitySynchronization"])
	}
	// Fields Graph returned are kept, nulls included.
	if v, ok := northwind["b2bCollaborationOutbound"]; !ok || v != nil {
		t.Errorf("null field dropped or changed: %v, %v", v, ok)
	}
	if ctap["isOrganizationDefault"] != true {
		t.Errorf("crossTenantAccessPolicy fields not kept: %v", ctap)
	}
	if _, ok := ctap["default"].(map[string]any)["inboundTrust"]; !ok {
		t.Errorf("default not kept")
	}
	if n := len(cfg["conditionalAccessPolicies"].([]any)); n != 2 {
		t.Errorf("conditionalAccessPolicies: %d", n)
	}
	if cfg["authorizationPolicy"].(map[string]any)["allowInvitesFrom"] != "adminsAndGuestInviters" {
		t.Errorf("authorizationPolicy not kept")
	}
	if _, ok := cfg["b2bManagementPolicy"].(map[string]any)["InvitationsAllowedAndBlockedDomainsPolicy"]; !ok {
		t.Errorf("b2bManagementPolicy not kept")
	}
	raw, _ := json.Marshal(got)
	if strings.Contains(string(raw), "@odata") {
		t.Errorf("OData annotations left in the output: %s", raw)
	}
}

func keys(m map[string]any) []string {
	out := []string{}
	for k := range m {
		out = append(out, k)
	}
	return out
}

func contosoFS(t *testing.T) fstest.MapFS {
	t.Helper()
	entries, err := os.ReadDir(contosoDir)
	if err != nil {
		t.Fatal(err)
	}
	fsys := fstest.MapFS{}
	for _, e := range entries {
		b, err := os.ReadFile(contosoDir + "/" + e.Name())
		if err != nil {
			t.Fatal(err)
		}
		fsys[e.Name()] = &fstest.MapFile{Data: b}
	}
	return fsys
}

func TestMalformedFiles(t *testing.T) {
	tests := []struct {
		name     string
		file     string
		data     string // "" removes the file
		wantFile string
		wantPath string
	}{
		{"not JSON", "default.json", `{"id": `, "default.json", ""},
		{"trailing data", "default.json", `{} {}`, "default.json", ""},
		{"default not an object", "default.json", `[]`, "default.json", ""},
		{"organization value not array", "organization.json", `{"value": {}}`, "organization.json", "/value"},
		{"organization id not a GUID", "organization.json", `{"value": [{"id": "contoso"}]}`, "organization.json", "/value/0/id"},
		{"domain name missing", "organization.json", `{"value": [{"id": "22222222-2222-2222-2222-222222222222", "verifiedDomains": [{"isDefault": true}]}]}`, "organization.json", "/value/0/verifiedDomains/0/name"},
		{"partner without tenantId", "partners-2.json", `{"value": [{"inboundTrust": null}]}`, "partners-2.json", "/value/0/tenantId"},
		{"partner not an object", "partners.json", `{"value": [1], "@odata.nextLink": "x"}`, "partners.json", "/value/0"},
		{"partners value missing", "partners.json", `{"@odata.nextLink": "x"}`, "partners.json", "/value"},
		{"duplicate partner", "partners-2.json", `{"value": [{"tenantId": "11111111-1111-1111-1111-111111111111"}]}`, "partners-2.json", "/value/0/tenantId"},
		{"next page missing", "partners-2.json", "", "partners.json", "/@odata.nextLink"},
		{"sync for a non-partner", "identitySynchronization-44444444-4444-4444-4444-444444444444.json", `{"userSyncInbound": {"isSyncAllowed": true}}`, "identitySynchronization-44444444-4444-4444-4444-444444444444.json", ""},
		{"sync tenantId differs", "identitySynchronization-33333333-3333-3333-3333-333333333333.json", `{"tenantId": "11111111-1111-1111-1111-111111111111"}`, "identitySynchronization-33333333-3333-3333-3333-333333333333.json", "/tenantId"},
		{"CA policy not an object", "conditionalAccessPolicies.json", `{"value": ["x"]}`, "conditionalAccessPolicies.json", "/value/0"},
		{"page gap", "conditionalAccessPolicies-3.json", `{"value": []}`, "conditionalAccessPolicies-2.json", ""},
		{"allowedCloudEndpoints wrong type", "crossTenantAccessPolicy.json", `{"allowedCloudEndpoints": "x"}`, "crossTenantAccessPolicy.json", "/allowedCloudEndpoints"},
		{"organization missing", "organization.json", "", "organization.json", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fsys := contosoFS(t)
			if tt.data == "" {
				delete(fsys, tt.file)
			} else {
				fsys[tt.file] = &fstest.MapFile{Data: []byte(tt.data)}
			}
			_, err := ReadFS(fsys, "contoso", Options{})
			var ge *Error
			if !errors.As(err, &ge) {
				t.Fatalf("want *graph.Error, got %v", err)
			}
			if ge.File != "contoso/"+tt.wantFile || ge.Path != tt.wantPath {
				t.Errorf("got file %q path %q (%v), want %q %q", ge.File, ge.Path, err, tt.wantFile, tt.wantPath)
			}
		})
	}
}

func TestTenantIDOption(t *testing.T) {
	fsys := contosoFS(t)
	delete(fsys, "organization.json")
	got, err := ReadFS(fsys, "contoso", Options{TenantID: "22222222-2222-2222-2222-22222222222A"})
	if err != nil {
		t.Fatal(err)
	}
	if got.ID != "22222222-2222-2222-2222-22222222222a" {
		t.Errorf("id = %s", got.ID)
	}
	if _, err := ReadFS(contosoFS(t), "contoso", Options{TenantID: "11111111-1111-1111-1111-111111111111"}); err == nil {
		t.Error("a --tenant-id that differs from organization.json must be an error")
	}
}

func TestMerge(t *testing.T) {
	base := map[string]any{
		"22222222-2222-2222-2222-22222222222A": map[string]any{"cloud": "microsoftonline.us", "displayName": "old"},
		"11111111-1111-1111-1111-111111111111": map[string]any{"displayName": "Fabrikam"},
	}
	imported := map[string]any{"22222222-2222-2222-2222-22222222222a": map[string]any{"displayName": "Contoso"}}
	got, err := Merge(base, imported)
	if err != nil {
		t.Fatal(err)
	}
	want := `{"11111111-1111-1111-1111-111111111111":{"displayName":"Fabrikam"},"22222222-2222-2222-2222-22222222222a":{"cloud":"microsoftonline.us","displayName":"Contoso"}}`
	if b, _ := json.Marshal(got); string(b) != want {
		t.Errorf("got %s", b)
	}
	if _, err := Merge(map[string]any{"a": map[string]any{}, "A": map[string]any{}}, nil); err == nil {
		t.Error("keys equal but for case must be an error")
	}
}

// FuzzReadFS feeds outside bytes as each kind of export file: the importer
// must return a tenant or an *Error, never panic, and never leave an OData
// annotation in what it returns.
func FuzzReadFS(f *testing.F) {
	for _, name := range []string{"organization.json", "partners.json", "default.json", "conditionalAccessPolicies.json"} {
		b, err := os.ReadFile(contosoDir + "/" + name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(uint8(0), b)
		f.Add(uint8(1), b)
	}
	f.Add(uint8(2), []byte(`{"value":[{"tenantId":"33333333-3333-3333-3333-333333333333","@odata.x":1}],"@odata.nextLink":null}`))
	f.Add(uint8(3), []byte(`{"tenantId":"33333333-3333-3333-3333-333333333333","a":{"@odata.type":"#x"}}`))
	files := []string{
		"organization.json", "partners.json", "partners-2.json", "default.json",
		"identitySynchronization-33333333-3333-3333-3333-333333333333.json",
		"conditionalAccessPolicies.json", "crossTenantAccessPolicy.json", "b2bManagementPolicy.json",
	}
	f.Fuzz(func(t *testing.T, which uint8, data []byte) {
		fsys := fstest.MapFS{
			"organization.json": &fstest.MapFile{Data: []byte(`{"value":[{"id":"22222222-2222-2222-2222-222222222222"}]}`)},
			"partners.json":     &fstest.MapFile{Data: []byte(`{"value":[{"tenantId":"33333333-3333-3333-3333-333333333333"}]}`)},
		}
		fsys[files[int(which)%len(files)]] = &fstest.MapFile{Data: data}
		got, err := ReadFS(fsys, "d", Options{})
		if err != nil {
			var ge *Error
			if !errors.As(err, &ge) {
				t.Fatalf("error is not a *graph.Error: %v", err)
			}
			return
		}
		if _, err := json.Marshal(got.Config); err != nil {
			t.Fatalf("result does not marshal: %v", err)
		}
		if k := odataKey(got.Config); k != "" {
			t.Fatalf("annotation %q kept", k)
		}
	})
}

func odataKey(v any) string {
	switch t := v.(type) {
	case map[string]any:
		for k, c := range t {
			if strings.HasPrefix(k, "@odata.") {
				return k
			}
			if found := odataKey(c); found != "" {
				return found
			}
		}
	case []any:
		for _, c := range t {
			if found := odataKey(c); found != "" {
				return found
			}
		}
	}
	return ""
}
