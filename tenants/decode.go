package tenants

import (
	"encoding/json"
	"strings"
	"unicode/utf8"
)

// maxDepth is encoding/json's nesting limit: deeper documents go to the
// fallback, which reports them as it always did.
const maxDepth = 10000

// decoder decodes one JSON document into exactly what encoding/json with
// UseNumber gives (map[string]any, []any, string, bool, nil, json.Number),
// several times faster, and with every repeated string stored once: Graph
// JSON repeats the same keys (accessType, targets, targetType …), keywords
// (allowed, AllUsers, group …) and ids (a tenant's groups and apps) across
// partners, so sharing them cuts the decoded tree by a large factor.
//
// It only handles well-formed input: on anything else ok is false and the
// caller decodes again with encoding/json, whose error message is the one
// users have always seen.
type decoder struct {
	data  []byte
	pos   int
	depth int
	strs  map[string]any // each distinct string, boxed once: no allocation to repeat it
	stack []any          // elements of the arrays being decoded, reused
}

// decodeFast decodes raw. ok is false when raw is not one well-formed JSON
// value followed only by white space.
func decodeFast(raw []byte) (v any, ok bool) {
	d := &decoder{data: raw, strs: make(map[string]any, 1024)}
	v, ok = d.value()
	if !ok {
		return nil, false
	}
	d.skipSpace()
	if d.pos != len(d.data) {
		return nil, false
	}
	return v, true
}

func (d *decoder) skipSpace() {
	for d.pos < len(d.data) {
		switch d.data[d.pos] {
		case ' ', '\t', '\n', '\r':
			d.pos++
		default:
			return
		}
	}
}

func (d *decoder) value() (any, bool) {
	d.skipSpace()
	if d.pos >= len(d.data) {
		return nil, false
	}
	switch c := d.data[d.pos]; {
	case c == '{':
		return d.object()
	case c == '[':
		return d.array()
	case c == '"':
		return d.str()
	case c == 't':
		return true, d.literal("true")
	case c == 'f':
		return false, d.literal("false")
	case c == 'n':
		return nil, d.literal("null")
	case c == '-' || '0' <= c && c <= '9':
		return d.number()
	}
	return nil, false
}

func (d *decoder) literal(lit string) bool {
	if len(d.data)-d.pos < len(lit) || string(d.data[d.pos:d.pos+len(lit)]) != lit {
		return false
	}
	d.pos += len(lit)
	return true
}

func (d *decoder) object() (any, bool) {
	m := make(map[string]any)
	ok := d.members(func(k string) bool {
		v, ok := d.value()
		m[k] = v // a repeated key: the last one wins, as in encoding/json
		return ok
	})
	if !ok {
		return nil, false
	}
	return m, true
}

// members reads the object starting at d.pos (a brace), calling member with
// each key once the colon is read; member reads the value. It returns false
// on malformed input or when member does.
func (d *decoder) members(member func(key string) bool) bool {
	if d.depth++; d.depth > maxDepth {
		return false
	}
	d.pos++ // {
	d.skipSpace()
	if d.pos < len(d.data) && d.data[d.pos] == '}' {
		d.pos++
		d.depth--
		return true
	}
	for {
		d.skipSpace()
		if d.pos >= len(d.data) || d.data[d.pos] != '"' {
			return false
		}
		kv, ok := d.str()
		if !ok {
			return false
		}
		k := kv.(string)
		d.skipSpace()
		if d.pos >= len(d.data) || d.data[d.pos] != ':' {
			return false
		}
		d.pos++
		if !member(k) {
			return false
		}
		d.skipSpace()
		if d.pos >= len(d.data) {
			return false
		}
		switch d.data[d.pos] {
		case ',':
			d.pos++
		case '}':
			d.pos++
			d.depth--
			return true
		default:
			return false
		}
	}
}

func (d *decoder) array() (any, bool) {
	if d.depth++; d.depth > maxDepth {
		return nil, false
	}
	d.pos++ // [
	base := len(d.stack)
	d.skipSpace()
	if d.pos < len(d.data) && d.data[d.pos] == ']' {
		d.pos++
		d.depth--
		return []any{}, true
	}
	for {
		v, ok := d.value()
		if !ok {
			return nil, false
		}
		d.stack = append(d.stack, v)
		d.skipSpace()
		if d.pos >= len(d.data) {
			return nil, false
		}
		switch d.data[d.pos] {
		case ',':
			d.pos++
		case ']':
			d.pos++
			d.depth--
			// An exact-size slice: no spare capacity kept for the lifetime
			// of the configuration.
			out := make([]any, len(d.stack)-base)
			copy(out, d.stack[base:])
			clear(d.stack[base:])
			d.stack = d.stack[:base]
			return out, true
		default:
			return nil, false
		}
	}
}

// str decodes the string starting at d.pos (a quote). Plain ASCII without
// escapes is sliced and interned; anything else is decoded by encoding/json
// (escapes, invalid UTF-8 replaced by U+FFFD exactly as it does).
func (d *decoder) str() (any, bool) {
	start := d.pos + 1
	i := start
	for i < len(d.data) {
		c := d.data[i]
		if c == '"' {
			d.pos = i + 1
			return d.intern(d.data[start:i]), true
		}
		if c == '\\' || c < 0x20 || c >= utf8.RuneSelf {
			return d.slowStr(start)
		}
		i++
	}
	return nil, false
}

func (d *decoder) slowStr(start int) (any, bool) {
	i := start
	for i < len(d.data) {
		switch c := d.data[i]; {
		case c == '\\':
			i += 2
			continue
		case c == '"':
			var s string
			if err := json.Unmarshal(d.data[start-1:i+1], &s); err != nil {
				return nil, false
			}
			d.pos = i + 1
			if v, ok := d.strs[s]; ok {
				return v, true
			}
			var v any = s
			d.strs[s] = v
			return v, true
		case c < 0x20:
			return nil, false
		}
		i++
	}
	return nil, false
}

