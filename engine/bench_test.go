package engine_test

import (
	"context"
	"testing"

	"github.com/xtenant/xtenant/engine"
	"github.com/xtenant/xtenant/engine/scenario"
)

// BenchmarkEvaluate: a B2B collaboration decision with Conditional Access
// (issue 6 target: ≤ 60 µs and ≤ 300 allocations per decision). The tenant
// set is the built-in examples (Contoso with two CA policies and partners).
func BenchmarkEvaluate(b *testing.B) {
	ctx := context.Background()
	b.Run("example-collaboration-ca", func(b *testing.B) {
		e := exampleEngine(b)
		body := []byte(`{"access_type":"b2b_collaboration","home_tenant":"11111111-1111-1111-1111-111111111111",
			"resource_tenant":"22222222-2222-2222-2222-222222222222","user":{"id":"aaaaaaaa-0000-0000-0000-000000000001",
			"groups":["bbbbbbbb-0000-0000-0000-000000000002"],"user_type":"guest"},
			"application":{"id":"00000003-0000-0ff1-ce00-000000000000"},"claims":{"mfa":true,"compliant_device":true}}`)
		b.ReportAllocs()
		for b.Loop() {
			req, err := engine.DecodeRequest(body)
			if err != nil {
				b.Fatal(err)
			}
			if _, err := e.Evaluate(ctx, req); err != nil {
				b.Fatal(err)
			}
		}
	})
	// Evaluation only, one scenario case per verdict: a CA step-up, a plain
	// allow and a deny (the inbound stage blocks).
	for _, bc := range []struct{ name, file, want string }{
		{"scenario-tc27-evaluate-only", "tc27-collaboration-mfa-not-trusted-step-up-resource.json", engine.VerdictStepUp},
		{"scenario-tc01-allow", "tc01-baseline-b2b-collaboration-service-defaults.json", engine.VerdictAllow},
		{"scenario-tc03-deny", "tc03-resource-default-inbound-blocks-everyone.json", engine.VerdictDeny},
	} {
		b.Run(bc.name, func(b *testing.B) {
			f, err := scenario.Load(scenarioDir + "/" + bc.file)
			if err != nil {
				b.Fatal(err)
			}
			e := activateScenario(b, f)
			req, err := engine.DecodeRequest(f.Cases[0].Input)
			if err != nil {
				b.Fatal(err)
			}
			if d, err := e.Evaluate(ctx, req); err != nil || d.Decision != bc.want {
				b.Fatalf("Evaluate = %+v, %v; want %s", d, err, bc.want)
			}
			b.ReportAllocs()
			for b.Loop() {
				if _, err := e.Evaluate(ctx, req); err != nil {
					b.Fatal(err)
				}
			}
		})
		// The same decision with the pair summary cache emptied before every
		// request: the cost of a pair seen for the first time.
		b.Run(bc.name+"-cold-pair", func(b *testing.B) {
			f, err := scenario.Load(scenarioDir + "/" + bc.file)
			if err != nil {
				b.Fatal(err)
			}
			e := activateScenario(b, f)
			req, err := engine.DecodeRequest(f.Cases[0].Input)
			if err != nil {
				b.Fatal(err)
			}
			b.ReportAllocs()
			for b.Loop() {
				e.ForgetPairs()
				if _, err := e.Evaluate(ctx, req); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
