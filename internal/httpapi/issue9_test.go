package httpapi_test

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/xtenant/xtenant/internal/decisionlog"
	"github.com/xtenant/xtenant/internal/httpapi"
	"github.com/xtenant/xtenant/tenants"
)

// The tenants of issue 9's reproductions: Contoso's partner entry for
// Fabrikam blocks group abcdef00-…; Litware has an enabled block policy for
// All users without conditions.applications (§8.23).
const issue9Tenants = `{
  "11111111-1111-1111-1111-111111111111": {"displayName": "Fabrikam"},
  "22222222-2222-2222-2222-222222222222": {"displayName": "Contoso", "crossTenantAccessPolicy": {"partners": {
    "11111111-1111-1111-1111-111111111111": {"b2bCollaborationInbound": {
      "usersAndGroups": {"accessType": "blocked", "targets": [{"target": "abcdef00-0000-4000-8000-000000000001", "targetType": "group"}]},
      "applications": {"accessType": "allowed", "targets": [{"target": "AllApplications", "targetType": "application"}]}}}}}},
  "44444444-4444-4444-4444-444444444444": {"displayName": "Litware", "conditionalAccessPolicies": [
    {"id": "p-no-apps", "state": "enabled", "conditions": {"users": {"includeUsers": ["All"]}}, "grantControls": {"operator": "OR", "builtInControls": ["block"]}}]}
}`

func issue9Input(resource, group string) string {
	return `{"access_type":"b2b_collaboration","home_tenant":"11111111-1111-1111-1111-111111111111","resource_tenant":"` + resource +
		`","user":{"id":"a1a1a1a1-0000-4000-8000-000000000001","groups":["` + group + `"]},"application":{"id":"d1d1d1d1-0000-4000-8000-0000000000a1"}}`
}

const (
	contoso    = "22222222-2222-2222-2222-222222222222"
	litware    = "44444444-4444-4444-4444-444444444444"
	blockedGrp = "abcdef00-0000-4000-8000-000000000001"
)

// issue9Fixture is the real router, cache and decision log (to a file).
func issue9Fixture(t *testing.T) (*fixture, func() []map[string]any) {
	t.Helper()
	ts, err := tenants.Parse("issue9.json", []byte(issue9Tenants))
	if err != nil {
		t.Fatal(err)
	}
	logPath := filepath.Join(t.TempDir(), "decisions.log")
	dl, err := decisionlog.New(decisionlog.Config{Sink: "file:" + logPath})
	if err != nil {
		t.Fatal(err)
	}
	closed := false
	t.Cleanup(func() {
		if !closed {
			_ = dl.Close(context.Background())
		}
	})
	// With --expose-data, so that every path reaches the policy checks
	// below; without it those paths are 403 before anything is read
	// (TestDataNotExposed and the last subtest here).
	f := newFixture(t, ts, func(c *httpapi.Config) { c.Evaluator = dl.Wrap(c.Evaluator); c.ExposeData = true })
	events := func() []map[string]any {
		closed = true
		if err := dl.Close(context.Background()); err != nil {
			t.Fatal(err)
		}
		raw, err := os.ReadFile(logPath)
		if err != nil {
			t.Fatal(err)
		}
		var out []map[string]any
		for _, line := range bytes.Split(bytes.TrimSpace(raw), []byte("\n")) {
			if len(line) == 0 {
				continue
			}
			var e map[string]any
			if err := json.Unmarshal(line, &e); err != nil {
				t.Fatalf("decision log line %s: %v", line, err)
			}
			out = append(out, e)
		}
		return out
	}
	return f, events
}

