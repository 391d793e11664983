# The explanation of a decision (docs/contract.md, "?explain=true")
# data.xtenant.access.explain is a separate rule, evaluated only when asked:
# the effective settings applied on each side, with the source of every value
# (R-INH-*), and the verdict of every stage of §2.13.
package xtenant.access

explain := {
	"request": explain_request,
	"settings": {
		"home_outbound": explain_home_outbound_settings,
		"resource_inbound": explain_resource_inbound_settings,
		"inbound_trust": explain_inbound_trust,
		"automatic_redemption": explain_redemption,
	},
	"stages": {
		"configuration": explain_stage(configuration_reasons),
		"cloud": explain_unless_configuration_denied(cloud_reasons),
		"tenant_restrictions": explain_unless_configuration_denied(tenant_restrictions_reasons),
		"home_outbound": explain_home_outbound_verdict,
		"resource_inbound": explain_resource_inbound_verdict,
		"conditional_access": explain_conditional_access_verdict,
		"sync": explain_unless_configuration_denied(sync_reasons),
		"invitation": explain_unless_configuration_denied(invitation_reasons),
		"extension": explain_unless_configuration_denied(extension_reasons),
	},
	"conditional_access": explain_policies,
	"decision": verdict,
}

explain_request := {
	"access_type": access_type,
	"home_tenant": home,
	"resource_tenant": resource,
	"home_configured": explain_home_configured,
	"resource_configured": explain_resource_configured,
	"cross_tenant": explain_cross_tenant,
	"identity_kind": identity_kind,
	"home_cloud": home_cloud,
	"resource_cloud": resource_cloud,
	"caller_types": explain_caller_types,
}

# The request facts that are undefined when false, as booleans.
explain_home_configured if home_known

else := false

explain_resource_configured if resource_known

else := false

explain_cross_tenant if cross_tenant

else := false

explain_caller_types := sort(caller_types) if sign_in

else := []

explain_stage(rs) := sprintf("deny: %s", [concat(", ", sort({r.code | some r in rs}))]) if {
	count(rs) > 0
} else := "pass"

# After a configuration deny no other stage is consulted (§8.1).
explain_unless_configuration_denied(rs) := "not evaluated: configuration deny" if {
	configuration_denied
} else := explain_stage(rs)

# Why the home outbound and resource inbound stages ran or not (§2.13 step 1,
# R-B2B-4, docs/contract.md on unconfigured home tenants).
b2b_stages_skipped := "skipped: not a sign-in" if {
	not sign_in
} else := "skipped: home and resource are the same tenant" if {
	not cross_tenant
} else := "skipped: not an Entra identity (R-B2B-4)" if {
	not entra_identity
}

explain_home_outbound_verdict := "not evaluated: configuration deny" if {
	configuration_denied
} else := b2b_stages_skipped if {
	b2b_stages_skipped
} else := "skipped: home tenant not configured" if {
	not home_known
} else := explain_stage(home_outbound_reasons)

explain_resource_inbound_verdict := "not evaluated: configuration deny" if {
	configuration_denied
} else := b2b_stages_skipped if {
	b2b_stages_skipped
} else := explain_stage(resource_inbound_reasons)

explain_conditional_access_verdict := "not evaluated: configuration deny" if {
	configuration_denied
} else := "skipped: not a sign-in" if {
	not sign_in
} else := "not consulted: an earlier stage denied" if {
	count(deny_reasons_before_ca) > 0
} else := explain_stage(ca_deny_reasons) if {
	count(ca_deny_reasons) > 0
} else := "step_up: mfa" if {
	ca_step_up_needed
} else := "pass"

explain_setting(x, y, prop) := {
	"tenant": x,
	"counterpart": y,
	"property": prop,
	"usersAndGroups": {
		"value": effective_member(x, y, prop, "usersAndGroups"),
		"source": member_source(x, y, prop, "usersAndGroups"),
	},
	"applications": {
		"value": effective_member(x, y, prop, "applications"),
		"source": member_source(x, y, prop, "applications"),
	},
}

explain_home_outbound_settings := explain_setting(home, resource, outbound_property) if {
	home_outbound_checked
} else := explain_home_outbound_verdict

explain_resource_inbound_settings := explain_setting(resource, home, inbound_property) if {
	resource_inbound_checked
} else := explain_resource_inbound_verdict

explain_inbound_trust := {flag: {"value": trust_flag(resource, home, flag), "source": member_source(resource, home, "inboundTrust", flag)} |
	some flag in trust_flags
} if {
	resource_known
} else := "resource tenant not configured"

explain_redemption := {
	"home_outbound_allowed": explain_consent(home, resource, "outboundAllowed"),
	"resource_inbound_allowed": explain_consent(resource, home, "inboundAllowed"),
	"consent_prompt": consent_prompt,
}

explain_consent(x, y, flag) := {
	"value": consent_flag(x, y, flag),
	"source": member_source(x, y, "automaticUserConsentSettings", flag),
} if {
	tenants[x]
} else := "tenant not configured"

explain_policies := [entry |
	some i, p in ca_policies
	entry := {
		"policy_id": object.get(p, "id", ""),
		"display_name": ca_policy_name(p),
		"state": object.get(p, "state", null),
		"applies": explain_policy_applies(i),
		"controls": explain_policy_field(i, "controls", []),
		"outcome": explain_policy_field(i, "outcome", {"result": "not_applied"}),
	}
]

explain_policy_applies(i) if {
	ca_results[i]
} else := false

explain_policy_field(i, field, fallback) := ca_results[i][field] if {
	ca_results[i]
} else := fallback
