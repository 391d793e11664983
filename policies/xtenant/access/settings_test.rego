package xtenant.access_test

import data.xtenant.access

inbound_half(setting) := setting.b2bCollaborationInbound.usersAndGroups

# R-INH-1: no partner entry, the default applies.
test_no_partner_takes_default if {
	tenants := {r: tenant("Contoso", {"b2bCollaborationInbound": block_all}, {})}
	access.effective_setting(r, h, "b2bCollaborationInbound") == block_all with data.xtenant.tenants as tenants
	access.setting_source(r, h, "b2bCollaborationInbound") == "default" with data.xtenant.tenants as tenants
}

# R-INH-2: a null partner property inherits the default.
test_null_partner_property_takes_default if {
	tenants := {r: tenant("Contoso", {"b2bCollaborationInbound": block_all}, {h: {"b2bCollaborationInbound": null}})}
	access.effective_setting(r, h, "b2bCollaborationInbound") == block_all with data.xtenant.tenants as tenants
}

# R-INH-2, R-INH-4: a present partner property replaces the default whole.
test_partner_property_overrides_default if {
	tenants := {r: tenant("Contoso", {"b2bCollaborationInbound": block_all}, {h: {"b2bCollaborationInbound": allow_all}})}
	access.effective_setting(r, h, "b2bCollaborationInbound") == allow_all with data.xtenant.tenants as tenants
	access.setting_source(r, h, "b2bCollaborationInbound") == "partner" with data.xtenant.tenants as tenants
}

# R-INH-3: a missing half is taken from the same half of the default.
test_half_partner_setting_inherits_other_half if {
	partner := {"b2bCollaborationInbound": {"usersAndGroups": tc("allowed", [target(g1, "group")]), "applications": null}}
	tenants := {r: tenant("Contoso", {"b2bCollaborationInbound": block_all}, {h: partner})}
	got := access.effective_setting(r, h, "b2bCollaborationInbound") with data.xtenant.tenants as tenants
	got.usersAndGroups == tc("allowed", [target(g1, "group")])
	got.applications == block_all.applications
	access.member_source(r, h, "b2bCollaborationInbound", "applications") == "default" with data.xtenant.tenants as tenants
}

# R-INH-3: each null trust flag inherits the default's flag.
test_trust_flags_inherit_per_flag if {
	tenants := {r: tenant("Contoso", {"inboundTrust": trust(true, false, true)}, {h: {"inboundTrust": trust(null, true, null)}})}
	access.trust_flag(r, h, "isMfaAccepted") == true with data.xtenant.tenants as tenants
	access.trust_flag(r, h, "isCompliantDeviceAccepted") == true with data.xtenant.tenants as tenants
	access.member_source(r, h, "inboundTrust", "isCompliantDeviceAccepted") == "partner" with data.xtenant.tenants as tenants
	access.member_source(r, h, "inboundTrust", "isMfaAccepted") == "default" with data.xtenant.tenants as tenants
}

# R-INH-9: nothing stored at all gives the service defaults of §1.15.
test_missing_default_gives_service_default if {
	tenants := {r: {}}
	access.effective_setting(r, h, "b2bDirectConnectInbound") == block_all with data.xtenant.tenants as tenants
	access.effective_setting(r, h, "b2bCollaborationInbound") == allow_all with data.xtenant.tenants as tenants
	access.setting_source(r, h, "b2bCollaborationInbound") == "service_default" with data.xtenant.tenants as tenants
	access.trust_flag(r, h, "isMfaAccepted") == false with data.xtenant.tenants as tenants
}

# R-INH-6: a null partner consent flag inherits false; only a partner value makes it true.
test_consent_flag_only_true_from_partner if {
	tenants := {h: tenant("Fabrikam", {}, {r: {"automaticUserConsentSettings": {"outboundAllowed": true, "inboundAllowed": null}}})}
	access.consent_flag(h, r, "outboundAllowed") == true with data.xtenant.tenants as tenants
	access.consent_flag(h, r, "inboundAllowed") == false with data.xtenant.tenants as tenants
	access.consent_flag(h, x, "outboundAllowed") == false with data.xtenant.tenants as tenants
}

