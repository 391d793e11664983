# Target matching and the allow/block algebra
# docs/semantics.md §2.3 (R-TGT-*) and §2.4 (R-COMB-*). A principal is
# {"id": <user object id>, "groups": <set of group ids>}; an app is
# {"id": <resource app id>, "client_id": <client app id or null>}. Ids are
# lower case (the loader normalises data, the engine normalises input).
package xtenant.access

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

# Whom a setting admits, decided once per tenant pair (tenant_pair.rego): a
# fresh tenant's allow-all admits every principal and app, its block-all
# none (R-COMB-1); any other setting "some", to be matched per request.
permits_whom(setting) := "all" if {
	setting == allow_all
} else := "none" if {
	setting == block_all
} else := "some"

# The principal and the app of the current sign-in request.
request_principal := {"id": user_id, "groups": user_groups}

request_app := {"id": app_id, "client_id": client_id}
