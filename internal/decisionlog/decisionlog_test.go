package decisionlog_test

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/xtenant/xtenant/bundles"
	"github.com/xtenant/xtenant/engine"
	"github.com/xtenant/xtenant/engine/decisioncache"
	"github.com/xtenant/xtenant/internal/decisionlog"
)

const (
	home     = "11111111-1111-1111-1111-111111111111"
	resource = "22222222-2222-2222-2222-222222222222"
	user     = "a1a1a1a1-0000-4000-8000-000000000001"
)

type counts struct{ written, dropped atomic.Int64 }

func (c *counts) DecisionLogEvent(written bool) {
	if written {
		c.written.Add(1)
	} else {
		c.dropped.Add(1)
	}
}

// service is an OPA decision log service: it keeps every event of every
// gzip'd JSON array POSTed to it.
type service struct {
	t       *testing.T
	mu      sync.Mutex
	batches [][]map[string]any
	answer  func(n int) int // status of the n-th request (from 0)
	calls   atomic.Int64
}

func (s *service) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	n := int(s.calls.Add(1) - 1)
	if r.Method != http.MethodPost || r.Header.Get("Content-Encoding") != "gzip" || r.Header.Get("Content-Type") != "application/json" {
		s.t.Errorf("request %s %v", r.Method, r.Header)
	}
	zr, err := gzip.NewReader(r.Body)
	if err != nil {
		s.t.Errorf("body is not gzip: %v", err)
		return
	}
	var batch []map[string]any
	if err := json.NewDecoder(zr).Decode(&batch); err != nil {
		s.t.Errorf("body is not a JSON array: %v", err)
	}
	status := http.StatusOK
	if s.answer != nil {
		status = s.answer(n)
	}
	if status == http.StatusOK {
		s.mu.Lock()
		s.batches = append(s.batches, batch)
		s.mu.Unlock()
	}
	w.WriteHeader(status)
}

func (s *service) events() []map[string]any {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []map[string]any
	for _, b := range s.batches {
		out = append(out, b...)
	}
	return out
}

// logDecision logs a fixed decision with id.
func logDecision(l *decisionlog.Logger, id string) {
	req, d := decision(id)
	l.Log(req, d, time.Millisecond, false)
}

func decision(id string) (*engine.Request, *engine.Decision) {
	req := &engine.Request{AccessType: engine.AccessB2BCollaboration, HomeTenant: home, ResourceTenant: resource,
		User: &engine.User{ID: user, Groups: []string{"g1", "g2", "g3"}}}
	return req, &engine.Decision{DecisionID: id, Decision: engine.VerdictAllow, Allow: true, Revision: "built-in@test"}
}

func closeLog(t *testing.T, l *decisionlog.Logger) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := l.Close(ctx); err != nil {
		t.Fatal(err)
	}
}

func TestHTTPSink(t *testing.T) {
	svc := &service{t: t}
	srv := httptest.NewServer(svc)
	defer srv.Close()
	c := &counts{}
	l, err := decisionlog.New(decisionlog.Config{Sink: srv.URL + "/logs", Metrics: c, BatchSize: 2, FlushInterval: 50 * time.Millisecond,
		Mask:   []string{"/input/user/id", "/input/user/groups/1", "/result/no_such", "/input/home~1tenant"},
		Labels: map[string]string{"id": "test", "version": "dev"},
		Now:    func() time.Time { return time.Date(2025, 1, 2, 3, 4, 5, 0, time.UTC) }})
	if err != nil {
		t.Fatal(err)
	}
	for _, id := range []string{"d1", "d2", "d3"} {
		logDecision(l, id)
	}
	closeLog(t, l)

	evs := svc.events()
	if len(evs) != 3 || len(svc.batches) != 2 {
		t.Fatalf("got %d events in %d batches, want 3 in 2", len(evs), len(svc.batches))
	}
	ev := evs[0]
	in := ev["input"].(map[string]any)
	u := in["user"].(map[string]any)
	if _, ok := u["id"]; ok {
		t.Error("/input/user/id not erased")
	}
	if got := mustJSON(u["groups"]); got != `["g1","g3"]` {
		t.Errorf("groups %s, want g2 erased", got)
	}
	if in["home_tenant"] != home {
		t.Error("only the masked fields may go")
	}
	if got := mustJSON(ev["erased"]); got != `["/input/user/id","/input/user/groups/1"]` {
		t.Errorf("erased %s", got)
	}
	for k, want := range map[string]string{"decision_id": "d1", "path": "xtenant/access/decision", "revision": "built-in@test",
		"timestamp": "2025-01-02T03:04:05Z"} {
		if ev[k] != want {
			t.Errorf("%s = %v, want %s", k, ev[k], want)
		}
	}
	if mustJSON(ev["bundles"]) != `{"xtenant":{"revision":"built-in@test"}}` || mustJSON(ev["labels"]) != `{"id":"test","version":"dev"}` {
		t.Errorf("bundles %v labels %v", ev["bundles"], ev["labels"])
	}
	if res := ev["result"].(map[string]any); res["allow"] != true || res["decision_id"] != "d1" {
		t.Errorf("result %v", res)
	}
	if _, ok := ev["metrics"].(map[string]any)["timer_xtenant_decision_ns"]; !ok {
		t.Error("no metrics")
	}
	if c.written.Load() != 3 || c.dropped.Load() != 0 {
		t.Errorf("written %d dropped %d", c.written.Load(), c.dropped.Load())
	}
}

