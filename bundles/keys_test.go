package bundles

import (
	"path/filepath"
	"strings"
	"testing"
)

// A key flag that names no file is refused, never taken as the key itself: a
// mistyped path (--signing-alg HS256 --signing-key hmca.key) would otherwise
// sign with the text "hmca.key". env: and literal: say so explicitly.
func TestKeyMaterial(t *testing.T) {
	kp := newKeyPair(t, "RS256")
	hs := newKeyPair(t, "HS256")
	t.Setenv("XTENANT_TEST_SECRET", "s3cret-from-env")
	missing := filepath.Join(t.TempDir(), "hmca.key")
	for _, tc := range []struct {
		name, key, alg string
		want, err      string
	}{
		{name: "missing file HS256", key: missing, alg: "HS256", err: "no such file (give a key file, PEM text, env:NAME or literal:TEXT)"},
		{name: "missing file RS256", key: missing, alg: "RS256", err: "hmca.key: no such file"},
		{name: "secret file", key: hs.signPath, alg: "HS256", want: hs.signMaterial},
		{name: "literal", key: "literal:abc", alg: "HS256", want: "abc"},
		{name: "empty literal", key: "literal:", alg: "HS256", err: "empty literal"},
		{name: "env", key: "env:XTENANT_TEST_SECRET", alg: "HS256", want: "s3cret-from-env"},
		{name: "env unset", key: "env:XTENANT_TEST_NOT_SET", alg: "HS256", err: "XTENANT_TEST_NOT_SET is not set"},
		{name: "PEM file", key: kp.signPath, alg: "RS256", want: kp.signMaterial},
		{name: "PEM text", key: kp.signMaterial, alg: "RS256", want: kp.signMaterial},
		{name: "RS256 with a non-PEM file", key: hs.signPath, alg: "RS256", err: "RS256 needs a PEM key"},
		{name: "RS256 literal", key: "literal:abc", alg: "RS256", err: "RS256 needs a PEM key"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := keyMaterial(tc.key, tc.alg)
			if tc.err != "" {
				if err == nil || !strings.Contains(err.Error(), tc.err) {
					t.Fatalf("err = %v, want %q", err, tc.err)
				}
				return
			}
			if err != nil || got != tc.want {
				t.Fatalf("got %q, %v; want %q", got, err, tc.want)
			}
		})
	}
}

// Signing with a mistyped HMAC key path fails instead of producing a bundle
// signed with the path's text.
func TestSignRefusesMissingKeyFile(t *testing.T) {
	b := builtBundle(t, nil, "r", nil)
	err := b.Sign(SigningKey{Key: "hmca.key", Algorithm: "HS256"})
	if err == nil || !strings.Contains(err.Error(), "hmca.key: no such file") {
		t.Fatalf("Sign with a missing key file: %v", err)
	}
	if _, err := (&VerificationKey{Key: "pubilc.pem", Algorithm: "RS256"}).config(); err == nil || !strings.Contains(err.Error(), "pubilc.pem: no such file") {
		t.Fatalf("verification key typo: %v", err)
	}
}
