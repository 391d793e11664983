package bundles

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/xtenant/xtenant/engine"
	"github.com/xtenant/xtenant/policies"
	"github.com/xtenant/xtenant/tenants"
)

// keyPair is a signing key and the matching verification key, written to
// files as the command line takes them.
type keyPair struct {
	alg          string
	signPath     string
	verifyPath   string
	signMaterial string
}

func newKeyPair(t testing.TB, alg string) keyPair {
	t.Helper()
	dir := t.TempDir()
	var priv, pub []byte
	switch alg {
	case "RS256":
		k, err := rsa.GenerateKey(rand.Reader, 2048)
		if err != nil {
			t.Fatal(err)
		}
		priv = pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(k)})
		der, _ := x509.MarshalPKIXPublicKey(&k.PublicKey)
		pub = pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der})
	case "ES256":
		k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
		if err != nil {
			t.Fatal(err)
		}
		der, _ := x509.MarshalECPrivateKey(k)
		priv = pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: der})
		pder, _ := x509.MarshalPKIXPublicKey(&k.PublicKey)
		pub = pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: pder})
	case "HS256":
		priv = []byte("correct-horse-battery-staple-0123456789")
		pub = priv
	default:
		t.Fatalf("no key for %s", alg)
	}
	kp := keyPair{alg: alg, signPath: filepath.Join(dir, "sign.pem"), verifyPath: filepath.Join(dir, "verify.pem"), signMaterial: string(priv)}
	if err := os.WriteFile(kp.signPath, priv, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(kp.verifyPath, pub, 0o600); err != nil {
		t.Fatal(err)
	}
	return kp
}

func (k keyPair) signing() *SigningKey { return &SigningKey{Key: k.signPath, Algorithm: k.alg} }
func (k keyPair) verification() *VerificationKey {
	return &VerificationKey{Key: k.verifyPath, Algorithm: k.alg}
}

// scenario is the part of a scenario file these tests use.
type scenario struct {
	Name    string         `json:"name"`
	Tenants map[string]any `json:"tenants"`
	Cases   []struct {
		Name  string          `json:"name"`
		Input json.RawMessage `json:"input"`
	} `json:"cases"`
}

func loadScenarios(t testing.TB) []scenario {
	t.Helper()
	files, err := filepath.Glob("../testdata/scenarios/*.json")
	if err != nil || len(files) == 0 {
		t.Fatalf("no scenarios: %v", err)
	}
	var out []scenario
	for _, f := range files {
		raw, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		var s scenario
		if err := json.Unmarshal(raw, &s); err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		out = append(out, s)
	}
	return out
}

func tenantSet(t testing.TB, name string, obj map[string]any) *tenants.Set {
	t.Helper()
	set, err := tenants.FromObject(name, obj)
	if err != nil {
		t.Fatal(err)
	}
	return set
}

// directPolicy is the built-in policy with set's tenants, assembled without
// any bundle code: the reference the bundle path is compared with.
func directPolicy(t testing.TB, set *tenants.Set) engine.Policy {
	t.Helper()
	p := engine.Policy{Revision: "direct", Modules: map[string]string{}, Data: map[string]any{}}
	xt := map[string]any{}
	err := fs.WalkDir(policies.FS, ".", func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		raw, err := fs.ReadFile(policies.FS, path)
		if err != nil {
			return err
		}
		switch {
		case strings.HasSuffix(path, "_test.rego"):
		case strings.HasSuffix(path, ".rego"):
			p.Modules[path] = string(raw)
		case strings.HasSuffix(path, "catalog/data.json"):
			var v any
			if err := json.Unmarshal(raw, &v); err != nil {
				return err
			}
			xt["catalog"] = v
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if set != nil {
		d := set.Data()
		xt["tenants"], xt["domains"] = d["tenants"], d["domains"]
	}
	p.Data["xtenant"] = xt
	return p
}

func activated(t testing.TB, p engine.Policy) *engine.Engine {
	t.Helper()
	e := engine.New()
	if err := e.Activate(context.Background(), p); err != nil {
		t.Fatal(err)
	}
	return e
}

// decide evaluates raw input and returns the decision as JSON without the
// fields that differ per answer (decision_id, revision), and the canonical
// input the engine evaluated.
func decide(t testing.TB, e *engine.Engine, raw []byte) (string, []byte) {
	t.Helper()
	req, err := engine.DecodeRequest(raw)
	if err != nil {
		t.Fatalf("input: %v", err)
	}
	d, err := e.Evaluate(context.Background(), req)
	if err != nil {
		t.Fatalf("evaluate: %v", err)
	}
	canonical, err := json.Marshal(req)
	if err != nil {
		t.Fatal(err)
	}
	return comparable(t, d), canonical
}

func comparable(t testing.TB, d *engine.Decision) string {
	t.Helper()
	c := *d
	c.DecisionID, c.Revision = "", ""
	b, err := json.Marshal(c)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func builtBundle(t testing.TB, set *tenants.Set, rev string, sign *SigningKey) *Bundle {
	t.Helper()
	b, err := Build(BuildOptions{Policies: policies.FS, Tenants: set, Revision: rev, Signing: sign})
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func writeBundle(t testing.TB, b *Bundle, path string) {
	t.Helper()
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := b.Write(f); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
}
