// Package gatewayinput turns a gateway's request headers into a decision
// input (docs/contract.md, "Forward-auth headers"). Forward-auth (internal/httpapi)
// and Envoy ext_authz (internal/extauthz) read the same headers through it,
// so both answer a missing or malformed header with the same error, naming
// the header, and never with an allow.
package gatewayinput

import (
	"errors"
	"strings"

	"github.com/xtenant/xtenant/engine"
)

// Header names, in their canonical HTTP form. Lookups are case-insensitive:
// that is the lookup function's job (http.Header.Values canonicalises,
// Envoy sends lower-case keys).
const (
	HeaderAccessType   = "X-Xtenant-Access-Type"
	HeaderHomeTenant   = "X-Xtenant-Home-Tenant"
	HeaderResource     = "X-Xtenant-Resource-Tenant"
	HeaderUser         = "X-Xtenant-User"
	HeaderGroups       = "X-Xtenant-Groups"
	HeaderApplication  = "X-Xtenant-Application"
	HeaderClaims       = "X-Xtenant-Claims"
	HeaderRestrictions = "Sec-Restrict-Tenant-Access-Policy"
	// HeaderDecisionID and HeaderReasons are set on answers, not read.
	HeaderDecisionID = "X-Xtenant-Decision-Id"
	HeaderReasons    = "X-Xtenant-Reasons"
)

// HeaderError is a missing or malformed header.
type HeaderError struct {
	Header  string
	Message string
}

func (e *HeaderError) Error() string { return "header " + e.Header + ": " + e.Message }

// Unwrap makes errors.Is(err, engine.ErrInvalidInput) true, so that any
// error mapper that knows input errors answers 400, never an allow.
func (e *HeaderError) Unwrap() error { return engine.ErrInvalidInput }

// Lookup returns every value of a header, given its canonical name; nil or
// empty when the header is absent.
type Lookup func(name string) []string

// Request builds the decision input from the headers. The values are only
// split here; the evaluator validates them, and Name maps a resulting
// *engine.InputError back to its header.
func Request(values Lookup) (*engine.Request, error) {
	names := [...]string{HeaderAccessType, HeaderHomeTenant, HeaderResource, HeaderUser, HeaderGroups, HeaderApplication, HeaderClaims, HeaderRestrictions}
	var vals [len(names)]string
	for i, name := range names {
		vs := values(name)
		if len(vs) > 1 {
			return nil, &HeaderError{Header: name, Message: "given more than once"}
		}
		if len(vs) == 1 {
			vals[i] = strings.TrimSpace(vs[0])
		}
	}
	req := &engine.Request{AccessType: vals[0], HomeTenant: vals[1], ResourceTenant: vals[2]}
	if req.AccessType == "" {
		req.AccessType = engine.AccessB2BCollaboration
	}
	if req.HomeTenant == "" {
		return nil, &HeaderError{Header: HeaderHomeTenant, Message: "required: the user's home tenant id"}
	}
	if req.ResourceTenant == "" {
		return nil, &HeaderError{Header: HeaderResource, Message: "required: the resource tenant id"}
	}
	if vals[3] != "" || vals[4] != "" {
		groups, err := list(HeaderGroups, vals[4])
		if err != nil {
			return nil, err
		}
		req.User = &engine.User{ID: vals[3], Groups: groups}
	}
	if vals[5] != "" {
		req.Application = &engine.Application{ID: vals[5]}
	}
	claims, err := claimsHeader(vals[6])
	if err != nil {
		return nil, err
	}
	req.Claims = claims
	if vals[7] != "" {
		tenant, policy, ok := strings.Cut(vals[7], ":")
		if !ok || tenant == "" || policy == "" {
			return nil, &HeaderError{Header: HeaderRestrictions, Message: "expected <tenant id>:<policy id>"}
		}
		req.TenantRestrictions = &engine.TenantRestrictions{Tenant: tenant, PolicyID: policy}
	}
	return req, nil
}

// list splits a comma-separated header; an empty item is malformed.
func list(header, v string) ([]string, error) {
	if v == "" {
		return nil, nil
	}
	parts := strings.Split(v, ",")
	for i, p := range parts {
		if parts[i] = strings.TrimSpace(p); parts[i] == "" {
			return nil, &HeaderError{Header: header, Message: "empty item in comma-separated list"}
		}
	}
	return parts, nil
}

func claimsHeader(v string) (*engine.Claims, error) {
	items, err := list(HeaderClaims, v)
	if err != nil {
		return nil, err
	}
	claims := &engine.Claims{}
	for _, item := range items {
		switch strings.ToLower(item) {
		case "mfa":
			claims.MFA = true
		case "compliant_device":
			claims.CompliantDevice = true
		case "hybrid_joined_device":
			claims.HybridJoinedDevice = true
		default:
			return nil, &HeaderError{Header: HeaderClaims, Message: "unknown claim " + item + " (expected mfa, compliant_device, hybrid_joined_device)"}
		}
	}
	return claims, nil
}

// headerOf maps JSON pointers of the input to the header that sets them;
// the more specific pointer comes first.
var headerOf = [...][2]string{
	{"/access_type", HeaderAccessType}, {"/home_tenant", HeaderHomeTenant}, {"/resource_tenant", HeaderResource},
	{"/user/groups", HeaderGroups}, {"/user", HeaderUser}, {"/application", HeaderApplication},
	{"/claims", HeaderClaims}, {"/tenant_restrictions", HeaderRestrictions},
}

// Name turns an *engine.InputError from evaluating a header-built request
// into a *HeaderError naming the header; other errors are returned as they
// are.
func Name(err error) error {
	var ie *engine.InputError
	if !errors.As(err, &ie) {
		return err
	}
	header := HeaderAccessType // fields no header can set (invitation, ...)
	for _, m := range headerOf {
		if ie.Path == m[0] || strings.HasPrefix(ie.Path, m[0]+"/") {
			header = m[1]
			break
		}
	}
	return &HeaderError{Header: header, Message: ie.Message}
}
