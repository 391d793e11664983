package main

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// xt runs the command line in-process and returns stdout, stderr and the
// exit code.
func xtRun(t *testing.T, args ...string) (string, string, int) {
	t.Helper()
	var stdout, stderr bytes.Buffer
	code := run(args, env{stdin: strings.NewReader(""), stdout: &stdout, stderr: &stderr, getenv: func(string) string { return "" }})
	return stdout.String(), stderr.String(), code
}

func ecKeys(t *testing.T) (priv, pub string) {
	t.Helper()
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	der, _ := x509.MarshalECPrivateKey(k)
	pder, _ := x509.MarshalPKIXPublicKey(&k.PublicKey)
	priv, pub = filepath.Join(dir, "priv.pem"), filepath.Join(dir, "pub.pem")
	os.WriteFile(priv, pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: der}), 0o600)
	os.WriteFile(pub, pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: pder}), 0o600)
	return priv, pub
}

func TestBundleCommands(t *testing.T) {
	priv, pub := ecKeys(t)
	_, otherPub := ecKeys(t)
	dir := t.TempDir()
	tenantsFile := filepath.Join(dir, "tenants.json")
	if _, errOut, code := xtRun(t, "import", "graph", "../../testdata/graph/contoso", "-o", tenantsFile); code != 0 {
		t.Fatalf("import: %d %s", code, errOut)
	}
	signed := filepath.Join(dir, "signed.tar.gz")
	if _, errOut, code := xtRun(t, "bundle", "build", "--tenants", tenantsFile, "--revision", "r1",
		"--signing-key", priv, "--signing-alg", "ES256", "-o", signed); code != 0 {
		t.Fatalf("build: %d %s", code, errOut)
	}
	if out, errOut, code := xtRun(t, "bundle", "verify", "--verification-key", pub, "--signing-alg", "ES256", signed); code != 0 || !strings.Contains(out, "r1") {
		t.Fatalf("verify: %d %s %s", code, out, errOut)
	}
	if _, errOut, code := xtRun(t, "bundle", "verify", "--verification-key", otherPub, "--signing-alg", "ES256", signed); code != 2 || errOut == "" {
		t.Errorf("verify with the wrong key: exit %d", code)
	}
	out, _, code := xtRun(t, "bundle", "inspect", signed)
	var info struct {
		Revision string   `json:"revision"`
		Signed   bool     `json:"signed"`
		Roots    []string `json:"roots"`
		Tenants  int      `json:"tenants"`
	}
	if code != 0 || json.Unmarshal([]byte(out), &info) != nil || info.Revision != "r1" || !info.Signed || info.Tenants != 1 || len(info.Roots) != 5 {
		t.Errorf("inspect: %d %s", code, out)
	}

	// eval --bundle: the decision comes from the bundle.
	input := filepath.Join(dir, "in.json")
	os.WriteFile(input, []byte(`{"access_type":"b2b_collaboration","home_tenant":"11111111-1111-1111-1111-111111111111","resource_tenant":"22222222-2222-2222-2222-222222222222","user":{"id":"aaaaaaaa-0000-0000-0000-000000000001"},"application":{"id":"00000003-0000-0ff1-ce00-000000000000"}}`), 0o644)
	if out, errOut, code := xtRun(t, "eval", "--bundle", signed, "--verification-key", pub, "--signing-alg", "ES256", "--input", input); code != 0 || !strings.Contains(out, `"revision": "`+signed+`@r1"`) {
		t.Errorf("eval --bundle: %d %s %s", code, out, errOut)
	}

	unsigned := filepath.Join(dir, "data.tar.gz")
	if _, errOut, code := xtRun(t, "bundle", "build", "--policies", "none", "--tenants", tenantsFile, "-o", unsigned); code != 0 {
		t.Fatalf("build data-only: %d %s", code, errOut)
	}
	if _, _, code := xtRun(t, "bundle", "verify", "--verification-key", pub, "--signing-alg", "ES256", unsigned); code != 2 {
		t.Errorf("unsigned bundle verified: exit %d", code)
	}
	if _, _, code := xtRun(t, "eval", "--bundle", unsigned, "--verification-key", pub, "--signing-alg", "ES256", "--input", input); code != 2 {
		t.Errorf("eval accepted an unsigned bundle: exit %d", code)
	}
	if _, errOut, code := xtRun(t, "bundle", "sign", "--signing-key", priv, "--signing-alg", "ES256", unsigned); code != 0 {
		t.Fatalf("sign: %d %s", code, errOut)
	}
	if _, errOut, code := xtRun(t, "bundle", "verify", "--verification-key", pub, "--signing-alg", "ES256", unsigned); code != 0 {
		t.Errorf("signed data bundle: %d %s", code, errOut)
	}

	// Bad usage: exit 2 with a reason.
	for _, args := range [][]string{
		{"bundle", "build"},
		{"bundle", "build", "--policies", filepath.Join(dir, "missing"), "-o", filepath.Join(dir, "x.tar.gz")},
		{"bundle", "verify", signed},
		{"bundle", "inspect", filepath.Join(dir, "missing.tar.gz")},
	} {
		if _, errOut, code := xtRun(t, args...); code != 2 || errOut == "" {
			t.Errorf("%v: exit %d, stderr %q", args, code, errOut)
		}
	}
}

func TestImportGraphCommand(t *testing.T) {
	dir := t.TempDir()
	out, errOut, code := xtRun(t, "import", "graph", "../../testdata/graph/contoso")
	if code != 0 || !strings.Contains(out, `"22222222-2222-2222-2222-222222222222"`) {
		t.Fatalf("stdout import: %d %s", code, errOut)
	}

	// --merge keeps other tenants and hand-set fields, writes back YAML.
	merge := filepath.Join(dir, "tenants.yaml")
	os.WriteFile(merge, []byte("11111111-1111-1111-1111-111111111111:\n  displayName: Fabrikam\n22222222-2222-2222-2222-222222222222:\n  cloud: microsoftonline.com\n"), 0o644)
	if _, errOut, code := xtRun(t, "import", "graph", "../../testdata/graph/contoso", "--merge", merge); code != 0 {
		t.Fatalf("merge: %d %s", code, errOut)
	}
	got, _ := os.ReadFile(merge)
	for _, want := range []string{"Fabrikam", "cloud: microsoftonline.com", "displayName: Contoso", "identitySynchronization"} {
		if !strings.Contains(string(got), want) {
			t.Errorf("merged file lacks %q:\n%s", want, got)
		}
	}

	// A malformed export: exit 2 naming file and path, nothing written.
	bad := filepath.Join(dir, "bad")
	os.MkdirAll(bad, 0o755)
	os.WriteFile(filepath.Join(bad, "organization.json"), []byte(`{"value":[{"id":"22222222-2222-2222-2222-222222222222"}]}`), 0o644)
	os.WriteFile(filepath.Join(bad, "partners.json"), []byte(`{"value":[{"tenantId":42}]}`), 0o644)
	target := filepath.Join(dir, "out.json")
	_, errOut, code = xtRun(t, "import", "graph", bad, "-o", target)
	if code != 2 || !strings.Contains(errOut, "partners.json") || !strings.Contains(errOut, "/value/0/tenantId") {
		t.Errorf("malformed: exit %d, %q", code, errOut)
	}
	if _, err := os.Stat(target); err == nil {
		t.Error("a file was written despite the error")
	}
}
