package xtenant.access_test

import data.xtenant.access

iv_h := "11111111-1111-1111-1111-111111111111"

iv_r := "22222222-2222-2222-2222-222222222222"

iv_x := "33333333-3333-3333-3333-333333333333"

iv_u1 := "a1a1a1a1-0000-4000-8000-000000000001"

iv_g1 := "c1c1c1c1-0000-4000-8000-000000000001"

iv_a1 := "d1d1d1d1-0000-4000-8000-0000000000a1"

iv_a2 := "d1d1d1d1-0000-4000-8000-0000000000a2"

iv_tc(access_type, targets, target_type) := {
	"accessType": access_type,
	"targets": [{"target": t, "targetType": target_type} | some t in targets],
}

iv_setting(users_access, users, apps_access, apps) := {
	"usersAndGroups": iv_tc(users_access, users, "user"),
	"applications": iv_tc(apps_access, apps, "application"),
}

iv_block_all := iv_setting("blocked", ["AllUsers"], "blocked", ["AllApplications"])

# Contoso (R), the inviting tenant, with the given invite setting and domain
# policy, and Fabrikam (H), the invitee's tenant.
iv_contoso(allow_from, domain_policy) := {
	"displayName": "Contoso",
	"cloud": "microsoftonline.com",
	"authorizationPolicy": {"allowInvitesFrom": allow_from},
	"b2bManagementPolicy": {"InvitationsAllowedAndBlockedDomainsPolicy": domain_policy},
	"domains": ["contoso.com"],
}

iv_tenants := {
	iv_h: {"displayName": "Fabrikam", "domains": ["fabrikam.com"]},
	iv_r: iv_contoso("adminsAndGuestInviters", {"AllowedDomains": [], "BlockedDomains": []}),
}

iv_input(roles, email) := {
	"access_type": "invitation",
	"home_tenant": iv_h,
	"resource_tenant": iv_r,
	"invitation": {"inviter_roles": roles, "invitee_email": email},
}

iv_decide(tenants, inp) := v if {
	v := access.decision with data.xtenant.tenants as tenants with input as inp
}

iv_decide_indexed(tenants, domains, inp) := v if {
	v := access.decision with data.xtenant.tenants as tenants with data.xtenant.domains as domains with input as inp
}

iv_invitation_reasons(tenants, inp) := v if {
	v := access.invitation_reasons with data.xtenant.tenants as tenants with input as inp
}

iv_codes(d) := [r.code | some r in d.reasons]

# Contoso with the given inbound setting in its partner entry for Fabrikam,
# and Fabrikam with the given outbound default (null: none stored).
iv_with_settings(inbound, outbound) := object.union(iv_tenants, {
	iv_r: {"crossTenantAccessPolicy": {"partners": {iv_h: {"b2bCollaborationInbound": inbound}}}},
	iv_h: {"crossTenantAccessPolicy": {"default": {"b2bCollaborationOutbound": outbound}}},
})

# --- R-INV-1 -----------------------------------------------------------------

# R-INV-1: adminsAndGuestInviters admits a Guest Inviter.
test_inv_guest_inviter_allowed if {
	d := iv_decide(iv_tenants, iv_input(["guestInviter"], "ann@fabrikam.com"))
	d.decision == "allow"
	d.reasons == []
}

# R-INV-1: but not a member without a role.
test_inv_member_without_role_denied if {
	d := iv_decide(iv_tenants, iv_input([], "ann@fabrikam.com"))
	d.denied_by == "invitation"
	d.error_code == null
	d.reasons == [{
		"code": "INVITER_NOT_ALLOWED",
		"stage": "invitation",
		"tenant": iv_r,
		"setting": null,
		"rule": "R-INV-1",
		"aadsts": null,
		"message": "Contoso allows invitations from adminsAndGuestInviters only, which this inviter is not",
	}]
}

# R-INV-1: each value of allowInvitesFrom against roles and user types.
test_inv_allow_invites_from_table if {
	cases := [
		["everyone", [], "guest", true],
		["adminsGuestInvitersAndAllMembers", [], "member", true],
		["adminsGuestInvitersAndAllMembers", [], "guest", false],
		["adminsGuestInvitersAndAllMembers", ["userAdministrator"], "guest", true],
		["adminsAndGuestInviters", ["globalAdministrator"], "member", true],
		["adminsAndGuestInviters", [], "member", false],
		["none", ["globalAdministrator"], "member", false],
	]
	every c in cases {
		tenants := object.union(iv_tenants, {iv_r: {"authorizationPolicy": {"allowInvitesFrom": c[0]}}})
		inp := object.union(iv_input(c[1], "ann@fabrikam.com"), {"invitation": {"inviter_user_type": c[2]}})
		iv_decide(tenants, inp).allow == c[3]
	}
}

