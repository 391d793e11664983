# Inbound trust: how each Conditional Access control resolves for this caller
# docs/semantics.md §2.7 (R-TRUST-*), R-CA-6, §8.7, §8.8 and §8.15. The values are
# complete rules: computed at most once per evaluation and only when a policy
# needs them.
package xtenant.access

# R-TRUST-2 with R-INH-3: the resource tenant's effective flags for the home
# tenant (per-flag inheritance, §6 A1).
# Resolved once per tenant pair (tenant_pair.rego).
mfa_trust_flag := tenant_pair.trust.isMfaAccepted

compliant_trust_flag := tenant_pair.trust.isCompliantDeviceAccepted

hybrid_trust_flag := tenant_pair.trust.isHybridAzureADJoinedDeviceAccepted

# R-TRUST-2: the inbound trust flags, those of the service default
# (trust_test.rego checks it), written out: a ground constant costs a query
# nothing, where object.keys built the set on every query that read it.
trust_flags := {"isMfaAccepted", "isCompliantDeviceAccepted", "isHybridAzureADJoinedDeviceAccepted"}

# R-TRUST-2, R-INH-1..3, R-INH-9: the resource tenant's inbound trust flags
# for the home tenant ("flags"), each resolved as trust_flag resolves it
# (partner ▸ default ▸ service default), and their sources ("sources") as
# member_source gives them; once per tenant pair (tenant_pair.rego). The
# partner's and the default's inboundTrust are each read once for all the
# flags, which costs a cold pair 72 allocations fewer than a trust_flag and
# a member_source call per flag. Most pairs take every flag from one entry:
# a partner inboundTrust that sets all three flags and nothing else
# (whole_trust) is the pair's trust as stored, and so is such a default's
# when the partner's is absent or null (a partner inboundTrust of null flags
# only is merged flag by flag, as any other); only the other pairs merge
# flag by flag. Flags and sources come from one chain, which a pair enters
# once.
pair_inbound_trust := {"flags": t, "sources": {"isMfaAccepted": "partner", "isCompliantDeviceAccepted": "partner", "isHybridAzureADJoinedDeviceAccepted": "partner"}} if {
	t := pair_partner_trust_entry
	whole_trust(t)
} else := {"flags": t, "sources": {"isMfaAccepted": "default", "isCompliantDeviceAccepted": "default", "isHybridAzureADJoinedDeviceAccepted": "default"}} if {
	pair_partner_trust_unset
	t := pair_default_trust_entry
	whole_trust(t)
} else := {
	# a default that sets every flag, with some of them set by the partner
	# too: the flags the partner sets (pair_partner_trust) over the
	# default's, as the merge below would give them
	"flags": object.union(t, pair_partner_trust),
	"sources": object.union({"isMfaAccepted": "default", "isCompliantDeviceAccepted": "default", "isHybridAzureADJoinedDeviceAccepted": "default"}, {flag: "partner" | some flag, _ in pair_partner_trust}),
} if {
	t := pair_default_trust_entry
	whole_trust(t)
} else := {
	"flags": object.union(object.union(service_default.inboundTrust, pair_default_trust), pair_partner_trust),
	"sources": object.union(
		object.union({"isMfaAccepted": "service_default", "isCompliantDeviceAccepted": "service_default", "isHybridAzureADJoinedDeviceAccepted": "service_default"}, {flag: "default" | some flag, _ in pair_default_trust}),
		{flag: "partner" | some flag, _ in pair_partner_trust},
	),
}

# R-TRUST-2, R-INH-4: a stored inboundTrust that sets every flag (not null)
# and nothing else.
whole_trust(t) if {
	t.isMfaAccepted != null
	t.isCompliantDeviceAccepted != null
	t.isHybridAzureADJoinedDeviceAccepted != null
	count(t) == 3
}

# R-INH-1: the partner entry has no inboundTrust, or a null one.
pair_partner_trust_unset if not pair_partner_trust_entry

pair_partner_trust_unset if pair_partner_trust_entry == null

# R-INH-1, R-INH-3: the flags the partner entry sets (not null).
pair_partner_trust := {flag: v |
	some flag in trust_flags
	v := pair_partner_trust_entry[flag]
	v != null
}

# R-INH-2, R-INH-3: the flags the stored default sets (not null).
pair_default_trust := {flag: v |
	some flag in trust_flags
	v := pair_default_trust_entry[flag]
	v != null
}

# R-TRUST-2: the inboundTrust of the resource tenant's partner entry for the
# home tenant (resource_partner, which the pair reads anyway for
# isServiceProvider: one walk down the tenants for both) and of its stored
# default, as stored; undefined when absent.
pair_partner_trust_entry := resource_partner.inboundTrust

pair_default_trust_entry := tenants[resource].crossTenantAccessPolicy["default"].inboundTrust

# §2.13 step 1: home == resource; the session's claims are the tenant's own.
internal_caller if not cross_tenant

