// Package m365dsc reads a Microsoft365DSC JSON report
// (New-M365DSCReportFromConfiguration -Type JSON: an array of resource
// instances, each with ResourceName, ResourceInstanceName and its
// PascalCase properties, nested CIM instances as objects with a CIMInstance
// member) and turns the Entra ID resources xtenant reads into a tenant
// configuration in the contract's shape, through the Graph importer:
//
//	AADCrossTenantAccessPolicy                      allowedCloudEndpoints
//	AADCrossTenantAccessPolicyConfigurationDefault  crossTenantAccessPolicy.default
//	AADCrossTenantAccessPolicyConfigurationPartner  crossTenantAccessPolicy.partners
//	AADAuthorizationPolicy                          authorizationPolicy
//	AADB2BManagementPolicy                          b2bManagementPolicy
//	AADConditionalAccessPolicy                      conditionalAccessPolicies
//
// Microsoft365DSC writes users, groups and roles of Conditional Access
// policies by name, not by object id; such a policy cannot be evaluated,
// and the import refuses it (naming the policy and the property) rather
// than drop a control. Instances with Ensure = Absent are left out.
package m365dsc

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"sort"
	"strings"
	"testing/fstest"
	"unicode"

	"github.com/xtenant/xtenant/bundles/graph"
	"github.com/xtenant/xtenant/guid"
)

// Options tune an import.
type Options struct {
	// TenantID is the tenant the report describes; needed when no instance
	// carries it as a GUID (TenantId is often the tenant's domain).
	TenantID string
	// DisplayName names the tenant (the report does not).
	DisplayName string
}

// dscKeys are the parameters of every resource that are no setting.
var dscKeys = map[string]bool{
	"ResourceName": true, "ResourceInstanceName": true, "Ensure": true, "Credential": true,
	"ApplicationId": true, "TenantId": true, "CertificateThumbprint": true, "ApplicationSecret": true,
	"ManagedIdentity": true, "IsSingleInstance": true, "AccessTokens": true, "CIMInstance": true,
}

// graphName maps the PascalCase names whose Graph spelling is not the
// name with a lower-case first letter.
var graphName = map[string]string{
	"B2BCollaborationInbound":  "b2bCollaborationInbound",
	"B2BCollaborationOutbound": "b2bCollaborationOutbound",
	"B2BDirectConnectInbound":  "b2bDirectConnectInbound",
	"B2BDirectConnectOutbound": "b2bDirectConnectOutbound",
	"PartnerTenantId":          "tenantId",
}

