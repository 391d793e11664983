package tenants

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/xtenant/xtenant/guid"
	"github.com/xtenant/xtenant/jsonpointer"
)

// kind is the JSON type a field must have.
type kind int

const (
	kString kind = iota
	kBool
	kObject
	kArray
	kMap // an object keyed by tenant id (partners)
)

// node describes one field of the tenant configuration that xtenant reads.
// Only these fields are type-checked; every other field is kept as it is.
type node struct {
	kind   kind
	fields map[string]*node // kObject
	elem   *node            // kArray, kMap
	// enum lists the known values of a string (or of each comma-separated
	// member when flags is set); an unknown one is a warning, not an error.
	enum  []string
	flags bool
	// guid lower-cases the value when it is a GUID (keywords stay as is).
	guid bool
	// lower lower-cases the value.
	lower bool
	// list holds fields again, shortest name first, for partnerWriter
	// (listFields).
	list []namedNode
}

type namedNode struct {
	name string
	node *node
}

// listFields fills list in n and every node below it.
func listFields(n *node) {
	if n == nil {
		return
	}
	if len(n.fields) > 0 && n.list == nil {
		for name, f := range n.fields {
			n.list = append(n.list, namedNode{name, f})
		}
		slices.SortFunc(n.list, func(a, b namedNode) int {
			if c := len(a.name) - len(b.name); c != 0 {
				return c
			}
			return strings.Compare(a.name, b.name)
		})
		for _, f := range n.list {
			listFields(f.node)
		}
	}
	listFields(n.elem)
}

func str(enum ...string) *node     { return &node{kind: kString, enum: enum} }
func obj(f map[string]*node) *node { return &node{kind: kObject, fields: f} }
func arr(elem *node) *node         { return &node{kind: kArray, elem: elem} }
func boolean() *node               { return &node{kind: kBool} }
func guidStr() *node               { return &node{kind: kString, guid: true} }
func guidArr() *node               { return arr(guidStr()) }
func strArr(enum ...string) *node  { return arr(str(enum...)) }
func keyed(elem *node) *node       { return &node{kind: kMap, elem: elem} }
func flagStr(enum ...string) *node { return &node{kind: kString, enum: enum, flags: true} }
func lowerStr() *node              { return &node{kind: kString, lower: true} }
func lowerArr() *node              { return arr(lowerStr()) }
func withFields(n *node, f map[string]*node) *node {
	c := *n
	c.fields = make(map[string]*node, len(n.fields)+len(f))
	for k, v := range n.fields {
		c.fields[k] = v
	}
	for k, v := range f {
		c.fields[k] = v
	}
	return &c
}

var clouds = []string{"microsoftonline.com", "microsoftonline.us", "partner.microsoftonline.cn"}

