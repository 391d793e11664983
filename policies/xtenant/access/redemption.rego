# Automatic redemption (consent-prompt suppression)
# docs/semantics.md §2.8 (R-AR-1..3) with R-INH-6: the prompt is suppressed only
# when the home tenant's effective outboundAllowed for the resource tenant and
# the resource tenant's effective inboundAllowed for the home tenant are both
# true. Only a partner entry can make either true (the default is fixed to
# false, V-8). An unconfigured home tenant never suppresses it (§8.4).
package xtenant.access

# R-AR-1: the automatic redemption flags of automaticUserConsentSettings,
# named once: in the service default.
consent_flags := object.keys(service_default.automaticUserConsentSettings)

default consent_prompt := true

# Resolved once per tenant pair (tenant_pair.rego).
consent_prompt := tenant_pair.consent_prompt

pair_consent_prompt := false if {
	consent_flags_read
	home_consent_outbound == true
	resource_consent_inbound == true
} else := true

# §8.16, §8.17: the flags are read only between two configured, different
# tenants; an unconfigured home (§8.4) or an internal sign-in reads none.
consent_flags_read if {
	home_known
	resource_known
	cross_tenant
}

home_consent_outbound := consent_flag(home, resource, "outboundAllowed") if consent_flags_read

resource_consent_inbound := consent_flag(resource, home, "inboundAllowed") if consent_flags_read
