package benchmarks

import (
	"context"
	"encoding/json"
	"testing"

	"github.com/open-policy-agent/opa/v1/rego"
	"github.com/open-policy-agent/opa/v1/storage/inmem"

	"github.com/xtenant/xtenant/bundles"
	"github.com/xtenant/xtenant/engine"
	"github.com/xtenant/xtenant/tenants"
)

// BenchmarkActivation is the time from a tenants file in memory to a ready
// engine, split into its steps: parse and validate the tenants, assemble the
// policy, and activate (compile and prepare).
func BenchmarkActivation(b *testing.B) {
	ctx := context.Background()
	for _, n := range sizes() {
		f := getFixture(b, n)
		b.Run(sizeName(n)+"/ParseTenants", func(b *testing.B) {
			b.ReportAllocs()
			b.SetBytes(int64(len(f.tenantsJSON)))
			for b.Loop() {
				if _, err := tenants.Parse("generated.json", f.tenantsJSON); err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run(sizeName(n)+"/BuiltinPolicy", func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := bundles.Builtin(f.set); err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run(sizeName(n)+"/Activate", func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if err := engine.New().Activate(ctx, f.policy); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkDecodeRequest is input conversion at the edge: JSON body to a
// validated engine.Request (size-independent).
func BenchmarkDecodeRequest(b *testing.B) {
	f := getFixture(b, sizes()[0])
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		in := f.inputs[i%len(f.inputs)]
		i++
		req, err := engine.DecodeRequest(in)
		if err != nil {
			b.Fatal(err)
		}
		// DecodeRequest checks and canonicalises as it decodes.
		if c, _ := req.Canonical(); c != req {
			b.Fatal("decoded request not canonical")
		}
	}
}

// BenchmarkEvaluate is the prepared evaluation through the engine, cycling
// over 1,000 distinct inputs:
//   - Prepared: a decoded request in, a decoded Decision out (input to
//     ast.Value, eval, strict result decoding);
//   - DecodeAndEvaluate: the same from the JSON body, as the HTTP handler
//     does on a cache miss;
//   - GenericQuery: the same decision through Engine.Query with the input as
//     generic JSON (InterfaceToValue) and the result as generic JSON, the
//     path OPA's Data API takes; the gap to Prepared is what the typed input
//     conversion and result decoding save;
//   - Parallel: Prepared from GOMAXPROCS goroutines.
func BenchmarkEvaluate(b *testing.B) {
	ctx := context.Background()
	for _, n := range sizes() {
		f := getFixture(b, n)
		b.Run(sizeName(n)+"/Prepared", func(b *testing.B) {
			reqs := f.requests(b)
			b.ReportAllocs()
			i := 0
			for b.Loop() {
				if _, err := f.engine.Evaluate(ctx, reqs[i%len(reqs)]); err != nil {
					b.Fatal(err)
				}
				i++
			}
		})
		b.Run(sizeName(n)+"/DecodeAndEvaluate", func(b *testing.B) {
			b.ReportAllocs()
			i := 0
			for b.Loop() {
				req, err := engine.DecodeRequest(f.inputs[i%len(f.inputs)])
				if err != nil {
					b.Fatal(err)
				}
				if _, err := f.engine.Evaluate(ctx, req); err != nil {
					b.Fatal(err)
				}
				i++
			}
		})
		b.Run(sizeName(n)+"/GenericQuery", func(b *testing.B) {
			docs := genericInputs(b, f.inputs)
			b.ReportAllocs()
			i := 0
			for b.Loop() {
				if _, ok, err := f.engine.Query(ctx, "xtenant/access/decision", docs[i%len(docs)]); err != nil || !ok {
					b.Fatal(err, ok)
				}
				i++
			}
		})
		b.Run(sizeName(n)+"/Parallel", func(b *testing.B) {
			reqs := f.requests(b)
			b.ReportAllocs()
			b.ResetTimer()
			b.RunParallel(func(pb *testing.PB) {
				i := 0
				for pb.Next() {
					if _, err := f.engine.Evaluate(ctx, reqs[i%len(reqs)]); err != nil {
						b.Error(err)
						return
					}
					i++
				}
			})
		})
	}
}

// BenchmarkStockRego is what a Go user embedding OPA would write instead of
// xtenant's engine: rego.PrepareForEval over the same modules and data in
// OPA's in-memory store, input as generic JSON, result as generic JSON.
func BenchmarkStockRego(b *testing.B) {
	ctx := context.Background()
	for _, n := range sizes() {
		f := getFixture(b, n)
		b.Run(sizeName(n)+"/Prepare", func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				stockPrepare(b, f)
			}
		})
		b.Run(sizeName(n)+"/Eval", func(b *testing.B) {
			pq := stockPrepare(b, f)
			docs := genericInputs(b, f.inputs)
			b.ReportAllocs()
			i := 0
			for b.Loop() {
				rs, err := pq.Eval(ctx, rego.EvalInput(docs[i%len(docs)]))
				if err != nil || len(rs) != 1 {
					b.Fatal(err, len(rs))
				}
				i++
			}
		})
	}
}

func stockPrepare(b *testing.B, f *fixture) rego.PreparedEvalQuery {
	b.Helper()
	opts := []func(*rego.Rego){
		rego.Query("data.xtenant.access.decision"),
		rego.Store(inmem.NewFromObject(f.policy.Data)),
	}
	for name, src := range f.policy.Modules {
		opts = append(opts, rego.Module(name, src))
	}
	pq, err := rego.New(opts...).PrepareForEval(context.Background())
	if err != nil {
		b.Fatal(err)
	}
	return pq
}

func genericInputs(b *testing.B, inputs [][]byte) []any {
	b.Helper()
	docs := make([]any, len(inputs))
	for i, in := range inputs {
		if err := json.Unmarshal(in, &docs[i]); err != nil {
			b.Fatal(err)
		}
	}
	return docs
}
