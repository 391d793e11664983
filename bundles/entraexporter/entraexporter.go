// Package entraexporter reads the output tree of Microsoft's EntraExporter
// (Export-Entra) and turns it into tenant configurations in the contract's
// shape, through the same importer as raw Graph exports (bundles/graph), so
// that the two give the same tenants and the same decisions.
//
// EntraExporter writes each collection under a folder (Policies/
// CrossTenantAccessPolicy/Partners, Identity/Conditional/AccessPolicies, …),
// one file per object named after its id (<id>/<id>.json), and singletons
// or whole collections as one file holding an object or an array. This
// reader does not rely on the file names: every .json file below a folder
// counts, each holding one object or an array of objects, in UTF-8 or in
// the UTF-16 that Windows PowerShell's Out-File writes.
//
// EntraExporter does not export the partners' identitySynchronization nor
// the B2B management policy: add those from Graph (xtenant import graph
// --merge) where sync and invitation decisions need them.
package entraexporter

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing/fstest"
	"unicode/utf16"

	"github.com/xtenant/xtenant/bundles/graph"
)

// Folders of an EntraExporter tree that xtenant reads.
const (
	dirOrganization   = "Organization"
	dirXTAP           = "Policies/CrossTenantAccessPolicy"
	dirDefault        = "Policies/CrossTenantAccessPolicy/Default"
	dirPartners       = "Policies/CrossTenantAccessPolicy/Partners"
	dirCA             = "Identity/Conditional/AccessPolicies"
	dirAuthorization  = "Policies/AuthorizationPolicy"
	fileOrganization1 = "Organization/Organization.json"
)

// Import reads one EntraExporter tree per tenant and returns the tenants
// object of docs/contract.md, keyed by lower-case tenant id.
func Import(dirs []string) (map[string]any, error) {
	out := map[string]any{}
	for _, dir := range dirs {
		t, err := Read(dir)
		if err != nil {
			return nil, err
		}
		if _, dup := out[t.ID]; dup {
			return nil, fmt.Errorf("%s: tenant %s is imported twice", dir, t.ID)
		}
		out[t.ID] = t.Config
	}
	return out, nil
}

// Read reads one tree.
func Read(dir string) (graph.Tenant, error) {
	files := fstest.MapFS{}
	put := func(name string, v any) error {
		raw, err := json.Marshal(v)
		if err != nil {
			return err
		}
		files[name] = &fstest.MapFile{Data: raw, Mode: 0o444}
		return nil
	}
	org, err := objects(dir, dirOrganization)
	if err != nil {
		return graph.Tenant{}, err
	}
	if len(org) == 0 {
		return graph.Tenant{}, fmt.Errorf("%s: no %s: not an EntraExporter output tree", dir, fileOrganization1)
	}
	if err := put("organization.json", map[string]any{"value": org}); err != nil {
		return graph.Tenant{}, err
	}
	single := map[string]string{
		"crossTenantAccessPolicy.json": dirXTAP,
		"default.json":                 dirDefault,
		"authorizationPolicy.json":     dirAuthorization,
	}
	for name, sub := range single {
		objs, err := objects(dir, sub, dirDefault, dirPartners)
		if err != nil {
			return graph.Tenant{}, err
		}
		switch len(objs) {
		case 0:
		case 1:
			if err := put(name, objs[0]); err != nil {
				return graph.Tenant{}, err
			}
		default:
			return graph.Tenant{}, fmt.Errorf("%s: %s holds %d objects, expected one", dir, sub, len(objs))
		}
	}
	for name, sub := range map[string]string{"partners.json": dirPartners, "conditionalAccessPolicies.json": dirCA} {
		objs, err := objects(dir, sub)
		if err != nil {
			return graph.Tenant{}, err
		}
		if len(objs) == 0 && sub == dirCA {
			continue
		}
		if objs == nil {
			objs = []any{}
		}
		if err := put(name, map[string]any{"value": objs}); err != nil {
			return graph.Tenant{}, err
		}
	}
	return graph.ReadFS(files, dir, graph.Options{})
}

// objects collects the objects of every .json file below dir/sub, leaving
// out the folders in skip (sub-collections of sub), in path order.
func objects(dir, sub string, skip ...string) ([]any, error) {
	root := filepath.Join(dir, filepath.FromSlash(sub))
	if _, err := os.Stat(root); errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	var paths []string
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			for _, s := range skip {
				if s != sub && p == filepath.Join(dir, filepath.FromSlash(s)) {
					return fs.SkipDir
				}
			}
			return nil
		}
		if strings.EqualFold(filepath.Ext(p), ".json") {
			paths = append(paths, p)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	sort.Strings(paths)
	var out []any
	for _, p := range paths {
		objs, err := readObjects(p)
		if err != nil {
			return nil, err
		}
		out = append(out, objs...)
	}
	return out, nil
}

// readObjects reads a file holding one object or an array of objects.
func readObjects(p string) ([]any, error) {
	raw, err := os.ReadFile(p)
	if err != nil {
		return nil, err
	}
	raw, err = utf8(raw)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", p, err)
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, fmt.Errorf("%s: not valid JSON: %w", p, err)
	}
	switch x := v.(type) {
	case map[string]any:
		return []any{x}, nil
	case []any:
		for i, el := range x {
			if _, ok := el.(map[string]any); !ok {
				return nil, fmt.Errorf("%s: /%d: expected an object", p, i)
			}
		}
		return x, nil
	}
	return nil, fmt.Errorf("%s: expected an object or an array of objects", p)
}

// utf8 drops a UTF-8 byte order mark and decodes UTF-16 (with its mark).
func utf8(raw []byte) ([]byte, error) {
	switch {
	case bytes.HasPrefix(raw, []byte{0xEF, 0xBB, 0xBF}):
		return raw[3:], nil
	case bytes.HasPrefix(raw, []byte{0xFF, 0xFE}), bytes.HasPrefix(raw, []byte{0xFE, 0xFF}):
		le := raw[0] == 0xFF
		body := raw[2:]
		if len(body)%2 != 0 {
			return nil, errors.New("UTF-16 text of odd length")
		}
		u := make([]uint16, len(body)/2)
		for i := range u {
			if le {
				u[i] = uint16(body[2*i]) | uint16(body[2*i+1])<<8
			} else {
				u[i] = uint16(body[2*i])<<8 | uint16(body[2*i+1])
			}
		}
		return []byte(string(utf16.Decode(u))), nil
	}
	return raw, nil
}
