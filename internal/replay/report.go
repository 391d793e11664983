package replay

import (
	"encoding/json"
	"fmt"
	"io"
	"sort"
	"strings"
	"time"
)

// Direction ids, in report order: widening changes first, then narrowing
// ones, then changes within one verdict (denied_by or controls).
var directionOrder = []string{
	"deny-to-allow", "step-up-to-allow", "deny-to-step-up",
	"allow-to-deny", "allow-to-step-up", "step-up-to-deny",
	"deny-to-deny", "step-up-to-step-up", "allow-to-allow",
}

// Directions lists the valid direction ids (for --fail-on).
func Directions() []string { return append([]string(nil), directionOrder...) }

func directionRank(id string) int {
	for i, d := range directionOrder {
		if d == id {
			return i
		}
	}
	return len(directionOrder)
}

func verdictID(v string) string { return strings.ReplaceAll(v, "_", "-") }

func directionOf(b, a Outcome) string { return verdictID(b.Decision) + "-to-" + verdictID(a.Decision) }

// DirectionLabel is how a direction id reads in a report: "deny → allow".
func DirectionLabel(id string) string {
	from, to, _ := strings.Cut(id, "-to-")
	return strings.ReplaceAll(from, "-", "_") + " → " + strings.ReplaceAll(to, "-", "_")
}

// Report is the result of a replay.
type Report struct {
	Before       SideInfo         `json:"before"`
	After        SideInfo         `json:"after"`
	Summary      Summary          `json:"summary"`
	Directions   []DirectionCount `json:"directions"`
	Groups       []Group          `json:"groups"`
	Unreplayable []Unreplayable   `json:"unreplayable"`
	elapsed      time.Duration
}

// SideInfo names a configuration.
type SideInfo struct {
	Revision string   `json:"revision"`
	Sources  []string `json:"sources"`
}

// Summary counts entries.
type Summary struct {
	Entries      int `json:"entries"`
	Replayed     int `json:"replayed"`
	Unchanged    int `json:"unchanged"`
	Changed      int `json:"changed"`
	Unreplayable int `json:"unreplayable"`
	// Distinct is the number of distinct inputs decided on each side.
	Distinct int `json:"distinct_inputs"`
}

// DirectionCount is one line of the summary table.
type DirectionCount struct {
	Direction string `json:"direction"`
	Entries   int    `json:"entries"`
	Groups    int    `json:"groups"`
}

// Group is every changed entry of one direction, tenant pair, access type
// and reason.
type Group struct {
	Direction      string  `json:"direction"`
	AccessType     string  `json:"access_type"`
	HomeTenant     string  `json:"home_tenant"`
	HomeName       string  `json:"home_name,omitempty"`
	ResourceTenant string  `json:"resource_tenant"`
	ResourceName   string  `json:"resource_name,omitempty"`
	Reason         string  `json:"reason"`
	Count          int     `json:"count"`
	Example        Example `json:"example"`
}

// Example is the first entry of a group (in reading order).
type Example struct {
	Location   string          `json:"location"`
	DecisionID string          `json:"decision_id,omitempty"`
	Input      json.RawMessage `json:"input"`
	Before     Outcome         `json:"before"`
	After      Outcome         `json:"after"`
	index      int
}

// Unreplayable counts the entries of one cause and detail.
type Unreplayable struct {
	Cause       string `json:"cause"`
	Description string `json:"description"`
	Detail      string `json:"detail"`
	Count       int    `json:"count"`
	Example     string `json:"example"`
	index       int
}

// Elapsed is how long the replay took.
func (r *Report) Elapsed() time.Duration { return r.elapsed }

// Count returns the number of changed entries in the given directions
// (every direction when none is given).
func (r *Report) Count(directions ...string) int {
	if len(directions) == 0 {
		return r.Summary.Changed
	}
	n := 0
	for _, d := range r.Directions {
		for _, want := range directions {
			if d.Direction == want {
				n += d.Entries
			}
		}
	}
	return n
}

// CountCause returns the number of unreplayable entries of one cause.
func (r *Report) CountCause(cause string) int {
	n := 0
	for _, u := range r.Unreplayable {
		if u.Cause == cause {
			n += u.Count
		}
	}
	return n
}

type groupKey struct {
	direction, access, home, resource, reason string
}

type unreplayableKey struct{ cause, detail string }

type aggregator struct {
	before, after Side
	sum           Summary
	groups        map[groupKey]*Group
	unrep         map[unreplayableKey]*Unreplayable
	seen          map[*pairOutcome]bool
	distinct      int
}

func newAggregator(before, after Side) *aggregator {
	return &aggregator{before: before, after: after, groups: map[groupKey]*Group{}, unrep: map[unreplayableKey]*Unreplayable{}, seen: map[*pairOutcome]bool{}}
}

