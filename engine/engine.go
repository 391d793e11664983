package engine

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"runtime"
	"slices"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/open-policy-agent/opa/v1/ast"
	"github.com/open-policy-agent/opa/v1/rego"
	"github.com/open-policy-agent/opa/v1/storage/inmem"
	"github.com/open-policy-agent/opa/v1/topdown"
)

// Paths of the rules the engine evaluates (docs/contract.md, "Names").
const (
	DecisionPath = "xtenant/access/decision"
	ExplainPath  = "xtenant/access/explain"
	// PairSummaryPath is the part of a decision that depends only on the
	// tenant pair (policies/xtenant/access/tenant_pair.rego); the engine
	// computes it once per pair and snapshot.
	PairSummaryPath = "xtenant/access/tenant_pair_computed"
	// pairPath is the rule the policy reads the summary through. The engine
	// replaces it in its own compiled copy of the policy (rewriteForEngine, engineCompiled),
	// never through the input: the policy trusts no input member to carry
	// results (§8.25).
	pairPath = "xtenant/access/tenant_pair"
	// TenantSummaryPath is the part of a pair summary that depends only on
	// the resource tenant (policies/xtenant/access/tenant_summary.rego); the
	// engine computes it once per tenant and snapshot and replaces the rule
	// with it in its own compiled copy of the policy, never through the
	// input (§8.25).
	TenantSummaryPath = "xtenant/access/resource_tenant_summary"
)

// DefaultQueryCacheBytes bounds the prepared Data API queries kept per
// snapshot (WithQueryCacheBytes): paths come from outside, and a prepared
// query holds memory in proportion to its path.
const DefaultQueryCacheBytes = 4 << 20

// Engine evaluates decisions against the active policy snapshot. It is safe
// for concurrent use; Activate swaps snapshots atomically and in-flight
// evaluations finish on the snapshot they started with.
type Engine struct {
	log               *slog.Logger
	newID             func() string
	requireHomeTenant bool
	queryBytes        int64
	pairBytes         int64
	// eagerAST converts the whole data document to AST values at
	// activation, as the engine used to: tests compare the two stores.
	eagerAST bool
	// noEntryView leaves partner entries to OPA's own conversion (no
	// viewOf), as the engine did before: benchmarks compare the two.
	noEntryView bool

	current  atomic.Pointer[snapshot]
	activate sync.Mutex // serialises Activate; evaluation never takes it

	pairStats pairStats // across snapshots, for the console's status
}

var _ Evaluator = (*Engine)(nil)

// Option configures an Engine.
type Option func(*Engine)

// WithLogger sets the logger (default: discard).
func WithLogger(l *slog.Logger) Option {
	return func(e *Engine) {
		if l != nil {
			e.log = l
		}
	}
}

// WithDecisionIDs replaces the decision id generator (default: random UUIDv4).
func WithDecisionIDs(f func() string) Option {
	return func(e *Engine) {
		if f != nil {
			e.newID = f
		}
	}
}

// WithRequireHomeTenant sets data.xtenant.options.require_home_tenant: an
// unknown home tenant becomes a configuration deny (docs/contract.md).
func WithRequireHomeTenant(require bool) Option {
	return func(e *Engine) { e.requireHomeTenant = require }
}

// WithQueryCacheBytes bounds the memory of the prepared Data API queries
// kept per snapshot, as estimated by queryCost; 0 keeps none.
func WithQueryCacheBytes(n int64) Option {
	return func(e *Engine) { e.queryBytes = max(n, 0) }
}

// New returns an engine with no active policy: Evaluate answers ErrNotReady
// until the first successful Activate.
func New(opts ...Option) *Engine {
	e := &Engine{
		log:        slog.New(slog.DiscardHandler),
		newID:      NewDecisionID,
		queryBytes: DefaultQueryCacheBytes,
		pairBytes:  DefaultPairCacheBytes,
	}
	for _, o := range opts {
		o(e)
	}
	return e
}

