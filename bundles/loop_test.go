package bundles

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/xtenant/xtenant/engine"
	"github.com/xtenant/xtenant/tenants"
)

// bundleServer is an OPA bundle server: it serves the current bytes with an
// ETag, answers 304 to a matching If-None-Match, and can be made to fail.
type bundleServer struct {
	mu       sync.Mutex
	body     []byte
	etag     string
	noETag   bool // answer 200 with the body every time, as a plain file server without ETags
	failing  bool
	requests int
	notMod   int
	srv      *httptest.Server
}

func newBundleServer(t *testing.T) *bundleServer {
	bs := &bundleServer{}
	bs.srv = httptest.NewServer(http.HandlerFunc(bs.serve))
	t.Cleanup(bs.srv.Close)
	return bs
}

func (bs *bundleServer) serve(w http.ResponseWriter, r *http.Request) {
	bs.mu.Lock()
	defer bs.mu.Unlock()
	bs.requests++
	if bs.failing {
		http.Error(w, "down", http.StatusServiceUnavailable)
		return
	}
	if bs.noETag {
		w.Write(bs.body)
		return
	}
	if r.Header.Get("If-None-Match") == bs.etag {
		bs.notMod++
		w.WriteHeader(http.StatusNotModified)
		return
	}
	w.Header().Set("ETag", bs.etag)
	w.Header().Set("Content-Type", "application/gzip")
	w.Write(bs.body)
}

func (bs *bundleServer) set(t *testing.T, b *Bundle) {
	var buf bytes.Buffer
	if err := b.Write(&buf); err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(buf.Bytes())
	bs.mu.Lock()
	bs.body, bs.etag = buf.Bytes(), `"`+hex.EncodeToString(sum[:8])+`"`
	bs.mu.Unlock()
}

func (bs *bundleServer) setFailing(f bool) {
	bs.mu.Lock()
	bs.failing = f
	bs.mu.Unlock()
}

func (bs *bundleServer) counts() (requests, notModified int) {
	bs.mu.Lock()
	defer bs.mu.Unlock()
	return bs.requests, bs.notMod
}

type countingObserver struct {
	mu     sync.Mutex
	counts map[string]int
}

func (o *countingObserver) ObserveLoad(_, result, _ string, _ time.Time) {
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.counts == nil {
		o.counts = map[string]int{}
	}
	o.counts[result]++
}

func (o *countingObserver) get(result string) int {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.counts[result]
}

// harness wires a loop over bundles to a real engine.
type harness struct {
	eng *engine.Engine
	w   *Loop
	obs *countingObserver
}

func newHarness(t *testing.T, locs []string, verify *VerificationKey, cacheDir string) *harness {
	t.Helper()
	h := &harness{eng: engine.New(), obs: &countingObserver{}}
	w, err := NewLoop(LoopConfig{
		Locations: locs, Verification: verify, CacheDir: cacheDir,
		PollMin: 5 * time.Millisecond, PollMax: 10 * time.Millisecond,
		Base:     directPolicy(t, nil),
		Activate: h.eng.Activate,
		Observer: h.obs,
	})
	if err != nil {
		t.Fatal(err)
	}
	h.w = w
	return h
}

func (h *harness) run(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { h.w.Run(ctx); close(done) }()
	t.Cleanup(func() { cancel(); <-done })
}

func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(90 * time.Second) // generous: a loaded CI machine under -race activates slowly
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(2 * time.Millisecond)
	}
}

var sampleTenants = map[string]any{"22222222-2222-2222-2222-222222222222": map[string]any{"displayName": "Contoso"}}

