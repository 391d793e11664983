package engine

// ForgetPairs empties the pair summary cache of the active snapshot, so that
// tests and benchmarks can see the cost and the result of a miss.
func (e *Engine) ForgetPairs() {
	if s := e.current.Load(); s != nil {
		s.pairsMu.Lock()
		clear(s.pairs)
		s.pairsMu.Unlock()
	}
}
