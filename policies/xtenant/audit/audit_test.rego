package xtenant.audit_test

import data.xtenant.audit

t1 := "11111111-1111-1111-1111-111111111111"

t2 := "22222222-2222-2222-2222-222222222222"

all_users := {"target": "AllUsers", "targetType": "user"}

all_apps := {"target": "AllApplications", "targetType": "application"}

blocked := {
	"usersAndGroups": {"accessType": "blocked", "targets": [all_users]},
	"applications": {"accessType": "blocked", "targets": [all_apps]},
}

allowed := {
	"usersAndGroups": {"accessType": "allowed", "targets": [all_users]},
	"applications": {"accessType": "allowed", "targets": [all_apps]},
}

guest_mfa := {
	"displayName": "Guests - MFA",
	"state": "enabled",
	"conditions": {"users": {"includeGuestsOrExternalUsers": {
		"guestOrExternalUserTypes": "internalGuest,b2bCollaborationGuest",
		"externalTenants": {"membershipKind": "all"},
	}}},
	"grantControls": {"operator": "OR", "builtInControls": ["mfa"]},
}

# A tenant that passes every rule: blocked default inbound, invitations by
# admins and guest inviters, guest MFA, one partner allowed.
good := {
	"displayName": "Contoso",
	"crossTenantAccessPolicy": {
		"default": {
			"b2bCollaborationInbound": blocked,
			"b2bCollaborationOutbound": allowed,
			"b2bDirectConnectInbound": blocked,
			"b2bDirectConnectOutbound": blocked,
			"inboundTrust": {"isMfaAccepted": true, "isCompliantDeviceAccepted": false, "isHybridAzureADJoinedDeviceAccepted": false},
			"automaticUserConsentSettings": {"inboundAllowed": false, "outboundAllowed": false},
		},
		"partners": {t2: {
			"tenantId": t2,
			"b2bCollaborationInbound": allowed,
			"automaticUserConsentSettings": {"inboundAllowed": true, "outboundAllowed": false},
			"identitySynchronization": {"userSyncInbound": {"isSyncAllowed": true}},
		}},
	},
	"conditionalAccessPolicies": [guest_mfa],
	"authorizationPolicy": {"allowInvitesFrom": "adminsAndGuestInviters", "guestUserRoleId": "10dae51f-b6af-4016-8d66-8c2a99b929b3"},
}

# findings_with(patch) are the findings of good with a JSON patch applied.
findings_with(ops) := fs if {
	fs := audit.findings with data.xtenant.tenants as {t1: json.patch(good, ops)}
}

rules_of(fs) := {f.rule | some f in fs}

paths_of(rule, fs) := {f.path | some f in fs; f.rule == rule}

replace(path, value) := {"op": "add", "path": path, "value": value}

# Every rule: the good tenant has no finding at all.
test_good_tenant_has_no_findings if {
	count(findings_with([])) == 0
}

# Every finding names a rule of the table, a severity and a pointer.
test_findings_name_rule_severity_and_path if {
	fs := findings_with([replace("/authorizationPolicy/allowInvitesFrom", "everyone")])
	some f in fs
	audit.rules[f.rule].severity == f.severity
	startswith(f.path, sprintf("/%s/", [t1]))
	f.tenant == t1
}

# No tenants, no findings.
test_no_tenants_no_findings if {
	count(audit.findings) == 0 with data.xtenant.tenants as {}
}

# AUD-INBOUND-DEFAULT: an allowing default fails, a missing one too (service default).
test_inbound_default_allowed_fails if {
	fs := findings_with([replace("/crossTenantAccessPolicy/default/b2bCollaborationInbound", allowed)])
	paths_of("AUD-INBOUND-DEFAULT", fs) == {sprintf("/%s/crossTenantAccessPolicy/default/b2bCollaborationInbound/usersAndGroups/accessType", [t1])}
}

test_inbound_default_missing_fails if {
	fs := findings_with([{"op": "remove", "path": "/crossTenantAccessPolicy/default"}])
	paths_of("AUD-INBOUND-DEFAULT", fs) == {sprintf("/%s/crossTenantAccessPolicy/default", [t1])}
}

