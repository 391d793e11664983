package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	authv3 "github.com/envoyproxy/go-control-plane/envoy/service/auth/v3"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials/insecure"
)

// startServe runs `xtenant serve` on a unix socket with args and waits
// until it is ready; it stops at the end of the test.
func startServe(t *testing.T, args ...string) (sock string, client *http.Client) {
	t.Helper()
	sock = filepath.Join(t.TempDir(), "x.sock")
	var stderr bytes.Buffer
	cmd := newServeCmd(env{stdout: io.Discard, stderr: &stderr, getenv: func(string) string { return "" }})
	cmd.SetArgs(append([]string{"--addr", "unix:" + sock, "--shutdown-grace", "1s", "--log-level", "error"}, args...))
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- cmd.ExecuteContext(ctx) }()
	t.Cleanup(func() {
		cancel()
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			t.Error("serve did not stop")
		}
	})
	client = unixClient(sock)
	deadline := time.Now().Add(20 * time.Second)
	for {
		resp, err := client.Get("http://x/health/ready")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == 200 {
				return sock, client
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("never ready: %v\n%s", err, stderr.String())
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func metric(t *testing.T, client *http.Client, name string) float64 {
	t.Helper()
	resp, err := client.Get("http://x/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	m := regexp.MustCompile(`(?m)^` + name + ` (\S+)$`).FindSubmatch(body)
	if m == nil {
		t.Fatalf("no metric %s", name)
	}
	v, _ := strconv.ParseFloat(string(m[1]), 64)
	return v
}

// TestServeConnectionLimit: idle keep-alive connections beyond
// --max-connections are closed to make room, so a new client is always
// served. Before, every idle connection was held until the process ran
// out of file descriptors (4,200 made the server unreachable).
func TestServeConnectionLimit(t *testing.T) {
	const max = 8
	sock, client := startServe(t, "--max-connections", strconv.Itoa(max), "--idle-timeout", "1m")
	var idle []net.Conn
	for range 3 * max {
		c, err := net.Dial("unix", sock)
		if err != nil {
			t.Fatal(err)
		}
		idle = append(idle, c)
		// One request, then the connection stays open and idle.
		fmt.Fprint(c, "GET /health/live HTTP/1.1\r\nHost: x\r\n\r\n")
		resp, err := http.ReadResponse(bufio.NewReader(c), nil)
		if err == nil {
			resp.Body.Close()
		}
	}
	defer func() {
		for _, c := range idle {
			c.Close()
		}
	}()
	fresh := unixClient(sock)
	resp, err := fresh.Get("http://x/health/live")
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("a new client at the limit: %v %v", err, resp)
	}
	resp.Body.Close()
	if open := metric(t, client, "xtenant_http_connections_open"); open > max {
		t.Fatalf("%v connections open, limit %d", open, max)
	}
	if evicted := metric(t, client, "xtenant_http_connections_evicted_total"); evicted < 2*max {
		t.Fatalf("%v idle connections evicted, want at least %d", evicted, 2*max)
	}
}

// TestServeStalledBody: a body that stops half-way is cut at
// --read-timeout with 408 (before, it was held forever); an idle
// connection is closed at --idle-timeout.
func TestServeStalledBody(t *testing.T) {
	sock, _ := startServe(t, "--read-timeout", "500ms", "--idle-timeout", "500ms")
	c, err := net.Dial("unix", sock)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	fmt.Fprint(c, "POST /v1/evaluate HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{\"access_type\":")
	_ = c.SetReadDeadline(time.Now().Add(5 * time.Second))
	start := time.Now()
	resp, err := http.ReadResponse(bufio.NewReader(c), nil)
	if err != nil {
		t.Fatalf("no answer to a stalled body: %v", err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusRequestTimeout || !strings.Contains(string(body), `"request_timeout"`) {
		t.Fatalf("stalled body: %d %s", resp.StatusCode, body)
	}
	if d := time.Since(start); d > 3*time.Second {
		t.Fatalf("stalled body cut after %s", d)
	}

	idle, err := net.Dial("unix", sock)
	if err != nil {
		t.Fatal(err)
	}
	defer idle.Close()
	_ = idle.SetReadDeadline(time.Now().Add(5 * time.Second))
	if _, err := idle.Read(make([]byte, 1)); err != io.EOF {
		t.Fatalf("idle connection: read %v, want EOF (closed by the server)", err)
	}
}

// TestServeGRPCToken: with --auth-token-file, an ext_authz Check without a
// token is a denied CheckResponse, not a gRPC error (which Envoy's
// failure_mode_allow turns into an allow).
func TestServeGRPCToken(t *testing.T) {
	dir := t.TempDir()
	tokenFile := filepath.Join(dir, "tokens")
	if err := os.WriteFile(tokenFile, []byte("s3cret decide\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	grpcSock := filepath.Join(dir, "g.sock")
	_, client := startServe(t, "--auth-token-file", tokenFile, "--grpc-addr", "unix:"+grpcSock)
	conn, err := grpc.NewClient("unix://"+grpcSock, grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	resp, err := authv3.NewAuthorizationClient(conn).Check(ctx, &authv3.CheckRequest{})
	if err != nil {
		t.Fatalf("Check without a token: gRPC error %v, want a denied CheckResponse", err)
	}
	if codes.Code(resp.GetStatus().GetCode()) != codes.Unauthenticated || resp.GetDeniedResponse().GetStatus().GetCode() != 401 {
		t.Fatalf("Check without a token: %v", resp)
	}
	// The HTTP side: a token without the scope of /metrics is 403.
	req, _ := http.NewRequest("GET", "http://x/metrics", nil)
	req.Header.Set("Authorization", "Bearer s3cret")
	r, err := client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	r.Body.Close()
	if r.StatusCode != 403 {
		t.Fatalf("/metrics with a decide token: %d, want 403", r.StatusCode)
	}
}

func TestServeRefusesBadLimits(t *testing.T) {
	for _, tt := range []struct {
		args []string
		want string
	}{
		{[]string{"serve", "--cache-size", "256MiB"}, "--cache-max-bytes"},
		{[]string{"serve", "--cache-max-bytes", "100KiB"}, "cache-max-bytes"},
		{[]string{"serve", "--max-connections", "0"}, "max-connections"},
		{[]string{"serve", "--eval-queue-timeout", "0s"}, "eval-queue-timeout"},
		{[]string{"serve", "--auth-token-file", "/nonexistent/tokens"}, "auth-token-file"},
	} {
		var stderr bytes.Buffer
		code := run(tt.args, env{stdout: io.Discard, stderr: &stderr, getenv: func(string) string { return "" }})
		if code != 2 || !strings.Contains(stderr.String(), tt.want) {
			t.Errorf("%v: exit %d, stderr %q; want 2 and %q", tt.args, code, stderr.String(), tt.want)
		}
	}
}

// TestServeCacheSize: --cache-size counts decisions (docs/contract.md): 30
// distinct decisions leave at most 5 in a cache of 5, and the status and
// metrics report both bounds, the byte one from --cache-max-bytes.
func TestServeCacheSize(t *testing.T) {
	_, client := startServe(t, "--cache-size", "5", "--cache-max-bytes", "8MiB")
	for i := range 30 {
		body := fmt.Sprintf(`{"access_type":"b2b_collaboration","home_tenant":"11111111-1111-1111-1111-111111111111","resource_tenant":"22222222-2222-2222-2222-222222222222","user":{"id":"a1a1a1a1-0000-4000-8000-%012d"},"application":{"id":"00000003-0000-0ff1-ce00-000000000000"}}`, i)
		resp, err := client.Post("http://x/v1/evaluate", "application/json", strings.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != 200 {
			t.Fatalf("evaluate: %d", resp.StatusCode)
		}
	}
	// Ristretto files entries asynchronously.
	var st struct {
		Cache struct {
			Size     int64  `json:"size"`
			MaxBytes int64  `json:"max_bytes"`
			Entries  uint64 `json:"entries"`
			Misses   uint64 `json:"misses"`
		} `json:"cache"`
	}
	deadline := time.Now().Add(5 * time.Second)
	for {
		resp, err := client.Get("http://x/v1/status")
		if err != nil {
			t.Fatal(err)
		}
		err = json.NewDecoder(resp.Body).Decode(&st)
		resp.Body.Close()
		if err != nil {
			t.Fatal(err)
		}
		if st.Cache.Entries > 0 || time.Now().After(deadline) {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	if st.Cache.Size != 5 || st.Cache.MaxBytes != 8<<20 || st.Cache.Misses != 30 || st.Cache.Entries == 0 || st.Cache.Entries > 5 {
		t.Fatalf("status cache %+v: want size 5, max_bytes 8MiB, 30 misses, 1..5 entries", st.Cache)
	}
	if got := metric(t, client, "xtenant_decision_cache_max_bytes"); got != 8<<20 {
		t.Fatalf("xtenant_decision_cache_max_bytes = %v", got)
	}
}
