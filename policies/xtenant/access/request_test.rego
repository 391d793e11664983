package xtenant.access_test

import data.xtenant.access

# docs/contract.md "Decision input": user_type defaults to guest for B2B collaboration.
test_user_type_defaults_guest_for_collaboration if {
	access.user_type == "guest" with input as object.remove(collab, ["user"])
}

# docs/contract.md: user_type defaults to none for direct connect.
test_user_type_defaults_none_for_direct_connect if {
	access.user_type == "none" with input as direct
}

# §3.2: the caller's user type in the resource tenant comes from the input when given.
test_user_type_taken_from_input if {
	access.user_type == "member" with input as json.patch(collab, [{"op": "replace", "path": "/user/user_type", "value": "member"}])
}

# R-B2B-4: identity_kind defaults to entra.
test_identity_kind_defaults_entra if {
	access.entra_identity with input as object.remove(collab, ["identity_kind"])
	not access.entra_identity with input as object.union(collab, {"identity_kind": "msa"})
}

# docs/contract.md: a tenant's cloud is the input's, else the configured one, else commercial.
test_cloud_from_input_then_tenant_then_default if {
	tenants := {h: {"cloud": "microsoftonline.us"}, r: {}}
	access.home_cloud == "microsoftonline.us" with input as collab with data.xtenant.tenants as tenants
	access.resource_cloud == "microsoftonline.com" with input as collab with data.xtenant.tenants as tenants
	access.resource_cloud == "partner.microsoftonline.cn" with input as object.union(collab, {"resource_cloud": "partner.microsoftonline.cn"}) with data.xtenant.tenants as tenants
	access.cross_cloud with input as collab with data.xtenant.tenants as tenants
}

# §2.13 step 1
test_same_tenant_is_not_cross_tenant if {
	not access.cross_tenant with input as object.union(collab, {"home_tenant": r})
	access.cross_tenant with input as collab
}

# docs/contract.md "Decision input": user and application are optional outside sign-ins.
test_missing_user_and_application_give_empty_facts if {
	req := {"access_type": "identity_sync", "home_tenant": h, "resource_tenant": r}
	access.user_id == "" with input as req
	access.user_groups == set() with input as req
	access.app_id == "" with input as req
	access.claim_mfa == false with input as req
	not access.sign_in with input as req
}

# docs/contract.md "Decision output": reason messages name tenants, by id when unnamed.
test_tenant_name_falls_back_to_id if {
	access.tenant_name(h) == "Fabrikam" with data.xtenant.tenants as pair({})
	access.tenant_name(x) == x with data.xtenant.tenants as pair({})
}

# R-INH-1, docs/contract.md: a tenant is configured when data.xtenant.tenants has its id.
test_known_tenants if {
	access.home_known with input as collab with data.xtenant.tenants as pair({})
	not access.home_known with input as object.union(collab, {"home_tenant": x}) with data.xtenant.tenants as pair({})
}

# docs/architecture.md: tenants are looked up by key, never by scanning.
test_tenant_configs_by_key if {
	access.home_config == {"displayName": "Fabrikam"} with input as collab with data.xtenant.tenants as pair({})
	access.resource_config.displayName == "Contoso" with input as collab with data.xtenant.tenants as pair({})
}

# §8.25: the policy lower-cases every id of its input itself (issue 9,
# reproduction 2: an upper-case group id escaped a group block list off the
# main route).
test_ids_lower_cased_8_25 if {
	req := {
		"access_type": "b2b_collaboration",
		"home_tenant": upper(h),
		"resource_tenant": upper(r),
		"user": {"id": upper(u1), "groups": [upper(g1)], "resource_object_id": upper(guest_object), "resource_groups": [upper(g1)]},
		"application": {"id": upper(a1), "client_id": upper(a2)},
		"tenant_restrictions": {"tenant": upper(r), "policy_id": "D0D0D0D0-0000-4000-8000-000000000001"},
	}
	access.home == h with input as req
	access.resource == r with input as req
	access.user_id == u1 with input as req
	access.user_groups == {g1} with input as req
	access.resource_groups == {g1} with input as req
	access.resource_object_id == guest_object with input as req
	access.request_app == {"id": a1, "client_id": a2} with input as req
	access.tr_signal == {"tenant": r, "policy_id": "d0d0d0d0-0000-4000-8000-000000000001"} with input as req

	blocked := pair({"crossTenantAccessPolicy": {"partners": {h: {"b2bCollaborationInbound": b2b(tc("blocked", [target(g1, "group")]), tc("allowed", all_apps))}}}})
	d := access.decision with input as object.union(collab, object.remove(req, ["tenant_restrictions"])) with data.xtenant.tenants as blocked
	d.denied_by == "resource_inbound"
	d == access.decision with input as collab with data.xtenant.tenants as blocked
}

# §8.25, R-CC-1: input_ok admits an absent cloud and exactly the known clouds
# (its enumeration is written in its body; known_clouds is the reference).
test_input_ok_clouds_are_known_clouds_R_CC_1 if {
	tenants := {h: {}, r: {}}
	every c in access.known_clouds {
		access.input_ok with input as object.union(collab, {"home_cloud": c, "resource_cloud": c}) with data.xtenant.tenants as tenants
	}
	access.input_ok with input as collab with data.xtenant.tenants as tenants
	access.input_ok with input as object.union(collab, {"home_cloud": false}) with data.xtenant.tenants as tenants
	not access.input_ok with input as object.union(collab, {"resource_cloud": null}) with data.xtenant.tenants as tenants
	not access.input_ok with input as object.union(collab, {"home_cloud": "microsoftonline.de"}) with data.xtenant.tenants as tenants
}

# §8.25: the members read in place (input.user.*, input.application.*) are
# defaults when user or application is not an object.
test_members_of_odd_user_and_application_8_25 if {
	req := object.union(collab, {"user": "x", "application": 7})
	access.user_id == "" with input as req
	access.user_groups == set() with input as req
	access.resource_groups == set() with input as req
	access.resource_object_id == null with input as req
	access.user_type == "guest" with input as req
	access.app_id == "" with input as req
	access.client_id == null with input as req
}

# §8.25, §8.24, R-CC-1: pair_input_ok holds for a well-formed pair key and
# is false (not undefined) when any of its members is not one of the
# contract's values.
test_pair_input_ok_8_25 if {
	ok := {"access_type": "b2b_collaboration", "identity_kind": "entra", "home_tenant": "h", "resource_tenant": "r"}
	access.pair_input_ok with input as ok
	access.pair_input_ok with input as object.union(ok, {"home_cloud": "microsoftonline.us"})
	every bad in [
		{"access_type": "b2b"},
		{"identity_kind": "google"},
		{"resource_tenant": ""},
		{"home_tenant": ""},
		{"home_cloud": "example.com"},
		{"resource_cloud": "example.com"},
	] {
		access.pair_input_ok == false with input as object.union(ok, bad)
	}
}
