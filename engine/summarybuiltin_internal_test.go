package engine

import (
	"context"
	"io/fs"
	"strings"
	"testing"

	"github.com/open-policy-agent/opa/v1/ast"
	"github.com/open-policy-agent/opa/v1/rego"

	"github.com/xtenant/xtenant/policies"
)

// builtinPolicy is the built-in policy without tenants.
func builtinPolicy(t testing.TB) Policy {
	t.Helper()
	p := Policy{Revision: "r1", Modules: map[string]string{}}
	err := fs.WalkDir(policies.FS, ".", func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(path, ".rego") || strings.HasSuffix(path, "_test.rego") {
			return err
		}
		b, err := fs.ReadFile(policies.FS, path)
		p.Modules[path] = string(b)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// TestSummaryBuiltinsUnbound: the built-in policy's decision and pair
// summary read both summaries through the engine's functions, and an
// evaluation given none of them fails instead of deciding without them.
func TestSummaryBuiltinsUnbound(t *testing.T) {
	ctx := context.Background()
	e := New()
	if err := e.Activate(ctx, builtinPolicy(t)); err != nil {
		t.Fatal(err)
	}
	snap := e.current.Load()
	if snap.pair == nil || snap.tenant == nil {
		t.Fatalf("built-in policy: pair summary handed over %v, tenant summary %v; want both", snap.pair != nil, snap.tenant != nil)
	}
	req, err := (&Request{AccessType: AccessB2BCollaboration, HomeTenant: "11111111-1111-1111-1111-111111111111",
		ResourceTenant: "22222222-2222-2222-2222-222222222222",
		User:           &User{ID: "a1a1a1a1-0000-4000-8000-000000000001"},
		Application:    &Application{ID: "00000003-0000-0ff1-ce00-000000000000"}}).Canonical()
	if err != nil {
		t.Fatal(err)
	}
	scoped := func(s *pairScope) context.Context { return withPair(ctx, s) }
	for _, tc := range []struct {
		name  string
		pq    *rego.PreparedEvalQuery
		input ast.Value
		ctx   context.Context
		want  string
	}{
		{"decision, no scope", &snap.decision, req.astValue(), ctx, "no pair summary bound"},
		{"decision, nothing bound", &snap.decision, req.astValue(), scoped(&pairScope{}), "no pair summary bound"},
		{"pair summary, nothing bound", snap.pair, req.pairValue(), scoped(&pairScope{}), "no tenant summary bound"},
	} {
		rs, err := tc.pq.Eval(tc.ctx, rego.EvalParsedInput(tc.input))
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: %d results, error %v; want %q", tc.name, len(rs), err, tc.want)
		}
	}
	// Bound, they decide: the summaries as Evaluate computes them.
	if _, err := e.Evaluate(ctx, req); err != nil {
		t.Fatal(err)
	}
}

// BenchmarkEngineCompiler: what the engine's second compile adds to an
// activation, beside the policy's own compile.
//
//	go test -run '^$' -bench EngineCompiler -benchmem ./engine
func BenchmarkEngineCompiler(b *testing.B) {
	p := builtinPolicy(b)
	modules := make(map[string]*ast.Module, len(p.Modules))
	for name, src := range p.Modules {
		m, err := ast.ParseModuleWithOpts(name, src, ast.ParserOptions{RegoVersion: ast.RegoV1})
		if err != nil {
			b.Fatal(err)
		}
		modules[name] = m
	}
	compile := func() *ast.Compiler {
		c := ast.NewCompiler().WithDefaultRegoVersion(ast.RegoV1)
		if c.Compile(modules); c.Failed() {
			b.Fatal(c.Errors)
		}
		return c
	}
	b.Run("policy", func(b *testing.B) {
		for b.Loop() {
			compile()
		}
	})
	b.Run("engine", func(b *testing.B) {
		c := compile()
		for b.Loop() {
			if ec, err := engineCompiler(modules, c); err != nil || ec == nil {
				b.Fatal(err)
			}
		}
	})
}

// engineCompiler compiles modules again for the engine's own queries
// (rewriteForEngine, compileEngine) and checks the result (engineCompiled),
// as Activate does with the two compiles side by side; compiled is the
// policy as it is.
func engineCompiler(modules map[string]*ast.Module, compiled *ast.Compiler) (*engineRules, error) {
	rw := rewriteForEngine(modules, handovers{tenant: true, restriction: true})
	if rw == nil {
		return nil, nil
	}
	c, err := compileEngine(rw)
	return engineCompiled(modules, compiled, rw, c, err)
}
