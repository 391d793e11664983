package engine

import (
	"sync"
	"sync/atomic"

	"github.com/open-policy-agent/opa/v1/ast"
)

// DefaultPairCacheBytes bounds the pair summaries kept per snapshot
// (WithPairCacheBytes, --pair-cache-size). A pair summary of the built-in
// policy holds about 7 KB on generated data as the cache keeps it (keep,
// astCost), so this holds about 9,000 pairs.
const DefaultPairCacheBytes = 64 << 20

// WithPairCacheBytes bounds the memory of the pair summaries kept per
// snapshot, as estimated by astCost; 0 keeps none (every decision computes
// its pair summary).
func WithPairCacheBytes(n int64) Option {
	return func(e *Engine) { e.pairBytes = max(n, 0) }
}

// summaryKey files a summary in the snapshot's one cache: a pair summary
// under its pair key, or the summary of resource tenant `tenant` (isTenant,
// pair zero). Tenant summaries share the budget rather than holding a share
// of their own: one serves every pair of its tenant, so it is found far more
// often than a pair summary and stays in the current generation while its
// tenant is in use, however many tenants the data holds (an eighth of the
// budget held only 260 of the generated data's 16 KB tenant summaries, and
// at 1,000,000 partner entries, 2,000 tenants, decisions recomputed them).
type summaryKey struct {
	pair     pairKey
	tenant   string
	isTenant bool
}

func pairSummaryKey(k pairKey) summaryKey  { return summaryKey{pair: k} }
func tenantSummaryKey(x string) summaryKey { return summaryKey{tenant: x, isTenant: true} }

// pairStats counts pair summary lookups.
type pairStats struct {
	hits, misses atomic.Uint64
}

// PairCacheStats are the pair summary cache's counters since start.
type PairCacheStats struct {
	Hits, Misses uint64
	// Entries and Bytes (pair and tenant summaries, bytes as estimated by
	// astCost) are what the active snapshot holds; MaxBytes is their budget.
	Entries         int
	Bytes, MaxBytes int64
}

// PairCacheStats reports the pair summary cache (zero entries when the
// active policy has no tenant_pair_computed).
func (e *Engine) PairCacheStats() PairCacheStats {
	st := PairCacheStats{Hits: e.pairStats.hits.Load(), Misses: e.pairStats.misses.Load(), MaxBytes: e.pairBytes}
	if s := e.current.Load(); s != nil {
		st.Entries, st.Bytes = s.summaries.size()
	}
	return st
}

// pairCache holds pair summaries in two generations bounded in bytes: when
// the current one holds half the budget it becomes the previous one, and a
// pair found there moves back, so pairs in use survive while idle ones age
// out (recency without bookkeeping on the hit path). Counting bytes rather
// than entries keeps the heap flat whatever the size of the summaries
// (a summary carries the tenants' Conditional Access results). It dies with
// its snapshot. The tenant summaries under the pair summaries
// (tenantSummary) are kept in the same cache (summaryKey).
type pairCache[K comparable] struct {
	mu        sync.RWMutex
	cur, prev map[K]pairEntry
	curBytes  int64
	prevBytes int64
	limit     int64 // bytes, both generations together
	maxPerGen int   // entries per generation, 0 = no count limit (tests)
}

type pairEntry struct {
	v    ast.Value
	cost int64
	// composites are v's objects, sets and arrays, kept for a tenant
	// summary: the pair summaries of its tenant share them (astCost).
	composites map[ast.Value]struct{}
}

func newPairCache[K comparable](limit int64) *pairCache[K] {
	return &pairCache[K]{cur: make(map[K]pairEntry), limit: limit}
}

// get returns the entry of key and whether it was in the current
// generation.
func (c *pairCache[K]) get(key K) (e pairEntry, ok, current bool) {
	c.mu.RLock()
	e, current = c.cur[key]
	ok = current
	if !ok {
		e, ok = c.prev[key]
	}
	c.mu.RUnlock()
	return e, ok, current
}

// put files e under key in the current generation, turning a half-full
// current generation into the previous one first. A summary larger than
// half the budget is not kept.
func (c *pairCache[K]) put(key K, e pairEntry) {
	half := c.limit / 2
	if half <= 0 || e.cost > half {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if _, ok := c.cur[key]; ok {
		return
	}
	if c.curBytes+e.cost > half || (c.maxPerGen > 0 && len(c.cur) >= c.maxPerGen) {
		c.prev, c.prevBytes = c.cur, c.curBytes
		c.cur, c.curBytes = make(map[K]pairEntry, len(c.prev)), 0
	}
	c.cur[key] = e
	c.curBytes += e.cost
}

// keeps reports whether the cache keeps anything (a zero budget keeps
// nothing, and its entries need no cost).
func (c *pairCache[K]) keeps() bool { return c.limit/2 > 0 }

func (c *pairCache[K]) size() (int, int64) {
	c.mu.RLock()
	defer c.mu.RUnlock()
	return len(c.cur) + len(c.prev), c.curBytes + c.prevBytes
}

// drop forgets the summaries whose key matches, so that tests and
// benchmarks can see a summary computed again.
func (c *pairCache[K]) drop(match func(K) bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for k, e := range c.cur {
		if match(k) {
			delete(c.cur, k)
			c.curBytes -= e.cost
		}
	}
	for k, e := range c.prev {
		if match(k) {
			delete(c.prev, k)
			c.prevBytes -= e.cost
		}
	}
}
