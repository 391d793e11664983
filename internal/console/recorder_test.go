package console_test

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/xtenant/xtenant/engine"
	"github.com/xtenant/xtenant/engine/decisioncache"
	"github.com/xtenant/xtenant/internal/console"
)

// fixedEvaluator denies with ids a, b, c, …, or fails.
type fixedEvaluator struct {
	n    int
	fail bool
}

func (f *fixedEvaluator) Evaluate(_ context.Context, _ *engine.Request) (*engine.Decision, error) {
	if f.fail {
		return nil, errors.New("boom")
	}
	f.n++
	return &engine.Decision{DecisionID: string(rune('a' + f.n - 1)), Decision: engine.VerdictDeny}, nil
}

type fakeClock struct{ t time.Time }

func (c *fakeClock) now() time.Time { return c.t }

func TestRecorderRing(t *testing.T) {
	clock := &fakeClock{t: time.Unix(1_000_000, 0)}
	rec := console.NewRecorder(3, clock.now)
	ev := rec.Wrap(&fixedEvaluator{})
	for range 5 {
		if _, err := ev.Evaluate(context.Background(), syncRequest()); err != nil {
			t.Fatal(err)
		}
	}
	got := rec.Recent()
	if len(got) != 3 || got[0].DecisionID() != "e" || got[2].DecisionID() != "c" {
		ids := []string{}
		for _, r := range got {
			ids = append(ids, r.DecisionID())
		}
		t.Fatalf("recent = %v, want the last three newest first (e d c)", ids)
	}
	if _, ok := rec.Find("a"); ok {
		t.Error("an evicted decision is still found")
	}
	if r, ok := rec.Find("d"); !ok || r.Seq != 4 {
		t.Errorf("Find(d) = %+v, %v", r, ok)
	}
	// Errors are not decisions.
	failing := console.NewRecorder(3, clock.now)
	if _, err := failing.Wrap(&fixedEvaluator{fail: true}).Evaluate(context.Background(), syncRequest()); err == nil {
		t.Fatal("no error")
	}
	if len(failing.Recent()) != 0 {
		t.Error("a failed evaluation was recorded")
	}
}

func TestRecorderRates(t *testing.T) {
	clock := &fakeClock{t: time.Unix(1_000_000, 0)}
	rec := console.NewRecorder(10, clock.now)
	ev := rec.Wrap(&fixedEvaluator{})
	// 30 decisions a second for 100 s; then 250 s later a window of 60 s
	// sees none, and one of 300 s the 49 s still inside it.
	for range 100 {
		for range 30 {
			_, _ = ev.Evaluate(context.Background(), syncRequest())
		}
		clock.t = clock.t.Add(time.Second)
	}
	// The clock stands on a fresh second without decisions: the last 10 s
	// hold 9 full seconds, the last minute 59.
	r := rec.Rates(10, 60)
	if r[0].Count != 270 || r[0].PerSec != 27 || r[1].Count != 1770 {
		t.Errorf("rates = %+v", r)
	}
	if r[0].P50 <= 0 || r[0].P50 > r[0].P99 || r[0].P99 > r[0].Max {
		t.Errorf("percentiles out of order: %+v", r[0])
	}
	clock.t = clock.t.Add(250 * time.Second)
	r = rec.Rates(60, 300)
	if r[0].Count != 0 || r[1].Count != 49*30 {
		t.Errorf("after 250 s: %+v", r)
	}
}

// TestRecorderKeepsEncodedPath: over the decision cache, the recorder
// passes the cache's JSON answers through (the copy-free hit path) and
// records them.
func TestRecorderKeepsEncodedPath(t *testing.T) {
	eng := activated(t, nil)
	cache, err := decisioncache.New(eng, eng, decisioncache.Config{MaxBytes: 64 << 20})
	if err != nil {
		t.Fatal(err)
	}
	defer cache.Close()
	rec := console.NewRecorder(10, nil)
	ev := rec.Wrap(cache)
	enc, ok := ev.(engine.EncodedEvaluator)
	if !ok {
		t.Fatal("the recorder over the cache has no EvaluateEncoded")
	}
	req := func() *engine.Request {
		return &engine.Request{AccessType: engine.AccessB2BCollaboration, HomeTenant: fabrikam, ResourceTenant: contoso,
			User: &engine.User{ID: "aaaaaaaa-0000-0000-0000-000000000001"}, Application: &engine.Application{ID: "00000003-0000-0ff1-ce00-000000000000"}}
	}
	for range 2 {
		if _, err := enc.EvaluateEncoded(context.Background(), req()); err != nil {
			t.Fatal(err)
		}
		cache.Wait()
	}
	got := rec.Recent()
	if len(got) != 2 || !got[0].Cached || got[1].Cached {
		t.Fatalf("recorded %+v", got)
	}
	res, err := got[0].Result()
	if err != nil || res["decision_id"] != got[0].DecisionID() || res["decision"] == "" {
		t.Fatalf("result %v, %v", res, err)
	}
}

