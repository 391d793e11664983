package engine

import (
	"slices"

	"github.com/open-policy-agent/opa/v1/ast"
)

// inlineDataAliases is a stage of the engine's own compile (compileEngine):
// every reference to a rule that only names base data (`tenants :=
// data.xtenant.tenants`) reads that data in its place, so
// `tenants[x].crossTenantAccessPolicy.partners[y]` becomes a read of
// data.xtenant.tenants[x].crossTenantAccessPolicy.partners[y]. Through the
// rule, OPA reads the tenants object whole and walks it in memory, and the
// store's view of the pair's entries (viewOf) has to copy it, a cost that
// grows with the number of tenants (issue 11); read directly, with x and y
// known, the store is asked for the very path, and answers the pair's entry
// converted once per request (rawStore.Read). The values read are the
// rule's, as are the undefined cases (the rule is undefined exactly where
// the data is), so decisions do not change; an alias that a `with`
// replaces (or a document above it) stays as it is, since the data's other
// readers would not see the mock. The bundle is untouched: stock opa and
// the Data API read the rule as written. It runs after RewriteLocalVars,
// where `some x in tenants` has become the ref tenants[x] (ast.Transform
// does not enter a some declaration).
func inlineDataAliases(c *ast.Compiler) *ast.Error {
	aliases := map[string]ast.Ref{}
	var from []ast.Ref
	var walk func(n *ast.TreeNode, path ast.Ref)
	walk = func(n *ast.TreeNode, path ast.Ref) {
		if target := aliasTarget(n); target != nil && baseOnly(c, target) {
			aliases[path.String()] = target
			from = append(from, path.Copy())
		}
		for _, k := range n.Sorted {
			walk(n.Children[k], append(path, ast.NewTerm(k)))
		}
	}
	if root := c.RuleTree.Child(ast.DefaultRootDocument.Value); root != nil {
		walk(root, ast.Ref{ast.DefaultRootDocument})
	}
	// A `with` replacing the rule (or a document above it) would reach its
	// readers and not those of the data: such an alias stays as it is.
	for _, m := range c.Modules {
		ast.WalkExprs(m, func(expr *ast.Expr) bool {
			for _, w := range expr.With {
				target, ok := w.Target.Value.(ast.Ref)
				if !ok {
					continue
				}
				from = slices.DeleteFunc(from, func(a ast.Ref) bool { return a.HasPrefix(target) || target.HasPrefix(a) })
			}
			return false
		})
	}
	if len(from) == 0 {
		return nil
	}
	inline := func(ref ast.Ref) (ast.Value, error) {
		for _, a := range from {
			if ref.HasPrefix(a) {
				return aliases[a.String()].Concat(ref[len(a):]), nil
			}
		}
		return ref, nil
	}
	for _, m := range c.Modules {
		for _, r := range m.Rules {
			if _, err := ast.TransformRefs(r, inline); err != nil {
				return ast.NewError(ast.CompileErr, r.Location, "engine: inline %v: %v", r.Head.Ref(), err)
			}
		}
	}
	return nil
}

// aliasTarget is the data ref the rule at n names, when n holds a single
// complete rule `name := data.<ground path>` with nothing else (no body,
// arguments, default, else, key or rules below it); nil otherwise.
func aliasTarget(n *ast.TreeNode) ast.Ref {
	if len(n.Values) != 1 || len(n.Children) != 0 {
		return nil
	}
	r := n.Values[0]
	if r.Default || r.Else != nil || len(r.Head.Args) != 0 || r.Head.Key != nil ||
		r.Head.RuleKind() != ast.SingleValue || r.Head.Value == nil ||
		len(r.Body) != 1 || !r.Body[0].Equal(ast.NewExpr(ast.BooleanTerm(true))) {
		return nil
	}
	target, ok := r.Head.Value.Value.(ast.Ref)
	if !ok || len(target) < 2 || !target[0].Equal(ast.DefaultRootDocument) {
		return nil
	}
	for _, seg := range target[1:] {
		if _, ok := seg.Value.(ast.String); !ok {
			return nil
		}
	}
	return target
}

// baseOnly reports that no rule defines target, a document above it or one
// below it: what it names is base data alone.
func baseOnly(c *ast.Compiler, target ast.Ref) bool {
	n := c.RuleTree.Child(ast.DefaultRootDocument.Value)
	for _, seg := range target[1:] {
		if n == nil {
			return true
		}
		if len(n.Values) != 0 {
			return false
		}
		n = n.Child(seg.Value)
	}
	return n == nil
}
