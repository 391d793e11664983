# Conditional Access in the resource tenant
# docs/semantics.md §3 (which policies apply, R-CA-1..6), §2.6 (R-DC-4..8) and the
# readings of §8.5, §8.6, §8.9, §8.10 and §8.14. Controls resolve through the
# inbound trust of trust.rego. Conditional Access runs for every sign-in,
# internal users included (§8.15); it is consulted for the decision only when
# no earlier stage denied (decision.rego), while report-only results and
# controls are always reported.
package xtenant.access

ca_evaluated_states := {"enabled", "enabledForReportingButNotEnforced"}

# The resource tenant's policies, in their stored order (report_only keeps it).
ca_policies := tenant_ca_policies(resource) if sign_in

else := []

# x's policies, in their stored order; none unless stored as an array.
tenant_ca_policies(x) := ps if {
	ps := tenants[x].conditionalAccessPolicies
	is_array(ps)
} else := []

# ---- The caller as the resource tenant sees it (§3.2, §8.6) ----

# A service provider's technician: a partner flagged isServiceProvider, and no
# object in the resource tenant or a GDAP session (§6 A10, §8.6).
# §8.20: only Entra identities are service providers; the partner entry never
# affects other identities (R-B2B-4). caller_types asks the same in its first
# body, which spares every request this rule.
service_provider_caller if {
	entra_identity
	tenant_pair.service_provider # service_provider_partner
	cross_tenant
	service_provider_technician
}

service_provider_technician if user_type == "none"

service_provider_technician if gdap_session == true

# The CA user type of the caller's object in the resource tenant.
object_user_type := "b2bCollaborationGuest" if {
	user_type == "guest"
} else := "b2bCollaborationMember" if {
	user_type == "member"
}

# §3.2, §8.6: the guestOrExternalUserTypes members the caller belongs to.
# Most pairs settle every condition but the user type (pair_caller_types),
# so that a request looks its type up in the pair summary; the others ask
# caller_types_of_request.
caller_types := object.get(pair_types.types, user_type, pair_types.other) if {
	pair_types := tenant_pair.caller_types
} else := caller_types_of_request

# §3.2, §8.6, §6 A10, R-DC-8: caller_types for a pair where the request's own
# facts count beyond its user type (pair_caller_types is null): a partner
# flagged isServiceProvider (a technician, service_provider_technician) or a
# B2B collaboration pair whose direct connect settings admit someone
# (direct_connect_eligible, by app and user). An internal member belongs to
# none of the types, an internal guest is an internalGuest. The bodies are
# ordered and spelt out so that the common caller, a guest or member from
# another tenant, tries few rules: the partner flag first (false for nearly
# every pair), home == resource for internal_caller, and the pair's direct
# connect summary (null unless the pair allows it) before the catalog.
caller_types_of_request := {"serviceProvider"} if {
	# service_provider_caller
	tenant_pair.service_provider
	entra_identity
	cross_tenant
	service_provider_technician
} else := object.get({"guest": {"internalGuest"}}, user_type, set()) if {
	home == resource # internal_caller
} else := {object_user_type, "b2bDirectConnectUser"} if {
	# R-DC-8 in the other direction (§8.6): a B2B collaboration user reaching
	# Teams or SharePoint while direct connect is enabled on both sides is
	# also a b2bDirectConnectUser.
	direct_connect_eligible
	object_user_type
} else := object.get(
	# R-DC-8: a direct connect user who also has an object in the resource
	# tenant gets the B2B collaboration policies too.
	{"guest": {"b2bDirectConnectUser", "b2bCollaborationGuest"}, "member": {"b2bDirectConnectUser", "b2bCollaborationMember"}},
	user_type, {"b2bDirectConnectUser"},
) if {
	direct_connect
} else := object.get({"guest": {"b2bCollaborationGuest"}, "member": {"b2bCollaborationMember"}}, user_type, {"otherExternalUser"})

