package xtenant.access_test

import data.xtenant.access

explained(tenants, req) := e if {
	e := access.explain with data.xtenant.tenants as tenants with input as req
}

# docs/contract.md: an unconfigured home tenant's outbound stage is skipped, and explain says so.
test_explain_home_outbound_skipped_note if {
	e := explained({r: {}}, collab)
	e.stages.home_outbound == "skipped: home tenant not configured"
	e.settings.home_outbound == "skipped: home tenant not configured"
	e.settings.automatic_redemption.home_outbound_allowed == "tenant not configured"
	e.stages.resource_inbound == "pass"
	e.decision == "allow"
}

# R-INH-*: the effective settings applied, with their source.
test_explain_settings_with_sources if {
	e := explained(with_inbound(block_all), collab)
	e.settings.resource_inbound.usersAndGroups == {"value": block_all.usersAndGroups, "source": "partner"}
	e.settings.home_outbound.applications.source == "service_default"
	e.settings.inbound_trust.isMfaAccepted == {"value": false, "source": "service_default"}
	e.stages.resource_inbound == "deny: RESOURCE_INBOUND_BLOCKED"
	e.stages.conditional_access == "not consulted: an earlier stage denied"
}

# §2.13 step 1, R-B2B-4 and non-sign-ins.
test_explain_skip_reasons if {
	explained(pair({}), object.union(collab, {"home_tenant": r})).stages.home_outbound == "skipped: home and resource are the same tenant"
	explained(pair({}), object.union(collab, {"identity_kind": "msa"})).stages.resource_inbound == "skipped: not an Entra identity (R-B2B-4)"
	sync := explained(pair({}), {"access_type": "identity_sync", "home_tenant": h, "resource_tenant": r})
	sync.stages.home_outbound == "skipped: not a sign-in"
	sync.stages.conditional_access == "skipped: not a sign-in"
	sync.request.caller_types == []
}

# §8.1: after a configuration deny nothing else is evaluated.
test_explain_configuration_deny if {
	e := explained({}, collab)
	e.stages.configuration == "deny: RESOURCE_TENANT_UNKNOWN"
	e.stages.cloud == "not evaluated: configuration deny"
	e.stages.home_outbound == "not evaluated: configuration deny"
	e.stages.resource_inbound == "not evaluated: configuration deny"
	e.stages.conditional_access == "not evaluated: configuration deny"
	e.settings.inbound_trust == "resource tenant not configured"
}

# R-CA-*: every policy with its outcome.
test_explain_conditional_access_policies if {
	e := explained(trusting(trust(false, false, false), [mfa_policy, hybrid_policy]), collab)
	e.stages.conditional_access == "deny: HYBRID_JOINED_DEVICE_UNSATISFIABLE"
	[p1, p2] := e.conditional_access
	p1.applies
	p1.outcome == {"result": "step_up"}
	p2.controls == ["domainJoinedDevice"]
	member := json.patch(collab, [{"op": "replace", "path": "/user/user_type", "value": "member"}])
	e2 := explained(trusting(trust(false, false, false), [mfa_policy]), member)
	e2.conditional_access[0].applies == false
	e2.conditional_access[0].outcome == {"result": "not_applied"}
	e2.stages.conditional_access == "pass"
	explained(trusting(trust(false, false, false), [mfa_policy]), collab).stages.conditional_access == "step_up: mfa"
}
