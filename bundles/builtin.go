package bundles

import (
	"bytes"
	"context"
	_ "embed"
	"encoding/json"
	"fmt"
	"io/fs"
	"path"
	"strings"

	"github.com/xtenant/xtenant/engine"
	"github.com/xtenant/xtenant/policies"
	"github.com/xtenant/xtenant/tenants"
)

// exampleTenants is Contoso (2222…, from testdata/graph/contoso) with its
// partners Fabrikam (1111…) and Northwind (3333…), served by `xtenant serve`
// and `xtenant eval` when no tenants are given.
//
//go:embed examples/tenants.json
var exampleTenants []byte

// ExampleTenants returns the built-in example tenants.
func ExampleTenants() (*tenants.Set, error) {
	return tenants.Parse("built-in examples (bundles/examples/tenants.json)", exampleTenants)
}

// Builtin combines the built-in policy (policies.FS) with a tenant set into
// a policy for engine.Activate. Its revision is
// "built-in@<policies.Version>+tenants:<first 12 hex digits of the tenants
// hash>", or "built-in@<policies.Version>" when ts is nil (no tenants at all:
// every request is then a RESOURCE_TENANT_UNKNOWN deny).
func Builtin(ts *tenants.Set) (engine.Policy, error) {
	return FromPolicyFS(policies.FS, "built-in@"+policies.Version, ts)
}

// BuiltinEngine returns an engine serving the built-in policy over ts (nil:
// no tenants), for the commands and tests that decide without a server.
func BuiltinEngine(ctx context.Context, ts *tenants.Set, opts ...engine.Option) (*engine.Engine, error) {
	p, err := Builtin(ts)
	if err != nil {
		return nil, err
	}
	e := engine.New(opts...)
	if err := e.Activate(ctx, p); err != nil {
		return nil, err
	}
	return e, nil
}

// FromPolicyFS does what Builtin does for any policy folder laid out like
// policies/ (package path = folder path): every .rego file but *_test.rego,
// and every data.json placed at its folder's path (xtenant/catalog/data.json
// → data.xtenant.catalog). The tenants go to data.xtenant.tenants and
// data.xtenant.domains; "+tenants:<short hash>" is appended to revision.
func FromPolicyFS(fsys fs.FS, revision string, ts *tenants.Set) (engine.Policy, error) {
	p := engine.Policy{Revision: revision, Modules: map[string]string{}, Data: map[string]any{}}
	err := fs.WalkDir(fsys, ".", func(name string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		base := path.Base(name)
		switch {
		case strings.HasSuffix(base, "_test.rego"):
			return nil
		case strings.HasSuffix(base, ".rego"):
			raw, err := fs.ReadFile(fsys, name)
			if err != nil {
				return err
			}
			p.Modules[name] = string(raw)
		case base == "data.json":
			raw, err := fs.ReadFile(fsys, name)
			if err != nil {
				return err
			}
			dec := json.NewDecoder(bytes.NewReader(raw))
			dec.UseNumber()
			var v any
			if err := dec.Decode(&v); err != nil {
				return fmt.Errorf("%s: %w", name, err)
			}
			dir := path.Dir(name)
			if dir == "." {
				return fmt.Errorf("%s: data at the root of the policy folder has no path; put it in a folder", name)
			}
			if err := setData(p.Data, dir, v); err != nil {
				return fmt.Errorf("%s: %w", name, err)
			}
		}
		return nil
	})
	if err != nil {
		return engine.Policy{}, fmt.Errorf("policy %s: %w", revision, err)
	}
	if len(p.Modules) == 0 {
		return engine.Policy{}, fmt.Errorf("policy %s: no Rego modules found", revision)
	}
	// Without tenants the data still holds empty objects, so that every
	// request is a defined RESOURCE_TENANT_UNKNOWN deny.
	td := map[string]any{"tenants": map[string]any{}, "domains": map[string]any{}}
	if ts != nil {
		td = ts.Data()
		p.Revision += "+tenants:" + ts.ShortHash()
	}
	if err := setData(p.Data, RootTenants, td["tenants"]); err != nil {
		return engine.Policy{}, err
	}
	if err := setData(p.Data, RootDomains, td["domains"]); err != nil {
		return engine.Policy{}, err
	}
	return p, nil
}
