# The one validation of a B2B or TR setting (validation.rego): each check on
# a setting's value, then the sources and reasons of an effective setting.
package xtenant.access_test

import data.xtenant.access

rules_of(problems) := {p.rule | some p in problems}

# R-COMB-2, R-TGT-6, V-3, V-4, V-5: a fresh tenant's settings break nothing,
# whatever the property.
test_validation_fresh_tenant_settings_valid if {
	every prop in ["b2bCollaborationInbound", "b2bCollaborationOutbound", "tenantRestrictions"] {
		access.setting_value_problems(allow_all, prop) == set()
		access.setting_value_problems(block_all, prop) == set()
	}
	access.fresh_tenant_setting(allow_all)
	access.fresh_tenant_setting(block_all)
	not access.fresh_tenant_setting(object.union(allow_all, {"applications": block_all.applications}))
}

# R-COMB-2: an unknown or missing accessType, reported in the half it is in.
test_validation_unknown_access_type if {
	problems := access.access_type_problems(b2b({"targets": all_users}, tc("unknownFutureValue", all_apps)))
	problems == {
		{"half": "usersAndGroups", "rule": "R-COMB-2", "what": "has the unknown accessType null in usersAndGroups"},
		{"half": "applications", "rule": "R-COMB-2", "what": "has the unknown accessType unknownFutureValue in applications"},
	}
}

# R-TGT-6: a targetType the half does not accept, a keyword in the wrong half
# or with the wrong type; a missing targetType is one problem, not two.
test_validation_targets if {
	rules_of(access.target_problems(b2b(tc("allowed", [target(g1, "application")]), tc("allowed", all_apps)))) == {"R-TGT-6"}
	count(access.target_problems(b2b(tc("allowed", all_users), tc("allowed", [target("AllUsers", "user")])))) == 2
	count(access.target_problems(b2b(tc("allowed", [target("AllUsers", "group")]), tc("allowed", all_apps)))) == 1
	count(access.target_problems(b2b(tc("allowed", [{"target": "AllUsers"}]), tc("allowed", all_apps)))) == 1
	access.target_problems(b2b(tc("allowed", [target(g1, "group"), target(u1, "user")]), tc("allowed", [target("Office365", "application")]))) == set()
}

# V-5: MicrosoftAdminPortals is never a cross-tenant application target.
test_validation_admin_portals if {
	[p] := [p | some p in access.admin_portals_problems(b2b(tc("allowed", all_users), tc("blocked", [target("MicrosoftAdminPortals", "application")])))]
	p.rule == "V-5"
	p.half == "applications"
}

# V-3: blocking all users needs all applications blocked, in any direction.
test_validation_all_users_blocked if {
	rules_of(access.setting_value_problems(b2b(tc("blocked", all_users), tc("allowed", all_apps)), "tenantRestrictions")) == {"V-3"}
	access.all_users_blocked_problems(block_all) == set()
}

# V-4: outbound only; users allowed with every application blocked.
test_validation_all_apps_blocked_outbound_only if {
	setting := b2b(tc("allowed", all_users), tc("blocked", all_apps))
	rules_of(access.setting_value_problems(setting, "b2bDirectConnectOutbound")) == {"V-4"}
	access.setting_value_problems(setting, "b2bDirectConnectInbound") == set()
}

# V-1, V-2: the default inbound and TR users may only target AllUsers; other
# properties have no such rule.
test_validation_default_users_scope if {
	users := tc("allowed", [target(g1, "group")])
	rules_of(access.default_users_problems(users, "b2bDirectConnectInbound")) == {"V-1"}
	[p] := [p | some p in access.default_users_problems(users, "tenantRestrictions")]
	p.rule == "V-2"
	p.what == sprintf("lists %s in the default tenant restrictions users and groups, which may only use AllUsers", [g1])
	access.default_users_problems(users, "b2bCollaborationOutbound") == set()
}

# §8.1, R-INH-1..3, V-1: the effective setting is judged, each problem with
# the source of its half; V-1 only for a users half taken from the default.
test_validation_effective_sources if {
	bad_apps := tc("unknownFutureValue", all_apps)
	scoped := tc("allowed", [target(g1, "group")])
	tenants := {r: tenant("Contoso", {"b2bCollaborationInbound": b2b(scoped, tc("allowed", all_apps))}, {h: {"b2bCollaborationInbound": {"applications": bad_apps}}})}
	problems := access.effective_setting_problems(r, h, "b2bCollaborationInbound", access.effective_setting(r, h, "b2bCollaborationInbound")) with data.xtenant.tenants as tenants
	{[p.rule, p.setting] | some p in problems} == {["R-COMB-2", "partner"], ["V-1", "default"]}
	partnered := json.patch(tenants, [{"op": "add", "path": [r, "crossTenantAccessPolicy", "partners", h, "b2bCollaborationInbound", "usersAndGroups"], "value": scoped}])
	fixed := access.effective_setting_problems(r, h, "b2bCollaborationInbound", access.effective_setting(r, h, "b2bCollaborationInbound")) with data.xtenant.tenants as partnered
	rules_of(fixed) == {"R-COMB-2"}
}

