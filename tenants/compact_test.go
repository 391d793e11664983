package tenants_test

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"

	"github.com/xtenant/xtenant/tenants"
)

const (
	fabrikam  = "11111111-1111-1111-1111-111111111111"
	northwind = "33333333-3333-3333-3333-333333333333"
)

// Partner entries are held as their canonical JSON; Tenants gives them
// decoded, the content hash is the one of the decoded tenants, and a
// document read tenant by tenant equals the same document handed over
// decoded (FromObject).
func TestPartnersCompacted(t *testing.T) {
	doc := `{"` + contoso + `": {"displayName": "Contoso", "crossTenantAccessPolicy": {"partners": {
	  "1111AAAA-1111-1111-1111-111111111111": {"tenantId": "1111aaaa-1111-1111-1111-111111111111", "b2bCollaborationInbound": {"usersAndGroups": {"accessType": "allowed", "targets": [{"target": "AllUsers", "targetType": "user"}]}}, "note": "<&>"},
	  "` + northwind + `": null}}},
	 "` + fabrikam + `": {"displayName": "Fabrikam"}}`
	s, err := tenants.Parse("tenants.json", []byte(doc))
	if err != nil {
		t.Fatal(err)
	}
	data := s.Data()["tenants"].(map[string]any)
	partners := data[contoso].(map[string]any)["crossTenantAccessPolicy"].(map[string]any)["partners"].(map[string]any)
	raw, ok := partners["1111aaaa-1111-1111-1111-111111111111"].(json.RawMessage)
	if !ok {
		t.Fatalf("partner entry held as %T, want json.RawMessage", partners["1111aaaa-1111-1111-1111-111111111111"])
	}
	var decoded any
	if err := json.Unmarshal(raw, &decoded); err != nil {
		t.Fatal(err)
	}
	canonical, _ := json.Marshal(decoded)
	if string(raw) != string(canonical) {
		t.Errorf("entry bytes\n%s\nare not json.Marshal's\n%s", raw, canonical)
	}
	if partners[northwind] != nil {
		t.Errorf("null partner entry became %v", partners[northwind])
	}
	expanded := s.Tenants()[contoso].(map[string]any)["crossTenantAccessPolicy"].(map[string]any)["partners"].(map[string]any)
	if _, ok := expanded["1111aaaa-1111-1111-1111-111111111111"].(map[string]any); !ok {
		t.Errorf("Tenants: entry is %T, want a decoded object", expanded["1111aaaa-1111-1111-1111-111111111111"])
	}
	// Tenants' maps are fresh: Data still holds the bytes.
	if _, ok := partners["1111aaaa-1111-1111-1111-111111111111"].(json.RawMessage); !ok {
		t.Error("Tenants changed the set")
	}
	var obj map[string]any
	if err := json.Unmarshal([]byte(doc), &obj); err != nil {
		t.Fatal(err)
	}
	whole, err := tenants.FromObject("tenants.json", obj)
	if err != nil {
		t.Fatal(err)
	}
	if whole.Hash() != s.Hash() || !reflect.DeepEqual(whole.Tenants(), s.Tenants()) {
		t.Errorf("streamed and whole differ: %s vs %s", s.Hash(), whole.Hash())
	}
}

// A document with errors in several tenants reports the first tenant in
// sorted order, whatever the order in the file; a tenant key repeated
// exactly keeps the last value, as encoding/json does.
func TestParseStreamFallsBack(t *testing.T) {
	bad := `{"crossTenantAccessPolicy": {"default": {"inboundTrust": {"isMfaAccepted": "yes"}}}}`
	doc := `{"` + northwind + `": ` + bad + `, "` + fabrikam + `": ` + bad + `}`
	_, err := tenants.Parse("tenants.json", []byte(doc))
	if err == nil || !strings.Contains(err.Error(), "tenant "+fabrikam+":") {
		t.Errorf("error %v; want the one of %s", err, fabrikam)
	}
	s, err := tenants.Parse("tenants.json", []byte(`{"`+fabrikam+`": {"displayName": "A"}, "`+fabrikam+`": {"displayName": "B"}}`))
	if err != nil {
		t.Fatal(err)
	}
	if name := s.Tenants()[fabrikam].(map[string]any)["displayName"]; name != "B" {
		t.Errorf("repeated key: displayName %v, want B", name)
	}
}