# §3.2, §8.6, R-DC-8: the caller types of the pair's callers by user type
# ("types", else "other"), once per tenant pair (tenant_pair.rego), as
# caller_types_of_request gives them: internal callers; callers of a pair
# whose partner is no service provider for them and whose direct connect
# settings admit nobody (pair_direct_connect null): direct connect users,
# B2B collaboration users. Null for the other pairs, where the request's
# own facts count too.
pair_caller_types := {"types": {"guest": {"internalGuest"}}, "other": set()} if {
	home == resource # internal_caller
} else := null if {
	pair_service_provider # the partner flag, for an Entra identity (§8.20)
	entra_identity
} else := null if {
	pair_direct_connect != null
} else := {
	"types": {"guest": {"b2bDirectConnectUser", "b2bCollaborationGuest"}, "member": {"b2bDirectConnectUser", "b2bCollaborationMember"}},
	"other": {"b2bDirectConnectUser"},
} if {
	direct_connect
} else := {"types": {"guest": {"b2bCollaborationGuest"}, "member": {"b2bCollaborationMember"}}, "other": {"otherExternalUser"}}

# §8.19: direct connect across clouds does not exist (R-DC-3, R-CC-5). What
# depends on the pair alone (an Entra identity, one cloud, neither side
# blocking direct connect) is settled in pair_direct_connect, null otherwise.
direct_connect_eligible if {
	data.xtenant.catalog.direct_connect_apps[app_id] # Teams and SharePoint (catalog)
	side_permits(tenant_pair.direct_connect.inbound)
	side_permits(tenant_pair.direct_connect.outbound)
}

# R-DC-8, §8.6, §8.19: the direct connect settings of both sides
# (side_summary), resolved once per tenant pair (tenant_pair.rego) when a B2B
# collaboration user of an Entra identity in the same cloud could be a
# b2bDirectConnectUser: neither side admits nobody; null otherwise. Only a
# B2B collaboration sign-in asks for them.
pair_direct_connect := {"inbound": inbound, "outbound": outbound} if {
	collaboration
	entra_identity
	not cross_cloud
	inbound := side_summary(effective_setting(resource, home, "b2bDirectConnectInbound"))
	inbound.permits_whom != "none"
	outbound := pair_direct_connect_outbound
	outbound.permits_whom != "none"
} else := null

# R-DC-8: the home side's direct connect outbound setting; an unknown home
# tenant has none to stop its users (all).
pair_direct_connect_outbound := side_summary(effective_setting(home, resource, "b2bDirectConnectOutbound")) if {
	home_known
} else := {"permits_whom": "all"}

# Groups for includeGroups/excludeGroups (§8.5): the resource tenant's groups,
# and the home groups when both are the same tenant.
ca_groups := resource_groups if {
	# cross_tenant (not internal_caller), spelt out: no other rule a
	# request enters asks it. The common case tries one body.
	home != resource
} else := resource_groups | user_groups

# ---- Does a policy apply? (§3.3) ----

# §3.3: a policy's applications, once per tenant pair: includeApplications
# (which it must have; null otherwise, and the policy applies to nobody) and
# excludeApplications (from an array only), as sets.
ca_apps_digest(p) := {
	"include": {a | some a in apps.includeApplications},
	"exclude": {a | some a in ca_list(apps, "excludeApplications")},
} if {
	apps := p.conditions.applications
	apps.includeApplications
} else := null

# §3.3, §8.5: the classes of applications the tenant's policies do not name
# by id (ca_app_index), keyed by the tokens of includeApplications and
# excludeApplications that name such an app: "All", and Office365 or
# MicrosoftAdminPortals when the catalog lists it there. Every key holds an
# upper case letter, which a request's app_id (lower case) never does.
ca_app_classes := {
	"All": {"All"},
	"Office365": {"All", "Office365"},
	"MicrosoftAdminPortals": {"All", "MicrosoftAdminPortals"},
	"Office365,MicrosoftAdminPortals": {"All", "Office365", "MicrosoftAdminPortals"},
}

# Applications match application.id only, never the client id (§8.5): the
# tokens of includeApplications/excludeApplications that name app a — "All",
# a itself, and Office365 or MicrosoftAdminPortals when the catalog lists it
# there.
ca_app_tokens_of(a) := ({"All", a} | {"Office365" | data.xtenant.catalog.office365[a]}) | {"MicrosoftAdminPortals" | data.xtenant.catalog.microsoft_admin_portals[a]}

