package bundles

import (
	"errors"
	"fmt"
	"maps"
	"sort"
	"strings"

	"github.com/open-policy-agent/opa/v1/bundle"

	"github.com/xtenant/xtenant/engine"
	"github.com/xtenant/xtenant/tenants"
)

// Named is a bundle with the name it is known by (its location, in logs,
// metrics and /v1/status).
type Named struct {
	Name   string
	Bundle *Bundle
}

// Composed is a policy ready for engine.Activate, made of a base policy and
// bundles, and the tenant set its tenant data was validated into (nil when
// no bundle carries tenants).
type Composed struct {
	Policy  engine.Policy
	Tenants *tenants.Set
	// TenantsFrom names the bundle the tenants came from ("" with Tenants).
	TenantsFrom string
}

// Conflict refuses tenants from a bundle when the base already holds tenants
// from a file (tenantsSource, "" when it does not): silently preferring one
// of two tenant sources is how a configuration goes missing unnoticed.
func (c Composed) Conflict(tenantsSource string) error {
	if tenantsSource == "" || c.Tenants == nil {
		return nil
	}
	return fmt.Errorf("--tenants %s and bundle %s both carry tenants (data.xtenant.tenants); give the tenants in one of them", tenantsSource, c.TenantsFrom)
}

// Compose layers bundles over base (usually Builtin: the built-in policy and
// its tenants). Bundle roots must not overlap. A bundle carrying package
// xtenant.access replaces base's modules; otherwise base's modules are kept
// and the bundles' modules (extensions) added. Each bundle's data replaces
// base's data at the bundle's roots. Tenant data coming from a bundle goes
// through package tenants exactly as a tenants file does, and the domain
// index is rebuilt from it: invalid tenants refuse the whole composition.
func Compose(base engine.Policy, bs []Named) (Composed, error) {
	if err := checkRoots(bs); err != nil {
		return Composed{}, err
	}
	replace := false
	for _, nb := range bs {
		if nb.Bundle.hasAccessPolicy() {
			replace = true
		}
	}
	modules := map[string]string{}
	if !replace {
		maps.Copy(modules, base.Modules)
	}
	data := deepCopyObjects(base.Data)
	revs := []string{}
	tenantsFrom := ""
	for _, nb := range bs {
		b := nb.Bundle
		for _, m := range b.b.Modules {
			key := nb.Name + m.Path
			modules[key] = string(m.Raw)
		}
		for _, root := range b.Roots() {
			if root == "" {
				data = map[string]any{}
				tenantsFrom = nb.Name
				continue
			}
			deletePath(data, root)
			if root == RootTenants || strings.HasPrefix(RootTenants+"/", root+"/") || strings.HasPrefix(root+"/", RootTenants+"/") {
				tenantsFrom = nb.Name
			}
		}
		mergeData(data, b.b.Data)
		revs = append(revs, nb.Name+"@"+b.Revision())
	}
	out := Composed{}
	if tenantsFrom != "" {
		obj, _ := lookup(data, RootTenants).(map[string]any)
		if obj == nil {
			obj = map[string]any{}
		}
		set, err := tenants.FromObject(tenantsFrom, obj)
		if err != nil {
			return Composed{}, fmt.Errorf("bundle %s: %w", tenantsFrom, err)
		}
		td := set.Data()
		deletePath(data, RootTenants)
		deletePath(data, RootDomains)
		if err := setData(data, RootTenants, td["tenants"]); err != nil {
			return Composed{}, err
		}
		if err := setData(data, RootDomains, td["domains"]); err != nil {
			return Composed{}, err
		}
		out.Tenants, out.TenantsFrom = set, tenantsFrom
	}
	rev := strings.Join(revs, ",")
	if !replace && base.Revision != "" {
		rev = base.Revision + "+" + rev
	}
	out.Policy = engine.Policy{Revision: rev, Modules: modules, Data: data}
	if len(modules) == 0 {
		return Composed{}, errors.New("bundles: no Rego module in the bundles and no base policy")
	}
	return out, nil
}

// checkRoots refuses bundles whose roots overlap: two owners of one
// document would make the result depend on load order.
func checkRoots(bs []Named) error {
	type owned struct{ root, name string }
	all := []owned{}
	for _, nb := range bs {
		for _, r := range nb.Bundle.Roots() {
			all = append(all, owned{r, nb.Name})
		}
	}
	sort.Slice(all, func(i, j int) bool { return all[i].root < all[j].root })
	for i := range all {
		for j := i + 1; j < len(all); j++ {
			if all[i].name == all[j].name {
				continue
			}
			if bundle.RootPathsOverlap(all[i].root, all[j].root) {
				return fmt.Errorf("bundles %s and %s have overlapping roots %q and %q", all[i].name, all[j].name, all[i].root, all[j].root)
			}
		}
	}
	return nil
}

// deepCopyObjects copies the object spine of v (maps only) so that deleting
// or inserting below it never touches the caller's maps; leaves are shared.
func deepCopyObjects(m map[string]any) map[string]any {
	out := make(map[string]any, len(m))
	for k, v := range m {
		if child, ok := v.(map[string]any); ok {
			out[k] = deepCopyObjects(child)
		} else {
			out[k] = v
		}
	}
	return out
}

func deletePath(data map[string]any, p string) {
	parts := strings.Split(p, "/")
	node := data
	for _, k := range parts[:len(parts)-1] {
		next, ok := node[k].(map[string]any)
		if !ok {
			return
		}
		node = next
	}
	delete(node, parts[len(parts)-1])
}

// mergeData merges src's objects into dst (src wins on leaves). Roots are
// disjoint, so leaves never collide between bundles.
func mergeData(dst, src map[string]any) {
	for k, v := range src {
		sv, srcObj := v.(map[string]any)
		dv, dstObj := dst[k].(map[string]any)
		if srcObj && dstObj {
			mergeData(dv, sv)
			continue
		}
		if srcObj {
			dst[k] = deepCopyObjects(sv)
			continue
		}
		dst[k] = v
	}
}
