// Package graph turns raw Microsoft Graph v1.0 responses, saved one file per
// request (docs/contract.md, "xtenant import graph"), into tenant configurations in
// the contract's data shape.
//
// Every field Graph returned is kept; only OData annotations (keys starting
// with "@odata.") are dropped, at every depth. The importer never guesses: a
// file that is not what its request returns is an error naming the file and
// the JSON path, and a paged collection whose next page is missing is an
// error too (an incomplete partner list would silently apply the defaults).
package graph

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"sort"
	"strconv"
	"strings"

	"github.com/xtenant/xtenant/guid"
	"github.com/xtenant/xtenant/jsonpointer"
)

// File names of docs/contract.md's table.
const (
	fileOrganization   = "organization.json"
	fileCrossTenant    = "crossTenantAccessPolicy.json"
	fileDefault        = "default.json"
	filePartners       = "partners"                  // partners.json, partners-2.json, …
	fileCAPolicies     = "conditionalAccessPolicies" // conditionalAccessPolicies.json, -2.json, …
	fileAuthorization  = "authorizationPolicy.json"
	fileB2BManagement  = "b2bManagementPolicy.json"
	identitySyncPrefix = "identitySynchronization-"
)

// maxFileSize bounds what one export file may hold; real exports are far
// smaller, and an unbounded read of an outside file is a denial of service.
const maxFileSize = 64 << 20

// Options tune an import.
type Options struct {
	// TenantID is the tenant's id when organization.json is absent. When both
	// are given they must agree.
	TenantID string
}

// Tenant is one imported tenant: its id (lower case) and its configuration
// in the contract's shape.
type Tenant struct {
	ID     string
	Config map[string]any
}

// Error is a malformed export file: the file, the JSON pointer inside it
// (empty for syntax errors) and what was expected.
type Error struct {
	File    string
	Path    string
	Message string
}

func (e *Error) Error() string {
	if e.Path == "" {
		return e.File + ": " + e.Message
	}
	return e.File + ": " + e.Path + ": " + e.Message
}

// ReadFS imports the export directory held in fsys (its root). name is used
// in error messages (usually the directory path).
func ReadFS(fsys fs.FS, name string, opts Options) (Tenant, error) {
	r := reader{fsys: fsys, dir: name}
	return r.read(opts)
}

type reader struct {
	fsys fs.FS
	dir  string
}

func (r *reader) errf(file, path, format string, args ...any) error {
	return &Error{File: joinName(r.dir, file), Path: path, Message: fmt.Sprintf(format, args...)}
}

func joinName(dir, file string) string {
	if dir == "" || dir == "." {
		return file
	}
	return strings.TrimSuffix(dir, "/") + "/" + file
}

