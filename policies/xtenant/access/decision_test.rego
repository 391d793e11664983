package xtenant.access_test

import data.xtenant.access

# docs/contract.md "Decision output": every field present, allow consistent.
test_decision_shape_allow if {
	d := decide({h: {}, r: {}}, collab)
	object.keys(d) == {"decision", "allow", "denied_by", "error_code", "step_up", "controls", "consent_prompt", "reasons", "report_only"}
	d.allow == true
	d.denied_by == null
	d.error_code == null
	d.step_up == []
}

# Every reason has exactly the contract's keys.
test_reason_keys_exact if {
	d := decide(trusting(trust(false, false, false), [compliant_policy, block_policy]), collab)
	every rs in d.reasons {
		object.keys(rs) == {"code", "stage", "tenant", "setting", "rule", "aadsts", "message"}
	}
}

# §2.13: denied_by is the first failing stage; CA is not listed after a gate deny.
test_gate_deny_hides_conditional_access if {
	tenants := json.patch(trusting(trust(false, false, false), [block_policy]), [{"op": "add", "path": [h, "crossTenantAccessPolicy"], "value": {"default": {"b2bCollaborationOutbound": block_all}}}])
	d := decide(tenants, collab)
	codes(d) == ["HOME_OUTBOUND_BLOCKED"]
	d.denied_by == "home_outbound"
}

# docs/contract.md: MFA_STEP_UP appears only in a step_up decision.
test_step_up_not_listed_in_deny if {
	d := ca_decide(trust(false, false, false), [mfa_policy, compliant_policy], collab)
	d.decision == "deny"
	codes(d) == ["COMPLIANT_DEVICE_UNSATISFIABLE"]
	d.step_up == []
	d.controls.mfa == "step_up_resource"
}

# docs/contract.md "Extensions": an extension can only take access away.
test_extension_deny_denied if {
	d := access.decision with data.xtenant.tenants as {h: {}, r: {}} with input as collab with data.xtenant.extensions.deny as {{"code": "X1", "message": "no"}}
	d.denied_by == "extension"
	d.reasons[0].rule == "X1"
}

# §8.1 ordering: reasons sorted by stage, then by code precedence.
test_reasons_sorted_by_stage_and_code if {
	d := decide(dc_pair(trust(false, false, false), [compliant_policy, mfa_policy, hybrid_policy]), direct)
	codes(d) == ["MFA_UNSATISFIABLE", "COMPLIANT_DEVICE_UNSATISFIABLE"]
}

# §8.18: after a configuration deny nothing else is evaluated: no controls,
# no step-up, no report-only results, only the configuration reasons. After
# any other deny controls still show what Conditional Access requires.
test_configuration_deny_reports_no_controls_8_18 if {
	bad := b2b(tc("unknownFutureValue", all_users), tc("allowed", all_apps))
	policies := [mfa_policy, ca_state("ro", "b2bCollaborationGuest", "OR", ["block"], "enabledForReportingButNotEnforced")]
	tenants := pair({"crossTenantAccessPolicy": {"partners": {h: {"b2bCollaborationInbound": bad}}}, "conditionalAccessPolicies": policies})
	d := decide(tenants, collab)
	d.denied_by == "configuration"
	d.controls == {"mfa": "not_required", "compliant_device": "not_required", "hybrid_joined_device": "not_required"}
	d.step_up == []
	d.report_only == []
	codes(d) == ["INVALID_CONFIGURATION"]

	blocked := json.patch(pair({"conditionalAccessPolicies": policies}), [{"op": "add", "path": [h, "crossTenantAccessPolicy"], "value": {"default": {"b2bCollaborationOutbound": block_all}}}])
	o := decide(blocked, collab)
	o.denied_by == "home_outbound"
	o.controls.mfa == "step_up_resource"
	o.report_only == [{"policy_id": "ro", "result": "failure"}]
}

# §8.25: an input outside the contract's values gets no decision from any
# OPA reading the bundle (xtenant answers 400 before evaluating).
test_input_outside_contract_undefined_8_25 if {
	tenants := {h: {}, r: {}}
	not access.decision with input as object.union(collab, {"access_type": "admin"}) with data.xtenant.tenants as tenants
	not access.decision with input as object.union(collab, {"identity_kind": "Entra"}) with data.xtenant.tenants as tenants
	not access.decision with input as object.union(collab, {"user": {"id": u1, "user_type": "Member"}}) with data.xtenant.tenants as tenants
	not access.decision with input as object.union(collab, {"home_cloud": "microsoftonline.de"}) with data.xtenant.tenants as tenants
	not access.decision with input as object.remove(collab, ["home_tenant"]) with data.xtenant.tenants as tenants
	not access.decision with input as object.remove(collab, ["resource_tenant"]) with data.xtenant.tenants as tenants
	access.decision.allow with input as collab with data.xtenant.tenants as tenants
}

# §2.13: ranked_reasons orders by stage, then by code precedence; a single
# reason is listed as it is.
test_ranked_reasons if {
	ca_r := {"stage": "conditional_access", "code": "COMPLIANT_DEVICE_UNSATISFIABLE"}
	mfa_r := {"stage": "conditional_access", "code": "MFA_UNSATISFIABLE"}
	sync_r := {"stage": "sync", "code": "SYNC_NOT_ALLOWED"}
	access.ranked_reasons({sync_r, ca_r, mfa_r}) == [mfa_r, ca_r, sync_r]
	access.ranked_reasons({sync_r}) == [sync_r]
	access.ranked_reasons(set()) == []
}

# §2.13, §8.1: decision_kind takes a configuration deny over every other
# verdict, then a deny by any stage over a step-up, and allows otherwise.
test_decision_kind_precedence_2_13 if {
	r := {{"code": "X"}}
	access.decision_kind == "configuration" with access.configuration_reasons as r
		with access.deny_reasons as r
		with access.ca_step_up as r
	access.decision_kind == "deny" with access.configuration_reasons as set()
		with access.deny_reasons as r
		with access.ca_step_up as r
	access.decision_kind == "step_up" with access.configuration_reasons as set()
		with access.deny_reasons as set()
		with access.ca_step_up as r
	access.decision_kind == "allow" with access.configuration_reasons as set()
		with access.deny_reasons as set()
		with access.ca_step_up as set()
}
