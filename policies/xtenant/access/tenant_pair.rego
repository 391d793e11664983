# The facts of a tenant pair
# Much of a decision depends only on the pair key: access_type, home_tenant,
# resource_tenant, home_cloud, resource_cloud and identity_kind (with the
# data). tenant_pair_computed gathers those values in one object, and every
# rule reads them through tenant_pair, so that the engine can compute them
# once per pair and hand them back to later decisions of the pair. §8.25: no
# input member is trusted to carry them; the engine hands its cached value
# over only in its own compiled copy of the policy, where the rule below
# calls a built-in no bundle or input can reach (engine/summarybuiltin.go),
# and any other OPA (stock `opa`, every Data API path) computes them here
# from the input and the data. The rules named
# pair_* are the parts of tenant_pair_computed: read them only through
# tenant_pair. Whatever a request only matches against (targets, the
# conditions of Conditional Access policies) is digested here into sets, so
# that a decision is a few set lookups; the summary must therefore be handed
# back as the value it is (the engine keeps it as an ast.Value), never
# through JSON, which would make its sets arrays.
package xtenant.access

# §7 (pre-computed pair settings): the pair's facts, as the rules read them.
tenant_pair := tenant_pair_computed

# §7 (pre-computed pair settings): nothing here may read anything but the
# pair key; the engine evaluates this rule with an input holding only those
# members.
tenant_pair_computed := {
	"home_outbound": pair_home_outbound,
	"resource_inbound": pair_resource_inbound,
	"direct_connect": pair_direct_connect,
	"ca_evaluated": pair_ca_evaluated,
	"ca_report_only": pair_ca_report_only,
	"trust": pair_inbound_trust.flags,
	"trust_source": pair_inbound_trust.sources,
	"consent_prompt": pair_consent_prompt,
	"configuration_reasons": pair_configuration_reasons,
	"cloud_reasons": pair_cloud_reasons,
	"service_provider": pair_service_provider,
	"caller_types": pair_caller_types,
	"input_ok": pair_input_ok,
	"mfa_resolution": pair_mfa_resolution,
	"mfa_step_up_source": pair_mfa_step_up_source,
	"home_name": tenant_name(home),
	"resource_name": tenant_name(resource),
}

# Tenant names for messages.
home_name := tenant_pair.home_name

resource_name := tenant_pair.resource_name
