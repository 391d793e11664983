package decisionlog

import (
	"context"
	"time"

	"github.com/xtenant/xtenant/engine"
	"github.com/xtenant/xtenant/engine/decisioncache"
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

// encodedEvaluator is implemented by the decision cache: answers as JSON,
// with no copy on a hit.
type encodedEvaluator interface {
	EvaluateEncoded(ctx context.Context, req *engine.Request) (decisioncache.Encoded, error)
}

// Wrap returns next with every decision logged to l. When next answers as
// JSON (the decision cache), so does the result, so that turning the
// decision log on does not cost the cache-hit path its copy-free answer.
func (l *Logger) Wrap(next engine.Evaluator) engine.Evaluator {
	e := &Evaluator{next: next, log: l}
	if enc, ok := next.(encodedEvaluator); ok {
		return &EncodedEvaluator{Evaluator: e, enc: enc}
	}
	return e
}

// EncodedEvaluator is an Evaluator over the decision cache that also passes
// its JSON answers through, logged.
type EncodedEvaluator struct {
	*Evaluator
	enc encodedEvaluator
}

// EvaluateEncoded decides through the cache's JSON path and logs the
// answer as it was written, with its own decision_id.
func (e *EncodedEvaluator) EvaluateEncoded(ctx context.Context, req *engine.Request) (decisioncache.Encoded, error) {
	start := time.Now()
	enc, err := e.enc.EvaluateEncoded(ctx, req)
	if err == nil {
		e.log.logEncoded(req, enc, time.Since(start))
	}
	return enc, err
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