# §8.12: an absent allowInvitesFrom means everyone, except in
# microsoftonline.us where it means none.
test_inv_absent_allow_invites_from_by_cloud if {
	tenants := {iv_h: iv_tenants[iv_h], iv_r: {"displayName": "Contoso"}}
	iv_decide(tenants, iv_input([], "ann@fabrikam.com")).decision == "allow"
	us := object.union(iv_input(["globalAdministrator"], "ann@fabrikam.com"), {"home_cloud": "microsoftonline.us", "resource_cloud": "microsoftonline.us"})
	iv_codes(iv_decide(tenants, us)) == ["INVITER_NOT_ALLOWED"]
}

# R-INV-1, §8.1: an unknown allowInvitesFrom is an invalid configuration.
test_inv_unknown_allow_invites_from_invalid_configuration if {
	tenants := object.union(iv_tenants, {iv_r: {"authorizationPolicy": {"allowInvitesFrom": "unknownFutureValue"}}})
	d := iv_decide(tenants, iv_input(["guestInviter"], "ann@fabrikam.com"))
	d.denied_by == "configuration"
	iv_codes(d) == ["INVALID_CONFIGURATION"]
	d.reasons[0].rule == "R-INV-1"
}

# --- R-INV-2, R-INV-3 -------------------------------------------------------

# R-INV-3 (s04): a blocklisted domain is refused, compared without regard to
# case.
test_inv_blocklisted_domain_denied if {
	tenants := object.union(iv_tenants, {iv_r: iv_contoso("everyone", {"BlockedDomains": ["Fabrikam.COM"]})})
	d := iv_decide(tenants, iv_input([], "Ann@FABRIKAM.com"))
	d.reasons == [{
		"code": "INVITATION_DOMAIN_BLOCKED",
		"stage": "invitation",
		"tenant": iv_r,
		"setting": null,
		"rule": "R-INV-3",
		"aadsts": null,
		"message": "Contoso blocks invitations to fabrikam.com",
	}]
}

# R-INV-2: with a blocklist every other domain is allowed.
test_inv_unlisted_domain_with_blocklist_allowed if {
	tenants := object.union(iv_tenants, {iv_r: iv_contoso("everyone", {"BlockedDomains": ["northwind.com"]})})
	iv_decide(tenants, iv_input([], "ann@fabrikam.com")).decision == "allow"
}

# §8.12: "*.fabrikam.com" matches every subdomain, not fabrikam.com itself.
test_inv_wildcard_entry_matches_subdomains_only if {
	tenants := object.union(iv_tenants, {iv_r: iv_contoso("everyone", {"BlockedDomains": ["*.fabrikam.com"]})})
	iv_codes(iv_decide(tenants, iv_input([], "ann@eu.sales.fabrikam.com"))) == ["INVITATION_DOMAIN_BLOCKED"]
	iv_decide(tenants, iv_input([], "ann@fabrikam.com")).decision == "allow"
	iv_decide(tenants, iv_input([], "ann@notfabrikam.com")).decision == "allow"
}

# R-INV-2: with an allowlist every unlisted domain is blocked.
test_inv_allowlist_unlisted_domain_denied if {
	tenants := object.union(iv_tenants, {iv_r: iv_contoso("everyone", {"AllowedDomains": ["northwind.com", "*.fabrikam.com"]})})
	d := iv_decide(tenants, iv_input([], "ann@fabrikam.com"))
	iv_codes(d) == ["INVITATION_DOMAIN_BLOCKED"]
	d.reasons[0].rule == "R-INV-2"
}

test_inv_allowlisted_domain_allowed if {
	tenants := object.union(iv_tenants, {iv_r: iv_contoso("everyone", {"AllowedDomains": ["fabrikam.com"]})})
	iv_decide(tenants, iv_input([], "ann@fabrikam.com")).decision == "allow"
}

