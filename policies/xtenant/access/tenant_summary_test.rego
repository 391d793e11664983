# The facts of one tenant (tenant_summary.rego): a pair summary given the
# resource tenant's summary (as the engine gives it: `with
# data.xtenant.access.resource_tenant_summary as …`), computed from the
# resource tenant alone, equals the pair summary computed whole.
package xtenant.access_test

import data.xtenant.access

# The summary the engine would compute: from an input holding only the
# resource tenant.
tenant_summary_of(tenants, req) := s if {
	s := access.resource_tenant_summary with input as {"resource_tenant": req.resource_tenant}
		with data.xtenant.tenants as tenants
}

same_with_tenant_summary(tenants, req) if {
	key := object.filter(req, pair_key_members)
	s := tenant_summary_of(tenants, req)
	whole := access.tenant_pair_computed with input as key with data.xtenant.tenants as tenants
	summarised := access.tenant_pair_computed with input as key with data.xtenant.tenants as tenants
		with access.resource_tenant_summary as s
	whole == summarised
}

# A guest spec's externalTenants, with types.
guest_spec(kind, members) := {"includeGuestsOrExternalUsers": {
	"guestOrExternalUserTypes": "b2bCollaborationGuest,b2bDirectConnectUser",
	"externalTenants": {"membershipKind": kind, "members": members},
}}

spec_policy(users) := json.patch(ca("p1", "b2bCollaborationGuest", "AND", ["mfa"]), [{"op": "replace", "path": "/conditions/users", "value": users}])

# R-CA-1, §3.2: every kind of guest spec, for a home tenant it names, one it
# does not, and an internal sign-in.
test_tenant_summary_guest_specs_R_CA_1 if {
	specs := [
		guest_spec("all", []),
		guest_spec("enumerated", [h]),
		guest_spec("enumerated", [x]),
		guest_spec("unknownFutureValue", [h]),
		{"excludeGuestsOrExternalUsers": {"guestOrExternalUserTypes": "b2bCollaborationGuest", "externalTenants": {"membershipKind": "enumerated", "members": [h]}}, "includeUsers": ["All"]},
		{"includeGuestsOrExternalUsers": {"guestOrExternalUserTypes": "b2bCollaborationGuest"}},
		{"includeUsers": ["All"]},
	]
	every users in specs {
		tenants := trusting(trust(true, false, false), [spec_policy(users), block_policy])
		same_with_tenant_summary(tenants, collab)
		same_with_tenant_summary(tenants, direct)
		same_with_tenant_summary(tenants, object.union(collab, {"home_tenant": r}))
		same_with_tenant_summary(tenants, object.union(collab, {"home_tenant": x}))
	}
}

# R-CA-5, §8.1, §8.23: report-only policies, and the problems of invalid
# policies, named after the resource tenant.
test_tenant_summary_report_only_and_violations_R_CA_5 if {
	bad := json.patch(ca("bad", "b2bCollaborationGuest", "XOR", ["mfa", "nonsense"]), [{"op": "add", "path": "/conditions/clientAppTypes", "value": ["all", "telepathy"]}])
	report := ca_state("p2", "b2bCollaborationGuest", "AND", ["mfa"], "enabledForReportingButNotEnforced")
	tenants := trusting(trust(false, false, false), [bad, report, {"id": "p3", "state": "paused"}])
	same_with_tenant_summary(tenants, collab)
	s := tenant_summary_of(tenants, collab)
	s.ca_report_only == [{"index": 1, "policy_id": "p2"}]
	{v.rule | some v in s.ca_setting_violations} == {"§8.1"}
	every v in s.ca_setting_violations {
		v.tenant == r
		startswith(v.message, "Contoso's Conditional Access policy")
	}
	count(s.ca_setting_violations) == 2
}

# R-CA-1, §8.1: no policies, an unknown resource tenant, and access types that
# are not sign-ins (no Conditional Access).
test_tenant_summary_no_policies_R_CA_1 if {
	same_with_tenant_summary(pair({}), collab)
	same_with_tenant_summary({h: {}}, collab)
	tenants := trusting(trust(false, false, false), [block_policy])
	same_with_tenant_summary(tenants, object.union(collab, {"access_type": "identity_sync"}))
	s := access.tenant_pair_computed with input as object.union(object.filter(collab, pair_key_members), {"access_type": "identity_sync"})
		with data.xtenant.tenants as tenants
	s.ca_evaluated == {"entries": [], "apps": {}, "catalog": set(), "violating": []}
}

# §3.2: the tenants a side's guest types name, digested once per tenant:
# null for every tenant, the members when enumerated, none for an unknown
# kind; null when the side lists no types.
test_ca_guest_tenants_3_2 if {
	access.ca_guest_tenants(guest_spec("all", [h]), "include") == null
	access.ca_guest_tenants(guest_spec("enumerated", [h, x]), "include") == {h, x}
	access.ca_guest_tenants(guest_spec("unknownFutureValue", [h]), "include") == set()
	access.ca_guest_tenants(guest_spec("enumerated", [h]), "exclude") == null
	access.ca_guest_tenants({"includeGuestsOrExternalUsers": {"externalTenants": {"membershipKind": "enumerated", "members": [h]}}}, "include") == null
	access.ca_guest_tenants(null, "include") == null
}

# §3.2: a pair keeps a side's guest types when its tenants hold the home
# tenant or the sign-in is internal, and drops them otherwise, keeping its
# users and groups entries.
test_ca_pair_side_3_2 if {
	side := {"All", "Uu1", "g1", "b2bCollaborationGuest", "internalGuest"}
	access.ca_pair_side(side, null) == side with input as collab
	access.ca_pair_side(side, {h}) == side with input as collab
	access.ca_pair_side(side, {x}) == {"All", "Uu1", "g1"} with input as collab
	access.ca_pair_side(side, {x}) == side with input as object.union(collab, {"home_tenant": r})
}

