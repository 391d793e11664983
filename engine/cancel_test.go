package engine_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/open-policy-agent/opa/v1/topdown"

	"github.com/xtenant/xtenant/engine"
)

// TestEvaluateCancelled: a request whose context has ended is not decided,
// and one whose context ends while it is evaluated stops with an error and
// no decision (fail closed), whichever of its evaluations (tenant summary,
// pair summary, decision) is running.
func TestEvaluateCancelled(t *testing.T) {
	d, p := entryData(t)
	e := engine.New()
	if err := e.Activate(context.Background(), p); err != nil {
		t.Fatal(err)
	}
	inputs := d.Inputs(64)
	reqs := make([]*engine.Request, len(inputs))
	for i, in := range inputs {
		var err error
		if reqs[i], err = engine.DecodeRequest(in); err != nil {
			t.Fatal(err)
		}
	}
	req := func(i int) *engine.Request { r := *reqs[i%len(reqs)]; return &r }

	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if dec, err := e.Evaluate(ctx, req(0)); !errors.Is(err, context.Canceled) || dec != nil {
		t.Fatalf("cancelled before: %v, %v", dec, err)
	}

	// Cold summaries make each evaluation long enough (a millisecond or
	// more) for a cancellation after some microseconds to land inside it.
	stopped := 0
	for i := range 40 {
		e.ForgetSummaries()
		r := req(i)
		ctx, cancel := context.WithCancel(context.Background())
		timer := time.AfterFunc(time.Duration(50+25*i)*time.Microsecond, cancel)
		dec, err := e.Evaluate(ctx, r)
		timer.Stop()
		cancel()
		switch {
		case err == nil && dec == nil:
			t.Fatal("no decision and no error")
		case err != nil && dec != nil:
			t.Fatalf("a decision with an error: %v", err)
		case topdown.IsCancel(err):
			stopped++ // inside an evaluation
		case err != nil && !errors.Is(err, context.Canceled):
			t.Fatalf("evaluation %d: not a cancellation: %v", i, err)
		}
	}
	if stopped == 0 {
		t.Fatal("no evaluation was stopped by its context while it ran")
	}
	// The engine still decides afterwards.
	if _, err := e.Evaluate(context.Background(), req(1)); err != nil {
		t.Fatal(err)
	}
}
