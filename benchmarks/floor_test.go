package benchmarks

import (
	"context"
	"net/http"
	"testing"

	"github.com/gin-gonic/gin"

	"github.com/xtenant/xtenant/benchmarks/floor"
	"github.com/xtenant/xtenant/engine"
	"github.com/xtenant/xtenant/internal/httpapi"
	"github.com/xtenant/xtenant/internal/telemetry"
)

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
	floorHandler := floor.Router()
	for _, h := range []struct {
		name string
		h    http.Handler
	}{{"GinFloor", floorHandler}, {"Xtenant/CachedHit", xt}} {
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
