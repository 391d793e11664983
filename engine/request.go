package engine

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"

	"github.com/xtenant/xtenant/guid"
	"github.com/xtenant/xtenant/jsonpointer"
)

// Limits of docs/contract.md ("Decision input") and schemas/input.schema.json.
const (
	MaxGroups       = 1000
	MaxInviterRoles = 100
	MaxEmailLength  = 320
)

// Enumerations of the decision input.
var (
	accessTypes     = []string{AccessB2BCollaboration, AccessB2BDirectConnect, AccessIdentitySync, AccessInvitation}
	clouds          = []string{"microsoftonline.com", "microsoftonline.us", "partner.microsoftonline.cn"}
	identityKinds   = []string{"entra", "msa", "social", "email_otp", "saml_wsfed"}
	userTypes       = []string{"guest", "member", "none"}
	inviterRoles    = []string{"globalAdministrator", "userAdministrator", "guestInviter"}
	inviterUserType = []string{"member", "guest"}
)

// DecodeRequest decodes one decision input strictly: unknown fields (at every
// level), trailing data and wrong JSON types are refused, then the request is
// validated (Validate). Every error is an *InputError naming the JSON pointer.
// The returned request is not yet canonical; call Canonicalize.
func DecodeRequest(raw []byte) (*Request, error) {
	if req, ok := decodePlain(raw); ok {
		if err := req.Validate(); err != nil {
			return nil, err
		}
		return req, nil
	}
	req, err := decodeGeneric(raw)
	if err != nil {
		return nil, err
	}
	if err := req.Validate(); err != nil {
		return nil, err
	}
	return req, nil
}

// decodeGeneric is the reference decoder: encoding/json into a generic
// document, then a walk that names the JSON pointer of the first problem.
// Every error message comes from here.
func decodeGeneric(raw []byte) (*Request, error) {
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var doc any
	if err := dec.Decode(&doc); err != nil {
		return nil, &InputError{Message: "not valid JSON: " + jsonErrText(err)}
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return nil, &InputError{Message: "not valid JSON: unexpected data after the request object"}
	}
	// decodePlain refuses duplicates by handing them here.
	if p, dup := jsonpointer.DuplicateKey(raw); dup {
		return nil, DuplicateKeyError(p)
	}
	return requestFromJSON(doc)
}

// DuplicateKeyError refuses a member named twice in one object (at pointer
// p): decoders disagree on which one counts.
func DuplicateKeyError(p string) *InputError {
	key := p[strings.LastIndexByte(p, '/')+1:]
	key = strings.ReplaceAll(strings.ReplaceAll(key, "~1", "/"), "~0", "~")
	return &InputError{Path: p, Message: "duplicate key " + strconv.Quote(key) + ": each member may appear once"}
}

func jsonErrText(err error) string {
	if errors.Is(err, io.EOF) {
		return "empty body"
	}
	return strings.TrimPrefix(err.Error(), "json: ")
}

// requestFromJSON maps the generic JSON document onto Request, checking
// field names and JSON types. Values are checked by Validate; values whose
// empty form would read as "absent" are checked here, so that "" is never
// mistaken for a missing field.
func requestFromJSON(doc any) (*Request, error) {
	obj, err := object(doc, "")
	if err != nil {
		return nil, err
	}
	req := &Request{}
	err = fields(obj, "", func(name, path string, v any) error {
		var err error
		switch name {
		case "access_type":
			req.AccessType, err = str(v, path)
		case "home_tenant":
			req.HomeTenant, err = guidField(v, path)
		case "resource_tenant":
			req.ResourceTenant, err = guidField(v, path)
		case "home_cloud":
			req.HomeCloud, err = enumField(v, path, clouds)
		case "resource_cloud":
			req.ResourceCloud, err = enumField(v, path, clouds)
		case "identity_kind":
			req.IdentityKind, err = enumField(v, path, identityKinds)
		case "user":
			req.User, err = userFromJSON(v, path)
		case "application":
			req.Application, err = applicationFromJSON(v, path)
		case "claims":
			req.Claims, err = claimsFromJSON(v, path)
		case "tenant_restrictions":
			req.TenantRestrictions, err = restrictionsFromJSON(v, path)
		case "invitation":
			req.Invitation, err = invitationFromJSON(v, path)
		default:
			return unknownField(path)
		}
		return err
	})
	if err != nil {
		return nil, err
	}
	return req, nil
}

