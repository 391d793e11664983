// Package sources loads one configuration of xtenant — a side of `xtenant
// diff`, the subject of `xtenant audit` — from any mix of tenants files or
// directories, Microsoft Graph export directories (as `xtenant import graph`
// reads them), OPA bundles and extra policy directories, and composes it
// into an engine.Policy exactly as `serve` and `eval` would.
package sources

import (
	"bufio"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/xtenant/xtenant/bundles"
	"github.com/xtenant/xtenant/bundles/entraexporter"
	"github.com/xtenant/xtenant/bundles/graph"
	"github.com/xtenant/xtenant/engine"
	"github.com/xtenant/xtenant/tenants"
)

// Kinds of source.
const (
	KindTenants = "tenants"
	KindGraph   = "graph"
	KindBundle  = "bundle"
	KindPolicy  = "policy"
	// KindEntraExporter is an EntraExporter output tree (Export-Entra).
	KindEntraExporter = "entraexporter"
)

// Spec is one source: its kind and where it is.
type Spec struct {
	Kind string
	Path string
}

func (s Spec) String() string { return s.Kind + ":" + s.Path }

// ParseSpec reads a source argument: "KIND:PATH" with KIND one of tenants,
// graph, bundle or policy, or a bare PATH whose kind is told from what is
// there (a .tar.gz or a directory with .manifest is a bundle, a directory
// with organization.json a Graph export, one with Organization/
// Organization.json an EntraExporter tree, a directory holding .rego files a
// policy directory, anything else a tenants file or directory).
func ParseSpec(arg string) (Spec, error) {
	if arg == "" {
		return Spec{}, errors.New("empty source")
	}
	for _, k := range []string{KindTenants, KindGraph, KindBundle, KindPolicy, KindEntraExporter} {
		if p, ok := strings.CutPrefix(arg, k+":"); ok {
			if p == "" {
				return Spec{}, fmt.Errorf("%s: a path is required after %s:", arg, k)
			}
			return Spec{Kind: k, Path: p}, nil
		}
	}
	if strings.Contains(arg, "://") {
		return Spec{}, fmt.Errorf("%s: only local sources can be compared; download the bundle first", arg)
	}
	fi, err := os.Stat(arg)
	if err != nil {
		return Spec{}, err
	}
	lower := strings.ToLower(arg)
	switch {
	case !fi.IsDir() && (strings.HasSuffix(lower, ".tar.gz") || strings.HasSuffix(lower, ".tgz")):
		return Spec{Kind: KindBundle, Path: arg}, nil
	case !fi.IsDir():
		return Spec{Kind: KindTenants, Path: arg}, nil
	case exists(filepath.Join(arg, ".manifest")):
		return Spec{Kind: KindBundle, Path: arg}, nil
	case exists(filepath.Join(arg, "organization.json")):
		return Spec{Kind: KindGraph, Path: arg}, nil
	case exists(filepath.Join(arg, "Organization", "Organization.json")):
		return Spec{Kind: KindEntraExporter, Path: arg}, nil
	case holdsRego(arg):
		return Spec{Kind: KindPolicy, Path: arg}, nil
	default:
		return Spec{Kind: KindTenants, Path: arg}, nil
	}
}

// ParseSpecs is ParseSpec for each argument.
func ParseSpecs(args []string) ([]Spec, error) {
	out := make([]Spec, 0, len(args))
	for _, a := range args {
		s, err := ParseSpec(a)
		if err != nil {
			return nil, err
		}
		out = append(out, s)
	}
	return out, nil
}

func exists(p string) bool {
	_, err := os.Stat(p)
	return err == nil
}

func holdsRego(dir string) bool {
	found := false
	_ = filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || found {
			return fs.SkipAll
		}
		if !d.IsDir() && strings.HasSuffix(p, ".rego") {
			found = true
		}
		return nil
	})
	return found
}

// Options tune a load.
type Options struct {
	// VerificationKey, when set, must sign every bundle.
	VerificationKey *bundles.VerificationKey
}

// Config is one loaded configuration.
type Config struct {
	// Specs are the sources it was made of, as given.
	Specs []Spec
	// Policy is ready for engine.Activate.
	Policy engine.Policy
	// Tenants is the validated tenant set the policy holds (nil when none).
	Tenants *tenants.Set
	// TenantFiles maps a tenant id to the file or directory it was read
	// from, where one is known (none for the built-in examples).
	TenantFiles map[string]string
}

