package replay_test

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/xtenant/xtenant/internal/replay"
)

// TestReplayFindsExactlyTheChangedSubset records 12,000 decisions through
// xtenant's decision log, changes one partner entry so that a subset known
// by construction flips both ways, and checks that the diff finds exactly
// that subset, widening first, and counts every unreplayable entry by cause.
func TestReplayFindsExactlyTheChangedSubset(t *testing.T) {
	dir := t.TempDir()
	before := exampleEngine(t)
	after := activate(t, changedTenants(t))

	reqs := traffic(7, 12000, 80)
	want := map[string]int{}
	for _, r := range reqs {
		if d := expectedDirection(r); d != "" {
			want[d]++
		}
	}
	for _, d := range []string{"deny-to-allow", "deny-to-step-up", "allow-to-deny", "step-up-to-deny", "deny-to-deny"} {
		if want[d] == 0 {
			t.Fatalf("traffic has no %s entry; the test would prove nothing", d)
		}
	}
	writeLog(t, dir, "decisions.log", before, reqs, nil)
	// 500 more, with the user id masked, gzip'd: unreplayable, never skipped.
	masked := traffic(8, 500, 50)
	gzipFile(t, writeLog(t, dir, "masked.log", before, masked, []string{"/input/user/id"}))
	// A file of bare inputs: two valid (unchanged), bad ones counted by cause.
	extra := strings.Join([]string{
		`{"access_type":"b2b_collaboration","home_tenant":"` + fabrikam + `","resource_tenant":"` + contoso + `","user":{"id":"aaaaaaaa-0000-4000-8000-000000000001"},"application":{"id":"` + appSPO + `"}}`,
		`{"access_type":"b2b_direct_connect","home_tenant":"` + fabrikam + `","resource_tenant":"` + contoso + `","user":{"id":"aaaaaaaa-0000-4000-8000-000000000001"},"application":{"id":"` + appSPO + `"}}`,
		`{"access_type":"b2b_collaboration","home_tenant":"not-a-guid","resource_tenant":"` + contoso + `","user":{"id":"aaaaaaaa-0000-4000-8000-000000000001"},"application":{"id":"` + appSPO + `"}}`,
		`{"access_type":"b2b_collaboration","home_tenant":"` + fabrikam + `","resource_tenant":"` + contoso + `","user":{"id":"x"},"application":{"id":"` + appSPO + `"},"legacy_field":1}`,
		`{"decision_id":"d1","path":"xtenant/v0/decision","input":{"home":"` + fabrikam + `"}}`,
		`this is not json`,
		``,
	}, "\n")
	if err := os.WriteFile(filepath.Join(dir, "inputs.jsonl"), []byte(extra), 0o600); err != nil {
		t.Fatal(err)
	}

	b, a := sides(before, after)
	rep, err := replay.Run(context.Background(), []string{dir}, b, a, replay.Options{})
	if err != nil {
		t.Fatal(err)
	}
	total := 0
	for _, n := range want {
		total += n
	}
	s := rep.Summary
	if s.Entries != 12000+500+6 || s.Replayed != 12000+2 || s.Changed != total || s.Unchanged != 12002-total || s.Unreplayable != 504 {
		t.Fatalf("summary %+v; want %d entries, %d replayed, %d changed", s, 12506, 12002, total)
	}
	got := map[string]int{}
	for _, d := range rep.Directions {
		got[d.Direction] = d.Entries
	}
	if len(got) != len(want) {
		t.Errorf("directions %v, want %v", got, want)
	}
	for d, n := range want {
		if got[d] != n {
			t.Errorf("%s: %d entries, want %d", d, got[d], n)
		}
	}
	// Widening first: deny→allow, then deny→step_up, before any narrowing.
	if rep.Directions[0].Direction != "deny-to-allow" || rep.Groups[0].Direction != "deny-to-allow" || rep.Directions[1].Direction != "deny-to-step-up" {
		t.Errorf("order: %+v", rep.Directions)
	}
	for _, g := range rep.Groups {
		if g.HomeTenant != northwind || g.ResourceTenant != contoso || g.AccessType != "b2b_collaboration" {
			t.Errorf("group of an unchanged pair: %+v", g)
		}
		if g.HomeName != "Northwind" || g.Count == 0 || g.Example.Location == "" || len(g.Example.Input) == 0 {
			t.Errorf("group without name, count or example: %+v", g)
		}
		if g.Direction == "deny-to-allow" && g.Reason != "RESOURCE_INBOUND_BLOCKED → none" {
			t.Errorf("deny→allow reason %q", g.Reason)
		}
		// The example is an entry of the group.
		var in struct{ User struct{ Groups []string } }
		json.Unmarshal(g.Example.Input, &in)
		if g.Direction == "deny-to-allow" && (len(in.User.Groups) != 1 || in.User.Groups[0] != groupNew) {
			t.Errorf("deny→allow example %s", g.Example.Input)
		}
	}
	causes := map[string]int{}
	for _, u := range rep.Unreplayable {
		causes[u.Cause] += u.Count
		if u.Example == "" || u.Description == "" {
			t.Errorf("unreplayable without example or description: %+v", u)
		}
	}
	wantCauses := map[string]int{replay.CauseMasked: 500, replay.CauseInvalid: 2, replay.CauseOtherPath: 1, replay.CauseNotJSON: 1}
	for c, n := range wantCauses {
		if causes[c] != n {
			t.Errorf("cause %s: %d, want %d (all: %v)", c, causes[c], n, causes)
		}
	}
	for _, u := range rep.Unreplayable {
		if u.Cause == replay.CauseMasked && (u.Detail != "/input/user/id" || !strings.Contains(u.Example, "masked.log.gz:")) {
			t.Errorf("masked: %+v", u)
		}
	}
	if rep.Count("deny-to-allow", "step-up-to-allow") != want["deny-to-allow"] {
		t.Errorf("Count(deny-to-allow, step-up-to-allow) = %d", rep.Count("deny-to-allow", "step-up-to-allow"))
	}

	// Every format renders, widening first.
	for name, write := range map[string]func(*replay.Report, *bytes.Buffer) error{
		"text":     func(r *replay.Report, w *bytes.Buffer) error { return r.WriteText(w) },
		"markdown": func(r *replay.Report, w *bytes.Buffer) error { return r.WriteMarkdown(w) },
		"json":     func(r *replay.Report, w *bytes.Buffer) error { return r.WriteJSON(w) },
	} {
		var buf bytes.Buffer
		if err := write(rep, &buf); err != nil {
			t.Fatal(name, err)
		}
		out := buf.String()
		first := strings.Index(out, "deny → allow")
		if name == "json" {
			first = strings.Index(out, `"deny-to-allow"`)
		}
		narrow := strings.Index(out, "allow → deny")
		if name == "json" {
			narrow = strings.Index(out, `"allow-to-deny"`)
		}
		if first < 0 || narrow < 0 || first > narrow {
			t.Errorf("%s: deny→allow at %d, allow→deny at %d:\n%s", name, first, narrow, out)
		}
	}
}

