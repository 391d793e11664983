package xtenant.access_test

import data.xtenant.access

mfa_policy := ca("p-mfa", "b2bCollaborationGuest,b2bDirectConnectUser,otherExternalUser", "OR", ["mfa"])

compliant_policy := ca("p-compliant", "b2bCollaborationGuest,b2bDirectConnectUser", "OR", ["compliantDevice"])

hybrid_policy := ca("p-hybrid", "b2bCollaborationGuest", "OR", ["domainJoinedDevice"])

block_policy := ca("p-block", "b2bCollaborationGuest", "OR", ["block"])

ca_decide(flags, policies, req) := decide(trusting(flags, policies), req)

# R-TRUST-3: [access, isMfaAccepted, mfa claim, mfa control, decision, code].
mfa_rows := [
	[collab, true, true, "satisfied_by_home_claim", "allow", null],
	[collab, true, false, "step_up_home", "step_up", null],
	[collab, false, true, "step_up_resource", "step_up", null],
	[collab, false, false, "step_up_resource", "step_up", null],
]

# R-TRUST-3 rows 1-4 (B2B collaboration)
test_mfa_trust_rows_collaboration if {
	every row in mfa_rows {
		d := ca_decide(trust(row[1], false, false), [mfa_policy], with_claims(row[0], row[2], false, false))
		d.controls.mfa == row[3]
		d.decision == row[4]
		d.error_code == row[5]
	}
}

# R-TRUST-3 row 1 step-up location: home with trust, resource without.
test_mfa_step_up_location if {
	ca_decide(trust(true, false, false), [mfa_policy], collab).step_up == [{"control": "mfa", "at": "home"}]
	d := ca_decide(trust(false, false, false), [mfa_policy], collab)
	d.step_up == [{"control": "mfa", "at": "resource"}]
	codes(d) == ["MFA_STEP_UP"]
	d.reasons[0].setting == "partner"
}

# R-TRUST-3 row 5 (direct connect, trusted, claim)
test_mfa_direct_connect_trusted_with_claim_allowed if {
	d := decide(dc_pair(trust(true, false, false), [mfa_policy]), with_claims(direct, true, false, false))
	d.decision == "allow"
	d.controls.mfa == "satisfied_by_home_claim"
}

# R-TRUST-3 row 6, R-DC-5, §8.8: trusted without a claim is unsatisfiable, no error code.
test_mfa_direct_connect_trusted_no_claim_denied if {
	d := decide(dc_pair(trust(true, false, false), [mfa_policy]), direct)
	d.denied_by == "conditional_access"
	d.error_code == null
	codes(d) == ["MFA_UNSATISFIABLE"]
	d.reasons[0].rule == "R-DC-5"
}

# R-TRUST-3 row 7, R-DC-4: untrusted MFA blocks direct connect with AADSTS90071.
test_mfa_direct_connect_untrusted_denied if {
	every claim in [true, false] {
		d := decide(dc_pair(trust(false, false, false), [mfa_policy]), with_claims(direct, claim, false, false))
		d.error_code == "AADSTS90071"
		d.controls.mfa == "unsatisfiable"
		d.reasons[0].rule == "R-DC-4"
	}
}

# R-TRUST-3 last row, R-CA-6: non-Entra identities do MFA in the resource tenant.
test_mfa_non_entra_step_up_resource if {
	req := with_claims(object.union(collab, {"identity_kind": "msa"}), true, false, false)
	d := ca_decide(trust(true, false, false), [mfa_policy], req)
	d.step_up == [{"control": "mfa", "at": "resource"}]
	d.reasons[0].rule == "R-CA-6"
}

# R-TRUST-4: [trusted, claim, control, decision].
device_rows := [
	[true, true, "satisfied_by_home_claim", "allow"],
	[true, false, "unsatisfiable", "deny"],
	[false, true, "unsatisfiable", "deny"],
	[false, false, "unsatisfiable", "deny"],
]

# R-TRUST-4 all rows
test_compliant_device_trust_rows if {
	every row in device_rows {
		d := ca_decide(trust(false, row[0], false), [compliant_policy], with_claims(collab, false, row[1], false))
		d.controls.compliant_device == row[2]
		d.decision == row[3]
	}
	d := ca_decide(trust(false, false, false), [compliant_policy], collab)
	d.error_code == "AADSTS53000"
	codes(d) == ["COMPLIANT_DEVICE_UNSATISFIABLE"]
}

