package benchmarks

import (
	"bytes"
	"context"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/gin-gonic/gin"

	"github.com/xtenant/xtenant/engine"
	"github.com/xtenant/xtenant/internal/httpapi"
)

// BenchmarkHTTPHandler is the whole gin handler in process (no sockets):
// routing, middleware, body limit, decoding, evaluation and writing.
//   - Evaluate/Uncached: POST /v1/evaluate, engine only, 1,000 inputs cycled;
//   - Evaluate/CachedHit: the same through the decision cache, all hits;
//   - Evaluate/CachedHitParallel: CachedHit from GOMAXPROCS goroutines;
//   - DataAPI/Uncached: POST /v1/data/xtenant/access/decision {"input": …},
//     the OPA-compatible route a gateway plugin would use.
func BenchmarkHTTPHandler(b *testing.B) {
	gin.SetMode(gin.ReleaseMode)
	f := getFixture(b, sizes()[0])
	uncached := httpapi.New(httpapi.Config{Evaluator: f.engine, Querier: f.engine})
	cache := newCache(b, f)
	cached := httpapi.New(httpapi.Config{Evaluator: cache, Querier: f.engine})
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
	wrapped := make([][]byte, len(f.inputs))
	for i, in := range f.inputs {
		wrapped[i] = append(append([]byte(`{"input":`), in...), '}')
	}

	serial := func(h http.Handler, path string, bodies [][]byte) func(*testing.B) {
		return func(b *testing.B) {
			b.ReportAllocs()
			i := 0
			for b.Loop() {
				serve(b, h, path, bodies[i%len(bodies)])
				i++
			}
		}
	}
	b.Run("Evaluate/Uncached", serial(uncached, "/v1/evaluate", f.inputs))
	b.Run("Evaluate/CachedHit", serial(cached, "/v1/evaluate", hot))
	b.Run("Evaluate/CachedHitParallel", func(b *testing.B) {
		b.ReportAllocs()
		b.RunParallel(func(pb *testing.PB) {
			i := 0
			for pb.Next() {
				serve(b, cached, "/v1/evaluate", hot[i%len(hot)])
				i++
			}
		})
	})
	b.Run("DataAPI/Uncached", serial(uncached, "/v1/data/xtenant/access/decision", wrapped))
}

func serve(b *testing.B, h http.Handler, path string, body []byte) {
	req := httptest.NewRequest(http.MethodPost, path, bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	if rec.Code != http.StatusOK {
		b.Errorf("%s: HTTP %d: %s", path, rec.Code, rec.Body.Bytes())
	}
}
