package audit_test

import (
	"context"
	"errors"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/xtenant/xtenant/bundles"
	"github.com/xtenant/xtenant/engine"
	"github.com/xtenant/xtenant/internal/audit"
	"github.com/xtenant/xtenant/tenants"
)

const home = "11111111-1111-1111-1111-111111111111"

// settingsTenants is one tenant whose default outbound B2B collaboration
// allows all users and, when v4 is set, blocks every application: a V-4
// break.
func settingsTenants(t *testing.T, v4 bool) *tenants.Set {
	t.Helper()
	apps := `{"accessType": "allowed", "targets": [{"target": "AllApplications", "targetType": "application"}]}`
	if v4 {
		apps = `{"accessType": "blocked", "targets": [{"target": "AllApplications", "targetType": "application"}]}`
	}
	raw := `{"` + home + `": {"displayName": "Home", "crossTenantAccessPolicy": {"default": {
		"b2bCollaborationOutbound": {"usersAndGroups": {"accessType": "allowed", "targets": [{"target": "AllUsers", "targetType": "user"}]},
			"applications": ` + apps + `}}}}}`
	ts, err := tenants.Parse("tenants.json", []byte(raw))
	if err != nil {
		t.Fatal(err)
	}
	return ts
}

func activate(t *testing.T, eng *engine.Engine, ts *tenants.Set) {
	t.Helper()
	p, err := bundles.Builtin(ts)
	if err != nil {
		t.Fatal(err)
	}
	if err := eng.Activate(context.Background(), p); err != nil {
		t.Fatal(err)
	}
}

// countingQuerier counts the queries that reach the engine.
type countingQuerier struct {
	next  audit.Querier
	n     atomic.Int32
	delay time.Duration
}

func (c *countingQuerier) Query(ctx context.Context, path string, input any) (any, bool, error) {
	c.n.Add(1)
	time.Sleep(c.delay)
	// OPA notices a cancelled context asynchronously: a query fast enough can
	// finish first. A querier that honours ctx, as the engine's callers
	// expect, refuses once it is done; the deadline test depends on that.
	if err := ctx.Err(); err != nil {
		return nil, false, err
	}
	return c.next.Query(ctx, path, input)
}

// TestInvalidSettingsAsWarnings: a V-4 break, judged by the policy's
// validation through the engine, is a warning shaped like the loader's (the
// tenant, a pointer into its configuration, the rule id in the message); a
// clean configuration has none.
func TestInvalidSettingsAsWarnings(t *testing.T) {
	eng := engine.New()
	activate(t, eng, settingsTenants(t, true))
	ws, err := audit.InvalidSettings(context.Background(), eng)
	if err != nil {
		t.Fatal(err)
	}
	if len(ws) != 1 || ws[0].Tenant != home || ws[0].Path != "/crossTenantAccessPolicy/default/b2bCollaborationOutbound/applications" ||
		!strings.Contains(ws[0].Message, "(V-4)") {
		t.Fatalf("warnings %+v", ws)
	}
	activate(t, eng, settingsTenants(t, false))
	if ws, err := audit.InvalidSettings(context.Background(), eng); err != nil || len(ws) != 0 {
		t.Fatalf("clean configuration: %+v %v", ws, err)
	}
	merged := audit.MergeWarnings([]tenants.Warning{{Tenant: home, Path: "/z"}, {Tenant: "ffffffff-0000-4000-8000-000000000000", Path: "/a"}},
		[]tenants.Warning{{Tenant: home, Path: "/c"}})
	if len(merged) != 3 || merged[0].Path != "/c" || merged[1].Path != "/z" || merged[2].Path != "/a" {
		t.Fatalf("merged %+v", merged)
	}
}

// TestSettingWarningsOncePerRevision: concurrent callers share one
// computation; the same revision asks the engine no more; a new revision is
// checked afresh (its warnings, not the last one's).
func TestSettingWarningsOncePerRevision(t *testing.T) {
	eng := engine.New()
	activate(t, eng, settingsTenants(t, true))
	q := &countingQuerier{next: eng, delay: 50 * time.Millisecond}
	sw := audit.NewSettingWarnings(q, eng.Revision, time.Minute)
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			rev, ws, err := sw.Get(context.Background())
			if err != nil || rev != eng.Revision() || len(ws) != 1 {
				t.Errorf("Get: %s %+v %v", rev, ws, err)
			}
		})
	}
	wg.Wait()
	if _, _, err := sw.Get(context.Background()); err != nil || q.n.Load() != 1 {
		t.Fatalf("%d queries for one revision (%v), want 1", q.n.Load(), err)
	}
	before := eng.Revision()
	activate(t, eng, settingsTenants(t, false))
	rev, ws, err := sw.Get(context.Background())
	if err != nil || rev == before || len(ws) != 0 || q.n.Load() != 2 {
		t.Fatalf("after reload: %s %+v %v, %d queries", rev, ws, err, q.n.Load())
	}
}

// TestSettingWarningsFailures: a caller that stops waiting is told the
// check is pending, and the check finishes for the next; a policy without
// the audit package is an error, kept for its revision; a check past its
// deadline says so.
func TestSettingWarningsFailures(t *testing.T) {
	eng := engine.New()
	activate(t, eng, settingsTenants(t, true))
	q := &countingQuerier{next: eng, delay: 300 * time.Millisecond}
	sw := audit.NewSettingWarnings(q, eng.Revision, time.Minute)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Millisecond)
	defer cancel()
	if _, _, err := sw.Get(ctx); !errors.Is(err, audit.ErrPending) {
		t.Fatalf("impatient caller: %v", err)
	}
	if _, ws, err := sw.Get(context.Background()); err != nil || len(ws) != 1 || q.n.Load() != 1 {
		t.Fatalf("after waiting: %+v %v, %d queries", ws, err, q.n.Load())
	}

	bare := engine.New()
	if err := bare.Activate(context.Background(), engine.Policy{Revision: "r", Modules: map[string]string{"x.rego": "package xtenant.access\n\ndecision := {}\n"}, Data: map[string]any{}}); err != nil {
		t.Fatal(err)
	}
	bq := &countingQuerier{next: bare}
	sw = audit.NewSettingWarnings(bq, bare.Revision, time.Minute)
	for range 2 {
		if _, _, err := sw.Get(context.Background()); err == nil || !strings.Contains(err.Error(), "undefined") {
			t.Fatalf("no audit package: %v", err)
		}
	}
	if bq.n.Load() != 1 {
		t.Fatalf("a failed check ran %d times for one revision", bq.n.Load())
	}

	sw = audit.NewSettingWarnings(&countingQuerier{next: eng, delay: 20 * time.Millisecond}, eng.Revision, time.Nanosecond)
	if _, _, err := sw.Get(context.Background()); err == nil || !strings.Contains(err.Error(), "took longer than") {
		t.Fatalf("past its deadline: %v", err)
	}
}
