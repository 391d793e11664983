package main

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/hex"
	"encoding/pem"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"strings"

	"github.com/spf13/cobra"
)

// newBundleKeygenCmd makes a key pair for bundle signatures in the formats
// `xtenant bundle build --signing-key` and `opa run --verification-key` read.
func newBundleKeygenCmd(e env) *cobra.Command {
	var alg, priv, pub string
	cmd := &cobra.Command{
		Use:   "keygen [--signing-alg RS256] [--private-key private.pem] [--public-key public.pem]",
		Short: "Make a key pair for signing bundles (an HMAC secret for HS256/384/512)",
		Args:  cobra.NoArgs,
		RunE: func(*cobra.Command, []string) error {
			privPEM, pubPEM, err := generateKey(alg)
			if err != nil {
				return usageError{err}
			}
			// Never overwrite: a replaced signing key silently invalidates
			// every bundle signed before.
			if err := writeNew(priv, privPEM, 0o600); err != nil {
				return err
			}
			if pubPEM == nil {
				fmt.Fprintf(e.stdout, "%s: %s secret (sign and verify with it; keep it secret)\n", priv, alg)
				return nil
			}
			if err := writeNew(pub, pubPEM, 0o644); err != nil {
				_ = os.Remove(priv)
				return err
			}
			fmt.Fprintf(e.stdout, "%s: %s private key (keep it secret; --signing-key)\n%s: public key (--verification-key)\n", priv, alg, pub)
			return nil
		},
	}
	cmd.Flags().StringVar(&alg, "signing-alg", "RS256", "RS256/384/512, PS256/384/512, ES256/384/512 or HS256/384/512")
	cmd.Flags().StringVar(&priv, "private-key", "private.pem", "file to write the private key (or HMAC secret) to")
	cmd.Flags().StringVar(&pub, "public-key", "public.pem", "file to write the public key to (not written for HS*)")
	return cmd
}

// generateKey returns PEM private and public keys (PKCS#1 for RSA, SEC 1 for
// EC, PKIX public keys), or a random hex secret and no public key for HS*.
func generateKey(alg string) (priv, pub []byte, err error) {
	var public any
	switch strings.ToUpper(alg) {
	case "RS256", "RS384", "RS512", "PS256", "PS384", "PS512":
		k, err := rsa.GenerateKey(rand.Reader, 3072)
		if err != nil {
			return nil, nil, err
		}
		priv = pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(k)})
		public = &k.PublicKey
	case "ES256", "ES384", "ES512":
		curve := map[string]elliptic.Curve{"ES256": elliptic.P256(), "ES384": elliptic.P384(), "ES512": elliptic.P521()}[strings.ToUpper(alg)]
		k, err := ecdsa.GenerateKey(curve, rand.Reader)
		if err != nil {
			return nil, nil, err
		}
		der, err := x509.MarshalECPrivateKey(k)
		if err != nil {
			return nil, nil, err
		}
		priv = pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: der})
		public = &k.PublicKey
	case "HS256", "HS384", "HS512":
		secret := make([]byte, 32)
		if _, err := rand.Read(secret); err != nil {
			return nil, nil, err
		}
		return []byte(hex.EncodeToString(secret)), nil, nil
	default:
		return nil, nil, fmt.Errorf("bundle keygen: --signing-alg: unsupported algorithm %q", alg)
	}
	der, err := x509.MarshalPKIXPublicKey(public)
	if err != nil {
		return nil, nil, err
	}
	return priv, pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der}), nil
}

// writeNew creates path; an existing file is a usage error.
func writeNew(path string, data []byte, mode os.FileMode) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, mode)
	if errors.Is(err, fs.ErrExist) {
		return usagef("bundle keygen: %s exists; not overwritten", path)
	}
	if err != nil {
		return err
	}
	if _, err := f.Write(data); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}