func TestRetry(t *testing.T) {
	tests := []struct {
		name             string
		answer           func(int) int
		retries          int
		calls            int64
		written, dropped int64
	}{
		{"transient then ok", func(n int) int { return []int{503, 429, 200}[min(n, 2)] }, 5, 3, 1, 0},
		{"gives up", func(int) int { return 500 }, 2, 3, 0, 1},
		{"permanent", func(int) int { return 400 }, 5, 1, 0, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			svc := &service{t: t, answer: tt.answer}
			srv := httptest.NewServer(svc)
			defer srv.Close()
			c := &counts{}
			l, err := decisionlog.New(decisionlog.Config{Sink: srv.URL, Metrics: c, BatchSize: 1, MaxRetries: tt.retries,
				RetryBackoff: time.Millisecond, MaxRetryBackoff: 2 * time.Millisecond})
			if err != nil {
				t.Fatal(err)
			}
			logDecision(l, "d1")
			closeLog(t, l)
			if svc.calls.Load() != tt.calls || c.written.Load() != tt.written || c.dropped.Load() != tt.dropped {
				t.Fatalf("calls %d written %d dropped %d, want %d %d %d", svc.calls.Load(), c.written.Load(), c.dropped.Load(),
					tt.calls, tt.written, tt.dropped)
			}
		})
	}
}

// TestQueueFull: a stuck service never blocks Log; what does not fit is
// dropped and counted.
func TestQueueFull(t *testing.T) {
	arrived, release := make(chan struct{}, 10), make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		arrived <- struct{}{}
		<-release
	}))
	defer srv.Close()
	c := &counts{}
	l, err := decisionlog.New(decisionlog.Config{Sink: srv.URL, Metrics: c, QueueSize: 1, BatchSize: 1})
	if err != nil {
		t.Fatal(err)
	}
	logDecision(l, "d1")
	<-arrived // the worker is stuck sending d1
	start := time.Now()
	for _, id := range []string{"d2", "d3", "d4"} {
		logDecision(l, id) // d2 waits in the queue, d3 and d4 are dropped
	}
	if time.Since(start) > time.Second {
		t.Error("Log blocked")
	}
	if c.dropped.Load() != 2 {
		t.Fatalf("dropped %d, want 2", c.dropped.Load())
	}
	close(release)
	closeLog(t, l)
	if c.written.Load() != 2 || c.dropped.Load() != 2 {
		t.Fatalf("written %d dropped %d, want 2 and 2", c.written.Load(), c.dropped.Load())
	}
	logDecision(l, "late")
	if c.dropped.Load() != 3 {
		t.Error("an event after Close must be counted as dropped")
	}
}

// TestCloseGivesUp: Close returns when its context ends even if the service
// hangs, and counts the batch as dropped.
func TestCloseGivesUp(t *testing.T) {
	release := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-release:
		case <-r.Context().Done():
		}
	}))
	defer srv.Close()
	defer close(release)
	c := &counts{}
	l, err := decisionlog.New(decisionlog.Config{Sink: srv.URL, Metrics: c, BatchSize: 1})
	if err != nil {
		t.Fatal(err)
	}
	logDecision(l, "d1")
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	_ = l.Close(ctx)
	if c.dropped.Load() != 1 {
		t.Fatalf("dropped %d, want 1", c.dropped.Load())
	}
}

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func TestStreamSinks(t *testing.T) {
	var out syncBuffer
	path := filepath.Join(t.TempDir(), "decisions.log")
	for _, sink := range []string{"stdout", "file:" + path} {
		c := &counts{}
		l, err := decisionlog.New(decisionlog.Config{Sink: sink, Stdout: &out, Metrics: c, Mask: []string{"/input/user"}})
		if err != nil {
			t.Fatal(err)
		}
		logDecision(l, "d1")
		logDecision(l, "d2")
		closeLog(t, l)
		if c.written.Load() != 2 {
			t.Errorf("%s: written %d", sink, c.written.Load())
		}
	}
	file, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	for name, text := range map[string]string{"stdout": out.b.String(), "file": string(file)} {
		lines := strings.Split(strings.TrimSpace(text), "\n")
		if len(lines) != 2 {
			t.Fatalf("%s: %d lines, want 2:\n%s", name, len(lines), text)
		}
		var ev map[string]any
		if err := json.Unmarshal([]byte(lines[1]), &ev); err != nil || ev["decision_id"] != "d2" {
			t.Fatalf("%s: %v %s", name, err, lines[1])
		}
		if strings.Contains(text, user) {
			t.Errorf("%s: masked user written", name)
		}
	}
	if info, err := os.Stat(path); err != nil || info.Mode().Perm() != 0o600 {
		t.Errorf("file mode %v %v", info.Mode(), err)
	}
}

