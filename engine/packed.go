package engine

import (
	"encoding/binary"
	"errors"

	"github.com/open-policy-agent/opa/v1/ast"
)

// packedSummary is a pair summary as the summary cache keeps it: its values
// written out as bytes (held as a string, which the collector never scans)
// that refer to the terms it shares rather than copy them. Held as AST
// values, the pair summaries were most of the live heap the collector
// marked (about 50 of 65 MB of pointers at 10,000 partners, 5,600 pairs),
// and a mark of that size on one core left requests waiting behind its
// worker for up to 10 ms (issue 11). Unpacked, a summary is a decision's own
// garbage: about 80 nodes, a few microseconds.
type packedSummary struct {
	b string
	// shared is the resource tenant summary's composites the summary
	// points into (tenantComposites.terms of the summary it was packed
	// against), so that each is the same value it was, not a copy.
	shared []*ast.Term
	// terms is how many terms unpack makes (one allocation for all).
	terms int
}

// cost is what the cache counts for p: its bytes and its entry. Measured
// on 10,000 generated partners: the heap grew 3.82–3.84 MB for 3,640
// entries (3,620 pairs and 20 tenant summaries) against 3.59 MB counted.
func (p packedSummary) cost() int64 { return pairKeyCost + int64(len(p.b)) }

// The kinds of a packed value; each is followed by its operands.
const (
	packNull        byte = iota
	packFalse            //
	packTrue             //
	packNumber           // length, digits
	packString           // length, bytes
	packPolicyText       // index of one of the policy's strings (shareable.stringTerms)
	packPolicyValue      // index of one of the policy's ground composites (shareable.compositeTerms)
	packTenantValue      // index of one of the tenant summary's composites (packedSummary.shared)
	packObject           // n, then n keys and values
	packSet              // n, then n elements
	packArray            // n, then n elements
)

// tenantComposites are a tenant summary's objects, sets and arrays: the
// pair summaries of its tenant point into them (pack).
type tenantComposites struct {
	index map[ast.Value]int
	terms []*ast.Term
}

// compositesOf collects the composites of tenant summary v.
func compositesOf(v ast.Value) tenantComposites {
	c := tenantComposites{index: map[ast.Value]int{}}
	var walk func(*ast.Term)
	walk = func(t *ast.Term) {
		switch x := t.Value.(type) {
		case ast.Object, ast.Set, *ast.Array:
			if _, seen := c.index[x]; seen {
				return
			}
			c.index[x] = len(c.terms)
			c.terms = append(c.terms, t)
			switch x := x.(type) {
			case ast.Object:
				x.Foreach(func(_, v *ast.Term) { walk(v) })
			case ast.Set:
				x.Foreach(walk)
			case *ast.Array:
				x.Foreach(walk)
			}
		}
	}
	walk(ast.NewTerm(v))
	return c
}

// pack writes summary v out. ok is false for a value that is not plain data
// (no summary holds one: the cache then keeps nothing for it).
func pack(v ast.Value, pol shareable, tenant tenantComposites) (packedSummary, bool) {
	p := packer{pol: pol, tenant: tenant, b: make([]byte, 0, 1024)}
	if !p.value(v) {
		return packedSummary{}, false
	}
	return packedSummary{b: string(p.b), shared: tenant.terms, terms: p.terms}, true
}

type packer struct {
	pol    shareable
	tenant tenantComposites
	b      []byte
	terms  int // the terms unpack will make
}

func (p *packer) op(kind byte, n int) {
	p.b = append(p.b, kind)
	p.b = binary.AppendUvarint(p.b, uint64(n))
}

func (p *packer) value(v ast.Value) bool {
	switch x := v.(type) {
	case ast.Null:
		p.b = append(p.b, packNull)
	case ast.Boolean:
		if x {
			p.b = append(p.b, packTrue)
		} else {
			p.b = append(p.b, packFalse)
		}
	case ast.Number:
		if ast.InternedIntNumberTermFromString(string(x)) == nil {
			p.terms++
		}
		p.op(packNumber, len(x))
		p.b = append(p.b, x...)
	case ast.String:
		if i, ok := p.pol.stringIndex[string(x)]; ok {
			p.op(packPolicyText, i)
			return true
		}
		p.terms++
		p.op(packString, len(x))
		p.b = append(p.b, x...)
	case ast.Object, ast.Set, *ast.Array:
		return p.composite(x)
	default:
		return false
	}
	return true
}

// composite writes object, set or array v: a reference if it is shared,
// else its members.
func (p *packer) composite(v ast.Value) bool {
	if p.shared(v) {
		return true
	}
	p.terms++
	ok := true
	switch x := v.(type) {
	case ast.Object:
		p.op(packObject, x.Len())
		x.Foreach(func(k, v *ast.Term) { ok = ok && p.value(k.Value) && p.value(v.Value) })
	case ast.Set:
		p.op(packSet, x.Len())
		x.Foreach(func(e *ast.Term) { ok = ok && p.value(e.Value) })
	case *ast.Array:
		p.op(packArray, x.Len())
		x.Foreach(func(e *ast.Term) { ok = ok && p.value(e.Value) })
	}
	return ok
}

