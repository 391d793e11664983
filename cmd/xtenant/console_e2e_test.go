package main

// End-to-end tests of the web console (`serve --ui`) in headless Chromium,
// driven with chromedp. Chromium missing skips them, unless XTENANT_E2E=1
// (CI), where that is a failure. Screenshots go to test-artifacts/console/
// (gitignored); XTENANT_README_SCREENSHOTS=1 also refreshes docs/img/.

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/log"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"

	"github.com/xtenant/xtenant/engine/scenario"
)

const (
	e2eFabrikam  = "11111111-1111-1111-1111-111111111111"
	e2eContoso   = "22222222-2222-2222-2222-222222222222"
	e2eNorthwind = "33333333-3333-3333-3333-333333333333"
	e2eToken     = "console-e2e-token-0123456789"
)

// chromium finds Debian's chromium.
func chromium(t *testing.T) string {
	t.Helper()
	for _, name := range []string{"chromium", "chromium-browser"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	if os.Getenv("XTENANT_E2E") == "1" {
		t.Fatal("chromium is not installed, and XTENANT_E2E=1 requires the end-to-end tests (apt-get install chromium)")
	}
	t.Skip("chromium is not installed: skipping the console end-to-end test (install it, or set XTENANT_E2E=1 to make this a failure)")
	return ""
}

// serveConsole runs `xtenant serve --ui` in-process on a unix socket with
// args, and returns a loopback TCP address in front of it (a port of 0:
// nothing fixed, nothing shared with other tests).
func serveConsole(t *testing.T, args ...string) string {
	t.Helper()
	sock := filepath.Join(t.TempDir(), "x.sock")
	var stderr syncBuffer
	cmd := newServeCmd(env{stdout: io.Discard, stderr: &stderr, getenv: func(string) string { return "" }})
	cmd.SetArgs(append([]string{"--addr", "unix:" + sock, "--shutdown-grace", "2s", "--ui"}, args...))
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- cmd.ExecuteContext(ctx) }()
	t.Cleanup(func() {
		cancel()
		select {
		case err := <-done:
			if err != nil {
				t.Errorf("serve: %v", err)
			}
		case <-time.After(10 * time.Second):
			t.Error("serve did not stop")
		}
	})
	client := unixClient(sock)
	deadline := time.Now().Add(30 * time.Second)
	for {
		resp, err := client.Get("http://x/health/ready")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == 200 {
				break
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("never ready: %v\n%s", err, stderr.String())
		}
		time.Sleep(20 * time.Millisecond)
	}
	proxy := &httputil.ReverseProxy{
		Rewrite: func(pr *httputil.ProxyRequest) {
			pr.SetURL(&url.URL{Scheme: "http", Host: "x"})
			pr.Out.Host = pr.In.Host // the console compares Origin with Host
		},
		Transport: client.Transport,
	}
	front := httptest.NewServer(proxy)
	t.Cleanup(front.Close)
	return front.URL
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

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// browser starts headless Chromium with a fresh profile. It records every
// request the pages make, and every console error (a CSP violation is one).
type browser struct {
	ctx      context.Context
	mu       sync.Mutex
	requests []string
	errors   []string
}

func newBrowser(t *testing.T) *browser {
	t.Helper()
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(chromium(t)),
		chromedp.Headless, chromedp.NoSandbox, chromedp.DisableGPU, chromedp.NoFirstRun, chromedp.NoDefaultBrowserCheck,
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-default-apps", true),
		chromedp.Flag("disable-extensions", true),
		chromedp.Flag("metrics-recording-only", true),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(1280, 900),
	}
	alloc, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancel := chromedp.NewContext(alloc)
	t.Cleanup(func() { cancel(); cancelAlloc() })
	b := &browser{ctx: ctx}
	err := chromedp.Listen(ctx, func(ev any) {
		b.mu.Lock()
		defer b.mu.Unlock()
		switch e := ev.(type) {
		case *network.EventRequestWillBeSent:
			b.requests = append(b.requests, e.Request.URL)
		case *log.EventEntryAdded:
			if e.Entry.Level == log.EntryLevelError {
				b.errors = append(b.errors, e.Entry.Text+" "+e.Entry.URL)
			}
		case *runtime.EventExceptionThrown:
			b.errors = append(b.errors, e.ExceptionDetails.Text)
		}
	})
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func (b *browser) do(t *testing.T, steps ...chromedp.Action[chromedp.Void]) {
	t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, 60*time.Second)
	defer cancel()
	if err := chromedp.Do(ctx, steps...); err != nil {
		t.Fatal(err)
	}
}

