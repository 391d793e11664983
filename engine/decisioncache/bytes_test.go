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
// fill the cache up to its byte budget and no further; the heap the cache
// holds stays within the budget. Before the cache was weighed in bytes,
// 60,000 explained decisions took 1.2 GB whatever its size said.
func TestCacheBytesBounded(t *testing.T) {
	if testing.Short() {
		t.Skip("evaluates thousands of explained decisions")
	}
	tenants, inputs := scenario(t, baseline)
	eng := engine.New()
	if err := eng.Activate(context.Background(), builtinPolicy(t, "r1", tenants)); err != nil {
		t.Fatal(err)
	}
	const budget = 2 << 20
	c, err := decisioncache.New(eng, eng, decisioncache.Config{MaxBytes: budget})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()

	var doc map[string]any
	if err := json.Unmarshal(inputs[0], &doc); err != nil {
		t.Fatal(err)
	}
	before := heap()
	const n = 2500
	for i := range n {
		user, _ := doc["user"].(map[string]any)
		if user == nil {
			t.Fatal("first baseline input has no user")
		}
		user["id"] = fmt.Sprintf("a1a1a1a1-0000-4000-8000-%012d", i)
		raw, _ := json.Marshal(doc)
		req := decode(t, raw)
		req.Explain = true
		if _, err := c.EvaluateEncoded(context.Background(), req); err != nil {
			t.Fatal(err)
		}
	}
	c.Wait()
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

func heap() int64 {
	runtime.GC()
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return int64(m.HeapAlloc)
}

var _ = engine.ErrNotReady
