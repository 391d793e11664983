package xtenant.access_test

import data.xtenant.access

decide(tenants, req) := d if {
	d := access.decision with data.xtenant.tenants as tenants with input as req
}

fabrikam_blocking_outbound := tenant("Fabrikam", {"b2bCollaborationOutbound": block_all}, {})

contoso_blocking_inbound := tenant("Contoso", {"b2bCollaborationInbound": block_all}, {})

# R-B2B-6: service defaults are open for B2B collaboration.
test_collaboration_service_defaults_allowed if {
	d := decide({h: {}, r: {}}, collab)
	d.decision == "allow"
	d.allow
	d.reasons == []
}

# R-B2B-1 (a), R-B2B-3: the home tenant's outbound block gives AADSTS500212.
test_home_outbound_block_denied if {
	d := decide({h: fabrikam_blocking_outbound, r: {}}, collab)
	d.denied_by == "home_outbound"
	d.error_code == "AADSTS500212"
	d.reasons == [{
		"code": "HOME_OUTBOUND_BLOCKED",
		"stage": "home_outbound",
		"tenant": h,
		"setting": "default",
		"rule": "R-COMB-1",
		"aadsts": "AADSTS500212",
		"message": sprintf("Fabrikam's outbound B2B collaboration settings for %s block this user for this application", [r]),
	}]
}

# R-B2B-1 (b), R-B2B-3: the resource tenant's inbound block gives AADSTS500213.
test_resource_inbound_block_denied if {
	d := decide({h: {"displayName": "Fabrikam"}, r: contoso_blocking_inbound}, collab)
	d.denied_by == "resource_inbound"
	d.error_code == "AADSTS500213"
	d.reasons[0].message == "Contoso's inbound B2B collaboration settings for Fabrikam block this user for this application"
	d.reasons[0].setting == "default"
}

# §6 A2, docs/contract.md: both blocked, both listed, home outbound first.
test_both_sides_block_both_listed if {
	d := decide({h: fabrikam_blocking_outbound, r: contoso_blocking_inbound}, collab)
	codes(d) == ["HOME_OUTBOUND_BLOCKED", "RESOURCE_INBOUND_BLOCKED"]
	d.denied_by == "home_outbound"
}

# docs/contract.md: an unconfigured home tenant's outbound stage is skipped.
test_unknown_home_outbound_skipped_allowed if {
	d := decide({r: {}}, collab)
	d.decision == "allow"
}

# §2.13 step 1: home == resource skips both stages.
test_same_tenant_skips_settings_allowed if {
	tenants := {r: tenant("Contoso", {"b2bCollaborationInbound": block_all, "b2bCollaborationOutbound": block_all}, {})}
	d := decide(tenants, object.union(collab, {"home_tenant": r}))
	d.decision == "allow"
}

# R-B2B-4: non-Entra identities skip cross-tenant access settings.
test_non_entra_identity_skips_settings_allowed if {
	d := decide({h: fabrikam_blocking_outbound, r: contoso_blocking_inbound}, object.union(collab, {"identity_kind": "social"}))
	d.decision == "allow"
}

# R-DC-1: direct connect is blocked both ways by the service defaults.
test_direct_connect_defaults_denied if {
	d := decide({h: {}, r: {}}, direct)
	codes(d) == ["HOME_OUTBOUND_BLOCKED", "RESOURCE_INBOUND_BLOCKED"]
	d.reasons[0].rule == "R-DC-1"
	contains(d.reasons[1].message, "B2B direct connect")
}

# R-DC-1: mutual enablement allows direct connect.
test_direct_connect_mutually_enabled_allowed if {
	d := decide(dc_pair(trust(false, false, false), []), direct)
	d.decision == "allow"
}

# R-DC-1: one side alone is not enough.
test_direct_connect_one_side_denied if {
	tenants := json.patch(dc_pair(trust(false, false, false), []), [{"op": "remove", "path": [h, "crossTenantAccessPolicy", "partners", r]}])
	d := decide(tenants, direct)
	codes(d) == ["HOME_OUTBOUND_BLOCKED"]
}

# R-TGT-7: a resource-tenant group in an inbound allow-list never matches.
test_inbound_group_of_resource_tenant_denied if {
	inbound := b2b(tc("allowed", [target("e1e1e1e1-0000-4000-8000-000000000001", "group")]), tc("allowed", all_apps))
	tenants := {h: {}, r: tenant("Contoso", {}, {h: {"b2bCollaborationInbound": inbound}})}
	req := json.patch(collab, [{"op": "add", "path": "/user/resource_groups", "value": ["e1e1e1e1-0000-4000-8000-000000000001"]}])
	decide(tenants, req).denied_by == "resource_inbound"
}

# §8.21 (R-DC-1/2): direct connect across tenants needs an Entra identity,
# whatever both sides' settings say.
test_direct_connect_needs_entra_8_21 if {
	tenants := dc_pair(trust(false, false, false), [])
	decide(tenants, direct).decision == "allow"
	every kind in ["msa", "social", "email_otp", "saml_wsfed"] {
		d := decide(tenants, object.union(direct, {"identity_kind": kind}))
		d.denied_by == "resource_inbound"
		d.error_code == "AADSTS500213"
		[d.reasons[0].code, d.reasons[0].rule] == ["RESOURCE_INBOUND_BLOCKED", "R-DC-1"]
	}

	# Not across tenants: no cross-tenant access, nothing to refuse.
	decide({r: {}}, object.union(direct, {"home_tenant": r, "identity_kind": "msa"})).denied_by != "resource_inbound"
}
