package engine

import (
	"testing"

	"github.com/open-policy-agent/opa/v1/ast"
)

func compileOne(t *testing.T, src string) *ast.Compiler {
	t.Helper()
	c := ast.NewCompiler()
	c.Compile(map[string]*ast.Module{"p.rego": ast.MustParseModuleWithOpts(src, ast.ParserOptions{RegoVersion: ast.RegoV1})})
	if c.Failed() {
		t.Fatal(c.Errors)
	}
	return c
}

// keep returns a value equal to the summary it is given, with the
// policy's strings, booleans and small integers as their one term, the
// policy's and the tenant summary's composites as they are, and every other
// composite built anew.
func TestKeepEqualAndShared(t *testing.T) {
	c := compileOne(t, `package p
table := {true: "satisfied", false: {"step_up", "home"}}
codes := {"code": "RESOURCE_INBOUND_BLOCKED"}
`)
	pol := policyShareable(c)
	var table ast.Value
	for _, r := range c.Modules["p.rego"].Rules {
		if r.Head.Name == "table" {
			table = r.Head.Value.Value
		}
	}
	grown := ast.NewSet()
	for _, s := range []string{"g1", "g2", "g3"} {
		grown.Add(ast.StringTerm(s))
	}
	v := ast.NewObject(
		ast.Item(ast.StringTerm("mfa_resolution"), ast.NewTerm(table)),
		ast.Item(ast.StringTerm("code"), ast.StringTerm("RESOURCE_INBOUND_BLOCKED")),
		ast.Item(ast.StringTerm("groups"), ast.NewTerm(grown)),
		ast.Item(ast.StringTerm("index"), ast.IntNumberTerm(3)),
		ast.Item(ast.StringTerm("enforced"), ast.BooleanTerm(true)),
	)
	kept := keep(v, pol).(ast.Object)
	if v.Compare(kept) != 0 {
		t.Fatalf("kept %v, want %v", kept, v)
	}
	if kept.Get(ast.StringTerm("mfa_resolution")).Value != table {
		t.Error("the policy's table was copied")
	}
	if got := kept.Get(ast.StringTerm("groups")).Value; got == grown {
		t.Error("a set built per pair was kept as it was grown")
	}
	if got := kept.Get(ast.StringTerm("code")); got != pol.stringTerms[pol.stringIndex["RESOURCE_INBOUND_BLOCKED"]] {
		t.Error("a string the policy writes was not its one term")
	}
	if got := kept.Get(ast.StringTerm("enforced")); got != ast.InternedTerm(true) {
		t.Error("a boolean was not the interned term")
	}
	if got := kept.Get(ast.StringTerm("index")); got != ast.InternedTerm(3) {
		t.Error("a small integer was not the interned term")
	}
}

// A summary member that is a ground value written in the policy is the
// policy's own term (OPA hands a ground rule value over without copying
// it), so it costs the summary nothing; a value built per pair still does,
// but not its strings the policy writes too (keep interns them).
func TestPairCostExcludesPolicyConstants(t *testing.T) {
	c := compileOne(t, `package p
table := {true: "satisfied", false: {"step_up", "home"}}
`)
	var table ast.Value
	for _, r := range c.Modules["p.rego"].Rules {
		table = r.Head.Value.Value
	}
	pol := policyShareable(c)
	built := ast.MustParseTerm(`{true: "satisfied", false: {"step_up", "home"}}`).Value // equal, not the same
	pair := func(v ast.Value) ast.Value {
		return keep(ast.NewObject(ast.Item(ast.StringTerm("mfa_resolution"), ast.NewTerm(v))), pol)
	}
	left := astCost(pair(table), pol)
	if want := astCost(ast.NewObject(ast.Item(ast.StringTerm("mfa_resolution"), ast.NullTerm())), shareable{}) - 48; left != want {
		t.Errorf("cost with the policy's own table = %d, want %d (the table left out)", left, want)
	}
	// The table built per pair: two objects or sets and four members; its
	// strings and booleans are the policy's.
	if got, want := astCost(pair(built), pol), left+2*64+4*memberCost; got != want {
		t.Errorf("cost with an equal table built per pair = %d, want %d (its composites counted, not its strings)", got, want)
	}
}
