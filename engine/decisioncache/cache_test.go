package decisioncache_test

import (
	"context"
	"encoding/json"
	"errors"
	"reflect"
	"sync"
	"testing"
	"time"

	"github.com/xtenant/xtenant/engine"
	"github.com/xtenant/xtenant/engine/decisioncache"
)

const baseline = "tc01-baseline-b2b-collaboration-service-defaults"

func newCache(t testing.TB, ttl time.Duration) (*engine.Engine, *decisioncache.Cache, []json.RawMessage, map[string]any) {
	t.Helper()
	tenants, inputs := scenario(t, baseline)
	eng := engine.New()
	if err := eng.Activate(context.Background(), builtinPolicy(t, "r1", tenants)); err != nil {
		t.Fatal(err)
	}
	c, err := decisioncache.New(eng, eng, decisioncache.Config{MaxBytes: 64 << 20, TTL: ttl})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.Close)
	return eng, c, inputs, tenants
}

func decode(t testing.TB, raw []byte) *engine.Request {
	t.Helper()
	req, err := engine.DecodeRequest(raw)
	if err != nil {
		t.Fatal(err)
	}
	return req
}

func evaluate(t testing.TB, c *decisioncache.Cache, raw []byte) (*engine.Decision, bool) {
	t.Helper()
	d, cached, err := c.EvaluateCached(context.Background(), decode(t, raw))
	if err != nil {
		t.Fatal(err)
	}
	c.Wait()
	return d, cached
}

func withoutID(d *engine.Decision) engine.Decision {
	out := *d
	out.DecisionID = ""
	return out
}

func TestMissThenHitAgree(t *testing.T) {
	_, c, inputs, _ := newCache(t, 0)
	for _, in := range inputs {
		miss, cached := evaluate(t, c, in)
		if cached {
			t.Fatal("first answer came from the cache")
		}
		hit, cached := evaluate(t, c, in)
		if !cached {
			t.Fatal("second answer did not come from the cache")
		}
		if hit.DecisionID == miss.DecisionID || hit.DecisionID == "" {
			t.Fatalf("decision ids: miss %q hit %q, want fresh ids", miss.DecisionID, hit.DecisionID)
		}
		if !reflect.DeepEqual(withoutID(miss), withoutID(hit)) {
			t.Fatalf("miss and hit differ:\n%+v\n%+v", miss, hit)
		}
	}
	if s := c.Stats(); s.Hits != uint64(len(inputs)) || s.Misses != uint64(len(inputs)) || s.Entries != uint64(len(inputs)) || s.Bytes == 0 {
		t.Fatalf("stats %+v", s)
	}
}

func TestCanonicalFormsShareAnEntry(t *testing.T) {
	_, c, _, _ := newCache(t, 0)
	a := `{"access_type":"b2b_collaboration","home_tenant":"11111111-1111-1111-1111-111111111111","resource_tenant":"22222222-2222-2222-2222-222222222222","user":{"id":"a1a1a1a1-0000-4000-8000-000000000001","groups":["c1c1c1c1-0000-4000-8000-000000000002","c1c1c1c1-0000-4000-8000-000000000001"]},"application":{"id":"d1d1d1d1-0000-4000-8000-0000000000a1"}}`
	b := `{"access_type":"b2b_collaboration","home_tenant":"11111111-1111-1111-1111-111111111111","resource_tenant":"22222222-2222-2222-2222-222222222222","user":{"id":"A1A1A1A1-0000-4000-8000-000000000001","user_type":"guest","groups":["C1C1C1C1-0000-4000-8000-000000000001","c1c1c1c1-0000-4000-8000-000000000002"]},"application":{"id":"d1d1d1d1-0000-4000-8000-0000000000a1"},"claims":{"mfa":false}}`
	evaluate(t, c, []byte(a))
	if _, cached := evaluate(t, c, []byte(b)); !cached {
		t.Fatal("an equivalent request missed the cache")
	}
	req := decode(t, []byte(b))
	req.Explain = true
	if _, cached, err := c.EvaluateCached(context.Background(), req); err != nil || cached {
		t.Fatalf("explain shares the entry of the plain request: cached=%v err=%v", cached, err)
	}
}