// TestReplaySameConfigurationChangesNothing: replaying against the
// configuration that made the log changes nothing, and the decisions
// recorded are the decisions replayed.
func TestReplaySameConfigurationChangesNothing(t *testing.T) {
	dir := t.TempDir()
	eng := exampleEngine(t)
	log := writeLog(t, dir, "d.log", eng, traffic(3, 2000, 40), nil)
	b, a := sides(eng, exampleEngine(t))
	rep, err := replay.Run(context.Background(), []string{log}, b, a, replay.Options{Workers: 3})
	if err != nil {
		t.Fatal(err)
	}
	if rep.Summary.Changed != 0 || rep.Summary.Replayed != 2000 || len(rep.Groups) != 0 {
		t.Fatalf("%+v", rep.Summary)
	}
}

// TestReplayReadsArraysAndRefusesMissingFiles: a decision log service
// payload (a JSON array of events on one line) is read; a missing source
// is an error, not an empty report.
func TestReplayReadsArraysAndRefusesMissingFiles(t *testing.T) {
	dir := t.TempDir()
	eng := exampleEngine(t)
	log := writeLog(t, dir, "d.log", eng, traffic(4, 30, 5), nil)
	raw, _ := os.ReadFile(log)
	lines := strings.Split(strings.TrimSpace(string(raw)), "\n")
	arr := "[" + strings.Join(lines, ",") + "]\n"
	if err := os.WriteFile(log, []byte(arr), 0o600); err != nil {
		t.Fatal(err)
	}
	gz := gzipFile(t, log)
	b, a := sides(eng, activate(t, changedTenants(t)))
	rep, err := replay.Run(context.Background(), []string{gz}, b, a, replay.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if rep.Summary.Entries != 30 || rep.Summary.Replayed != 30 {
		t.Fatalf("%+v", rep.Summary)
	}
	if _, err := replay.Run(context.Background(), []string{filepath.Join(dir, "missing")}, b, a, replay.Options{}); err == nil {
		t.Fatal("missing file: no error")
	}
}
