# B2B collaboration and B2B direct connect: home outbound ▸ resource inbound
# docs/semantics.md §2.5 (R-B2B-*) and §2.6 (R-DC-1). Every cross-tenant access
# needs two independent "yes" answers: the home tenant's outbound settings for
# the resource tenant and the resource tenant's inbound settings for the home
# tenant, each resolved on its own side (R-INH-8).
package xtenant.access

# §2.13 step 1 and R-B2B-4: cross-tenant access settings are consulted only
# for sign-ins of Entra identities that cross tenants.
b2b_settings_apply if {
	sign_in
	cross_tenant
	entra_identity
}

# The Graph properties that govern this access type on each side.
outbound_property := "b2bCollaborationOutbound" if collaboration

else := "b2bDirectConnectOutbound" if direct_connect

inbound_property := "b2bCollaborationInbound" if collaboration

else := "b2bDirectConnectInbound" if direct_connect

# Human wording of the access type for messages.
access_label := "B2B collaboration" if collaboration

else := "B2B direct connect"

# The rule each side's block applies (reasons[].rule).
b2b_block_rule := "R-COMB-1" if collaboration

else := "R-DC-1"

# R-INH-1..4, R-INH-9: the effective settings, resolved once per tenant pair;
# undefined when the side does not apply. The home side is needed only when
# the home tenant is configured (docs/contract.md: otherwise its outbound
# stage is skipped).
pair_home_outbound_setting := s if {
	b2b_settings_apply
	home_known
	s := effective_setting(home, resource, outbound_property)
}

pair_resource_inbound_setting := s if {
	b2b_settings_apply
	resource_known
	s := effective_setting(resource, home, inbound_property)
}

# R-B2B-1, R-COMB-1: each side as the pair summary holds it
# (tenant_pair.rego): whom it admits, its targets digested (side_summary) and
# the reason it gives when it blocks the request, which depends on the pair
# alone (null when it admits all); null when the side does not apply. A side
# that admits all is a constant, and the reason is written in the chain:
# rules of their own for the reasons cost a new pair a rule each.
# R-B2B-1 (a), R-B2B-3, R-DC-1: the home tenant's outbound settings block.
pair_home_outbound := {"permits_whom": "all", "targets": null, "block_reason": null} if {
	side_summary(pair_home_outbound_setting).permits_whom == "all"
} else := object.union(side_summary(pair_home_outbound_setting), {"block_reason": {
	"code": "HOME_OUTBOUND_BLOCKED",
	"stage": "home_outbound",
	"tenant": home,
	"setting": setting_source(home, resource, outbound_property),
	"rule": b2b_block_rule,
	"aadsts": "AADSTS500212",
	"message": sprintf("%s's outbound %s settings for %s block this user for this application", [tenant_name(home), access_label, tenant_name(resource)]),
}}) if {
	pair_home_outbound_setting
} else := null

# R-B2B-1 (b), R-B2B-3, R-DC-1: the resource tenant's inbound settings block.
pair_resource_inbound := {"permits_whom": "all", "targets": null, "block_reason": null} if {
	side_summary(pair_resource_inbound_setting).permits_whom == "all"
} else := object.union(side_summary(pair_resource_inbound_setting), {"block_reason": {
	"code": "RESOURCE_INBOUND_BLOCKED",
	"stage": "resource_inbound",
	"tenant": resource,
	"setting": setting_source(resource, home, inbound_property),
	"rule": b2b_block_rule,
	"aadsts": "AADSTS500213",
	"message": sprintf("%s's inbound %s settings for %s block this user for this application", [tenant_name(resource), access_label, tenant_name(home)]),
}}) if {
	pair_resource_inbound_setting
} else := null

# R-B2B-1, R-DC-1: the side is checked (its setting applies).
home_outbound_checked if tenant_pair.home_outbound.permits_whom

resource_inbound_checked if tenant_pair.resource_inbound.permits_whom

# R-B2B-1 (a), R-B2B-3, R-DC-1: the home tenant's outbound settings, when
# checked (home_outbound_checked, read in place: every sign-in asks).
home_outbound_reasons contains tenant_pair.home_outbound.block_reason if {
	tenant_pair.home_outbound.permits_whom != "all" # checked, and not side_permits's first rule
	not side_some_permits(tenant_pair.home_outbound)
}

# R-B2B-1 (b), R-B2B-3, R-DC-1: the resource tenant's inbound settings, when
# checked (resource_inbound_checked, read in place).
resource_inbound_reasons contains tenant_pair.resource_inbound.block_reason if {
	tenant_pair.resource_inbound.permits_whom != "all" # as for the home side
	not side_some_permits(tenant_pair.resource_inbound)
}

# §8.21, R-DC-1/2: B2B direct connect exists only between Entra tenants. A
# sign-in of any other identity across tenants is refused by the resource
# side whatever its settings say (they do not apply to it, R-B2B-4).
resource_inbound_reasons contains reason if {
	input.access_type == "b2b_direct_connect" # direct_connect, indexable
	cross_tenant
	not entra_identity
	reason := {
		"code": "RESOURCE_INBOUND_BLOCKED",
		"stage": "resource_inbound",
		"tenant": resource,
		"setting": null,
		"rule": "R-DC-1",
		"aadsts": "AADSTS500213",
		"message": sprintf("B2B direct connect to %s needs a Microsoft Entra account; this %s identity cannot use it", [resource_name, identity_kind]),
	}
}