// open navigates and returns the document's HTTP status.
func (b *browser) open(t *testing.T, u string) int64 {
	t.Helper()
	resp, err := chromedp.Run(b.ctx, chromedp.NavigateResponse(u))
	if err != nil {
		t.Fatalf("navigate %s: %v", u, err)
	}
	return resp.Status
}

// click clicks sel and waits for the page it loads.
func click[S chromedp.Selectable](t *testing.T, b *browser, sel S) int64 {
	t.Helper()
	resp, err := chromedp.RunResponse(b.ctx, chromedp.Click(sel))
	if err != nil {
		t.Fatalf("click %v: %v", sel, err)
	}
	return resp.Status
}

func evalJS[T any](t *testing.T, b *browser, js string) T {
	t.Helper()
	v, err := chromedp.Run(b.ctx, chromedp.Evaluate[T](js))
	if err != nil {
		t.Fatalf("evaluate %s: %v", js, err)
	}
	return v
}

// screenshot keeps a full-page PNG as a test artefact (and, when asked, as
// the README's picture).
func (b *browser) screenshot(t *testing.T, name string) {
	t.Helper()
	png, err := chromedp.Run(b.ctx, chromedp.FullScreenshot(100))
	if err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join("..", "..", "test-artifacts", "console")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, name+".png"), png, 0o644); err != nil {
		t.Fatal(err)
	}
	if os.Getenv("XTENANT_README_SCREENSHOTS") == "1" && slices.Contains(readmeViews, name) {
		if err := os.MkdirAll(filepath.Join("..", "..", "docs", "img"), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join("..", "..", "docs", "img", "console-"+name+".png"), png, 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// readmeViews are the screenshots the README shows (docs/img/console-*.png).
var readmeViews = []string{"status", "matrix", "playground", "decisions"}

var e2eCells = map[string]string{
	"default:b2bCollaborationInbound":                     "allowed/default",
	"default:b2bDirectConnectInbound":                     "blocked/default",
	"default:isMfaAccepted":                               "trusted/default",
	"default:sync":                                        "not-allowed/service_default",
	e2eFabrikam + ":b2bDirectConnectInbound":              "allowed/partner",
	e2eFabrikam + ":b2bDirectConnectOutbound":             "blocked/default",
	e2eFabrikam + ":b2bCollaborationInbound":              "allowed/default",
	e2eNorthwind + ":b2bCollaborationInbound":             "partial/partner",
	e2eNorthwind + ":isCompliantDeviceAccepted":           "trusted/partner",
	e2eNorthwind + ":isHybridAzureADJoinedDeviceAccepted": "not-trusted/default",
	e2eNorthwind + ":inboundAllowed":                      "on/partner",
	e2eNorthwind + ":sync":                                "allowed/partner",
}

func TestConsoleInBrowser(t *testing.T) {
	b := newBrowser(t) // skips (or fails under XTENANT_E2E=1) without chromium
	tokenFile := filepath.Join(t.TempDir(), "token")
	if err := os.WriteFile(tokenFile, []byte(e2eToken+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	base := serveConsole(t, "--auth-token-file", tokenFile, "--ui-scenarios", "../../testdata/scenarios",
		"--decision-log", "file:"+filepath.Join(t.TempDir(), "decisions.log"), "--decision-log-mask", "/input/user/groups")

	t.Run("401 without the token", func(t *testing.T) {
		for _, p := range []string{"/ui/", "/ui/matrix", "/ui/playground", "/ui/decisions", "/ui/playground?input=%7B%7D"} {
			resp, err := http.Get(base + p)
			if err != nil {
				t.Fatal(err)
			}
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode != http.StatusUnauthorized || strings.Contains(string(body), "data-cell") {
				t.Errorf("GET %s without token: %d", p, resp.StatusCode)
			}
			if csp := resp.Header.Get("Content-Security-Policy"); !strings.Contains(csp, "default-src 'none'") {
				t.Errorf("GET %s: CSP %q", p, csp)
			}
		}
		req, _ := http.NewRequest(http.MethodGet, base+"/ui/matrix", nil)
		req.Header.Set("Authorization", "Bearer "+e2eToken)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != 200 {
			t.Errorf("GET /ui/matrix with the bearer token: %d", resp.StatusCode)
		}
		if code := b.open(t, base+"/ui/"); code != http.StatusUnauthorized {
			t.Errorf("browser without a session: %d, want 401", code)
		}
		b.screenshot(t, "login")
		b.do(t, chromedp.SendKeys(chromedp.ID("token"), "wrong"))
		if code := click(t, b, chromedp.CSS(`form.login button`)); code != http.StatusUnauthorized {
			t.Errorf("wrong token: %d, want 401", code)
		}
		b.do(t, chromedp.SendKeys(chromedp.ID("token"), e2eToken))
		if code := click(t, b, chromedp.CSS(`form.login button`)); code != http.StatusOK {
			t.Fatalf("sign-in: %d", code)
		}
		if h1 := evalJS[string](t, b, `document.querySelector("h1").textContent`); h1 != "Status" {
			t.Fatalf("after sign-in: %q", h1)
		}
	})

	// Decisions through the API, so that there are recent ones and rates.
	ids := map[string]map[string]any{}
	for i, in := range []string{
		`{"access_type":"b2b_collaboration","home_tenant":"` + e2eFabrikam + `","resource_tenant":"` + e2eContoso + `","user":{"id":"aaaaaaaa-0000-0000-0000-000000000001","groups":["bbbbbbbb-0000-0000-0000-000000000002"]},"application":{"id":"00000003-0000-0ff1-ce00-000000000000"},"claims":{"mfa":true}}`,
		`{"access_type":"b2b_direct_connect","home_tenant":"` + e2eNorthwind + `","resource_tenant":"` + e2eContoso + `","user":{"id":"aaaaaaaa-0000-0000-0000-000000000002"},"application":{"id":"00000003-0000-0ff1-ce00-000000000000"}}`,
		`{"access_type":"identity_sync","home_tenant":"` + e2eNorthwind + `","resource_tenant":"` + e2eContoso + `","user":{"id":"aaaaaaaa-0000-0000-0000-000000000003"}}`,
	} {
		for range i + 1 { // repeats hit the decision cache
			d := apiEvaluate(t, base, in)
			ids[d["decision_id"].(string)] = d
		}
	}

	t.Run("status", func(t *testing.T) {
		b.open(t, base+"/ui/")
		// The six API decisions above, in the last minute (the console's own
		// playground decisions are not counted).
		if n := evalJS[string](t, b, `document.querySelector("#rates tbody tr:nth-child(2) .count").textContent`); n != "6" {
			t.Errorf("decisions in the last minute: %s, want 6", n)
		}
		loads := evalJS[string](t, b, `document.querySelector("#loads").textContent`)
		if !strings.Contains(loads, "activated") {
			t.Errorf("reload history: %q", loads)
		}
		b.screenshot(t, "status")
	})

	t.Run("matrix", func(t *testing.T) {
		b.open(t, base+"/ui/matrix?tenant="+e2eContoso)
		got := evalJS[map[string]string](t, b, `Object.fromEntries([...document.querySelectorAll("td[data-cell]")].map(td => [td.dataset.cell, td.dataset.state + "/" + td.dataset.source]))`)
		for cell, want := range e2eCells {
			if got[cell] != want {
				t.Errorf("cell %s = %q, want %q", cell, got[cell], want)
			}
		}
		// Shown, not only marked up: the visible text of a cell.
		if txt := evalJS[string](t, b, `document.querySelector('td[data-cell="`+e2eNorthwind+`:b2bCollaborationInbound"]').innerText`); !strings.Contains(txt, "partial") || !strings.Contains(txt, "partner") {
			t.Errorf("Northwind inbound cell reads %q", txt)
		}
		click(t, b, chromedp.CSS(`td[data-cell="`+e2eNorthwind+`:b2bCollaborationInbound"] a`))
		detail := evalJS[string](t, b, `document.querySelector("#cell").innerText`)
		if !strings.Contains(detail, "c3c3c3c3-0000-4000-8000-000000000001") || !strings.Contains(detail, "AllApplications") {
			t.Errorf("cell detail: %q", detail)
		}
		b.screenshot(t, "matrix")
	})

	t.Run("playground scenario cases", func(t *testing.T) {
		files, err := scenario.LoadDir("../../testdata/scenarios")
		if err != nil {
			t.Fatal(err)
		}
		picked := 0
		for fi, f := range files {
			if picked == 8 {
				break
			}
			for ci, c := range f.Cases {
				if f.Pending != "" || c.Pending != "" || c.Expect.Decision == nil || c.Expect.Reasons == nil {
					continue
				}
				if fi%5 != 0 || ci > 0 { // a spread of files, first case each
					continue
				}
				b.open(t, base+"/ui/playground")
				b.do(t, chromedp.SetValue(chromedp.ID("scenario"), fmt.Sprintf("%d.%d", fi, ci)))
				click(t, b, chromedp.CSS(`form.scenario button`))
				decision := evalJS[string](t, b, `(document.querySelector("#decision") || {}).textContent || ""`)
				codes := evalJS[[]string](t, b, `[...document.querySelectorAll("#reasons .reason-code")].map(e => e.textContent)`)
				if decision != *c.Expect.Decision || !sameCodes(codes, *c.Expect.Reasons) {
					t.Errorf("%s / %s: shows %s %v, want %s %v", f.Name, c.Name, decision, codes, *c.Expect.Decision, *c.Expect.Reasons)
				}
				if picked == 0 {
					b.screenshot(t, "playground-scenario")
				}
				picked++
			}
		}
		if picked < 5 {
			t.Fatalf("only %d scenario cases shown", picked)
		}
	})

	t.Run("recent decision opens in the playground", func(t *testing.T) {
		b.open(t, base+"/ui/decisions")
		rows := evalJS[[]string](t, b, `[...document.querySelectorAll("#decisions tr[data-decision-id]")].map(r => r.dataset.decisionId)`)
		if len(rows) != 6 {
			t.Fatalf("%d recent decisions, want 6", len(rows))
		}
		html := evalJS[string](t, b, `document.querySelector("#decisions").outerHTML`)
		if strings.Contains(html, "bbbbbbbb-0000-0000-0000-000000000002") {
			t.Error("a masked group id is shown among the recent decisions")
		}
		b.screenshot(t, "decisions")
		b.do(t, chromedp.SetValue(chromedp.ID("d-decision"), "deny"))
		click(t, b, chromedp.CSS(`form.filters button`))
		denied := evalJS[[]string](t, b, `[...document.querySelectorAll("#decisions tr[data-decision-id]")].map(r => r.dataset.decisionId)`)
		for _, id := range denied {
			if ids[id]["decision"] != "deny" {
				t.Errorf("filter deny shows %s (%v)", id, ids[id]["decision"])
			}
		}
		if len(denied) == 0 {
			t.Fatal("no denied decision shown")
		}
		want := ids[denied[0]]
		click(t, b, chromedp.CSS(`#decisions tr[data-decision-id="`+denied[0]+`"] a.open`))
		decision := evalJS[string](t, b, `document.querySelector("#decision").textContent`)
		codes := evalJS[[]string](t, b, `[...document.querySelectorAll("#reasons .reason-code")].map(e => e.textContent)`)
		var wantCodes []string
		for _, r := range want["reasons"].([]any) {
			wantCodes = append(wantCodes, r.(map[string]any)["code"].(string))
		}
		if decision != want["decision"] || !sameCodes(codes, wantCodes) {
			t.Errorf("playground shows %s %v, the API answered %v %v", decision, codes, want["decision"], wantCodes)
		}
		// Copy as curl: the command's body decides the same through the API.
		curl := evalJS[string](t, b, `document.querySelector("#curl").textContent`)
		m := regexp.MustCompile(`(?s)-d '(.*)'$`).FindStringSubmatch(curl)
		if m == nil || !strings.Contains(curl, base+"/v1/evaluate?explain=true") {
			t.Fatalf("curl command: %q", curl)
		}
		if d := apiEvaluate(t, base, strings.ReplaceAll(m[1], `'\''`, `'`)); d["decision"] != want["decision"] {
			t.Errorf("the curl body decides %v, want %v", d["decision"], want["decision"])
		}
		b.screenshot(t, "playground")
	})

	t.Run("phone layout", func(t *testing.T) {
		b.do(t, chromedp.EmulateViewport(390, 844, chromedp.EmulateMobile, chromedp.EmulateScale(2)))
		defer b.do(t, chromedp.EmulateReset())
		for _, p := range []string{"/ui/", "/ui/matrix", "/ui/playground?scenario=0.0", "/ui/decisions"} {
			b.open(t, base+p)
			// The page itself never scrolls sideways; wide tables scroll in
			// their own box.
			if w := evalJS[int](t, b, `document.documentElement.scrollWidth`); w > 390 {
				wide := evalJS[[]string](t, b, `[...document.querySelectorAll("body *")].filter(e => e.getBoundingClientRect().right > 391 && !e.closest(".scroll")).slice(0, 5).map(e => e.tagName + "." + e.className + " " + Math.round(e.getBoundingClientRect().right))`)
				t.Errorf("%s is %d px wide on a 390 px phone: %v", p, w, wide)
			}
		}
		b.screenshot(t, "playground-phone")
		b.open(t, base+"/ui/matrix")
		b.screenshot(t, "matrix-phone")
	})

	t.Run("keyboard", func(t *testing.T) {
		b.open(t, base+"/ui/matrix")
		// Every form control has a label, every link and button a name.
		unlabelled := evalJS[[]string](t, b, `[...document.querySelectorAll("input:not([type=hidden]), select, textarea")].filter(e => !e.labels || e.labels.length === 0).map(e => e.outerHTML)`)
		if len(unlabelled) > 0 {
			t.Errorf("controls without a label: %v", unlabelled)
		}
		first := evalJS[string](t, b, `(function(){ const a = document.querySelector("a.skip"); a.focus(); return document.activeElement.textContent })()`)
		if first != "Skip to content" {
			t.Errorf("skip link: %q", first)
		}
	})

	b.mu.Lock()
	defer b.mu.Unlock()
	front, _ := url.Parse(base)
	for _, r := range b.requests {
		u, err := url.Parse(r)
		if err != nil || u.Scheme == "data" || u.Scheme == "about" {
			continue
		}
		if host := u.Hostname(); host != "127.0.0.1" || u.Port() != front.Port() {
			t.Errorf("a request left the console's loopback address: %s", r)
		}
	}
	if len(b.requests) < 10 {
		t.Errorf("only %d requests seen: the network events are not recorded", len(b.requests))
	}
	for _, e := range b.errors {
		if strings.Contains(e, "401") { // the sign-in page's own status
			continue
		}
		t.Errorf("browser console error: %s", e)
	}
	t.Logf("%d requests, all to %s", len(b.requests), base)
}

func apiEvaluate(t *testing.T, base, input string) map[string]any {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPost, base+"/v1/evaluate", strings.NewReader(input))
	req.Header.Set("Authorization", "Bearer "+e2eToken)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var d map[string]any
	if err := json.NewDecoder(resp.Body).Decode(&d); err != nil || resp.StatusCode != 200 {
		t.Fatalf("evaluate: %d %v", resp.StatusCode, err)
	}
	return d
}

func sameCodes(a, b []string) bool {
	a, b = slices.Clone(a), slices.Clone(b)
	slices.Sort(a)
	slices.Sort(b)
	return slices.Equal(slices.Compact(a), slices.Compact(b))
}

// TestServeUI: the console is off unless --ui; with --ui and no token it
// answers, and the API beside it still works.
func TestServeUI(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want int
	}{
		{nil, http.StatusNotFound},
		{[]string{"--ui"}, http.StatusOK},
		{[]string{"--ui=false"}, http.StatusNotFound},
	} {
		sock := filepath.Join(t.TempDir(), "x.sock")
		cmd := newServeCmd(env{stdout: io.Discard, stderr: io.Discard, getenv: func(string) string { return "" }})
		cmd.SetArgs(append([]string{"--addr", "unix:" + sock, "--shutdown-grace", "1s"}, tc.args...))
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan error, 1)
		go func() { done <- cmd.ExecuteContext(ctx) }()
		client := unixClient(sock)
		deadline := time.Now().Add(30 * time.Second)
		for {
			resp, err := client.Get("http://x/health/ready")
			if err == nil {
				resp.Body.Close()
				if resp.StatusCode == 200 {
					break
				}
			}
			if time.Now().After(deadline) {
				t.Fatalf("%v: never ready: %v", tc.args, err)
			}
			time.Sleep(20 * time.Millisecond)
		}
		for _, p := range []string{"/ui/", "/ui/matrix"} {
			resp, err := client.Get("http://x" + p)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != tc.want {
				t.Errorf("%v: GET %s = %d, want %d", tc.args, p, resp.StatusCode, tc.want)
			}
		}
		resp, err := client.Get("http://x/v1/status")
		if err != nil || resp.StatusCode != 200 {
			t.Errorf("%v: /v1/status: %v %v", tc.args, err, resp)
		} else {
			resp.Body.Close()
		}
		cancel()
		if err := <-done; err != nil {
			t.Errorf("%v: serve: %v", tc.args, err)
		}
	}
}

func TestServeUIRefusesAtStart(t *testing.T) {
	for _, tt := range []struct {
		args []string
		want string
	}{
		{[]string{"serve", "--ui-scenarios", "../../testdata/scenarios"}, "needs --ui"},
		{[]string{"serve", "--ui", "--ui-scenarios", filepath.Join(t.TempDir(), "missing")}, "--ui-scenarios"},
		{[]string{"serve", "--ui", "--decision-log", "stdout", "--decision-log-mask", "/labels/x"}, "decision-log-mask"},
	} {
		// On a socket of its own: a server that wrongly starts must not
		// take a shared port.
		args := append(tt.args, "--addr", "unix:"+filepath.Join(t.TempDir(), "x.sock"))
		var stderr bytes.Buffer
		done := make(chan int, 1)
		go func() {
			done <- run(args, env{stdout: io.Discard, stderr: &stderr, getenv: func(string) string { return "" }})
		}()
		select {
		case code := <-done:
			if code != 2 || !strings.Contains(stderr.String(), tt.want) {
				t.Errorf("%v: exit %d, stderr %q; want 2 and %q", tt.args, code, stderr.String(), tt.want)
			}
		case <-time.After(time.Minute):
			t.Fatalf("%v: serve started instead of refusing", tt.args)
		}
	}
}
