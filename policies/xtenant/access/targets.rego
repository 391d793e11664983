# Target matching and the allow/block algebra
# docs/semantics.md §2.3 (R-TGT-*) and §2.4 (R-COMB-*). A principal is
# {"id": <user object id>, "groups": <set of group ids>}; an app is
# {"id": <resource app id>, "client_id": <client app id or null>}. Ids are
# lower case (the loader normalises data, the engine normalises input).
package xtenant.access

# The per-request rules (digest_app_tokens, ca_class_policies,
# direct_connect_eligible) read data.xtenant.catalog directly, which spares
# each request this rule.
catalog := data.xtenant.catalog

# R-TGT-1, R-TGT-2, R-TGT-4: the principal is contained in a target
# configuration when any target matches. An empty list contains nothing (R-TGT-5).
principal_listed(tc, _) if {
	some t in tc.targets
	all_users_target(t)
}

principal_listed(tc, p) if {
	some t in tc.targets
	t.targetType == "user"
	t.target == p.id
}

principal_listed(tc, p) if {
	some t in tc.targets
	t.targetType == "group"
	p.groups[t.target]
}

# R-TGT-1: the AllUsers keyword (invitations ask whether a half lists it).
all_users_target(t) if {
	t.targetType == "user"
	t.target == "AllUsers"
}

# R-TGT-3: AllApplications matches every app; Office365 and AllMicrosoftApps
# match the resource app against the catalog; an id matches the resource or
# the client app id (§6 A5).
app_listed(tc, _) if {
	some t in tc.targets
	t.targetType == "application"
	t.target == "AllApplications"
}

app_listed(tc, app) if {
	some t in tc.targets
	t.targetType == "application"
	t.target == "Office365"
	catalog.office365[app.id]
}

app_listed(tc, app) if {
	some t in tc.targets
	t.targetType == "application"
	t.target == "AllMicrosoftApps"
	catalog.microsoft_first_party[app.id]
}

app_listed(tc, app) if {
	some t in tc.targets
	t.targetType == "application"
	t.target in {app.id, app.client_id}
}

# R-COMB-1: the four allowed/blocked combinations. Any other accessType falls
# through every rule, so the setting permits nothing (R-COMB-2).
permits(setting, p, app) if {
	setting.usersAndGroups.accessType == "allowed"
	setting.applications.accessType == "allowed"
	principal_listed(setting.usersAndGroups, p)
	app_listed(setting.applications, app)
}

permits(setting, p, app) if {
	setting.usersAndGroups.accessType == "allowed"
	setting.applications.accessType == "blocked"
	principal_listed(setting.usersAndGroups, p)
	not app_listed(setting.applications, app)
}

permits(setting, p, app) if {
	setting.usersAndGroups.accessType == "blocked"
	setting.applications.accessType == "allowed"
	not principal_listed(setting.usersAndGroups, p)
	app_listed(setting.applications, app)
}

# The blocked/blocked rectangle: only listed principals × listed apps are kept out.
permits(setting, p, app) if {
	setting.usersAndGroups.accessType == "blocked"
	setting.applications.accessType == "blocked"
	not in_rectangle(setting, p, app)
}

in_rectangle(setting, p, app) if {
	principal_listed(setting.usersAndGroups, p)
	app_listed(setting.applications, app)
}

# ---- Settings digested once per tenant pair ----

# R-TGT-1..4, R-COMB-1: what permits needs of a setting that admits "some"
# (side_summary), read once per tenant pair (tenant_pair.rego) so that a
# request is matched with a few set lookups: the accessTypes of both halves
# (null when either is missing: R-COMB-2, nothing is permitted), and the
# targets by targetType. The targets are kept whole, so a keyword or an id
# matches exactly as in principal_listed and app_listed.
target_digest(setting) := {
	"access": digest_access(setting),
	"users": {t.target | some t in setting.usersAndGroups.targets; t.targetType == "user"},
	"groups": {t.target | some t in setting.usersAndGroups.targets; t.targetType == "group"},
	"apps": {t.target | some t in setting.applications.targets; t.targetType == "application"},
}

digest_access(setting) := [u, a] if {
	u := setting.usersAndGroups.accessType
	a := setting.applications.accessType
} else := null

# R-TGT-3, §6 A5: the application targets that name the request's app:
# AllApplications, its resource and client ids, and Office365 or
# AllMicrosoftApps when the catalog lists it there.
digest_app_tokens := ({"AllApplications", app_id, client_id} | {"Office365" | data.xtenant.catalog.office365[app_id]}) | {"AllMicrosoftApps" | data.xtenant.catalog.microsoft_first_party[app_id]}

# R-COMB-1, R-TGT-1..4: a side of the pair summary (home outbound, resource
# inbound, the direct connect sides): whom its setting admits, decided once
# per tenant pair (tenant_pair.rego) — a fresh tenant's allow-all admits every
# principal and app, its block-all none, any other setting "some", to be
# matched per request — and, for "some", its digest (target_digest). One
# chain of ground results, so that a side costs one function call.
side_summary(setting) := {"permits_whom": "all", "targets": null} if {
	setting == allow_all
} else := {"permits_whom": "none", "targets": null} if {
	setting == block_all
} else := {"permits_whom": "some", "targets": target_digest(setting)}

# R-COMB-1: does the side's setting permit the request's principal and app?
side_permits(side) if side.permits_whom == "all"

# R-COMB-1, R-TGT-1..4: for "some", permits(setting, request_principal,
# request_app) on the digest (target_digest). The B2B stages ask it alone
# once they know the side does not admit all (b2b.rego).
side_permits(side) if side_some_permits(side)

# R-TGT-1, R-TGT-2, R-TGT-4: the user targets that name the request's
# principal are AllUsers and its id (its groups are matched on their own).
# R-COMB-1: the table gives, for each pair of accessTypes, the [principal
# listed, app listed] combinations the setting permits (the four rules of
# permits); any other accessType permits nothing (R-COMB-2). Both are
# written in place (ground but for the id) rather than as rules, which
# every request would enter.
side_some_permits(side) if {
	side.permits_whom == "some"
	d := side.targets
	users_listed := (count(d.users & {"AllUsers", user_id}) + count(d.groups & user_groups)) > 0
	apps_listed := count(d.apps & digest_app_tokens) > 0
	[users_listed, apps_listed] in {
		"allowed": {"allowed": {[true, true]}, "blocked": {[true, false]}},
		"blocked": {"allowed": {[false, true]}, "blocked": {[false, false], [false, true], [true, false]}},
	}[d.access[0]][d.access[1]]
}

# The principal and the app of the current sign-in request.
request_principal := {"id": user_id, "groups": user_groups}

request_app := {"id": app_id, "client_id": client_id}
