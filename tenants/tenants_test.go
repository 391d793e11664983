package tenants_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/xtenant/xtenant/tenants"
)

const contoso = "22222222-2222-2222-2222-222222222222"

func TestParseErrors(t *testing.T) {
	tests := []struct{ name, doc, want string }{
		{"not json", `{`, "tenants.json: not valid JSON"},
		{"trailing", `{} {}`, "unexpected data"},
		{"not an object", `[]`, "expected an object keyed by tenant id, got array"},
		{"bad key", `{"contoso": {}}`, `tenants.json: /contoso: tenant key "contoso": expected a tenant id (GUID)`},
		{"twice by case", `{"2222AAAA-2222-2222-2222-222222222222": {}, "2222aaaa-2222-2222-2222-222222222222": {}}`, "defined twice"},
		{"tenant not an object", `{"` + contoso + `": []}`, "tenant " + contoso + ": /: expected object, got array"},
		{"bool as string", `{"` + contoso + `": {"crossTenantAccessPolicy": {"default": {"inboundTrust": {"isMfaAccepted": "true"}}}}}`,
			"tenants.json: tenant " + contoso + ": /crossTenantAccessPolicy/default/inboundTrust/isMfaAccepted: expected boolean, got string"},
		{"targets not an array", `{"` + contoso + `": {"crossTenantAccessPolicy": {"default": {"b2bCollaborationInbound": {"usersAndGroups": {"targets": {}}}}}}}`,
			"/crossTenantAccessPolicy/default/b2bCollaborationInbound/usersAndGroups/targets: expected array, got object"},
		{"target null item", `{"` + contoso + `": {"crossTenantAccessPolicy": {"default": {"b2bCollaborationInbound": {"usersAndGroups": {"targets": [null]}}}}}}`,
			"/targets/0: expected object, got null"},
		{"accessType number", `{"` + contoso + `": {"crossTenantAccessPolicy": {"default": {"tenantRestrictions": {"applications": {"accessType": 1}}}}}}`,
			"/tenantRestrictions/applications/accessType: expected string, got number"},
		{"partner key", `{"` + contoso + `": {"crossTenantAccessPolicy": {"partners": {"fabrikam": {}}}}}`, `/crossTenantAccessPolicy/partners/fabrikam: partner key "fabrikam"`},
		{"partner tenantId", `{"` + contoso + `": {"crossTenantAccessPolicy": {"partners": {"11111111-1111-1111-1111-111111111111": {"tenantId": "33333333-3333-3333-3333-333333333333"}}}}}`,
			"/crossTenantAccessPolicy/partners/11111111-1111-1111-1111-111111111111/tenantId: expected the partner's key"},
		{"sync flag", `{"` + contoso + `": {"crossTenantAccessPolicy": {"partners": {"11111111-1111-1111-1111-111111111111": {"identitySynchronization": {"userSyncInbound": {"isSyncAllowed": 1}}}}}}}`,
			"/identitySynchronization/userSyncInbound/isSyncAllowed: expected boolean, got number"},
		{"ca state", `{"` + contoso + `": {"conditionalAccessPolicies": [{"state": true}]}}`, "/conditionalAccessPolicies/0/state: expected string, got boolean"},
		{"ca policies object", `{"` + contoso + `": {"conditionalAccessPolicies": {}}}`, "/conditionalAccessPolicies: expected array, got object"},
		{"ca include users", `{"` + contoso + `": {"conditionalAccessPolicies": [{"conditions": {"users": {"includeUsers": "All"}}}]}}`, "/conditionalAccessPolicies/0/conditions/users/includeUsers: expected array, got string"},
		{"grant controls", `{"` + contoso + `": {"conditionalAccessPolicies": [{"grantControls": {"builtInControls": [1]}}]}}`, "/grantControls/builtInControls/0: expected string, got number"},
		{"allowInvitesFrom", `{"` + contoso + `": {"authorizationPolicy": {"allowInvitesFrom": false}}}`, "/authorizationPolicy/allowInvitesFrom: expected string, got boolean"},
		{"blocked domains", `{"` + contoso + `": {"b2bManagementPolicy": {"InvitationsAllowedAndBlockedDomainsPolicy": {"BlockedDomains": "x.com"}}}}`, "/BlockedDomains: expected array, got string"},
		{"domains", `{"` + contoso + `": {"domains": [1]}}`, "/domains/0: expected string, got number"},
		{"cloud", `{"` + contoso + `": {"cloud": 1}}`, "/cloud: expected string, got number"},
		{"domain claimed twice", `{"` + contoso + `": {"domains": ["Contoso.com"]}, "11111111-1111-1111-1111-111111111111": {"domains": ["contoso.com"]}}`, `domain "contoso.com" is also claimed`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s, err := tenants.Parse("tenants.json", []byte(tc.doc))
			if err == nil {
				t.Fatalf("accepted: %v", s.Data())
			}
			if !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %q\nwant it to contain %q", err, tc.want)
			}
		})
	}
}

