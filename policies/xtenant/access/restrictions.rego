# Tenant restrictions v2
# docs/semantics.md §2.10 (R-TR-*) with the readings of §8.3 and §6 A3, A12, A13.
# The stage runs only when the TRv2 signal (tenant_restrictions) is present
# and is independent of inbound and outbound settings (R-TR-1).
package xtenant.access

# R-TR-2: the signal is sec-Restrict-Tenant-Access-Policy: <T>:<policy id>.
# §8.25: both ids of the signal in lower case.
tr_signal := {
	"tenant": canonical_id(object.get(input.tenant_restrictions, "tenant", null)),
	"policy_id": canonical_id(object.get(input.tenant_restrictions, "policy_id", null)),
} if is_object(input.tenant_restrictions)

tr_tenant := tr_signal.tenant

# T's cloud: its configured cloud, else commercial (as for any tenant).
tr_tenant_cloud := tenants[tr_tenant].cloud if {
	is_string(tenants[tr_tenant].cloud)
} else := default_cloud

# §8.3, R-TR-2, R-TR-3, R-TR-4, R-CC-5: only sign-ins carrying the signal;
# never T's own accounts; never across clouds (home vs resource, T vs
# resource).
tr_applies if {
	sign_in
	tr_signal
	home != tr_tenant
	not cross_cloud
	tr_tenant_cloud == resource_cloud
}

# R-TR-2, §6 A13: the policy id must be the id of T's default configuration.
tr_policy_known if default_entry(tr_tenant).id == tr_signal.policy_id

# R-TR-5, §8.3, §6 A3: T's settings are keyed by the tenant whose identity is
# used (the home tenant) and, when the accessed tenant is a third tenant, by
# that tenant as well; either one denying denies.
tr_keys contains home

tr_keys contains resource if {
	resource != home
	resource != tr_tenant
}

# R-TR-5, R-INH-2/3: T's effective tenantRestrictions per key, computed once.
# R-TR-7, §6 A12: devices filters are not enforced, so only the two halves
# are kept.
tr_settings := {x: effective_setting(tr_tenant, x, "tenantRestrictions") | some x in tr_keys}

# One guarded rule, so that a sign-in without the signal evaluates a single
# body instead of every check.
tenant_restrictions_reasons contains reason if {
	tr_applies
	some reason in tr_reasons
}

# §6 A13: an unknown T or a policy id that is not T's default id fails closed.
tr_reasons contains reason if {
	not tr_policy_known
	reason := {
		"code": "TENANT_RESTRICTIONS_POLICY_UNKNOWN",
		"stage": "tenant_restrictions",
		"tenant": tr_tenant,
		"setting": null,
		"rule": "R-TR-2",
		"aadsts": null,
		"message": sprintf("The tenant restrictions signal names policy %s of %s, which is not that tenant's tenant restrictions policy", [tr_signal.policy_id, tenant_name(tr_tenant)]),
	}
}

# R-TR-6, R-TR-8: R-COMB-1 over T's setting for the key, with user and group
# targets matched against the home tenant's ids; a deny is AADSTS5000211.
tr_reasons contains reason if {
	tr_policy_known
	some x, setting in tr_settings
	not permits(setting, request_principal, request_app)
	reason := {
		"code": "TENANT_RESTRICTED",
		"stage": "tenant_restrictions",
		"tenant": tr_tenant,
		"setting": setting_source(tr_tenant, x, "tenantRestrictions"),
		"rule": "R-TR-6",
		"aadsts": "AADSTS5000211",
		"message": sprintf("%s's tenant restrictions for %s do not allow this %s account to use this application", [tenant_name(tr_tenant), tenant_name(x), tenant_name(home)]),
	}
}

# R-COMB-2, V-2, R-TGT-6: the TR settings the stage applies must be valid.
configuration_reasons contains reason if {
	tr_applies
	tr_policy_known
	some x, _ in tr_settings
	some problem in setting_problems(tr_tenant, x, "tenantRestrictions")
	reason := {
		"code": "INVALID_CONFIGURATION",
		"stage": "configuration",
		"tenant": tr_tenant,
		"setting": problem.setting,
		"rule": problem.rule,
		"aadsts": null,
		"message": sprintf("%s's tenant restrictions for %s: %s", [tenant_name(tr_tenant), tenant_name(x), problem.message]),
	}
}