# §3.3 item 4: the positions in the tenant's live policies (tenant_ca_evaluated)
# of those whose applications (ca_apps_digest) take in an app named by
# tokens: an include entry names it and no exclude entry does.
ca_app_positions(digests, tokens) := [k |
	some k, d in digests
	d.include & tokens != set()
	d.exclude & tokens == set()
]

# §3.3 item 4, §8.5: which of x's live policies apply to each application,
# once per tenant (tenant_summary.rego), so that a request looks up its app
# instead of testing every policy: the positions for every app id a policy
# names (ca_app_tokens_of), and for every other app those of its class
# (ca_app_classes), a class of the catalog's only when some policy names its
# tokens (ca_class_policies). An id that lower() changes is left out: no
# request's app_id (lower case) is that id, and it could be taken for a class.
ca_app_index(digests) := object.union(
	{a: ca_app_positions(digests, ca_app_tokens_of(a)) |
		some a in named
		is_string(a)
		lower(a) == a
	},
	{c: ca_app_positions(digests, tokens) |
		some c, tokens in ca_app_classes
		(tokens - {"All"}) & named == tokens - {"All"}
	},
) if {
	named := {a | some d in digests; some a in (d.include | d.exclude)}
}

# §3.3 item 4, §8.5: the catalog's classes (Office365, MicrosoftAdminPortals)
# that some of the policies (their ca_apps_digest) name.
ca_catalog_classes(digests) := {c |
	some d in digests
	some c in (d.include | d.exclude)
	c in {"Office365", "MicrosoftAdminPortals"}
}

# §3.3 item 4: the positions of the live policies whose applications take in
# an app no policy names by id (ca_app_index): those of its class, asking the
# catalog only about the classes some policy names ("catalog" in
# tenant_ca_evaluated, usually none).
ca_class_policies := tenant_pair.ca_evaluated.apps.All if {
	tenant_pair.ca_evaluated.catalog == set()
} else := ps if {
	ps := tenant_pair.ca_evaluated.apps["Office365,MicrosoftAdminPortals"]
	data.xtenant.catalog.office365[app_id]
	data.xtenant.catalog.microsoft_admin_portals[app_id]
} else := ps if {
	ps := tenant_pair.ca_evaluated.apps.Office365
	data.xtenant.catalog.office365[app_id]
} else := ps if {
	ps := tenant_pair.ca_evaluated.apps.MicrosoftAdminPortals
	data.xtenant.catalog.microsoft_admin_portals[app_id]
} else := tenant_pair.ca_evaluated.apps.All

# §3.3, §3.2, §8.5: one side (include or exclude) of a policy's users, once
# per tenant (tenant_summary.rego), as one set of tokens that a request
# matches against the tokens naming its caller (ca_caller_tokens) with a
# single intersection: the users entries ("All",
# "GuestsOrExternalUsers", and an object id o as "U" + o), the groups entries
# and the guestOrExternalUserTypes of its guest spec that a caller can be
# (ca_caller_type_names). The three kinds cannot be taken for one another:
# a caller's groups and object id are lower case (request.rego) and the other
# tokens all hold an upper case letter, none of them starting with "U"; so a
# groups entry that lower() changes, which names no caller's group, is left
# out, as are entries of a kind no caller token has (not a string, an
# unknown guest type). Whether the spec's tenants match the home tenant
# (§3.2) is left to the pair (ca_guest_tenants, ca_pair_entry). Without
# conditions.users as an object the side matches nobody.
ca_side_tokens(users, kind) := (({t | some u in users[keys[0]]; t := ca_user_token(u)} | {g |
	some g in users[keys[1]]
	is_string(g)
	lower(g) == g
}) | (ca_guest_types(object.get(users, keys[2], null)) & ca_caller_type_names)) - ca_side_ignores[kind] if {
	is_object(users)
	keys := ca_users_side_keys[kind]
} else := set()

# §3.3: "All" in excludeUsers excludes nobody (only an include side lets
# "All" name every caller).
ca_side_ignores := {"include": set(), "exclude": {"All"}}