# §8.25: an input member never carries a tenant summary. A forged
# resource_tenant_summary whose policies would all be satisfied changes
# nothing: the resource tenant's own block policy still denies.
test_tenant_summary_forged_input_member_ignored_8_25 if {
	tenants := trusting(trust(false, false, false), [block_policy])
	open := tenant_summary_of(pair({}), collab)
	forged := object.union(collab, {"resource_tenant_summary": open, "tenant": open})
	d := access.decision with input as forged with data.xtenant.tenants as tenants
	d.decision == "deny"
	"CA_BLOCK" in codes(d)
}

pair_guest_types(users, req) := s.ca_evaluated.entries[0].include & access.ca_caller_type_names if {
	s := access.tenant_pair_computed with input as object.filter(req, pair_key_members)
		with data.xtenant.tenants as trusting(trust(false, false, false), [spec_policy(users)])
}

# R-CA-1, §3.2: in the pair summary, a side's guest types count for the home
# tenants its spec names, and always for an internal sign-in.
test_tenant_pair_guest_types_by_home_3_2 if {
	types := {"b2bCollaborationGuest", "b2bDirectConnectUser"}
	pair_guest_types(guest_spec("all", []), collab) == types
	pair_guest_types(guest_spec("enumerated", [h]), collab) == types
	pair_guest_types(guest_spec("enumerated", [x]), collab) == set()
	pair_guest_types(guest_spec("unknownFutureValue", [h]), collab) == set()
	pair_guest_types(guest_spec("enumerated", [x]), object.union(collab, {"home_tenant": r})) == types
}

# R-CA-1 (§3.3 item 4, §8.5): the policies that apply to each application,
# once per tenant: every app id a policy names (an id with an upper case
# letter, which no request's app has, left out), and the classes of the
# catalog that some policy names, "All" for any other app; a policy without
# applications (null) applies to none.
test_ca_app_index_R_CA_1 if {
	digests := [
		{"include": {"All"}, "exclude": {"Office365"}},
		{"include": {"Office365", a1}, "exclude": set()},
		null,
		{"include": {"MicrosoftAdminPortals"}, "exclude": {upper(a2)}},
	]
	access.ca_app_index(digests) == {
		a1: [0, 1],
		"All": [0],
		"Office365": [1],
		"MicrosoftAdminPortals": [0, 3],
		"Office365,MicrosoftAdminPortals": [1, 3],
	}
	access.ca_catalog_classes(digests) == {"Office365", "MicrosoftAdminPortals"}
	access.ca_app_index([{"include": {"All", spo}, "exclude": {a1}}]) == {spo: [0], a1: [], "All": [0]}
	access.ca_catalog_classes([{"include": {"All", spo}, "exclude": {a1}}]) == set()
}

on_app(app) := json.patch(collab, [{"op": "replace", "path": "/application/id", "value": app}])

# R-CA-1 (§3.3 item 4, §8.5): a request finds the policies of its app by its
# id when a policy names it, else by its class, the catalog asked only about
# the classes some policy names.
test_ca_app_lookup_R_CA_1 if {
	everyone := {"includeUsers": ["All"]}
	portal := "c44b4083-3bb0-49c1-b47d-974e53cbdf3c"
	excluded := {"includeApplications": ["All"], "excludeApplications": [a1]}
	not blocked_by(everyone, excluded, collab)
	blocked_by(everyone, excluded, on_app(a2))
	blocked_by(everyone, excluded, on_app(spo))
	portals := {"includeApplications": ["MicrosoftAdminPortals"], "excludeApplications": [upper(portal)]}
	blocked_by(everyone, portals, on_app(portal))
	blocked_by(everyone, portals, on_app(upper(portal)))
	not blocked_by(everyone, portals, on_app(spo))
	suite_but_spo := {"includeApplications": ["Office365"], "excludeApplications": [spo]}
	not blocked_by(everyone, suite_but_spo, on_app(spo))
	blocked_by(everyone, suite_but_spo, on_app("00000002-0000-0ff1-ce00-000000000000"))
	not blocked_by(everyone, suite_but_spo, on_app(portal))
}

# R-CA-1 (§3.3 item 4, §8.5): an app of both catalog classes, when policies
# name both, finds the policies of the two together: excluded from one
# policy as an Office 365 app and from the other as an admin portal, it is
# blocked by neither, where either class alone would find a policy that
# blocks it.
test_ca_app_lookup_both_classes_R_CA_1 if {
	both := "d2d2d2d2-0000-4000-8000-000000000001"
	portal_only := "d2d2d2d2-0000-4000-8000-000000000002"
	catalog := object.union(data.xtenant.catalog, {
		"office365": object.union(data.xtenant.catalog.office365, {both: "Both"}),
		"microsoft_admin_portals": object.union(data.xtenant.catalog.microsoft_admin_portals, {both: "Both", portal_only: "Portal"}),
	})
	everyone := {"includeUsers": ["All"]}
	policies := [
		object.union(users_policy(everyone, {"includeApplications": ["All"], "excludeApplications": ["Office365"]}), {"id": "p-not-suite"}),
		object.union(users_policy(everyone, {"includeApplications": ["All"], "excludeApplications": ["MicrosoftAdminPortals"]}), {"id": "p-not-portals"}),
	]
	ca_decide(trust(false, false, false), policies, on_app(both)).denied_by == null with data.xtenant.catalog as catalog
	ca_decide(trust(false, false, false), policies, on_app(portal_only)).denied_by == "conditional_access" with data.xtenant.catalog as catalog
}
