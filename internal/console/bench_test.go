package console_test

import (
	"context"
	"testing"

	"github.com/xtenant/xtenant/engine"
	"github.com/xtenant/xtenant/internal/console"
)

// BenchmarkRecorder is what --ui adds to every decision: the recorder
// around an evaluator that answers at once.
func BenchmarkRecorder(b *testing.B) {
	d := &engine.Decision{DecisionID: "x", Decision: engine.VerdictAllow, Allow: true}
	next := evaluatorFunc(func(context.Context, *engine.Request) (*engine.Decision, error) { return d, nil })
	ev := console.NewRecorder(1000, nil).Wrap(next)
	req, err := syncRequest().Canonical()
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if _, err := ev.Evaluate(context.Background(), req); err != nil {
				b.Fatal(err)
			}
		}
	})
}

type evaluatorFunc func(context.Context, *engine.Request) (*engine.Decision, error)

func (f evaluatorFunc) Evaluate(ctx context.Context, r *engine.Request) (*engine.Decision, error) {
	return f(ctx, r)
}
