package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/xtenant/xtenant/bundles"
	"github.com/xtenant/xtenant/engine"
	"github.com/xtenant/xtenant/engine/scenario"
	"github.com/xtenant/xtenant/internal/httpapi"
	"github.com/xtenant/xtenant/tenants"
)

func TestMain(m *testing.M) {
	gin.SetMode(gin.TestMode) // main sets release mode; tests keep gin quiet
	os.Exit(m.Run())
}

// The tenants and users of the scenarios; the gateway files fix the
// resource tenant, the application and the access type.
const (
	home        = "11111111-1111-1111-1111-111111111111"
	resource    = "22222222-2222-2222-2222-222222222222"
	otherTenant = "33333333-3333-3333-3333-333333333333"
	user        = "a1a1a1a1-0000-4000-8000-000000000001"
	group       = "c1c1c1c1-0000-4000-8000-000000000001"
	fixedApp    = "00000003-0000-0ff1-ce00-000000000000"
)

// gateway finds a gateway binary; without one the test is skipped, unless
// XTENANT_E2E=1 asks for every end-to-end test to run.
func gateway(t *testing.T, name string, extraDirs ...string) string {
	t.Helper()
	if p, err := exec.LookPath(name); err == nil {
		return p
	}
	for _, dir := range extraDirs { // /usr/sbin is often not on a user's PATH
		if p := filepath.Join(dir, name); isExecutable(p) {
			return p
		}
	}
	if os.Getenv("XTENANT_E2E") == "1" {
		t.Fatalf("%s is not installed, and XTENANT_E2E=1 requires the end-to-end tests (apt-get install %s)", name, name)
	}
	t.Skipf("%s is not installed: skipping the end-to-end test (install it, or set XTENANT_E2E=1 to make this a failure)", name)
	return ""
}

func isExecutable(p string) bool {
	info, err := os.Stat(p)
	return err == nil && !info.IsDir() && info.Mode()&0o111 != 0
}

// serveTenants serves the real xtenant HTTP API, holding the tenants of a
// scenario file (changed by patch, if given) with the built-in policy, on
// 127.0.0.1.
func serveTenants(t *testing.T, name string, patch func(map[string]any)) *httptest.Server {
	t.Helper()
	file, err := scenario.Load("../testdata/scenarios/" + name + ".json")
	if err != nil {
		t.Fatal(err)
	}
	raw := []byte(file.Tenants)
	if patch != nil {
		var doc map[string]any
		if err := json.Unmarshal(raw, &doc); err != nil {
			t.Fatal(err)
		}
		patch(doc)
		if raw, err = json.Marshal(doc); err != nil {
			t.Fatal(err)
		}
	}
	ts, err := tenants.Parse(name+"#/tenants", raw)
	if err != nil {
		t.Fatal(err)
	}
	p, err := bundles.Builtin(ts)
	if err != nil {
		t.Fatal(err)
	}
	eng := engine.New()
	if err := eng.Activate(context.Background(), p); err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(httpapi.New(httpapi.Config{Evaluator: eng, Querier: eng}))
	t.Cleanup(srv.Close)
	return srv
}

// collaborationBlocked turns tc23 (direct connect enabled both ways) into a
// pair where the resource tenant blocks B2B collaboration from the home
// tenant: a collaboration request is a 403, a direct connect one a 200.
// A client that could choose the access type would turn a deny into an
// allow (issue 10).
func collaborationBlocked(doc map[string]any) {
	blocked := func(target, kind string) map[string]any {
		return map[string]any{"accessType": "blocked", "targets": []any{map[string]any{"target": target, "targetType": kind}}}
	}
	partner := doc[resource].(map[string]any)["crossTenantAccessPolicy"].(map[string]any)["partners"].(map[string]any)[home].(map[string]any)
	partner["b2bCollaborationInbound"] = map[string]any{
		"usersAndGroups": blocked("AllUsers", "user"),
		"applications":   blocked("AllApplications", "application"),
	}
}

func freePort(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	return addr
}

