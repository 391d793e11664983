package tenants

import (
	"strconv"
	"strings"
)

// checkRules reports the Conditional Access policies that lack a member
// Graph requires (docs/semantics.md §8.23). That is the shape Graph
// validates, so it is checked here with the types. The rules of §2.14 (V-1
// to V-5, V-8, R-COMB-2, R-TGT-6) are policy: the Rego validation
// (policies/xtenant/access/validation.rego) judges them on the effective
// settings each decision needs, and `xtenant audit` (AUD-INVALID-SETTING)
// runs the same validation over every stored setting ahead of time.
func (c *checker) checkRules(t map[string]any) {
	c.checkConditionalAccess(t)
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
