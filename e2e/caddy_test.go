package e2e

import (
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

// caddyGlobal is the test's own global options block, put above the shipped
// Caddyfile: no admin endpoint (no fixed port 2019, no config changes from
// outside), listening on loopback only. The Debian package's system service
// is never used.
const caddyGlobal = "{\n\tadmin off\n\tdefault_bind 127.0.0.1\n}\n\n"

// caddyProxy runs deploy/caddy/Caddyfile byte for byte, after the test's
// global options, with the addresses it reads from the environment.
func caddyProxy(bin string) startProxy {
	return func(t *testing.T, xtenant, app string) string {
		t.Helper()
		shipped, err := os.ReadFile("../deploy/caddy/Caddyfile")
		if err != nil {
			t.Fatal(err)
		}
		dir := t.TempDir()
		path := filepath.Join(dir, "Caddyfile")
		if err := os.WriteFile(path, append([]byte(caddyGlobal), shipped...), 0o600); err != nil {
			t.Fatal(err)
		}
		listen := freePort(t)
		cmd := exec.Command(bin, "run", "--adapter", "caddyfile", "--config", path)
		// Caddy keeps state under $HOME / XDG directories: the test's own.
		cmd.Env = []string{"HOME=" + dir, "XDG_CONFIG_HOME=" + dir, "XDG_DATA_HOME=" + dir,
			"CADDY_SITE_ADDRESS=http://" + listen, "XTENANT_ADDRESS=" + xtenant, "APP_ADDRESS=" + app}
		runGateway(t, cmd, listen, "")
		return "http://" + listen
	}
}

// TestCaddyForwardAuth runs the shipped Caddyfile (forward_auth against
// /v1/forward-auth) through every gateway case.
func TestCaddyForwardAuth(t *testing.T) {
	bin := gateway(t, "caddy")
	testGateway(t, caddyProxy(bin))
}
