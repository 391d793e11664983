package httpapi_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/xtenant/xtenant/engine/scenario"
	"github.com/xtenant/xtenant/internal/httpapi"
)

func scenarioFixture(t *testing.T, name string) *fixture {
	t.Helper()
	file, err := scenario.Load("../../testdata/scenarios/" + name + ".json")
	if err != nil {
		t.Fatal(err)
	}
	ts, err := file.TenantSet()
	if err != nil {
		t.Fatal(err)
	}
	return newFixture(t, ts)
}

const (
	baseline = "tc01-baseline-b2b-collaboration-service-defaults"
	blocked  = "tc03-resource-default-inbound-blocks-everyone"
	stepUp   = "tc27-collaboration-mfa-not-trusted-step-up-resource"
	home     = "11111111-1111-1111-1111-111111111111"
	resource = "22222222-2222-2222-2222-222222222222"
	unknown  = "99999999-9999-4999-8999-999999999999"
	user     = "a1a1a1a1-0000-4000-8000-000000000001"
	group    = "c1c1c1c1-0000-4000-8000-000000000001"
	app      = "d1d1d1d1-0000-4000-8000-0000000000a1"
)

func signInHeaders(extra ...string) []string {
	return append([]string{"X-Xtenant-Home-Tenant", home, "x-xtenant-resource-tenant", resource,
		"X-Xtenant-User", user, "X-Xtenant-Groups", group, "X-Xtenant-Application", app}, extra...)
}

func TestForwardAuth(t *testing.T) {
	tests := []struct {
		scenario, method string
		extra            []string
		status           int
		reasons          string
	}{
		{baseline, "GET", nil, http.StatusOK, ""},
		{baseline, "POST", []string{"X-Xtenant-Claims", "mfa, compliant_device"}, http.StatusOK, ""},
		{blocked, "GET", nil, http.StatusForbidden, "RESOURCE_INBOUND_BLOCKED"},
		{stepUp, "HEAD", []string{"X-Xtenant-Claims", "mfa"}, http.StatusUnauthorized, "MFA_STEP_UP"},
	}
	for _, tt := range tests {
		t.Run(tt.scenario+"/"+tt.method, func(t *testing.T) {
			rec := scenarioFixture(t, tt.scenario).do(tt.method, "/v1/forward-auth", "", signInHeaders(tt.extra...)...)
			if rec.Code != tt.status {
				t.Fatalf("status %d, want %d: %s", rec.Code, tt.status, rec.Body)
			}
			if rec.Header().Get("X-Xtenant-Decision-Id") == "" {
				t.Error("no X-Xtenant-Decision-Id")
			}
			if got := rec.Header().Get("X-Xtenant-Reasons"); got != tt.reasons {
				t.Errorf("X-Xtenant-Reasons %q, want %q", got, tt.reasons)
			}
		})
	}
}

func TestForwardAuthBadHeaders(t *testing.T) {
	f := scenarioFixture(t, baseline)
	tests := []struct {
		name    string
		headers []string
		header  string
	}{
		{"no home", []string{"X-Xtenant-Resource-Tenant", resource}, "X-Xtenant-Home-Tenant"},
		{"no resource", []string{"X-Xtenant-Home-Tenant", home}, "X-Xtenant-Resource-Tenant"},
		{"no user", []string{"X-Xtenant-Home-Tenant", home, "X-Xtenant-Resource-Tenant", resource, "X-Xtenant-Application", app}, "X-Xtenant-User"},
		{"no application", []string{"X-Xtenant-Home-Tenant", home, "X-Xtenant-Resource-Tenant", resource, "X-Xtenant-User", user}, "X-Xtenant-Application"},
		{"bad home", []string{"X-Xtenant-Home-Tenant", "contoso", "X-Xtenant-Resource-Tenant", resource}, "X-Xtenant-Home-Tenant"},
		{"bad group", signInHeaders("X-Xtenant-Groups", "x"), "X-Xtenant-Groups"},
		{"empty group", []string{"X-Xtenant-Home-Tenant", home, "X-Xtenant-Resource-Tenant", resource, "X-Xtenant-User", user, "X-Xtenant-Groups", group + ",,", "X-Xtenant-Application", app}, "X-Xtenant-Groups"},
		{"bad claim", signInHeaders("X-Xtenant-Claims", "mfa,password"), "X-Xtenant-Claims"},
		{"bad access type", signInHeaders("X-Xtenant-Access-Type", "everything"), "X-Xtenant-Access-Type"},
		{"invitation", signInHeaders("X-Xtenant-Access-Type", "invitation"), "X-Xtenant-Access-Type"},
		{"bad restrictions", signInHeaders("sec-Restrict-Tenant-Access-Policy", "nonsense"), "Sec-Restrict-Tenant-Access-Policy"},
		{"bad restriction id", signInHeaders("sec-Restrict-Tenant-Access-Policy", home+":x"), "Sec-Restrict-Tenant-Access-Policy"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := wantError(t, f.do("GET", "/v1/forward-auth", "", tt.headers...), 400, httpapi.CodeInvalidInput, "")
			if !strings.Contains(e.Message, tt.header) {
				t.Fatalf("message %q does not name %s", e.Message, tt.header)
			}
		})
	}
}

func authzen(subjectTenant, resourceTenant string) string {
	return `{"subject":{"type":"user","id":"` + user + `","properties":{"tenant":"` + subjectTenant + `","groups":["` + group + `"],"claims":{"mfa":false}}},
	 "resource":{"type":"application","id":"` + app + `","properties":{"tenant":"` + resourceTenant + `"}},
	 "action":{"name":"b2b_collaboration"}}`
}
