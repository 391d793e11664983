package config

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"
)

func TestLoadLayers(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "xtenant.yaml")
	if err := os.WriteFile(file, []byte("addr: 0.0.0.0:9000\ncache-size: 5000\ncache-max-bytes: 64MiB\nmax-body: 2MiB\nbundle: [a, b]\nrequire-home-tenant: true\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	env := map[string]string{"XTENANT_CACHE_SIZE": "20000", "XTENANT_CACHE_TTL": "5m"}
	got, err := Load(Sources{
		File:   file,
		Getenv: func(k string) string { return env[k] },
		Flags:  map[string][]string{"cache-ttl": {"1m"}, "log-format": {"text"}},
	})
	if err != nil {
		t.Fatal(err)
	}
	want := Defaults()
	want.Addr = "0.0.0.0:9000"    // file
	want.CacheSize = 20000        // env over file
	want.CacheMaxBytes = 64 << 20 // file, with unit
	want.CacheTTL = time.Minute   // flag over env
	want.MaxBody = 2 << 20        // file, with unit
	want.Bundles = []string{"a", "b"}
	want.RequireHomeTenant = true
	want.LogFormat = "text"
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("got %+v\nwant %+v", got, want)
	}
}

// TestCacheDefaults: docs/contract.md's --cache-size counts decisions,
// default 100000, 0 disabling the cache; --cache-max-bytes (256MiB) bounds
// its memory besides.
func TestCacheDefaults(t *testing.T) {
	d, err := Load(Sources{})
	if err != nil {
		t.Fatal(err)
	}
	if d.CacheSize != 100000 || d.CacheMaxBytes != 256<<20 {
		t.Fatalf("defaults: cache-size %d, cache-max-bytes %d; want 100000 and 256MiB", d.CacheSize, d.CacheMaxBytes)
	}
	off, err := Load(Sources{Flags: map[string][]string{"cache-size": {"0"}, "cache-max-bytes": {"0"}}})
	if err != nil || off.CacheSize != 0 {
		t.Fatalf("cache-size 0: %+v, %v", off.CacheSize, err)
	}
}

func TestLoadErrors(t *testing.T) {
	dir := t.TempDir()
	typo := filepath.Join(dir, "typo.yaml")
	if err := os.WriteFile(typo, []byte("adr: x\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		src  Sources
		want string
	}{
		{"unknown file key", Sources{File: typo}, `unknown key "adr"`},
		{"bad env", Sources{Getenv: func(k string) string {
			if k == "XTENANT_CACHE_SIZE" {
				return "many"
			}
			return ""
		}}, "XTENANT_CACHE_SIZE"},
		{"negative cache", Sources{Flags: map[string][]string{"cache-size": {"-1"}}}, "cache-size"},
		{"cache size in bytes", Sources{Flags: map[string][]string{"cache-size": {"256MiB"}}}, "--cache-max-bytes"},
		{"cache too small", Sources{Flags: map[string][]string{"cache-max-bytes": {"10KiB"}}}, "at least 1MiB"},
		{"no connections", Sources{Flags: map[string][]string{"max-connections": {"0"}}}, "max-connections"},
		{"no read timeout", Sources{Flags: map[string][]string{"read-timeout": {"0s"}}}, "read-timeout"},
		{"no queue", Sources{Flags: map[string][]string{"eval-queue": {"0"}}}, "eval-queue"},
		{"bad size", Sources{Flags: map[string][]string{"max-body": {"1 lot"}}}, "max-body"},
		{"tls half", Sources{Flags: map[string][]string{"tls-cert": {"c.pem"}}}, "tls-key"},
		{"signing alg", Sources{Flags: map[string][]string{"signing-alg": {"none"}}}, "signing-alg"},
		{"log level", Sources{Flags: map[string][]string{"log-level": {"loud"}}}, "log-level"},
		{"poll range", Sources{Flags: map[string][]string{"bundle-poll": {"60s..10s"}}}, "bundle-poll"},
		{"mask", Sources{Flags: map[string][]string{"decision-log-mask": {"input.user"}}}, "JSON pointer"},
		{"twice", Sources{Flags: map[string][]string{"addr": {"a:1", "b:2"}}}, "given 2 times"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Load(tt.src)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("err = %v, want it to mention %q", err, tt.want)
			}
		})
	}
}

func TestParseSize(t *testing.T) {
	for in, want := range map[string]int64{"1MiB": 1 << 20, "512KiB": 512 << 10, "1048576": 1 << 20, "2MB": 2e6, "10B": 10} {
		var got int64
		if err := parseSize(in, &got); err != nil || got != want {
			t.Errorf("parseSize(%q) = %d, %v; want %d", in, got, err, want)
		}
	}
}

func TestEnvName(t *testing.T) {
	if got := EnvName("max-body"); got != "XTENANT_MAX_BODY" {
		t.Fatal(got)
	}
}
