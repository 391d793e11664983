package bundles_test

import (
	"bytes"
	"context"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/xtenant/xtenant/bundles"
	"github.com/xtenant/xtenant/engine"
	"github.com/xtenant/xtenant/tenants"
)

// Contoso blocks every B2B collaboration guest inbound; the block is the
// last part of the file, so the file cut after its first lines is valid
// YAML in which Contoso has service defaults, and the guest is allowed.
const blockedYAML = `"11111111-1111-1111-1111-111111111111":
  displayName: Fabrikam
"22222222-2222-2222-2222-222222222222":
  displayName: Contoso
  crossTenantAccessPolicy:
    default:
      b2bCollaborationInbound:
        usersAndGroups:
          accessType: blocked
          targets:
          - {target: AllUsers, targetType: user}
        applications:
          accessType: blocked
          targets:
          - {target: AllApplications, targetType: application}
`

const guestInput = `{"access_type":"b2b_collaboration","home_tenant":"11111111-1111-1111-1111-111111111111",
 "resource_tenant":"22222222-2222-2222-2222-222222222222","user":{"id":"a1a1a1a1-0000-4000-8000-000000000001"},
 "application":{"id":"00000003-0000-0ff1-ce00-000000000000"}}`

func decideGuest(t *testing.T, eng *engine.Engine) string {
	t.Helper()
	req, err := engine.DecodeRequest([]byte(guestInput))
	if err != nil {
		t.Fatal(err)
	}
	d, err := eng.Evaluate(context.Background(), req)
	if err != nil {
		t.Fatal(err)
	}
	return d.Decision
}

func engineFor(t *testing.T, name, content string) *engine.Engine {
	t.Helper()
	set, err := tenants.Parse(name, []byte(content))
	if err != nil {
		t.Fatal(err)
	}
	eng, err := bundles.BuiltinEngine(context.Background(), set)
	if err != nil {
		t.Fatal(err)
	}
	return eng
}

// A YAML tenants file written in place in two parts one second apart is
// never activated half-written (before: the first part, valid YAML, was
// activated for about a second and denies became allows).
func TestHalfWrittenFileNeverActive(t *testing.T) {
	cut := strings.Index(blockedYAML, "  crossTenantAccessPolicy:")
	first, rest := blockedYAML[:cut], blockedYAML[cut:]
	if got := decideGuest(t, engineFor(t, "half.yaml", first)); got != "allow" {
		t.Fatalf("the first part alone decides %s; the test needs it to allow", got)
	}
	if got := decideGuest(t, engineFor(t, "full.yaml", blockedYAML)); got != "deny" {
		t.Fatalf("the whole file decides %s, want deny", got)
	}

	file := filepath.Join(t.TempDir(), "tenants.yaml")
	if err := os.WriteFile(file, []byte(blockedYAML), 0o600); err != nil {
		t.Fatal(err)
	}
	eng, _ := watched(t, bundles.LoopConfig{Path: file})
	oldRev := eng.Revision()

	var allowed atomic.Int64
	stop := make(chan struct{})
	var wg sync.WaitGroup
	wg.Go(func() {
		for {
			select {
			case <-stop:
				return
			default:
			}
			if decideGuest(t, eng) == "allow" {
				allowed.Add(1)
			}
			time.Sleep(5 * time.Millisecond)
		}
	})

	// The new content differs from the old only in a display name, so
	// that its activation can be seen.
	firstNew := strings.Replace(first, "Contoso", "Contoso Ltd", 1)
	f, err := os.OpenFile(file, os.O_WRONLY|os.O_TRUNC, 0)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.WriteString(firstNew); err != nil {
		t.Fatal(err)
	}
	time.Sleep(time.Second)
	if _, err := f.WriteString(rest); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the whole new file", func() bool { return eng.Revision() != oldRev })
	time.Sleep(50 * time.Millisecond)
	close(stop)
	wg.Wait()
	if n := allowed.Load(); n > 0 {
		t.Fatalf("%d decisions allowed while the file was half written", n)
	}
	if got := decideGuest(t, eng); got != "deny" {
		t.Fatalf("after the write: %s", got)
	}
}

