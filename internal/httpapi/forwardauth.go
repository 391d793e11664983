package httpapi

import (
	"net/http"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/xtenant/xtenant/engine"
	"github.com/xtenant/xtenant/internal/gatewayinput"
)

// Forward-auth headers (docs/contract.md), shared with Envoy ext_authz through
// package gatewayinput; http.Header lookups are case-insensitive.
const (
	HeaderAccessType   = gatewayinput.HeaderAccessType
	HeaderHomeTenant   = gatewayinput.HeaderHomeTenant
	HeaderResource     = gatewayinput.HeaderResource
	HeaderUser         = gatewayinput.HeaderUser
	HeaderGroups       = gatewayinput.HeaderGroups
	HeaderApplication  = gatewayinput.HeaderApplication
	HeaderClaims       = gatewayinput.HeaderClaims
	HeaderRestrictions = gatewayinput.HeaderRestrictions
	HeaderDecisionID   = gatewayinput.HeaderDecisionID
	HeaderReasons      = gatewayinput.HeaderReasons
)

// forwardAuth serves NGINX auth_request, Traefik forwardAuth and Caddy
// forward_auth: 200 allow, 401 step-up, 403 deny, 400 for a missing or
// malformed header (named in the message), never an allow on error.
func (a *api) forwardAuth(c *gin.Context) {
	req, err := gatewayinput.Request(c.Request.Header.Values)
	if err != nil {
		a.fail(c, err)
		return
	}
	d, err := a.decide(c.Request.Context(), req)
	if err != nil {
		a.fail(c, gatewayinput.Name(err))
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
