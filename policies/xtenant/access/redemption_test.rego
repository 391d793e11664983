package xtenant.access_test

import data.xtenant.access

consent_pair(home_out, resource_in) := {
	h: tenant("Fabrikam", {}, {r: {"automaticUserConsentSettings": {"outboundAllowed": home_out, "inboundAllowed": null}}}),
	r: tenant("Contoso", {}, {h: {"automaticUserConsentSettings": {"inboundAllowed": resource_in, "outboundAllowed": null}}}),
}

# R-AR-1: both sides on suppresses the prompt.
test_automatic_redemption_both_sides_no_prompt if {
	access.decision.consent_prompt == false with input as collab with data.xtenant.tenants as consent_pair(true, true)
}

# R-AR-1: one side is not enough.
test_automatic_redemption_one_side_prompts if {
	access.consent_prompt with input as collab with data.xtenant.tenants as consent_pair(true, null)
	access.consent_prompt with input as collab with data.xtenant.tenants as consent_pair(null, true)
}

# R-AR-1: the reversed direction does not suppress it.
test_automatic_redemption_reversed_direction_prompts if {
	req := object.union(collab, {"home_tenant": r, "resource_tenant": h})
	access.consent_prompt with input as req with data.xtenant.tenants as consent_pair(true, true)
}

# §8.4: an unconfigured home tenant always prompts.
test_automatic_redemption_unknown_home_prompts if {
	tenants := {r: tenant("Contoso", {}, {h: {"automaticUserConsentSettings": {"inboundAllowed": true}}})}
	access.consent_prompt with input as collab with data.xtenant.tenants as tenants
}

# R-AR-3: reported whatever the decision.
test_automatic_redemption_reported_on_deny if {
	tenants := json.patch(consent_pair(true, true), [{"op": "add", "path": [r, "crossTenantAccessPolicy", "partners", h, "b2bCollaborationInbound"], "value": block_all}])
	d := access.decision with input as collab with data.xtenant.tenants as tenants
	d.decision == "deny"
	d.consent_prompt == false
}

# §8.17: an internal sign-in reads no consent flag: the prompt stays, even
# with both flags of the tenant's partner entry for itself turned on.
test_internal_sign_in_reads_no_consent_flag_8_17 if {
	self := {r: tenant("Contoso", {}, {r: {"automaticUserConsentSettings": {"inboundAllowed": true, "outboundAllowed": true}}})}
	req := object.union(collab, {"home_tenant": r, "user": {"id": u1, "user_type": "member"}})
	d := access.decision with input as req with data.xtenant.tenants as self
	d.consent_prompt == true
	d.decision == "allow"
	not access.consent_flags_read with input as req with data.xtenant.tenants as self
}