// snapshot is one activated policy: immutable once stored.
type snapshot struct {
	revision string
	compiler *ast.Compiler
	store    rawStore
	// decision reads the pair summary (and the tenant summary, with tenant)
	// through the engine's own functions (rewriteForEngine, engineCompiled) when pair is set;
	// otherwise it is the policy's decision evaluated whole.
	decision rego.PreparedEvalQuery
	pair     *rego.PreparedEvalQuery // PairSummaryPath; nil when the engine does not hand it over
	// tenant is TenantSummaryPath, nil when the engine does not hand it over
	// (no pair summary, or resource_tenant_summary defined otherwise): the
	// pair summary and the decision then compute it themselves.
	tenant *rego.PreparedEvalQuery
	// restriction is tr_key_computed(input.tenant, input.key), nil when
	// the engine does not hand the tenant restrictions facts over: the
	// decision then computes them itself.
	restriction *rego.PreparedEvalQuery

	// Prepared Data API and explain queries by path, bounded in bytes
	// (queryCost) and kept in two generations: when
	// the current one holds half the budget it becomes the previous one.
	mu          sync.Mutex
	queries     map[string]*rego.PreparedEvalQuery
	queriesPrev map[string]*rego.PreparedEvalQuery
	queryBytes  int64 // cost of queries
	prevBytes   int64 // cost of queriesPrev
	queryLimit  int64 // budget of both generations together

	summaries *summaryCache // pair and tenant summaries
	// shareable is what summaries share with the compiled policy rather
	// than hold (keep, astCost, pack).
	shareable shareable
	stats     *pairStats
}

// pairKey is every input member tenant_pair_computed may depend on.
type pairKey struct {
	accessType, home, resource, homeCloud, resourceCloud, identityKind string
}

// pairKeyOf is the pair key of a canonical request.
func pairKeyOf(req *Request) pairKey {
	return pairKey{
		accessType: req.AccessType, home: req.HomeTenant, resource: req.ResourceTenant,
		homeCloud: req.HomeCloud, resourceCloud: req.ResourceCloud, identityKind: req.IdentityKind,
	}
}

// Activate compiles the policy, builds its data store and prepares the
// decision query, then makes it the active snapshot. On error the previous
// snapshot stays active.
func (e *Engine) Activate(ctx context.Context, p Policy) error {
	e.activate.Lock()
	defer e.activate.Unlock()

	if len(p.Modules) == 0 {
		return errors.New("engine: activate: policy has no Rego modules")
	}
	modules := make(map[string]*ast.Module, len(p.Modules))
	for name, src := range p.Modules {
		m, err := ast.ParseModuleWithOpts(name, src, ast.ParserOptions{RegoVersion: ast.RegoV1})
		if err != nil {
			return fmt.Errorf("engine: activate %s: %w", p.Revision, err)
		}
		modules[name] = m
	}
	// The engine's own compile of the policy (rewriteForEngine, engineCompiled) runs beside
	// the policy's: on two cores it adds little to the time until ready.
	type engineCompile struct {
		c   *ast.Compiler
		err error
	}
	rw := rewriteForEngine(modules, handovers{tenant: true, restriction: true})
	engineDone := make(chan engineCompile, 1)
	if rw != nil {
		go func() {
			c, err := compileEngine(rw)
			engineDone <- engineCompile{c, err}
		}()
	}
	compiler := ast.NewCompiler().WithDefaultRegoVersion(ast.RegoV1)
	if compiler.Compile(modules); compiler.Failed() {
		return fmt.Errorf("engine: activate %s: %w", p.Revision, compiler.Errors)
	}

	// Tenant data is held compactly and converted where a decision reads
	// it (prepareData, docs/architecture.md "Tenant data in memory").
	// Callers do not mutate Policy.Data after Activate (documented on
	// Policy): the raw values are shared, not copied.
	data, err := prepareData(e.withOptions(p.Data))
	if err != nil {
		return fmt.Errorf("engine: activate %s: data: %w", p.Revision, err)
	}
	store := rawStore{inmem.NewFromObjectWithOpts(data, inmem.OptRoundTripOnWrite(false))}
	if e.eagerAST {
		v, err := ast.InterfaceToValue(data)
		if err != nil {
			return fmt.Errorf("engine: activate %s: data: %w", p.Revision, err)
		}
		store = rawStore{inmem.NewFromASTObject(v.(ast.Object))}
	}

	snap := &snapshot{
		revision:   p.Revision,
		compiler:   compiler,
		store:      store,
		queries:    make(map[string]*rego.PreparedEvalQuery),
		queryLimit: e.queryBytes,
		summaries:  newSummaryCache(e.pairBytes),
		stats:      &e.pairStats,
	}
	// The cache's goroutines stop once nothing can evaluate on the
	// snapshot: not when it is replaced, as requests may still hold it.
	runtime.AddCleanup(snap, func(c *summaryCache) { c.close() }, snap.summaries)
	// A policy whose tenant_pair rule is tenant_pair_computed gets the
	// summary through pairBuiltin, and one whose resource_tenant_summary is
	// tenant_summary(resource) the tenant's through tenantBuiltin, in a
	// compiler of the engine's own; any other is evaluated whole.
	var ec *engineRules
	if rw != nil {
		done := <-engineDone
		if ec, err = engineCompiled(modules, compiler, rw, done.c, done.err); err != nil {
			// The policy compiled as it is: decide as it says, at the
			// cost of whole evaluations, rather than refuse it.
			e.log.Warn("policy evaluated whole: the engine's copy does not compile", "revision", p.Revision, "error", err)
			ec = nil
		}
	}
	if ec == nil {
		pq, err := snap.prepare(ctx, DecisionPath, true)
		if err != nil {
			return fmt.Errorf("engine: activate %s: %w", p.Revision, err)
		}
		snap.decision = *pq
	} else {
		funcs := []func(*rego.Rego){pairSummaryFunc}
		if ec.tenant {
			funcs = append(funcs, tenantSummaryFunc)
			if snap.tenant, err = snap.prepare(ctx, TenantSummaryPath, true); err != nil {
				return fmt.Errorf("engine: activate %s: %w", p.Revision, err)
			}
		}
		decisionFuncs := funcs
		if ec.restriction {
			decisionFuncs = append(slices.Clone(funcs), restrictionFactsFunc)
			if snap.restriction, err = snap.prepareRestriction(ctx, ec.compiler, funcs[1:]...); err != nil {
				return fmt.Errorf("engine: activate %s: %w", p.Revision, err)
			}
		}
		pq, err := snap.prepareOn(ctx, ec.compiler, DecisionPath, decisionFuncs...)
		if err != nil {
			return fmt.Errorf("engine: activate %s: %w", p.Revision, err)
		}
		snap.decision = *pq
		if snap.pair, err = snap.prepareOn(ctx, ec.compiler, PairSummaryPath, funcs[1:]...); err != nil {
			return fmt.Errorf("engine: activate %s: %w", p.Revision, err)
		}
		// The tenant summary is the policy's compile, the pair summary the engine's.
		snap.shareable = policyShareable(compiler, ec.compiler)
	}

	prev := e.current.Swap(snap)
	if prev != nil {
		e.log.Info("policy activated", "revision", p.Revision, "previous", prev.revision)
	} else {
		e.log.Info("policy activated", "revision", p.Revision)
	}
	return nil
}