// tenantSchema is the shape of docs/semantics.md §1 and §3.1 that xtenant reads.
var tenantSchema = func() *node {
	target := obj(map[string]*node{
		"target":     guidStr(),
		"targetType": str("user", "group", "application"),
	})
	targetConfig := obj(map[string]*node{
		"accessType": str("allowed", "blocked"),
		"targets":    arr(target),
	})
	b2b := obj(map[string]*node{"usersAndGroups": targetConfig, "applications": targetConfig})
	config := obj(map[string]*node{
		"id":                       guidStr(),
		"b2bCollaborationInbound":  b2b,
		"b2bCollaborationOutbound": b2b,
		"b2bDirectConnectInbound":  b2b,
		"b2bDirectConnectOutbound": b2b,
		"tenantRestrictions":       b2b,
		"inboundTrust": obj(map[string]*node{
			"isMfaAccepted":                       boolean(),
			"isCompliantDeviceAccepted":           boolean(),
			"isHybridAzureADJoinedDeviceAccepted": boolean(),
		}),
		"automaticUserConsentSettings": obj(map[string]*node{
			"inboundAllowed":  boolean(),
			"outboundAllowed": boolean(),
		}),
	})
	partner := withFields(config, map[string]*node{
		"tenantId":                    guidStr(),
		"isServiceProvider":           boolean(),
		"isInMultiTenantOrganization": boolean(),
		"identitySynchronization": obj(map[string]*node{
			"userSyncInbound": obj(map[string]*node{"isSyncAllowed": boolean()}),
		}),
	})
	delete(partner.fields, "id")
	guestsOrExternal := obj(map[string]*node{
		"guestOrExternalUserTypes": flagStr("none", "internalGuest", "b2bCollaborationGuest", "b2bCollaborationMember",
			"b2bDirectConnectUser", "otherExternalUser", "serviceProvider"),
		"externalTenants": obj(map[string]*node{
			"membershipKind": str("all", "enumerated"),
			"members":        guidArr(),
		}),
	})
	caPolicy := obj(map[string]*node{
		"id":          str(),
		"displayName": str(),
		"state":       str("enabled", "disabled", "enabledForReportingButNotEnforced"),
		"conditions": obj(map[string]*node{
			"clientAppTypes": strArr("all", "browser", "mobileAppsAndDesktopClients", "exchangeActiveSync", "easSupported", "other"),
			"applications": obj(map[string]*node{
				"includeApplications": guidArr(),
				"excludeApplications": guidArr(),
				"includeUserActions":  strArr(),
			}),
			"users": obj(map[string]*node{
				"includeUsers":                 guidArr(),
				"excludeUsers":                 guidArr(),
				"includeGroups":                guidArr(),
				"excludeGroups":                guidArr(),
				"includeRoles":                 strArr(),
				"excludeRoles":                 strArr(),
				"includeGuestsOrExternalUsers": guestsOrExternal,
				"excludeGuestsOrExternalUsers": guestsOrExternal,
			}),
			"platforms":                  obj(nil),
			"locations":                  obj(nil),
			"devices":                    obj(nil),
			"signInRiskLevels":           strArr(),
			"userRiskLevels":             strArr(),
			"servicePrincipalRiskLevels": strArr(),
		}),
		"grantControls": obj(map[string]*node{
			"operator": str("AND", "OR"),
			"builtInControls": strArr("block", "mfa", "compliantDevice", "domainJoinedDevice", "approvedApplication",
				"compliantApplication", "passwordChange", "riskRemediation"),
			"customAuthenticationFactors": strArr(),
			"termsOfUse":                  strArr(),
			"authenticationStrength":      obj(nil),
		}),
		"sessionControls": obj(nil),
	})
	tenant := obj(map[string]*node{
		"displayName": str(),
		"cloud":       str(clouds...),
		"crossTenantAccessPolicy": obj(map[string]*node{
			"allowedCloudEndpoints": strArr(clouds...),
			"default":               config,
			"partners":              keyed(partner),
		}),
		"conditionalAccessPolicies": arr(caPolicy),
		"authorizationPolicy": obj(map[string]*node{
			"allowInvitesFrom": str("none", "adminsAndGuestInviters", "adminsGuestInvitersAndAllMembers", "everyone"),
		}),
		"b2bManagementPolicy": obj(map[string]*node{
			"InvitationsAllowedAndBlockedDomainsPolicy": obj(map[string]*node{
				"AllowedDomains": strArr(),
				"BlockedDomains": strArr(),
			}),
		}),
		"domains": lowerArr(),
	})
	listFields(tenant)
	return tenant
}()

// checker walks one tenant document against tenantSchema, normalising in
// place and collecting warnings; the first type error stops it.
//
// The JSON path of the value being checked is kept as a stack of segments
// and only turned into a string for an error or a warning: most values are
// fine, and building millions of path strings was most of the cost.
type checker struct {
	tenant   string
	warnings []Warning
	segs     []string // JSON path segments (unescaped) of the current value
	// sorted visits object keys in sorted order, so that the first error is
	// the same on every run. The normal run visits them in map order and,
	// only when it fails, is redone sorted to pick the error to report.
	sorted bool
}

func (c *checker) warn(path, format string, args ...any) {
	c.warnings = append(c.warnings, Warning{Tenant: c.tenant, Path: path, Message: fmt.Sprintf(format, args...)})
}

// at is the JSON pointer of the current value ("" at the tenant's root).
func (c *checker) at() string {
	var b strings.Builder
	for _, s := range c.segs {
		b.WriteByte('/')
		b.WriteString(jsonpointer.Escape(s))
	}
	return b.String()
}

func (c *checker) push(seg string) { c.segs = append(c.segs, seg) }
func (c *checker) pop()            { c.segs = c.segs[:len(c.segs)-1] }

// keys returns m's keys, sorted when the checker must be deterministic;
// nil means "range over m".
func (c *checker) keys(m map[string]any) []string {
	if !c.sorted {
		return nil
	}
	return sortedKeys(m)
}

// toLower is strings.ToLower with the common case, a string that is
// already lower case ASCII (nearly every id and keyword of a large file),
// inlined at the call: one pass over the bytes, no call.
func toLower(s string) string {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c >= utf8.RuneSelf || 'A' <= c && c <= 'Z' {
			return strings.ToLower(s)
		}
	}
	return s
}

