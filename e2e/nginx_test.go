package e2e

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"text/template"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/xtenant/xtenant/bundles"
	"github.com/xtenant/xtenant/engine"
	"github.com/xtenant/xtenant/engine/scenario"
	"github.com/xtenant/xtenant/internal/httpapi"
)

func TestMain(m *testing.M) {
	gin.SetMode(gin.TestMode) // main sets release mode; tests keep gin quiet
	os.Exit(m.Run())
}

const (
	home     = "11111111-1111-1111-1111-111111111111"
	resource = "22222222-2222-2222-2222-222222222222"
	user     = "a1a1a1a1-0000-4000-8000-000000000001"
	group    = "c1c1c1c1-0000-4000-8000-000000000001"
	app      = "d1d1d1d1-0000-4000-8000-0000000000a1"
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

// serveScenario serves the real xtenant HTTP API, holding the tenants of a
// scenario file with the built-in policy, on 127.0.0.1.
func serveScenario(t *testing.T, name string) string {
	t.Helper()
	file, err := scenario.Load("../testdata/scenarios/" + name + ".json")
	if err != nil {
		t.Fatal(err)
	}
	ts, err := file.TenantSet()
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
	return strings.TrimPrefix(srv.URL, "http://")
}

// nginxConf protects one location per xtenant server. NGINX passes 2xx
// (allow), 401 and 403 from auth_request to the client; any other status
// becomes 500, so a 400 from xtenant can never turn into an allow.
var nginxConf = template.Must(template.New("nginx").Parse(`
master_process off;
pid {{.Dir}}/nginx.pid;
error_log {{.Dir}}/error.log info;
events { worker_connections 64; }
http {
  access_log {{.Dir}}/access.log;
  client_body_temp_path {{.Dir}}/client_body;
  proxy_temp_path {{.Dir}}/proxy;
  fastcgi_temp_path {{.Dir}}/fastcgi;
  uwsgi_temp_path {{.Dir}}/uwsgi;
  scgi_temp_path {{.Dir}}/scgi;
  server {
    listen {{.Listen}};
{{- range .Routes}}
    location /{{.Name}}/ {
      auth_request /_xtenant/{{.Name}};
      auth_request_set $xtenant_decision $upstream_http_x_xtenant_decision_id;
      proxy_set_header X-Xtenant-Decision-Id $xtenant_decision;
      proxy_pass http://{{$.Upstream}};
    }
    location = /_xtenant/{{.Name}} {
      internal;
      proxy_pass http://{{.Xtenant}}/v1/forward-auth;
      proxy_pass_request_body off;
      proxy_set_header Content-Length "";
      # The protected application and its tenant are fixed here; the user's
      # side comes from the (authenticated) request.
      proxy_set_header X-Xtenant-Resource-Tenant "{{$.Resource}}";
      proxy_set_header X-Xtenant-Application "{{$.App}}";
      proxy_set_header X-Xtenant-Home-Tenant $http_x_home_tenant;
      proxy_set_header X-Xtenant-User $http_x_user;
      proxy_set_header X-Xtenant-Groups $http_x_groups;
      proxy_set_header X-Xtenant-Claims $http_x_claims;
    }
{{- end}}
  }
}
`))

type route struct{ Name, Xtenant string }

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

// startNginx writes the configuration and runs nginx in the foreground
// until the test ends; it returns nginx's base URL.
func startNginx(t *testing.T, bin, upstream string, routes []route) string {
	t.Helper()
	dir := t.TempDir()
	listen := freePort(t)
	var conf bytes.Buffer
	if err := nginxConf.Execute(&conf, map[string]any{"Dir": dir, "Listen": listen, "Upstream": upstream,
		"Resource": resource, "App": app, "Routes": routes}); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, "nginx.conf")
	if err := os.WriteFile(path, conf.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}
	var stderr bytes.Buffer
	cmd := exec.Command(bin, "-p", dir, "-c", path, "-g", "daemon off;")
	cmd.Stdout, cmd.Stderr = &stderr, &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		<-exited
		if t.Failed() {
			logs, _ := os.ReadFile(filepath.Join(dir, "error.log"))
			t.Logf("nginx output:\n%s\nerror.log:\n%s", stderr.String(), logs)
		}
	})
	deadline := time.Now().Add(10 * time.Second)
	for {
		select {
		case err := <-exited:
			exited <- err
			t.Fatalf("nginx exited: %v\n%s", err, stderr.String())
		default:
		}
		if c, err := net.DialTimeout("tcp", listen, 100*time.Millisecond); err == nil {
			c.Close()
			return "http://" + listen
		}
		if time.Now().After(deadline) {
			t.Fatalf("nginx did not listen on %s within 10s\n%s", listen, stderr.String())
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// TestNginxForwardAuth runs NGINX auth_request against /v1/forward-auth:
// allow reaches the upstream (with the decision id), deny is 403, step-up
// is 401, and a bad header is never an allow.
func TestNginxForwardAuth(t *testing.T) {
	bin := gateway(t, "nginx", "/usr/sbin", "/usr/local/sbin", "/usr/local/nginx/sbin")
	upstream := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintf(w, "upstream %s decision=%s", r.URL.Path, r.Header.Get("X-Xtenant-Decision-Id"))
	}))
	defer upstream.Close()
	base := startNginx(t, bin, strings.TrimPrefix(upstream.URL, "http://"), []route{
		{"allow", serveScenario(t, "tc01-baseline-b2b-collaboration-service-defaults")},
		{"deny", serveScenario(t, "tc03-resource-default-inbound-blocks-everyone")},
		{"stepup", serveScenario(t, "tc27-collaboration-mfa-not-trusted-step-up-resource")},
	})

	signIn := map[string]string{"X-Home-Tenant": home, "X-User": user, "X-Groups": group}
	tests := []struct {
		name, path string
		headers    map[string]string
		claims     string
		status     int
		body       string
	}{
		{"allow", "/allow/app", signIn, "", http.StatusOK, "upstream /allow/app decision="},
		{"allow with claims", "/allow/app", signIn, "mfa,compliant_device", http.StatusOK, "upstream /allow/app"},
		{"deny", "/deny/app", signIn, "", http.StatusForbidden, ""},
		{"step-up", "/stepup/app", signIn, "mfa", http.StatusUnauthorized, ""},
		{"missing home tenant", "/allow/app", map[string]string{"X-User": user}, "", http.StatusInternalServerError, ""},
		{"malformed claims", "/allow/app", signIn, "mfa,,", http.StatusInternalServerError, ""},
	}
	client := &http.Client{Timeout: 10 * time.Second}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req, err := http.NewRequest(http.MethodGet, base+tt.path, nil)
			if err != nil {
				t.Fatal(err)
			}
			for k, v := range tt.headers {
				req.Header.Set(k, v)
			}
			if tt.claims != "" {
				req.Header.Set("X-Claims", tt.claims)
			}
			resp, err := client.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode != tt.status {
				t.Fatalf("status %d, want %d: %s", resp.StatusCode, tt.status, body)
			}
			if tt.status != http.StatusOK {
				if strings.Contains(string(body), "upstream") {
					t.Fatal("a refused request reached the upstream")
				}
				return
			}
			if !strings.HasPrefix(string(body), tt.body) || strings.HasSuffix(string(body), "decision=") {
				t.Fatalf("upstream answer %q: want %q and a decision id", body, tt.body)
			}
		})
	}
}