// withOptions returns data with data.xtenant.options set from the engine's
// options, without touching the caller's maps.
func (e *Engine) withOptions(data map[string]any) map[string]any {
	out := maps.Clone(data)
	if out == nil {
		out = map[string]any{}
	}
	xt, _ := out["xtenant"].(map[string]any)
	xt = maps.Clone(xt)
	if xt == nil {
		xt = map[string]any{}
	}
	opts, _ := xt["options"].(map[string]any)
	opts = maps.Clone(opts)
	if opts == nil {
		opts = map[string]any{}
	}
	opts["require_home_tenant"] = e.requireHomeTenant
	xt["options"] = opts
	out["xtenant"] = xt
	return out
}

// prepare compiles the query for one data path against the snapshot. When
// asAST is true, results stay ast.Values (decoded strictly by the caller).
func (s *snapshot) prepare(ctx context.Context, path string, asAST bool) (*rego.PreparedEvalQuery, error) {
	ref, err := dataRef(path)
	if err != nil {
		return nil, err
	}
	opts := []func(*rego.Rego){
		rego.ParsedQuery(ast.NewBody(ast.NewExpr(ast.NewTerm(ref)))),
		rego.Compiler(s.compiler),
		rego.Store(s.store),
	}
	if asAST {
		opts = append(opts, rego.GenerateJSON(resultAsAST))
	}
	pq, err := rego.New(opts...).PrepareForEval(ctx)
	if err != nil {
		return nil, err
	}
	return &pq, nil
}

