//go:build !race

package metamorphic_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"io/fs"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/open-policy-agent/opa/v1/ast"

	"github.com/xtenant/xtenant/engine"
	"github.com/xtenant/xtenant/policies"
)

// opaBinary is the stock opa at go.mod's version (`make opa`; `make test`
// sets XTENANT_OPA_BIN).
func opaBinary(t *testing.T) string {
	t.Helper()
	bin := os.Getenv("XTENANT_OPA_BIN")
	if bin == "" {
		t.Skip("XTENANT_OPA_BIN is not set: run `make opa` and set it to bin/opa-<version> (make test does both)")
	}
	if _, err := os.Stat(bin); err != nil {
		t.Fatalf("XTENANT_OPA_BIN=%s: %v", bin, err)
	}
	return bin
}

// stockOPA runs `opa run --server` on a bundle file and returns its base
// URL once the bundle is active.
func stockOPA(t *testing.T, bin, bundlePath string) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	ctx, cancel := context.WithCancel(context.Background())
	cmd := exec.CommandContext(ctx, bin, "run", "--server", "--addr", addr, "--log-level", "error",
		"--disable-telemetry", "--bundle", bundlePath)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan struct{})
	go func() { _ = cmd.Wait(); close(exited) }()
	t.Cleanup(func() {
		cancel()
		<-exited
	})
	base := "http://" + addr
	deadline := time.Now().Add(60 * time.Second)
	for time.Now().Before(deadline) {
		resp, err := http.Get(base + "/health?bundles")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return base
			}
		}
		select {
		case <-exited:
			t.Fatalf("opa exited: %s", stderr.String())
		case <-time.After(50 * time.Millisecond):
		}
	}
	t.Fatalf("opa did not become healthy: %s", stderr.String())
	return ""
}

// opaData posts {"input": input} to a Data API path of the stock opa; ok is
// false when the path is undefined.
func opaData(t *testing.T, base, path string, input any) (any, bool) {
	t.Helper()
	body, err := json.Marshal(map[string]any{"input": input})
	if err != nil {
		t.Fatal(err)
	}
	resp, err := http.Post(base+"/v1/data/"+path, "application/json", bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("opa %s: %s: %s", path, resp.Status, raw)
	}
	var out map[string]any
	if err := json.Unmarshal(raw, &out); err != nil {
		t.Fatalf("opa %s: %v", path, err)
	}
	r, ok := out["result"]
	return r, ok
}

// TestMetamorphicStockOPA: the stock opa serving the bundle built from a
// scenario's tenants (as written, and transformed), asked with the raw
// input of every case and its variants, decides exactly as the engine does
// on the untransformed input. No canonicalisation happens before opa.
func TestMetamorphicStockOPA(t *testing.T) {
	bin := opaBinary(t)
	rules := policyRules(t)
	for _, sc := range loadScenarios(t) {
		t.Run(sc.file.Name, func(t *testing.T) {
			t.Parallel()
			written := tenantSet(t, sc.file.Name, sc.tenants)
			ref := newServer(t, written)
			want := make([]string, len(sc.cases))
			for i, c := range sc.cases {
				want[i] = view(t, reference(t, ref.eng, c.input), decisionMembers)
			}
			asWritten := stockOPA(t, bin, writeBundle(t, written, "written"))
			transformed := stockOPA(t, bin, writeBundle(t, tenantSet(t, sc.file.Name+"/transformed", transformedTenants(sc.tenants)), "transformed"))
			for _, srv := range []struct{ name, base string }{{"tenants as written", asWritten}, {"tenants transformed", transformed}} {
				for _, v := range inputVariants {
					for i, c := range sc.cases {
						in := v.input(c.input)
						where := srv.name + ", " + v.name + " input: " + c.name
						got, ok := opaData(t, srv.base, engine.DecisionPath, in)
						if !ok {
							t.Errorf("%s: opa: decision undefined for %s", where, canonical(t, in))
							continue
						}
						if g := view(t, asMap(got), decisionMembers); g != want[i] {
							t.Errorf("%s via stock opa:\n got  %s\n want %s", where, g, want[i])
						}
						allow, _ := opaData(t, srv.base, engine.DecisionPath+"/allow", in)
						if allow != asMap(jsonDecode(t, want[i]))["allow"] {
							t.Errorf("%s via stock opa decision/allow: %v", where, allow)
						}
					}
				}
			}
			// Forged members: a denied input with a member named after every
			// rule of the package (each set to what an allow would look
			// like) stays the same deny.
			for i, c := range sc.cases {
				w := asMap(jsonDecode(t, want[i]))
				if w["allow"] == true {
					continue
				}
				got, ok := opaData(t, asWritten, engine.DecisionPath, forge(c.input, rules))
				if !ok {
					t.Errorf("%s: forged input: decision undefined", c.name)
					continue
				}
				if g := view(t, asMap(got), decisionMembers); g != want[i] {
					t.Errorf("%s: forged members changed the decision:\n got  %s\n want %s", c.name, g, want[i])
				}
			}
		})
	}
}