# R-INH-8: each side resolves its own settings; the counterpart's are never read.
test_sides_resolve_independently if {
	tenants := {
		h: tenant("Fabrikam", {}, {r: {"b2bCollaborationInbound": block_all}}),
		r: tenant("Contoso", {}, {}),
	}
	access.effective_setting(r, h, "b2bCollaborationInbound") == allow_all with data.xtenant.tenants as tenants
}

# R-INH-1..3: a whole setting's source is the stronger of its halves'
# sources, whichever half supplies it (partner ▸ default ▸ service default).
test_setting_source_is_the_stronger_half if {
	halves := [
		[{"usersAndGroups": null, "applications": block_all.applications}, {"usersAndGroups": block_all.usersAndGroups}, "partner"],
		[{"usersAndGroups": block_all.usersAndGroups}, {}, "partner"],
		[{"usersAndGroups": null}, {"applications": block_all.applications}, "default"],
		[{}, {"usersAndGroups": block_all.usersAndGroups, "applications": null}, "default"],
		[{"applications": null}, {"usersAndGroups": null}, "service_default"],
	]
	every c in halves {
		tenants := {r: tenant("Contoso", {"b2bCollaborationInbound": c[1]}, {h: {"b2bCollaborationInbound": c[0]}})}
		access.setting_source(r, h, "b2bCollaborationInbound") == c[2] with data.xtenant.tenants as tenants
	}
}

# R-INH-1..4, R-INH-9: effective_setting, whether it takes a stored setting
# whole (whole_setting) or resolves it half by half, is the object of both
# halves' effective_member: a setting with another member (a TR default's
# devices), a null or missing half on either side, a null partner entry.
test_effective_setting_is_its_halves if {
	users := tc("allowed", [target(g1, "group")])
	apps := tc("blocked", [target(a1, "application")])
	prop := "tenantRestrictions"
	cases := [
		{r: tenant("Contoso", {prop: block_all}, {h: {prop: b2b(users, apps)}})},
		{r: tenant("Contoso", {prop: block_all}, {h: {prop: object.union(b2b(users, apps), {"devices": null})}})},
		{r: tenant("Contoso", {prop: object.union(b2b(users, apps), {"devices": null})}, {h: {prop: null}})},
		{r: tenant("Contoso", {prop: b2b(users, apps)}, {h: {prop: b2b(null, null)}})},
		{r: tenant("Contoso", {prop: b2b(users, apps)}, {h: {prop: b2b(null, block_all.applications)}})},
		{r: tenant("Contoso", {prop: b2b(users, null)}, {h: {prop: {"applications": apps}}})},
		{r: tenant("Contoso", {prop: b2b(users, apps)}, {h: null})},
		{r: tenant("Contoso", {prop: {"usersAndGroups": users}}, {})},
		{r: tenant("Contoso", "odd", {h: "odd"})},
		{},
		{r: null},
		{r: false},
	]
	every tenants in cases {
		got := access.effective_setting(r, h, prop) with data.xtenant.tenants as tenants
		got == {half: access.effective_member(r, h, prop, half) | some half in ["usersAndGroups", "applications"]} with data.xtenant.tenants as tenants
	}
	access.effective_setting(r, h, prop) == b2b(users, apps) with data.xtenant.tenants as cases[3]
	access.effective_setting(r, h, prop) == b2b(users, block_all.applications) with data.xtenant.tenants as cases[4]
	every p in ["b2bCollaborationInbound", "b2bCollaborationOutbound", "b2bDirectConnectInbound", "b2bDirectConnectOutbound", "tenantRestrictions"] {
		access.effective_setting(x, h, p) == access.service_default[p] with data.xtenant.tenants as cases[0]
	}
	not access.effective_setting(x, h, "inboundTrust") with data.xtenant.tenants as cases[0]
}
