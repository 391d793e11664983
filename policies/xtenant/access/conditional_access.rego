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

# The guestOrExternalUserTypes members the caller belongs to. An internal
# member belongs to none of them, an internal guest is an internalGuest.
caller_types := {"serviceProvider"} if {
	# service_provider_caller
	entra_identity
	tenant_pair.service_provider
	cross_tenant
	service_provider_technician
} else := object.get({"guest": {"internalGuest"}}, user_type, set()) if {
	internal_caller
} else := {"b2bDirectConnectUser"} | {t | t := object_user_type} if {
	# R-DC-8: a direct connect user who also has an object in the resource
	# tenant gets the B2B collaboration policies too.
	direct_connect
} else := {object_user_type, "b2bDirectConnectUser"} if {
	# R-DC-8 in the other direction (§8.6): a B2B collaboration user reaching
	# Teams or SharePoint while direct connect is enabled on both sides is
	# also a b2bDirectConnectUser.
	object_user_type
	direct_connect_eligible
} else := {object_user_type} if {
	object_user_type
} else := {"otherExternalUser"}

# §8.19: direct connect across clouds does not exist (R-DC-3, R-CC-5).
direct_connect_eligible if {
	data.xtenant.catalog.direct_connect_apps[app_id] # Teams and SharePoint (catalog)
	entra_identity
	not cross_cloud
	side_permits(tenant_pair.direct_connect.inbound)
	home_direct_connect_outbound_open
}

home_direct_connect_outbound_open if not home_known

home_direct_connect_outbound_open if {
	home_known
	side_permits(tenant_pair.direct_connect.outbound)
}

# R-DC-8, §8.6: the direct connect settings of both sides (side_summary),
# resolved once per tenant pair (tenant_pair.rego); only a B2B collaboration
# sign-in asks for them.
pair_direct_connect := {
	"inbound": side_summary(effective_setting(resource, home, "b2bDirectConnectInbound")),
	"outbound": side_summary(effective_setting(home, resource, "b2bDirectConnectOutbound")),
} if {
	collaboration
} else := null

# Groups for includeGroups/excludeGroups (§8.5): the resource tenant's groups,
# and the home groups when both are the same tenant.
ca_groups := resource_groups if {
	cross_tenant # not internal_caller: the common case tries one body
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

# Applications match application.id only, never the client id (§8.5): the
# entries of includeApplications/excludeApplications that name this app —
# "All", its id, and Office365 or MicrosoftAdminPortals when the catalog
# lists it there.
ca_app_tokens := ({"All", app_id} | {"Office365" | data.xtenant.catalog.office365[app_id]}) | {"MicrosoftAdminPortals" | data.xtenant.catalog.microsoft_admin_portals[app_id]}

# §3.3, §3.2: one side (include or exclude) of a policy's users, once per
# tenant (tenant_summary.rego): its users and groups entries, and the
# guestOrExternalUserTypes of its guest spec, as sets. Whether the spec's
# tenants match the home tenant (§3.2) is left to the pair (ca_guest_tenants,
# ca_pair_entry). Without conditions.users as an object the side
# matches nobody.
ca_users_side(users, kind) := {
	"users": {u | some u in users[keys[0]]},
	"groups": {g | some g in users[keys[1]]},
	"guest_types": ca_guest_types(object.get(users, keys[2], null)),
} if {
	is_object(users)
	keys := ca_users_side_keys[kind]
} else := {"users": set(), "groups": set(), "guest_types": set()}

ca_users_side_keys := {
	"include": ["includeUsers", "includeGroups", "includeGuestsOrExternalUsers"],
	"exclude": ["excludeUsers", "excludeGroups", "excludeGuestsOrExternalUsers"],
}

# A list member of a policy object, empty when missing or null (a reference
# to a missing member inside "not" would make the whole body undefined).
ca_list(obj, key) := obj[key] if is_array(obj[key])

else := []

# §6 A9: "All" covers direct connect users too. Roles never match (§8.5).
# The includeUsers/excludeUsers entries that name this caller, computed once:
# "All" (include only), the caller's object and, for a guest or external
# caller, GuestsOrExternalUsers. Exclusion always wins (§3.3 item 3).
ca_excluded_user_tokens := {resource_object_id, "GuestsOrExternalUsers"} - {null} if {
	count(caller_types) > 0
} else := {resource_object_id} - {null}

ca_included_user_tokens := ca_excluded_user_tokens | {"All"}

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
} else := object.union(side, {"guest_types": set()})

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
# controls (ca_entry_outcome). A policy with an unknown grant control or
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

