package xtenant.access

ca_deny_reasons := set()

ca_step_up_reasons := set()

ca_step_up := []

ca_controls := {"mfa": "not_required", "compliant_device": "not_required", "hybrid_joined_device": "not_required"}

ca_report_only := []
