package xtenant.access_test

import data.xtenant.access

tr_h := "11111111-1111-1111-1111-111111111111"

tr_r := "22222222-2222-2222-2222-222222222222"

tr_x := "33333333-3333-3333-3333-333333333333"

tr_t := "44444444-4444-4444-4444-444444444444"

tr_policy := "0f6b1d3c-8e2a-4c57-9b1e-3a4d5c6e7f80"

tr_a1 := "d1d1d1d1-0000-4000-8000-0000000000a1"

tr_a2 := "d1d1d1d1-0000-4000-8000-0000000000a2"

tr_u9 := "a1a1a1a1-0000-4000-8000-000000000009"

tr_g1 := "c1c1c1c1-0000-4000-8000-000000000001"

tr_tc(access_type, targets, target_type) := {
	"accessType": access_type,
	"targets": [{"target": t, "targetType": target_type} | some t in targets],
}

tr_allow_all := {
	"usersAndGroups": tr_tc("allowed", ["AllUsers"], "user"),
	"applications": tr_tc("allowed", ["AllApplications"], "application"),
}

tr_block_all := {
	"usersAndGroups": tr_tc("blocked", ["AllUsers"], "user"),
	"applications": tr_tc("blocked", ["AllApplications"], "application"),
}

# Woodgrove (T) with the given stored default TR setting (null: none stored)
# and partner entries.
tr_woodgrove(default_tr, partners) := {
	"displayName": "Woodgrove",
	"cloud": "microsoftonline.com",
	"crossTenantAccessPolicy": {
		"default": {"id": tr_policy, "tenantRestrictions": default_tr},
		"partners": partners,
	},
}

tr_tenants(default_tr, partners) := {
	tr_h: {"displayName": "Fabrikam"},
	tr_r: {"displayName": "Contoso"},
	tr_x: {"displayName": "Northwind"},
	tr_t: tr_woodgrove(default_tr, partners),
}

# An X account signing in to X on T's network (tc38).
tr_input := {
	"access_type": "b2b_collaboration",
	"home_tenant": tr_x,
	"resource_tenant": tr_x,
	"user": {"id": tr_u9, "groups": [tr_g1], "user_type": "member"},
	"application": {"id": tr_a1},
	"tenant_restrictions": {"tenant": tr_t, "policy_id": tr_policy},
}

tr_decide(tenants, inp) := v if {
	v := access.decision with data.xtenant.tenants as tenants with input as inp
}

tr_reasons(tenants, inp) := v if {
	v := access.tenant_restrictions_reasons with data.xtenant.tenants as tenants with input as inp
}

tr_config(tenants, inp) := v if {
	v := access.configuration_reasons with data.xtenant.tenants as tenants with input as inp
}

tr_codes(d) := [r.code | some r in d.reasons]

# R-TR-2, R-TR-5, R-TR-6, R-TR-8: T's service-default TR blocks every external
# account; the deny carries AADSTS5000211.
test_tr_service_default_blocks_external_account_denied if {
	d := tr_decide(tr_tenants(null, {}), tr_input)
	d.denied_by == "tenant_restrictions"
	d.error_code == "AADSTS5000211"
	d.reasons == [{
		"code": "TENANT_RESTRICTED",
		"stage": "tenant_restrictions",
		"tenant": tr_t,
		"setting": "service_default",
		"rule": "R-TR-6",
		"aadsts": "AADSTS5000211",
		"message": "Woodgrove's tenant restrictions for Northwind do not allow this Northwind account to use this application",
	}]
}

# R-TR-2: without the signal the stage does not run.
test_tr_no_signal_allowed if {
	inp := object.remove(tr_input, ["tenant_restrictions"])
	tr_decide(tr_tenants(null, {}), inp).decision == "allow"
}

# R-TR-3: T's own accounts are never restricted by T's TR policy.
test_tr_own_tenant_account_skipped if {
	inp := object.union(tr_input, {"home_tenant": tr_t})
	count(tr_reasons(tr_tenants(null, {}), inp)) == 0
}

# R-TR-4, R-CC-5, §8.3: TR is not enforced across clouds.
test_tr_cross_cloud_request_skipped if {
	inp := object.union(tr_input, {"resource_tenant": tr_r, "resource_cloud": "microsoftonline.us"})
	count(tr_reasons(tr_tenants(null, {}), inp)) == 0
}

# §8.3: nor when T is in another cloud than the resource.
test_tr_policy_tenant_in_other_cloud_skipped if {
	tenants := object.union(tr_tenants(null, {}), {tr_t: {"cloud": "microsoftonline.us"}})
	count(tr_reasons(tenants, tr_input)) == 0
}