# AUD-GUEST-INVITE: everyone and members fail; missing is Entra's everyone; none passes.
test_guest_invite if {
	"AUD-GUEST-INVITE" in rules_of(findings_with([replace("/authorizationPolicy/allowInvitesFrom", "everyone")]))
	"AUD-GUEST-INVITE" in rules_of(findings_with([replace("/authorizationPolicy/allowInvitesFrom", "adminsGuestInvitersAndAllMembers")]))
	"AUD-GUEST-INVITE" in rules_of(findings_with([{"op": "remove", "path": "/authorizationPolicy"}]))
	not "AUD-GUEST-INVITE" in rules_of(findings_with([replace("/authorizationPolicy/allowInvitesFrom", "none")]))
}

# AUD-GUEST-ACCESS: the member role fails (any case), limited passes.
test_guest_access if {
	fs := findings_with([replace("/authorizationPolicy/guestUserRoleId", "A0B1B346-4D3E-4E8B-98F8-753987BE4970")])
	paths_of("AUD-GUEST-ACCESS", fs) == {sprintf("/%s/authorizationPolicy/guestUserRoleId", [t1])}
	not "AUD-GUEST-ACCESS" in rules_of(findings_with([]))
}

# AUD-EMAIL-JOIN: true fails, false passes.
test_email_join if {
	"AUD-EMAIL-JOIN" in rules_of(findings_with([replace("/authorizationPolicy/allowEmailVerifiedUsersToJoinOrganization", true)]))
	not "AUD-EMAIL-JOIN" in rules_of(findings_with([replace("/authorizationPolicy/allowEmailVerifiedUsersToJoinOrganization", false)]))
}

# AUD-GUEST-MFA: report-only, no MFA, or members only fail; All users with
# an authentication strength passes, and so does GuestsOrExternalUsers.
test_guest_mfa_fails if {
	"AUD-GUEST-MFA" in rules_of(findings_with([replace("/conditionalAccessPolicies/0/state", "enabledForReportingButNotEnforced")]))
	"AUD-GUEST-MFA" in rules_of(findings_with([replace("/conditionalAccessPolicies/0/grantControls/builtInControls", ["compliantDevice"])]))
	"AUD-GUEST-MFA" in rules_of(findings_with([replace("/conditionalAccessPolicies/0/conditions/users", {"includeUsers": ["a1a1a1a1-0000-4000-8000-000000000001"]})]))
	"AUD-GUEST-MFA" in rules_of(findings_with([replace("/conditionalAccessPolicies", [])]))
}

test_guest_mfa_passes if {
	strength := [
		replace("/conditionalAccessPolicies/0/conditions/users", {"includeUsers": ["All"]}),
		replace("/conditionalAccessPolicies/0/grantControls", {"builtInControls": [], "authenticationStrength": {"id": "00000000-0000-0000-0000-000000000002"}}),
	]
	not "AUD-GUEST-MFA" in rules_of(findings_with(strength))
	not "AUD-GUEST-MFA" in rules_of(findings_with([replace("/conditionalAccessPolicies/0/conditions/users", {"includeUsers": ["GuestsOrExternalUsers"]})]))
}

# AUD-DEVICE-TRUST-DEFAULT: each device claim trusted by default fails on its own path.
test_device_trust_default if {
	fs := findings_with([
		replace("/crossTenantAccessPolicy/default/inboundTrust/isCompliantDeviceAccepted", true),
		replace("/crossTenantAccessPolicy/default/inboundTrust/isHybridAzureADJoinedDeviceAccepted", true),
	])
	count(paths_of("AUD-DEVICE-TRUST-DEFAULT", fs)) == 2
	not "AUD-DEVICE-TRUST-DEFAULT" in rules_of(findings_with([replace("/crossTenantAccessPolicy/partners/22222222-2222-2222-2222-222222222222/inboundTrust", {"isCompliantDeviceAccepted": true})]))
}

# AUD-AUTO-REDEEM-BOTH: inbound and outbound on fails; one direction passes.
test_auto_redeem_both if {
	fs := findings_with([replace("/crossTenantAccessPolicy/partners/22222222-2222-2222-2222-222222222222/automaticUserConsentSettings/outboundAllowed", true)])
	paths_of("AUD-AUTO-REDEEM-BOTH", fs) == {sprintf("/%s/crossTenantAccessPolicy/partners/%s/automaticUserConsentSettings", [t1, t2])}
	not "AUD-AUTO-REDEEM-BOTH" in rules_of(findings_with([]))
}

