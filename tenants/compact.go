package tenants

import (
	"bytes"
	"encoding/json"
	"maps"
)

// compactPartners replaces each partner entry of tenant t (a validated,
// normalised object) by its canonical JSON: the bytes json.Marshal gives for
// it, which contentHash writes as they are. Partner entries are nearly all of
// a large configuration (100,000 of them in 200 tenants is 240 MB of JSON),
// and a decision reads one or two of them. As decoded Go maps they cost
// about five times their JSON size and hold millions of pointers that every
// garbage collection marks; as bytes they cost their size and are never
// scanned. OPA decodes an entry when a query reads it (ast.LazyObject
// converts a value it does not know by a JSON round trip), so every
// evaluation sees exactly the values it saw before.
func compactPartners(t map[string]any) {
	ctap, _ := t["crossTenantAccessPolicy"].(map[string]any)
	partners, _ := ctap["partners"].(map[string]any)
	if len(partners) == 0 {
		return
	}
	var buf bytes.Buffer
	w := &canonicalWriter{w: &buf}
	for id, p := range partners {
		if _, ok := p.(map[string]any); !ok {
			continue // null: kept as is
		}
		buf.Reset()
		w.value(p)
		partners[id] = json.RawMessage(bytes.Clone(buf.Bytes()))
	}
}

// expandPartners returns tenant t with its partner entries decoded again,
// copying the maps on the way; t is not modified.
func expandPartners(t any) any {
	tm, _ := t.(map[string]any)
	ctap, _ := tm["crossTenantAccessPolicy"].(map[string]any)
	partners, _ := ctap["partners"].(map[string]any)
	if len(partners) == 0 {
		return t
	}
	out := make(map[string]any, len(partners))
	for id, p := range partners {
		raw, ok := p.(json.RawMessage)
		if !ok {
			out[id] = p
			continue
		}
		v, ok := decodeFast(raw)
		if !ok {
			panic("tenants: a compacted partner entry is not JSON") // written by canonicalWriter
		}
		out[id] = v
	}
	ctap = maps.Clone(ctap)
	ctap["partners"] = out
	tm = maps.Clone(tm)
	tm["crossTenantAccessPolicy"] = ctap
	return tm
}
