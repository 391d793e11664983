package replay_test

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"testing"

	"github.com/xtenant/xtenant/bundles"
	"github.com/xtenant/xtenant/engine"
	"github.com/xtenant/xtenant/engine/decisioncache"
	"github.com/xtenant/xtenant/internal/decisionlog"
	"github.com/xtenant/xtenant/internal/replay"
	"github.com/xtenant/xtenant/tenants"
)

// The example tenants (bundles/examples): Contoso (2222…) admits Northwind
// (3333…) users of group c3c3…0001 only, and requires MFA and a compliant
// device of guests, both trusted from Northwind.
const (
	fabrikam  = "11111111-1111-1111-1111-111111111111"
	contoso   = "22222222-2222-2222-2222-222222222222"
	northwind = "33333333-3333-3333-3333-333333333333"
	groupOld  = "c3c3c3c3-0000-4000-8000-000000000001" // admitted before and after
	groupNew  = "c3c3c3c3-0000-4000-8000-000000000002" // admitted after only
	groupNone = "c3c3c3c3-0000-4000-8000-000000000009" // never admitted
	appX      = "dddddddd-0000-4000-8000-000000000001" // blocked for Northwind after
	appSPO    = "00000003-0000-0ff1-ce00-000000000000"
	appTeams  = "cc15fd57-2c6c-4117-a88c-83b1d56b4bbe"
)

// changedTenants is the change under test: Contoso's partner entry for
// Northwind admits groupNew as well, and blocks appX.
func changedTenants(t testing.TB) *tenants.Set {
	t.Helper()
	ex, err := bundles.ExampleTenants()
	if err != nil {
		t.Fatal(err)
	}
	raw, err := json.Marshal(ex.Tenants())
	if err != nil {
		t.Fatal(err)
	}
	var obj map[string]any
	if err := json.Unmarshal(raw, &obj); err != nil {
		t.Fatal(err)
	}
	p := obj[contoso].(map[string]any)["crossTenantAccessPolicy"].(map[string]any)["partners"].(map[string]any)[northwind].(map[string]any)
	p["b2bCollaborationInbound"] = map[string]any{
		"usersAndGroups": map[string]any{"accessType": "allowed", "targets": []any{
			map[string]any{"target": groupOld, "targetType": "group"},
			map[string]any{"target": groupNew, "targetType": "group"},
		}},
		"applications": map[string]any{"accessType": "blocked", "targets": []any{
			map[string]any{"target": appX, "targetType": "application"},
		}},
	}
	ts, err := tenants.FromObject("changed", obj)
	if err != nil {
		t.Fatal(err)
	}
	return ts
}

func activate(t testing.TB, ts *tenants.Set) *engine.Engine {
	t.Helper()
	eng, err := bundles.BuiltinEngine(context.Background(), ts)
	if err != nil {
		t.Fatal(err)
	}
	return eng
}

func exampleEngine(t testing.TB) *engine.Engine {
	t.Helper()
	ex, err := bundles.ExampleTenants()
	if err != nil {
		t.Fatal(err)
	}
	return activate(t, ex)
}

// user is one signing-in user of the generated traffic.
type user struct {
	id     string
	home   string
	groups []string
}

// population draws users: Northwind users in groupOld, groupNew, both or
// neither, and Fabrikam users.
func population(r *rand.Rand, n int) []user {
	us := make([]user, n)
	for i := range us {
		u := user{id: fmt.Sprintf("aaaaaaaa-0000-4000-8000-%012d", i), home: northwind}
		switch r.IntN(5) {
		case 0:
			u.groups = []string{groupOld}
		case 1:
			u.groups = []string{groupNew}
		case 2:
			u.groups = []string{groupOld, groupNew}
		case 3:
			u.groups = []string{groupNone}
		default:
			u.home = fabrikam
		}
		us[i] = u
	}
	return us
}

// traffic draws n decision inputs from a population of users, each
// request with claims drawn afresh (every direction of change shows up).
func traffic(seed uint64, n, users int) []*engine.Request {
	return draw(seed, n, users, false)
}

// stableTraffic is traffic as a log records it: each user keeps the claims
// of their session and device, and signs in over and over.
func stableTraffic(seed uint64, n, users int) []*engine.Request {
	return draw(seed, n, users, true)
}

