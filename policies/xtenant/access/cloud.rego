# Microsoft clouds: the cross-cloud gate
# docs/semantics.md §2.12 (R-CC-*) with the readings of §8.2 and §6 A11: the gate
# runs only for Entra identities crossing tenants in different clouds; its
# reasons carry no Entra error code (none is published).
package xtenant.access

# R-CC-1: the clouds xtenant knows. Any other value is an unknown enum.
known_clouds := {"microsoftonline.com", "microsoftonline.us", "partner.microsoftonline.cn"}

# R-CC-2: the only cloud pairs that can collaborate (in either direction).
# Government <-> 21Vianet is not among them.
supported_cloud_pairs := {
	{"microsoftonline.com", "microsoftonline.us"},
	{"microsoftonline.com", "partner.microsoftonline.cn"},
}

# §8.2: the gate runs for Entra identities crossing tenants in different clouds.
cloud_gate if {
	entra_identity
	cross_tenant
	cross_cloud
}

cloud_pair_supported if {home_cloud, resource_cloud} in supported_cloud_pairs

# The sides the gate checks (R-CC-3: "on each side"). §8.2: an unconfigured
# home tenant's side is skipped; an unknown resource tenant is a configuration
# deny before this stage matters.
cloud_sides contains {"tenant": home, "counterpart": resource, "counterpart_cloud": resource_cloud} if home_known

cloud_sides contains {"tenant": resource, "counterpart": home, "counterpart_cloud": home_cloud} if resource_known

# allowedCloudEndpoints of tenant x; missing or null means none (§1.15).
cloud_endpoints(x) := endpoints if {
	endpoints := tenants[x].crossTenantAccessPolicy.allowedCloudEndpoints
	is_array(endpoints)
} else := []

cloud_enabled(x, cloud) if cloud in cloud_endpoints(x)

# R-CC-3: an entry keyed by the counterpart's id, even an empty object,
# counts as a partner entry; null does not.
partner_present(x, y) if is_object(partner_entry(x, y))

# R-CC-3, R-INH-7: what side x is missing towards counterpart y in cloud c,
# as the end of a sentence; undefined when nothing is missing.
cloud_side_gap(x, y, c) := sprintf("has neither enabled %s in its Microsoft cloud settings nor added %s as a partner", [c, tenant_name(y)]) if {
	not cloud_enabled(x, c)
	not partner_present(x, y)
} else := sprintf("has not enabled %s in its Microsoft cloud settings", [c]) if {
	not cloud_enabled(x, c)
} else := sprintf("has not added %s as a partner, which collaboration across clouds requires", [tenant_name(y)]) if {
	not partner_present(x, y)
}

# Computed once per tenant pair (tenant_pair.rego).
cloud_reasons contains reason if {
	some reason in tenant_pair.cloud_reasons
}

# One guarded rule, so that the common case (no cloud crossed) evaluates a
# single body instead of every check.
pair_cloud_reasons contains reason if {
	cloud_gate
	some reason in cloud_gate_reasons
}

# R-CC-5: B2B direct connect is not available across clouds.
cloud_gate_reasons contains reason if {
	direct_connect
	reason := {
		"code": "CROSS_CLOUD_UNSUPPORTED",
		"stage": "cloud",
		"tenant": null,
		"setting": null,
		"rule": "R-CC-5",
		"aadsts": null,
		"message": sprintf("B2B direct connect is not available between %s (%s) and %s (%s), which are in different Microsoft clouds", [tenant_name(home), home_cloud, tenant_name(resource), resource_cloud]),
	}
}

# R-CC-2: only commercial <-> Government and commercial <-> 21Vianet.
cloud_gate_reasons contains reason if {
	not direct_connect
	not cloud_pair_supported
	reason := {
		"code": "CROSS_CLOUD_UNSUPPORTED",
		"stage": "cloud",
		"tenant": null,
		"setting": null,
		"rule": "R-CC-2",
		"aadsts": null,
		"message": sprintf("Collaboration between the %s cloud (%s) and the %s cloud (%s) is not supported", [home_cloud, tenant_name(home), resource_cloud, tenant_name(resource)]),
	}
}

# R-CC-3, R-CC-7: each configured side must enable the other cloud and hold a
# partner entry for the other tenant; no error code is published (§6 A11).
cloud_gate_reasons contains reason if {
	not direct_connect
	cloud_pair_supported
	some side in cloud_sides
	gap := cloud_side_gap(side.tenant, side.counterpart, side.counterpart_cloud)
	reason := {
		"code": "CROSS_CLOUD_NOT_ENABLED",
		"stage": "cloud",
		"tenant": side.tenant,
		"setting": null,
		"rule": "R-CC-3",
		"aadsts": null,
		"message": sprintf("%s %s", [tenant_name(side.tenant), gap]),
	}
}

# R-CC-1: a cloud the request needs that xtenant does not know is an invalid
# configuration (it can only come from a tenant's configured cloud; the
# engine refuses unknown clouds in the input). The clouds matter whenever the
# request crosses tenants.
clouds_known if {
	known_clouds[home_cloud]
	known_clouds[resource_cloud]
}

pair_configuration_reasons contains reason if {
	cross_tenant
	not clouds_known
	some side in [
		{"tenant": home, "cloud": home_cloud},
		{"tenant": resource, "cloud": resource_cloud},
	]
	not side.cloud in known_clouds
	reason := {
		"code": "INVALID_CONFIGURATION",
		"stage": "configuration",
		"tenant": side.tenant,
		"setting": null,
		"rule": "R-CC-1",
		"aadsts": null,
		"message": sprintf("%s is configured in an unknown Microsoft cloud %v", [tenant_name(side.tenant), side.cloud]),
	}
}

# R-CC-1: the gate reads allowedCloudEndpoints; an unknown value there
# (unknownFutureValue, …) is an invalid configuration, never guessed open.
pair_configuration_reasons contains reason if {
	cloud_gate
	some side in cloud_sides
	some endpoint in cloud_endpoints(side.tenant)
	not endpoint in known_clouds
	reason := {
		"code": "INVALID_CONFIGURATION",
		"stage": "configuration",
		"tenant": side.tenant,
		"setting": null,
		"rule": "R-CC-1",
		"aadsts": null,
		"message": sprintf("%s's Microsoft cloud settings hold an unknown cloud %v", [tenant_name(side.tenant), endpoint]),
	}
}
