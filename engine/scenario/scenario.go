// Package scenario reads decision scenario files (testdata/scenarios, format
// of the shared scenarios README) strictly, so that a typo fails, and
// compares an answer with a case's expectation. It is data only: running
// the cases is the caller's job (engine tests, engine/policytest, HTTP tests).
package scenario

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"

	"github.com/xtenant/xtenant/engine"
	"github.com/xtenant/xtenant/tenants"
)

// File is one scenario: tenants and cases.
type File struct {
	Name        string          `json:"name"`
	Description string          `json:"description,omitempty"`
	Rules       []string        `json:"rules,omitempty"`
	Tenants     json.RawMessage `json:"tenants"`
	Cases       []Case          `json:"cases"`
	// Pending skips the whole file, with the reason.
	Pending string `json:"pending,omitempty"`

	// Path is the file the scenario was read from.
	Path string `json:"-"`
}

// Case is one decision input and what the answer must show.
type Case struct {
	Name    string          `json:"name"`
	Input   json.RawMessage `json:"input"`
	Expect  Expect          `json:"expect"`
	Pending string          `json:"pending,omitempty"`
}

// Expect holds the fields an answer is compared on; absent fields are not
// compared. DeniedBy and ErrorCode distinguish "absent" from null.
type Expect struct {
	Decision      *string           `json:"decision,omitempty"`
	Allow         *bool             `json:"allow,omitempty"`
	DeniedBy      Nullable          `json:"denied_by"`
	ErrorCode     Nullable          `json:"error_code"`
	ConsentPrompt *bool             `json:"consent_prompt,omitempty"`
	Reasons       *[]string         `json:"reasons,omitempty"`
	Controls      map[string]string `json:"controls,omitempty"`
	StepUp        *[]engine.StepUp  `json:"step_up,omitempty"`
	ReportOnly    *[]ReportOnly     `json:"report_only,omitempty"`
}

// ReportOnly is an expected report-only result (strict: both fields).
type ReportOnly struct {
	PolicyID string `json:"policy_id"`
	Result   string `json:"result"`
}

// Nullable is an optional string that may be null: Set is false when the
// field is absent.
type Nullable struct {
	Set   bool
	Value *string
}

// UnmarshalJSON records that the field was present.
func (n *Nullable) UnmarshalJSON(b []byte) error {
	n.Set = true
	if string(b) == "null" {
		n.Value = nil
		return nil
	}
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		return errors.New("expected string or null")
	}
	n.Value = &s
	return nil
}

// MarshalJSON writes the value (null when unset).
func (n Nullable) MarshalJSON() ([]byte, error) { return json.Marshal(n.Value) }

var controlNames = []string{"mfa", "compliant_device", "hybrid_joined_device"}

// Parse reads one scenario file strictly: unknown fields are refused at
// every level (outside the tenants and input documents, which are checked
// by package tenants and engine.DecodeRequest), and so is trailing data.
func Parse(path string, raw []byte) (*File, error) {
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	var f File
	if err := dec.Decode(&f); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return nil, fmt.Errorf("%s: unexpected data after the scenario object", path)
	}
	f.Path = path
	if err := f.check(); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return &f, nil
}

func (f *File) check() error {
	if f.Name == "" {
		return errors.New("/name: required")
	}
	if len(f.Tenants) == 0 || string(f.Tenants) == "null" {
		return errors.New("/tenants: required (an object keyed by tenant id)")
	}
	if len(f.Cases) == 0 {
		return errors.New("/cases: expected at least one case")
	}
	seen := map[string]bool{}
	for i, c := range f.Cases {
		p := fmt.Sprintf("/cases/%d", i)
		switch {
		case c.Name == "":
			return errors.New(p + "/name: required")
		case seen[c.Name]:
			return fmt.Errorf("%s/name: %q is used twice", p, c.Name)
		case len(c.Input) == 0:
			return errors.New(p + "/input: required")
		}
		seen[c.Name] = true
		for k := range c.Expect.Controls {
			if !slices.Contains(controlNames, k) {
				return fmt.Errorf("%s/expect/controls/%s: unknown control (expected one of %s)", p, k, strings.Join(controlNames, ", "))
			}
		}
	}
	return nil
}

// TenantSet validates the scenario's tenants with package tenants.
func (f *File) TenantSet() (*tenants.Set, error) {
	return tenants.Parse(f.Path+"#/tenants.json", f.Tenants)
}

