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