# §6 A13: a policy id that is not T's default id fails closed.
test_tr_wrong_policy_id_denied if {
	inp := object.union(tr_input, {"tenant_restrictions": {"policy_id": "0f6b1d3c-8e2a-4c57-9b1e-000000000000"}})
	d := tr_decide(tr_tenants(tr_allow_all, {}), inp)
	d.denied_by == "tenant_restrictions"
	d.error_code == null
	tr_codes(d) == ["TENANT_RESTRICTIONS_POLICY_UNKNOWN"]
}

# §6 A13, §8.3: an unknown T fails closed.
test_tr_unknown_policy_tenant_denied if {
	tenants := object.remove(tr_tenants(null, {}), [tr_t])
	tr_codes(tr_decide(tenants, tr_input)) == ["TENANT_RESTRICTIONS_POLICY_UNKNOWN"]
}

# R-TR-5, R-TR-6: T's partner entry for X allows only A1 (apps half), the
# users half is inherited from the stored default (R-INH-3).
test_tr_partner_allows_listed_app_allowed if {
	partners := {tr_x: {"tenantRestrictions": {"applications": tr_tc("allowed", [tr_a1], "application")}}}
	tenants := tr_tenants(tr_allow_all, partners)
	tr_decide(tenants, tr_input).decision == "allow"
}

test_tr_partner_unlisted_app_denied if {
	partners := {tr_x: {"tenantRestrictions": {"applications": tr_tc("allowed", [tr_a1], "application")}}}
	tenants := tr_tenants(tr_allow_all, partners)
	inp := object.union(tr_input, {"application": {"id": tr_a2}})
	[r] := [r | some r in tr_reasons(tenants, inp)]
	r.setting == "partner"
}

# R-TR-6: user and group targets are matched with the home tenant's ids.
test_tr_partner_blocks_listed_group_denied if {
	partners := {tr_x: {"tenantRestrictions": {
		"usersAndGroups": tr_tc("blocked", [tr_g1], "group"),
		"applications": tr_tc("blocked", ["AllApplications"], "application"),
	}}}
	tenants := tr_tenants(null, partners)
	tr_codes(tr_decide(tenants, tr_input)) == ["TENANT_RESTRICTED"]
	inp := object.union(tr_input, {"user": {"groups": []}})
	tr_decide(tenants, inp).decision == "allow"
}

# R-TR-7, §6 A12: a devices filter is not enforced.
test_tr_devices_filter_ignored_allowed if {
	setting := object.union(tr_allow_all, {"devices": {"mode": "blocked", "rule": "device.deviceAttribute2 -eq 'PrivilegedAccessWorkstation'"}})
	tenants := tr_tenants(null, {tr_x: {"tenantRestrictions": setting}})
	tr_decide(tenants, tr_input).decision == "allow"
}

# §6 A3, §8.3: an H account used to reach a third tenant R is checked against
# T's settings for H and for R; either one denying denies.
test_tr_third_tenant_keys_both_checked if {
	inp := object.union(tr_input, {"home_tenant": tr_h, "resource_tenant": tr_r})
	only_h := tr_tenants(null, {tr_h: {"tenantRestrictions": tr_allow_all}})
	[r] := [r | some r in tr_reasons(only_h, inp)]
	r.message == "Woodgrove's tenant restrictions for Contoso do not allow this Fabrikam account to use this application"
	both := tr_tenants(null, {tr_h: {"tenantRestrictions": tr_allow_all}, tr_r: {"tenantRestrictions": tr_allow_all}})
	count(tr_reasons(both, inp)) == 0
	neither := tr_tenants(null, {})
	count(tr_reasons(neither, inp)) == 2
}

# §8.3: when the accessed tenant is T itself only the home key is checked.
test_tr_resource_is_policy_tenant_home_key_only if {
	inp := object.union(tr_input, {"resource_tenant": tr_t})
	tenants := tr_tenants(null, {tr_x: {"tenantRestrictions": tr_allow_all}})
	count(tr_reasons(tenants, inp)) == 0
}

# R-TR-1: TR is independent of inbound settings; a TR allow does not open a
# blocked inbound and an open inbound does not lift a TR block.
test_tr_independent_of_inbound if {
	inp := object.union(tr_input, {"home_tenant": tr_h, "resource_tenant": tr_r, "user": {"user_type": "guest"}})
	tr_open := {tr_h: {"tenantRestrictions": tr_allow_all}, tr_r: {"tenantRestrictions": tr_allow_all}}
	blocked_inbound := object.union(tr_tenants(null, tr_open), {tr_r: {"crossTenantAccessPolicy": {"default": {"b2bCollaborationInbound": {
		"usersAndGroups": tr_tc("blocked", ["AllUsers"], "user"),
		"applications": tr_tc("blocked", ["AllApplications"], "application"),
	}}}}})
	tr_codes(tr_decide(blocked_inbound, inp)) == ["RESOURCE_INBOUND_BLOCKED"]
	tr_codes(tr_decide(tr_tenants(null, {}), inp)) == ["TENANT_RESTRICTED", "TENANT_RESTRICTED"]
}