invalid_paths(ops) := paths_of("AUD-INVALID-SETTING", findings_with(ops))

partner_path(p) := sprintf("/%s/crossTenantAccessPolicy/partners/%s/%s", [t1, t2, p])

default_path(p) := sprintf("/%s/crossTenantAccessPolicy/default/%s", [t1, p])

# AUD-INVALID-SETTING, R-COMB-2: an unknown accessType.
test_invalid_access_type if {
	invalid_paths([replace("/crossTenantAccessPolicy/partners/22222222-2222-2222-2222-222222222222/b2bCollaborationInbound/applications/accessType", "unknownFutureValue")]) == {partner_path("b2bCollaborationInbound/applications")}
}

# AUD-INVALID-SETTING, R-TGT-6: a group among applications, AllUsers typed as a group.
test_invalid_target_type if {
	invalid_paths([replace("/crossTenantAccessPolicy/partners/22222222-2222-2222-2222-222222222222/b2bCollaborationInbound/applications/targets", [{"target": "c3c3c3c3-0000-4000-8000-000000000001", "targetType": "group"}])]) == {partner_path("b2bCollaborationInbound/applications")}
	invalid_paths([replace("/crossTenantAccessPolicy/partners/22222222-2222-2222-2222-222222222222/b2bCollaborationInbound/usersAndGroups/targets", [{"target": "AllUsers", "targetType": "group"}])]) == {partner_path("b2bCollaborationInbound/usersAndGroups")}
}

# AUD-INVALID-SETTING, V-5: MicrosoftAdminPortals.
test_invalid_admin_portals if {
	invalid_paths([replace("/crossTenantAccessPolicy/partners/22222222-2222-2222-2222-222222222222/b2bCollaborationInbound/applications/targets", [{"target": "MicrosoftAdminPortals", "targetType": "application"}])]) == {partner_path("b2bCollaborationInbound/applications")}
}

# AUD-INVALID-SETTING, V-1: a group in the default inbound; in a partner entry it is fine.
test_invalid_default_inbound_group if {
	group := {"accessType": "allowed", "targets": [{"target": "c3c3c3c3-0000-4000-8000-000000000001", "targetType": "group"}]}
	invalid_paths([replace("/crossTenantAccessPolicy/default/b2bCollaborationInbound/usersAndGroups", group)]) == {default_path("b2bCollaborationInbound/usersAndGroups")}
	invalid_paths([replace("/crossTenantAccessPolicy/partners/22222222-2222-2222-2222-222222222222/b2bCollaborationInbound/usersAndGroups", group)]) == set()
}

# AUD-INVALID-SETTING, V-3: all users blocked, some applications allowed.
test_invalid_blocks_users_not_apps if {
	invalid_paths([replace("/crossTenantAccessPolicy/partners/22222222-2222-2222-2222-222222222222/b2bCollaborationInbound/usersAndGroups", blocked.usersAndGroups)]) == {partner_path("b2bCollaborationInbound/usersAndGroups")}
}

# AUD-INVALID-SETTING, V-3, R-INH-3: a partner that allows some applications
# while inheriting the default's blocked users makes the problem, so it is
# blamed; the default alone is valid.
test_invalid_partner_half_with_default_half if {
	apps := {"accessType": "allowed", "targets": [{"target": "d1d1d1d1-0000-4000-8000-0000000000a1", "targetType": "application"}]}
	invalid_paths([replace("/crossTenantAccessPolicy/partners/22222222-2222-2222-2222-222222222222/b2bCollaborationInbound", {"applications": apps})]) == {partner_path("b2bCollaborationInbound/usersAndGroups")}
}

# AUD-INVALID-SETTING, R-COMB-2, V-3: the problems of the default (here its
# unknown accessType, and its blocked users without all applications blocked)
# are the default's, not repeated at every partner that inherits them.
test_invalid_default_not_blamed_on_partners if {
	invalid_paths([
		replace("/crossTenantAccessPolicy/default/b2bCollaborationInbound/applications/accessType", "unknownFutureValue"),
		replace("/crossTenantAccessPolicy/partners/22222222-2222-2222-2222-222222222222/b2bCollaborationInbound", {"usersAndGroups": allowed.usersAndGroups}),
	]) == {default_path("b2bCollaborationInbound/applications"), default_path("b2bCollaborationInbound/usersAndGroups")}
}

