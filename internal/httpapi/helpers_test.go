package httpapi_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/gin-gonic/gin"

	"github.com/xtenant/xtenant/bundles"
	"github.com/xtenant/xtenant/engine"
	"github.com/xtenant/xtenant/engine/decisioncache"
	"github.com/xtenant/xtenant/internal/httpapi"
	"github.com/xtenant/xtenant/tenants"
)

func TestMain(m *testing.M) {
	gin.SetMode(gin.TestMode) // quiet route listing; main sets release mode
	m.Run()
}

// fixture is the real router over the real engine (and cache) holding ts.
type fixture struct {
	eng   *engine.Engine
	cache *decisioncache.Cache
	h     http.Handler
}

func newFixture(t testing.TB, ts *tenants.Set, opts ...func(*httpapi.Config)) *fixture {
	t.Helper()
	eng := engine.New()
	if ts != nil {
		p, err := bundles.Builtin(ts)
		if err != nil {
			t.Fatal(err)
		}
		if err := eng.Activate(context.Background(), p); err != nil {
			t.Fatal(err)
		}
	}
	cache, err := decisioncache.New(eng, eng, decisioncache.Config{MaxBytes: 64 << 20})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(cache.Close)
	cfg := httpapi.Config{
		Evaluator: cache,
		Querier:   eng,
		MaxBody:   1 << 20,
		Ready: func() error {
			if !eng.Ready() {
				return engine.ErrNotReady
			}
			return nil
		},
		Status: func(context.Context) httpapi.Status {
			s := cache.Stats()
			return httpapi.Status{Revision: eng.Revision(), Sources: []string{"test"},
				Cache: &httpapi.CacheStatus{Size: cache.Size(), Entries: s.Entries, Hits: s.Hits, Misses: s.Misses}}
		},
	}
	for _, o := range opts {
		o(&cfg)
	}
	return &fixture{eng: eng, cache: cache, h: httpapi.New(cfg)}
}

func examples(t testing.TB) *tenants.Set {
	t.Helper()
	ts, err := bundles.ExampleTenants()
	if err != nil {
		t.Fatal(err)
	}
	return ts
}

// do sends one request; headers alternate name, value.
func (f *fixture) do(method, path, body string, headers ...string) *httptest.ResponseRecorder {
	req := httptest.NewRequest(method, path, strings.NewReader(body))
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Add(headers[i], headers[i+1])
	}
	rec := httptest.NewRecorder()
	f.h.ServeHTTP(rec, req)
	return rec
}

func decodeBody[T any](t testing.TB, rec *httptest.ResponseRecorder) T {
	t.Helper()
	var v T
	if err := json.Unmarshal(rec.Body.Bytes(), &v); err != nil {
		t.Fatalf("answer is not JSON (%d): %v\n%s", rec.Code, err, rec.Body.String())
	}
	return v
}

// wantError checks an error answer: status, code and (if given) path.
func wantError(t testing.TB, rec *httptest.ResponseRecorder, status int, code, path string) httpapi.ErrorDetail {
	t.Helper()
	if rec.Code != status {
		t.Fatalf("status %d, want %d: %s", rec.Code, status, rec.Body.String())
	}
	body := decodeBody[httpapi.ErrorBody](t, rec)
	if body.Error.Code != code || (path != "" && body.Error.Path != path) {
		t.Fatalf("error %+v, want code %s path %q", body.Error, code, path)
	}
	if strings.Contains(rec.Body.String(), `"allow":true`) {
		t.Fatal("an error answer allows")
	}
	return body.Error
}

const allowInput = `{"access_type":"b2b_collaboration","home_tenant":"11111111-1111-1111-1111-111111111111",
 "resource_tenant":"22222222-2222-2222-2222-222222222222","user":{"id":"a1a1a1a1-0000-4000-8000-000000000001"},
 "application":{"id":"00000003-0000-0ff1-ce00-000000000000"}}`

func mustJSON(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	return string(b)
}
