package bundles

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"io"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/xtenant/xtenant/policies"
)

// TestBuildVerifyServe is the round trip: build and sign, read back with the
// verification key, compose and activate, and get for every scenario the
// decisions of the same policy and tenants activated directly.
func TestBuildVerifyServe(t *testing.T) {
	for _, alg := range []string{"RS256", "ES256", "HS256"} {
		t.Run(alg, func(t *testing.T) {
			kp := newKeyPair(t, alg)
			for _, sc := range loadScenarios(t) {
				set := tenantSet(t, sc.Name, sc.Tenants)
				path := filepath.Join(t.TempDir(), "b.tar.gz")
				writeBundle(t, builtBundle(t, set, "r1", kp.signing()), path)

				b, err := ReadPath(path, kp.verification())
				if err != nil {
					t.Fatalf("%s: verify: %v", sc.Name, err)
				}
				c, err := Compose(directPolicy(t, nil), []Named{{Name: path, Bundle: b}})
				if err != nil {
					t.Fatal(err)
				}
				if c.Policy.Revision != path+"@r1" {
					t.Errorf("revision %q", c.Policy.Revision)
				}
				viaBundle := activated(t, c.Policy)
				direct := activated(t, directPolicy(t, set))
				for _, tc := range sc.Cases {
					got, _ := decide(t, viaBundle, tc.Input)
					want, _ := decide(t, direct, tc.Input)
					if got != want {
						t.Errorf("%s/%s:\nbundle: %s\ndirect: %s", sc.Name, tc.Name, got, want)
					}
				}
				if alg != "RS256" {
					break // one scenario is enough to show the other algorithms work
				}
			}
		})
	}
}

func TestBuildContents(t *testing.T) {
	set := tenantSet(t, "t", map[string]any{"22222222-2222-2222-2222-222222222222": map[string]any{"domains": []any{"contoso.com"}}})
	b := builtBundle(t, set, "rev-7", nil)
	info := b.Info()
	wantRoots := []string{"xtenant/access", "xtenant/audit", "xtenant/catalog", "xtenant/domains", "xtenant/tenants"}
	if !slices.Equal(info.Roots, wantRoots) {
		t.Errorf("roots %v, want %v", info.Roots, wantRoots)
	}
	if info.Revision != "rev-7" || info.Signed || info.Tenants != 1 {
		t.Errorf("info %+v", info)
	}
	for _, m := range info.Modules {
		if strings.HasSuffix(m, "_test.rego") {
			t.Errorf("test module %s in the bundle", m)
		}
	}
	if len(info.Modules) == 0 || !slices.Contains(info.Packages, "data.xtenant.access") {
		t.Errorf("modules %v packages %v", info.Modules, info.Packages)
	}
	if got := lookup(b.b.Data, "xtenant/domains/contoso.com"); got != "22222222-2222-2222-2222-222222222222" {
		t.Errorf("domain index: %v", got)
	}
	if lookup(b.b.Data, "xtenant/catalog/office365") == nil {
		t.Error("catalog missing")
	}

	dataOnly, err := Build(BuildOptions{Tenants: set, Revision: "d"})
	if err != nil {
		t.Fatal(err)
	}
	if r := dataOnly.Roots(); !slices.Equal(r, []string{"xtenant/domains", "xtenant/tenants"}) {
		t.Errorf("data-only roots %v", r)
	}
}

// retar rewrites a .tar.gz, letting edit change or drop files.
func retar(t *testing.T, in []byte, edit func(name string, body []byte) ([]byte, bool)) []byte {
	t.Helper()
	zr, err := gzip.NewReader(bytes.NewReader(in))
	if err != nil {
		t.Fatal(err)
	}
	tr := tar.NewReader(zr)
	var out bytes.Buffer
	zw := gzip.NewWriter(&out)
	tw := tar.NewWriter(zw)
	for {
		h, err := tr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(tr)
		body, keep := edit(h.Name, body)
		if !keep {
			continue
		}
		h.Size = int64(len(body))
		if err := tw.WriteHeader(h); err != nil {
			t.Fatal(err)
		}
		tw.Write(body)
	}
	tw.Close()
	zw.Close()
	return out.Bytes()
}

