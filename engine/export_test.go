package engine

// ForgetPairs empties the pair summary cache of the active snapshot, so that
// tests and benchmarks can see the cost and the result of a miss.
func (e *Engine) ForgetPairs() {
	if s := e.current.Load(); s != nil {
		s.pairs.clear()
	}
}

// SetPairLimit sets the entries per generation of the active snapshot's pair
// cache, so that a test can watch generations turn over.
func (e *Engine) SetPairLimit(n int) {
	if s := e.current.Load(); s != nil {
		s.pairs.mu.Lock()
		s.pairs.maxPerGen = n
		s.pairs.mu.Unlock()
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
	key := pairKeyOf(req)
	s.pairs.mu.RLock()
	defer s.pairs.mu.RUnlock()
	_, current = s.pairs.cur[key]
	_, previous = s.pairs.prev[key]
	return current, previous
}

// WithEagerAST makes Activate convert the whole data document to AST values,
// as the engine did before it kept tenant data compact.
func WithEagerAST() Option { return func(e *Engine) { e.eagerAST = true } }

// ForgetTenants empties the tenant summary cache of the active snapshot, so
// that a test can see a pair summary computed with its tenant summary cold.
func (e *Engine) ForgetTenants() {
	if s := e.current.Load(); s != nil {
		s.tenants.clear()
	}
}

// TenantCached reports whether the summary of resource tenant x is cached in
// the active snapshot, and whether that snapshot computes tenant summaries.
func (e *Engine) TenantCached(x string) (cached, enabled bool) {
	s := e.current.Load()
	if s == nil || s.tenant == nil {
		return false, false
	}
	_, cached, _ = s.tenants.get(x)
	return cached, true
}

// WithoutEntryView makes Evaluate leave partner entries to OPA's own
// conversion (a JSON round trip per entry and evaluation), as the engine
// did before the store's view, so that a benchmark compares the two.
func WithoutEntryView() Option { return func(e *Engine) { e.noEntryView = true } }
