package decisionlog

import (
	"context"
	"time"

	"github.com/xtenant/xtenant/engine"
)

// cachedEvaluator is implemented by the decision cache.
type cachedEvaluator interface {
	EvaluateCached(ctx context.Context, req *engine.Request) (*engine.Decision, bool, error)
}

// Evaluator logs every decision of the evaluator it wraps, so that every
// transport (HTTP, ext_authz) is logged in one place. Errors are not
// decisions and are not logged.
type Evaluator struct {
	next engine.Evaluator
	log  *Logger
}

var _ engine.Evaluator = (*Evaluator)(nil)

// Wrap returns next with every decision logged to l.
func (l *Logger) Wrap(next engine.Evaluator) *Evaluator {
	return &Evaluator{next: next, log: l}
}

// Evaluate decides and logs.
func (e *Evaluator) Evaluate(ctx context.Context, req *engine.Request) (*engine.Decision, error) {
	d, _, err := e.EvaluateCached(ctx, req)
	return d, err
}

// EvaluateCached decides, logs, and reports whether the cache answered
// (false when next is not a cache), so transports keep their cache metrics.
func (e *Evaluator) EvaluateCached(ctx context.Context, req *engine.Request) (*engine.Decision, bool, error) {
	start := time.Now()
	var (
		d      *engine.Decision
		cached bool
		err    error
	)
	if ce, ok := e.next.(cachedEvaluator); ok {
		d, cached, err = ce.EvaluateCached(ctx, req)
	} else {
		d, err = e.next.Evaluate(ctx, req)
	}
	if err == nil && d != nil {
		e.log.Log(req, d, time.Since(start), cached)
	}
	return d, cached, err
}