# §8.1, R-COMB-2: the reason names the tenant, the setting's label, the
# counterpart and the rule.
test_validation_reason if {
	tenants := {r: tenant("Contoso", {}, {h: {"tenantRestrictions": b2b(tc("unknownFutureValue", all_users), tc("blocked", all_apps))}}), h: {"displayName": "Fabrikam"}}
	reasons := access.setting_reasons(r, h, "tenantRestrictions", access.effective_setting(r, h, "tenantRestrictions"), "tenant restrictions") with data.xtenant.tenants as tenants
	reasons == {{
		"code": "INVALID_CONFIGURATION",
		"stage": "configuration",
		"tenant": r,
		"setting": "partner",
		"rule": "R-COMB-2",
		"aadsts": null,
		"message": "Contoso's tenant restrictions settings for Fabrikam has the unknown accessType unknownFutureValue in usersAndGroups (R-COMB-2)",
	}}
}

# R-TGT-6: the keywords digest_valid refuses in each place are those
# keyword_place puts elsewhere.
test_validation_misplaced_keywords_from_keyword_place if {
	access.misplaced_user_keywords == {k | some k, place in access.keyword_place; place != ["usersAndGroups", "user"]}
	access.misplaced_group_keywords == {k | some k, _ in access.keyword_place}
	{k | some k, place in access.keyword_place; place[0] == "usersAndGroups"} == {"AllUsers"}
}

# §8.1, R-COMB-2, R-TGT-6, V-1..V-5: digest_valid holds only where
# effective_setting_problems is empty, and for the plain valid settings of a
# partner or a default; each check's own breach, and a target it cannot
# account for (duplicate, missing target or targetType), send the setting to
# effective_setting_problems.
test_validation_digest_valid_only_when_no_problems if {
	users := tc("allowed", [target(g1, "group"), target(u1, "user")])
	apps := tc("allowed", [target(a1, "application"), target("Office365", "application")])
	valid := [
		b2b(users, apps),
		b2b(tc("blocked", [target(g1, "group")]), tc("allowed", all_apps)),
		b2b(tc("allowed", all_users), tc("blocked", [target(a1, "application")])),
		b2b(tc("blocked", all_users), tc("blocked", all_apps)),
	]
	invalid := [
		b2b(tc("unknownFutureValue", users.targets), apps),
		b2b({"targets": users.targets}, apps),
		b2b(tc("allowed", [target(g1, "application")]), apps),
		b2b(tc("allowed", [target("Office365", "user")]), apps),
		b2b(tc("allowed", [target("AllUsers", "group")]), apps),
		b2b(users, tc("allowed", [target("AllUsers", "application")])),
		b2b(users, tc("allowed", [target("MicrosoftAdminPortals", "application")])),
		b2b(tc("blocked", all_users), tc("allowed", all_apps)),
		b2b(tc("blocked", all_users), apps),
		b2b(tc("allowed", [{"target": g1}]), apps),
		b2b(tc("allowed", [{"targetType": "group"}]), apps),
	]
	unexplained := [
		b2b(tc("allowed", [target(g1, "group"), target(g1, "group")]), apps),
		b2b(tc("allowed", "AllUsers"), apps),
		b2b(users, tc("allowed", [target(a1, "application"), "x"])),
	]
	every prop in ["b2bCollaborationInbound", "b2bCollaborationOutbound", "b2bDirectConnectInbound", "b2bDirectConnectOutbound"] {
		every tenants in [
			{r: tenant("Contoso", {}, {h: {prop: null}})},
			{r: tenant("Contoso", {prop: b2b(tc("allowed", all_users), null)}, {h: {prop: {"applications": null}}})},
		] {
			every value in array.concat(array.concat(valid, invalid), unexplained) {
				digest_agrees(r, h, prop, value) with data.xtenant.tenants as tenants
			}
		}
		every value in valid {
			access.digest_valid(r, h, prop, value, access.target_digest(value))
		}
		every value in array.concat(invalid, unexplained) {
			not access.digest_valid(r, h, prop, value, access.target_digest(value))
		}
	}
}

digest_agrees(x, y, prop, value) if {
	not access.digest_valid(x, y, prop, value, access.target_digest(value))
} else if {
	access.effective_setting_problems(x, y, prop, value) == set()
}

# V-4: allowed users with every application blocked break it outbound only;
# V-1: a users half taken from the default may list only AllUsers inbound,
# and digest_valid asks the source only then.
test_validation_digest_valid_direction_and_source if {
	v4 := b2b(tc("allowed", [target(g1, "group")]), tc("blocked", all_apps))
	access.digest_valid(r, h, "b2bCollaborationInbound", v4, access.target_digest(v4))
	not access.digest_valid(r, h, "b2bCollaborationOutbound", v4, access.target_digest(v4))
	scoped := b2b(tc("allowed", [target(g1, "group")]), tc("allowed", all_apps))
	from_default := {r: tenant("Contoso", {"b2bCollaborationInbound": scoped}, {})}
	from_partner := {r: tenant("Contoso", {}, {h: {"b2bCollaborationInbound": scoped}})}
	not access.digest_valid(r, h, "b2bCollaborationInbound", scoped, access.target_digest(scoped)) with data.xtenant.tenants as from_default
	access.digest_valid(r, h, "b2bCollaborationInbound", scoped, access.target_digest(scoped)) with data.xtenant.tenants as from_partner
	access.digest_valid(r, h, "b2bCollaborationOutbound", scoped, access.target_digest(scoped)) with data.xtenant.tenants as from_default
	rules_of(access.effective_setting_problems(r, h, "b2bCollaborationInbound", scoped)) == {"V-1"} with data.xtenant.tenants as from_default
}
