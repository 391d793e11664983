package engine

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/xtenant/xtenant/guid"
)

// The decision input's contract (docs/contract.md, "Decision input";
// schemas/input.schema.json, which TestDecoderAgreesWithSchema holds this
// file and requestjson.go to): limits, enumerations, value checks and the
// members each access type requires. DecodeRequest applies them while it
// decodes JSON; Canonical applies them to a request built in Go.

// Limits of the decision input.
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

// Canonical returns the request checked against the contract (Validate)
// and in canonical form (canonicalize), without modifying r: r itself when it
// already is canonical (DecodeRequest's result, or Canonical's), else a
// checked copy. So however many decorators wrap the engine, a request is
// checked once: the first to call Canonical checks it and hands the copy on.
// The result is shared by everything that handles the request: read it,
// never modify it.
func (r *Request) Canonical() (*Request, error) {
	if r.isCanonical() {
		return r, nil
	}
	if err := r.Validate(); err != nil {
		return nil, err
	}
	c := r.clone()
	c.canonicalize()
	c.canonical = c
	return c, nil
}

// isCanonical reports whether r was made canonical by this package. The
// mark is r's own address, so a copy of a canonical request (which its
// holder may then change) is not taken for one.
func (r *Request) isCanonical() bool { return r != nil && r.canonical == r }

// Validate checks a request without modifying it: every member present
// (empty strings and nil pointers are absent) holds a valid value, in the
// order of their names as DecodeRequest reports them, then the members the
// access type requires are there.
func (r *Request) Validate() error {
	if r == nil {
		return &InputError{Message: "expected a request object"}
	}
	if r.isCanonical() {
		return nil
	}
	if err := r.checkMembers(); err != nil {
		return err
	}
	return r.checkRequired()
}

// checkMembers checks the value of each member of a Go-built request, in
// the order of their JSON names.
func (r *Request) checkMembers() error {
	if r.AccessType != "" {
		if err := checkEnum(r.AccessType, "/access_type", accessTypes); err != nil {
			return err
		}
	}
	if a := r.Application; a != nil {
		if a.ClientID != nil {
			if err := checkGUID(*a.ClientID, "/application/client_id"); err != nil {
				return err
			}
		}
		if err := optionalGUID(a.ID, "/application/id"); err != nil {
			return err
		}
	}
	if err := optionalEnum(r.HomeCloud, "/home_cloud", clouds); err != nil {
		return err
	}
	if err := optionalGUID(r.HomeTenant, "/home_tenant"); err != nil {
		return err
	}
	if err := optionalEnum(r.IdentityKind, "/identity_kind", identityKinds); err != nil {
		return err
	}
	if inv := r.Invitation; inv != nil {
		if err := checkRoles(inv.InviterRoles, "/invitation/inviter_roles"); err != nil {
			return err
		}
		if err := optionalEnum(inv.InviterUserType, "/invitation/inviter_user_type", inviterUserType); err != nil {
			return err
		}
		if inv.InviteeEmail != "" {
			if err := checkEmail(inv.InviteeEmail, "/invitation/invitee_email"); err != nil {
				return err
			}
		}
	}
	if err := optionalEnum(r.ResourceCloud, "/resource_cloud", clouds); err != nil {
		return err
	}
	if err := optionalGUID(r.ResourceTenant, "/resource_tenant"); err != nil {
		return err
	}
	if tr := r.TenantRestrictions; tr != nil {
		if err := optionalGUID(tr.PolicyID, "/tenant_restrictions/policy_id"); err != nil {
			return err
		}
		if err := optionalGUID(tr.Tenant, "/tenant_restrictions/tenant"); err != nil {
			return err
		}
	}
	if u := r.User; u != nil {
		if err := checkGUIDs(u.Groups, "/user/groups"); err != nil {
			return err
		}
		if err := optionalGUID(u.ID, "/user/id"); err != nil {
			return err
		}
		if err := checkGUIDs(u.ResourceGroups, "/user/resource_groups"); err != nil {
			return err
		}
		if u.ResourceObjectID != nil {
			if err := checkGUID(*u.ResourceObjectID, "/user/resource_object_id"); err != nil {
				return err
			}
		}
		if err := optionalEnum(u.UserType, "/user/user_type", userTypes); err != nil {
			return err
		}
	}
	return nil
}

// checkRequired checks that the members the access type requires are
// present (schemas/input.schema.json: required, allOf). Values were checked
// before.
func (r *Request) checkRequired() error {
	if r.AccessType == "" {
		return &InputError{Path: "/access_type", Message: "required: expected one of " + strings.Join(accessTypes, ", ")}
	}
	// §8.24: an invitee may have no tenant (a Microsoft account, a social or
	// one-time-passcode identity) or the caller may know only the address:
	// the policy looks the invitee's tenant up by the address's domain.
	if r.AccessType != AccessInvitation && r.HomeTenant == "" {
		return &InputError{Path: "/home_tenant", Message: "required: expected a GUID"}
	}
	if r.ResourceTenant == "" {
		return &InputError{Path: "/resource_tenant", Message: "required: expected a GUID"}
	}
	if r.AccessType == AccessB2BCollaboration || r.AccessType == AccessB2BDirectConnect {
		switch {
		case r.User == nil:
			return &InputError{Path: "/user", Message: "required for " + r.AccessType + ": expected an object with id"}
		case r.User.ID == "":
			return &InputError{Path: "/user/id", Message: "required for " + r.AccessType + ": expected a GUID"}
		case r.Application == nil:
			return &InputError{Path: "/application", Message: "required for " + r.AccessType + ": expected an object with id"}
		case r.Application.ID == "":
			return &InputError{Path: "/application/id", Message: "required for " + r.AccessType + ": expected a GUID"}
		}
	}
	if tr := r.TenantRestrictions; tr != nil {
		if tr.Tenant == "" {
			return &InputError{Path: "/tenant_restrictions/tenant", Message: "required: expected a GUID"}
		}
		if tr.PolicyID == "" {
			return &InputError{Path: "/tenant_restrictions/policy_id", Message: "required: expected a GUID"}
		}
	}
	inv := r.Invitation
	if inv == nil {
		if r.AccessType == AccessInvitation {
			return &InputError{Path: "/invitation", Message: "required for invitation: expected an object with invitee_email"}
		}
		return nil
	}
	if inv.InviteeEmail == "" {
		return &InputError{Path: "/invitation/invitee_email", Message: "required: expected an e-mail address (local@domain)"}
	}
	return nil
}

