package engine

import (
	"context"
	"encoding/json"
	"maps"
	"testing"

	"github.com/open-policy-agent/opa/v1/ast"
	"github.com/open-policy-agent/opa/v1/storage"
	"github.com/open-policy-agent/opa/v1/storage/inmem"
)

// TestViewOf: which reads the store answers with a view, what the view
// holds, and that the store's own maps are left as they were.
func TestViewOf(t *testing.T) {
	const (
		a = "aaaaaaaa-0000-0000-0000-000000000001"
		b = "bbbbbbbb-0000-0000-0000-000000000002"
		c = "cccccccc-0000-0000-0000-000000000003"
	)
	entryAB := json.RawMessage(`{"b2bCollaborationInbound":{"usersAndGroups":{"accessType":"allowed","targets":[{"target":"AllUsers","targetType":"user"}]}},"tenantId":"` + b + `"}`)
	entryBA := json.RawMessage(`{"isServiceProvider":true,"tenantId":"` + a + `"}`)
	entryAC := json.RawMessage(`{"tenantId":"` + c + `"}`)
	tenant := func(partners map[string]any) map[string]any {
		return map[string]any{
			"displayName":             ast.String("t"),
			"crossTenantAccessPolicy": map[string]any{"default": ast.NewObject(), "partners": partners},
		}
	}
	tenants := map[string]any{
		a: tenant(map[string]any{b: entryAB, c: entryAC}),
		b: tenant(map[string]any{a: entryBA}),
		c: tenant(map[string]any{a: json.RawMessage(`{"x":1,"x":2}`)}), // refused by decodeEntry
	}
	partnersOf := func(v any, x string) map[string]any {
		return v.(map[string]any)[x].(map[string]any)["crossTenantAccessPolicy"].(map[string]any)["partners"].(map[string]any)
	}
	for _, tc := range []struct {
		name           string
		home, resource string
		scoped         bool
		path           storage.Path
		value          any
		// converted: (tenant, partner) entries the view holds as AST
		converted [][2]string
	}{
		{"no scope", b, a, false, storage.Path{"xtenant", "tenants"}, tenants, nil},
		{"both entries", b, a, true, storage.Path{"xtenant", "tenants"}, tenants, [][2]string{{a, b}, {b, a}}},
		{"one way only", c, a, true, storage.Path{"xtenant", "tenants"}, tenants, [][2]string{{a, c}}},
		{"below a tenant", b, a, true, storage.Path{"xtenant", "tenants", a}, tenants[a], [][2]string{{a, b}}},
		{"another tenant", b, a, true, storage.Path{"xtenant", "tenants", c}, tenants[c], nil},
		{"the entry itself", b, a, true, storage.Path{"xtenant", "tenants", a, "crossTenantAccessPolicy", "partners", b}, entryAB, nil},
		{"unknown home", "dddddddd-0000-0000-0000-000000000004", a, true, storage.Path{"xtenant", "tenants"}, tenants, nil},
		{"one tenant", a, a, true, storage.Path{"xtenant", "tenants"}, tenants, nil},
		{"entry decodeEntry refuses", a, c, true, storage.Path{"xtenant", "tenants"}, tenants, [][2]string{{a, c}}},
		{"elsewhere", b, a, true, storage.Path{"xtenant", "options"}, map[string]any{"x": ast.Boolean(true)}, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			before := maps.Clone(partnersOf(tenants, a))
			ctx := context.Background()
			if tc.scoped {
				ctx = withPair(ctx, &pairScope{home: tc.home, resource: tc.resource})
			}
			got := viewOf(ctx, tc.path, tc.value)
			if len(tc.converted) == 0 {
				if m, ok := got.(map[string]any); ok {
					if want, _ := tc.value.(map[string]any); !sameMap(m, want) {
						t.Fatal("a view where none was due")
					}
				} else if string(got.(json.RawMessage)) != string(tc.value.(json.RawMessage)) {
					t.Fatal("the entry itself changed")
				}
			}
			for _, xy := range tc.converted {
				var raw, inView any
				if len(tc.path) == 2 {
					raw, inView = partnersOf(tenants, xy[0])[xy[1]], partnersOf(got, xy[0])[xy[1]]
				} else {
					raw = partnersOf(tenants, xy[0])[xy[1]]
					inView = got.(map[string]any)["crossTenantAccessPolicy"].(map[string]any)["partners"].(map[string]any)[xy[1]]
				}
				v, ok := inView.(ast.Value)
				if !ok {
					t.Fatalf("entry %s→%s not converted in the view (%T)", xy[0], xy[1], inView)
				}
				if want := opaEntry(t, raw.(json.RawMessage)); v.Compare(want) != 0 {
					t.Errorf("entry %s→%s: %v, OPA makes %v", xy[0], xy[1], v, want)
				}
			}
			if after := partnersOf(tenants, a); !sameMap(after, before) || len(after) != len(before) {
				t.Fatal("the store's partners map was modified")
			}
			for _, x := range []string{a, b} {
				for y, e := range partnersOf(tenants, x) {
					if _, ok := e.(json.RawMessage); !ok {
						t.Fatalf("store entry %s→%s became %T", x, y, e)
					}
				}
			}
		})
	}
}