func TestWatcherRefusesUnsignedAndTampered(t *testing.T) {
	kp := newKeyPair(t, "RS256")
	set := tenantSet(t, "t", sampleTenants)
	path := filepath.Join(t.TempDir(), "b.tar.gz")
	writeBundle(t, builtBundle(t, set, "good", kp.signing()), path)

	h := newHarness(t, []string{path}, kp.verification(), "")
	if err := h.w.Load(context.Background()); err != nil {
		t.Fatal(err)
	}
	if !h.w.Ready() || h.eng.Revision() != path+"@good" {
		t.Fatalf("not active: %q", h.eng.Revision())
	}
	h.run(t)

	// Unsigned replacement: refused, counted, shown, the good one serves.
	time.Sleep(5 * time.Millisecond) // let the modification time move
	writeBundle(t, builtBundle(t, set, "unsigned", nil), path)
	eventually(t, "the unsigned bundle to be refused", func() bool { return h.obs.get(ResultError) > 0 })
	st := h.w.Status()[0]
	if st.LastError == "" || st.Revision != "good" || h.eng.Revision() != path+"@good" {
		t.Errorf("after unsigned: status %+v, engine %q", st, h.eng.Revision())
	}

	// Signed by another key (a tampered signature): refused too.
	errors := h.obs.get(ResultError)
	other := newKeyPair(t, "RS256")
	time.Sleep(5 * time.Millisecond)
	writeBundle(t, builtBundle(t, set, "forged", other.signing()), path)
	eventually(t, "the forged bundle to be refused", func() bool { return h.obs.get(ResultError) > errors })
	if h.eng.Revision() != path+"@good" {
		t.Errorf("forged bundle activated: %q", h.eng.Revision())
	}
	if _, err := h.eng.Evaluate(context.Background(), &engine.Request{AccessType: engine.AccessB2BCollaboration,
		HomeTenant: "11111111-1111-1111-1111-111111111111", ResourceTenant: "22222222-2222-2222-2222-222222222222",
		User: &engine.User{ID: "aaaaaaaa-0000-0000-0000-000000000001"}, Application: &engine.Application{ID: "00000003-0000-0ff1-ce00-000000000000"}}); err != nil {
		t.Errorf("the last good bundle no longer serves: %v", err)
	}

	// A good one again: activated.
	time.Sleep(5 * time.Millisecond)
	writeBundle(t, builtBundle(t, set, "good2", kp.signing()), path)
	eventually(t, "good2", func() bool { return h.eng.Revision() == path+"@good2" })
}

func TestWatcherETagPolling(t *testing.T) {
	bs := newBundleServer(t)
	set := tenantSet(t, "t", sampleTenants)
	bs.set(t, builtBundle(t, set, "v1", nil))
	url := bs.srv.URL + "/bundles/xtenant.tar.gz?token=secret"

	h := newHarness(t, []string{url}, nil, t.TempDir())
	if err := h.w.Load(context.Background()); err != nil {
		t.Fatal(err)
	}
	name := bs.srv.URL + "/bundles/xtenant.tar.gz"
	if st := h.w.Status()[0]; st.Name != name || st.Revision != "v1" || st.ETag == "" {
		t.Fatalf("status %+v", st)
	}
	h.run(t)
	// The server counts a 304 when it answers, the observer a moment later
	// when the loop has handled it: wait for both.
	eventually(t, "304 answers", func() bool {
		_, nm := bs.counts()
		return nm >= 3 && h.obs.get(ResultUnchanged) >= 3
	})
	if h.obs.get(ResultSuccess) != 1 {
		t.Errorf("observer: %v", h.obs.counts)
	}

	// Server down: errors, backoff, the bundle keeps serving; then recovery.
	bs.setFailing(true)
	before := h.obs.get(ResultError)
	eventually(t, "errors while down", func() bool { return h.obs.get(ResultError) >= before+2 })
	if !h.w.Ready() || h.eng.Revision() != name+"@v1" {
		t.Errorf("lost the bundle while the server is down: %q", h.eng.Revision())
	}
	if !h.w.Stale(time.Nanosecond) || h.w.Stale(0) {
		t.Error("staleness not reported")
	}
	bs.set(t, builtBundle(t, set, "v2", nil))
	bs.setFailing(false)
	eventually(t, "v2 after recovery", func() bool { return h.eng.Revision() == name+"@v2" })
	if h.w.Stale(time.Hour) {
		t.Error("fresh bundle reported stale")
	}
}

