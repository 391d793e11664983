package console_test

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/xtenant/xtenant/bundles"
	"github.com/xtenant/xtenant/engine"
	"github.com/xtenant/xtenant/engine/scenario"
	"github.com/xtenant/xtenant/internal/console"
	"github.com/xtenant/xtenant/tenants"
)

const (
	fabrikam  = "11111111-1111-1111-1111-111111111111"
	contoso   = "22222222-2222-2222-2222-222222222222"
	northwind = "33333333-3333-3333-3333-333333333333"
)

// activated returns an engine holding the built-in policy and ts (the
// example tenants when nil).
func activated(t testing.TB, ts *tenants.Set) *engine.Engine {
	t.Helper()
	if ts == nil {
		var err error
		if ts, err = bundles.ExampleTenants(); err != nil {
			t.Fatal(err)
		}
	}
	e, err := bundles.BuiltinEngine(context.Background(), ts)
	if err != nil {
		t.Fatal(err)
	}
	return e
}

type fixture struct {
	eng *engine.Engine
	rec *console.Recorder
	ev  engine.Evaluator // what transports would use: recorded
	srv *httptest.Server
}

func newFixture(t testing.TB, eng *engine.Engine, mutate func(*console.Config)) *fixture {
	t.Helper()
	rec := console.NewRecorder(100, nil)
	cfg := console.Config{
		Playground: eng, Querier: eng, Recorder: rec,
		Status: func() console.Status { return console.Status{Revision: eng.Revision()} },
	}
	if mutate != nil {
		mutate(&cfg)
	}
	c, err := console.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(c)
	t.Cleanup(srv.Close)
	return &fixture{eng: eng, rec: rec, ev: rec.Wrap(eng), srv: srv}
}

func (f *fixture) get(t testing.TB, path string, header ...string) (int, string) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, f.srv.URL+path, nil)
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	client := &http.Client{Timeout: 3 * time.Minute, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(body)
}

var (
	cellRE     = regexp.MustCompile(`data-cell="([^"]+)" data-state="([^"]+)" data-source="([^"]+)"`)
	decisionRE = regexp.MustCompile(`id="decision">([a-z_]+)<`)
	reasonRE   = regexp.MustCompile(`class="reason-code">([A-Z_0-9]+)<`)
	errorRE    = regexp.MustCompile(`(?s)id="error">(.*?)</p>`)
)

// cells reads the matrix cells of a page: "partner:column" → "state/source".
func cells(body string) map[string]string {
	out := map[string]string{}
	for _, m := range cellRE.FindAllStringSubmatch(body, -1) {
		out[m[1]] = m[2] + "/" + m[3]
	}
	return out
}

func decisionOf(body string) (string, []string) {
	var d string
	if m := decisionRE.FindStringSubmatch(body); m != nil {
		d = m[1]
	}
	var codes []string
	for _, m := range reasonRE.FindAllStringSubmatch(body, -1) {
		codes = append(codes, m[1])
	}
	return d, codes
}

func loadScenarios(t testing.TB) []*scenario.File {
	t.Helper()
	files, err := scenario.LoadDir("../../testdata/scenarios")
	if err != nil {
		t.Fatal(err)
	}
	return files
}

// scenarioEvaluator activates each scenario file's tenants once.
func scenarioEvaluator(t testing.TB) func(*scenario.File) (engine.Evaluator, error) {
	engines := map[*scenario.File]*engine.Engine{}
	return func(f *scenario.File) (engine.Evaluator, error) {
		if e, ok := engines[f]; ok {
			return e, nil
		}
		ts, err := f.TenantSet()
		if err != nil {
			return nil, err
		}
		engines[f] = activated(t, ts)
		return engines[f], nil
	}
}

func contains(s string, subs ...string) bool {
	for _, sub := range subs {
		if !strings.Contains(s, sub) {
			return false
		}
	}
	return true
}

func regexpMust(p string) *regexp.Regexp { return regexp.MustCompile(p) }

func htmlUnescape(s string) string {
	return strings.NewReplacer("&amp;", "&", "&#43;", "+", "&#34;", `"`, "&quot;", `"`, "&lt;", "<", "&gt;", ">", "&#39;", "'").Replace(s)
}
