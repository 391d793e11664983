package xtenant.access

configuration_reasons contains r if {
	not resource_known
	r := {"code": "RESOURCE_TENANT_UNKNOWN", "stage": "configuration", "tenant": resource, "setting": null, "rule": "R-INH-1", "aadsts": null, "message": "scaffold"}
}
