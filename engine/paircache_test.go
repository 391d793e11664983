package engine

import (
	"strconv"
	"testing"

	"github.com/open-policy-agent/opa/v1/ast"
)

// The pair cache stays within its byte budget however many pairs pass
// through it, keeps the pairs in use, and keeps nothing with a zero budget.
func TestPairCacheBoundedInBytes(t *testing.T) {
	summary := ast.MustParseTerm(`{"home_name": "Contoso", "ca_live": [{"id": "p1", "controls": ["mfa"]}], "trust": {"isMfaAccepted": true}}`).Value
	cost := astCost(summary, shareable{}, nil)
	const limit = 64 << 10
	c := newPairCache[pairKey](limit)
	hot := pairKey{home: "hot"}
	for i := range 10000 {
		c.put(pairKey{home: strconv.Itoa(i)}, pairEntry{v: summary, cost: cost})
		if _, ok, _ := c.get(hot); ok {
			c.put(hot, pairEntry{v: summary, cost: cost}) // in use: back into the current generation
		} else if i == 0 {
			c.put(hot, pairEntry{v: summary, cost: cost})
		}
		if _, bytes := c.size(); bytes > limit {
			t.Fatalf("after %d pairs: %d bytes held, budget %d", i+1, bytes, limit)
		}
	}
	entries, bytes := c.size()
	if want := int64(entries) * cost; bytes != want || entries < int(limit/cost/2) {
		t.Errorf("%d entries, %d bytes; want %d bytes and at least %d entries", entries, bytes, want, limit/cost/2)
	}
	if _, ok, _ := c.get(hot); !ok {
		t.Error("a pair in use was dropped")
	}
	off := newPairCache[pairKey](0)
	off.put(hot, pairEntry{v: summary, cost: cost})
	if n, _ := off.size(); n != 0 {
		t.Errorf("zero budget: %d entries kept", n)
	}
}

// Tenant summaries share the pair summaries' budget: a working set of tenants
// larger than the eighth of the budget they once had is kept whole, and the
// tenants in use stay while pairs pass through (issue 11: at 1,000,000
// partner entries, 2,000 tenants, decisions recomputed their tenants'
// summaries).
func TestTenantSummariesShareBudget(t *testing.T) {
	summary := ast.MustParseTerm(`{"ca_evaluated": [{"id": "p1", "controls": ["mfa"]}], "ca_report_only": []}`).Value
	cost := astCost(summary, shareable{}, nil)
	const limit = 256 << 10
	c := newPairCache[summaryKey](limit)
	tenants := int(limit / cost / 4) // twice what an eighth of the budget held
	for pass := range 2 {
		for i := range tenants {
			k := tenantSummaryKey(strconv.Itoa(i))
			_, ok, cur := c.get(k)
			if pass == 1 && !ok {
				t.Fatalf("tenant %d of %d forgotten on the second pass", i, tenants)
			}
			if !cur {
				c.put(k, pairEntry{v: summary, cost: cost})
			}
		}
	}
	hot := tenantSummaryKey("hot")
	c.put(hot, pairEntry{v: summary, cost: cost})
	for i := range 10000 {
		c.put(pairSummaryKey(pairKey{home: strconv.Itoa(i)}), pairEntry{v: summary, cost: cost})
		if i%20 == 0 { // the hot tenant's pairs miss now and then and read it
			if _, ok, cur := c.get(hot); !ok {
				t.Fatalf("after %d pairs: a tenant in use was dropped", i+1)
			} else if !cur {
				c.put(hot, pairEntry{v: summary, cost: cost})
			}
		}
	}
}
