# Invitations: external collaboration settings and cross-tenant access
# docs/semantics.md §2.11 (R-INV-*) with the readings of §8.12 and §6 A14, A17.
# The resource tenant is the inviting tenant. The inviter check, the domain
# list and the cross-tenant access settings are all evaluated and every
# failure is listed.
package xtenant.access

invitation_request if access_type == "invitation"

invitation_input := object.get(input, "invitation", {})

inviter_roles := {r | some r in object.get(invitation_input, "inviter_roles", [])}

inviter_user_type := object.get(invitation_input, "inviter_user_type", "member")

invitee_email := lower(object.get(invitation_input, "invitee_email", ""))

# The part after the last "@" (the engine guarantees exactly one).
invitee_domain := d if {
	parts := split(invitee_email, "@")
	count(parts) > 1
	d := parts[count(parts) - 1]
}

# --- R-INV-1: who may invite -------------------------------------------------

# §8.12: an absent allowInvitesFrom means none in microsoftonline.us and
# everyone elsewhere (the inviting tenant's cloud).
allow_invites_from := v if {
	v := tenants[resource].authorizationPolicy.allowInvitesFrom
	v != null
} else := "none" if {
	resource_cloud == "microsoftonline.us"
} else := "everyone"

# §1.17: the roles that adminsAndGuestInviters admits.
inviter_admin_roles := {"globalAdministrator", "userAdministrator", "guestInviter"}

allow_invites_from_values := {"none", "adminsAndGuestInviters", "adminsGuestInvitersAndAllMembers", "everyone"}

inviter_allowed if allow_invites_from == "everyone"

inviter_allowed if {
	allow_invites_from in {"adminsAndGuestInviters", "adminsGuestInvitersAndAllMembers"}
	some role in inviter_roles
	role in inviter_admin_roles
}

inviter_allowed if {
	allow_invites_from == "adminsGuestInvitersAndAllMembers"
	inviter_user_type == "member"
}

invitation_reasons contains reason if {
	input.access_type == "invitation" # invitation_request, indexable
	not inviter_allowed
	reason := {
		"code": "INVITER_NOT_ALLOWED",
		"stage": "invitation",
		"tenant": resource,
		"setting": null,
		"rule": "R-INV-1",
		"aadsts": null,
		"message": sprintf("%s allows invitations from %s only, which this inviter is not", [tenant_name(resource), allow_invites_from]),
	}
}

configuration_reasons contains reason if {
	input.access_type == "invitation" # invitation_request, indexable
	not allow_invites_from in allow_invites_from_values
	reason := {
		"code": "INVALID_CONFIGURATION",
		"stage": "configuration",
		"tenant": resource,
		"setting": null,
		"rule": "R-INV-1",
		"aadsts": null,
		"message": sprintf("%s's authorizationPolicy.allowInvitesFrom holds the unknown value %v", [tenant_name(resource), allow_invites_from]),
	}
}

# --- R-INV-2, R-INV-3: the domain allowlist or blocklist ---------------------

domain_policy := p if {
	p := tenants[resource].b2bManagementPolicy.InvitationsAllowedAndBlockedDomainsPolicy
	is_object(p)
} else := {}

domain_list(name) := {lower(trim_space(d)) | some d in object.get(domain_policy, name, []); is_string(d)}

allowed_domains := domain_list("AllowedDomains")

blocked_domains := domain_list("BlockedDomains")

# §6 A14: the mode is none, allowlist or blocklist.
domain_mode := "invalid" if {
	count(allowed_domains) > 0
	count(blocked_domains) > 0
} else := "allowlist" if {
	count(allowed_domains) > 0
} else := "blocklist" if {
	count(blocked_domains) > 0
} else := "none"

# §8.12: "*.contoso.com" matches every subdomain of contoso.com; any other
# entry matches the domain exactly. Looked up by key: the cost depends on the
# number of labels of the domain, not on the length of the list.
domain_listed(entries, domain) if domain in entries

