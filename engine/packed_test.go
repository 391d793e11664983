package engine

import (
	"testing"

	"github.com/open-policy-agent/opa/v1/ast"
)

// A packed summary unpacks to a value equal to the one packed, in which the
// policy's strings and ground composites and the tenant summary's
// composites are the very terms they were, not copies.
func TestPackRoundTrip(t *testing.T) {
	c := compileOne(t, `package p
table := {true: "satisfied", false: {"step_up", "home"}}
codes := ["RESOURCE_INBOUND_BLOCKED"]
`)
	pol := policyShareable(c)
	var table ast.Value
	for _, r := range c.Modules["p.rego"].Rules {
		if r.Head.Name == "table" {
			table = r.Head.Value.Value
		}
	}
	digest := ast.MustParseTerm(`{"users": {"a", "b"}, "apps": ["x", "y"]}`)
	tenant := compositesOf(ast.NewObject(ast.Item(ast.StringTerm("ca"), digest)))

	cases := map[string]ast.Value{
		"scalars": ast.MustParseTerm(`[null, true, false, 0, 3, -1, 12345678901234567890, 1.5e300, 0.25, "", "x", "RESOURCE_INBOUND_BLOCKED"]`).Value,
		"empty":   ast.MustParseTerm(`{"o": {}, "s": set(), "a": []}`).Value,
		"nested":  ast.MustParseTerm(`{"a": [{"b": {1, 2, {"c": null}}}], {"k": "v"}: [[]], 7: "seven", ["x"]: {"y"}}`).Value,
		"shared": ast.NewObject(
			ast.Item(ast.StringTerm("mfa_resolution"), ast.NewTerm(table)),
			ast.Item(ast.StringTerm("ca"), digest),
			ast.Item(ast.StringTerm("home_name"), ast.StringTerm("Fabrikam")),
			ast.Item(ast.StringTerm("code"), ast.StringTerm("RESOURCE_INBOUND_BLOCKED")),
		),
		"long": ast.NewArray(func() []*ast.Term {
			var ts []*ast.Term
			for i := range 300 { // counts past one varint byte
				ts = append(ts, ast.IntNumberTerm(i), ast.StringTerm(string(make([]byte, i))))
			}
			return ts
		}()...),
	}
	for name, v := range cases {
		t.Run(name, func(t *testing.T) {
			p, ok := pack(v, pol, tenant)
			if !ok {
				t.Fatal("not packed")
			}
			got, err := p.unpack(pol)
			if err != nil {
				t.Fatal(err)
			}
			if v.Compare(got) != 0 {
				t.Fatalf("unpacked %v, want %v", got, v)
			}
			if got.Hash() != v.Hash() {
				t.Errorf("hash %d, want %d", got.Hash(), v.Hash())
			}
			again, err := p.unpack(pol)
			if err != nil || again.Compare(v) != 0 {
				t.Fatalf("second unpack: %v, %v", again, err)
			}
		})
	}

	p, _ := pack(cases["shared"], pol, tenant)
	got, err := p.unpack(pol)
	if err != nil {
		t.Fatal(err)
	}
	o := got.(ast.Object)
	if o.Get(ast.StringTerm("mfa_resolution")).Value != table {
		t.Error("the policy's table was copied")
	}
	if o.Get(ast.StringTerm("ca")) != digest {
		t.Error("the tenant summary's digest was copied")
	}
	if want, _ := pol.stringTerm("RESOURCE_INBOUND_BLOCKED"); o.Get(ast.StringTerm("code")) != want {
		t.Error("a string the policy writes was not its term")
	}
}

// Only plain data is packed: a value with a variable or a reference is not
// (the cache then keeps nothing for it, and the decision uses it as it is).
func TestPackRefusesNonData(t *testing.T) {
	for _, src := range []string{`{"a": x}`, `[data.p.q]`, `{"s": {y}}`} {
		if _, ok := pack(ast.MustParseTerm(src).Value, shareable{}, tenantComposites{}); ok {
			t.Errorf("%s packed", src)
		}
	}
}

// Unpack reads only what pack wrote in the same snapshot; bytes it did not
// write fail the decision (errCorrupt) rather than panic or give another
// value. Every truncation of a packed summary is refused.
func TestUnpackRefusesTruncated(t *testing.T) {
	v := ast.MustParseTerm(`{"a": [1, "two", {"three": {4.5}}], "b": null, "c": true}`).Value
	p, ok := pack(v, shareable{}, tenantComposites{})
	if !ok {
		t.Fatal("not packed")
	}
	for n := range len(p.b) {
		cut := p
		cut.b = p.b[:n]
		if got, err := cut.unpack(shareable{}); err == nil {
			t.Errorf("%d of %d bytes unpacked to %v", n, len(p.b), got)
		}
	}
}

// FuzzUnpack: any bytes, any term count: an error or a value, never a
// panic; a value packs and unpacks to an equal one.
func FuzzUnpack(f *testing.F) {
	pol := shareable{stringTerms: []*ast.Term{ast.StringTerm("k")}, stringIndex: map[string]int{"k": 0}}
	for _, src := range []string{`{"k": [1, "two", {3.5}]}`, `null`, `[]`, `{"a": {"b": set()}}`} {
		p, _ := pack(ast.MustParseTerm(src).Value, pol, tenantComposites{})
		f.Add([]byte(p.b), p.terms)
	}
	f.Fuzz(func(t *testing.T, b []byte, terms int) {
		if terms < 0 || terms > 1<<16 {
			return
		}
		p := packedSummary{b: string(b), terms: terms}
		v, err := p.unpack(pol)
		if err != nil {
			return
		}
		again, ok := pack(v, pol, tenantComposites{})
		if !ok {
			t.Fatalf("%q unpacked to %v, which does not pack", b, v)
		}
		w, err := again.unpack(pol)
		if err != nil || w.Compare(v) != 0 {
			t.Fatalf("%q unpacked to %v, which packs and unpacks to %v (%v)", b, v, w, err)
		}
	})
}