func (r *reader) read(opts Options) (Tenant, error) {
	names, err := r.listFiles()
	if err != nil {
		return Tenant{}, err
	}
	cfg := map[string]any{}

	id := ""
	if names[fileOrganization] {
		org, err := r.organization()
		if err != nil {
			return Tenant{}, err
		}
		id = org.id
		if org.displayName != nil {
			cfg["displayName"] = org.displayName
		}
		cfg["domains"] = org.domains
	}
	if opts.TenantID != "" {
		if !guid.Valid(opts.TenantID) {
			return Tenant{}, fmt.Errorf("--tenant-id %q: expected a GUID", opts.TenantID)
		}
		want := strings.ToLower(opts.TenantID)
		if id != "" && id != want {
			return Tenant{}, r.errf(fileOrganization, "/value/0/id", "tenant %s differs from --tenant-id %s", id, want)
		}
		id = want
	}
	if id == "" {
		return Tenant{}, r.errf(fileOrganization, "", "missing (it or --tenant-id names the tenant)")
	}

	ctap := map[string]any{}
	hasCTAP := false
	if names[fileCrossTenant] {
		obj, err := r.object(fileCrossTenant)
		if err != nil {
			return Tenant{}, err
		}
		if _, ok := obj["allowedCloudEndpoints"]; ok {
			if _, isList := obj["allowedCloudEndpoints"].([]any); !isList && obj["allowedCloudEndpoints"] != nil {
				return Tenant{}, r.errf(fileCrossTenant, "/allowedCloudEndpoints", "expected an array")
			}
		}
		// Graph's own copies of default and partners (expanded responses)
		// would clash with the dedicated files; those files win.
		for k, v := range obj {
			ctap[k] = v
		}
		hasCTAP = true
	}
	if names[fileDefault] {
		obj, err := r.object(fileDefault)
		if err != nil {
			return Tenant{}, err
		}
		ctap["default"] = obj
		hasCTAP = true
	}
	partners, err := r.partners(names)
	if err != nil {
		return Tenant{}, err
	}
	if partners != nil {
		ctap["partners"] = partners
		hasCTAP = true
	}
	if err := r.identitySync(names, partners); err != nil {
		return Tenant{}, err
	}
	if hasCTAP {
		cfg["crossTenantAccessPolicy"] = ctap
	}

	caPages, err := r.pages(names, fileCAPolicies)
	if err != nil {
		return Tenant{}, err
	}
	if caPages != nil {
		policies := []any{}
		for _, p := range caPages {
			for i, item := range p.items {
				if _, ok := item.(map[string]any); !ok {
					return Tenant{}, r.errf(p.file, "/value/"+strconv.Itoa(i), "expected a conditionalAccessPolicy object")
				}
				policies = append(policies, item)
			}
		}
		cfg["conditionalAccessPolicies"] = policies
	}

	for file, key := range map[string]string{fileAuthorization: "authorizationPolicy", fileB2BManagement: "b2bManagementPolicy"} {
		if !names[file] {
			continue
		}
		obj, err := r.object(file)
		if err != nil {
			return Tenant{}, err
		}
		cfg[key] = obj
	}
	return Tenant{ID: id, Config: cfg}, nil
}

// listFiles returns the regular files at the root of the directory.
func (r *reader) listFiles() (map[string]bool, error) {
	entries, err := fs.ReadDir(r.fsys, ".")
	if err != nil {
		return nil, fmt.Errorf("%s: %w", r.dir, err)
	}
	names := map[string]bool{}
	for _, e := range entries {
		if e.Type().IsRegular() {
			names[e.Name()] = true
		}
	}
	return names, nil
}

// decode parses one file: JSON, numbers kept exact, OData annotations
// dropped, a single value and nothing after it.
func (r *reader) decode(file string) (any, error) {
	f, err := r.fsys.Open(file)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", joinName(r.dir, file), err)
	}
	defer f.Close()
	raw, err := io.ReadAll(io.LimitReader(f, maxFileSize+1))
	if err != nil {
		return nil, fmt.Errorf("%s: %w", joinName(r.dir, file), err)
	}
	if len(raw) > maxFileSize {
		return nil, r.errf(file, "", "larger than %d bytes", maxFileSize)
	}
	v, err := decodeJSON(raw)
	if err != nil {
		return nil, r.errf(file, "", "%v", err)
	}
	return stripOData(v), nil
}

// decodeJSON parses exactly one JSON value. UTF-8 BOMs are accepted because
// PowerShell's Out-File writes them.
func decodeJSON(raw []byte) (any, error) {
	raw = bytes.TrimPrefix(raw, []byte("\xef\xbb\xbf"))
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		var se *json.SyntaxError
		if errors.As(err, &se) {
			return nil, fmt.Errorf("invalid JSON at byte %d: %v", se.Offset, se)
		}
		if errors.Is(err, io.EOF) {
			return nil, errors.New("empty file, expected a JSON object")
		}
		return nil, fmt.Errorf("invalid JSON: %v", err)
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return nil, fmt.Errorf("invalid JSON: data after the value at byte %d", dec.InputOffset())
	}
	return v, nil
}

// stripOData drops "@odata.*" keys at every depth.
func stripOData(v any) any {
	switch t := v.(type) {
	case map[string]any:
		for k, child := range t {
			if strings.HasPrefix(k, "@odata.") {
				delete(t, k)
				continue
			}
			t[k] = stripOData(child)
		}
		return t
	case []any:
		for i, child := range t {
			t[i] = stripOData(child)
		}
		return t
	default:
		return v
	}
}