ca_users_side_keys := {
	"include": ["includeUsers", "includeGroups", "includeGuestsOrExternalUsers"],
	"exclude": ["excludeUsers", "excludeGroups", "excludeGuestsOrExternalUsers"],
}

# §6 A9, §3.3: a users entry as a token (ca_side_tokens): "All" and
# "GuestsOrExternalUsers" as they are, an object id o as "U" + o; roles never
# match (§8.5), and an entry that is not a string names nobody.
ca_user_token(u) := u if {
	u in {"All", "GuestsOrExternalUsers"}
} else := concat("", ["U", u]) if {
	is_string(u)
}

# §3.2: the guest or external user types a caller can be (caller_types).
ca_caller_type_names := {
	"serviceProvider", "internalGuest", "b2bDirectConnectUser",
	"b2bCollaborationGuest", "b2bCollaborationMember", "otherExternalUser",
}

# A list member of a policy object, empty when missing or null (a reference
# to a missing member inside "not" would make the whole body undefined).
ca_list(obj, key) := obj[key] if is_array(obj[key])

else := []

# §6 A9, §3.3, §8.5: the tokens (ca_side_tokens) that name this caller,
# computed once: the guest or external user types it belongs to
# (caller_types), its groups (ca_groups), "All", its object ("U" + its id)
# and, for a guest or external caller, GuestsOrExternalUsers. "All" names it
# in an include side only, which is why no exclude side holds it.
ca_caller_tokens := (caller_types | ca_groups) | {"All", "GuestsOrExternalUsers", concat("", ["U", resource_object_id])} if {
	resource_object_id != null
	count(caller_types) > 0
} else := (caller_types | ca_groups) | {"All", "GuestsOrExternalUsers"} if {
	count(caller_types) > 0
} else := ca_groups | {"All", concat("", ["U", resource_object_id])} if {
	resource_object_id != null
} else := ca_groups | {"All"}

# conditionalAccessGuestsOrExternalUsers: the listed types; none when the
# spec lists no types.
ca_guest_types(spec) := {trim_space(t) | some t in split(spec.guestOrExternalUserTypes, ",")} if {
	is_string(spec.guestOrExternalUserTypes)
} else := set()

# §3.2: the tenants whose external callers a side's guest types name, once
# per tenant (tenant_summary.rego): null when they name callers of every
# tenant (no externalTenants, membershipKind all) or the side lists no guest
# types; otherwise the set of enumerated members (empty for an unknown
# membershipKind, which matches internal callers only).
ca_guest_tenants(users, kind) := ca_spec_tenants(spec) if {
	spec := users[ca_users_side_keys[kind][2]]
	is_string(spec.guestOrExternalUserTypes)
} else := null

ca_spec_tenants(spec) := null if {
	object.get(spec, "externalTenants", null) == null
} else := null if {
	spec.externalTenants.membershipKind == "all"
} else := {m | some m in spec.externalTenants.members} if {
	spec.externalTenants.membershipKind == "enumerated"
} else := set()

# §3.2: a side of a policy's users for this pair: its guest types count when
# its tenants (ca_guest_tenants) hold the home tenant or name every tenant,
# and always for an internal caller.
ca_pair_side(side, tenants) := side if {
	tenants == null
} else := side if {
	internal_caller
} else := side if {
	home in tenants
} else := side - ca_caller_type_names

# ---- Grants (R-CA-1..4) ----

# R-CA-3 order; block first because it overrides everything (R-CA-2).
ca_control_order := [
	"block", "mfa", "compliantDevice", "domainJoinedDevice", "approvedApplication",
	"compliantApplication", "passwordChange", "riskRemediation", "termsOfUse",
	"customAuthenticationFactors",
]

ca_known_controls := {c | some c in ca_control_order} - {"termsOfUse", "customAuthenticationFactors"}

ca_grant(p) := p.grantControls if is_object(p.grantControls)

else := {}