func draw(seed uint64, n, users int, stable bool) []*engine.Request {
	r := rand.New(rand.NewPCG(seed, 1))
	pop := population(r, users)
	apps := []string{appSPO, appTeams, appX}
	claims := make([]engine.Claims, len(pop))
	for i := range claims {
		claims[i] = engine.Claims{MFA: r.IntN(3) > 0, CompliantDevice: r.IntN(4) > 0}
	}
	out := make([]*engine.Request, n)
	for i := range out {
		ui := r.IntN(len(pop))
		u := pop[ui]
		req := &engine.Request{
			AccessType:     engine.AccessB2BCollaboration,
			HomeTenant:     u.home,
			ResourceTenant: contoso,
			User:           &engine.User{ID: u.id, Groups: u.groups},
			Application:    &engine.Application{ID: apps[r.IntN(len(apps))]},
			Claims:         &engine.Claims{MFA: r.IntN(3) > 0, CompliantDevice: r.IntN(4) > 0},
		}
		if stable {
			c := claims[ui]
			req.Claims = &c
		}
		if r.IntN(10) == 0 {
			req.AccessType = engine.AccessB2BDirectConnect
		}
		out[i] = req
	}
	return out
}

// expectedDirection is the change by construction, "" for none.
func expectedDirection(req *engine.Request) string {
	if req.AccessType != engine.AccessB2BCollaboration || req.HomeTenant != northwind {
		return ""
	}
	has := func(g string) bool {
		for _, x := range req.User.Groups {
			if x == g {
				return true
			}
		}
		return false
	}
	was := func() string { // before: allow, step-up or deny by Conditional Access
		switch {
		case !req.Claims.CompliantDevice:
			return "deny"
		case !req.Claims.MFA:
			return "step-up"
		}
		return "allow"
	}
	switch {
	case has(groupNew) && !has(groupOld) && req.Application.ID != appX:
		return "deny-to-" + was() // resource_inbound no longer blocks
	case has(groupOld) && req.Application.ID == appX:
		return was() + "-to-deny" // resource_inbound blocks appX now
	}
	return ""
}

// writeLog records reqs through xtenant's own decision log (file sink),
// deciding with eng, and returns the file.
func writeLog(t testing.TB, dir, name string, eng *engine.Engine, reqs []*engine.Request, mask []string) string {
	t.Helper()
	path := filepath.Join(dir, name)
	l, err := decisionlog.New(decisionlog.Config{Sink: "file:" + path, Mask: mask, QueueSize: len(reqs) + 1})
	if err != nil {
		t.Fatal(err)
	}
	// Through the decision cache, as serve does: the log is the same, and
	// writing it takes a fraction of the time.
	cache, err := decisioncache.New(eng, eng, decisioncache.Config{MaxBytes: 256 << 20})
	if err != nil {
		t.Fatal(err)
	}
	defer cache.Close()
	ev := l.Wrap(cache)
	for _, req := range reqs {
		// A deep copy: the logger encodes the request after Evaluate
		// returns, and users share their group slices across requests.
		cp := *req
		u := *req.User
		u.Groups = append([]string(nil), u.Groups...)
		cp.User = &u
		if _, err := ev.Evaluate(context.Background(), &cp); err != nil {
			t.Fatal(err)
		}
	}
	if err := l.Close(context.Background()); err != nil {
		t.Fatal(err)
	}
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if n := bytes.Count(raw, []byte("\n")); n != len(reqs) {
		t.Fatalf("%s: %d events logged of %d", path, n, len(reqs))
	}
	return path
}

func gzipFile(t testing.TB, path string) string {
	t.Helper()
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	zw.Write(raw)
	zw.Close()
	if err := os.WriteFile(path+".gz", buf.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Remove(path); err != nil {
		t.Fatal(err)
	}
	return path + ".gz"
}

func sides(before, after *engine.Engine) (replay.Side, replay.Side) {
	names := map[string]string{fabrikam: "Fabrikam", contoso: "Contoso", northwind: "Northwind"}
	name := func(id string) string { return names[id] }
	return replay.Side{Label: "before", Revision: before.Revision(), Sources: []string{"examples"}, Evaluator: before, TenantName: name},
		replay.Side{Label: "after", Revision: after.Revision(), Sources: []string{"changed"}, Evaluator: after, TenantName: name}
}

// TestWriteSampleLog rewrites testdata/diff/decisions.log.gz, the recorded
// log the README's "Changing settings safely" replays: 1,000 decisions of
// the example tenants and 20 with the user id masked. It runs only with
// XTENANT_UPDATE_TESTDATA=1.
func TestWriteSampleLog(t *testing.T) {
	if os.Getenv("XTENANT_UPDATE_TESTDATA") != "1" {
		t.Skip("XTENANT_UPDATE_TESTDATA=1 rewrites testdata/diff/decisions.log.gz")
	}
	dir := t.TempDir()
	eng := exampleEngine(t)
	a, err := os.ReadFile(writeLog(t, dir, "a.log", eng, stableTraffic(5, 1000, 40), nil))
	if err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(writeLog(t, dir, "b.log", eng, stableTraffic(6, 20, 5), []string{"/input/user/id"}))
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	zw.Write(a)
	zw.Write(b)
	zw.Close()
	if err := os.WriteFile("../../testdata/diff/decisions.log.gz", buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
}
