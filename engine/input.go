package engine

import "github.com/open-policy-agent/opa/v1/ast"

// Keys of the input document, built once.
var (
	keyAccessType         = ast.StringTerm("access_type")
	keyHomeTenant         = ast.StringTerm("home_tenant")
	keyResourceTenant     = ast.StringTerm("resource_tenant")
	keyHomeCloud          = ast.StringTerm("home_cloud")
	keyResourceCloud      = ast.StringTerm("resource_cloud")
	keyIdentityKind       = ast.StringTerm("identity_kind")
	keyUser               = ast.StringTerm("user")
	keyID                 = ast.StringTerm("id")
	keyGroups             = ast.StringTerm("groups")
	keyUserType           = ast.StringTerm("user_type")
	keyResourceObjectID   = ast.StringTerm("resource_object_id")
	keyResourceGroups     = ast.StringTerm("resource_groups")
	keyGDAPSession        = ast.StringTerm("gdap_session")
	keyApplication        = ast.StringTerm("application")
	keyClientID           = ast.StringTerm("client_id")
	keyClaims             = ast.StringTerm("claims")
	keyMFA                = ast.StringTerm("mfa")
	keyCompliantDevice    = ast.StringTerm("compliant_device")
	keyHybridJoinedDevice = ast.StringTerm("hybrid_joined_device")
	keyTenantRestrictions = ast.StringTerm("tenant_restrictions")
	keyTenant             = ast.StringTerm("tenant")
	keyPolicyID           = ast.StringTerm("policy_id")
	keyInvitation         = ast.StringTerm("invitation")
	keyInviterRoles       = ast.StringTerm("inviter_roles")
	keyInviterUserType    = ast.StringTerm("inviter_user_type")
	keyInviteeEmail       = ast.StringTerm("invitee_email")
)

// pairValue is the input of the pair summary: the pair key and nothing else.
func (r *Request) pairValue() ast.Value {
	obj := ast.NewObjectWithCapacity(6)
	r.putPairKey(obj)
	return obj
}

// putPairKey inserts the members the pair summary may depend on (pairKey).
func (r *Request) putPairKey(obj ast.Object) {
	obj.Insert(keyAccessType, ast.StringTerm(r.AccessType))
	obj.Insert(keyHomeTenant, ast.StringTerm(r.HomeTenant))
	obj.Insert(keyResourceTenant, ast.StringTerm(r.ResourceTenant))
	putString(obj, keyHomeCloud, r.HomeCloud)
	putString(obj, keyResourceCloud, r.ResourceCloud)
	putString(obj, keyIdentityKind, r.IdentityKind)
}

// astValue builds the input document directly as an AST object, in the
// snake_case shape of docs/contract.md: no JSON encoding or parsing on the hot
// path. Absent optional members stay absent.
func (r *Request) astValue() ast.Object {
	obj := ast.NewObjectWithCapacity(12)
	r.putPairKey(obj)
	if u := r.User; u != nil {
		uo := ast.NewObjectWithCapacity(6)
		putString(uo, keyID, u.ID)
		if u.Groups != nil {
			uo.Insert(keyGroups, stringArray(u.Groups))
		}
		putString(uo, keyUserType, u.UserType)
		if u.ResourceObjectID != nil {
			uo.Insert(keyResourceObjectID, ast.StringTerm(*u.ResourceObjectID))
		}
		if u.ResourceGroups != nil {
			uo.Insert(keyResourceGroups, stringArray(u.ResourceGroups))
		}
		uo.Insert(keyGDAPSession, ast.BooleanTerm(u.GDAPSession))
		obj.Insert(keyUser, ast.NewTerm(uo))
	}
	if a := r.Application; a != nil {
		ao := ast.NewObjectWithCapacity(2)
		putString(ao, keyID, a.ID)
		if a.ClientID != nil {
			ao.Insert(keyClientID, ast.StringTerm(*a.ClientID))
		} else {
			ao.Insert(keyClientID, ast.NullTerm())
		}
		obj.Insert(keyApplication, ast.NewTerm(ao))
	}
	if c := r.Claims; c != nil {
		obj.Insert(keyClaims, ast.ObjectTerm(
			ast.Item(keyMFA, ast.BooleanTerm(c.MFA)),
			ast.Item(keyCompliantDevice, ast.BooleanTerm(c.CompliantDevice)),
			ast.Item(keyHybridJoinedDevice, ast.BooleanTerm(c.HybridJoinedDevice)),
		))
	}
	if tr := r.TenantRestrictions; tr != nil {
		obj.Insert(keyTenantRestrictions, ast.ObjectTerm(
			ast.Item(keyTenant, ast.StringTerm(tr.Tenant)),
			ast.Item(keyPolicyID, ast.StringTerm(tr.PolicyID)),
		))
	}
	if inv := r.Invitation; inv != nil {
		io := ast.NewObjectWithCapacity(3)
		io.Insert(keyInviterRoles, stringArray(inv.InviterRoles))
		putString(io, keyInviterUserType, inv.InviterUserType)
		io.Insert(keyInviteeEmail, ast.StringTerm(inv.InviteeEmail))
		obj.Insert(keyInvitation, ast.NewTerm(io))
	}
	return obj
}

func putString(obj ast.Object, key *ast.Term, s string) {
	if s != "" {
		obj.Insert(key, ast.StringTerm(s))
	}
}

// stringArray makes the terms of the array in one allocation (a user's
// groups are dozens of ids).
func stringArray(list []string) *ast.Term {
	slab := make([]ast.Term, len(list))
	terms := make([]*ast.Term, len(list))
	for i, s := range list {
		slab[i].Value = ast.String(s)
		terms[i] = &slab[i]
	}
	return ast.ArrayTerm(terms...)
}