// TestIssue9DataAPIReproductions: the three reproductions of issue 9 on
// every Data API path under xtenant/access. Reproduction 1: an input member
// carrying a pair summary is refused (400), never evaluated. Reproduction 2:
// an upper-case group id decides as lower case on decision and its members,
// through the cache and the decision log. Reproduction 3: an incomplete
// Conditional Access policy is a configuration deny.
func TestIssue9DataAPIReproductions(t *testing.T) {
	f, events := issue9Fixture(t)
	upper := issue9Input(contoso, strings.ToUpper(blockedGrp))
	forged := strings.TrimSuffix(issue9Input("99999999-9999-4999-8999-999999999999", blockedGrp), "}") +
		`,"xtenant_pair":{"configuration_reasons":[],"home_outbound":null,"resource_inbound":null}}`

	t.Run("member paths answer the decision", func(t *testing.T) {
		tests := []struct {
			path, input, want string
		}{
			{"decision/allow", upper, `false`},
			{"decision/decision", upper, `"deny"`},
			{"decision/denied_by", upper, `"resource_inbound"`},
			{"decision/error_code", upper, `"AADSTS500213"`},
			{"decision/reasons/0/code", upper, `"RESOURCE_INBOUND_BLOCKED"`},
			{"decision/controls/mfa", upper, `"not_required"`},
			{"decision/allow", issue9Input(contoso, "abcdef00-0000-4000-8000-000000000002"), `true`},
			{"decision/allow", issue9Input(litware, blockedGrp), `false`},
			{"decision/denied_by", issue9Input(litware, blockedGrp), `"configuration"`},
			{"decision/reasons/0/rule", issue9Input(litware, blockedGrp), `"§8.23"`},
		}
		for _, tc := range tests {
			rec := f.do("POST", "/v1/data/xtenant/access/"+tc.path, `{"input": `+tc.input+`}`)
			if rec.Code != http.StatusOK {
				t.Fatalf("%s: %d %s", tc.path, rec.Code, rec.Body)
			}
			var out struct {
				Result     json.RawMessage `json:"result"`
				DecisionID string          `json:"decision_id"`
			}
			if err := json.Unmarshal(rec.Body.Bytes(), &out); err != nil {
				t.Fatal(err)
			}
			if string(out.Result) != tc.want || out.DecisionID == "" {
				t.Errorf("%s: got %s (id %q), want %s", tc.path, out.Result, out.DecisionID, tc.want)
			}
		}
		// GET with ?input= takes the same way.
		rec := f.do("GET", "/v1/data/xtenant/access/decision/allow?input="+url.QueryEscape(upper), "")
		if rec.Code != http.StatusOK || !strings.Contains(rec.Body.String(), `"result":false`) {
			t.Errorf("GET decision/allow: %d %s", rec.Code, rec.Body)
		}
		// A member the decision lacks is undefined, as in OPA.
		for _, p := range []string{"decision/nope", "decision/reasons/7", "decision/reasons/x", "decision/allow/x"} {
			rec := f.do("POST", "/v1/data/xtenant/access/"+p, `{"input": `+upper+`}`)
			if rec.Code != http.StatusOK || strings.Contains(rec.Body.String(), `"result"`) {
				t.Errorf("%s: %d %s", p, rec.Code, rec.Body)
			}
		}
	})

	// Every other path holding the package's rules: bad input is a 400
	// naming the field, good input is refused; neither is ever an allow.
	paths := []string{"", "xtenant", "xtenant/access", "xtenant/access/explain", "xtenant/access/reasons",
		"xtenant/access/tenant_pair", "xtenant/access/tenant_pair_computed", "xtenant/access/verdict", "xtenant/access/decision/allow",
		"xtenant/access/decision"}
	bad := []struct{ input, path string }{
		{strings.Replace(upper, `"b2b_collaboration"`, `"admin"`, 1), "/input/access_type"},
		{strings.Replace(upper, `"groups"`, `"user_type":"Member","groups"`, 1), "/input/user/user_type"},
		{forged, "/input/xtenant_pair"},
		{`{"access_type":"b2b_collaboration"}`, "/input/home_tenant"},
	}
	t.Run("bad input is 400 on every path", func(t *testing.T) {
		for _, p := range paths {
			for _, b := range bad {
				rec := f.do("POST", "/v1/data/"+p, `{"input": `+b.input+`}`)
				e := decodeBody[httpapi.ErrorBody](t, rec)
				if rec.Code != http.StatusBadRequest || e.Error.Path != b.path {
					t.Errorf("/v1/data/%s %s: %d %s", p, b.path, rec.Code, rec.Body)
				}
			}
		}
	})
	t.Run("without --expose-data other paths are forbidden", func(t *testing.T) {
		ts, err := tenants.Parse("issue9.json", []byte(issue9Tenants))
		if err != nil {
			t.Fatal(err)
		}
		hidden := newFixture(t, ts)
		for _, p := range paths[:8] {
			if p == "xtenant/access/explain" {
				continue // served path, refused by the policy check below
			}
			for _, b := range append(bad, struct{ input, path string }{upper, ""}) {
				rec := hidden.do("POST", "/v1/data/"+p, `{"input": `+b.input+`}`)
				if rec.Code != http.StatusForbidden || strings.Contains(rec.Body.String(), "true") {
					t.Errorf("/v1/data/%s: %d %s", p, rec.Code, rec.Body)
				}
			}
		}
	})
	t.Run("other policy paths are refused", func(t *testing.T) {
		for _, p := range paths[:8] {
			rec := f.do("POST", "/v1/data/"+p, `{"input": `+upper+`}`)
			if rec.Code != http.StatusNotFound || strings.Contains(rec.Body.String(), "true") {
				t.Errorf("/v1/data/%s: %d %s", p, rec.Code, rec.Body)
			}
		}
		// Without input the package is still refused; above it, and beside
		// it, a plain query answers.
		if rec := f.do("GET", "/v1/data/xtenant/access", ""); rec.Code != http.StatusNotFound {
			t.Errorf("GET /v1/data/xtenant/access: %d %s", rec.Code, rec.Body)
		}
		for _, p := range []string{"/v1/data/xtenant/catalog/office365", "/v1/data/xtenant/tenants"} {
			if rec := f.do("GET", p, ""); rec.Code != http.StatusOK || !strings.Contains(rec.Body.String(), `"result"`) {
				t.Errorf("GET %s: %d %s", p, rec.Code, rec.Body)
			}
		}
	})

	// The member paths went through the cache (one evaluation for all the
	// questions about one input) and the decision log (one event each).
	st := f.cache.Stats()
	if st.Hits == 0 {
		t.Errorf("cache: %+v", st)
	}
	logged := events()
	const answered = 10 + 1 + 4 // member paths, GET, undefined members
	if len(logged) != answered {
		t.Errorf("decision log: %d events, want %d", len(logged), answered)
	}
	for _, e := range logged {
		in, _ := json.Marshal(e["input"])
		if strings.Contains(string(in), "admin") || strings.Contains(string(in), "xtenant_pair") {
			t.Errorf("a refused input was logged: %s", in)
		}
	}
}
