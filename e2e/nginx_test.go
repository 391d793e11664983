package e2e

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// nginxMain wraps the shipped deploy/nginx/xtenant.conf (included inside
// http { }) so that NGINX runs unprivileged from a temporary directory.
const nginxMain = `master_process off;
pid %[1]s/nginx.pid;
error_log %[1]s/error.log info;
events { worker_connections 64; }
http {
  access_log %[1]s/access.log;
  client_body_temp_path %[1]s/client_body;
  proxy_temp_path %[1]s/proxy;
  fastcgi_temp_path %[1]s/fastcgi;
  uwsgi_temp_path %[1]s/uwsgi;
  scgi_temp_path %[1]s/scgi;
  include %[1]s/xtenant.conf;
}
`

// replaceOnce replaces old, which must occur exactly once, so that a change
// to the shipped file cannot silently leave the test on the defaults.
func replaceOnce(t *testing.T, s, old, new string) string {
	t.Helper()
	if n := strings.Count(s, old); n != 1 {
		t.Fatalf("%q occurs %d times in the shipped configuration, want once", old, n)
	}
	return strings.Replace(s, old, new, 1)
}

// nginxProxy runs deploy/nginx/xtenant.conf as shipped, with only its three
// addresses changed to the test's (listening on 127.0.0.1).
func nginxProxy(bin string) startProxy {
	return func(t *testing.T, xtenant, app string) string {
		t.Helper()
		shipped, err := os.ReadFile("../deploy/nginx/xtenant.conf")
		if err != nil {
			t.Fatal(err)
		}
		dir := t.TempDir()
		listen := freePort(t)
		conf := string(shipped)
		conf = replaceOnce(t, conf, "server 127.0.0.1:8181;", "server "+xtenant+";")
		conf = replaceOnce(t, conf, "server 127.0.0.1:8080;", "server "+app+";")
		conf = replaceOnce(t, conf, "listen 8000;", "listen "+listen+";")
		if err := os.WriteFile(filepath.Join(dir, "xtenant.conf"), []byte(conf), 0o600); err != nil {
			t.Fatal(err)
		}
		path := filepath.Join(dir, "nginx.conf")
		if err := os.WriteFile(path, []byte(fmt.Sprintf(nginxMain, dir)), 0o600); err != nil {
			t.Fatal(err)
		}
		runGateway(t, exec.Command(bin, "-p", dir, "-c", path, "-g", "daemon off;"), listen, filepath.Join(dir, "error.log"))
		return "http://" + listen
	}
}

// TestNginxForwardAuth runs the shipped NGINX configuration (auth_request
// against /v1/forward-auth) through every gateway case.
func TestNginxForwardAuth(t *testing.T) {
	bin := gateway(t, "nginx", "/usr/sbin", "/usr/local/sbin", "/usr/local/nginx/sbin")
	testGateway(t, nginxProxy(bin))
}