func TestNormaliseAndWarnings(t *testing.T) {
	doc := `{"2222AAAA-2222-2222-2222-222222222222": {
	  "displayName": null, "futureField": {"x": 1}, "domains": ["Contoso.COM"],
	  "crossTenantAccessPolicy": {
	    "default": {"id": "D0D0D0D0-2222-4000-8000-000000000002",
	      "b2bCollaborationInbound": {"usersAndGroups": {"accessType": "allowed", "targets": [{"target": "ABCDEF00-0000-0000-0000-000000000001", "targetType": "group"}]},
	                                  "applications": {"accessType": "unknownFutureValue", "targets": [{"target": "AllApplications", "targetType": "application"}]}},
	      "automaticUserConsentSettings": {"inboundAllowed": true, "outboundAllowed": null}},
	    "partners": {"1111AAAA-1111-1111-1111-111111111111": {"tenantId": "1111aaaa-1111-1111-1111-111111111111", "inboundTrust": null}}},
	  "conditionalAccessPolicies": [{"state": "enabled", "conditions": {"users": {"includeUsers": ["All", "AAAAAAAA-0000-0000-0000-000000000001"],
	    "includeGuestsOrExternalUsers": {"guestOrExternalUserTypes": "b2bCollaborationGuest,martian", "externalTenants": {"membershipKind": "enumerated", "members": ["1111AAAA-1111-1111-1111-111111111111"]}}}}}]
	}}`
	s, err := tenants.Parse("t.json", []byte(doc))
	if err != nil {
		t.Fatal(err)
	}
	id := "2222aaaa-2222-2222-2222-222222222222"
	if got := s.IDs(); len(got) != 1 || got[0] != id {
		t.Fatalf("ids %v", got)
	}
	data := s.Data()
	tn := data["tenants"].(map[string]any)[id].(map[string]any)
	if tn["futureField"] == nil {
		t.Error("unknown field dropped")
	}
	ctap := tn["crossTenantAccessPolicy"].(map[string]any)
	def := ctap["default"].(map[string]any)
	if def["id"] != "d0d0d0d0-2222-4000-8000-000000000002" {
		t.Errorf("default id %v", def["id"])
	}
	target := def["b2bCollaborationInbound"].(map[string]any)["usersAndGroups"].(map[string]any)["targets"].([]any)[0].(map[string]any)
	if target["target"] != "abcdef00-0000-0000-0000-000000000001" {
		t.Errorf("target %v", target["target"])
	}
	if _, ok := ctap["partners"].(map[string]any)["1111aaaa-1111-1111-1111-111111111111"]; !ok {
		t.Error("partner key not lower-cased")
	}
	users := tn["conditionalAccessPolicies"].([]any)[0].(map[string]any)["conditions"].(map[string]any)["users"].(map[string]any)
	if inc := users["includeUsers"].([]any); inc[0] != "All" || inc[1] != "aaaaaaaa-0000-0000-0000-000000000001" {
		t.Errorf("includeUsers %v", inc)
	}
	if got := data["domains"].(map[string]any)["contoso.com"]; got != id {
		t.Errorf("domains %v", data["domains"])
	}
	want := map[string]bool{"unknown value \"unknownFutureValue\"": false, "unknown value \"martian\"": false}
	for _, w := range s.Warnings() {
		for k := range want {
			if strings.Contains(w.Message, k) {
				want[k] = true
			}
		}
		if w.Tenant != id || w.Path == "" {
			t.Errorf("warning %+v", w)
		}
	}
	for k, seen := range want {
		if !seen {
			t.Errorf("no warning about %s in %v", k, s.Warnings())
		}
	}
}