func TestVerifyRefuses(t *testing.T) {
	kp := newKeyPair(t, "RS256")
	other := newKeyPair(t, "RS256")
	set := tenantSet(t, "t", map[string]any{"22222222-2222-2222-2222-222222222222": map[string]any{}})
	var signed, unsigned bytes.Buffer
	if err := builtBundle(t, set, "r", kp.signing()).Write(&signed); err != nil {
		t.Fatal(err)
	}
	if err := builtBundle(t, set, "r", nil).Write(&unsigned); err != nil {
		t.Fatal(err)
	}
	tampered := retar(t, signed.Bytes(), func(name string, body []byte) ([]byte, bool) {
		if name == "/data.json" {
			return bytes.Replace(body, []byte(`"tenants":{`), []byte(`"tenants":{"33333333-3333-3333-3333-333333333333":{},`), 1), true
		}
		return body, true
	})
	extraModule := retar(t, signed.Bytes(), func(name string, body []byte) ([]byte, bool) {
		if strings.HasSuffix(name, "decision.rego") {
			return append(body, []byte("\n# changed\n")...), true
		}
		return body, true
	})
	tests := []struct {
		name string
		raw  []byte
		key  *VerificationKey
		ok   bool
	}{
		{"signed", signed.Bytes(), kp.verification(), true},
		{"signed, no key asked", signed.Bytes(), nil, true},
		{"unsigned", unsigned.Bytes(), kp.verification(), false},
		{"tampered data", tampered, kp.verification(), false},
		{"tampered module", extraModule, kp.verification(), false},
		{"wrong key", signed.Bytes(), other.verification(), false},
		{"not a bundle", []byte("nope"), nil, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Read(bytes.NewReader(tt.raw), tt.name, tt.key)
			if (err == nil) != tt.ok {
				t.Errorf("err = %v, want ok=%v", err, tt.ok)
			}
		})
	}
}

func TestSignExisting(t *testing.T) {
	kp := newKeyPair(t, "ES256")
	b := builtBundle(t, nil, "r", nil)
	if err := b.Sign(*kp.signing()); err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := b.Write(&buf); err != nil {
		t.Fatal(err)
	}
	if _, err := Read(&buf, "re-signed", kp.verification()); err != nil {
		t.Fatal(err)
	}
}

func TestComposeRules(t *testing.T) {
	good := tenantSet(t, "t", map[string]any{"22222222-2222-2222-2222-222222222222": map[string]any{"displayName": "Contoso"}})
	policy, err := Build(BuildOptions{Policies: policies.FS, Revision: "p1"})
	if err != nil {
		t.Fatal(err)
	}
	data, err := Build(BuildOptions{Tenants: good, Revision: "d1"})
	if err != nil {
		t.Fatal(err)
	}
	full := builtBundle(t, good, "f1", nil)
	base := directPolicy(t, nil)
	base.Revision = "built-in@test"

	// Policy bundle + data bundle, disjoint roots: composed.
	c, err := Compose(base, []Named{{"p", policy}, {"d", data}})
	if err != nil {
		t.Fatal(err)
	}
	if c.Policy.Revision != "p@p1,d@d1" || c.Tenants == nil || c.Tenants.Len() != 1 {
		t.Errorf("revision %q tenants %v", c.Policy.Revision, c.Tenants)
	}
	activated(t, c.Policy)

	// Data only: the built-in policy with the bundle's data.
	c, err = Compose(base, []Named{{"d", data}})
	if err != nil {
		t.Fatal(err)
	}
	if c.Policy.Revision != "built-in@test+d@d1" || len(c.Policy.Modules) != len(base.Modules) {
		t.Errorf("data-only: revision %q, %d modules", c.Policy.Revision, len(c.Policy.Modules))
	}
	if lookup(c.Policy.Data, "xtenant/catalog") == nil {
		t.Error("data-only: built-in catalog lost")
	}
	activated(t, c.Policy)

	// Overlapping roots: refused.
	if _, err := Compose(base, []Named{{"f", full}, {"d", data}}); err == nil || !strings.Contains(err.Error(), "overlapping") {
		t.Errorf("overlap: %v", err)
	}

	// Invalid tenants: the whole bundle is refused.
	bad := builtBundle(t, nil, "bad", nil)
	if err := setData(bad.b.Data, RootTenants, map[string]any{"not-a-guid": map[string]any{}}); err != nil {
		t.Fatal(err)
	}
	bad.b.Manifest.AddRoot(RootTenants)
	if _, err := Compose(base, []Named{{"bad", bad}}); err == nil {
		t.Error("invalid tenant key accepted")
	}
	wrongType := builtBundle(t, tenantSet(t, "t", map[string]any{}), "bad2", nil)
	if err := setData(wrongType.b.Data, RootTenants+"/22222222-2222-2222-2222-222222222222", map[string]any{"domains": "contoso.com"}); err != nil {
		t.Fatal(err)
	}
	if _, err := Compose(base, []Named{{"bad2", wrongType}}); err == nil {
		t.Error("wrong field type accepted")
	}
}
