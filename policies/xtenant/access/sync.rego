# Cross-tenant synchronization
# docs/semantics.md §2.9 (R-SYNC-*) with the readings of §8.4 and §8.13. For
# identity_sync the home tenant is the source and the resource tenant the
# target. Across clouds sync passes the cloud gate like B2B collaboration
# (cloud.rego); inside 21Vianet it is not available.
package xtenant.access

sync_request if access_type == "identity_sync"

# R-SYNC-1: the target's partner entry for the source, and only that, allows
# sync (there is no default counterpart, R-INH-5).
sync_allowed_by_target if partner_entry(resource, home).identitySynchronization.userSyncInbound.isSyncAllowed == true

sync_source_setting := "partner" if partner_present(resource, home)

else := null

# R-SYNC-1, R-SYNC-3: isSyncAllowed missing, null or false refuses sync.
sync_reasons contains reason if {
	input.access_type == "identity_sync" # sync_request, indexable
	not sync_allowed_by_target
	reason := {
		"code": "SYNC_NOT_ALLOWED",
		"stage": "sync",
		"tenant": resource,
		"setting": sync_source_setting,
		"rule": "R-SYNC-1",
		"aadsts": null,
		"message": sprintf("%s does not allow %s to synchronize users into it (its partner entry's userSyncInbound.isSyncAllowed is not true)", [tenant_name(resource), tenant_name(home)]),
	}
}

# R-SYNC-5, §8.13: cross-tenant synchronization is not available inside
# 21Vianet.
sync_reasons contains reason if {
	input.access_type == "identity_sync" # sync_request, indexable
	home_cloud == "partner.microsoftonline.cn"
	resource_cloud == "partner.microsoftonline.cn"
	reason := {
		"code": "SYNC_NOT_ALLOWED",
		"stage": "sync",
		"tenant": resource,
		"setting": null,
		"rule": "R-SYNC-5",
		"aadsts": null,
		"message": sprintf("Cross-tenant synchronization from %s to %s is not available inside Microsoft Azure operated by 21Vianet", [tenant_name(home), tenant_name(resource)]),
	}
}

# R-SYNC-2, R-AR-1, R-INH-6: sync requires automatic redemption outbound at
# the source. §8.4: an unconfigured source cannot have allowed it, so nothing
# opens by guess.
sync_reasons contains reason if {
	input.access_type == "identity_sync" # sync_request, indexable
	home_known
	consent_flag(home, resource, "outboundAllowed") != true
	reason := {
		"code": "AUTOMATIC_REDEMPTION_REQUIRED",
		"stage": "sync",
		"tenant": home,
		"setting": member_source(home, resource, "automaticUserConsentSettings", "outboundAllowed"),
		"rule": "R-SYNC-2",
		"aadsts": null,
		"message": sprintf("%s has not turned on automatic redemption outbound for %s, which synchronization requires", [tenant_name(home), tenant_name(resource)]),
	}
}

sync_reasons contains reason if {
	input.access_type == "identity_sync" # sync_request, indexable
	not home_known
	reason := {
		"code": "AUTOMATIC_REDEMPTION_REQUIRED",
		"stage": "sync",
		"tenant": home,
		"setting": null,
		"rule": "R-SYNC-2",
		"aadsts": null,
		"message": sprintf("%s has no configuration here, so its outbound automatic redemption for %s, which synchronization requires, cannot be confirmed", [tenant_name(home), tenant_name(resource)]),
	}
}

# R-SYNC-2, R-AR-1: and inbound at the target.
sync_reasons contains reason if {
	input.access_type == "identity_sync" # sync_request, indexable
	consent_flag(resource, home, "inboundAllowed") != true
	reason := {
		"code": "AUTOMATIC_REDEMPTION_REQUIRED",
		"stage": "sync",
		"tenant": resource,
		"setting": member_source(resource, home, "automaticUserConsentSettings", "inboundAllowed"),
		"rule": "R-SYNC-2",
		"aadsts": null,
		"message": sprintf("%s has not turned on automatic redemption inbound for %s, which synchronization requires", [tenant_name(resource), tenant_name(home)]),
	}
}
