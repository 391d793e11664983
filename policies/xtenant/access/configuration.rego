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
# once per pair (pair.rego); the rest are added per request.
configuration_reasons contains reason if {
	some reason in pair.configuration_reasons
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

# Unknown grant controls and operators count only in policies that apply to
# this caller, so they are not part of the pair summary.
configuration_reasons contains violation_reason(v) if {
	some _ in ca_policies
	some v in ca_grant_violations
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

# The checks below run only when something may be invalid: a B2B setting
# that is not one of the known valid ones, or Conditional Access policies.
setting_violations contains v if {
	some _ in needed_settings
	some v in xtap_violations
}

setting_violations contains v if {
	some _ in ca_policies
	some v in ca_setting_violations
}

# ---- Cross-tenant access settings ----

# The B2B settings this request needs (b2b.rego resolves them) and that may be
# invalid. A setting equal to a fresh tenant's allow-all or block-all breaks
# none of the checks below, in either direction and from any source (its
# users half targets AllUsers only), so the common case costs one lookup.
known_valid_settings := {
	{
		"usersAndGroups": {"accessType": "allowed", "targets": [{"target": "AllUsers", "targetType": "user"}]},
		"applications": {"accessType": "allowed", "targets": [{"target": "AllApplications", "targetType": "application"}]},
	},
	{
		"usersAndGroups": {"accessType": "blocked", "targets": [{"target": "AllUsers", "targetType": "user"}]},
		"applications": {"accessType": "blocked", "targets": [{"target": "AllApplications", "targetType": "application"}]},
	},
}

needed_settings contains s if {
	setting := pair_home_outbound.setting
	not known_valid_settings[setting]
	s := {
		"tenant": home, "counterpart": resource, "property": outbound_property,
		"direction": "outbound", "value": setting,
	}
}

needed_settings contains s if {
	setting := pair_resource_inbound.setting
	not known_valid_settings[setting]
	s := {
		"tenant": resource, "counterpart": home, "property": inbound_property,
		"direction": "inbound", "value": setting,
	}
}

setting_halves := ["usersAndGroups", "applications"]

known_access_types := {"allowed", "blocked"}

# The targetType each half accepts, and where each keyword belongs (R-TGT-6).
xtap_half_target_types := {
	"usersAndGroups": {"user", "group"},
	"applications": {"application"},
}

keyword_place := {
	"AllUsers": ["usersAndGroups", "user"],
	"AllApplications": ["applications", "application"],
	"Office365": ["applications", "application"],
	"AllMicrosoftApps": ["applications", "application"],
	"MicrosoftAdminPortals": ["applications", "application"],
}

# R-COMB-2: accessType other than allowed/blocked (unknownFutureValue, missing).
xtap_violations contains v if {
	some s in needed_settings
	some half in setting_halves
	access := object.get(s.value[half], "accessType", null)
	not access in known_access_types
	v := violation(s, half, "R-COMB-2", sprintf("has the unknown accessType %v in %s", [access, half]))
}

# R-TGT-6: an unknown targetType, or one that does not belong in this half.
xtap_violations contains v if {
	some s in needed_settings
	some half in setting_halves
	some t in s.value[half].targets
	not object.get(t, "targetType", null) in xtap_half_target_types[half]
	v := violation(s, half, "R-TGT-6", sprintf("has the target %v with targetType %v in %s", [object.get(t, "target", null), object.get(t, "targetType", null), half]))
}

# R-TGT-6: a keyword with the wrong targetType or in the wrong half.
xtap_violations contains v if {
	some s in needed_settings
	some half in setting_halves
	some t in s.value[half].targets
	place := keyword_place[t.target]
	[half, t.targetType] != place
	v := violation(s, half, "R-TGT-6", sprintf("has the keyword %s with targetType %v in %s", [t.target, t.targetType, half]))
}

# V-5: MicrosoftAdminPortals is not a valid cross-tenant application target.
xtap_violations contains v if {
	some s in needed_settings
	some t in s.value.applications.targets
	t.target == "MicrosoftAdminPortals"
	v := violation(s, "applications", "V-5", "targets MicrosoftAdminPortals, which is not a valid application target")
}

# V-1: default inbound usersAndGroups may only use AllUsers (§8.1: only for
# values taken from the stored default).
xtap_violations contains v if {
	some s in needed_settings
	s.direction == "inbound"
	member_source(s.tenant, s.counterpart, s.property, "usersAndGroups") == "default"
	some t in s.value.usersAndGroups.targets
	t.target != "AllUsers"
	v := violation(s, "usersAndGroups", "V-1", sprintf("lists %v in the default inbound users and groups, which may only use AllUsers", [t.target]))
}

# V-3: blocking all users must go with blocking all applications.
xtap_violations contains v if {
	some s in needed_settings
	blocks_all(s.value.usersAndGroups, "AllUsers")
	not blocks_all(s.value.applications, "AllApplications")
	v := violation(s, "usersAndGroups", "V-3", "blocks all users without blocking all applications")
}

# V-4: when outbound users are allowed, not every external app may be blocked.
xtap_violations contains v if {
	some s in needed_settings
	s.direction == "outbound"
	s.value.usersAndGroups.accessType == "allowed"
	blocks_all(s.value.applications, "AllApplications")
	v := violation(s, "applications", "V-4", "allows users but blocks all applications")
}

blocks_all(tc, keyword) if {
	tc.accessType == "blocked"
	some t in tc.targets
	t.target == keyword
}

violation(s, half, rule, what) := {
	"tenant": s.tenant,
	"setting": member_source(s.tenant, s.counterpart, s.property, half),
	"rule": rule,
	"message": sprintf("%s's %s %s settings for %s %s (%s)", [
		tenant_name(s.tenant), s.direction, access_label, tenant_name(s.counterpart),
		what, rule,
	]),
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
	home_consent_read
	consent_flag(home, resource, "outboundAllowed") != false
	member_source(home, resource, "automaticUserConsentSettings", "outboundAllowed") == "default"
	v := consent_violation(home, resource, "outboundAllowed")
}

setting_violations contains v if {
	resource_consent_read
	consent_flag(resource, home, "inboundAllowed") != false
	member_source(resource, home, "automaticUserConsentSettings", "inboundAllowed") == "default"
	v := consent_violation(resource, home, "inboundAllowed")
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

# A policy with an unknown state: nobody can tell whether it is enforced.
ca_setting_violations contains v if {
	some p in ca_policies
	not object.get(p, "state", null) in ca_known_states
	v := ca_violation(p, sprintf("has the unknown state %v", [object.get(p, "state", null)]))
}

# §8.23: a policy that is not disabled and lacks conditions.applications, or
# lacks conditions.users, is incomplete; it would otherwise silently stop
# applying, so it is invalid, like an unknown enum in its conditions. Graph
# requires applications, and "either users or clientApplications"
# (conditionalAccessConditionSet): a policy for workload identities
# (clientApplications, no users) is complete and never applies to a user.
ca_setting_violations contains v if {
	some p in ca_policies
	p.state in ca_live_states
	not is_object(object.get(p, ["conditions", "applications"], null))
	v := ca_violation_rule(p, "§8.23", "has no conditions.applications, which every policy must have")
}

ca_setting_violations contains v if {
	some p in ca_policies
	p.state in ca_live_states
	not is_object(object.get(p, ["conditions", "users"], null))
	not is_object(object.get(p, ["conditions", "clientApplications"], null))
	v := ca_violation_rule(p, "§8.23", "has neither conditions.users nor conditions.clientApplications, one of which every policy must have")
}

# Unknown enums in the conditions of a policy that is not disabled, one rule
# per kind of member so that no intermediate collections are built.
ca_guest_spec_keys := ["includeGuestsOrExternalUsers", "excludeGuestsOrExternalUsers"]

ca_setting_violations contains v if {
	some p in ca_policies
	p.state in ca_live_states
	some key in ca_guest_spec_keys
	spec := p.conditions.users[key]
	is_object(spec)
	is_string(spec.guestOrExternalUserTypes)
	some raw in split(spec.guestOrExternalUserTypes, ",")
	t := trim_space(raw)
	not t in ca_known_user_types
	v := ca_violation(p, sprintf("has the unknown guestOrExternalUserTypes member %s", [t]))
}

ca_setting_violations contains v if {
	some p in ca_policies
	p.state in ca_live_states
	some key in ca_guest_spec_keys
	spec := p.conditions.users[key]
	is_object(spec)
	is_object(spec.externalTenants)
	k := object.get(spec.externalTenants, "membershipKind", null)
	not k in ca_known_membership_kinds
	v := ca_violation(p, sprintf("has the unknown externalTenants membershipKind %v", [k]))
}

ca_setting_violations contains v if {
	some p in ca_policies
	p.state in ca_live_states
	some c in p.conditions.clientAppTypes
	not c in ca_known_client_app_types
	v := ca_violation(p, sprintf("has the unknown clientAppTypes value %v", [c]))
}

ca_setting_violations contains v if {
	some p in ca_policies
	p.state in ca_live_states
	some key in ["signInRiskLevels", "userRiskLevels"]
	some level in p.conditions[key]
	not level in ca_known_risk_levels
	v := ca_violation(p, sprintf("has the unknown %s value %v", [key, level]))
}

# An unknown grant control or operator, only when an enforced policy applies
# (§8.1, §8.22: a report-only policy never changes the decision; it reports
# failure instead). The problems of each policy are found once per tenant
# pair (pair_ca_live).
ca_grant_violations contains v if {
	some entry in pair.ca_live
	entry.enforced
	some v in entry.grant_violations
	ca_results[entry.index]
}

ca_policy_grant_violations(p) := {v |
	some c in ca_grant(p).builtInControls
	not c in ca_known_controls
	v := ca_violation(p, sprintf("requires the unknown grant control %v", [c]))
} | {v |
	op := object.get(ca_grant(p), "operator", null)
	not op in {"AND", "OR", null}
	v := ca_violation(p, sprintf("has the unknown grant operator %v", [op]))
}

ca_violation(p, what) := ca_violation_rule(p, "§8.1", what)

ca_violation_rule(p, rule, what) := {
	"tenant": resource,
	"setting": null,
	"rule": rule,
	"message": sprintf("%s's Conditional Access policy '%s' %s", [tenant_name(resource), ca_policy_name(p), what]),
}