// Load composes specs into one configuration. With no tenants, Graph or
// bundle source the built-in example tenants are used, as `serve` does.
// Any error refuses the whole configuration.
func Load(specs []Spec, opts Options) (*Config, error) {
	cfg := &Config{Specs: specs, TenantFiles: map[string]string{}}
	var (
		sets      []*tenants.Set
		graphDirs []string
		named     []bundles.Named
		policyDir string
		extDirs   []string
	)
	for _, s := range specs {
		switch s.Kind {
		case KindTenants:
			ts, err := tenants.Load(s.Path)
			if err != nil {
				return nil, err
			}
			sets = append(sets, ts)
			for _, id := range ts.IDs() {
				cfg.TenantFiles[id] = s.Path
			}
		case KindGraph:
			graphDirs = append(graphDirs, s.Path)
		case KindEntraExporter:
			obj, err := entraexporter.Import([]string{s.Path})
			if err != nil {
				return nil, err
			}
			ts, err := tenants.FromObject("entraexporter:"+s.Path, obj)
			if err != nil {
				return nil, err
			}
			sets = append(sets, ts)
			for _, id := range ts.IDs() {
				cfg.TenantFiles[id] = s.Path
			}
		case KindBundle:
			b, err := bundles.ReadPath(s.Path, opts.VerificationKey)
			if err != nil {
				return nil, err
			}
			named = append(named, bundles.Named{Name: s.Path, Bundle: b})
		case KindPolicy:
			full, err := declaresAccess(s.Path)
			if err != nil {
				return nil, err
			}
			if !full {
				extDirs = append(extDirs, s.Path)
				continue
			}
			if policyDir != "" {
				return nil, fmt.Errorf("%s and %s both hold package xtenant.access; give one", policyDir, s.Path)
			}
			policyDir = s.Path
		default:
			return nil, fmt.Errorf("%s: unknown source kind %q (expected tenants, graph, bundle or policy)", s.Path, s.Kind)
		}
	}
	if len(graphDirs) > 0 {
		obj, err := graph.Import(graphDirs, graph.Options{})
		if err != nil {
			return nil, err
		}
		ts, err := tenants.FromObject("graph:"+strings.Join(graphDirs, ","), obj)
		if err != nil {
			return nil, err
		}
		sets = append(sets, ts)
		for _, id := range ts.IDs() {
			cfg.TenantFiles[id] = graphDirOf(graphDirs, id)
		}
	}
	var ts *tenants.Set
	switch {
	case len(sets) == 1:
		ts = sets[0]
	case len(sets) > 1:
		var err error
		if ts, err = tenants.Merge(sets...); err != nil {
			return nil, err
		}
	case len(named) == 0:
		var err error
		if ts, err = bundles.ExampleTenants(); err != nil {
			return nil, err
		}
	}
	var (
		policy engine.Policy
		err    error
	)
	if policyDir != "" {
		policy, err = bundles.FromPolicyFS(os.DirFS(policyDir), "policy:"+policyDir, ts)
	} else {
		policy, err = bundles.Builtin(ts)
	}
	if err != nil {
		return nil, err
	}
	for _, dir := range extDirs {
		if err := addModules(&policy, dir); err != nil {
			return nil, err
		}
	}
	if len(named) > 0 {
		c, err := bundles.Compose(policy, named)
		if err != nil {
			return nil, err
		}
		policy = c.Policy
		if c.Tenants != nil {
			ts = c.Tenants
			for _, id := range ts.IDs() {
				if _, ok := cfg.TenantFiles[id]; !ok && len(named) == 1 {
					cfg.TenantFiles[id] = named[0].Name
				}
			}
		}
	}
	cfg.Policy, cfg.Tenants = policy, ts
	return cfg, nil
}

// graphDirOf finds the export directory of a tenant: each directory's
// organization.json names one tenant.
func graphDirOf(dirs []string, id string) string {
	if len(dirs) == 1 {
		return dirs[0]
	}
	for _, d := range dirs {
		one, err := graph.Import([]string{d}, graph.Options{})
		if err == nil {
			if _, ok := one[id]; ok {
				return d
			}
		}
	}
	return ""
}

// declaresAccess tells whether a policy directory holds package
// xtenant.access (and so replaces the built-in policy) rather than only
// extensions added to it.
func declaresAccess(dir string) (bool, error) {
	full := false
	err := walkRego(dir, func(name string, _ []byte, pkg string) {
		if pkg == "xtenant.access" {
			full = true
		}
	})
	return full, err
}

// addModules adds the .rego files of an extensions directory (tests left
// out) to p; package xtenant.access is refused here, since it replaces.
func addModules(p *engine.Policy, dir string) error {
	mods := map[string]string{}
	if err := walkRego(dir, func(name string, raw []byte, _ string) { mods[name] = string(raw) }); err != nil {
		return err
	}
	names := make([]string, 0, len(mods))
	for n := range mods {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		p.Modules["policy:"+n] = mods[n]
	}
	p.Revision += "+policy:" + dir
	return nil
}

// walkRego calls fn for every .rego file below dir but *_test.rego, with
// the package its first package line declares.
func walkRego(dir string, fn func(name string, raw []byte, pkg string)) error {
	return filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() || !strings.HasSuffix(p, ".rego") || strings.HasSuffix(p, "_test.rego") {
			return nil
		}
		raw, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		fn(p, raw, packageOf(raw))
		return nil
	})
}

func packageOf(raw []byte) string {
	sc := bufio.NewScanner(strings.NewReader(string(raw)))
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if rest, ok := strings.CutPrefix(line, "package "); ok {
			return strings.TrimSpace(rest)
		}
	}
	return ""
}

// TenantName is the displayName of a tenant in cfg, or "" when unknown.
func (c *Config) TenantName(id string) string {
	if c.Tenants == nil {
		return ""
	}
	name, _ := c.Tenants.Tenant(id)["displayName"].(string)
	return name
}
