# Tenant restrictions v2
# docs/semantics.md §2.10 (R-TR-*) with the readings of §8.3 and §6 A3, A12, A13.
# The stage runs only when the TRv2 signal (tenant_restrictions) is present
# and is independent of inbound and outbound settings (R-TR-1).
package xtenant.access

# R-TR-2: the signal is sec-Restrict-Tenant-Access-Policy: <T>:<policy id>.
# §8.25: both ids of the signal in lower case.
tr_signal := {
	"tenant": canonical_id(object.get(input.tenant_restrictions, "tenant", null)),
	"policy_id": canonical_id(object.get(input.tenant_restrictions, "policy_id", null)),
} if is_object(input.tenant_restrictions)

tr_tenant := tr_signal.tenant

# T's cloud: its configured cloud, else commercial (as for any tenant).
tr_tenant_cloud := tenants[tr_tenant].cloud if {
	is_string(tenants[tr_tenant].cloud)
} else := default_cloud

# §8.3, R-TR-2, R-TR-3, R-TR-4, R-CC-5: only sign-ins carrying the signal;
# never T's own accounts; never across clouds (home vs resource, T vs
# resource).
tr_applies if {
	sign_in
	tr_signal
	home != tr_tenant
	not cross_cloud
	tr_tenant_cloud == resource_cloud
}

# R-TR-2, §6 A13: the policy id must be the id of T's default configuration.
tr_policy_known if default_entry(tr_tenant).id == tr_signal.policy_id

# R-TR-5, §8.3, §6 A3: T's settings are keyed by the tenant whose identity is
# used (the home tenant) and, when the accessed tenant is a third tenant, by
# that tenant as well; either one denying denies.
tr_keys contains home

tr_keys contains resource if {
	resource != home
	resource != tr_tenant
}

# R-TR-5: what the stage needs of T's setting for each key, computed once.
tr_facts := {x: tr_key(tr_tenant, x) | some x in tr_keys}

# R-TR-5, R-INH-2/3, R-TR-6, §8.1: the facts of T's tenantRestrictions for
# key x. The engine caches them per (T, x): its own compiled copy of the
# policy reads them through a built-in that no bundle or input can reach
# (engine/summarybuiltin.go), and any other OPA (stock `opa`, every Data API
# path) computes them here. Nothing in tr_key_computed may read the input.
tr_key(t, x) := tr_key_computed(t, x)

# R-INH-2/3: T's effective tenantRestrictions for x (R-TR-7, §6 A12: devices
# filters are not enforced, so only the two halves are kept), digested for
# matching (side_summary, R-COMB-1), with where its halves come from and
# its configuration checks (V-2..V-5, validation.rego).
tr_key_computed(t, x) := {
	"side": side_summary(setting),
	"source": setting_source(t, x, "tenantRestrictions"),
	"configuration_reasons": setting_reasons(t, x, "tenantRestrictions", setting, "tenant restrictions"),
} if {
	setting := effective_setting(t, x, "tenantRestrictions")
}

# One guarded rule, so that a sign-in without the signal evaluates a single
# body instead of every check; the signal's member is read first, so that
# such a sign-in enters no other rule (tr_applies needs tr_signal).
tenant_restrictions_reasons contains reason if {
	input.tenant_restrictions
	tr_applies
	some reason in tr_reasons
}

# §6 A13: an unknown T or a policy id that is not T's default id fails closed.
tr_reasons contains reason if {
	not tr_policy_known
	reason := {
		"code": "TENANT_RESTRICTIONS_POLICY_UNKNOWN",
		"stage": "tenant_restrictions",
		"tenant": tr_tenant,
		"setting": null,
		"rule": "R-TR-2",
		"aadsts": null,
		"message": sprintf("The tenant restrictions signal names policy %s of %s, which is not that tenant's tenant restrictions policy", [tr_signal.policy_id, tenant_name(tr_tenant)]),
	}
}

# R-TR-6, R-TR-8: R-COMB-1 over T's setting for the key, with user and group
# targets matched against the home tenant's ids; a deny is AADSTS5000211.
tr_reasons contains reason if {
	tr_policy_known
	some x, facts in tr_facts
	not side_permits(facts.side)
	reason := {
		"code": "TENANT_RESTRICTED",
		"stage": "tenant_restrictions",
		"tenant": tr_tenant,
		"setting": facts.source,
		"rule": "R-TR-6",
		"aadsts": "AADSTS5000211",
		"message": sprintf("%s's tenant restrictions for %s do not allow this %s account to use this application", [tenant_name(tr_tenant), tenant_name(x), tenant_name(home)]),
	}
}

# The stage's configuration checks, guarded like tenant_restrictions_reasons:
# one body for a sign-in without the signal.
configuration_reasons contains reason if {
	input.tenant_restrictions
	some reason in tr_configuration_reasons
}

# §8.1: the TR settings the stage applies must be valid: R-COMB-2, R-TGT-6,
# V-2..V-5 (validation.rego).
tr_configuration_reasons contains reason if {
	tr_applies
	tr_policy_known
	some facts in tr_facts
	some reason in facts.configuration_reasons
}

# R-CC-1: T's configured cloud decides whether the stage runs.
tr_configuration_reasons contains reason if {
	sign_in
	tr_signal
	not tr_tenant_cloud in known_clouds
	reason := {
		"code": "INVALID_CONFIGURATION",
		"stage": "configuration",
		"tenant": tr_tenant,
		"setting": null,
		"rule": "R-CC-1",
		"aadsts": null,
		"message": sprintf("%s is configured in an unknown Microsoft cloud %v", [tenant_name(tr_tenant), tr_tenant_cloud]),
	}
}