# The resource tenant's partner entry for the home tenant (R-INH-5 flags).
resource_partner := tenants[resource].crossTenantAccessPolicy.partners[home]

# §6 A10: the resource tenant flags the home tenant as a service provider;
# read once per tenant pair (tenant_pair.rego).
service_provider_partner if tenant_pair.service_provider

pair_service_provider if resource_partner.isServiceProvider == true

else := false

# §8.7, R-TRUST-9: a GDAP sign-in of a service provider's technician has its
# home MFA trusted whatever isMfaAccepted says.
gdap_trusted if {
	entra_identity # §8.20
	cross_tenant
	gdap_session == true
	tenant_pair.service_provider # service_provider_partner
}

mfa_trusted if mfa_trust_flag == true

mfa_trusted if gdap_trusted

# R-TRUST-3 (with R-CA-6 for non-Entra identities, §8.8 for direct connect
# with trust and no claim, §8.15 for internal users): the pair settles it
# but for the session's MFA claim (pair_mfa_resolution, keyed by whether
# the claim is true), except where a GDAP session could count (R-TRUST-9).
mfa_resolution := r if {
	# claim_mfa == true, spelt out: no other rule a request enters asks it.
	r := tenant_pair.mfa_resolution[object.get(object.get(input, "claims", {}), "mfa", false) == true]
} else := mfa_resolution_of_request

# R-TRUST-3, R-TRUST-9, R-CA-6, §8.8, §8.15: mfa_resolution where a GDAP
# session could count. The internal and the trusted cases are resolved by
# rules of their own, so that an external caller tries at most five bodies
# rather than seven.
mfa_resolution_of_request := "step_up_resource" if {
	not entra_identity
} else := internal_mfa_resolution if {
	internal_caller
} else := trusted_mfa_resolution if {
	mfa_trusted
} else := "unsatisfiable" if {
	direct_connect
} else := "step_up_resource"

# R-TRUST-3, R-CA-6, §8.8, §8.15: mfa_resolution_of_request's outcome for
# each value of claim_mfa == true, once per tenant pair (tenant_pair.rego);
# null where it depends on the request's GDAP session too (R-TRUST-9,
# gdap_trusted: a service provider partner whose isMfaAccepted is not
# true).
pair_mfa_resolution := {true: "step_up_resource", false: "step_up_resource"} if {
	not entra_identity # R-CA-6
} else := {true: "satisfied_by_home_claim", false: "step_up_home"} if {
	internal_caller # §8.15, internal_mfa_resolution
} else := {true: "satisfied_by_home_claim", false: "step_up_home"} if {
	pair_inbound_trust.flags.isMfaAccepted == true # trusted_mfa_resolution
	collaboration
} else := {true: "satisfied_by_home_claim", false: "unsatisfiable"} if {
	pair_inbound_trust.flags.isMfaAccepted == true # §8.8
	direct_connect
} else := {true: "satisfied_by_home_claim", false: "step_up_resource"} if {
	pair_inbound_trust.flags.isMfaAccepted == true
} else := null if {
	pair_service_provider # R-TRUST-9: gdap_trusted asks the session
} else := {true: "unsatisfiable", false: "unsatisfiable"} if {
	direct_connect # R-DC-4
} else := {true: "step_up_resource", false: "step_up_resource"}

# §8.15: an internal user's own claim, else a step-up at home.
internal_mfa_resolution := "satisfied_by_home_claim" if {
	claim_mfa == true
} else := "step_up_home"

# R-TRUST-3, §8.8: a trusted home claim; without one, B2B collaboration steps
# up at home, and any other access type is resolved as if untrusted
# (undefined here).
trusted_mfa_resolution := "satisfied_by_home_claim" if {
	claim_mfa == true
} else := "step_up_home" if {
	collaboration
}

# R-TRUST-4 (compliant device) and R-TRUST-5 (hybrid joined device): only a
# trusted home claim satisfies them; there is no step-up in either tenant.
compliant_resolution := device_resolution(compliant_trust_flag, claim_compliant_device)

hybrid_resolution := device_resolution(hybrid_trust_flag, claim_hybrid_joined_device)

device_resolution(trusted, claim) := "satisfied_by_home_claim" if {
	internal_caller
	claim == true
} else := "unsatisfiable" if {
	internal_caller
} else := "unsatisfiable" if {
	not entra_identity
} else := "satisfied_by_home_claim" if {
	trusted == true
	claim == true
} else := "unsatisfiable"

# The resolution of one grant control (R-CA-4). Every other built-in control,
# terms of use and custom controls cannot be satisfied by an external user
# (R-DC-7, R-TRUST-8, §8.9).
# One chain rather than a rule per control: a call tries the bodies up to
# its own control only.
control_value(c) := mfa_resolution if {
	c == "mfa"
} else := compliant_resolution if {
	c == "compliantDevice"
} else := hybrid_resolution if {
	c == "domainJoinedDevice"
} else := "unsatisfiable" if {
	not c in trust_controls
}

trust_controls := {"mfa", "compliantDevice", "domainJoinedDevice"}
