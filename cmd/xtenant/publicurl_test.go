package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// --public-url reaches the AuthZEN metadata of the running server, whatever
// Host the caller sends; a malformed one is refused at start (exit 2).
func TestServePublicURL(t *testing.T) {
	var stderr bytes.Buffer
	code := run([]string{"serve", "--public-url", "https://pdp.example.com/base"}, env{stdout: io.Discard, stderr: &stderr, getenv: func(string) string { return "" }})
	if code != 2 || !strings.Contains(stderr.String(), "public-url") {
		t.Fatalf("exit %d, stderr %q", code, stderr.String())
	}

	sock := filepath.Join(t.TempDir(), "x.sock")
	cmd := newServeCmd(env{stdout: io.Discard, stderr: io.Discard, getenv: func(string) string { return "" }})
	cmd.SetArgs([]string{"--addr", "unix:" + sock, "--public-url", "https://pdp.example.com/", "--shutdown-grace", "1s"})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- cmd.ExecuteContext(ctx) }()
	defer func() {
		cancel()
		select {
		case <-done:
		case <-time.After(5 * time.Second):
			t.Error("no shutdown")
		}
	}()
	client := unixClient(sock)
	deadline := time.Now().Add(10 * time.Second)
	for {
		resp, err := client.Get("http://evil.example/.well-known/authzen-configuration")
		if err == nil {
			var doc map[string]string
			err = json.NewDecoder(resp.Body).Decode(&doc)
			resp.Body.Close()
			if resp.StatusCode == 200 && err == nil {
				if doc["policy_decision_point"] != "https://pdp.example.com" || doc["access_evaluation_endpoint"] != "https://pdp.example.com/access/v1/evaluation" ||
					doc["search_action_endpoint"] == "" || doc["search_subject_endpoint"] != "" {
					t.Fatalf("metadata %v", doc)
				}
				return
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("no metadata: %v", err)
		}
		time.Sleep(20 * time.Millisecond)
	}
}
