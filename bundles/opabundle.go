package bundles

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"slices"
	"sort"
	"strings"

	"github.com/open-policy-agent/opa/v1/ast"
	"github.com/open-policy-agent/opa/v1/bundle"
	"github.com/open-policy-agent/opa/v1/keys"
	"github.com/open-policy-agent/opa/v1/util"
	"sigs.k8s.io/yaml"

	"github.com/xtenant/xtenant/tenants"
)

// DefaultKeyID is the key id a bundle is signed with and verified against
// unless told otherwise: the same default as `opa run --verification-key-id`.
const DefaultKeyID = "default"

// Data roots written by Build, below data.
const (
	RootTenants = "xtenant/tenants"
	RootDomains = "xtenant/domains"
	RootCatalog = "xtenant/catalog"
)

// maxBundleSize bounds a bundle read from outside (uncompressed, per file,
// as OPA's reader counts it).
const maxBundleSize = 1 << 30

// SigningKey signs a bundle. Key is PEM text, a path to a key file (PEM, or
// the HMAC secret for HS256 …), env:NAME or literal:TEXT (keyMaterial).
type SigningKey struct {
	Key       string
	Algorithm string // default RS256
	KeyID     string // default DefaultKeyID
}

// VerificationKey verifies bundles. Key is a PEM public key, a path to a key
// file, env:NAME or literal:TEXT (keyMaterial). When a
// VerificationKey is in force every bundle must be signed.
type VerificationKey struct {
	Key       string
	Algorithm string // default RS256
	KeyID     string // default DefaultKeyID
	Scope     string
}

func (v *VerificationKey) config() (*bundle.VerificationConfig, error) {
	if v == nil {
		return nil, nil
	}
	alg, id := keyDefaults(v.Algorithm, v.KeyID)
	if !keys.IsSupportedAlgorithm(alg) {
		return nil, fmt.Errorf("verification key: unsupported algorithm %q", alg)
	}
	key, err := keyMaterial(v.Key, alg)
	if err != nil {
		return nil, fmt.Errorf("verification key: %w", err)
	}
	kc := &bundle.KeyConfig{Key: key, Algorithm: alg, Scope: v.Scope}
	return bundle.NewVerificationConfig(map[string]*bundle.KeyConfig{id: kc}, id, v.Scope, nil), nil
}

// keyMaterial resolves a key flag: PEM text as is, "env:NAME" the value of
// an environment variable, "literal:TEXT" the text itself, and anything else
// the content of a file, which must exist. Unlike opa's flags, a value naming
// no file is refused rather than taken as an HMAC secret: a mistyped path
// would otherwise sign with the path's own text. Asymmetric algorithms need
// PEM; the error says so instead of OPA's "failed to parse PEM block".
func keyMaterial(s, alg string) (string, error) {
	var (
		key  string
		from = "key"
	)
	switch {
	case s == "":
		return "", errors.New("empty key")
	case strings.HasPrefix(strings.TrimSpace(s), "-----BEGIN"):
		key = s
	case strings.HasPrefix(s, "env:"):
		name := strings.TrimPrefix(s, "env:")
		v, ok := os.LookupEnv(name)
		if !ok || v == "" {
			return "", fmt.Errorf("environment variable %s is not set or empty", name)
		}
		key, from = v, "environment variable "+name
	case strings.HasPrefix(s, "literal:"):
		key, from = strings.TrimPrefix(s, "literal:"), "literal key"
		if key == "" {
			return "", errors.New("empty literal: key")
		}
	default:
		b, err := os.ReadFile(s)
		switch {
		case errors.Is(err, fs.ErrNotExist):
			return "", fmt.Errorf("%s: no such file (give a key file, PEM text, env:NAME or literal:TEXT)", s)
		case err != nil:
			return "", err
		}
		key, from = string(b), s
	}
	if !strings.HasPrefix(strings.ToUpper(alg), "HS") && !strings.Contains(key, "-----BEGIN") {
		return "", fmt.Errorf("%s: %s needs a PEM key (-----BEGIN ...); make a pair with `xtenant bundle keygen`", from, alg)
	}
	return key, nil
}

// Bundle is an OPA bundle held in memory: built here or read from a
// directory, a .tar.gz file or an HTTP answer.
type Bundle struct {
	b bundle.Bundle
	// derivedRoots: read without a .manifest, so its roots are what it
	// holds (Roots), not OPA's default of every path.
	derivedRoots bool
}