# R-TRUST-5 all rows
test_hybrid_device_trust_rows if {
	every row in device_rows {
		d := ca_decide(trust(false, false, row[0]), [hybrid_policy], with_claims(collab, false, false, row[1]))
		d.controls.hybrid_joined_device == row[2]
		d.decision == row[3]
	}
	ca_decide(trust(false, false, true), [hybrid_policy], collab).error_code == "AADSTS53001"
}

# R-TRUST-6: trusting compliant devices does not trust hybrid join.
test_trust_flags_independent if {
	d := ca_decide(trust(true, true, false), [hybrid_policy], with_claims(collab, true, true, true))
	d.controls.hybrid_joined_device == "unsatisfiable"
}

# R-TRUST-4: a non-Entra identity can never prove a device.
test_device_non_entra_unsatisfiable if {
	req := with_claims(object.union(collab, {"identity_kind": "email_otp"}), false, true, false)
	d := ca_decide(trust(false, true, false), [compliant_policy], req)
	d.controls.compliant_device == "unsatisfiable"
	d.reasons[0].setting == null
}

two_controls(op) := ca("p-two", "b2bCollaborationGuest", op, ["mfa", "compliantDevice"])

# R-CA-4 AND: [mfa claim, compliant claim, decision, reasons].
and_rows := [
	[true, true, "allow", []],
	[true, false, "deny", ["COMPLIANT_DEVICE_UNSATISFIABLE"]],
	[false, true, "step_up", ["MFA_STEP_UP"]],
	[false, false, "deny", ["COMPLIANT_DEVICE_UNSATISFIABLE"]],
]

# R-CA-4 AND outcomes
test_and_policy_outcomes if {
	every row in and_rows {
		d := ca_decide(trust(true, true, false), [two_controls("AND")], with_claims(collab, row[0], row[1], false))
		d.decision == row[2]
		codes(d) == row[3]
	}
}

or_rows := [
	[true, false, "allow", []],
	[false, true, "allow", []],
	[false, false, "step_up", ["MFA_STEP_UP"]],
]

# R-CA-4 OR outcomes
test_or_policy_outcomes if {
	every row in or_rows {
		d := ca_decide(trust(true, true, false), [two_controls("OR")], with_claims(collab, row[0], row[1], false))
		d.decision == row[2]
		codes(d) == row[3]
	}
}

# R-CA-4 OR, R-CA-3: nothing satisfiable fails with the first control's code.
test_or_policy_all_unsatisfiable_denied_first_code if {
	policy := ca("p-or", "b2bCollaborationGuest", "OR", ["domainJoinedDevice", "compliantDevice"])
	d := ca_decide(trust(false, false, false), [policy], collab)
	codes(d) == ["COMPLIANT_DEVICE_UNSATISFIABLE"]
	d.controls.hybrid_joined_device == "unsatisfiable"
}

# R-CA-4 AND: every unsatisfiable control is listed.
test_and_policy_lists_every_unsatisfiable_control if {
	policy := ca("p-and", "b2bCollaborationGuest", "AND", ["compliantDevice", "domainJoinedDevice"])
	codes(ca_decide(trust(false, false, false), [policy], collab)) == ["COMPLIANT_DEVICE_UNSATISFIABLE", "HYBRID_JOINED_DEVICE_UNSATISFIABLE"]
}

# R-CA-1: requirements of several policies add up.
test_policies_add_up if {
	d := ca_decide(trust(true, true, false), [mfa_policy, compliant_policy], with_claims(collab, false, true, false))
	d.decision == "step_up"
	d.controls == {"mfa": "step_up_home", "compliant_device": "satisfied_by_home_claim", "hybrid_joined_device": "not_required"}
}

# R-CA-2, §8.11: block wins and its code comes first.
test_block_policy_denied_first if {
	d := ca_decide(trust(false, false, false), [compliant_policy, block_policy, mfa_policy], collab)
	d.error_code == "AADSTS53003"
	codes(d) == ["CA_BLOCK", "COMPLIANT_DEVICE_UNSATISFIABLE"]
	d.step_up == []
}

