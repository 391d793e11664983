package engine

import (
	"encoding/json"

	"github.com/open-policy-agent/opa/v1/ast"
)

// decodeEntry converts a partner entry's JSON (the tenants loader's
// canonical bytes) straight to the AST value OPA would make of it: the
// value ast.InterfaceToValue gives for the entry decoded with UseNumber,
// without the JSON round trip and the Go maps between (ast.LazyObject's
// conversion of a raw value). ok is false for anything that is not one JSON
// value; the caller then leaves the bytes to OPA.
func decodeEntry(b []byte) (v ast.Value, ok bool) {
	// One copy of the bytes as a string: every string of the entry is a
	// part of it rather than an allocation of its own.
	d := entryDecoder{b: b, s: string(b)}
	v, ok = d.value()
	if !ok {
		return nil, false
	}
	d.space()
	return v, d.i == len(d.b)
}

type entryDecoder struct {
	b []byte
	s string // b as a string
	i int
	// strs boxes each short string once per entry: keys and keywords
	// ("targetType", "application", "allowed") repeat in every setting.
	strs map[string]ast.Value
	// members and elems are stacks shared by the nested containers: each
	// takes its part from its base and gives it back when made.
	members []member
	elems   []ast.Value
}

type member struct {
	key string
	v   ast.Value
}

// internMax: longer strings are ids, nearly all distinct.
const internMax = 32

func (d *entryDecoder) boxed(s string) ast.Value {
	if len(s) > internMax {
		return ast.String(s)
	}
	if v, ok := d.strs[s]; ok {
		return v
	}
	if d.strs == nil {
		d.strs = make(map[string]ast.Value, 32)
	}
	v := ast.Value(ast.String(s))
	d.strs[s] = v
	return v
}

func (d *entryDecoder) space() {
	for d.i < len(d.b) {
		switch d.b[d.i] {
		case ' ', '\t', '\n', '\r':
			d.i++
		default:
			return
		}
	}
}

func (d *entryDecoder) value() (ast.Value, bool) {
	d.space()
	if d.i >= len(d.b) {
		return nil, false
	}
	switch c := d.b[d.i]; {
	case c == '{':
		return d.object()
	case c == '[':
		return d.array()
	case c == '"':
		s, ok := d.str()
		if !ok {
			return nil, false
		}
		return d.boxed(s), true
	case c == 't':
		return d.literal("true", ast.Boolean(true))
	case c == 'f':
		return d.literal("false", ast.Boolean(false))
	case c == 'n':
		return d.literal("null", ast.Null{})
	case c == '-' || c >= '0' && c <= '9':
		return d.number()
	}
	return nil, false
}

func (d *entryDecoder) literal(word string, v ast.Value) (ast.Value, bool) {
	if len(d.b)-d.i < len(word) || string(d.b[d.i:d.i+len(word)]) != word {
		return nil, false
	}
	d.i += len(word)
	return v, true
}

// number takes the literal as it is, as json.Number does; NumberChecked
// refuses what is not a JSON number.
func (d *entryDecoder) number() (ast.Value, bool) {
	start := d.i
	for d.i < len(d.b) {
		c := d.b[d.i]
		if c >= '0' && c <= '9' || c == '-' || c == '+' || c == '.' || c == 'e' || c == 'E' {
			d.i++
			continue
		}
		break
	}
	lit := d.s[start:d.i]
	if t := ast.InternedIntNumberTermFromString(lit); t != nil {
		return t.Value, true
	}
	n, err := ast.NumberChecked(lit)
	if err != nil || !json.Valid(d.b[start:d.i]) {
		return nil, false
	}
	return n, true
}

// str reads a string token; one with escapes goes through encoding/json so
// that every escape means what it means there.
func (d *entryDecoder) str() (string, bool) {
	start := d.i
	d.i++ // the opening quote
	// An escape or a byte beyond ASCII goes through encoding/json, which
	// unescapes and replaces invalid UTF-8 as OPA's own conversion does.
	slow := false
	for d.i < len(d.b) {
		switch c := d.b[d.i]; {
		case c == '"':
			d.i++
			if !slow {
				return d.s[start+1 : d.i-1], true
			}
			var s string
			if json.Unmarshal(d.b[start:d.i], &s) != nil {
				return "", false
			}
			return s, true
		case c == '\\':
			slow = true
			d.i += 2
		case c < 0x20:
			return "", false
		case c >= 0x80:
			slow = true
			d.i++
		default:
			d.i++
		}
	}
	return "", false
}

func (d *entryDecoder) object() (ast.Value, bool) {
	d.i++ // {
	base := len(d.members)
	d.space()
	if d.i < len(d.b) && d.b[d.i] == '}' {
		d.i++
		return ast.NewObject(), true
	}
	for {
		d.space()
		if d.i >= len(d.b) || d.b[d.i] != '"' {
			return nil, false
		}
		k, ok := d.str()
		if !ok {
			return nil, false
		}
		d.space()
		if d.i >= len(d.b) || d.b[d.i] != ':' {
			return nil, false
		}
		d.i++
		v, ok := d.value()
		if !ok {
			return nil, false
		}
		d.members = append(d.members, member{k, v})
		closed, ok := d.next('}')
		if !ok {
			return nil, false
		}
		if closed {
			return d.makeObject(base)
		}
	}
}

// next steps over the ',' or the closing bracket after a member or an
// element: closed reports the bracket, ok false anything else.
func (d *entryDecoder) next(close byte) (closed, ok bool) {
	d.space()
	if d.i >= len(d.b) {
		return false, false
	}
	switch d.b[d.i] {
	case ',':
		d.i++
		return false, true
	case close:
		d.i++
		return true, true
	}
	return false, false
}

// makeObject makes the object of the members above base, its terms in one
// allocation. Keys come sorted from the canonical writer; any other order
// is checked for a repeated key, which JSON decoding resolves (the last
// wins) and which is left to OPA.
func (d *entryDecoder) makeObject(base int) (ast.Value, bool) {
	ms := d.members[base:]
	defer func() { clear(ms); d.members = d.members[:base] }()
	for i := 1; i < len(ms); i++ {
		if ms[i-1].key >= ms[i].key {
			seen := make(map[string]struct{}, len(ms))
			for _, m := range ms {
				if _, dup := seen[m.key]; dup {
					return nil, false
				}
				seen[m.key] = struct{}{}
			}
			break
		}
	}
	terms := make([]ast.Term, 2*len(ms))
	tuples := make([][2]*ast.Term, len(ms))
	for i, m := range ms {
		terms[2*i].Value, terms[2*i+1].Value = d.boxed(m.key), m.v
		tuples[i] = [2]*ast.Term{&terms[2*i], &terms[2*i+1]}
	}
	return ast.NewObject(tuples...), true
}

func (d *entryDecoder) array() (ast.Value, bool) {
	d.i++ // [
	base := len(d.elems)
	d.space()
	if d.i < len(d.b) && d.b[d.i] == ']' {
		d.i++
		return ast.NewArray(), true
	}
	for {
		v, ok := d.value()
		if !ok {
			return nil, false
		}
		d.elems = append(d.elems, v)
		closed, ok := d.next(']')
		if !ok {
			return nil, false
		}
		if closed {
			es := d.elems[base:]
			terms := make([]ast.Term, len(es))
			ptrs := make([]*ast.Term, len(es))
			for i, v := range es {
				terms[i].Value = v
				ptrs[i] = &terms[i]
			}
			clear(es)
			d.elems = d.elems[:base]
			return ast.NewArray(ptrs...), true
		}
	}
}
