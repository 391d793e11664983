//go:build !race

package metamorphic_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/gin-gonic/gin"

	"github.com/xtenant/xtenant/bundles"
	"github.com/xtenant/xtenant/engine"
	"github.com/xtenant/xtenant/engine/decisioncache"
	"github.com/xtenant/xtenant/engine/scenario"
	"github.com/xtenant/xtenant/internal/httpapi"
	"github.com/xtenant/xtenant/policies"
	"github.com/xtenant/xtenant/tenants"
)

const scenarioDir = "../testdata/scenarios"

func TestMain(m *testing.M) {
	gin.SetMode(gin.TestMode)
	os.Exit(m.Run())
}

// decisionMembers are the members of a decision every path must agree on
// (decision_id and revision differ per answer by design).
var decisionMembers = []string{"decision", "allow", "denied_by", "error_code", "reasons", "controls", "step_up", "consent_prompt", "report_only"}

// view is the comparable form of a decision (any JSON-like map holding
// some of decisionMembers): canonical JSON of those members, report_only
// sorted (its order is the stored order of the policies, which the
// reordered variants change on purpose).
func view(t testing.TB, doc map[string]any, members []string) string {
	t.Helper()
	out := map[string]any{}
	for _, m := range members {
		v := doc[m] // absent and null are the same (Go omits nulls)
		if m == "report_only" {
			list, _ := v.([]any)
			items := make([]string, len(list))
			for i, item := range list {
				items[i] = canonical(t, item)
			}
			sort.Strings(items)
			v = items
		}
		out[m] = v
	}
	return canonical(t, out)
}

func canonical(t testing.TB, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	var doc any
	if err := json.Unmarshal(b, &doc); err != nil {
		t.Fatal(err)
	}
	b, err = json.Marshal(dropNulls(doc)) // maps marshal with sorted keys
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// dropNulls removes null members of objects: the Go encoding of a decision
// omits them where OPA's keeps them.
func dropNulls(v any) any {
	switch t := v.(type) {
	case map[string]any:
		out := make(map[string]any, len(t))
		for k, item := range t {
			if item != nil {
				out[k] = dropNulls(item)
			}
		}
		return out
	case []any:
		out := make([]any, len(t))
		for i, item := range t {
			out[i] = dropNulls(item)
		}
		return out
	}
	return v
}

func toMap(t testing.TB, v any) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal([]byte(canonical(t, v)), &m); err != nil {
		t.Fatal(err)
	}
	return m
}

// scenarioCase is one case of a scenario, with its input as a JSON object.
type scenarioCase struct {
	name  string
	input map[string]any
}

type loaded struct {
	file    *scenario.File
	tenants map[string]any
	cases   []scenarioCase
}

func loadScenarios(t *testing.T) []loaded {
	t.Helper()
	files, err := scenario.LoadDir(scenarioDir)
	if err != nil {
		t.Fatal(err)
	}
	if len(files) == 0 {
		t.Fatalf("no scenarios in %s", scenarioDir)
	}
	var out []loaded
	for _, f := range files {
		if f.Pending != "" {
			continue
		}
		raw, _ := os.ReadFile(f.Path)
		if bytes.Contains(bytes.ToLower(raw), []byte(crowdPrefix)) {
			t.Fatalf("%s uses the irrelevant tenants' ids (%s…)", f.Path, crowdPrefix)
		}
		l := loaded{file: f}
		if err := json.Unmarshal(f.Tenants, &l.tenants); err != nil {
			t.Fatalf("%s: tenants: %v", f.Path, err)
		}
		for _, c := range f.Cases {
			if c.Pending != "" {
				continue
			}
			var in map[string]any
			if err := json.Unmarshal(c.Input, &in); err != nil {
				t.Fatalf("%s/%s: %v", f.Name, c.Name, err)
			}
			l.cases = append(l.cases, scenarioCase{c.Name, in})
		}
		out = append(out, l)
	}
	return out
}

func tenantSet(t testing.TB, name string, doc map[string]any) *tenants.Set {
	t.Helper()
	raw, err := json.Marshal(doc)
	if err != nil {
		t.Fatal(err)
	}
	ts, err := tenants.Parse(name, raw)
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	return ts
}

// server is one xtenant as `serve` assembles it: engine, cache, router.
type server struct {
	eng *engine.Engine
	h   http.Handler
}