# §8.11: MFA before devices.
test_mfa_code_before_device_codes if {
	d := decide(dc_pair(trust(false, false, false), [compliant_policy, mfa_policy]), direct)
	d.error_code == "AADSTS90071"
	codes(d) == ["MFA_UNSATISFIABLE", "COMPLIANT_DEVICE_UNSATISFIABLE"]
}

# §8.9, R-DC-7: unsupported grants and terms of use give CONTROL_UNSUPPORTED without a code.
test_unsupported_grants_denied if {
	approved := ca("p-app", "b2bCollaborationGuest", "AND", ["approvedApplication"])
	d := ca_decide(trust(true, true, true), [approved], collab)
	codes(d) == ["CONTROL_UNSUPPORTED"]
	d.error_code == null
	terms := json.patch(mfa_policy, [{"op": "add", "path": "/grantControls/termsOfUse", "value": ["t1"]}, {"op": "replace", "path": "/grantControls/operator", "value": "AND"}])
	codes(ca_decide(trust(true, true, true), [terms], with_claims(collab, true, false, false))) == ["CONTROL_UNSUPPORTED"]
}

# §8.9: an authentication strength is an MFA requirement.
test_authentication_strength_requires_mfa if {
	policy := json.patch(ca("p-strength", "b2bCollaborationGuest", "AND", []), [{"op": "add", "path": "/grantControls/authenticationStrength", "value": {"id": "00000000-0000-0000-0000-000000000002"}}])
	d := ca_decide(trust(false, false, false), [policy], collab)
	d.controls.mfa == "step_up_resource"
}

# R-CA-4: a policy with no grant controls is satisfied.
test_policy_without_grants_allowed if {
	policy := object.remove(mfa_policy, ["grantControls"])
	ca_decide(trust(false, false, false), [policy], collab).decision == "allow"
}

# §3.3 item 1: disabled policies are skipped.
test_disabled_policy_skipped if {
	policy := ca_state("p-off", "b2bCollaborationGuest", "OR", ["block"], "disabled")
	d := ca_decide(trust(false, false, false), [policy], collab)
	d.decision == "allow"
	d.controls.mfa == "not_required"
}

report_only(controls) := ca_state("p-ro", "b2bCollaborationGuest", "AND", controls, "enabledForReportingButNotEnforced")

# R-CA-5: [controls, claims, result]; the decision never changes.
report_rows := [
	[["block"], [false, false], "failure"],
	[["compliantDevice"], [false, false], "failure"],
	[["mfa"], [false, false], "user_action_required"],
	[["mfa"], [true, false], "success"],
]

# R-CA-5 report-only results
test_report_only_results if {
	every row in report_rows {
		d := ca_decide(trust(true, false, false), [report_only(row[0])], with_claims(collab, row[1][0], row[1][1], false))
		d.decision == "allow"
		d.report_only == [{"policy_id": "p-ro", "result": row[2]}]
	}
}

# R-CA-5 not applied; §3.2: a B2B member is not a b2bCollaborationGuest.
test_report_only_not_applied_to_member if {
	req := json.patch(collab, [{"op": "replace", "path": "/user/user_type", "value": "member"}])
	ca_decide(trust(false, false, false), [report_only(["block"])], req).report_only == [{"policy_id": "p-ro", "result": "not_applied"}]
}

# §8.14: report-only results survive an earlier deny.
test_report_only_after_inbound_deny if {
	tenants := json.patch(trusting(trust(false, false, false), [report_only(["block"]), block_policy]), [{"op": "add", "path": [r, "crossTenantAccessPolicy", "default"], "value": {"b2bCollaborationInbound": block_all}}])
	d := decide(tenants, collab)
	codes(d) == ["RESOURCE_INBOUND_BLOCKED"]
	d.report_only == [{"policy_id": "p-ro", "result": "failure"}]
	d.controls.mfa == "not_required"
}

users_policy(users, apps) := {
	"id": "p-users",
	"state": "enabled",
	"conditions": {"users": users, "applications": apps},
	"grantControls": {"operator": "OR", "builtInControls": ["block"]},
}

all_apps_ca := {"includeApplications": ["All"]}

blocked_by(users, apps, req) if {
	ca_decide(trust(false, false, false), [users_policy(users, apps)], req).denied_by == "conditional_access"
}

