package xtenant.access_test

import data.xtenant.access

res(flags, req) := [m, c, hy] if {
	tenants := trusting(flags, [])
	m := access.mfa_resolution with data.xtenant.tenants as tenants with input as req
	c := access.compliant_resolution with data.xtenant.tenants as tenants with input as req
	hy := access.hybrid_resolution with data.xtenant.tenants as tenants with input as req
}

# R-TRUST-3, R-TRUST-4, R-TRUST-5 with every flag and claim on.
test_all_trusted_all_claims_satisfied if {
	res(trust(true, true, true), with_claims(collab, true, true, true)) == ["satisfied_by_home_claim", "satisfied_by_home_claim", "satisfied_by_home_claim"]
}

# R-TRUST-1: no trust, claims are ignored.
test_no_trust_claims_ignored if {
	res(trust(false, false, false), with_claims(collab, true, true, true)) == ["step_up_resource", "unsatisfiable", "unsatisfiable"]
}

# §8.15: internal users use their own claims.
test_internal_claims_own if {
	internal := object.union(collab, {"home_tenant": r})
	res(trust(false, false, false), with_claims(internal, true, true, false)) == ["satisfied_by_home_claim", "satisfied_by_home_claim", "unsatisfiable"]
	res(trust(false, false, false), internal)[0] == "step_up_home"
}

# R-CA-6: non-Entra identities.
test_non_entra_resolutions if {
	req := with_claims(object.union(collab, {"identity_kind": "saml_wsfed"}), true, true, true)
	res(trust(true, true, true), req) == ["step_up_resource", "unsatisfiable", "unsatisfiable"]
}

# R-DC-7: every control outside MFA and devices is unsatisfiable.
test_other_controls_unsatisfiable if {
	access.control_value("passwordChange") == "unsatisfiable"
	access.control_value("termsOfUse") == "unsatisfiable"
}

# R-TRUST-3, §8.8, R-DC-4: a trusted home MFA without the claim steps up at
# home for B2B collaboration and is unsatisfiable for direct connect
# (trusted_mfa_resolution leaves it to the chain); R-TRUST-3 untrusted steps
# up at the resource.
test_trusted_mfa_without_claim_by_access_type if {
	res(trust(true, false, false), collab)[0] == "step_up_home"
	dc := access.mfa_resolution with data.xtenant.tenants as dc_pair(trust(true, false, false), []) with input as direct
	dc == "unsatisfiable"
	res(trust(false, false, false), collab)[0] == "step_up_resource"
	not access.trusted_mfa_resolution with data.xtenant.tenants as dc_pair(trust(true, false, false), []) with input as direct
}

# R-CA-4: control_value resolves each trust control through its own
# resolution, and nothing else the same way.
test_control_value_chain if {
	tenants := trusting(trust(true, true, false), [])
	req := with_claims(collab, true, true, true)
	access.control_value("mfa") == "satisfied_by_home_claim" with data.xtenant.tenants as tenants with input as req
	access.control_value("compliantDevice") == "satisfied_by_home_claim" with data.xtenant.tenants as tenants with input as req
	access.control_value("domainJoinedDevice") == "unsatisfiable" with data.xtenant.tenants as tenants with input as req
	access.control_value("block") == "unsatisfiable" with data.xtenant.tenants as tenants with input as req
}