func (a *aggregator) add(r *result) {
	a.sum.Entries++
	if r.pair == nil {
		a.sum.Unreplayable++
		k := unreplayableKey{r.cause, r.about}
		u := a.unrep[k]
		if u == nil {
			u = &Unreplayable{Cause: r.cause, Description: causeText[r.cause], Detail: r.about, index: r.index, Example: r.loc}
			a.unrep[k] = u
		}
		u.Count++
		if r.index < u.index {
			u.index, u.Example = r.index, r.loc
		}
		return
	}
	a.sum.Replayed++
	if !a.seen[r.pair] {
		a.seen[r.pair] = true
		a.distinct++
	}
	b, af := r.pair.before, r.pair.after
	if !changed(b, af) {
		a.sum.Unchanged++
		return
	}
	a.sum.Changed++
	req := r.pair.req
	k := groupKey{directionOf(b, af), req.AccessType, req.HomeTenant, req.ResourceTenant, reasonOf(b, af)}
	g := a.groups[k]
	if g == nil {
		g = &Group{Direction: k.direction, AccessType: k.access, HomeTenant: k.home, ResourceTenant: k.resource,
			HomeName: a.name(k.home), ResourceName: a.name(k.resource), Reason: k.reason}
		g.Example.index = -1
		a.groups[k] = g
	}
	g.Count++
	if g.Example.index < 0 || r.index < g.Example.index {
		g.Example = Example{Location: r.loc, DecisionID: r.id, Input: r.pair.canon, Before: b, After: af, index: r.index}
	}
}

func (a *aggregator) name(id string) string {
	if id == "" {
		return ""
	}
	for _, s := range []Side{a.after, a.before} {
		if s.TenantName != nil {
			if n := s.TenantName(id); n != "" {
				return n
			}
		}
	}
	return ""
}

func (a *aggregator) report() *Report {
	r := &Report{
		Before:       SideInfo{Revision: a.before.Revision, Sources: nonNil(a.before.Sources)},
		After:        SideInfo{Revision: a.after.Revision, Sources: nonNil(a.after.Sources)},
		Summary:      a.sum,
		Directions:   []DirectionCount{},
		Groups:       []Group{},
		Unreplayable: []Unreplayable{},
	}
	perDir := map[string]*DirectionCount{}
	for _, g := range a.groups {
		r.Groups = append(r.Groups, *g)
		d := perDir[g.Direction]
		if d == nil {
			d = &DirectionCount{Direction: g.Direction}
			perDir[g.Direction] = d
		}
		d.Entries += g.Count
		d.Groups++
	}
	sort.Slice(r.Groups, func(i, j int) bool {
		x, y := r.Groups[i], r.Groups[j]
		if rx, ry := directionRank(x.Direction), directionRank(y.Direction); rx != ry {
			return rx < ry
		}
		if x.Count != y.Count {
			return x.Count > y.Count
		}
		return x.Example.index < y.Example.index
	})
	for _, d := range perDir {
		r.Directions = append(r.Directions, *d)
	}
	sort.Slice(r.Directions, func(i, j int) bool {
		return directionRank(r.Directions[i].Direction) < directionRank(r.Directions[j].Direction)
	})
	for _, u := range a.unrep {
		r.Unreplayable = append(r.Unreplayable, *u)
	}
	sort.Slice(r.Unreplayable, func(i, j int) bool {
		x, y := r.Unreplayable[i], r.Unreplayable[j]
		if x.Count != y.Count {
			return x.Count > y.Count
		}
		return x.index < y.index
	})
	return r
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

// reasonOf says what changed: the reason codes, then each control whose
// resolution changed.
func reasonOf(b, a Outcome) string {
	parts := []string{}
	if bc, ac := codes(b), codes(a); bc != ac {
		parts = append(parts, bc+" → "+ac)
	} else if b.deniedBy() != a.deniedBy() {
		parts = append(parts, "denied_by "+orNone(b.deniedBy())+" → "+orNone(a.deniedBy()))
	}
	for _, c := range [...]struct{ name, x, y string }{
		{"mfa", b.Controls.MFA, a.Controls.MFA},
		{"compliant_device", b.Controls.CompliantDevice, a.Controls.CompliantDevice},
		{"hybrid_joined_device", b.Controls.HybridJoinedDevice, a.Controls.HybridJoinedDevice},
	} {
		if c.x != c.y {
			parts = append(parts, "controls."+c.name+" "+c.x+" → "+c.y)
		}
	}
	return strings.Join(parts, "; ")
}

func codes(o Outcome) string {
	if len(o.Reasons) == 0 {
		return "none"
	}
	seen := map[string]bool{}
	var out []string
	for _, c := range o.Reasons {
		if !seen[c] {
			seen[c] = true
			out = append(out, c)
		}
	}
	sort.Strings(out)
	return strings.Join(out, "+")
}

func orNone(s string) string {
	if s == "" {
		return "none"
	}
	return s
}

// WriteJSON writes the report as one indented JSON document.
func (r *Report) WriteJSON(w io.Writer) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	return enc.Encode(r)
}

