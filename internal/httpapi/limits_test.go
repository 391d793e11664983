package httpapi_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/xtenant/xtenant/engine"
	"github.com/xtenant/xtenant/engine/decisioncache"
	"github.com/xtenant/xtenant/internal/admission"
	"github.com/xtenant/xtenant/internal/auth"
	"github.com/xtenant/xtenant/internal/httpapi"
)

func tokens(t testing.TB, file string) *auth.Tokens {
	t.Helper()
	tok, err := auth.Parse([]byte(file))
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

var compactAllow = strings.Join(strings.Fields(allowInput), "")

// TestTokenScopes: each token reaches the routes of its scopes only; a
// token without the scope is 403, an unknown one 401.
func TestTokenScopes(t *testing.T) {
	file := `# token  scopes
decider   decide
watcher   status,metrics
reader    data
root      *
legacy
`
	f := newFixture(t, examples(t), func(c *httpapi.Config) {
		c.Tokens = tokens(t, file)
		c.ExposeData = true
		c.MetricsHandler = http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { _, _ = w.Write([]byte("ok")) })
	})
	routes := []struct {
		name, method, path, body string
		scope                    string
	}{
		{"evaluate", "POST", "/v1/evaluate", allowInput, "decide"},
		{"batch", "POST", "/v1/evaluate/batch", `{"requests":[` + allowInput + `]}`, "decide"},
		{"data decision", "POST", "/v1/data/xtenant/access/decision", `{"input":` + allowInput + `}`, "decide"},
		{"data allow", "GET", "/v1/data/xtenant/access/decision/allow?input=" + url.QueryEscape(compactAllow), "", "decide"},
		{"forward-auth", "GET", "/v1/forward-auth", "", "decide"},
		{"data tenants", "GET", "/v1/data/xtenant/tenants", "", "data"},
		{"data root", "GET", "/v1/data", "", "data"},
		{"status", "GET", "/v1/status", "", "status"},
		{"metrics", "GET", "/metrics", "", "metrics"},
	}
	for _, r := range routes {
		for _, tok := range []struct{ name, scopes string }{
			{"decider", "decide"}, {"watcher", "status metrics"}, {"reader", "data"}, {"root", "decide data status metrics"}, {"legacy", "decide data status metrics"},
		} {
			rec := f.do(r.method, r.path, r.body, "Authorization", "Bearer "+tok.name)
			granted := strings.Contains(tok.scopes, r.scope)
			switch {
			case granted && (rec.Code == 401 || rec.Code == 403):
				t.Errorf("%s with %s: %d %s, want it served", r.name, tok.name, rec.Code, rec.Body)
			case !granted:
				wantError(t, rec, 403, httpapi.CodeForbidden, "")
			}
		}
		wantError(t, f.do(r.method, r.path, r.body, "Authorization", "Bearer nobody"), 401, httpapi.CodeUnauthorized, "")
		wantError(t, f.do(r.method, r.path, r.body), 401, httpapi.CodeUnauthorized, "")
	}
	// The scheme is case-insensitive (RFC 9110).
	if rec := f.do("GET", "/v1/status", "", "Authorization", "bearer watcher"); rec.Code != 200 {
		t.Errorf("lower-case scheme: %d", rec.Code)
	}
	if rec := f.do("GET", "/health/ready", ""); rec.Code != 200 {
		t.Errorf("health needs no token: %d", rec.Code)
	}
}

