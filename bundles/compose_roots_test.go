package bundles

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// The README's extension example, served as a folder without .manifest next
// to tenants, adds its deny rule and keeps the tenants (before: the folder
// owned every path and wiped data.xtenant.tenants, so every decision was
// RESOURCE_TENANT_UNKNOWN).
func TestManifestlessBundleClaimsOnlyWhatItHolds(t *testing.T) {
	dir := t.TempDir()
	ext := `package xtenant.extensions

deny contains {"code": "CONTRACTOR_BLOCK", "message": "contractors may not use this app"} if {
	"c0c0c0c0-0000-4000-8000-000000000001" in input.user.groups
}
`
	if err := os.WriteFile(filepath.Join(dir, "contractors.rego"), []byte(ext), 0o600); err != nil {
		t.Fatal(err)
	}
	b, err := ReadPath(dir, nil)
	if err != nil {
		t.Fatal(err)
	}
	if got := b.Roots(); !slices.Equal(got, []string{"xtenant/extensions"}) {
		t.Fatalf("roots %q, want [xtenant/extensions]", got)
	}
	set := tenantSet(t, "t", sampleTenants)
	c, err := Compose(directPolicy(t, set), []Named{{Name: dir, Bundle: b}})
	if err != nil {
		t.Fatal(err)
	}
	ts, _ := lookup(c.Policy.Data, RootTenants).(map[string]any)
	if len(ts) != 1 {
		t.Fatalf("tenants after composing an extension folder: %v", ts)
	}
	if c.Tenants != nil || c.Conflict("tenants.json") != nil {
		t.Fatal("an extension folder counted as a tenants source")
	}
}

// A folder or bundle carrying tenants next to --tenants is an error naming
// both (before: the bundle's tenants silently won).
func TestTenantsFromTwoSourcesConflict(t *testing.T) {
	dir := t.TempDir()
	if err := os.MkdirAll(filepath.Join(dir, "xtenant", "tenants"), 0o700); err != nil {
		t.Fatal(err)
	}
	data := `{"33333333-3333-3333-3333-333333333333": {"displayName": "Northwind"}}`
	if err := os.WriteFile(filepath.Join(dir, "xtenant", "tenants", "data.json"), []byte(data), 0o600); err != nil {
		t.Fatal(err)
	}
	b, err := ReadPath(dir, nil)
	if err != nil {
		t.Fatal(err)
	}
	if got := b.Roots(); !slices.Equal(got, []string{"xtenant/tenants"}) {
		t.Fatalf("roots %q", got)
	}
	c, err := Compose(directPolicy(t, tenantSet(t, "t", sampleTenants)), []Named{{Name: dir, Bundle: b}})
	if err != nil {
		t.Fatal(err)
	}
	err = c.Conflict("my-tenants.json")
	if err == nil || !strings.Contains(err.Error(), "my-tenants.json") || !strings.Contains(err.Error(), dir) {
		t.Fatalf("conflict: %v", err)
	}
	if c.Conflict("") != nil {
		t.Fatal("no --tenants: the bundle's tenants are the only ones")
	}
}
