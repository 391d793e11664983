# The posture audit of tenant configurations (`xtenant audit`).
# Each rule below checks the stored settings of every tenant in
# data.xtenant.tenants and adds findings naming the rule, its severity and
# the JSON pointer of the setting (into the tenants file). The decision
# policy (package xtenant.access) never reads this package.
package xtenant.audit

import data.xtenant.access

default tenants := {}

tenants := data.xtenant.tenants

# The rules: id → title, severity (low, medium, high) and where the check
# comes from. `xtenant audit` reads this table for its SARIF rules.
rules := {
	"AUD-INBOUND-DEFAULT": {
		"title": "Default inbound B2B collaboration is not blocked",
		"severity": "medium",
		"reference": "CISA M365 baseline (SCuBA) cross-tenant access: block inbound B2B collaboration by default, admit partners one by one",
	},
	"AUD-GUEST-INVITE": {
		"title": "Guest invitations are not limited to admins and guest inviters",
		"severity": "medium",
		"reference": "CISA MS.AAD.8.2v1; EIDSCA.AP04",
	},
	"AUD-GUEST-ACCESS": {
		"title": "Guests have the same directory access as members",
		"severity": "medium",
		"reference": "CISA MS.AAD.8.1v1; EIDSCA.AP07",
	},
	"AUD-EMAIL-JOIN": {
		"title": "Users can join the tenant by e-mail validation",
		"severity": "low",
		"reference": "EIDSCA.AP06",
	},
	"AUD-GUEST-MFA": {
		"title": "No enabled Conditional Access policy requires MFA of guests and external users",
		"severity": "high",
		"reference": "CISA MS.AAD.3 (phishing-resistant MFA for all users); Conditional Access template 'Require MFA for guest access'",
	},
	"AUD-DEVICE-TRUST-DEFAULT": {
		"title": "Device claims are trusted from every tenant by default",
		"severity": "medium",
		"reference": "R-TRUST (inbound trust): trust device claims per partner, not by default",
	},
	"AUD-AUTO-REDEEM-BOTH": {
		"title": "Automatic redemption is on in both directions for a partner",
		"severity": "low",
		"reference": "R-AR-1: users of both tenants get no consent prompt",
	},
	"AUD-INVALID-SETTING": {
		"title": "A setting is invalid: every decision that needs it is a configuration deny",
		"severity": "high",
		"reference": "§2.14 (V-1..V-5, V-8), R-COMB-2, R-TGT-6: such settings give INVALID_CONFIGURATION",
	},
	"AUD-NEVER-APPLIES": {
		"title": "A setting can never apply",
		"severity": "medium",
		"reference": "§2.9 (sync needs inbound automatic redemption), §8.1",
	},
}

finding(rule, tenant, path, message) := {
	"rule": rule,
	"severity": rules[rule].severity,
	"tenant": tenant,
	"path": path,
	"message": message,
}

tenant_name(id) := name if {
	name := tenants[id].displayName
	is_string(name)
} else := id

cross_tenant_access_path(id) := sprintf("/%s/crossTenantAccessPolicy", [id])

default_of(t) := object.get(object.get(t, "crossTenantAccessPolicy", {}), "default", null)

partners_of(t) := object.get(object.get(t, "crossTenantAccessPolicy", {}), "partners", {})

# ---- AUD-INBOUND-DEFAULT ----

# AUD-INBOUND-DEFAULT: the default inbound B2B collaboration admits users.
findings contains finding("AUD-INBOUND-DEFAULT", id, path, msg) if {
	some id, t in tenants
	access := default_of(t).b2bCollaborationInbound.usersAndGroups.accessType
	access == "allowed"
	path := sprintf("%s/default/b2bCollaborationInbound/usersAndGroups/accessType", [cross_tenant_access_path(id)])
	msg := sprintf("%s admits users of every tenant to B2B collaboration by default; block the default and allow partners one by one", [tenant_name(id)])
}

# AUD-INBOUND-DEFAULT: no stored default inbound setting means the service
# default, which admits everyone (R-INH-4).
findings contains finding("AUD-INBOUND-DEFAULT", id, path, msg) if {
	some id, t in tenants
	not has_default_inbound(t)
	path := sprintf("%s/default", [cross_tenant_access_path(id)])
	msg := sprintf("%s has no default inbound B2B collaboration setting, so the service default admits users of every tenant", [tenant_name(id)])
}

has_default_inbound(t) if is_object(default_of(t).b2bCollaborationInbound.usersAndGroups)

# ---- AUD-GUEST-INVITE, AUD-GUEST-ACCESS, AUD-EMAIL-JOIN ----

restricted_invites := {"adminsAndGuestInviters", "none"}

