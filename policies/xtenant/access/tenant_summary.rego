# The facts of one tenant
# Much of a pair summary (tenant_pair.rego) depends on one tenant alone: the
# resource tenant's Conditional Access policies digested (tenant_ca_evaluated,
# with the tenants their guest specs name left for the pair to match against
# the home tenant) and validated (tenant_ca_setting_violations), its
# report-only policies, and its inbound settings for a counterpart without a
# partner entry (its default, digested and judged), which every partner entry
# that supplies neither half of a setting falls back to. The resource_tenant_*
# rules hold them for the request's resource tenant, and the pair_* rules read
# them only through these rules, so that the engine can compute them once per
# tenant and hand them to the pair summaries of every partner. Each setting
# has its own rule so that an OPA computing everything per query digests a
# default only when the pair falls back to it. §8.25 as for the pair summary:
# no input member is trusted to carry them; the engine substitutes its cached
# values only through `with data.xtenant.access.resource_tenant_… as …` in
# its own pair summary query, and any other OPA computes them here from the
# input and the data. Like the pair summary they hold sets, so they are
# handed back as the values they are, never through JSON.
package xtenant.access

# §7 (pre-computed tenant settings): the resource tenant's facts, as the pair
# rules read them. Nothing here may read anything but the resource tenant:
# the engine evaluates these rules with an input holding only
# resource_tenant.
resource_tenant_summary := tenant_summary(resource)

# R-CA-1..5, §3.2, §3.3, §8.1, §8.23: the facts of tenant x that the pair
# summary reads when x is the resource tenant of a sign-in.
tenant_summary(x) := {
	"ca_evaluated": tenant_ca_evaluated(x),
	"ca_report_only": tenant_ca_report_only(x),
	"ca_setting_violations": tenant_ca_setting_violations(x),
}

# R-INH-1..3, R-INH-9, R-COMB-1, §8.1: the resource tenant's inbound B2B
# collaboration and direct connect settings for a counterpart without a
# partner entry.
resource_tenant_collaboration_inbound := tenant_inbound_default(resource, "b2bCollaborationInbound")

resource_tenant_direct_connect_inbound := tenant_inbound_default(resource, "b2bDirectConnectInbound")

# R-INH-1..3, R-INH-9, R-COMB-1, R-TGT-1..6, V-1..V-5: x's setting prop for
# a counterpart without a partner entry (y = null, settings.rego), digested
# (side_summary), with its source and its problems.
tenant_inbound_default(x, prop) := {
	"side": side_summary(setting),
	"source": setting_source(x, null, prop),
	"problems": effective_setting_problems(x, null, prop, setting),
} if {
	setting := effective_setting(x, null, prop)
}