// runGateway runs a gateway in the foreground until the test ends and
// waits until it listens on listen; logs (a file the gateway writes, if
// any) are shown when the test fails.
func runGateway(t *testing.T, cmd *exec.Cmd, listen, logs string) {
	t.Helper()
	var out strings.Builder
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	name := filepath.Base(cmd.Path)
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		<-exited
		if t.Failed() {
			logText := ""
			if logs != "" {
				b, _ := os.ReadFile(logs)
				logText = string(b)
			}
			t.Logf("%s output:\n%s\n%s", name, out.String(), logText)
		}
	})
	deadline := time.Now().Add(15 * time.Second)
	for {
		select {
		case err := <-exited:
			exited <- err
			t.Fatalf("%s exited: %v\n%s", name, err, out.String())
		default:
		}
		if c, err := net.DialTimeout("tcp", listen, 100*time.Millisecond); err == nil {
			c.Close()
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s did not listen on %s within 15s\n%s", name, listen, out.String())
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// startProxy starts a gateway, running its shipped configuration file, in
// front of xtenant (host:port) and the application (host:port), and
// returns its base URL.
type startProxy func(t *testing.T, xtenant, app string) string

// echoApp is the protected application: it answers with the path and every
// X-Xtenant-* and sec-Restrict-Tenant-Access-Policy header it was given,
// so a test sees what the gateway let through.
func echoApp(t *testing.T) string {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var seen []string
		for k, vs := range r.Header {
			if strings.HasPrefix(k, "X-Xtenant-") || k == "Sec-Restrict-Tenant-Access-Policy" {
				seen = append(seen, k+"="+strings.Join(vs, "|"))
			}
		}
		slices.Sort(seen)
		fmt.Fprintf(w, "upstream %s %s", r.URL.Path, strings.Join(seen, " "))
	}))
	t.Cleanup(srv.Close)
	return strings.TrimPrefix(srv.URL, "http://")
}

// signIn is what a trusted authenticating proxy in front of the gateway
// says about the user (oauth2-proxy's X-Auth-Request-* style); the shipped
// gateway files copy these into X-Xtenant-*.
func signIn(groups, claims string) map[string]string {
	h := map[string]string{"X-Auth-Request-Tenant": home, "X-Auth-Request-User": user}
	if groups != "" {
		h["X-Auth-Request-Groups"] = groups
	}
	if claims != "" {
		h["X-Auth-Request-Claims"] = claims
	}
	return h
}

// asXtenant is what the gateway files send to xtenant for a sign-in: the
// fixed route values and the copied ones. A forged-header case checks that
// these headers plus the forged ones would have changed the decision, so
// the case shows the gateway removed them rather than that they did not
// matter.
func asXtenant(in map[string]string) http.Header {
	h := http.Header{}
	h.Set("X-Xtenant-Access-Type", "b2b_collaboration")
	h.Set("X-Xtenant-Resource-Tenant", resource)
	h.Set("X-Xtenant-Application", fixedApp)
	for from, to := range map[string]string{"X-Auth-Request-Tenant": "X-Xtenant-Home-Tenant", "X-Auth-Request-User": "X-Xtenant-User",
		"X-Auth-Request-Groups": "X-Xtenant-Groups", "X-Auth-Request-Claims": "X-Xtenant-Claims"} {
		if v := in[from]; v != "" {
			h.Set(to, v)
		}
	}
	return h
}

// forgedID is a decision id a client sends; the application must only see
// xtenant's own.
const forgedID = "ffffffff-ffff-4fff-8fff-ffffffffffff"

var decisionID = regexp.MustCompile(`X-Xtenant-Decision-Id=([0-9a-f-]{36})$`)

type gatewayCase struct {
	name    string
	server  string // key of the xtenant servers below
	headers map[string]string
	forged  map[string]string // the client's own X-Xtenant-* etc.
	// forgedStatus is xtenant's answer had the forged headers reached it
	// (0: not checked).
	forgedStatus int
	status       int
}

