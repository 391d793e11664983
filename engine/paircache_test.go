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
	cost := astCost(summary)
	const limit = 64 << 10
	c := newPairCache(limit)
	hot := pairKey{home: "hot"}
	for i := range 10000 {
		c.put(pairKey{home: strconv.Itoa(i)}, summary)
		if _, ok, _ := c.get(hot); ok {
			c.put(hot, summary) // in use: back into the current generation
		} else if i == 0 {
			c.put(hot, summary)
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
	off := newPairCache(0)
	off.put(hot, summary)
	if n, _ := off.size(); n != 0 {
		t.Errorf("zero budget: %d entries kept", n)
	}
}