# §3.3 item 2: the ways a user is included.
test_user_inclusion_kinds if {
	blocked_by({"includeUsers": ["All"]}, all_apps_ca, collab)
	blocked_by({"includeUsers": [guest_object]}, all_apps_ca, collab)
	blocked_by({"includeUsers": ["GuestsOrExternalUsers"]}, all_apps_ca, collab)
	grp := "e1e1e1e1-0000-4000-8000-000000000001"
	blocked_by({"includeGroups": [grp]}, all_apps_ca, json.patch(collab, [{"op": "add", "path": "/user/resource_groups", "value": [grp]}]))
	not blocked_by({"includeGroups": [g1]}, all_apps_ca, collab)
	not blocked_by({"includeUsers": ["None"]}, all_apps_ca, collab)
	not blocked_by({"includeRoles": ["62e90394-69f5-4237-9190-012177145e10"]}, all_apps_ca, collab)
}

# §3.3 item 3: exclusion always wins.
test_user_exclusion_wins if {
	grp := "e1e1e1e1-0000-4000-8000-000000000001"
	req := json.patch(collab, [{"op": "add", "path": "/user/resource_groups", "value": [grp]}])
	not blocked_by({"includeUsers": ["All"], "excludeUsers": [guest_object]}, all_apps_ca, req)
	not blocked_by({"includeUsers": ["All"], "excludeUsers": ["GuestsOrExternalUsers"]}, all_apps_ca, req)
	not blocked_by({"includeUsers": ["All"], "excludeGroups": [grp]}, all_apps_ca, req)
	not blocked_by({"includeUsers": ["All"], "excludeGuestsOrExternalUsers": {"guestOrExternalUserTypes": "b2bCollaborationGuest"}}, all_apps_ca, req)
}

# §3.2: externalTenants enumerated matches only the listed home tenants.
enumerated(members) := {"includeGuestsOrExternalUsers": {
	"guestOrExternalUserTypes": "b2bCollaborationGuest",
	"externalTenants": {"membershipKind": "enumerated", "members": members},
}}

test_enumerated_external_tenants if {
	blocked_by(enumerated([h]), all_apps_ca, collab)
	not blocked_by(enumerated([x]), all_apps_ca, collab)
}

# §3.3 item 4, §8.5: applications by id, suite or exclusion; never the client id.
test_application_scope if {
	everyone := {"includeUsers": ["All"]}
	blocked_by(everyone, {"includeApplications": [a1]}, collab)
	not blocked_by(everyone, {"includeApplications": [a2]}, collab)
	not blocked_by(everyone, {"includeApplications": [a2]}, json.patch(collab, [{"op": "add", "path": "/application/client_id", "value": a2}]))
	spo_req := json.patch(collab, [{"op": "replace", "path": "/application/id", "value": spo}])
	blocked_by(everyone, {"includeApplications": ["Office365"]}, spo_req)
	not blocked_by(everyone, {"includeApplications": ["Office365"]}, collab)
	not blocked_by(everyone, {"includeApplications": ["All"], "excludeApplications": ["Office365"]}, spo_req)
	portal := json.patch(collab, [{"op": "replace", "path": "/application/id", "value": "c44b4083-3bb0-49c1-b47d-974e53cbdf3c"}])
	blocked_by(everyone, {"includeApplications": ["MicrosoftAdminPortals"]}, portal)
}

types_only(types) := {"includeGuestsOrExternalUsers": {"guestOrExternalUserTypes": types}}

# §3.2, §8.6: caller types.
test_caller_types if {
	access.caller_types == {"b2bCollaborationGuest"} with input as collab with data.xtenant.tenants as pair({})
	access.caller_types == {"otherExternalUser"} with input as json.patch(collab, [{"op": "replace", "path": "/user/user_type", "value": "none"}]) with data.xtenant.tenants as pair({})
	access.caller_types == {"b2bDirectConnectUser"} with input as direct with data.xtenant.tenants as pair({})
	internal := object.union(collab, {"home_tenant": r})
	access.caller_types == {"internalGuest"} with input as internal with data.xtenant.tenants as pair({})
	access.caller_types == set() with input as json.patch(internal, [{"op": "replace", "path": "/user/user_type", "value": "member"}]) with data.xtenant.tenants as pair({})
}

service_provider_tenants := pair({"crossTenantAccessPolicy": {"partners": {h: {"isServiceProvider": true}}}})

