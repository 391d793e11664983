package engine

import (
	"encoding/json"
	"fmt"
	"math"
	"strconv"

	"github.com/open-policy-agent/opa/v1/ast"

	"github.com/xtenant/xtenant/jsonpointer"
)

// prepareData returns the document the snapshot's store holds. Every
// subtree without a raw value (json.RawMessage: the tenants loader's
// partner entries) is converted to AST values once, here, as the engine
// always did: a decision reads it without converting anything. The objects
// on the way to raw values (the tenants object, each tenant, its
// crossTenantAccessPolicy and partners objects) stay Go maps, fresh copies
// whose other members are those AST values: OPA wraps a Go object read from
// the store in ast.LazyObject, which hands out a member that is already an
// AST value as it is and converts a raw one (a JSON round trip) only when a
// query reads it. So a decision converts the one or two partner entries it
// reads, and the hundreds of thousands of others stay bytes that no garbage
// collection scans. A value that is not JSON is refused here, an activation
// error rather than a panic in the middle of a decision.
func prepareData(data map[string]any) (map[string]any, error) {
	p := preparer{strs: make(map[string]ast.Value, 1024)}
	out, _, err := p.value(data)
	if err != nil {
		return nil, err
	}
	if m, ok := out.(map[string]any); ok {
		return m, nil
	}
	// No raw value anywhere: the store still takes a Go map at its root,
	// with AST values below.
	m := make(map[string]any, len(data))
	out.(ast.Object).Foreach(func(k, v *ast.Term) { m[string(k.Value.(ast.String))] = v.Value })
	return m, nil
}

type preparer struct {
	strs map[string]ast.Value // each distinct string boxed once
	segs []string             // JSON path of the current value, for errors
}

func (p *preparer) str(s string) ast.Value {
	if v, ok := p.strs[s]; ok {
		return v
	}
	v := ast.String(s)
	p.strs[s] = v
	return v
}

func (p *preparer) fail(format string, args ...any) error {
	at := "/"
	if len(p.segs) > 0 {
		at = ""
		for _, s := range p.segs {
			at += "/" + jsonpointer.Escape(s)
		}
	}
	return fmt.Errorf("%s: %s", at, fmt.Sprintf(format, args...))
}

// value converts v. raw reports that v holds a raw value: out is then a Go
// value (a json.RawMessage or a map), else an ast.Value.
func (p *preparer) value(v any) (out any, raw bool, err error) {
	switch t := v.(type) {
	case json.RawMessage:
		// Written by the tenants loader's canonical encoder, and not
		// validated again here: that pass over every entry was a fifth
		// of the time to ready at 100,000 partners.
		return t, true, nil
	case string:
		return p.str(t), false, nil
	case float64:
		if math.IsNaN(t) || math.IsInf(t, 0) {
			return nil, false, p.fail("not a JSON number: %v", t)
		}
	case map[string]any:
		return p.object(t)
	case []any:
		terms := make([]*ast.Term, len(t))
		for i, item := range t {
			p.segs = append(p.segs, strconv.Itoa(i))
			c, raw, err := p.value(item)
			if err == nil && raw {
				// Not produced by the loader: converted whole.
				c, err = ast.InterfaceToValue(c)
			}
			if err != nil {
				return nil, false, err
			}
			p.segs = p.segs[:len(p.segs)-1]
			terms[i] = ast.NewTerm(c.(ast.Value))
		}
		return ast.NewArray(terms...), false, nil
	}
	switch v.(type) {
	case nil, bool, json.Number, float64, float32,
		int, int8, int16, int32, int64, uint, uint8, uint16, uint32, uint64:
		out, err := ast.InterfaceToValue(v)
		if err != nil {
			return nil, false, p.fail("%v", err)
		}
		return out, false, nil
	}
	return nil, false, p.fail("not a JSON value (%T)", v)
}

func (p *preparer) object(m map[string]any) (any, bool, error) {
	vals := make(map[string]any, len(m))
	anyRaw := false
	for k, item := range m {
		p.segs = append(p.segs, k)
		c, raw, err := p.value(item)
		if err != nil {
			return nil, false, err
		}
		p.segs = p.segs[:len(p.segs)-1]
		vals[k] = c
		anyRaw = anyRaw || raw
	}
	if anyRaw {
		return vals, true, nil
	}
	terms := make([]ast.Term, 2*len(vals))
	tuples := make([][2]*ast.Term, 0, len(vals))
	i := 0
	for k, c := range vals {
		terms[2*i].Value, terms[2*i+1].Value = p.str(k), c.(ast.Value)
		tuples = append(tuples, [2]*ast.Term{&terms[2*i], &terms[2*i+1]})
		i++
	}
	return ast.NewObject(tuples...), false, nil
}
