package engine

import (
	"context"
	"encoding/json"
	"strconv"

	"github.com/open-policy-agent/opa/v1/storage"
	"github.com/open-policy-agent/opa/v1/util"
)

// rawStore is the snapshot's store: data as handed over, where a value may
// be a json.RawMessage (the tenants loader holds partner entries so). OPA
// decodes such a value when a query reads it whole; rawStore also answers a
// read of a path inside one (data.xtenant.tenants[t].crossTenantAccessPolicy
// .partners[p].b2bCollaborationInbound, written out in an extension), which
// the in-memory store alone would report as not found.
type rawStore struct {
	storage.Store
}

func (s rawStore) Read(ctx context.Context, txn storage.Transaction, path storage.Path) (any, error) {
	v, err := s.Store.Read(ctx, txn, path)
	if err == nil || !storage.IsNotFound(err) {
		return v, err
	}
	// Only a miss pays for this: find the nearest enclosing raw value.
	for i := len(path) - 1; i > 0; i-- {
		outer, perr := s.Store.Read(ctx, txn, path[:i])
		if perr != nil {
			continue
		}
		raw, ok := outer.(json.RawMessage)
		if !ok {
			return nil, err // a real miss
		}
		var decoded any
		if derr := util.UnmarshalJSON(raw, &decoded); derr != nil {
			return nil, derr
		}
		return inside(decoded, path[i:], err)
	}
	return nil, err
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
