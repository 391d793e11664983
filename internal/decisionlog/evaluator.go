package decisionlog

import "github.com/xtenant/xtenant/engine"

// Wrap returns next with every decision logged to l (engine.Observe), so
// that every transport (HTTP, ext_authz) is logged in one place. Errors are
// not decisions and are not logged. When next answers as JSON (the decision
// cache), so does the result, so that turning the decision log on does not
// cost the cache-hit path its copy-free answer.
func (l *Logger) Wrap(next engine.Evaluator) engine.Evaluator {
	return engine.Observe(next, l.observe)
}

// observe queues the event of one answer.
func (l *Logger) observe(a engine.Answer) {
	elapsed := a.End.Sub(a.Start)
	if a.Decision != nil {
		l.Log(a.Request, a.Decision, elapsed, a.Cached)
		return
	}
	l.enqueue(record{req: a.Request, enc: a.Encoded, id: a.Encoded.DecisionID, revision: a.Encoded.Revision,
		at: l.cfg.Now(), elapsed: elapsed, cached: a.Encoded.Cached})
}
