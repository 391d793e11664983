package xtenant.access_test

import data.xtenant.access

cc_h := "11111111-1111-1111-1111-111111111111"

cc_r := "22222222-2222-2222-2222-222222222222"

cc_com := "microsoftonline.com"

cc_us := "microsoftonline.us"

cc_cn := "partner.microsoftonline.cn"

# A tenant in cloud c that enables the clouds in endpoints and has partner
# entries for the ids in partners.
cc_tenant(name, c, endpoints, partners) := {
	"displayName": name,
	"cloud": c,
	"crossTenantAccessPolicy": {
		"allowedCloudEndpoints": endpoints,
		"partners": {p: {} | some p in partners},
	},
}

# H commercial, R Government, both enabled and partnered.
cc_tenants := {
	cc_h: cc_tenant("Fabrikam", cc_com, [cc_us], [cc_r]),
	cc_r: cc_tenant("Contoso", cc_us, [cc_com], [cc_h]),
}

cc_input := {
	"access_type": "b2b_collaboration",
	"home_tenant": cc_h,
	"resource_tenant": cc_r,
	"user": {"id": "a1a1a1a1-0000-4000-8000-000000000001", "groups": []},
	"application": {"id": "d1d1d1d1-0000-4000-8000-0000000000a1"},
}

cc_decide(tenants, inp) := v if {
	v := access.decision with data.xtenant.tenants as tenants with input as inp
}

cc_reasons(tenants, inp) := v if {
	v := access.cloud_reasons with data.xtenant.tenants as tenants with input as inp
}

cc_config(tenants, inp) := v if {
	v := access.configuration_reasons with data.xtenant.tenants as tenants with input as inp
}

cc_codes(d) := [r.code | some r in d.reasons]

# R-CC-3, R-CC-4: both sides enable the other cloud and hold a partner entry,
# so the gate passes and the defaults apply.
test_cross_cloud_enabled_both_sides_allowed if {
	d := cc_decide(cc_tenants, cc_input)
	d.decision == "allow"
	count(cc_reasons(cc_tenants, cc_input)) == 0
}

# R-CC-3, R-CC-7, §6 A11: the resource tenant has no partner entry for the
# home tenant, so the cloud stage denies without an error code.
test_cross_cloud_resource_partner_missing_denied if {
	tenants := {cc_h: cc_tenants[cc_h], cc_r: cc_tenant("Contoso", cc_us, [cc_com], [])}
	d := cc_decide(tenants, cc_input)
	d.decision == "deny"
	d.denied_by == "cloud"
	d.error_code == null
	d.reasons[0] == {
		"code": "CROSS_CLOUD_NOT_ENABLED",
		"stage": "cloud",
		"tenant": cc_r,
		"setting": null,
		"rule": "R-CC-3",
		"aadsts": null,
		"message": "Contoso has not added Fabrikam as a partner, which collaboration across clouds requires",
	}
}

# R-CC-3: the home tenant has not enabled the resource tenant's cloud.
test_cross_cloud_home_cloud_not_enabled_denied if {
	tenants := object.union(cc_tenants, {cc_h: cc_tenant("Fabrikam", cc_com, [], [cc_r])})
	[r] := [r | some r in cc_reasons(tenants, cc_input)]
	r.tenant == cc_h
	r.message == "Fabrikam has not enabled microsoftonline.us in its Microsoft cloud settings"
}

# R-CC-3, R-INH-7: a tenant that neither enabled the cloud nor added the
# partner; both sides are reported when both miss something.
test_cross_cloud_nothing_configured_denied_both_sides if {
	tenants := {
		cc_h: cc_tenant("Fabrikam", cc_com, [], []),
		cc_r: {"displayName": "Contoso", "cloud": cc_us, "crossTenantAccessPolicy": {"allowedCloudEndpoints": null, "partners": {cc_h: null}}},
	}
	reasons := cc_reasons(tenants, cc_input)
	{r.tenant | some r in reasons} == {cc_h, cc_r}
	some r in reasons
	r.message == "Contoso has neither enabled microsoftonline.com in its Microsoft cloud settings nor added Fabrikam as a partner"
}

# §8.2: an unconfigured home tenant's side is skipped.
test_cross_cloud_unconfigured_home_side_skipped_allowed if {
	tenants := {cc_r: cc_tenant("Contoso", cc_us, [cc_com], [cc_h])}
	inp := object.union(cc_input, {"home_cloud": cc_com})
	count(cc_reasons(tenants, inp)) == 0
}