# AUD-GUEST-INVITE: allowInvitesFrom other than adminsAndGuestInviters or
# none; missing means Entra's default, everyone.
findings contains finding("AUD-GUEST-INVITE", id, sprintf("/%s/authorizationPolicy/allowInvitesFrom", [id]), msg) if {
	some id, t in tenants
	from := object.get(object.get(t, "authorizationPolicy", {}), "allowInvitesFrom", "everyone")
	not from in restricted_invites
	msg := sprintf("%s lets %v invite guests; limit invitations to admins and guest inviters (adminsAndGuestInviters)", [tenant_name(id), from])
}

# The guest user role ids of Entra: same as members, limited (the default),
# restricted.
member_role := "a0b1b346-4d3e-4e8b-98f8-753987be4970"

# AUD-GUEST-ACCESS: guests get member access to directory objects.
findings contains finding("AUD-GUEST-ACCESS", id, sprintf("/%s/authorizationPolicy/guestUserRoleId", [id]), msg) if {
	some id, t in tenants
	lower(t.authorizationPolicy.guestUserRoleId) == member_role
	msg := sprintf("%s gives guests the same access to directory objects as members; use limited or restricted guest access", [tenant_name(id)])
}

# AUD-EMAIL-JOIN: anyone with a verified e-mail address can join.
findings contains finding("AUD-EMAIL-JOIN", id, sprintf("/%s/authorizationPolicy/allowEmailVerifiedUsersToJoinOrganization", [id]), msg) if {
	some id, t in tenants
	t.authorizationPolicy.allowEmailVerifiedUsersToJoinOrganization == true
	msg := sprintf("%s lets users join the tenant by e-mail validation", [tenant_name(id)])
}

# ---- AUD-GUEST-MFA ----

# A guest user type that B2B collaboration users sign in as.
guest_types := {"b2bCollaborationGuest", "b2bCollaborationMember", "b2bDirectConnectUser", "internalGuest", "otherExternalUser"}

# The policy applies to (some) guests: all users, the GuestsOrExternalUsers
# keyword, or a guest type of includeGuestsOrExternalUsers.
covers_guests(p) if "All" in p.conditions.users.includeUsers

covers_guests(p) if "GuestsOrExternalUsers" in p.conditions.users.includeUsers

covers_guests(p) if {
	some raw in split(p.conditions.users.includeGuestsOrExternalUsers.guestOrExternalUserTypes, ",")
	trim_space(raw) in guest_types
}

requires_mfa(p) if "mfa" in p.grantControls.builtInControls

requires_mfa(p) if is_object(p.grantControls.authenticationStrength)

# AUD-GUEST-MFA: a tenant with cross-tenant settings and no enabled policy
# requiring MFA (or an authentication strength) of guests.
findings contains finding("AUD-GUEST-MFA", id, sprintf("/%s/conditionalAccessPolicies", [id]), msg) if {
	some id, t in tenants
	is_object(t.crossTenantAccessPolicy)
	not guest_mfa_policy(t)
	msg := sprintf("%s has no enabled Conditional Access policy that requires MFA of guests and external users", [tenant_name(id)])
}

guest_mfa_policy(t) if {
	some p in t.conditionalAccessPolicies
	p.state == "enabled"
	covers_guests(p)
	requires_mfa(p)
}

# ---- AUD-DEVICE-TRUST-DEFAULT ----

device_claims := ["isCompliantDeviceAccepted", "isHybridAzureADJoinedDeviceAccepted"]

# AUD-DEVICE-TRUST-DEFAULT: the default inbound trust accepts a device
# claim of every tenant.
findings contains finding("AUD-DEVICE-TRUST-DEFAULT", id, path, msg) if {
	some id, t in tenants
	some claim in device_claims
	default_of(t).inboundTrust[claim] == true
	path := sprintf("%s/default/inboundTrust/%s", [cross_tenant_access_path(id), claim])
	msg := sprintf("%s trusts the %s claim of every tenant by default; trust device claims per partner", [tenant_name(id), claim])
}

# ---- AUD-AUTO-REDEEM-BOTH ----

# AUD-AUTO-REDEEM-BOTH: a partner entry with automatic redemption inbound
# and outbound.
findings contains finding("AUD-AUTO-REDEEM-BOTH", id, path, msg) if {
	some id, t in tenants
	some pid, p in partners_of(t)
	p.automaticUserConsentSettings.inboundAllowed == true
	p.automaticUserConsentSettings.outboundAllowed == true
	path := sprintf("%s/partners/%s/automaticUserConsentSettings", [cross_tenant_access_path(id), pid])
	msg := sprintf("%s suppresses the consent prompt in both directions with %s", [tenant_name(id), tenant_name(pid)])
}

# ---- AUD-INVALID-SETTING ----

# The B2B and tenant restrictions properties, whose validity is §2.14's.
validated_properties := ["b2bCollaborationInbound", "b2bCollaborationOutbound", "b2bDirectConnectInbound", "b2bDirectConnectOutbound", "tenantRestrictions"]

