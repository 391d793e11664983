package engine

import "github.com/open-policy-agent/opa/v1/ast"

// shareable is what the summaries of a snapshot point into rather than
// hold: the ground objects, sets and arrays written in the compiled policy
// (OPA hands a rule's ground value over as it is) and one term for each
// string the policy writes (object keys, codes, settings), which keep puts
// in place of a summary's own copy. Each is numbered, so that a packed
// summary can name it (pack).
type shareable struct {
	compositeIndex map[ast.Value]int
	compositeTerms []*ast.Term
	stringIndex    map[string]int
	stringTerms    []*ast.Term
}

// policyShareable collects shareable from the compiled modules of cs. The
// terms are the snapshot's own, not the modules' (they carry no location).
func policyShareable(cs ...*ast.Compiler) shareable {
	out := shareable{compositeIndex: map[ast.Value]int{}, stringIndex: map[string]int{}}
	for _, c := range cs {
		for _, m := range c.Modules {
			ast.WalkTerms(m, func(t *ast.Term) bool {
				switch v := t.Value.(type) {
				case ast.Object, ast.Set, *ast.Array:
					if _, ok := out.compositeIndex[v]; !ok && t.IsGround() {
						out.compositeIndex[v] = len(out.compositeTerms)
						out.compositeTerms = append(out.compositeTerms, ast.NewTerm(v))
					}
				case ast.String:
					if _, ok := out.stringIndex[string(v)]; !ok {
						out.stringIndex[string(v)] = len(out.stringTerms)
						out.stringTerms = append(out.stringTerms, ast.StringTerm(string(v)))
					}
				}
				return false
			})
		}
	}
	return out
}

// stringTerm is the policy's term for s, if the policy writes s.
func (pol shareable) stringTerm(s string) (*ast.Term, bool) {
	i, ok := pol.stringIndex[s]
	if !ok {
		return nil, false
	}
	return pol.stringTerms[i], true
}

// keep returns tenant summary v as the cache keeps it (as AST values: every
// decision reads one; pair summaries are packed instead): every object, set
// and array built anew at its exact size, except those of pol, which stay
// the same values; every string the policy writes, every boolean and every
// small integer the one term for it. A summary as the evaluation leaves it
// holds the slack of sets and objects grown member by member and a term
// for each copy of a key: kept this way it holds about half the heap (7.1
// KB against 13.1 KB, measured on pair summaries when they were kept so),
// and the collector has half the pointers to mark. The value is equal to v.
func keep(v ast.Value, pol shareable) ast.Value {
	return pol.keep(ast.NewTerm(v)).Value
}

// isShared reports whether v is one of the policy's ground composites.
func (pol shareable) isShared(v ast.Value) bool {
	_, ok := pol.compositeIndex[v]
	return ok
}

func (pol shareable) keep(t *ast.Term) *ast.Term {
	switch v := t.Value.(type) {
	case ast.String:
		if c, ok := pol.stringTerm(string(v)); ok {
			return c
		}
		return t
	case ast.Boolean:
		return ast.InternedTerm(bool(v))
	case ast.Number:
		if c := ast.InternedIntNumberTermFromString(string(v)); c != nil {
			return c
		}
		return t
	case ast.Object, ast.Set, *ast.Array:
		if pol.isShared(v) {
			return t
		}
		return ast.NewTerm(pol.rebuilt(v))
	}
	return t
}

// rebuilt is composite v built anew at its exact size from its members as
// keep keeps them.
func (pol shareable) rebuilt(v ast.Value) ast.Value {
	switch x := v.(type) {
	case ast.Object:
		items := make([][2]*ast.Term, 0, x.Len())
		x.Foreach(func(key, val *ast.Term) { items = append(items, [2]*ast.Term{pol.keep(key), pol.keep(val)}) })
		return ast.NewObject(items...)
	case ast.Set:
		elems := make([]*ast.Term, 0, x.Len())
		x.Foreach(func(e *ast.Term) { elems = append(elems, pol.keep(e)) })
		return ast.NewSet(elems...)
	}
	a := v.(*ast.Array)
	elems := make([]*ast.Term, 0, a.Len())
	a.Foreach(func(e *ast.Term) { elems = append(elems, pol.keep(e)) })
	return ast.NewArray(elems...)
}

// memberCost is what an object member or set element costs besides its
// terms: its element, hash slot and key slice entry, in a value as keep
// builds it. With 115 B the estimate of a summary is the heap measured for
// it: 7.07 KB estimated against 7.06 KB of live heap a pair summary when
// they were kept as AST values (10,000 generated partners, 3,620 pair
// summaries held, heap after a collection; 13.1 KB a pair before keep).
const memberCost = 115

// compositeCost is what a tenant summary's composites set costs per member.
const compositeCost = 32

// pairKeyCost is what a cache entry costs besides its value: ristretto's
// item (two key hashes, the entry, its expiry), its slots in the store's
// and the admission policy's maps; the key itself is not kept. It was
// measured with the key kept, so it errs on the high side.
const pairKeyCost = 6*16 + 120 + 64

// astCost estimates the heap a summary kept by keep holds: a term and its
// value box for each node (~48 B), memberCost per object member and set
// element, plus string bytes, without the terms and composites it shares
// with the policy (pol: its strings and ground composites, and the interned
// booleans and small integers).
func astCost(v ast.Value, pol shareable) int64 {
	n := int64(pairKeyCost)
	var walk func(*ast.Term)
	walk = func(t *ast.Term) {
		switch v := t.Value.(type) {
		case ast.String:
			if c, _ := pol.stringTerm(string(v)); c != t {
				n += 48 + int64(len(v))
			}
		case ast.Boolean:
			if ast.InternedTerm(bool(v)) != t {
				n += 48
			}
		case ast.Number:
			if ast.InternedIntNumberTermFromString(string(v)) != t {
				n += 48 + int64(len(v))
			}
		case ast.Object:
			if pol.isShared(v) {
				return
			}
			n += 64
			v.Foreach(func(key, val *ast.Term) {
				n += memberCost
				walk(key)
				walk(val)
			})
		case *ast.Array:
			if pol.isShared(v) {
				return
			}
			n += 64 + 8*int64(v.Len())
			v.Foreach(walk)
		case ast.Set:
			if pol.isShared(v) {
				return
			}
			n += 64
			v.Foreach(func(e *ast.Term) {
				n += memberCost
				walk(e)
			})
		default:
			n += 48
		}
	}
	walk(ast.NewTerm(v))
	return n
}