func newServer(t testing.TB, ts *tenants.Set) *server {
	t.Helper()
	eng, err := bundles.BuiltinEngine(context.Background(), ts)
	if err != nil {
		t.Fatal(err)
	}
	cache, err := decisioncache.New(eng, eng, decisioncache.Config{MaxBytes: 64 << 20})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(cache.Close)
	h := httpapi.New(httpapi.Config{
		Evaluator: cache, Querier: eng, MaxBody: 8 << 20,
		// Every /v1/data path reaches the policy checks under test; the
		// 403 in front of them without --expose-data is tested in httpapi.
		ExposeData: true,
		Ready:      func() error { return nil },
		Status:     func(context.Context) httpapi.Status { return httpapi.Status{Revision: eng.Revision()} },
	})
	return &server{eng: eng, h: h}
}

// post sends a JSON body and decodes a 200 answer.
func (s *server) post(t testing.TB, path string, body any) map[string]any {
	t.Helper()
	raw, err := json.Marshal(body)
	if err != nil {
		t.Fatal(err)
	}
	req := httptest.NewRequest("POST", path, bytes.NewReader(raw))
	req.Header.Set("Content-Type", "application/json")
	rec := httptest.NewRecorder()
	s.h.ServeHTTP(rec, req)
	if rec.Code != http.StatusOK {
		t.Fatalf("POST %s: %d %s\nbody: %s", path, rec.Code, rec.Body, raw)
	}
	var out map[string]any
	if err := json.Unmarshal(rec.Body.Bytes(), &out); err != nil {
		t.Fatalf("POST %s: %v", path, err)
	}
	return out
}

// reference is the decision of the untransformed input by the engine.
func reference(t testing.TB, e *engine.Engine, in map[string]any) map[string]any {
	t.Helper()
	raw, _ := json.Marshal(in)
	req, err := engine.DecodeRequest(raw)
	if err != nil {
		t.Fatal(err)
	}
	d, err := e.Evaluate(context.Background(), req)
	if err != nil {
		t.Fatal(err)
	}
	return toMap(t, d)
}

// TestMetamorphicEveryPath: every scenario, every input variant, on the
// scenario's tenants and on the transformed tenants, through every xtenant
// path, against the engine's decision of the raw input on the raw tenants.
func TestMetamorphicEveryPath(t *testing.T) {
	for _, sc := range loadScenarios(t) {
		t.Run(sc.file.Name, func(t *testing.T) {
			t.Parallel()
			base := newServer(t, tenantSet(t, sc.file.Name, sc.tenants))
			want := make([]string, len(sc.cases))
			for i, c := range sc.cases {
				want[i] = view(t, reference(t, base.eng, c.input), decisionMembers)
			}
			servers := []struct {
				name string
				s    *server
			}{
				{"tenants as written", base},
				{"tenants transformed", newServer(t, tenantSet(t, sc.file.Name+"/transformed", transformedTenants(sc.tenants)))},
			}
			for _, srv := range servers {
				for _, v := range inputVariants {
					checkServer(t, srv.s, srv.name+", "+v.name+" input", sc, v, want)
				}
			}
		})
	}
}