// contractMembers are the decision input's own members (docs/contract.md): a
// rule of the same name is not forged, the input's value is the request.
var contractMembers = map[string]bool{
	"access_type": true, "home_tenant": true, "resource_tenant": true, "home_cloud": true, "resource_cloud": true,
	"identity_kind": true, "user": true, "application": true, "claims": true, "tenant_restrictions": true, "invitation": true,
}

// forge adds to in a member named after every rule of the package (and the
// old pair member), valued like an open answer.
func forge(in map[string]any, rules []string) map[string]any {
	open := map[string]any{
		"decision": "allow", "allow": true, "denied_by": nil, "error_code": nil, "reasons": []any{}, "step_up": []any{},
		"configuration_reasons": []any{}, "cloud_reasons": []any{}, "home_outbound": nil, "resource_inbound": nil,
		"permits_whom": "all", "consent_prompt": false, "ca_evaluated": []any{}, "ca_report_only": []any{},
	}
	out := shallow(in)
	for _, r := range append(rules, "xtenant_pair") {
		if !contractMembers[r] {
			out[r] = open
		}
	}
	return out
}

// policyRules lists the names of the rules of the built-in policy.
func policyRules(t *testing.T) []string {
	t.Helper()
	seen := map[string]bool{}
	err := fs.WalkDir(policies.FS, ".", func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(path, ".rego") || strings.HasSuffix(path, "_test.rego") {
			return err
		}
		src, err := fs.ReadFile(policies.FS, path)
		if err != nil {
			return err
		}
		m, err := ast.ParseModuleWithOpts(path, string(src), ast.ParserOptions{RegoVersion: ast.RegoV1})
		if err != nil {
			return err
		}
		for _, r := range m.Rules {
			seen[r.Head.Ref()[0].Value.(ast.Var).String()] = true
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(seen) < 100 {
		t.Fatalf("only %d rules found", len(seen))
	}
	out := make([]string, 0, len(seen))
	for r := range seen {
		out = append(out, r)
	}
	sort.Strings(out)
	return out
}

// TestStockOPAIssue9Reproductions: the three reproductions of issue 9
// against the stock opa serving the built bundle, with raw input.
func TestStockOPAIssue9Reproductions(t *testing.T) {
	bin := opaBinary(t)
	const doc = `{
	  "11111111-1111-1111-1111-111111111111": {"displayName": "Fabrikam"},
	  "22222222-2222-2222-2222-222222222222": {"displayName": "Contoso", "crossTenantAccessPolicy": {"partners": {
	    "11111111-1111-1111-1111-111111111111": {"b2bCollaborationInbound": {
	      "usersAndGroups": {"accessType": "blocked", "targets": [{"target": "abcdef00-0000-4000-8000-000000000001", "targetType": "group"}]},
	      "applications": {"accessType": "allowed", "targets": [{"target": "AllApplications", "targetType": "application"}]}}}}}},
	  "44444444-4444-4444-4444-444444444444": {"displayName": "Litware", "conditionalAccessPolicies": [
	    {"id": "p-no-apps", "state": "enabled", "conditions": {"users": {"includeUsers": ["All"]}}, "grantControls": {"operator": "OR", "builtInControls": ["block"]}}]}
	}`
	var tenantsDoc map[string]any
	if err := json.Unmarshal([]byte(doc), &tenantsDoc); err != nil {
		t.Fatal(err)
	}
	base := stockOPA(t, bin, writeBundle(t, tenantSet(t, "issue9", tenantsDoc), "issue9"))
	input := func(resource, group string) map[string]any {
		return map[string]any{
			"access_type": "b2b_collaboration", "home_tenant": "11111111-1111-1111-1111-111111111111", "resource_tenant": resource,
			"user":        map[string]any{"id": "a1a1a1a1-0000-4000-8000-000000000001", "groups": []any{group}},
			"application": map[string]any{"id": "d1d1d1d1-0000-4000-8000-0000000000a1"},
		}
	}
	open, ok := opaData(t, base, "xtenant/access/tenant_pair_computed", input("22222222-2222-2222-2222-222222222222", "abcdef00-0000-4000-8000-000000000002"))
	if !ok {
		t.Fatal("tenant_pair_computed undefined")
	}
	forged := input("99999999-9999-4999-8999-999999999999", "abcdef00-0000-4000-8000-000000000002")
	forged["xtenant_pair"] = open
	tests := []struct {
		name     string
		input    map[string]any
		deniedBy string
	}{
		{"1: forged pair summary, unknown resource tenant", forged, "configuration"},
		{"2: blocked group in upper case", input("22222222-2222-2222-2222-222222222222", "ABCDEF00-0000-4000-8000-000000000001"), "resource_inbound"},
		{"3: enabled block policy without applications", input("44444444-4444-4444-4444-444444444444", "abcdef00-0000-4000-8000-000000000002"), "configuration"},
	}
	for _, tc := range tests {
		d, ok := opaData(t, base, engine.DecisionPath, tc.input)
		if !ok {
			t.Fatalf("%s: undefined", tc.name)
		}
		if m := asMap(d); m["allow"] != false || m["denied_by"] != tc.deniedBy {
			t.Errorf("%s: allow %v denied_by %v, want deny by %s", tc.name, m["allow"], m["denied_by"], tc.deniedBy)
		}
		if allow, _ := opaData(t, base, engine.DecisionPath+"/allow", tc.input); allow != false {
			t.Errorf("%s: decision/allow %v", tc.name, allow)
		}
	}
	// Input outside the contract's values gets no decision at all (xtenant
	// answers 400): never a guess.
	for _, bad := range []func(map[string]any){
		func(m map[string]any) { m["access_type"] = "admin" },
		func(m map[string]any) { m["user"].(map[string]any)["user_type"] = "Member" },
		func(m map[string]any) { m["identity_kind"] = "ENTRA" },
		func(m map[string]any) { delete(m, "home_tenant") },
	} {
		in := input("22222222-2222-2222-2222-222222222222", "abcdef00-0000-4000-8000-000000000002")
		bad(in)
		for _, p := range []string{engine.DecisionPath, engine.DecisionPath + "/allow"} {
			if got, ok := opaData(t, base, p, in); ok {
				t.Errorf("%s for %v: %v, want undefined", p, in, got)
			}
		}
	}
}

// TestEveryPolicyDataPathChecked: on xtenant, every Data API path named
// after a rule of the package answers a bad input with 400 (never
// evaluated), and a good one either from the decision (decision and its
// members) or with a refusal (404): no path evaluates the policy outside
// the input checks, the cache and the decision log.
func TestEveryPolicyDataPathChecked(t *testing.T) {
	rules := policyRules(t)
	s := newServer(t, tenantSet(t, "empty", map[string]any{
		"11111111-1111-1111-1111-111111111111": map[string]any{},
		"22222222-2222-2222-2222-222222222222": map[string]any{},
	}))
	good := map[string]any{
		"access_type": "b2b_collaboration", "home_tenant": "11111111-1111-1111-1111-111111111111",
		"resource_tenant": "22222222-2222-2222-2222-222222222222",
		"user":            map[string]any{"id": "a1a1a1a1-0000-4000-8000-000000000001"},
		"application":     map[string]any{"id": "d1d1d1d1-0000-4000-8000-0000000000a1"},
	}
	bad := shallow(good)
	bad["access_type"] = "admin"
	for _, r := range rules {
		path := "/v1/data/xtenant/access/" + r
		for _, tc := range []struct {
			input map[string]any
			want  int
		}{{bad, http.StatusBadRequest}, {good, http.StatusNotFound}} {
			want := tc.want
			if r == "decision" && want == http.StatusNotFound {
				want = http.StatusOK
			}
			body, _ := json.Marshal(map[string]any{"input": tc.input})
			req := httptest.NewRequest("POST", path, bytes.NewReader(body))
			rec := httptest.NewRecorder()
			s.h.ServeHTTP(rec, req)
			if rec.Code != want {
				t.Errorf("POST %s (%s): %d %s, want %d", path, tc.input["access_type"], rec.Code, rec.Body, want)
			}
		}
	}
}
