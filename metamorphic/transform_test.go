//go:build !race

package metamorphic_test

import (
	"encoding/json"
	"fmt"
	"regexp"
	"strings"
)

// An input variant transforms each case's input in a way that must not
// change any decision; every one is asked of both servers (the scenario's
// tenants as written, and transformedTenants of them).
type variant struct {
	name  string
	input func(map[string]any) map[string]any
}

var inputVariants = []variant{
	{"raw", same},
	{"upper", upperInput},
	{"reordered", reversed},
	{"upper+reordered", func(in map[string]any) map[string]any { return reversed(upperInput(in)) }},
}

// transformedTenants is the scenario's tenants with every transformation
// that must not matter at once: ids in upper case, arrays reversed, and a
// thousand irrelevant tenants and partners added. (One server per scenario
// and transformation would cost an activation each; together they must
// still change nothing.)
func transformedTenants(t map[string]any) map[string]any {
	return crowded(reversed(upperTenants(t)))
}

func same(m map[string]any) map[string]any { return m }

var guidRE = regexp.MustCompile(`^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$`)

// upperInput upper-cases every id and the invitee's address; enum values
// stay as the contract spells them.
func upperInput(in map[string]any) map[string]any {
	return walk(in, func(path []string, s string) string {
		last := path[len(path)-1]
		if guidRE.MatchString(s) || last == "invitee_email" {
			return strings.ToUpper(s)
		}
		return s
	}, true).(map[string]any)
}

// upperTenants upper-cases every GUID of the tenants document, keys
// included, and every domain: the loader must fold them. A Conditional
// Access policy's own id is kept (report_only echoes it as stored).
func upperTenants(t map[string]any) map[string]any {
	return walk(t, func(path []string, s string) string {
		if len(path) >= 2 && path[len(path)-1] == "id" && strings.HasPrefix(path[len(path)-2], "conditionalAccessPolicies[") {
			return s
		}
		if guidRE.MatchString(s) || (len(path) >= 1 && strings.HasPrefix(path[len(path)-1], "domains[")) {
			return strings.ToUpper(s)
		}
		return s
	}, true).(map[string]any)
}

// reversed reverses every array (targets, groups, policies, domains, ...).
func reversed(m map[string]any) map[string]any {
	return reverseArrays(m).(map[string]any)
}

func reverseArrays(x any) any {
	switch t := x.(type) {
	case map[string]any:
		out := make(map[string]any, len(t))
		for k, v := range t {
			out[k] = reverseArrays(v)
		}
		return out
	case []any:
		out := make([]any, len(t))
		for i, v := range t {
			out[len(t)-1-i] = reverseArrays(v)
		}
		return out
	}
	return x
}

// walk copies x, rewriting strings (and, with keys, GUID-shaped object keys)
// through f. path holds the keys down to the value; array elements are
// "<key>[]" so that f can tell an array's items.
func walk(x any, f func(path []string, s string) string, keys bool) any {
	var rec func(any, []string) any
	rec = func(x any, path []string) any {
		switch t := x.(type) {
		case map[string]any:
			out := make(map[string]any, len(t))
			for k, v := range t {
				nk := k
				if keys && guidRE.MatchString(k) {
					nk = strings.ToUpper(k)
				}
				out[nk] = rec(v, append(path, k))
			}
			return out
		case []any:
			out := make([]any, len(t))
			last := ""
			if len(path) > 0 {
				last = path[len(path)-1]
			}
			for i, v := range t {
				out[i] = rec(v, append(path[:len(path):len(path)], last+"[]"))
			}
			return out
		case string:
			if len(path) == 0 {
				return t
			}
			return f(path, t)
		}
		return x
	}
	return rec(x, nil)
}

// The irrelevant tenants: ids no scenario uses (checked by the test).
const crowdPrefix = "eeeeeeee-eeee-4eee-8eee-"

const crowdSize = 1000

func crowdID(i int) string { return fmt.Sprintf("%s%012d", crowdPrefix, i) }

// hostile is a configuration that would change decisions if it were ever
// applied to the wrong pair: it blocks everything, trusts everything,
// redeems automatically, allows sync and flags a service provider.
func hostile() map[string]any {
	var m map[string]any
	_ = json.Unmarshal([]byte(`{
	  "isServiceProvider": true,
	  "b2bCollaborationInbound": {"usersAndGroups": {"accessType": "blocked", "targets": [{"target": "AllUsers", "targetType": "user"}]},
	                              "applications": {"accessType": "blocked", "targets": [{"target": "AllApplications", "targetType": "application"}]}},
	  "b2bCollaborationOutbound": {"usersAndGroups": {"accessType": "blocked", "targets": [{"target": "AllUsers", "targetType": "user"}]},
	                               "applications": {"accessType": "blocked", "targets": [{"target": "AllApplications", "targetType": "application"}]}},
	  "b2bDirectConnectInbound": {"usersAndGroups": {"accessType": "allowed", "targets": [{"target": "AllUsers", "targetType": "user"}]},
	                              "applications": {"accessType": "allowed", "targets": [{"target": "AllApplications", "targetType": "application"}]}},
	  "inboundTrust": {"isMfaAccepted": true, "isCompliantDeviceAccepted": true, "isHybridAzureADJoinedDeviceAccepted": true},
	  "automaticUserConsentSettings": {"inboundAllowed": true, "outboundAllowed": true},
	  "identitySynchronization": {"userSyncInbound": {"isSyncAllowed": true}}
	}`), &m)
	return m
}

// crowded adds a thousand irrelevant tenants (each with a blocking default
// and a blocking Conditional Access policy for all users) and, to every
// scenario tenant, a hostile partner entry for each of them.
func crowded(t map[string]any) map[string]any {
	out := make(map[string]any, len(t)+crowdSize)
	for id, v := range t {
		cfg, ok := v.(map[string]any)
		if !ok {
			out[id] = v
			continue
		}
		cfg = shallow(cfg)
		ctap, _ := cfg["crossTenantAccessPolicy"].(map[string]any)
		ctap = shallow(ctap)
		partners, _ := ctap["partners"].(map[string]any)
		partners = shallow(partners)
		for i := range crowdSize {
			p := hostile()
			p["tenantId"] = crowdID(i)
			partners[crowdID(i)] = p
		}
		ctap["partners"] = partners
		cfg["crossTenantAccessPolicy"] = ctap
		out[id] = cfg
	}
	for i := range crowdSize {
		def := hostile()
		delete(def, "isServiceProvider")
		delete(def, "identitySynchronization")
		def["automaticUserConsentSettings"] = map[string]any{"inboundAllowed": false, "outboundAllowed": false}
		out[crowdID(i)] = map[string]any{
			"displayName": fmt.Sprintf("Irrelevant %d", i),
			"domains":     []any{fmt.Sprintf("irrelevant-%d.invalid", i)},
			"crossTenantAccessPolicy": map[string]any{
				"allowedCloudEndpoints": []any{"microsoftonline.us", "partner.microsoftonline.cn"},
				"default":               def,
			},
			"conditionalAccessPolicies": []any{map[string]any{
				"id": fmt.Sprintf("irrelevant-block-%d", i), "state": "enabled",
				"conditions": map[string]any{
					"users":        map[string]any{"includeUsers": []any{"All"}},
					"applications": map[string]any{"includeApplications": []any{"All"}},
				},
				"grantControls": map[string]any{"operator": "OR", "builtInControls": []any{"block"}},
			}},
		}
	}
	return out
}

func shallow(m map[string]any) map[string]any {
	out := make(map[string]any, len(m)+1)
	for k, v := range m {
		out[k] = v
	}
	return out
}