# R-INV-2: an allowlist and a blocklist together are invalid.
test_inv_both_domain_lists_invalid_configuration if {
	tenants := object.union(iv_tenants, {iv_r: iv_contoso("everyone", {"AllowedDomains": ["fabrikam.com"], "BlockedDomains": ["northwind.com"]})})
	d := iv_decide(tenants, iv_input([], "ann@fabrikam.com"))
	iv_codes(d) == ["INVALID_CONFIGURATION"]
	d.reasons[0].rule == "R-INV-2"
}

# --- R-INV-3, R-INV-5, §6 A17: cross-tenant access settings ------------------

# R-INV-5: the inviting tenant's inbound settings admit nobody.
test_inv_inbound_blocks_all_denied if {
	tenants := object.union(iv_tenants, {iv_r: {"crossTenantAccessPolicy": {"default": {"b2bCollaborationInbound": iv_block_all}}}})
	d := iv_decide(tenants, iv_input(["guestInviter"], "ann@fabrikam.com"))
	d.denied_by == "invitation"
	d.reasons == [{
		"code": "INVITATION_BLOCKED_BY_CROSS_TENANT_ACCESS",
		"stage": "invitation",
		"tenant": iv_r,
		"setting": "default",
		"rule": "R-INV-5",
		"aadsts": null,
		"message": "This invitation is blocked by cross-tenant access settings: Contoso's inbound B2B collaboration settings for Fabrikam admit no user or application",
	}]
}

# §6 A17: the invitee tenant's outbound settings, when configured, count too.
test_inv_invitee_outbound_blocks_all_denied if {
	d := iv_decide(iv_with_settings(null, iv_block_all), iv_input(["guestInviter"], "ann@fabrikam.com"))
	iv_codes(d) == ["INVITATION_BLOCKED_BY_CROSS_TENANT_ACCESS"]
	d.reasons[0].tenant == iv_h
}

# §8.12: every failure is listed, in the order of decision.rego's code_rank.
test_inv_all_failures_listed if {
	tenants := object.union(iv_with_settings(iv_block_all, null), {iv_r: {"b2bManagementPolicy": {"InvitationsAllowedAndBlockedDomainsPolicy": {"BlockedDomains": ["fabrikam.com"]}}}})
	d := iv_decide(tenants, iv_input([], "ann@fabrikam.com"))
	iv_codes(d) == ["INVITER_NOT_ALLOWED", "INVITATION_DOMAIN_BLOCKED", "INVITATION_BLOCKED_BY_CROSS_TENANT_ACCESS"]
}

# R-INV-3: an allowlisted domain is still refused when cross-tenant access
# settings block it.
test_inv_allowlisted_domain_blocked_by_settings_denied if {
	tenants := object.union(iv_with_settings(iv_block_all, null), {iv_r: {"b2bManagementPolicy": {"InvitationsAllowedAndBlockedDomainsPolicy": {"AllowedDomains": ["fabrikam.com"]}}}})
	iv_codes(iv_decide(tenants, iv_input(["guestInviter"], "ann@fabrikam.com"))) == ["INVITATION_BLOCKED_BY_CROSS_TENANT_ACCESS"]
}

# §8.12: "could anyone pass" under each R-COMB-1 row.
test_inv_settings_admit_someone_table if {
	cases := [
		[iv_setting("allowed", ["AllUsers"], "allowed", [iv_a1]), true],
		[iv_setting("allowed", [], "allowed", ["AllApplications"]), false],
		[iv_setting("allowed", ["AllUsers"], "blocked", [iv_a1]), true],
		[iv_setting("allowed", ["AllUsers"], "blocked", ["AllApplications"]), false],
		[iv_setting("blocked", [iv_u1], "allowed", ["AllApplications"]), true],
		[iv_setting("blocked", ["AllUsers"], "allowed", ["AllApplications"]), false],
		[iv_setting("blocked", ["AllUsers"], "blocked", [iv_a1]), true],
		[iv_setting("blocked", [iv_u1], "blocked", ["AllApplications"]), true],
		[iv_setting("unknownFutureValue", ["AllUsers"], "allowed", ["AllApplications"]), false],
	]
	every c in cases {
		reasons := iv_invitation_reasons(iv_with_settings(c[0], null), iv_input(["guestInviter"], "ann@fabrikam.com"))
		admitted := count(reasons) == 0
		admitted == c[1]
	}
}

