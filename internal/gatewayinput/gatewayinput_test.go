package gatewayinput_test

import (
	"errors"
	"net/http"
	"strings"
	"testing"

	"github.com/xtenant/xtenant/engine"
	"github.com/xtenant/xtenant/internal/gatewayinput"
)

const (
	home     = "11111111-1111-1111-1111-111111111111"
	resource = "22222222-2222-2222-2222-222222222222"
)

// headers builds a lookup the way net/http does (canonical names); pairs
// alternate name, value.
func headers(pairs ...string) gatewayinput.Lookup {
	h := http.Header{}
	for i := 0; i+1 < len(pairs); i += 2 {
		h.Add(pairs[i], pairs[i+1])
	}
	return h.Values
}

func TestRequest(t *testing.T) {
	req, err := gatewayinput.Request(headers(
		"x-xtenant-home-tenant", home, "X-XTENANT-RESOURCE-TENANT", resource,
		"X-Xtenant-User", "u", "X-Xtenant-Groups", " g1 , g2", "X-Xtenant-Application", "app",
		"X-Xtenant-Claims", "MFA,hybrid_joined_device", "sec-restrict-tenant-access-policy", home+":p"))
	if err != nil {
		t.Fatal(err)
	}
	want := engine.Request{AccessType: engine.AccessB2BCollaboration, HomeTenant: home, ResourceTenant: resource,
		User: &engine.User{ID: "u", Groups: []string{"g1", "g2"}}, Application: &engine.Application{ID: "app"},
		Claims:             &engine.Claims{MFA: true, HybridJoinedDevice: true},
		TenantRestrictions: &engine.TenantRestrictions{Tenant: home, PolicyID: "p"}}
	if got, exp := mustString(req), mustString(&want); got != exp {
		t.Fatalf("got %s\nwant %s", got, exp)
	}
}

func mustString(r *engine.Request) string {
	return strings.Join([]string{r.AccessType, r.HomeTenant, r.ResourceTenant, r.User.ID, strings.Join(r.User.Groups, "|"),
		r.Application.ID, boolStr(r.Claims.MFA), boolStr(r.Claims.CompliantDevice), boolStr(r.Claims.HybridJoinedDevice),
		r.TenantRestrictions.Tenant, r.TenantRestrictions.PolicyID}, ";")
}

func boolStr(b bool) string {
	if b {
		return "t"
	}
	return "f"
}

func TestRequestErrors(t *testing.T) {
	tests := []struct {
		name   string
		pairs  []string
		header string
	}{
		{"no home", []string{"X-Xtenant-Resource-Tenant", resource}, gatewayinput.HeaderHomeTenant},
		{"no resource", []string{"X-Xtenant-Home-Tenant", home}, gatewayinput.HeaderResource},
		{"twice", []string{"X-Xtenant-Home-Tenant", home, "X-Xtenant-Home-Tenant", home}, gatewayinput.HeaderHomeTenant},
		{"empty group", []string{"X-Xtenant-Home-Tenant", home, "X-Xtenant-Resource-Tenant", resource, "X-Xtenant-Groups", "a,,b"}, gatewayinput.HeaderGroups},
		{"bad claim", []string{"X-Xtenant-Home-Tenant", home, "X-Xtenant-Resource-Tenant", resource, "X-Xtenant-Claims", "password"}, gatewayinput.HeaderClaims},
		{"bad restrictions", []string{"X-Xtenant-Home-Tenant", home, "X-Xtenant-Resource-Tenant", resource, "Sec-Restrict-Tenant-Access-Policy", home}, gatewayinput.HeaderRestrictions},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := gatewayinput.Request(headers(tt.pairs...))
			var he *gatewayinput.HeaderError
			if !errors.As(err, &he) || he.Header != tt.header || !errors.Is(err, engine.ErrInvalidInput) {
				t.Fatalf("err %v, want a header error naming %s", err, tt.header)
			}
		})
	}
}

func TestName(t *testing.T) {
	tests := []struct{ path, header string }{
		{"/home_tenant", gatewayinput.HeaderHomeTenant},
		{"/user/groups/3", gatewayinput.HeaderGroups},
		{"/user/id", gatewayinput.HeaderUser},
		{"/user", gatewayinput.HeaderUser},
		{"/application/id", gatewayinput.HeaderApplication},
		{"/tenant_restrictions/policy_id", gatewayinput.HeaderRestrictions},
		{"/invitation", gatewayinput.HeaderAccessType},
		{"/applications", gatewayinput.HeaderAccessType}, // a prefix of a name is no match
	}
	for _, tt := range tests {
		var he *gatewayinput.HeaderError
		if err := gatewayinput.Name(&engine.InputError{Path: tt.path, Message: "m"}); !errors.As(err, &he) || he.Header != tt.header {
			t.Errorf("%s: %v, want %s", tt.path, err, tt.header)
		}
	}
	other := errors.New("boom")
	if gatewayinput.Name(other) != other {
		t.Error("a non-input error must pass through")
	}
}

// FuzzRequest: any header values give either a request with both tenants
// set or a header error; never a panic.
func FuzzRequest(f *testing.F) {
	f.Add(home, resource, "u", "g1,g2", "mfa", home+":p")
	f.Add("", "", "", ",", "x", ":")
	f.Fuzz(func(t *testing.T, h, r, u, g, c, tr string) {
		req, err := gatewayinput.Request(headers("X-Xtenant-Home-Tenant", h, "X-Xtenant-Resource-Tenant", r,
			"X-Xtenant-User", u, "X-Xtenant-Groups", g, "X-Xtenant-Claims", c, "Sec-Restrict-Tenant-Access-Policy", tr))
		if err != nil {
			var he *gatewayinput.HeaderError
			if !errors.As(err, &he) || req != nil {
				t.Fatalf("err %v req %v", err, req)
			}
			return
		}
		if req.HomeTenant == "" || req.ResourceTenant == "" || req.Claims == nil {
			t.Fatalf("incomplete request %+v", req)
		}
	})
}