// BuildOptions says what goes into a bundle.
type BuildOptions struct {
	// Policies holds Rego (package path = folder path, as in policies/) and
	// data.json/data.yaml files placed at their folder's path. *_test.rego
	// files are left out. Nil builds a data-only bundle.
	Policies fs.FS
	// Tenants, when set, is written under xtenant/tenants with the domain
	// index under xtenant/domains (Set.Data()).
	Tenants *tenants.Set
	// Revision is the manifest's revision.
	Revision string
	// Signing, when set, signs the bundle (.signatures.json).
	Signing *SigningKey
}

// Build assembles a bundle. Roots are the packages and data folders it
// holds, so that bundles built from disjoint inputs can be served together.
func Build(opts BuildOptions) (*Bundle, error) {
	b := bundle.Bundle{Data: map[string]any{}}
	roots := []string{}
	if opts.Policies != nil {
		modRoots, dataRoots, err := addPolicies(&b, opts.Policies)
		if err != nil {
			return nil, err
		}
		roots = append(roots, modRoots...)
		roots = append(roots, dataRoots...)
	}
	if opts.Tenants != nil {
		d := opts.Tenants.Data()
		if err := setData(b.Data, RootTenants, d["tenants"]); err != nil {
			return nil, err
		}
		if err := setData(b.Data, RootDomains, d["domains"]); err != nil {
			return nil, err
		}
		roots = append(roots, RootTenants, RootDomains)
	}
	if len(roots) == 0 {
		return nil, errors.New("bundle build: nothing to put in the bundle (no policies and no tenants)")
	}
	roots = minimalRoots(roots)
	b.Manifest.Revision = opts.Revision
	b.Manifest.Roots = &roots
	b.Manifest.SetRegoVersion(ast.RegoV1)
	out := &Bundle{b: b}
	// Round-trip through OPA's own writer and reader: the in-memory form is
	// then exactly what a consumer of the file sees, and OPA has validated
	// roots against content.
	if err := out.reload(); err != nil {
		return nil, err
	}
	if opts.Signing != nil {
		if err := out.Sign(*opts.Signing); err != nil {
			return nil, err
		}
	}
	return out, nil
}

func (b *Bundle) reload() error {
	var buf bytes.Buffer
	if err := bundle.NewWriter(&buf).Write(b.b); err != nil {
		return fmt.Errorf("bundle: write: %w", err)
	}
	nb, err := Read(&buf, "built", nil)
	if err != nil {
		return err
	}
	*b = *nb
	return nil
}

// addPolicies reads the Rego and data files of fsys into b.
func addPolicies(b *bundle.Bundle, fsys fs.FS) (modRoots, dataRoots []string, err error) {
	err = fs.WalkDir(fsys, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			return nil
		}
		name := d.Name()
		switch {
		case strings.HasSuffix(name, "_test.rego"):
			return nil
		case strings.HasSuffix(name, ".rego"):
			raw, err := fs.ReadFile(fsys, p)
			if err != nil {
				return err
			}
			m, err := ast.ParseModuleWithOpts(p, string(raw), ast.ParserOptions{RegoVersion: ast.RegoV1})
			if err != nil {
				return err
			}
			url := "/" + p
			b.Modules = append(b.Modules, bundle.ModuleFile{URL: url, Path: url, Raw: raw, Parsed: m})
			modRoots = append(modRoots, packageRoot(m))
		case name == "data.json" || name == "data.yaml" || name == "data.yml":
			raw, err := fs.ReadFile(fsys, p)
			if err != nil {
				return err
			}
			if name != "data.json" {
				if raw, err = yaml.YAMLToJSON(raw); err != nil {
					return fmt.Errorf("%s: %w", p, err)
				}
			}
			var v any
			if err := util.UnmarshalJSON(raw, &v); err != nil {
				return fmt.Errorf("%s: %w", p, err)
			}
			dir := path.Dir(p)
			if dir == "." {
				return fmt.Errorf("%s: data at the root of the policies folder has no root; put it in a folder (xtenant/catalog/data.json)", p)
			}
			if err := setData(b.Data, dir, v); err != nil {
				return fmt.Errorf("%s: %w", p, err)
			}
			dataRoots = append(dataRoots, dir)
		}
		return nil
	})
	sort.Slice(b.Modules, func(i, j int) bool { return b.Modules[i].Path < b.Modules[j].Path })
	return modRoots, dataRoots, err
}

func packageRoot(m *ast.Module) string {
	parts := []string{}
	for _, t := range m.Package.Path[1:] {
		s, ok := t.Value.(ast.String)
		if !ok {
			break
		}
		parts = append(parts, string(s))
	}
	return strings.Join(parts, "/")
}