// checkServer asks every case, transformed by v, of every path of s.
func checkServer(t *testing.T, s *server, label string, sc loaded, v variant, want []string) {
	t.Helper()
	var batch []any
	for i, c := range sc.cases {
		in := v.input(c.input)
		batch = append(batch, in)
		where := label + ": " + c.name
		check := func(path, got string) {
			t.Helper()
			if got != want[i] {
				t.Errorf("%s via %s:\n got  %s\n want %s\n input %s", where, path, got, want[i], canonical(t, in))
			}
		}
		check("engine", view(t, reference(t, s.eng, in), decisionMembers))
		check("/v1/evaluate", view(t, s.post(t, "/v1/evaluate", in), decisionMembers))
		data := s.post(t, "/v1/data/xtenant/access/decision", map[string]any{"input": in})
		check("/v1/data/xtenant/access/decision", view(t, asMap(data["result"]), decisionMembers))
		members := map[string]any{}
		for _, m := range decisionMembers {
			got := s.post(t, "/v1/data/xtenant/access/decision/"+m, map[string]any{"input": in})
			if r, ok := got["result"]; ok {
				members[m] = r
			}
		}
		check("/v1/data/xtenant/access/decision/<member>", view(t, members, decisionMembers))
		if !hasAuthZENIDs(in) {
			continue // AuthZEN 1.0 requires subject.id and resource.id: such an input is a 400 there
		}
		az := s.post(t, "/access/v1/evaluation", authzen(in))
		ctx := asMap(az["context"])
		wantAZ := asMap(jsonDecode(t, want[i]))
		gotAZ := map[string]any{"allow": az["decision"], "reasons": ctx["reasons"], "step_up": ctx["step_up"], "controls": ctx["requirements"]}
		azMembers := []string{"allow", "reasons", "step_up", "controls"}
		if g, w := view(t, gotAZ, azMembers), view(t, wantAZ, azMembers); g != w {
			t.Errorf("%s via AuthZEN:\n got  %s\n want %s", where, g, w)
		}
	}
	out := s.post(t, "/v1/evaluate/batch", map[string]any{"requests": batch})
	decisions, _ := out["decisions"].([]any)
	if len(decisions) != len(want) {
		t.Fatalf("%s batch: %d decisions for %d requests", label, len(decisions), len(want))
	}
	for i, d := range decisions {
		if got := view(t, asMap(d), decisionMembers); got != want[i] {
			t.Errorf("%s: %s via batch:\n got  %s\n want %s", label, sc.cases[i].name, got, want[i])
		}
	}
}

func asMap(v any) map[string]any {
	m, _ := v.(map[string]any)
	return m
}

func jsonDecode(t testing.TB, s string) any {
	t.Helper()
	var v any
	if err := json.Unmarshal([]byte(s), &v); err != nil {
		t.Fatal(err)
	}
	return v
}

// hasAuthZENIDs reports whether in names a user and an application, which
// AuthZEN's subject.id and resource.id must carry.
func hasAuthZENIDs(in map[string]any) bool {
	user, _ := in["user"].(map[string]any)
	app, _ := in["application"].(map[string]any)
	return stringOr(user["id"]) != "" && stringOr(app["id"]) != ""
}

// authzen maps a decision input to an AuthZEN 1.0 request (README's table).
func authzen(in map[string]any) map[string]any {
	user, _ := in["user"].(map[string]any)
	app, _ := in["application"].(map[string]any)
	subject := map[string]any{"type": "user", "id": stringOr(user["id"])}
	resource := map[string]any{"type": "application", "id": stringOr(app["id"])}
	props := func(dst map[string]any, src map[string]any, names map[string]string) {
		p := map[string]any{}
		for from, to := range names {
			if v, ok := src[from]; ok {
				p[to] = v
			}
		}
		if len(p) > 0 {
			if old, ok := dst["properties"].(map[string]any); ok {
				for k, v := range old {
					p[k] = v
				}
			}
			dst["properties"] = p
		}
	}
	props(subject, in, map[string]string{"home_tenant": "tenant", "home_cloud": "cloud", "identity_kind": "identity_kind", "claims": "claims"})
	props(subject, user, map[string]string{"groups": "groups", "user_type": "user_type", "resource_groups": "resource_groups",
		"resource_object_id": "resource_object_id", "gdap_session": "gdap_session"})
	props(resource, in, map[string]string{"resource_tenant": "tenant", "resource_cloud": "cloud"})
	props(resource, app, map[string]string{"client_id": "client_id"})
	out := map[string]any{"subject": subject, "resource": resource, "action": map[string]any{"name": in["access_type"]}}
	ctx := map[string]any{}
	for _, k := range []string{"tenant_restrictions", "invitation"} {
		if v, ok := in[k]; ok {
			ctx[k] = v
		}
	}
	if len(ctx) > 0 {
		out["context"] = ctx
	}
	return out
}

func stringOr(v any) string {
	s, _ := v.(string)
	return s
}

// writeBundle builds the bundle `xtenant bundle build` would (built-in
// policy, these tenants) and writes it to a file for the stock opa.
func writeBundle(t testing.TB, ts *tenants.Set, rev string) string {
	t.Helper()
	b, err := bundles.Build(bundles.BuildOptions{Policies: policies.FS, Tenants: ts, Revision: rev})
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "bundle.tar.gz")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := b.Write(f); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	return path
}

var _ = fmt.Sprintf
var _ = strings.ToUpper
