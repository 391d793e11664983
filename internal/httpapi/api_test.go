package httpapi_test

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/xtenant/xtenant/engine"
	"github.com/xtenant/xtenant/internal/httpapi"
)

func TestErrors(t *testing.T) {
	f := newFixture(t, examples(t), func(c *httpapi.Config) { c.MaxBody = 4096 })
	manyGroups := make([]string, 1001)
	for i := range manyGroups {
		manyGroups[i] = fmt.Sprintf(`"%08x-0000-4000-8000-000000000000"`, i)
	}
	tooMany := `{"access_type":"b2b_collaboration","home_tenant":"11111111-1111-1111-1111-111111111111","resource_tenant":"22222222-2222-2222-2222-222222222222","user":{"id":"a1a1a1a1-0000-4000-8000-000000000001","groups":[` + strings.Join(manyGroups[:110], ",") + `]},"application":{"id":"00000003-0000-0ff1-ce00-000000000000"}}`
	tests := []struct {
		name, method, path, body string
		status                   int
		code, errPath            string
	}{
		{"not JSON", "POST", "/v1/evaluate", `{`, 400, httpapi.CodeInvalidInput, ""},
		{"empty", "POST", "/v1/evaluate", ``, 400, httpapi.CodeInvalidInput, ""},
		{"unknown field", "POST", "/v1/evaluate", `{"access_type":"b2b_collaboration","colour":1}`, 400, httpapi.CodeInvalidInput, "/colour"},
		{"bad guid", "POST", "/v1/evaluate", strings.Replace(allowInput, `"a1a1a1a1-0000-4000-8000-000000000001"`, `"me"`, 1), 400, httpapi.CodeInvalidInput, "/user/id"},
		{"trailing data", "POST", "/v1/evaluate", allowInput + `{}`, 400, httpapi.CodeInvalidInput, ""},
		{"explain param", "POST", "/v1/evaluate?explain=maybe", allowInput, 400, httpapi.CodeInvalidInput, ""},
		{"too large", "POST", "/v1/evaluate", tooMany, 413, httpapi.CodePayloadTooLarge, ""},
		{"not found", "GET", "/v2/nothing", ``, 404, httpapi.CodeNotFound, ""},
		{"wrong method", "GET", "/v1/evaluate", ``, 405, httpapi.CodeMethodNotAllowed, ""},
		{"wrong method batch", "PUT", "/v1/evaluate/batch", ``, 405, httpapi.CodeMethodNotAllowed, ""},
		{"batch missing", "POST", "/v1/evaluate/batch", `{}`, 400, httpapi.CodeInvalidInput, "/requests"},
		{"batch unknown", "POST", "/v1/evaluate/batch", `{"requests":[],"x":1}`, 400, httpapi.CodeInvalidInput, "/x"},
		{"batch wrong type", "POST", "/v1/evaluate/batch", `{"requests":{}}`, 400, httpapi.CodeInvalidInput, "/requests"},
		{"batch item", "POST", "/v1/evaluate/batch", `{"requests":[` + allowInput + `,{"access_type":"nope"}]}`, 400, httpapi.CodeInvalidInput, "/requests/1/access_type"},
		{"data no input", "POST", "/v1/data/xtenant/access/decision", `{}`, 400, httpapi.CodeInvalidInput, "/input"},
		{"data bad input", "POST", "/v1/data/xtenant/access/decision", `{"input":{"access_type":1}}`, 400, httpapi.CodeInvalidInput, "/input/access_type"},
		{"data unknown", "POST", "/v1/data/xtenant", `{"inptu":{}}`, 400, httpapi.CodeInvalidInput, "/inptu"},
		{"data empty segment", "GET", "/v1/data/xtenant//access", ``, 400, httpapi.CodeInvalidInput, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			wantError(t, f.do(tt.method, tt.path, tt.body), tt.status, tt.code, tt.errPath)
		})
	}
}

func TestBatchLimit(t *testing.T) {
	f := newFixture(t, examples(t), func(c *httpapi.Config) { c.MaxBody = 10 << 20 })
	items := strings.TrimSuffix(strings.Repeat(allowInput+",", httpapi.MaxBatch+1), ",")
	wantError(t, f.do("POST", "/v1/evaluate/batch", `{"requests":[`+items+`]}`), 400, httpapi.CodeInvalidInput, "/requests")
}

func TestNotReady(t *testing.T) {
	f := newFixture(t, nil)
	wantError(t, f.do("POST", "/v1/evaluate", allowInput), 503, httpapi.CodeNotReady, "")
	wantError(t, f.do("GET", "/health/ready", ""), 503, httpapi.CodeNotReady, "")
	if rec := f.do("GET", "/health/live", ""); rec.Code != 200 {
		t.Fatalf("live: %d", rec.Code)
	}
	if rec := f.do("GET", "/health", ""); rec.Code != 200 {
		t.Fatalf("/health: %d", rec.Code)
	}
	if rec := f.do("GET", "/health?bundles", ""); rec.Code != 500 || !strings.Contains(rec.Body.String(), `"error"`) {
		t.Fatalf("/health?bundles: %d %s", rec.Code, rec.Body)
	}
	st := decodeBody[httpapi.Status](t, f.do("GET", "/v1/status", ""))
	if st.Ready || st.NotReady == "" {
		t.Fatalf("status %+v", st)
	}
}

type panicking struct{}

func (panicking) Evaluate(context.Context, *engine.Request) (*engine.Decision, error) {
	panic("boom")
}

type undefined struct{}

