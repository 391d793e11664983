package engine_test

import (
	"errors"
	"reflect"
	"strings"
	"testing"

	"github.com/xtenant/xtenant/engine"
)

const validCollab = `{"access_type":"b2b_collaboration","home_tenant":"11111111-1111-1111-1111-111111111111",` +
	`"resource_tenant":"22222222-2222-2222-2222-222222222222","user":{"id":"aaaaaaaa-0000-0000-0000-000000000001"},` +
	`"application":{"id":"00000003-0000-0ff1-ce00-000000000000"}}`

func TestDecodeRequestErrors(t *testing.T) {
	g := func(i int) string { return `"` + strings.Repeat("0", 8) + `-0000-0000-0000-` + pad12(i) + `"` }
	many := make([]string, 1001)
	for i := range many {
		many[i] = g(i)
	}
	tests := []struct {
		name, body, path, msg string
	}{
		{"not json", `{`, "", "not valid JSON"},
		{"empty", ``, "", "empty body"},
		{"trailing data", validCollab + `{}`, "", "unexpected data"},
		{"not an object", `[]`, "", "expected object, got array"},
		{"unknown top-level field", `{"access_type":"invitation","extra":1}`, "/extra", "unknown field"},
		{"missing access type", `{"home_tenant":"11111111-1111-1111-1111-111111111111"}`, "/access_type", "required"},
		{"unknown access type", `{"access_type":"b2b","home_tenant":"11111111-1111-1111-1111-111111111111","resource_tenant":"22222222-2222-2222-2222-222222222222"}`, "/access_type", "expected one of"},
		{"access type not a string", `{"access_type":1}`, "/access_type", "expected string, got number"},
		{"home tenant not a guid", `{"access_type":"identity_sync","home_tenant":"contoso","resource_tenant":"22222222-2222-2222-2222-222222222222"}`, "/home_tenant", "expected a GUID"},
		{"resource tenant missing", `{"access_type":"identity_sync","home_tenant":"11111111-1111-1111-1111-111111111111"}`, "/resource_tenant", "required"},
		{"bad cloud", replace(validCollab, `"user"`, `"home_cloud":"microsoft.de","user"`), "/home_cloud", "expected one of"},
		{"empty cloud", replace(validCollab, `"user"`, `"resource_cloud":"","user"`), "/resource_cloud", "expected one of"},
		{"bad identity kind", replace(validCollab, `"user"`, `"identity_kind":"google","user"`), "/identity_kind", "expected one of"},
		{"user missing", `{"access_type":"b2b_direct_connect","home_tenant":"11111111-1111-1111-1111-111111111111","resource_tenant":"22222222-2222-2222-2222-222222222222","application":{"id":"00000003-0000-0ff1-ce00-000000000000"}}`, "/user", "required for b2b_direct_connect"},
		{"user id missing", replace(validCollab, `{"id":"aaaaaaaa-0000-0000-0000-000000000001"}`, `{}`), "/user/id", "required"},
		{"user null", replace(validCollab, `{"id":"aaaaaaaa-0000-0000-0000-000000000001"}`, `null`), "/user", "expected object, got null"},
		{"unknown user field", replace(validCollab, `"id":"aaaaaaaa`, `"name":"ann","id":"aaaaaaaa`), "/user/name", "unknown field"},
		{"bad group", replace(validCollab, `"id":"aaaaaaaa`, `"groups":[`+g(1)+`,`+g(2)+`,`+g(3)+`,"nope"],"id":"aaaaaaaa`), "/user/groups/3", "expected a GUID"},
		{"group not a string", replace(validCollab, `"id":"aaaaaaaa`, `"groups":[1],"id":"aaaaaaaa`), "/user/groups/0", "expected a GUID string, got number"},
		{"too many groups", replace(validCollab, `"id":"aaaaaaaa`, `"groups":[`+strings.Join(many, ",")+`],"id":"aaaaaaaa`), "/user/groups", "at most 1000"},
		{"too many resource groups", replace(validCollab, `"id":"aaaaaaaa`, `"resource_groups":[`+strings.Join(many, ",")+`],"id":"aaaaaaaa`), "/user/resource_groups", "at most 1000"},
		{"bad user type", replace(validCollab, `"id":"aaaaaaaa`, `"user_type":"admin","id":"aaaaaaaa`), "/user/user_type", "expected one of"},
		{"bad resource object id", replace(validCollab, `"id":"aaaaaaaa`, `"resource_object_id":"x","id":"aaaaaaaa`), "/user/resource_object_id", "expected a GUID"},
		{"gdap not a boolean", replace(validCollab, `"id":"aaaaaaaa`, `"gdap_session":"yes","id":"aaaaaaaa`), "/user/gdap_session", "expected boolean"},
		{"application missing", `{"access_type":"b2b_collaboration","home_tenant":"11111111-1111-1111-1111-111111111111","resource_tenant":"22222222-2222-2222-2222-222222222222","user":{"id":"aaaaaaaa-0000-0000-0000-000000000001"}}`, "/application", "required"},
		{"application id missing", replace(validCollab, `{"id":"00000003-0000-0ff1-ce00-000000000000"}`, `{"client_id":null}`), "/application/id", "required"},
		{"bad client id", replace(validCollab, `"id":"00000003`, `"client_id":"app","id":"00000003`), "/application/client_id", "expected a GUID"},
		{"claims not booleans", replace(validCollab, `"user"`, `"claims":{"mfa":1},"user"`), "/claims/mfa", "expected boolean, got number"},
		{"unknown claim", replace(validCollab, `"user"`, `"claims":{"fido":true},"user"`), "/claims/fido", "unknown field"},
		{"tenant restrictions incomplete", replace(validCollab, `"user"`, `"tenant_restrictions":{"tenant":"44444444-4444-4444-4444-444444444444"},"user"`), "/tenant_restrictions/policy_id", "required"},
		{"tenant restrictions bad policy", replace(validCollab, `"user"`, `"tenant_restrictions":{"tenant":"44444444-4444-4444-4444-444444444444","policy_id":"x"},"user"`), "/tenant_restrictions/policy_id", "expected a GUID"},
		{"invitation missing", `{"access_type":"invitation","home_tenant":"11111111-1111-1111-1111-111111111111","resource_tenant":"22222222-2222-2222-2222-222222222222"}`, "/invitation", "required"},
		{"email missing", invitation(`{"inviter_roles":[]}`), "/invitation/invitee_email", "required"},
		{"email without at", invitation(`{"invitee_email":"ann"}`), "/invitation/invitee_email", "e-mail"},
		{"email with space", invitation(`{"invitee_email":"ann smith@fabrikam.com"}`), "/invitation/invitee_email", "e-mail"},
		{"email two ats", invitation(`{"invitee_email":"a@b@c"}`), "/invitation/invitee_email", "e-mail"},
		{"email too long", invitation(`{"invitee_email":"` + strings.Repeat("a", 320) + `@b.com"}`), "/invitation/invitee_email", "at most 320"},
		{"bad inviter role", invitation(`{"invitee_email":"ann@fabrikam.com","inviter_roles":["guestInviter","owner"]}`), "/invitation/inviter_roles/1", "expected one of"},
		{"too many roles", invitation(`{"invitee_email":"ann@fabrikam.com","inviter_roles":[` + strings.TrimSuffix(strings.Repeat(`"guestInviter",`, 101), ",") + `]}`), "/invitation/inviter_roles", "at most 100"},
		{"bad inviter user type", invitation(`{"invitee_email":"ann@fabrikam.com","inviter_user_type":"owner"}`), "/invitation/inviter_user_type", "expected one of"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			req, err := engine.DecodeRequest([]byte(tc.body))
			if err == nil {
				t.Fatalf("accepted: %+v", req)
			}
			var ie *engine.InputError
			if !errors.As(err, &ie) || !errors.Is(err, engine.ErrInvalidInput) {
				t.Fatalf("error %v is not an *InputError", err)
			}
			if ie.Path != tc.path {
				t.Errorf("path = %q, want %q (%v)", ie.Path, tc.path, err)
			}
			if !strings.Contains(ie.Message, tc.msg) {
				t.Errorf("message = %q, want it to contain %q", ie.Message, tc.msg)
			}
		})
	}
}

