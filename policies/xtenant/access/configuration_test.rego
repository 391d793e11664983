package xtenant.access_test

import data.xtenant.access

config_reasons(tenants, req) := [{"code": rs.code, "rule": rs.rule, "setting": rs.setting} |
	d := decide(tenants, req)
	some rs in d.reasons
]

# Asserts a final configuration deny carrying rule.
invalid_with(tenants, req, rule) if {
	d := decide(tenants, req)
	d.denied_by == "configuration"
	d.error_code == null
	d.report_only == []
	some rs in d.reasons
	rs.code == "INVALID_CONFIGURATION"
	rs.rule == rule
}

with_inbound(setting) := pair({"crossTenantAccessPolicy": {"partners": {h: {"b2bCollaborationInbound": setting}}}})

with_default_inbound(setting) := pair({"crossTenantAccessPolicy": {"default": {"b2bCollaborationInbound": setting}}})

# docs/contract.md: an unknown resource tenant fails closed, and only that is listed.
test_unknown_resource_tenant_denied if {
	d := decide({h: fabrikam_blocking_outbound}, collab)
	d.reasons == [{
		"code": "RESOURCE_TENANT_UNKNOWN", "stage": "configuration", "tenant": r, "setting": null,
		"rule": "§8.1", "aadsts": null, "message": sprintf("There is no configuration for the resource tenant %s", [r]),
	}]
	d.denied_by == "configuration"
}

# docs/contract.md --require-home-tenant
test_require_home_tenant_denied if {
	d := access.decision with data.xtenant.tenants as {r: {}} with input as collab with data.xtenant.options as {"require_home_tenant": true}
	d.denied_by == "configuration"
	d.reasons[0].tenant == h
	access.decision.decision == "allow" with data.xtenant.tenants as {r: {}} with input as collab
}

# R-COMB-2: unknownFutureValue accessType.
test_unknown_access_type_invalid if {
	invalid_with(with_inbound(b2b(tc("unknownFutureValue", all_users), tc("allowed", all_apps))), collab, "R-COMB-2")
}

# R-TGT-6: unknown targetType, a keyword with the wrong type or half.
test_inconsistent_targets_invalid if {
	invalid_with(with_inbound(b2b(tc("allowed", [target(u1, "unknownFutureValue")]), tc("allowed", all_apps))), collab, "R-TGT-6")
	invalid_with(with_inbound(b2b(tc("allowed", [target("AllUsers", "group")]), tc("allowed", all_apps))), collab, "R-TGT-6")
	invalid_with(with_inbound(b2b(tc("allowed", [target("Office365", "user")]), tc("allowed", all_apps))), collab, "R-TGT-6")
	invalid_with(with_inbound(b2b(tc("allowed", [{"target": u1}]), tc("allowed", all_apps))), collab, "R-TGT-6")
}

# V-1: the default inbound users may only be AllUsers; a partner may name groups.
test_default_inbound_names_group_invalid if {
	setting := b2b(tc("allowed", [target(g1, "group")]), tc("allowed", all_apps))
	invalid_with(with_default_inbound(setting), collab, "V-1")
	decide(with_inbound(setting), collab).decision == "allow"
}

# V-3: blocking all users needs all apps blocked.
test_block_all_users_without_all_apps_invalid if {
	invalid_with(with_inbound(b2b(tc("blocked", all_users), tc("blocked", [target(a1, "application")]))), collab, "V-3")
}

# V-4: allowed outbound users with all apps blocked.
test_outbound_users_allowed_all_apps_blocked_invalid if {
	tenants := {h: tenant("Fabrikam", {}, {r: {"b2bCollaborationOutbound": b2b(tc("allowed", all_users), tc("blocked", all_apps))}}), r: {}}
	invalid_with(tenants, collab, "V-4")
}

# V-5: MicrosoftAdminPortals is not a cross-tenant application target.
test_admin_portals_target_invalid if {
	invalid_with(with_inbound(b2b(tc("allowed", all_users), tc("allowed", [target("MicrosoftAdminPortals", "application")]))), collab, "V-5")
}

# V-8: the default's consent flags must be false; a partner may set them.
test_default_consent_true_invalid if {
	tenants := pair({"crossTenantAccessPolicy": {"default": {"automaticUserConsentSettings": {"inboundAllowed": true}}}})
	invalid_with(tenants, collab, "V-8")
	home_side := {h: tenant("Fabrikam", {"automaticUserConsentSettings": {"outboundAllowed": true}}, {}), r: {}}
	invalid_with(home_side, collab, "V-8")
}

