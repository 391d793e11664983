package xtenant.access_test

import data.xtenant.access

matrix_of(tenants, partners) := m if {
	m := access.matrix with data.xtenant.tenants as tenants
		with input as {"tenant": r, "partners": partners}
}

# R-INH-1, R-INH-9: a tenant with no default and no partners shows the
# service defaults on its "default" row.
test_matrix_service_defaults if {
	m := matrix_of({r: {"displayName": "Contoso"}}, ["default"])
	m.name == "Contoso"
	row := m.rows[0]
	row.partner == "default"
	row.partner_entry == false
	row.settings.b2bCollaborationInbound.state == "allowed"
	row.settings.b2bCollaborationInbound.source == "service_default"
	row.settings.b2bDirectConnectOutbound.state == "blocked"
	row.trust.isMfaAccepted == {"value": false, "source": "service_default"}
	row.automatic_redemption.inboundAllowed == {"value": false, "source": "service_default"}
	row.sync == {"value": false, "source": "service_default"}
}

# R-INH-1..4: the partner row takes the partner's values, falls back to the
# default per member and names the source of each.
test_matrix_partner_over_default if {
	partner := {
		"b2bCollaborationInbound": b2b(tc("allowed", [target(g1, "group")]), null),
		"inboundTrust": trust(true, null, null),
		"automaticUserConsentSettings": {"inboundAllowed": true, "outboundAllowed": null},
		"identitySynchronization": {"userSyncInbound": {"isSyncAllowed": true}},
	}
	tenants := {r: tenant("Contoso", {"b2bCollaborationInbound": block_all, "inboundTrust": trust(false, true, false)}, {h: partner})}
	m := matrix_of(tenants, [h, "default"])
	row := m.rows[0]
	row.partner_entry

	# g1 allowed, but the applications half inherited from the default
	# blocks every app (R-INH-3, R-COMB-1): nothing is admitted.
	row.settings.b2bCollaborationInbound.state == "blocked"
	row.settings.b2bCollaborationInbound.source == "partner"
	row.settings.b2bCollaborationInbound.value.applications == block_all.applications
	row.trust.isMfaAccepted == {"value": true, "source": "partner"}
	row.trust.isCompliantDeviceAccepted == {"value": true, "source": "default"}
	row.automatic_redemption.inboundAllowed == {"value": true, "source": "partner"}
	row.automatic_redemption.outboundAllowed == {"value": false, "source": "service_default"}
	row.sync == {"value": true, "source": "partner"}
	def := m.rows[1]
	def.settings.b2bCollaborationInbound == {"state": "blocked", "source": "default", "value": block_all}
	def.trust.isMfaAccepted == {"value": false, "source": "default"}
}

# R-SYNC-1: a partner entry without identitySynchronization refuses sync.
test_matrix_sync_partner_without_setting if {
	m := matrix_of({r: tenant("Contoso", {}, {h: {}})}, [h])
	m.rows[0].sync == {"value": false, "source": "partner"}
}

# An unknown tenant has no matrix (the console says so).
test_matrix_unknown_tenant_undefined if {
	not access.matrix with data.xtenant.tenants as {} with input as {"tenant": r, "partners": []}
}

test_matrix_partners_and_tenants if {
	tenants := {r: tenant("Contoso", {}, {h: {}, x: {}}), h: {"displayName": "Fabrikam"}}
	access.matrix_partners == {h: "Fabrikam", x: x} with data.xtenant.tenants as tenants with input as {"tenant": r}
	access.matrix_tenants == {r: "Contoso", h: "Fabrikam"} with data.xtenant.tenants as tenants
}

# R-COMB-1, R-TGT-1..5, R-COMB-2: the state of every combination.
test_matrix_state_combinations if {
	some_users := [target(u1, "user")]
	some_apps := [target(a1, "application")]
	cases := [
		[b2b(tc("allowed", all_users), tc("allowed", all_apps)), "allowed"],
		[b2b(tc("allowed", some_users), tc("allowed", all_apps)), "partial"],
		[b2b(tc("allowed", []), tc("allowed", all_apps)), "blocked"],
		[b2b(tc("allowed", all_users), tc("blocked", all_apps)), "blocked"],
		[b2b(tc("allowed", all_users), tc("blocked", some_apps)), "partial"],
		[b2b(tc("allowed", all_users), tc("blocked", [])), "allowed"],
		[b2b(tc("blocked", some_users), tc("allowed", all_apps)), "partial"],
		[b2b(tc("blocked", all_users), tc("blocked", all_apps)), "blocked"],
		[b2b(tc("blocked", all_users), tc("blocked", some_apps)), "partial"],
		[b2b(tc("blocked", some_users), tc("blocked", some_apps)), "partial"],
		[b2b(tc("blocked", []), tc("blocked", all_apps)), "allowed"],
		[b2b(tc("unknownFutureValue", all_users), tc("allowed", all_apps)), "blocked"],
		[b2b({"accessType": "allowed"}, tc("allowed", all_apps)), "blocked"],
	]
	every c in cases {
		access.matrix_state(c[0]) == c[1]
	}
}
