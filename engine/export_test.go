package engine

// ForgetPairs drops the pair summaries of the active snapshot (its tenant
// summaries stay), so that tests and benchmarks can see the cost and the
// result of a miss.
func (e *Engine) ForgetPairs() {
	if s := e.current.Load(); s != nil {
		s.summaries.forgetPairs()
	}
}

// SetPairBudget sets the bytes the active snapshot's summary cache holds,
// so that a test can see its summaries evicted all the time.
func (e *Engine) SetPairBudget(n int64) {
	if s := e.current.Load(); s != nil && s.summaries.c != nil {
		s.summaries.c.UpdateMaxCost(n)
		s.summaries.wait()
	}
}

// PairCached reports whether the pair summary of req is cached, once the
// cache has applied the summaries offered to it.
func (e *Engine) PairCached(req *Request) bool {
	s := e.current.Load()
	if s == nil {
		return false
	}
	req, err := req.Canonical()
	if err != nil {
		return false
	}
	s.summaries.wait()
	_, ok := s.summaries.get(pairSummaryKey(pairKeyOf(req)).String())
	return ok
}

// WithEagerAST makes Activate convert the whole data document to AST values,
// as the engine did before it kept tenant data compact.
func WithEagerAST() Option { return func(e *Engine) { e.eagerAST = true } }

// ForgetSummaries drops every summary of the active snapshot, tenant
// summaries included, so that a test can see a pair summary computed with
// its tenant summary cold.
func (e *Engine) ForgetSummaries() {
	if s := e.current.Load(); s != nil {
		s.summaries.forget()
	}
}

// TenantCached reports whether the summary of resource tenant x is cached in
// the active snapshot, and whether that snapshot computes tenant summaries.
func (e *Engine) TenantCached(x string) (cached, enabled bool) {
	s := e.current.Load()
	if s == nil || s.tenant == nil {
		return false, false
	}
	s.summaries.wait()
	_, cached = s.summaries.get(tenantSummaryKey(x).String())
	return cached, true
}

// WithoutEntryView makes Evaluate leave partner entries to OPA's own
// conversion (a JSON round trip per entry and evaluation), as the engine
// did before the store's view, so that a benchmark compares the two.
func WithoutEntryView() Option { return func(e *Engine) { e.noEntryView = true } }

// RestrictionCached reports whether the tenant restrictions facts of tenant
// t for key x are cached in the active snapshot, and whether that snapshot
// computes them apart (tr_key handed over).
func (e *Engine) RestrictionCached(t, x string) (cached, enabled bool) {
	s := e.current.Load()
	if s == nil || s.restriction == nil {
		return false, false
	}
	s.summaries.wait()
	_, cached = s.summaries.get(restrictionSummaryKey(t, x).String())
	return cached, true
}
