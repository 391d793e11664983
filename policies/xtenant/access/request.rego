# The request as the rules see it
# Per-request facts derived once per evaluation (complete rules are cached by
# OPA for the whole query). The engine already fills every default (docs/contract.md,
# "Decision input"), lower-cases ids and sorts groups; the defaults are applied
# here again so that a stock `opa` serving this bundle decides the same.
package xtenant.access

tenants := data.xtenant.tenants

home := input.home_tenant

resource := input.resource_tenant

access_type := input.access_type

sign_in if access_type in {"b2b_collaboration", "b2b_direct_connect"}

collaboration if access_type == "b2b_collaboration"

direct_connect if access_type == "b2b_direct_connect"

identity_kind := object.get(input, "identity_kind", "entra")

# R-B2B-4: cross-tenant access settings apply only between Entra tenants.
entra_identity if identity_kind == "entra"

# §2.13 step 1: the same tenant on both sides is not cross-tenant access.
cross_tenant if home != resource

home_config := tenants[home]

resource_config := tenants[resource]

home_known if tenants[home]

resource_known if tenants[resource]

default_cloud := "microsoftonline.com"

# docs/contract.md: the input's cloud, else the tenant's configured cloud, else
# commercial.
home_cloud := input.home_cloud if {
	input.home_cloud
} else := tenants[home].cloud if {
	is_string(tenants[home].cloud)
} else := default_cloud

resource_cloud := input.resource_cloud if {
	input.resource_cloud
} else := tenants[resource].cloud if {
	is_string(tenants[resource].cloud)
} else := default_cloud

cross_cloud if home_cloud != resource_cloud

user := object.get(input, "user", {})

user_id := object.get(user, "id", "")

# Transitive group ids of the user in the home tenant (§6 A6), as a set.
user_groups := {g | some g in object.get(user, "groups", [])}

# Groups of the user's object in the resource tenant (Conditional Access).
resource_groups := {g | some g in object.get(user, "resource_groups", [])}

# docs/contract.md: guest for B2B collaboration, none for direct connect.
user_type := user.user_type if {
	user.user_type
} else := "none" if {
	direct_connect
} else := "guest"

resource_object_id := object.get(user, "resource_object_id", null)

gdap_session := object.get(user, "gdap_session", false)

application := object.get(input, "application", {})

app_id := object.get(application, "id", "")

client_id := object.get(application, "client_id", null)

claims := object.get(input, "claims", {})

claim_mfa := object.get(claims, "mfa", false)

claim_compliant_device := object.get(claims, "compliant_device", false)

claim_hybrid_joined_device := object.get(claims, "hybrid_joined_device", false)

# The display name of a tenant for messages, else its id.
tenant_name(id) := name if {
	name := tenants[id].displayName
	is_string(name)
} else := id