# The controls a policy requires, in R-CA-3 order. An authentication strength
# is an MFA requirement (§8.9); terms of use and custom controls are
# unsupported across tenants (R-DC-7, R-TRUST-8).
ca_required_controls(gc) := [c | some c in ca_control_order; c in names] if {
	builtin := {c | some c in gc.builtInControls}
	strength := {"mfa" | is_object(gc.authenticationStrength)}
	terms := {"termsOfUse" | some _ in gc.termsOfUse}
	custom := {"customAuthenticationFactors" | some _ in gc.customAuthenticationFactors}
	names := ((builtin | strength) | terms) | custom
}

ca_operator(gc) := "OR" if gc.operator == "OR"

else := "AND"

# R-CA-2, §8.22: the outcome of one applicable policy when its grant alone
# decides it, once per tenant pair; null when it depends on the request's
# controls (ca_entry_result). A policy with an unknown grant control or
# operator cannot be satisfied; enforced, it is a configuration deny
# (configuration.rego); report-only, it reports failure.
ca_fixed_outcome(violations, controls) := {"result": "fail", "failing": []} if {
	count(violations) > 0
} else := {"result": "block"} if {
	"block" in controls
} else := {"result": "satisfied"} if {
	count(controls) == 0
} else := null

ca_and_outcome(controls) := {"result": "fail", "failing": failing} if {
	failing := [c | some c in controls; control_value(c) == "unsatisfiable"]
	count(failing) > 0
} else := {"result": "step_up"} if {
	some c in controls
	startswith(control_value(c), "step_up")
} else := {"result": "satisfied"}

ca_or_outcome(controls) := {"result": "satisfied"} if {
	some c in controls
	control_value(c) == "satisfied_by_home_claim"
} else := {"result": "step_up"} if {
	some c in controls
	startswith(control_value(c), "step_up")
} else := {"result": "fail", "failing": [controls[0]]}

# §3.3, R-CA-1..4, §8.1: x's policies that are not disabled, once per tenant
# (tenant_summary.rego): "entries", each one's facts (ca_entry) in stored
# order; "apps", the positions there of those that apply to each application
# (ca_app_index); "violating", those of the enforced ones with grant problems
# (configuration.rego).
tenant_ca_evaluated(x) := {
	"entries": entries,
	"apps": ca_app_index(digests),
	"catalog": ca_catalog_classes(digests),
	"violating": [k | some k, e in entries; e.result.enforced; count(e.grant_violations) > 0],
} if {
	ps := tenant_ca_policies(x)
	live := [i | some i, p in ps; p.state in ca_evaluated_states]
	entries := [ca_entry(x, i, ps[i]) | some i in live]
	digests := [ca_apps_digest(ps[i]) | some i in live]
}

# §3.3, R-CA-1..4: what policy p (index i of x's) requires: its result when
# it applies (its name for messages, whether it is enforced, its controls and
# the outcome its grant decides alone, null when that depends on the
# request), how a request finds that outcome (ca_outcome_kind), its grant
# problems, and its users digested
# (ca_side_tokens), the guest types of each side whatever tenants its spec
# names (tenant_ca_guest_tenants).
ca_entry(x, i, p) := {
	"index": i,
	"result": {
		"name": name,
		"enforced": p.state == "enabled",
		"controls": controls,
		"outcome": outcome,
	},
	"outcome": ca_outcome_kind(outcome, gc),
	"grant_violations": violations,
	"include": ca_side_tokens(users, "include"),
	"exclude": ca_side_tokens(users, "exclude"),
} if {
	gc := ca_grant(p)
	users := object.get(p, ["conditions", "users"], null)
	controls := ca_required_controls(gc)
	name := ca_policy_name(p)
	violations := ca_policy_grant_violations(x, gc, name)
	outcome := ca_fixed_outcome(violations, controls)
}

# R-CA-2, R-CA-4: how a request finds a policy's outcome (ca_entry_result):
# "fixed" when its grant alone decides it, else its operator.
ca_outcome_kind(outcome, gc) := "fixed" if outcome != null

else := ca_operator(gc)

