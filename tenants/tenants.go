// Package tenants loads the tenant configuration of docs/contract.md ("Tenant
// configuration"): an object keyed by tenant id holding each tenant's
// settings in Microsoft Graph's own JSON shape, from JSON or YAML files.
//
// Loading type-checks every field xtenant reads (a wrong type refuses the
// whole file with the file, the tenant and the JSON path), normalises ids to
// lower case, keeps unknown fields, and reports well-formed but unknown enum
// values and Conditional Access policies lacking a member Graph requires
// (docs/semantics.md §8.23) as warnings: the policy denies with
// INVALID_CONFIGURATION when a request needs them.
package tenants

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"sigs.k8s.io/yaml"

	"github.com/xtenant/xtenant/guid"
	"github.com/xtenant/xtenant/jsonpointer"
)

// Set is a validated, normalised set of tenants. It is immutable: the maps
// returned by Data are shared and must not be modified.
type Set struct {
	tenants  map[string]any    // tenant id (lower case) → configuration
	sources  map[string]string // tenant id → file it came from
	domains  map[string]string // domain (lower case) → tenant id
	warnings []Warning
	hash     string
}

// Warning is a well-formed setting that xtenant cannot use (unknown enum
// value, incomplete Conditional Access policy).
type Warning struct {
	Tenant  string `json:"tenant"`
	Path    string `json:"path"`
	Message string `json:"message"`
}

func (w Warning) String() string {
	return "tenant " + w.Tenant + ": " + w.Path + ": " + w.Message
}

// Error is an invalid tenants file.
type Error struct {
	File    string
	Tenant  string
	Path    string // JSON pointer inside the tenant's configuration
	Message string
}

func (e *Error) Error() string {
	var b strings.Builder
	if e.File != "" {
		b.WriteString(e.File + ": ")
	}
	if e.Tenant != "" {
		b.WriteString("tenant " + e.Tenant + ": ")
	}
	if e.Path != "" {
		b.WriteString(e.Path + ": ")
	}
	b.WriteString(e.Message)
	return b.String()
}

// Load reads a JSON or YAML tenants file, or every *.json, *.yaml and *.yml
// file of a directory (not recursive; hidden files skipped), merged. A tenant
// id defined twice is an error.
func Load(path string) (*Set, error) {
	info, err := os.Stat(path)
	if err != nil {
		return nil, fmt.Errorf("tenants: %w", err)
	}
	if !info.IsDir() {
		raw, err := os.ReadFile(path)
		if err != nil {
			return nil, fmt.Errorf("tenants: %w", err)
		}
		return Parse(path, raw)
	}
	entries, err := os.ReadDir(path)
	if err != nil {
		return nil, fmt.Errorf("tenants: %w", err)
	}
	var sets []*Set
	for _, e := range entries {
		name := e.Name()
		if e.IsDir() || !Loads(name) {
			continue
		}
		file := filepath.Join(path, name)
		raw, err := os.ReadFile(file)
		if err != nil {
			return nil, fmt.Errorf("tenants: %w", err)
		}
		s, err := Parse(file, raw)
		if err != nil {
			return nil, err
		}
		sets = append(sets, s)
	}
	if len(sets) == 0 {
		// An empty or mistaken directory would otherwise serve no tenant
		// at all, every decision a deny, with nothing said.
		return nil, fmt.Errorf("tenants: %s holds no .json, .yaml or .yml file", path)
	}
	return Merge(sets...)
}

// Loads reports whether Load reads the entry name of a directory (when it
// is not itself a directory): a .json, .yaml or .yml file, not hidden.
func Loads(name string) bool {
	if strings.HasPrefix(name, ".") {
		return false
	}
	switch strings.ToLower(filepath.Ext(name)) {
	case ".json", ".yaml", ".yml":
		return true
	}
	return false
}

// Parse reads one tenants document; name is used in errors and decides the
// format (".yaml"/".yml": YAML, otherwise JSON).
func Parse(name string, raw []byte) (*Set, error) {
	if ext := strings.ToLower(filepath.Ext(name)); ext == ".yaml" || ext == ".yml" {
		j, err := yaml.YAMLToJSON(raw)
		if err != nil {
			return nil, &Error{File: name, Message: "not valid YAML: " + err.Error()}
		}
		raw = j
	}
	if s, ok := parseStream(name, raw); ok {
		return s, nil
	}
	return parseWhole(name, raw)
}