# §8.1: settings the request does not need are not judged.
test_unneeded_invalid_setting_ignored if {
	tenants := pair({"crossTenantAccessPolicy": {"partners": {x: {"b2bCollaborationInbound": b2b(tc("unknownFutureValue", all_users), tc("allowed", all_apps))}}}})
	decide(tenants, collab).decision == "allow"
	direct_only := with_inbound(b2b(tc("unknownFutureValue", all_users), tc("allowed", all_apps)))
	decide(direct_only, direct).denied_by != "configuration"
}

# §8.1: an unknown CA state is invalid for every sign-in.
test_ca_unknown_state_invalid if {
	invalid_with(pair({"conditionalAccessPolicies": [ca_state("p", "b2bCollaborationGuest", "OR", ["mfa"], "unknownFutureValue")]}), collab, "§8.1")
	invalid_with(pair({"conditionalAccessPolicies": [object.remove(ca("p", "b2bCollaborationGuest", "OR", ["mfa"]), ["state"])]}), collab, "§8.1")
}

# §8.1: unknown condition enums count in live policies only.
test_ca_unknown_condition_enums_invalid if {
	every patch in [
		{"op": "replace", "path": "/conditions/users/includeGuestsOrExternalUsers/guestOrExternalUserTypes", "value": "b2bCollaborationGuest,unknownFutureValue"},
		{"op": "replace", "path": "/conditions/users/includeGuestsOrExternalUsers/externalTenants/membershipKind", "value": "unknownFutureValue"},
		{"op": "replace", "path": "/conditions/clientAppTypes", "value": ["unknownFutureValue"]},
		{"op": "add", "path": "/conditions/signInRiskLevels", "value": ["unknownFutureValue"]},
	] {
		policy := json.patch(ca_state("p", "b2bDirectConnectUser", "OR", ["mfa"], "enabledForReportingButNotEnforced"), [patch])
		invalid_with(pair({"conditionalAccessPolicies": [policy]}), collab, "§8.1")
		disabled := json.patch(policy, [{"op": "replace", "path": "/state", "value": "disabled"}])
		decide(pair({"conditionalAccessPolicies": [disabled]}), collab).decision == "allow"
	}
}

# §8.1: an unknown grant control or operator is invalid only when the policy applies.
test_ca_unknown_grant_only_when_applying_invalid if {
	bad := ca("p", "b2bCollaborationGuest", "OR", ["unknownFutureValue"])
	invalid_with(pair({"conditionalAccessPolicies": [bad]}), collab, "§8.1")
	member := json.patch(collab, [{"op": "replace", "path": "/user/user_type", "value": "member"}])
	decide(pair({"conditionalAccessPolicies": [bad]}), member).decision == "allow"
	bad_op := ca("p", "b2bCollaborationGuest", "XOR", ["mfa"])
	invalid_with(pair({"conditionalAccessPolicies": [bad_op]}), collab, "§8.1")
}

# §8.1: a configuration deny is final; nothing else is listed.
test_configuration_deny_is_final if {
	tenants := json.patch(with_inbound(b2b(tc("unknownFutureValue", all_users), tc("allowed", all_apps))), [
		{"op": "add", "path": [h, "crossTenantAccessPolicy"], "value": {"default": {"b2bCollaborationOutbound": block_all}}},
		{"op": "add", "path": [r, "conditionalAccessPolicies"], "value": [report_only(["block"])]},
	])
	d := decide(tenants, collab)
	{rs.code | some rs in d.reasons} == {"INVALID_CONFIGURATION"}
	d.report_only == []
	d.reasons[0].setting == "partner"
}

# §8.16: V-8 only on a flag the decision reads. With an unconfigured home
# tenant nothing is read, so the resource's broken default is no deny; with
# a configured one it is.
test_v8_only_on_flags_read_8_16 if {
	broken := {r: tenant("Contoso", {"automaticUserConsentSettings": {"inboundAllowed": true}}, {})}
	d := decide(broken, collab)
	d.decision == "allow"
	d.consent_prompt == true
	invalid_with(object.union(broken, {h: {}}), collab, "V-8")
}

# §8.16: identity_sync reads both flags in its own stage, so V-8 is judged
# there too (from a configured source).
test_v8_judged_for_sync_8_16 if {
	broken := {h: tenant("Fabrikam", {"automaticUserConsentSettings": {"outboundAllowed": true}}, {}), r: {}}
	invalid_with(broken, {"access_type": "identity_sync", "home_tenant": h, "resource_tenant": r}, "V-8")

	# the home's flags are read there whether or not the resource tenant is
	# configured (consent_flags_read does not hold without it)
	invalid_with({h: broken[h]}, {"access_type": "identity_sync", "home_tenant": h, "resource_tenant": r}, "V-8")
}