// prepareOn prepares the query of path on the engine's compiler c
// (rewriteForEngine, engineCompiled), with the summary functions funcs its rules call; results
// stay ast.Values. Its input is the request, or the pair key: the summaries
// come from the evaluation's scope (pairScope), never from the input.
func (s *snapshot) prepareOn(ctx context.Context, c *ast.Compiler, path string, funcs ...func(*rego.Rego)) (*rego.PreparedEvalQuery, error) {
	ref, err := dataRef(path)
	if err != nil {
		return nil, err
	}
	return s.prepareBody(ctx, c, ast.NewBody(ast.NewExpr(ast.NewTerm(ref))), funcs...)
}

// prepareRestriction prepares `tr_key_computed(input.tenant, input.key)`
// on the engine's compiler c, with the summary functions funcs its rules
// may call; results stay ast.Values. Its input holds only the tenant and the
// key, never the request.
func (s *snapshot) prepareRestriction(ctx context.Context, c *ast.Compiler, funcs ...func(*rego.Rego)) (*rego.PreparedEvalQuery, error) {
	pairRef, _ := dataRef(pairPath)
	fn := pairRef[:len(pairRef)-1].Append(ast.StringTerm(restrictionComputed))
	call := ast.NewExpr([]*ast.Term{ast.RefTerm(fn...),
		ast.RefTerm(ast.InputRootDocument, ast.StringTerm("tenant")), ast.RefTerm(ast.InputRootDocument, ast.StringTerm("key"))})
	return s.prepareBody(ctx, c, ast.NewBody(call), funcs...)
}

// prepareBody prepares query on the engine's compiler c with funcs;
// results stay ast.Values.
func (s *snapshot) prepareBody(ctx context.Context, c *ast.Compiler, query ast.Body, funcs ...func(*rego.Rego)) (*rego.PreparedEvalQuery, error) {
	opts := append([]func(*rego.Rego){
		rego.ParsedQuery(query),
		rego.Compiler(c),
		rego.Store(s.store),
		rego.GenerateJSON(resultAsAST),
	}, funcs...)
	pq, err := rego.New(opts...).PrepareForEval(ctx)
	if err != nil {
		return nil, err
	}
	return &pq, nil
}

// resultAsAST leaves a query's result as the AST value the evaluation made,
// rather than converting it to Go values, for the strict decoding of
// decodeDecision.
func resultAsAST(t *ast.Term, _ *rego.EvalContext) (any, error) { return t.Value, nil }

// preparedQuery returns the prepared query of a Data API or explain path
// (results as Go values), preparing it on first use and keeping it within
// the snapshot's budget.
func (s *snapshot) preparedQuery(ctx context.Context, path string) (*rego.PreparedEvalQuery, error) {
	key := path
	s.mu.Lock()
	pq, ok := s.queries[key]
	if !ok {
		if pq, ok = s.queriesPrev[key]; ok {
			s.keepQuery(key, pq) // in use: back into the current generation
		}
	}
	s.mu.Unlock()
	if ok {
		return pq, nil
	}
	pq, err := s.prepare(ctx, path, false)
	if err != nil {
		return nil, err
	}
	s.mu.Lock()
	s.keepQuery(key, pq)
	s.mu.Unlock()
	return pq, nil
}

// keepQuery files pq under key in the current generation if the budget
// allows, turning a half-full current generation into the previous one
// first. Called with s.mu held.
func (s *snapshot) keepQuery(key string, pq *rego.PreparedEvalQuery) {
	cost := queryCost(key)
	half := s.queryLimit / 2
	if _, ok := s.queries[key]; ok || cost > half {
		return
	}
	if s.queryBytes+cost > half {
		s.queriesPrev, s.prevBytes = s.queries, s.queryBytes
		s.queries, s.queryBytes = make(map[string]*rego.PreparedEvalQuery), 0
	}
	s.queries[key] = pq
	s.queryBytes += cost
}

// queryCost estimates the heap a prepared query of path holds: about 6 KiB
// for any query, a term per segment and the path itself more than once
// (measured on OPA v1.22: 5.5 KB + 1.1 B per path byte, and a long path of
// one-letter segments costs ~150 B per segment).
func queryCost(path string) int64 {
	return 6<<10 + 2*int64(len(path)) + 256*int64(strings.Count(path, "/")+1)
}

// QueryCacheStats is what the prepared query cache of the active snapshot
// holds: entries and estimated bytes (queryCost).
type QueryCacheStats struct {
	Entries int
	Bytes   int64
}