domain_listed(entries, domain) if {
	labels := split(domain, ".")
	count(labels) > 1
	some i in numbers.range(1, count(labels) - 1)
	concat(".", ["*", concat(".", array.slice(labels, i, count(labels)))]) in entries
}

# R-INV-2: with an allowlist every other domain is blocked.
invitation_reasons contains reason if {
	input.access_type == "invitation" # invitation_request, indexable
	domain_mode == "allowlist"
	not domain_listed(allowed_domains, invitee_domain)
	reason := {
		"code": "INVITATION_DOMAIN_BLOCKED",
		"stage": "invitation",
		"tenant": resource,
		"setting": null,
		"rule": "R-INV-2",
		"aadsts": null,
		"message": sprintf("%s allows invitations only to the domains on its allowlist, which does not hold %s", [tenant_name(resource), invitee_domain]),
	}
}

# R-INV-3: a blocklisted domain is never invitable, whatever cross-tenant
# access says.
invitation_reasons contains reason if {
	input.access_type == "invitation" # invitation_request, indexable
	domain_mode == "blocklist"
	domain_listed(blocked_domains, invitee_domain)
	reason := {
		"code": "INVITATION_DOMAIN_BLOCKED",
		"stage": "invitation",
		"tenant": resource,
		"setting": null,
		"rule": "R-INV-3",
		"aadsts": null,
		"message": sprintf("%s blocks invitations to %s", [tenant_name(resource), invitee_domain]),
	}
}

# R-INV-2: an allowlist and a blocklist together are not a valid policy.
configuration_reasons contains reason if {
	input.access_type == "invitation" # invitation_request, indexable
	domain_mode == "invalid"
	reason := {
		"code": "INVALID_CONFIGURATION",
		"stage": "configuration",
		"tenant": resource,
		"setting": null,
		"rule": "R-INV-2",
		"aadsts": null,
		"message": sprintf("%s's collaboration restrictions hold both an allowlist and a blocklist", [tenant_name(resource)]),
	}
}

# --- R-INV-3, R-INV-5, §6 A17: cross-tenant access settings ------------------

domain_index := data.xtenant.domains if is_object(data.xtenant.domains)

else := {}

# docs/contract.md: the invitee's tenant is home_tenant when it is known (to the
# data, or to the inviting tenant through a partner entry), else the tenant
# whose verified domains hold the address's domain, else none. Inviting one's
# own tenant is not cross-tenant access.
invitee_tenant := home if {
	cross_tenant
	home_known
} else := home if {
	cross_tenant
	partner_present(resource, home)
} else := t if {
	t := object.get(domain_index, invitee_domain, null)
	is_string(t)
	t != resource
}

# R-B2B-4: cross-tenant access settings apply only to Entra identities; with no
# known invitee tenant only the domain rules apply (docs/contract.md).
invitation_checks_b2b_settings if {
	input.access_type == "invitation" # invitation_request, indexable
	entra_identity
	invitee_tenant
}

# The settings consulted (§6 A17, §8.12): the inviting tenant's inbound,
# always; the invitee tenant's outbound when that tenant is configured.
# Each side carries its effective setting, resolved once per evaluation.
invitation_sides contains side if {
	invitation_checks_b2b_settings
	side := invitation_side(resource, invitee_tenant, "b2bCollaborationInbound", "inbound")
}

invitation_sides contains side if {
	invitation_checks_b2b_settings
	tenants[invitee_tenant]
	side := invitation_side(invitee_tenant, resource, "b2bCollaborationOutbound", "outbound")
}

invitation_side(x, y, prop, direction) := {
	"tenant": x,
	"counterpart": y,
	"prop": prop,
	"direction": direction,
	"value": effective_setting(x, y, prop),
	"source": setting_source(x, y, prop),
}