# §3.3, R-CA-1..4: what each of x's policies that is not disabled requires,
# once per tenant (tenant_summary.rego): its index, its name for messages,
# its controls and operator, and its conditions digested, the guest types of
# each side whatever tenants its spec names (tenant_ca_guest_tenants).
tenant_ca_evaluated(x) := [entry |
	some i, p in tenant_ca_policies(x)
	p.state in ca_evaluated_states
	gc := ca_grant(p)
	users := object.get(p, ["conditions", "users"], null)
	controls := ca_required_controls(gc)
	name := ca_policy_name(p)
	violations := ca_policy_grant_violations(x, gc, name)
	entry := {
		"index": i,
		"name": name,
		"enforced": p.state == "enabled",
		"controls": controls,
		"operator": ca_operator(gc),
		"grant_violations": violations,
		"outcome": ca_fixed_outcome(violations, controls),
		"apps": ca_apps_digest(p),
		"include": ca_users_side(users, "include"),
		"exclude": ca_users_side(users, "exclude"),
	}
]

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
} else := [ca_pair_entry(entry, resource_tenant_summary.ca_guest_tenants[i]) | some i, entry in resource_tenant_summary.ca_evaluated] if {
	sign_in
} else := []

ca_pair_entry(entry, tenants) := object.union(entry, {
	"include": ca_pair_side(entry.include, tenants[0]),
	"exclude": ca_pair_side(entry.exclude, tenants[1]),
})

# §3.3: every policy that applies (enforced or report-only), keyed by its
# index. The policies of pair_ca_evaluated are live, their applications and
# users digested once per tenant pair (ca_apps_digest, ca_users_side), so
# whether one applies is a few set intersections per request: an
# application entry names this app (ca_app_tokens) and no exclusion does;
# §3.3, §8.5, §3.2: a side of the policy's users names the caller by a users
# entry (ca_included_user_tokens, ca_excluded_user_tokens), as one of the
# guest or external user types it belongs to (caller_types) or by a group
# (ca_groups), and exclusion always wins (§3.3 item 3). Each condition is
# written out rather than asked of a function: this runs for every live
# policy on every request, and set operations compared with the empty set
# are the cheapest form OPA evaluates.
ca_results[i] := result if {
	some entry in tenant_pair.ca_evaluated
	entry.apps.include & ca_app_tokens != set()
	entry.apps.exclude & ca_app_tokens == set()
	((entry.include.users & ca_included_user_tokens) | (entry.include.guest_types & caller_types)) | (entry.include.groups & ca_groups) != set()
	entry.exclude.users & ca_excluded_user_tokens == set()
	entry.exclude.guest_types & caller_types == set()
	entry.exclude.groups & ca_groups == set()
	i := entry.index
	result := {
		"name": entry.name,
		"enforced": entry.enforced,
		"controls": entry.controls,
		"outcome": ca_entry_outcome(entry),
	}
}

# R-CA-2, R-CA-4: the outcome of one applicable policy, given its operator.
ca_entry_outcome(entry) := o if {
	o := entry.outcome
	o != null
} else := ca_and_outcome(entry.controls) if {
	entry.operator == "AND"
} else := ca_or_outcome(entry.controls)

# §8.10: every control an applicable enforced policy requires, OR
# alternatives included.
# A control no applicable enforced policy requires is not_required.
ca_controls := {
	"mfa": object.get(ca_control_states, "mfa", "not_required"),
	"compliant_device": object.get(ca_control_states, "compliantDevice", "not_required"),
	"hybrid_joined_device": object.get(ca_control_states, "domainJoinedDevice", "not_required"),
}

# §8.10: each control an applicable enforced policy requires, OR
# alternatives included, resolved (control_value); a control missing here is
# not required. Two policies requiring one control resolve it alike.
ca_control_states := {c: control_value(c) | some r in ca_results; r.enforced; some c in r.controls}

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
		"message": sprintf("%s's Conditional Access requires MFA, to be performed in %s", [resource_name, tenant_name(mfa_step_up_tenant)]),
	}
}

mfa_step_up_tenant := home if mfa_step_up_at == "home"

else := resource

# The rule a step-up follows and the setting it rests on, found together:
# R-CA-6 (no trust for a non-Entra identity), §8.15 (an internal user),
# R-TRUST-9 (GDAP) and R-TRUST-3 (the inbound trust's isMfaAccepted).
mfa_step_up_source := {"rule": "R-CA-6", "setting": null} if {
	not entra_identity
} else := {"rule": "§8.15", "setting": null} if {
	internal_caller
} else := {"rule": "R-TRUST-9", "setting": tenant_pair.trust_source.isMfaAccepted} if {
	gdap_trusted
} else := {"rule": "R-TRUST-3", "setting": tenant_pair.trust_source.isMfaAccepted}

# ---- Deny reasons (R-CA-2, R-CA-4, R-DC-4..7, R-TRUST-4/5, §8.9, §8.11) ----

ca_deny_reasons contains reason if {
	some r in ca_results
	r.enforced
	r.outcome.result == "block"
	reason := {
		"code": "CA_BLOCK",
		"stage": "conditional_access",
		"tenant": resource,
		"setting": null,
		"rule": "R-CA-2",
		"aadsts": "AADSTS53003",
		"message": sprintf("%s's Conditional Access policy '%s' blocks this access", [resource_name, r.name]),
	}
}

ca_deny_reasons contains reason if {
	some r in ca_results
	r.enforced
	r.outcome.result == "fail"
	some c in r.outcome.failing
	reason := ca_control_reason(c, r.name)
}

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
