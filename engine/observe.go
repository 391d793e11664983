package engine

import (
	"context"
	"time"
)

// Answer is one decision as an observer of an evaluator sees it (Observe):
// exactly one of Decision and Encoded is set. Nothing in it may be modified:
// it is what the caller received (or the cache holds).
type Answer struct {
	// Request is the canonical request decided.
	Request  *Request
	Decision *Decision
	Encoded  Encoded
	// Cached tells whether the decision cache answered.
	Cached bool
	// Start and End bracket the decision, on the real clock.
	Start, End time.Time
}

// Observe returns next with observe called after each decision it makes (an
// error is no decision and is not observed): the decision log and the
// console's recorder are such observers. The request is checked and put in
// canonical form before next sees it (Canonical), once for the whole chain,
// and observers see that request. The result is a CachedEvaluator, and an
// EncodedEvaluator when next is one, so that observing costs the cache-hit
// path neither its cache metrics nor its copy-free answer.
func Observe(next Evaluator, observe func(Answer)) CachedEvaluator {
	o := &observed{next: next, observe: observe}
	if enc, ok := next.(EncodedEvaluator); ok {
		return &observedEncoded{observed: o, enc: enc}
	}
	return o
}

type observed struct {
	next    Evaluator
	observe func(Answer)
}

func (o *observed) Evaluate(ctx context.Context, req *Request) (*Decision, error) {
	d, _, err := o.EvaluateCached(ctx, req)
	return d, err
}

// EvaluateCached decides, lets the observer see the decision, and reports
// whether the cache answered (false when next is no cache).
func (o *observed) EvaluateCached(ctx context.Context, req *Request) (*Decision, bool, error) {
	start := time.Now()
	req, err := req.Canonical()
	if err != nil {
		return nil, false, err
	}
	var (
		d      *Decision
		cached bool
	)
	if ce, ok := o.next.(CachedEvaluator); ok {
		d, cached, err = ce.EvaluateCached(ctx, req)
	} else {
		d, err = o.next.Evaluate(ctx, req)
	}
	if err == nil && d != nil {
		o.observe(Answer{Request: req, Decision: d, Cached: cached, Start: start, End: time.Now()})
	}
	return d, cached, err
}

type observedEncoded struct {
	*observed
	enc EncodedEvaluator
}

// EvaluateEncoded decides through next's JSON answer, which the observer
// sees as it is written, with its own decision_id.
func (o *observedEncoded) EvaluateEncoded(ctx context.Context, req *Request) (Encoded, error) {
	start := time.Now()
	req, err := req.Canonical()
	if err != nil {
		return Encoded{}, err
	}
	enc, err := o.enc.EvaluateEncoded(ctx, req)
	if err == nil {
		o.observe(Answer{Request: req, Encoded: enc, Cached: enc.Cached, Start: start, End: time.Now()})
	}
	return enc, err
}
