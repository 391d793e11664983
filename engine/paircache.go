package engine

import (
	"strings"
	"sync/atomic"

	"github.com/dgraph-io/ristretto/v2"
	"github.com/open-policy-agent/opa/v1/ast"
)

// DefaultPairCacheBytes bounds the pair summaries kept per snapshot
// (WithPairCacheBytes, --pair-cache-size). A pair summary of the built-in
// policy takes about 1 KB on generated data as the cache keeps it (packed,
// with its entry), so this holds about 65,000 pairs, besides the tenant
// summaries (about 16 KB each, as AST values).
const DefaultPairCacheBytes = 64 << 20

// WithPairCacheBytes bounds the memory of the pair and tenant summaries
// kept per snapshot (packedSummary.cost, astCost); 0 keeps none (every
// decision computes its pair summary).
func WithPairCacheBytes(n int64) Option {
	return func(e *Engine) { e.pairBytes = max(n, 0) }
}

// summaryKey files a summary in the snapshot's one cache: a pair summary
// under its pair key, or the summary of resource tenant `tenant` (isTenant,
// pair zero). Tenant summaries share the budget rather than holding a share
// of their own: one serves every pair of its tenant, so it is asked for far
// more often than a pair summary and the cache's admission keeps it while
// its tenant is in use, however many tenants the data holds (an eighth of
// the budget held only 260 of the generated data's 16 KB tenant summaries,
// and at 1,000,000 partner entries, 2,000 tenants, decisions recomputed
// them).
// The facts of a tenant's tenant restrictions for one key (tr_key_computed)
// are filed under the tenant and the key (isRestriction), in the same cache
// and budget.
type summaryKey struct {
	pair          pairKey
	tenant, key   string
	isTenant      bool
	isRestriction bool
}

func pairSummaryKey(k pairKey) summaryKey  { return summaryKey{pair: k} }
func tenantSummaryKey(x string) summaryKey { return summaryKey{tenant: x, isTenant: true} }
func restrictionSummaryKey(t, x string) summaryKey {
	return summaryKey{tenant: t, key: x, isRestriction: true}
}

// pairStats counts pair summary lookups.
type pairStats struct {
	hits, misses atomic.Uint64
}

// PairCacheStats are the pair summary cache's counters since start.
type PairCacheStats struct {
	Hits, Misses uint64
	// Entries and Bytes (pair and tenant summaries, bytes as estimated by
	// packedSummary.cost and astCost) are what the active snapshot holds;
	// MaxBytes is their budget.
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

// summaryCache holds a snapshot's pair and tenant summaries, bounded in
// bytes as packedSummary.cost and astCost estimate them, in ristretto:
// TinyLFU admission and sampled LFU eviction. A summary asked for once (a pair seen once, such as
// the many home tenants no setting names) does not push out the summaries
// asked for again and again, and a sequence of pairs larger than the budget,
// replayed, keeps a stable part of it cached instead of evicting each pair
// just before its turn comes back (on the distinct workload of bench-http
// the two generations this replaced found 44 % of summaries, ristretto 73 %).
// It dies with its snapshot (close).
type summaryCache struct {
	c *ristretto.Cache[string, pairEntry] // nil: a zero budget, keeps nothing
}

type pairEntry struct {
	v      ast.Value     // a tenant summary
	packed packedSummary // a pair summary
	cost   int64
	// composites are v's objects, sets and arrays, kept for a tenant
	// summary: the pair summaries of its tenant point into them (pack).
	composites tenantComposites
	// tenant is the tenant of a tenant summary, so that forgetPairs can
	// file it again (ristretto keeps no keys, only their hashes).
	tenant string
}

// summaryBytes is the size of a pair summary kept on generated data
// (packedSummary.cost): the cache counts ten admission counters per summary
// its budget holds, as ristretto advises.
const summaryBytes = 1 << 10

func newSummaryCache(limit int64) *summaryCache {
	if limit <= 0 {
		return &summaryCache{}
	}
	c, err := ristretto.NewCache(&ristretto.Config[string, pairEntry]{
		NumCounters:        max(10*limit/summaryBytes, 1000),
		MaxCost:            limit,
		BufferItems:        64,
		IgnoreInternalCost: true, // the costs count the entry's own overhead (pairKeyCost)
		Metrics:            true, // entries and bytes held, for /metrics
	})
	if err != nil {
		// Only a non-positive NumCounters, MaxCost or BufferItems fails.
		panic("engine: summary cache: " + err.Error())
	}
	return &summaryCache{c: c}
}

// String is the key's ristretto key, made once per lookup (cachedSummary);
// no member holds a NUL (tenant ids are GUIDs, clouds and identity kinds
// enumerations: Request.Validate).
func (k summaryKey) String() string {
	if k.isTenant {
		return "t\x00" + k.tenant
	}
	if k.isRestriction {
		return "r\x00" + k.tenant + "\x00" + k.key
	}
	p := k.pair
	return strings.Join([]string{"p", p.accessType, p.home, p.resource, p.homeCloud, p.resourceCloud, p.identityKind}, "\x00")
}

func (c *summaryCache) get(key string) (pairEntry, bool) {
	if c.c == nil {
		return pairEntry{}, false
	}
	return c.c.Get(key)
}

// put offers e to the cache, which may decline it (admission). It returns
// once the cache has applied it (ristretto applies sets from a buffer), so
// that the pair's next request finds it rather than computing it again:
// a few microseconds against the milliseconds of a summary.
func (c *summaryCache) put(key string, e pairEntry) {
	if c.c == nil || e.cost > c.c.MaxCost() {
		return
	}
	if c.c.Set(key, e, e.cost) {
		c.c.Wait()
	}
}

// keeps reports whether the cache keeps anything (a zero budget keeps
// nothing, and its entries need no cost).
func (c *summaryCache) keeps() bool { return c.c != nil }

// size reports the entries held and their bytes.
func (c *summaryCache) size() (int, int64) {
	if c.c == nil {
		return 0, 0
	}
	m := c.c.Metrics
	return int(m.KeysAdded() - m.KeysEvicted()), int64(m.CostAdded() - m.CostEvicted())
}

// wait applies the sets still buffered, so that a test sees what the cache
// took.
func (c *summaryCache) wait() {
	if c.c != nil {
		c.c.Wait()
	}
}

// forgetPairs forgets the pair summaries and keeps the tenant summaries, so
// that tests and benchmarks can see a pair summary computed again over a
// warm tenant.
func (c *summaryCache) forgetPairs() {
	if c.c == nil {
		return
	}
	c.c.Wait()
	var tenants []pairEntry
	c.c.IterValues(func(e pairEntry) bool {
		if e.tenant != "" {
			tenants = append(tenants, e)
		}
		return false
	})
	c.c.Clear()
	for _, e := range tenants {
		c.put(tenantSummaryKey(e.tenant).String(), e)
	}
}

// forget forgets every summary.
func (c *summaryCache) forget() {
	if c.c != nil {
		c.c.Clear()
	}
}

// close stops the cache's goroutines; it is called once its snapshot is
// unreachable (Activate), when no evaluation can use it any more.
func (c *summaryCache) close() {
	if c.c != nil {
		c.c.Close()
	}
}