// parseWhole reads one JSON tenants document decoded whole, every partner
// entry a Go map until it is checked: the reference parseStream must agree
// with, and the one that reports errors.
func parseWhole(name string, raw []byte) (*Set, error) {
	doc, ok := decodeFast(raw)
	if !ok {
		// Only malformed input gets here: encoding/json names the problem.
		dec := json.NewDecoder(bytes.NewReader(raw))
		dec.UseNumber()
		if err := dec.Decode(&doc); err != nil {
			return nil, &Error{File: name, Message: "not valid JSON: " + strings.TrimPrefix(err.Error(), "json: ")}
		}
		if _, err := dec.Token(); !errors.Is(err, io.EOF) {
			return nil, &Error{File: name, Message: "not valid JSON: unexpected data after the top-level object"}
		}
	}
	obj, ok := doc.(map[string]any)
	if !ok {
		return nil, &Error{File: name, Message: "expected an object keyed by tenant id, got " + jsonpointer.TypeName(doc)}
	}
	return build(name, obj)
}

// FromObject validates an already decoded tenants object (keyed by tenant
// id). obj is not modified.
func FromObject(name string, obj map[string]any) (*Set, error) {
	if obj == nil {
		obj = map[string]any{}
	}
	copied, err := deepCopy(obj)
	if err != nil {
		return nil, &Error{File: name, Message: err.Error()}
	}
	return build(name, copied.(map[string]any))
}

// build validates and normalises doc in place.
func build(name string, doc map[string]any) (*Set, error) {
	b := newBuilder(name, len(doc))
	for _, key := range sortedKeys(doc) {
		if err := b.add(key, doc[key]); err != nil {
			return nil, err
		}
	}
	b.s.seal()
	return b.s, nil
}

// builder adds tenants to a Set one at a time, so that a document can be
// validated and compacted tenant by tenant (parseStream) as well as whole.
type builder struct {
	name string
	s    *Set
}

func newBuilder(name string, n int) *builder {
	return &builder{name: name, s: &Set{
		tenants: make(map[string]any, n),
		sources: make(map[string]string, n),
		domains: map[string]string{},
	}}
}

// add validates and normalises tenant key's configuration v (in place) and
// adds it, its partner entries compacted (compactPartners).
func (b *builder) add(key string, v any) error {
	name, s := b.name, b.s
	if !guid.Valid(key) {
		return &Error{File: name, Path: "/" + jsonpointer.Escape(key), Message: fmt.Sprintf("tenant key %q: expected a tenant id (GUID)", key)}
	}
	id := strings.ToLower(key)
	if _, dup := s.tenants[id]; dup {
		return &Error{File: name, Tenant: id, Message: "defined twice (keys differ only in case)"}
	}
	c := &checker{tenant: id}
	out, err := c.check(tenantSchema, v)
	if err != nil {
		// Redo it in sorted order so that the error reported does not
		// depend on map order. Normalisation is idempotent and never
		// changes what is an error, so the partly normalised value
		// gives the same first error as the original.
		c = &checker{tenant: id, sorted: true}
		if _, err2 := c.check(tenantSchema, v); err2 != nil {
			err = err2
		}
		var te *Error
		if errors.As(err, &te) {
			te.File, te.Tenant = name, id
			if te.Path == "" {
				te.Path = "/"
			}
		}
		return err
	}
	if out == nil {
		out = map[string]any{} // a null tenant is a tenant with every setting missing
	}
	t := out.(map[string]any)
	c.checkRules(t)
	if err := s.addDomains(name, id, t); err != nil {
		return err
	}
	compactPartners(t)
	s.tenants[id] = t
	s.sources[id] = name
	s.warnings = append(s.warnings, c.warnings...)
	return nil
}

// addCompacted adds tenant key's configuration v whose partner entries
// were checked and compacted from their bytes (partnerWriter): partners
// goes in as it is, with the warnings about it, and the rest of v is
// checked as add checks it.
func (b *builder) addCompacted(key string, v any, partners map[string]any, warnings []Warning) error {
	if err := b.add(key, v); err != nil {
		return err
	}
	id := strings.ToLower(key)
	t, _ := b.s.tenants[id].(map[string]any)
	ctap, ok := t["crossTenantAccessPolicy"].(map[string]any)
	if !ok {
		panic("tenants: a checked tenant lost its crossTenantAccessPolicy object")
	}
	ctap["partners"] = partners
	b.s.warnings = append(b.s.warnings, warnings...)
	return nil
}

func (s *Set) addDomains(file, id string, t map[string]any) error {
	list, _ := t["domains"].([]any)
	for _, d := range list {
		domain, _ := d.(string)
		if domain == "" {
			continue
		}
		if other, taken := s.domains[domain]; taken && other != id {
			return &Error{File: file, Tenant: id, Path: "/domains", Message: fmt.Sprintf("domain %q is also claimed by tenant %s", domain, other)}
		}
		s.domains[domain] = id
	}
	return nil
}

// seal sorts the warnings and computes the content hash.
func (s *Set) seal() {
	slices.SortStableFunc(s.warnings, func(a, b Warning) int {
		return strings.Compare(a.Tenant+"\x00"+a.Path, b.Tenant+"\x00"+b.Path)
	})
	s.hash = contentHash(s.tenants)
}