# §3.2: the tenants the guest specs of x's policies name ([include, exclude]
# by ca_guest_tenants), side by side with tenant_ca_evaluated; null when
# every side names every tenant or lists no guest types, so that a pair
# takes the entries as they are.
tenant_ca_guest_tenants(x) := [[ca_guest_tenants(users, "include"), ca_guest_tenants(users, "exclude")] |
	some p in tenant_ca_policies(x)
	p.state in ca_evaluated_states
	users := object.get(p, ["conditions", "users"], null)
] if {
	ca_home_dependent(x)
} else := null

# §3.2: some guest spec with types names tenants other than all of them
# (ca_spec_tenants not null), spelt out so that the common case, every spec
# naming all tenants, costs no function calls.
ca_home_dependent(x) if {
	some p in tenant_ca_policies(x)
	p.state in ca_evaluated_states
	some key in ca_guest_spec_keys
	spec := p.conditions.users[key]
	is_string(spec.guestOrExternalUserTypes)
	tenants := object.get(spec, "externalTenants", null)
	tenants != null
	not tenants.membershipKind == "all"
}

# §3.3, R-CA-1..4, §3.2: the resource tenant's policies that are not
# disabled, once per tenant pair (tenant_pair.rego), from its tenant summary:
# a side's guest types count only when its tenants match the home tenant.
pair_ca_evaluated := resource_tenant_summary.ca_evaluated if {
	sign_in
	resource_tenant_summary.ca_guest_tenants == null
} else := object.union(resource_tenant_summary.ca_evaluated, {"entries": [ca_pair_entry(entry, resource_tenant_summary.ca_guest_tenants[k]) |
	some k, entry in resource_tenant_summary.ca_evaluated.entries
]}) if {
	sign_in
} else := {"entries": [], "apps": {}, "catalog": set(), "violating": []}

ca_pair_entry(entry, tenants) := object.union(entry, {
	"include": ca_pair_side(entry.include, tenants[0]),
	"exclude": ca_pair_side(entry.exclude, tenants[1]),
})

# §3.3: every policy that applies (enforced or report-only), keyed by its
# index. Which live policies take in this app was found once per tenant
# (ca_app_index: by its id, else by its class, ca_class_policies); their
# users were digested once per tenant into sets of tokens (ca_side_tokens),
# so whether one takes in this caller is one intersection per side with the
# tokens that name the caller (ca_caller_tokens): §3.3, §8.5, §3.2, by a
# users entry, as one of the guest or external user types it belongs to or
# by a group, and exclusion always wins (§3.3 item 3). The pair summary and
# the caller's tokens are bound once, before the loop: every reference to a
# rule costs a rule index lookup, and this runs for every such policy on
# every request.
ca_results[i] := result if {
	ev := tenant_pair.ca_evaluated
	tokens := ca_caller_tokens
	some k in object.get(ev.apps, app_id, ca_class_policies)
	entry := ev.entries[k]
	entry.include & tokens != set()
	entry.exclude & tokens == set()
	i := entry.index
	result := ca_entry_result(entry.outcome, entry.result)
}

# R-CA-2, R-CA-4: what applicable policy r gives: its result, with the
# outcome of its controls under its operator when the grant alone does not
# decide it. One definition per kind of outcome (ca_entry), which OPA's rule
# index picks without trying the others.
ca_entry_result("fixed", r) := r

ca_entry_result("AND", r) := object.union(r, {"outcome": ca_and_outcome(r.controls)})

ca_entry_result("OR", r) := object.union(r, {"outcome": ca_or_outcome(r.controls)})

# §8.10: every control an applicable enforced policy requires, OR
# alternatives included, resolved (control_value) under its name in the
# decision's controls; a control no applicable enforced policy requires is
# not_required, and only the three controls of the trust are reported. Two
# policies requiring one control resolve it alike. The defaults (those of
# no_controls) and the table of names are written in place (ground
# constants), which spares every request a rule each.
ca_controls := object.union({"mfa": "not_required", "compliant_device": "not_required", "hybrid_joined_device": "not_required"}, {name: control_value(c) |
	some r in ca_results
	r.enforced
	some c in r.controls
	name := {"mfa": "mfa", "compliantDevice": "compliant_device", "domainJoinedDevice": "hybrid_joined_device"}[c]
})

# ---- Step-up (R-TRUST-3, §8.15) ----