// sameMap reports whether two maps are the same map value (not a copy).
func sameMap(a, b map[string]any) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if w, ok := b[k]; !ok || !sameValue(v, w) {
			return false
		}
	}
	return true
}

func sameValue(a, b any) bool {
	switch x := a.(type) {
	case json.RawMessage:
		y, ok := b.(json.RawMessage)
		return ok && string(x) == string(y)
	case map[string]any:
		y, ok := b.(map[string]any)
		return ok && sameMap(x, y)
	case ast.Value:
		y, ok := b.(ast.Value)
		return ok && x.Compare(y) == 0
	}
	return a == b
}

// TestPairEntryRead: reads at or inside the pair's partner entries come from
// the entry decodeEntry made, once per request; any other read, an entry
// that is not raw, and an engine leaving entries to OPA go to the store.
func TestPairEntryRead(t *testing.T) {
	const (
		a = "aaaaaaaa-0000-0000-0000-000000000001"
		b = "bbbbbbbb-0000-0000-0000-000000000002"
		c = "cccccccc-0000-0000-0000-000000000003"
	)
	entryAB := json.RawMessage(`{"b2bCollaborationInbound":{"usersAndGroups":{"accessType":"allowed","targets":[{"target":"AllUsers","targetType":"user"}]}},"tenantId":"` + b + `"}`)
	tenant := func(partners map[string]any) map[string]any {
		return map[string]any{"crossTenantAccessPolicy": map[string]any{"partners": partners}}
	}
	data := map[string]any{"xtenant": map[string]any{"tenants": map[string]any{
		a: tenant(map[string]any{b: entryAB, c: json.RawMessage(`{"tenantId":"` + c + `"}`)}),
		b: tenant(map[string]any{a: ast.MustParseTerm(`{"tenantId": "` + a + `"}`).Value}),
	}}}
	store := rawStore{inmem.NewFromObjectWithOpts(data, inmem.OptRoundTripOnWrite(false))}
	ctx := context.Background()
	txn := storage.NewTransactionOrDie(ctx, store)
	defer store.Abort(ctx, txn)
	entry := func(x, y string, more ...string) storage.Path {
		p := entryPath(x, y)
		return append(storage.Path(p[:]), more...)
	}
	opa := opaEntry(t, entryAB)

	scope := &pairScope{home: b, resource: a}
	scoped := withPair(ctx, scope)
	v, err := store.Read(scoped, txn, entry(a, b))
	if err != nil || v.(ast.Value).Compare(opa) != 0 {
		t.Fatalf("entry: %v %v, OPA makes %v", v, err, opa)
	}
	if scope.entries[0] != v {
		t.Fatal("the entry read is not the scope's")
	}
	v, err = store.Read(scoped, txn, entry(a, b, "b2bCollaborationInbound", "usersAndGroups", "targets", "0", "target"))
	if err != nil || v != ast.String("AllUsers") {
		t.Fatalf("inside the entry: %v %v", v, err)
	}
	if _, err := store.Read(scoped, txn, entry(a, b, "tenantId", "x")); !storage.IsNotFound(err) {
		t.Fatalf("below a string: %v", err)
	}
	if _, err := store.Read(scoped, txn, entry(a, b, "b2bCollaborationOutbound")); !storage.IsNotFound(err) {
		t.Fatalf("a member the entry lacks: %v", err)
	}
	// The entry the other way is an AST value in the store: as it is.
	if v, err := store.Read(scoped, txn, entry(b, a, "tenantId")); err != nil || v != ast.String(a) || scope.entries[1] != nil {
		t.Fatalf("entry not raw: %v %v (scope holds %v)", v, err, scope.entries[1])
	}
	// Another pair's entry: the store's own answer, decoded from its bytes.
	if v, err := store.Read(scoped, txn, entry(a, c, "tenantId")); err != nil || v != c {
		t.Fatalf("another entry: %v (%T) %v", v, v, err)
	}
	// A pair whose entry is absent: not found, as from the store.
	if _, err := store.Read(withPair(ctx, &pairScope{home: c, resource: b}), txn, entry(b, c, "tenantId")); !storage.IsNotFound(err) {
		t.Fatalf("absent entry: %v", err)
	}
	// No scope, or an engine leaving entries to OPA: the raw bytes.
	for _, c := range []context.Context{ctx, withPair(ctx, &pairScope{home: b, resource: a, opaEntries: true})} {
		if v, err := store.Read(c, txn, entry(a, b)); err != nil || string(v.(json.RawMessage)) != string(entryAB) {
			t.Fatalf("unscoped: %v %v", v, err)
		}
	}
}
