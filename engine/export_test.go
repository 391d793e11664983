package engine

// ForgetPairs drops the pair summaries of the active snapshot (its tenant
// summaries stay), so that tests and benchmarks can see the cost and the
// result of a miss.
func (e *Engine) ForgetPairs() {
	if s := e.current.Load(); s != nil {
		s.summaries.drop(func(k summaryKey) bool { return !k.isTenant })
	}
}

// SetPairLimit sets the entries per generation of the active snapshot's pair
// cache, so that a test can watch generations turn over.
func (e *Engine) SetPairLimit(n int) {
	if s := e.current.Load(); s != nil {
		s.summaries.mu.Lock()
		s.summaries.maxPerGen = n
		s.summaries.mu.Unlock()
	}
}

// PairCached reports in which generation the pair of req is cached.
func (e *Engine) PairCached(req *Request) (current, previous bool) {
	s := e.current.Load()
	if s == nil {
		return false, false
	}
	req, err := req.Canonical()
	if err != nil {
		return false, false
	}
	key := pairSummaryKey(pairKeyOf(req))
	s.summaries.mu.RLock()
	defer s.summaries.mu.RUnlock()
	_, current = s.summaries.cur[key]
	_, previous = s.summaries.prev[key]
	return current, previous
}

// WithEagerAST makes Activate convert the whole data document to AST values,
// as the engine did before it kept tenant data compact.
func WithEagerAST() Option { return func(e *Engine) { e.eagerAST = true } }

// ForgetTenants drops the tenant summaries of the active snapshot, so that a
// test can see a pair summary computed with its tenant summary cold.
func (e *Engine) ForgetTenants() {
	if s := e.current.Load(); s != nil {
		s.summaries.drop(func(k summaryKey) bool { return k.isTenant })
	}
}

// TenantCached reports whether the summary of resource tenant x is cached in
// the active snapshot, and whether that snapshot computes tenant summaries.
func (e *Engine) TenantCached(x string) (cached, enabled bool) {
	s := e.current.Load()
	if s == nil || s.tenant == nil {
		return false, false
	}
	_, cached, _ = s.summaries.get(tenantSummaryKey(x))
	return cached, true
}

// WithoutEntryView makes Evaluate leave partner entries to OPA's own
// conversion (a JSON round trip per entry and evaluation), as the engine
// did before the store's view, so that a benchmark compares the two.
func WithoutEntryView() Option { return func(e *Engine) { e.noEntryView = true } }