ca_step_up_needed if {
	some r in ca_results
	r.enforced
	r.outcome.result == "step_up"
}

# Only MFA can be stepped up; the device controls are satisfied or not.
ca_step_up := [{"control": "mfa", "at": mfa_step_up_at}] if ca_step_up_needed

else := []

mfa_step_up_at := "home" if mfa_resolution == "step_up_home"

else := "resource"

ca_step_up_reasons contains reason if {
	ca_step_up_needed
	reason := {
		"code": "MFA_STEP_UP",
		"stage": "conditional_access",
		"tenant": resource,
		"setting": mfa_step_up_source.setting,
		"rule": mfa_step_up_source.rule,
		"aadsts": null,
		"message": sprintf("%s's Conditional Access requires MFA, to be performed in %s", [resource_name, mfa_step_up_tenant_name]),
	}
}

# R-TRUST-3, §8.15: the name of the tenant a step-up is performed in, one of
# the pair's (tenant_pair.rego), which spares the request a tenant_name
# call.
mfa_step_up_tenant_name := home_name if mfa_step_up_at == "home"

else := resource_name

# The rule a step-up follows and the setting it rests on, found together:
# the pair's (pair_mfa_step_up_source), unless a GDAP session could count.
mfa_step_up_source := source if {
	source := tenant_pair.mfa_step_up_source
	source != null
} else := mfa_step_up_source_of_request

# R-CA-6 (no trust for a non-Entra identity), §8.15 (an internal user),
# R-TRUST-9 (GDAP) and R-TRUST-3 (the inbound trust's isMfaAccepted).
mfa_step_up_source_of_request := {"rule": "R-CA-6", "setting": null} if {
	not entra_identity
} else := {"rule": "§8.15", "setting": null} if {
	internal_caller
} else := {"rule": "R-TRUST-9", "setting": tenant_pair.trust_source.isMfaAccepted} if {
	gdap_trusted
} else := {"rule": "R-TRUST-3", "setting": tenant_pair.trust_source.isMfaAccepted}

# R-CA-6, §8.15, R-TRUST-3: mfa_step_up_source_of_request once per tenant
# pair (tenant_pair.rego); null where a GDAP session could count
# (R-TRUST-9, gdap_trusted: a service provider partner of an Entra identity
# across tenants).
pair_mfa_step_up_source := {"rule": "R-CA-6", "setting": null} if {
	not entra_identity
} else := {"rule": "§8.15", "setting": null} if {
	internal_caller
} else := null if {
	pair_service_provider
} else := {"rule": "R-TRUST-3", "setting": pair_inbound_trust.sources.isMfaAccepted}

# ---- Deny reasons (R-CA-2, R-CA-4, R-DC-4..7, R-TRUST-4/5, §8.9, §8.11) ----

# R-CA-2, R-CA-4: the reasons of every applicable enforced policy, by its
# outcome (ca_outcome_reasons), found in one pass over them.
ca_deny_reasons contains reason if {
	some r in ca_results
	r.enforced
	some reason in ca_outcome_reasons(r.outcome.result, r)
}

# R-CA-2: a policy that blocks. One definition per outcome that denies, which
# OPA's rule index picks (the others give no reasons).
ca_outcome_reasons("block", r) := {{
	"code": "CA_BLOCK",
	"stage": "conditional_access",
	"tenant": resource,
	"setting": null,
	"rule": "R-CA-2",
	"aadsts": "AADSTS53003",
	"message": sprintf("%s's Conditional Access policy '%s' blocks this access", [resource_name, r.name]),
}}

# R-CA-4, R-DC-4..7, R-TRUST-4/5: a policy whose controls fail, a reason
# for each failing control.
ca_outcome_reasons("fail", r) := {ca_control_reason(c, r.name) | some c in r.outcome.failing}

ca_policy_name(p) := p.displayName if is_string(p.displayName)

else := object.get(p, "id", "unnamed")

