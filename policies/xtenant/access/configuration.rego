# The configuration stage: is there a configuration, and is the part of it
# that this request needs valid?
# docs/semantics.md §2.14 (V-1, V-3, V-4, V-5, V-8), R-COMB-2, R-TGT-6 and §8.1:
# validity is judged on the effective settings the request needs (after
# resolution), never on every stored object, so one bad partner entry does not
# take down unrelated decisions. Nothing is ever guessed open: a needed
# setting that is invalid denies. cloud.rego, restrictions.rego, sync.rego and
# invitations.rego add their own checks to configuration_reasons.
package xtenant.access

# The checks of this stage that depend only on the tenant pair are computed
# once per pair (tenant_pair.rego); the rest are added per request.
configuration_reasons contains reason if {
	some reason in tenant_pair.configuration_reasons
}

# docs/contract.md: no configuration for the resource tenant fails closed.
pair_configuration_reasons contains reason if {
	not resource_known
	reason := {
		"code": "RESOURCE_TENANT_UNKNOWN",
		"stage": "configuration",
		"tenant": resource,
		"setting": null,
		"rule": "§8.1",
		"aadsts": null,
		"message": sprintf("There is no configuration for the resource tenant %s", [resource]),
	}
}

# docs/contract.md, --require-home-tenant: an unknown home tenant is a
# configuration deny instead of a skipped outbound stage. An invitation's
# home tenant is optional by nature (docs/contract.md, "invitation").
default require_home_tenant := false

require_home_tenant := object.get(data.xtenant.options, "require_home_tenant", false)

pair_configuration_reasons contains reason if {
	require_home_tenant == true
	not home_known
	access_type != "invitation"
	reason := {
		"code": "INVALID_CONFIGURATION",
		"stage": "configuration",
		"tenant": home,
		"setting": null,
		"rule": "§8.4",
		"aadsts": null,
		"message": sprintf("There is no configuration for the home tenant %s, and a home tenant configuration is required", [home]),
	}
}

pair_configuration_reasons contains violation_reason(v) if {
	some v in setting_violations
}

# §8.1: the B2B settings this sign-in needs (b2b.rego resolves them) must be
# valid: R-COMB-2, R-TGT-6, V-1, V-3, V-4, V-5 (validation.rego). The
# setting's label is worded only for a setting with a problem (a valid one,
# the common case, spares its sprintf); setting_reasons finds the problems
# again in OPA's cache of the function's results.
pair_configuration_reasons contains reason if {
	some s in needed_settings
	effective_setting_problems(s.tenant, s.counterpart, s.property, s.value) != set()
	some reason in setting_reasons(s.tenant, s.counterpart, s.property, s.value, sprintf("%s %s", [s.direction, access_label]))
}

# Unknown grant controls and operators count only in policies that apply to
# this caller, so they are not part of the pair summary.
# An unknown grant control or operator, only when an enforced policy applies
# (§8.1, §8.22: a report-only policy never changes the decision; it reports
# failure instead). The problems of each policy are found once per
# tenant (tenant_ca_evaluated), which lists the enforced policies that have
# any.
configuration_reasons contains violation_reason(v) if {
	some k in tenant_pair.ca_evaluated.violating
	entry := tenant_pair.ca_evaluated.entries[k]
	ca_results[entry.index]
	some v in entry.grant_violations
}

violation_reason(v) := {
	"code": "INVALID_CONFIGURATION",
	"stage": "configuration",
	"tenant": v.tenant,
	"setting": v.setting,
	"rule": v.rule,
	"aadsts": null,
	"message": v.message,
}

# §8.1, §8.23: the resource tenant's Conditional Access policies are judged
# for sign-ins, once per tenant (tenant_summary.rego).
setting_violations contains v if {
	sign_in
	some v in resource_tenant_summary.ca_setting_violations
}

# ---- Cross-tenant access settings ----

