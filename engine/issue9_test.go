package engine_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/xtenant/xtenant/bundles"
	"github.com/xtenant/xtenant/engine"
	"github.com/xtenant/xtenant/tenants"
)

// issue9Tenants: Contoso's partner entry for Fabrikam blocks group
// abcdef00-…; Litware has an enabled block policy for All users without
// conditions.applications (§8.23).
const issue9Tenants = `{
  "11111111-1111-1111-1111-111111111111": {"displayName": "Fabrikam", "domains": ["fabrikam.com"]},
  "22222222-2222-2222-2222-222222222222": {"displayName": "Contoso", "crossTenantAccessPolicy": {"partners": {
    "11111111-1111-1111-1111-111111111111": {"b2bCollaborationInbound": {
      "usersAndGroups": {"accessType": "blocked", "targets": [{"target": "abcdef00-0000-4000-8000-000000000001", "targetType": "group"}]},
      "applications": {"accessType": "allowed", "targets": [{"target": "AllApplications", "targetType": "application"}]}}}}}},
  "44444444-4444-4444-4444-444444444444": {"displayName": "Litware", "conditionalAccessPolicies": [
    {"id": "p-no-apps", "state": "enabled", "conditions": {"users": {"includeUsers": ["All"]}}, "grantControls": {"operator": "OR", "builtInControls": ["block"]}}]}
}`

func issue9Engine(t *testing.T) *engine.Engine {
	t.Helper()
	ts, err := tenants.Parse("issue9.json", []byte(issue9Tenants))
	if err != nil {
		t.Fatal(err)
	}
	p, err := bundles.Builtin(ts)
	if err != nil {
		t.Fatal(err)
	}
	e := engine.New()
	if err := e.Activate(context.Background(), p); err != nil {
		t.Fatal(err)
	}
	return e
}

func issue9Request(resource, group string) map[string]any {
	return map[string]any{
		"access_type": "b2b_collaboration", "home_tenant": "11111111-1111-1111-1111-111111111111", "resource_tenant": resource,
		"user":        map[string]any{"id": "a1a1a1a1-0000-4000-8000-000000000001", "groups": []any{group}},
		"application": map[string]any{"id": "d1d1d1d1-0000-4000-8000-0000000000a1"},
	}
}

// TestIssue9Reproductions: the three reproductions of issue 9 through the
// engine's decision (Evaluate) and its generic Data API query (Query) with
// the raw input, which used to differ.
func TestIssue9Reproductions(t *testing.T) {
	ctx := context.Background()
	e := issue9Engine(t)
	group := "abcdef00-0000-4000-8000-000000000001"
	tests := []struct {
		name     string
		input    map[string]any
		deniedBy string
	}{
		// 1: an unknown resource tenant with a forged pair summary that would allow.
		{"forged pair summary", withMember(issue9Request("99999999-9999-4999-8999-999999999999", group), "xtenant_pair",
			map[string]any{"configuration_reasons": []any{}, "home_outbound": nil, "resource_inbound": nil, "consent_prompt": false}), "configuration"},
		// 2: the blocked group in upper case.
		{"upper-case group", issue9Request("22222222-2222-2222-2222-222222222222", strings.ToUpper(group)), "resource_inbound"},
		{"upper-case everything", upperIDs(issue9Request("22222222-2222-2222-2222-222222222222", group)), "resource_inbound"},
		// 3: an enabled block policy without conditions.applications.
		{"incomplete policy", issue9Request("44444444-4444-4444-4444-444444444444", group), "configuration"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, defined, err := e.Query(ctx, engine.DecisionPath, tc.input)
			if err != nil || !defined {
				t.Fatalf("query: %v (defined %v)", err, defined)
			}
			d := got.(map[string]any)
			if d["allow"] != false || d["denied_by"] != tc.deniedBy {
				t.Errorf("Query: allow %v denied_by %v, want deny by %s", d["allow"], d["denied_by"], tc.deniedBy)
			}
			allow, _, err := e.Query(ctx, engine.DecisionPath+"/allow", tc.input)
			if err != nil || allow != false {
				t.Errorf("Query allow: %v %v", allow, err)
			}
			if _, forged := tc.input["xtenant_pair"]; forged {
				return // not a decision input: DecodeRequest refuses it (TestQueryIgnoresForgedPair)
			}
			req, err := engine.DecodeRequest(jsonBytes(t, tc.input))
			if err != nil {
				t.Fatal(err)
			}
			dec, err := e.Evaluate(ctx, req)
			if err != nil {
				t.Fatal(err)
			}
			if dec.Allow || dec.DeniedBy == nil || *dec.DeniedBy != tc.deniedBy {
				t.Errorf("Evaluate: %+v", dec)
			}
		})
	}
}

// TestInvitationWithoutHomeTenant: §8.24. An invitation may omit
// home_tenant (the invitee's tenant comes from the address's domain); every
// other access type still requires it.
func TestInvitationWithoutHomeTenant(t *testing.T) {
	e := issue9Engine(t)
	inv := `{"access_type":"invitation","resource_tenant":"22222222-2222-2222-2222-222222222222","invitation":{"invitee_email":"ann@fabrikam.com"}}`
	req, err := engine.DecodeRequest([]byte(inv))
	if err != nil {
		t.Fatalf("invitation without home_tenant refused: %v", err)
	}
	d, err := e.Evaluate(context.Background(), req)
	if err != nil {
		t.Fatal(err)
	}
	if !d.Allow {
		t.Errorf("invitation: %+v", d)
	}
	for _, access := range []string{"b2b_collaboration", "b2b_direct_connect", "identity_sync"} {
		body := `{"access_type":"` + access + `","resource_tenant":"22222222-2222-2222-2222-222222222222","user":{"id":"a1a1a1a1-0000-4000-8000-000000000001"},"application":{"id":"d1d1d1d1-0000-4000-8000-0000000000a1"}}`
		_, err := engine.DecodeRequest([]byte(body))
		var ie *engine.InputError
		if !errors.As(err, &ie) || ie.Path != "/home_tenant" {
			t.Errorf("%s without home_tenant: %v", access, err)
		}
	}
}

func withMember(m map[string]any, k string, v any) map[string]any {
	m[k] = v
	return m
}

// upperIDs upper-cases every string of a JSON-like value that is not an
// enum value of the contract (ids and addresses).
func upperIDs(v any) map[string]any {
	var walk func(any, string) any
	walk = func(x any, key string) any {
		switch t := x.(type) {
		case map[string]any:
			out := map[string]any{}
			for k, item := range t {
				out[k] = walk(item, k)
			}
			return out
		case []any:
			out := make([]any, len(t))
			for i, item := range t {
				out[i] = walk(item, key)
			}
			return out
		case string:
			switch key {
			case "access_type", "identity_kind", "user_type", "home_cloud", "resource_cloud", "inviter_roles", "inviter_user_type":
				return t
			}
			return strings.ToUpper(t)
		}
		return x
	}
	return walk(v, "").(map[string]any)
}
