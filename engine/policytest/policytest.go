// Package policytest runs the Rego unit tests of a policy folder with OPA's
// tester (optionally with coverage) and the scenario files through a real
// engine. It backs `xtenant test`.
package policytest

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io/fs"
	"path"
	"sort"
	"strings"
	"time"

	"github.com/open-policy-agent/opa/v1/ast"
	"github.com/open-policy-agent/opa/v1/cover"
	"github.com/open-policy-agent/opa/v1/storage"
	"github.com/open-policy-agent/opa/v1/storage/inmem"
	"github.com/open-policy-agent/opa/v1/tester"

	"github.com/xtenant/xtenant/bundles"
	"github.com/xtenant/xtenant/engine"
	"github.com/xtenant/xtenant/engine/scenario"
)

// RegoResult is the outcome of one Rego test rule.
type RegoResult struct {
	Name     string // data.<package>.<rule>
	File     string
	Pass     bool
	Skip     bool
	Error    string // evaluation error, if any
	Duration time.Duration
	Output   string // print() output
}

// RegoReport is the outcome of a Rego test run.
type RegoReport struct {
	Results []RegoResult
	// Coverage is the percentage of lines covered; negative when not asked.
	Coverage float64
	// FileCoverage is the coverage per file, when asked.
	FileCoverage map[string]float64
}

// Failed counts the tests that did not pass (skipped ones excluded).
func (r *RegoReport) Failed() int {
	n := 0
	for _, t := range r.Results {
		if !t.Pass && !t.Skip {
			n++
		}
	}
	return n
}

// RunRego runs every test rule of the policy folder fsys: all .rego files
// (tests included) and data.json files mounted at their folder's path, as
// `opa test` does for a directory.
func RunRego(ctx context.Context, fsys fs.FS, withCoverage bool) (*RegoReport, error) {
	modules := map[string]*ast.Module{}
	data := map[string]any{}
	err := fs.WalkDir(fsys, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		switch {
		case strings.HasSuffix(p, ".rego"):
			raw, err := fs.ReadFile(fsys, p)
			if err != nil {
				return err
			}
			m, err := ast.ParseModuleWithOpts(p, string(raw), ast.ParserOptions{RegoVersion: ast.RegoV1, ProcessAnnotation: true})
			if err != nil {
				return err
			}
			modules[p] = m
		case path.Base(p) == "data.json" && path.Dir(p) != ".":
			raw, err := fs.ReadFile(fsys, p)
			if err != nil {
				return err
			}
			var v any
			dec := json.NewDecoder(bytes.NewReader(raw))
			dec.UseNumber()
			if err := dec.Decode(&v); err != nil {
				return fmt.Errorf("%s: %w", p, err)
			}
			cur := data
			keys := strings.Split(path.Dir(p), "/")
			for _, k := range keys[:len(keys)-1] {
				next, ok := cur[k].(map[string]any)
				if !ok {
					next = map[string]any{}
					cur[k] = next
				}
				cur = next
			}
			cur[keys[len(keys)-1]] = v
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	if len(modules) == 0 {
		return nil, fmt.Errorf("no Rego files found")
	}

	store := inmem.NewFromObjectWithOpts(data, inmem.OptRoundTripOnWrite(false))
	txn, err := store.NewTransaction(ctx, storage.WriteParams)
	if err != nil {
		return nil, err
	}
	defer store.Abort(ctx, txn)

	compiler := ast.NewCompiler().
		WithPathConflictsCheck(storage.NonEmpty(ctx, store, txn)).
		WithEnablePrintStatements(true)
	runner := tester.NewRunner().
		SetCompiler(compiler).
		SetStore(store).
		CapturePrintOutput(true).
		SetModules(modules).
		SetTimeout(10 * time.Second)
	var cov *cover.Cover
	if withCoverage {
		cov = cover.New()
		runner = runner.SetCoverageQueryTracer(cov)
	}
	ch, err := runner.RunTests(ctx, txn)
	if err != nil {
		return nil, err
	}
	report := &RegoReport{Coverage: -1}
	for tr := range ch {
		r := RegoResult{
			Name:     tr.Package + "." + tr.Name,
			Pass:     tr.Pass(),
			Skip:     tr.Skip,
			Duration: tr.Duration,
			Output:   string(tr.Output),
		}
		if tr.Location != nil {
			r.File = tr.Location.File
		}
		if tr.Error != nil {
			r.Error = tr.Error.Error()
		}
		report.Results = append(report.Results, r)
	}
	sort.SliceStable(report.Results, func(i, j int) bool { return report.Results[i].File < report.Results[j].File })
	if cov != nil {
		cr := cov.Report(modules)
		report.Coverage = cr.Coverage
		report.FileCoverage = map[string]float64{}
		for f, fr := range cr.Files {
			report.FileCoverage[f] = fr.Coverage
		}
	}
	return report, nil
}

// CaseResult is the outcome of one scenario case.
type CaseResult struct {
	File, Scenario, Case string
	Pending              string   // skipped, with the reason
	Error                string   // the case could not run (bad tenants, input, evaluation error)
	Diffs                []string // differences from the expectation
	// Decision is the engine's answer, when the case ran.
	Decision *engine.Decision
}

// Pass reports whether the case ran and matched.
func (c CaseResult) Pass() bool { return c.Pending == "" && c.Error == "" && len(c.Diffs) == 0 }

// RunScenarios runs every case of files through a real engine holding the
// policy of fsys (laid out like policies/, see bundles.FromPolicyFS) and each
// scenario's own tenants.
func RunScenarios(ctx context.Context, fsys fs.FS, revision string, files []*scenario.File) []CaseResult {
	var out []CaseResult
	for _, f := range files {
		base := CaseResult{File: f.Path, Scenario: f.Name}
		if f.Pending != "" {
			for _, c := range f.Cases {
				r := base
				r.Case, r.Pending = c.Name, f.Pending
				out = append(out, r)
			}
			continue
		}
		e, err := activate(ctx, fsys, revision, f)
		for _, c := range f.Cases {
			r := base
			r.Case = c.Name
			switch {
			case c.Pending != "":
				r.Pending = c.Pending
			case err != nil:
				r.Error = err.Error()
			default:
				runCase(ctx, e, c, &r)
			}
			out = append(out, r)
		}
	}
	return out
}

func activate(ctx context.Context, fsys fs.FS, revision string, f *scenario.File) (*engine.Engine, error) {
	ts, err := f.TenantSet()
	if err != nil {
		return nil, err
	}
	p, err := bundles.FromPolicyFS(fsys, revision, ts)
	if err != nil {
		return nil, err
	}
	e := engine.New()
	if err := e.Activate(ctx, p); err != nil {
		return nil, err
	}
	return e, nil
}

func runCase(ctx context.Context, e *engine.Engine, c scenario.Case, r *CaseResult) {
	req, err := engine.DecodeRequest(c.Input)
	if err != nil {
		r.Error = "input: " + err.Error()
		return
	}
	d, err := e.Evaluate(ctx, req)
	if err != nil {
		r.Error = err.Error()
		return
	}
	r.Decision = d
	r.Diffs = scenario.Compare(c.Expect, d)
}