// clone copies a request deeply enough that canonicalize never touches the
// caller's: the request and its objects in one allocation, the lists it
// sorts in another each. ResourceObjectID and ClientID stay shared:
// canonicalize replaces them rather than writing through them.
func (r *Request) clone() *Request {
	b := &struct {
		r   Request
		u   User
		a   Application
		c   Claims
		tr  TenantRestrictions
		inv Invitation
	}{r: *r}
	c := &b.r
	c.canonical = nil
	if r.User != nil {
		b.u = *r.User
		b.u.Groups = slices.Clone(r.User.Groups)
		b.u.ResourceGroups = slices.Clone(r.User.ResourceGroups)
		c.User = &b.u
	}
	if r.Application != nil {
		b.a = *r.Application
		c.Application = &b.a
	}
	// canonicalize makes absent claims explicit: they live in the block too.
	if r.Claims != nil {
		b.c = *r.Claims
	}
	c.Claims = &b.c
	if r.TenantRestrictions != nil {
		b.tr = *r.TenantRestrictions
		c.TenantRestrictions = &b.tr
	}
	if r.Invitation != nil {
		b.inv = *r.Invitation
		b.inv.InviterRoles = slices.Clone(r.Invitation.InviterRoles)
		c.Invitation = &b.inv
	}
	return c
}

// canonicalize puts a valid request that this package owns into canonical
// form, in place: GUIDs in lower case, groups sorted without duplicates,
// every default explicit (identity_kind, user_type, claims,
// inviter_user_type), empty lists nil. Equal requests have equal canonical
// forms; the decision cache keys on it.
func (r *Request) canonicalize() {
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

// --- value checks: what one member may hold. Each problem function returns
// what is wrong with a value ("" when nothing is), in the words of the
// error messages; DecodeRequest and Validate name the member. ---

func guidProblem(s string) string {
	if guid.Valid(s) {
		return ""
	}
	return "expected a GUID, got " + quote(s)
}

func enumProblem(s string, allowed []string) string {
	if slices.Contains(allowed, s) {
		return ""
	}
	return "expected one of " + strings.Join(allowed, ", ") + ", got " + quote(s)
}

// emailProblem applies the schema's pattern ^[^@\s]+@[^@\s]+$ and length.
func emailProblem(s string) string {
	// maxLength counts characters (JSON Schema), not bytes.
	if len(s) > MaxEmailLength && utf8.RuneCountInString(s) > MaxEmailLength {
		return fmt.Sprintf("expected an e-mail address of at most %d characters", MaxEmailLength)
	}
	at := strings.IndexByte(s, '@')
	if at <= 0 || at == len(s)-1 || strings.IndexByte(s[at+1:], '@') >= 0 || strings.ContainsFunc(s, isSchemaSpace) {
		return "expected an e-mail address (local@domain), got " + quote(s)
	}
	return ""
}

func tooMany(limit, n int) string {
	return fmt.Sprintf("expected at most %d items, got %d", limit, n)
}

func problemAt(path, problem string) error {
	if problem == "" {
		return nil
	}
	return &InputError{Path: path, Message: problem}
}

func checkGUID(s, path string) error { return problemAt(path, guidProblem(s)) }

func optionalGUID(s, path string) error {
	if s == "" {
		return nil
	}
	return checkGUID(s, path)
}

func checkGUIDs(list []string, path string) error {
	if len(list) > MaxGroups {
		return problemAt(path, tooMany(MaxGroups, len(list)))
	}
	for i, g := range list {
		if !guid.Valid(g) { // the path is built only for the error
			return checkGUID(g, path+"/"+strconv.Itoa(i))
		}
	}
	return nil
}

func checkRoles(list []string, path string) error {
	if len(list) > MaxInviterRoles {
		return problemAt(path, tooMany(MaxInviterRoles, len(list)))
	}
	for i, role := range list {
		if !slices.Contains(inviterRoles, role) {
			return checkEnum(role, path+"/"+strconv.Itoa(i), inviterRoles)
		}
	}
	return nil
}

func checkEnum(s, path string, allowed []string) error {
	return problemAt(path, enumProblem(s, allowed))
}

func optionalEnum(s, path string, allowed []string) error {
	if s == "" {
		return nil
	}
	return checkEnum(s, path, allowed)
}

func checkEmail(s, path string) error { return problemAt(path, emailProblem(s)) }

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