func (d *decoder) intern(b []byte) any {
	if v, ok := d.strs[string(b)]; ok { // no allocation for the lookup
		return v
	}
	s := string(b)
	var v any = s
	d.strs[s] = v
	return v
}

// number checks the JSON number grammar and keeps the literal, as
// json.Number does.
func (d *decoder) number() (any, bool) {
	end, ok := d.numberEnd()
	if !ok {
		return nil, false
	}
	start := d.pos
	d.pos = end
	return json.Number(d.intern(d.data[start:end]).(string)), true
}

// numberEnd checks the JSON number grammar at d.pos and gives the offset
// just past the number.
func (d *decoder) numberEnd() (int, bool) {
	i := d.pos
	n := len(d.data)
	if i < n && d.data[i] == '-' {
		i++
	}
	switch {
	case i < n && d.data[i] == '0':
		i++
	case i < n && '1' <= d.data[i] && d.data[i] <= '9':
		for i < n && '0' <= d.data[i] && d.data[i] <= '9' {
			i++
		}
	default:
		return 0, false
	}
	if i < n && d.data[i] == '.' {
		i++
		if i >= n || d.data[i] < '0' || d.data[i] > '9' {
			return 0, false
		}
		for i < n && '0' <= d.data[i] && d.data[i] <= '9' {
			i++
		}
	}
	if i < n && (d.data[i] == 'e' || d.data[i] == 'E') {
		i++
		if i < n && (d.data[i] == '+' || d.data[i] == '-') {
			i++
		}
		if i >= n || d.data[i] < '0' || d.data[i] > '9' {
			return 0, false
		}
		for i < n && '0' <= d.data[i] && d.data[i] <= '9' {
			i++
		}
	}
	return i, true
}

// parseStream validates a JSON tenants document one tenant at a time:
// each tenant's value is decoded, checked, its partner entries compacted
// (builder.add), and its decoded tree left to the garbage collector before
// the next one is read, so that the whole document never exists as Go maps
// at once (about five times its JSON size). The partner entries themselves
// are checked and written canonically from their bytes (partnerWriter),
// never decoded; a tenant whose entries it cannot take is decoded again
// whole, the map way. ok is false on anything but a valid, well-formed
// document without repeated tenant keys: the caller then parses the
// document whole, which reports the error exactly as it always did (the
// first tenant in sorted order, encoding/json's messages).
func parseStream(name string, raw []byte) (s *Set, ok bool) {
	d := &decoder{data: raw, strs: make(map[string]any, 1024)}
	d.skipSpace()
	if d.pos >= len(d.data) || d.data[d.pos] != '{' {
		return nil, false
	}
	b := newBuilder(name, 0)
	w := newPartnerWriter(raw)
	seen := map[string]struct{}{}
	ok = d.members(func(key string) bool {
		if _, dup := seen[key]; dup {
			return false
		}
		seen[key] = struct{}{}
		// Strings are shared within a tenant (its keys, keywords, group
		// and app ids); a table over the whole document would hold every
		// partner id of 100,000 entries, whose decoded trees are dropped
		// once compacted, and its lookups would miss the cache.
		clear(d.strs)
		start, depth := d.pos, d.depth
		w.tenant, w.warnings = strings.ToLower(key), w.warnings[:0]
		v, partners, ok := d.tenant(w)
		if ok && partners != nil {
			return b.addCompacted(key, v, partners, w.warnings) == nil
		}
		if !ok {
			// Not for the byte path (or not valid): the map way.
			d.pos, d.depth = start, depth
			clear(d.strs)
			if v, ok = d.value(); !ok {
				return false
			}
		}
		return b.add(key, v) == nil
	})
	d.skipSpace()
	if !ok || d.pos != len(d.data) {
		return nil, false
	}
	b.s.seal()
	return b.s, true
}

// tenant decodes a tenant's value as value does, but for its partner
// entries (crossTenantAccessPolicy.partners), which w checks and writes
// canonically: partners is then the partners object, entries as
// json.RawMessage, which v does not hold (nil when v has no partners
// object). ok is false when the value is malformed or w gives up.
func (d *decoder) tenant(w *partnerWriter) (v any, partners map[string]any, ok bool) {
	d.skipSpace()
	if d.pos >= len(d.data) || d.data[d.pos] != '{' {
		v, ok = d.value()
		return v, nil, ok
	}
	m := make(map[string]any)
	ok = d.members(func(k string) bool {
		if k != "crossTenantAccessPolicy" {
			v, ok := d.value()
			m[k] = v
			return ok
		}
		if partners != nil {
			// Repeated: the last one wins, with its warnings only.
			// Rare enough to be left to the map way.
			return false
		}
		d.skipSpace()
		if d.pos >= len(d.data) || d.data[d.pos] != '{' {
			v, ok := d.value()
			m[k] = v
			return ok
		}
		ctap := make(map[string]any)
		m[k] = ctap
		return d.members(func(k string) bool {
			if k == "partners" && partners != nil {
				return false // repeated, as above
			}
			d.skipSpace()
			if k != "partners" || d.pos >= len(d.data) || d.data[d.pos] != '{' {
				v, ok := d.value()
				ctap[k] = v
				return ok
			}
			w.pos = d.pos
			p, ok := w.partners()
			d.pos = w.pos
			partners = p
			return ok
		})
	})
	if !ok {
		return nil, nil, false
	}
	return m, partners, true
}
