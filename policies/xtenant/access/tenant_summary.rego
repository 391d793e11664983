# The facts of one tenant
# Much of a pair summary (tenant_pair.rego) depends on one tenant alone: the
# resource tenant's Conditional Access policies digested (tenant_ca_evaluated:
# their users as sets of tokens and an index of the policies that apply to
# each application, with the tenants their guest specs name left for the pair
# to match against the home tenant) and validated
# (tenant_ca_setting_violations), and its report-only policies.
# resource_tenant_summary gathers them for the request's resource tenant, and
# the pair_* rules read them through it, so that the engine can compute them
# once per tenant and hand them to the pair summaries of every partner. §8.25
# as for the pair summary: no input member is trusted to carry them; the
# engine hands its cached value over only in its own compiled copy of the
# policy, where the rule below calls a built-in no bundle or input can reach
# (engine/summarybuiltin.go), and any other OPA computes them here from the
# input and the data.
# Like the pair summary it holds sets, so it is handed back as the value it
# is, never through JSON. The tenants' default cross-tenant settings stay with
# the pair rules: a default is nearly always a fresh tenant's allow-all or
# block-all, which a pair resolves in one comparison, and digesting it per
# tenant measured slower for the engine and for stock opa alike (issue 11).
package xtenant.access

# §7 (pre-computed tenant settings): the resource tenant's facts, as the pair
# rules read them. Nothing here may read anything but the resource tenant:
# the engine evaluates it with an input holding only resource_tenant.
resource_tenant_summary := tenant_summary(resource)

# R-CA-1..5, §3.2, §3.3, §8.1, §8.23: the facts of tenant x that the pair
# summary reads when x is the resource tenant of a sign-in.
tenant_summary(x) := {
	"ca_evaluated": tenant_ca_evaluated(x),
	"ca_guest_tenants": tenant_ca_guest_tenants(x),
	"ca_report_only": tenant_ca_report_only(x),
	"ca_setting_violations": tenant_ca_setting_violations(x),
}
