// Package auth reads --auth-token-file and checks bearer tokens against it,
// for the HTTP API and the ext_authz gRPC server alike.
//
// The file holds one token per line, optionally followed by the scopes it
// grants (comma-separated); blank lines and lines starting with # are
// ignored. A line holding only a token grants every scope, so the original
// format (the whole file is one token) keeps working:
//
//	# token                          scopes
//	3f9c0e6b0e0a4f6e9d1d2c...         decide
//	8a7b6c5d4e3f2a1b0c9d8e...         status,metrics
//	0011223344556677889900...         *
//
// Tokens are compared as SHA-256 digests with crypto/subtle against every
// configured token, so neither the position of the first differing byte nor
// the length of a token shows in the time an answer takes.
package auth

import (
	"bufio"
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"slices"
	"strings"
)

// Scope is what a token may do.
type Scope string

// The scopes of the token file.
const (
	// Decide: every decision route (/v1/evaluate*, the decision paths of
	// /v1/data, AuthZEN, forward-auth, ext_authz Check).
	Decide Scope = "decide"
	// Data: /v1/data paths other than decisions (only with --expose-data).
	Data Scope = "data"
	// Status: GET /v1/status.
	Status Scope = "status"
	// Metrics: GET /metrics.
	Metrics Scope = "metrics"
)

// scopes are the known scopes; "*" stands for all of them.
var scopes = []Scope{Decide, Data, Status, Metrics}

// ErrUnauthenticated is a missing or unknown token.
var ErrUnauthenticated = errors.New("a valid bearer token is required")

// ErrForbidden is a known token without the scope a route needs.
var ErrForbidden = errors.New("the bearer token does not grant this route's scope")

// Tokens is a parsed token file. The zero value (and nil) require nothing.
type Tokens struct {
	entries []entry
}

type entry struct {
	sum    [sha256.Size]byte
	scopes []Scope
}

// Load reads a token file; "" is no file (nothing required).
func Load(path string) (*Tokens, error) {
	if path == "" {
		return nil, nil
	}
	raw, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("--auth-token-file: %w", err)
	}
	t, err := Parse(raw)
	if err != nil {
		return nil, fmt.Errorf("--auth-token-file %s: %w", path, err)
	}
	return t, nil
}

// Parse reads the token file format (see the package comment).
func Parse(raw []byte) (*Tokens, error) {
	t := &Tokens{}
	seen := map[[sha256.Size]byte]bool{}
	sc := bufio.NewScanner(bytes.NewReader(raw))
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		fields := strings.Fields(line)
		if len(fields) > 2 {
			return nil, fmt.Errorf("line %d: expected a token and optionally comma-separated scopes, got %d fields", n, len(fields))
		}
		e := entry{sum: sha256.Sum256([]byte(fields[0])), scopes: scopes}
		if len(fields) == 2 {
			var err error
			if e.scopes, err = parseScopes(fields[1]); err != nil {
				return nil, fmt.Errorf("line %d: %w", n, err)
			}
		}
		if seen[e.sum] {
			return nil, fmt.Errorf("line %d: the same token twice", n)
		}
		seen[e.sum] = true
		t.entries = append(t.entries, e)
	}
	if err := sc.Err(); err != nil {
		return nil, err
	}
	if len(t.entries) == 0 {
		return nil, errors.New("no token")
	}
	return t, nil
}

func parseScopes(list string) ([]Scope, error) {
	var out []Scope
	for _, s := range strings.Split(list, ",") {
		switch sc := Scope(s); {
		case s == "*":
			return scopes, nil
		case slices.Contains(scopes, sc):
			if !slices.Contains(out, sc) {
				out = append(out, sc)
			}
		default:
			return nil, fmt.Errorf("unknown scope %q (expected decide, data, status, metrics or *)", s)
		}
	}
	return out, nil
}

// Required reports whether a token is needed at all.
func (t *Tokens) Required() bool { return t != nil && len(t.entries) > 0 }

// Check reports whether header (an Authorization header value) carries a
// token that grants scope: nil, ErrUnauthenticated or ErrForbidden. With no
// tokens configured everything is allowed.
func (t *Tokens) Check(header string, scope Scope) error {
	if !t.Required() {
		return nil
	}
	token, ok := cutBearer(header)
	if !ok {
		return ErrUnauthenticated
	}
	sum := sha256.Sum256([]byte(token))
	return t.grant(scope, func(e *entry) []byte { return e.sum[:] }, sum[:])
}

// grant finds the entry whose credential (digest or session) is given and
// checks that it grants scope: nil, ErrUnauthenticated or ErrForbidden.
// Every entry is compared, whatever matched, so the time taken does not tell
// which entry (if any) did.
func (t *Tokens) grant(scope Scope, credential func(*entry) []byte, given []byte) error {
	var match *entry
	for i := range t.entries {
		if subtle.ConstantTimeCompare(given, credential(&t.entries[i])) == 1 {
			match = &t.entries[i]
		}
	}
	switch {
	case match == nil:
		return ErrUnauthenticated
	case !slices.Contains(match.scopes, scope):
		return ErrForbidden
	}
	return nil
}

// cutBearer returns the credentials of "Bearer <token>" (the scheme is case
// insensitive, RFC 9110 §11.1).
func cutBearer(h string) (string, bool) {
	const prefix = "bearer "
	if len(h) <= len(prefix) || !strings.EqualFold(h[:len(prefix)], prefix) {
		return "", false
	}
	token := strings.TrimSpace(h[len(prefix):])
	return token, token != ""
}

// Session returns the value of a session cookie for token, when token grants
// scope: derived from the token's digest, so that the cookie never holds the
// token itself and stops working when the token leaves the file.
func (t *Tokens) Session(token string, scope Scope) (string, error) {
	if err := t.Check("Bearer "+token, scope); err != nil {
		return "", err
	}
	sum := sha256.Sum256([]byte(token))
	return sessionOf(sum), nil
}

// CheckSession reports whether value is the session of a configured token
// that grants scope: nil, ErrUnauthenticated or ErrForbidden.
func (t *Tokens) CheckSession(value string, scope Scope) error {
	if !t.Required() {
		return nil
	}
	return t.grant(scope, func(e *entry) []byte { return []byte(sessionOf(e.sum)) }, []byte(value))
}

func sessionOf(sum [sha256.Size]byte) string {
	mac := hmac.New(sha256.New, sum[:])
	mac.Write([]byte("xtenant console session v1"))
	return hex.EncodeToString(mac.Sum(nil))
}
