package engine

import (
	"context"
	"encoding/json"
	"maps"

	"github.com/open-policy-agent/opa/v1/ast"
	"github.com/open-policy-agent/opa/v1/storage"
)

// The partner entries a decision reads are those of its tenant pair:
// data.xtenant.tenants[resource].crossTenantAccessPolicy.partners[home] and
// the other way round. OPA wraps a Go map read from the store in
// ast.LazyObject for the evaluation, and converts a raw entry it reaches by a
// JSON round trip (ast.InterfaceToValue), the only conversion it offers for
// a value it does not know; it takes an AST value found in the maps as it
// is. So the engine tells the store the pair of an evaluation through its
// context (withPair). The engine's policy reads an entry by its path
// (inlineDataAliases), which the store answers with the entry converted by
// decodeEntry (rawStore.pairEntryRead); a read above the two entries (a
// tenant, or the tenants object when the policy is read as written, the
// rule `tenants := data.xtenant.tenants`) it answers with a view: the
// store's maps copied along the path to each entry, the entry in place
// converted, everything else shared. The view is the evaluation's own: its
// cost is copying the maps on the way (the tenants object if read, the
// pair's tenants and their partners), which is why it stops at maps larger
// than viewMaxMembers, where OPA's own conversion is the cheaper. One scope
// serves a request's pair summary and its decision (Evaluate), so a request
// converts each entry once. Converted entries are not kept across
// requests: an entry's AST (18 KB on average on generated data, astCost)
// holds the bytes of one or two pair summaries, and a pair summary found
// saves thirty times what an entry found would.
const viewMaxMembers = 4096

type pairScopeKey struct{}

// pairScope is the tenant pair of one evaluation (canonical ids) and its
// partner entries as converted so far: the resource's entry for the home
// tenant, then the home's for the resource. Only the evaluation's goroutine
// touches it (OPA reads the store from the goroutine evaluating).
type pairScope struct {
	home, resource string
	entries        [2]ast.Value
	// The views made, by the path read: a request's decision reads the
	// tenants as its pair summary did, and takes the same views. The
	// engine's policy reads each tenant of the pair on its own (two
	// paths); a policy evaluated as written, the tenants object (one).
	views [2]scopeView
	// noView makes no view: a decision whose pair summary was cached
	// (Evaluate) reads few entries, if any, and those by their paths.
	noView bool
	// opaEntries leaves every entry to the store's and OPA's conversion,
	// read at any path (WithoutEntryView, for comparisons).
	opaEntries bool

	// The summaries the engine hands this evaluation's policy through its
	// own functions (pairSummaryFunc, tenantSummaryFunc); nil: none bound.
	pair, tenant ast.Value
	// restriction finds or computes the tenant restrictions facts of
	// tenant t for key x (restrictionFactsFunc); nil: none bound.
	restriction func(t, x ast.Value) (ast.Value, error)
}

type scopeView struct {
	path storage.Path
	v    map[string]any
}

// viewed reports that the scope made a view.
func (s *pairScope) viewed() bool { return s.views[0].v != nil }

// withPair returns ctx telling the store the evaluation's tenant pair.
func withPair(ctx context.Context, scope *pairScope) context.Context {
	return context.WithValue(ctx, pairScopeKey{}, scope)
}

// entryPath is where a partner entry lives below data (storage path
// segments): xtenant tenants <x> crossTenantAccessPolicy partners <y>.
const entryPathLen = 6

func entryPath(x, y string) [entryPathLen]string {
	return [entryPathLen]string{"xtenant", "tenants", x, "crossTenantAccessPolicy", "partners", y}
}

// side is the index in entries of the pair's entry at the start of path
// (at least entryPathLen long); -1 when path is elsewhere.
func (s *pairScope) side(path storage.Path) int {
	for i, xy := range [2][2]string{{s.resource, s.home}, {s.home, s.resource}} {
		if i == 1 && xy[0] == xy[1] {
			break // one tenant: one entry
		}
		full := entryPath(xy[0], xy[1])
		if hasPrefix(full[:], path[:entryPathLen]) {
			return i
		}
	}
	return -1
}

// patch is one entry put into a view: the path below the value read, and
// the converted entry.
type patch struct {
	keys []string
	v    ast.Value
}

// viewOf returns v, read at path, with the scope's partner entries below it
// converted; v itself when there is nothing to convert (no scope, a path
// elsewhere, an entry absent or not raw, a map too large).
func viewOf(ctx context.Context, path storage.Path, v any) any {
	scope, ok := ctx.Value(pairScopeKey{}).(*pairScope)
	if !ok || scope.noView || len(path) >= entryPathLen {
		return v
	}
	var patches [2]patch
	n := 0
	for i, xy := range [2][2]string{{scope.resource, scope.home}, {scope.home, scope.resource}} {
		if i == 1 && xy[0] == xy[1] {
			break // one tenant: one entry
		}
		full := entryPath(xy[0], xy[1])
		if !hasPrefix(full[:], path) {
			continue
		}
		keys := full[len(path):]
		raw, ok := rawAt(v, keys)
		if !ok {
			continue
		}
		e := scope.entries[i]
		if e == nil {
			if e, ok = decodeEntry(raw); !ok {
				continue
			}
			scope.entries[i] = e
		}
		patches[n] = patch{keys: keys, v: e}
		n++
	}
	if n == 0 {
		return v
	}
	free := -1
	for i := range scope.views {
		switch sv := &scope.views[i]; {
		case sv.v == nil && free < 0:
			free = i
		case sv.v != nil && samePath(sv.path, path):
			return sv.v
		}
	}
	view := patched(v.(map[string]any), patches[:n], 0)
	if free < 0 {
		// A third path: the oldest view goes.
		scope.views[0], free = scope.views[1], 1
	}
	scope.views[free] = scopeView{path: path, v: view}
	return view
}

func samePath(a, b storage.Path) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func hasPrefix(full []string, path storage.Path) bool {
	if len(path) > len(full) {
		return false
	}
	for i, seg := range path {
		if full[i] != seg {
			return false
		}
	}
	return true
}

// rawAt is the raw entry at keys below v, when every map on the way is small
// enough to copy.
func rawAt(v any, keys []string) (json.RawMessage, bool) {
	for _, k := range keys {
		m, ok := v.(map[string]any)
		if !ok || len(m) > viewMaxMembers {
			return nil, false
		}
		v = m[k]
	}
	raw, ok := v.(json.RawMessage)
	return raw, ok
}

// patched copies m and the maps below it on the way to each patch (all
// patches are as deep: entries of two tenants, or the one of one tenant).
func patched(m map[string]any, ps []patch, depth int) map[string]any {
	out := maps.Clone(m)
	if depth == len(ps[0].keys)-1 {
		for _, p := range ps {
			out[p.keys[depth]] = p.v
		}
		return out
	}
	if len(ps) == 2 && ps[0].keys[depth] == ps[1].keys[depth] {
		k := ps[0].keys[depth]
		out[k] = patched(m[k].(map[string]any), ps, depth+1)
		return out
	}
	for i, p := range ps {
		k := p.keys[depth]
		out[k] = patched(m[k].(map[string]any), ps[i:i+1], depth+1)
	}
	return out
}
