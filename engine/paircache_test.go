package engine

import (
	"context"
	"runtime"
	"strconv"
	"testing"
	"time"

	"github.com/open-policy-agent/opa/v1/ast"
)

// The summary cache stays within its byte budget however many pairs pass
// through it, and keeps nothing with a zero budget.
func TestSummaryCacheBoundedInBytes(t *testing.T) {
	summary := ast.MustParseTerm(`{"home_name": "Contoso", "ca_live": [{"id": "p1", "controls": ["mfa"]}], "trust": {"isMfaAccepted": true}}`).Value
	cost := astCost(summary, shareable{})
	const limit = 64 << 10
	c := newSummaryCache(limit)
	defer c.close()
	for i := range 5000 {
		c.put(pairSummaryKey(pairKey{home: strconv.Itoa(i)}).String(), pairEntry{v: summary, cost: cost})
		if i%100 == 99 {
			c.wait()
			if _, bytes := c.size(); bytes > limit {
				t.Fatalf("after %d pairs: %d bytes held, budget %d", i+1, bytes, limit)
			}
		}
	}
	if entries, bytes := c.size(); entries == 0 || bytes != int64(entries)*cost {
		t.Errorf("%d entries, %d bytes; want some, at %d bytes each", entries, bytes, cost)
	}
	off := newSummaryCache(0)
	off.put(pairSummaryKey(pairKey{home: "hot"}).String(), pairEntry{v: summary, cost: cost})
	if n, _ := off.size(); n != 0 || off.keeps() {
		t.Errorf("zero budget: %d entries kept", n)
	}
}

// Summaries asked for again and again (the resource tenants' summaries,
// the pairs in use) survive many times the budget of summaries asked for
// once, even when more of those pass between two asks than the budget
// holds, where a cache by recency alone (the two generations this one
// replaced, or LRU) forgets them. Ristretto records lookups in lossy
// buffers, so admission is statistical: most, not all, must stay (all did
// in every run). The race detector makes the buffers lose about half.
func TestSummaryCacheKeepsWhatIsInUse(t *testing.T) {
	if RaceEnabled {
		t.Skip("the race detector drops part of what ristretto records (sync.Pool)")
	}
	summary := ast.MustParseTerm(`{"ca_evaluated": [{"id": "p1", "controls": ["mfa"]}], "ca_report_only": []}`).Value
	cost := astCost(summary, shareable{})
	const fit = 100
	c := newSummaryCache(fit * cost)
	defer c.close()
	var inUse []summaryKey
	for i := range 10 {
		inUse = append(inUse, tenantSummaryKey(strconv.Itoa(i)), pairSummaryKey(pairKey{home: "hot" + strconv.Itoa(i)}))
	}
	ask := func(k summaryKey) bool {
		if _, ok := c.get(k.String()); ok {
			return true
		}
		c.put(k.String(), pairEntry{v: summary, cost: cost})
		return false
	}
	for range 10 {
		for _, k := range inUse {
			ask(k)
		}
	}
	for i := range 20 * fit { // twenty budgets of pairs seen once
		if ask(pairSummaryKey(pairKey{home: strconv.Itoa(i)})) {
			t.Fatalf("pair %d seen once was found", i)
		}
		if i%(fit*3/2) == 0 { // a budget and a half of new pairs between two asks
			for _, k := range inUse {
				ask(k)
			}
		}
	}
	kept := 0
	for _, k := range inUse {
		if _, ok := c.get(k.String()); ok {
			kept++
		}
	}
	if kept < len(inUse)*3/4 {
		t.Errorf("%d of the %d summaries in use are still cached; want at least %d", kept, len(inUse), len(inUse)*3/4)
	}
}

// A summary larger than the whole budget is not offered.
func TestSummaryCacheSkipsOversized(t *testing.T) {
	c := newSummaryCache(1000)
	defer c.close()
	c.put(tenantSummaryKey("big").String(), pairEntry{v: ast.Null{}, cost: 1001})
	c.wait()
	if n, _ := c.size(); n != 0 {
		t.Errorf("%d entries held, want none", n)
	}
}

// A sequence of pairs a fifth larger than the budget, replayed (a gateway's
// pairs over a day, the distinct workload of bench-http), is mostly found
// from the second pass on: the cache keeps a stable part of it rather than
// pushing out each pair just before it comes back, which found none.
func TestSummaryCacheReplayedSequence(t *testing.T) {
	summary := ast.MustParseTerm(`{"home_name": "Contoso", "trust": {"isMfaAccepted": true}}`).Value
	cost := astCost(summary, shareable{})
	const fit = 500
	c := newSummaryCache(fit * cost)
	defer c.close()
	found := 0
	for pass := range 4 {
		found = 0
		for i := range fit * 6 / 5 {
			k := pairSummaryKey(pairKey{home: strconv.Itoa(i)})
			if _, ok := c.get(k.String()); ok {
				found++
			} else {
				c.put(k.String(), pairEntry{v: summary, cost: cost})
			}
		}
		t.Logf("pass %d: %d of %d found", pass, found, fit*6/5)
	}
	if found < fit/2 {
		t.Errorf("last pass found %d of %d pairs; want at least %d", found, fit*6/5, fit/2)
	}
}

// A replaced snapshot's summary cache stops its goroutines once no request
// holds the snapshot (the runtime cleanup Activate registers): reloads do
// not leak them.
func TestSummaryCacheClosedWithItsSnapshot(t *testing.T) {
	e := New()
	p := Policy{Revision: "r", Modules: map[string]string{"p.rego": "package xtenant.access\n\ndecision := {}\n"}}
	if err := e.Activate(context.Background(), p); err != nil {
		t.Fatal(err)
	}
	before := runtime.NumGoroutine()
	const reloads = 20
	for range reloads {
		if err := e.Activate(context.Background(), p); err != nil {
			t.Fatal(err)
		}
	}
	deadline := time.Now().Add(10 * time.Second)
	for runtime.NumGoroutine() > before+2 && time.Now().Before(deadline) {
		runtime.GC()
		time.Sleep(10 * time.Millisecond)
	}
	if n := runtime.NumGoroutine(); n > before+2 {
		t.Fatalf("%d goroutines after %d reloads, %d before", n, reloads, before)
	}
}
