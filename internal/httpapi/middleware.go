package httpapi

import (
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/xtenant/xtenant/internal/auth"
)

// observe records every request under its route pattern (never the raw
// path, which would make the label unbounded).
func (a *api) observe(c *gin.Context) {
	start := time.Now()
	c.Next()
	route := c.FullPath()
	if route == "" {
		route = "unmatched"
	}
	a.cfg.Metrics.ObserveHTTP(route, c.Writer.Status(), time.Since(start))
}

// recovered turns a panic into a 500 that never allows.
func (a *api) recovered(c *gin.Context, v any) {
	a.log.Error("panic in handler", "path", c.FullPath(), "panic", fmt.Sprint(v))
	a.fail(c, errPanic)
}

// authenticate requires a bearer token granting the route's scope on every
// route but /health*, which orchestrators probe without credentials.
func (a *api) authenticate(c *gin.Context) {
	if !a.cfg.Tokens.Required() || strings.HasPrefix(c.Request.URL.Path, "/health") {
		return
	}
	if err := a.cfg.Tokens.Check(c.GetHeader("Authorization"), routeScope(c.Request.URL.Path)); err != nil {
		if errors.Is(err, auth.ErrUnauthenticated) {
			c.Header("WWW-Authenticate", `Bearer realm="xtenant"`)
		}
		a.fail(c, err)
	}
}

// routeScope is the token scope a path needs: status and metrics have their
// own, /v1/data paths other than decisions need data, the rest decide.
func routeScope(urlPath string) auth.Scope {
	switch {
	case urlPath == "/v1/status":
		return auth.Status
	case urlPath == "/metrics":
		return auth.Metrics
	case urlPath == "/v1/data" || strings.HasPrefix(urlPath, "/v1/data/"):
		if p, err := dataPath(strings.TrimPrefix(urlPath, "/v1/data")); err == nil && isDecisionPath(p) {
			return auth.Decide
		}
		return auth.Data
	}
	return auth.Decide
}

// limitBody refuses bodies over MaxBody: at once when Content-Length says
// so, else when reading crosses the limit (http.MaxBytesError, mapped to 413).
func (a *api) limitBody(c *gin.Context) {
	if c.Request.ContentLength > a.cfg.MaxBody {
		a.fail(c, &http.MaxBytesError{Limit: a.cfg.MaxBody})
		return
	}
	c.Request.Body = http.MaxBytesReader(c.Writer, c.Request.Body, a.cfg.MaxBody)
}
