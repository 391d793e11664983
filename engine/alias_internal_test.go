package engine

import (
	"context"
	"testing"

	"github.com/open-policy-agent/opa/v1/ast"
	"github.com/open-policy-agent/opa/v1/rego"
	"github.com/open-policy-agent/opa/v1/storage/inmem"
)

// TestInlineDataAliases: the engine's compile reads base data in place of a
// rule that only names it, and nowhere else; every query decides as the
// policy compiled as written.
func TestInlineDataAliases(t *testing.T) {
	const policy = `package p

tenants := data.t

blocked := data.t

other := data.s

computed := x if x := data.t

name(x) := tenants[x].name

known if tenants[input.x]

unknown if not tenants[input.y]

count_all := count([x | some x, _ in tenants])

local_name := n if {
	tenants := {"a": {"name": "local"}}
	n := tenants.a.name
}

arg_name(tenants) := tenants.a.name

mocked := n if {
	n := tenants.a.name with data.t as {"a": {"name": "mock"}}
}

# A with replacing the rule: not inlined (the rule's readers would see the
# mock, data.t's the data).
rule_mocked := n if {
	n := [other.k, data.s.k] with data.p.other as {"k": "mock"}
}

through_other := other.k

blocked_name := blocked.a.name
`
	const below = `package t.extra

v := 1
`
	parse := func() map[string]*ast.Module {
		return map[string]*ast.Module{
			"p.rego": ast.MustParseModuleWithOpts(policy, ast.ParserOptions{RegoVersion: ast.RegoV1}),
			"t.rego": ast.MustParseModuleWithOpts(below, ast.ParserOptions{RegoVersion: ast.RegoV1}),
		}
	}
	// Without the rule below data.t (t.rego), tenants and blocked are
	// aliases of base data; with it, data.t is not base data alone and
	// neither is inlined. other never is: rule_mocked replaces it by a with.
	for _, withBelow := range []bool{false, true} {
		modules := parse()
		if !withBelow {
			delete(modules, "t.rego")
		}
		plain := ast.NewCompiler().WithDefaultRegoVersion(ast.RegoV1)
		if plain.Compile(modules); plain.Failed() {
			t.Fatal(plain.Errors)
		}
		modules = parse()
		if !withBelow {
			delete(modules, "t.rego")
		}
		inlined := ast.NewCompiler().WithDefaultRegoVersion(ast.RegoV1).
			WithStageAfterID(ast.StageRewriteLocalVars, ast.CompilerStageDefinition{Name: "inline", MetricName: "inline", Stage: inlineDataAliases})
		if inlined.Compile(modules); inlined.Failed() {
			t.Fatal(inlined.Errors)
		}
		reads := func(c *ast.Compiler, rule string) bool {
			found := false
			for _, r := range c.GetRulesExact(ast.MustParseRef("data.p." + rule)) {
				ast.WalkRefs(r, func(ref ast.Ref) bool {
					found = found || ref.HasPrefix(ast.MustParseRef("data.p.tenants"))
					return false
				})
			}
			return found
		}
		for _, rule := range []string{"name", "known", "unknown", "count_all", "mocked"} {
			if got := reads(inlined, rule); got != withBelow {
				t.Errorf("below=%v: %s reads data.p.tenants: %v", withBelow, rule, got)
			}
		}
		store := inmem.NewFromObject(map[string]any{
			"t": map[string]any{"a": map[string]any{"name": "A"}, "b": map[string]any{"name": "B"}},
			"s": map[string]any{"k": "K"},
		})
		queries := []string{
			`data.p.name("a")`, `data.p.name("z")`, "data.p.known", "data.p.unknown", "data.p.count_all",
			"data.p.local_name", `data.p.arg_name({"a": {"name": "arg"}})`, "data.p.mocked", "data.p.through_other", "data.p.rule_mocked",
			"data.p.blocked_name", "data.p.computed", "data.p.tenants", "data.p",
		}
		for _, input := range []map[string]any{{"x": "a", "y": "z"}, {"x": "z", "y": "a"}} {
			for _, q := range queries {
				eval := func(c *ast.Compiler) string {
					rs, err := rego.New(rego.Query(q), rego.Compiler(c), rego.Store(store), rego.Input(input)).Eval(context.Background())
					if err != nil {
						t.Fatalf("%s: %v", q, err)
					}
					if len(rs) == 0 {
						return "undefined"
					}
					v, err := ast.InterfaceToValue(rs[0].Expressions[0].Value)
					if err != nil {
						t.Fatal(err)
					}
					return v.String()
				}
				if got, want := eval(inlined), eval(plain); got != want {
					t.Errorf("below=%v input %v: %s = %s, as written %s", withBelow, input, q, got, want)
				}
			}
		}
	}
}
