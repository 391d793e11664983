package benchmarks

import (
	"context"
	"sync/atomic"
	"testing"

	"github.com/xtenant/xtenant/benchmarks/workload"
	"github.com/xtenant/xtenant/engine"
	"github.com/xtenant/xtenant/engine/decisioncache"
)

// hotInputs is the cached set of the hit benchmarks; small, because warming
// it costs one evaluation per input in every run (bench-smoke included).
const hotInputs = 200

func newCache(b *testing.B, f *fixture) *decisioncache.Cache {
	b.Helper()
	c, err := decisioncache.New(f.engine, f.engine, decisioncache.Config{MaxBytes: 256 << 20})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(c.Close)
	return c
}

// BenchmarkCache measures the decision cache in front of the engine. Every
// iteration decodes its body, as the HTTP handler does, so Hit and Miss are
// comparable; Decode alone is BenchmarkDecodeRequest.
//   - Hit: one of hotInputs inputs, all cached (key + lookup + copy-out);
//   - Miss: a body never seen before (key + lookup + evaluation + store);
//   - HitParallel: Hit from GOMAXPROCS goroutines (contention);
//   - ZipfParallel: a Zipf (s = 1.1) sequence over 100,000 inputs from
//     GOMAXPROCS goroutines, starting cold: what a gateway sees.
//
// Only the first size of the sweep is used: a hit does not depend on the
// number of partners, and a miss is BenchmarkEvaluate plus the hit cost.
func BenchmarkCache(b *testing.B) {
	ctx := context.Background()
	f := getFixture(b, sizes()[0])
	decode := func(body []byte) *engine.Request {
		req, err := engine.DecodeRequest(body)
		if err != nil {
			b.Fatal(err)
		}
		return req
	}
	hot := f.inputs[:hotInputs]
	warm := func(c *decisioncache.Cache) {
		for _, in := range hot {
			if _, err := c.Evaluate(ctx, decode(in)); err != nil {
				b.Fatal(err)
			}
		}
		c.Wait()
	}
	b.Run("Hit", func(b *testing.B) {
		c := newCache(b, f)
		warm(c)
		b.ReportAllocs()
		i := 0
		for b.Loop() {
			if _, hit, err := c.EvaluateCached(ctx, decode(hot[i%len(hot)])); err != nil || !hit {
				b.Fatal("want a hit", err)
			}
			i++
		}
	})
	b.Run("Miss", func(b *testing.B) {
		c := newCache(b, f)
		b.ReportAllocs()
		i := 0
		for b.Loop() {
			body := workload.StampWrap(f.inputs[i%len(f.inputs)], 1+i/len(f.inputs))
			if _, hit, err := c.EvaluateCached(ctx, decode(body)); err != nil || hit {
				b.Fatal("want a miss", err)
			}
			i++
		}
	})
	b.Run("HitParallel", func(b *testing.B) {
		c := newCache(b, f)
		warm(c)
		b.ReportAllocs()
		b.ResetTimer()
		b.RunParallel(func(pb *testing.PB) {
			i := 0
			for pb.Next() {
				req, err := engine.DecodeRequest(hot[i%len(hot)])
				if err == nil {
					_, err = c.Evaluate(ctx, req)
				}
				if err != nil {
					b.Error(err)
					return
				}
				i++
			}
		})
	})
	b.Run("ZipfParallel", func(b *testing.B) {
		const distinct = 100000
		d := workload.Generate(workload.Config{Seed: seed, Partners: f.partners})
		pool := d.Inputs(distinct)
		seq := workload.ZipfSequence(seed, distinct, 1<<20, 1.1)
		c := newCache(b, f)
		b.ReportAllocs()
		b.ResetTimer()
		var next atomic.Int64
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				k := int(next.Add(1) - 1)
				req, err := engine.DecodeRequest(pool[seq[k%len(seq)]])
				if err == nil {
					_, err = c.Evaluate(ctx, req)
				}
				if err != nil {
					b.Error(err)
					return
				}
			}
		})
		st := c.Stats()
		if total := st.Hits + st.Misses; total > 0 {
			b.ReportMetric(float64(st.Hits)/float64(total), "hit-ratio")
		}
	})
}