func (r *reader) object(file string) (map[string]any, error) {
	v, err := r.decode(file)
	if err != nil {
		return nil, err
	}
	obj, ok := v.(map[string]any)
	if !ok {
		return nil, r.errf(file, "", "expected a JSON object, got %s", jsonKind(v))
	}
	return obj, nil
}

type organization struct {
	id          string
	displayName any
	domains     []any
}

func (r *reader) organization() (organization, error) {
	obj, err := r.object(fileOrganization)
	if err != nil {
		return organization{}, err
	}
	// GET /organization returns a collection; GET /organization/{id} the
	// entity itself. Both are accepted.
	ent := obj
	path := ""
	if v, ok := obj["value"]; ok {
		list, ok := v.([]any)
		if !ok {
			return organization{}, r.errf(fileOrganization, "/value", "expected an array, got %s", jsonKind(v))
		}
		if len(list) != 1 {
			return organization{}, r.errf(fileOrganization, "/value", "expected exactly one organization, got %d", len(list))
		}
		if ent, ok = list[0].(map[string]any); !ok {
			return organization{}, r.errf(fileOrganization, "/value/0", "expected an object, got %s", jsonKind(list[0]))
		}
		path = "/value/0"
	}
	id, ok := ent["id"].(string)
	if !ok || !guid.Valid(id) {
		return organization{}, r.errf(fileOrganization, path+"/id", "expected the tenant id (a GUID)")
	}
	org := organization{id: strings.ToLower(id), domains: []any{}}
	if dn, ok := ent["displayName"]; ok && dn != nil {
		if _, isStr := dn.(string); !isStr {
			return organization{}, r.errf(fileOrganization, path+"/displayName", "expected a string, got %s", jsonKind(dn))
		}
		org.displayName = dn
	}
	if vd, ok := ent["verifiedDomains"]; ok && vd != nil {
		list, ok := vd.([]any)
		if !ok {
			return organization{}, r.errf(fileOrganization, path+"/verifiedDomains", "expected an array, got %s", jsonKind(vd))
		}
		for i, d := range list {
			p := path + "/verifiedDomains/" + strconv.Itoa(i)
			dom, ok := d.(map[string]any)
			if !ok {
				return organization{}, r.errf(fileOrganization, p, "expected an object, got %s", jsonKind(d))
			}
			name, ok := dom["name"].(string)
			if !ok || name == "" {
				return organization{}, r.errf(fileOrganization, p+"/name", "expected a domain name")
			}
			org.domains = append(org.domains, strings.ToLower(name))
		}
	}
	return org, nil
}

type page struct {
	file  string
	items []any
	next  bool
}

// pages reads base.json, base-2.json, … in order. It returns nil when no
// page exists.
func (r *reader) pages(names map[string]bool, base string) ([]page, error) {
	numbers := []int{}
	for name := range names {
		rest, ok := strings.CutPrefix(name, base+"-")
		if !ok {
			continue
		}
		digits, ok := strings.CutSuffix(rest, ".json")
		if !ok {
			continue
		}
		n, err := strconv.Atoi(digits)
		if err != nil || n < 2 || strconv.Itoa(n) != digits {
			return nil, r.errf(name, "", "unexpected page file name (expected %s-2.json, %s-3.json, …)", base, base)
		}
		numbers = append(numbers, n)
	}
	sort.Ints(numbers)
	first := base + ".json"
	if !names[first] {
		if len(numbers) > 0 {
			return nil, r.errf(first, "", "missing, but later pages exist")
		}
		return nil, nil
	}
	files := []string{first}
	for i, n := range numbers {
		if n != i+2 {
			return nil, r.errf(fmt.Sprintf("%s-%d.json", base, i+2), "", "missing page (a later page exists)")
		}
		files = append(files, fmt.Sprintf("%s-%d.json", base, n))
	}
	out := make([]page, 0, len(files))
	for _, file := range files {
		p, err := r.page(file)
		if err != nil {
			return nil, err
		}
		out = append(out, p)
	}
	for i, p := range out {
		last := i == len(out)-1
		if p.next && last {
			return nil, r.errf(p.file, "/@odata.nextLink", "has a next page, but %s-%d.json is missing", base, i+2)
		}
	}
	return out, nil
}

