package config

import (
	"strings"
	"testing"
)

// --public-url: the origin the AuthZEN metadata names, nothing else.
func TestPublicURL(t *testing.T) {
	for in, want := range map[string]string{
		"https://pdp.example.com":       "https://pdp.example.com",
		"https://pdp.example.com/":      "https://pdp.example.com",
		"http://127.0.0.1:8181":         "http://127.0.0.1:8181",
		"https://[2001:db8::1]:8443":    "https://[2001:db8::1]:8443",
		"HTTPS://pdp.example.com:443/":  "https://pdp.example.com:443",
		"https://pdp.example.com:8443/": "https://pdp.example.com:8443",
	} {
		c, err := Load(Sources{Flags: map[string][]string{"public-url": {in}}})
		if err != nil || c.PublicURL != want {
			t.Errorf("%q: got %q, %v; want %q", in, c.PublicURL, err, want)
		}
	}
	for _, in := range []string{
		"pdp.example.com", "ftp://pdp.example.com", "https://", "https://pdp.example.com/pdp",
		"https://pdp.example.com?x=1", "https://pdp.example.com#f", "https://u:p@pdp.example.com", "https://pdp.example.com?",
		"/relative", "",
	} {
		_, err := Load(Sources{Flags: map[string][]string{"public-url": {in}}})
		if in == "" {
			// An empty flag value is "not given".
			continue
		}
		if err == nil || !strings.Contains(err.Error(), "public-url") {
			t.Errorf("%q: err = %v, want a public-url error", in, err)
		}
	}
	if c, err := Load(Sources{Getenv: func(k string) string {
		if k == "XTENANT_PUBLIC_URL" {
			return "https://env.example.com"
		}
		return ""
	}}); err != nil || c.PublicURL != "https://env.example.com" {
		t.Fatalf("env: %q %v", c.PublicURL, err)
	}
}
