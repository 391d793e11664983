package main

import (
	"bytes"
	"context"
	"io"
	"net"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func unixClient(path string) *http.Client {
	return &http.Client{Transport: &http.Transport{DialContext: func(ctx context.Context, _, _ string) (net.Conn, error) {
		var d net.Dialer
		return d.DialContext(ctx, "unix", path)
	}}}
}

// serve with no tenants flag serves the built-in examples; a cancelled
// context (SIGTERM) shuts it down cleanly.
func TestServeUnixSocket(t *testing.T) {
	sock := filepath.Join(t.TempDir(), "x.sock")
	var stderr bytes.Buffer
	cmd := newServeCmd(env{stdout: io.Discard, stderr: &stderr, getenv: func(string) string { return "" }})
	cmd.SetArgs([]string{"--addr", "unix:" + sock, "--shutdown-grace", "2s", "--decision-log", "file:" + filepath.Join(t.TempDir(), "decisions.log")})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- cmd.ExecuteContext(ctx) }()

	client := unixClient(sock)
	deadline := time.Now().Add(10 * time.Second)
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
	body := `{"access_type":"b2b_collaboration","home_tenant":"11111111-1111-1111-1111-111111111111","resource_tenant":"22222222-2222-2222-2222-222222222222","user":{"id":"a1a1a1a1-0000-4000-8000-000000000001"},"application":{"id":"00000003-0000-0ff1-ce00-000000000000"}}`
	resp, err := client.Post("http://x/v1/evaluate", "application/json", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	out, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || !strings.Contains(string(out), `"revision":"built-in@`) {
		t.Fatalf("evaluate: %d %s", resp.StatusCode, out)
	}
	for _, p := range []string{"/metrics", "/v1/status"} {
		resp, err := client.Get("http://x" + p)
		if err != nil || resp.StatusCode != 200 {
			t.Fatalf("%s: %v %v", p, err, resp)
		}
		resp.Body.Close()
	}
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("serve: %v", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("no shutdown")
	}
}

func TestServeRefusesAtStart(t *testing.T) {
	dir := t.TempDir()
	tests := []struct {
		args []string
		want string
	}{
		{[]string{"serve", "--decision-log-mask", "/input/user/id"}, "needs --decision-log"},
		{[]string{"serve", "--tenants", filepath.Join(dir, "missing.json")}, "missing.json"},
		{[]string{"serve", "--cache-size", "-3"}, "cache-size"},
		{[]string{"serve", "--verification-key", "k.pem"}, "need --bundle"},
	}
	for _, tt := range tests {
		var stderr bytes.Buffer
		code := run(tt.args, env{stdout: io.Discard, stderr: &stderr, getenv: func(string) string { return "" }})
		if code != 2 || !strings.Contains(stderr.String(), tt.want) {
			t.Errorf("%v: exit %d, stderr %q; want 2 and %q", tt.args, code, stderr.String(), tt.want)
		}
	}
}