# §8.12: a user or an application named in the input is checked itself;
# otherwise the question is whether any could pass.
invitation_names_user if user_id != ""

invitation_names_app if app_id != ""

some_principal_listed(tc) if {
	invitation_names_user
	principal_listed(tc, request_principal)
}

some_principal_listed(tc) if {
	not invitation_names_user
	some t in tc.targets
	t.targetType in {"user", "group"}
}

some_principal_unlisted(tc) if {
	invitation_names_user
	not principal_listed(tc, request_principal)
}

some_principal_unlisted(tc) if {
	not invitation_names_user
	not all_users_listed(tc)
}

all_users_listed(tc) if {
	some t in tc.targets
	all_users_target(t)
}

some_app_listed(tc) if {
	invitation_names_app
	app_listed(tc, request_app)
}

some_app_listed(tc) if {
	not invitation_names_app
	some t in tc.targets
	t.targetType == "application"
}

some_app_unlisted(tc) if {
	invitation_names_app
	not app_listed(tc, request_app)
}

some_app_unlisted(tc) if {
	not invitation_names_app
	not all_apps_listed(tc)
}

all_apps_listed(tc) if {
	some t in tc.targets
	t.targetType == "application"
	t.target == "AllApplications"
}

# R-COMB-1 asked existentially: some (user, application) pair the setting
# permits, within what the input names. Any other accessType admits nobody
# (R-COMB-2).
invitation_permits_someone(s) if {
	s.usersAndGroups.accessType == "allowed"
	s.applications.accessType == "allowed"
	some_principal_listed(s.usersAndGroups)
	some_app_listed(s.applications)
}

invitation_permits_someone(s) if {
	s.usersAndGroups.accessType == "allowed"
	s.applications.accessType == "blocked"
	some_principal_listed(s.usersAndGroups)
	some_app_unlisted(s.applications)
}

invitation_permits_someone(s) if {
	s.usersAndGroups.accessType == "blocked"
	s.applications.accessType == "allowed"
	some_principal_unlisted(s.usersAndGroups)
	some_app_listed(s.applications)
}

invitation_permits_someone(s) if {
	s.usersAndGroups.accessType == "blocked"
	s.applications.accessType == "blocked"
	some_principal_unlisted(s.usersAndGroups)
}

invitation_permits_someone(s) if {
	s.usersAndGroups.accessType == "blocked"
	s.applications.accessType == "blocked"
	some_app_unlisted(s.applications)
}

invitation_names_someone if invitation_names_user

invitation_names_someone if invitation_names_app

invitation_blocked_phrase := "block the named user or application" if invitation_names_someone

else := "admit no user or application"

# R-INV-3, R-INV-5: an invitation that no one could use is refused by
# cross-tenant access settings (no Entra code is published for it).
invitation_reasons contains reason if {
	input.access_type == "invitation" # indexable guard: invitation_sides is empty otherwise
	some side in invitation_sides
	not invitation_permits_someone(side.value)
	reason := {
		"code": "INVITATION_BLOCKED_BY_CROSS_TENANT_ACCESS",
		"stage": "invitation",
		"tenant": side.tenant,
		"setting": side.source,
		"rule": "R-INV-5",
		"aadsts": null,
		"message": sprintf("This invitation is blocked by cross-tenant access settings: %s's %s B2B collaboration settings for %s %s", [tenant_name(side.tenant), side.direction, tenant_name(side.counterpart), invitation_blocked_phrase]),
	}
}

# §8.1: the settings the invitation needs must be valid: R-COMB-2, R-TGT-6,
# V-1, V-3, V-4, V-5 (validation.rego).
configuration_reasons contains reason if {
	input.access_type == "invitation" # indexable guard: invitation_sides is empty otherwise
	some side in invitation_sides
	some reason in setting_reasons(side.tenant, side.counterpart, side.prop, side.value, sprintf("%s B2B collaboration", [side.direction]))
}
