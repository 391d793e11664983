# METADATA
# title: xtenant cross-tenant access decision
# description: |
#   Entry point data.xtenant.access.decision (docs/contract.md, "Decision output").
#   Each stage lives in its own file and contributes a set of reasons; this file
#   only orders them (docs/semantics.md §2.13) and assembles the decision object.
#   Go adds decision_id and revision.
package xtenant.access

# Stage order of docs/semantics.md §2.13; denied_by is the first failing stage.
stage_rank := {
	"configuration": 0,
	"cloud": 1,
	"tenant_restrictions": 2,
	"home_outbound": 3,
	"resource_inbound": 4,
	"conditional_access": 5,
	"sync": 6,
	"invitation": 7,
	"extension": 8,
}

# Order of codes inside one stage; for Conditional Access this is the error
# code precedence of docs/semantics.md §8.11. Codes not listed sort last.
code_rank := {
	"CA_BLOCK": 0,
	"MFA_UNSATISFIABLE": 1,
	"COMPLIANT_DEVICE_UNSATISFIABLE": 2,
	"HYBRID_JOINED_DEVICE_UNSATISFIABLE": 3,
	"CONTROL_UNSUPPORTED": 4,
	"SYNC_NOT_ALLOWED": 0,
	"AUTOMATIC_REDEMPTION_REQUIRED": 1,
	"INVITER_NOT_ALLOWED": 0,
	"INVITATION_DOMAIN_BLOCKED": 1,
	"INVITATION_BLOCKED_BY_CROSS_TENANT_ACCESS": 2,
}

# §8.1: a configuration deny is final and lists only its own reasons.
configuration_denied if count(configuration_reasons) > 0

# §2.13: the stages that deny outright and are all listed (docs/contract.md,
# "Which checks become reasons"), before Conditional Access (cloud, tenant
# restrictions, home outbound, resource inbound) and after it (sync,
# invitation, extensions). The cloud stage's reasons (cloud_reasons) are the
# pair summary's, read in place.
deny_reasons_before_ca := ((tenant_pair.cloud_reasons | tenant_restrictions_reasons) | home_outbound_reasons) | resource_inbound_reasons

# §2.13: Conditional Access contributes its deny reasons only when no stage
# before it denied. The stages after it (sync, invitation, extensions) are
# written out in both bodies rather than read through a rule of their own,
# which every request would enter.
deny_reasons := deny_reasons_before_ca | ((sync_reasons | invitation_reasons) | extension_reasons) if {
	count(deny_reasons_before_ca) > 0
} else := ca_deny_reasons | ((sync_reasons | invitation_reasons) | extension_reasons)

# §2.13: the verdict (the decision's "decision"): a configuration deny is a
# deny.
verdict := "deny" if {
	decision_kind == "configuration"
} else := decision_kind

# §2.13, §8.1: the verdict, telling a configuration deny (which overrides
# everything) from the deny of any other stage; the decision object is
# chosen by it.
decision_kind := "configuration" if {
	count(configuration_reasons) > 0 # configuration_denied
} else := "deny" if {
	count(deny_reasons) > 0
} else := "step_up" if {
	count(ca_step_up) > 0
} else := "allow"

# §2.13: a set of reasons in stage order, and in code order inside a stage;
# a single reason (the common deny) needs no ranking.
ranked_reasons(listed) := [r | some r in listed] if {
	count(listed) < 2
} else := [r |
	some ranked in sort([[stage_rank[r.stage], object.get(code_rank, r.code, 9), r] | some r in listed])
	r := ranked[2]
]

# §8.18: after a configuration deny nothing else is evaluated, Conditional
# Access included, so no control is reported; after any other deny controls
# still show what Conditional Access requires.
no_controls := {"mfa": "not_required", "compliant_device": "not_required", "hybrid_joined_device": "not_required"}

# §2.13, §8.14, §8.18: the decision object of the verdict (docs/contract.md,
# "Decision output"), tried in the order of how often each occurs (a deny by
# a stage, an allow, a step-up, then a configuration deny); the kinds
# (decision_kind) exclude one another, so the order changes nothing but the
# cost. denied_by is the stage of the first reason, error_code its AADSTS
# code (a deny always has reasons). Report-only results are computed even
# after an earlier stage denied, except after a configuration deny. R-AR-1:
# consent_prompt is the pair summary's, read in place (consent_prompt, a
# rule of its own, would cost every request one).
decision := {
	# §8.14, §8.18: after a deny by any stage but configuration, controls
	# and report-only results still show what Conditional Access requires.
	"decision": "deny",
	"allow": false,
	"denied_by": listed[0].stage,
	"error_code": object.get(listed[0], "aadsts", null),
	"step_up": [],
	"controls": ca_controls,
	"consent_prompt": tenant_pair.consent_prompt,
	"reasons": listed,
	"report_only": ca_report_only,
} if {
	input_ok
	decision_kind == "deny"
	listed := ranked_reasons(deny_reasons)
} else := {
	# The allow path: nothing denied and nothing to step up, so every
	# field that describes a deny or a step-up is a constant.
	"decision": "allow",
	"allow": true,
	"denied_by": null,
	"error_code": null,
	"step_up": [],
	"controls": ca_controls,
	"consent_prompt": tenant_pair.consent_prompt,
	"reasons": [],
	"report_only": ca_report_only,
} if {
	input_ok
	decision_kind == "allow"
} else := {
	# R-TRUST-3, §8.15: a step-up lists its one MFA_STEP_UP reason and
	# what to step up.
	"decision": "step_up",
	"allow": false,
	"denied_by": null,
	"error_code": null,
	"step_up": ca_step_up,
	"controls": ca_controls,
	"consent_prompt": tenant_pair.consent_prompt,
	"reasons": ranked_reasons(ca_step_up_reasons),
	"report_only": ca_report_only,
} if {
	input_ok
	decision_kind == "step_up"
} else := {
	# §8.1, §8.18: a configuration deny lists only its own reasons, and no
	# controls, step-up or report-only results (§8.14).
	"decision": "deny",
	"allow": false,
	"denied_by": listed[0].stage,
	"error_code": object.get(listed[0], "aadsts", null),
	"step_up": [],
	"controls": no_controls,
	"consent_prompt": tenant_pair.consent_prompt,
	"reasons": listed,
	"report_only": [],
} if {
	input_ok
	decision_kind == "configuration"
	listed := ranked_reasons(configuration_reasons)
}

# Extensions (docs/contract.md, "Extensions") can only take access away: every entry
# of data.xtenant.extensions.deny becomes an EXTENSION_DENY reason. The
# extension's own code is kept in "rule".
extension_reasons contains reason if {
	some entry in data.xtenant.extensions.deny
	reason := {
		"code": "EXTENSION_DENY",
		"stage": "extension",
		"tenant": null,
		"setting": null,
		"rule": sprintf("%v", [object.get(entry, "code", "extension")]),
		"aadsts": null,
		"message": sprintf("%v", [object.get(entry, "message", "denied by a policy extension")]),
	}
}