func userFromJSON(v any, path string) (*User, error) {
	obj, err := object(v, path)
	if err != nil {
		return nil, err
	}
	u := &User{}
	err = fields(obj, path, func(name, path string, v any) error {
		var err error
		switch name {
		case "id":
			u.ID, err = guidField(v, path)
		case "groups":
			u.Groups, err = guidList(v, path, MaxGroups)
		case "user_type":
			u.UserType, err = enumField(v, path, userTypes)
		case "resource_object_id":
			u.ResourceObjectID, err = nullableGUID(v, path)
		case "resource_groups":
			u.ResourceGroups, err = guidList(v, path, MaxGroups)
		case "gdap_session":
			u.GDAPSession, err = boolean(v, path)
		default:
			return unknownField(path)
		}
		return err
	})
	return u, err
}

func applicationFromJSON(v any, path string) (*Application, error) {
	obj, err := object(v, path)
	if err != nil {
		return nil, err
	}
	a := &Application{}
	err = fields(obj, path, func(name, path string, v any) error {
		var err error
		switch name {
		case "id":
			a.ID, err = guidField(v, path)
		case "client_id":
			a.ClientID, err = nullableGUID(v, path)
		default:
			return unknownField(path)
		}
		return err
	})
	return a, err
}

func claimsFromJSON(v any, path string) (*Claims, error) {
	obj, err := object(v, path)
	if err != nil {
		return nil, err
	}
	c := &Claims{}
	err = fields(obj, path, func(name, path string, v any) error {
		var err error
		switch name {
		case "mfa":
			c.MFA, err = boolean(v, path)
		case "compliant_device":
			c.CompliantDevice, err = boolean(v, path)
		case "hybrid_joined_device":
			c.HybridJoinedDevice, err = boolean(v, path)
		default:
			return unknownField(path)
		}
		return err
	})
	return c, err
}

func restrictionsFromJSON(v any, path string) (*TenantRestrictions, error) {
	obj, err := object(v, path)
	if err != nil {
		return nil, err
	}
	tr := &TenantRestrictions{}
	err = fields(obj, path, func(name, path string, v any) error {
		var err error
		switch name {
		case "tenant":
			tr.Tenant, err = guidField(v, path)
		case "policy_id":
			tr.PolicyID, err = guidField(v, path)
		default:
			return unknownField(path)
		}
		return err
	})
	return tr, err
}

func invitationFromJSON(v any, path string) (*Invitation, error) {
	obj, err := object(v, path)
	if err != nil {
		return nil, err
	}
	inv := &Invitation{}
	err = fields(obj, path, func(name, path string, v any) error {
		var err error
		switch name {
		case "inviter_roles":
			inv.InviterRoles, err = enumList(v, path, inviterRoles, MaxInviterRoles)
		case "inviter_user_type":
			inv.InviterUserType, err = enumField(v, path, inviterUserType)
		case "invitee_email":
			inv.InviteeEmail, err = str(v, path)
			if err == nil {
				err = checkEmail(inv.InviteeEmail, path)
			}
		default:
			return unknownField(path)
		}
		return err
	})
	return inv, err
}