# §8.1: the B2B settings this sign-in needs, on the sides that apply, that
# may be invalid. A fresh tenant's allow-all or block-all is valid whatever
# its source (the side admits "all" or "none": fresh_tenant_setting), and a
# setting whose digest shows it valid (digest_valid) needs no check by check
# judgement, so the common cases cost a lookup and a few set operations.
needed_settings contains s if {
	side := pair_home_outbound
	side.permits_whom == "some"
	setting := pair_home_outbound_setting
	not digest_valid(home, resource, outbound_property, setting, side.targets)
	s := {
		"tenant": home, "counterpart": resource, "property": outbound_property,
		"value": setting, "direction": "outbound",
	}
}

needed_settings contains s if {
	side := pair_resource_inbound
	side.permits_whom == "some"
	setting := pair_resource_inbound_setting
	not digest_valid(resource, home, inbound_property, setting, side.targets)
	s := {
		"tenant": resource, "counterpart": home, "property": inbound_property,
		"value": setting, "direction": "inbound",
	}
}

# V-8: the default's automaticUserConsentSettings must be false/false. §8.16:
# judged only on a flag the decision reads, and only when taken from the
# stored default: consent_prompt reads them between two configured, different
# tenants (§8.17: never for an internal sign-in), identity_sync reads them in
# its own stage (sync.rego).
home_consent_read if consent_flags_read

home_consent_read if {
	sync_request
	home_known
}

resource_consent_read if consent_flags_read

resource_consent_read if {
	sync_request
	resource_known
}

setting_violations contains v if {
	home_known
	home_consent_read
	member_source(home, resource, "automaticUserConsentSettings", "outboundAllowed") == "default"
	default_consent_invalid(home, "outboundAllowed")
	v := consent_violation(home, resource, "outboundAllowed")
}

setting_violations contains v if {
	resource_known
	resource_consent_read
	member_source(resource, home, "automaticUserConsentSettings", "inboundAllowed") == "default"
	default_consent_invalid(resource, "inboundAllowed")
	v := consent_violation(resource, home, "inboundAllowed")
}

# V-8: x's stored default sets automaticUserConsentSettings.flag to anything
# but false (xtenant audit asks the same of every stored default).
default_consent_invalid(x, flag) if {
	value := default_entry(x).automaticUserConsentSettings[flag]
	value != null
	value != false
}

consent_violation(x, y, flag) := {
	"tenant": x,
	"setting": "default",
	"rule": "V-8",
	"message": sprintf("%s's default automaticUserConsentSettings.%s, applied to %s, must be false (V-8)", [tenant_name(x), flag, tenant_name(y)]),
}

# ---- Conditional Access policies (§8.1) ----

ca_known_states := {"enabled", "disabled", "enabledForReportingButNotEnforced"}

ca_known_user_types := {
	"none", "internalGuest", "b2bCollaborationGuest", "b2bCollaborationMember",
	"b2bDirectConnectUser", "otherExternalUser", "serviceProvider",
}

ca_known_membership_kinds := {"all", "enumerated"}

ca_known_client_app_types := {"all", "browser", "mobileAppsAndDesktopClients", "exchangeActiveSync", "easSupported", "other"}

ca_known_risk_levels := {"low", "medium", "high", "hidden", "none"}

# §8.1, §8.23: the problems of x's policies, once per tenant
# (tenant_summary.rego), one comprehension per kind of problem over all the
# policies, so that no collections are built per policy.
tenant_ca_setting_violations(x) := ca_state_violations(x, ps) | ca_live_violations(x, [p | some p in ps; p.state in ca_evaluated_states]) if {
	ps := tenant_ca_policies(x)
}

# A policy with an unknown state: nobody can tell whether it is enforced.
ca_state_violations(x, ps) := {ca_violation(x, p, sprintf("has the unknown state %v", [object.get(p, "state", null)])) |
	some p in ps
	not object.get(p, "state", null) in ca_known_states
}