# R-CC-2: Government and 21Vianet cannot collaborate at all.
test_cross_cloud_government_to_21vianet_unsupported if {
	tenants := {
		cc_h: cc_tenant("Fabrikam", cc_cn, [cc_us], [cc_r]),
		cc_r: cc_tenant("Contoso", cc_us, [cc_cn], [cc_h]),
	}
	d := cc_decide(tenants, cc_input)
	d.denied_by == "cloud"
	d.error_code == null
	cc_codes(d) == ["CROSS_CLOUD_UNSUPPORTED"]
	d.reasons[0].rule == "R-CC-2"
}

# R-CC-2: commercial and 21Vianet is a supported pair.
test_cross_cloud_commercial_to_21vianet_allowed if {
	tenants := {
		cc_h: cc_tenant("Fabrikam", cc_com, [cc_cn], [cc_r]),
		cc_r: cc_tenant("Contoso", cc_cn, [cc_com], [cc_h]),
	}
	count(cc_reasons(tenants, cc_input)) == 0
}

# R-CC-5: B2B direct connect is not available across clouds, even between
# enabled partners.
test_cross_cloud_direct_connect_unsupported if {
	inp := object.union(cc_input, {"access_type": "b2b_direct_connect"})
	[r] := [r | some r in cc_reasons(cc_tenants, inp)]
	r.code == "CROSS_CLOUD_UNSUPPORTED"
	r.rule == "R-CC-5"
}

# §8.2: the input's clouds win over the configured ones; in the same cloud
# the gate does not run.
test_cross_cloud_same_cloud_skipped if {
	tenants := {cc_h: cc_tenant("Fabrikam", cc_com, [], []), cc_r: cc_tenant("Contoso", cc_us, [], [])}
	inp := object.union(cc_input, {"home_cloud": cc_us, "resource_cloud": cc_us})
	count(cc_reasons(tenants, inp)) == 0
}

# §8.2, R-B2B-4: non-Entra identities do not pass the gate.
test_cross_cloud_non_entra_identity_skipped if {
	tenants := {cc_h: cc_tenant("Fabrikam", cc_com, [], []), cc_r: cc_tenant("Contoso", cc_us, [], [])}
	inp := object.union(cc_input, {"identity_kind": "msa"})
	count(cc_reasons(tenants, inp)) == 0
}

# §2.13 step 1: the same tenant on both sides is not cross-tenant access.
test_cross_cloud_same_tenant_skipped if {
	tenants := {cc_r: cc_tenant("Contoso", cc_us, [], [])}
	inp := object.union(cc_input, {"home_tenant": cc_r, "home_cloud": cc_com})
	count(cc_reasons(tenants, inp)) == 0
}

# R-CC-1: a tenant configured in a cloud xtenant does not know is an invalid
# configuration, never guessed open.
test_cross_cloud_unknown_tenant_cloud_invalid_configuration if {
	tenants := object.union(cc_tenants, {cc_r: cc_tenant("Contoso", "microsoftonline.de", [cc_com], [cc_h])})
	d := cc_decide(tenants, cc_input)
	d.denied_by == "configuration"
	cc_codes(d) == ["INVALID_CONFIGURATION"]
	d.reasons[0].rule == "R-CC-1"
	d.reasons[0].tenant == cc_r
}

# R-CC-1: an unknown value in allowedCloudEndpoints of a side the gate reads.
test_cross_cloud_unknown_endpoint_invalid_configuration if {
	tenants := object.union(cc_tenants, {cc_h: cc_tenant("Fabrikam", cc_com, [cc_us, "unknownFutureValue"], [cc_r])})
	[r] := [r | some r in cc_config(tenants, cc_input)]
	r.code == "INVALID_CONFIGURATION"
	r.tenant == cc_h
	r.message == "Fabrikam's Microsoft cloud settings hold an unknown cloud unknownFutureValue"
}

# R-CC-1: the same unknown endpoint is harmless when the gate does not run.
test_cross_cloud_unknown_endpoint_same_cloud_ignored if {
	tenants := {cc_h: cc_tenant("Fabrikam", cc_com, ["unknownFutureValue"], []), cc_r: cc_tenants[cc_r]}
	inp := object.union(cc_input, {"resource_cloud": cc_com})
	count(cc_config(tenants, inp)) == 0
}
