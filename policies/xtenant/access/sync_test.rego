package xtenant.access_test

import data.xtenant.access

sy_s := "11111111-1111-1111-1111-111111111111"

sy_t := "22222222-2222-2222-2222-222222222222"

# The source S with automatic redemption outbound for T set to outbound.
sy_source(outbound) := {
	"displayName": "Fabrikam",
	"crossTenantAccessPolicy": {"partners": {sy_t: {"automaticUserConsentSettings": {"inboundAllowed": null, "outboundAllowed": outbound}}}},
}

# The target T with inbound automatic redemption and isSyncAllowed for S.
sy_target(inbound, sync_allowed) := {
	"displayName": "Contoso",
	"crossTenantAccessPolicy": {"partners": {sy_s: {
		"automaticUserConsentSettings": {"inboundAllowed": inbound, "outboundAllowed": null},
		"identitySynchronization": {"tenantId": sy_s, "userSyncInbound": {"isSyncAllowed": sync_allowed}},
	}}},
}

sy_input := {"access_type": "identity_sync", "home_tenant": sy_s, "resource_tenant": sy_t}

sy_decide(tenants, inp) := v if {
	v := access.decision with data.xtenant.tenants as tenants with input as inp
}

sy_codes(d) := [r.code | some r in d.reasons]

# R-SYNC-1, R-SYNC-2: sync allowed by the target and automatic redemption on
# both sides.
test_sync_allowed_and_redemption_both_sides_allowed if {
	d := sy_decide({sy_s: sy_source(true), sy_t: sy_target(true, true)}, sy_input)
	d.decision == "allow"
	d.reasons == []
}

# R-SYNC-1, R-INH-5: no partner entry in the target means no sync; reasons are
# ordered SYNC_NOT_ALLOWED first (decision.rego code_rank).
test_sync_no_partner_entry_denied if {
	d := sy_decide({sy_s: sy_source(true), sy_t: {"displayName": "Contoso"}}, sy_input)
	d.denied_by == "sync"
	d.error_code == null
	sy_codes(d) == ["SYNC_NOT_ALLOWED", "AUTOMATIC_REDEMPTION_REQUIRED"]
	d.reasons[0] == {
		"code": "SYNC_NOT_ALLOWED",
		"stage": "sync",
		"tenant": sy_t,
		"setting": null,
		"rule": "R-SYNC-1",
		"aadsts": null,
		"message": "Contoso does not allow Fabrikam to synchronize users into it (its partner entry's userSyncInbound.isSyncAllowed is not true)",
	}
	d.reasons[1].tenant == sy_t
	d.reasons[1].setting == "service_default"
}

# R-SYNC-3: isSyncAllowed false stops synchronization.
test_sync_not_allowed_flag_false_denied if {
	d := sy_decide({sy_s: sy_source(true), sy_t: sy_target(true, false)}, sy_input)
	sy_codes(d) == ["SYNC_NOT_ALLOWED"]
	d.reasons[0].setting == "partner"
}

# R-SYNC-2, R-AR-1 (s07): inbound redemption alone is not enough.
test_sync_source_outbound_redemption_missing_denied if {
	d := sy_decide({sy_s: sy_source(null), sy_t: sy_target(true, true)}, sy_input)
	d.reasons == [{
		"code": "AUTOMATIC_REDEMPTION_REQUIRED",
		"stage": "sync",
		"tenant": sy_s,
		"setting": "service_default",
		"rule": "R-SYNC-2",
		"aadsts": null,
		"message": "Fabrikam has not turned on automatic redemption outbound for Contoso, which synchronization requires",
	}]
}

# R-SYNC-2, R-AR-1: nor outbound redemption alone.
test_sync_target_inbound_redemption_missing_denied if {
	d := sy_decide({sy_s: sy_source(true), sy_t: sy_target(false, true)}, sy_input)
	sy_codes(d) == ["AUTOMATIC_REDEMPTION_REQUIRED"]
	d.reasons[0].tenant == sy_t
	d.reasons[0].setting == "partner"
}

# §8.4: an unconfigured source cannot be shown to allow automatic redemption.
test_sync_unknown_source_denied if {
	d := sy_decide({sy_t: sy_target(true, true)}, sy_input)
	sy_codes(d) == ["AUTOMATIC_REDEMPTION_REQUIRED"]
	d.reasons[0].tenant == sy_s
	d.reasons[0].setting == null
}

# R-SYNC-5, §8.13: not available inside 21Vianet.
test_sync_inside_21vianet_denied if {
	inp := object.union(sy_input, {"home_cloud": "partner.microsoftonline.cn", "resource_cloud": "partner.microsoftonline.cn"})
	d := sy_decide({sy_s: sy_source(true), sy_t: sy_target(true, true)}, inp)
	sy_codes(d) == ["SYNC_NOT_ALLOWED"]
	d.reasons[0].rule == "R-SYNC-5"
}

# §8.13: across clouds sync passes the same gate as B2B collaboration.
test_sync_cross_cloud_gate_applies if {
	inp := object.union(sy_input, {"home_cloud": "microsoftonline.com", "resource_cloud": "microsoftonline.us"})
	tenants := {sy_s: sy_source(true), sy_t: sy_target(true, true)}
	d := sy_decide(tenants, inp)
	d.denied_by == "cloud"
	sy_codes(d) == ["CROSS_CLOUD_NOT_ENABLED", "CROSS_CLOUD_NOT_ENABLED"]
	enabled := object.union(tenants, {
		sy_s: {"crossTenantAccessPolicy": {"allowedCloudEndpoints": ["microsoftonline.us"]}},
		sy_t: {"crossTenantAccessPolicy": {"allowedCloudEndpoints": ["microsoftonline.com"]}},
	})
	sy_decide(enabled, inp).decision == "allow"
}

# R-SYNC-1: the sync stage judges only identity_sync requests.
test_sync_stage_skipped_for_sign_in if {
	inp := {
		"access_type": "b2b_collaboration",
		"home_tenant": sy_s,
		"resource_tenant": sy_t,
		"user": {"id": "a1a1a1a1-0000-4000-8000-000000000001"},
		"application": {"id": "d1d1d1d1-0000-4000-8000-0000000000a1"},
	}
	r := access.sync_reasons with data.xtenant.tenants as {sy_s: {}, sy_t: {}} with input as inp
	r == set()
}
