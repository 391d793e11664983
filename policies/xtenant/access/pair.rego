# The tenant-pair summary
# Much of a decision depends only on the pair key: access_type, home_tenant,
# resource_tenant, home_cloud, resource_cloud and identity_kind (with the
# data). pair_summary gathers those values in one object so that the engine
# can compute it once per pair and hand it back as input.xtenant_pair. The
# decision input of docs/contract.md has no such member (the engine refuses
# unknown members), so a client can never supply it; a stock `opa` serving
# this bundle computes pair_summary itself, through the very same rules.
package xtenant.access

pair := input.xtenant_pair if {
	input.xtenant_pair
} else := pair_summary

# Nothing here may read anything but the pair key: the engine evaluates this
# rule with an input holding only those members.
pair_summary := {
	"home_outbound": pair_home_outbound,
	"resource_inbound": pair_resource_inbound,
	"direct_connect": pair_direct_connect,
	"ca_live": pair_ca_live,
	"ca_report_only": pair_ca_report_only,
	"trust": {flag: trust_flag(resource, home, flag) | some flag in trust_flags},
	"trust_source": {flag: member_source(resource, home, "inboundTrust", flag) | some flag in trust_flags},
	"consent_prompt": pair_consent_prompt,
	"configuration_reasons": pair_configuration_reasons,
	"cloud_reasons": pair_cloud_reasons,
	"home_name": tenant_name(home),
	"resource_name": tenant_name(resource),
}

# Tenant names for messages.
home_name := pair.home_name

resource_name := pair.resource_name