// A server that sends no ETag answers 200 at every poll: the same bytes are
// recognised by their hash and not activated again (before: one activation,
// one log line and one success count per poll).
func TestWatcherWithoutETag(t *testing.T) {
	bs := newBundleServer(t)
	bs.noETag = true
	set := tenantSet(t, "t", sampleTenants)
	bs.set(t, builtBundle(t, set, "v1", nil))
	h := newHarness(t, []string{bs.srv.URL + "/b.tar.gz"}, nil, "")
	activations := 0
	var mu sync.Mutex
	activate := h.w.cfg.Activate
	h.w.cfg.Activate = func(ctx context.Context, p engine.Policy) error {
		mu.Lock()
		activations++
		mu.Unlock()
		return activate(ctx, p)
	}
	if err := h.w.Load(context.Background()); err != nil {
		t.Fatal(err)
	}
	h.run(t)
	eventually(t, "polls", func() bool { n, _ := bs.counts(); return n >= 5 && h.obs.get(ResultUnchanged) >= 3 })
	mu.Lock()
	got := activations
	mu.Unlock()
	if got != 1 || h.obs.get(ResultSuccess) != 1 || h.obs.get(ResultUnchanged) < 3 {
		t.Fatalf("same content without ETag: %d activations, observer %v", got, h.obs.counts)
	}
	bs.set(t, builtBundle(t, set, "v2", nil))
	name := bs.srv.URL + "/b.tar.gz"
	eventually(t, "v2", func() bool { return h.eng.Revision() == name+"@v2" })
}

func TestWatcherStartsFromPersistedBundle(t *testing.T) {
	kp := newKeyPair(t, "ES256")
	bs := newBundleServer(t)
	set := tenantSet(t, "t", sampleTenants)
	bs.set(t, builtBundle(t, set, "persisted", kp.signing()))
	cache := t.TempDir()

	first := newHarness(t, []string{bs.srv.URL + "/b.tar.gz"}, kp.verification(), cache)
	if err := first.w.Load(context.Background()); err != nil {
		t.Fatal(err)
	}
	bs.setFailing(true)

	second := newHarness(t, []string{bs.srv.URL + "/b.tar.gz"}, kp.verification(), cache)
	if err := second.w.Load(context.Background()); err != nil {
		t.Fatalf("offline start: %v", err)
	}
	st := second.w.Status()[0]
	if !second.w.Ready() || !st.FromCache || st.Revision != "persisted" || st.LastError == "" {
		t.Errorf("status %+v", st)
	}

	// Without a cache the same start fails and stays not ready.
	third := newHarness(t, []string{bs.srv.URL + "/b.tar.gz"}, kp.verification(), "")
	if err := third.w.Load(context.Background()); err == nil || third.w.Ready() || third.eng.Ready() {
		t.Errorf("start without server and cache: err %v ready %v", err, third.w.Ready())
	}
}

// TestWatcherSwapUnderLoad swaps bundles while decisions are being made:
// every evaluation succeeds and sees one of the two revisions, never a mix.
func TestWatcherSwapUnderLoad(t *testing.T) {
	bs := newBundleServer(t)
	set := tenantSet(t, "t", sampleTenants)
	a, b := builtBundle(t, set, "a", nil), builtBundle(t, set, "b", nil)
	bs.set(t, a)
	url := bs.srv.URL + "/b.tar.gz"
	h := newHarness(t, []string{url}, nil, "")
	if err := h.w.Load(context.Background()); err != nil {
		t.Fatal(err)
	}
	h.run(t)

	ctx, cancel := context.WithCancel(context.Background())
	var evals, failures atomic.Int64
	var wg sync.WaitGroup
	for range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for ctx.Err() == nil {
				d, err := h.eng.Evaluate(context.Background(), &engine.Request{AccessType: engine.AccessB2BCollaboration,
					HomeTenant: "11111111-1111-1111-1111-111111111111", ResourceTenant: "22222222-2222-2222-2222-222222222222",
					User: &engine.User{ID: "aaaaaaaa-0000-0000-0000-000000000001"}, Application: &engine.Application{ID: "00000003-0000-0ff1-ce00-000000000000"}})
				if err != nil || (d.Revision != url+"@a" && d.Revision != url+"@b") {
					failures.Add(1)
				}
				evals.Add(1)
			}
		}()
	}
	for i := range 4 {
		next := a
		if i%2 == 0 {
			next = b
		}
		bs.set(t, next)
		want := url + "@" + next.Revision()
		eventually(t, want, func() bool { return h.eng.Revision() == want })
	}
	cancel()
	wg.Wait()
	if failures.Load() != 0 || evals.Load() == 0 {
		t.Errorf("%d of %d evaluations failed during swaps", failures.Load(), evals.Load())
	}
}