// TestDataNotExposed: without --expose-data, /v1/data serves the decision
// and its explanation only. Before, /v1/data and /v1/data/xtenant/tenants
// served every tenant's partner settings, Conditional Access policies and
// domains to anyone, and xtenant/access/tenants does the same.
func TestDataNotExposed(t *testing.T) {
	f := newFixture(t, examples(t))
	for _, p := range []string{"/v1/data", "/v1/data/", "/v1/data/xtenant", "/v1/data/xtenant/tenants",
		"/v1/data/xtenant/access", "/v1/data/xtenant/access/tenants", "/v1/data/xtenant/access/decisionx",
		"/v1/data/xtenant/catalog", "/v1/data/system/version"} {
		for _, m := range []string{"GET", "POST"} {
			rec := f.do(m, p, "")
			wantError(t, rec, 403, httpapi.CodeForbidden, "")
			if !strings.Contains(rec.Body.String(), "--expose-data") {
				t.Errorf("%s %s: the refusal does not name --expose-data: %s", m, p, rec.Body)
			}
			if strings.Contains(rec.Body.String(), "11111111-1111") {
				t.Errorf("%s %s leaks a tenant: %s", m, p, rec.Body)
			}
		}
	}
	for _, p := range []string{"/v1/data/xtenant/access/decision", "/v1/data/xtenant/access/decision/allow"} {
		if rec := f.do("GET", p+"?input="+url.QueryEscape(compactAllow), ""); rec.Code != 200 {
			t.Errorf("GET %s: %d %s", p, rec.Code, rec.Body)
		}
	}
	// explain passes this gate, then is refused as every policy path but
	// the decision is (it would evaluate outside the cache and decision
	// log; ?explain=true on /v1/evaluate serves it).
	if rec := f.do("GET", "/v1/data/xtenant/access/explain?input="+url.QueryEscape(compactAllow), ""); rec.Code != 404 {
		t.Errorf("GET explain: %d %s", rec.Code, rec.Body)
	}
	g := newFixture(t, examples(t), func(c *httpapi.Config) { c.ExposeData = true })
	if rec := g.do("GET", "/v1/data/xtenant/tenants", ""); rec.Code != 200 || !strings.Contains(rec.Body.String(), "11111111-1111") {
		t.Errorf("--expose-data: %d %.200s", rec.Code, rec.Body)
	}
}

// TestDataPathLimits: every distinct path becomes a prepared query, so its
// size is bounded before it reaches the engine (before: 100 paths of 800 KB
// took 5.9 GB).
func TestDataPathLimits(t *testing.T) {
	f := newFixture(t, examples(t), func(c *httpapi.Config) { c.ExposeData = true })
	long := "/v1/data/xtenant/catalog/" + strings.Repeat("x", httpapi.MaxDataPathBytes)
	deep := "/v1/data/xtenant/catalog" + strings.Repeat("/a", httpapi.MaxDataPathSegments)
	for _, p := range []string{long, deep, "/v1/data/xtenant/access/decision/" + strings.Repeat("x", httpapi.MaxDataPathBytes)} {
		for _, m := range []string{"GET", "POST"} {
			e := wantError(t, f.do(m, p, ""), 400, httpapi.CodeInvalidInput, "")
			if !strings.Contains(e.Message, "at most") {
				t.Errorf("%s: message %q does not name the limit", m, e.Message)
			}
		}
	}
	if rec := f.do("GET", "/v1/data/xtenant/catalog"+strings.Repeat("/a", httpapi.MaxDataPathSegments-2), ""); rec.Code != 200 {
		t.Errorf("a path within the limits: %d %s", rec.Code, rec.Body)
	}
}

