package main

import (
	"encoding/json"
	"os"
	"strings"
	"testing"
)

// TestDiffExitCodes replays the README's sample log (testdata/diff) against
// the changed tenants: exit 3 on change, 0 when the changed directions are
// not asked for, 2 on bad usage.
func TestDiffExitCodes(t *testing.T) {
	// A policy whose decision is undefined: every replay is an evaluation
	// error on the after side, which must fail the gate, not pass it.
	undefined := t.TempDir()
	if err := os.MkdirAll(undefined+"/xtenant/access", 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(undefined+"/xtenant/access/decision.rego", []byte("package xtenant.access\n\ndecision := 1 if false\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	const log, after = "../../testdata/diff/decisions.log.gz", "../../testdata/diff/tenants-after.json"
	for _, tc := range []struct {
		name string
		args []string
		code int
		out  string
	}{
		{"changes", []string{"diff", log, "--after", after}, 3, "deny → allow"},
		{"fail-on widening", []string{"diff", log, "--after", after, "--fail-on", "deny-to-allow,step_up-to-allow"}, 3, "deny → allow"},
		{"fail-on a direction that did not happen", []string{"diff", log, "--after", after, "--fail-on", "allow-to-step-up"}, 0, "allow → deny"},
		{"fail-on unreplayable", []string{"diff", log, "--after", after, "--fail-on", "unreplayable"}, 3, "masked"},
		{"fail-on none", []string{"diff", log, "--after", after, "--fail-on", "none"}, 0, "deny → allow"},
		{"same configuration", []string{"diff", log, "--before", after, "--after", after}, 0, "0 changed"},
		{"markdown", []string{"diff", log, "--after", after, "--format", "markdown"}, 3, "| deny → allow | 19 | 1 |"},
		{"no log", []string{"diff", "--after", after}, 2, ""},
		{"no side", []string{"diff", log}, 2, ""},
		{"bad format", []string{"diff", log, "--after", after, "--format", "xml"}, 2, ""},
		{"bad fail-on", []string{"diff", log, "--after", after, "--fail-on", "sideways"}, 2, ""},
		{"missing source", []string{"diff", log, "--after", "no/such/file.json"}, 2, ""},
		{"missing log", []string{"diff", "no/such.log", "--after", after}, 2, ""},
		{"after policy that cannot decide", []string{"diff", log, "--after", after, "--after", "policy:" + undefined}, 3, "evaluation_error"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			code, out, errOut := runCmd(t, "", tc.args...)
			if code != tc.code {
				t.Fatalf("exit %d, want %d: %s %s", code, tc.code, errOut, out)
			}
			if !strings.Contains(out, tc.out) {
				t.Errorf("output lacks %q:\n%s", tc.out, out)
			}
		})
	}
	code, out, _ := runCmd(t, "", "diff", log, "--after", after, "--format", "json")
	var rep struct {
		Summary struct{ Entries, Changed, Unreplayable int }
		Groups  []struct{ Direction string }
	}
	if err := json.Unmarshal([]byte(out), &rep); err != nil || code != 3 {
		t.Fatalf("exit %d, %v", code, err)
	}
	if rep.Summary.Entries != 1020 || rep.Summary.Unreplayable != 20 || rep.Groups[0].Direction != "deny-to-allow" {
		t.Fatalf("%+v", rep)
	}
}
