package engine

import (
	"errors"
	"maps"

	"github.com/open-policy-agent/opa/v1/ast"
	"github.com/open-policy-agent/opa/v1/rego"
	"github.com/open-policy-agent/opa/v1/types"
)

// The functions through which the engine's own queries read the summaries
// it cached: the decision its pair summary (in place of tenant_pair) and
// both the decision and the pair summary the resource tenant's summary (in
// place of resource_tenant_summary). Only the engine's second compiler
// (engineCompiler) declares them: the bundle's modules never name them (a
// module that did would not compile for the Data API, nor in stock opa),
// and no input member can reach them (§8.25).
//
// They replace `with data.xtenant.access.tenant_pair as …` and `with
// data.xtenant.access.resource_tenant_summary as …`: while a `with` is
// active OPA formats the ref of every function call it makes to look for a
// mock (functionMocksStack.Get), a few hundred times a decision.
const (
	pairBuiltin   = "xtenant_engine_pair_summary"
	tenantBuiltin = "xtenant_engine_tenant_summary"
)

var (
	pairBuiltinDecl   = &rego.Function{Name: pairBuiltin, Decl: types.NewFunction(nil, types.A)}
	tenantBuiltinDecl = &rego.Function{Name: tenantBuiltin, Decl: types.NewFunction(nil, types.A)}
)

// errUnbound is what a summary function answers when the evaluation was
// given no summary: a halt, so that OPA does not take the call for
// undefined and decide on without the pair's facts.
func errUnbound(what string) error {
	return rego.NewHaltError(errors.New("engine: no " + what + " bound to the evaluation"))
}

// pairSummaryFunc implements pairBuiltin: the pair summary Evaluate put in
// the evaluation's scope (pairScope.pair).
var pairSummaryFunc = rego.FunctionDyn(pairBuiltinDecl, func(bctx rego.BuiltinContext, _ []*ast.Term) (*ast.Term, error) {
	if s, ok := bctx.Context.Value(pairScopeKey{}).(*pairScope); ok && s.pair != nil {
		return ast.NewTerm(s.pair), nil
	}
	return nil, errUnbound("pair summary")
})

// tenantSummaryFunc implements tenantBuiltin: the resource tenant's summary
// Evaluate put in the evaluation's scope (pairScope.tenant).
var tenantSummaryFunc = rego.FunctionDyn(tenantBuiltinDecl, func(bctx rego.BuiltinContext, _ []*ast.Term) (*ast.Term, error) {
	if s, ok := bctx.Context.Value(pairScopeKey{}).(*pairScope); ok && s.tenant != nil {
		return ast.NewTerm(s.tenant), nil
	}
	return nil, errUnbound("tenant summary")
})

// engineRules is the policy as the engine's decision and pair summary
// queries read it (engineCompiler).
type engineRules struct {
	compiler *ast.Compiler
	// tenant: resource_tenant_summary reads tenantBuiltin; otherwise the
	// pair summary and the decision compute it themselves.
	tenant bool
}