// Load reads one scenario file.
func Load(path string) (*File, error) {
	raw, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	return Parse(path, raw)
}

// LoadDir reads every *.json file of dir (not recursive), sorted by name.
func LoadDir(dir string) ([]*File, error) {
	paths, err := filepath.Glob(filepath.Join(dir, "*.json"))
	if err != nil {
		return nil, err
	}
	sort.Strings(paths)
	out := make([]*File, 0, len(paths))
	for _, p := range paths {
		f, err := Load(p)
		if err != nil {
			return nil, err
		}
		out = append(out, f)
	}
	return out, nil
}

// IsScenario reports whether raw looks like a scenario file (an object with
// "cases"), to tell scenario files from other JSON.
func IsScenario(raw []byte) bool {
	var probe map[string]json.RawMessage
	if json.Unmarshal(raw, &probe) != nil {
		return false
	}
	_, ok := probe["cases"]
	return ok
}

// Compare lists every difference between an answer and the expectation,
// following the README's rules; nil means the answer conforms.
func Compare(expect Expect, got *engine.Decision) []string {
	if got == nil {
		return []string{"no decision"}
	}
	var diffs []string
	add := func(format string, args ...any) { diffs = append(diffs, fmt.Sprintf(format, args...)) }

	if got.Allow != (got.Decision == engine.VerdictAllow) {
		add("allow is %t but decision is %q", got.Allow, got.Decision)
	}
	if expect.Decision != nil && *expect.Decision != got.Decision {
		add("decision: want %q, got %q", *expect.Decision, got.Decision)
	}
	if expect.Allow != nil && *expect.Allow != got.Allow {
		add("allow: want %t, got %t", *expect.Allow, got.Allow)
	}
	if expect.DeniedBy.Set && !equalPtr(expect.DeniedBy.Value, got.DeniedBy) {
		add("denied_by: want %s, got %s", show(expect.DeniedBy.Value), show(got.DeniedBy))
	}
	if expect.ErrorCode.Set && !equalPtr(expect.ErrorCode.Value, got.ErrorCode) {
		add("error_code: want %s, got %s", show(expect.ErrorCode.Value), show(got.ErrorCode))
	}
	if expect.ConsentPrompt != nil && *expect.ConsentPrompt != got.ConsentPrompt {
		add("consent_prompt: want %t, got %t", *expect.ConsentPrompt, got.ConsentPrompt)
	}
	if expect.Reasons != nil {
		codes := make([]string, len(got.Reasons))
		for i, r := range got.Reasons {
			codes[i] = r.Code
		}
		if w, g := set(*expect.Reasons), set(codes); !slices.Equal(w, g) {
			add("reasons: want %v, got %v", w, g)
		}
	}
	gotControls := map[string]string{
		"mfa":                  got.Controls.MFA,
		"compliant_device":     got.Controls.CompliantDevice,
		"hybrid_joined_device": got.Controls.HybridJoinedDevice,
	}
	for _, name := range controlNames {
		if want, ok := expect.Controls[name]; ok && want != gotControls[name] {
			add("controls.%s: want %q, got %q", name, want, gotControls[name])
		}
	}
	if expect.StepUp != nil {
		var w, g []string
		for _, s := range *expect.StepUp {
			w = append(w, s.Control+"@"+s.At)
		}
		for _, s := range got.StepUp {
			g = append(g, s.Control+"@"+s.At)
		}
		if w, g = set(w), set(g); !slices.Equal(w, g) {
			add("step_up: want %v, got %v", w, g)
		}
	}
	if expect.ReportOnly != nil {
		var w, g []string
		for _, r := range *expect.ReportOnly {
			w = append(w, r.PolicyID+"="+r.Result)
		}
		for _, r := range got.ReportOnly {
			g = append(g, r.PolicyID+"="+r.Result)
		}
		if w, g = set(w), set(g); !slices.Equal(w, g) {
			add("report_only: want %v, got %v", w, g)
		}
	}
	return diffs
}

func set(list []string) []string {
	out := slices.Clone(list)
	slices.Sort(out)
	out = slices.Compact(out)
	if out == nil {
		out = []string{}
	}
	return out
}

func equalPtr(a, b *string) bool {
	if a == nil || b == nil {
		return a == nil && b == nil
	}
	return *a == *b
}

func show(s *string) string {
	if s == nil {
		return "null"
	}
	return fmt.Sprintf("%q", *s)
}
