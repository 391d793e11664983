package engine_test

import (
	"context"
	"testing"
)

// BenchmarkEvaluateRestricted: decisions denied by tenant restrictions (a
// third tenant's TRv2 signal, R-TR-*) on the generated data of bench-scale
// (10,000 partner entries), each pair summary and each tenant restrictions
// fact already cached: the costliest class of the generated inputs before
// the facts were cached per (T, key).
//
//	go test -run '^$' -bench EvaluateRestricted -benchmem ./engine
func BenchmarkEvaluateRestricted(b *testing.B) {
	ctx := context.Background()
	e, reqs := generatedEngine(b, 10000, 2000)
	var restricted []int
	for i, r := range reqs {
		req := *r
		d, err := e.Evaluate(ctx, &req)
		if err != nil {
			b.Fatal(err)
		}
		if d.DeniedBy != nil && *d.DeniedBy == "tenant_restrictions" {
			restricted = append(restricted, i)
		}
	}
	if len(restricted) < 50 {
		b.Fatalf("%d of %d generated inputs are denied by tenant restrictions; want at least 50", len(restricted), len(reqs))
	}
	b.ReportAllocs()
	b.ResetTimer()
	i := 0
	for b.Loop() {
		req := *reqs[restricted[i%len(restricted)]]
		i++
		if _, err := e.Evaluate(ctx, &req); err != nil {
			b.Fatal(err)
		}
	}
}