# §8.12: a user named in the input is checked itself (group allow-list).
test_inv_named_user_checked if {
	inbound := {
		"usersAndGroups": iv_tc("allowed", [iv_g1], "group"),
		"applications": iv_tc("allowed", ["AllApplications"], "application"),
	}
	tenants := iv_with_settings(inbound, null)
	iv_decide(tenants, iv_input(["guestInviter"], "ann@fabrikam.com")).decision == "allow"
	member := object.union(iv_input(["guestInviter"], "ann@fabrikam.com"), {"user": {"id": iv_u1, "groups": [iv_g1]}})
	iv_decide(tenants, member).decision == "allow"
	outsider := object.union(iv_input(["guestInviter"], "ann@fabrikam.com"), {"user": {"id": iv_u1, "groups": []}})
	d := iv_decide(tenants, outsider)
	iv_codes(d) == ["INVITATION_BLOCKED_BY_CROSS_TENANT_ACCESS"]
	endswith(d.reasons[0].message, "block the named user or application")
}

# §8.12: an application named in the input is checked itself, in every row
# (some rows break V-3, so the stage's own reasons are compared).
test_inv_named_application_checked if {
	cases := [
		[iv_setting("allowed", ["AllUsers"], "allowed", [iv_a1]), iv_a1, true],
		[iv_setting("allowed", ["AllUsers"], "allowed", [iv_a1]), iv_a2, false],
		[iv_setting("allowed", ["AllUsers"], "blocked", [iv_a1]), iv_a1, false],
		[iv_setting("blocked", [iv_u1], "allowed", [iv_a1]), iv_a1, true],
		[iv_setting("blocked", ["AllUsers"], "blocked", [iv_a1]), iv_a1, false],
		[iv_setting("blocked", ["AllUsers"], "blocked", [iv_a1]), iv_a2, true],
	]
	every c in cases {
		inp := object.union(iv_input(["guestInviter"], "ann@fabrikam.com"), {"application": {"id": c[1]}})
		reasons := iv_invitation_reasons(iv_with_settings(c[0], null), inp)
		admitted := count(reasons) == 0
		admitted == c[2]
	}
}

# docs/contract.md: an unconfigured home tenant that the inviting tenant knows as a
# partner is the invitee's tenant.
test_inv_partner_known_home_checked if {
	tenants := {iv_r: object.union(iv_tenants[iv_r], {"crossTenantAccessPolicy": {"partners": {iv_x: {"b2bCollaborationInbound": iv_block_all}}}})}
	inp := object.union(iv_input(["guestInviter"], "bob@northwind.com"), {"home_tenant": iv_x})
	d := iv_decide(tenants, inp)
	iv_codes(d) == ["INVITATION_BLOCKED_BY_CROSS_TENANT_ACCESS"]
	d.reasons[0].setting == "partner"
}

# docs/contract.md: else the tenant whose verified domains hold the address's
# domain, looked up in data.xtenant.domains.
test_inv_domain_index_finds_invitee_tenant if {
	unknown_home := "55555555-5555-5555-5555-555555555555"
	tenants := object.union(iv_tenants, {iv_x: {"displayName": "Northwind", "crossTenantAccessPolicy": {"default": {"b2bCollaborationOutbound": iv_block_all}}}})
	inp := object.union(iv_input(["guestInviter"], "bob@northwind.com"), {"home_tenant": unknown_home})
	d := iv_decide_indexed(tenants, {"northwind.com": iv_x}, inp)
	iv_codes(d) == ["INVITATION_BLOCKED_BY_CROSS_TENANT_ACCESS"]
	d.reasons[0].tenant == iv_x
}

# docs/contract.md: with no known invitee tenant only the domain rules apply.
test_inv_unknown_invitee_tenant_domain_rules_only if {
	unknown_home := "55555555-5555-5555-5555-555555555555"
	tenants := iv_with_settings(iv_block_all, null)
	inp := object.union(iv_input(["guestInviter"], "bob@gmail.com"), {"home_tenant": unknown_home})
	iv_decide(tenants, inp).decision == "allow"
	iv_decide_indexed(tenants, {"contoso.com": iv_r}, object.union(inp, {"invitation": {"invitee_email": "bob@contoso.com"}})).decision == "allow"
}

