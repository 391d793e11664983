// Package audit is `xtenant audit`: a posture check of tenant
// configurations. The checks are Rego (package xtenant.audit, in policies/
// with their tests); this package asks the engine for their findings and
// writes them as a table, JSON or SARIF 2.1.0 for code-scanning tools.
package audit

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"sort"
	"strings"
)

// Paths of the audit package's rules (policies/xtenant/audit).
const (
	FindingsPath = "xtenant/audit/findings"
	RulesPath    = "xtenant/audit/rules"
)

// Severities, lowest first.
var severities = []string{"low", "medium", "high"}

// SeverityRank orders severities; -1 for an unknown one.
func SeverityRank(s string) int {
	for i, x := range severities {
		if x == s {
			return i
		}
	}
	return -1
}

// Querier evaluates a data path against an active policy (*engine.Engine).
type Querier interface {
	Query(ctx context.Context, path string, input any) (any, bool, error)
}

// Rule describes one audit rule.
type Rule struct {
	Title     string `json:"title"`
	Severity  string `json:"severity"`
	Reference string `json:"reference"`
}

// Finding is one failed check.
type Finding struct {
	Rule     string `json:"rule"`
	Severity string `json:"severity"`
	Tenant   string `json:"tenant"`
	// Path is the JSON pointer of the setting, into the tenants document.
	Path    string `json:"path"`
	Message string `json:"message"`
	// File is where the tenant was read from, when known.
	File string `json:"file,omitempty"`
}

// Report is the result of an audit.
type Report struct {
	Revision string          `json:"revision"`
	Rules    map[string]Rule `json:"rules"`
	Findings []Finding       `json:"findings"`
}

// Run asks q for the findings. fileOf names the file a tenant came from
// ("" when unknown). A missing audit package is an error: an audit that
// cannot run must not pass.
func Run(ctx context.Context, q Querier, revision string, fileOf func(tenant string) string) (*Report, error) {
	rep := &Report{Revision: revision, Findings: []Finding{}}
	if err := query(ctx, q, RulesPath, &rep.Rules); err != nil {
		return nil, err
	}
	if err := query(ctx, q, FindingsPath, &rep.Findings); err != nil {
		return nil, err
	}
	for i, f := range rep.Findings {
		r, ok := rep.Rules[f.Rule]
		if !ok || SeverityRank(f.Severity) < 0 || r.Severity != f.Severity {
			return nil, fmt.Errorf("audit: finding %+v does not match the rule table", f)
		}
		if fileOf != nil {
			rep.Findings[i].File = fileOf(f.Tenant)
		}
	}
	sort.Slice(rep.Findings, func(i, j int) bool {
		x, y := rep.Findings[i], rep.Findings[j]
		if a, b := SeverityRank(x.Severity), SeverityRank(y.Severity); a != b {
			return a > b
		}
		if x.Tenant != y.Tenant {
			return x.Tenant < y.Tenant
		}
		if x.Rule != y.Rule {
			return x.Rule < y.Rule
		}
		return x.Path < y.Path
	})
	return rep, nil
}

func query(ctx context.Context, q Querier, path string, into any) error {
	v, defined, err := q.Query(ctx, path, nil)
	if err != nil {
		return fmt.Errorf("audit: %s: %w", path, err)
	}
	if !defined {
		return fmt.Errorf("audit: %s is undefined: the policy has no package xtenant.audit", path)
	}
	raw, err := json.Marshal(v)
	if err != nil {
		return err
	}
	dec := json.NewDecoder(strings.NewReader(string(raw)))
	dec.DisallowUnknownFields()
	if err := dec.Decode(into); err != nil {
		return fmt.Errorf("audit: %s: unexpected shape: %w", path, err)
	}
	return nil
}

// AtOrAbove counts the findings of severity sev or higher.
func (r *Report) AtOrAbove(sev string) int {
	min := SeverityRank(sev)
	n := 0
	for _, f := range r.Findings {
		if SeverityRank(f.Severity) >= min {
			n++
		}
	}
	return n
}

// WriteJSON writes the report as JSON.
func (r *Report) WriteJSON(w io.Writer) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	return enc.Encode(r)
}

// WriteTable writes one finding per block, most severe first.
func (r *Report) WriteTable(w io.Writer) error {
	var b strings.Builder
	counts := map[string]int{}
	for _, f := range r.Findings {
		counts[f.Severity]++
	}
	fmt.Fprintf(&b, "xtenant audit: %d findings (%d high, %d medium, %d low) in %s\n",
		len(r.Findings), counts["high"], counts["medium"], counts["low"], r.Revision)
	if len(r.Findings) > 0 {
		fmt.Fprintf(&b, "\n%-8s %-26s %s\n", "SEVERITY", "RULE", "PATH / MESSAGE")
	}
	for _, f := range r.Findings {
		fmt.Fprintf(&b, "%-8s %-26s %s\n%36s%s\n", f.Severity, f.Rule, f.Path, "", f.Message)
	}
	_, err := io.WriteString(w, b.String())
	return err
}