// shared writes a reference to v if v is one of the policy's or the tenant
// summary's composites.
func (p *packer) shared(v ast.Value) bool {
	if i, ok := p.pol.compositeIndex[v]; ok {
		p.op(packPolicyValue, i)
		return true
	}
	if i, ok := p.tenant.index[v]; ok {
		p.op(packTenantValue, i)
		return true
	}
	return false
}

// errCorrupt: bytes pack did not write. Unpack reads only what pack wrote
// in the same snapshot; the error is there so that a bug fails the decision
// instead of deciding on a wrong summary.
var errCorrupt = errors.New("engine: corrupt packed summary")

// unpack returns the summary p holds: a value equal to the one packed, with
// the same shared terms.
func (p packedSummary) unpack(pol shareable) (ast.Value, error) {
	u := unpacker{s: p.b, pol: pol, shared: p.shared, terms: make([]ast.Term, p.terms)}
	t, err := u.term()
	if err != nil {
		return nil, err
	}
	if u.i != len(u.s) || len(u.terms) != 0 {
		return nil, errCorrupt
	}
	return t.Value, nil
}

type unpacker struct {
	s      string
	i      int
	pol    shareable
	shared []*ast.Term
	terms  []ast.Term // made here in one block, taken one by one
	// items and elems are stacks shared by the nested composites: each
	// takes its part from its top and gives it back once made (NewObject
	// and NewSet copy them; an array keeps a slice of its own).
	items [][2]*ast.Term
	elems []*ast.Term
}

// newTerm takes the next term of the block; pack counted them.
func (u *unpacker) newTerm(v ast.Value) (*ast.Term, error) {
	if len(u.terms) == 0 {
		return nil, errCorrupt
	}
	t := &u.terms[0]
	u.terms = u.terms[1:]
	t.Value = v
	return t, nil
}

func (u *unpacker) uvarint() (int, error) {
	n := 0
	for shift := 0; u.i < len(u.s) && shift < 63; shift += 7 {
		c := u.s[u.i]
		u.i++
		n |= int(c&0x7f) << shift
		if c < 0x80 {
			if n < 0 {
				return 0, errCorrupt
			}
			return n, nil
		}
	}
	return 0, errCorrupt
}

// text reads n bytes as a part of the packed string: no copy.
func (u *unpacker) text() (string, error) {
	n, err := u.uvarint()
	if err != nil || n > len(u.s)-u.i {
		return "", errCorrupt
	}
	s := u.s[u.i : u.i+n]
	u.i += n
	return s, nil
}

// index reads a reference into table.
func (u *unpacker) index(table []*ast.Term) (*ast.Term, error) {
	i, err := u.uvarint()
	if err != nil || i >= len(table) {
		return nil, errCorrupt
	}
	return table[i], nil
}

// count reads a composite's size: at least a byte each of what follows.
func (u *unpacker) count(per int) (int, error) {
	n, err := u.uvarint()
	if err != nil || n > (len(u.s)-u.i)/per {
		return 0, errCorrupt
	}
	return n, nil
}

func (u *unpacker) term() (*ast.Term, error) {
	if u.i >= len(u.s) {
		return nil, errCorrupt
	}
	kind := u.s[u.i]
	u.i++
	switch kind {
	case packNull:
		return ast.InternedNullTerm, nil
	case packFalse:
		return ast.InternedTerm(false), nil
	case packTrue:
		return ast.InternedTerm(true), nil
	case packNumber:
		s, err := u.text()
		if err != nil {
			return nil, err
		}
		if t := ast.InternedIntNumberTermFromString(s); t != nil {
			return t, nil
		}
		return u.newTerm(ast.Number(s))
	case packString:
		s, err := u.text()
		if err != nil {
			return nil, err
		}
		return u.newTerm(ast.String(s))
	case packPolicyText:
		return u.index(u.pol.stringTerms)
	case packPolicyValue:
		return u.index(u.pol.compositeTerms)
	case packTenantValue:
		return u.index(u.shared)
	case packObject:
		n, err := u.count(2)
		if err != nil {
			return nil, err
		}
		base := len(u.items)
		for range n {
			k, err := u.term()
			if err != nil {
				return nil, err
			}
			v, err := u.term()
			if err != nil {
				return nil, err
			}
			u.items = append(u.items, [2]*ast.Term{k, v})
		}
		o := ast.NewObject(u.items[base:]...)
		u.items = u.items[:base]
		if o.Len() != n {
			return nil, errCorrupt // a key twice
		}
		return u.newTerm(o)
	case packSet, packArray:
		n, err := u.count(1)
		if err != nil {
			return nil, err
		}
		base := len(u.elems)
		for range n {
			e, err := u.term()
			if err != nil {
				return nil, err
			}
			u.elems = append(u.elems, e)
		}
		var v ast.Value
		if kind == packSet {
			s := ast.NewSet(u.elems[base:]...)
			if s.Len() != n {
				return nil, errCorrupt // an element twice
			}
			v = s
		} else {
			v = ast.NewArray(append([]*ast.Term(nil), u.elems[base:]...)...)
		}
		u.elems = u.elems[:base]
		return u.newTerm(v)
	}
	return nil, errCorrupt
}
