package tenants

import (
	"strconv"
	"strings"
)

// checkRules reports the rules of docs/semantics.md §2.14 that the stored
// settings break (V-1 to V-5, V-8) as warnings. They are judged again by the
// policy on the effective settings a request needs (§8.1); these warnings
// tell the operator early.
func (c *checker) checkRules(t map[string]any) {
	c.checkConditionalAccess(t)
	ctap, _ := t["crossTenantAccessPolicy"].(map[string]any)
	if ctap == nil {
		return
	}
	if def, ok := ctap["default"].(map[string]any); ok {
		c.checkConfig(def, "/crossTenantAccessPolicy/default", true)
	}
	// Map order is fine: warnings are sorted by path when the set is sealed.
	partners, _ := ctap["partners"].(map[string]any)
	for id, v := range partners {
		if p, ok := v.(map[string]any); ok {
			c.checkConfig(p, "/crossTenantAccessPolicy/partners/"+id, false)
		}
	}
}

func (c *checker) checkConfig(cfg map[string]any, path string, isDefault bool) {
	for _, name := range []string{"b2bCollaborationInbound", "b2bCollaborationOutbound", "b2bDirectConnectInbound", "b2bDirectConnectOutbound", "tenantRestrictions"} {
		setting, ok := cfg[name].(map[string]any)
		if !ok {
			continue
		}
		users, _ := setting["usersAndGroups"].(map[string]any)
		apps, _ := setting["applications"].(map[string]any)
		inbound := name == "b2bCollaborationInbound" || name == "b2bDirectConnectInbound"
		// V-1, V-2: default inbound and TR users may only be AllUsers.
		if isDefault && (inbound || name == "tenantRestrictions") && users != nil && !onlyKeyword(users, "AllUsers") {
			rule := "V-1"
			if name == "tenantRestrictions" {
				rule = "V-2"
			}
			c.warn(path+"/"+name+"/usersAndGroups/targets", "%s: the default may only target AllUsers here", rule)
		}
		// V-3: blocking all users goes with blocking all applications.
		if users != nil && apps != nil && access(users) == "blocked" && onlyKeyword(users, "AllUsers") &&
			(access(apps) != "blocked" || !onlyKeyword(apps, "AllApplications")) {
			c.warn(path+"/"+name+"/applications", "V-3: blocking all users requires blocking all applications")
		}
		// V-4: users allowed outbound, yet every external application blocked.
		outbound := name == "b2bCollaborationOutbound" || name == "b2bDirectConnectOutbound"
		if outbound && users != nil && apps != nil && access(users) == "allowed" &&
			access(apps) == "blocked" && onlyKeyword(apps, "AllApplications") {
			c.warn(path+"/"+name+"/applications", "V-4: users are allowed outbound but every application is blocked")
		}
		// V-5: MicrosoftAdminPortals is not a cross-tenant target.
		if apps != nil && hasTarget(apps, "MicrosoftAdminPortals") {
			c.warn(path+"/"+name+"/applications/targets", "V-5: MicrosoftAdminPortals is not a valid application target")
		}
	}
	// V-8: the default's automatic redemption is fixed to false/false.
	if isDefault {
		if auto, ok := cfg["automaticUserConsentSettings"].(map[string]any); ok {
			for _, k := range []string{"inboundAllowed", "outboundAllowed"} {
				if auto[k] == true {
					c.warn(path+"/automaticUserConsentSettings/"+k, "V-8: must be false in the default configuration")
				}
			}
		}
	}
}

func access(tc map[string]any) string {
	s, _ := tc["accessType"].(string)
	return s
}

func targets(tc map[string]any) []map[string]any {
	list, _ := tc["targets"].([]any)
	out := make([]map[string]any, 0, len(list))
	for _, item := range list {
		if t, ok := item.(map[string]any); ok {
			out = append(out, t)
		}
	}
	return out
}

// onlyKeyword reports whether the targets are exactly the keyword.
func onlyKeyword(tc map[string]any, keyword string) bool {
	ts := targets(tc)
	if len(ts) == 0 {
		return false
	}
	for _, t := range ts {
		if t["target"] != keyword {
			return false
		}
	}
	return true
}

func hasTarget(tc map[string]any, target string) bool {
	for _, t := range targets(tc) {
		if t["target"] == target {
			return true
		}
	}
	return false
}

// caPoliciesPath is where a tenant's Conditional Access policies are.
const caPoliciesPath = "/conditionalAccessPolicies/"

// checkConditionalAccess warns about Conditional Access policies the policy
// treats as invalid (docs/semantics.md §8.1, §8.23): a policy that is not
// disabled and lacks conditions.users or conditions.applications, which
// Graph requires. Every warning about a policy, these and the unknown enums
// found by the schema walk, names the policy's id, so that an operator finds
// it in the portal.
func (c *checker) checkConditionalAccess(t map[string]any) {
	policies, _ := t["conditionalAccessPolicies"].([]any)
	for i, item := range policies {
		p, ok := item.(map[string]any)
		if !ok || p["state"] == "disabled" {
			continue
		}
		path := caPoliciesPath + strconv.Itoa(i) + "/conditions"
		conditions, _ := p["conditions"].(map[string]any)
		if _, ok := conditions["applications"].(map[string]any); !ok {
			c.warn(path+"/applications", "§8.23: missing; Graph requires it, so the policy is invalid and every decision it could apply to is a configuration deny (INVALID_CONFIGURATION)")
		}
		// Graph: "either users or clientApplications is required"; a policy
		// for workload identities has no users and is complete.
		_, users := conditions["users"].(map[string]any)
		_, workloads := conditions["clientApplications"].(map[string]any)
		if !users && !workloads {
			c.warn(path+"/users", "§8.23: missing (and no clientApplications); Graph requires one of them, so the policy is invalid and every decision it could apply to is a configuration deny (INVALID_CONFIGURATION)")
		}
	}
	for j, w := range c.warnings {
		rest, ok := strings.CutPrefix(w.Path, caPoliciesPath)
		if !ok {
			continue
		}
		index, _, _ := strings.Cut(rest, "/")
		i, err := strconv.Atoi(index)
		if err != nil || i >= len(policies) {
			continue
		}
		if p, ok := policies[i].(map[string]any); ok {
			c.warnings[j].Message = "policy " + policyID(p) + ": " + w.Message
		}
	}
}

// policyID is a Conditional Access policy's id for messages.
func policyID(p map[string]any) string {
	if id, ok := p["id"].(string); ok && id != "" {
		return strconv.Quote(id)
	}
	return "(no id)"
}