# §8.6, §6 A10: a service provider's GDAP or object-less sign-in.
test_service_provider_caller if {
	gdap := json.patch(collab, [{"op": "add", "path": "/user/gdap_session", "value": true}])
	access.caller_types == {"serviceProvider"} with input as gdap with data.xtenant.tenants as service_provider_tenants
	access.caller_types == {"b2bCollaborationGuest"} with input as collab with data.xtenant.tenants as service_provider_tenants
}

# §8.7, R-TRUST-9: GDAP MFA is trusted whatever isMfaAccepted says.
test_gdap_mfa_trusted if {
	gdap := json.patch(collab, [{"op": "add", "path": "/user/gdap_session", "value": true}])
	tenants := json.patch(service_provider_tenants, [{"op": "add", "path": [r, "conditionalAccessPolicies"], "value": [ca("p", "serviceProvider", "OR", ["mfa"])]}])
	d := decide(tenants, gdap)
	d.step_up == [{"control": "mfa", "at": "home"}]
	d.reasons[0].rule == "R-TRUST-9"
	decide(tenants, with_claims(gdap, true, false, false)).decision == "allow"
}

# R-DC-8: a direct connect user with a guest object gets guest policies.
test_direct_connect_user_with_guest_object_gets_guest_policy if {
	req := json.patch(direct, [{"op": "add", "path": "/user/user_type", "value": "guest"}])
	d := decide(dc_pair(trust(false, false, false), [block_policy]), req)
	codes(d) == ["CA_BLOCK"]
}

# R-DC-8, §8.6: a collaboration guest on SharePoint who is direct connect eligible gets direct connect policies.
test_collaboration_guest_direct_connect_eligible if {
	dc_only := ca("p-dc", "b2bDirectConnectUser", "OR", ["block"])
	req := json.patch(collab, [{"op": "replace", "path": "/application/id", "value": spo}])
	codes(decide(dc_pair(trust(false, false, false), [dc_only]), req)) == ["CA_BLOCK"]
	decide(trusting(trust(false, false, false), [dc_only]), req).decision == "allow"
	unknown_home := json.patch(dc_pair(trust(false, false, false), [dc_only]), [{"op": "remove", "path": [h]}])
	codes(decide(unknown_home, req)) == ["CA_BLOCK"]
}

# §8.15: internal users step up at home.
test_internal_user_mfa_step_up_home if {
	internal := object.union(collab, {"home_tenant": r})
	policy := users_policy({"includeUsers": ["All"]}, all_apps_ca)
	mfa_all := json.patch(policy, [{"op": "replace", "path": "/grantControls/builtInControls", "value": ["mfa", "compliantDevice"]}, {"op": "replace", "path": "/grantControls/operator", "value": "AND"}])
	d := decide(pair({"conditionalAccessPolicies": [mfa_all]}), with_claims(internal, false, true, false))
	d.step_up == [{"control": "mfa", "at": "home"}]
	d.reasons[0].rule == "§8.15"
	d2 := decide(pair({"conditionalAccessPolicies": [mfa_all]}), internal)
	codes(d2) == ["COMPLIANT_DEVICE_UNSATISFIABLE"]
	decide(pair({"conditionalAccessPolicies": [mfa_all]}), with_claims(internal, true, true, false)).decision == "allow"
}

# §8.5: includeGroups match the home groups for internal users.
test_internal_user_home_groups_match if {
	internal := object.union(collab, {"home_tenant": r})
	blocked_by({"includeGroups": [g1]}, all_apps_ca, internal)
}

# docs/contract.md: Conditional Access is not consulted for identity sync.
test_no_conditional_access_outside_sign_ins if {
	req := {"access_type": "identity_sync", "home_tenant": h, "resource_tenant": r}
	access.ca_policies == [] with input as req with data.xtenant.tenants as trusting(trust(false, false, false), [block_policy])
}

# §8.6: an object-less sign-in from a service provider partner.
test_service_provider_without_object_caller if {
	req := json.patch(collab, [{"op": "replace", "path": "/user/user_type", "value": "none"}])
	access.caller_types == {"serviceProvider"} with input as req with data.xtenant.tenants as service_provider_tenants
}