// Read reads one report file.
func Read(path string, opts Options) (graph.Tenant, error) {
	raw, err := os.ReadFile(path)
	if err != nil {
		return graph.Tenant{}, err
	}
	raw = bytes.TrimPrefix(raw, []byte{0xEF, 0xBB, 0xBF})
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var instances []map[string]any
	if err := dec.Decode(&instances); err != nil {
		return graph.Tenant{}, fmt.Errorf("%s: expected a Microsoft365DSC JSON report (an array of resource instances): %w", path, err)
	}
	tenantID := opts.TenantID
	var (
		xtap, def, authz, b2b map[string]any
		partners, ca          []any
	)
	for i, in := range instances {
		name, _ := in["ResourceName"].(string)
		where := fmt.Sprintf("%s: /%d (%s)", path, i, name)
		if e, _ := in["Ensure"].(string); strings.EqualFold(e, "Absent") {
			continue
		}
		if t, _ := in["TenantId"].(string); guid.Valid(t) && tenantID == "" {
			tenantID = strings.ToLower(t)
		}
		switch name {
		case "AADCrossTenantAccessPolicy":
			xtap = graphObject(in)
			delete(xtap, "displayName")
		case "AADCrossTenantAccessPolicyConfigurationDefault":
			if def != nil {
				return graph.Tenant{}, fmt.Errorf("%s: a second default configuration", where)
			}
			def = graphObject(in)
		case "AADCrossTenantAccessPolicyConfigurationPartner":
			partners = append(partners, graphObject(in))
		case "AADAuthorizationPolicy":
			authz = graphObject(in)
		case "AADB2BManagementPolicy":
			b2b = b2bPolicy(in)
		case "AADConditionalAccessPolicy":
			p, err := caPolicy(in)
			if err != nil {
				return graph.Tenant{}, fmt.Errorf("%s: %w", where, err)
			}
			ca = append(ca, p)
		}
	}
	if tenantID == "" {
		return graph.Tenant{}, fmt.Errorf("%s: no instance names the tenant by id; give --tenant-id", path)
	}
	files := fstest.MapFS{}
	put := func(name string, v any) error {
		b, err := json.Marshal(v)
		files[name] = &fstest.MapFile{Data: b, Mode: 0o444}
		return err
	}
	org := map[string]any{"id": tenantID, "verifiedDomains": []any{}}
	if opts.DisplayName != "" {
		org["displayName"] = opts.DisplayName
	}
	if partners == nil {
		partners = []any{}
	}
	for name, v := range map[string]any{
		"organization.json": map[string]any{"value": []any{org}}, "partners.json": map[string]any{"value": partners},
	} {
		if err := put(name, v); err != nil {
			return graph.Tenant{}, err
		}
	}
	for name, v := range map[string]map[string]any{
		"crossTenantAccessPolicy.json": xtap, "default.json": def, "authorizationPolicy.json": authz, "b2bManagementPolicy.json": b2b,
	} {
		if v != nil {
			if err := put(name, v); err != nil {
				return graph.Tenant{}, err
			}
		}
	}
	if ca != nil {
		if err := put("conditionalAccessPolicies.json", map[string]any{"value": ca}); err != nil {
			return graph.Tenant{}, err
		}
	}
	return graph.ReadFS(files, path, graph.Options{})
}

// Import reads report files, one tenant each.
func Import(paths []string, opts Options) (map[string]any, error) {
	if opts.TenantID != "" && len(paths) > 1 {
		return nil, fmt.Errorf("--tenant-id names one tenant; give one report")
	}
	out := map[string]any{}
	for _, p := range paths {
		t, err := Read(p, opts)
		if err != nil {
			return nil, err
		}
		if _, dup := out[t.ID]; dup {
			return nil, fmt.Errorf("%s: tenant %s is imported twice", p, t.ID)
		}
		out[t.ID] = t.Config
	}
	return out, nil
}

// graphObject turns a resource instance into its Graph object: settings
// only, Graph's camelCase names, CIM instance markers dropped.
func graphObject(in map[string]any) map[string]any {
	out := map[string]any{}
	for k, v := range in {
		if dscKeys[k] {
			continue
		}
		out[camel(k)] = graphValue(v)
	}
	return out
}

func graphValue(v any) any {
	switch x := v.(type) {
	case map[string]any:
		return graphObject(x)
	case []any:
		out := make([]any, len(x))
		for i, el := range x {
			out[i] = graphValue(el)
		}
		return out
	}
	return v
}

func camel(k string) string {
	if g, ok := graphName[k]; ok {
		return g
	}
	r := []rune(k)
	if len(r) > 0 {
		r[0] = unicode.ToLower(r[0])
	}
	return string(r)
}

// b2bPolicy keeps the B2B management policy in its own PascalCase shape
// (the contract's), from either the whole definition or its members.
func b2bPolicy(in map[string]any) map[string]any {
	strip := func(v any) any {
		m, ok := v.(map[string]any)
		if !ok {
			return v
		}
		out := map[string]any{}
		for k, x := range m {
			if k != "CIMInstance" {
				out[k] = x
			}
		}
		return out
	}
	if p, ok := in["InvitationsAllowedAndBlockedDomainsPolicy"]; ok {
		return map[string]any{"InvitationsAllowedAndBlockedDomainsPolicy": strip(p)}
	}
	domains := map[string]any{}
	for _, k := range []string{"AllowedDomains", "BlockedDomains"} {
		if v, ok := in[k]; ok {
			domains[k] = v
		}
	}
	return map[string]any{"InvitationsAllowedAndBlockedDomainsPolicy": domains}
}