// QueryCacheStats reports the active snapshot's prepared query cache.
func (e *Engine) QueryCacheStats() QueryCacheStats {
	s := e.current.Load()
	if s == nil {
		return QueryCacheStats{}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	return QueryCacheStats{Entries: len(s.queries) + len(s.queriesPrev), Bytes: s.queryBytes + s.prevBytes}
}

// dataRef turns "a/b/c" into data.a.b.c; "" is data itself.
func dataRef(path string) (ast.Ref, error) {
	ref := ast.Ref{ast.DefaultRootDocument}
	path = strings.Trim(path, "/")
	if path == "" {
		return ref, nil
	}
	for _, seg := range strings.Split(path, "/") {
		if seg == "" {
			return nil, fmt.Errorf("engine: bad data path %q: empty segment", path)
		}
		ref = append(ref, ast.StringTerm(seg))
	}
	return ref, nil
}

// Ready reports whether a policy is active.
func (e *Engine) Ready() bool { return e.current.Load() != nil }

// Revision is the active revision, "" before the first activation.
func (e *Engine) Revision() string {
	if s := e.current.Load(); s != nil {
		return s.revision
	}
	return ""
}

// Evaluate decides one request. The request is checked and put in
// canonical form first (Canonical: a bad request is an *InputError and never
// evaluated; the caller's request is not modified). Any error means deny:
// the returned decision is nil whenever err is not.
func (e *Engine) Evaluate(ctx context.Context, req *Request) (*Decision, error) {
	snap := e.current.Load()
	if snap == nil {
		return nil, ErrNotReady
	}
	req, err := req.Canonical()
	if err != nil {
		return nil, err
	}

	input := req.astValue()
	// The request's evaluations (tenant summary, pair summary, decision,
	// explanation) share one store transaction and one cancellation, which
	// ctx's end triggers (fail closed: the evaluation stops with an error).
	// Left to OPA, each would open its own transaction, and start a
	// goroutine to watch ctx (even one that can never end).
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	cancel := topdown.NewCancel()
	if ctx.Done() != nil {
		stop := context.AfterFunc(ctx, cancel.Cancel)
		defer stop()
	}
	txn, err := snap.store.NewTransaction(ctx)
	if err != nil {
		return nil, fmt.Errorf("engine: evaluate: %w", err)
	}
	defer snap.store.Abort(ctx, txn)
	run := []rego.EvalOption{rego.EvalExternalCancel(cancel), rego.EvalTransaction(txn)}

	// A pair summary computed here reads the pair's partner entries, and
	// so does the decision: both see them converted once (pairEntryRead,
	// viewOf). A decision whose summary was cached reads few entries, if
	// any, and makes no view above them. The scope also carries the
	// summaries the engine's functions hand the policy.
	scope := &pairScope{home: req.HomeTenant, resource: req.ResourceTenant, noView: e.noEntryView, opaEntries: e.noEntryView}
	evalCtx := withPair(ctx, scope)
	if snap.restriction != nil {
		scope.restriction = func(t, x ast.Value) (ast.Value, error) { return snap.restrictionFacts(evalCtx, t, x, run) }
	}
	if snap.pair != nil {
		if scope.pair, err = snap.pairSummary(evalCtx, scope, req, run); err != nil {
			return nil, err
		}
		if !scope.viewed() {
			scope.noView = true
		}
		// The decision reads the tenant summary too (sign-ins judge the
		// resource tenant's policies): the pair's, or the cached one when
		// the pair summary was.
		if snap.tenant != nil && scope.tenant == nil {
			ts, err := snap.tenantSummary(evalCtx, req.ResourceTenant, run)
			if err != nil {
				return nil, err
			}
			scope.tenant = ts.v
		}
	}

	rs, err := snap.decision.Eval(evalCtx, append(run, rego.EvalParsedInput(input))...)
	if err != nil {
		return nil, fmt.Errorf("engine: evaluate: %w", err)
	}
	v, err := onlyValue(rs)
	if err != nil {
		return nil, err
	}
	d, err := decodeDecision(v)
	if err != nil {
		return nil, fmt.Errorf("engine: %s: %w", snap.revision, err)
	}
	if req.Explain {
		if d.Explain, err = e.explain(ctx, snap, input, run); err != nil {
			return nil, err
		}
	}
	d.DecisionID = e.newID()
	d.Revision = snap.revision
	return d, nil
}

// explain evaluates data.xtenant.access.explain; undefined leaves it out.
func (e *Engine) explain(ctx context.Context, snap *snapshot, input ast.Value, run []rego.EvalOption) (map[string]any, error) {
	pq, err := snap.preparedQuery(ctx, ExplainPath)
	if err != nil {
		return nil, fmt.Errorf("engine: explain: %w", err)
	}
	rs, err := pq.Eval(ctx, append(run, rego.EvalParsedInput(input))...)
	if err != nil {
		return nil, fmt.Errorf("engine: explain: %w", err)
	}
	if len(rs) == 0 {
		return nil, nil
	}
	v, err := plain(rs[0].Expressions[0].Value)
	if err != nil {
		return nil, fmt.Errorf("engine: explain: %w", err)
	}
	m, ok := v.(map[string]any)
	if !ok {
		return nil, fmt.Errorf("engine: explain: expected object, got %T", rs[0].Expressions[0].Value)
	}
	return m, nil
}

// pairSummary returns the pair summary of the request's tenant pair,
// evaluating it on first use. It is evaluated with an input holding only the
// pair key, so it cannot depend on anything else even by mistake; the
// resource tenant's summary it reads is put in scope. The cache keeps it
// packed; each decision that finds it unpacks its own copy, which points
// into the terms the policy and the tenant summary share and is never
// mutated.
func (s *snapshot) pairSummary(ctx context.Context, scope *pairScope, req *Request, run []rego.EvalOption) (ast.Value, error) {
	var fresh ast.Value // computed here: used as it is, not unpacked
	e, hit, err := cachedSummary(s.summaries, pairSummaryKey(pairKeyOf(req)), func() (pairEntry, error) {
		var shared tenantComposites
		if s.tenant != nil {
			ts, err := s.tenantSummary(ctx, req.ResourceTenant, run)
			if err != nil {
				return pairEntry{}, err
			}
			scope.tenant, shared = ts.v, ts.composites
		}
		v, err := evalSummary(ctx, s.pair, req.pairValue(), "pair summary", run)
		if err != nil {
			return pairEntry{}, err
		}
		fresh = v
		if !s.summaries.keeps() {
			return pairEntry{}, nil
		}
		p, ok := pack(v, s.shareable, shared)
		if !ok {
			return pairEntry{}, nil
		}
		return pairEntry{packed: p, cost: p.cost()}, nil
	})
	if err != nil {
		return nil, err
	}
	if !hit {
		s.stats.misses.Add(1)
		return fresh, nil
	}
	s.stats.hits.Add(1)
	return e.packed.unpack(s.shareable)
}

// tenantSummary returns the summary of resource tenant x, evaluating it on
// first use with an input holding only x (as resource_tenant), so that it
// cannot depend on anything else even by mistake. Like a pair summary it is
// shared and never mutated; unlike a pair summary it is kept as AST values
// (keep): every decision reads one, and there are few tenants.
func (s *snapshot) tenantSummary(ctx context.Context, x string, run []rego.EvalOption) (pairEntry, error) {
	e, _, err := cachedSummary(s.summaries, tenantSummaryKey(x), func() (pairEntry, error) {
		v, err := evalSummary(ctx, s.tenant, ast.NewObject(ast.Item(keyResourceTenant, ast.StringTerm(x))), "tenant summary", run)
		if err != nil || !s.summaries.keeps() {
			return pairEntry{v: v}, err
		}
		v = keep(v, s.shareable)
		shared := compositesOf(v)
		return pairEntry{v: v, cost: astCost(v, s.shareable) + compositeCost*int64(len(shared.terms)), composites: shared, tenant: x}, nil
	})
	return e, err
}

// restrictionFacts returns the tenant restrictions facts of tenant t for
// key x (tr_key_computed), evaluating them on first use with an input
// holding only t and x, so that they cannot depend on anything else even by
// mistake. Kept packed like a pair summary; each decision unpacks its own
// copy. Facts of anything but two strings (no tenant id) are computed and
// not kept.
func (s *snapshot) restrictionFacts(ctx context.Context, t, x ast.Value, run []rego.EvalOption) (ast.Value, error) {
	var fresh ast.Value
	compute := func() (pairEntry, error) {
		v, err := evalSummary(ctx, s.restriction, ast.NewObject(
			ast.Item(ast.InternedTerm("tenant"), ast.NewTerm(t)), ast.Item(ast.InternedTerm("key"), ast.NewTerm(x))),
			"tenant restrictions facts", run)
		if err != nil {
			return pairEntry{}, err
		}
		fresh = v
		if !s.summaries.keeps() {
			return pairEntry{}, nil
		}
		p, ok := pack(v, s.shareable, tenantComposites{})
		if !ok {
			return pairEntry{}, nil
		}
		return pairEntry{packed: p, cost: p.cost()}, nil
	}
	ts, tok := t.(ast.String)
	xs, xok := x.(ast.String)
	if !tok || !xok {
		_, err := compute()
		return fresh, err
	}
	e, hit, err := cachedSummary(s.summaries, restrictionSummaryKey(string(ts), string(xs)), compute)
	if err != nil {
		return nil, err
	}
	if !hit {
		return fresh, nil
	}
	return e.packed.unpack(s.shareable)
}

// cachedSummary returns the entry of key from c, or computes it and offers
// it to c (an entry of cost 0 is not offered); hit says it was cached.
func cachedSummary(c *summaryCache, key summaryKey, compute func() (pairEntry, error)) (e pairEntry, hit bool, err error) {
	k := key.String()
	if e, ok := c.get(k); ok {
		return e, true, nil
	}
	if e, err = compute(); err != nil {
		return pairEntry{}, false, err
	}
	if e.cost > 0 {
		c.put(k, e)
	}
	return e, false, nil
}

// evalSummary evaluates a summary query (what names it in errors) with the
// request's evaluation options run (Evaluate).
func evalSummary(ctx context.Context, pq *rego.PreparedEvalQuery, input ast.Value, what string, run []rego.EvalOption) (ast.Value, error) {
	rs, err := pq.Eval(ctx, append(run, rego.EvalParsedInput(input))...)
	if err != nil {
		return nil, fmt.Errorf("engine: %s: %w", what, err)
	}
	v, err := onlyValue(rs)
	if err != nil {
		return nil, fmt.Errorf("engine: %s: %w", what, err)
	}
	return v, nil
}

// onlyValue is the value of a query that must have exactly one result (the
// decision, the pair summary): none is ErrUndefined, more is an error.
func onlyValue(rs rego.ResultSet) (ast.Value, error) {
	switch {
	case len(rs) == 0:
		return nil, ErrUndefined
	case len(rs) > 1 || len(rs[0].Expressions) != 1:
		return nil, errors.New("engine: decision query returned more than one result")
	}
	v, ok := rs[0].Expressions[0].Value.(ast.Value)
	if !ok {
		return nil, fmt.Errorf("engine: decision query returned %T", rs[0].Expressions[0].Value)
	}
	return v, nil
}

// Query evaluates any data path (OPA Data API: "xtenant/access/decision",
// "" for all of data) against the active snapshot. input may be nil (no
// input) or any JSON-like Go value. The result is JSON-like Go values;
// defined is false when the path is undefined.
func (e *Engine) Query(ctx context.Context, path string, input any) (result any, defined bool, err error) {
	snap := e.current.Load()
	if snap == nil {
		return nil, false, ErrNotReady
	}
	pq, err := snap.preparedQuery(ctx, path)
	if err != nil {
		return nil, false, fmt.Errorf("engine: query %s: %w", path, err)
	}
	var evalOpts []rego.EvalOption
	if input != nil {
		v, err := ast.InterfaceToValue(input)
		if err != nil {
			return nil, false, &InputError{Path: "/input", Message: "not a JSON value: " + err.Error()}
		}
		evalOpts = append(evalOpts, rego.EvalParsedInput(v))
	}
	rs, err := pq.Eval(ctx, evalOpts...)
	if err != nil {
		return nil, false, fmt.Errorf("engine: query %s: %w", path, err)
	}
	if len(rs) == 0 {
		return nil, false, nil
	}
	v, err := plain(rs[0].Expressions[0].Value)
	if err != nil {
		return nil, false, fmt.Errorf("engine: query %s: %w", path, err)
	}
	return v, true, nil
}

// NewDecisionID returns a random UUID (version 4) from crypto/rand.
func NewDecisionID() string {
	var b [16]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read never fails (Go ≥ 1.24)
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	var out [36]byte
	hex.Encode(out[0:8], b[0:4])
	out[8] = '-'
	hex.Encode(out[9:13], b[4:6])
	out[13] = '-'
	hex.Encode(out[14:18], b[6:8])
	out[18] = '-'
	hex.Encode(out[19:23], b[8:10])
	out[23] = '-'
	hex.Encode(out[24:], b[10:])
	return string(out[:])
}
