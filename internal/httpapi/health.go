package httpapi

import (
	"net/http"

	"github.com/gin-gonic/gin"
)

// live is GET /health/live: the process serves HTTP.
func (a *api) live(c *gin.Context) {
	c.JSON(http.StatusOK, gin.H{"status": "ok"})
}

// ready is GET /health/ready: 200 only once policy and data are active and
// the server is not shutting down.
func (a *api) ready(c *gin.Context) {
	if err := a.cfg.Ready(); err != nil {
		c.AbortWithStatusJSON(http.StatusServiceUnavailable, ErrorBody{Error: ErrorDetail{Code: CodeNotReady, Message: err.Error()}})
		return
	}
	c.JSON(http.StatusOK, gin.H{"status": "ready"})
}

// health is OPA's GET /health: {} with 200, or 500 {"error": "..."} as OPA
// answers. Plain /health only says the server is up; ?bundles and ?plugins
// (what OPA's clients use as a readiness probe) also require active policy
// and data.
func (a *api) health(c *gin.Context) {
	_, bundles := c.GetQuery("bundles")
	_, bundle := c.GetQuery("bundle")
	_, plugins := c.GetQuery("plugins")
	if bundles || bundle || plugins {
		if err := a.cfg.Ready(); err != nil {
			c.AbortWithStatusJSON(http.StatusInternalServerError, gin.H{"error": err.Error()})
			return
		}
	}
	c.JSON(http.StatusOK, gin.H{})
}
