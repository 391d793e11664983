package xtenant.access_test

import data.xtenant.access

member := {"id": u1, "groups": {g1}}

outsider := {"id": u2, "groups": set()}

app1 := {"id": a1, "client_id": null}

app2 := {"id": a2, "client_id": null}

in_g1 := [target(g1, "group")]

in_a1 := [target(a1, "application")]

# R-COMB-1: Microsoft's interpretation table, each row as
# [row, users, apps, {principal/app pair: permitted}].
comb_rows := [
	[1, tc("blocked", all_users), tc("blocked", all_apps), [false, false, false, false]],
	[2, tc("allowed", all_users), tc("allowed", all_apps), [true, true, true, true]],
	[3, tc("allowed", in_g1), tc("allowed", all_apps), [true, true, false, false]],
	[4, tc("allowed", all_users), tc("allowed", in_a1), [true, false, true, false]],
	[5, tc("allowed", in_g1), tc("blocked", in_a1), [false, true, false, false]],
	[6, tc("blocked", in_g1), tc("blocked", all_apps), [false, false, true, true]],
	[7, tc("blocked", in_g1), tc("allowed", in_a1), [false, false, true, false]],
	[8, tc("allowed", in_g1), tc("allowed", in_a1), [true, false, false, false]],
	[9, tc("blocked", in_g1), tc("blocked", in_a1), [false, true, true, true]],
]

# The four probes, in the order of each row's expectations.
comb_probes := [[member, app1], [member, app2], [outsider, app1], [outsider, app2]]

permitted(setting, p, app) if access.permits(setting, p, app)

else := false

comb_row_ok(n) if {
	some row in comb_rows
	row[0] == n
	every i, probe in comb_probes {
		permitted(b2b(row[1], row[2]), probe[0], probe[1]) == row[3][i]
	}
}

# R-COMB-1 row 1
test_comb_row1_block_all_users_all_apps_denies_everyone if comb_row_ok(1)

# R-COMB-1 row 2
test_comb_row2_allow_all_permits_everyone if comb_row_ok(2)

# R-COMB-1 row 3
test_comb_row3_allow_g1_all_apps_permits_only_g1 if comb_row_ok(3)

# R-COMB-1 row 4
test_comb_row4_allow_all_users_a1_permits_only_a1 if comb_row_ok(4)

# R-COMB-1 row 5
test_comb_row5_allow_g1_block_a1_permits_g1_other_apps if comb_row_ok(5)

# R-COMB-1 row 6
test_comb_row6_block_g1_all_apps_permits_everyone_else if comb_row_ok(6)

# R-COMB-1 row 7
test_comb_row7_block_g1_allow_a1_permits_others_on_a1 if comb_row_ok(7)

# R-COMB-1 row 8
test_comb_row8_allow_g1_a1_permits_only_g1_on_a1 if comb_row_ok(8)

# R-COMB-1 row 9
test_comb_row9_block_g1_a1_forbids_only_the_rectangle if comb_row_ok(9)

# R-COMB-2
test_unknown_access_type_permits_nothing if {
	not access.permits(b2b(tc("unknownFutureValue", all_users), tc("allowed", all_apps)), member, app1)
	not access.permits(b2b(tc("allowed", all_users), {"targets": all_apps}), member, app1)
}

# R-TGT-1
test_user_target_matches_object_id if {
	access.permits(b2b(tc("allowed", [target(u2, "user")]), tc("allowed", all_apps)), outsider, app1)
	not access.permits(b2b(tc("allowed", [target(u2, "user")]), tc("allowed", all_apps)), member, app1)
}

# R-TGT-3 Office365
test_office365_target_matches_sharepoint_not_custom_app if {
	setting := b2b(tc("allowed", all_users), tc("allowed", [target("Office365", "application")]))
	access.permits(setting, member, {"id": spo, "client_id": null})
	not access.permits(setting, member, app1)
}

