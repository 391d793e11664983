package bundles

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/xtenant/xtenant/engine"
)

// opaBinary is the stock opa built from the module proxy at go.mod's version
// (`make opa`; `make test` sets XTENANT_OPA_BIN).
func opaBinary(t *testing.T) string {
	t.Helper()
	bin := os.Getenv("XTENANT_OPA_BIN")
	if bin == "" {
		t.Skip("XTENANT_OPA_BIN is not set: run `make opa` and set it to bin/opa-<version> (make test does both)")
	}
	if _, err := os.Stat(bin); err != nil {
		t.Fatalf("XTENANT_OPA_BIN=%s: %v", bin, err)
	}
	return bin
}

func freeAddr(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().String()
}

// stockOPA runs `opa run --server` on a bundle, with signature verification,
// and returns its address once the bundle is active.
func stockOPA(t *testing.T, bin, bundlePath string, kp keyPair) string {
	t.Helper()
	addr := freeAddr(t)
	ctx, cancel := context.WithCancel(context.Background())
	cmd := exec.CommandContext(ctx, bin, "run", "--server", "--addr", addr, "--log-level", "error",
		"--verification-key", kp.verifyPath, "--signing-alg", kp.alg, "--bundle", bundlePath)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		cancel()
		_ = cmd.Wait()
	})
	deadline := time.Now().Add(20 * time.Second)
	for time.Now().Before(deadline) {
		resp, err := http.Get("http://" + addr + "/health?bundles")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return addr
			}
		}
		if cmd.ProcessState != nil {
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("opa did not become healthy: %s", stderr.String())
	return ""
}

func opaDecision(t *testing.T, addr string, input []byte) string {
	t.Helper()
	body := fmt.Sprintf(`{"input": %s}`, input)
	resp, err := http.Post("http://"+addr+"/v1/data/xtenant/access/decision", "application/json", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("opa: %s: %s", resp.Status, raw)
	}
	var out struct {
		Result *engine.Decision `json:"result"`
	}
	if err := json.Unmarshal(raw, &out); err != nil {
		t.Fatalf("opa answer %s: %v", raw, err)
	}
	if out.Result == nil {
		t.Fatalf("opa: decision undefined for %s", input)
	}
	return comparable(t, out.Result)
}

// TestStockOPAServesSameDecisions builds a signed bundle per scenario, has
// the stock opa binary verify and serve it, and compares every case's
// decision with xtenant's engine loaded from the same bundle file.
func TestStockOPAServesSameDecisions(t *testing.T) {
	bin := opaBinary(t)
	kp := newKeyPair(t, "RS256")
	compared := 0
	for _, sc := range loadScenarios(t) {
		t.Run(sc.Name, func(t *testing.T) {
			t.Parallel()
			set := tenantSet(t, sc.Name, sc.Tenants)
			path := filepath.Join(t.TempDir(), "bundle.tar.gz")
			writeBundle(t, builtBundle(t, set, "r-"+sc.Name, kp.signing()), path)

			b, err := ReadPath(path, kp.verification())
			if err != nil {
				t.Fatal(err)
			}
			c, err := Compose(engine.Policy{}, []Named{{Name: "b", Bundle: b}})
			if err != nil {
				t.Fatal(err)
			}
			e := activated(t, c.Policy)
			addr := stockOPA(t, bin, path, kp)
			for _, tc := range sc.Cases {
				want, canonical := decide(t, e, tc.Input)
				got := opaDecision(t, addr, canonical)
				if got != want {
					t.Errorf("%s:\nopa:     %s\nxtenant: %s", tc.Name, got, want)
				}
			}
		})
		compared++
	}
	if compared == 0 {
		t.Fatal("no scenario compared")
	}
}

// TestStockOPARefusesUnsigned checks that the bundles xtenant refuses are
// refused by opa too (same package, same rules).
func TestStockOPARefusesUnsigned(t *testing.T) {
	bin := opaBinary(t)
	kp := newKeyPair(t, "RS256")
	path := filepath.Join(t.TempDir(), "unsigned.tar.gz")
	writeBundle(t, builtBundle(t, nil, "u", nil), path)
	out, err := exec.Command(bin, "run", "--server", "--addr", freeAddr(t), "--verification-key", kp.verifyPath, "--bundle", path).CombinedOutput()
	if err == nil {
		t.Fatalf("opa accepted an unsigned bundle: %s", out)
	}
	if _, err := ReadPath(path, kp.verification()); err == nil {
		t.Fatal("xtenant accepted an unsigned bundle")
	}
}