// TestChainChecksOnce: a decoded request is canonical and passes through
// the decorators and the cache unchecked and uncopied (the recorder keeps
// that very request); a request built in Go is checked once, by the
// outermost decorator, and the caller's is left as it was.
func TestChainChecksOnce(t *testing.T) {
	eng := activated(t, nil)
	cache, err := decisioncache.New(eng, eng, decisioncache.Config{MaxBytes: 64 << 20})
	if err != nil {
		t.Fatal(err)
	}
	defer cache.Close()
	rec := console.NewRecorder(10, nil)
	ev := rec.Wrap(engine.Observe(cache, func(engine.Answer) {})).(engine.CachedEvaluator)

	decoded, err := engine.DecodeRequest([]byte(`{"access_type":"b2b_collaboration","home_tenant":"` + fabrikam +
		`","resource_tenant":"` + contoso + `","user":{"id":"aaaaaaaa-0000-0000-0000-000000000001"},` +
		`"application":{"id":"00000003-0000-0ff1-ce00-000000000000"}}`))
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := ev.EvaluateCached(context.Background(), decoded); err != nil {
		t.Fatal(err)
	}
	if got := rec.Recent()[0].Request; got != decoded {
		t.Errorf("the chain copied a canonical request: %p, want %p", got, decoded)
	}

	built := &engine.Request{AccessType: engine.AccessB2BCollaboration, HomeTenant: strings.ToUpper(fabrikam), ResourceTenant: contoso,
		User:        &engine.User{ID: "AAAAAAAA-0000-0000-0000-000000000001", Groups: []string{"cccccccc-0000-0000-0000-000000000002", "bbbbbbbb-0000-0000-0000-000000000002"}},
		Application: &engine.Application{ID: "00000003-0000-0ff1-ce00-000000000000"}}
	before, _ := json.Marshal(built)
	if _, _, err := ev.EvaluateCached(context.Background(), built); err != nil {
		t.Fatal(err)
	}
	if after, _ := json.Marshal(built); string(after) != string(before) || built.Claims != nil {
		t.Errorf("the chain modified the caller's request:\n%s\n%s", before, after)
	}
	got := rec.Recent()[0].Request
	if got == built || got.HomeTenant != fabrikam || got.User.Groups[0] != "bbbbbbbb-0000-0000-0000-000000000002" || got.IdentityKind != "entra" {
		t.Errorf("recorded %+v, want the canonical copy", got)
	}
	if again, err := got.Canonical(); err != nil || again != got {
		t.Errorf("the recorded request is not canonical: %v", err)
	}
}

func TestHistory(t *testing.T) {
	at := time.Unix(1_000_000, 0)
	state := []console.Source{{Name: "tenants", Revision: "r1", LoadedAt: at}}
	h := console.NewHistory(func() []console.Source { return state })
	state = []console.Source{{Name: "tenants", Revision: "r1", LoadedAt: at, LastError: "bad json", LastErrorAt: at.Add(time.Second)}}
	state = append([]console.Source(nil), state...)
	_ = h.Loads()
	state = []console.Source{{Name: "tenants", Revision: "r2", LoadedAt: at.Add(2 * time.Second)}}
	loads := h.Loads()
	if len(loads) != 3 || loads[0].Revision != "r2" || loads[1].Error != "bad json" || loads[2].Revision != "r1" {
		t.Fatalf("loads = %+v", loads)
	}
	if again := h.Loads(); len(again) != 3 {
		t.Errorf("an unchanged state added loads: %+v", again)
	}
}

// syncRequest is a valid request for evaluators that answer at once: the
// recorder checks what it records.
func syncRequest() *engine.Request {
	return &engine.Request{AccessType: engine.AccessIdentitySync, HomeTenant: fabrikam, ResourceTenant: contoso}
}