// TestOverloadSheds: with every evaluation slot busy and the queue full
// (or too slow), a decision is shed with 503, Retry-After and no allow;
// never queued without bound. Cached answers need no slot.
func TestOverloadSheds(t *testing.T) {
	lim := admission.New(admission.Config{Concurrency: 1, Queue: 1, Wait: 50 * time.Millisecond})
	var cache *decisioncache.Cache
	f := newFixture(t, examples(t), func(c *httpapi.Config) {
		// As serve wires it: cache, then the limiter, then the engine.
		eng := c.Querier.(*engine.Engine)
		var err error
		cache, err = decisioncache.New(admission.Evaluator{Next: eng, Limiter: lim}, eng, decisioncache.Config{MaxBytes: 8 << 20})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(cache.Close)
		c.Evaluator = cache
	})
	// Warm the cache with one decision, then take the only slot.
	if rec := f.do("POST", "/v1/evaluate", allowInput); rec.Code != 200 {
		t.Fatalf("warm: %d %s", rec.Code, rec.Body)
	}
	cache.Wait()
	release, err := lim.Acquire(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	defer release()
	other := strings.Replace(allowInput, "a1a1a1a1-0000-4000-8000-000000000001", "a1a1a1a1-0000-4000-8000-000000000002", 1)
	for _, r := range []struct{ path, body string }{
		{"/v1/evaluate", other},
		{"/v1/evaluate/batch", `{"requests":[` + other + `]}`},
	} {
		start := time.Now()
		rec := f.do("POST", r.path, r.body)
		wantError(t, rec, 503, httpapi.CodeOverloaded, "")
		if rec.Header().Get("Retry-After") == "" {
			t.Errorf("%s: 503 without Retry-After", r.path)
		}
		if d := time.Since(start); d > 2*time.Second {
			t.Errorf("%s: shed after %s", r.path, d)
		}
	}
	if rec := f.do("POST", "/v1/evaluate", allowInput); rec.Code != 200 {
		t.Errorf("a cached decision waited for a slot: %d %s", rec.Code, rec.Body)
	}
}

// TestDuplicateKeysRefused: a member named twice is a 400 naming it, on
// every route that reads a JSON body. Before, the last one won, which a
// proxy reading the first would disagree with.
func TestDuplicateKeysRefused(t *testing.T) {
	f := newFixture(t, examples(t), func(c *httpapi.Config) { c.ExposeData = true })
	twiceType := strings.Replace(allowInput, `{"access_type":"b2b_collaboration",`, `{"access_type":"b2b_direct_connect","access_type":"b2b_collaboration",`, 1)
	twiceUser := strings.Replace(allowInput, `"user":{"id":"a1a1a1a1-0000-4000-8000-000000000001"}`, `"user":{"id":"a1a1a1a1-0000-4000-8000-000000000001","id":"a1a1a1a1-0000-4000-8000-000000000002"}`, 1)
	twiceMFA := strings.Replace(allowInput, `"application"`, `"claims":{"mfa":false,"mfa":true},"application"`, 1)
	for _, tt := range []struct {
		name, method, path, body, want string
	}{
		{"evaluate top", "POST", "/v1/evaluate", twiceType, "/access_type"},
		{"evaluate nested", "POST", "/v1/evaluate", twiceUser, "/user/id"},
		{"evaluate claims", "POST", "/v1/evaluate", twiceMFA, "/claims/mfa"},
		{"batch item", "POST", "/v1/evaluate/batch", `{"requests":[` + allowInput + `,` + twiceUser + `]}`, "/requests/1/user/id"},
		{"batch body", "POST", "/v1/evaluate/batch", `{"requests":[],"requests":[` + allowInput + `]}`, "/requests"},
		{"data decision", "POST", "/v1/data/xtenant/access/decision", `{"input":` + twiceMFA + `}`, "/input/claims/mfa"},
		{"data input twice", "POST", "/v1/data/xtenant/access/decision", `{"input":{},"input":` + allowInput + `}`, "/input"},
		{"data GET", "GET", "/v1/data/xtenant/access/decision?input=" + url.QueryEscape(strings.Join(strings.Fields(twiceType), "")), "", "/input/access_type"},
		{"data generic", "POST", "/v1/data/xtenant/catalog", `{"input":{"a":{"b":1,"b":2}}}`, "/input/a/b"},
		{"data generic GET", "GET", "/v1/data/xtenant/catalog?input=" + url.QueryEscape(`{"a":1,"a":2}`), "", "/input/a"},
		{"authzen", "POST", "/access/v1/evaluation", `{"subject":{},"subject":{}}`, "/subject"},
		{"authzen batch", "POST", "/access/v1/evaluations", `{"evaluations":[{"action":{},"action":{}}]}`, "/evaluations/0/action"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			e := wantError(t, f.do(tt.method, tt.path, tt.body), 400, httpapi.CodeInvalidInput, tt.want)
			if !strings.Contains(e.Message, "duplicate key") {
				t.Errorf("message %q does not say duplicate key", e.Message)
			}
		})
	}
}