// setData places v at the slash-separated path p below data, creating
// objects on the way; two values at one path is an error.
func setData(data map[string]any, p string, v any) error {
	parts := strings.Split(strings.Trim(p, "/"), "/")
	node := data
	for _, k := range parts[:len(parts)-1] {
		next, ok := node[k]
		if !ok {
			m := map[string]any{}
			node[k] = m
			node = m
			continue
		}
		if node, ok = next.(map[string]any); !ok {
			return fmt.Errorf("data path %s: %s is not an object", p, k)
		}
	}
	last := parts[len(parts)-1]
	if _, dup := node[last]; dup {
		return fmt.Errorf("data path %s defined twice", p)
	}
	node[last] = v
	return nil
}

// minimalRoots removes duplicates and roots inside other roots (OPA refuses
// overlapping roots within one manifest).
func minimalRoots(roots []string) []string {
	sort.Strings(roots)
	roots = slices.Compact(roots)
	out := []string{}
	for _, r := range roots {
		if len(out) > 0 && bundle.RootPathsContain([]string{out[len(out)-1]}, r) {
			continue
		}
		out = append(out, r)
	}
	return out
}

// keyDefaults fills in what opa sign and opa run assume: RS256 and the
// default key id.
func keyDefaults(alg, id string) (string, string) {
	if alg == "" {
		alg = "RS256"
	}
	if id == "" {
		id = DefaultKeyID
	}
	return alg, id
}

// Sign (re)signs the bundle with key, replacing any signature it had.
func (b *Bundle) Sign(key SigningKey) error {
	alg, id := keyDefaults(key.Algorithm, key.KeyID)
	material, err := keyMaterial(key.Key, alg)
	if err != nil {
		return fmt.Errorf("bundle: signing key: %w", err)
	}
	b.b.Signatures = bundle.SignaturesConfig{}
	if err := b.b.GenerateSignature(bundle.NewSigningConfig(material, alg, ""), id, false); err != nil {
		return fmt.Errorf("bundle: sign: %w", err)
	}
	return nil
}

// Write writes the bundle as a .tar.gz.
func (b *Bundle) Write(w io.Writer) error {
	if err := bundle.NewWriter(w).Write(b.b); err != nil {
		return fmt.Errorf("bundle: write: %w", err)
	}
	return nil
}

// Read reads a .tar.gz bundle. With a non-nil VerificationKey the bundle must
// carry a valid signature covering every file. name is used in errors.
func Read(r io.Reader, name string, v *VerificationKey) (*Bundle, error) {
	raw, err := io.ReadAll(io.LimitReader(r, maxBundleSize+1))
	if err != nil {
		return nil, fmt.Errorf("bundle %s: %w", name, err)
	}
	if len(raw) > maxBundleSize {
		return nil, fmt.Errorf("bundle %s: larger than %d bytes", name, maxBundleSize)
	}
	b, err := read(bundle.NewTarballLoader(bytes.NewReader(raw)), name, v)
	if err != nil || v != nil {
		return b, err
	}
	// OPA's reader skips .signatures.json when not verifying; keep it so
	// that inspect reports it and a rewrite does not drop it.
	b.b.Signatures = signaturesIn(raw)
	return b, nil
}

// signaturesIn returns the .signatures.json of a .tar.gz bundle, if any.
func signaturesIn(raw []byte) bundle.SignaturesConfig {
	var sc bundle.SignaturesConfig
	zr, err := gzip.NewReader(bytes.NewReader(raw))
	if err != nil {
		return sc
	}
	tr := tar.NewReader(zr)
	for {
		h, err := tr.Next()
		if err != nil {
			return sc
		}
		if strings.TrimPrefix(h.Name, "/") == ".signatures.json" {
			_ = json.NewDecoder(io.LimitReader(tr, 1<<20)).Decode(&sc)
			return sc
		}
	}
}

// ReadPath reads a bundle from a directory or a .tar.gz file.
func ReadPath(p string, v *VerificationKey) (*Bundle, error) {
	st, err := os.Stat(p)
	if err != nil {
		return nil, err
	}
	if st.IsDir() {
		// OPA's directory loader does not follow a link at its root: a
		// bundle given as a link to a directory (a release's "current")
		// read as an empty bundle.
		dir, err := filepath.EvalSymlinks(p)
		if err != nil {
			return nil, err
		}
		b, err := read(bundle.NewDirectoryLoader(dir), p, v)
		if err != nil || v != nil {
			return b, err
		}
		if raw, err := os.ReadFile(filepath.Join(dir, ".signatures.json")); err == nil {
			_ = json.Unmarshal(raw, &b.b.Signatures)
		}
		return b, nil
	}
	f, err := os.Open(p)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return Read(f, p, v)
}

