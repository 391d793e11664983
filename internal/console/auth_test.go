package console_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/xtenant/xtenant/internal/auth"
	"github.com/xtenant/xtenant/internal/console"
)

func TestAuthentication(t *testing.T) {
	tokens, err := auth.Parse([]byte("s3cret status\nd3cide decide\n"))
	if err != nil {
		t.Fatal(err)
	}
	f := newFixture(t, activated(t, nil), func(c *console.Config) { c.Tokens = tokens })
	pages := []string{"/ui/", "/ui/matrix", "/ui/playground", "/ui/decisions", "/ui/playground?input=%7B%7D", "/ui/nope"}
	for _, p := range pages {
		code, body := f.get(t, p)
		if code != http.StatusUnauthorized || !strings.Contains(body, `action="/ui/login"`) {
			t.Errorf("GET %s without token: %d", p, code)
		}
		for _, wrong := range []string{"Bearer wrong", "Bearer d3cide"} { // unknown; known without the status scope
			if code, _ := f.get(t, p, "Authorization", wrong); code != http.StatusUnauthorized {
				t.Errorf("GET %s with %q: %d", p, wrong, code)
			}
		}
	}
	if code, _ := f.get(t, "/ui/matrix", "Authorization", "Bearer s3cret"); code != http.StatusOK {
		t.Errorf("bearer token: %d", code)
	}
	if code, _ := f.get(t, "/ui/matrix", "Cookie", "xtenant_console=s3cret"); code != http.StatusUnauthorized {
		t.Errorf("the token itself as a cookie: %d, want 401", code)
	}
	// The style sheet and script are public (the sign-in page needs them).
	if code, body := f.get(t, "/ui/static/console.css"); code != http.StatusOK || !strings.Contains(body, "--fg") {
		t.Errorf("static: %d", code)
	}

	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	post := func(token string, header ...string) *http.Response {
		req, _ := http.NewRequest(http.MethodPost, f.srv.URL+"/ui/login", strings.NewReader(url.Values{"token": {token}}.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		for i := 0; i+1 < len(header); i += 2 {
			req.Header.Set(header[i], header[i+1])
		}
		resp, err := client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp
	}
	if resp := post("wrong", "Sec-Fetch-Site", "same-origin"); resp.StatusCode != http.StatusUnauthorized || len(resp.Cookies()) != 0 {
		t.Errorf("wrong token: %d, cookies %v", resp.StatusCode, resp.Cookies())
	}
	if resp := post("s3cret", "Sec-Fetch-Site", "cross-site"); resp.StatusCode != http.StatusForbidden {
		t.Errorf("cross-site sign-in: %d, want 403", resp.StatusCode)
	}
	if resp := post("s3cret", "Origin", "http://evil.example"); resp.StatusCode != http.StatusForbidden {
		t.Errorf("foreign origin sign-in: %d, want 403", resp.StatusCode)
	}
	resp := post("s3cret", "Sec-Fetch-Site", "same-origin")
	if resp.StatusCode != http.StatusSeeOther || len(resp.Cookies()) != 1 {
		t.Fatalf("sign-in: %d %v", resp.StatusCode, resp.Cookies())
	}
	ck := resp.Cookies()[0]
	if !ck.HttpOnly || ck.SameSite != http.SameSiteStrictMode || strings.Contains(ck.Value, "s3cret") || ck.Path != "/ui/" {
		t.Errorf("session cookie %+v", ck)
	}
	if code, _ := f.get(t, "/ui/matrix", "Cookie", ck.Name+"="+ck.Value); code != http.StatusOK {
		t.Errorf("session cookie: %d", code)
	}
}

func TestSecurityHeaders(t *testing.T) {
	f := newFixture(t, activated(t, nil), nil)
	for _, p := range []string{"/ui/", "/ui/matrix", "/ui/playground", "/ui/decisions", "/ui/static/console.js", "/ui/nope"} {
		resp, err := http.Get(f.srv.URL + p)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		h := resp.Header
		csp := h.Get("Content-Security-Policy")
		for _, want := range []string{"default-src 'none'", "script-src 'self'", "style-src 'self'", "frame-ancestors 'none'", "form-action 'self'"} {
			if !strings.Contains(csp, want) {
				t.Errorf("%s: CSP %q lacks %q", p, csp, want)
			}
		}
		if strings.Contains(csp, "unsafe") {
			t.Errorf("%s: CSP allows unsafe sources: %q", p, csp)
		}
		if h.Get("X-Content-Type-Options") != "nosniff" || h.Get("Referrer-Policy") != "no-referrer" {
			t.Errorf("%s: headers %v", p, h)
		}
	}
	// No inline script or style anywhere: the CSP would block it.
	for _, p := range []string{"/ui/", "/ui/matrix", "/ui/playground?scenario=0.0", "/ui/decisions"} {
		_, body := f.get(t, p)
		if strings.Contains(body, "<script>") || strings.Contains(body, "style=") || strings.Contains(body, "<style") || strings.Contains(body, " on") && strings.Contains(body, "onclick") {
			t.Errorf("%s has inline script or style", p)
		}
	}
}