// check validates v at the current path against n and returns the
// normalised value.
func (c *checker) check(n *node, v any) (any, error) {
	if v == nil {
		return nil, nil // null is always allowed: it means "inherit" / "not set"
	}
	switch n.kind {
	case kBool:
		if _, ok := v.(bool); !ok {
			return nil, typeError(c.at(), "boolean", v)
		}
		return v, nil
	case kString:
		s, ok := v.(string)
		if !ok {
			return nil, typeError(c.at(), "string", v)
		}
		orig := s
		if n.guid && guid.Valid(s) || n.lower {
			s = toLower(s)
		}
		c.checkEnum(n, s)
		if s == orig {
			return v, nil // already normal: no new box for an unchanged string
		}
		return s, nil
	case kArray:
		a, ok := v.([]any)
		if !ok {
			return nil, typeError(c.at(), "array", v)
		}
		for i, item := range a {
			c.push(strconv.Itoa(i))
			if item == nil {
				err := typeError(c.at(), kindName(n.elem.kind), item)
				c.pop()
				return nil, err
			}
			out, err := c.check(n.elem, item)
			c.pop()
			if err != nil {
				return nil, err
			}
			a[i] = out
		}
		return a, nil
	case kObject, kMap:
		m, ok := v.(map[string]any)
		if !ok {
			return nil, typeError(c.at(), "object", v)
		}
		if n.kind == kMap {
			return c.checkPartners(n, m)
		}
		if len(n.fields) == 0 {
			return m, nil
		}
		if keys := c.keys(m); keys != nil {
			for _, k := range keys {
				if err := c.checkField(n, m, k, m[k]); err != nil {
					return nil, err
				}
			}
			return m, nil
		}
		for k, item := range m {
			if err := c.checkField(n, m, k, item); err != nil {
				return nil, err
			}
		}
		return m, nil
	}
	return v, nil
}

// checkField checks m[k] (= item) when n knows the field; unknown fields
// are kept and ignored.
func (c *checker) checkField(n *node, m map[string]any, k string, item any) error {
	f, known := n.fields[k]
	if !known {
		return nil
	}
	c.push(k)
	out, err := c.check(f, item)
	c.pop()
	if err != nil {
		return err
	}
	if s, ok := out.(string); ok {
		if old, _ := item.(string); old == s {
			return nil // unchanged: no map write
		}
	}
	m[k] = out
	return nil
}

// checkPartners validates an object keyed by tenant id: keys must be GUIDs
// (stored lower case) and a partner's tenantId must equal its key. The map
// is normalised in place when every key is already lower case (the usual
// case); otherwise a re-keyed copy is returned.
func (c *checker) checkPartners(n *node, m map[string]any) (map[string]any, error) {
	inPlace := true
	for k := range m {
		if !guid.Valid(k) || toLower(k) != k {
			inPlace = false
			break
		}
	}
	if inPlace && !c.sorted {
		for k, v := range m {
			out, err := c.checkPartner(n, k, k, v)
			if err != nil {
				return nil, err
			}
			m[k] = out
		}
		return m, nil
	}
	out := make(map[string]any, len(m))
	for _, k := range sortedKeys(m) {
		if !guid.Valid(k) {
			c.push(k)
			err := &Error{Tenant: c.tenant, Path: c.at(), Message: fmt.Sprintf("partner key %q: expected a tenant id (GUID)", k)}
			c.pop()
			return nil, err
		}
		key := strings.ToLower(k)
		if _, dup := out[key]; dup {
			c.push(k)
			err := &Error{Tenant: c.tenant, Path: c.at(), Message: "partner " + key + " is defined twice (keys differ only in case)"}
			c.pop()
			return nil, err
		}
		v, err := c.checkPartner(n, k, key, m[k])
		if err != nil {
			return nil, err
		}
		out[key] = v
	}
	return out, nil
}

// checkPartner checks one partner stored under key k (key: k lower case).
func (c *checker) checkPartner(n *node, k, key string, v any) (any, error) {
	c.push(k)
	defer c.pop()
	v, err := c.check(n.elem, v)
	if err != nil {
		return nil, err
	}
	if pm, ok := v.(map[string]any); ok {
		if id, ok := pm["tenantId"].(string); ok && !strings.EqualFold(id, key) {
			c.push("tenantId")
			err := &Error{Tenant: c.tenant, Path: c.at(), Message: fmt.Sprintf("expected the partner's key %s, got %q", key, id)}
			c.pop()
			return nil, err
		}
	}
	return v, nil
}

func (c *checker) checkEnum(n *node, s string) {
	if len(n.enum) == 0 {
		return
	}
	if !n.flags {
		if !slices.Contains(n.enum, s) {
			c.warn(c.at(), "unknown value %q (known: %s)", s, strings.Join(n.enum, ", "))
		}
		return
	}
	for _, member := range strings.Split(s, ",") {
		member = strings.TrimSpace(member)
		if !slices.Contains(n.enum, member) {
			c.warn(c.at(), "unknown value %q (known: %s)", member, strings.Join(n.enum, ", "))
		}
	}
}

func typeError(path, want string, got any) error {
	return &Error{Path: path, Message: "expected " + want + ", got " + jsonpointer.TypeName(got)}
}

func kindName(k kind) string {
	switch k {
	case kString:
		return "string"
	case kBool:
		return "boolean"
	case kArray:
		return "array"
	}
	return "object"
}

func sortedKeys(m map[string]any) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}