func (g Group) pair() string {
	return tenantLabel(g.HomeTenant, g.HomeName) + " → " + tenantLabel(g.ResourceTenant, g.ResourceName)
}

func tenantLabel(id, name string) string {
	switch {
	case id == "":
		return "(no home tenant)"
	case name == "":
		return id
	default:
		return name + " (" + id + ")"
	}
}

func (r *Report) headline() string {
	s := r.Summary
	return fmt.Sprintf("%d entries: %d replayed (%d changed, %d unchanged), %d unreplayable",
		s.Entries, s.Replayed, s.Changed, s.Unchanged, s.Unreplayable)
}

// WriteText writes the report for a terminal.
func (r *Report) WriteText(w io.Writer) error {
	p := &printer{w: w}
	p.f("xtenant diff: %s\n", r.headline())
	p.f("before: %s (%s)\n", r.Before.Revision, strings.Join(r.Before.Sources, ", "))
	p.f("after:  %s (%s)\n", r.After.Revision, strings.Join(r.After.Sources, ", "))
	if len(r.Directions) > 0 {
		p.f("\n%-22s %8s %7s\n", "direction", "entries", "groups")
		for _, d := range r.Directions {
			p.f("%-22s %8d %7d\n", DirectionLabel(d.Direction), d.Entries, d.Groups)
		}
	}
	last := ""
	for _, g := range r.Groups {
		if g.Direction != last {
			p.f("\n%s\n", DirectionLabel(g.Direction))
			last = g.Direction
		}
		p.f("  %d × %s, %s\n", g.Count, g.AccessType, g.pair())
		p.f("      %s\n", g.Reason)
		p.f("      e.g. %s%s: %s\n", g.Example.Location, idNote(g.Example.DecisionID), g.Example.Input)
	}
	if len(r.Unreplayable) > 0 {
		p.f("\nunreplayable\n")
		for _, u := range r.Unreplayable {
			p.f("  %d × %s (%s): %s\n      e.g. %s\n", u.Count, u.Cause, u.Description, u.Detail, u.Example)
		}
	}
	return p.err
}

func idNote(id string) string {
	if id == "" {
		return ""
	}
	return " (decision " + id + ")"
}

// WriteMarkdown writes the report as a pull-request comment.
func (r *Report) WriteMarkdown(w io.Writer) error {
	p := &printer{w: w}
	p.f("### xtenant diff\n\n%s.\n\n", r.headline())
	p.f("| | revision | sources |\n|---|---|---|\n")
	p.f("| before | `%s` | %s |\n", r.Before.Revision, markdownCodes(r.Before.Sources))
	p.f("| after | `%s` | %s |\n\n", r.After.Revision, markdownCodes(r.After.Sources))
	if len(r.Directions) > 0 {
		p.f("| direction | entries | groups |\n|---|--:|--:|\n")
		for _, d := range r.Directions {
			p.f("| %s | %d | %d |\n", mdEscape(DirectionLabel(d.Direction)), d.Entries, d.Groups)
		}
		p.f("\n")
	}
	last := ""
	for _, g := range r.Groups {
		if g.Direction != last {
			if last != "" {
				p.f("\n")
			}
			p.f("#### %s\n\n| entries | access type | tenants | reason |\n|--:|---|---|---|\n", mdEscape(DirectionLabel(g.Direction)))
			last = g.Direction
		}
		p.f("| %d | `%s` | %s | %s |\n", g.Count, g.AccessType, mdEscape(g.pair()), mdEscape(g.Reason))
	}
	if len(r.Groups) > 0 {
		p.f("\n<details><summary>One example per group</summary>\n\n")
		for _, g := range r.Groups {
			p.f("- %s, %s, %s — `%s`%s\n\n  ```json\n  %s\n  ```\n", mdEscape(DirectionLabel(g.Direction)), g.AccessType,
				mdEscape(g.pair()), g.Example.Location, idNote(g.Example.DecisionID), g.Example.Input)
		}
		p.f("</details>\n\n")
	}
	if len(r.Unreplayable) > 0 {
		p.f("#### Unreplayable\n\n| entries | cause | detail | example |\n|--:|---|---|---|\n")
		for _, u := range r.Unreplayable {
			p.f("| %d | %s (%s) | %s | `%s` |\n", u.Count, u.Cause, u.Description, mdEscape(u.Detail), u.Example)
		}
	}
	return p.err
}

// markdownCodes lists ss as inline code, comma-separated.
func markdownCodes(ss []string) string {
	out := make([]string, len(ss))
	for i, s := range ss {
		out[i] = "`" + s + "`"
	}
	return strings.Join(out, ", ")
}

func mdEscape(s string) string { return strings.ReplaceAll(s, "|", `\|`) }

// printer keeps the first write error.
type printer struct {
	w   io.Writer
	err error
}

func (p *printer) f(format string, args ...any) {
	if p.err == nil {
		_, p.err = fmt.Fprintf(p.w, format, args...)
	}
}