// Validate checks the values of a request, whether decoded or built in Go
// (forward-auth headers, AuthZEN), exactly as schemas/input.schema.json says:
// required fields per access type, GUIDs, enumerations and limits. Empty
// strings and nil pointers count as absent.
func (r *Request) Validate() error {
	if r == nil {
		return &InputError{Message: "expected a request object"}
	}
	if r.AccessType == "" {
		return &InputError{Path: "/access_type", Message: "required: expected one of " + strings.Join(accessTypes, ", ")}
	}
	if err := checkEnum(r.AccessType, "/access_type", accessTypes); err != nil {
		return err
	}
	// §8.24: an invitee may have no tenant (a Microsoft account, a social or
	// one-time-passcode identity) or the caller may know only the address.
	if r.AccessType == AccessInvitation && r.HomeTenant == "" {
		// the policy looks the invitee's tenant up by the address's domain
	} else if err := requiredGUID(r.HomeTenant, "/home_tenant"); err != nil {
		return err
	}
	if err := requiredGUID(r.ResourceTenant, "/resource_tenant"); err != nil {
		return err
	}
	if err := optionalEnum(r.HomeCloud, "/home_cloud", clouds); err != nil {
		return err
	}
	if err := optionalEnum(r.ResourceCloud, "/resource_cloud", clouds); err != nil {
		return err
	}
	if err := optionalEnum(r.IdentityKind, "/identity_kind", identityKinds); err != nil {
		return err
	}
	signIn := r.AccessType == AccessB2BCollaboration || r.AccessType == AccessB2BDirectConnect
	if err := r.validateUser(signIn); err != nil {
		return err
	}
	if err := r.validateApplication(signIn); err != nil {
		return err
	}
	if tr := r.TenantRestrictions; tr != nil {
		if err := requiredGUID(tr.Tenant, "/tenant_restrictions/tenant"); err != nil {
			return err
		}
		if err := requiredGUID(tr.PolicyID, "/tenant_restrictions/policy_id"); err != nil {
			return err
		}
	}
	return r.validateInvitation()
}

func (r *Request) validateUser(signIn bool) error {
	u := r.User
	if u == nil {
		if signIn {
			return &InputError{Path: "/user", Message: "required for " + r.AccessType + ": expected an object with id"}
		}
		return nil
	}
	if signIn && u.ID == "" {
		return &InputError{Path: "/user/id", Message: "required for " + r.AccessType + ": expected a GUID"}
	}
	if u.ID != "" {
		if err := checkGUID(u.ID, "/user/id"); err != nil {
			return err
		}
	}
	if err := checkGUIDs(u.Groups, "/user/groups"); err != nil {
		return err
	}
	if err := optionalEnum(u.UserType, "/user/user_type", userTypes); err != nil {
		return err
	}
	if u.ResourceObjectID != nil {
		if err := checkGUID(*u.ResourceObjectID, "/user/resource_object_id"); err != nil {
			return err
		}
	}
	return checkGUIDs(u.ResourceGroups, "/user/resource_groups")
}

func (r *Request) validateApplication(signIn bool) error {
	a := r.Application
	if a == nil {
		if signIn {
			return &InputError{Path: "/application", Message: "required for " + r.AccessType + ": expected an object with id"}
		}
		return nil
	}
	if signIn && a.ID == "" {
		return &InputError{Path: "/application/id", Message: "required for " + r.AccessType + ": expected a GUID"}
	}
	if a.ID != "" {
		if err := checkGUID(a.ID, "/application/id"); err != nil {
			return err
		}
	}
	if a.ClientID != nil {
		return checkGUID(*a.ClientID, "/application/client_id")
	}
	return nil
}

func (r *Request) validateInvitation() error {
	inv := r.Invitation
	if inv == nil {
		if r.AccessType == AccessInvitation {
			return &InputError{Path: "/invitation", Message: "required for invitation: expected an object with invitee_email"}
		}
		return nil
	}
	if len(inv.InviterRoles) > MaxInviterRoles {
		return &InputError{Path: "/invitation/inviter_roles", Message: fmt.Sprintf("expected at most %d items, got %d", MaxInviterRoles, len(inv.InviterRoles))}
	}
	for i, role := range inv.InviterRoles {
		if err := checkEnum(role, "/invitation/inviter_roles/"+strconv.Itoa(i), inviterRoles); err != nil {
			return err
		}
	}
	if err := optionalEnum(inv.InviterUserType, "/invitation/inviter_user_type", inviterUserType); err != nil {
		return err
	}
	if inv.InviteeEmail == "" {
		return &InputError{Path: "/invitation/invitee_email", Message: "required: expected an e-mail address (local@domain)"}
	}
	return checkEmail(inv.InviteeEmail, "/invitation/invitee_email")
}

