package httpapi

import (
	"crypto/subtle"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/gin-gonic/gin"
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

// authenticate requires the bearer token on every route but /health*, which
// orchestrators probe without credentials.
func (a *api) authenticate(c *gin.Context) {
	if a.cfg.AuthToken == "" || strings.HasPrefix(c.Request.URL.Path, "/health") {
		return
	}
	got, ok := strings.CutPrefix(c.GetHeader("Authorization"), "Bearer ")
	if !ok || subtle.ConstantTimeCompare([]byte(got), []byte(a.cfg.AuthToken)) != 1 {
		c.Header("WWW-Authenticate", `Bearer realm="xtenant"`)
		a.fail(c, errUnauthorized)
		return
	}
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
