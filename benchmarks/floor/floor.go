// Package floor is the HTTP floor of the load harness: a bare gin handler
// that decodes the same request body as `POST /v1/evaluate` strictly into
// engine.Request and answers a fixed decision. No policy runs, so its
// throughput bounds what any gin-based PDP can reach on the same machine.
// benchmarks/cmd/ginfloor serves it; BenchmarkHTTPFloor runs it in process.
package floor

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/xtenant/xtenant/engine"
)

// Router returns the floor's gin engine: /v1/evaluate and /health/ready.
func Router() *gin.Engine {
	fixed := fixedDecision()
	r := gin.New()
	r.GET("/health/ready", func(c *gin.Context) { c.String(http.StatusOK, "ok") })
	r.POST("/v1/evaluate", func(c *gin.Context) {
		body, err := io.ReadAll(io.LimitReader(c.Request.Body, 1<<20))
		if err != nil {
			c.AbortWithStatus(http.StatusBadRequest)
			return
		}
		dec := json.NewDecoder(bytes.NewReader(body))
		dec.DisallowUnknownFields()
		var req engine.Request
		if err := dec.Decode(&req); err != nil {
			c.AbortWithStatusJSON(http.StatusBadRequest, gin.H{"error": gin.H{"code": "invalid_input", "message": err.Error()}})
			return
		}
		c.Data(http.StatusOK, "application/json", fixed)
	})
	return r
}

// fixedDecision has the shape and roughly the size of a real decision.
func fixedDecision() []byte {
	b, err := json.Marshal(engine.Decision{
		DecisionID: "00000000-0000-4000-8000-000000000000",
		Decision:   engine.VerdictAllow,
		Allow:      true,
		StepUp:     []engine.StepUp{},
		Controls:   engine.Controls{MFA: "not_required", CompliantDevice: "not_required", HybridJoinedDevice: "not_required"},
		Reasons:    []engine.Reason{},
		ReportOnly: []engine.ReportOnly{{PolicyID: "ca000000-0000-4000-8000-000000000001", Result: "failure"}},
		Revision:   "floor",
	})
	if err != nil {
		panic(err) // a constant Go value always marshals
	}
	return b
}