// Canonicalize puts a valid request into its canonical form, in place: GUIDs
// in lower case, groups sorted without duplicates, every default explicit
// (identity_kind, user_type, claims, inviter_user_type), empty lists nil.
// Equal requests have equal canonical forms; the decision cache keys on it.
func (r *Request) Canonicalize() {
	r.HomeTenant = strings.ToLower(r.HomeTenant)
	r.ResourceTenant = strings.ToLower(r.ResourceTenant)
	if r.IdentityKind == "" {
		r.IdentityKind = "entra"
	}
	if u := r.User; u != nil {
		u.ID = strings.ToLower(u.ID)
		u.Groups = canonicalSet(u.Groups, true)
		u.ResourceGroups = canonicalSet(u.ResourceGroups, true)
		if u.ResourceObjectID != nil {
			id := strings.ToLower(*u.ResourceObjectID)
			u.ResourceObjectID = &id
		}
	}
	if r.User == nil && (r.AccessType == AccessB2BCollaboration || r.AccessType == AccessB2BDirectConnect) {
		r.User = &User{}
	}
	if u := r.User; u != nil && u.UserType == "" {
		switch r.AccessType {
		case AccessB2BCollaboration:
			u.UserType = "guest"
		case AccessB2BDirectConnect:
			u.UserType = "none"
		}
	}
	if a := r.Application; a != nil {
		a.ID = strings.ToLower(a.ID)
		if a.ClientID != nil {
			id := strings.ToLower(*a.ClientID)
			a.ClientID = &id
		}
	}
	if r.Claims == nil {
		r.Claims = &Claims{}
	}
	if tr := r.TenantRestrictions; tr != nil {
		tr.Tenant = strings.ToLower(tr.Tenant)
		tr.PolicyID = strings.ToLower(tr.PolicyID)
	}
	if inv := r.Invitation; inv != nil {
		inv.InviterRoles = canonicalSet(inv.InviterRoles, false)
		if inv.InviterUserType == "" {
			inv.InviterUserType = "member"
		}
	}
}

// canonicalSet sorts and de-duplicates, reusing the slice.
func canonicalSet(in []string, lower bool) []string {
	if len(in) == 0 {
		return nil
	}
	if lower {
		for i, s := range in {
			in[i] = strings.ToLower(s)
		}
	}
	slices.Sort(in)
	return slices.Compact(in)
}

// --- value checks shared by the JSON walk and Validate ---

func checkGUID(s, path string) error {
	if !guid.Valid(s) {
		return &InputError{Path: path, Message: "expected a GUID, got " + quote(s)}
	}
	return nil
}

func requiredGUID(s, path string) error {
	if s == "" {
		return &InputError{Path: path, Message: "required: expected a GUID"}
	}
	return checkGUID(s, path)
}

func checkGUIDs(list []string, path string) error {
	if len(list) > MaxGroups {
		return &InputError{Path: path, Message: fmt.Sprintf("expected at most %d items, got %d", MaxGroups, len(list))}
	}
	for i, g := range list {
		if !guid.Valid(g) { // the path is built only for the error
			return checkGUID(g, path+"/"+strconv.Itoa(i))
		}
	}
	return nil
}

func checkEnum(s, path string, allowed []string) error {
	if !slices.Contains(allowed, s) {
		return &InputError{Path: path, Message: "expected one of " + strings.Join(allowed, ", ") + ", got " + quote(s)}
	}
	return nil
}

func optionalEnum(s, path string, allowed []string) error {
	if s == "" {
		return nil
	}
	return checkEnum(s, path, allowed)
}

// checkEmail applies the schema's pattern ^[^@\s]+@[^@\s]+$ and length.
func checkEmail(s, path string) error {
	bad := func() error {
		return &InputError{Path: path, Message: "expected an e-mail address (local@domain), got " + quote(s)}
	}
	if len(s) > MaxEmailLength {
		return &InputError{Path: path, Message: fmt.Sprintf("expected an e-mail address of at most %d characters", MaxEmailLength)}
	}
	at := strings.IndexByte(s, '@')
	if at <= 0 || at == len(s)-1 || strings.IndexByte(s[at+1:], '@') >= 0 {
		return bad()
	}
	if strings.ContainsFunc(s, isSchemaSpace) {
		return bad()
	}
	return nil
}

// isSchemaSpace is \s of ECMA-262 regular expressions (JSON Schema patterns).
func isSchemaSpace(r rune) bool {
	switch r {
	case '\t', '\n', '\v', '\f', '\r', ' ', 0xa0, 0x1680, 0x2028, 0x2029, 0x202f, 0x205f, 0x3000, 0xfeff:
		return true
	}
	return 0x2000 <= r && r <= 0x200a
}