func TestLoadDirectoryAndYAML(t *testing.T) {
	dir := t.TempDir()
	write := func(name, body string) {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("a.json", `{"11111111-1111-1111-1111-111111111111": {"displayName": "Fabrikam"}}`)
	write("b.yaml", "22222222-2222-2222-2222-222222222222:\n  displayName: Contoso\n  domains: [contoso.com]\n")
	write("notes.txt", "ignored")
	write(".hidden.json", "{")
	s, err := tenants.Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	if s.Len() != 2 || len(s.Hash()) != 64 || len(s.ShortHash()) != 12 {
		t.Fatalf("set %v %q", s.IDs(), s.Hash())
	}
	write("c.yml", "11111111-1111-1111-1111-111111111111: {}\n")
	if _, err := tenants.Load(dir); err == nil || !strings.Contains(err.Error(), "defined twice") || !strings.Contains(err.Error(), "a.json") {
		t.Fatalf("duplicate tenant across files: %v", err)
	}
	write("c.yml", "11111111-1111-1111-1111-111111111111: [\n")
	if _, err := tenants.Load(dir); err == nil || !strings.Contains(err.Error(), "c.yml") {
		t.Fatalf("bad YAML: %v", err)
	}
}

func TestHashStableAndFromObject(t *testing.T) {
	a, err := tenants.Parse("a.json", []byte(`{"22222222-2222-2222-2222-222222222222": {"displayName": "Contoso", "domains": ["contoso.com"]}}`))
	if err != nil {
		t.Fatal(err)
	}
	obj := map[string]any{"22222222-2222-2222-2222-222222222222": map[string]any{"domains": []any{"Contoso.com"}, "displayName": "Contoso"}}
	b, err := tenants.FromObject("b", obj)
	if err != nil {
		t.Fatal(err)
	}
	if a.Hash() != b.Hash() {
		t.Error("equal content, different hashes")
	}
	if obj["22222222-2222-2222-2222-222222222222"].(map[string]any)["domains"].([]any)[0] != "Contoso.com" {
		t.Error("FromObject modified its argument")
	}
}

func TestScenarioTenantsLoad(t *testing.T) {
	files, _ := filepath.Glob("../testdata/scenarios/*.json")
	for _, f := range files {
		raw, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		var probe struct{ Tenants map[string]any }
		if err := jsonUnmarshal(raw, &probe); err != nil {
			t.Fatal(err)
		}
		if _, err := tenants.FromObject(f, probe.Tenants); err != nil {
			t.Error(err)
		}
	}
}

// FuzzParse: Parse never panics, and an accepted set re-validates to the
// same content.
func FuzzParse(f *testing.F) {
	f.Add([]byte(`{"22222222-2222-2222-2222-222222222222": {"crossTenantAccessPolicy": {"default": {"inboundTrust": {"isMfaAccepted": true}}, "partners": {"11111111-1111-1111-1111-111111111111": {"tenantId": "11111111-1111-1111-1111-111111111111"}}}, "domains": ["contoso.com"]}}`))
	f.Add([]byte(`{"22222222-2222-2222-2222-222222222222": {"conditionalAccessPolicies": [{"state": "enabled", "conditions": {"users": {"includeUsers": ["All"]}}, "grantControls": {"operator": "OR", "builtInControls": ["mfa"]}}]}}`))
	f.Add([]byte(`{}`))
	f.Add([]byte(`{"x": 1}`))
	if raw, err := os.ReadFile("../bundles/examples/tenants.json"); err == nil {
		f.Add(raw)
	}
	f.Fuzz(func(t *testing.T, raw []byte) {
		s, err := tenants.Parse("fuzz.json", raw)
		if err != nil {
			return
		}
		again, err := tenants.FromObject("again", s.Data()["tenants"].(map[string]any))
		if err != nil {
			t.Fatalf("accepted set does not re-validate: %v", err)
		}
		if again.Hash() != s.Hash() {
			t.Fatal("re-validation changed the content")
		}
	})
}

// TestIncompleteConditionalAccessWarns: §8.23 (issue 9, reproduction 3). A
// policy that is not disabled and lacks conditions.users or
// conditions.applications is reported by tenant, policy id and JSON path; a
// disabled one is not, and unknown enums in a policy name its id too.
func TestIncompleteConditionalAccessWarns(t *testing.T) {
	doc := `{"22222222-2222-2222-2222-222222222222": {"conditionalAccessPolicies": [
	  {"id": "p-no-apps", "state": "enabled", "conditions": {"users": {"includeUsers": ["All"]}}, "grantControls": {"operator": "OR", "builtInControls": ["block"]}},
	  {"id": "p-no-users", "state": "enabledForReportingButNotEnforced", "conditions": {"applications": {"includeApplications": ["All"]}}},
	  {"id": "p-no-conditions", "state": "enabled"},
	  {"id": "p-disabled", "state": "disabled", "conditions": {}},
	  {"id": "p-workload", "state": "enabled", "conditions": {"applications": {"includeApplications": ["All"]}, "clientApplications": {"includeServicePrincipals": ["ServicePrincipalsInMyTenant"]}}},
	  {"id": "p-unknown-grant", "state": "enabled", "conditions": {"users": {"includeUsers": ["All"]}, "applications": {"includeApplications": ["All"]}},
	   "grantControls": {"operator": "OR", "builtInControls": ["futureControl"]}}
	]}}`
	s, err := tenants.Parse("t.json", []byte(doc))
	if err != nil {
		t.Fatal(err)
	}
	tenant := "22222222-2222-2222-2222-222222222222"
	tests := []struct{ path, policy string }{
		{"/conditionalAccessPolicies/0/conditions/applications", `policy "p-no-apps": §8.23`},
		{"/conditionalAccessPolicies/1/conditions/users", `policy "p-no-users": §8.23`},
		{"/conditionalAccessPolicies/2/conditions/users", `policy "p-no-conditions": §8.23`},
		{"/conditionalAccessPolicies/2/conditions/applications", `policy "p-no-conditions": §8.23`},
		{"/conditionalAccessPolicies/5/grantControls/builtInControls/0", `policy "p-unknown-grant": unknown value "futureControl"`},
	}
	for _, tc := range tests {
		found := false
		for _, w := range s.Warnings() {
			if w.Tenant == tenant && w.Path == tc.path && strings.HasPrefix(w.Message, tc.policy) {
				found = true
			}
		}
		if !found {
			t.Errorf("no warning %s at %s in %v", tc.policy, tc.path, s.Warnings())
		}
	}
	for _, w := range s.Warnings() {
		if strings.Contains(w.Path, "/conditionalAccessPolicies/3/") || strings.Contains(w.Path, "/conditionalAccessPolicies/4/") {
			t.Errorf("warning about a disabled or a workload identity policy: %v", w)
		}
	}
}
