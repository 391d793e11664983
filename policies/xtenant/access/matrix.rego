# The partner matrix of the web console
# A resource tenant's effective settings for each of its partners (and for
# "default", any tenant without a partner entry), resolved by the very rules
# that decide requests: effective_member, member_source and setting_source
# (R-INH-1..9). Read through the Data API with input
# {"tenant": <id>, "partners": [<partner id> | "default", ...]}; nothing here
# is part of a decision.
package xtenant.access

# The B2B properties shown as columns, in the portal's order.
matrix_b2b_properties := ["b2bCollaborationInbound", "b2bCollaborationOutbound", "b2bDirectConnectInbound", "b2bDirectConnectOutbound"]

# Every configured tenant by id, with its name: the console's tenant picker.
matrix_tenants := {x: tenant_name(x) | some x, _ in tenants}

# The partner entries of input.tenant by id, with the partner's name where
# the partner is configured too.
matrix_partners := {y: tenant_name(y) | some y, _ in tenants[input.tenant].crossTenantAccessPolicy.partners}

matrix := {
	"tenant": x,
	"name": tenant_name(x),
	"rows": [matrix_row(x, y) | some y in input.partners],
} if {
	x := input.tenant
	tenants[x]
}

# "default" is never a partner key (keys are GUIDs), so it resolves through
# the stored default and the service default, as for any tenant without a
# partner entry (R-INH-1).
matrix_row(x, y) := {
	"partner": y,
	"name": tenant_name(y),
	"partner_entry": matrix_partner_present(x, y),
	"settings": {prop: matrix_setting(x, y, prop) | some prop in matrix_b2b_properties},
	"trust": {flag: matrix_member(x, y, "inboundTrust", flag) | some flag in trust_flags},
	"automatic_redemption": {flag: matrix_member(x, y, "automaticUserConsentSettings", flag) |
		some flag in consent_flags
	},
	"sync": matrix_sync(x, y),
}

matrix_partner_present(x, y) if partner_present(x, y)

else := false

# R-INH-1..4, R-INH-9: a B2B setting as decisions see it, with whom it admits.
matrix_setting(x, y, prop) := {
	"state": matrix_state(s),
	"source": setting_source(x, y, prop),
	"value": s,
} if {
	s := effective_setting(x, y, prop)
}

matrix_member(x, y, prop, member) := {
	"value": effective_member(x, y, prop, member),
	"source": member_source(x, y, prop, member),
}

# R-SYNC-1: only the partner entry can allow sync in (no default counterpart,
# R-INH-5).
matrix_sync(x, y) := {"value": v == true, "source": "partner"} if {
	v := partner_entry(x, y).identitySynchronization.userSyncInbound.isSyncAllowed
} else := {"value": false, "source": "partner"} if {
	partner_present(x, y)
} else := {"value": false, "source": "service_default"}

# R-COMB-1: "allowed" when the setting permits every principal with every
# app, "blocked" when it permits none, "partial" otherwise. In the
# blocked/blocked rectangle only listed × listed is kept out.
matrix_state(s) := matrix_rectangle(u, a) if {
	s.usersAndGroups.accessType == "blocked"
	s.applications.accessType == "blocked"
	u := matrix_listed(s.usersAndGroups, "AllUsers")
	a := matrix_listed(s.applications, "AllApplications")
} else := matrix_product(u, a) if {
	u := matrix_admitted(s.usersAndGroups, "AllUsers")
	a := matrix_admitted(s.applications, "AllApplications")
} else := "blocked"

# R-COMB-2: an accessType other than allowed or blocked permits nothing
# (matrix_admitted is undefined for it, so matrix_state says "blocked").

# R-TGT-1..5: whom a half lists: "all" (AllUsers, AllApplications), "none"
# (an empty or missing list, R-TGT-5) or "some".
matrix_listed(half, everyone) := "all" if {
	some t in half.targets
	t.target == everyone
} else := "none" if {
	count(object.get(half, "targets", [])) == 0
} else := "some"

# Whom an allowed half admits is what it lists; a blocked half, the rest.
matrix_admitted(half, everyone) := matrix_listed(half, everyone) if {
	half.accessType == "allowed"
} else := {"all": "none", "none": "all", "some": "some"}[matrix_listed(half, everyone)] if {
	half.accessType == "blocked"
}

matrix_product(u, a) := "allowed" if {
	u == "all"
	a == "all"
} else := "blocked" if {
	"none" in {u, a}
} else := "partial"

matrix_rectangle(u, a) := "allowed" if {
	"none" in {u, a}
} else := "blocked" if {
	u == "all"
	a == "all"
} else := "partial"