# §3.2: the tenant filter is ignored for internal guests.
test_internal_guest_ignores_tenant_filter if {
	internal := object.union(collab, {"home_tenant": r})
	policy := users_policy(
		{"includeGuestsOrExternalUsers": {
			"guestOrExternalUserTypes": "internalGuest",
			"externalTenants": {"membershipKind": "enumerated", "members": [x]},
		}},
		all_apps_ca,
	)
	codes(decide(pair({"conditionalAccessPolicies": [policy]}), internal)) == ["CA_BLOCK"]
}

# §8.19: a B2B collaboration guest on Teams or SharePoint is also a
# b2bDirectConnectUser only when home and resource share a cloud.
test_direct_connect_eligibility_same_cloud_only_8_19 if {
	dc_open := {"b2bDirectConnectInbound": allow_all, "b2bDirectConnectOutbound": allow_all}
	tenants := {
		h: tenant("Fabrikam", {}, {r: dc_open}),
		r: {
			"displayName": "Contoso",
			"crossTenantAccessPolicy": {"allowedCloudEndpoints": ["microsoftonline.us"], "partners": {h: dc_open}},
			"conditionalAccessPolicies": [ca("p-dc", "b2bDirectConnectUser", "OR", ["block"])],
		},
	}
	req := object.union(collab, {"application": {"id": spo}})
	decide(tenants, req).reasons[0].code == "CA_BLOCK"
	us := json.patch(tenants, [
		{"op": "add", "path": [h, "cloud"], "value": "microsoftonline.us"},
		{"op": "add", "path": [h, "crossTenantAccessPolicy", "allowedCloudEndpoints"], "value": ["microsoftonline.com"]},
	])
	d := decide(us, req)
	d.decision == "allow"
	not "b2bDirectConnectUser" in access.caller_types with input as req with data.xtenant.tenants as us
}

# §8.20: only an Entra identity is a service provider.
test_service_provider_needs_entra_8_20 if {
	tenants := pair({
		"crossTenantAccessPolicy": {"partners": {h: {"isServiceProvider": true}}},
		"conditionalAccessPolicies": [ca("p-sp", "serviceProvider", "OR", ["block"])],
	})
	technician := object.union(collab, {"user": {"id": u1, "user_type": "none", "gdap_session": true}})
	decide(tenants, technician).reasons[0].code == "CA_BLOCK"
	every kind in ["msa", "social", "email_otp", "saml_wsfed"] {
		req := object.union(technician, {"identity_kind": kind})
		decide(tenants, req).decision != "deny"
		access.caller_types == {"otherExternalUser"} with input as req with data.xtenant.tenants as tenants
		not access.gdap_trusted with input as req with data.xtenant.tenants as tenants
	}
}

# ---- The pair summary's digests of a policy (tenant_pair.rego) ----

# R-CA-1 (§3.3): includeApplications and excludeApplications as sets; a
# policy without includeApplications digests to null and applies to nobody.
test_ca_apps_digest if {
	p := {"conditions": {"applications": {"includeApplications": ["All", "All"], "excludeApplications": ["a1"]}}}
	access.ca_apps_digest(p) == {"include": {"All"}, "exclude": {"a1"}}
	access.ca_apps_digest({"conditions": {"applications": {"includeApplications": ["a2"]}}}) == {"include": {"a2"}, "exclude": set()}
	access.ca_apps_digest({"conditions": {"applications": {"excludeApplications": ["a1"]}}}) == null
}

# R-CA-1 (§3.3, §3.2, §8.5): each side of a policy's users as one set of
# tokens: users entries ("All", "GuestsOrExternalUsers", an object id behind
# "U"), groups entries and guest types a caller can be; entries no caller
# token can equal (not strings, a group with an upper case letter, an unknown
# type) are left out; without a users object both sides match nobody.
test_ca_side_tokens_R_CA_1 if {
	users := {
		"includeUsers": ["All", "GuestsOrExternalUsers", "None", u1, 7],
		"includeGroups": ["g1", "All", "G2", "b2bCollaborationGuest", "Ug1", null],
		"includeGuestsOrExternalUsers": {"guestOrExternalUserTypes": "b2bCollaborationGuest, internalGuest,bogus,All"},
		"excludeUsers": ["u1"],
	}
	access.ca_side_tokens(users, "include") == {
		"All", "GuestsOrExternalUsers", "UNone", concat("", ["U", u1]),
		"g1", "b2bCollaborationGuest", "internalGuest",
	}
	access.ca_side_tokens(users, "exclude") == {"Uu1"}
	access.ca_side_tokens(null, "include") == set()
	access.ca_side_tokens("All", "include") == set()
}