// gatewayCases are run through every gateway. The forged cases send what a
// client would add to turn a refusal into an allow (or change the
// decision); each must leave the answer as it is without them.
var gatewayCases = []gatewayCase{
	{name: "allow", server: "allow", headers: signIn(group, ""), status: http.StatusOK},
	{name: "allow with claims", server: "allow", headers: signIn(group, "mfa,compliant_device"), status: http.StatusOK},
	{name: "deny", server: "deny", headers: signIn(group, ""), status: http.StatusForbidden},
	{name: "step-up", server: "stepup", headers: signIn(group, "mfa"), status: http.StatusUnauthorized},
	{name: "missing home tenant", server: "allow", headers: map[string]string{"X-Auth-Request-User": user}, status: http.StatusInternalServerError},
	{name: "malformed claims", server: "allow", headers: signIn(group, "mfa,,"), status: http.StatusInternalServerError},

	{name: "forged access type", server: "collaboration-blocked", headers: signIn(group, ""),
		forged:       map[string]string{"X-Xtenant-Access-Type": "b2b_direct_connect"},
		forgedStatus: http.StatusOK, status: http.StatusForbidden},
	{name: "forged claims", server: "mfa-trusted", headers: signIn(group, ""),
		forged:       map[string]string{"X-Xtenant-Claims": "mfa"},
		forgedStatus: http.StatusOK, status: http.StatusUnauthorized},
	{name: "forged groups", server: "group-allow-list", headers: signIn("", ""),
		forged:       map[string]string{"X-Xtenant-Groups": group},
		forgedStatus: http.StatusOK, status: http.StatusForbidden},
	{name: "forged resource tenant", server: "deny", headers: signIn(group, ""),
		forged:       map[string]string{"X-Xtenant-Resource-Tenant": otherTenant},
		forgedStatus: http.StatusOK, status: http.StatusForbidden},
	{name: "forged home tenant without a sign-in", server: "allow", headers: map[string]string{"X-Auth-Request-User": user},
		forged:       map[string]string{"X-Xtenant-Home-Tenant": home},
		forgedStatus: http.StatusOK, status: http.StatusInternalServerError},
	{name: "forged tenant restrictions", server: "allow", headers: signIn(group, ""),
		forged:       map[string]string{"Sec-Restrict-Tenant-Access-Policy": resource + ":" + forgedID},
		forgedStatus: http.StatusForbidden, status: http.StatusOK},
	{name: "forged everything on an allow", server: "allow", headers: signIn(group, ""),
		forged: map[string]string{"X-Xtenant-Access-Type": "b2b_direct_connect", "X-Xtenant-Home-Tenant": otherTenant,
			"X-Xtenant-Resource-Tenant": otherTenant, "X-Xtenant-User": group, "X-Xtenant-Groups": "x,,y",
			"X-Xtenant-Application": forgedID, "X-Xtenant-Claims": "nonsense", "X-Xtenant-Decision-Id": forgedID,
			"X-Xtenant-Reasons": "FORGED"},
		forgedStatus: http.StatusBadRequest, status: http.StatusOK},
}

// gatewayServers are the xtenant servers the cases name.
var gatewayServers = map[string]struct {
	scenario string
	patch    func(map[string]any)
}{
	"allow":                 {"tc01-baseline-b2b-collaboration-service-defaults", nil},
	"deny":                  {"tc03-resource-default-inbound-blocks-everyone", nil},
	"stepup":                {"tc27-collaboration-mfa-not-trusted-step-up-resource", nil},
	"mfa-trusted":           {"tc29-collaboration-mfa-trusted-no-home-mfa", nil},
	"group-allow-list":      {"tc09-inbound-group-allow-list-non-member", nil},
	"collaboration-blocked": {"tc23-direct-connect-mutually-enabled", collaborationBlocked},
}