# The problems of the policies that are not disabled (live).
ca_live_violations(x, live) := (((ca_incomplete_violations(x, live) | ca_guest_spec_violations(x, live)) | ca_membership_kind_violations(x, live)) | ca_client_app_type_violations(x, live)) | ca_risk_level_violations(x, live)

# §8.23: a policy that is not disabled and lacks conditions.applications, or
# lacks conditions.users, is incomplete; it would otherwise silently stop
# applying, so it is invalid, like an unknown enum in its conditions. Graph
# requires applications, and "either users or clientApplications"
# (conditionalAccessConditionSet): a policy for workload identities
# (clientApplications, no users) is complete and never applies to a user.
ca_incomplete_violations(x, live) := {ca_violation_rule(x, p, "§8.23", "has no conditions.applications, which every policy must have") |
	some p in live
	not is_object(object.get(p, ["conditions", "applications"], null))
} | {ca_violation_rule(x, p, "§8.23", "has neither conditions.users nor conditions.clientApplications, one of which every policy must have") |
	some p in live
	not is_object(object.get(p, ["conditions", "users"], null))
	not is_object(object.get(p, ["conditions", "clientApplications"], null))
}

# Unknown enums in the conditions of a policy that is not disabled.
ca_guest_spec_keys := ["includeGuestsOrExternalUsers", "excludeGuestsOrExternalUsers"]

ca_guest_spec_violations(x, live) := {v |
	some p in live
	some key in ca_guest_spec_keys
	spec := p.conditions.users[key]
	is_object(spec)
	is_string(spec.guestOrExternalUserTypes)
	some raw in split(spec.guestOrExternalUserTypes, ",")
	t := trim_space(raw)
	not t in ca_known_user_types
	v := ca_violation(x, p, sprintf("has the unknown guestOrExternalUserTypes member %s", [t]))
}

ca_membership_kind_violations(x, live) := {v |
	some p in live
	some key in ca_guest_spec_keys
	spec := p.conditions.users[key]
	is_object(spec)
	is_object(spec.externalTenants)
	k := object.get(spec.externalTenants, "membershipKind", null)
	not k in ca_known_membership_kinds
	v := ca_violation(x, p, sprintf("has the unknown externalTenants membershipKind %v", [k]))
}

ca_client_app_type_violations(x, live) := {v |
	some p in live
	some c in p.conditions.clientAppTypes
	not c in ca_known_client_app_types
	v := ca_violation(x, p, sprintf("has the unknown clientAppTypes value %v", [c]))
}

ca_risk_level_violations(x, live) := {v |
	some p in live
	some key in ["signInRiskLevels", "userRiskLevels"]
	some level in p.conditions[key]
	not level in ca_known_risk_levels
	v := ca_violation(x, p, sprintf("has the unknown %s value %v", [key, level]))
}

# §8.1, §8.22: the unknown grant controls and operator of a policy of x; gc
# is its grant (ca_grant), name its name (ca_policy_name).
ca_policy_grant_violations(x, gc, name) := {v |
	some c in gc.builtInControls
	not c in ca_known_controls
	v := ca_named_violation(x, name, "§8.1", sprintf("requires the unknown grant control %v", [c]))
} | {v |
	op := object.get(gc, "operator", null)
	not op in {"AND", "OR", null}
	v := ca_named_violation(x, name, "§8.1", sprintf("has the unknown grant operator %v", [op]))
}

# A problem of x's policy p (§8.1 unless rule says otherwise).
ca_violation(x, p, what) := ca_violation_rule(x, p, "§8.1", what)

ca_violation_rule(x, p, rule, what) := ca_named_violation(x, ca_policy_name(p), rule, what)

ca_named_violation(x, name, rule, what) := {
	"tenant": x,
	"setting": null,
	"rule": rule,
	"message": sprintf("%s's Conditional Access policy '%s' %s", [tenant_name(x), name, what]),
}
