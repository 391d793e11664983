package sources_test

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/xtenant/xtenant/internal/sources"
)

func TestParseSpec(t *testing.T) {
	dir := t.TempDir()
	ext := filepath.Join(dir, "ext")
	os.MkdirAll(filepath.Join(ext, "x"), 0o755)
	os.WriteFile(filepath.Join(ext, "x", "deny.rego"), []byte("package xtenant.extensions\n"), 0o644)
	bundleDir := filepath.Join(dir, "b")
	os.MkdirAll(bundleDir, 0o755)
	os.WriteFile(filepath.Join(bundleDir, ".manifest"), []byte(`{}`), 0o644)
	tgz := filepath.Join(dir, "b.tar.gz")
	os.WriteFile(tgz, nil, 0o644)
	for _, tc := range []struct {
		arg, kind string
		bad       bool
	}{
		{"../../testdata/graph/contoso", sources.KindGraph, false},
		{"../../testdata/entraexporter/contoso", sources.KindEntraExporter, false},
		{"../../testdata/diff/tenants-after.json", sources.KindTenants, false},
		{"../../policies", sources.KindPolicy, false},
		{ext, sources.KindPolicy, false},
		{bundleDir, sources.KindBundle, false},
		{tgz, sources.KindBundle, false},
		{"tenants:" + ext, sources.KindTenants, false},
		{"graph:", "", true},
		{"https://example.com/b.tar.gz", "", true},
		{filepath.Join(dir, "missing"), "", true},
		{"", "", true},
	} {
		s, err := sources.ParseSpec(tc.arg)
		if (err != nil) != tc.bad || (!tc.bad && s.Kind != tc.kind) {
			t.Errorf("%q: %+v, %v; want kind %q (error %v)", tc.arg, s, err, tc.kind, tc.bad)
		}
	}
}

func TestLoad(t *testing.T) {
	// Nothing: the built-in examples and policy.
	c, err := sources.Load(nil, sources.Options{})
	if err != nil || c.Tenants.Len() != 3 || c.TenantName("22222222-2222-2222-2222-222222222222") != "Contoso" {
		t.Fatalf("%v %+v", err, c)
	}
	// A Graph export and an extension directory: one tenant, the extension added.
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "deny.rego"), []byte("package xtenant.extensions\n\ndeny contains {\"code\": \"X\", \"message\": \"x\"} if false\n"), 0o644)
	specs, err := sources.ParseSpecs([]string{"../../testdata/graph/contoso", dir})
	if err != nil {
		t.Fatal(err)
	}
	c, err = sources.Load(specs, sources.Options{})
	if err != nil || c.Tenants.Len() != 1 || c.TenantFiles["22222222-2222-2222-2222-222222222222"] != "../../testdata/graph/contoso" {
		t.Fatalf("%v %+v", err, c)
	}
	found := false
	for name := range c.Policy.Modules {
		if filepath.Base(name) == "deny.rego" {
			found = true
		}
	}
	if !found {
		t.Error("extension module missing")
	}
	// The same tenant twice is an error; two full policies are an error.
	specs, _ = sources.ParseSpecs([]string{"../../testdata/graph/contoso", "../../testdata/entraexporter/contoso"})
	if _, err := sources.Load(specs, sources.Options{}); err == nil {
		t.Error("a tenant defined twice: no error")
	}
	specs, _ = sources.ParseSpecs([]string{"../../policies", "policy:../../policies"})
	if _, err := sources.Load(specs, sources.Options{}); err == nil {
		t.Error("two policies: no error")
	}
	if _, err := sources.Load([]sources.Spec{{Kind: "zip", Path: "x"}}, sources.Options{}); err == nil {
		t.Error("unknown kind: no error")
	}
}