# R-CA-1 (§3.3, §3.2, §8.5): a users entry, a groups entry and a guest type
# with the same text name different callers: each kind matches only its own.
test_ca_token_kinds_apart_R_CA_1 if {
	grp := "e1e1e1e1-0000-4000-8000-000000000001"
	with_grp := json.patch(collab, [{"op": "add", "path": "/user/resource_groups", "value": [grp, "all", "uall"]}])
	not blocked_by({"includeUsers": [grp]}, all_apps_ca, with_grp)
	not blocked_by({"includeUsers": ["all"]}, all_apps_ca, with_grp)
	not blocked_by({"includeGroups": [guest_object]}, all_apps_ca, collab)
	not blocked_by({"includeGroups": ["All"]}, all_apps_ca, with_grp)
	not blocked_by({"includeGroups": ["b2bCollaborationGuest"]}, all_apps_ca, with_grp)
	not blocked_by({"includeUsers": ["b2bCollaborationGuest"]}, all_apps_ca, with_grp)
	not blocked_by({"includeUsers": [concat("", ["U", guest_object])]}, all_apps_ca, collab)
	not blocked_by(types_only("All"), all_apps_ca, collab)
	not blocked_by(types_only("GuestsOrExternalUsers"), all_apps_ca, collab)
	blocked_by({"includeGroups": ["uall"]}, all_apps_ca, with_grp)
	blocked_by({"includeUsers": [guest_object]}, all_apps_ca, with_grp)
	blocked_by({"includeUsers": ["All"], "excludeGroups": ["All"]}, all_apps_ca, with_grp)
	blocked_by({"includeUsers": ["All"], "excludeUsers": ["All"]}, all_apps_ca, with_grp)
	not blocked_by({"includeUsers": ["All"], "excludeGroups": ["uall"]}, all_apps_ca, with_grp)
}

# R-CA-2, R-CA-3 (§8.22): the outcome a grant decides alone, per tenant pair:
# an unusable grant fails, block blocks, no control is satisfied; anything
# else depends on the request (null).
test_ca_fixed_outcome if {
	access.ca_fixed_outcome(["bad operator"], ["mfa"]) == {"result": "fail", "failing": []}
	access.ca_fixed_outcome([], ["block", "mfa"]) == {"result": "block"}
	access.ca_fixed_outcome([], []) == {"result": "satisfied"}
	access.ca_fixed_outcome([], ["mfa"]) == null
}

# §6 A10, §8.6, §8.20: caller_types's first body asks what
# service_provider_caller asks, for a technician (no object), a GDAP session,
# a guest, and a non-Entra identity.
test_caller_types_agree_with_service_provider_caller if {
	gdap := json.patch(collab, [{"op": "add", "path": "/user/gdap_session", "value": true}])
	technician := json.patch(collab, [{"op": "replace", "path": "/user/user_type", "value": "none"}])
	sp_agrees(gdap, true)
	sp_agrees(technician, true)
	sp_agrees(collab, false)
	sp_agrees(object.union(gdap, {"identity_kind": "msa"}), false)
}

sp_agrees(req, true) if {
	access.service_provider_caller with input as req with data.xtenant.tenants as service_provider_tenants
	access.caller_types == {"serviceProvider"} with input as req with data.xtenant.tenants as service_provider_tenants
}

sp_agrees(req, false) if {
	not access.service_provider_caller with input as req with data.xtenant.tenants as service_provider_tenants
	access.caller_types != {"serviceProvider"} with input as req with data.xtenant.tenants as service_provider_tenants
}

# §3.2: an internal guest is an internalGuest, an internal member of no
# guest or external type.
test_caller_types_internal if {
	internal := object.union(collab, {"home_tenant": r})
	member := json.patch(internal, [{"op": "replace", "path": "/user/user_type", "value": "member"}])
	access.caller_types == {"internalGuest"} with input as internal with data.xtenant.tenants as pair({})
	access.caller_types == set() with input as member with data.xtenant.tenants as pair({})
}