// User, group and role keywords Conditional Access accepts besides ids.
var caKeywords = map[string]bool{"All": true, "None": true, "GuestsOrExternalUsers": true}

// caPolicy rebuilds a Graph conditionalAccessPolicy from the flat
// parameters of AADConditionalAccessPolicy.
func caPolicy(in map[string]any) (map[string]any, error) {
	list := func(k string) ([]any, error) {
		v, ok := in[k]
		if !ok || v == nil {
			return []any{}, nil
		}
		switch x := v.(type) {
		case []any:
			return x, nil
		case string:
			if x == "" {
				return []any{}, nil
			}
			return []any{x}, nil
		}
		return nil, fmt.Errorf("%s: expected an array of strings", k)
	}
	users := map[string]any{}
	for _, k := range []string{"IncludeUsers", "ExcludeUsers", "IncludeGroups", "ExcludeGroups", "IncludeRoles", "ExcludeRoles"} {
		l, err := list(k)
		if err != nil {
			return nil, err
		}
		for _, v := range l {
			s, _ := v.(string)
			if !caKeywords[s] && !guid.Valid(s) {
				return nil, fmt.Errorf("%s holds %q, a name: Microsoft365DSC reports name users, groups and roles, which cannot be evaluated; import this policy from Graph", k, s)
			}
		}
		users[camel(k)] = l
	}
	for _, side := range []string{"Include", "Exclude"} {
		types, err := list(side + "GuestOrExternalUserTypes")
		if err != nil {
			return nil, err
		}
		key := strings.ToLower(side[:1]) + side[1:] + "GuestsOrExternalUsers"
		if len(types) == 0 {
			users[key] = nil
			continue
		}
		var ts []string
		for _, t := range types {
			s, _ := t.(string)
			ts = append(ts, s)
		}
		sort.Strings(ts)
		kind, _ := in[side+"ExternalTenantsMembershipKind"].(string)
		ext := map[string]any{"membershipKind": kind}
		if kind == "enumerated" {
			members, err := list(side + "ExternalTenantsMembers")
			if err != nil {
				return nil, err
			}
			ext["members"] = members
		}
		users[key] = map[string]any{"guestOrExternalUserTypes": strings.Join(ts, ","), "externalTenants": ext}
	}
	apps := map[string]any{}
	for _, k := range []string{"IncludeApplications", "ExcludeApplications", "IncludeUserActions"} {
		l, err := list(k)
		if err != nil {
			return nil, err
		}
		apps[camel(k)] = l
	}
	cond := map[string]any{"users": users, "applications": apps, "platforms": nil, "locations": nil}
	for _, k := range []string{"ClientAppTypes", "SignInRiskLevels", "UserRiskLevels"} {
		l, err := list(k)
		if err != nil {
			return nil, err
		}
		cond[camel(k)] = l
	}
	for _, k := range []string{"IncludePlatforms", "ExcludePlatforms", "IncludeLocations", "ExcludeLocations"} {
		if l, _ := list(k); len(l) > 0 {
			return nil, fmt.Errorf("%s: platform and location conditions are not imported from Microsoft365DSC; import this policy from Graph", k)
		}
	}
	controls, err := list("BuiltInControls")
	if err != nil {
		return nil, err
	}
	op, _ := in["GrantControlOperator"].(string)
	custom, _ := list("CustomAuthenticationFactors")
	terms, _ := list("TermsOfUse")
	p := map[string]any{
		"displayName":     in["DisplayName"],
		"state":           in["State"],
		"conditions":      cond,
		"grantControls":   map[string]any{"operator": op, "builtInControls": controls, "customAuthenticationFactors": custom, "termsOfUse": terms},
		"sessionControls": nil,
	}
	if id, ok := in["Id"]; ok {
		p["id"] = id
	}
	return p, nil
}