# R-B2B-4: cross-tenant access settings do not apply to non-Entra identities.
test_inv_non_entra_identity_settings_skipped if {
	inp := object.union(iv_input(["guestInviter"], "ann@fabrikam.com"), {"identity_kind": "msa"})
	iv_decide(iv_with_settings(iv_block_all, null), inp).decision == "allow"
}

# R-COMB-2, §8.1: an unknown accessType in the settings the invitation needs
# is an invalid configuration.
test_inv_unknown_access_type_invalid_configuration if {
	inbound := iv_setting("unknownFutureValue", ["AllUsers"], "allowed", ["AllApplications"])
	d := iv_decide(iv_with_settings(inbound, null), iv_input(["guestInviter"], "ann@fabrikam.com"))
	d.denied_by == "configuration"
	d.reasons == [{
		"code": "INVALID_CONFIGURATION",
		"stage": "configuration",
		"tenant": iv_r,
		"setting": "partner",
		"rule": "R-COMB-2",
		"aadsts": null,
		"message": "Contoso's inbound B2B collaboration settings for Fabrikam has the unknown accessType unknownFutureValue in usersAndGroups (R-COMB-2)",
	}]
}

# V-1, §8.1: the stored default inbound may only target AllUsers.
test_inv_default_inbound_scoped_invalid_configuration if {
	inbound := iv_setting("allowed", [iv_u1], "allowed", ["AllApplications"])
	tenants := object.union(iv_tenants, {iv_r: {"crossTenantAccessPolicy": {"default": {"b2bCollaborationInbound": inbound}}}})
	d := iv_decide(tenants, iv_input(["guestInviter"], "ann@fabrikam.com"))
	iv_codes(d) == ["INVALID_CONFIGURATION"]
	d.reasons[0].rule == "V-1"
}

# §8.12: a named user against a user block-list (R-COMB-1 blocked/allowed).
test_inv_named_user_block_list_checked if {
	tenants := iv_with_settings(iv_setting("blocked", [iv_u1], "allowed", ["AllApplications"]), null)
	listed := object.union(iv_input(["guestInviter"], "ann@fabrikam.com"), {"user": {"id": iv_u1}})
	iv_codes(iv_decide(tenants, listed)) == ["INVITATION_BLOCKED_BY_CROSS_TENANT_ACCESS"]
	other := object.union(iv_input(["guestInviter"], "ann@fabrikam.com"), {"user": {"id": "a1a1a1a1-0000-4000-8000-000000000002"}})
	iv_decide(tenants, other).decision == "allow"
}

# V-3, V-4, V-5, R-TGT-6: the checks configuration.rego applies to sign-in
# settings apply to the settings an invitation needs too.
test_inv_portal_rules_invalid_configuration if {
	cases := [
		[iv_setting("blocked", ["AllUsers"], "allowed", [iv_a1]), null, "V-3"],
		[null, iv_setting("allowed", ["AllUsers"], "blocked", ["AllApplications"]), "V-4"],
		[iv_setting("allowed", ["AllUsers"], "allowed", ["MicrosoftAdminPortals"]), null, "V-5"],
		[iv_setting("allowed", ["AllUsers"], "allowed", ["AllUsers"]), null, "R-TGT-6"],
	]
	every c in cases {
		d := iv_decide(iv_with_settings(c[0], c[1]), iv_input(["guestInviter"], "ann@fabrikam.com"))
		d.denied_by == "configuration"
		c[2] in {r.rule | some r in d.reasons}
	}
}

# §8.24: an invitation may omit home_tenant: the invitee's tenant comes from
# the address's domain, else only the domain rules apply.
test_inv_without_home_tenant_8_24 if {
	tenants := iv_with_settings(iv_block_all, null)
	inp := object.remove(iv_input(["guestInviter"], "ann@FABRIKAM.com"), ["home_tenant"])
	d := iv_decide_indexed(tenants, {"fabrikam.com": iv_h}, inp)
	iv_codes(d) == ["INVITATION_BLOCKED_BY_CROSS_TENANT_ACCESS"]
	d.reasons[0].tenant == iv_r
	nobody := object.remove(iv_input(["guestInviter"], "bob@gmail.com"), ["home_tenant"])
	iv_decide_indexed(tenants, {"fabrikam.com": iv_h}, nobody).decision == "allow"

	# Every other access type still needs it.
	not access.decision with input as object.remove(collab, ["home_tenant"]) with data.xtenant.tenants as tenants
}