// Merge combines sets; a tenant id or a domain defined in two sets is an
// error naming both files.
func Merge(sets ...*Set) (*Set, error) {
	out := &Set{tenants: map[string]any{}, sources: map[string]string{}, domains: map[string]string{}}
	for _, s := range sets {
		if s == nil {
			continue
		}
		for _, id := range slices.Sorted(maps.Keys(s.tenants)) {
			if prev, dup := out.sources[id]; dup {
				return nil, &Error{File: s.sources[id], Tenant: id, Message: "defined twice (also in " + prev + ")"}
			}
			out.tenants[id] = s.tenants[id]
			out.sources[id] = s.sources[id]
		}
		for _, d := range slices.Sorted(maps.Keys(s.domains)) {
			id := s.domains[d]
			if other, taken := out.domains[d]; taken && other != id {
				return nil, &Error{File: s.sources[id], Tenant: id, Path: "/domains", Message: fmt.Sprintf("domain %q is also claimed by tenant %s (%s)", d, other, out.sources[other])}
			}
			out.domains[d] = id
		}
		out.warnings = append(out.warnings, s.warnings...)
	}
	out.seal()
	return out, nil
}

// Data returns the data document parts to mount at data.xtenant:
// {"tenants": {<id>: …}, "domains": {<domain>: <tenant id>}}. The maps are
// fresh at the top level; the tenant objects are shared and read-only.
// Each partner entry is a json.RawMessage holding its canonical JSON
// (compactPartners): JSON encoders write it as the object it holds, and the
// engine's store decodes it only when a decision reads it.
func (s *Set) Data() map[string]any {
	domains := make(map[string]any, len(s.domains))
	for d, id := range s.domains {
		domains[d] = id
	}
	return map[string]any{
		"tenants": maps.Clone(s.tenants),
		"domains": domains,
	}
}

// Tenants returns the tenant objects keyed by lower-case id, every partner
// entry decoded (Data holds them compacted). The maps are fresh down to the
// partner entries; the rest is shared and read-only.
func (s *Set) Tenants() map[string]any {
	out := make(map[string]any, len(s.tenants))
	for id, t := range s.tenants {
		out[id] = expandPartners(t)
	}
	return out
}

// Tenant returns one tenant's object as Tenants does (nil when id is not
// in the set), decoding only its own partner entries.
func (s *Set) Tenant(id string) map[string]any {
	t, ok := s.tenants[id]
	if !ok {
		return nil
	}
	m, _ := expandPartners(t).(map[string]any)
	return m
}

// IDs lists the tenant ids, sorted.
func (s *Set) IDs() []string { return slices.Sorted(maps.Keys(s.tenants)) }

// Source is the file tenant id came from ("" when it is not in the set).
func (s *Set) Source(id string) string { return s.sources[id] }

// NamingAsPartner lists, sorted, the tenants of s whose cross-tenant access
// policy has a partner entry for id: decisions between them and id read
// id's own settings too.
func (s *Set) NamingAsPartner(id string) []string {
	var out []string
	for tid, t := range s.tenants {
		tm, _ := t.(map[string]any)
		ctap, _ := tm["crossTenantAccessPolicy"].(map[string]any)
		partners, _ := ctap["partners"].(map[string]any)
		if _, ok := partners[id]; ok && tid != id {
			out = append(out, tid)
		}
	}
	slices.Sort(out)
	return out
}

// Len is the number of tenants.
func (s *Set) Len() int { return len(s.tenants) }

// Warnings lists the settings the policy will refuse to use, sorted by
// tenant and path.
func (s *Set) Warnings() []Warning { return slices.Clone(s.warnings) }

// Hash is the SHA-256 (hex) of the normalised content: equal sets, equal hash.
func (s *Set) Hash() string { return s.hash }

// ShortHash is the first 12 hex digits of Hash, for revisions.
func (s *Set) ShortHash() string { return s.hash[:12] }

// deepCopy copies a JSON-like value; other Go types are converted through
// JSON so that the result holds only JSON types.
func deepCopy(v any) (any, error) {
	switch t := v.(type) {
	case nil, bool, string, json.Number:
		return t, nil
	case float64:
		if math.IsNaN(t) || math.IsInf(t, 0) {
			return nil, fmt.Errorf("not a JSON value: %v", t)
		}
		return json.Number(strconv.FormatFloat(t, 'g', -1, 64)), nil
	case map[string]any:
		out := make(map[string]any, len(t))
		for k, item := range t {
			c, err := deepCopy(item)
			if err != nil {
				return nil, err
			}
			out[k] = c
		}
		return out, nil
	case []any:
		out := make([]any, len(t))
		for i, item := range t {
			c, err := deepCopy(item)
			if err != nil {
				return nil, err
			}
			out[i] = c
		}
		return out, nil
	}
	b, err := json.Marshal(v)
	if err != nil {
		return nil, fmt.Errorf("not a JSON value: %w", err)
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	var out any
	if err := dec.Decode(&out); err != nil {
		return nil, err
	}
	return out, nil
}