# R-TGT-3 AllMicrosoftApps (§6 A4)
test_all_microsoft_apps_matches_first_party_only if {
	setting := b2b(tc("allowed", all_users), tc("allowed", [target("AllMicrosoftApps", "application")]))
	access.permits(setting, member, {"id": "2793995e-0a7d-40d7-bd35-6968ba142197", "client_id": null})
	not access.permits(setting, member, app1)
}

# R-TGT-3, §6 A5: the client id matches too.
test_client_id_target_matches if {
	setting := b2b(tc("allowed", all_users), tc("allowed", [target(a2, "application")]))
	access.permits(setting, member, {"id": a1, "client_id": a2})
}

# R-TGT-5
test_empty_targets_contain_nothing if {
	not access.permits(b2b(tc("allowed", []), tc("allowed", all_apps)), member, app1)
	access.permits(b2b(tc("blocked", []), tc("blocked", all_apps)), member, app1)
}

# R-TGT-4: a mixed user/group list matches on any entry.
test_mixed_user_and_group_list_matches_either if {
	users := tc("allowed", [target(u2, "user"), target(g1, "group")])
	access.permits(b2b(users, tc("allowed", all_apps)), member, app1)
	access.permits(b2b(users, tc("allowed", all_apps)), outsider, app1)
}

# The request's principal and app come from the input.
test_request_principal_and_app_from_input if {
	access.request_principal == {"id": u1, "groups": {g1}} with input as collab
	access.request_app == {"id": a1, "client_id": null} with input as collab
}

# ---- Settings digested once per tenant pair (side_summary, side_permits) ----

o365_app := {"id": "00000003-0000-0ff1-ce00-000000000000", "client_id": u2}

digest_settings := array.concat([b2b(row[1], row[2]) | some row in comb_rows], [
	b2b(tc("allowed", [target(u1, "user")]), tc("allowed", [target("Office365", "application")])),
	b2b(tc("blocked", [target(u1, "user"), target(g1, "group")]), tc("blocked", [target("AllMicrosoftApps", "application")])),
	b2b(tc("allowed", all_users), tc("allowed", [target(u2, "application")])),
	b2b(tc("allowed", [target(g1, "user")]), tc("allowed", [target(a1, "group")])),
	b2b(tc("unknownFutureValue", all_users), tc("allowed", all_apps)),
	b2b({"targets": all_users}, tc("allowed", all_apps)),
])

digest_probes := array.concat(comb_probes, [[member, o365_app], [outsider, o365_app]])

# The request of a probe, as the input holds it.
probe_input(p, app) := {
	"user": {"id": p.id, "groups": [g | some g in p.groups]},
	"application": {"id": app.id, "client_id": app.client_id},
}

side_permitted(side, req) if access.side_permits(side) with input as req

else := false

# R-COMB-1, R-TGT-1..4: a setting digested once per tenant pair permits
# exactly whom permits does, keywords, client ids and unknown accessTypes
# included.
test_digest_permits_like_permits if {
	every setting in digest_settings {
		every probe in digest_probes {
			side_permitted(access.side_summary(setting), probe_input(probe[0], probe[1])) == permitted(setting, probe[0], probe[1])
		}
	}
}

# R-COMB-1: a fresh tenant's allow-all and block-all need no digest.
test_digest_fresh_settings_have_no_targets if {
	access.side_summary(access.allow_all) == {"permits_whom": "all", "targets": null}
	access.side_summary(access.block_all) == {"permits_whom": "none", "targets": null}
}

# R-COMB-1: side_permits is "all" or side_some_permits; side_some_permits
# never answers for an allow-all side (the B2B stages skip those first).
test_side_some_permits if {
	all_side := {"permits_whom": "all", "targets": null}
	none_side := {"permits_whom": "none", "targets": null}
	side_permitted(all_side, collab)
	not side_some_permitted(all_side, collab)
	not side_permitted(none_side, collab)
}

side_some_permitted(side, req) if access.side_some_permits(side) with input as req
