package matrix

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
)

// Report is a settings diff: both matrices and the changed cells.
type Report struct {
	BeforeRevision string   `json:"before_revision"`
	AfterRevision  string   `json:"after_revision"`
	Changes        []Change `json:"changes"`
	Before         Matrix   `json:"before"`
	After          Matrix   `json:"after"`
}

// Compare builds the report of two tenants documents.
func Compare(beforeRev string, before map[string]any, afterRev string, after map[string]any) *Report {
	b, a := Build(before), Build(after)
	if b == nil {
		b = Matrix{}
	}
	if a == nil {
		a = Matrix{}
	}
	return &Report{BeforeRevision: beforeRev, AfterRevision: afterRev, Changes: Diff(b, a), Before: b, After: a}
}

// WriteJSON writes the report as JSON.
func (r *Report) WriteJSON(w io.Writer) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	return enc.Encode(r)
}

// label names a tenant or partner in full: "Name (id)".
func label(id, name string) string {
	if id == Default {
		return "default"
	}
	if name == "" {
		return id
	}
	return name + " (" + id + ")"
}

// shortLabel names a tenant or partner in a table column: its name alone
// when it has one.
func shortLabel(id, name string) string {
	if id == Default {
		return "default"
	}
	if name != "" {
		return name
	}
	return id
}

func cellText(c *Cell) string {
	if c == nil {
		return "(no entry)"
	}
	if c.From == "partner" {
		return c.Value
	}
	return c.Value + " (" + c.From + ")"
}

// changedTenants lists the tenants with a changed cell, in order.
func (r *Report) changedTenants() []string {
	var out []string
	for _, c := range r.Changes {
		if len(out) == 0 || out[len(out)-1] != c.Tenant {
			out = append(out, c.Tenant)
		}
	}
	return out
}

// WriteText writes the changed cells, then the before and after matrix of
// every tenant with a change (one column per partner; JSON has them all).
func (r *Report) WriteText(w io.Writer) error {
	var b strings.Builder
	fmt.Fprintf(&b, "xtenant diff --settings: %d changed cells\nbefore: %s\nafter:  %s\n", len(r.Changes), r.BeforeRevision, r.AfterRevision)
	if len(r.Changes) > 0 {
		b.WriteString("\n")
		tw := tabwriter.NewWriter(&b, 0, 0, 2, ' ', 0)
		fmt.Fprintln(tw, "TENANT\tPARTNER\tSETTING\tBEFORE\tAFTER")
		for _, c := range r.Changes {
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", shortLabel(c.Tenant, c.Name), shortLabel(c.Partner, c.PartnerName), cellLabel[c.Cell], cellText(c.Before), cellText(c.After))
		}
		tw.Flush()
	}
	for _, t := range r.changedTenants() {
		for _, side := range []struct {
			name string
			m    Matrix
		}{{"before", r.Before}, {"after", r.After}} {
			rows := side.m.of(t)
			if len(rows) == 0 {
				continue
			}
			fmt.Fprintf(&b, "\n%s, %s\n", label(t, rows[0].Name), side.name)
			tw := tabwriter.NewWriter(&b, 0, 0, 2, ' ', 0)
			fmt.Fprint(tw, "SETTING")
			for _, row := range rows {
				fmt.Fprintf(tw, "\t%s", shortLabel(row.Partner, row.PartnerName))
			}
			fmt.Fprintln(tw)
			for _, c := range Cells {
				fmt.Fprint(tw, cellLabel[c])
				for _, row := range rows {
					cell := row.Cells[c]
					v := cell.Value
					if cell.From != "partner" && row.Partner != Default {
						v += " (d)"
					}
					fmt.Fprintf(tw, "\t%s", v)
				}
				fmt.Fprintln(tw)
			}
			tw.Flush()
		}
	}
	if len(r.changedTenants()) > 0 {
		b.WriteString("\n(d): inherited from the default or the service default\n")
	}
	_, err := io.WriteString(w, b.String())
	return err
}

func (m Matrix) of(tenant string) []Row {
	var out []Row
	for _, r := range m {
		if r.Tenant == tenant {
			out = append(out, r)
		}
	}
	return out
}

// WriteMarkdown writes the changed cells as a table for a pull request.
func (r *Report) WriteMarkdown(w io.Writer) error {
	var b strings.Builder
	fmt.Fprintf(&b, "### xtenant diff --settings\n\n%d changed cells (`%s` → `%s`).\n\n", len(r.Changes), r.BeforeRevision, r.AfterRevision)
	if len(r.Changes) > 0 {
		b.WriteString("| tenant | partner | setting | before | after |\n|---|---|---|---|---|\n")
		for _, c := range r.Changes {
			fmt.Fprintf(&b, "| %s | %s | %s | %s | %s |\n", label(c.Tenant, c.Name), label(c.Partner, c.PartnerName), cellLabel[c.Cell], cellText(c.Before), cellText(c.After))
		}
	}
	_, err := io.WriteString(w, b.String())
	return err
}