# Every stored B2B or TR setting: the default's and each partner entry's.
stored contains s if {
	some id, t in tenants
	some prop in validated_properties
	value := default_of(t)[prop]
	is_object(value)
	s := {"tenant": id, "scope": "default", "property": prop, "value": value, "path": sprintf("%s/default/%s", [cross_tenant_access_path(id), prop])}
}

stored contains s if {
	some id, t in tenants
	some pid, p in partners_of(t)
	some prop in validated_properties
	value := p[prop]
	is_object(value)
	s := {"tenant": id, "scope": pid, "property": prop, "value": value, "path": sprintf("%s/partners/%s/%s", [cross_tenant_access_path(id), pid, prop])}
}

invalid(s, half, basis, what) := finding(
	"AUD-INVALID-SETTING", s.tenant, sprintf("%s/%s", [s.path, half]),
	sprintf("%s's %s setting (%s) %s (%s)", [tenant_name(s.tenant), s.property, scope_label(s.scope), what, basis]),
)

scope_label("default") := "default"

scope_label(scope) := sprintf("partner %s", [tenant_name(scope)]) if scope != "default"

# AUD-INVALID-SETTING: the settings the decision policy would deny under
# R-COMB-2, R-TGT-6 and V-1..V-5 (its one validation,
# data.xtenant.access.effective_setting_problems),
# judged like a decision on the effective setting. "default" is never a
# partner key (keys are GUIDs), so it resolves through the stored default as
# for any tenant without a partner entry. A partner entry is blamed for the
# problems of the halves it supplies and for those its halves make together
# with the default's, never for the default's own.
stored_problems(s) := access.effective_setting_problems(s.tenant, s.scope, s.property, access.effective_setting(s.tenant, s.scope, s.property))

# AUD-INVALID-SETTING, §2.14 (R-COMB-2, R-TGT-6, V-1..V-5, V-8): the
# findings of the settings that break §2.14, in a rule of their own because
# /v1/status lists them as the tenants source's warnings without running the
# whole audit (internal/audit.SettingWarnings, once per revision).
findings contains f if some f in invalid_settings

invalid_settings contains invalid(s, problem.half, problem.rule, problem.what) if {
	some s in stored
	some problem in stored_problems(s)
	blamed(s, problem)
}

blamed(s, _) if s.scope == "default"

blamed(s, problem) if {
	s.scope != "default"
	problem.setting == "partner"
}

blamed(s, problem) if {
	s.scope != "default"
	problem.setting != "partner"
	not problem in stored_problems(object.union(s, {"scope": "default"}))
}

# AUD-INVALID-SETTING: the default's automatic redemption must be off (V-8,
# data.xtenant.access.default_consent_invalid).
invalid_settings contains finding("AUD-INVALID-SETTING", id, path, msg) if {
	some id, _ in tenants
	some flag in access.consent_flags
	access.default_consent_invalid(id, flag)
	path := sprintf("%s/default/automaticUserConsentSettings/%s", [cross_tenant_access_path(id), flag])
	msg := sprintf("%s's default automaticUserConsentSettings.%s must be false (V-8)", [tenant_name(id), flag])
}

# AUD-INVALID-SETTING, §8.1: a Conditional Access policy with an unknown state.
findings contains finding("AUD-INVALID-SETTING", id, sprintf("/%s/conditionalAccessPolicies/%d/state", [id, i]), msg) if {
	some id, t in tenants
	some i, p in t.conditionalAccessPolicies
	not object.get(p, "state", null) in access.ca_known_states
	msg := sprintf("%s's Conditional Access policy '%v' has the unknown state %v (§8.1)", [tenant_name(id), object.get(p, "displayName", i), object.get(p, "state", null)])
}

# ---- AUD-NEVER-APPLIES ----

# AUD-NEVER-APPLIES, §2.9: inbound sync allowed from a partner whose users
# the tenant does not redeem automatically: every sync is denied.
findings contains finding("AUD-NEVER-APPLIES", id, path, msg) if {
	some id, t in tenants
	some pid, p in partners_of(t)
	p.identitySynchronization.userSyncInbound.isSyncAllowed == true
	not object.get(object.get(p, "automaticUserConsentSettings", {}), "inboundAllowed", false) == true
	path := sprintf("%s/partners/%s/identitySynchronization/userSyncInbound/isSyncAllowed", [cross_tenant_access_path(id), pid])
	msg := sprintf("%s allows user sync from %s but not inbound automatic redemption, so every sync is denied (AUTOMATIC_REDEMPTION_REQUIRED)", [tenant_name(id), tenant_name(pid)])
}

# AUD-NEVER-APPLIES, §8.1: a partner entry for the tenant itself.
findings contains finding("AUD-NEVER-APPLIES", id, sprintf("%s/partners/%s", [cross_tenant_access_path(id), id]), msg) if {
	some id, t in tenants
	partners_of(t)[id]
	msg := sprintf("%s has a partner entry for itself, which no cross-tenant request uses", [tenant_name(id)])
}
