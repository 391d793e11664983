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

# ---- Validity read off a pair side's digest ----

# R-TGT-6: the keywords (keyword_place) that may not stand in a half whose
# targets all carry a targetType the half accepts: in usersAndGroups, the
# application keywords as user targets and every keyword as a group target;
# in applications, AllUsers. Written out, as ground constants cost a query
# nothing (validation_test.rego derives them from keyword_place).
misplaced_user_keywords := {"AllApplications", "Office365", "AllMicrosoftApps", "MicrosoftAdminPortals"}

# R-TGT-6: every keyword is misplaced as a group target.
misplaced_group_keywords := {"AllUsers", "AllApplications", "Office365", "AllMicrosoftApps", "MicrosoftAdminPortals"}

# §8.1, R-COMB-2, R-TGT-6, V-1..V-5: the pair's sides (b2b.rego) digest a
# setting that admits "some" (target_digest) anyway; when the digest shows
# that value, x's effective setting prop for y, breaks no check,
# effective_setting_problems(x, y, prop, value) is empty and the setting's
# targets need not be walked again check by check. d is target_digest(value).
# Every condition is exact, never a guess: when one fails (a duplicate or
# malformed target, an unknown accessType, a keyword, …) the caller judges
# the setting by effective_setting_problems, as for any other setting.
digest_valid(x, y, prop, value, d) if {
	# R-COMB-2: both accessTypes known (known_access_types, written out: a
	# ground constant in a body costs a query nothing; digest_access is null
	# when either is missing)
	[u, a] := d.access
	u in {"allowed", "blocked"}
	a in {"allowed", "blocked"}

	# R-TGT-6: every target has a target and a targetType its half accepts
	# (the sets count each such target once, so a count is short otherwise)
	count(d.users) + count(d.groups) == count(value.usersAndGroups.targets)
	count(d.apps) == count(value.applications.targets)

	# R-TGT-6: no keyword out of its place (a set intersection each, which
	# spares a function and its three bodies); V-5: no MicrosoftAdminPortals
	count(d.users & misplaced_user_keywords) + count(d.groups & misplaced_group_keywords) == 0
	not d.apps.AllUsers
	not d.apps.MicrosoftAdminPortals

	# V-3: blocking all users goes with blocking all applications
	not digest_all_users_blocked_alone(u, a, d)

	# V-4: outbound, allowed users with every application blocked
	not digest_all_apps_blocked_outbound(prop, u, a, d)

	# V-1, V-2: a default users half of these properties targets AllUsers only
	not digest_default_users_listed(x, y, prop, d)
}

# V-3: the digest blocks all users without blocking all applications.
digest_all_users_blocked_alone(u, a, d) if {
	u == "blocked"
	d.users.AllUsers
	not digest_all_apps_blocked(a, d)
}

# V-3, V-4: the digest blocks all applications (blocks_all).
digest_all_apps_blocked(a, d) if {
	a == "blocked"
	d.apps.AllApplications
}

# V-4: an outbound digest allows users and blocks all applications.
digest_all_apps_blocked_outbound(prop, u, a, d) if {
	endswith(prop, "Outbound")
	u == "allowed"
	digest_all_apps_blocked(a, d)
}

# V-1, V-2: a users half of these properties that lists more than AllUsers,
# taken from the stored default (the source is asked only then).
digest_default_users_listed(x, y, prop, d) if {
	default_users_scope[prop]
	count(d.groups) + count(d.users - {"AllUsers"}) > 0
	member_source(x, y, prop, "usersAndGroups") == "default"
}

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