// dirSource loads a tenants directory and returns the source, its engine and
// a log buffer.
func dirSource(t *testing.T, dir string, allowEmpty bool) (*bundles.Loop, *engine.Engine) {
	t.Helper()
	eng := engine.New()
	src, err := bundles.NewLoop(bundles.LoopConfig{Path: dir, Build: bundles.Builtin, Activate: eng.Activate, AllowEmpty: allowEmpty, Settle: 20 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	return src, eng
}

func write(t *testing.T, path, content string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
}

const (
	fabrikamJSON = `{"11111111-1111-1111-1111-111111111111": {"displayName": "Fabrikam",
  "crossTenantAccessPolicy": {"default": {"b2bCollaborationOutbound": {
    "usersAndGroups": {"accessType": "blocked", "targets": [{"target": "AllUsers", "targetType": "user"}]},
    "applications": {"accessType": "blocked", "targets": [{"target": "AllApplications", "targetType": "application"}]}}}}}}`
	contosoJSON = `{"22222222-2222-2222-2222-222222222222": {"displayName": "Contoso",
  "crossTenantAccessPolicy": {"partners": {"11111111-1111-1111-1111-111111111111": {"tenantId": "11111111-1111-1111-1111-111111111111"}}}}}`
	northwindJSON = `{"33333333-3333-3333-3333-333333333333": {"displayName": "Northwind"}}`
)

// A change that drops every tenant, or drops a tenant another one names as
// a partner (a directory missing the home tenant's file, which held the
// HOME_OUTBOUND_BLOCKED setting), is refused unless AllowEmpty; the last good
// configuration keeps serving. Dropping an unreferenced tenant is accepted.
func TestDropsRefused(t *testing.T) {
	for _, tc := range []struct {
		name       string
		change     func(dir string)
		allowEmpty bool
		refused    string // "" = accepted
	}{
		{name: "home tenant's file missing", change: func(dir string) { os.Remove(filepath.Join(dir, "fabrikam.json")) },
			refused: "removes tenant 11111111-1111-1111-1111-111111111111 (from "},
		{name: "every file replaced by {}", change: func(dir string) {
			os.Remove(filepath.Join(dir, "fabrikam.json"))
			os.Remove(filepath.Join(dir, "northwind.json"))
			write(t, filepath.Join(dir, "contoso.json"), `{}`)
		}, refused: "removes every tenant (3 before)"},
		{name: "every file removed", change: func(dir string) {
			for _, f := range []string{"fabrikam.json", "contoso.json", "northwind.json"} {
				os.Remove(filepath.Join(dir, f))
			}
		}, refused: "holds no .json, .yaml or .yml file"},
		{name: "unreferenced tenant removed", change: func(dir string) { os.Remove(filepath.Join(dir, "northwind.json")) }},
		{name: "home tenant removed with --allow-empty", allowEmpty: true, change: func(dir string) { os.Remove(filepath.Join(dir, "fabrikam.json")) }},
		{name: "every tenant removed with --allow-empty", allowEmpty: true, change: func(dir string) {
			os.Remove(filepath.Join(dir, "fabrikam.json"))
			os.Remove(filepath.Join(dir, "northwind.json"))
			write(t, filepath.Join(dir, "contoso.json"), `{}`)
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			write(t, filepath.Join(dir, "fabrikam.json"), fabrikamJSON)
			write(t, filepath.Join(dir, "contoso.json"), contosoJSON)
			write(t, filepath.Join(dir, "northwind.json"), northwindJSON)
			src, eng := dirSource(t, dir, tc.allowEmpty)
			if err := src.Load(context.Background()); err != nil {
				t.Fatal(err)
			}
			before := eng.Revision()
			if got := decideGuest(t, eng); got != "deny" {
				t.Fatalf("before: %s (Fabrikam blocks outbound)", got)
			}
			tc.change(dir)
			err := src.Load(context.Background())
			if tc.refused == "" {
				if err != nil || eng.Revision() == before {
					t.Fatalf("refused: %v", err)
				}
				if src.NotReady() != "" {
					t.Fatalf("not ready: %s", src.NotReady())
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tc.refused) {
				t.Fatalf("err = %v, want %q", err, tc.refused)
			}
			if eng.Revision() != before || decideGuest(t, eng) != "deny" || src.Status()[0].LastError == "" {
				t.Fatalf("the refused change took effect: %s", eng.Revision())
			}
		})
	}
}

// A start with no tenant loads but is not ready, and says why; with
// AllowEmpty it is ready.
func TestEmptyStartNotReady(t *testing.T) {
	file := filepath.Join(t.TempDir(), "tenants.json")
	write(t, file, `{}`)
	for _, allow := range []bool{false, true} {
		src, _ := dirSource(t, file, allow)
		if src.NotReady() == "" {
			t.Fatal("ready before any load")
		}
		if err := src.Load(context.Background()); err != nil {
			t.Fatal(err)
		}
		why := src.NotReady()
		if allow != (why == "") {
			t.Fatalf("allowEmpty=%v: not ready %q", allow, why)
		}
		if !allow && !strings.Contains(why, file+" holds no tenant") {
			t.Fatalf("reason %q", why)
		}
	}
}

// A refused first load does not claim a last good configuration.
func TestFailedStartLog(t *testing.T) {
	file := filepath.Join(t.TempDir(), "tenants.json")
	write(t, file, `{"nope": {}}`)
	var logs bytes.Buffer
	src, err := bundles.NewLoop(bundles.LoopConfig{Path: file, Build: bundles.Builtin, Activate: engine.New().Activate, Logger: newTextLogger(&logs)})
	if err != nil {
		t.Fatal(err)
	}
	if err := src.Load(context.Background()); err == nil {
		t.Fatal("accepted")
	}
	if strings.Contains(logs.String(), "keeps serving") || !strings.Contains(logs.String(), "tenants refused") {
		t.Fatalf("log: %s", logs.String())
	}
}

func newTextLogger(w *bytes.Buffer) *slog.Logger { return slog.New(slog.NewTextHandler(w, nil)) }
