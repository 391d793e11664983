package engine_test

import (
	"context"
	"fmt"
	"runtime"
	"strings"
	"testing"

	"github.com/xtenant/xtenant/engine"
)

// TestQueryCacheBytesBounded: distinct long Data API paths each make a
// prepared query; the cache keeps them within its byte budget, and the
// heap with them. Before, it counted 256 entries whatever their size: 100
// paths of 800 KB took the server from 46 MB to 5.9 GB.
func TestQueryCacheBytesBounded(t *testing.T) {
	const budget = 256 << 10
	eng := exampleEngine(t, engine.WithQueryCacheBytes(budget))
	// Used paths survive newer ones: the catalog stays cached.
	if _, _, err := eng.Query(context.Background(), "xtenant/catalog", nil); err != nil {
		t.Fatal(err)
	}
	before := heapAlloc()
	for i := range 300 {
		path := fmt.Sprintf("xtenant/catalog/%d/%s", i, strings.Repeat("s/", 200)+strings.Repeat("x", 4000))
		if _, _, err := eng.Query(context.Background(), path, nil); err != nil {
			t.Fatal(err)
		}
		if i%50 == 0 {
			if _, _, err := eng.Query(context.Background(), "xtenant/catalog", nil); err != nil {
				t.Fatal(err)
			}
		}
	}
	held := heapAlloc() - before
	st := eng.QueryCacheStats()
	t.Logf("300 long paths: %d entries, %d bytes estimated, heap grew %d (budget %d)", st.Entries, st.Bytes, held, budget)
	if st.Bytes > budget {
		t.Errorf("query cache estimates %d bytes, over its budget %d", st.Bytes, budget)
	}
	if held > 2*budget {
		t.Errorf("heap grew by %d bytes for a query cache of %d", held, budget)
	}
}

func heapAlloc() int64 {
	runtime.GC()
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return int64(m.HeapAlloc)
}