# R-CC-1: T's configured cloud decides whether the stage runs.
configuration_reasons contains reason if {
	sign_in
	tr_signal
	not tr_tenant_cloud in known_clouds
	reason := {
		"code": "INVALID_CONFIGURATION",
		"stage": "configuration",
		"tenant": tr_tenant,
		"setting": null,
		"rule": "R-CC-1",
		"aadsts": null,
		"message": sprintf("%s is configured in an unknown Microsoft cloud %v", [tenant_name(tr_tenant), tr_tenant_cloud]),
	}
}

# Configuration problems of one effective B2B or TR setting of x for y, as
# {setting, rule, message}, with the same checks configuration.rego applies
# to the settings of a sign-in: an accessType other than allowed/blocked
# (R-COMB-2); a target type or keyword that does not fit its half (R-TGT-6);
# MicrosoftAdminPortals (V-5); all users blocked without all applications
# (V-3); outbound users allowed with all applications blocked (V-4); and, for
# a users half taken from the stored default of an inbound or TR setting, a
# target other than AllUsers (V-1, V-2). §8.1: judged on the effective
# settings, after resolution.
setting_problems(x, y, prop) := ({problem |
	some half in ["usersAndGroups", "applications"]
	some found in target_config_problems(effective_member(x, y, prop, half), half)
	problem := object.union(found, {"setting": member_source(x, y, prop, half)})
} | {problem |
	some found in combination_problems(effective_setting(x, y, prop), prop)
	problem := object.union(found, {"setting": member_source(x, y, prop, found.half)})
}) | {problem |
	rule := default_scope_rule[prop]
	member_source(x, y, prop, "usersAndGroups") == "default"
	some t in effective_member(x, y, prop, "usersAndGroups").targets
	not all_users_target(t)
	problem := {
		"setting": "default",
		"rule": rule,
		"message": sprintf("the default %s may only target AllUsers, not %v", [prop, object.get(t, "target", null)]),
	}
}

# V-3, V-4 over both halves of setting s of property prop; half names the
# half a problem is reported against.
combination_problems(s, prop) := {problem |
	blocks_everything(s.usersAndGroups, "AllUsers")
	not blocks_everything(s.applications, "AllApplications")
	problem := {"half": "usersAndGroups", "rule": "V-3", "message": "blocks all users without blocking all applications"}
} | {problem |
	endswith(prop, "Outbound")
	s.usersAndGroups.accessType == "allowed"
	blocks_everything(s.applications, "AllApplications")
	problem := {"half": "applications", "rule": "V-4", "message": "allows users but blocks all applications"}
}

blocks_everything(tc, keyword) if {
	tc.accessType == "blocked"
	some t in tc.targets
	t.target == keyword
}

# V-1, V-2: the default settings that may not name users or groups.
default_scope_rule := {
	"b2bCollaborationInbound": "V-1",
	"b2bDirectConnectInbound": "V-1",
	"tenantRestrictions": "V-2",
}

all_users_target(t) if {
	t.targetType == "user"
	t.target == "AllUsers"
}

# The target types each half may hold (R-TGT-6).
half_target_types := {
	"usersAndGroups": {"user", "group"},
	"applications": {"application"},
}

# The half and targetType each keyword belongs to (R-TGT-6).
target_keyword_place := {
	"AllUsers": ["usersAndGroups", "user"],
	"AllApplications": ["applications", "application"],
	"Office365": ["applications", "application"],
	"AllMicrosoftApps": ["applications", "application"],
	"MicrosoftAdminPortals": ["applications", "application"],
}

# Problems of one target configuration tc used as half: {rule, message}.
target_config_problems(tc, half) := (({problem |
	not object.get(tc, "accessType", null) in {"allowed", "blocked"}
	problem := {"rule": "R-COMB-2", "message": sprintf("%s has unknown accessType %v", [half, object.get(tc, "accessType", null)])}
} | {problem |
	some t in object.get(tc, "targets", [])
	not object.get(t, "targetType", null) in half_target_types[half]
	problem := {"rule": "R-TGT-6", "message": sprintf("%s holds target %v of targetType %v", [half, object.get(t, "target", null), object.get(t, "targetType", null)])}
}) | {problem |
	some t in object.get(tc, "targets", [])
	place := target_keyword_place[t.target]
	[half, object.get(t, "targetType", null)] != place
	problem := {"rule": "R-TGT-6", "message": sprintf("%s holds the keyword %s with targetType %v", [half, t.target, object.get(t, "targetType", null)])}
}) | {problem |
	half == "applications"
	some t in object.get(tc, "targets", [])
	t.target == "MicrosoftAdminPortals"
	problem := {"rule": "V-5", "message": "applications targets MicrosoftAdminPortals, which is not a valid application target"}
}
