package httpapi

import (
	"errors"
	"net/http"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/xtenant/xtenant/engine"
)

// Forward-auth headers (CONTRACT.md); http.Header lookups are
// case-insensitive.
const (
	HeaderAccessType   = "X-Xtenant-Access-Type"
	HeaderHomeTenant   = "X-Xtenant-Home-Tenant"
	HeaderResource     = "X-Xtenant-Resource-Tenant"
	HeaderUser         = "X-Xtenant-User"
	HeaderGroups       = "X-Xtenant-Groups"
	HeaderApplication  = "X-Xtenant-Application"
	HeaderClaims       = "X-Xtenant-Claims"
	HeaderRestrictions = "Sec-Restrict-Tenant-Access-Policy"
	HeaderDecisionID   = "X-Xtenant-Decision-Id"
	HeaderReasons      = "X-Xtenant-Reasons"
)

// forwardAuth serves NGINX auth_request, Traefik forwardAuth and Caddy
// forward_auth: 200 allow, 401 step-up, 403 deny, 400 for a missing or
// malformed header (named in the message), never an allow on error.
func (a *api) forwardAuth(c *gin.Context) {
	req, err := requestFromHeaders(c.Request.Header)
	if err != nil {
		a.fail(c, err)
		return
	}
	d, err := a.decide(c.Request.Context(), req)
	if err != nil {
		a.fail(c, headerPath(err))
		return
	}
	c.Header(HeaderDecisionID, d.DecisionID)
	codes := make([]string, 0, len(d.Reasons))
	for _, r := range d.Reasons {
		codes = append(codes, r.Code)
	}
	if len(codes) > 0 {
		c.Header(HeaderReasons, strings.Join(codes, ","))
	}
	status := http.StatusForbidden
	switch {
	case d.Allow:
		status = http.StatusOK
	case d.Decision == engine.VerdictStepUp:
		status = http.StatusUnauthorized
	}
	c.JSON(status, d)
}

// requestFromHeaders builds the decision input; Validate (in the evaluator)
// checks the values, and headerPath names the header of a bad one.
func requestFromHeaders(h http.Header) (*engine.Request, error) {
	single := func(name string) (string, error) {
		vals := h.Values(name)
		if len(vals) > 1 {
			return "", &headerError{header: name, msg: "given more than once"}
		}
		if len(vals) == 0 {
			return "", nil
		}
		return strings.TrimSpace(vals[0]), nil
	}
	var vals [8]string
	for i, name := range []string{HeaderAccessType, HeaderHomeTenant, HeaderResource, HeaderUser, HeaderGroups, HeaderApplication, HeaderClaims, HeaderRestrictions} {
		v, err := single(name)
		if err != nil {
			return nil, err
		}
		vals[i] = v
	}
	req := &engine.Request{AccessType: vals[0], HomeTenant: vals[1], ResourceTenant: vals[2]}
	if req.AccessType == "" {
		req.AccessType = engine.AccessB2BCollaboration
	}
	if req.HomeTenant == "" {
		return nil, &headerError{header: HeaderHomeTenant, msg: "required: the user's home tenant id"}
	}
	if req.ResourceTenant == "" {
		return nil, &headerError{header: HeaderResource, msg: "required: the resource tenant id"}
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
			return nil, &headerError{header: HeaderRestrictions, msg: "expected <tenant id>:<policy id>"}
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
			return nil, &headerError{header: header, msg: "empty item in comma-separated list"}
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
			return nil, &headerError{header: HeaderClaims, msg: "unknown claim " + item + " (expected mfa, compliant_device, hybrid_joined_device)"}
		}
	}
	return claims, nil
}

// headerPath names the header behind an input error's JSON pointer.
func headerPath(err error) error {
	var ie *engine.InputError
	if !errors.As(err, &ie) {
		return err
	}
	header := HeaderAccessType // fields no header can set (invitation, ...)
	for _, m := range [][2]string{
		{"/access_type", HeaderAccessType}, {"/home_tenant", HeaderHomeTenant}, {"/resource_tenant", HeaderResource},
		{"/user/groups", HeaderGroups}, {"/user", HeaderUser}, {"/application", HeaderApplication},
		{"/claims", HeaderClaims}, {"/tenant_restrictions", HeaderRestrictions},
	} {
		if ie.Path == m[0] || strings.HasPrefix(ie.Path, m[0]+"/") {
			header = m[1]
			break
		}
	}
	return &headerError{header: header, msg: ie.Message}
}
