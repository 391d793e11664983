package main

import (
	"bytes"
	"context"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// serveUnix starts `serve` on a unix socket with args and returns a GET
// function; the server stops at the end of the test.
func serveUnix(t *testing.T, args ...string) (get func(path string) (int, string), stderr *bytes.Buffer) {
	t.Helper()
	sock := filepath.Join(t.TempDir(), "x.sock")
	stderr = &bytes.Buffer{}
	cmd := newServeCmd(env{stdout: io.Discard, stderr: stderr, getenv: func(string) string { return "" }})
	cmd.SetArgs(append([]string{"--addr", "unix:" + sock, "--shutdown-grace", "1s"}, args...))
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- cmd.ExecuteContext(ctx) }()
	t.Cleanup(func() { cancel(); <-done })
	client := unixClient(sock)
	get = func(path string) (int, string) {
		resp, err := client.Get("http://x" + path)
		if err != nil {
			return 0, err.Error()
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	deadline := time.Now().Add(10 * time.Second)
	for {
		if code, _ := get("/health/live"); code == 200 {
			return get, stderr
		}
		if time.Now().After(deadline) {
			t.Fatalf("never live: %s", stderr.String())
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// A start with a valid but empty tenants file serves, but is not ready, and
// readiness says why (before: ready, every decision a deny). With
// --allow-empty it is ready.
func TestServeEmptyTenantsNotReady(t *testing.T) {
	file := filepath.Join(t.TempDir(), "tenants.json")
	if err := os.WriteFile(file, []byte(`{}`), 0o600); err != nil {
		t.Fatal(err)
	}
	get, _ := serveUnix(t, "--tenants", file)
	code, body := get("/health/ready")
	if code != 503 || !strings.Contains(body, "holds no tenant") {
		t.Fatalf("ready: %d %s", code, body)
	}
	get, _ = serveUnix(t, "--tenants", file, "--allow-empty")
	if code, body := get("/health/ready"); code != 200 {
		t.Fatalf("ready with --allow-empty: %d %s", code, body)
	}
}

// A failed start says what failed and never that "the last good
// configuration keeps serving": there is none.
func TestServeFailedStartMessage(t *testing.T) {
	file := filepath.Join(t.TempDir(), "tenants.json")
	if err := os.WriteFile(file, []byte(`{"nope": {}}`), 0o600); err != nil {
		t.Fatal(err)
	}
	_, stderr, code := xtRun(t, "serve", "--tenants", file, "--log-format", "text")
	if code != 2 || strings.Contains(stderr, "keeps serving") || !strings.Contains(stderr, "nope") {
		t.Fatalf("exit %d: %s", code, stderr)
	}
}

// Combining sources is explicit: --tenants with a bundle that carries
// tenants is an error naming both; --tenants on a folder without tenants
// files is an error; an extension folder without .manifest next to
// --tenants keeps the tenants.
func TestServeSources(t *testing.T) {
	dir := t.TempDir()
	tenantsFile := filepath.Join(dir, "tenants.json")
	if _, errOut, code := xtRun(t, "import", "graph", "../../testdata/graph/contoso", "-o", tenantsFile); code != 0 {
		t.Fatal(errOut)
	}
	withTenants := filepath.Join(dir, "tenants.tar.gz")
	if _, errOut, code := xtRun(t, "bundle", "build", "--policies", "none", "--tenants", tenantsFile, "-o", withTenants); code != 0 {
		t.Fatal(errOut)
	}
	input := filepath.Join(dir, "input.json")
	os.WriteFile(input, []byte(`{"access_type":"b2b_collaboration","home_tenant":"11111111-1111-1111-1111-111111111111","resource_tenant":"22222222-2222-2222-2222-222222222222","user":{"id":"a1a1a1a1-0000-4000-8000-000000000001"},"application":{"id":"00000003-0000-0ff1-ce00-000000000000"}}`), 0o600)
	empty := filepath.Join(dir, "empty")
	os.Mkdir(empty, 0o700)
	os.WriteFile(filepath.Join(empty, "README.txt"), []byte("not tenants"), 0o600)

	for _, tc := range []struct {
		args []string
		want []string
	}{
		{[]string{"serve", "--tenants", tenantsFile, "--bundle", withTenants}, []string{"--tenants " + tenantsFile, "bundle " + withTenants, "both carry tenants"}},
		{[]string{"serve", "--tenants", empty}, []string{empty, "holds no .json, .yaml or .yml file"}},
		{[]string{"eval", "--tenants", tenantsFile, "--bundle", withTenants, "--input", input}, []string{"both carry tenants"}},
	} {
		_, stderr, code := xtRun(t, tc.args...)
		for _, w := range tc.want {
			if code != 2 || !strings.Contains(stderr, w) {
				t.Errorf("%v: exit %d, %q; want 2 and %q", tc.args, code, stderr, w)
			}
		}
	}

	ext := filepath.Join(dir, "ext")
	os.Mkdir(ext, 0o700)
	rego := "package xtenant.extensions\n\ndeny contains {\"code\": \"CONTRACTOR_BLOCK\", \"message\": \"no\"} if {\n\t\"c0c0c0c0-0000-4000-8000-000000000001\" in input.user.groups\n}\n"
	os.WriteFile(filepath.Join(ext, "contractors.rego"), []byte(rego), 0o600)
	get, stderr := serveUnix(t, "--tenants", tenantsFile, "--bundle", ext, "--expose-data")
	deadline := time.Now().Add(10 * time.Second)
	for code, _ := get("/health/ready"); code != 200; code, _ = get("/health/ready") {
		if time.Now().After(deadline) {
			t.Fatalf("not ready: %s", stderr)
		}
		time.Sleep(20 * time.Millisecond)
	}
	if code, body := get("/v1/status"); code != 200 || !strings.Contains(body, "tenants:") {
		t.Fatalf("status: %d %s", code, body)
	}
	if _, body := get("/v1/data/xtenant/tenants/22222222-2222-2222-2222-222222222222/displayName"); !strings.Contains(body, "Contoso") {
		t.Fatalf("tenants wiped by an extension folder: %s", body)
	}
}

// Bad usage exits 2; --version works.
func TestUsageExitCodes(t *testing.T) {
	for _, args := range [][]string{{}, {"nope"}, {"bundle", "nope"}, {"version", "extra"}, {"eval", "a"}, {"--bogus"}, {"bundle", "verify"}} {
		if _, stderr, code := xtRun(t, args...); code != 2 || stderr == "" {
			t.Errorf("%q: exit %d, stderr %q; want 2", args, code, stderr)
		}
	}
	out, _, code := xtRun(t, "--version")
	if code != 0 || !strings.HasPrefix(out, "xtenant ") || !strings.Contains(out, "\nopa ") {
		t.Fatalf("--version: %d %q", code, out)
	}
}

// keygen makes a pair that build signs with and verify accepts; it never
// overwrites; a key flag naming no file is refused (exit 2), not used as an
// HMAC secret.
func TestBundleKeygen(t *testing.T) {
	dir := t.TempDir()
	for _, alg := range []string{"RS256", "ES256", "HS256"} {
		priv, pub := filepath.Join(dir, alg+"-private.pem"), filepath.Join(dir, alg+"-public.pem")
		if _, errOut, code := xtRun(t, "bundle", "keygen", "--signing-alg", alg, "--private-key", priv, "--public-key", pub); code != 0 {
			t.Fatalf("%s keygen: %s", alg, errOut)
		}
		verify := pub
		if alg == "HS256" {
			verify = priv
		}
		out := filepath.Join(dir, alg+".tar.gz")
		if _, errOut, code := xtRun(t, "bundle", "build", "--signing-alg", alg, "--signing-key", priv, "-o", out); code != 0 {
			t.Fatalf("%s build: %s", alg, errOut)
		}
		if _, errOut, code := xtRun(t, "bundle", "verify", "--signing-alg", alg, "--verification-key", verify, out); code != 0 {
			t.Fatalf("%s verify: %s", alg, errOut)
		}
		if _, errOut, code := xtRun(t, "bundle", "keygen", "--signing-alg", alg, "--private-key", priv, "--public-key", pub); code != 2 || !strings.Contains(errOut, "not overwritten") {
			t.Fatalf("%s keygen over existing files: %d %s", alg, code, errOut)
		}
	}
	typo := filepath.Join(dir, "hmca.key")
	_, errOut, code := xtRun(t, "bundle", "build", "--signing-alg", "HS256", "--signing-key", typo, "-o", filepath.Join(dir, "typo.tar.gz"))
	if code != 2 || !strings.Contains(errOut, "hmca.key: no such file") {
		t.Fatalf("typo in --signing-key: %d %s", code, errOut)
	}
	if _, err := os.Stat(filepath.Join(dir, "typo.tar.gz")); err == nil {
		t.Fatal("a bundle was written with a mistyped key")
	}
	_, errOut, code = xtRun(t, "serve", "--bundle", filepath.Join(dir, "RS256.tar.gz"), "--verification-key", filepath.Join(dir, "pubilc.pem"))
	if code != 2 || !strings.Contains(errOut, "pubilc.pem: no such file") {
		t.Fatalf("typo in --verification-key: %d %s", code, errOut)
	}
}
