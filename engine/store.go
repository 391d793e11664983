package engine

import (
	"context"
	"encoding/json"
	"errors"
	"maps"
	"slices"
	"strconv"

	"github.com/open-policy-agent/opa/v1/ast"
	"github.com/open-policy-agent/opa/v1/storage"
	"github.com/open-policy-agent/opa/v1/util"
)

// rawStore is the snapshot's store: Go maps down to the raw values
// (prepareData), with AST values and json.RawMessage below them. OPA takes
// such values as they are, or decodes them, when a query reads them whole;
// rawStore also answers a read of a path inside one
// (data.xtenant.tenants[t].crossTenantAccessPolicy.partners[p].tenantId,
// written out in an extension), which the in-memory store alone would
// report as not found.
type rawStore struct {
	storage.Store
}

func (s rawStore) Read(ctx context.Context, txn storage.Transaction, path storage.Path) (any, error) {
	if v, ok, err := s.pairEntryRead(ctx, txn, path); ok {
		return v, err
	}
	v, err := s.Store.Read(ctx, txn, path)
	if err == nil {
		return viewOf(ctx, path, v), nil
	}
	if !storage.IsNotFound(err) {
		return v, err
	}
	// Only a miss pays for this: find the nearest enclosing value that is
	// not a Go map.
	for i := len(path) - 1; i > 0; i-- {
		outer, perr := s.Store.Read(ctx, txn, path[:i])
		if perr != nil {
			continue
		}
		switch t := outer.(type) {
		case json.RawMessage:
			var decoded any
			if derr := util.UnmarshalJSON(t, &decoded); derr != nil {
				return nil, derr
			}
			return inside(decoded, path[i:], err)
		case ast.Value:
			return insideAST(t, path[i:], err)
		}
		return nil, err // a real miss
	}
	return nil, err
}

// pairEntryRead answers a read at or inside one of the partner entries of
// the evaluation's tenant pair (withPair) from the entry converted once per
// request (decodeEntry): the engine's policy reads them so, by their paths
// (inlineDataAliases). ok is false for any other read, and for an entry
// that is not raw (left to the store as it is).
func (s rawStore) pairEntryRead(ctx context.Context, txn storage.Transaction, path storage.Path) (v any, ok bool, err error) {
	if len(path) < entryPathLen {
		return nil, false, nil
	}
	scope, found := ctx.Value(pairScopeKey{}).(*pairScope)
	if !found || scope.opaEntries {
		return nil, false, nil
	}
	i := scope.side(path)
	if i < 0 {
		return nil, false, nil
	}
	e := scope.entries[i]
	if e == nil {
		raw, err := s.Store.Read(ctx, txn, path[:entryPathLen])
		if err != nil {
			if storage.IsNotFound(err) && len(path) > entryPathLen {
				return nil, true, notFoundAt(path)
			}
			return nil, true, err
		}
		r, isRaw := raw.(json.RawMessage)
		if !isRaw {
			return nil, false, nil
		}
		if e, ok = decodeEntry(r); !ok {
			return nil, false, nil
		}
		scope.entries[i] = e
	}
	inner, err := insideAST(e, path[entryPathLen:], errMissing)
	if err != nil {
		return nil, true, notFoundAt(path)
	}
	return inner, true, nil
}

// errMissing stands for a miss inside an entry until notFoundAt names it:
// a read that finds its value builds no error.
var errMissing = errors.New("missing")

// notFoundAt is the store's not-found error for path.
func notFoundAt(path storage.Path) error {
	return &storage.Error{Code: storage.NotFoundErr, Message: path.String() + ": document does not exist"}
}

// insideAST follows path into an AST value; notFound when it is not there.
func insideAST(v ast.Value, path storage.Path, notFound error) (ast.Value, error) {
	for _, key := range path {
		var next *ast.Term
		switch t := v.(type) {
		case ast.Object:
			next = t.Get(ast.StringTerm(key))
		case *ast.Array:
			if i, err := strconv.Atoi(key); err == nil && i >= 0 && i < t.Len() {
				next = t.Elem(i)
			}
		}
		if next == nil {
			return nil, notFound
		}
		v = next.Value
	}
	return v, nil
}

// inside follows path into a decoded JSON value; notFound when it is not there.
func inside(v any, path storage.Path, notFound error) (any, error) {
	for _, key := range path {
		switch t := v.(type) {
		case map[string]any:
			var ok bool
			if v, ok = t[key]; !ok {
				return nil, notFound
			}
		case []any:
			i, err := strconv.Atoi(key)
			if err != nil || i < 0 || i >= len(t) {
				return nil, notFound
			}
			v = t[i]
		default:
			return nil, notFound
		}
	}
	return v, nil
}

// plain returns v with the store's own values in it made plain Go values.
// A query result that is an object read from the store (all of data, the
// tenants object, a tenant) comes back as the store's Go maps, with AST
// values and raw entries in it (prepareData); callers of Query expect
// JSON-like Go values only. Maps are copied on the way to a replaced value,
// never modified: they are the store's.
func plain(v any) (any, error) {
	out, _, err := plainValue(v)
	return out, err
}

// plainValue is plain; changed reports that out is not v.
func plainValue(v any) (out any, changed bool, err error) {
	switch t := v.(type) {
	case ast.Value:
		out, err := ast.JSON(t)
		return out, true, err
	case json.RawMessage:
		err := util.UnmarshalJSON(t, &out)
		return out, true, err
	case map[string]any:
		var copied map[string]any
		for k, item := range t {
			p, changed, err := plainValue(item)
			if err != nil {
				return nil, false, err
			}
			if changed && copied == nil {
				copied = maps.Clone(t)
			}
			if changed {
				copied[k] = p
			}
		}
		if copied == nil {
			return t, false, nil
		}
		return copied, true, nil
	case []any:
		var copied []any
		for i, item := range t {
			p, changed, err := plainValue(item)
			if err != nil {
				return nil, false, err
			}
			if changed && copied == nil {
				copied = slices.Clone(t)
			}
			if changed {
				copied[i] = p
			}
		}
		if copied == nil {
			return t, false, nil
		}
		return copied, true, nil
	}
	return v, false, nil
}