# §8.10, R-CA-5: with no applicable policy, no control is required and a
# report-only policy that does not apply is not_applied.
test_ca_controls_and_report_only_not_applied if {
	ro := ca_state("ro", "b2bDirectConnectUser", "OR", ["block"], "enabledForReportingButNotEnforced")
	d := decide(pair({"conditionalAccessPolicies": [ro]}), collab)
	d.controls == {"mfa": "not_required", "compliant_device": "not_required", "hybrid_joined_device": "not_required"}
	d.report_only == [{"policy_id": "ro", "result": "not_applied"}]
}

# R-TRUST-3, R-CA-6: a step-up's rule and setting come together
# (mfa_step_up_source).
test_mfa_step_up_source if {
	tenants := trusting(trust(false, false, false), [mfa_policy])
	access.mfa_step_up_source == {"rule": "R-TRUST-3", "setting": "partner"} with input as collab with data.xtenant.tenants as tenants
	msa := object.union(collab, {"identity_kind": "msa"})
	access.mfa_step_up_source == {"rule": "R-CA-6", "setting": null} with input as msa with data.xtenant.tenants as tenants
}

# §3.2, §8.6, R-DC-8, §6 A10: where the pair summary settles the caller
# types by user type (pair_caller_types not null), they are the ones
# caller_types_of_request finds, for every case of pair_agreement_cases and
# on a pair whose direct connect settings admit everyone, reaching Teams or
# SharePoint or another app; it leaves them to the request for a service
# provider partner and such a direct connect pair.
test_pair_caller_types_agree_3_2 if {
	dc_cases := [[object.union(req, {"application": {"id": app}}), dc_pair(trust(false, false, false), [])] |
		some [req, _] in pair_agreement_cases
		req.access_type == "b2b_collaboration"
		req.identity_kind == "entra"
		req.home_tenant == h
		some app in [spo, a1]
	]
	settled := [is_settled |
		some [req, tenants] in array.concat(pair_agreement_cases, dc_cases)
		table := access.pair_caller_types with input as req with data.xtenant.tenants as tenants
		expected := access.caller_types_of_request with input as req with data.xtenant.tenants as tenants
		caller_table_agrees(table, req.user.user_type, expected)
		is_settled := table != null
	]
	count(settled) == count(pair_agreement_cases) + count(dc_cases)
	true in settled
	false in settled
}

# §3.2: pair_caller_types agrees with the request's caller types: null
# (left to the request) or giving them for the request's user type.
caller_table_agrees(table, _, _) if table == null

caller_table_agrees(table, user_type, expected) if object.get(table.types, user_type, table.other) == expected

# R-CA-6, §8.15, R-TRUST-3, R-TRUST-9: where the pair summary settles a
# step-up's rule and setting (pair_mfa_step_up_source not null), they are
# the ones mfa_step_up_source_of_request finds; it leaves them to the
# request for a service provider partner of an Entra identity.
test_pair_mfa_step_up_source_agrees_R_TRUST_3 if {
	settled := [is_settled |
		some [req, tenants] in pair_agreement_cases
		source := access.pair_mfa_step_up_source with input as req with data.xtenant.tenants as tenants
		expected := access.mfa_step_up_source_of_request with input as req with data.xtenant.tenants as tenants
		source_agrees(source, expected)
		is_settled := source != null
	]
	count(settled) == count(pair_agreement_cases)
	true in settled
	false in settled
}

# R-TRUST-3: pair_mfa_step_up_source agrees with the request's: null (left
# to the request) or the same.
source_agrees(source, _) if source == null

source_agrees(source, expected) if source == expected

# R-CA-2, R-CA-4: ca_outcome_reasons gives a block its CA_BLOCK reason,
# a failing policy a reason per failing control, and nothing otherwise.
test_ca_outcome_reasons_by_outcome_R_CA_2_R_CA_4 if {
	r := {"name": "Block guests", "outcome": {"failing": []}}
	block := access.ca_outcome_reasons("block", r) with access.resource as "t1"
		with access.resource_name as "Contoso"
	[x | some x in block] == [{
		"code": "CA_BLOCK",
		"stage": "conditional_access",
		"tenant": "t1",
		"setting": null,
		"rule": "R-CA-2",
		"aadsts": "AADSTS53003",
		"message": "Contoso's Conditional Access policy 'Block guests' blocks this access",
	}]
	not access.ca_outcome_reasons("satisfied", r)
	not access.ca_outcome_reasons("step_up", r)
	access.ca_outcome_reasons("fail", r) == set()
}
