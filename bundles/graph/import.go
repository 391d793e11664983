package graph

import (
	"fmt"
	"os"
	"strings"
)

// Import reads one export directory per tenant and returns the tenants
// object of docs/contract.md, keyed by lower-case tenant id. opts.TenantID is only
// allowed with a single directory.
func Import(dirs []string, opts Options) (map[string]any, error) {
	if len(dirs) == 0 {
		return nil, fmt.Errorf("no export directory given")
	}
	if opts.TenantID != "" && len(dirs) > 1 {
		return nil, fmt.Errorf("--tenant-id names one tenant, but %d directories were given", len(dirs))
	}
	out := map[string]any{}
	from := map[string]string{}
	for _, dir := range dirs {
		st, err := os.Stat(dir)
		if err != nil {
			return nil, err
		}
		if !st.IsDir() {
			return nil, fmt.Errorf("%s: not a directory", dir)
		}
		t, err := ReadFS(os.DirFS(dir), dir, opts)
		if err != nil {
			return nil, err
		}
		if prev, dup := from[t.ID]; dup {
			return nil, fmt.Errorf("%s: tenant %s already imported from %s", dir, t.ID, prev)
		}
		from[t.ID] = dir
		out[t.ID] = t.Config
	}
	return out, nil
}

// Merge returns base with the imported tenants merged in. Tenant ids are
// matched without regard to case and written lower case. For a tenant present
// in both, each top-level field the import produced replaces the old one and
// the fields the import does not produce (cloud, for instance) are kept, so
// that hand-set values survive a re-import.
func Merge(base, imported map[string]any) (map[string]any, error) {
	out := make(map[string]any, len(base)+len(imported))
	for id, cfg := range base {
		key := strings.ToLower(id)
		if _, dup := out[key]; dup {
			return nil, fmt.Errorf("tenant %s defined twice (keys differ only by case)", key)
		}
		out[key] = cfg
	}
	for id, cfg := range imported {
		key := strings.ToLower(id)
		old, ok := out[key].(map[string]any)
		if !ok {
			out[key] = cfg
			continue
		}
		merged := make(map[string]any, len(old))
		for k, v := range old {
			merged[k] = v
		}
		for k, v := range cfg.(map[string]any) {
			merged[k] = v
		}
		out[key] = merged
	}
	return out, nil
}