func TestCallerCannotChangeCachedDecision(t *testing.T) {
	_, c, inputs, _ := newCache(t, 0)
	first, _ := evaluate(t, c, inputs[0])
	want := withoutID(first)
	first.Decision, first.Allow = "allow", true
	first.Reasons = append(first.Reasons, engine.Reason{Code: "X"})
	hit, _ := evaluate(t, c, inputs[0])
	got := withoutID(hit)
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("a caller's change reached the cache:\n%+v\n%+v", got, want)
	}
	hit.Allow = true
	again, _ := evaluate(t, c, inputs[0])
	if !reflect.DeepEqual(withoutID(again), want) {
		t.Fatal("a hit handed out a shared decision")
	}
}

func TestNewRevisionMakesEntriesUnreachable(t *testing.T) {
	eng, c, inputs, tenants := newCache(t, 0)
	evaluate(t, c, inputs[0])
	if err := eng.Activate(context.Background(), builtinPolicy(t, "r2", tenants)); err != nil {
		t.Fatal(err)
	}
	d, cached := evaluate(t, c, inputs[0])
	if cached || d.Revision != "r2" {
		t.Fatalf("after a swap: cached=%v revision=%q", cached, d.Revision)
	}
}

func TestErrorsAreNotCached(t *testing.T) {
	_, c, _, _ := newCache(t, 0)
	bad := &engine.Request{AccessType: "b2b_collaboration", HomeTenant: "nope"}
	_, err := c.Evaluate(context.Background(), bad)
	var ie *engine.InputError
	if !errors.As(err, &ie) || ie.Path != "/home_tenant" {
		t.Fatalf("err = %v", err)
	}
	c.Wait()
	if s := c.Stats(); s.Entries != 0 || s.Bytes != 0 || s.Hits != 0 {
		t.Fatalf("stats after invalid input: %+v", s)
	}

	notReady, err := decisioncache.New(engine.New(), engine.New(), decisioncache.Config{MaxBytes: 1 << 20})
	if err != nil {
		t.Fatal(err)
	}
	defer notReady.Close()
	if _, err := notReady.Evaluate(context.Background(), decode(t, inputsOf(t)[0])); !errors.Is(err, engine.ErrNotReady) {
		t.Fatalf("err = %v, want ErrNotReady", err)
	}
}

func inputsOf(t *testing.T) []json.RawMessage {
	_, in := scenario(t, baseline)
	return in
}

func TestTTL(t *testing.T) {
	_, c, inputs, _ := newCache(t, 50*time.Millisecond)
	evaluate(t, c, inputs[0])
	if _, cached := evaluate(t, c, inputs[0]); !cached {
		t.Fatal("no hit within the TTL")
	}
	time.Sleep(120 * time.Millisecond)
	if _, cached := evaluate(t, c, inputs[0]); cached {
		t.Fatal("hit after the TTL")
	}
}

func TestZeroSizeRefused(t *testing.T) {
	if _, err := decisioncache.New(engine.New(), engine.New(), decisioncache.Config{}); err == nil {
		t.Fatal("a cache of size 0 was built")
	}
}

func TestConcurrentHits(t *testing.T) {
	_, c, inputs, _ := newCache(t, 0)
	want, _ := evaluate(t, c, inputs[0])
	var wg sync.WaitGroup
	ids := make(chan string, 800)
	for range 8 {
		wg.Go(func() {
			for range 100 {
				req, _ := engine.DecodeRequest(inputs[0])
				d, err := c.Evaluate(context.Background(), req)
				if err != nil || d.Decision != want.Decision {
					t.Errorf("concurrent hit: %v %+v", err, d)
					return
				}
				ids <- d.DecisionID
			}
		})
	}
	wg.Wait()
	close(ids)
	seen := map[string]bool{}
	for id := range ids {
		if seen[id] {
			t.Fatalf("decision id %s handed out twice", id)
		}
		seen[id] = true
	}
}

func BenchmarkCache(b *testing.B) {
	_, c, inputs, _ := newCache(b, 0)
	evaluate(b, c, inputs[0])
	b.Run("Hit", func(b *testing.B) {
		b.ReportAllocs()
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				req, _ := engine.DecodeRequest(inputs[0])
				if _, err := c.Evaluate(context.Background(), req); err != nil {
					b.Fatal(err)
				}
			}
		})
	})
}
