package benchmarks

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"testing"

	"github.com/gin-gonic/gin"

	"github.com/xtenant/xtenant/engine"
	"github.com/xtenant/xtenant/internal/httpapi"
	"github.com/xtenant/xtenant/internal/telemetry"
)

// floorRouter is the handler of benchmarks/cmd/ginfloor (package main, so
// it cannot be imported): gin, a strict decode of the body into
// engine.Request and a fixed decision. Keep the two in step.
func floorRouter(b *testing.B) http.Handler {
	fixed, err := json.Marshal(engine.Decision{
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
		b.Fatal(err)
	}
	r := gin.New()
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

// BenchmarkHTTPFloor puts issue 6's ratio in process, without sockets: the
// gin floor handler against xtenant's POST /v1/evaluate on a decision-cache
// hit, wired as `xtenant serve` wires it (Prometheus metrics on), with the
// same bodies. Target: Xtenant/CachedHit within 1/0.9 of GinFloor.
func BenchmarkHTTPFloor(b *testing.B) {
	gin.SetMode(gin.ReleaseMode)
	f := getFixture(b, sizes()[0])
	cache := newCache(b, f)
	metrics, err := telemetry.New(telemetry.NewRegistry())
	if err != nil {
		b.Fatal(err)
	}
	xt := httpapi.New(httpapi.Config{Evaluator: cache, Querier: f.engine, Metrics: metrics})
	hot := f.inputs[:hotInputs]
	for _, in := range hot {
		req, err := engine.DecodeRequest(in)
		if err != nil {
			b.Fatal(err)
		}
		if _, err := cache.Evaluate(context.Background(), req); err != nil {
			b.Fatal(err)
		}
	}
	cache.Wait()
	floor := floorRouter(b)
	for _, h := range []struct {
		name string
		h    http.Handler
	}{{"GinFloor", floor}, {"Xtenant/CachedHit", xt}} {
		b.Run(h.name, func(b *testing.B) {
			b.ReportAllocs()
			i := 0
			for b.Loop() {
				serve(b, h.h, "/v1/evaluate", hot[i%len(hot)])
				i++
			}
		})
		b.Run(h.name+"Parallel", func(b *testing.B) {
			b.ReportAllocs()
			b.RunParallel(func(pb *testing.PB) {
				i := 0
				for pb.Next() {
					serve(b, h.h, "/v1/evaluate", hot[i%len(hot)])
					i++
				}
			})
		})
	}
}