func TestConfigErrors(t *testing.T) {
	for _, cfg := range []decisionlog.Config{
		{Sink: "syslog"},
		{Sink: "file:"},
		{Sink: "http://"},
		{Sink: "file:" + filepath.Join(t.TempDir(), "missing", "dir", "log")},
		{Sink: "stdout", Mask: []string{"input/user"}},
		{Sink: "stdout", Mask: []string{"/decision_id"}},
	} {
		if l, err := decisionlog.New(cfg); err == nil {
			closeLog(t, l)
			t.Errorf("%+v: no error", cfg)
		}
	}
}

// TestWrap logs the decisions of the real engine, and no errors.
func TestWrap(t *testing.T) {
	eng := exampleEngine(t)
	var out syncBuffer
	c := &counts{}
	l, err := decisionlog.New(decisionlog.Config{Sink: "stdout", Stdout: &out, Metrics: c})
	if err != nil {
		t.Fatal(err)
	}
	ev := l.Wrap(eng)
	req := &engine.Request{AccessType: engine.AccessB2BCollaboration, HomeTenant: home, ResourceTenant: resource,
		User: &engine.User{ID: user}, Application: &engine.Application{ID: "00000003-0000-0ff1-ce00-000000000000"}}
	d, err := ev.Evaluate(context.Background(), req)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := ev.Evaluate(context.Background(), &engine.Request{AccessType: "nope"}); err == nil {
		t.Fatal("bad input decided")
	}
	closeLog(t, l)
	if c.written.Load() != 1 || strings.Count(out.b.String(), "\n") != 1 {
		t.Fatalf("written %d: %s", c.written.Load(), out.b.String())
	}
	var got map[string]any
	if err := json.Unmarshal(out.b.Bytes(), &got); err != nil {
		t.Fatal(err)
	}
	if got["decision_id"] != d.DecisionID || got["revision"] != eng.Revision() || got["input"].(map[string]any)["home_tenant"] != home {
		t.Fatalf("event %v", got)
	}
}

func mustJSON(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	return string(b)
}

// TestWrapCacheEncoded: over the decision cache, the wrapper keeps the
// cache's JSON path (a hit is not copied), and logs each answer with its own
// decision_id and the decision as written, masks applied.
func TestWrapCacheEncoded(t *testing.T) {
	eng := exampleEngine(t)
	cache, err := decisioncache.New(eng, eng, decisioncache.Config{MaxBytes: 64 << 20})
	if err != nil {
		t.Fatal(err)
	}
	defer cache.Close()
	var out syncBuffer
	l, err := decisionlog.New(decisionlog.Config{Sink: "stdout", Stdout: &out, Metrics: &counts{}, Mask: []string{"/input/user/id"}})
	if err != nil {
		t.Fatal(err)
	}
	ev, ok := l.Wrap(cache).(engine.EncodedEvaluator)
	if !ok {
		t.Fatal("the wrapper of the cache hides its JSON path")
	}
	var ids []string
	for range 2 { // a miss, then a hit
		req := &engine.Request{AccessType: engine.AccessB2BCollaboration, HomeTenant: home, ResourceTenant: resource,
			User: &engine.User{ID: user}, Application: &engine.Application{ID: "00000003-0000-0ff1-ce00-000000000000"}}
		enc, err := ev.EvaluateEncoded(context.Background(), req)
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, enc.DecisionID)
		cache.Wait()
	}
	closeLog(t, l)
	lines := strings.Split(strings.TrimSpace(out.b.String()), "\n")
	if len(lines) != 2 || ids[0] == ids[1] {
		t.Fatalf("ids %v, events:\n%s", ids, out.b.String())
	}
	for i, line := range lines {
		var got struct {
			DecisionID string         `json:"decision_id"`
			Revision   string         `json:"revision"`
			Result     map[string]any `json:"result"`
			Input      map[string]any `json:"input"`
			Metrics    map[string]any `json:"metrics"`
		}
		if err := json.Unmarshal([]byte(line), &got); err != nil {
			t.Fatal(err)
		}
		if got.DecisionID != ids[i] || got.Result["decision_id"] != ids[i] || got.Revision != eng.Revision() || got.Result["decision"] == nil {
			t.Errorf("event %d: %s", i, line)
		}
		if _, masked := got.Input["user"].(map[string]any)["id"]; masked {
			t.Errorf("event %d: user id not erased: %s", i, line)
		}
		if hit := got.Metrics["counter_xtenant_cache_hit"] != nil; hit != (i == 1) {
			t.Errorf("event %d: cache hit %v", i, hit)
		}
	}
}

// exampleEngine is a real engine holding the built-in policy and example tenants.
func exampleEngine(t *testing.T) *engine.Engine {
	t.Helper()
	ts, err := bundles.ExampleTenants()
	if err != nil {
		t.Fatal(err)
	}
	eng, err := bundles.BuiltinEngine(context.Background(), ts)
	if err != nil {
		t.Fatal(err)
	}
	return eng
}