// testGateway runs every case through one gateway: allow reaches the
// application with xtenant's decision id and none of the client's
// X-Xtenant-* headers, deny is 403, step-up 401, a bad header or an
// unexpected answer from xtenant a 5xx, xtenant stopped a 5xx, and forged
// headers change nothing.
func testGateway(t *testing.T, start startProxy) {
	app := echoApp(t)
	xtenants := map[string]*httptest.Server{}
	proxies := map[string]string{}
	for name, s := range gatewayServers {
		xtenants[name] = serveTenants(t, s.scenario, s.patch)
		proxies[name] = start(t, strings.TrimPrefix(xtenants[name].URL, "http://"), app)
	}
	client := &http.Client{Timeout: 10 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}

	for _, tt := range gatewayCases {
		t.Run(tt.name, func(t *testing.T) {
			if tt.forgedStatus != 0 { // the forged headers would matter
				h := asXtenant(tt.headers)
				for k, v := range tt.forged {
					h.Set(k, v)
				}
				if got := get(t, client, xtenants[tt.server].URL+"/v1/forward-auth", h).status; got != tt.forgedStatus {
					t.Fatalf("xtenant asked directly with the forged headers: status %d, want %d (the case would not show anything)", got, tt.forgedStatus)
				}
			}
			h := http.Header{}
			for k, v := range tt.headers {
				h.Set(k, v)
			}
			for k, v := range tt.forged {
				h.Set(k, v)
			}
			h.Set("X-Xtenant-Decision-Id", forgedID)
			checkAnswer(t, get(t, client, proxies[tt.server]+"/app/page", h), tt.status)
		})
	}

	t.Run("xtenant stopped", func(t *testing.T) {
		xt := serveTenants(t, gatewayServers["allow"].scenario, nil)
		base := start(t, strings.TrimPrefix(xt.URL, "http://"), app)
		h := http.Header{}
		for k, v := range signIn(group, "") {
			h.Set(k, v)
		}
		checkAnswer(t, get(t, client, base+"/app/page", h), http.StatusOK)
		xt.Close()
		got := get(t, client, base+"/app/page", h)
		if got.status < 500 || strings.Contains(got.body, "upstream") {
			t.Fatalf("with xtenant stopped: status %d, body %q; want a 5xx that never reaches the application", got.status, got.body)
		}
	})

	// xtenant only answers 200, 401, 403 and its error statuses; anything
	// else (a broken deployment, another service on its port) must not pass
	// as an allow or reach the client as a redirect.
	for _, status := range []int{http.StatusFound, http.StatusBadRequest, http.StatusNotFound, http.StatusTooManyRequests, http.StatusInternalServerError, http.StatusServiceUnavailable} {
		t.Run(fmt.Sprintf("xtenant answers %d", status), func(t *testing.T) {
			odd := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Location", "http://127.0.0.1:1/")
				w.WriteHeader(status)
			}))
			t.Cleanup(odd.Close)
			base := start(t, strings.TrimPrefix(odd.URL, "http://"), app)
			h := http.Header{}
			for k, v := range signIn(group, "") {
				h.Set(k, v)
			}
			got := get(t, client, base+"/app/page", h)
			if got.status < 500 || strings.Contains(got.body, "upstream") {
				t.Fatalf("xtenant answering %d: status %d, body %q; want a 5xx that never reaches the application", status, got.status, got.body)
			}
		})
	}
}

type answer struct {
	status int
	body   string
}

func get(t *testing.T, client *http.Client, url string, h http.Header) answer {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header = h
	resp, err := client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return answer{resp.StatusCode, string(body)}
}

// checkAnswer checks a gateway's answer: a refusal never reaches the
// application; an allow reaches it with xtenant's decision id and nothing
// else of X-Xtenant-*.
func checkAnswer(t *testing.T, got answer, status int) {
	t.Helper()
	if got.status != status {
		t.Fatalf("status %d, want %d: %s", got.status, status, got.body)
	}
	if status != http.StatusOK {
		if strings.Contains(got.body, "upstream") {
			t.Fatal("a refused request reached the application")
		}
		return
	}
	m := decisionID.FindStringSubmatch(got.body)
	if !strings.HasPrefix(got.body, "upstream /app/page X-Xtenant-Decision-Id=") || m == nil || m[1] == forgedID {
		t.Fatalf("the application saw %q: want only X-Xtenant-Decision-Id, xtenant's own", got.body)
	}
}