# §8.17: an internal sign-in judges no V-8.
test_v8_not_judged_for_internal_sign_in_8_17 if {
	broken := {r: tenant("Contoso", {"automaticUserConsentSettings": {"inboundAllowed": true, "outboundAllowed": true}}, {})}
	d := decide(broken, object.union(collab, {"home_tenant": r}))
	d.denied_by != "configuration"
	d.consent_prompt == true
}

# §8.22: an unknown grant control in an enforced policy that applies is a
# configuration deny; in a report-only policy it is not (it reports failure).
test_unknown_grant_only_enforced_is_invalid_8_22 if {
	invalid_with(pair({"conditionalAccessPolicies": [ca("p", "b2bCollaborationGuest", "OR", ["futureControl"])]}), collab, "§8.1")
	ro := pair({"conditionalAccessPolicies": [ca_state("p", "b2bCollaborationGuest", "OR", ["futureControl"], "enabledForReportingButNotEnforced")]})
	d := decide(ro, collab)
	d.decision == "allow"
	d.report_only == [{"policy_id": "p", "result": "failure"}]
	op := pair({"conditionalAccessPolicies": [ca_state("p", "b2bCollaborationGuest", "XOR", ["mfa"], "enabledForReportingButNotEnforced")]})
	decide(op, with_claims(collab, true, false, false)).report_only == [{"policy_id": "p", "result": "failure"}]
}

# §8.23: a policy that is not disabled without conditions.users or
# conditions.applications is invalid (issue 9, reproduction 3: an enabled
# block for All users without applications used to allow); a disabled one
# is ignored.
test_missing_conditions_fail_closed_8_23 if {
	block_all_users := {"id": "p", "displayName": "p", "state": "enabled", "conditions": {"users": {"includeUsers": ["All"]}}, "grantControls": {"operator": "OR", "builtInControls": ["block"]}}
	invalid_with(pair({"conditionalAccessPolicies": [block_all_users]}), collab, "§8.23")
	no_users := object.remove(ca_state("p", "b2bCollaborationGuest", "OR", ["mfa"], "enabledForReportingButNotEnforced"), ["conditions"])
	invalid_with(pair({"conditionalAccessPolicies": [no_users]}), collab, "§8.23")
	disabled := object.union(block_all_users, {"state": "disabled"})
	decide(pair({"conditionalAccessPolicies": [disabled]}), collab).decision == "allow"
}

# §8.23 with Graph's conditionalAccessConditionSet ("either users or
# clientApplications is required"): a policy for workload identities has no
# users, is complete, and never applies to a user sign-in.
test_workload_identity_policy_complete_8_23 if {
	workload := {
		"id": "p-sp", "displayName": "p-sp", "state": "enabled",
		"conditions": {
			"applications": {"includeApplications": ["All"]},
			"clientApplications": {"includeServicePrincipals": ["ServicePrincipalsInMyTenant"]},
		},
		"grantControls": {"operator": "OR", "builtInControls": ["block"]},
	}
	d := decide(pair({"conditionalAccessPolicies": [workload]}), collab)
	d.decision == "allow"
	invalid_with(pair({"conditionalAccessPolicies": [object.remove(workload, ["conditions"])]}), collab, "§8.23")
}

# §8.1, R-COMB-2, V-4: a needed setting's reason names it by direction and
# access type (its label, worded only when the setting has a problem), and a
# valid setting that is not a fresh tenant's gives none.
test_needed_setting_reason_labels if {
	broken := b2b(tc("unknownFutureValue", all_users), tc("allowed", all_apps))
	outbound_broken := b2b(tc("allowed", all_users), tc("blocked", all_apps))
	tenants := {
		h: tenant("Fabrikam", {}, {r: {"b2bCollaborationOutbound": outbound_broken, "b2bDirectConnectOutbound": outbound_broken}}),
		r: tenant("Contoso", {}, {h: {"b2bCollaborationInbound": broken, "b2bDirectConnectInbound": broken}}),
	}
	messages := {rs.message | some rs in decide(tenants, collab).reasons}
	messages == {
		"Fabrikam's outbound B2B collaboration settings for Contoso allows users but blocks all applications (V-4)",
		"Contoso's inbound B2B collaboration settings for Fabrikam has the unknown accessType unknownFutureValue in usersAndGroups (R-COMB-2)",
	}
	dc_messages := {rs.message | some rs in decide(tenants, direct).reasons}
	dc_messages == {
		"Fabrikam's outbound B2B direct connect settings for Contoso allows users but blocks all applications (V-4)",
		"Contoso's inbound B2B direct connect settings for Fabrikam has the unknown accessType unknownFutureValue in usersAndGroups (R-COMB-2)",
	}
	valid := b2b(tc("allowed", [target(g1, "group")]), tc("allowed", all_apps))
	count(access.pair_configuration_reasons) == 0 with data.xtenant.tenants as with_inbound(valid) with input as collab
}