# §8.3: only sign-ins are restricted; direct connect is one.
test_tr_direct_connect_denied if {
	inp := object.union(tr_input, {"access_type": "b2b_direct_connect"})
	tr_codes(tr_decide(tr_tenants(null, {}), inp)) == ["TENANT_RESTRICTED"]
}

test_tr_identity_sync_skipped if {
	inp := object.union(tr_input, {"access_type": "identity_sync"})
	count(tr_reasons(tr_tenants(null, {}), inp)) == 0
}

# R-COMB-2, §8.1: an unknown accessType in the TR setting the stage applies is
# an invalid configuration.
test_tr_unknown_access_type_invalid_configuration if {
	setting := object.union(tr_allow_all, {"applications": {"accessType": "unknownFutureValue"}})
	d := tr_decide(tr_tenants(null, {tr_x: {"tenantRestrictions": setting}}), tr_input)
	d.denied_by == "configuration"
	d.reasons == [{
		"code": "INVALID_CONFIGURATION",
		"stage": "configuration",
		"tenant": tr_t,
		"setting": "partner",
		"rule": "R-COMB-2",
		"aadsts": null,
		"message": "Woodgrove's tenant restrictions settings for Northwind has the unknown accessType unknownFutureValue in applications (R-COMB-2)",
	}]
}

# R-TGT-6: a target type that does not fit its half.
test_tr_unknown_target_type_invalid_configuration if {
	setting := {"usersAndGroups": tr_tc("allowed", [tr_g1], "unknownFutureValue")}
	[r] := [r | some r in tr_config(tr_tenants(null, {tr_x: {"tenantRestrictions": setting}}), tr_input)]
	r.rule == "R-TGT-6"
}

# V-2, §8.1: the stored default TR may only target AllUsers.
test_tr_default_scoped_to_group_invalid_configuration if {
	setting := object.union(tr_allow_all, {"usersAndGroups": tr_tc("allowed", [tr_g1], "group")})
	[r] := [r | some r in tr_config(tr_tenants(setting, {}), tr_input)]
	r.rule == "V-2"
	r.setting == "default"
}

# V-2 applies to values taken from the stored default only; a partner may
# scope users.
test_tr_partner_scoped_to_group_valid if {
	setting := object.union(tr_allow_all, {"usersAndGroups": tr_tc("allowed", [tr_g1], "group")})
	tenants := tr_tenants(tr_allow_all, {tr_x: {"tenantRestrictions": setting}})
	count(tr_config(tenants, tr_input)) == 0
	tr_decide(tenants, tr_input).decision == "allow"
}

# R-CC-1: T configured in an unknown cloud.
test_tr_unknown_policy_tenant_cloud_invalid_configuration if {
	tenants := object.union(tr_tenants(null, {}), {tr_t: {"cloud": "unknownFutureValue"}})
	[r] := [r | some r in tr_config(tenants, tr_input)]
	r.rule == "R-CC-1"
	r.tenant == tr_t
}

# R-TR-5, R-INH-2/3, R-COMB-1: tr_key_computed digests T's setting for a key:
# a partner entry's setting is matched as stored ("some"), a key without an
# entry takes T's stored default (here blocking everyone, "none"), each with
# where it came from; and it reads no input (the engine computes it with an
# input of T and the key alone).
test_tr_key_computed_digests_partner_and_default if {
	partners := {tr_h: {"tenantRestrictions": {
		"usersAndGroups": tr_tc("allowed", [tr_g1], "group"),
		"applications": tr_tc("allowed", [tr_a1], "application"),
	}}}
	tenants := tr_tenants(tr_block_all, partners)
	h := access.tr_key_computed(tr_t, tr_h) with data.xtenant.tenants as tenants with input as {}
	h.source == "partner"
	h.side.permits_whom == "some"
	h.side.targets.groups == {tr_g1}
	h.side.targets.apps == {tr_a1}
	h.configuration_reasons == set()
	r := access.tr_key_computed(tr_t, tr_r) with data.xtenant.tenants as tenants with input as {}
	r == {"side": {"permits_whom": "none", "targets": null}, "source": "default", "configuration_reasons": set()}
}

# §8.1, R-TGT-6: a target type that does not fit its half is a
# configuration deny, carried by the key's facts with its rule and source.
test_tr_key_computed_carries_configuration_reasons if {
	setting := {"usersAndGroups": tr_tc("allowed", [tr_g1], "unknownFutureValue")}
	f := access.tr_key_computed(tr_t, tr_h) with data.xtenant.tenants as tr_tenants(null, {tr_h: {"tenantRestrictions": setting}})
		with input as {}
	[r] := [r | some r in f.configuration_reasons]
	r.code == "INVALID_CONFIGURATION"
	r.rule == "R-TGT-6"
	r.tenant == tr_t
	r.setting == "partner"
}