# AUD-INVALID-SETTING, V-2: the default tenant restrictions may only target
# AllUsers.
test_invalid_default_tenant_restrictions_group if {
	group := {"accessType": "allowed", "targets": [{"target": "c3c3c3c3-0000-4000-8000-000000000001", "targetType": "group"}]}
	invalid_paths([replace("/crossTenantAccessPolicy/default/tenantRestrictions", {"usersAndGroups": group})]) == {default_path("tenantRestrictions/usersAndGroups")}
}

# AUD-INVALID-SETTING, V-4: outbound users allowed, every app blocked.
test_invalid_outbound_apps_blocked if {
	invalid_paths([replace("/crossTenantAccessPolicy/default/b2bCollaborationOutbound/applications", blocked.applications)]) == {default_path("b2bCollaborationOutbound/applications")}
}

# AUD-INVALID-SETTING, V-8: automatic redemption on in the default.
test_invalid_default_redemption if {
	invalid_paths([replace("/crossTenantAccessPolicy/default/automaticUserConsentSettings/inboundAllowed", true)]) == {default_path("automaticUserConsentSettings/inboundAllowed")}
}

# AUD-INVALID-SETTING, §8.1: a Conditional Access policy with an unknown state.
test_invalid_ca_state if {
	invalid_paths([replace("/conditionalAccessPolicies/0/state", "unknownFutureValue")]) == {sprintf("/%s/conditionalAccessPolicies/0/state", [t1])}
}

# AUD-INVALID-SETTING, §2.14 (V-3, V-8): invalid_settings, which /v1/status
# lists, holds the §2.14 findings and no other: not the Conditional Access
# state (a loader warning already) nor another rule's finding.
test_invalid_settings_are_the_section_2_14_findings if {
	ops := [
		replace("/crossTenantAccessPolicy/partners/22222222-2222-2222-2222-222222222222/b2bCollaborationInbound/usersAndGroups", blocked.usersAndGroups),
		replace("/crossTenantAccessPolicy/default/automaticUserConsentSettings/inboundAllowed", true),
		replace("/conditionalAccessPolicies/0/state", "unknownFutureValue"),
		replace("/crossTenantAccessPolicy/default/b2bCollaborationInbound/usersAndGroups/accessType", "allowed"),
	]
	fs := audit.invalid_settings with data.xtenant.tenants as {t1: json.patch(good, ops)}
	{f.path | some f in fs} == {partner_path("b2bCollaborationInbound/usersAndGroups"), default_path("automaticUserConsentSettings/inboundAllowed")}
	every f in fs {
		f.rule == "AUD-INVALID-SETTING"
		f in findings_with(ops)
	}
	count(audit.invalid_settings) == 0 with data.xtenant.tenants as {t1: good}
}

# AUD-NEVER-APPLIES, §2.9: sync allowed without inbound automatic redemption.
test_never_applies_sync if {
	fs := findings_with([replace("/crossTenantAccessPolicy/partners/22222222-2222-2222-2222-222222222222/automaticUserConsentSettings", {"inboundAllowed": null})])
	paths_of("AUD-NEVER-APPLIES", fs) == {partner_path("identitySynchronization/userSyncInbound/isSyncAllowed")}
	msgs := {f.message | some f in fs; f.rule == "AUD-NEVER-APPLIES"}
	some m in msgs
	contains(m, "from 22222222-2222-2222-2222-222222222222")
}

# AUD-NEVER-APPLIES, §8.1: a partner entry for the tenant itself.
test_never_applies_self_partner if {
	fs := findings_with([replace("/crossTenantAccessPolicy/partners/11111111-1111-1111-1111-111111111111", {"tenantId": t1})])
	paths_of("AUD-NEVER-APPLIES", fs) == {sprintf("/%s/crossTenantAccessPolicy/partners/%s", [t1, t1])}
}

# Messages use the display name, else the id.
test_messages_name_tenants if {
	fs := findings_with([replace("/authorizationPolicy/allowInvitesFrom", "everyone")])
	some f in fs
	startswith(f.message, "Contoso lets everyone")
	fs2 := audit.findings with data.xtenant.tenants as {t1: json.patch(good, [{"op": "remove", "path": "/displayName"}, replace("/authorizationPolicy/allowInvitesFrom", "everyone")])}
	some f2 in fs2
	startswith(f2.message, t1)
}
