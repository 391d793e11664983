package engine

import (
	"errors"
	"maps"
	"slices"

	"github.com/open-policy-agent/opa/v1/ast"
	"github.com/open-policy-agent/opa/v1/rego"
	"github.com/open-policy-agent/opa/v1/types"
)

// The functions through which the engine's own queries read the summaries
// it cached: the decision its pair summary (in place of tenant_pair) and
// both the decision and the pair summary the resource tenant's summary (in
// place of resource_tenant_summary). Only the engine's second compiler
// (rewriteForEngine, engineCompiled) declares them: the bundle's modules never name them (a
// module that did would not compile for the Data API, nor in stock opa),
// and no input member can reach them (§8.25).
//
// They replace `with data.xtenant.access.tenant_pair as …` and `with
// data.xtenant.access.resource_tenant_summary as …`: while a `with` is
// active OPA formats the ref of every function call it makes to look for a
// mock (functionMocksStack.Get), a few hundred times a decision.
const (
	pairBuiltin        = "xtenant_engine_pair_summary"
	tenantBuiltin      = "xtenant_engine_tenant_summary"
	restrictionBuiltin = "xtenant_engine_restriction_facts"
)

var (
	pairBuiltinDecl   = &rego.Function{Name: pairBuiltin, Decl: types.NewFunction(nil, types.A)}
	tenantBuiltinDecl = &rego.Function{Name: tenantBuiltin, Decl: types.NewFunction(nil, types.A)}
	// restrictionBuiltin takes tr_key's arguments as they are: the policy
	// passes tenant ids, and any other value is computed, not refused.
	restrictionBuiltinDecl = &rego.Function{Name: restrictionBuiltin, Decl: types.NewFunction(types.Args(types.A, types.A), types.A)}
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

// restrictionFactsFunc implements restrictionBuiltin: the facts of tenant
// t's tenant restrictions for key x (tr_key_computed), which the
// evaluation's scope computes or finds cached (pairScope.restriction).
// Undefined facts are undefined here too.
var restrictionFactsFunc = rego.Function2(restrictionBuiltinDecl, func(bctx rego.BuiltinContext, t, x *ast.Term) (*ast.Term, error) {
	s, ok := bctx.Context.Value(pairScopeKey{}).(*pairScope)
	if !ok || s.restriction == nil {
		return nil, errUnbound("tenant restrictions facts")
	}
	v, err := s.restriction(t.Value, x.Value)
	switch {
	case errors.Is(err, ErrUndefined):
		return nil, nil
	case err != nil:
		return nil, rego.NewHaltError(err)
	}
	return ast.NewTerm(v), nil
})

// engineRules is the policy as the engine's decision and pair summary
// queries read it (rewriteForEngine, engineCompiled).
type engineRules struct {
	compiler *ast.Compiler
	// tenant: resource_tenant_summary reads tenantBuiltin; otherwise the
	// pair summary and the decision compute it themselves.
	tenant bool
	// restriction: tr_key reads restrictionBuiltin; otherwise the
	// decision computes tr_key_computed itself.
	restriction bool
}

// The rules the engine hands over, as the policy states them; any other
// definition is evaluated as it is.
var (
	plainPairValue   = ast.VarTerm("tenant_pair_computed")                                               // tenant_pair := tenant_pair_computed
	plainTenantValue = ast.CallTerm(ast.RefTerm(ast.VarTerm("tenant_summary")), ast.VarTerm("resource")) // resource_tenant_summary := tenant_summary(resource)
	// tr_key(t, x) := tr_key_computed(t, x)
	restrictionRule     = "tr_key"
	restrictionComputed = "tr_key_computed"
)

// handovers are the summaries besides the pair's that the engine's compile
// tries to hand over.
type handovers struct {
	tenant, restriction bool
}

// engineRewrite is the policy's modules with the rules the engine hands
// over reading its functions, not yet compiled (rewriteForEngine).
type engineRewrite struct {
	modules   map[string]*ast.Module
	handovers // the rules rewritten besides the pair's
}

// rewriteForEngine returns modules with `tenant_pair := tenant_pair_computed`
// reading pairBuiltin and, as try asks, `resource_tenant_summary :=
// tenant_summary(resource)` reading tenantBuiltin and `tr_key(t, x) :=
// tr_key_computed(t, x)` reading restrictionBuiltin: the text of the rules,
// before any compile, so that the engine's compile can run beside the
// policy's (Activate). Nil when the pair rule is not stated so, in one
// module of the package; the other rules stated otherwise are left as they
// are. Only the compiled policy tells what the names resolve to:
// engineCompiled checks that.
func rewriteForEngine(modules map[string]*ast.Module, try handovers) *engineRewrite {
	pairRef, _ := dataRef(pairPath)
	tenantRef, _ := dataRef(TenantSummaryPath)
	pairName, pairAt := plainRule(modules, pairRef, plainPairValue)
	if pairAt == "" {
		return nil
	}
	tenantName, tenantAt := "", ""
	if try.tenant {
		tenantName, tenantAt = plainRule(modules, tenantRef, plainTenantValue)
	}
	restrictionAt := ""
	if try.restriction {
		restrictionAt = plainForward(modules, pairRef[:len(pairRef)-1], restrictionRule, restrictionComputed)
	}
	rw := &engineRewrite{modules: maps.Clone(modules), handovers: handovers{tenant: tenantAt != "", restriction: restrictionAt != ""}}
	for _, at := range []struct{ module, rule, builtin string }{
		{pairAt, pairName, pairBuiltin}, {tenantAt, tenantName, tenantBuiltin}, {restrictionAt, restrictionRule, restrictionBuiltin},
	} {
		if at.module == "" {
			continue
		}
		m := rw.modules[at.module]
		if m == modules[at.module] {
			m = m.Copy() // the policy's own modules stay as they are
			rw.modules[at.module] = m
		}
		for _, r := range m.Rules {
			if r.Head.Ref().Equal(ast.Ref{ast.VarTerm(at.rule)}) {
				// The built-in takes the rule's arguments, if any.
				r.Head.Value = ast.CallTerm(append([]*ast.Term{ast.RefTerm(ast.VarTerm(at.builtin))}, r.Head.Args...)...)
			}
		}
	}
	return rw
}

// plainForward finds the function `name(a, b, …) := computed(a, b, …)`
// of package pkg, stated once, in one module, with distinct variables as
// arguments: its module; "" when it is not.
func plainForward(modules map[string]*ast.Module, pkg ast.Ref, name, computed string) (module string) {
	r, module := statedOnce(modules, pkg, name)
	if r == nil || len(r.Head.Args) == 0 {
		return ""
	}
	call := []*ast.Term{ast.RefTerm(ast.VarTerm(computed))}
	seen := map[ast.Var]bool{}
	for _, a := range r.Head.Args {
		v, ok := a.Value.(ast.Var)
		if !ok || seen[v] {
			return ""
		}
		seen[v] = true
		call = append(call, a)
	}
	if !r.Head.Value.Equal(ast.CallTerm(call...)) {
		return ""
	}
	return module
}

// plainRule finds the rule at ref (data.<package>.<name>) stated once, in
// one module, as `<name> := value`: its name and module; "" when it is not.
func plainRule(modules map[string]*ast.Module, ref ast.Ref, value *ast.Term) (name, module string) {
	name = string(ref[len(ref)-1].Value.(ast.String))
	r, module := statedOnce(modules, ref[:len(ref)-1], name)
	if r == nil || len(r.Head.Args) != 0 || !r.Head.Value.Equal(value) {
		return name, ""
	}
	return name, module
}

// statedOnce is the only rule or function of package pkg named name, with
// its module, when it is stated once and plainly: `name := value` or
// `name(args) := value`, no default, else or key, and no body but `true`.
// Nil otherwise.
func statedOnce(modules map[string]*ast.Module, pkg ast.Ref, name string) (*ast.Rule, string) {
	head := ast.Ref{ast.VarTerm(name)}
	var found *ast.Rule
	module := ""
	for n, m := range modules {
		if !m.Package.Path.Equal(pkg) {
			continue
		}
		for _, r := range m.Rules {
			if !r.Head.Ref().Equal(head) {
				continue
			}
			if found != nil {
				return nil, ""
			}
			found, module = r, n
		}
	}
	if found == nil || found.Default || found.Else != nil || found.Head.Key != nil || !found.Head.Assign ||
		len(found.Body) != 1 || !found.Body[0].Equal(ast.NewExpr(ast.BooleanTerm(true))) {
		return nil, ""
	}
	return found, module
}

// compileEngine compiles rw, with the engine's functions declared.
func compileEngine(rw *engineRewrite) (*ast.Compiler, error) {
	builtins := map[string]*ast.Builtin{pairBuiltin: {Name: pairBuiltin, Decl: pairBuiltinDecl.Decl}}
	if rw.tenant {
		builtins[tenantBuiltin] = &ast.Builtin{Name: tenantBuiltin, Decl: tenantBuiltinDecl.Decl}
	}
	if rw.restriction {
		builtins[restrictionBuiltin] = &ast.Builtin{Name: restrictionBuiltin, Decl: restrictionBuiltinDecl.Decl}
	}
	c := ast.NewCompiler().WithDefaultRegoVersion(ast.RegoV1).WithBuiltins(builtins).
		WithStageAfterID(ast.StageRewriteLocalVars, ast.CompilerStageDefinition{
			Name: "xtenant/InlineDataAliases", MetricName: "xtenant_inline_data_aliases", Stage: inlineDataAliases,
		})
	if c.Compile(rw.modules); c.Failed() {
		return nil, c.Errors
	}
	return c, nil
}

// engineCompiled checks the engine's compile c of rw (err: its error)
// against compiled, the policy as it is. It returns nil when the pair rule,
// compiled, is not a plain read of tenant_pair_computed (its names resolve
// elsewhere, as through an import), or the rewritten rule does not call
// pairBuiltin (a rule of the package has its name): handing the summary to
// another definition could decide otherwise than the policy, so such a
// policy is evaluated whole. When the same goes wrong with the resource
// tenant summary or the tenant restrictions facts (or the compile fails
// with them), the policy is compiled again with those rules as they are,
// to be computed whole where they are read.
func engineCompiled(modules map[string]*ast.Module, compiled *ast.Compiler, rw *engineRewrite, c *ast.Compiler, err error) (*engineRules, error) {
	pairRef, _ := dataRef(pairPath)
	summaryRef, _ := dataRef(PairSummaryPath)
	tenantRef, _ := dataRef(TenantSummaryPath)
	pkg := pairRef[:len(pairRef)-1]
	restrictionRef := pkg.Append(ast.StringTerm(restrictionRule))

	pair := onlyRule(compiled, pairRef)
	// Compiled, it reads `tenant_pair := x if { x = data.….tenant_pair_computed }`.
	if pair == nil || len(compiled.GetRulesExact(summaryRef)) == 0 || len(pair.Body) != 1 ||
		!isAssignment(pair.Body[0], pair.Head.Value, ast.NewTerm(summaryRef)) {
		return nil, nil
	}
	kept := rw.handovers
	if rw.tenant {
		// Compiled, it reads `resource_tenant_summary := y if { r =
		// data.….resource; data.….tenant_summary(r, y) }`.
		tenant := onlyRule(compiled, tenantRef)
		plain := tenant != nil && len(tenant.Body) == 2 && len(tenant.Body[0].Operands()) == 2 &&
			isAssignment(tenant.Body[0], tenant.Body[0].Operand(0), ast.NewTerm(pkg.Append(ast.StringTerm("resource")))) &&
			isCall(tenant.Body[1], pkg.Append(ast.StringTerm("tenant_summary")), tenant.Body[0].Operand(0), tenant.Head.Value)
		kept.tenant = err == nil && plain && callsBuiltin(onlyRule(c, tenantRef), tenantBuiltin)
	}
	if rw.restriction {
		// Compiled, it reads `tr_key(a, b) := y if { data.….tr_key_computed(a, b, y) }`.
		kept.restriction = err == nil && forwards(onlyFunction(compiled, restrictionRef), pkg.Append(ast.StringTerm(restrictionComputed))) &&
			forwards(onlyFunction(c, restrictionRef), ast.Ref{ast.VarTerm(restrictionBuiltin)})
	}
	if kept != rw.handovers {
		if rw = rewriteForEngine(modules, kept); rw == nil {
			return nil, nil
		}
		c, err = compileEngine(rw)
	}
	if err != nil {
		return nil, err
	}
	// The name must have resolved to the built-in, not to a rule of the
	// package or an import of that name.
	if !callsBuiltin(onlyRule(c, pairRef), pairBuiltin) {
		return nil, nil
	}
	return &engineRules{compiler: c, tenant: rw.tenant, restriction: rw.restriction}, nil
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

// onlyFunction is the function at ref when it is a single plain function
// (arguments, no default, else or `with`), nil otherwise.
func onlyFunction(c *ast.Compiler, ref ast.Ref) *ast.Rule {
	rules := c.GetRulesExact(ref)
	if len(rules) != 1 {
		return nil
	}
	r := rules[0]
	if r.Default || r.Else != nil || len(r.Head.Args) == 0 || r.Head.RuleKind() != ast.SingleValue || r.Head.Key != nil {
		return nil
	}
	for _, expr := range r.Body {
		if len(expr.With) != 0 || expr.Negated {
			return nil
		}
	}
	return r
}

// forwards reports whether function r's value is fn called with r's
// arguments alone, in order.
func forwards(r *ast.Rule, fn ast.Ref) bool {
	return r != nil && len(r.Body) == 1 && isCall(r.Body[0], fn, append(slices.Clone([]*ast.Term(r.Head.Args)), r.Head.Value)...)
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
