package decisioncache_test

import (
	"context"
	"encoding/json"
	"fmt"
	"runtime"
	"testing"

	"github.com/xtenant/xtenant/engine"
	"github.com/xtenant/xtenant/engine/decisioncache"
)

// TestCacheBytesBounded: distinct explained decisions (the heaviest answers)
// fill the cache up to its byte budget and no further, though the default
// count (100,000 decisions) would take far more; the heap the cache holds
// stays within the budget. Before the cache was weighed in bytes, 60,000
// explained decisions took 1.2 GB whatever its size said.
func TestCacheBytesBounded(t *testing.T) {
	if testing.Short() {
		t.Skip("evaluates thousands of explained decisions")
	}
	const budget = 2 << 20
	c := boundedCache(t, decisioncache.Config{MaxEntries: 100000, MaxBytes: budget})
	before := heap()
	const n = 2500
	fill(t, c, n, true)
	held := heap() - before
	st := c.Stats()
	t.Logf("%d explained decisions: cache reports %d bytes, heap grew %d bytes (budget %d)", n, st.Bytes, held, budget)
	if st.Bytes > budget {
		t.Errorf("cache reports %d bytes, over its budget of %d", st.Bytes, budget)
	}
	// Generous for GC noise, yet far below what n unbounded entries take.
	if held > 2*budget {
		t.Errorf("heap grew by %d bytes for a cache of %d", held, budget)
	}
}

// TestCacheEntriesBounded: with room in bytes for thousands of decisions,
// --cache-size N holds at most N (docs/contract.md); below N, every decision
// asked again is answered from memory.
func TestCacheEntriesBounded(t *testing.T) {
	const size = 40
	c := boundedCache(t, decisioncache.Config{MaxEntries: size, MaxBytes: 64 << 20})
	if c.Size() != size || c.MaxBytes() != 64<<20 {
		t.Fatalf("Size() = %d, MaxBytes() = %d", c.Size(), c.MaxBytes())
	}
	fill(t, c, size/2, false)
	fill(t, c, size/2, false)
	if st := c.Stats(); st.Hits != size/2 || st.Entries != size/2 {
		t.Fatalf("%d distinct decisions asked twice: %d hits, %d held; want %d and %d", size/2, st.Hits, st.Entries, size/2, size/2)
	}
	fill(t, c, 400, false)
	st := c.Stats()
	t.Logf("400 distinct decisions: %d held (size %d), %d bytes", st.Entries, size, st.Bytes)
	if st.Entries > size || st.Entries == 0 {
		t.Fatalf("cache holds %d decisions, want 1..%d", st.Entries, size)
	}
}

func boundedCache(t *testing.T, cfg decisioncache.Config) *decisioncache.Cache {
	t.Helper()
	tenants, _ := scenario(t, baseline)
	eng := engine.New()
	if err := eng.Activate(context.Background(), builtinPolicy(t, "r1", tenants)); err != nil {
		t.Fatal(err)
	}
	c, err := decisioncache.New(eng, eng, cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.Close)
	return c
}

// fill evaluates n distinct decisions (the first baseline input, one user id
// each) through c.
func fill(t *testing.T, c *decisioncache.Cache, n int, explain bool) {
	t.Helper()
	_, inputs := scenario(t, baseline)
	var doc map[string]any
	if err := json.Unmarshal(inputs[0], &doc); err != nil {
		t.Fatal(err)
	}
	user, _ := doc["user"].(map[string]any)
	if user == nil {
		t.Fatal("first baseline input has no user")
	}
	for i := range n {
		user["id"] = fmt.Sprintf("a1a1a1a1-0000-4000-8000-%012d", i)
		raw, _ := json.Marshal(doc)
		req := decode(t, raw)
		req.Explain = explain
		if _, err := c.EvaluateEncoded(context.Background(), req); err != nil {
			t.Fatal(err)
		}
	}
	c.Wait()
}

func heap() int64 {
	runtime.GC()
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return int64(m.HeapAlloc)
}

var _ = engine.ErrNotReady
