# The request as the rules see it
# Per-request facts derived once per evaluation (complete rules are cached by
# OPA for the whole query). §8.25: the policy puts its input in canonical form
# itself — every id lower case, every default applied — and reads nothing but
# the members of docs/contract.md's decision input, so that a stock `opa` serving
# this bundle, every Data API path and /v1/evaluate decide alike. The engine
# canonicalises too (for its cache key); doing it twice changes nothing.
package xtenant.access

tenants := data.xtenant.tenants

# canonical_id(x) is a GUID of the input in lower case; "" when x is not a
# string (absent members: the contract's "not given"). The members every
# decision reads (home, resource, user_id, app_id) spell it out, which spares
# a function call each.
canonical_id(x) := lower(x) if is_string(x)

else := ""

# §8.24: an invitation may omit home_tenant; home is then "", a tenant no
# configuration has, and the invitee's tenant comes from the address.
home := lower(input.home_tenant) if is_string(input.home_tenant)

else := ""

resource := lower(input.resource_tenant) if is_string(input.resource_tenant)

else := ""

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

# The members of input.user. The rules every request evaluates read them as
# input.user.<member>, which is undefined exactly where user.<member> is
# (user is then {} or not an object) and spares each request this rule.
user := object.get(input, "user", {})

user_id := lower(input.user.id) if is_string(input.user.id)

else := ""

# Transitive group ids of the user in the home tenant (§6 A6), as a set.
user_groups := {lower(g) | some g in input.user.groups; is_string(g)}

# Groups of the user's object in the resource tenant (Conditional Access).
resource_groups := {lower(g) | some g in input.user.resource_groups; is_string(g)}

# docs/contract.md: guest for B2B collaboration, none for direct connect.
user_type := input.user.user_type if {
	input.user.user_type
} else := "none" if {
	direct_connect
} else := "guest"

resource_object_id := lower(input.user.resource_object_id) if is_string(input.user.resource_object_id)

else := null

gdap_session := object.get(user, "gdap_session", false)

# As for user, the members of input.application are read in place.
app_id := lower(input.application.id) if is_string(input.application.id)

else := ""

client_id := lower(input.application.client_id) if is_string(input.application.client_id)

else := null

claims := object.get(input, "claims", {})

claim_mfa := object.get(claims, "mfa", false)

claim_compliant_device := object.get(claims, "compliant_device", false)

claim_hybrid_joined_device := object.get(claims, "hybrid_joined_device", false)

# The display name of a tenant for messages, else its id.
tenant_name(id) := name if {
	name := tenants[id].displayName
	is_string(name)
} else := id

# §8.25: the members whose values steer the rules must hold values of the
# contract. xtenant refuses any other input with a 400 before evaluating it;
# for any other OPA reading this bundle the decision is undefined instead
# (an OPA client treats that as a deny), never a guess. The members of the
# pair key are checked once per tenant pair (pair_input_ok), the user type
# on every request.
input_ok if {
	tenant_pair.input_ok
	user_type in {"guest", "member", "none"}
}

# §8.25: input_ok for the members of the pair key, once per tenant pair
# (tenant_pair.rego). The enumerations are written in the body (ground
# constants, never rebuilt). A cloud member is fine when absent or false
# (the rules then take the tenant's cloud) or a known cloud (R-CC-1,
# known_clouds).
pair_input_ok if {
	access_type in {"b2b_collaboration", "b2b_direct_connect", "identity_sync", "invitation"}
	identity_kind in {"entra", "msa", "social", "email_otp", "saml_wsfed"}
	resource != ""
	home_given
	object.get(input, "home_cloud", false) in {false, "microsoftonline.com", "microsoftonline.us", "partner.microsoftonline.cn"}
	object.get(input, "resource_cloud", false) in {false, "microsoftonline.com", "microsoftonline.us", "partner.microsoftonline.cn"}
} else := false

# §8.24: only an invitation may omit the home tenant.
home_given if home != ""

home_given if access_type == "invitation"
