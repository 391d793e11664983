# Validity of a B2B or tenant restrictions setting
# docs/semantics.md §2.14 (V-1, V-2, V-3, V-4, V-5), R-COMB-2 and R-TGT-6: the
# one statement of each check. Sign-ins (configuration.rego), tenant
# restrictions (restrictions.rego) and invitations (invitations.rego) judge the
# settings they use with setting_reasons; §8.1: always on the effective
# setting, after resolution, so one bad partner entry does not take down
# unrelated decisions.
package xtenant.access

setting_halves := ["usersAndGroups", "applications"]

# R-COMB-2: the accessTypes the allow/block algebra knows.
known_access_types := {"allowed", "blocked"}

# R-TGT-6: the targetType each half accepts.
half_target_types := {
	"usersAndGroups": {"user", "group"},
	"applications": {"application"},
}

# R-TGT-6: the half and targetType each keyword belongs to.
keyword_place := {
	"AllUsers": ["usersAndGroups", "user"],
	"AllApplications": ["applications", "application"],
	"Office365": ["applications", "application"],
	"AllMicrosoftApps": ["applications", "application"],
	"MicrosoftAdminPortals": ["applications", "application"],
}

# V-1, V-2: the properties whose stored default may list no user or group,
# with the words a message names the default by.
default_users_scope := {
	"b2bCollaborationInbound": {"rule": "V-1", "name": "inbound"},
	"b2bDirectConnectInbound": {"rule": "V-1", "name": "inbound"},
	"tenantRestrictions": {"rule": "V-2", "name": "tenant restrictions"},
}

# A fresh tenant's allow-all and block-all (settings.rego) break none of the
# checks, for any property and from any source (their users half targets
# AllUsers only), so the common case costs one lookup.
fresh_tenant_setting(value) if value == allow_all

fresh_tenant_setting(value) if value == block_all

# R-COMB-2: an accessType other than allowed or blocked (unknownFutureValue,
# missing) in either half.
access_type_problems(value) := {problem |
	some half in setting_halves
	access := object.get(value[half], "accessType", null)
	not access in known_access_types
	problem := {"half": half, "rule": "R-COMB-2", "what": sprintf("has the unknown accessType %v in %s", [access, half])}
}

# R-TGT-6: an unknown targetType or one that does not belong in its half, and
# a keyword with the wrong targetType or in the wrong half.
target_problems(value) := {problem |
	some half in setting_halves
	some t in value[half].targets
	not object.get(t, "targetType", null) in half_target_types[half]
	problem := {"half": half, "rule": "R-TGT-6", "what": sprintf("has the target %v with targetType %v in %s", [object.get(t, "target", null), object.get(t, "targetType", null), half])}
} | {problem |
	some half in setting_halves
	some t in value[half].targets
	place := keyword_place[t.target]
	[half, t.targetType] != place
	problem := {"half": half, "rule": "R-TGT-6", "what": sprintf("has the keyword %s with targetType %v in %s", [t.target, t.targetType, half])}
}

# V-5: MicrosoftAdminPortals is not a valid cross-tenant application target.
admin_portals_problems(value) := {problem |
	some t in value.applications.targets
	t.target == "MicrosoftAdminPortals"
	problem := {"half": "applications", "rule": "V-5", "what": "targets MicrosoftAdminPortals, which is not a valid application target"}
}

# V-3: blocking all users must go with blocking all applications.
all_users_blocked_problems(value) := {problem |
	blocks_all(value.usersAndGroups, "AllUsers")
	not blocks_all(value.applications, "AllApplications")
	problem := {"half": "usersAndGroups", "rule": "V-3", "what": "blocks all users without blocking all applications"}
}

# V-4: when outbound users are allowed, not every external app may be blocked.
all_apps_blocked_problems(value, prop) := {problem |
	endswith(prop, "Outbound")
	value.usersAndGroups.accessType == "allowed"
	blocks_all(value.applications, "AllApplications")
	problem := {"half": "applications", "rule": "V-4", "what": "allows users but blocks all applications"}
}

# V-3, V-4: a half that blocks keyword (AllUsers, AllApplications).
blocks_all(tc, keyword) if {
	tc.accessType == "blocked"
	some t in tc.targets
	t.target == keyword
}

# V-1, V-2: a users half of property prop taken from the stored default may
# only target AllUsers (§8.1: only values taken from the default).
default_users_problems(users, prop) := {problem |
	scope := default_users_scope[prop]
	some t in users.targets
	t.target != "AllUsers"
	problem := {"half": "usersAndGroups", "rule": scope.rule, "what": sprintf("lists %v in the default %s users and groups, which may only use AllUsers", [t.target, scope.name])}
}

# R-COMB-2, R-TGT-6, V-3, V-4, V-5: the problems of value, a setting of
# property prop (both halves), whatever its source, as {half, rule, what}.
setting_value_problems(value, prop) := (((access_type_problems(value) | target_problems(value)) | admin_portals_problems(value)) | all_users_blocked_problems(value)) | all_apps_blocked_problems(value, prop)

# R-COMB-2, R-TGT-6, V-1..V-5: the problems of value, x's effective setting
# prop for y (effective_setting(x, y, prop), which every caller has at hand),
# each with the source ("setting") of the half it concerns.
effective_setting_problems(x, y, prop, value) := set() if {
	fresh_tenant_setting(value)
} else := {object.union(problem, {"setting": member_source(x, y, prop, problem.half)}) |
	some problem in setting_value_problems(value, prop)
} | {object.union(problem, {"setting": "default"}) |
	member_source(x, y, prop, "usersAndGroups") == "default"
	some problem in default_users_problems(value.usersAndGroups, prop)
}

# §8.1, R-COMB-2, R-TGT-6, V-1..V-5: a configuration deny for each problem of
# value, x's effective setting prop for y; label names the setting in the
# message ("outbound B2B collaboration", "tenant restrictions").
setting_reasons(x, y, prop, value, label) := {reason |
	some problem in effective_setting_problems(x, y, prop, value)
	reason := {
		"code": "INVALID_CONFIGURATION",
		"stage": "configuration",
		"tenant": x,
		"setting": problem.setting,
		"rule": problem.rule,
		"aadsts": null,
		"message": sprintf("%s's %s settings for %s %s (%s)", [tenant_name(x), label, tenant_name(y), problem.what, problem.rule]),
	}
}