func read(loader bundle.DirectoryLoader, name string, v *VerificationKey) (*Bundle, error) {
	vc, err := v.config()
	if err != nil {
		return nil, err
	}
	spy := &manifestSpy{DirectoryLoader: loader.WithSizeLimitBytes(maxBundleSize)}
	r := bundle.NewCustomReader(spy).
		WithRegoVersion(ast.RegoV1).
		WithSkipBundleVerification(vc == nil)
	if vc != nil {
		r = r.WithBundleVerificationConfig(vc)
	}
	b, err := r.Read()
	if err != nil {
		return nil, fmt.Errorf("bundle %s: %w", name, err)
	}
	if b.Type() != bundle.SnapshotBundleType {
		return nil, fmt.Errorf("bundle %s: delta bundles are not supported", name)
	}
	if b.Data == nil {
		b.Data = map[string]any{}
	}
	return &Bundle{b: b, derivedRoots: !spy.seen}, nil
}

// manifestSpy notes whether the bundle has a .manifest file.
type manifestSpy struct {
	bundle.DirectoryLoader
	seen bool
}

func (m *manifestSpy) NextFile() (*bundle.Descriptor, error) {
	d, err := m.DirectoryLoader.NextFile()
	if err == nil && strings.HasSuffix(d.Path(), bundle.ManifestExt) {
		m.seen = true
	}
	return d, err
}

// Info describes a bundle (`xtenant bundle inspect`).
type Info struct {
	Revision string   `json:"revision"`
	Roots    []string `json:"roots"`
	Signed   bool     `json:"signed"`
	Modules  []string `json:"modules"`
	Packages []string `json:"packages"`
	// DataPaths are the top data documents below each root that hold data.
	DataPaths []string `json:"data_paths"`
	Tenants   int      `json:"tenants"`
	Partners  int      `json:"partners"`
}

// Revision is the manifest's revision.
func (b *Bundle) Revision() string { return b.b.Manifest.Revision }

// Roots are the manifest's roots ("" = the whole data tree).
//
// A bundle without a .manifest (a plain folder of Rego and data
// files) claims only what it holds: the packages of its modules and its data
// paths (two levels deep, as xtenant/tenants). OPA would give it every path;
// layered over the built-in policy and --tenants that would silently wipe the
// tenants when all the folder meant was to add an extension.
func (b *Bundle) Roots() []string {
	if !b.derivedRoots && b.b.Manifest.Roots != nil {
		return slices.Clone(*b.b.Manifest.Roots)
	}
	var roots []string
	for _, m := range b.b.Modules {
		if m.Parsed != nil {
			roots = append(roots, packageRoot(m.Parsed))
		}
	}
	collectDataPaths(b.b.Data, "", 2, &roots)
	return minimalRoots(roots)
}

// Info summarises the bundle.
func (b *Bundle) Info() Info {
	info := Info{Revision: b.Revision(), Roots: b.Roots(), Signed: len(b.b.Signatures.Signatures) > 0,
		Modules: []string{}, Packages: []string{}, DataPaths: []string{}}
	pkgs := map[string]bool{}
	for _, m := range b.b.Modules {
		info.Modules = append(info.Modules, m.Path)
		pkgs[m.Parsed.Package.Path.String()] = true
	}
	for p := range pkgs {
		info.Packages = append(info.Packages, p)
	}
	sort.Strings(info.Packages)
	collectDataPaths(b.b.Data, "", 2, &info.DataPaths)
	sort.Strings(info.DataPaths)
	if ts, ok := lookup(b.b.Data, RootTenants).(map[string]any); ok {
		info.Tenants = len(ts)
		for _, t := range ts {
			tm, _ := t.(map[string]any)
			ctap, _ := tm["crossTenantAccessPolicy"].(map[string]any)
			ps, _ := ctap["partners"].(map[string]any)
			info.Partners += len(ps)
		}
	}
	return info
}

func collectDataPaths(v any, prefix string, depth int, out *[]string) {
	m, ok := v.(map[string]any)
	if !ok || depth == 0 {
		if prefix != "" {
			*out = append(*out, prefix)
		}
		return
	}
	for k, child := range m {
		collectDataPaths(child, strings.TrimPrefix(prefix+"/"+k, "/"), depth-1, out)
	}
}

// lookup returns the value at the slash-separated path p, or nil.
func lookup(data map[string]any, p string) any {
	var node any = data
	for _, k := range strings.Split(p, "/") {
		m, ok := node.(map[string]any)
		if !ok {
			return nil
		}
		node = m[k]
	}
	return node
}

// hasAccessPolicy reports whether the bundle carries package xtenant.access
// (or a package below it): such a bundle replaces the built-in policy.
func (b *Bundle) hasAccessPolicy() bool {
	for _, m := range b.b.Modules {
		if strings.HasPrefix(packageRoot(m.Parsed)+"/", "xtenant/access/") {
			return true
		}
	}
	return false
}