func pad12(i int) string {
	s := strings.Repeat("0", 12) + itoa(i)
	return s[len(s)-12:]
}

func itoa(i int) string {
	if i == 0 {
		return "0"
	}
	var b []byte
	for ; i > 0; i /= 10 {
		b = append([]byte{byte('0' + i%10)}, b...)
	}
	return string(b)
}

func replace(s, old, repl string) string {
	if !strings.Contains(s, old) {
		panic("replace: " + old + " not in " + s)
	}
	return strings.Replace(s, old, repl, 1)
}

func invitation(inv string) string {
	return `{"access_type":"invitation","home_tenant":"11111111-1111-1111-1111-111111111111",` +
		`"resource_tenant":"22222222-2222-2222-2222-222222222222","invitation":` + inv + `}`
}

func TestCanonicalize(t *testing.T) {
	a, err := engine.DecodeRequest([]byte(`{"access_type":"b2b_collaboration",
		"home_tenant":"11111111-AAAA-1111-1111-111111111111","resource_tenant":"22222222-2222-2222-2222-22222222222B",
		"user":{"id":"AAAAAAAA-0000-0000-0000-000000000001","groups":["CCCCCCCC-0000-0000-0000-000000000002","bbbbbbbb-0000-0000-0000-000000000002","cccccccc-0000-0000-0000-000000000002"]},
		"application":{"id":"00000003-0000-0FF1-CE00-000000000000","client_id":null}}`))
	if err != nil {
		t.Fatal(err)
	}
	b, err := engine.DecodeRequest([]byte(`{"access_type":"b2b_collaboration","identity_kind":"entra",
		"home_tenant":"11111111-aaaa-1111-1111-111111111111","resource_tenant":"22222222-2222-2222-2222-22222222222b",
		"user":{"id":"aaaaaaaa-0000-0000-0000-000000000001","user_type":"guest","gdap_session":false,"groups":["bbbbbbbb-0000-0000-0000-000000000002","cccccccc-0000-0000-0000-000000000002"]},
		"application":{"id":"00000003-0000-0ff1-ce00-000000000000"},
		"claims":{"mfa":false}}`))
	if err != nil {
		t.Fatal(err)
	}
	// DecodeRequest's result is canonical already.
	if !reflect.DeepEqual(a, b) {
		t.Errorf("canonical forms differ:\n%+v\n%+v", a, b)
	}
	if a.User.UserType != "guest" || a.IdentityKind != "entra" || a.Claims == nil {
		t.Errorf("defaults not filled: %+v %+v", a, a.User)
	}
	if len(a.User.Groups) != 2 || a.User.Groups[0] != "bbbbbbbb-0000-0000-0000-000000000002" {
		t.Errorf("groups = %v", a.User.Groups)
	}

	dc := &engine.Request{AccessType: engine.AccessB2BDirectConnect, HomeTenant: "11111111-1111-1111-1111-111111111111",
		ResourceTenant: "22222222-2222-2222-2222-222222222222", User: &engine.User{ID: "aaaaaaaa-0000-0000-0000-000000000001"},
		Application: &engine.Application{ID: "00000003-0000-0ff1-ce00-000000000000"}}
	dcc, err := dc.Canonical()
	if err != nil {
		t.Fatal(err)
	}
	if dcc.User.UserType != "none" {
		t.Errorf("direct connect user_type = %q, want none", dcc.User.UserType)
	}
	if dc.User.UserType != "" || dc.Claims != nil || dc.IdentityKind != "" {
		t.Errorf("Canonical modified the caller's request: %+v %+v", dc, dc.User)
	}
	inv := &engine.Request{AccessType: engine.AccessInvitation, HomeTenant: "11111111-1111-1111-1111-111111111111",
		ResourceTenant: "22222222-2222-2222-2222-222222222222",
		Invitation:     &engine.Invitation{InviteeEmail: "ann@fabrikam.com", InviterRoles: []string{"guestInviter", "globalAdministrator", "guestInviter"}}}
	invc, err := inv.Canonical()
	if err != nil {
		t.Fatal(err)
	}
	if invc.Invitation.InviterUserType != "member" || !reflect.DeepEqual(invc.Invitation.InviterRoles, []string{"globalAdministrator", "guestInviter"}) {
		t.Errorf("invitation canonical form: %+v", invc.Invitation)
	}
	if !reflect.DeepEqual(inv.Invitation.InviterRoles, []string{"guestInviter", "globalAdministrator", "guestInviter"}) {
		t.Errorf("Canonical modified the caller's roles: %v", inv.Invitation.InviterRoles)
	}
	if again, _ := invc.Canonical(); again != invc {
		t.Error("a canonical request is copied again")
	}
}

func TestValidateGoRequest(t *testing.T) {
	r := &engine.Request{AccessType: engine.AccessB2BCollaboration, HomeTenant: "11111111-1111-1111-1111-111111111111",
		ResourceTenant: "22222222-2222-2222-2222-222222222222", User: &engine.User{ID: "aaaaaaaa-0000-0000-0000-000000000001", Groups: []string{"x"}},
		Application: &engine.Application{ID: "00000003-0000-0ff1-ce00-000000000000"}}
	var ie *engine.InputError
	if err := r.Validate(); !errors.As(err, &ie) || ie.Path != "/user/groups/0" {
		t.Fatalf("Validate = %v, want an error at /user/groups/0", err)
	}
	var nilReq *engine.Request
	if err := nilReq.Validate(); err == nil {
		t.Fatal("nil request validated")
	}
}