func (undefined) Evaluate(context.Context, *engine.Request) (*engine.Decision, error) {
	return nil, engine.ErrUndefined
}

func TestFailuresNeverAllow(t *testing.T) {
	for name, ev := range map[string]engine.Evaluator{"panic": panicking{}, "undefined": undefined{}} {
		t.Run(name, func(t *testing.T) {
			f := newFixture(t, examples(t), func(c *httpapi.Config) { c.Evaluator = ev })
			wantError(t, f.do("POST", "/v1/evaluate", allowInput), 500, httpapi.CodeInternal, "")
			rec := f.do("GET", "/v1/forward-auth", "", "X-Xtenant-Home-Tenant", "11111111-1111-1111-1111-111111111111",
				"X-Xtenant-Resource-Tenant", "22222222-2222-2222-2222-222222222222",
				"X-Xtenant-User", "a1a1a1a1-0000-4000-8000-000000000001", "X-Xtenant-Application", "00000003-0000-0ff1-ce00-000000000000")
			wantError(t, rec, 500, httpapi.CodeInternal, "")
		})
	}
}

func TestHealthAndStatus(t *testing.T) {
	f := newFixture(t, examples(t))
	for _, p := range []string{"/health/live", "/health/ready", "/health", "/health?bundles", "/health?plugins"} {
		if rec := f.do("GET", p, ""); rec.Code != 200 {
			t.Errorf("%s: %d %s", p, rec.Code, rec.Body)
		}
	}
	f.do("POST", "/v1/evaluate", allowInput)
	f.cache.Wait()
	f.do("POST", "/v1/evaluate", allowInput)
	st := decodeBody[httpapi.Status](t, f.do("GET", "/v1/status", ""))
	if !st.Ready || st.Revision == "" || st.Cache == nil || st.Cache.Hits != 1 || st.Cache.HitRatio != 0.5 {
		t.Fatalf("status %+v", st)
	}
}

func TestAuthToken(t *testing.T) {
	f := newFixture(t, examples(t), func(c *httpapi.Config) { c.Tokens = tokens(t, "s3cret\n") })
	wantError(t, f.do("POST", "/v1/evaluate", allowInput), 401, httpapi.CodeUnauthorized, "")
	wantError(t, f.do("POST", "/v1/evaluate", allowInput, "Authorization", "Bearer wrong"), 401, httpapi.CodeUnauthorized, "")
	if rec := f.do("POST", "/v1/evaluate", allowInput, "Authorization", "Bearer s3cret"); rec.Code != 200 {
		t.Fatalf("with token: %d %s", rec.Code, rec.Body)
	}
	if rec := f.do("GET", "/health/ready", ""); rec.Code != 200 {
		t.Fatalf("health needs no token: %d", rec.Code)
	}
}

func TestExplain(t *testing.T) {
	f := newFixture(t, examples(t))
	d := decodeBody[engine.Decision](t, f.do("POST", "/v1/evaluate?explain=true", allowInput))
	if d.Explain == nil {
		t.Fatal("explain=true gave no explain")
	}
	d = decodeBody[engine.Decision](t, f.do("POST", "/v1/evaluate", allowInput))
	if d.Explain != nil {
		t.Fatal("explain without asking")
	}
}

func TestOPADataGeneric(t *testing.T) {
	f := newFixture(t, examples(t), func(c *httpapi.Config) { c.ExposeData = true })
	rec := f.do("GET", "/v1/data/xtenant/catalog/office365", "")
	body := decodeBody[map[string]any](t, rec)
	if rec.Code != 200 || body["result"] == nil || body["decision_id"] == "" {
		t.Fatalf("catalog: %d %s", rec.Code, rec.Body)
	}
	rec = f.do("POST", "/v1/data/xtenant/no/such/thing", `{"input":{"a":1}}`)
	body = decodeBody[map[string]any](t, rec)
	if _, has := body["result"]; rec.Code != 200 || has {
		t.Fatalf("undefined: %d %s", rec.Code, rec.Body)
	}
	rec = f.do("GET", "/v1/data/xtenant/access/decision?input="+strings.ReplaceAll(strings.ReplaceAll(allowInput, "\n", ""), " ", ""), "")
	if d := decodeBody[dataDecision](t, rec); rec.Code != 200 || d.Result.Decision == "" {
		t.Fatalf("GET decision: %d %s", rec.Code, rec.Body)
	}
}

func TestMetricsRoute(t *testing.T) {
	rec := &recordingMetrics{}
	f := newFixture(t, examples(t), func(c *httpapi.Config) {
		c.Metrics = rec
		c.MetricsHandler = http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { fmt.Fprint(w, "ok") })
	})
	f.do("POST", "/v1/evaluate", allowInput)
	f.do("GET", "/v2/unknown/"+strings.Repeat("x", 10), "")
	if r := f.do("GET", "/metrics", ""); r.Body.String() != "ok" {
		t.Fatalf("/metrics: %s", r.Body)
	}
	if rec.decisions != 1 || !rec.routes["/v1/evaluate 200"] || !rec.routes["unmatched 404"] {
		t.Fatalf("recorded %+v", rec)
	}
}

type recordingMetrics struct {
	decisions int
	routes    map[string]bool
}

func (m *recordingMetrics) ObserveDecision(string, bool, bool, time.Duration) { m.decisions++ }

func (m *recordingMetrics) ObserveHTTP(route string, code int, _ time.Duration) {
	if m.routes == nil {
		m.routes = map[string]bool{}
	}
	m.routes[fmt.Sprintf("%s %d", route, code)] = true
}
