# The facts of a tenant pair (tenant_pair.rego): a decision given precomputed facts
# (as the engine gives it: `with data.xtenant.access.tenant_pair as …`), computed
# from the pair key alone, equals the decision computed without it.
package xtenant.access_test

import data.xtenant.access

pair_key_members := {"access_type", "home_tenant", "resource_tenant", "home_cloud", "resource_cloud", "identity_kind"}

# The summary the engine would compute: from an input holding only the pair key.
summary_of(tenants, req) := s if {
	s := access.tenant_pair_computed with input as object.filter(req, pair_key_members)
		with data.xtenant.tenants as tenants
}

same_with_summary(tenants, req) if {
	s := summary_of(tenants, req)
	plain := access.decision with input as req with data.xtenant.tenants as tenants
	summarised := access.decision with input as req with data.xtenant.tenants as tenants with access.tenant_pair as s
	plain == summarised
	plain_explain := access.explain with input as req with data.xtenant.tenants as tenants
	summarised_explain := access.explain with input as req with data.xtenant.tenants as tenants with access.tenant_pair as s
	plain_explain == summarised_explain
}

# R-INH-1, R-B2B-6: service defaults, with and without the summary.
test_tenant_pair_service_defaults if same_with_summary({h: {}, r: {}}, collab)

# §8.1: an unknown resource tenant (configuration deny).
test_tenant_pair_unknown_resource if same_with_summary({h: {}}, collab)

# §2.13 step 1, §8.15: home == resource.
test_tenant_pair_internal if same_with_summary({r: {}}, object.union(collab, {"home_tenant": r}))

# R-TRUST-3, R-CA-4: MFA trusted without a claim, step-up at home.
test_tenant_pair_step_up if same_with_summary(trusting(trust(true, false, false), [ca("p1", "b2bCollaborationGuest", "AND", ["mfa"])]), collab)

# R-CA-2, R-TRUST-4, §8.11: block and unsatisfiable device controls.
test_tenant_pair_ca_deny if same_with_summary(trusting(trust(false, false, false), [compliant_policy, block_policy]), collab)

# R-DC-1, R-DC-4, R-TRUST-3/4: direct connect with trust and an OR grant.
test_tenant_pair_direct_connect if same_with_summary(dc_pair(trust(true, true, false), [ca("p1", "b2bDirectConnectUser", "OR", ["mfa", "compliantDevice"])]), with_claims(direct, true, false, false))

# R-B2B-1, R-B2B-3, §2.13: a gate deny hides Conditional Access.
test_tenant_pair_gate_deny if {
	tenants := json.patch(trusting(trust(false, false, false), [block_policy]), [{"op": "add", "path": [h, "crossTenantAccessPolicy"], "value": {"default": {"b2bCollaborationOutbound": block_all}}}])
	same_with_summary(tenants, collab)
}

# R-CC-3, R-INH-7: the cloud gate.
test_tenant_pair_cross_cloud if same_with_summary({h: {"cloud": "microsoftonline.us"}, r: {}}, collab)

# R-COMB-2, §8.1: an unknown accessType is a configuration deny.
test_tenant_pair_invalid_setting if {
	bad := b2b(tc("unknownFutureValue", all_users), tc("allowed", all_apps))
	same_with_summary(pair({"crossTenantAccessPolicy": {"default": {"b2bCollaborationInbound": bad}}}), collab)
}

# R-AR-1, R-INH-6: consent flags on both sides.
test_tenant_pair_consent if {
	tenants := {
		h: tenant("Fabrikam", {}, {r: {"automaticUserConsentSettings": {"outboundAllowed": true}}}),
		r: tenant("Contoso", {}, {h: {"automaticUserConsentSettings": {"inboundAllowed": true}}}),
	}
	same_with_summary(tenants, collab)
	s := summary_of(tenants, collab)
	s.consent_prompt == false
}

# R-B2B-4, R-CA-6: a non-Entra identity.
test_tenant_pair_microsoft_account if same_with_summary({h: {}, r: {}}, object.union(collab, {"identity_kind": "msa"}))

# §7 (pre-computed pair settings): the summary is what decides; a summary of
# another pair changes the decision.
test_tenant_pair_is_used if {
	blocked := pair({"crossTenantAccessPolicy": {"default": {"b2bCollaborationInbound": block_all}}})
	s := summary_of(blocked, collab)
	d := access.decision with input as collab with data.xtenant.tenants as {h: {}, r: {}} with access.tenant_pair as s
	d.decision == "deny"
}

# §8.25 (issue 9, reproduction 1): an input member never carries results. A
# forged xtenant_pair that would allow, sent with an unknown resource
# tenant, changes nothing: the decision is the configuration deny.
test_tenant_pair_forged_input_member_ignored_8_25 if {
	open := summary_of({h: {}, r: {}}, collab)
	forged := object.union(collab, {"xtenant_pair": open, "pair": open, "tenant_pair": open, "tenant_pair_computed": open})
	d := access.decision with input as forged with data.xtenant.tenants as {h: {}}
	d.decision == "deny"
	d.denied_by == "configuration"
	d.reasons[0].code == "RESOURCE_TENANT_UNKNOWN"
}