// quote shortens long values so that an error message stays one line.
func quote(s string) string {
	if len(s) > 64 {
		s = s[:64] + "…"
	}
	return strconv.Quote(s)
}

// --- JSON type checks ---

func object(v any, path string) (map[string]any, error) {
	obj, ok := v.(map[string]any)
	if !ok {
		return nil, &InputError{Path: path, Message: "expected object, got " + jsonpointer.TypeName(v)}
	}
	return obj, nil
}

// fields visits the members of obj in sorted order, so that the first error
// reported for a request is always the same.
func fields(obj map[string]any, path string, visit func(name, path string, v any) error) error {
	names := make([]string, 0, len(obj))
	for k := range obj {
		names = append(names, k)
	}
	slices.Sort(names)
	for _, k := range names {
		if err := visit(k, path+"/"+jsonpointer.Escape(k), obj[k]); err != nil {
			return err
		}
	}
	return nil
}

func unknownField(path string) error {
	return &InputError{Path: path, Message: "unknown field"}
}

func str(v any, path string) (string, error) {
	s, ok := v.(string)
	if !ok {
		return "", &InputError{Path: path, Message: "expected string, got " + jsonpointer.TypeName(v)}
	}
	return s, nil
}

func boolean(v any, path string) (bool, error) {
	b, ok := v.(bool)
	if !ok {
		return false, &InputError{Path: path, Message: "expected boolean, got " + jsonpointer.TypeName(v)}
	}
	return b, nil
}

func guidField(v any, path string) (string, error) {
	s, ok := v.(string)
	if !ok {
		return "", &InputError{Path: path, Message: "expected a GUID string, got " + jsonpointer.TypeName(v)}
	}
	return s, checkGUID(s, path)
}

func nullableGUID(v any, path string) (*string, error) {
	if v == nil {
		return nil, nil
	}
	s, ok := v.(string)
	if !ok {
		return nil, &InputError{Path: path, Message: "expected a GUID string or null, got " + jsonpointer.TypeName(v)}
	}
	return &s, checkGUID(s, path)
}

func enumField(v any, path string, allowed []string) (string, error) {
	s, ok := v.(string)
	if !ok {
		return "", &InputError{Path: path, Message: "expected one of " + strings.Join(allowed, ", ") + ", got " + jsonpointer.TypeName(v)}
	}
	return s, checkEnum(s, path, allowed)
}

func guidList(v any, path string, limit int) ([]string, error) {
	arr, ok := v.([]any)
	if !ok {
		return nil, &InputError{Path: path, Message: "expected array of GUIDs, got " + jsonpointer.TypeName(v)}
	}
	if len(arr) > limit {
		return nil, &InputError{Path: path, Message: fmt.Sprintf("expected at most %d items, got %d", limit, len(arr))}
	}
	out := make([]string, len(arr))
	for i, item := range arr {
		s, err := guidField(item, path+"/"+strconv.Itoa(i))
		if err != nil {
			return nil, err
		}
		out[i] = s
	}
	return out, nil
}

func enumList(v any, path string, allowed []string, limit int) ([]string, error) {
	arr, ok := v.([]any)
	if !ok {
		return nil, &InputError{Path: path, Message: "expected array, got " + jsonpointer.TypeName(v)}
	}
	if len(arr) > limit {
		return nil, &InputError{Path: path, Message: fmt.Sprintf("expected at most %d items, got %d", limit, len(arr))}
	}
	out := make([]string, len(arr))
	for i, item := range arr {
		s, err := enumField(item, path+"/"+strconv.Itoa(i), allowed)
		if err != nil {
			return nil, err
		}
		out[i] = s
	}
	return out, nil
}

// --- the plain-input fast path ---