func TestWatcherOverlappingBundlesRefused(t *testing.T) {
	dir := t.TempDir()
	set := tenantSet(t, "t", sampleTenants)
	p1, p2 := filepath.Join(dir, "1.tar.gz"), filepath.Join(dir, "2.tar.gz")
	writeBundle(t, builtBundle(t, set, "1", nil), p1)
	writeBundle(t, builtBundle(t, set, "2", nil), p2)
	h := newHarness(t, []string{p1, p2}, nil, "")
	if err := h.w.Load(context.Background()); err == nil || h.eng.Ready() {
		t.Errorf("overlapping roots accepted: %v", err)
	}
}

// A bundle change goes through the same validation as a tenants file's: one
// that drops a tenant another still names as a partner, or every tenant, is
// refused unless AllowEmpty, and the last good bundle keeps serving.
func TestLoopRefusesBundleDroppingTenants(t *testing.T) {
	const fabrikam, contoso = "11111111-1111-1111-1111-111111111111", "22222222-2222-2222-2222-222222222222"
	both := tenantSet(t, "both", map[string]any{
		fabrikam: map[string]any{"displayName": "Fabrikam"},
		contoso: map[string]any{"displayName": "Contoso", "crossTenantAccessPolicy": map[string]any{
			"partners": map[string]any{fabrikam: map[string]any{"tenantId": fabrikam}}}},
	})
	contosoOnly := tenantSet(t, "contoso", map[string]any{
		contoso: map[string]any{"displayName": "Contoso", "crossTenantAccessPolicy": map[string]any{
			"partners": map[string]any{fabrikam: map[string]any{"tenantId": fabrikam}}}},
	})
	none := tenantSet(t, "none", map[string]any{})
	for _, allowEmpty := range []bool{false, true} {
		path := filepath.Join(t.TempDir(), "b.tar.gz")
		writeBundle(t, builtBundle(t, both, "both", nil), path)
		h := newHarness(t, []string{path}, nil, "")
		h.w.cfg.AllowEmpty = allowEmpty
		if err := h.w.Load(context.Background()); err != nil {
			t.Fatal(err)
		}
		for _, next := range []struct {
			set     *tenants.Set
			rev     string
			refused string
		}{
			{contosoOnly, "dropped", "removes tenant " + fabrikam},
			{none, "empty", "removes every tenant (2 before)"},
		} {
			time.Sleep(5 * time.Millisecond) // let the modification time move
			writeBundle(t, builtBundle(t, next.set, next.rev, nil), path)
			err := h.w.Load(context.Background())
			switch {
			case allowEmpty && (err != nil || h.eng.Revision() != path+"@"+next.rev):
				t.Fatalf("--allow-empty, %s: %v, serving %s", next.rev, err, h.eng.Revision())
			case !allowEmpty && (err == nil || !strings.Contains(err.Error(), next.refused) || h.eng.Revision() != path+"@both"):
				t.Fatalf("%s: err %v (want %q), serving %s", next.rev, err, next.refused, h.eng.Revision())
			}
		}
	}
}
