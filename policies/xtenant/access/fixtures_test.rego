# Shared fixtures of the xtenant.access tests: the tenants and principals of
# docs/semantics.md §5.1 (H, R, X; u1 in g1, u2; apps A1, A2, SPO).
package xtenant.access_test

h := "11111111-1111-1111-1111-111111111111"

r := "22222222-2222-2222-2222-222222222222"

x := "33333333-3333-3333-3333-333333333333"

u1 := "a1a1a1a1-0000-4000-8000-000000000001"

u2 := "a1a1a1a1-0000-4000-8000-000000000002"

g1 := "c1c1c1c1-0000-4000-8000-000000000001"

a1 := "d1d1d1d1-0000-4000-8000-0000000000a1"

a2 := "d1d1d1d1-0000-4000-8000-0000000000a2"

spo := "00000003-0000-0ff1-ce00-000000000000"

guest_object := "b2b2b2b2-0000-4000-8000-000000000001"

target(id, kind) := {"target": id, "targetType": kind}

tc(access, targets) := {"accessType": access, "targets": targets}

b2b(users, apps) := {"usersAndGroups": users, "applications": apps}

all_users := [target("AllUsers", "user")]

all_apps := [target("AllApplications", "application")]

allow_all := b2b(tc("allowed", all_users), tc("allowed", all_apps))

block_all := b2b(tc("blocked", all_users), tc("blocked", all_apps))

trust(m, c, hy) := {"isMfaAccepted": m, "isCompliantDeviceAccepted": c, "isHybridAzureADJoinedDeviceAccepted": hy}

# A tenant with a display name, a default and partners.
tenant(name, def, partners) := {
	"displayName": name,
	"crossTenantAccessPolicy": {"default": def, "partners": partners},
}

# Fabrikam (H) and Contoso (R) at service defaults; R may carry more.
contoso(extra) := object.union({"displayName": "Contoso"}, extra)

pair(rcfg) := {h: {"displayName": "Fabrikam"}, r: contoso(rcfg)}

# The §5.1 default request: u1 (guest object in R) signs in to A1 via B2B collaboration.
collab := {
	"access_type": "b2b_collaboration",
	"home_tenant": h,
	"resource_tenant": r,
	"identity_kind": "entra",
	"user": {"id": u1, "groups": [g1], "user_type": "guest", "resource_object_id": guest_object},
	"application": {"id": a1},
	"claims": {"mfa": false, "compliant_device": false, "hybrid_joined_device": false},
}

direct := {
	"access_type": "b2b_direct_connect",
	"home_tenant": h,
	"resource_tenant": r,
	"user": {"id": u1, "groups": [g1]},
	"application": {"id": spo},
	"claims": {"mfa": false, "compliant_device": false, "hybrid_joined_device": false},
}

claims(m, c, hy) := {"claims": {"mfa": m, "compliant_device": c, "hybrid_joined_device": hy}}

with_claims(req, m, c, hy) := object.union(req, claims(m, c, hy))

# CA(types, op, controls[, state]) of §5.1.
ca(id, types, op, controls) := ca_state(id, types, op, controls, "enabled")

ca_state(id, types, op, controls, state) := {
	"id": id,
	"displayName": id,
	"state": state,
	"conditions": {
		"clientAppTypes": ["all"],
		"applications": {"includeApplications": ["All"], "excludeApplications": []},
		"users": {"includeGuestsOrExternalUsers": {
			"guestOrExternalUserTypes": types,
			"externalTenants": {"membershipKind": "all"},
		}},
	},
	"grantControls": {"operator": op, "builtInControls": controls},
}

# R trusting H with the given flags, holding the given CA policies.
trusting(flags, policies) := pair({
	"crossTenantAccessPolicy": {"partners": {h: {"inboundTrust": flags}}},
	"conditionalAccessPolicies": policies,
})

# Direct connect enabled on both sides, R trusting H with flags, with policies.
dc_pair(flags, policies) := {
	h: tenant("Fabrikam", {}, {r: {"b2bDirectConnectOutbound": allow_all}}),
	r: {
		"displayName": "Contoso",
		"crossTenantAccessPolicy": {"partners": {h: {"b2bDirectConnectInbound": allow_all, "inboundTrust": flags}}},
		"conditionalAccessPolicies": policies,
	},
}

codes(d) := [reason.code | some reason in d.reasons]