// decodePlain decodes the common shape of a decision input without building
// a generic document: one object, plain ASCII strings without escapes, no
// number, no duplicate member, every value of the right type and already
// valid where requestFromJSON checks values. It reports false for anything
// else, and DecodeRequest then falls back to decodeGeneric, which accepts or
// refuses with its exact error. So decodePlain only ever needs to be right
// when it says yes: then decodeGeneric would have returned the same Request
// (FuzzDecodePlain checks this).
func decodePlain(raw []byte) (*Request, bool) {
	// One copy of the body; every string of the Request is a slice of it.
	s := plainScanner{b: string(raw)}
	req := &Request{}
	var seen uint16
	ok := s.object(func(name string) bool {
		switch name {
		case "access_type":
			return s.once(&seen, 0) && s.str(&req.AccessType, accessTypes)
		case "home_tenant":
			return s.once(&seen, 1) && s.guid(&req.HomeTenant)
		case "resource_tenant":
			return s.once(&seen, 2) && s.guid(&req.ResourceTenant)
		case "home_cloud":
			return s.once(&seen, 3) && s.enum(&req.HomeCloud, clouds)
		case "resource_cloud":
			return s.once(&seen, 4) && s.enum(&req.ResourceCloud, clouds)
		case "identity_kind":
			return s.once(&seen, 5) && s.enum(&req.IdentityKind, identityKinds)
		case "user":
			req.User = &User{}
			return s.once(&seen, 6) && s.user(req.User)
		case "application":
			req.Application = &Application{}
			return s.once(&seen, 7) && s.application(req.Application)
		case "claims":
			req.Claims = &Claims{}
			return s.once(&seen, 8) && s.claims(req.Claims)
		case "tenant_restrictions":
			req.TenantRestrictions = &TenantRestrictions{}
			return s.once(&seen, 9) && s.restrictions(req.TenantRestrictions)
		case "invitation":
			req.Invitation = &Invitation{}
			return s.once(&seen, 10) && s.invitation(req.Invitation)
		}
		return false
	})
	if !ok {
		return nil, false
	}
	s.space()
	return req, s.i == len(s.b)
}

func (s *plainScanner) user(u *User) bool {
	var seen uint16
	return s.object(func(name string) bool {
		switch name {
		case "id":
			return s.once(&seen, 0) && s.guid(&u.ID)
		case "groups":
			return s.once(&seen, 1) && s.guids(&u.Groups)
		case "user_type":
			return s.once(&seen, 2) && s.enum(&u.UserType, userTypes)
		case "resource_object_id":
			return s.once(&seen, 3) && s.nullableGUID(&u.ResourceObjectID)
		case "resource_groups":
			return s.once(&seen, 4) && s.guids(&u.ResourceGroups)
		case "gdap_session":
			return s.once(&seen, 5) && s.boolean(&u.GDAPSession)
		}
		return false
	})
}

func (s *plainScanner) application(a *Application) bool {
	var seen uint16
	return s.object(func(name string) bool {
		switch name {
		case "id":
			return s.once(&seen, 0) && s.guid(&a.ID)
		case "client_id":
			return s.once(&seen, 1) && s.nullableGUID(&a.ClientID)
		}
		return false
	})
}

func (s *plainScanner) claims(c *Claims) bool {
	var seen uint16
	return s.object(func(name string) bool {
		switch name {
		case "mfa":
			return s.once(&seen, 0) && s.boolean(&c.MFA)
		case "compliant_device":
			return s.once(&seen, 1) && s.boolean(&c.CompliantDevice)
		case "hybrid_joined_device":
			return s.once(&seen, 2) && s.boolean(&c.HybridJoinedDevice)
		}
		return false
	})
}

func (s *plainScanner) restrictions(tr *TenantRestrictions) bool {
	var seen uint16
	return s.object(func(name string) bool {
		switch name {
		case "tenant":
			return s.once(&seen, 0) && s.guid(&tr.Tenant)
		case "policy_id":
			return s.once(&seen, 1) && s.guid(&tr.PolicyID)
		}
		return false
	})
}

func (s *plainScanner) invitation(inv *Invitation) bool {
	var seen uint16
	return s.object(func(name string) bool {
		switch name {
		case "inviter_roles":
			if !s.once(&seen, 0) || !s.expect('[') {
				return false
			}
			inv.InviterRoles = []string{}
			return s.list(func() bool {
				var role string
				if len(inv.InviterRoles) == MaxInviterRoles || !s.enum(&role, inviterRoles) {
					return false
				}
				inv.InviterRoles = append(inv.InviterRoles, role)
				return true
			})
		case "inviter_user_type":
			return s.once(&seen, 1) && s.enum(&inv.InviterUserType, inviterUserType)
		case "invitee_email":
			return s.once(&seen, 2) && s.str(&inv.InviteeEmail, nil) && checkEmail(inv.InviteeEmail, "") == nil
		}
		return false
	})
}