// engineCompiler compiles modules again for the engine's own queries, with
// `tenant_pair := tenant_pair_computed` reading pairBuiltin and, when it is
// exactly `resource_tenant_summary := tenant_summary(resource)`, that rule
// reading tenantBuiltin; compiled is the policy as it is (the compiler of
// the Data API, explain and the tenant summary query). It returns nil when
// the pair rule is defined otherwise (more than one rule, a body, an else
// or a default) or its function name resolves to anything but pairBuiltin:
// handing the summary to another definition could decide otherwise than the
// policy, so such a policy is evaluated whole. A resource tenant summary
// defined otherwise is likewise computed whole, in each pair summary.
func engineCompiler(modules map[string]*ast.Module, compiled *ast.Compiler) (*engineRules, error) {
	pairRef, _ := dataRef(pairPath)
	summaryRef, _ := dataRef(PairSummaryPath)
	tenantRef, _ := dataRef(TenantSummaryPath)
	pkg := pairRef[:len(pairRef)-1]

	pair := onlyRule(compiled, pairRef)
	// Compiled, it reads `tenant_pair := x if { x = data.….tenant_pair_computed }`.
	if pair == nil || len(compiled.GetRulesExact(summaryRef)) == 0 || len(pair.Body) != 1 ||
		!isAssignment(pair.Body[0], pair.Head.Value, ast.NewTerm(summaryRef)) {
		return nil, nil
	}
	// Compiled, it reads `resource_tenant_summary := y if { r = data.….resource;
	// data.….tenant_summary(r, y) }`.
	tenant := onlyRule(compiled, tenantRef)
	if tenant != nil {
		b := tenant.Body
		if len(b) != 2 || len(b[0].Operands()) != 2 ||
			!isAssignment(b[0], b[0].Operand(0), ast.NewTerm(pkg.Append(ast.StringTerm("resource")))) ||
			!isCall(b[1], pkg.Append(ast.StringTerm("tenant_summary")), b[0].Operand(0), tenant.Head.Value) {
			tenant = nil
		}
	}

	rewritten := maps.Clone(modules)
	copies := map[string]*ast.Module{}
	rewrite := func(r *ast.Rule, ref ast.Ref, builtin string) bool {
		var name string
		for n, m := range compiled.Modules {
			if m == r.Module {
				name = n
				break
			}
		}
		m, ok := copies[name]
		if !ok {
			src, ok := modules[name]
			if !ok {
				return false
			}
			m = src.Copy()
			copies[name] = m
			rewritten[name] = m
		}
		head := ast.Ref{ast.VarTerm(string(ref[len(ref)-1].Value.(ast.String)))}
		found := 0
		for _, rule := range m.Rules {
			if rule.Head.Ref().Equal(head) {
				rule.Head.Value = ast.CallTerm(ast.RefTerm(ast.VarTerm(builtin)))
				found++
			}
		}
		return found == 1
	}
	if !rewrite(pair, pairRef, pairBuiltin) {
		return nil, nil
	}
	if tenant != nil && !rewrite(tenant, tenantRef, tenantBuiltin) {
		return nil, nil
	}

	builtins := map[string]*ast.Builtin{pairBuiltin: {Name: pairBuiltin, Decl: pairBuiltinDecl.Decl}}
	if tenant != nil {
		builtins[tenantBuiltin] = &ast.Builtin{Name: tenantBuiltin, Decl: tenantBuiltinDecl.Decl}
	}
	c := ast.NewCompiler().WithDefaultRegoVersion(ast.RegoV1).WithBuiltins(builtins)
	if c.Compile(rewritten); c.Failed() {
		return nil, c.Errors
	}
	// The name must have resolved to the built-in, not to a rule of the
	// package or an import of that name.
	if !callsBuiltin(onlyRule(c, pairRef), pairBuiltin) ||
		(tenant != nil && !callsBuiltin(onlyRule(c, tenantRef), tenantBuiltin)) {
		return nil, nil
	}
	return &engineRules{compiler: c, tenant: tenant != nil}, nil
}

// onlyRule is the rule at ref when it is a single plain complete rule
// (no arguments, default, else, key or `with`), nil otherwise.
func onlyRule(c *ast.Compiler, ref ast.Ref) *ast.Rule {
	rules := c.GetRulesExact(ref)
	if len(rules) != 1 {
		return nil
	}
	r := rules[0]
	if r.Default || r.Else != nil || len(r.Head.Args) != 0 || r.Head.RuleKind() != ast.SingleValue || r.Head.Key != nil {
		return nil
	}
	for _, expr := range r.Body {
		if len(expr.With) != 0 || expr.Negated {
			return nil
		}
	}
	return r
}

// isAssignment reports whether expr is `lhs = rhs`.
func isAssignment(expr *ast.Expr, lhs, rhs *ast.Term) bool {
	return expr.IsEquality() && expr.Operand(0).Equal(lhs) && expr.Operand(1).Equal(rhs)
}

// isCall reports whether expr is exactly the call fn(args...).
func isCall(expr *ast.Expr, fn ast.Ref, args ...*ast.Term) bool {
	if !expr.IsCall() || !expr.Operator().Equal(fn) || len(expr.Operands()) != len(args) {
		return false
	}
	for i, a := range args {
		if !expr.Operand(i).Equal(a) {
			return false
		}
	}
	return true
}

// callsBuiltin reports whether rule r's value is the call of builtin alone.
func callsBuiltin(r *ast.Rule, builtin string) bool {
	return r != nil && len(r.Body) == 1 && isCall(r.Body[0], ast.Ref{ast.VarTerm(builtin)}, r.Head.Value)
}