ca_control_reason(c, name) := reason if {
	c == "mfa"
	reason := {
		"code": "MFA_UNSATISFIABLE",
		"stage": "conditional_access",
		"tenant": resource,
		"setting": tenant_pair.trust_source.isMfaAccepted,
		"rule": mfa_unsatisfiable_rule,
		"aadsts": mfa_unsatisfiable_code,
		"message": sprintf("%s's Conditional Access policy '%s' requires MFA, which %s", [resource_name, name, mfa_unsatisfiable_why]),
	}
}

ca_control_reason(c, name) := reason if {
	some spec in device_controls
	spec.control == c
	reason := {
		"code": spec.code,
		"stage": "conditional_access",
		"tenant": resource,
		"setting": device_setting(spec.flag),
		"rule": spec.rule,
		"aadsts": spec.aadsts,
		"message": sprintf("%s's Conditional Access policy '%s' requires a %s, which %s", [resource_name, name, spec.name, device_why(spec.flag, spec.claim)]),
	}
}

ca_control_reason(c, name) := reason if {
	not c in trust_controls
	reason := {
		"code": "CONTROL_UNSUPPORTED",
		"stage": "conditional_access",
		"tenant": resource,
		"setting": null,
		"rule": "R-DC-7",
		"aadsts": null,
		"message": sprintf("%s's Conditional Access policy '%s' requires %s, which this user cannot satisfy", [resource_name, name, c]),
	}
}

device_controls := [
	{
		"control": "compliantDevice", "code": "COMPLIANT_DEVICE_UNSATISFIABLE", "rule": "R-TRUST-4",
		"aadsts": "AADSTS53000", "name": "compliant device", "flag": "isCompliantDeviceAccepted",
		"claim": claim_compliant_device,
	},
	{
		"control": "domainJoinedDevice", "code": "HYBRID_JOINED_DEVICE_UNSATISFIABLE", "rule": "R-TRUST-5",
		"aadsts": "AADSTS53001", "name": "hybrid joined device", "flag": "isHybridAzureADJoinedDeviceAccepted",
		"claim": claim_hybrid_joined_device,
	},
]

# R-DC-4 (no MFA trust: AADSTS90071) and R-DC-5 with §8.8 (trust, no claim).
mfa_unsatisfiable_rule := "R-DC-5" if mfa_trusted

else := "R-DC-4"

mfa_unsatisfiable_code := null if mfa_trusted

else := "AADSTS90071"

mfa_unsatisfiable_why := sprintf("the home session lacks; it must be completed in %s", [home_name]) if {
	mfa_trusted
} else := sprintf("a B2B direct connect user cannot perform because %s does not trust %s's MFA", [resource_name, home_name])

device_setting(flag) := null if {
	internal_caller
} else := null if {
	not entra_identity
} else := tenant_pair.trust_source[flag]

device_why(flag, claim) := "the device does not prove" if {
	internal_caller
} else := "a non-Entra identity cannot prove" if {
	not entra_identity
} else := sprintf("the home session does not prove although %s trusts %s's device claims", [resource_name, home_name]) if {
	tenant_pair.trust[flag] == true
	claim != true
} else := sprintf("cannot be met because %s does not trust %s's device claims", [resource_name, home_name])

# ---- Report-only (R-CA-5) ----

# R-CA-5: what a report-only policy would have done: failure (block or an
# unsatisfiable control), user_action_required (a step-up) or success;
# "not_applied" when it does not apply. The table is written in place (a
# ground constant) rather than as a rule of its own, which every request
# would enter.
ca_report_only := [entry |
	some e in tenant_pair.ca_report_only
	result := object.get(ca_results, [e.index, "outcome", "result"], null)
	entry := {"policy_id": e.policy_id, "result": object.get(
		{"block": "failure", "fail": "failure", "step_up": "user_action_required", "satisfied": "success"},
		result, "not_applied",
	)}
]

# R-CA-5: x's report-only policies, once per tenant (tenant_summary.rego).
tenant_ca_report_only(x) := [{"index": i, "policy_id": object.get(p, "id", "")} |
	some i, p in tenant_ca_policies(x)
	p.state == "enabledForReportingButNotEnforced"
]

# R-CA-5: the report-only policies, once per tenant pair (tenant_pair.rego).
pair_ca_report_only := resource_tenant_summary.ca_report_only if {
	sign_in
} else := []