// plainScanner reads the subset of JSON that decodePlain accepts; every
// method reports false at the first byte outside it.
type plainScanner struct {
	b string
	i int
}

func (s *plainScanner) space() {
	for s.i < len(s.b) {
		switch s.b[s.i] {
		case ' ', '\t', '\n', '\r':
			s.i++
		default:
			return
		}
	}
}

// expect consumes c after optional white space.
func (s *plainScanner) expect(c byte) bool {
	s.space()
	if s.i < len(s.b) && s.b[s.i] == c {
		s.i++
		return true
	}
	return false
}

// once refuses a member seen before in the same object (encoding/json would
// keep the last one; the generic path decides what that means).
func (s *plainScanner) once(seen *uint16, bit uint) bool {
	if *seen&(1<<bit) != 0 {
		return false
	}
	*seen |= 1 << bit
	return true
}

// object reads {"name": value, ...}; member reads the value.
func (s *plainScanner) object(member func(name string) bool) bool {
	if !s.expect('{') {
		return false
	}
	if s.expect('}') {
		return true
	}
	for {
		name, ok := s.plainString()
		if !ok || !s.expect(':') || !member(name) {
			return false
		}
		if s.expect(',') {
			continue
		}
		return s.expect('}')
	}
}

// list reads the items of an array whose '[' has been consumed.
func (s *plainScanner) list(item func() bool) bool {
	if s.expect(']') {
		return true
	}
	for {
		if !item() {
			return false
		}
		if s.expect(',') {
			continue
		}
		return s.expect(']')
	}
}

// plainString reads a string of printable ASCII without escapes.
func (s *plainScanner) plainString() (string, bool) {
	if !s.expect('"') {
		return "", false
	}
	start := s.i
	for ; s.i < len(s.b); s.i++ {
		switch c := s.b[s.i]; {
		case c == '"':
			s.i++
			return s.b[start : s.i-1], true
		case c == '\\' || c < 0x20 || c >= 0x80:
			return "", false
		}
	}
	return "", false
}

// str reads a string; when it is one of known, the constant is kept rather
// than a copy.
func (s *plainScanner) str(out *string, known []string) bool {
	b, ok := s.plainString()
	if !ok {
		return false
	}
	for _, k := range known {
		if b == k {
			*out = k
			return true
		}
	}
	*out = b
	return true
}

func (s *plainScanner) enum(out *string, allowed []string) bool {
	b, ok := s.plainString()
	if !ok {
		return false
	}
	for _, k := range allowed {
		if b == k {
			*out = k
			return true
		}
	}
	return false
}

func (s *plainScanner) guid(out *string) bool {
	b, ok := s.plainString()
	if !ok || !guid.Valid(b) {
		return false
	}
	*out = b
	return true
}

func (s *plainScanner) nullableGUID(out **string) bool {
	if s.literal("null") {
		*out = nil
		return true
	}
	var g string
	if !s.guid(&g) {
		return false
	}
	*out = &g
	return true
}

// guids reads an array of at most MaxGroups GUIDs; [] stays a non-nil empty
// list, as guidList makes it.
func (s *plainScanner) guids(out *[]string) bool {
	if !s.expect('[') {
		return false
	}
	list := []string{}
	ok := s.list(func() bool {
		var g string
		if len(list) == MaxGroups || !s.guid(&g) {
			return false
		}
		list = append(list, g)
		return true
	})
	*out = list
	return ok
}

func (s *plainScanner) boolean(out *bool) bool {
	switch {
	case s.literal("true"):
		*out = true
	case s.literal("false"):
		*out = false
	default:
		return false
	}
	return true
}

// literal consumes word; a letter straight after it (truex) is left for the
// caller to refuse, since no value may follow a literal without a comma.
func (s *plainScanner) literal(word string) bool {
	s.space()
	if len(s.b)-s.i >= len(word) && s.b[s.i:s.i+len(word)] == word {
		s.i += len(word)
		return true
	}
	return false
}
