package console_test

import (
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"

	"github.com/xtenant/xtenant/engine"
	"github.com/xtenant/xtenant/internal/console"
)

// FuzzConsoleQuery: any query string on any page is answered (never a 5xx,
// never a panic), and the playground shows a decision only for an input the
// API's decoder accepts.
func FuzzConsoleQuery(f *testing.F) {
	for _, seed := range []string{
		"input=%7B%7D", "form=1&access_type=invitation&invitee_email=a@b.c", "scenario=0.0", "scenario=9.-1",
		"decision=x", "tenant=22222222-2222-2222-2222-222222222222&cell=default:b2bCollaborationInbound&page=-3&size=7",
		"q=%00&page=99999999999999999999", "input=" + strings.Repeat("[", 100),
	} {
		f.Add("/ui/playground", seed)
		f.Add("/ui/matrix", seed)
	}
	eng := activated(f, nil)
	rec := console.NewRecorder(10, nil)
	c, err := console.New(console.Config{Playground: eng, Querier: eng, Recorder: rec,
		Status: func() console.Status { return console.Status{Revision: eng.Revision()} }})
	if err != nil {
		f.Fatal(err)
	}
	decided := regexp.MustCompile(`id="decision">`)
	f.Fuzz(func(t *testing.T, path, query string) {
		if !strings.HasPrefix(path, "/ui/") || strings.ContainsAny(path, "?# \x00") {
			return
		}
		req := httptest.NewRequest(http.MethodGet, "http://127.0.0.1/ui/", nil)
		req.URL.Path, req.URL.RawQuery = path, query
		w := httptest.NewRecorder()
		c.ServeHTTP(w, req)
		if w.Code >= 500 {
			t.Fatalf("GET %s?%s: %d", path, query, w.Code)
		}
		if path == "/ui/playground" && decided.MatchString(w.Body.String()) && req.URL.Query().Has("input") {
			if _, err := engine.DecodeRequest([]byte(req.URL.Query().Get("input"))); err != nil {
				t.Fatalf("a decision for an input the decoder refuses (%v): %q", err, query)
			}
		}
	})
}