# R-TRUST-2, R-INH-1..3, R-INH-9: the pair's trust flags and sources, read
# once per entry, are what trust_flag and member_source give flag by flag,
# whichever of partner, default and service default supplies each flag.
test_pair_trust_as_per_flag_resolution if {
	cases := [
		{r: tenant("Contoso", {"inboundTrust": trust(true, null, false)}, {h: {"inboundTrust": trust(null, true, null)}})},
		{r: tenant("Contoso", {"inboundTrust": trust(true, true, true)}, {h: {"inboundTrust": null}})},
		{r: tenant("Contoso", {}, {h: {"inboundTrust": {"isMfaAccepted": true}}})},
		{r: tenant("Contoso", {"inboundTrust": "odd"}, {h: {}})},
		{r: {}},
		{r: tenant("Contoso", {"inboundTrust": trust(true, false, true)}, {h: {"inboundTrust": trust(false, true, false)}})},
		{r: tenant("Contoso", {"inboundTrust": trust(true, false, true)}, {h: {"inboundTrust": object.union(trust(false, true, false), {"x": 1})}})},
		{r: tenant("Contoso", {"inboundTrust": trust(true, false, true)}, {h: {"inboundTrust": trust(null, null, null)}})},
		{r: tenant("Contoso", {"inboundTrust": trust(true, false, true)}, {h: null})},
		{r: tenant("Contoso", {"inboundTrust": object.union(trust(true, false, true), {"x": 1})}, {h: {}})},
		{r: tenant("Contoso", {"inboundTrust": trust(true, false, true)}, {h: {"inboundTrust": trust(null, null, false)}})},
	]
	every tenants in cases {
		pair := {"resource_tenant": r, "home_tenant": h}
		got := access.pair_inbound_trust with data.xtenant.tenants as tenants with input as pair
		got.flags == {flag: access.trust_flag(r, h, flag) | some flag in access.trust_flags} with data.xtenant.tenants as tenants
		got.sources == {flag: access.member_source(r, h, "inboundTrust", flag) | some flag in access.trust_flags} with data.xtenant.tenants as tenants
	}

	# the first case mixes the three sources
	access.pair_inbound_trust.sources == {"isMfaAccepted": "default", "isCompliantDeviceAccepted": "partner", "isHybridAzureADJoinedDeviceAccepted": "default"} with data.xtenant.tenants as cases[0] with input as {"resource_tenant": r, "home_tenant": h}
	access.pair_inbound_trust.sources.isMfaAccepted == "service_default" with data.xtenant.tenants as cases[4] with input as {"resource_tenant": r, "home_tenant": h}

	# an entry that sets every flag supplies them all (the partner's, or the
	# default's when the partner's is null); one with another member is
	# merged flag by flag, which leaves that member out
	access.pair_inbound_trust == {"flags": trust(false, true, false), "sources": {"isMfaAccepted": "partner", "isCompliantDeviceAccepted": "partner", "isHybridAzureADJoinedDeviceAccepted": "partner"}} with data.xtenant.tenants as cases[5] with input as {"resource_tenant": r, "home_tenant": h}
	access.pair_inbound_trust.flags == trust(false, true, false) with data.xtenant.tenants as cases[6] with input as {"resource_tenant": r, "home_tenant": h}
	access.pair_inbound_trust == {"flags": trust(true, false, true), "sources": {"isMfaAccepted": "default", "isCompliantDeviceAccepted": "default", "isHybridAzureADJoinedDeviceAccepted": "default"}} with data.xtenant.tenants as cases[8] with input as {"resource_tenant": r, "home_tenant": h}
	access.pair_inbound_trust.flags == trust(true, false, true) with data.xtenant.tenants as cases[9] with input as {"resource_tenant": r, "home_tenant": h}

	# R-INH-1..3: a default that sets every flag, under a partner that sets
	# some: the partner's flags over the default's
	access.pair_inbound_trust == {"flags": trust(true, false, false), "sources": {"isMfaAccepted": "default", "isCompliantDeviceAccepted": "default", "isHybridAzureADJoinedDeviceAccepted": "partner"}} with data.xtenant.tenants as cases[10] with input as {"resource_tenant": r, "home_tenant": h}
}

# R-TRUST-2: the inbound trust flags are those of the service default.
test_trust_flags_of_service_default if {
	access.trust_flags == object.keys(access.service_default.inboundTrust)
}

# R-TRUST-2, R-INH-4: an inboundTrust is taken whole only when it sets every
# flag and nothing else.
test_whole_trust_R_TRUST_2 if {
	access.whole_trust({"isMfaAccepted": true, "isCompliantDeviceAccepted": false, "isHybridAzureADJoinedDeviceAccepted": false})
	not access.whole_trust({"isMfaAccepted": true, "isCompliantDeviceAccepted": false, "isHybridAzureADJoinedDeviceAccepted": null})
	not access.whole_trust({"isMfaAccepted": true, "isCompliantDeviceAccepted": false})
	not access.whole_trust({"isMfaAccepted": true, "isCompliantDeviceAccepted": false, "isHybridAzureADJoinedDeviceAccepted": false, "other": 1})
}

# The requests and tenants the pair summary's MFA and caller facts are
# checked on: the access types (an invitation reads them as a sync does), an
# Entra and a non-Entra identity, an external and an internal caller, a
# partner that is a service provider (not trusting MFA) or not (trusting it
# or not), and each user type with the MFA claim and a GDAP session on or
# off.
pair_agreement_cases := [[req, tenants] |
	some access_type in ["b2b_collaboration", "b2b_direct_connect", "identity_sync"]
	some kind in ["entra", "msa"]
	some home in [h, r]
	some [sp, m] in [[true, false], [false, true], [false, false]]
	some [user_type, claim, gdap] in [["guest", true, false], ["member", false, true], ["none", false, false], ["none", true, true]]
	partner := {"isServiceProvider": sp, "inboundTrust": trust(m, false, false)}
	tenants := pair({"crossTenantAccessPolicy": {"partners": {h: partner, r: partner}}})
	req := object.union(collab, {
		"access_type": access_type, "identity_kind": kind, "home_tenant": home,
		"claims": {"mfa": claim},
		"user": {"id": u1, "user_type": user_type, "gdap_session": gdap},
	})
]

# R-TRUST-3, R-TRUST-9, R-CA-6, §8.8, §8.15: where the pair summary settles
# MFA's resolution (pair_mfa_resolution not null), it is the one
# mfa_resolution_of_request finds for each claim; it leaves it to the
# request only for a service provider partner whose isMfaAccepted is not
# true, and the two agree on mfa_resolution throughout.
test_pair_mfa_resolution_agrees_R_TRUST_3 if {
	settled := [is_settled |
		some case in pair_agreement_cases
		[req, tenants] := case
		table := access.pair_mfa_resolution with input as req with data.xtenant.tenants as tenants
		expected := access.mfa_resolution_of_request with input as req with data.xtenant.tenants as tenants
		pair_value_agrees(table, req.claims.mfa, expected)
		is_settled := table != null
	]
	count(settled) == count(pair_agreement_cases)
	true in settled
	false in settled
}

# A pair summary's table (pair_mfa_resolution, pair_caller_types) agrees
# with the request's value: it is null (left to the request) or holds that
# value under the request's key.
pair_value_agrees(table, _, _) if table == null

pair_value_agrees(table, key, expected) if table[key] == expected