func (r *reader) page(file string) (page, error) {
	// The raw decode keeps @odata.nextLink so that a missing page is noticed.
	f, err := r.fsys.Open(file)
	if err != nil {
		return page{}, fmt.Errorf("%s: %w", joinName(r.dir, file), err)
	}
	raw, err := io.ReadAll(io.LimitReader(f, maxFileSize+1))
	f.Close()
	if err != nil {
		return page{}, fmt.Errorf("%s: %w", joinName(r.dir, file), err)
	}
	if len(raw) > maxFileSize {
		return page{}, r.errf(file, "", "larger than %d bytes", maxFileSize)
	}
	v, err := decodeJSON(raw)
	if err != nil {
		return page{}, r.errf(file, "", "%v", err)
	}
	obj, ok := v.(map[string]any)
	if !ok {
		return page{}, r.errf(file, "", "expected a Graph collection object, got %s", jsonKind(v))
	}
	next := false
	if nl, ok := obj["@odata.nextLink"]; ok && nl != nil {
		if _, isStr := nl.(string); !isStr {
			return page{}, r.errf(file, "/@odata.nextLink", "expected a string")
		}
		next = true
	}
	obj = stripOData(obj).(map[string]any)
	items, ok := obj["value"].([]any)
	if !ok {
		return page{}, r.errf(file, "/value", "expected an array, got %s", jsonKind(obj["value"]))
	}
	return page{file: file, items: items, next: next}, nil
}

// partners keys the partner pages by tenant id. It returns nil when no page
// exists.
func (r *reader) partners(names map[string]bool) (map[string]any, error) {
	pages, err := r.pages(names, filePartners)
	if err != nil || pages == nil {
		return nil, err
	}
	out := map[string]any{}
	seen := map[string]string{}
	for _, p := range pages {
		for i, item := range p.items {
			path := "/value/" + strconv.Itoa(i)
			obj, ok := item.(map[string]any)
			if !ok {
				return nil, r.errf(p.file, path, "expected a crossTenantAccessPolicyConfigurationPartner object, got %s", jsonKind(item))
			}
			id, ok := obj["tenantId"].(string)
			if !ok || !guid.Valid(id) {
				return nil, r.errf(p.file, path+"/tenantId", "expected the partner's tenant id (a GUID)")
			}
			key := strings.ToLower(id)
			if prev, dup := seen[key]; dup {
				return nil, r.errf(p.file, path+"/tenantId", "partner %s listed twice (also in %s)", key, prev)
			}
			seen[key] = joinName(r.dir, p.file)
			out[key] = obj
		}
	}
	return out, nil
}

// identitySync places identitySynchronization-<id>.json under its partner.
func (r *reader) identitySync(names map[string]bool, partners map[string]any) error {
	files := []string{}
	for name := range names {
		if strings.HasPrefix(name, identitySyncPrefix) && strings.HasSuffix(name, ".json") {
			files = append(files, name)
		}
	}
	sort.Strings(files)
	for _, file := range files {
		id := strings.TrimSuffix(strings.TrimPrefix(file, identitySyncPrefix), ".json")
		if !guid.Valid(id) {
			return r.errf(file, "", "the file name must end in the partner's tenant id (a GUID)")
		}
		key := strings.ToLower(id)
		obj, err := r.object(file)
		if err != nil {
			return err
		}
		if tid, ok := obj["tenantId"]; ok && tid != nil {
			s, isStr := tid.(string)
			if !isStr || strings.ToLower(s) != key {
				return r.errf(file, "/tenantId", "expected %s (the tenant id in the file name)", key)
			}
		}
		partner, ok := partners[key].(map[string]any)
		if !ok {
			// Graph serves identitySynchronization only below an existing
			// partner configuration; inventing one would change decisions.
			return r.errf(file, "", "partner %s is not in partners.json", key)
		}
		partner["identitySynchronization"] = obj
	}
	return nil
}

// jsonKind is the JSON type of v with its article, for messages ("expected
// an object, got a string").
func jsonKind(v any) string {
	switch t := jsonpointer.TypeName(v); t {
	case "null":
		return t
	case "array", "object":
		return "an " + t
	case "boolean", "number", "string":
		return "a " + t
	default:
		return t
	}
}
