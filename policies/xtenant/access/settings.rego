# Settings resolution, partner ▸ default ▸ service default
# docs/semantics.md §2.2 (R-INH-*). Tenant x resolves its settings for counterpart
# y independently of y (R-INH-8). Lookups are by key only: the cost of a
# decision does not depend on how many tenants or partners exist.
package xtenant.access

# R-INH-9, §1.15: what a fresh tenant returns, the last source of every
# member. The only place the allow-all and block-all settings are written;
# kept a ground constant, which OPA does not rebuild on every query (built
# from allow_all and block_all it costs each decision 28 allocations more).
service_default := {
	"b2bCollaborationInbound": {"usersAndGroups": {"accessType": "allowed", "targets": [{"target": "AllUsers", "targetType": "user"}]}, "applications": {"accessType": "allowed", "targets": [{"target": "AllApplications", "targetType": "application"}]}},
	"b2bCollaborationOutbound": {"usersAndGroups": {"accessType": "allowed", "targets": [{"target": "AllUsers", "targetType": "user"}]}, "applications": {"accessType": "allowed", "targets": [{"target": "AllApplications", "targetType": "application"}]}},
	"b2bDirectConnectInbound": {"usersAndGroups": {"accessType": "blocked", "targets": [{"target": "AllUsers", "targetType": "user"}]}, "applications": {"accessType": "blocked", "targets": [{"target": "AllApplications", "targetType": "application"}]}},
	"b2bDirectConnectOutbound": {"usersAndGroups": {"accessType": "blocked", "targets": [{"target": "AllUsers", "targetType": "user"}]}, "applications": {"accessType": "blocked", "targets": [{"target": "AllApplications", "targetType": "application"}]}},
	"tenantRestrictions": {"usersAndGroups": {"accessType": "blocked", "targets": [{"target": "AllUsers", "targetType": "user"}]}, "applications": {"accessType": "blocked", "targets": [{"target": "AllApplications", "targetType": "application"}]}},
	"inboundTrust": {
		"isMfaAccepted": false,
		"isCompliantDeviceAccepted": false,
		"isHybridAzureADJoinedDeviceAccepted": false,
	},
	"automaticUserConsentSettings": {"inboundAllowed": false, "outboundAllowed": false},
}

# R-INH-9, §1.15, R-COMB-1: a fresh tenant's allow-all (its B2B
# collaboration) and block-all (its direct connect and tenant restrictions).
allow_all := service_default.b2bCollaborationInbound

block_all := service_default.tenantRestrictions

# partner_entry(x, y) is x's partner configuration for y; undefined if none.
partner_entry(x, y) := tenants[x].crossTenantAccessPolicy.partners[y]

# default_entry(x) is x's stored default configuration; undefined if none.
default_entry(x) := tenants[x].crossTenantAccessPolicy["default"]

# R-INH-1, R-INH-2, R-INH-3, R-INH-9: one member (a half of a B2B or TR
# setting, a trust flag, a consent flag) of property prop, taken from the
# partner entry when it is not null, else from the stored default, else from
# the service default. A present member is taken whole (R-INH-4).
effective_member(x, y, prop, member) := v if {
	v := partner_entry(x, y)[prop][member]
	v != null
} else := v if {
	v := default_entry(x)[prop][member]
	v != null
} else := service_default[prop][member]

# Where effective_member took its value: "partner", "default" or
# "service_default" (the "setting" of a reason).
member_source(x, y, prop, member) := "partner" if {
	partner_entry(x, y)[prop][member] != null
} else := "default" if {
	default_entry(x)[prop][member] != null
} else := "service_default"

# effective_setting(x, y, prop) is the effective B2B or TR setting (both halves).
# R-INH-1..4: a partner entry, or a default without the partner setting
# either half, that sets both halves and nothing else (whole_setting) already
# is the setting the halves resolve to, and is taken as stored: most sides of
# a pair resolve so, and each spares the halves' resolution and a new object
# (a cold pair 4 of them). whole_setting is written out in the first two
# bodies, which every side of a new pair tries: a call each cost it some
# 17 allocations more.
effective_setting(x, y, prop) := s if {
	s := tenants[x].crossTenantAccessPolicy.partners[y][prop]
	s.usersAndGroups != null # whole_setting(s)
	s.applications != null
	count(s) == 2
} else := s if {
	s := tenants[x].crossTenantAccessPolicy["default"][prop]
	s.usersAndGroups != null # whole_setting(s)
	s.applications != null
	count(s) == 2
	not partner_sets_half(x, y, prop)
} else := s if {
	# R-INH-9: an unconfigured tenant (a pair's home tenant, often) has
	# the service default whole
	not tenants[x]
	s := service_default[prop]
	whole_setting(s)
} else := {
	"usersAndGroups": effective_member(x, y, prop, "usersAndGroups"),
	"applications": effective_member(x, y, prop, "applications"),
}

# R-INH-4: a stored setting with both halves set (not null) and no other
# member: what effective_setting builds of its halves.
whole_setting(s) if {
	s.usersAndGroups != null
	s.applications != null
	count(s) == 2
}

# R-INH-1: the partner entry sets a half of prop (not null).
partner_sets_half(x, y, prop) if tenants[x].crossTenantAccessPolicy.partners[y][prop].usersAndGroups != null

partner_sets_half(x, y, prop) if tenants[x].crossTenantAccessPolicy.partners[y][prop].applications != null

# R-INH-1..3: the source reported for a whole setting: the partner's when the
# partner entry supplies either half, else the default's, else the service
# default. Asked of each half's source in turn, without building the set of
# both (member_source's results are kept for the query).
setting_source(x, y, prop) := "partner" if {
	member_source(x, y, prop, "usersAndGroups") == "partner"
} else := "partner" if {
	member_source(x, y, prop, "applications") == "partner"
} else := "default" if {
	member_source(x, y, prop, "usersAndGroups") == "default"
} else := "default" if {
	member_source(x, y, prop, "applications") == "default"
} else := "service_default"

# R-TRUST-2 with R-INH-3: one inbound trust flag of x for partner y.
trust_flag(x, y, flag) := effective_member(x, y, "inboundTrust", flag)

# R-INH-6: automatic redemption flags (only a partner can make them true).
consent_flag(x, y, flag) := effective_member(x, y, "automaticUserConsentSettings", flag)
